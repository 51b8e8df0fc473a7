//! What changed since the last pack: each contract's latest rating and DR
//! risk then and now, actions added, moved on the auditors' scale or newly
//! overdue, and contracts added or no longer covered — the questions a
//! committee opens its next meeting with.

use super::data::{Changes, ContractPack, Pack};
use crate::domain::ActionStatus;

/// The changes from `last` (issued as `version`) to `now`, in words.
pub fn since(last: &Pack, version: i64, now: &Pack) -> Changes {
    let mut lines = Vec::new();
    for c in &now.contracts {
        let Some(before) = last.contracts.iter().find(|b| b.id == c.id) else {
            lines.push(format!("{}: first included in this pack.", c.name));
            continue;
        };
        if let Some(line) = rating_change(before, c) {
            lines.push(line);
        }
        let dr = |p: &ContractPack| p.disaster_recovery.as_ref().map(|d| d.rating.clone());
        if let (Some(then), Some(now_band)) = (dr(before), dr(c))
            && then != now_band
        {
            lines.push(format!(
                "{}: DR risk {then} at {} → {now_band} at {}.",
                c.name, last.to, now.to
            ));
        }
    }
    for b in &last.contracts {
        if !now.contracts.iter().any(|c| c.id == b.id) {
            lines.push(format!("{}: no longer in the pack.", b.name));
        }
    }
    for a in &now.actions {
        let label =
            |s: &str| ActionStatus::parse(s).map_or(s.to_string(), |s| s.label().to_string());
        match last
            .actions
            .iter()
            .find(|b| b.contract == a.contract && b.id == a.id)
        {
            None => lines.push(format!(
                "Action {} ({}) added: {}, due {}.",
                a.id,
                a.origin,
                label(&a.status).to_lowercase(),
                a.due
            )),
            Some(b) => {
                if b.status != a.status {
                    lines.push(format!(
                        "Action {} ({}): {} → {}.",
                        a.id,
                        a.origin,
                        label(&b.status).to_lowercase(),
                        label(&a.status).to_lowercase()
                    ));
                }
                if b.days_overdue.is_none()
                    && let Some(days) = a.days_overdue
                {
                    lines.push(format!(
                        "Action {} ({}) became overdue: {days} days past {}.",
                        a.id, a.origin, a.due
                    ));
                }
            }
        }
    }
    if lines.is_empty() {
        lines.push("No rating, DR risk or action changed since the last pack.".to_string());
    }
    Changes {
        since_from: last.from.clone(),
        since_to: last.to.clone(),
        since_version: version,
        lines,
    }
}

/// The contract's last rated month then against now.
fn rating_change(before: &ContractPack, now: &ContractPack) -> Option<String> {
    let last_rated = |p: &ContractPack| {
        p.months
            .iter()
            .rev()
            .find_map(|m| m.rating.clone().map(|r| (m.period.clone(), r)))
    };
    let (then_period, then) = last_rated(before)?;
    let (now_period, rating) = last_rated(now)?;
    (then != rating).then(|| {
        format!(
            "{}: assurance {then} in {then_period} → {rating} in {now_period}.",
            now.name
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::pack::data::{ActionLine, MonthLine};

    fn month(period: &str, rating: Option<&str>) -> MonthLine {
        MonthLine {
            rating: rating.map(str::to_string),
            ..MonthLine::empty(period)
        }
    }

    fn pack(from: &str, to: &str, months: Vec<MonthLine>, actions: Vec<ActionLine>) -> Pack {
        Pack {
            schema_version: "1.0".into(),
            scope: "*".into(),
            from: from.into(),
            to: to.into(),
            months: vec![],
            prepared_at: String::new(),
            issue: None,
            contracts: vec![ContractPack {
                id: "acme".into(),
                name: "Acme managed service".into(),
                supplier: "Acme".into(),
                currency: "GBP".into(),
                months,
                levels: vec![],
                outages: vec![],
                outage_causes: vec![],
                commitment_categories: vec![],
                disaster_recovery: None,
            }],
            follow_up: vec![],
            actions,
            changes: None,
        }
    }

    fn action(id: &str, status: &str, days_overdue: Option<i64>) -> ActionLine {
        ActionLine {
            contract: "acme".into(),
            id: id.into(),
            origin: "IT DR audit".into(),
            title: "Test the failover".into(),
            owner: "Head of IT".into(),
            due: "2026-08-31".into(),
            status: status.into(),
            days_overdue,
        }
    }

    #[test]
    fn says_what_moved_since_the_last_pack() {
        let last = pack(
            "2026-04",
            "2026-06",
            vec![month("2026-06", Some("amber"))],
            vec![
                action("A1", "partially_implemented", None),
                action("A2", "not_implemented", None),
            ],
        );
        let now = pack(
            "2026-07",
            "2026-09",
            // September not rated: August is the latest rated month.
            vec![month("2026-08", Some("green")), month("2026-09", None)],
            vec![
                action("A1", "fully_implemented", None),
                action("A2", "not_implemented", Some(5)),
                action("A3", "not_implemented", None),
            ],
        );
        let changes = since(&last, 2, &now);
        assert_eq!(
            (changes.since_to.as_str(), changes.since_version),
            ("2026-06", 2)
        );
        assert_eq!(
            changes.lines,
            vec![
                "Acme managed service: assurance amber in 2026-06 → green in 2026-08.",
                "Action A1 (IT DR audit): partially implemented → fully implemented.",
                "Action A2 (IT DR audit) became overdue: 5 days past 2026-08-31.",
                "Action A3 (IT DR audit) added: not implemented, due 2026-08-31.",
            ]
        );
        let same = since(&now, 1, &now);
        assert_eq!(
            same.lines,
            vec!["No rating, DR risk or action changed since the last pack."]
        );
    }
}
