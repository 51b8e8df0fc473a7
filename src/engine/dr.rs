//! The disaster-recovery register: for each system the contract covers, how
//! critical it is, the recovery time and point agreed (RTO, RPO), who hosts
//! it, and the DR tests recorded against it; from these, four flags per
//! system and one risk rating per supplier, as of a date (pure).
//!
//! # Flags
//! - `no_recent_test`: no test dated within the 12 months up to the date
//!   (a test exactly 12 months before still counts: tested 2025-11-23, the
//!   flag rises on 2026-11-24).
//! - `worse_than_agreed`: the last test achieved a longer RTO or RPO than
//!   agreed (only what the test measured and the contract agreed is compared).
//! - `no_rto_rpo_agreed`: a `critical` system without an agreed RTO or RPO.
//! - `no_third_party_evidence`: a system hosted by a SaaS vendor or a cloud
//!   provider, with no DR evidence obtained from them: neither
//!   `third_party_evidence` in the configuration, nor an evidence reference on
//!   any recorded test, nor a current third-party assurance.
//! - `assurance_expired`: a vendor-run system whose latest third-party
//!   assurance has expired and no current one replaces it (raised instead of
//!   `no_third_party_evidence`, which it implies).
//!
//! # Third-party assurance
//! For a system a SaaS vendor or cloud provider runs, the council seldom sees
//! a test: what it gets is the vendor's assurance — a SOC 2 Type II report
//! covering DR testing, an ISO 22301 certificate, the vendor's own DR test
//! summary. Each is recorded like a test, dated by the end of the period it
//! covers (or the date it was issued) and with the date it expires. One is
//! **current** on a date from its own date to its expiry, both included; a
//! current one counts as the system's recent test (the system then *rests on
//! third-party assurance*, shown in the register) and as DR evidence from the
//! vendor.
//!
//! A withdrawn test (recorded by mistake; see [`Withdrawal`]) counts for
//! none of these, on any date.
//!
//! # Risk rating
//! A system's score is its criticality weight (critical 5, high 3, medium 2,
//! low 1) times the points of its flags (no recent test 3, worse than agreed
//! 3, no RTO/RPO agreed 2, no third-party evidence 2, assurance expired 2). The supplier's score
//! is its worst system's score, banded: 0 **low**, 1–6 **medium**, 7–14
//! **high**, 15 and over **severe**. So a critical system untested for a
//! year (5 × 3 = 15) is severe on its own, a medium one (2 × 3 = 6) medium.

use chrono::{Months, NaiveDate};

use crate::contract::dr::{Criticality, DrSystem, Host};

/// What a DR record is: a test the council saw, or a third party's
/// assurance about a system it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceKind {
    /// A DR test of the system.
    Test,
    /// A SOC 2 Type II report covering DR testing.
    Soc2,
    /// An ISO 22301 (business continuity) certificate.
    Iso22301,
    /// The vendor's own DR test summary.
    VendorTestReport,
    /// Any other dated assurance from the vendor.
    Other,
}

impl EvidenceKind {
    /// The kinds of third-party assurance, as recorded.
    pub const ASSURANCES: [EvidenceKind; 4] = [
        EvidenceKind::Soc2,
        EvidenceKind::Iso22301,
        EvidenceKind::VendorTestReport,
        EvidenceKind::Other,
    ];

    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Test => "test",
            EvidenceKind::Soc2 => "soc2",
            EvidenceKind::Iso22301 => "iso22301",
            EvidenceKind::VendorTestReport => "vendor_test_report",
            EvidenceKind::Other => "other",
        }
    }

    /// The kind spelled `text`.
    pub fn parse(text: &str) -> Option<EvidenceKind> {
        std::iter::once(EvidenceKind::Test)
            .chain(EvidenceKind::ASSURANCES)
            .find(|k| k.as_str() == text)
    }

    /// The assurance kind spelled `text`, or a message listing the kinds.
    pub fn assurance(text: &str) -> Result<EvidenceKind, String> {
        EvidenceKind::parse(text.trim())
            .filter(|k| *k != EvidenceKind::Test)
            .ok_or_else(|| {
                let kinds: Vec<&str> = EvidenceKind::ASSURANCES
                    .iter()
                    .map(|k| k.as_str())
                    .collect();
                format!("kind '{text}' is not one of {}", kinds.join(", "))
            })
    }

    /// In words, for messages and documents.
    pub fn words(self) -> &'static str {
        match self {
            EvidenceKind::Test => "DR test",
            EvidenceKind::Soc2 => "SOC 2 Type II report",
            EvidenceKind::Iso22301 => "ISO 22301 certificate",
            EvidenceKind::VendorTestReport => "vendor's DR test report",
            EvidenceKind::Other => "third-party assurance",
        }
    }
}

/// One DR test, or one third-party assurance, recorded against a system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrTest {
    /// Its id in the store.
    pub id: i64,
    /// The system tested.
    pub system: String,
    /// A test, or which kind of third-party assurance.
    pub kind: EvidenceKind,
    /// When the test took place; for an assurance, the end of the period it
    /// covers (or the date it was issued).
    pub date: NaiveDate,
    /// The last day an assurance counts (always set for an assurance; never
    /// for a test).
    pub expires: Option<NaiveDate>,
    /// The recovery time the test achieved, in seconds.
    pub achieved_rto_seconds: Option<i64>,
    /// The recovery point the test achieved, in seconds.
    pub achieved_rpo_seconds: Option<i64>,
    /// A reference to the test report or other evidence.
    pub evidence: Option<String>,
    /// Anything else worth saying.
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When it was recorded.
    pub recorded_at: crate::domain::Instant,
    /// Set once withdrawn: the test no longer counts.
    pub withdrawn: Option<Withdrawal>,
}

/// Who withdrew a DR test recorded by mistake, when and why. The test stays
/// on record; it no longer counts for flags, the last test or the rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    /// Who withdrew it.
    pub by: String,
    /// When.
    pub at: crate::domain::Instant,
    /// Why, as given.
    pub reason: String,
}

/// What is wrong with a system's DR arrangements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Flag {
    /// No test in the last 12 months.
    NoRecentTest,
    /// The last test recovered slower, or lost more data, than agreed.
    WorseThanAgreed,
    /// A critical system without an agreed RTO or RPO.
    NoRtoRpoAgreed,
    /// Hosted by a third party, no DR evidence obtained from it.
    NoThirdPartyEvidence,
    /// Hosted by a third party whose latest assurance has expired.
    AssuranceExpired,
}

impl Flag {
    /// Every flag, in the order they are reported.
    pub const ALL: [Flag; 5] = [
        Flag::NoRecentTest,
        Flag::WorseThanAgreed,
        Flag::NoRtoRpoAgreed,
        Flag::NoThirdPartyEvidence,
        Flag::AssuranceExpired,
    ];

    /// The report and metric spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::NoRecentTest => "no_recent_test",
            Flag::WorseThanAgreed => "worse_than_agreed",
            Flag::NoRtoRpoAgreed => "no_rto_rpo_agreed",
            Flag::NoThirdPartyEvidence => "no_third_party_evidence",
            Flag::AssuranceExpired => "assurance_expired",
        }
    }

    /// Its points in the risk score.
    pub fn points(self) -> u32 {
        match self {
            Flag::NoRecentTest | Flag::WorseThanAgreed => 3,
            Flag::NoRtoRpoAgreed | Flag::NoThirdPartyEvidence | Flag::AssuranceExpired => 2,
        }
    }
}

/// A supplier's DR risk, banded from its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rating {
    /// Score 0: nothing flagged.
    Low,
    /// Score 1–6.
    Medium,
    /// Score 7–14.
    High,
    /// Score 15 or more.
    Severe,
}

impl Rating {
    /// Every rating, lowest first.
    pub const ALL: [Rating; 4] = [Rating::Low, Rating::Medium, Rating::High, Rating::Severe];

    /// The band a score falls in.
    pub fn of(score: u32) -> Rating {
        match score {
            0 => Rating::Low,
            1..=6 => Rating::Medium,
            7..=14 => Rating::High,
            _ => Rating::Severe,
        }
    }

    /// The report and metric spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Low => "low",
            Rating::Medium => "medium",
            Rating::High => "high",
            Rating::Severe => "severe",
        }
    }
}

/// One flag raised, with what raised it in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raised {
    /// Which flag.
    pub flag: Flag,
    /// Why, in words a contract manager can check.
    pub detail: String,
}

/// One system assessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemAssessment {
    /// The system's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// How critical it is.
    pub criticality: Criticality,
    /// Who runs it.
    pub hosted_by: Host,
    /// The vendor's name, when given.
    pub vendor: Option<String>,
    /// The agreed RTO, in seconds.
    pub rto_seconds: Option<i64>,
    /// The agreed RPO, in seconds.
    pub rpo_seconds: Option<i64>,
    /// The third-party DR evidence obtained, when any.
    pub third_party_evidence: Option<String>,
    /// The last test dated on or before the date (assurances aside).
    pub last_test: Option<DrTest>,
    /// The third-party assurance current on the date, the latest if several.
    pub assurance: Option<DrTest>,
    /// The flags raised.
    pub flags: Vec<Raised>,
    /// Criticality weight × the flags' points.
    pub score: u32,
    /// Whether the last test is within the 12 months up to the date.
    tested_within_a_year: bool,
}

impl SystemAssessment {
    /// True when `flag` is raised.
    pub fn has(&self, flag: Flag) -> bool {
        self.flags.iter().any(|r| r.flag == flag)
    }

    /// True when the system counts as recently tested only through a
    /// third party's assurance, not a test the council saw.
    pub fn rests_on_assurance(&self) -> bool {
        self.assurance.is_some() && !self.tested_within_a_year
    }
}

/// A contract's DR register as of a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrAssessment {
    /// The date assessed (contract timezone).
    pub as_of: NaiveDate,
    /// The worst system's score.
    pub score: u32,
    /// Its band.
    pub rating: Rating,
    /// Each system in configuration order.
    pub systems: Vec<SystemAssessment>,
}

/// Assesses `systems` with the `tests` recorded (any order) as of `as_of`:
/// tests dated after it are not yet known, and withdrawn tests never count
/// (whatever the date: a withdrawal corrects the record, it is not an event
/// of the register). `None` when the contract lists no systems (nothing to
/// rate).
pub fn assess(systems: &[DrSystem], tests: &[DrTest], as_of: NaiveDate) -> Option<DrAssessment> {
    if systems.is_empty() {
        return None;
    }
    let assessed: Vec<SystemAssessment> = systems
        .iter()
        .map(|s| {
            let mine: Vec<&DrTest> = tests
                .iter()
                .filter(|t| t.system == s.id && t.date <= as_of && t.withdrawn.is_none())
                .collect();
            assess_system(s, &mine, as_of)
        })
        .collect();
    let score = assessed.iter().map(|s| s.score).max().unwrap_or(0);
    Some(DrAssessment {
        as_of,
        score,
        rating: Rating::of(score),
        systems: assessed,
    })
}

fn assess_system(s: &DrSystem, records: &[&DrTest], as_of: NaiveDate) -> SystemAssessment {
    let (tests, assurances): (Vec<&DrTest>, Vec<&DrTest>) =
        records.iter().partition(|t| t.kind == EvidenceKind::Test);
    // The latest by date; of two on one day, the later recorded.
    let latest = |of: &[&DrTest]| {
        of.iter()
            .max_by_key(|t| (t.date, t.recorded_at, t.id))
            .map(|t| (*t).clone())
    };
    let last = latest(&tests);
    let third_party = s.hosted_by.is_third_party();
    let current: Vec<&DrTest> = assurances
        .iter()
        .copied()
        .filter(|a| a.expires.is_some_and(|e| as_of <= e))
        .collect();
    let assurance = latest(&current).filter(|_| third_party);
    let expired = match assurance {
        Some(_) => None,
        None => assurances
            .iter()
            .filter(|_| third_party)
            .max_by_key(|a| (a.expires, a.date, a.recorded_at, a.id)),
    };
    let mut flags = Vec::new();
    let window_start = as_of.checked_sub_months(Months::new(12)).unwrap_or(as_of);
    let tested_within_a_year = last.as_ref().is_some_and(|t| t.date >= window_start);
    match (&last, &assurance) {
        (_, _) if tested_within_a_year => {}
        (_, Some(_)) => {}
        (None, None) => flags.push(Raised {
            flag: Flag::NoRecentTest,
            detail: "no DR test recorded".into(),
        }),
        (Some(t), None) => flags.push(Raised {
            flag: Flag::NoRecentTest,
            detail: format!(
                "last DR test on {}, more than 12 months before {as_of}",
                t.date
            ),
        }),
    }
    if let Some(t) = &last {
        let mut worse = Vec::new();
        for (what, achieved, agreed) in [
            ("RTO", t.achieved_rto_seconds, s.rto_seconds),
            ("RPO", t.achieved_rpo_seconds, s.rpo_seconds),
        ] {
            if let (Some(a), Some(g)) = (achieved, agreed)
                && a > g
            {
                worse.push(format!(
                    "{what} achieved {} against {} agreed",
                    words(a),
                    words(g)
                ));
            }
        }
        if !worse.is_empty() {
            flags.push(Raised {
                flag: Flag::WorseThanAgreed,
                detail: format!("test on {}: {}", t.date, worse.join("; ")),
            });
        }
    }
    if s.criticality == Criticality::Critical {
        let missing: Vec<&str> = [("RTO", s.rto_seconds), ("RPO", s.rpo_seconds)]
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(w, _)| *w)
            .collect();
        if !missing.is_empty() {
            flags.push(Raised {
                flag: Flag::NoRtoRpoAgreed,
                detail: format!("critical system with no {} agreed", missing.join(" or ")),
            });
        }
    }
    let who = s.vendor.as_deref().unwrap_or(s.hosted_by.as_str());
    let evidenced = s.third_party_evidence.is_some()
        || assurance.is_some()
        || tests
            .iter()
            .any(|t| t.evidence.as_deref().is_some_and(|e| !e.trim().is_empty()));
    if let Some(a) = expired {
        flags.push(Raised {
            flag: Flag::AssuranceExpired,
            detail: format!(
                "hosted by {who}: its {} dated {} expired on {}",
                a.kind.words(),
                a.date,
                a.expires.map(|e| e.to_string()).unwrap_or_default()
            ),
        });
    } else if third_party && !evidenced {
        flags.push(Raised {
            flag: Flag::NoThirdPartyEvidence,
            detail: format!("hosted by {who}: no DR evidence obtained from them"),
        });
    }
    let points: u32 = flags.iter().map(|r| r.flag.points()).sum();
    SystemAssessment {
        id: s.id.clone(),
        name: s.name.clone(),
        criticality: s.criticality,
        hosted_by: s.hosted_by,
        vendor: s.vendor.clone(),
        rto_seconds: s.rto_seconds,
        rpo_seconds: s.rpo_seconds,
        third_party_evidence: s.third_party_evidence.clone(),
        last_test: last,
        assurance,
        score: s.criticality.weight() * points,
        flags,
        tested_within_a_year,
    }
}

/// Seconds in hours, minutes and seconds (`4h`, `1h30m`, `29h`, `45s`), for
/// messages and the report. No days: a day of business time is not a day.
pub fn words(seconds: i64) -> String {
    if seconds == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = seconds;
    for (unit, size) in [("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

#[cfg(test)]
#[path = "dr_tests.rs"]
mod tests;
