//! What changed in a month's figures since its report was issued: late
//! evidence or a record (cost, excusal, dispute) after issue does not touch the issued report, but
//! the current report lists each changed figure, issued against now, and
//! says each changed line and total in words with the causes behind it.
//!
//! # Layout
//! - this file: the figures compared, issued against now (`changes`);
//! - [`words`]: the same in sentences, with the records that moved them.

pub mod words;

use serde::Serialize;
use serde_json::Value;

use super::MonthReport;
use crate::store::Store;
use crate::store::issued::IssuedReport;
use crate::store::versions::Record;

/// The changes in `report` since its month's latest issued version, if the
/// month was issued and any compared figure changed.
pub async fn since_issue(
    store: &Store,
    report: &MonthReport<'_>,
) -> Result<Option<Amendment>, super::assemble::ReportError> {
    let issued = store
        .latest_issued(&report.contract.id, report.evaluation.period)
        .await?;
    let Some(issued) = issued else {
        return Ok(None);
    };
    let now = serde_json::to_value(super::json::to_json(report))?;
    let mut amendment = amendment(&issued, &now);
    // Records changed after the fact since the issue name themselves on the
    // figures of the levels they bear on.
    if let Some(a) = &mut amendment {
        for r in report
            .rewrites
            .iter()
            .filter(|r| r.received_at.timestamp() > issued.issued_at)
        {
            let record = format!("{} {}", r.kind.replace('_', " "), r.record);
            for c in &mut a.changes {
                let bears = r.effects.iter().any(|e| {
                    e.period == Some(report.evaluation.period)
                        && c.what.split(' ').next() == Some(e.service_level.as_str())
                });
                if bears && !c.records.contains(&record) {
                    c.records.push(record.clone());
                }
            }
        }
    }
    if let Some(a) = &mut amendment {
        let then: Value = serde_json::from_str(&issued.json)?;
        let arrivals = arrivals(store, report, a, issued.issued_at).await?;
        let ctx = words::Context {
            currency: &report.contract.currency,
            timezone: report.contract.timezone,
            period: report.evaluation.period,
            issued_at: issued.issued_at,
            rewrites: &report.rewrites,
            audit: &report.audit,
            arrivals: &arrivals,
        };
        a.lines = words::lines(&then, &now, &ctx);
    }
    Ok(amendment)
}

/// The evidence behind the records the amendment lists as moved, from each
/// record's history: its current version when the store received it after
/// the issue, with the fields that differ from the version before.
async fn arrivals(
    store: &Store,
    report: &MonthReport<'_>,
    amendment: &Amendment,
    issued_at: i64,
) -> Result<Vec<words::Arrival>, super::assemble::ReportError> {
    let mut named: Vec<&String> = Vec::new();
    for r in amendment.changes.iter().flat_map(|c| &c.records) {
        if !named.contains(&r) {
            named.push(r);
        }
    }
    let mut out = Vec::new();
    for name in named {
        let record = match name.split_once(' ') {
            Some(("incident", id)) => Record::Incident(id.to_string()),
            Some(("outage", id)) => Record::Outage(id.to_string()),
            _ => continue,
        };
        let (versions, _holds) = store.record_history(&report.contract.id, &record).await?;
        let Some((current, before)) = versions.split_last() else {
            continue;
        };
        if current.received_at <= issued_at {
            continue;
        }
        let fields = before
            .last()
            .map(|b| {
                current
                    .values
                    .iter()
                    .zip(&b.values)
                    .filter(|((_, now), (_, then))| now != then)
                    .map(|((column, _), _)| (*column).to_string())
                    .collect()
            })
            .unwrap_or_default();
        out.push(words::Arrival {
            record: name.clone(),
            source: current.import_source.clone(),
            corrected_by: current.corrected_by.clone(),
            fields,
            received_at: current.received_at,
        });
    }
    Ok(out)
}

/// The changes since the latest issued version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Amendment {
    /// The issued version compared with.
    pub issued_version: i64,
    /// When it was issued (RFC 3339, UTC).
    pub issued_at: String,
    /// Every figure that differs, service levels first, then totals.
    pub changes: Vec<Change>,
    /// The same per changed line and total, in words with their causes:
    /// a list beside `changes` (which stays one entry per figure), filled
    /// when the report is assembled against the store.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<words::LineWords>,
}

/// One figure that changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Which figure: `p1-resolution attainment_percent`, `total_claim_minor` …
    pub what: String,
    /// Its value in the issued report (`null` when it was absent).
    pub issued: Value,
    /// Its value now (`null` when it is gone).
    pub now: Value,
    /// The records behind the move, for a service level's figures: the
    /// incidents that became or stopped being breaches, the outages that
    /// came or went, and every record changed after the fact since the
    /// issue that bears on the level.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<String>,
}

impl Amendment {
    /// The issued value of `figure` (`attainment_percent`, `status`,
    /// `credit_minor`) on the line `id` (and `service`), when it changed.
    pub fn issued_figure(&self, id: &str, service: Option<&str>, figure: &str) -> Option<&Value> {
        let what = format!("{} {figure}", line_key(id, service));
        self.changes
            .iter()
            .find(|c| c.what == what)
            .map(|c| &c.issued)
    }
}

/// How a line is named in [`Change::what`]: its id, with the service when
/// the level is measured per service.
fn line_key(id: &str, service: Option<&str>) -> String {
    match service {
        Some(s) => format!("{id} ({s})"),
        None => id.to_string(),
    }
}

/// The figures compared on each service-level line.
const LEVEL_FIGURES: &[&str] = &["attainment_percent", "status", "credit_minor"];

/// The report-wide totals compared, as JSON pointers.
const TOTALS: &[(&str, &str)] = &[
    (
        "service_credits.total_minor",
        "/service_credits/total_minor",
    ),
    ("recoverable_costs_minor", "/recoverable_costs_minor"),
    ("total_claim_minor", "/total_claim_minor"),
];

/// The amendment of `now` (a report JSON) against `issued`, or `None` when
/// no compared figure changed (or the issued JSON is unreadable, which the
/// store's insert-only table should make impossible).
pub fn amendment(issued: &IssuedReport, now: &Value) -> Option<Amendment> {
    let then: Value = serde_json::from_str(&issued.json).ok()?;
    let changes = changes(&then, now);
    if changes.is_empty() {
        return None;
    }
    Some(Amendment {
        issued_version: issued.version,
        issued_at: crate::domain::time::format_utc(
            chrono::DateTime::from_timestamp(issued.issued_at, 0).unwrap_or_default(),
        ),
        changes,
        lines: Vec::new(),
    })
}

/// The compared figures that differ between two report JSON documents.
pub fn changes(issued: &Value, now: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    let then_levels = lines(issued);
    let now_levels = lines(now);
    let mut keys: Vec<&String> = then_levels.iter().map(|(k, _)| k).collect();
    for (k, _) in &now_levels {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    for key in keys {
        let find =
            |ls: &[(String, Value)]| ls.iter().find(|(k, _)| k == key).map(|(_, l)| l.clone());
        let (a, b) = (find(&then_levels), find(&now_levels));
        let records = moved_records(a.as_ref(), b.as_ref());
        for figure in LEVEL_FIGURES {
            let get = |l: &Option<Value>| {
                l.as_ref()
                    .and_then(|l| l.get(*figure))
                    .cloned()
                    .unwrap_or(Value::Null)
            };
            push(
                &mut out,
                format!("{key} {figure}"),
                (get(&a), get(&b)),
                &records,
            );
        }
    }
    for (what, pointer) in TOTALS {
        let get = |v: &Value| v.pointer(pointer).cloned().unwrap_or(Value::Null);
        push(&mut out, (*what).to_string(), (get(issued), get(now)), &[]);
    }
    out
}

fn push(out: &mut Vec<Change>, what: String, (issued, now): (Value, Value), records: &[String]) {
    if issued != now {
        out.push(Change {
            what,
            issued,
            now,
            records: records.to_vec(),
        });
    }
}

/// The incidents in one line's breaches and the outages it counted, in one
/// version of the line but not the other, in the order they are listed.
fn moved_records(issued: Option<&Value>, now: Option<&Value>) -> Vec<String> {
    let listed = |l: Option<&Value>| -> Vec<String> {
        let Some(l) = l else { return Vec::new() };
        let breaches = l
            .get("breaches")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|b| b.get("incident").and_then(Value::as_str))
            .map(|i| format!("incident {i}"));
        let outages = l
            .get("outages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|o| format!("outage {o}"));
        breaches.chain(outages).collect()
    };
    let (then, now) = (listed(issued), listed(now));
    then.iter()
        .filter(|r| !now.contains(r))
        .chain(now.iter().filter(|r| !then.contains(r)))
        .cloned()
        .collect()
}

/// Each service-level line keyed by its id, with the service when a level
/// is measured per service.
fn lines(report: &Value) -> Vec<(String, Value)> {
    report
        .get("service_levels")
        .and_then(Value::as_array)
        .map(|ls| {
            ls.iter()
                .map(|l| {
                    let id = l.get("id").and_then(Value::as_str).unwrap_or_default();
                    let key = line_key(id, l.get("service").and_then(Value::as_str));
                    (key, l.clone())
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_only_changed_figures() {
        let issued = json!({
            "service_levels": [
                {"id": "p1", "attainment_percent": 100.0, "status": "met", "credit_minor": 0},
                {"id": "av", "service": "email", "attainment_percent": 99.9, "status": "met", "credit_minor": 0}
            ],
            "service_credits": {"total_minor": 0}, "recoverable_costs_minor": 0, "total_claim_minor": 0
        });
        let mut now = issued.clone();
        now["service_levels"][0]["attainment_percent"] = json!(50.0);
        now["service_levels"][0]["status"] = json!("failed");
        now["service_levels"][0]["credit_minor"] = json!(2_500);
        now["service_credits"]["total_minor"] = json!(2_500);
        now["total_claim_minor"] = json!(2_500);
        let whats: Vec<String> = changes(&issued, &now).into_iter().map(|c| c.what).collect();
        assert_eq!(
            whats,
            [
                "p1 attainment_percent",
                "p1 status",
                "p1 credit_minor",
                "service_credits.total_minor",
                "total_claim_minor"
            ]
        );
        assert!(changes(&issued, &issued).is_empty());
    }
}
