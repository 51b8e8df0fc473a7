//! Loading one contract-month and assembling its report: shared by
//! `evaluate`, `report` and the daemon.

use chrono::{DateTime, Utc};

use super::Failure;
use crate::config::Config;
use crate::contract::Contract;
use crate::domain::{Instant, Period};
use crate::engine::evaluate_month;
use crate::report::MonthReport;
use crate::report::quality::Extras;
use crate::store::Store;

/// Resolves the contract, month and as-of instant given on the command line.
pub fn arguments<'c>(
    config: &'c Config,
    contract: &str,
    month: &str,
    as_of: Option<&str>,
) -> Result<(&'c Contract, Period, Instant), Failure> {
    let c = config.contract(contract).ok_or_else(|| {
        let known: Vec<&str> = config.contracts.iter().map(|c| c.id.as_str()).collect();
        Failure::input(format!(
            "unknown contract '{contract}' (configured: {})",
            known.join(", ")
        ))
    })?;
    let period: Period = month
        .parse()
        .map_err(|e: String| Failure::input(format!("--month: {e}")))?;
    let now = match as_of {
        None => Utc::now(),
        Some(t) => DateTime::parse_from_rfc3339(t)
            .map_err(|e| Failure::input(format!("--as-of: '{t}' is not an RFC 3339 instant: {e}")))?
            .with_timezone(&Utc),
    };
    Ok((c, period, now))
}

/// The whole report: [`build`] with the trends of the last twelve months
/// (eleven more months evaluated), for `report`, issuing and the API.
pub async fn build_report<'c>(
    store: &Store,
    config: &Config,
    contract: &'c Contract,
    period: Period,
    now: Instant,
) -> Result<MonthReport<'c>, Failure> {
    let report = build(store, config, contract, period, now).await?;
    let trends = crate::report::trends::load(store, contract, &report.evaluation, now)
        .await
        .map_err(Failure::runtime)?;
    Ok(report.with_trends(trends))
}

/// Reads the month's evidence, commitments register, DR tests and supplier
/// verdicts and builds its report, with the month alone as its trends
/// (enough for `evaluate` and `audit`, which show no trends).
pub async fn build<'c>(
    store: &Store,
    config: &Config,
    contract: &'c Contract,
    period: Period,
    now: Instant,
) -> Result<MonthReport<'c>, Failure> {
    let evidence = store
        .month_evidence(&contract.id, period, contract.timezone, now)
        .await
        .map_err(Failure::runtime)?;
    let records = store
        .month_records(&contract.id, period)
        .await
        .map_err(Failure::runtime)?;
    let register = store
        .commitment_register(contract, &config.calendars)
        .await
        .map_err(Failure::runtime)?;
    let extras = Extras::load(store, config, contract, period)
        .await
        .map_err(Failure::runtime)?;
    let evaluation = evaluate_month(contract, period, &evidence, now);
    Ok(MonthReport::new(contract, evaluation, records)
        .with_register(&register)
        .with_tolerance(config.reconciliation.tolerance_points)
        .with_extras(&evidence.incidents, &extras))
}
