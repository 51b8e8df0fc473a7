//! Assembling one contract-month's report from the store: the one place the
//! command line, the API, issuing and the demo build it, so they can never
//! disagree.

use crate::config::Config;
use crate::contract::Contract;
use crate::domain::{Instant, Period};
use crate::engine::evaluate_month;
use crate::engine::live::open_incident_stages;
use crate::engine::standing::MonthStanding;
use crate::store::{Store, StoreError};

use super::MonthReport;
use super::quality::Extras;

/// Why a month's report could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The store could not be read.
    #[error("Failed to read the store")]
    Store(#[from] StoreError),
    /// The report could not be written as JSON (to compare it with the issued one).
    #[error("Failed to write the report as JSON")]
    Json(#[from] serde_json::Error),
}

/// The month's report alone: its evidence, commitments register, DR tests
/// and supplier verdicts read and evaluated, with the month by itself as its
/// trends (enough for `evaluate` and `audit`, which show no trends), and
/// while the month runs its standing (which reads the three months before
/// it for the typical volumes). `now` is the instant the month is seen at; `known_at`, when given, limits the
/// evidence to the versions the store held then.
pub async fn month_alone<'c>(
    store: &Store,
    config: &Config,
    contract: &'c Contract,
    period: Period,
    now: Instant,
    known_at: Option<Instant>,
) -> Result<MonthReport<'c>, ReportError> {
    let evidence = store
        .month_evidence(&contract.id, period, contract.timezone, now, known_at)
        .await?;
    let records = store.month_records(&contract.id, period).await?;
    let register = store
        .commitment_register(contract, &config.calendars)
        .await?;
    let extras = Extras::load(store, config, contract, period, known_at).await?;
    let evaluation = evaluate_month(contract, period, &evidence, now);
    let tz = contract.timezone;
    // A month in progress stands somewhere short of a verdict.
    let standing = if period.start(tz) <= now && now < period.end(tz) {
        let open = open_incident_stages(contract, &evidence, config.alerts.at_risk_share, now);
        let typical = super::typical::load(store, contract, period, now, known_at).await?;
        Some(MonthStanding::new(
            contract,
            &evaluation,
            &open,
            &typical,
            now,
        ))
    } else {
        None
    };
    let recovery = super::recovery::load(store, contract, evaluation.evaluated_at).await?;
    let report = MonthReport::new(contract, evaluation, records)
        .with_register(&register)
        .with_tolerance(config.reconciliation.tolerance_points)
        .with_extras(&evidence.incidents, &extras)
        .with_recovery(recovery);
    Ok(match standing {
        Some(s) => report.with_standing(s),
        None => report,
    })
}

/// The whole report: [`month_alone`] with the trends of the last twelve
/// months (eleven more months evaluated), as it is issued.
pub async fn with_trends<'c>(
    store: &Store,
    config: &Config,
    contract: &'c Contract,
    period: Period,
    now: Instant,
    known_at: Option<Instant>,
) -> Result<MonthReport<'c>, ReportError> {
    let report = month_alone(store, config, contract, period, now, known_at).await?;
    let trends = super::trends::load(store, contract, &report.evaluation, now, known_at).await?;
    Ok(report.with_trends(trends))
}

/// The report as a person reads it now: [`with_trends`] and, when the month
/// was issued and figures changed since, the amendment listing them.
pub async fn as_it_stands<'c>(
    store: &Store,
    config: &Config,
    contract: &'c Contract,
    period: Period,
    now: Instant,
    known_at: Option<Instant>,
) -> Result<MonthReport<'c>, ReportError> {
    let mut report = with_trends(store, config, contract, period, now, known_at).await?;
    report.amendment = super::amendment::since_issue(store, &report).await?;
    Ok(report)
}
