//! Figures for viewers: contracts, a month's evaluation, open incidents.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderName, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};

use super::AppState;
use super::access::{Reading, Viewer};
use super::error::ApiError;
use crate::contract::Contract;
use crate::domain::time::{format_utc, parse_rfc3339};
use crate::domain::{Instant, Period};
use crate::engine::live::open_incident_stages;
use crate::report::cache::{self, Freshness, MonthKey};

/// `GET /api/v1/contracts`: the configured contracts the token may see,
/// and their service levels.
pub async fn contracts(
    State(app): State<AppState>,
    Viewer(caller): Viewer,
) -> Result<Json<Value>, ApiError> {
    let scope = caller.scope();
    let list: Vec<Value> = app
        .deps
        .config
        .contracts
        .iter()
        .filter(|c| scope.allows(&c.id))
        .map(|c| {
            json!({
                "id": c.id,
                "supplier": c.supplier,
                "timezone": c.timezone.name(),
                "currency": c.currency.code(),
                "service_levels": c.service_levels.iter().map(|l| json!({"id": l.id, "name": l.name, "kind": l.kind.as_str()})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({ "contracts": list })))
}

/// The month API's query: `known_at`, an RFC 3339 instant.
#[derive(Debug, serde::Deserialize)]
pub struct KnownAtQuery {
    /// Read every record as the store held it at this instant.
    pub known_at: Option<String>,
}

/// `GET /api/v1/contracts/{contract}/months/{YYYY-MM}[?known_at=INSTANT]`:
/// the month's report JSON as it stands now (month to date for the current
/// month), with the amendment since issue when there is one; with
/// `known_at`, as the store knew it then (and seen as at that instant).
/// A report assembled earlier is served again while nothing it rests on
/// changed (the [`crate::report::cache`] rules); its `evaluated_at` says
/// when it was assembled, and the `X-Slawatch-Cache` header whether this
/// answer was (`hit`) or was assembled now (`miss`).
pub async fn month(
    State(app): State<AppState>,
    Reading(c): Reading,
    Path((_, month)): Path<(String, String)>,
    query: Result<Query<KnownAtQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let period: Period = month.parse().map_err(ApiError::BadRequest)?;
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let known_at = q
        .known_at
        .map(|t| parse_rfc3339(&t).map_err(|e| ApiError::BadRequest(format!("known_at: {e}"))))
        .transpose()?;
    let (body, served) = month_report(&app, &c, period, known_at).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (HeaderName::from_static("x-slawatch-cache"), served),
        ],
        body,
    )
        .into_response())
}

/// The month's report JSON as [`month`] answers it, and whether it came
/// from the cache (`hit`) or was assembled now (`miss`): the web desk's
/// pages read the same figures through here.
pub async fn month_report(
    app: &AppState,
    c: &Contract,
    period: Period,
    known_at: Option<Instant>,
) -> Result<(Bytes, &'static str), ApiError> {
    let now = known_at.unwrap_or_else(|| app.now());
    let (store, config) = (&app.deps.store, &app.deps.config);
    // Read before assembling: a write meanwhile leaves this entry behind
    // the revision, never a newer report under an older one.
    let key = MonthKey {
        contract: c.id.clone(),
        period,
        known_at: known_at.map(|t| t.timestamp()),
        revision: store.contract_revision(&c.id).await?,
        definitions: cache::definitions(config, c),
    };
    let cache = &app.deps.month_reports;
    let (body, served) = match cache.get(&key, now) {
        Some(body) => (body, "hit"),
        None => {
            // The same assembly as `slawatch report`: trends, and the
            // amendment when the month was issued and figures changed since.
            let report =
                crate::report::assemble::as_it_stands(store, config, c, period, now, known_at)
                    .await
                    .map_err(|e| ApiError::Internal(e.into()))?;
            let body = serde_json::to_vec(&crate::report::json::to_json(&report))
                .map_err(|e| ApiError::Internal(e.into()))?;
            let body = Bytes::from(body);
            let freshness = Freshness::of(c.timezone, known_at.is_some(), report.settled, now);
            cache.put(key, body.clone(), now, freshness);
            (body, "miss")
        }
    };
    Ok((body, served))
}

/// `GET /api/v1/contracts/{contract}/open-incidents`: every open incident's
/// stage against each level that applies (within, at risk, breached).
pub async fn open_incidents(
    State(app): State<AppState>,
    Reading(c): Reading,
) -> Result<Json<Value>, ApiError> {
    let now = app.now();
    let period = Period::of(now, c.timezone);
    let evidence = app
        .deps
        .store
        .month_evidence(&c.id, period, c.timezone, now, None)
        .await?;
    let stages = open_incident_stages(&c, &evidence, app.deps.config.alerts.at_risk_share, now);
    let list: Vec<Value> = stages
        .iter()
        .map(|s| {
            json!({
                "incident": s.incident,
                "service_level": s.level,
                "priority": s.priority.as_str(),
                "stage": s.stage.as_str(),
                "elapsed_seconds": s.elapsed_seconds,
                "target_seconds": s.target_seconds,
                "deadline": s.deadline.map(format_utc),
            })
        })
        .collect();
    Ok(Json(
        json!({ "contract": c.id, "evaluated_at": format_utc(now), "open_incidents": list }),
    ))
}

/// `GET /api/v1/contracts/{contract}/history/{incidents|outages|work-items}/{id}`:
/// every version of the record (an incident's holds too), as
/// `slawatch history --format json` prints it.
pub async fn history(
    State(app): State<AppState>,
    Reading(c): Reading,
    Path((_, kind, id)): Path<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    use crate::store::versions::Record;
    let record = match kind.as_str() {
        "incidents" => Record::Incident(id.clone()),
        "outages" => Record::Outage(id.clone()),
        "work-items" => Record::WorkItem(id.clone()),
        other => {
            return Err(ApiError::NotFound(format!(
                "no record kind '{other}' (expected incidents, outages or work-items)"
            )));
        }
    };
    let (versions, holds) = app.deps.store.record_history(&c.id, &record).await?;
    if versions.is_empty() {
        return Err(ApiError::NotFound(format!(
            "no such record '{id}' in contract {}",
            c.id
        )));
    }
    Ok(Json(crate::report::json::history::history(
        &c.id,
        record.table().record,
        &id,
        &versions,
        &holds,
    )))
}
