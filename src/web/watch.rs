//! What watches a contract: its outbox (the alerts sent and waiting, per
//! recipient), its sources and their health, and its actions register
//! with the follow-up summary. Read only: these are recorded by the
//! daemon, the feeds and the command line.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::Value;
use minijinja::value::Serde;
use serde_json::json;

use super::pages::{contract, desk_context};
use super::render::local;
use super::render::{WebError, page};
use super::session::SignedIn;
use crate::actions::wire::{ActionJson, FollowUpJson};
use crate::config::SourceKind;
use crate::domain::time::{format_utc, local_date};
use crate::engine::follow_up::follow_up;
use crate::http::AppState;

/// The most alerts the outbox page shows, newest first.
const OUTBOX_ROWS: i64 = 500;

/// Epoch seconds as the pages write instants.
fn instant(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0).map_or_else(|| secs.to_string(), format_utc)
}

/// `GET /contracts/{contract}/outbox`: the contract's alerts, newest
/// first, under each recipient: delivered, given up on, or waiting.
pub async fn outbox(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path(contract_id): Path<String>,
) -> Result<Response, WebError> {
    let c = contract(&app, &desk, &contract_id)?;
    let store = &app.deps.store;
    let entries = store.contract_outbox(&c.id, OUTBOX_ROWS).await?;
    let ids: Vec<i64> = entries.iter().map(|e| e.queued.id).collect();
    let deliveries: BTreeMap<(i64, String), _> = store
        .recipient_deliveries(&ids)
        .await?
        .into_iter()
        .map(|d| ((d.outbox_id, d.recipient.clone()), d))
        .collect();
    let mut by_recipient: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    let (mut sent, mut waiting) = (0, 0);
    for e in &entries {
        let a = &e.queued.alert;
        if e.sent_at.is_some() {
            sent += 1;
        } else {
            waiting += 1;
        }
        for r in &a.recipients {
            let d = deliveries.get(&(e.queued.id, r.clone()));
            // A recipient's own record first; else the alert's as a whole.
            let when = |at: i64| {
                chrono::DateTime::from_timestamp(at, 0)
                    .map_or_else(|| at.to_string(), |t| local(t, c.timezone))
            };
            let standing = match (
                d.and_then(|d| d.delivered_at),
                d.and_then(|d| d.given_up_at),
            ) {
                (Some(at), _) => format!("delivered {}", when(at)),
                (None, Some(at)) => format!("given up on {}", when(at)),
                (None, None) => match e.sent_at {
                    Some(at) => format!("sent {}", when(at)),
                    None => format!("waiting: next attempt {}", when(e.next_attempt_at)),
                },
            };
            by_recipient.entry(r.clone()).or_default().push(json!({
                "id": e.queued.id,
                "kind": a.kind,
                "severity": a.severity.as_str(),
                "subject": a.subject,
                "queued_at": instant(e.queued.created_at),
                "attempts": e.queued.attempts,
                "waiting": e.sent_at.is_none() && d.is_none_or(|d| !d.settled()),
                "standing": standing,
                "error": d.and_then(|d| d.last_error.clone()).or_else(|| e.last_error.clone()),
            }));
        }
    }
    Ok(page(
        StatusCode::OK,
        "outbox.html",
        minijinja::context! {
            desk => desk_context(&desk),
            contract => c.id.clone(),
            tz => c.timezone.name(),
            supplier => c.supplier.clone(),
            sent => sent,
            waiting => waiting,
            recipients => Value::from(Serde(by_recipient)),
        },
    ))
}

/// A source's kind as the configuration names it.
fn kind(k: &SourceKind) -> &'static str {
    match k {
        SourceKind::ServiceNow(_) => "servicenow",
        SourceKind::Inbox { .. } => "inbox",
        SourceKind::Webhook { .. } => "webhook",
        SourceKind::Alertmanager(_) => "alertmanager",
        SourceKind::Probe(_) => "probe",
    }
}

/// `GET /contracts/{contract}/sources`: the contract's sources, each with
/// its last attempt, last success and, while failing, why.
pub async fn sources(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path(contract_id): Path<String>,
) -> Result<Response, WebError> {
    let c = contract(&app, &desk, &contract_id)?;
    let states = app.deps.store.all_source_states().await?;
    let rows: Vec<serde_json::Value> = app
        .deps
        .config
        .sources
        .iter()
        .filter(|s| s.contract == c.id)
        .map(|s| {
            let scopes: Vec<serde_json::Value> = states
                .iter()
                .filter(|(id, _, _)| *id == s.id)
                .map(|(_, scope, st)| {
                    json!({
                        "scope": scope,
                        "last_attempt_at": st.last_attempt_at.map(instant),
                        "last_success_at": st.last_success_at.map(instant),
                        "last_error": st.last_error,
                        "failures": st.consecutive_failures,
                        "healthy": st.consecutive_failures == 0,
                    })
                })
                .collect();
            json!({"id": s.id, "kind": kind(&s.kind), "party": s.party.as_str(), "scopes": scopes})
        })
        .collect();
    Ok(page(
        StatusCode::OK,
        "sources.html",
        minijinja::context! {
            desk => desk_context(&desk),
            contract => c.id.clone(),
            tz => c.timezone.name(),
            supplier => c.supplier.clone(),
            sources => Value::from(Serde(rows)),
        },
    ))
}

/// `GET /contracts/{contract}/actions`: every action with its standing,
/// and the follow-up summary by origin.
pub async fn actions(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path(contract_id): Path<String>,
) -> Result<Response, WebError> {
    let c = contract(&app, &desk, &contract_id)?;
    let now = app.now();
    let today = local_date(c.timezone, now);
    let actions = app.deps.store.actions(&c.id).await?;
    let list: Vec<ActionJson> = actions.iter().map(|a| ActionJson::new(a, today)).collect();
    let summary = FollowUpJson::new(&follow_up(&actions, today));
    Ok(page(
        StatusCode::OK,
        "actions.html",
        minijinja::context! {
            desk => desk_context(&desk),
            contract => c.id.clone(),
            tz => c.timezone.name(),
            supplier => c.supplier.clone(),
            today => today.to_string(),
            actions => Value::from(Serde(list)),
            follow_up => Value::from(Serde(summary)),
        },
    ))
}
