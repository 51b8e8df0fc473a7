//! Causes of outages and incidents over HTTP: viewers read them; managers
//! record a classification, under the same rules as `slawatch cause`.
//!
//! - `GET  /api/v1/contracts/{contract}/causes` — the latest classification
//!   of each outage and incident classified
//! - `POST /api/v1/contracts/{contract}/causes` with `{"outage": id}` or
//!   `{"incident": id}`, `"cause"`, `"by"` and `"reason"` — records one
//!   (201 with it as stored)

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::access::{Reading, Writing};
use super::error::ApiError;
use crate::domain::time::format_utc;
use crate::domain::{Cause, CauseSubject, NewCause, RecordedCause};

/// What a classification carries.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CauseBody {
    /// The outage classified.
    outage: Option<String>,
    /// Or the incident.
    incident: Option<String>,
    /// One lower-case word.
    cause: String,
    /// Who classified it.
    by: String,
    /// Why: the root-cause report read.
    reason: String,
}

fn cause_json(r: &RecordedCause) -> Value {
    json!({
        "id": r.id,
        "subject": r.subject.as_str(),
        "subject_id": r.subject_id,
        "cause": r.cause.as_str(),
        "by": r.by,
        "reason": r.reason,
        "recorded_at": chrono::DateTime::from_timestamp(r.recorded_at, 0).map(format_utc),
    })
}

/// `GET …/causes`: every classified outage and incident, with its cause.
pub async fn list(
    State(app): State<AppState>,
    Reading(c): Reading,
) -> Result<Json<Value>, ApiError> {
    let causes = app.deps.store.causes(&c.id).await?;
    Ok(Json(json!({
        "contract": c.id,
        "causes": causes.values().map(cause_json).collect::<Vec<_>>(),
    })))
}

/// `POST …/causes`: records a classification.
pub async fn add(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let b: CauseBody = super::body::json(&body, "the JSON expected")?;
    let (subject, id) = match (b.outage, b.incident) {
        (Some(id), None) => (CauseSubject::Outage, id),
        (None, Some(id)) => (CauseSubject::Incident, id),
        _ => {
            return Err(ApiError::BadRequest(
                "give one of \"outage\" or \"incident\"".into(),
            ));
        }
    };
    let cause = NewCause {
        subject,
        subject_id: id,
        cause: Cause::parse(&b.cause).map_err(|e| ApiError::BadRequest(format!("cause: {e}")))?,
        by: b.by,
        reason: b.reason,
    };
    let stored = app
        .deps
        .store
        .record_cause(&c.id, &cause, &by, app.now())
        .await?;
    Ok((StatusCode::CREATED, Json(cause_json(&stored))))
}
