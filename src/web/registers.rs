//! The commitments register and the disaster-recovery register, with
//! their forms: deliver an occurrence with evidence, accept it, reject it;
//! record a DR test, withdraw one recorded by mistake.
//!
//! Every form takes the API's path ([`crate::http::commitments::record_event`],
//! [`crate::http::dr`]), so the register's rules are the command line's;
//! a refused form is shown again with what was typed and the error beside
//! its field, nothing stored. A viewer sees no forms and is refused (403).

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use minijinja::Value;
use minijinja::value::Serde;

use super::forms::Fields;
use super::pages::{CostForm as FormState, contract, desk_context};
use super::records::{may_post, refusal, refused, value};
use super::render::{WebError, page};
use super::session::{Desk, SignedIn};
use crate::contract::Contract;
use crate::domain::time::format_utc;
use crate::engine::commitments::{Action, AsOf};
use crate::http::AppState;
use crate::http::commitments::record_event;
use crate::http::dr::{new_test, record_test, register_json, withdraw};
use crate::report::json::all;
use crate::store::commitments::EventRequest;

/// A page's forms as shown: one form's state by its key (`dr-test`, an
/// occurrence's `commitment/occurrence`, `withdraw-3`), and what was just
/// recorded.
#[derive(Debug, Default, serde::Serialize)]
pub struct Forms {
    /// Each refused form's state, by key.
    pub forms: BTreeMap<String, FormState>,
    /// What was just recorded, in words.
    pub done: Option<String>,
}

impl Forms {
    fn refused(
        key: String,
        fields: &BTreeMap<String, String>,
        names: &[&str],
        field: Option<&str>,
        message: String,
    ) -> Forms {
        let form = refused(fields, names, field, message);
        Forms {
            forms: BTreeMap::from([(key, form)]),
            done: None,
        }
    }
}

/// "Done" words from a page's query: fixed words only, never its text.
fn done(query: &BTreeMap<String, String>, words: &[(&str, &str)]) -> Option<String> {
    let key = query.get("done")?;
    words
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, w)| w.to_string())
}

/// A date field: empty is `None` (today), else `YYYY-MM-DD`.
fn date(fields: &BTreeMap<String, String>, name: &str) -> Result<Option<NaiveDate>, String> {
    let text = value(fields, name);
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| format!("{name}: '{text}' is not a date (expected YYYY-MM-DD)"))
}

/// `GET /contracts/{contract}/commitments`: every occurrence due so far and
/// the next of each commitment, with its status; the forms for a manager.
pub async fn commitments(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path(contract_id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let c = contract(&app, &desk, &contract_id)?;
    let forms = Forms {
        done: done(
            &query,
            &[
                ("delivered", "Delivery recorded, in your name."),
                ("accepted", "Acceptance recorded, in your name."),
                ("rejected", "Rejection recorded, in your name."),
            ],
        ),
        ..Forms::default()
    };
    commitments_page(&app, &desk, c, StatusCode::OK, forms).await
}

async fn commitments_page(
    app: &AppState,
    desk: &Desk,
    c: &Contract,
    status: StatusCode,
    forms: Forms,
) -> Result<Response, WebError> {
    let now = app.now();
    let register = app
        .deps
        .store
        .commitment_register(c, &app.deps.config.calendars)
        .await?;
    let listing = register.listing(AsOf::new(now, c.timezone));
    let rows = serde_json::to_value(all(&listing))
        .map_err(|e| WebError::Internal(format!("commitments JSON: {e}")))?;
    Ok(page(
        status,
        "commitments.html",
        minijinja::context! {
            desk => desk_context(desk),
            contract => c.id.clone(),
            tz => c.timezone.name(),
            supplier => c.supplier.clone(),
            currency => c.currency.code(),
            as_of => format_utc(now),
            rows => Value::from(Serde(rows)),
            forms => Value::from(Serde(forms)),
        },
    ))
}

const OCCURRENCE_FIELDS: [&str; 3] = ["on", "evidence", "reason"];

/// `POST /contracts/{contract}/commitments/{id}` with `action` deliver,
/// accept or reject, the occurrence (`due`), and `on`, `evidence` or
/// `reason` as the action needs.
pub async fn record_commitment(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path((contract_id, id)): Path<(String, String)>,
    Fields(fields): Fields,
) -> Result<Response, WebError> {
    may_post(&desk, &fields)?;
    let c = contract(&app, &desk, &contract_id)?;
    let due = value(&fields, "due");
    let key = format!("{id}/{due}");
    let optional = |k: &str| Some(value(&fields, k)).filter(|v| !v.is_empty());
    let refused = |field: Option<&str>, m: String| {
        Forms::refused(key.clone(), &fields, &OCCURRENCE_FIELDS, field, m)
    };
    let action = match value(&fields, "action").as_str() {
        "deliver" => Action::Delivered,
        "accept" => Action::Accepted,
        "reject" => Action::Rejected,
        _ => {
            let forms = refused(None, "choose to deliver, accept or reject".into());
            return commitments_page(&app, &desk, c, StatusCode::BAD_REQUEST, forms).await;
        }
    };
    let on = match date(&fields, "on") {
        Ok(on) => on,
        Err(m) => {
            let forms = refused(Some("on"), m);
            return commitments_page(&app, &desk, c, StatusCode::BAD_REQUEST, forms).await;
        }
    };
    let request = EventRequest {
        commitment: id.clone(),
        selector: Some(due.clone()).filter(|d| !d.is_empty()),
        action,
        on,
        evidence: optional("evidence"),
        // Who decided is the person signed in: nothing to type.
        person: (action != Action::Delivered).then(|| desk.name.clone()),
        reason: optional("reason"),
        // The register names who recorded it by channel, as `cli:` and `api:`.
        recorded_by: format!("web:{}", desk.name),
    };
    match record_event(&app, c, request).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/contracts/{}/commitments?done={}",
            c.id,
            action.as_str()
        ))
        .into_response()),
        Err(e) => {
            let m = refusal(e)?;
            let lower = m.to_ascii_lowercase();
            let field = ["evidence", "reason"]
                .into_iter()
                .find(|f| lower.contains(f));
            let forms = refused(field, m);
            commitments_page(&app, &desk, c, StatusCode::BAD_REQUEST, forms).await
        }
    }
}

/// `GET /contracts/{contract}/dr`: each system's last test, flags and
/// score, the supplier's DR rating, every test recorded; the forms for a
/// manager.
pub async fn dr(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path(contract_id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let c = contract(&app, &desk, &contract_id)?;
    let forms = Forms {
        done: done(
            &query,
            &[
                ("recorded", "DR test recorded, in your name."),
                ("withdrawn", "DR test withdrawn, in your name."),
            ],
        ),
        ..Forms::default()
    };
    dr_page(&app, &desk, c, StatusCode::OK, forms).await
}

async fn dr_page(
    app: &AppState,
    desk: &Desk,
    c: &Contract,
    status: StatusCode,
    forms: Forms,
) -> Result<Response, WebError> {
    let register = register_json(app, c).await?;
    let systems: Vec<(&str, &str)> = c
        .dr_systems
        .iter()
        .map(|s| (s.id.as_str(), s.name.as_str()))
        .collect();
    Ok(page(
        status,
        "dr.html",
        minijinja::context! {
            desk => desk_context(desk),
            contract => c.id.clone(),
            tz => c.timezone.name(),
            supplier => c.supplier.clone(),
            register => Value::from(Serde(register)),
            systems => Value::from(Serde(systems)),
            forms => Value::from(Serde(forms)),
        },
    ))
}

const DR_FIELDS: [&str; 6] = [
    "system",
    "date",
    "achieved_rto",
    "achieved_rpo",
    "evidence",
    "note",
];

/// `POST /contracts/{contract}/dr-tests`: records a DR test.
pub async fn add_dr_test(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path(contract_id): Path<String>,
    Fields(fields): Fields,
) -> Result<Response, WebError> {
    may_post(&desk, &fields)?;
    let c = contract(&app, &desk, &contract_id)?;
    let optional = |k: &str| Some(value(&fields, k)).filter(|v| !v.is_empty());
    let refused = |field: Option<&str>, m: String| {
        Forms::refused("dr-test".into(), &fields, &DR_FIELDS, field, m)
    };
    let outcome = match date(&fields, "date") {
        Err(m) => Err((Some("date"), m)),
        Ok(None) => Err((Some("date"), "date must not be empty".to_string())),
        Ok(Some(day)) => {
            let (rto, rpo) = (optional("achieved_rto"), optional("achieved_rpo"));
            match new_test(
                value(&fields, "system"),
                day,
                (rto.as_deref(), rpo.as_deref()),
                optional("evidence"),
                optional("note"),
            ) {
                Err(e) => Err((None, refusal(e)?)),
                Ok(test) => match record_test(&app, c, &test, &desk.name).await {
                    Ok(_) => Ok(()),
                    Err(e) => Err((None, refusal(e)?)),
                },
            }
        }
    };
    match outcome {
        Ok(()) => {
            Ok(Redirect::to(&format!("/contracts/{}/dr?done=recorded", c.id)).into_response())
        }
        Err((field, m)) => {
            let field = field.or_else(|| {
                let lower = m.to_ascii_lowercase();
                DR_FIELDS
                    .into_iter()
                    .find(|f| lower.starts_with(f))
                    .or_else(|| lower.contains("system").then_some("system"))
            });
            let forms = refused(field, m);
            dr_page(&app, &desk, c, StatusCode::BAD_REQUEST, forms).await
        }
    }
}

/// `POST /contracts/{contract}/dr-tests/{id}/withdraw`: withdraws a DR test
/// recorded by mistake (it stays listed).
pub async fn withdraw_dr_test(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path((contract_id, id)): Path<(String, String)>,
    Fields(fields): Fields,
) -> Result<Response, WebError> {
    may_post(&desk, &fields)?;
    let c = contract(&app, &desk, &contract_id)?;
    let id: i64 = id
        .parse()
        .map_err(|_| WebError::NotFound(format!("no DR test '{id}'")))?;
    match withdraw(&app, c, id, &value(&fields, "reason"), &desk.name).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/contracts/{}/dr?done=withdrawn", c.id)).into_response())
        }
        Err(e) => {
            let m = refusal(e)?;
            let forms = Forms::refused(
                format!("withdraw-{id}"),
                &fields,
                &["reason"],
                Some("reason"),
                m,
            );
            dr_page(&app, &desk, c, StatusCode::BAD_REQUEST, forms).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_field_is_empty_or_a_date() {
        let fields = |v: &str| BTreeMap::from([("on".to_string(), v.to_string())]);
        assert_eq!(date(&fields(" "), "on"), Ok(None));
        assert_eq!(
            date(&fields("2026-11-02"), "on"),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 2))
        );
        assert!(date(&fields("2/11/2026"), "on").is_err());
    }
}
