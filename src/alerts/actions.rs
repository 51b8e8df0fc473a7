//! Alerts from the actions register, queued by live detection like the
//! commitments' ones. For each action neither fully implemented nor closed:
//! - **due soon** once it is due within `alerts.commitment_lead_time`
//!   (the same lead time as commitments, default 14 days), once;
//! - **overdue** the day after its due date, at once;
//! - a **reminder** each week after that while it stays overdue (in the
//!   daily digest): the dedup key carries the number of whole weeks since
//!   the first overdue day, so each reminder is queued once, however often
//!   detection runs.
//!
//! The due date is part of every key, so a revised due date starts the
//! cycle again from its own date.

use chrono::NaiveDate;

use super::compose::{Facts, alert};
use super::detect::contract_link;
use crate::config::Config;
use crate::contract::Contract;
use crate::domain::Action;
use crate::store::outbox::{NewAlert, Severity};

/// Which alert an action calls for on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Due within the lead time (today included), not settled.
    DueSoon,
    /// Overdue, in its `n`-th week (0: the first seven days overdue).
    Overdue(i64),
}

impl Stage {
    /// The stage of `a` on `today` (in its contract's timezone) with a lead
    /// time of `lead_days`.
    pub fn of(a: &Action, today: NaiveDate, lead_days: i64) -> Option<Stage> {
        if a.status().is_settled() {
            return None;
        }
        let days_left = (a.due() - today).num_days();
        match days_left {
            d if d < 0 => Some(Stage::Overdue((-d - 1) / 7)),
            d if d <= lead_days => Some(Stage::DueSoon),
            _ => None,
        }
    }

    /// The outbox key: one alert per action, due date and stage (and week).
    pub fn dedup_key(self, a: &Action) -> String {
        let base = format!("action/{}/{}/{}", a.contract, a.id, a.due());
        match self {
            Stage::DueSoon => format!("{base}/due_soon"),
            Stage::Overdue(week) => format!("{base}/overdue/{week}"),
        }
    }
}

/// The alerts `actions` of `contract` call for on `today`.
pub fn action_alerts(
    config: &Config,
    contract: &Contract,
    actions: &[Action],
    today: NaiveDate,
) -> Vec<NewAlert> {
    let lead_days = config.alerts.commitment_lead_days;
    actions
        .iter()
        .filter_map(|a| {
            Stage::of(a, today, lead_days).map(|s| {
                let link = contract_link(config, contract, &format!("actions/{}", a.id));
                action_alert(contract, a, s, today, link)
            })
        })
        .collect()
}

fn action_alert(
    contract: &Contract,
    a: &Action,
    stage: Stage,
    today: NaiveDate,
    link: String,
) -> NewAlert {
    let name = format!("action {} ({})", a.id, a.title);
    let headline = match stage {
        Stage::DueSoon => match (a.due() - today).num_days() {
            0 => format!("{name} is due today"),
            1 => format!("{name} is due tomorrow ({})", a.due()),
            n => format!("{name} is due in {n} days ({})", a.due()),
        },
        Stage::Overdue(0) => format!(
            "{name} is overdue: due {}, {}",
            a.due(),
            a.status().label().to_lowercase()
        ),
        Stage::Overdue(_) => format!(
            "reminder: {name} is {} days overdue (due {})",
            a.days_overdue(today),
            a.due()
        ),
    };
    let origin = match &a.reference {
        Some(r) => format!("{} ({r})", a.origin),
        None => a.origin.clone(),
    };
    let mut lines = vec![
        (
            "Contract",
            format!("{} ({})", contract.id, contract.supplier),
        ),
        ("Action", format!("{} ({})", a.title, a.id)),
        ("Origin", origin),
        ("Owner", a.owner.clone()),
        ("Due", a.due().to_string()),
        ("Status", a.status().label().to_string()),
    ];
    if a.due() != a.agreed_due {
        lines.push(("First agreed", a.agreed_due.to_string()));
    }
    if let Some(last) = a.history.last() {
        lines.push((
            "Last reviewed",
            format!(
                "{} by {}: {}",
                crate::domain::time::local_date(contract.timezone, last.recorded_at),
                last.by,
                last.reason
            ),
        ));
    }
    if a.is_overdue(today) {
        lines.push(("Days overdue", a.days_overdue(today).to_string()));
    }
    let next_step = match stage {
        Stage::DueSoon => format!(
            "ask {} for the evidence that the action is implemented, and record the review \
             (status, who reviewed, why, evidence) in the actions register.",
            a.owner
        ),
        Stage::Overdue(_) => format!(
            "ask {} for the evidence or a revised date; record the review in the actions \
             register, with the revised due date if one is agreed.",
            a.owner
        ),
    };
    let facts = Facts {
        headline,
        lines,
        evidence: format!(
            "Evidence: the actions register of {} (action {}), where every review is kept.",
            contract.id, a.id
        ),
        next_step: Some(next_step),
        link: Some(link),
        ..Facts::default()
    };
    let (kind, digest) = match stage {
        Stage::DueSoon => ("action_due_soon", true),
        Stage::Overdue(0) => ("action_overdue", false),
        Stage::Overdue(_) => ("action_reminder", true),
    };
    alert(
        stage.dedup_key(a),
        kind,
        Severity::Warning,
        Some(&contract.id),
        &contract.managers,
        &facts,
        digest,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ActionStatus;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn action(due: &str, status: ActionStatus) -> Action {
        Action::for_test("IT DR audit", "itdr-4", "Test the DR plan", due, status)
    }

    #[test]
    fn due_soon_within_the_lead_time_then_overdue_then_weekly() {
        let a = action("2026-11-30", ActionStatus::PartiallyImplemented);
        let stage = |day: &str| Stage::of(&a, d(day), 14);
        // 30 November less 14 days is 16 November: the first due-soon day.
        assert_eq!(stage("2026-11-15"), None);
        assert_eq!(stage("2026-11-16"), Some(Stage::DueSoon));
        assert_eq!(stage("2026-11-30"), Some(Stage::DueSoon));
        // Overdue from 1 December; week 1 from the 8th; 31 days overdue
        // (31 December) is in week (31 - 1) / 7 = 4.
        assert_eq!(stage("2026-12-01"), Some(Stage::Overdue(0)));
        assert_eq!(stage("2026-12-07"), Some(Stage::Overdue(0)));
        assert_eq!(stage("2026-12-08"), Some(Stage::Overdue(1)));
        assert_eq!(stage("2026-12-31"), Some(Stage::Overdue(4)));
        assert_eq!(
            Stage::Overdue(4).dedup_key(&a),
            "action/acme/itdr-4/2026-11-30/overdue/4"
        );
    }

    #[test]
    fn an_overdue_action_says_what_to_ask_and_links_to_its_page() {
        let text = "[alerts]\npublic_url = \"https://slawatch.council.example\"\n\
                    [[contracts]]\nid = \"acme\"\nsupplier = \"Acme\"\n\
                    timezone = \"Europe/London\"\ncurrency = \"GBP\"\n\
                    monthly_charge = \"1000.00\"\nmanagers = [\"m@council.example\"]\n";
        let config = crate::config::parse(text, "t.toml").unwrap();
        let a = action("2026-11-30", ActionStatus::PartiallyImplemented);
        let alerts = action_alerts(&config, &config.contracts[0], &[a], d("2026-12-01"));
        assert_eq!(alerts.len(), 1);
        let body = &alerts[0].body_text;
        assert!(
            body.contains(
                "What to do next: ask Head of IT for the evidence or a revised date; record the \
                 review in the actions register, with the revised due date if one is agreed."
            ),
            "{body}"
        );
        assert!(
            body.contains(
                "Evidence: the actions register of acme (action itdr-4), where every review is \
                 kept.\nOpen: https://slawatch.council.example/api/v1/contracts/acme/actions/itdr-4\n"
            ),
            "{body}"
        );
        assert!(!body.contains("slawatch actions"), "{body}");
    }

    #[test]
    fn settled_actions_are_never_alerted() {
        for s in [ActionStatus::FullyImplemented, ActionStatus::Closed] {
            let a = action("2026-11-30", s);
            assert_eq!(Stage::of(&a, d("2026-11-20"), 14), None);
            assert_eq!(Stage::of(&a, d("2027-01-20"), 14), None);
        }
    }
}
