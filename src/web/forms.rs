//! The forms that change records. Each takes the same path as the API
//! (and so the command line's checks): a cost goes through
//! [`crate::http::records::record_cost`], checked against the contract and
//! stored with its audit entry in one transaction, recorded as by the
//! person signed in. A viewer is refused (403), as is a form without its
//! session's CSRF token. A refused form is shown again with the values
//! entered and each error beside its field; nothing is stored.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::pages::{CostForm, contract, month_page, period};
use super::render::WebError;
use super::session::SignedIn;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::records::record_cost;
use crate::records::CostRequest;

/// A posted form's fields. A field holding a NUL (U+0000) refuses the
/// whole form with 400 naming the field: no text may hold one, and
/// PostgreSQL cannot store it.
pub struct Fields(pub BTreeMap<String, String>);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Fields {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let Form(fields) = Form::<BTreeMap<String, String>>::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if let Some((name, _)) = fields.iter().find(|(_, v)| v.contains('\0')) {
            return Err(WebError::BadRequest(format!(
                "The field '{name}' holds a NUL character (U+0000), which no text may contain: \
                 nothing was recorded."
            ))
            .into_response());
        }
        Ok(Fields(fields))
    }
}

/// The refusal of a form posted without its session's CSRF token.
pub fn csrf_refused() -> WebError {
    WebError::Forbidden(
        "This form has expired or did not come from this site: open the page again and resubmit."
            .into(),
    )
}

/// The cost form's fields, in the order the page shows them.
const COST_FIELDS: [&str; 6] = [
    "date",
    "amount",
    "description",
    "evidence",
    "breach_service_level",
    "breach_incident",
];

/// The field a refusal of [`crate::records::new_cost`] is about, from the
/// words it starts with (`amount: …`, `description must not be empty`).
fn field_of(message: &str) -> Option<&'static str> {
    let m = message.to_ascii_lowercase();
    [
        ("date", "date"),
        ("amount", "amount"),
        ("description", "description"),
        ("evidence", "evidence"),
        ("breach incident", "breach_incident"),
        ("no incident", "breach_incident"),
        ("breach month", "breach_service_level"),
        ("service level", "breach_service_level"),
        ("no service level", "breach_service_level"),
        ("unknown service level", "breach_service_level"),
    ]
    .into_iter()
    .find(|(start, _)| m.starts_with(start))
    .map(|(_, field)| field)
}

/// `POST /contracts/{contract}/months/{month}/costs`: records a cost.
pub async fn add_cost(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path((contract_id, month)): Path<(String, String)>,
    Fields(fields): Fields,
) -> Result<Response, WebError> {
    desk.require_manager()?;
    if !desk.csrf_matches(fields.get("csrf").map_or("", String::as_str)) {
        return Err(csrf_refused());
    }
    let c = contract(&app, &desk, &contract_id)?;
    let period = period(&month)?;
    let value = |k: &str| fields.get(k).map_or("", |v| v.as_str()).trim().to_string();
    let optional = |k: &str| Some(value(k)).filter(|v| !v.is_empty());
    let request = CostRequest {
        date: value("date"),
        amount: value("amount"),
        description: value("description"),
        evidence: value("evidence"),
        breach_service_level: optional("breach_service_level"),
        // As on the command line: the failure in the cost's own month.
        breach_month: None,
        breach_incident: optional("breach_incident"),
    };
    match record_cost(&app, c, &request, &desk.name).await {
        Ok(cost) => {
            tracing::info!(contract = %c.id, cost = cost.id, by = %desk.name, "cost recorded on the web desk");
            // Post, redirect, get: reloading the page does not post again.
            Ok(Redirect::to(&format!(
                "/contracts/{}/months/{period}?recorded={}#costs",
                c.id, cost.id
            ))
            .into_response())
        }
        Err(ApiError::BadRequest(m) | ApiError::NotFound(m) | ApiError::Conflict(m)) => {
            let mut form = CostForm {
                values: COST_FIELDS
                    .iter()
                    .map(|f| (f.to_string(), value(f)))
                    .collect(),
                ..CostForm::default()
            };
            match field_of(&m) {
                Some(field) => {
                    form.errors.insert(field.to_string(), m);
                }
                None => form.error = Some(m),
            }
            month_page(&app, &desk, c, period, StatusCode::BAD_REQUEST, form).await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_placed_beside_their_field() {
        assert_eq!(field_of("amount: 'x' is not an amount"), Some("amount"));
        assert_eq!(
            field_of("description must not be empty"),
            Some("description")
        );
        assert_eq!(field_of("date: '2026-13-01' is not a date"), Some("date"));
        assert_eq!(
            field_of("a cost arises from a service level's month or from an incident, not both"),
            None
        );
    }
}
