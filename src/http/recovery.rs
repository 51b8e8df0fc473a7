//! Money actually recovered, over the API: the recovery to date (viewers
//! and managers read it), credit notes and refusals recorded by managers,
//! and gates recorded on costs. The token's name is kept as who recorded
//! each. Refusals answer as [`ApiError`] (400 a bad value, naming the key
//! and the value; 404 an unknown contract or cost; 409 a gate already open,
//! or not open when withdrawn).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::access::{Reading, Writing};
use super::error::ApiError;
use crate::domain::{NoteKind, RecordedGate};
use crate::records::{CreditNoteRequest, Naming, new_credit_note, required};
use crate::report::json::Wire;

const NOTE: &str = "a JSON credit note: reference, date (YYYY-MM-DD), amount (a decimal string such as \
     \"1250.00\"), months (\"2026-10\" or \"2026-10,2026-11\"), and optionally note";
const REFUSAL: &str = "a JSON refusal: reference, date (YYYY-MM-DD), amount (a decimal string such as \
     \"400.00\"), months (\"2026-10\" or \"2026-10,2026-11\") and reason";
const GATE: &str = "JSON with the gate (wilful_default, data_loss or termination) and the reason, \
     and \"withdraw\": true to withdraw it";

/// `POST …/costs/{id}/gates`: the gate and why.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateBody {
    /// `wilful_default`, `data_loss` or `termination`.
    pub gate: String,
    /// Why it is open (or withdrawn).
    pub reason: String,
    /// True to withdraw the gate recorded earlier.
    #[serde(default)]
    pub withdraw: bool,
}

/// `GET /api/v1/contracts/{contract}/recovery`: every issued month's claim
/// against what the supplier credited or refused, as at now, and every note.
pub async fn recovery(
    State(app): State<AppState>,
    Reading(c): Reading,
) -> Result<Json<Value>, ApiError> {
    let r = crate::report::recovery::load_always(&app.deps.store, &c, app.now()).await?;
    let mut value = serde_json::to_value(r.json()).map_err(|e| ApiError::Internal(e.into()))?;
    if let Value::Object(map) = &mut value {
        map.insert("contract".into(), json!(c.id));
        map.insert("currency".into(), json!(c.currency.code()));
    }
    Ok(Json(value))
}

/// `POST /api/v1/contracts/{contract}/credit-notes`: records a credit note.
pub async fn add_credit_note(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    record(&app, &c, &by, NoteKind::Credit, &bytes, NOTE).await
}

/// `POST /api/v1/contracts/{contract}/refusals`: records the supplier's
/// refusal of part of the claims.
pub async fn add_refusal(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    record(&app, &c, &by, NoteKind::Refusal, &bytes, REFUSAL).await
}

async fn record(
    app: &AppState,
    c: &crate::contract::Contract,
    by: &str,
    kind: NoteKind,
    bytes: &Bytes,
    what: &str,
) -> Result<Json<Value>, ApiError> {
    let request: CreditNoteRequest = super::body::json(bytes, what)?;
    let note = new_credit_note(c, kind, &request, Naming::Keys)?;
    let stored = app
        .deps
        .store
        .record_credit_note(&c.id, &c.currency, &note, by, app.now().timestamp())
        .await?;
    // The outstanding figures changed: live detection looks again.
    app.deps.notify_ingested();
    super::records::json(&stored)
}

/// `POST /api/v1/contracts/{contract}/costs/{id}/gates`: records (or
/// withdraws) a gate on a cost.
pub async fn gate_cost(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    Path((_, id)): Path<(String, String)>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::NotFound(format!("no record '{id}' (ids are numbers)")))?;
    let GateBody {
        gate,
        reason,
        withdraw,
    } = super::body::json(&bytes, GATE)?;
    let gate =
        RecordedGate::parse(&gate).map_err(|e| ApiError::BadRequest(format!("gate: {e}")))?;
    let reason = required("reason", &reason)?;
    let recorded = app
        .deps
        .store
        .record_cost_gate(
            &c.id,
            id,
            gate,
            withdraw,
            &reason,
            &by,
            app.now().timestamp(),
        )
        .await?;
    app.deps.notify_ingested();
    super::records::json(&recorded)
}
