//! Outages: a month's outages as stored (planned and ongoing ones too),
//! each with what it counted for, whether it is excused and its recorded
//! cause; and one outage's page with its excusals, disputes and every
//! version the store keeps of it.
//!
//! What an outage counted for comes from the month's report as the API
//! serves it (`pages::report`), so the page and the
//! report can never differ.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::Value;
use minijinja::value::Serde;
use serde_json::json;

use super::incident::{history, hours_minutes};
use super::pages::{contract, desk_context, period, report};
use super::records::{disputes_on, excusals_on};
use super::render::{WebError, page};
use super::session::SignedIn;
use crate::contract::Contract;
use crate::domain::cause::CauseSubject;
use crate::domain::time::format_utc;
use crate::domain::{DisputeSubject, ExcusalTarget, Impact, Outage, Period};
use crate::http::AppState;
use crate::store::versions::Record;

/// The month's report JSON's lines about outages: per outage, the lines
/// it counted for (with the service time counted and how its end is
/// known) and the excusals in force on it.
struct Counted {
    lines: BTreeMap<String, Vec<serde_json::Value>>,
    excused: BTreeMap<String, Vec<serde_json::Value>>,
}

impl Counted {
    async fn of(app: &AppState, c: &Contract, period: Period) -> Result<Self, WebError> {
        let report = report(app, c, period).await?;
        let by_outage = |rows: &serde_json::Value| {
            let mut out: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
            for row in rows.as_array().into_iter().flatten() {
                if let Some(id) = row["outage"].as_str() {
                    let mut row = row.clone();
                    if let Some(seconds) = row["service_seconds"].as_i64() {
                        row["counted"] = json!(hours_minutes(seconds));
                    }
                    out.entry(id.to_string()).or_default().push(row);
                }
            }
            out
        };
        Ok(Counted {
            lines: by_outage(&report["appendix"]["outages"]),
            excused: by_outage(&report["excused_outages"]),
        })
    }
}

/// An outage's facts as the pages show them.
fn facts(o: &Outage) -> serde_json::Value {
    json!({
        "id": o.id,
        "service": o.service,
        "start": format_utc(o.start),
        "end": o.end.map(format_utc),
        "impact": match o.impact { Impact::Full => "full", Impact::Partial => "partial" },
        "planned": o.planned,
        "source": o.source,
    })
}

/// `GET /contracts/{contract}/months/{month}/outages`: every outage
/// overlapping the month, with what it counted for, its excusals and its
/// recorded cause.
pub async fn month_outages(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path((contract_id, month)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let c = contract(&app, &desk, &contract_id)?;
    let period = period(&month)?;
    let store = &app.deps.store;
    let outages = store.month_outages(&c.id, period, c.timezone).await?;
    let counted = Counted::of(&app, c, period).await?;
    let causes = store.causes(&c.id).await?;
    let rows: Vec<serde_json::Value> = outages
        .iter()
        .map(|o| {
            let mut row = facts(o);
            row["lines"] = json!(counted.lines.get(&o.id).cloned().unwrap_or_default());
            row["excused"] = json!(counted.excused.get(&o.id).cloned().unwrap_or_default());
            row["cause"] = json!(
                causes
                    .get(&(CauseSubject::Outage, o.id.clone()))
                    .map(|r| r.cause.as_str().to_string())
            );
            row
        })
        .collect();
    Ok(page(
        StatusCode::OK,
        "outages.html",
        minijinja::context! {
            desk => desk_context(&desk),
            contract => c.id.clone(),
            tz => c.timezone.name(),
            supplier => c.supplier.clone(),
            period => period.to_string(),
            previous => period.prev().to_string(),
            next => period.next().to_string(),
            outages => Value::from(Serde(rows)),
        },
    ))
}

/// `GET /contracts/{contract}/outages/{outage}`: one outage, what it
/// counted for in the month it began, its cause, excusals, disputes and
/// versions.
pub async fn outage(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    Path((contract_id, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let c = contract(&app, &desk, &contract_id)?;
    let store = &app.deps.store;
    let outage = store
        .outage(&c.id, &id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("no outage '{id}' in {}", c.id)))?;
    let month = Period::of(outage.start, c.timezone);
    let counted = Counted::of(&app, c, month).await?;
    let cause = store
        .causes(&c.id)
        .await?
        .remove(&(CauseSubject::Outage, id.clone()))
        .map(|r| {
            json!({"cause": r.cause.as_str(), "by": r.by, "reason": r.reason,
                   "at": chrono::DateTime::from_timestamp(r.recorded_at, 0).map(format_utc)})
        });
    let excusals = excusals_on(
        store,
        &c.id,
        |t| matches!(t, ExcusalTarget::Outage { outage } if *outage == id),
    )
    .await?;
    let disputes = disputes_on(
        store,
        &c.id,
        |s| matches!(s, DisputeSubject::Outage { outage } if *outage == id),
    )
    .await?;
    let history = history(store, &c.id, Record::Outage(id.clone())).await?;
    let context = minijinja::context! {
        desk => desk_context(&desk),
        contract => c.id.clone(),
        tz => c.timezone.name(),
        supplier => c.supplier.clone(),
        month => month.to_string(),
        outage => Value::from(Serde(facts(&outage))),
        lines => Value::from(Serde(counted.lines.get(&id).cloned().unwrap_or_default())),
        cause => Value::from(Serde(cause)),
        excusals => Value::from(Serde(excusals)),
        disputes => Value::from(Serde(disputes)),
        history => Value::from(Serde(history)),
    };
    Ok(page(StatusCode::OK, "outage.html", context))
}
