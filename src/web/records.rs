//! Excusals, disputes and the audit trail of a contract: the register
//! page with its forms (excuse, revoke an excusal, open a dispute, decide
//! one) and the audit trail, of the contract or of one month.
//!
//! Every form takes the API's path ([`crate::http::records`]): checked
//! against the contract, stored with its audit entry in one transaction or
//! not at all, recorded as the person signed in. A viewer sees no forms and
//! is refused (403), as is a form without its session's CSRF token; a
//! refused form is shown again with what was typed and the error beside
//! its field.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::Value;
use minijinja::value::Serde;
use serde_json::json;

use super::forms::{Fields, csrf_refused};
use super::pages::{CostForm as FormState, contract, desk_context, period};
use super::render::{WebError, page};
use super::session::{Desk, SignedIn};
use crate::contract::Contract;
use crate::domain::time::format_utc;
use crate::domain::{DisputeStatus, DisputeSubject, ExcusalTarget};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::records::{decide_dispute, record_dispute, record_excusal, revoke};
use crate::records::TargetRequest;

/// The excusals recorded on what `on` picks, oldest first, as the pages
/// show them (an outage's excused part, a revocation).
pub async fn excusals_on(
    store: &crate::store::Store,
    contract: &str,
    on: impl Fn(&ExcusalTarget) -> bool,
) -> Result<Vec<serde_json::Value>, WebError> {
    Ok(store
        .excusals(contract)
        .await?
        .into_iter()
        .filter(|e| on(&e.target))
        .map(|e| {
            json!({
                "id": e.id, "reason": e.reason, "by": e.by, "at": format_utc(e.at),
                "from": e.during.map(|d| format_utc(d.from())),
                "until": e.during.map(|d| format_utc(d.until())),
                "revoked": e.revoked.as_ref().map(|r| json!({"by": r.by, "at": format_utc(r.at), "reason": r.reason})),
            })
        })
        .collect())
}

/// The disputes opened on what `on` picks, oldest first, as the pages
/// show them.
pub async fn disputes_on(
    store: &crate::store::Store,
    contract: &str,
    on: impl Fn(&DisputeSubject) -> bool,
) -> Result<Vec<serde_json::Value>, WebError> {
    Ok(store
        .disputes(contract)
        .await?
        .into_iter()
        .filter(|d| on(&d.subject))
        .map(|d| {
            json!({
                "id": d.id, "decision": d.status.decision(), "meaning": d.status.meaning(),
                "note": d.note, "by": d.opened_by, "at": format_utc(d.opened_at),
                "resolved_by": d.resolved_by, "resolution_note": d.resolution_note,
            })
        })
        .collect())
}

/// The register's forms as shown: the excuse form, the dispute form, and
/// a refusal on one row's form (revoke or decide), keyed `kind-id`.
#[derive(Debug, Default, serde::Serialize)]
pub struct RegisterForms {
    /// The excuse form.
    pub excuse: FormState,
    /// The open-a-dispute form.
    pub dispute: FormState,
    /// A row's refusal: `excusal-3` or `dispute-7`, and why.
    pub row_errors: BTreeMap<String, String>,
    /// The rows' values as typed, by the same key.
    pub row_values: BTreeMap<String, String>,
    /// What was just recorded, in words.
    pub done: Option<String>,
}

/// The field of the excuse or dispute form a refusal is about, from the
/// words it starts with; `None` when it is about the form as a whole.
fn field_of(message: &str) -> Option<&'static str> {
    let m = message.to_ascii_lowercase();
    [
        ("reason", "reason"),
        ("note", "note"),
        ("from", "from"),
        ("until", "from"),
        ("an outage is excused in part", "from"),
        ("a service level is excused for a month", "month"),
        ("a service level is disputed for a month", "month"),
        ("month", "month"),
        ("unknown service level", "service_level"),
        ("no outage", "outage"),
        ("no incident", "incident"),
        ("no cost", "cost"),
        ("cost", "cost"),
    ]
    .into_iter()
    .find(|(start, _)| m.starts_with(start))
    .map(|(_, field)| field)
}

/// The register's forms' fields, as typed, trimmed.
pub(super) fn value(fields: &BTreeMap<String, String>, k: &str) -> String {
    fields.get(k).map_or("", |v| v.as_str()).trim().to_string()
}

/// What the excuse and dispute forms name: an incident, an outage, a
/// service level with its month, or (disputes) a cost.
fn target(fields: &BTreeMap<String, String>) -> Result<TargetRequest, (String, String)> {
    let optional = |k: &str| Some(value(fields, k)).filter(|v| !v.is_empty());
    let cost = match optional("cost") {
        None => None,
        Some(text) => Some(text.parse::<i64>().map_err(|_| {
            (
                "cost".to_string(),
                format!("cost: '{text}' is not a cost's number"),
            )
        })?),
    };
    Ok(TargetRequest {
        incident: optional("incident"),
        outage: optional("outage"),
        service_level: optional("service_level"),
        month: optional("month"),
        cost,
        commitment: None,
        due: None,
    })
}

/// Checks the person may post this form: a manager, with the session's token.
pub(super) fn may_post(desk: &Desk, fields: &BTreeMap<String, String>) -> Result<(), WebError> {
    desk.require_manager()?;
    if !desk.csrf_matches(fields.get("csrf").map_or("", String::as_str)) {
        return Err(csrf_refused());
    }
    Ok(())
}

/// A refused form's state: the values typed and the error beside its field.
pub(super) fn refused(
    fields: &BTreeMap<String, String>,
    names: &[&str],
    field: Option<&str>,
    message: String,
) -> FormState {
    let mut form = FormState {
        values: names
            .iter()
            .map(|f| (f.to_string(), value(fields, f)))
            .collect(),
        ..FormState::default()
    };
    match field {
        Some(f) => {
            form.errors.insert(f.to_string(), message);
        }
        None => form.error = Some(message),
    }
    form
}

/// A refusal the person can act on, or the error to show as a page.
pub(super) fn refusal(e: ApiError) -> Result<String, WebError> {
    match e {
        ApiError::BadRequest(m) | ApiError::NotFound(m) | ApiError::Conflict(m) => Ok(m),
        e => Err(e.into()),
    }
}

/// `GET /contracts/{contract}/records`: excusals and disputes, with their
/// forms for a manager.
pub async fn register(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path(contract_id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let c = contract(&app, &desk, &contract_id)?;
    // Only fixed words are echoed back, never the query's text.
    let done = query.get("done").and_then(|d| {
        let (what, id) = d.split_once('-')?;
        let id: i64 = id.parse().ok()?;
        let word = match what {
            "excused" => "Excusal {} recorded",
            "revoked" => "Excusal {} revoked",
            "disputed" => "Dispute {} recorded",
            "decided" => "Dispute {} decided",
            _ => return None,
        };
        Some(format!(
            "{}, in your name.",
            word.replace("{}", &id.to_string())
        ))
    });
    let forms = RegisterForms {
        done,
        ..RegisterForms::default()
    };
    register_page(&app, &desk, c, StatusCode::OK, forms).await
}

/// The register page with `forms` as given.
async fn register_page(
    app: &AppState,
    desk: &Desk,
    c: &Contract,
    status: StatusCode,
    forms: RegisterForms,
) -> Result<Response, WebError> {
    let store = &app.deps.store;
    let excusals: Vec<serde_json::Value> = store
        .excusals(&c.id)
        .await?
        .iter()
        .map(|e| {
            json!({
                "id": e.id, "what": e.target.to_string(), "reason": e.reason, "by": e.by,
                "at": format_utc(e.at), "in_force": e.in_force(),
                "revoked": e.revoked.as_ref().map(|r| json!({"by": r.by, "at": format_utc(r.at), "reason": r.reason})),
            })
        })
        .collect();
    let disputes: Vec<serde_json::Value> = store
        .disputes(&c.id)
        .await?
        .iter()
        .map(|d| {
            json!({
                "id": d.id, "what": d.subject.to_string(), "open": d.is_open(),
                "decision": d.status.decision(), "meaning": d.status.meaning(),
                "note": d.note, "by": d.opened_by, "at": format_utc(d.opened_at),
                "resolved_by": d.resolved_by, "resolution_note": d.resolution_note,
            })
        })
        .collect();
    let levels: Vec<(&str, &str)> = c
        .service_levels
        .iter()
        .map(|l| (l.id.as_str(), l.name.as_str()))
        .collect();
    Ok(page(
        status,
        "records.html",
        minijinja::context! {
            desk => desk_context(desk),
            contract => c.id.clone(),
            tz => c.timezone.name(),
            supplier => c.supplier.clone(),
            this_month => crate::domain::Period::of(app.now(), c.timezone).to_string(),
            excusals => Value::from(Serde(excusals)),
            disputes => Value::from(Serde(disputes)),
            levels => Value::from(Serde(levels)),
            forms => Value::from(Serde(forms)),
        },
    ))
}

/// Where the register goes after a change: post, redirect, get.
fn back(c: &Contract, done: &str, id: i64) -> Response {
    Redirect::to(&format!("/contracts/{}/records?done={done}-{id}", c.id)).into_response()
}

const EXCUSE_FIELDS: [&str; 7] = [
    "incident",
    "outage",
    "service_level",
    "month",
    "from",
    "until",
    "reason",
];
const DISPUTE_FIELDS: [&str; 6] = [
    "incident",
    "outage",
    "service_level",
    "month",
    "cost",
    "note",
];

/// `POST /contracts/{contract}/excusals`: excuses an incident, an outage
/// (whole or in part) or a service level's month.
pub async fn excuse(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path(contract_id): Path<String>,
    Fields(fields): Fields,
) -> Result<Response, WebError> {
    may_post(&desk, &fields)?;
    let c = contract(&app, &desk, &contract_id)?;
    let optional = |k: &str| Some(value(&fields, k)).filter(|v| !v.is_empty());
    let outcome = match target(&fields) {
        Err((field, m)) => Err((Some(field), m)),
        Ok(t) => {
            let (from, until) = (optional("from"), optional("until"));
            let during = (from.as_deref(), until.as_deref());
            match record_excusal(&app, c, &t, during, &value(&fields, "reason"), &desk.name).await {
                Ok(e) => Ok(e.id),
                Err(e) => Err((None, refusal(e)?)),
            }
        }
    };
    answer(&app, &desk, c, &fields, outcome, Form::Excuse).await
}

/// `POST /contracts/{contract}/disputes`: records the supplier's dispute.
pub async fn dispute(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path(contract_id): Path<String>,
    Fields(fields): Fields,
) -> Result<Response, WebError> {
    may_post(&desk, &fields)?;
    let c = contract(&app, &desk, &contract_id)?;
    let outcome = match target(&fields) {
        Err((field, m)) => Err((Some(field), m)),
        Ok(t) => match record_dispute(&app, c, &t, &value(&fields, "note"), &desk.name).await {
            Ok(d) => Ok(d.id),
            Err(e) => Err((None, refusal(e)?)),
        },
    };
    answer(&app, &desk, c, &fields, outcome, Form::Dispute).await
}

/// The register's two forms that record something new.
#[derive(Clone, Copy)]
enum Form {
    Excuse,
    Dispute,
}

/// What a form's post came to: the record's number, or the field at fault
/// (when known) and why it was refused.
type Outcome = Result<i64, (Option<String>, String)>;

/// The answer to the excuse or dispute form: back to the register saying
/// what was recorded, or the register again with the form as typed and
/// the error beside its field.
async fn answer(
    app: &AppState,
    desk: &Desk,
    c: &Contract,
    fields: &BTreeMap<String, String>,
    outcome: Outcome,
    form: Form,
) -> Result<Response, WebError> {
    let (what, done, names): (_, _, &[&str]) = match form {
        Form::Excuse => ("excusal", "excused", &EXCUSE_FIELDS),
        Form::Dispute => ("dispute", "disputed", &DISPUTE_FIELDS),
    };
    match outcome {
        Ok(id) => {
            tracing::info!(contract = %c.id, id, by = %desk.name, "{what} recorded on the web desk");
            Ok(back(c, done, id))
        }
        Err((field, m)) => {
            let field = field.or_else(|| field_of(&m).map(str::to_string));
            let state = refused(fields, names, field.as_deref(), m);
            let forms = match form {
                Form::Excuse => RegisterForms {
                    excuse: state,
                    ..RegisterForms::default()
                },
                Form::Dispute => RegisterForms {
                    dispute: state,
                    ..RegisterForms::default()
                },
            };
            register_page(app, desk, c, StatusCode::BAD_REQUEST, forms).await
        }
    }
}

/// A record's number from the path, or 404.
fn record_id(text: &str) -> Result<i64, WebError> {
    text.parse()
        .map_err(|_| WebError::NotFound(format!("no record '{text}'")))
}

/// A row's form refused: the register again, the error on that row.
async fn row_refused(
    app: &AppState,
    desk: &Desk,
    c: &Contract,
    key: String,
    typed: String,
    message: String,
) -> Result<Response, WebError> {
    let forms = RegisterForms {
        row_errors: BTreeMap::from([(key.clone(), message)]),
        row_values: BTreeMap::from([(key, typed)]),
        ..RegisterForms::default()
    };
    register_page(app, desk, c, StatusCode::BAD_REQUEST, forms).await
}

/// `POST /contracts/{contract}/excusals/{id}/revoke`: revokes an excusal
/// (it stays on record).
pub async fn revoke_excusal(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path((contract_id, id)): Path<(String, String)>,
    Fields(fields): Fields,
) -> Result<Response, WebError> {
    may_post(&desk, &fields)?;
    let c = contract(&app, &desk, &contract_id)?;
    let id = record_id(&id)?;
    let reason = value(&fields, "reason");
    match revoke(&app, c, id, &reason, &desk.name).await {
        Ok(e) => Ok(back(c, "revoked", e.id)),
        Err(e) => {
            let m = refusal(e)?;
            row_refused(&app, &desk, c, format!("excusal-{id}"), reason, m).await
        }
    }
}

/// `POST /contracts/{contract}/disputes/{id}/decide` with `outcome`
/// `reject` (the claim stands) or `accept` (the item is withdrawn).
pub async fn decide(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path((contract_id, id)): Path<(String, String)>,
    Fields(fields): Fields,
) -> Result<Response, WebError> {
    may_post(&desk, &fields)?;
    let c = contract(&app, &desk, &contract_id)?;
    let id = record_id(&id)?;
    let note = value(&fields, "note");
    let outcome = match value(&fields, "outcome").as_str() {
        "reject" => DisputeStatus::Rejected,
        "accept" => DisputeStatus::Accepted,
        _ => {
            let m = "choose to reject the dispute or to accept it".to_string();
            return row_refused(&app, &desk, c, format!("dispute-{id}"), note, m).await;
        }
    };
    match decide_dispute(&app, c, id, outcome, &note, &desk.name).await {
        Ok(d) => Ok(back(c, "decided", d.id)),
        Err(e) => {
            let m = refusal(e)?;
            row_refused(&app, &desk, c, format!("dispute-{id}"), note, m).await
        }
    }
}

/// `GET /contracts/{contract}/audit[?month=YYYY-MM]`: who recorded what
/// and why, oldest first: the contract's whole trail, or the month's as
/// its report quotes it.
pub async fn audit(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path(contract_id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let c = contract(&app, &desk, &contract_id)?;
    let (month, entries) = match query.get("month").filter(|m| !m.is_empty()) {
        Some(m) => {
            let p = period(m)?;
            let (body, _) = crate::http::read::month_report(&app, c, p, None).await?;
            let report: serde_json::Value = serde_json::from_slice(&body)
                .map_err(|e| WebError::Internal(format!("month JSON: {e}")))?;
            (Some(p.to_string()), report["audit"].clone())
        }
        None => {
            let trail = app.deps.store.audit(&c.id).await?;
            let entries = serde_json::to_value(crate::report::json::all(&trail))
                .map_err(|e| WebError::Internal(format!("audit JSON: {e}")))?;
            (None, entries)
        }
    };
    Ok(page(
        StatusCode::OK,
        "audit.html",
        minijinja::context! {
            desk => desk_context(&desk),
            contract => c.id.clone(),
            tz => c.timezone.name(),
            supplier => c.supplier.clone(),
            month => month,
            entries => Value::from(Serde(entries)),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_placed_beside_their_field() {
        assert_eq!(field_of("reason must not be empty"), Some("reason"));
        assert_eq!(field_of("note must not be empty"), Some("note"));
        assert_eq!(
            field_of("unknown service level 'x' in contract 'acme' (configured: a)"),
            Some("service_level")
        );
        assert_eq!(
            field_of(
                "name exactly one of an incident, an outage, or a service level with its month"
            ),
            None
        );
    }
}
