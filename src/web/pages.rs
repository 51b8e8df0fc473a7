//! The pages that show figures: the portfolio and a contract's month.
//! Both read the month's report JSON exactly as the API's month endpoint
//! serves it ([`crate::http::read::month_report`], with its cache), so the
//! desk and the API can never disagree.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::Value;
use minijinja::value::Serde;

use super::render::{WebError, page};
use super::session::{Desk, SignedIn};
use crate::config::Role;
use crate::contract::Contract;
use crate::domain::Period;
use crate::http::AppState;
use crate::http::read::month_report;
use crate::metrics::feeds::SourceHealth;
use crate::store::sources::SourceState;

/// The contract `id` when the person may see it; 404 otherwise, the same
/// whether it exists or not.
pub fn contract<'a>(app: &'a AppState, desk: &Desk, id: &str) -> Result<&'a Contract, WebError> {
    app.deps
        .config
        .contract(id)
        .filter(|c| desk.scope.allows(&c.id))
        .ok_or_else(|| WebError::NotFound(format!("no contract '{id}' for {}", desk.name)))
}

/// The month in a page's path, or 404.
pub fn period(text: &str) -> Result<Period, WebError> {
    text.parse()
        .map_err(|_| WebError::NotFound(format!("no month '{text}'")))
}

/// The month's report JSON, as the API answers it.
pub(super) async fn report(
    app: &AppState,
    c: &Contract,
    period: Period,
) -> Result<serde_json::Value, WebError> {
    let (body, _) = month_report(app, c, period, None).await?;
    serde_json::from_slice(&body).map_err(|e| WebError::Internal(format!("month JSON: {e}")))
}

/// `GET /`: every contract the person may see, this month as it stands
/// and last month's result.
pub async fn portfolio(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
) -> Result<Response, WebError> {
    let now = app.now();
    let states = app.deps.store.all_source_states().await?;
    let mut rows = Vec::new();
    for c in app
        .deps
        .config
        .contracts
        .iter()
        .filter(|c| desk.scope.allows(&c.id))
    {
        let this = Period::of(now, c.timezone);
        // Each source's health as the metrics judge it: stale past its
        // `stale_after`, or failing since its last success.
        let sources: Vec<SourceHealth> = app
            .deps
            .config
            .sources
            .iter()
            .filter(|s| s.contract == c.id)
            .map(|s| {
                let mine: Vec<&SourceState> = states
                    .iter()
                    .filter(|(id, _, _)| *id == s.id)
                    .map(|(_, _, st)| st)
                    .collect();
                SourceHealth::new(s, &mine, now.timestamp())
            })
            .collect();
        let troubled: Vec<&str> = sources
            .iter()
            .filter(|h| h.stale || h.consecutive_failures > 0)
            .map(|h| h.id.as_str())
            .collect();
        rows.push(serde_json::json!({
            "id": c.id,
            "supplier": c.supplier,
            "this": report(&app, c, this).await?,
            "last": report(&app, c, this.prev()).await?,
            "sources": sources.len(),
            "troubled_sources": troubled,
        }));
    }
    Ok(page(
        StatusCode::OK,
        "portfolio.html",
        minijinja::context! { desk => desk_context(&desk), contracts => Value::from(Serde(rows)) },
    ))
}

/// What every page says about the person signed in.
pub fn desk_context(desk: &Desk) -> Value {
    minijinja::context! {
        name => desk.name.clone(),
        manager => desk.role == Role::Manager,
        csrf => desk.csrf.clone(),
        every_contract => matches!(desk.scope, crate::http::auth::Scope::All),
    }
}

/// What the cost form shows: the values entered and each field's error.
#[derive(Debug, Default, serde::Serialize)]
pub struct CostForm {
    /// The values as entered, by field.
    pub values: BTreeMap<String, String>,
    /// The error beside each field, by field.
    pub errors: BTreeMap<String, String>,
    /// An error that belongs to no one field.
    pub error: Option<String>,
    /// The cost just recorded, to confirm it.
    pub recorded: Option<i64>,
}

/// `GET /contracts/{contract}/months/{month}`: each service level with its
/// figures, status, credit and why; breaches; costs; the cost form for a
/// manager.
pub async fn month(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path((contract_id, month)): Path<(String, String)>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let c = contract(&app, &desk, &contract_id)?;
    let period = period(&month)?;
    let form = CostForm {
        // Only a number is echoed back: the page says which cost was recorded.
        recorded: query.get("recorded").and_then(|id| id.parse().ok()),
        ..CostForm::default()
    };
    month_page(&app, &desk, c, period, StatusCode::OK, form).await
}

/// The contract-month page with `form` in the cost form.
pub async fn month_page(
    app: &AppState,
    desk: &Desk,
    c: &Contract,
    period: Period,
    status: StatusCode,
    form: CostForm,
) -> Result<Response, WebError> {
    let report = report(app, c, period).await?;
    let levels: Vec<(&str, &str)> = c
        .service_levels
        .iter()
        .map(|l| (l.id.as_str(), l.name.as_str()))
        .collect();
    Ok(page(
        status,
        "month.html",
        minijinja::context! {
            desk => desk_context(desk),
            contract => c.id.clone(),
            tz => c.timezone.name(),
            supplier => c.supplier.clone(),
            period => period.to_string(),
            previous => period.prev().to_string(),
            next => period.next().to_string(),
            report => Value::from(Serde(report)),
            levels => Value::from(Serde(levels)),
            form => Value::from(Serde(form)),
        },
    ))
}
