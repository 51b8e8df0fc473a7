//! Alerts from the disaster-recovery register: a flag newly raised on a
//! system (no test in 12 months, a test worse than agreed, a critical system
//! without an agreed RTO/RPO, no third-party evidence).
//!
//! Detection keeps no state, so "newly" is in the dedup key: it names the
//! flag's episode — the last test it follows from (`no_recent_test` after
//! test N, or `never`; `worse_than_agreed` of test N), or the configuration
//! for the other two — so each episode is alerted once, and a new test that
//! fails again, or a test going stale again, is a new alert. Critical
//! systems' flags are critical alerts; the others are warnings, digested.

use super::compose::{Facts, alert};
use super::detect::contract_link;
use crate::config::Config;
use crate::contract::Contract;
use crate::contract::dr::Criticality;
use crate::domain::Instant;
use crate::domain::time::local_date;
use crate::engine::dr::{DrAssessment, DrTest, Flag, SystemAssessment, assess};
use crate::store::outbox::{NewAlert, Severity};

/// Adds the alerts the contract's DR register calls for today.
pub fn detect(
    config: &Config,
    contract: &Contract,
    tests: &[DrTest],
    now: Instant,
    out: &mut Vec<NewAlert>,
) {
    let today = local_date(contract.timezone, now);
    if let Some(a) = assess(&contract.dr_systems, tests, today) {
        out.extend(dr_alerts(config, contract, &a));
    }
}

/// One alert per flag raised, keyed by its episode, each linking to the
/// contract's DR register.
pub fn dr_alerts(config: &Config, contract: &Contract, a: &DrAssessment) -> Vec<NewAlert> {
    let link = contract_link(config, contract, "dr");
    let mut out = Vec::new();
    for s in &a.systems {
        for raised in &s.flags {
            let episode = episode(s, raised.flag);
            let facts = Facts {
                headline: format!("DR flag on {}: {}", s.name, raised.detail),
                lines: vec![
                    (
                        "Contract",
                        format!("{} ({})", contract.id, contract.supplier),
                    ),
                    (
                        "System",
                        format!("{} ({}, {})", s.name, s.id, s.criticality.as_str()),
                    ),
                    ("Flag", raised.flag.as_str().to_string()),
                    ("Why", raised.detail.clone()),
                    (
                        "DR risk",
                        format!(
                            "{} (score {}; this system {})",
                            a.rating.as_str(),
                            a.score,
                            s.score
                        ),
                    ),
                ],
                evidence: format!(
                    "Evidence: the DR register of {}: the tests recorded for {}, against the \
                     recovery time and data loss agreed.",
                    contract.id, s.name
                ),
                next_step: Some(next_step(s, raised.flag)),
                link: Some(link.clone()),
                ..Facts::default()
            };
            let critical = s.criticality == Criticality::Critical;
            out.push(alert(
                format!(
                    "dr/{}/{}/{}/{episode}",
                    contract.id,
                    s.id,
                    raised.flag.as_str()
                ),
                "dr_flag",
                if critical {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                Some(&contract.id),
                &contract.managers,
                &facts,
                !critical,
            ));
        }
    }
    out
}

/// What the contract manager asks of the supplier, flag by flag: a test,
/// a plan to meet the agreed figures, figures to agree, or the vendor's
/// evidence; each recorded in the register once it is in hand.
fn next_step(s: &SystemAssessment, flag: Flag) -> String {
    let name = &s.name;
    match flag {
        Flag::NoRecentTest => format!(
            "ask the supplier for a DR test of {name} and its results, and record the test in \
             the DR register when they arrive."
        ),
        Flag::WorseThanAgreed => format!(
            "ask the supplier for a rectification plan that brings {name}'s recovery within \
             the agreed figures, with a date for a retest, and put it on the service review's \
             agenda."
        ),
        Flag::NoRtoRpoAgreed => format!(
            "agree a recovery time and a data loss limit for {name} with the supplier, and add \
             them to the contract's DR register."
        ),
        Flag::NoThirdPartyEvidence => format!(
            "ask the supplier for {}'s DR evidence for {name} (a test report or a certificate), \
             and record it in the DR register.",
            s.vendor.as_deref().unwrap_or("the hosting vendor")
        ),
        Flag::AssuranceExpired => format!(
            "ask {} for its current DR assurance for {name} (the SOC 2 report, ISO 22301 \
             certificate or DR test report that replaces the expired one), and record it in \
             the DR register.",
            s.vendor.as_deref().unwrap_or("the hosting vendor")
        ),
    }
}

fn episode(s: &SystemAssessment, flag: Flag) -> String {
    let last = s.last_test.as_ref().map(|t| t.id);
    match flag {
        Flag::NoRecentTest | Flag::WorseThanAgreed => {
            last.map_or("never".to_string(), |id| format!("test-{id}"))
        }
        Flag::NoRtoRpoAgreed => format!(
            "rto-{}-rpo-{}",
            s.rto_seconds.map_or("none".into(), |v| v.to_string()),
            s.rpo_seconds.map_or("none".into(), |v| v.to_string())
        ),
        Flag::NoThirdPartyEvidence => "config".to_string(),
        // The detail names the assurance and its expiry: a later one that
        // expires in turn is an episode of its own.
        Flag::AssuranceExpired => s
            .flags
            .iter()
            .find(|r| r.flag == flag)
            .map_or_else(String::new, |r| r.detail.clone()),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;
    use crate::contract::dr::{DrSystem, Host};
    use crate::engine::dr::{DrTest, EvidenceKind};

    fn config() -> Config {
        let text = "[alerts]\npublic_url = \"https://slawatch.council.example/\"\n\
                    [[contracts]]\nid = \"acme\"\nsupplier = \"Acme\"\ntimezone = \"Europe/London\"\n\
                    currency = \"GBP\"\nmonthly_charge = \"1000.00\"\nmanagers = [\"m@council.example\"]\n";
        crate::config::parse(text, "t.toml").unwrap()
    }

    fn test(id: i64, date: &str, rto: i64) -> DrTest {
        DrTest {
            id,
            system: "payroll".into(),
            kind: EvidenceKind::Test,
            date: NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
            expires: None,
            achieved_rto_seconds: Some(rto),
            achieved_rpo_seconds: None,
            evidence: None,
            note: None,
            recorded_by: "J. Smith".into(),
            recorded_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            withdrawn: None,
        }
    }

    #[test]
    fn each_episode_of_a_flag_has_its_own_key() {
        let systems = [DrSystem {
            id: "payroll".into(),
            name: "Payroll".into(),
            criticality: Criticality::Critical,
            rto_seconds: Some(14_400),
            rpo_seconds: Some(900),
            hosted_by: Host::Supplier,
            vendor: None,
            third_party_evidence: None,
        }];
        let config = config();
        let c = config.contracts[0].clone();
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let keys = |tests: &[DrTest], on: &str| -> Vec<String> {
            let a = assess(&systems, tests, day(on)).unwrap();
            dr_alerts(&config, &c, &a)
                .into_iter()
                .map(|x| x.dedup_key)
                .collect()
        };
        assert_eq!(
            keys(&[], "2026-01-10"),
            ["dr/acme/payroll/no_recent_test/never"]
        );
        // Tested and missed the RTO; a year later the same test is stale too.
        let t1 = [test(1, "2026-02-01", 18_000)];
        assert_eq!(
            keys(&t1, "2026-03-01"),
            ["dr/acme/payroll/worse_than_agreed/test-1"]
        );
        assert_eq!(
            keys(&t1, "2027-02-02"),
            [
                "dr/acme/payroll/no_recent_test/test-1",
                "dr/acme/payroll/worse_than_agreed/test-1"
            ]
        );
        // A new test that passes clears both; one that fails again is a new episode.
        let t2 = [test(1, "2026-02-01", 18_000), test(2, "2027-03-01", 3_600)];
        assert!(keys(&t2, "2027-03-02").is_empty());
        let t3 = [test(1, "2026-02-01", 18_000), test(3, "2027-03-01", 20_000)];
        assert_eq!(
            keys(&t3, "2027-03-02"),
            ["dr/acme/payroll/worse_than_agreed/test-3"]
        );
        let a = assess(&systems, &t3, day("2027-03-02")).unwrap();
        let alert = &dr_alerts(&config, &c, &a)[0];
        assert_eq!(alert.severity, Severity::Critical);
        assert!(
            alert
                .subject
                .contains("DR flag on Payroll: test on 2027-03-01: RTO achieved 5h33m20s"),
            "{}",
            alert.subject
        );
        // The next step in words and the register's page, no command to run.
        assert!(
            alert.body_text.contains(
                "What to do next: ask the supplier for a rectification plan that brings \
                 Payroll's recovery within the agreed figures, with a date for a retest, and \
                 put it on the service review's agenda."
            ),
            "{}",
            alert.body_text
        );
        assert!(
            alert
                .body_text
                .contains("Open: https://slawatch.council.example/api/v1/contracts/acme/dr\n"),
            "{}",
            alert.body_text
        );
        assert!(!alert.body_text.contains("slawatch dr-test"));
    }
}
