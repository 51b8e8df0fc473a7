//! Money actually recovered: the issued claims set against what the
//! supplier credited or refused, as at an instant.
//!
//! - **Claimed**: for each month issued before the instant, the total claim
//!   of its latest version issued by then. A month not yet issued claims
//!   nothing yet (the supplier has not been sent it).
//! - **Credited** and **refused**: the credit notes and refusals recorded
//!   by the instant. A note naming several months is spread over them
//!   oldest first, each month taking at most what it still has open (its
//!   claim less what earlier notes of the same kind gave it, and, for a
//!   refusal, less what was credited); whatever is left falls on the last
//!   month named.
//! - **Outstanding** = claimed − credited (a refusal does not settle
//!   anything: the refused amount is still owed until the council gives it
//!   up, so it stays outstanding and is shown beside it). Below zero when
//!   the supplier credited more than was claimed.
//! - **Age**: whole days, in the contract's timezone, from the day a
//!   month's claim was first issued to the instant, for a month with
//!   something outstanding.

use std::collections::BTreeMap;

use chrono_tz::Tz;

use crate::domain::time::local_date;
use crate::domain::{CreditNote, Instant, NoteKind, Period};

/// One month's claim as issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedClaim {
    /// The month.
    pub period: Period,
    /// The latest version issued by the instant.
    pub version: i64,
    /// When the month was first issued: the claim's age counts from then.
    pub first_issued_at: Instant,
    /// When that latest version was issued.
    pub latest_issued_at: Instant,
    /// Its total claim, in minor units.
    pub claimed_minor: i64,
}

/// One month's recovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthRecovery {
    /// The month.
    pub period: Period,
    /// Its claim as issued; `None` for a month named by a note but not
    /// issued by the instant.
    pub issued: Option<IssuedClaim>,
    /// The claim (0 when not issued).
    pub claimed_minor: i64,
    /// What the supplier credited against it.
    pub credited_minor: i64,
    /// What the supplier refused of it.
    pub refused_minor: i64,
    /// Claimed less credited.
    pub outstanding_minor: i64,
    /// Days since the claim was first issued, when something is outstanding.
    pub outstanding_days: Option<i64>,
}

/// A contract's recovery as at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// The instant it is seen at.
    pub as_at: Instant,
    /// Every month issued or named by a note, oldest first.
    pub months: Vec<MonthRecovery>,
    /// The notes counted (recorded by the instant), oldest first.
    pub notes: Vec<CreditNote>,
    /// The sum of the months' claims.
    pub claimed_minor: i64,
    /// The sum of the credit notes.
    pub credited_minor: i64,
    /// The sum of the refusals.
    pub refused_minor: i64,
    /// Claimed less credited.
    pub outstanding_minor: i64,
    /// The age of the oldest month with something outstanding, in days.
    pub oldest_outstanding_days: Option<i64>,
}

impl Recovery {
    /// The months whose outstanding claim is older than `days` days.
    pub fn older_than(&self, days: i64) -> impl Iterator<Item = &MonthRecovery> {
        self.months
            .iter()
            .filter(move |m| m.outstanding_days.is_some_and(|d| d > days))
    }
}

/// The recovery of `claims` (one per issued month) against `notes`, as at
/// `at` in timezone `tz`; the caller passes only the claims issued before
/// `at` and the notes recorded by then.
pub fn recovery(claims: &[IssuedClaim], notes: &[CreditNote], tz: Tz, at: Instant) -> Recovery {
    let mut months: BTreeMap<Period, MonthRecovery> = BTreeMap::new();
    let blank = |period: Period| MonthRecovery {
        period,
        issued: None,
        claimed_minor: 0,
        credited_minor: 0,
        refused_minor: 0,
        outstanding_minor: 0,
        outstanding_days: None,
    };
    for c in claims {
        let m = months.entry(c.period).or_insert_with(|| blank(c.period));
        m.claimed_minor = c.claimed_minor;
        m.issued = Some(c.clone());
    }
    let mut notes: Vec<CreditNote> = notes.to_vec();
    notes.sort_by_key(|n| n.id);
    for note in &notes {
        spread(&mut months, note, blank);
    }
    let today = local_date(tz, at);
    for m in months.values_mut() {
        m.outstanding_minor = m.claimed_minor - m.credited_minor;
        m.outstanding_days = match &m.issued {
            Some(c) if m.outstanding_minor > 0 => Some(
                (today - local_date(tz, c.first_issued_at))
                    .num_days()
                    .max(0),
            ),
            _ => None,
        };
    }
    let months: Vec<MonthRecovery> = months.into_values().collect();
    let sum = |f: fn(&MonthRecovery) -> i64| months.iter().map(f).sum::<i64>();
    let (claimed, credited, refused) = (
        sum(|m| m.claimed_minor),
        sum(|m| m.credited_minor),
        sum(|m| m.refused_minor),
    );
    Recovery {
        as_at: at,
        oldest_outstanding_days: months.iter().filter_map(|m| m.outstanding_days).max(),
        months,
        notes,
        claimed_minor: claimed,
        credited_minor: credited,
        refused_minor: refused,
        outstanding_minor: claimed - credited,
    }
}

/// Spreads one note over its months, oldest first (see the module doc).
fn spread(
    months: &mut BTreeMap<Period, MonthRecovery>,
    note: &CreditNote,
    blank: impl Fn(Period) -> MonthRecovery,
) {
    let mut left = note.amount_minor;
    let last = note.months.len().saturating_sub(1);
    for (i, period) in note.months.iter().enumerate() {
        let m = months.entry(*period).or_insert_with(|| blank(*period));
        let open = match note.kind {
            NoteKind::Credit => m.claimed_minor - m.credited_minor,
            NoteKind::Refusal => m.claimed_minor - m.credited_minor - m.refused_minor,
        }
        .max(0);
        let share = if i == last { left } else { left.min(open) };
        match note.kind {
            NoteKind::Credit => m.credited_minor += share,
            NoteKind::Refusal => m.refused_minor += share,
        }
        left -= share;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use chrono_tz::Europe::London;

    fn at(y: i32, mo: u32, d: u32) -> Instant {
        Utc.with_ymd_and_hms(y, mo, d, 9, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn month(text: &str) -> Period {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    fn claim(period: &str, issued: Instant, minor: i64) -> IssuedClaim {
        IssuedClaim {
            period: month(period),
            version: 1,
            first_issued_at: issued,
            latest_issued_at: issued,
            claimed_minor: minor,
        }
    }

    fn note(id: i64, kind: NoteKind, minor: i64, months: &[&str]) -> CreditNote {
        CreditNote {
            id,
            kind,
            reference: format!("CN-{id}"),
            date: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default(),
            amount_minor: minor,
            months: months.iter().map(|m| month(m)).collect(),
            note: None,
            recorded_by: "J. Smith".into(),
            recorded_at: at(2026, 12, 1),
        }
    }

    #[test]
    fn a_credit_note_reduces_what_is_outstanding() {
        // October claimed 11,150.00, issued 1 November; November 2,000.00,
        // issued 1 December.
        let claims = [
            claim("2026-10", at(2026, 11, 1), 1_115_000),
            claim("2026-11", at(2026, 12, 1), 200_000),
        ];
        // CN-1 credits 1,250.00 against October.
        let notes = [note(1, NoteKind::Credit, 125_000, &["2026-10"])];
        let r = recovery(&claims, &notes, London, at(2027, 1, 5));
        // Claimed 11,150.00 + 2,000.00 = 13,150.00; outstanding 13,150.00 − 1,250.00 = 11,900.00.
        assert_eq!(r.claimed_minor, 1_315_000);
        assert_eq!(r.credited_minor, 125_000);
        assert_eq!(r.outstanding_minor, 1_190_000);
        // October: 11,150.00 − 1,250.00 = 9,900.00 outstanding since 1 Nov:
        // 30 days to 1 December, 31 to 1 January, 4 more to 5 January = 65.
        assert_eq!(r.months[0].outstanding_minor, 990_000);
        assert_eq!(r.months[0].outstanding_days, Some(65));
        // November: issued 1 Dec, 31 + 4 = 35 days.
        assert_eq!(r.months[1].outstanding_days, Some(35));
        assert_eq!(r.oldest_outstanding_days, Some(65));
        let chased: Vec<String> = r.older_than(60).map(|m| m.period.to_string()).collect();
        assert_eq!(chased, ["2026-10"]);
    }

    #[test]
    fn a_note_over_several_months_settles_the_oldest_first() {
        let claims = [
            claim("2026-10", at(2026, 11, 1), 100_000),
            claim("2026-11", at(2026, 12, 1), 50_000),
        ];
        // 1,200.00 over October and November: October takes its 1,000.00,
        // November the remaining 200.00 (of its 500.00).
        let notes = [note(1, NoteKind::Credit, 120_000, &["2026-10", "2026-11"])];
        let r = recovery(&claims, &notes, London, at(2026, 12, 10));
        assert_eq!(r.months[0].credited_minor, 100_000);
        assert_eq!(r.months[0].outstanding_minor, 0);
        assert_eq!(r.months[0].outstanding_days, None, "nothing left to age");
        assert_eq!(r.months[1].credited_minor, 20_000);
        assert_eq!(r.months[1].outstanding_minor, 30_000);
        // A refusal of 300.00 of November is shown, and still outstanding.
        let notes = [
            note(1, NoteKind::Credit, 120_000, &["2026-10", "2026-11"]),
            note(2, NoteKind::Refusal, 30_000, &["2026-11"]),
        ];
        let r = recovery(&claims, &notes, London, at(2026, 12, 10));
        assert_eq!(r.refused_minor, 30_000);
        assert_eq!(r.months[1].refused_minor, 30_000);
        // 1,000.00 + 500.00 − 1,200.00 = 300.00 outstanding.
        assert_eq!(r.outstanding_minor, 30_000);
    }

    #[test]
    fn a_credit_for_a_month_not_issued_is_kept_and_shown() {
        // December not issued yet: it claims nothing; a credit against it
        // shows as credited ahead of the claim (outstanding below zero).
        let notes = [note(1, NoteKind::Credit, 5_000, &["2026-12"])];
        let r = recovery(&[], &notes, London, at(2026, 12, 20));
        assert_eq!(r.months.len(), 1);
        assert_eq!(r.months[0].issued, None);
        assert_eq!(r.outstanding_minor, -5_000);
        assert_eq!(r.oldest_outstanding_days, None);
    }
}
