//! Records pushed over HTTP: interchange records from a webhook source, and
//! Prometheus Alertmanager (or Grafana-managed alerting) notifications
//! turned into outages.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use chrono::DateTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::AppState;
use super::alerting;
use super::auth::{Caller, Scope};
use super::error::ApiError;
use crate::config::{AlertmanagerSource, Role, SourceConfig, SourceKind};
use crate::import::fields::{Fields, JsonFields, RecordKind};
use crate::import::{Incoming, Rejection, ingest};
use crate::store::sightings::Sighting;
use crate::store::sources::{
    EARLY_ENDS_SCOPE, TRUNCATED_ALERTS_SCOPE, UNRESOLVED_ALERTS_SCOPE, WATCHDOG_SCOPE,
};

/// What a push did, line by line for the refused ones.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PushResult {
    /// Records accepted in all.
    pub accepted: u64,
    /// New records.
    pub stored: u64,
    /// Records whose values changed.
    pub updated: u64,
    /// Records sent again unchanged.
    pub unchanged: u64,
    /// Records refused.
    pub rejected: u64,
    /// Each refused record: its line (JSON Lines) or position (array), and why.
    pub rejections: Vec<LineResult>,
}

/// One refused record.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct LineResult {
    /// 1-based line or array position.
    pub line: i64,
    /// Why it was refused.
    pub reason: String,
}

/// Who is pushing to `POST /api/v1/records`, decided before the body is
/// read: a webhook source (its own contract only), or an `ingest` or
/// `manager` token (the contracts it is scoped to).
#[derive(Debug)]
pub struct Pusher {
    caller: Caller,
    /// The source the records are stored under (`api:NAME` for a token).
    source: String,
    /// The contracts it may send records for.
    scope: Scope,
    /// Why a record for another contract is refused; it names no contract
    /// but the pusher's own.
    refusal: String,
}

impl FromRequestParts<AppState> for Pusher {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, app).await?;
        let (source, scope, refusal) = match &caller {
            Caller::Source { id } => {
                let s = app.deps.config.sources.iter().find(|s| &s.id == id);
                match s {
                    Some(s) if matches!(s.kind, SourceKind::Webhook { .. }) => (
                        s.id.clone(),
                        Scope::Only(Arc::from([s.contract.clone()])),
                        format!(
                            "this source may only send records for contract '{}'",
                            s.contract
                        ),
                    ),
                    _ => return Err(ApiError::Forbidden("push records")),
                }
            }
            Caller::Token {
                name,
                role: Role::Ingest | Role::Manager,
                scope,
            } => (
                format!("api:{name}"),
                scope.clone(),
                "this token may not send records for that contract".to_string(),
            ),
            Caller::Token { .. } => return Err(ApiError::Forbidden("push records")),
        };
        Ok(Pusher {
            caller,
            source,
            scope,
            refusal,
        })
    }
}

/// `POST /api/v1/records`: interchange records as a JSON array or JSON Lines.
pub async fn records(
    State(app): State<AppState>,
    pusher: Pusher,
    body: Bytes,
) -> Result<Json<PushResult>, ApiError> {
    let Pusher {
        caller,
        source,
        scope,
        refusal,
    } = pusher;
    let objects = parse_body(&body)?;
    let mut records = Vec::new();
    let mut early: Vec<LineResult> = Vec::new();
    for (line, object) in objects {
        let object = match object {
            Ok(Value::Object(o)) => o,
            Ok(_) => {
                early.push(LineResult {
                    line,
                    reason: "not a JSON object".into(),
                });
                continue;
            }
            Err(reason) => {
                early.push(LineResult { line, reason });
                continue;
            }
        };
        let fields = JsonFields(&object);
        let kind = match fields.get("type").as_deref().map(RecordKind::parse) {
            Some(Some(kind)) => kind,
            Some(None) => {
                early.push(LineResult {
                    line,
                    reason:
                        "unknown type (expected incident, hold, outage, work_item or supplier_kpi)"
                            .into(),
                });
                continue;
            }
            None => {
                early.push(LineResult {
                    line,
                    reason: "type is missing".into(),
                });
                continue;
            }
        };
        // Refused before the store is asked, so the answer is the same
        // whether or not the other contract exists.
        if let Some(contract) = fields.get("contract")
            && !scope.allows(&contract)
        {
            early.push(LineResult {
                line,
                reason: refusal.clone(),
            });
            continue;
        }
        let fields: HashMap<String, String> = object
            .keys()
            .filter_map(|k| fields.get(k).map(|v| (k.clone(), v)))
            .collect();
        records.push(Incoming { kind, fields, line });
    }
    let label = format!("POST /api/v1/records from {source}");
    let healthy_source = matches!(caller, Caller::Source { .. }).then_some(source.as_str());
    store_pushed(&app, &source, &label, records, early, healthy_source).await
}

/// Stores pushed records as one import and answers what happened; refusals
/// found before storing (`early`) are listed with the store's own. A source
/// that pushed is marked healthy.
async fn store_pushed(
    app: &AppState,
    source: &str,
    label: &str,
    records: Vec<Incoming>,
    early: Vec<LineResult>,
    healthy_source: Option<&str>,
) -> Result<Json<PushResult>, ApiError> {
    let now = app.now().timestamp();
    let mut rejections = early;
    let mut collect = |r: &Rejection| {
        rejections.push(LineResult {
            line: r.line,
            reason: r.reason.clone(),
        })
    };
    let summary = ingest(
        &app.deps.store,
        &app.deps.config.contracts,
        source,
        label,
        now,
        records,
        &mut collect,
    )
    .await?;
    rejections.sort_by_key(|r| r.line);
    let c = summary.counts;
    if summary.worth_detecting() {
        app.deps.notify_ingested();
    }
    if let Some(id) = healthy_source {
        app.deps.store.source_succeeded(id, "", None, now).await?;
    }
    Ok(Json(PushResult {
        accepted: c.stored + c.updated + c.unchanged,
        stored: c.stored,
        updated: c.updated,
        unchanged: c.unchanged,
        rejected: rejections.len() as u64,
        rejections,
    }))
}

type Parsed = Vec<(i64, Result<Value, String>)>;

/// A JSON array (positions from 1) or JSON Lines (line numbers).
fn parse_body(body: &[u8]) -> Result<Parsed, ApiError> {
    let text = std::str::from_utf8(super::body::without_bom(body))
        .map_err(|_| ApiError::BadRequest("the body is not UTF-8".into()))?;
    if text.trim_start().starts_with('[') {
        let values: Vec<Value> = serde_json::from_str(text)
            .map_err(|e| ApiError::BadRequest(format!("the body is not a JSON array: {e}")))?;
        return Ok(values
            .into_iter()
            .enumerate()
            .map(|(i, v)| (i as i64 + 1, Ok(v)))
            .collect());
    }
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            (
                i as i64 + 1,
                serde_json::from_str(l).map_err(|e| format!("not valid JSON: {e}")),
            )
        })
        .collect())
}

/// The Alertmanager source `{source_id}` names, pushing with its own token;
/// decided before the body is read.
#[derive(Debug)]
pub struct AlertSource {
    /// The source: its id and contract.
    source: SourceConfig,
    /// Its Alertmanager settings.
    settings: AlertmanagerSource,
}

impl FromRequestParts<AppState> for AlertSource {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, app).await?;
        let Path(source_id) = Path::<String>::from_request_parts(parts, app)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        if caller
            != (Caller::Source {
                id: source_id.clone(),
            })
        {
            return Err(ApiError::Forbidden("push to this source"));
        }
        let source = app
            .deps
            .config
            .sources
            .iter()
            .find(|s| s.id == source_id)
            .ok_or_else(|| ApiError::NotFound(format!("no source '{source_id}'")))?;
        match &source.kind {
            SourceKind::Alertmanager(settings) => Ok(AlertSource {
                source: source.clone(),
                settings: settings.clone(),
            }),
            _ => Err(ApiError::NotFound(format!(
                "source '{source_id}' is not an Alertmanager source"
            ))),
        }
    }
}

/// `POST /api/v1/alertmanager/{source_id}`: firing alerts open outages,
/// resolved ones close them. An outage's id is the alert's fingerprint and
/// start, so repeated and duplicated notifications change nothing.
///
/// A payload that cannot be read is refused (400) and also recorded as a
/// failure of the source: neither Alertmanager nor Grafana retries a 4xx,
/// and their logs are not where the contract manager looks. A truncated
/// notification (`truncatedAlerts`) is stored and marks the source's
/// `truncated_alerts` scope failing until a complete one arrives.
pub async fn alertmanager(
    State(app): State<AppState>,
    AlertSource {
        source,
        settings: cfg,
    }: AlertSource,
    body: Bytes,
) -> Result<Json<PushResult>, ApiError> {
    let (sender, payload) = match alerting::parse(&body) {
        Ok(parsed) => parsed,
        Err(reason) => {
            let now = app.now().timestamp();
            let note = format!("refused a notification: {reason}");
            app.deps
                .store
                .source_failed(&source.id, "", &note, now)
                .await?;
            tracing::warn!(source = %source.id, "{note}");
            return Err(ApiError::BadRequest(reason));
        }
    };
    let now = app.now().timestamp();
    if payload.truncated_alerts > 0 {
        let note = alerting::truncation_note(sender, payload.truncated_alerts);
        tracing::warn!(source = %source.id, "{note}");
        app.deps
            .store
            .source_failed(&source.id, TRUNCATED_ALERTS_SCOPE, &note, now)
            .await?;
    } else {
        app.deps
            .store
            .source_succeeded(&source.id, TRUNCATED_ALERTS_SCOPE, None, now)
            .await?;
    }
    let mut records = Vec::new();
    let mut rejections = Vec::new();
    // Firing alerts as seen now, and alerts whose end is known.
    let mut firing = Vec::new();
    let mut ended = Vec::new();
    // The always-firing watchdog's notifications, and alerts resolved now.
    let mut watchdog = Vec::new();
    let mut resolved_now = Vec::new();
    for (i, alert) in payload.alerts.iter().enumerate() {
        let line = i as i64 + 1;
        if cfg.watchdog_alert.is_some()
            && alert.labels.get("alertname") == cfg.watchdog_alert.as_ref()
        {
            watchdog.push(alert);
            continue;
        }
        let Some(service) = alert.labels.get(&cfg.service_label) else {
            rejections.push(LineResult {
                line,
                reason: format!(
                    "the alert has no '{}' label naming the service",
                    cfg.service_label
                ),
            });
            continue;
        };
        let partial = !cfg.partial_when.is_empty()
            && cfg
                .partial_when
                .iter()
                .all(|(k, v)| alert.labels.get(k) == Some(v));
        let start = match alert.outage_start() {
            Ok(start) => start,
            Err(reason) => {
                rejections.push(LineResult { line, reason });
                continue;
            }
        };
        let id = format!("am-{}-{}", alert.fingerprint, alert.starts_at.timestamp());
        // Alertmanager sends year 1 for "not ended" while firing.
        let end = match alert
            .ends_at
            .filter(|e| alert.status == "resolved" && e.timestamp() > 0 && *e >= start)
        {
            Some(end) => Some(end),
            // HA peers and retries deliver out of order. The alert (its
            // fingerprint and start) once resolved stays resolved: a firing
            // notification of it arriving later is stale and keeps the end.
            // Firing again starts a new alert, with a new start.
            // Unless that end was only inferred (it stopped being re-sent):
            // firing now, it has not ended after all.
            None if inferred(&app, &source.id, &id).await? => None,
            None => app
                .deps
                .store
                .outage_end(&source.contract, &id)
                .await?
                .and_then(|end| DateTime::from_timestamp(end, 0)),
        };
        let impact = if partial { "partial" } else { "full" };
        match end {
            None => firing.push(Sighting {
                outage_id: id.clone(),
                contract: source.contract.clone(),
                service: service.clone(),
                start_at: start.timestamp(),
                impact: impact.to_string(),
                last_seen_at: now,
                inferred_end_at: None,
            }),
            Some(_) => {
                if alert.status == "resolved" {
                    resolved_now.push(id.clone());
                }
                ended.push(id.clone());
            }
        }
        let mut fields = HashMap::from([
            ("id".to_string(), id),
            ("contract".to_string(), source.contract.clone()),
            ("service".to_string(), service.clone()),
            ("start".to_string(), crate::domain::time::format_utc(start)),
            ("impact".to_string(), impact.to_string()),
            ("planned".to_string(), "false".to_string()),
            ("source".to_string(), source.id.clone()),
        ]);
        if let Some(end) = end {
            fields.insert("end".to_string(), crate::domain::time::format_utc(end));
        }
        records.push(Incoming {
            kind: RecordKind::Outage,
            fields,
            line,
        });
    }
    let label = format!("{} notification to {}", sender.name(), source.id);
    let answer = store_pushed(
        &app,
        &source.id,
        &label,
        records,
        rejections,
        Some(&source.id),
    )
    .await?;
    let store = &app.deps.store;
    for sighting in &firing {
        store.alert_firing(&source.id, sighting).await?;
    }
    for id in &ended {
        store.alert_ended(&source.id, id).await?;
    }
    watch_prometheus(&app, &source, &watchdog, &resolved_now, now).await?;
    // Resolved notifications arrive: the receiver has send_resolved.
    if payload.alerts.iter().any(|a| a.status == "resolved") {
        store
            .source_succeeded(&source.id, UNRESOLVED_ALERTS_SCOPE, None, now)
            .await?;
    }
    Ok(answer)
}

/// Follows the source's watchdog alert (Prometheus's always-firing rule):
/// its resolution means Prometheus stopped, which makes Alertmanager resolve
/// every alert it had firing. Outage ends received then (from 10 minutes
/// before the watchdog's end until it fires again) may be early: they are
/// kept, and flagged in the source's `early_ends` health.
async fn watch_prometheus(
    app: &AppState,
    source: &SourceConfig,
    watchdog: &[&alerting::AlertingAlert],
    resolved_now: &[String],
    now: i64,
) -> Result<(), ApiError> {
    let store = &app.deps.store;
    let state = store.source_state(&source.id, WATCHDOG_SCOPE).await?;
    // While down, the watermark holds the watchdog's end (Unix time).
    let mut down_since = (state.consecutive_failures > 0)
        .then(|| state.watermark.and_then(|w| w.parse::<i64>().ok()))
        .flatten();
    for w in watchdog {
        if w.status == "resolved" {
            let end = w
                .ends_at
                .filter(|e| e.timestamp() > 0)
                .map_or(now, |e| e.timestamp());
            let note = format!(
                "the watchdog alert resolved at {}: Prometheus stopped evaluating its rules or \
                 lost Alertmanager, which resolves every alert it had firing",
                DateTime::from_timestamp(end, 0)
                    .map_or_else(String::new, crate::domain::time::format_utc)
            );
            tracing::warn!(source = %source.id, "{note}");
            store
                .source_failed(&source.id, WATCHDOG_SCOPE, &note, now)
                .await?;
            store
                .set_source_watermark(&source.id, WATCHDOG_SCOPE, &end.to_string())
                .await?;
            down_since = Some(end);
        } else {
            store
                .source_succeeded(&source.id, WATCHDOG_SCOPE, None, now)
                .await?;
            store
                .source_succeeded(&source.id, EARLY_ENDS_SCOPE, None, now)
                .await?;
            down_since = None;
        }
    }
    let Some(end) = down_since else {
        return Ok(());
    };
    if watchdog.is_empty() && resolved_now.is_empty() {
        return Ok(());
    }
    // Every end from 10 minutes before the watchdog's (Alertmanager
    // resolves them all about when the watchdog goes) until now.
    let suspect = store
        .outages_ended_between(&source.contract, &source.id, end - 600, now)
        .await?;
    if !suspect.is_empty() {
        let note = format!(
            "outage(s) {} ended while Prometheus's watchdog alert was not firing: the end may \
             be Prometheus stopping rather than the service recovering; check each against \
             the service's own records",
            suspect.join(", ")
        );
        tracing::warn!(source = %source.id, "{note}");
        store
            .source_failed(&source.id, EARLY_ENDS_SCOPE, &note, now)
            .await?;
    }
    Ok(())
}

/// Whether the outage `id` of `source` was ended only by inference.
async fn inferred(app: &AppState, source: &str, id: &str) -> Result<bool, ApiError> {
    Ok(app
        .deps
        .store
        .alert_sighting(source, id)
        .await?
        .is_some_and(|s| s.inferred_end_at.is_some()))
}
