//! Evidence files over HTTP: managers add them, viewers list and fetch them.
//!
//! - `POST /api/v1/contracts/{contract}/evidence?cost=N&name=invoice.pdf` —
//!   the body is the file itself (not JSON), its `Content-Type` the file's
//!   media type (when absent or `application/octet-stream`, guessed from the
//!   name); exactly one of `cost`, `excusal`, `dispute`, `delivery`,
//!   `dr_test` names what it supports. At most 10 MiB: a larger body is
//!   refused with 413 before it is stored. This endpoint alone takes bodies
//!   over `daemon.max_request_bytes`, and only after the token is checked.
//! - `GET /api/v1/contracts/{contract}/evidence[?cost=N|…]` — the list.
//! - `GET /api/v1/contracts/{contract}/evidence/{id}` — the file, byte for
//!   byte, checked against its SHA-256 (sent as the `ETag`).

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::access::{Reading, Writing};
use super::error::ApiError;
use super::records::json;
use crate::domain::evidence_file::{MAX_EVIDENCE_FILE_BYTES, media_type_of};
use crate::domain::{EvidenceSubject, NewEvidenceFile};
use crate::report::json::all;

/// `?cost=N` (or `excusal`, `dispute`, `delivery`, `dr_test`), and on upload `name`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectQuery {
    /// A recoverable cost's id.
    pub cost: Option<i64>,
    /// An excusal's id.
    pub excusal: Option<i64>,
    /// A dispute's id.
    pub dispute: Option<i64>,
    /// A commitment delivery's id.
    pub delivery: Option<i64>,
    /// A DR test's id.
    pub dr_test: Option<i64>,
    /// The file's name (upload only).
    pub name: Option<String>,
}

impl SubjectQuery {
    /// The one subject named; more than one is refused.
    fn subject(&self) -> Result<Option<EvidenceSubject>, ApiError> {
        let named: Vec<EvidenceSubject> = [
            self.cost.map(EvidenceSubject::Cost),
            self.excusal.map(EvidenceSubject::Excusal),
            self.dispute.map(EvidenceSubject::Dispute),
            self.delivery.map(EvidenceSubject::Delivery),
            self.dr_test.map(EvidenceSubject::DrTest),
        ]
        .into_iter()
        .flatten()
        .collect();
        match named.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            _ => Err(ApiError::BadRequest(
                "name one of cost, excusal, dispute, delivery or dr_test, not several".into(),
            )),
        }
    }
}

fn query(q: Result<Query<SubjectQuery>, QueryRejection>) -> Result<SubjectQuery, ApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

fn too_large(size: impl std::fmt::Display) -> ApiError {
    ApiError::TooLarge(format!(
        "the file is {size} bytes, over the limit of {MAX_EVIDENCE_FILE_BYTES} bytes (10 MiB) for an evidence file"
    ))
}

/// `POST …/evidence?cost=N&name=…`: stores the body as an evidence file.
pub async fn add(
    State(app): State<AppState>,
    Writing { contract: c, by }: Writing,
    q: Result<Query<SubjectQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let q = query(q)?;
    let subject = q.subject()?.ok_or_else(|| {
        ApiError::BadRequest(
            "name what the file supports: ?cost=, ?excusal=, ?dispute=, ?delivery= or ?dr_test="
                .into(),
        )
    })?;
    let name = q
        .name
        .clone()
        .ok_or_else(|| ApiError::BadRequest("give the file's name: ?name=…".into()))?;
    // Refused from its declared length before a byte is read, where it has one.
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|&len| len > MAX_EVIDENCE_FILE_BYTES as u64)
    {
        return Err(too_large(len));
    }
    let bytes = axum::body::to_bytes(body, MAX_EVIDENCE_FILE_BYTES)
        .await
        .map_err(|_| too_large(format!("over {MAX_EVIDENCE_FILE_BYTES}")))?;
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        // `application/pdf; name=…` keeps only the type.
        .map(|m| m.split(';').next().unwrap_or_default().trim())
        .filter(|m| !m.is_empty() && *m != "application/octet-stream")
        .map_or_else(|| media_type_of(&name).to_string(), str::to_string);
    let file = NewEvidenceFile {
        subject,
        filename: name,
        media_type,
        bytes: bytes.to_vec(),
    };
    let stored = app
        .deps
        .store
        .add_evidence_file(&c.id, c.timezone, &file, &by, app.now().timestamp())
        .await?;
    json(&stored)
}

/// `GET …/evidence[?cost=N|…]`: the contract's evidence files.
pub async fn list(
    State(app): State<AppState>,
    Reading(c): Reading,
    q: Result<Query<SubjectQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let subject = query(q)?.subject()?;
    let files = app.deps.store.evidence_files(&c.id, subject).await?;
    Ok(Json(
        json!({ "contract": c.id, "evidence_files": all(&files) }),
    ))
}

/// `GET …/evidence/{id}`: the file itself.
pub async fn get(
    State(app): State<AppState>,
    Reading(c): Reading,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::NotFound(format!("no evidence file '{id}' (ids are numbers)")))?;
    let (file, bytes) = app
        .deps
        .store
        .evidence_file_bytes(&c.id, id)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(format!("no evidence file {id} for contract '{}'", c.id))
        })?;
    let content_type = HeaderValue::from_str(&file.media_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    // The name is the person's text: only its plain ASCII goes in the header.
    let safe: String = file
        .filename
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ".-_ ".contains(ch) {
                ch
            } else {
                '_'
            }
        })
        .collect();
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    let etag = HeaderValue::from_str(&format!("\"{}\"", file.sha256))
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::ETAG, etag),
        ],
        bytes,
    )
        .into_response())
}
