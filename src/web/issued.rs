//! What was issued: a contract-month's issued reports, each version with
//! every stored format to download byte for byte (from the store, as
//! `slawatch issued --out` reads them) and the amendment since issue; and
//! the audit committee's packs, for people who see every contract only (a
//! pack spans contracts).

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::Value;
use minijinja::value::Serde;
use serde_json::json;

use super::pages::{contract, desk_context, period};
use super::render::{WebError, page};
use super::session::{Desk, SignedIn};
use crate::domain::time::format_utc;
use crate::http::AppState;
use crate::http::auth::Scope;
use crate::http::read::month_report;
use crate::store::issued::IssuedKey;
use crate::store::packs::{EVERY_CONTRACT, PackKey};

/// Epoch seconds as the pages write instants.
fn instant(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0).map_or_else(|| secs.to_string(), format_utc)
}

/// A stored document as a download: its type as stored, never shown in
/// place (an issued HTML report is a file to keep, not a page of the desk).
fn download(filename: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, bytes).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    // Names are slawatch's own (`acme-2026-10-v1.pdf`); anything else is
    // dropped rather than written into a header.
    let safe: String = filename
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-._".contains(*c))
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// `GET /contracts/{contract}/months/{month}/issued`: every issued version
/// with its files, and the amendment since the latest issue.
pub async fn issued(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path((contract_id, month)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let c = contract(&app, &desk, &contract_id)?;
    let period = period(&month)?;
    let store = &app.deps.store;
    let mut versions = Vec::new();
    for (version, issued_at, sha256) in store.issued_versions(&c.id, period).await? {
        let key = IssuedKey {
            contract: c.id.clone(),
            period: period.to_string(),
            version,
        };
        versions.push(json!({
            "version": version,
            "issued_at": instant(issued_at),
            "sha256": sha256,
            "files": store.issued_filenames(&key).await?,
        }));
    }
    let (body, _) = month_report(&app, c, period, None).await?;
    let report: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| WebError::Internal(format!("month JSON: {e}")))?;
    Ok(page(
        StatusCode::OK,
        "issued.html",
        minijinja::context! {
            desk => desk_context(&desk),
            contract => c.id.clone(),
            tz => c.timezone.name(),
            supplier => c.supplier.clone(),
            period => period.to_string(),
            versions => Value::from(Serde(versions)),
            amendment => Value::from(Serde(report["amendment"].clone())),
        },
    ))
}

/// `GET /contracts/{contract}/months/{month}/issued/{version}/{file}`: one
/// stored file of an issued version, its bytes checked by the store.
pub async fn issued_file(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path((contract_id, month, version, file)): Path<(String, String, String, String)>,
) -> Result<Response, WebError> {
    let c = contract(&app, &desk, &contract_id)?;
    let period = period(&month)?;
    let version: i64 = version
        .parse()
        .map_err(|_| WebError::NotFound(format!("no version '{version}'")))?;
    let key = IssuedKey {
        contract: c.id.clone(),
        period: period.to_string(),
        version,
    };
    let stored = app
        .deps
        .store
        .issued_file(&key, &file)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("no issued file '{file}'")))?;
    Ok(download(
        &stored.filename,
        &stored.content_type,
        stored.bytes,
    ))
}

/// Packs span contracts: only someone who sees every contract sees them.
fn every_contract(desk: &Desk) -> Result<(), WebError> {
    match desk.scope {
        Scope::All => Ok(()),
        Scope::Only(_) => Err(WebError::NotFound(format!(
            "packs are not for {}, who is scoped to contracts",
            desk.name
        ))),
    }
}

/// `GET /packs`: every issued committee pack, newest months first.
pub async fn packs(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
) -> Result<Response, WebError> {
    every_contract(&desk)?;
    let packs: Vec<serde_json::Value> = app
        .deps
        .store
        .packs()
        .await?
        .into_iter()
        .map(|(key, issued_at)| {
            json!({
                "scope": key.scope,
                "every_contract": key.scope == EVERY_CONTRACT,
                "from": key.from, "to": key.to, "version": key.version,
                "issued_at": instant(issued_at),
            })
        })
        .collect();
    Ok(page(
        StatusCode::OK,
        "packs.html",
        minijinja::context! {
            desk => desk_context(&desk),
            packs => Value::from(Serde(packs)),
        },
    ))
}

/// `GET /packs/{scope}/{from}/{to}/{version}/{format}`: an issued pack's
/// HTML or PDF document, from the store.
pub async fn pack_file(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path((scope, from, to, version, format)): Path<(String, String, String, String, String)>,
) -> Result<Response, WebError> {
    every_contract(&desk)?;
    let version: i64 = version
        .parse()
        .map_err(|_| WebError::NotFound(format!("no version '{version}'")))?;
    let key = PackKey {
        scope,
        from,
        to,
        version,
    };
    let pack = app
        .deps
        .store
        .issued_pack(&key)
        .await?
        .ok_or_else(|| WebError::NotFound("no such pack".into()))?;
    let name = match pack.key.scope.as_str() {
        EVERY_CONTRACT => format!("pack-{}-{}-v{}", key.from, key.to, key.version),
        one => format!("pack-{one}-{}-{}-v{}", key.from, key.to, key.version),
    };
    match format.as_str() {
        "html" => Ok(download(
            &format!("{name}.html"),
            "text/html; charset=utf-8",
            pack.html.into_bytes(),
        )),
        "pdf" => Ok(download(
            &format!("{name}.pdf"),
            "application/pdf",
            pack.pdf,
        )),
        other => Err(WebError::NotFound(format!("no format '{other}'"))),
    }
}
