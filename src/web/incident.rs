//! An incident's page: its clock on a timeline (opened, responded, each
//! hold with whether it pauses the clock, resolved), each service level's
//! verdict with the business time elapsed against its target, and every
//! version the store keeps of it (as `slawatch history` reads them).
//!
//! The verdicts come from the engine's own clock ([`clock_for`]), the one
//! the month's report runs, so the page and the report can never differ.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::Value;
use minijinja::value::Serde;
use serde_json::json;

use super::pages::{contract, desk_context};
use super::records::{disputes_on, excusals_on};
use super::render::{WebError, page};
use super::session::SignedIn;
use crate::contract::{Contract, ServiceLevelKind};
use crate::domain::time::format_utc;
use crate::domain::{DisputeSubject, ExcusalTarget, Incident, Instant, Period};
use crate::engine::clock::ClockStatus;
use crate::engine::incidents::{applies, clock_for};
use crate::http::AppState;
use crate::store::versions::Record;

/// Business seconds as people read them: `6 h 05 min`.
pub fn hours_minutes(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    format!("{} h {:02} min", minutes / 60, minutes % 60)
}

/// The incident's events in the order they happened (ties in the order
/// listed: opened before a hold that starts at once).
fn timeline(incident: &Incident) -> Vec<serde_json::Value> {
    let mut events: Vec<(Instant, usize, serde_json::Value)> = Vec::new();
    let mut push = |at: Instant, what: serde_json::Value| {
        let n = events.len();
        events.push((at, n, what));
    };
    push(
        incident.opened_at,
        json!({"event": "Opened", "detail": "the clocks start"}),
    );
    if let Some(at) = incident.responded_at {
        push(
            at,
            json!({"event": "Responded", "detail": "the response clock stops"}),
        );
    }
    for h in &incident.holds {
        let pauses = h.pauses_clock();
        let detail = if pauses {
            "pauses the resolution clock"
        } else {
            "the resolution clock runs on (only awaiting the customer pauses it)"
        };
        push(
            h.start,
            json!({"event": "On hold", "reason": h.reason, "pauses": pauses, "detail": detail,
                   "until": h.end.map(format_utc)}),
        );
        if let Some(end) = h.end {
            push(
                end,
                json!({"event": "Off hold", "reason": h.reason, "pauses": pauses,
                       "detail": if pauses { "the resolution clock runs again" } else { "" }}),
            );
        }
    }
    if let Some(at) = incident.resolved_at {
        push(
            at,
            json!({"event": "Resolved", "detail": "the clocks stop"}),
        );
    }
    events.sort_by_key(|(at, n, _)| (*at, *n));
    events
        .into_iter()
        .map(|(at, _, mut v)| {
            if let serde_json::Value::Object(o) = &mut v {
                o.insert("at".into(), json!(format_utc(at)));
            }
            v
        })
        .collect()
}

/// Every version the store keeps of `record` (an incident's with its
/// holds), as `slawatch history` shows them: the pages' history table.
pub(super) async fn history(
    store: &crate::store::Store,
    contract: &str,
    record: Record,
) -> Result<serde_json::Value, WebError> {
    let (versions, holds) = store.record_history(contract, &record).await?;
    Ok(crate::report::json::history::history(
        contract,
        record.table().record,
        record.id(),
        &versions,
        &holds,
    ))
}

/// Each service level that applies to the incident (in force in the month
/// it opened), with its verdict as seen at `now`.
fn verdicts(
    c: &Contract,
    incident: &Incident,
    excused: Option<&str>,
    now: Instant,
) -> Vec<serde_json::Value> {
    let month = Period::of(incident.opened_at, c.timezone);
    c.levels_in_force(month)
        .filter(|l| {
            matches!(
                l.kind,
                ServiceLevelKind::ResponseTime | ServiceLevelKind::ResolutionTime
            ) && applies(l, incident)
        })
        .map(|l| {
            let target = l.target_seconds.unwrap_or(0);
            let base = json!({
                "id": l.id, "name": l.name, "kind": l.kind.as_str(),
                "target": hours_minutes(target),
            });
            let mut v = base;
            let extra = match clock_for(l, incident, now) {
                // What the source could not read decides it: not judged.
                None => json!({
                    "verdict": "not judged",
                    "why": format!(
                        "its source could not read the incident's {}: {}",
                        if l.kind == ServiceLevelKind::ResponseTime { "response" } else { "holds" },
                        incident.unknown.reason
                    ),
                }),
                Some(o) => {
                    let verdict = match (excused, o.status) {
                        (Some(_), _) => "excused",
                        (None, ClockStatus::Met) => "met",
                        (None, ClockStatus::Breached) => "breached",
                        (None, ClockStatus::Pending) => "running",
                    };
                    json!({
                        "verdict": verdict,
                        "elapsed": hours_minutes(o.elapsed_seconds),
                        "elapsed_seconds": o.elapsed_seconds,
                        "target_seconds": target,
                        "deadline": o.deadline.map(format_utc),
                        "stopped_at": o.stopped_at.map(format_utc),
                        "why": excused.map(|r| format!("excused: {r}")),
                    })
                }
            };
            if let (serde_json::Value::Object(o), serde_json::Value::Object(e)) = (&mut v, extra) {
                o.extend(e);
            }
            v
        })
        .collect()
}

/// `GET /contracts/{contract}/incidents/{incident}`: the incident's clock,
/// verdicts, excusals, disputes and versions.
pub async fn incident(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path((contract_id, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let c = contract(&app, &desk, &contract_id)?;
    let store = &app.deps.store;
    let incident = store
        .incident(&c.id, &id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("no incident '{id}' in {}", c.id)))?;
    let now = app.now();
    let excusals = excusals_on(
        store,
        &c.id,
        |t| matches!(t, ExcusalTarget::Incident { incident } if *incident == id),
    )
    .await?;
    // An excusal in force recorded here, else the one the source imported.
    let excused_reason = excusals
        .iter()
        .rev()
        .find(|e| e["revoked"].is_null())
        .and_then(|e| e["reason"].as_str().map(str::to_string))
        .or_else(|| incident.excused_reason.clone());
    let disputes = disputes_on(
        store,
        &c.id,
        |s| matches!(s, DisputeSubject::Incident { incident } if *incident == id),
    )
    .await?;
    let history = history(store, &c.id, Record::Incident(id.clone())).await?;
    let month = Period::of(incident.opened_at, c.timezone);
    let context = minijinja::context! {
        desk => desk_context(&desk),
        contract => c.id.clone(),
        tz => c.timezone.name(),
        supplier => c.supplier.clone(),
        month => month.to_string(),
        evaluated_at => format_utc(now),
        incident => Value::from(Serde(json!({
            "id": incident.id,
            "priority": incident.priority.as_str(),
            "service": incident.service,
            "title": incident.title,
            "opened_at": format_utc(incident.opened_at),
            "resolved_at": incident.resolved_at.map(format_utc),
        }))),
        timeline => Value::from(Serde(timeline(&incident))),
        levels => Value::from(Serde(verdicts(c, &incident, excused_reason.as_deref(), now))),
        excusals => Value::from(Serde(excusals)),
        disputes => Value::from(Serde(disputes)),
        history => Value::from(Serde(history)),
    };
    Ok(page(StatusCode::OK, "incident.html", context))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_time_reads_in_hours_and_minutes() {
        assert_eq!(hours_minutes(21_600), "6 h 00 min");
        assert_eq!(hours_minutes(3_660 + 59), "1 h 01 min");
        assert_eq!(hours_minutes(-5), "0 h 00 min");
    }
}
