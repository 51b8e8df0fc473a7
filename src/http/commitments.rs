//! The commitments register over HTTP: viewers read it; managers add
//! commitments and record deliveries, acceptances and rejections, under the
//! same rules as `slawatch commitment`.
//!
//! - `GET  /api/v1/contracts/{contract}/commitments[?period=YYYY-MM|YYYY-Qn]`
//!   (with the period's occurrences per category; this quarter by default)
//! - `POST /api/v1/contracts/{contract}/commitments` (a [`CommitmentSpec`])
//! - `POST /api/v1/contracts/{contract}/commitments/{id}/deliver|accept|reject`

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::access::{Reading, Writing};
use super::error::ApiError;
use crate::config::CommitmentSpec;
use crate::contract::Contract;
use crate::domain::Period;
use crate::domain::time::format_utc;
use crate::engine::commitment_categories::{Span, tally};
use crate::engine::commitments::{Action, AsOf, Occurrence};
use crate::report::json::{Wire, all};
use crate::store::commitments::{EventRequest, RegisterError};

/// What a delivery, acceptance or rejection carries.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventBody {
    /// The occurrence: its due date or month; absent, the open one.
    due: Option<String>,
    /// The date it happened (YYYY-MM-DD); absent, today.
    on: Option<NaiveDate>,
    /// Deliver: the evidence reference.
    evidence: Option<String>,
    /// Accept, reject: who decided.
    by: Option<String>,
    /// Reject: why.
    reason: Option<String>,
}

/// Who changed the register, as the register names an API token.
fn recorded_by(token: &str) -> String {
    format!("api:{token}")
}

fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    super::body::json(body, "the JSON expected")
}

impl From<RegisterError> for ApiError {
    fn from(e: RegisterError) -> Self {
        match e {
            RegisterError::NotFound(m) => ApiError::NotFound(m),
            RegisterError::Invalid(m) => ApiError::BadRequest(m),
            RegisterError::Store(e) => e.into(),
        }
    }
}

/// The query of `GET …/commitments`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// The period summed per category: a month (`YYYY-MM`) or a quarter
    /// (`YYYY-Qn`); absent, the quarter holding today.
    period: Option<String>,
}

/// `GET …/commitments`: every occurrence due so far and the next of each
/// commitment, with its status, and a period's occurrences per category
/// (committed, delivered with evidence, accepted, late, overdue).
pub async fn list(
    State(app): State<AppState>,
    Reading(c): Reading,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let now = app.now();
    let register = app
        .deps
        .store
        .commitment_register(&c, &app.deps.config.calendars)
        .await?;
    let as_of = AsOf::new(now, c.timezone);
    let span = match q.period.as_deref() {
        Some(text) => Span::parse(text).map_err(ApiError::BadRequest)?,
        None => Span::quarter_of(Period::of(now, c.timezone)),
    };
    Ok(Json(json!({
        "contract": c.id,
        "as_of": format_utc(now),
        "today": as_of.today,
        "commitments": all(&register.listing(as_of)),
        "categories": {
            "period": span.label(),
            "from": span.first_day(),
            "to": span.last_day(),
            "rows": all(&tally(&register, span, as_of)),
        },
    })))
}

/// `POST …/commitments`: adds an ad hoc commitment.
pub async fn add(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let recorded_by = recorded_by(&by);
    let spec: CommitmentSpec = parse(&body)?;
    let config = &app.deps.config;
    app.deps
        .store
        .add_commitment(&c, &config.calendars, &spec, &recorded_by, app.now())
        .await?;
    app.deps.notify_ingested();
    let register = app
        .deps
        .store
        .commitment_register(&c, &config.calendars)
        .await?;
    let schedule = register.get(&spec.id).map(|x| x.schedule.describe());
    Ok((
        StatusCode::CREATED,
        Json(json!({ "contract": c.id, "added": spec.id, "schedule": schedule })),
    ))
}

/// `POST …/commitments/{id}/{deliver|accept|reject}`: records what happened
/// to an occurrence and answers the occurrence as it now stands.
pub async fn record(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    Path((_, id, verb)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let recorded_by = recorded_by(&by);
    let action = match verb.as_str() {
        "deliver" => Action::Delivered,
        "accept" => Action::Accepted,
        "reject" => Action::Rejected,
        _ => {
            return Err(ApiError::NotFound(format!(
                "no action '{verb}' (expected deliver, accept or reject)"
            )));
        }
    };
    let b: EventBody = match body.is_empty() {
        true => EventBody::default(),
        false => parse(&body)?,
    };
    let request = EventRequest {
        commitment: id,
        selector: b.due,
        action,
        on: b.on,
        evidence: b.evidence,
        person: b.by,
        reason: b.reason,
        recorded_by,
    };
    let o = record_event(&app, &c, request).await?;
    let mut value = serde_json::to_value(o.json()).map_err(|e| ApiError::Internal(e.into()))?;
    if action == Action::Delivered
        && let Some(delivery) = app
            .deps
            .store
            .delivery_id(&c.id, &o.id, &o.occurrence)
            .await?
        && let Some(fields) = value.as_object_mut()
    {
        // What `POST …/evidence?delivery=N` names, to attach the document.
        fields.insert("delivery".into(), json!(delivery));
    }
    Ok(Json(value))
}

/// Records what happened to an occurrence of one of `c`'s commitments
/// (delivered with evidence, accepted, rejected with a reason), under the
/// register's rules: the one path the API and the web desk's forms take.
pub async fn record_event(
    app: &AppState,
    c: &Contract,
    request: EventRequest,
) -> Result<Occurrence, ApiError> {
    let o = app
        .deps
        .store
        .record_commitment_event(c, &app.deps.config.calendars, request, app.now())
        .await?;
    app.deps.notify_ingested();
    Ok(o)
}
