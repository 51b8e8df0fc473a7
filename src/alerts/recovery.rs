//! Chasing unpaid claims: a month whose issued claim still has money
//! outstanding more than the contract's `recovery_chase_after` days (default
//! 60) after it was first issued is alerted once to the contract's
//! managers. The dedup key names the contract and month, so the alert is
//! queued once however often detection runs; a later credit note that
//! settles the month simply means nothing more is said.
//!
//! Only a claim that became due for chasing in the last
//! [`CHASE_WINDOW_DAYS`] days is alerted, so a daemon started on a store
//! whose old claims were never recorded as paid does not email every one
//! of them (`slawatch credit-note list` shows them all); the window is wide
//! enough that a daemon down for a while still chases on its return.

use super::compose::{Facts, alert};
use super::detect::contract_link;
use crate::config::Config;
use crate::contract::Contract;
use crate::engine::recovery::{MonthRecovery, Recovery};
use crate::store::outbox::{NewAlert, Severity};

/// How many days after a claim became due for chasing it is still alerted.
pub const CHASE_WINDOW_DAYS: i64 = 30;

/// The outbox key of the chase alert for one month's claim.
pub fn dedup_key(contract: &str, m: &MonthRecovery) -> String {
    format!("recovery/{contract}/{}/chase", m.period)
}

/// The chase alerts `recovery` calls for: one per month outstanding longer
/// than the contract allows (and not longer than that by more than
/// [`CHASE_WINDOW_DAYS`]).
pub fn chase_alerts(config: &Config, contract: &Contract, recovery: &Recovery) -> Vec<NewAlert> {
    let link = contract_link(config, contract, "recovery");
    let after = contract.recovery.chase_after_days;
    recovery
        .older_than(after)
        .filter(|m| {
            m.outstanding_days
                .is_some_and(|d| d <= after + CHASE_WINDOW_DAYS)
        })
        .map(|m| chase_alert(contract, m, &link))
        .collect()
}

fn chase_alert(contract: &Contract, m: &MonthRecovery, link: &str) -> NewAlert {
    let money = |minor: i64| crate::domain::display::money(minor, &contract.currency);
    let days = m.outstanding_days.unwrap_or_default();
    let mut lines = vec![
        (
            "Contract",
            format!("{} ({})", contract.id, contract.supplier),
        ),
        ("Month", m.period.to_string()),
    ];
    if let Some(c) = &m.issued {
        lines.push((
            "Claim issued",
            format!(
                "{} (version {})",
                crate::domain::display::local_time(c.first_issued_at, contract.timezone),
                c.version
            ),
        ));
    }
    lines.extend([
        ("Claimed", money(m.claimed_minor)),
        ("Credited", money(m.credited_minor)),
        ("Outstanding", money(m.outstanding_minor)),
        (
            "Age",
            format!(
                "{days} days (chase after {} days)",
                contract.recovery.chase_after_days
            ),
        ),
    ]);
    if m.refused_minor > 0 {
        lines.push(("Refused by the supplier", money(m.refused_minor)));
    }
    let facts = Facts {
        headline: format!(
            "the {} claim is unpaid after {days} days: {} outstanding",
            m.period,
            money(m.outstanding_minor)
        ),
        lines,
        evidence: format!(
            "Evidence: the claims issued to {} and the credit notes recorded against them.",
            contract.supplier
        ),
        next_step: Some(format!(
            "chase the supplier for a credit note of {} for {}; if it refuses, ask for its \
             reasons in writing and record the refusal; record the credit note against the \
             month when it arrives.",
            money(m.outstanding_minor),
            m.period
        )),
        link: Some(link.to_string()),
        ..Facts::default()
    };
    alert(
        dedup_key(&contract.id, m),
        "claim_unpaid",
        Severity::Warning,
        Some(&contract.id),
        &contract.managers,
        &facts,
        true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CreditNote, NoteKind};
    use crate::engine::recovery::{IssuedClaim, recovery};
    use chrono::{TimeZone, Utc};

    fn config() -> Config {
        let text = r#"
[alerts]
public_url = "https://slawatch.council.example"

[[contracts]]
id = "acme"
supplier = "Acme"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "1000.00"
managers = ["m@council.example"]
recovery_chase_after = "60d"
"#;
        crate::config::parse(text, "t.toml").unwrap()
    }

    #[test]
    fn an_unpaid_claim_is_chased_after_the_contract_s_days() {
        let config = config();
        let c = config.contracts[0].clone();
        let issued = Utc.with_ymd_and_hms(2026, 11, 1, 7, 0, 0).unwrap();
        let claims = [IssuedClaim {
            period: "2026-10".parse().unwrap(),
            version: 1,
            first_issued_at: issued,
            latest_issued_at: issued,
            claimed_minor: 1_115_000,
        }];
        let on = |m: u32, d: u32| Utc.with_ymd_and_hms(2027, m, d, 9, 0, 0).unwrap();
        // 1 Nov to 31 Dec is 60 days: not yet older than 60.
        let at = Utc.with_ymd_and_hms(2026, 12, 31, 9, 0, 0).unwrap();
        assert!(chase_alerts(&config, &c, &recovery(&claims, &[], c.timezone, at)).is_empty());
        // 1 January: 61 days, 11,150.00 outstanding.
        let alerts = chase_alerts(&config, &c, &recovery(&claims, &[], c.timezone, on(1, 1)));
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].dedup_key, "recovery/acme/2026-10/chase");
        assert!(
            alerts[0]
                .subject
                .contains("the 2026-10 claim is unpaid after 61 days: £11,150.00 outstanding"),
            "{}",
            alerts[0].subject
        );
        assert!(
            alerts[0].body_text.contains(
                "What to do next: chase the supplier for a credit note of £11,150.00 for \
                 2026-10; if it refuses, ask for its reasons in writing and record the refusal; \
                 record the credit note against the month when it arrives."
            ),
            "{}",
            alerts[0].body_text
        );
        assert!(
            alerts[0].body_text.contains(
                "Open: https://slawatch.council.example/api/v1/contracts/acme/recovery\n"
            ),
            "{}",
            alerts[0].body_text
        );
        // Paid in full by a credit note: nothing to chase.
        let paid = CreditNote {
            id: 1,
            kind: NoteKind::Credit,
            reference: "CN-1".into(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 12, 20).unwrap(),
            amount_minor: 1_115_000,
            months: vec!["2026-10".parse().unwrap()],
            note: None,
            recorded_by: "J. Smith".into(),
            recorded_at: on(1, 1),
        };
        let r = recovery(&claims, &[paid], c.timezone, on(1, 1));
        assert!(chase_alerts(&config, &c, &r).is_empty());
        // 91 days (60 + 31) after issue it is past the window: not emailed.
        let late = chase_alerts(&config, &c, &recovery(&claims, &[], c.timezone, on(1, 31)));
        assert!(late.is_empty());
    }
}
