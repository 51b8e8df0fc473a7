//! What people record over the API: recoverable costs, excusals, disputes,
//! and the audit trail. Manager tokens may write (the token's name is kept
//! as who made the change); viewer and manager tokens may read the lists.
//! Bodies are JSON; refusals answer as [`ApiError`] (400 bad request,
//! 404 unknown contract or record, 409 contradicts what is recorded).

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::AppState;
use super::access::{Reading, Writing};
use super::error::ApiError;
use crate::contract::Contract;
use crate::domain::{Cost, Dispute, DisputeStatus, DisputeSubject, Excusal, Period};
use crate::engine::commitments::AsOf;
use crate::records::{
    CostRequest, RecordError, TargetRequest, check_disputed_delay_payment, dispute_subject,
    excusal_target, excused_interval, new_cost, required,
};
use crate::report::json::{Wire, all};
use crate::store::approvals::Approved;

/// A removal, a revocation: why.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Why.
    pub reason: String,
}

/// A dispute's grounds or its decision's.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// The note.
    pub note: String,
}

/// `POST …/excusals`: what to excuse and why.
#[derive(Debug, Deserialize)]
pub struct ExcuseBody {
    /// One of `incident`, `outage`, or `service_level` with `month`.
    #[serde(flatten)]
    pub target: TargetRequest,
    /// With an outage and `until`: excuse only from this instant.
    #[serde(default)]
    pub from: Option<String>,
    /// With an outage and `from`: …until this one (exclusive).
    #[serde(default)]
    pub until: Option<String>,
    /// Why.
    pub reason: String,
}

/// `POST …/disputes`: what the supplier disputes and on what grounds.
#[derive(Debug, Deserialize)]
pub struct DisputeBody {
    /// One of `service_level` with `month`, `incident`, `outage`, `cost`,
    /// or `commitment` with `due`.
    #[serde(flatten)]
    pub subject: TargetRequest,
    /// The supplier's grounds.
    pub note: String,
}

/// `?month=YYYY-MM`.
#[derive(Debug, Deserialize)]
pub struct MonthQuery {
    /// Only this month.
    pub month: Option<String>,
}

impl From<RecordError> for ApiError {
    fn from(e: RecordError) -> Self {
        match e {
            RecordError::Invalid(m) => ApiError::BadRequest(m),
            RecordError::NotFound(m) => ApiError::NotFound(m),
            RecordError::Conflict(m) => ApiError::Conflict(m),
            RecordError::Store(e) => ApiError::Internal(e.into()),
        }
    }
}

/// Reads a JSON body; `what` says what was expected, for the error.
fn body<T: DeserializeOwned>(bytes: &Bytes, what: &str) -> Result<T, ApiError> {
    super::body::json(bytes, what)
}

const COST: &str = "a JSON cost: date (YYYY-MM-DD), amount (a decimal string such as \"2400.00\"), \
     description, evidence, and optionally breach_service_level (with breach_month) or breach_incident";
const REASON: &str = "JSON with the reason, e.g. {\"reason\": \"…\"}";
const NOTE: &str = "JSON with a note, e.g. {\"note\": \"…\"}";
const EXCUSAL: &str = "JSON naming an incident, an outage (optionally with from and until, to \
     excuse part of it), or a service_level with its month, and the reason";
const DISPUTE: &str = "JSON naming a service_level with its month, an incident, an outage, a cost, \
     or a commitment with the due date (or month) of its occurrence, and the note";

/// The `{"reason": …}` body of a removal, revocation or withdrawal: the
/// reason, required and trimmed.
pub(super) fn reason_body(bytes: &Bytes) -> Result<String, ApiError> {
    let ReasonBody { reason } = body(bytes, REASON)?;
    Ok(required("reason", &reason)?)
}

/// A value as the JSON answer.
pub(super) fn json<T: Wire>(value: &T) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        serde_json::to_value(value.json()).map_err(|e| ApiError::Internal(e.into()))?,
    ))
}

/// A cost's, excusal's or dispute's id from the path.
fn record_id(text: &str) -> Result<i64, ApiError> {
    text.parse()
        .map_err(|_| ApiError::NotFound(format!("no record '{text}' (ids are numbers)")))
}

/// `GET /api/v1/contracts/{contract}/costs[?month=YYYY-MM]`: the costs,
/// removed ones included, each with its latest dispute.
pub async fn list_costs(
    State(app): State<AppState>,
    Reading(c): Reading,
    query: Result<Query<MonthQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let period = q
        .month
        .map(|m| m.parse::<Period>().map_err(ApiError::BadRequest))
        .transpose()?;
    let costs: Vec<Cost> = app.deps.store.costs(&c.id, period).await?;
    Ok(Json(json!({ "contract": c.id, "costs": all(&costs) })))
}

/// `POST /api/v1/contracts/{contract}/costs`: records a cost.
pub async fn add_cost(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let request: CostRequest = body(&bytes, COST)?;
    let stored = record_cost(&app, &c, &request, &by).await?;
    json(&stored)
}

/// Records the cost `request` states for `c` as `by`: the one path the API
/// and the web desk's form take (checked against the contract, then stored
/// with its audit entry in one transaction, or not at all).
pub async fn record_cost(
    app: &AppState,
    c: &Contract,
    request: &CostRequest,
    by: &str,
) -> Result<Cost, ApiError> {
    let cost = new_cost(c, request)?;
    Ok(app
        .deps
        .store
        .record_cost(&c.id, &cost, by, app.now().timestamp())
        .await?)
}

/// `DELETE /api/v1/contracts/{contract}/costs/{id}` with `{"reason": …}`:
/// records that the cost is no longer claimed (it stays on record).
pub async fn remove_cost(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = record_id(&id)?;
    let reason = reason_body(&bytes)?;
    let removed = app
        .deps
        .store
        .remove_cost(&c.id, id, &c.currency, &reason, &by, app.now().timestamp())
        .await?;
    json(&removed)
}

/// `GET /api/v1/contracts/{contract}/excusals`: every excusal, revoked ones included.
pub async fn list_excusals(
    State(app): State<AppState>,
    Reading(c): Reading,
) -> Result<Json<Value>, ApiError> {
    let excusals: Vec<Excusal> = app.deps.store.excusals(&c.id).await?;
    Ok(Json(
        json!({ "contract": c.id, "excusals": all(&excusals) }),
    ))
}

/// `POST /api/v1/contracts/{contract}/excusals`: excuses an incident, an
/// outage (whole, or from `from` until `until`) or a service level's month.
pub async fn excuse(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let ExcuseBody {
        target,
        from,
        until,
        reason,
    } = body(&bytes, EXCUSAL)?;
    let e = record_excusal(
        &app,
        &c,
        &target,
        (from.as_deref(), until.as_deref()),
        &reason,
        &by,
    )
    .await?;
    json(&e)
}

/// Excuses what `target` names for `c` as `by` (an outage in part when
/// `during` gives both ends), `reason` required: the one path the API and
/// the web desk's form take, checked against the contract, stored with its
/// audit entry in one transaction or not at all.
pub async fn record_excusal(
    app: &AppState,
    c: &Contract,
    target: &TargetRequest,
    during: (Option<&str>, Option<&str>),
    reason: &str,
    by: &str,
) -> Result<Excusal, ApiError> {
    let target = excusal_target(c, target)?;
    let during = excused_interval(c, &target, during.0, during.1, ("from", "until"))?;
    let reason = required("reason", reason)?;
    let e = app
        .deps
        .store
        .excuse(&c.id, &target, during, &reason, by, app.now().timestamp())
        .await?;
    // The figures changed: live detection looks again.
    app.deps.notify_ingested();
    Ok(e)
}

/// `DELETE /api/v1/contracts/{contract}/excusals/{id}` with `{"reason": …}`:
/// revokes the excusal (it stays on record).
pub async fn revoke_excusal(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = record_id(&id)?;
    let reason = reason_body(&bytes)?;
    json(&revoke(&app, &c, id, &reason, &by).await?)
}

/// Revokes excusal `id` of `c` as `by`, `reason` required: the API's and
/// the web desk's one path.
pub async fn revoke(
    app: &AppState,
    c: &Contract,
    id: i64,
    reason: &str,
    by: &str,
) -> Result<Excusal, ApiError> {
    let reason = required("reason", reason)?;
    let e = app
        .deps
        .store
        .revoke_excusal(&c.id, id, &reason, by, app.now().timestamp())
        .await?;
    app.deps.notify_ingested();
    Ok(e)
}

/// `GET /api/v1/contracts/{contract}/disputes`: every dispute, decided ones included.
pub async fn list_disputes(
    State(app): State<AppState>,
    Reading(c): Reading,
) -> Result<Json<Value>, ApiError> {
    let disputes: Vec<Dispute> = app.deps.store.disputes(&c.id).await?;
    Ok(Json(
        json!({ "contract": c.id, "disputes": all(&disputes) }),
    ))
}

/// `POST /api/v1/contracts/{contract}/disputes`: the supplier disputes a
/// service level's month, an incident or a cost.
pub async fn open_dispute(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let DisputeBody { subject, note } = body(&bytes, DISPUTE)?;
    json(&record_dispute(&app, &c, &subject, &note, &by).await?)
}

/// Records the supplier's dispute of what `subject` names for `c` as `by`,
/// `note` (the grounds) required: the API's and the web desk's one path.
pub async fn record_dispute(
    app: &AppState,
    c: &Contract,
    subject: &TargetRequest,
    note: &str,
    by: &str,
) -> Result<Dispute, ApiError> {
    let subject = dispute_subject(c, subject)?;
    if matches!(subject, DisputeSubject::DelayPayment { .. }) {
        let register = app
            .deps
            .store
            .commitment_register(c, &app.deps.config.calendars)
            .await?;
        let as_of = AsOf::new(app.now(), c.timezone);
        check_disputed_delay_payment(&register, &subject, as_of)?;
    }
    let note = required("note", note)?;
    Ok(app
        .deps
        .store
        .open_dispute(&c.id, &subject, &note, by, app.now().timestamp())
        .await?)
}

/// `POST /api/v1/contracts/{contract}/disputes/{id}/reject` (or `…/uphold`,
/// the previous release's word): the customer rejects the dispute, the claim
/// stands.
pub async fn reject_dispute(
    state: State<AppState>,
    writing: Writing,
    path: Path<(String, String)>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    decide(state, writing, path, bytes, DisputeStatus::Rejected).await
}

/// `POST /api/v1/contracts/{contract}/disputes/{id}/accept` (or `…/withdraw`,
/// the previous release's word): the customer accepts the dispute and
/// withdraws the claim item.
pub async fn accept_dispute(
    state: State<AppState>,
    writing: Writing,
    path: Path<(String, String)>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    decide(state, writing, path, bytes, DisputeStatus::Accepted).await
}

async fn decide(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
    outcome: DisputeStatus,
) -> Result<Json<Value>, ApiError> {
    let id = record_id(&id)?;
    let NoteBody { note } = body(&bytes, NOTE)?;
    json(&decide_dispute(&app, &c, id, outcome, &note, &by).await?)
}

/// Decides dispute `id` of `c` (`outcome` rejected or accepted) as `by`,
/// `note` (why) required: the API's and the web desk's one path.
pub async fn decide_dispute(
    app: &AppState,
    c: &Contract,
    id: i64,
    outcome: DisputeStatus,
    note: &str,
    by: &str,
) -> Result<Dispute, ApiError> {
    let note = required("note", note)?;
    Ok(app
        .deps
        .store
        .resolve_dispute(&c.id, id, outcome, &note, by, app.now().timestamp())
        .await?)
}

/// `GET /api/v1/contracts/{contract}/audit`: the whole trail, oldest first.
pub async fn audit(
    State(app): State<AppState>,
    Reading(c): Reading,
) -> Result<Json<Value>, ApiError> {
    let audit = app.deps.store.audit(&c.id).await?;
    Ok(Json(json!({ "contract": c.id, "audit": all(&audit) })))
}

/// `POST /api/v1/contracts/{contract}/months/{month}/approve`: the manager
/// token's name approves the month's latest draft, so the leading daemon
/// issues it at its next check. 404 when the month has no draft yet, 409
/// when it is issued already; approving again answers the first approval.
pub async fn approve_month(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    Path((_, month)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let period: Period = month.parse().map_err(ApiError::BadRequest)?;
    let now = app.now().timestamp();
    let outcome = app
        .deps
        .store
        .approve_latest(&c.id, period, &by, now)
        .await?;
    let (draft, approved_by, approved_at) = match outcome {
        Approved::Now(draft) => (draft, by, now),
        Approved::Before(first) => (first.draft, first.by, first.at),
        Approved::NoDraft => {
            return Err(ApiError::NotFound(format!(
                "{} {period} has no draft to approve yet",
                c.id
            )));
        }
        Approved::Issued(version) => {
            return Err(ApiError::Conflict(format!(
                "{} {period} is already issued (version {version})",
                c.id
            )));
        }
    };
    let at = chrono::DateTime::from_timestamp(approved_at, 0)
        .map(crate::domain::time::format_utc)
        .unwrap_or_default();
    Ok(Json(json!({
        "contract": c.id, "period": period.to_string(), "draft": draft,
        "approved_by": approved_by, "approved_at": at,
    })))
}
