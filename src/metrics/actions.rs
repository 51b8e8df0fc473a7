//! The actions register as metric values, per contract: actions by origin
//! and status, how many are overdue and by how long the oldest is. Handed
//! over by live detection (which reads the register for the alerts too).
//!
//! The `origin` label is the origin as people recorded it (an audit's
//! name): a handful per contract, never supplier text.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::exposition::Families;
use crate::domain::{Action, ActionStatus};

/// One contract's actions as metric values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionFigures {
    /// The contract's id.
    pub contract: String,
    /// Per origin: the count of each status, in [`ActionStatus::FOLLOW_UP_ORDER`].
    pub by_origin: BTreeMap<String, [u64; 5]>,
    /// Per origin: how many are overdue.
    pub overdue: BTreeMap<String, u64>,
    /// Days the longest-overdue action is overdue (0 when none is).
    pub max_days_overdue: i64,
}

impl ActionFigures {
    /// `actions` of `contract` on `today` (in the contract's timezone).
    pub fn new(contract: &str, actions: &[Action], today: NaiveDate) -> ActionFigures {
        let mut f = ActionFigures {
            contract: contract.to_string(),
            ..ActionFigures::default()
        };
        for a in actions {
            let counts = f.by_origin.entry(a.origin.clone()).or_insert([0; 5]);
            if let Some(i) = ActionStatus::FOLLOW_UP_ORDER
                .iter()
                .position(|s| *s == a.status())
            {
                counts[i] += 1;
            }
            let overdue = f.overdue.entry(a.origin.clone()).or_insert(0);
            *overdue += u64::from(a.is_overdue(today));
            f.max_days_overdue = f.max_days_overdue.max(a.days_overdue(today));
        }
        f
    }
}

/// Writes the actions families.
pub(super) fn write<'a>(
    f: &Families,
    all: impl Iterator<Item = &'a ActionFigures>,
) -> prometheus::Result<()> {
    let count = f.gauge(
        "slawatch_actions",
        "Actions in the actions register by origin and status (not_implemented, partially_implemented, substantially_implemented, fully_implemented, closed).",
        &["contract", "origin", "status"],
    )?;
    let overdue = f.gauge(
        "slawatch_actions_overdue",
        "Actions past their due date (in the contract's timezone) and neither fully implemented nor closed, by origin.",
        &["contract", "origin"],
    )?;
    // Prometheus's base unit: a dashboard shows it in days.
    let longest = f.gauge(
        "slawatch_actions_overdue_max_seconds",
        "How long the longest-overdue action of the contract has been overdue, in whole days as seconds (0 when none is).",
        &["contract"],
    )?;
    for a in all {
        for (origin, counts) in &a.by_origin {
            for (status, n) in ActionStatus::FOLLOW_UP_ORDER.iter().zip(counts) {
                count
                    .with_label_values(&[a.contract.as_str(), origin.as_str(), status.as_str()])
                    .set(*n as f64);
            }
        }
        for (origin, n) in &a.overdue {
            overdue
                .with_label_values(&[a.contract.as_str(), origin.as_str()])
                .set(*n as f64);
        }
        longest
            .with_label_values(&[a.contract.as_str()])
            .set((a.max_days_overdue * 86_400) as f64);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(origin: &str, id: &str, due: &str, status: ActionStatus) -> Action {
        Action::for_test(origin, id, id, due, status)
    }

    #[test]
    fn counts_by_origin_and_status_and_the_longest_overdue() {
        use ActionStatus::*;
        let dr = "IT DR audit";
        let actions = [
            action(dr, "1", "2026-10-31", FullyImplemented),
            action(dr, "2", "2026-10-31", PartiallyImplemented),
            action(dr, "3", "2026-11-30", NotImplemented),
            action(dr, "4", "2026-12-31", NotImplemented),
        ];
        // On 1 December: action 2 is 31 days overdue (31 October + 31 days),
        // action 3 one day; action 4 is not yet due; action 1 is settled.
        let f = ActionFigures::new("acme", &actions, "2026-12-01".parse().unwrap());
        assert_eq!(f.by_origin[dr], [1, 0, 1, 2, 0]);
        assert_eq!(f.overdue[dr], 2);
        assert_eq!(f.max_days_overdue, 31);
        let families = Families::new();
        write(&families, [&f].into_iter()).unwrap();
        let text = families.encode().unwrap();
        for needle in [
            r#"slawatch_actions{contract="acme",origin="IT DR audit",status="fully_implemented"} 1"#,
            r#"slawatch_actions{contract="acme",origin="IT DR audit",status="not_implemented"} 2"#,
            r#"slawatch_actions{contract="acme",origin="IT DR audit",status="closed"} 0"#,
            r#"slawatch_actions_overdue{contract="acme",origin="IT DR audit"} 2"#,
            r#"slawatch_actions_overdue_max_seconds{contract="acme"} 2678400"#,
        ] {
            assert!(text.contains(needle), "{needle} not in\n{text}");
        }
    }
}
