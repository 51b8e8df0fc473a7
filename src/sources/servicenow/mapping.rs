//! ServiceNow records → interchange records and supplier SLA
//! verdicts. Pure functions: no I/O, so each rule is tested by example.
//!
//! - Raw date-times are UTC without an offset (`2026-10-05 09:00:00`); they
//!   are handed on as RFC 3339 with `Z`, because the interchange reads naive
//!   times in the contract's timezone.
//! - ServiceNow has no standard response field: an incident's response is
//!   read where the source says (`response_from`): by default the first
//!   audited change of `state` away from New (1).
//! - Holds are the audited spans in a hold state (the state model's; by
//!   default On Hold, 3), one per hold reason: Awaiting Caller
//!   (`hold_reason` 1) is `awaiting_customer`; other reasons are named by
//!   their choice label (`awaiting_vendor`) or, without one,
//!   `hold_reason_<value>`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};

use super::client::{Record, field};
use crate::config::{ResponseFrom, ServiceNowSource, StateModel};
use crate::store::servicenow::SlaVerdict;

/// The raw date-time format of the Table API (UTC).
const RAW_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// A raw ServiceNow date-time (UTC).
pub(super) fn raw_time(text: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text.trim(), RAW_FORMAT)
        .ok()
        .map(|t| t.and_utc())
}

/// A raw date-time as the interchange wants it: RFC 3339 in UTC. A value
/// that is not a ServiceNow date-time is passed on marked as such, so the
/// record is refused with a reason that shows it (never read as local time).
fn interchange_time(text: &str) -> String {
    match raw_time(text) {
        Some(t) => rfc3339(t),
        None => format!("{text} (not a ServiceNow date-time)"),
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A ServiceNow duration (`1970-01-01 00:02:17` is 137 s) in seconds.
pub(super) fn duration_seconds(text: &str) -> Option<i64> {
    raw_time(text).map(|t| t.timestamp())
}

/// The encoded query for one page of an incremental read, in a stable order
/// (`order_by`, then `sys_id`):
/// - records updated since `since` (less an overlap, for updates committed
///   late), or every record when there is no watermark yet;
/// - after the last record already received (`after`: its `order_by` value
///   and sys_id). Paging by key, not offset, so a record updated while the
///   pages are read moves past the end of what is being read rather than
///   shifting the pages under it and making another record skipped;
/// - every filter in `filters`. A filter's `^NQ` groups (an OR of whole
///   queries) each get every condition above, so no group of a configured
///   query can escape the watermark.
pub(super) fn incremental_query(
    since: Option<&str>,
    overlap: TimeDelta,
    after: Option<(&str, &str)>,
    filters: &[&str],
    order_by: &str,
) -> String {
    let keys: Vec<String> = match (after, since) {
        (Some((value, sys_id)), _) => vec![
            format!("{order_by}>{value}"),
            format!("{order_by}={value}^sys_id>{sys_id}"),
        ],
        (None, Some(since)) => {
            let from = raw_time(since).map_or_else(
                || since.to_string(),
                |t| (t - overlap).format(RAW_FORMAT).to_string(),
            );
            vec![format!("{order_by}>={from}")]
        }
        (None, None) => vec![String::new()],
    };
    // An AND of ORs multiplied out: every combination of one group of each filter.
    let mut groups: Vec<Vec<String>> = keys.into_iter().map(|k| vec![k]).collect();
    for filter in filters {
        let alternatives = filter_groups(filter);
        groups = groups
            .iter()
            .flat_map(|group| {
                alternatives.iter().map(move |alternative| {
                    let mut terms = group.clone();
                    terms.push(alternative.clone());
                    terms
                })
            })
            .collect();
    }
    let mut query: Vec<String> = groups
        .into_iter()
        .map(|terms| {
            terms
                .into_iter()
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join("^")
        })
        .collect();
    query.dedup();
    let order = format!("ORDERBY{order_by}^ORDERBYsys_id");
    match query.join("^NQ") {
        q if q.is_empty() => order,
        q => format!("{q}^{order}"),
    }
}

/// A configured filter's `^NQ` groups, each as its conditions joined by
/// `^`, without ordering terms (the read sets its own order). An empty
/// filter is one empty group.
fn filter_groups(filter: &str) -> Vec<String> {
    let groups: Vec<String> = filter
        .split("^NQ")
        .map(|group| {
            group
                .split('^')
                .map(str::trim)
                .filter(|t| !t.is_empty() && !t.starts_with("ORDERBY") && *t != "EQ")
                .collect::<Vec<_>>()
                .join("^")
        })
        .filter(|g| !g.is_empty())
        .collect();
    if groups.is_empty() {
        vec![String::new()]
    } else {
        groups
    }
}

/// Where a page ends, for the next page's query: the last record's
/// `sys_updated_on` (as the instance wrote it) and sys_id. Both come from
/// the instance and go back into a query, so both are checked to be what
/// they claim (a date-time; letters and digits) and nothing that could
/// add a condition.
pub(super) fn page_key(record: &Record, order_by: &str) -> Result<(String, String), String> {
    let value = field(record, order_by)
        .filter(|v| raw_time(v).is_some())
        .ok_or_else(|| format!("a record's {order_by} is missing or not a date-time"))?;
    let sys_id = field(record, "sys_id")
        .filter(|id| id.chars().all(|c| c.is_ascii_alphanumeric()))
        .ok_or_else(|| "a record's sys_id is missing or not letters and digits".to_string())?;
    Ok((value.to_string(), sys_id.to_string()))
}

/// The configured filter seen from a table that references the filtered
/// one through `via` (`task_sla.task`): every field is dot-walked.
/// `assignment_group.name=X^ORpriority=1` → `task.assignment_group.name=X^ORtask.priority=1`.
pub(super) fn dot_walk(query: &str, via: &str) -> String {
    query
        .split("^NQ")
        .map(|group| {
            group
                .split('^')
                .filter(|t| !t.is_empty() && !t.starts_with("ORDERBY") && *t != "EQ")
                .map(|term| match term.strip_prefix("OR") {
                    Some(rest) => format!("OR{via}.{rest}"),
                    None => format!("{via}.{term}"),
                })
                .collect::<Vec<_>>()
                .join("^")
        })
        .collect::<Vec<_>>()
        .join("^NQ")
}

/// The fields an encoded query's conditions name, each as its first
/// segment (`assignment_group` of `assignment_group.name=X`): what the
/// table itself must have. Ordering terms name fields too.
pub(super) fn query_fields(query: &str) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    for term in query.split('^') {
        let term = term.trim();
        let term = term
            .strip_prefix("ORDERBYDESC")
            .or_else(|| term.strip_prefix("ORDERBY"))
            .or_else(|| term.strip_prefix("OR"))
            .or_else(|| term.strip_prefix("NQ"))
            .unwrap_or(term);
        if term.is_empty() || term == "EQ" {
            continue;
        }
        let name: String = term
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        // An operator spelt in capitals (`IN`, `STARTSWITH`, `ISEMPTY`) ends
        // the name: field names are lower case.
        let name = match name.find(|c: char| c.is_ascii_uppercase()) {
            Some(at) => name[..at].to_string(),
            None => name,
        };
        if !name.is_empty() && !fields.contains(&name) {
            fields.push(name);
        }
    }
    fields
}

/// The incident fields a poll asks for.
pub(super) fn incident_fields(cfg: &ServiceNowSource) -> Vec<String> {
    let mut fields: Vec<String> = [
        "sys_id",
        "number",
        "priority",
        "state",
        "opened_at",
        "resolved_at",
        "closed_at",
        "short_description",
        "sys_updated_on",
    ]
    .map(str::to_string)
    .to_vec();
    match cfg.response_from {
        ResponseFrom::WorkStart => fields.push("work_start".into()),
        // Entries by the caller are not the supplier's response.
        ResponseFrom::Journal => fields.push("caller_id.user_name".into()),
        ResponseFrom::StateChange | ResponseFrom::Assignment => {}
    }
    if let Some(service) = &cfg.service_field {
        // The dot-walk gives the service's name (its display value) while
        // every other field stays raw.
        fields.push(service.clone());
        fields.push(format!("{service}.name"));
    }
    fields
}

/// One audited change of an incident's `state` or `hold_reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AuditChange {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The record's update count then, to order changes within a second.
    pub checkpoint: i64,
    /// `state` or `hold_reason`.
    pub field: String,
    /// The value before.
    pub old: String,
    /// The value after.
    pub new: String,
}

impl AuditChange {
    /// A `sys_audit` row; `None` when it has no readable time.
    pub(super) fn from_record(r: &Record) -> Option<(String, AuditChange)> {
        Some((
            field(r, "documentkey")?.to_string(),
            AuditChange {
                at: raw_time(field(r, "sys_created_on")?)?,
                checkpoint: field(r, "record_checkpoint")
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0),
                field: field(r, "fieldname")?.to_string(),
                old: field(r, "oldvalue").unwrap_or("").to_string(),
                new: field(r, "newvalue").unwrap_or("").to_string(),
            },
        ))
    }
}

/// The first change of `state` away from a new state: the supplier's response.
pub(super) fn responded_at(changes: &[AuditChange], model: &StateModel) -> Option<DateTime<Utc>> {
    changes
        .iter()
        .filter(|c| c.field == "state" && !c.new.is_empty() && !model.new_states.contains(&c.new))
        .map(|c| c.at)
        .min()
}

/// The first assignment to a person (`assigned_to` set).
pub(super) fn first_assignment(changes: &[AuditChange]) -> Option<DateTime<Utc>> {
    changes
        .iter()
        .filter(|c| c.field == "assigned_to" && !c.new.is_empty())
        .map(|c| c.at)
        .min()
}

/// The audited fields a poll asks `sys_audit` for.
pub(super) fn audited_fields(cfg: &ServiceNowSource) -> Vec<&'static str> {
    let mut fields = vec!["state", "hold_reason"];
    if cfg.response_from == ResponseFrom::Assignment {
        fields.push("assigned_to");
    }
    fields
}

/// Whether the response instant comes from the audit history.
pub(super) fn response_needs_audit(cfg: &ServiceNowSource) -> bool {
    matches!(
        cfg.response_from,
        ResponseFrom::StateChange | ResponseFrom::Assignment
    )
}

/// Whether an incident was created past a new state: its first audited
/// `state` change starts from another state, or, with none, its state now
/// is another. Instances audit no inserts by default
/// (`glide.sys.audit_inserts`), so an incident logged straight into In
/// Progress has no audited move away from New: it was answered as it was
/// logged.
fn created_past_new(r: &Record, changes: &[AuditChange], model: &StateModel) -> bool {
    let first = changes
        .iter()
        .filter(|c| c.field == "state")
        .min_by_key(|c| (c.at, c.checkpoint));
    let initial = match first {
        Some(c) => c.old.as_str(),
        None => field(r, "state").unwrap_or(""),
    };
    !initial.is_empty() && !model.new_states.iter().any(|s| s == initial)
}

/// An incident's response instant, read where the source is configured
/// to: `journal` is the first qualifying journal entry's time, when asked;
/// `audited` says whether `changes` is the whole audited history (not when
/// the API user may not read it).
pub(super) fn response(
    r: &Record,
    cfg: &ServiceNowSource,
    changes: &[AuditChange],
    audited: bool,
    journal: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    match cfg.response_from {
        ResponseFrom::StateChange if audited && created_past_new(r, changes, &cfg.states) => {
            field(r, "opened_at").and_then(raw_time)
        }
        ResponseFrom::StateChange => responded_at(changes, &cfg.states),
        ResponseFrom::Assignment => first_assignment(changes),
        ResponseFrom::WorkStart => field(r, "work_start").and_then(raw_time),
        ResponseFrom::Journal => journal,
    }
}

/// The first `work_notes` or `comments` entry of each incident (by sys_id)
/// not written by its caller: the supplier speaking first. `callers` maps
/// an incident's sys_id to its caller's user name.
pub(super) fn first_journal(
    rows: &[Record],
    callers: &HashMap<String, String>,
) -> HashMap<String, DateTime<Utc>> {
    let mut first: HashMap<String, DateTime<Utc>> = HashMap::new();
    for r in rows {
        let (Some(id), Some(at)) = (
            field(r, "element_id"),
            field(r, "sys_created_on").and_then(raw_time),
        ) else {
            continue;
        };
        let by = field(r, "sys_created_by").unwrap_or("");
        if callers.get(id).is_some_and(|caller| caller == by) {
            continue;
        }
        let entry = first.entry(id.to_string()).or_insert(at);
        *entry = (*entry).min(at);
    }
    first
}

/// A span on hold with one reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct HoldSpan {
    /// When it began.
    pub start: DateTime<Utc>,
    /// When it ended; `None` while on hold.
    pub end: Option<DateTime<Utc>>,
    /// `awaiting_customer`, or the other reason's name.
    pub reason: String,
}

/// Hold reason values → their choice labels (from `sys_choice`).
pub(super) type HoldReasonLabels = HashMap<String, String>;

/// The interchange name of a `hold_reason` value: as `hold_reasons` maps
/// it, else its label (Awaiting Caller is `awaiting_customer`).
pub(super) fn hold_reason_name(
    value: &str,
    labels: &HoldReasonLabels,
    model: &StateModel,
) -> String {
    if let Some(reason) = model.hold_reasons.get(value) {
        return reason.clone();
    }
    if value.is_empty() {
        return "unspecified".to_string();
    }
    let label = labels.get(value).map(|l| slug(l));
    if label.as_deref() == Some("awaiting_caller") {
        return "awaiting_customer".to_string();
    }
    label
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| format!("hold_reason_{}", slug(value)))
}

/// `Awaiting Vendor` → `awaiting_vendor`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(&word.to_lowercase());
    }
    out
}

/// The hold spans an incident's audited history shows. A hold starts when
/// `state` becomes a hold state and ends when it leaves it; a change of
/// reason while on hold ends one span and starts the next, because only
/// waiting on the customer stops the resolution clock.
pub(super) fn holds(
    changes: &[AuditChange],
    opened_at: Option<DateTime<Utc>>,
    labels: &HoldReasonLabels,
    model: &StateModel,
) -> Vec<HoldSpan> {
    // The hold's reason in `state` with `hold_reason`; `None` when not on hold.
    let on_hold = |state: &str, reason: &str| match model.hold_states.get(state) {
        Some(Some(fixed)) => Some(fixed.clone()),
        Some(None) => Some(hold_reason_name(reason, labels, model)),
        None => None,
    };
    let mut sorted: Vec<&AuditChange> = changes
        .iter()
        .filter(|c| c.field == "state" || c.field == "hold_reason")
        .collect();
    sorted.sort_by_key(|c| (c.at, c.checkpoint));
    // What the incident was before its first audited change of each field.
    let before = |name: &str| {
        sorted
            .iter()
            .find(|c| c.field == name)
            .map(|c| c.old.clone())
            .unwrap_or_default()
    };
    let mut state = before("state");
    let mut reason = before("hold_reason");
    let mut spans: Vec<HoldSpan> = Vec::new();
    let mut open: Option<HoldSpan> = None;
    if let Some(name) = on_hold(&state, &reason)
        && let Some(start) = opened_at.or(sorted.first().map(|c| c.at))
    {
        open = Some(HoldSpan {
            start,
            end: None,
            reason: name,
        });
    }
    let mut i = 0;
    while i < sorted.len() {
        // Changes made in the same second are one update: apply them all
        // before looking at the result.
        let at = sorted[i].at;
        while i < sorted.len() && sorted[i].at == at {
            match sorted[i].field.as_str() {
                "state" => state = sorted[i].new.clone(),
                _ => reason = sorted[i].new.clone(),
            }
            i += 1;
        }
        let now = on_hold(&state, &reason);
        match (open.take(), now) {
            (Some(span), Some(name)) if span.reason == name => open = Some(span),
            (Some(mut span), now) => {
                span.end = Some(at);
                spans.push(span);
                open = now.map(|name| HoldSpan {
                    start: at,
                    end: None,
                    reason: name,
                });
            }
            (None, now) => {
                open = now.map(|name| HoldSpan {
                    start: at,
                    end: None,
                    reason: name,
                })
            }
        }
    }
    spans.extend(open);
    spans
}

/// Interchange fields of one incident.
pub(super) fn incident(
    r: &Record,
    contract: &str,
    cfg: &ServiceNowSource,
    responded: Option<DateTime<Utc>>,
) -> HashMap<String, String> {
    let mut f = HashMap::new();
    f.insert("contract".into(), contract.to_string());
    put(&mut f, "id", field(r, "number").map(str::to_string));
    // An unmapped value is passed on marked, so ingest refuses the record
    // with a reason that names the value and the fix.
    put(
        &mut f,
        "priority",
        field(r, "priority").map(|raw| match cfg.priority_map.get(raw) {
            Some(p) => p.as_str().to_string(),
            None => format!("{raw} (not in priority_map)"),
        }),
    );
    let opened = field(r, "opened_at");
    put(&mut f, "opened_at", opened.map(interchange_time));
    // A response the audit dates before the opening (opened_at can be
    // edited) is taken as at the opening.
    let opened_time = opened.and_then(raw_time);
    let responded = responded.map(|t| opened_time.map_or(t, |o| t.max(o)));
    put(&mut f, "responded_at", responded.map(rfc3339));
    // A cancelled or closed ticket without a resolution time stopped when
    // it was closed: a supplier cannot stop a clock by cancelling.
    let resolved = field(r, "resolved_at").or_else(|| field(r, "closed_at"));
    put(&mut f, "resolved_at", resolved.map(interchange_time));
    put(
        &mut f,
        "title",
        field(r, "short_description").map(str::to_string),
    );
    put(&mut f, "service", service(r, cfg));
    f
}

/// The configured service an incident is for: its service's name (or
/// sys_id) through `service_map`, else the name as ServiceNow has it.
fn service(r: &Record, cfg: &ServiceNowSource) -> Option<String> {
    let name_field = cfg.service_field.as_ref()?;
    let name = field(r, &format!("{name_field}.name"));
    let raw = field(r, name_field);
    name.and_then(|n| cfg.service_map.get(n))
        .or_else(|| raw.and_then(|v| cfg.service_map.get(v)))
        .cloned()
        .or_else(|| name.or(raw).map(str::to_string))
}

/// Interchange fields of one hold.
pub(super) fn hold(incident_id: &str, contract: &str, span: &HoldSpan) -> HashMap<String, String> {
    let mut f = HashMap::new();
    f.insert("incident_id".into(), incident_id.to_string());
    f.insert("contract".into(), contract.to_string());
    f.insert("start".into(), rfc3339(span.start));
    put(&mut f, "end", span.end.map(rfc3339));
    f.insert("reason".into(), span.reason.clone());
    f
}

/// What kind of work a table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WorkTable {
    /// `incident`: reactive work.
    Incident,
    /// `problem`: proactive work.
    Problem,
    /// `change_request`: by its `type`.
    Change,
}

/// Interchange fields of one work item.
pub(super) fn work_item(r: &Record, contract: &str, table: WorkTable) -> HashMap<String, String> {
    let mut f = HashMap::new();
    f.insert("contract".into(), contract.to_string());
    put(&mut f, "id", field(r, "number").map(str::to_string));
    let kind = match table {
        WorkTable::Incident => "incident",
        WorkTable::Problem => "problem",
        WorkTable::Change => "change",
    };
    f.insert("kind".into(), kind.to_string());
    put(
        &mut f,
        "opened_at",
        field(r, "opened_at").map(interchange_time),
    );
    if table == WorkTable::Change {
        put(
            &mut f,
            "change_type",
            field(r, "type").map(|t| t.to_ascii_lowercase()),
        );
    }
    f
}

/// Whether a `task_sla` row's definition is an SLA (its `type`): an OLA or
/// an underpinning contract binds the supplier's own teams or its
/// suppliers, not the supplier to the customer. A definition without a
/// readable type is taken as an SLA.
pub(super) fn is_customer_sla(r: &Record) -> bool {
    field(r, "sla.type").is_none_or(|t| t.eq_ignore_ascii_case("sla"))
}

/// The supplier's verdict from one `task_sla` row; `None` without a sys_id
/// or the incident's number.
pub(super) fn sla_verdict(r: &Record, now: i64) -> Option<SlaVerdict> {
    let time = |name: &str| field(r, name).and_then(raw_time).map(|t| t.timestamp());
    Some(SlaVerdict {
        sys_id: field(r, "sys_id")?.to_string(),
        incident_id: field(r, "task.number")?.to_string(),
        sla_name: field(r, "sla.name").or(field(r, "sla")).map(str::to_string),
        stage: field(r, "stage").map(str::to_string),
        has_breached: field(r, "has_breached").map(|b| b == "true" || b == "1"),
        start_at: time("start_time"),
        end_at: time("end_time"),
        planned_end_at: time("planned_end_time"),
        business_duration_seconds: field(r, "business_duration").and_then(duration_seconds),
        pause_duration_seconds: field(r, "pause_duration").and_then(duration_seconds),
        business_pause_seconds: field(r, "business_pause_duration").and_then(duration_seconds),
        target: field(r, "sla.target").map(str::to_ascii_lowercase),
        updated_at: time("sys_updated_on").unwrap_or(now),
    })
}

/// The newest `sys_updated_on` (or other raw time field) among `records`:
/// raw times sort as text.
pub(super) fn newest<'r>(
    records: impl IntoIterator<Item = &'r Record>,
    name: &str,
) -> Option<String> {
    records
        .into_iter()
        .filter_map(|r| field(r, name))
        .filter(|t| raw_time(t).is_some())
        .max()
        .map(str::to_string)
}

/// Changes grouped by incident sys_id.
pub(super) fn group_changes(rows: &[Record]) -> BTreeMap<String, Vec<AuditChange>> {
    let mut by_incident: BTreeMap<String, Vec<AuditChange>> = BTreeMap::new();
    for (key, change) in rows.iter().filter_map(AuditChange::from_record) {
        by_incident.entry(key).or_default().push(change);
    }
    by_incident
}

fn put(f: &mut HashMap<String, String>, name: &str, value: Option<String>) {
    if let Some(v) = value {
        f.insert(name.to_string(), v);
    }
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
