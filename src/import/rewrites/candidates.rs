//! Which changes an import made are rewrites (pure): a value the store
//! already held changed, or a hold added to an incident it already held,
//! received more than the contract's grace after the instants it touches.

use std::collections::BTreeMap;

use crate::domain::{ChangeType, Impact, Outage, WorkKind};
use crate::store::rewrites::Changed;
use crate::store::versions::describe_value;
use crate::store::write::{HOLDS, INCIDENTS, OUTAGES, Param, Table, WORK_ITEMS};

/// The incident fields a rewrite can touch, and whether each is an instant.
const INCIDENT_FIELDS: [(&str, bool); 5] = [
    ("opened_at", true),
    ("responded_at", true),
    ("resolved_at", true),
    ("priority", false),
    ("service", false),
];

/// The outage fields a rewrite can touch, and whether each is an instant.
const OUTAGE_FIELDS: [(&str, bool); 4] = [
    ("start_at", true),
    ("end_at", true),
    ("impact", false),
    ("planned", false),
];

/// The work item fields that make its class.
const WORK_CLASS_FIELDS: [&str; 3] = ["kind", "change_type", "proactive"];

/// What rewrote one incident: its own values, its holds, or both.
#[derive(Debug, Clone, Default)]
pub struct IncidentRewrite {
    /// Each change in words.
    pub changes: Vec<String>,
    /// The incident's own values changed (not only its holds).
    pub own: bool,
    /// Holds added after the fact: their starts (epoch seconds).
    pub holds_added: Vec<i64>,
    /// Ended holds lengthened (+) or shortened (−), in seconds.
    pub hold_seconds_moved: i64,
    /// The earliest instant touched (epoch seconds).
    pub touched: i64,
}

/// A rewritten outage, before and after.
#[derive(Debug, Clone)]
pub struct OutageRewrite {
    /// As the store held it.
    pub before: Outage,
    /// As the import left it.
    pub after: Outage,
    /// Each change in words.
    pub change: String,
}

/// A work item whose class was rewritten.
#[derive(Debug, Clone)]
pub struct WorkRewrite {
    /// Its id.
    pub id: String,
    /// Its class and opening before.
    pub before: WorkClass,
    /// The same after.
    pub after: WorkClass,
    /// Each change in words.
    pub change: String,
}

/// A work item's class and when it was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkClass {
    /// Incident, problem or change.
    pub kind: WorkKind,
    /// A change's type.
    pub change_type: Option<ChangeType>,
    /// An explicit classification.
    pub proactive: Option<bool>,
    /// Opened (epoch seconds).
    pub opened_at: i64,
}

impl WorkClass {
    /// True when work of this class counts as proactive.
    pub fn is_proactive(&self) -> bool {
        crate::domain::evidence::is_proactive(self.kind, self.change_type, self.proactive)
    }
}

/// The instant (epoch seconds) of an integer value.
fn int(p: &Param) -> Option<i64> {
    match p {
        Param::Int(v) => *v,
        Param::Text(_) => None,
    }
}

fn text(p: &Param) -> Option<&str> {
    match p {
        Param::Text(v) => v.as_deref(),
        Param::Int(_) => None,
    }
}

fn is_null(p: &Param) -> bool {
    matches!(p, Param::Int(None) | Param::Text(None))
}

/// The late changes among `fields` of one changed record: a value the
/// store held (not set for the first time) changed more than `grace`
/// seconds after the earlier of its old and new instants (after the record
/// was first stored, for a value that is not an instant), as received at
/// `at`. Returns each in words and the earliest instant touched.
fn late_changes(
    table: &Table,
    changed: &Changed,
    fields: &[(&str, bool)],
    grace: i64,
    at: i64,
) -> (Vec<String>, i64) {
    let mut out = Vec::new();
    let mut touched = i64::MAX;
    for (field, instant) in fields {
        let Some((before, after)) = changed.column(table, field) else {
            continue;
        };
        if before == after || is_null(before) {
            continue;
        }
        let reference = match instant {
            true => [int(before), int(after)].into_iter().flatten().min(),
            false => Some(changed.first_received),
        };
        let Some(reference) = reference else { continue };
        if at - reference > grace {
            touched = touched.min(reference);
            out.push(format!(
                "{field} {} → {}",
                describe_value(field, before),
                describe_value(field, after)
            ));
        }
    }
    (out, touched)
}

/// The incidents an import rewrote, by id: changes of their own values and
/// of their ended holds, and `new_holds` (incident, start, end) added after
/// the fact. Whether an added hold's incident was already held is checked
/// by the caller, which reads the incidents.
pub fn incidents(
    changed: &[Changed],
    changed_holds: &[Changed],
    new_holds: &[(String, i64, i64)],
    grace: i64,
    at: i64,
) -> BTreeMap<String, IncidentRewrite> {
    let mut out: BTreeMap<String, IncidentRewrite> = BTreeMap::new();
    for c in changed {
        let (changes, touched) = late_changes(&INCIDENTS, c, &INCIDENT_FIELDS, grace, at);
        let Some(id) = c.key.first().and_then(text) else {
            continue;
        };
        if changes.is_empty() {
            continue;
        }
        let entry = out.entry(id.to_string()).or_default();
        entry.own = true;
        entry.changes.extend(changes);
        entry.touched = touched;
    }
    for h in changed_holds {
        let (Some(id), Some(start)) = (h.key.first().and_then(text), h.key.get(1).and_then(int))
        else {
            continue;
        };
        let Some((before_end, after_end)) = h.column(&HOLDS, "end_at") else {
            continue;
        };
        // Only a hold whose interval had ended is history being rewritten.
        let Some(before_end) = int(before_end) else {
            continue;
        };
        let (changes, touched) =
            late_changes(&HOLDS, h, &[("end_at", true), ("reason", false)], grace, at);
        if changes.is_empty() {
            continue;
        }
        let entry = out
            .entry(id.to_string())
            .or_insert_with(|| IncidentRewrite {
                touched: i64::MAX,
                ..IncidentRewrite::default()
            });
        for change in changes {
            entry.changes.push(format!(
                "hold from {}: {change}",
                describe_value("start_at", &Param::Int(Some(start)))
            ));
        }
        if let Some(after_end) = int(after_end) {
            entry.hold_seconds_moved += after_end - before_end;
        }
        entry.touched = entry.touched.min(touched);
    }
    for (id, start, end) in new_holds {
        if at - start <= grace {
            continue;
        }
        let entry = out.entry(id.clone()).or_insert_with(|| IncidentRewrite {
            touched: i64::MAX,
            ..IncidentRewrite::default()
        });
        entry.changes.push(format!(
            "hold added from {} to {}",
            describe_value("start_at", &Param::Int(Some(*start))),
            describe_value("end_at", &Param::Int(Some(*end)))
        ));
        entry.holds_added.push(*start);
        entry.touched = entry.touched.min(*start);
    }
    out
}

/// The outages an import rewrote.
pub fn outages(changed: &[Changed], grace: i64, at: i64) -> Vec<OutageRewrite> {
    changed
        .iter()
        .filter_map(|c| {
            let (changes, _) = late_changes(&OUTAGES, c, &OUTAGE_FIELDS, grace, at);
            if changes.is_empty() {
                return None;
            }
            let id = c.key.first().and_then(text)?;
            Some(OutageRewrite {
                before: outage(id, &c.before)?,
                after: outage(id, &c.after)?,
                change: changes.join("; "),
            })
        })
        .collect()
}

fn outage(id: &str, values: &[Param]) -> Option<Outage> {
    let get = |column: &str| {
        OUTAGES
            .values
            .iter()
            .position(|c| *c == column)
            .and_then(|i| values.get(i))
    };
    let start = int(get("start_at")?)?;
    Some(Outage {
        id: id.to_string(),
        service: text(get("service")?)?.to_string(),
        start: chrono::DateTime::from_timestamp(start, 0)?,
        end: int(get("end_at")?).and_then(|e| chrono::DateTime::from_timestamp(e, 0)),
        impact: text(get("impact")?)?.parse::<Impact>().ok()?,
        planned: int(get("planned")?) == Some(1),
        source: text(get("source")?).map(str::to_string),
    })
}

/// The work items an import reclassified after the fact (a class the store
/// held, changed more than `grace` after the item was first stored).
pub fn work_items(changed: &[Changed], grace: i64, at: i64) -> Vec<WorkRewrite> {
    changed
        .iter()
        .filter_map(|c| {
            let fields: Vec<(&str, bool)> = WORK_CLASS_FIELDS.iter().map(|f| (*f, false)).collect();
            // The class is one value: an explicit classification or a change
            // type set for the first time still reclassifies the item.
            let class_changed = WORK_CLASS_FIELDS
                .iter()
                .any(|f| c.column(&WORK_ITEMS, f).is_some_and(|(b, a)| b != a));
            if !class_changed || at - c.first_received <= grace {
                return None;
            }
            let changes: Vec<String> = fields
                .iter()
                .filter_map(|(f, _)| {
                    let (b, a) = c.column(&WORK_ITEMS, f)?;
                    (b != a)
                        .then(|| format!("{f} {} → {}", describe_value(f, b), describe_value(f, a)))
                })
                .collect();
            Some(WorkRewrite {
                id: c.key.first().and_then(text)?.to_string(),
                before: work_class(&c.before)?,
                after: work_class(&c.after)?,
                change: changes.join("; "),
            })
        })
        .collect()
}

fn work_class(values: &[Param]) -> Option<WorkClass> {
    let get = |column: &str| {
        WORK_ITEMS
            .values
            .iter()
            .position(|c| *c == column)
            .and_then(|i| values.get(i))
    };
    Some(WorkClass {
        kind: text(get("kind")?)?.parse().ok()?,
        change_type: match text(get("change_type")?) {
            Some(t) => Some(t.parse().ok()?),
            None => None,
        },
        proactive: int(get("proactive")?).map(|p| p != 0),
        opened_at: int(get("opened_at")?)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn incident_change(before_resolved: Option<i64>, after_resolved: Option<i64>) -> Changed {
        let values = |resolved: Option<i64>| {
            vec![
                Param::Text(Some("P1".into())),
                Param::Text(None),
                Param::Int(Some(0)),
                Param::Int(Some(600)),
                Param::Int(resolved),
                Param::Int(resolved),
                Param::Text(None),
                Param::Text(None),
            ]
        };
        Changed {
            key: vec![Param::Text(Some("INC1".into()))],
            before: values(before_resolved),
            after: values(after_resolved),
            first_received: 10 * DAY,
            line: 2,
        }
    }

    /// A resolution moved within the day is an ordinary correction; the
    /// same move a week later is a rewrite; a resolution set for the first
    /// time is never one.
    #[test]
    fn grace_runs_from_the_earlier_instant_touched() {
        let moved = incident_change(Some(5 * DAY), Some(4 * DAY));
        assert!(incidents(std::slice::from_ref(&moved), &[], &[], DAY, 5 * DAY).is_empty());
        let found = incidents(&[moved], &[], &[], DAY, 12 * DAY);
        let rewrite = &found["INC1"];
        assert!(rewrite.own);
        assert_eq!(rewrite.touched, 4 * DAY);
        assert_eq!(
            rewrite.changes,
            vec!["resolved_at 1970-01-06T00:00:00Z → 1970-01-05T00:00:00Z"]
        );
        let first_time = incident_change(None, Some(4 * DAY));
        assert!(incidents(&[first_time], &[], &[], DAY, 30 * DAY).is_empty());
    }

    /// A hold added two days after it started is a rewrite; one added the
    /// same morning is not.
    #[test]
    fn holds_added_after_the_grace_are_rewrites() {
        let holds = [
            ("INC1".to_string(), 0, 3_600),
            ("INC2".to_string(), 2 * DAY - 3_600, 2 * DAY - 60),
        ];
        let found = incidents(&[], &[], &holds, DAY, 2 * DAY);
        assert_eq!(found.keys().collect::<Vec<_>>(), vec!["INC1"]);
        assert_eq!(found["INC1"].holds_added, vec![0]);
        assert!(!found["INC1"].own);
    }
}
