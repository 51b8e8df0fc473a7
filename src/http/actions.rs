//! The actions register over HTTP: viewers read it and its follow-up
//! summary; managers record actions and their reviews, under the same
//! checks as `slawatch actions`.
//!
//! - `GET  /api/v1/contracts/{contract}/actions` (`?origin=…&overdue=true`)
//! - `POST /api/v1/contracts/{contract}/actions` (an [`ActionRequest`])
//! - `GET  /api/v1/contracts/{contract}/actions/{id}`
//! - `POST /api/v1/contracts/{contract}/actions/{id}/status` (a [`StatusRequest`])
//! - `GET  /api/v1/contracts/{contract}/follow-up`: the contract's follow-up summary
//! - `GET  /api/v1/follow-up`: every contract the token may read, together

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::access::{Reading, Viewer, Writing};
use super::error::ApiError;
use crate::actions::wire::{ActionJson, FollowUpJson};
use crate::actions::{ActionRequest, FieldError, Linkable, StatusRequest};
use crate::domain::time::{format_utc, local_date};
use crate::engine::follow_up::{FollowUp, follow_up};

/// Who recorded a change, as the register names an API token.
fn recorded_by(token: &str) -> String {
    format!("api:{token}")
}

fn problems(p: Vec<FieldError>) -> ApiError {
    ApiError::BadRequest(
        p.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
    )
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, ApiError> {
    serde_json::to_value(v).map_err(|e| ApiError::Internal(e.into()))
}

/// The list's filters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this origin's actions.
    origin: Option<String>,
    /// Only the overdue ones.
    #[serde(default)]
    overdue: bool,
}

/// `GET …/actions`: the contract's actions, each with its history.
pub async fn list(
    State(app): State<AppState>,
    Reading(c): Reading,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let now = app.now();
    let today = local_date(c.timezone, now);
    let actions: Vec<ActionJson> = app
        .deps
        .store
        .actions(&c.id)
        .await?
        .iter()
        .filter(|a| q.origin.as_deref().is_none_or(|o| a.origin == o))
        .filter(|a| !q.overdue || a.is_overdue(today))
        .map(|a| ActionJson::new(a, today))
        .collect();
    Ok(Json(json!({
        "contract": c.id,
        "as_of": format_utc(now),
        "today": today,
        "actions": to_value(&actions)?,
    })))
}

/// `POST …/actions`: records an action with its first status.
pub async fn add(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let request: ActionRequest = super::body::json(&body, "an action")?;
    let recorded_by = recorded_by(&by);
    let links = Linkable::read(&app.deps.store, &c).await?;
    let new = request.check(&links, &recorded_by).map_err(problems)?;
    let now = app.now();
    let a = app
        .deps
        .store
        .add_action(&c.id, &new, &recorded_by, now)
        .await?;
    app.deps.notify_ingested();
    let today = local_date(c.timezone, now);
    Ok((
        StatusCode::CREATED,
        Json(to_value(&ActionJson::new(&a, today))?),
    ))
}

/// `GET …/actions/{id}`: one action and its history.
pub async fn show(
    State(app): State<AppState>,
    Reading(c): Reading,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let a =
        app.deps.store.action(&c.id, &id).await?.ok_or_else(|| {
            ApiError::NotFound(format!("no action '{id}' for contract '{}'", c.id))
        })?;
    let today = local_date(c.timezone, app.now());
    Ok(Json(to_value(&ActionJson::new(&a, today))?))
}

/// `POST …/actions/{id}/status`: records a review of the action.
pub async fn update(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    Path((_, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let request: StatusRequest = super::body::json(&body, "a status change")?;
    let recorded_by = recorded_by(&by);
    let change = request.check(&recorded_by).map_err(problems)?;
    let now = app.now();
    let a = app
        .deps
        .store
        .record_action_status(&c.id, &id, &change, &recorded_by, now)
        .await?;
    app.deps.notify_ingested();
    let today = local_date(c.timezone, now);
    Ok(Json(to_value(&ActionJson::new(&a, today))?))
}

/// `GET …/follow-up`: the contract's follow-up summary.
pub async fn contract_follow_up(
    State(app): State<AppState>,
    Reading(c): Reading,
) -> Result<Json<Value>, ApiError> {
    let now = app.now();
    let today = local_date(c.timezone, now);
    let actions = app.deps.store.actions(&c.id).await?;
    let summary = follow_up(&actions, today);
    Ok(Json(json!({
        "contract": c.id,
        "as_of": format_utc(now),
        "today": today,
        "follow_up": to_value(&FollowUpJson::new(&summary))?,
    })))
}

/// `GET /api/v1/follow-up`: the summary over every contract the token may
/// read (each action judged overdue on its own contract's date).
pub async fn portfolio_follow_up(
    State(app): State<AppState>,
    Viewer(caller): Viewer,
) -> Result<Json<Value>, ApiError> {
    let now = app.now();
    let scope = caller.scope();
    let mut summary = FollowUp::default();
    let mut contracts = Vec::new();
    for c in app
        .deps
        .config
        .contracts
        .iter()
        .filter(|c| scope.allows(&c.id))
    {
        let today = local_date(c.timezone, now);
        for a in app.deps.store.actions(&c.id).await? {
            summary.add(&a, today);
        }
        contracts.push(c.id.clone());
    }
    Ok(Json(json!({
        "contracts": contracts,
        "as_of": format_utc(now),
        "follow_up": to_value(&FollowUpJson::new(&summary))?,
    })))
}
