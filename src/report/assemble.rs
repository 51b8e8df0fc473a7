//! Assembling one contract-month's report from the store: the one place the
//! command line, the API, issuing and the demo build it, so they can never
//! disagree.

use crate::config::Config;
use crate::contract::Contract;
use crate::domain::{Instant, Period};
use crate::engine::appendix::appendix;
use crate::engine::contract_year::{ContractHistory, evaluate_with_prior, first_needed};
use crate::engine::escalation::escalations;
use crate::engine::live::open_incident_stages;
use crate::engine::standing::{MonthStanding, TYPICAL_MONTHS, TypicalVolumes};
use crate::engine::{Evidence, MonthEvaluation};
use crate::store::read::Seen;
use crate::store::{Store, StoreError};

use super::MonthReport;
use super::assurance::{Registers, assurance};
use super::quality::Extras;
use super::trends::{self, Trends};

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
/// it for the typical volumes). The months its credits depend on (the
/// contract year of an annual cap, the month before for a repeat
/// multiplier, the months the escalation ladder looks back over) are
/// evaluated first. `now` is the instant the month is seen
/// at; `known_at`, when given, limits the evidence to the versions the
/// store held then.
pub async fn month_alone<'c>(
    store: &Store,
    config: &Config,
    contract: &'c Contract,
    period: Period,
    now: Instant,
    known_at: Option<Instant>,
) -> Result<MonthReport<'c>, ReportError> {
    build(store, config, contract, period, now, known_at, 1).await
}

/// The whole report: [`month_alone`] with the trends of the last twelve
/// months, as it is issued. Each month is read and evaluated once, for the
/// trends and for what the month's credits depend on alike.
pub async fn with_trends<'c>(
    store: &Store,
    config: &Config,
    contract: &'c Contract,
    period: Period,
    now: Instant,
    known_at: Option<Instant>,
) -> Result<MonthReport<'c>, ReportError> {
    build(
        store,
        config,
        contract,
        period,
        now,
        known_at,
        trends::MONTHS,
    )
    .await
}

/// [`month_alone`] with the six months the assurance rating's trend reads
/// (for the metrics, which need the rating but not the twelve months of
/// trends): its trends cover those six months only.
pub async fn with_assurance<'c>(
    store: &Store,
    config: &Config,
    contract: &'c Contract,
    period: Period,
    now: Instant,
) -> Result<MonthReport<'c>, ReportError> {
    build(
        store,
        config,
        contract,
        period,
        now,
        None,
        crate::engine::assurance::TREND_MONTHS,
    )
    .await
}

/// The report of `period` with `trend_months` months of trends (1: the
/// month alone).
async fn build<'c>(
    store: &Store,
    config: &Config,
    contract: &'c Contract,
    period: Period,
    now: Instant,
    known_at: Option<Instant>,
    trend_months: usize,
) -> Result<MonthReport<'c>, ReportError> {
    let trend_from = (1..trend_months).fold(period, |p, _| p.prev());
    let (months, evaluation, evidence) = evaluate_through(
        store,
        contract,
        first_needed(contract, period).min(trend_from),
        period,
        now,
        known_at,
    )
    .await?;
    // The ladder over every month evaluated; the report shows the month's own.
    let triggered = (!contract.escalations.is_empty()).then(|| {
        let mut all: Vec<&MonthEvaluation> = months.iter().map(|(e, _)| e).collect();
        all.push(&evaluation);
        escalations(contract, &all).pop().unwrap_or_default()
    });
    let trends = (trend_months > 1).then(|| {
        let mut shown: Vec<(Period, Option<&MonthEvaluation>)> = months
            .iter()
            .filter(|(e, _)| e.period >= trend_from)
            .map(|(e, monitored)| (e.period, monitored.then_some(e)))
            .collect();
        shown.push((period, Some(&evaluation)));
        Trends::from_months(&shown)
    });
    let records = store.month_records(&contract.id, period).await?;
    let register = store
        .commitment_register(contract, &config.calendars)
        .await?;
    let extras = Extras::load(store, config, contract, period, known_at).await?;
    let tz = contract.timezone;
    // A month in progress stands somewhere short of a verdict.
    let standing = if period.start(tz) <= now && now < period.end(tz) {
        let open = open_incident_stages(contract, &evidence, config.alerts.at_risk_share, now);
        // The three months before, when the trends read them already.
        let typical_from = (0..TYPICAL_MONTHS).fold(period, |p, _| p.prev());
        let typical = match months.first() {
            Some((first, _)) if first.period <= typical_from => TypicalVolumes::from_months(
                &months
                    .iter()
                    .filter(|(e, monitored)| *monitored && e.period >= typical_from)
                    .map(|(e, _)| e)
                    .collect::<Vec<_>>(),
            ),
            _ => super::typical::load(store, contract, period, now, known_at).await?,
        };
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
    let settled = period.end(tz) <= now
        && evidence.incidents.iter().all(|i| i.resolved_at.is_some())
        && evidence.outages.iter().all(|o| o.end.is_some());
    // The rating reads the same months as the trends (the whole report only).
    let assurance = if trend_months > 1 {
        let actions = store.actions(&contract.id).await?;
        let registers = Registers {
            commitments: &register,
            dr_tests: &extras.dr_tests,
            actions: &actions,
            tolerance: config.reconciliation.tolerance_points,
        };
        let mut rated: Vec<(Period, Option<&MonthEvaluation>)> = months
            .iter()
            .filter(|(e, _)| e.period >= trend_from)
            .map(|(e, monitored)| (e.period, monitored.then_some(e)))
            .collect();
        rated.push((period, Some(&evaluation)));
        assurance(contract, &registers, &rated, now)
    } else {
        None
    };
    let recovery = super::recovery::load(store, contract, evaluation.evaluated_at).await?;
    let mut report = MonthReport::new(contract, evaluation, records)
        .with_register(&register)
        .with_tolerance(config.reconciliation.tolerance_points)
        .with_extras(&evidence.incidents, &extras)
        .with_recovery(recovery);
    if let Some(trends) = trends {
        report = report.with_trends(trends);
        // The whole report lists the evidence behind each line.
        report.appendix = Some(appendix(contract, period, &evidence, now));
    }
    if let Some(triggered) = triggered {
        report = report.with_escalations(triggered);
    }
    report.settled = settled;
    report.assurance = assurance;
    Ok(match standing {
        Some(s) => report.with_standing(s),
        None => report,
    })
}

/// Evaluates the months `from..period` in order, each after the months
/// before it, with whether each had any evidence (a month without is a gap
/// in the trends), oldest first; then `period` itself after them, with its
/// evidence.
async fn evaluate_through(
    store: &Store,
    contract: &Contract,
    from: Period,
    period: Period,
    now: Instant,
    known_at: Option<Instant>,
) -> Result<(Vec<(MonthEvaluation, bool)>, MonthEvaluation, Evidence), StoreError> {
    let mut history = ContractHistory::new(contract);
    let mut monitored = Vec::new();
    // One pass over the months: each month's incidents read by what it
    // holds, those still open carried into the next in memory.
    let seen = known_at.map(|t| Seen::At(t.timestamp()));
    let mut reader = store.months_evidence(&contract.id, from, contract.timezone, now, seen);
    let mut month = from;
    while month < period {
        let evidence = reader.next().await?.1;
        history.push(month, &evidence, now);
        monitored.push(trends::monitored(&evidence));
        month = month.next();
    }
    let evidence = reader.next().await?.1;
    let current = evaluate_with_prior(contract, period, &evidence, now, &history.prior_for(period));
    Ok((
        history.into_months().into_iter().zip(monitored).collect(),
        current,
        evidence,
    ))
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
