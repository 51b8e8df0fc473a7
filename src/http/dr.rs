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
use crate::contract::Contract;
use crate::domain::parse_duration_seconds;
use crate::domain::time::local_date;
use crate::engine::dr::{DrTest, EvidenceKind, assess};
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
    Ok(Json(register_json(&app, &c).await?))
}

/// `POST …/dr-tests`: records a DR test (201 with the test as stored).
pub async fn add_test(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let b: TestBody = super::body::json(&body, "the JSON expected")?;
    let test = new_test(
        b.system,
        b.date,
        (b.achieved_rto.as_deref(), b.achieved_rpo.as_deref()),
        b.evidence,
        b.note,
    )?;
    let stored = record_test(&app, &c, &test, &by).await?;
    let value = serde_json::to_value(stored.json()).map_err(|e| ApiError::Internal(e.into()))?;
    Ok((StatusCode::CREATED, Json(value)))
}

/// A DR test of `system` on `date`, with the recovery time and point
/// achieved (`3h30m`, `10m`) as written: checked as the API checks them.
pub fn new_test(
    system: String,
    date: NaiveDate,
    achieved: (Option<&str>, Option<&str>),
    evidence: Option<String>,
    note: Option<String>,
) -> Result<NewDrTest, ApiError> {
    let seconds = |key: &str, v: Option<&str>| {
        v.map(|t| {
            parse_duration_seconds(t).map_err(|e| ApiError::BadRequest(format!("{key}: {e}")))
        })
        .transpose()
    };
    Ok(NewDrTest {
        system,
        kind: EvidenceKind::Test,
        date,
        expires: None,
        achieved_rto_seconds: seconds("achieved_rto", achieved.0)?,
        achieved_rpo_seconds: seconds("achieved_rpo", achieved.1)?,
        evidence,
        note,
    })
}

/// Records `test` for `c` as `by`, under the register's rules: the one
/// path the API and the web desk's form take.
pub async fn record_test(
    app: &AppState,
    c: &Contract,
    test: &NewDrTest,
    by: &str,
) -> Result<DrTest, ApiError> {
    let stored = app
        .deps
        .store
        .record_dr_test(c, test, by, app.now())
        .await?;
    app.deps.notify_ingested();
    Ok(stored)
}

/// Withdraws DR test `id` of `c` as `by`, `reason` required (it stays
/// listed): the API's and the web desk's one path.
pub async fn withdraw(
    app: &AppState,
    c: &Contract,
    id: i64,
    reason: &str,
    by: &str,
) -> Result<DrTest, ApiError> {
    let reason = crate::records::required("reason", reason)?;
    let withdrawn = app
        .deps
        .store
        .withdraw_dr_test(&c.id, id, &reason, by, app.now())
        .await?;
    app.deps.notify_ingested();
    Ok(withdrawn)
}

/// The register as `GET …/dr` answers it: each system's assessment today
/// and every test recorded.
pub async fn register_json(app: &AppState, c: &Contract) -> Result<Value, ApiError> {
    let tests = app.deps.store.dr_tests(&c.id).await?;
    let today = local_date(c.timezone, app.now());
    Ok(json!({
        "contract": c.id,
        "register": assess(&c.dr_systems, &tests, today).as_ref().map(Wire::json),
        "tests": all(&tests),
    }))
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
    json(&withdraw(&app, &c, id, &reason, &by).await?)
}
