//! The disaster-recovery register over HTTP: viewers read it; managers
//! record DR tests, under the same rules as `slawatch dr-test`.
//!
//! - `GET  /api/v1/contracts/{contract}/dr` — the register as it stands today
//!   (as `dr-test list --format json`)
//! - `POST /api/v1/contracts/{contract}/dr-tests` — records a test
//! - `POST /api/v1/contracts/{contract}/dr-assurances` — records a vendor's
//!   dated DR assurance (as `slawatch dr-assurance add`)
//! - `DELETE /api/v1/contracts/{contract}/dr-tests/{id}` with
//!   `{"reason": …}` — withdraws a test or an assurance recorded by mistake
//!   (it stays listed)

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::access::{Reading, Writing};
use super::error::ApiError;
use super::records::{json, reason_body};
use crate::domain::parse_duration_seconds;
use crate::domain::time::local_date;
use crate::engine::dr::{EvidenceKind, assess};
use crate::report::json::{Wire, all};
use crate::store::dr::NewDrTest;

/// What a DR test carries.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestBody {
    /// The system tested.
    system: String,
    /// When, YYYY-MM-DD.
    date: NaiveDate,
    /// The recovery time achieved (`3h30m`).
    achieved_rto: Option<String>,
    /// The recovery point achieved (`10m`).
    achieved_rpo: Option<String>,
    /// Where the proof is.
    evidence: Option<String>,
    /// Anything else.
    note: Option<String>,
}

/// What a third-party assurance carries.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssuranceBody {
    /// The system the vendor runs.
    system: String,
    /// soc2, iso22301, vendor_test_report or other.
    kind: String,
    /// The end of the period covered, or the date issued, YYYY-MM-DD.
    period_end: NaiveDate,
    /// The last day it counts, YYYY-MM-DD.
    expires: NaiveDate,
    /// Where the document is.
    evidence: String,
    /// Anything else.
    note: Option<String>,
}

/// `GET …/dr`: each system's last test, flags and score, the supplier's DR
/// risk rating, and every test recorded.
pub async fn register(
    State(app): State<AppState>,
    Reading(c): Reading,
) -> Result<Json<Value>, ApiError> {
    let tests = app.deps.store.dr_tests(&c.id).await?;
    let today = local_date(c.timezone, app.now());
    Ok(Json(json!({
        "contract": c.id,
        "register": assess(&c.dr_systems, &tests, today).as_ref().map(Wire::json),
        "tests": all(&tests),
    })))
}

/// `POST …/dr-tests`: records a DR test (201 with the test as stored).
pub async fn add_test(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let b: TestBody = super::body::json(&body, "the JSON expected")?;
    let seconds = |key: &str, v: Option<&str>| {
        v.map(|t| {
            parse_duration_seconds(t).map_err(|e| ApiError::BadRequest(format!("{key}: {e}")))
        })
        .transpose()
    };
    let test = NewDrTest {
        system: b.system,
        kind: EvidenceKind::Test,
        date: b.date,
        expires: None,
        achieved_rto_seconds: seconds("achieved_rto", b.achieved_rto.as_deref())?,
        achieved_rpo_seconds: seconds("achieved_rpo", b.achieved_rpo.as_deref())?,
        evidence: b.evidence,
        note: b.note,
    };
    let stored = app
        .deps
        .store
        .record_dr_test(&c, &test, &by, app.now())
        .await?;
    app.deps.notify_ingested();
    let value = serde_json::to_value(stored.json()).map_err(|e| ApiError::Internal(e.into()))?;
    Ok((StatusCode::CREATED, Json(value)))
}

/// `POST …/dr-assurances`: records a vendor's dated DR assurance (201 with
/// the record as stored).
pub async fn add_assurance(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let b: AssuranceBody = super::body::json(&body, "the JSON expected")?;
    let record = NewDrTest {
        system: b.system,
        kind: EvidenceKind::assurance(&b.kind).map_err(ApiError::BadRequest)?,
        date: b.period_end,
        expires: Some(b.expires),
        achieved_rto_seconds: None,
        achieved_rpo_seconds: None,
        evidence: Some(b.evidence),
        note: b.note,
    };
    let stored = app
        .deps
        .store
        .record_dr_test(&c, &record, &by, app.now())
        .await?;
    app.deps.notify_ingested();
    let value = serde_json::to_value(stored.json()).map_err(|e| ApiError::Internal(e.into()))?;
    Ok((StatusCode::CREATED, Json(value)))
}

/// `DELETE …/dr-tests/{id}` with `{"reason": …}`: withdraws a DR test
/// recorded by mistake (200 with the test and its withdrawal; 404 unknown,
/// 409 already withdrawn).
pub async fn withdraw_test(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    Path((_, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::NotFound(format!("no DR test '{id}' (ids are numbers)")))?;
    let reason = reason_body(&body)?;
    let withdrawn = app
        .deps
        .store
        .withdraw_dr_test(&c.id, id, &reason, &by, app.now())
        .await?;
    app.deps.notify_ingested();
    json(&withdrawn)
}
