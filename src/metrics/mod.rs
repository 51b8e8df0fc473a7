//! Prometheus metrics: what every contract stands at this month, its last
//! closed month, the data feeds and the alert queue, for Grafana (the
//! dashboards are in `dashboards/`).
//!
//! The cost of a scrape stays flat whatever the size of the store: live
//! detection already evaluates every contract's month after each ingest and
//! every minute, and hands its figures to [`refresh_contract`]; at the end
//! of each run [`publish`] renders them once into exposition text, with the
//! ingest and alert totals. A scrape ([`render`]) copies that text and adds
//! a few cheap live parts: the build, each source's health (one small
//! table) and the age of the oldest undelivered alert. The last closed month
//! is evaluated once per contract when the month changes, and again at most
//! hourly to take in late corrections.
//!
//! Label values only ever come from the configuration (contract, service
//! level, service, source and token ids, priorities) or are fixed words
//! (stages, states, statuses, alert kinds, currencies): never supplier text
//! or record ids, so the number of series is bounded by the configuration.
//!
//! # Layout
//! - [`figures`]: one contract's month as metric values (pure).
//! - [`feeds`]: ingest totals, source health and failures, the alert queue.
//! - [`quality`]: the DR register and the last closed month's data quality.
//! - `exposition`: registries and the text format.

mod exposition;
pub mod feeds;
pub mod figures;
pub mod quality;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use chrono::Duration as Span;

use crate::alerts::detect::OpenStage;
use crate::contract::Contract;
use crate::daemon::Deps;
use crate::domain::{Instant, Period};
use crate::engine::{Evidence, MonthEvaluation, evaluate_month};
use crate::store::StoreError;
use feeds::{FailureTracker, FeedFigures, IngestTally, LiveFeeds, SourceHealth, SourceLabels};
use figures::{ContractFigures, LastMonthFigures};
use quality::{DrFigures, QualityFigures};

use crate::domain::time::local_date;
use crate::engine::completeness::gaps;
use crate::engine::dr::assess;
use crate::engine::reconcile::discrepancies;
use crate::engine::verdicts::compare;
use crate::report::quality::Extras;

/// The last closed month is evaluated again after this long, to take in
/// late corrections to its evidence.
const LAST_MONTH_MAX_AGE: Span = Span::hours(1);

/// The metrics cache, shared by live detection (which fills it) and the
/// HTTP server (which renders it).
#[derive(Debug, Default)]
pub struct Metrics {
    /// Detection's working state. A tokio mutex: it is held across store
    /// reads, and only detection takes it.
    work: tokio::sync::Mutex<Work>,
    /// The text of the last [`publish`], copied by every scrape.
    published: RwLock<Published>,
    /// Source failures, counted by both detection and scrapes (held briefly,
    /// never across an await).
    failures: Mutex<FailureTracker>,
}

#[derive(Debug, Default)]
struct Work {
    contracts: BTreeMap<String, ContractFigures>,
    last_months: HashMap<String, LastMonthFigures>,
    dr: HashMap<String, DrFigures>,
    quality: HashMap<String, QualityFigures>,
    ingest: IngestTally,
}

#[derive(Debug, Default, Clone)]
struct Published {
    text: Arc<str>,
    last_import: BTreeMap<String, i64>,
    oldest_pending_at: Option<i64>,
}

impl Metrics {
    /// An empty cache: until detection's first run, a scrape has only the
    /// live parts.
    pub fn new() -> Metrics {
        Metrics::default()
    }
}

/// The current month's recoverable costs, in minor units.
async fn costs_minor(deps: &Deps, contract: &Contract, period: Period) -> Result<i64, StoreError> {
    let costs = deps.store.recoverable_costs(&contract.id, period).await?;
    Ok(costs.iter().map(|c| c.amount_minor).sum())
}

/// Takes one contract's figures for the current month from live detection,
/// and evaluates the last closed month when it has not been (or not for an
/// hour). A failure is logged: metrics never stop detection.
pub async fn refresh_contract(
    deps: &Deps,
    contract: &Contract,
    evaluation: &MonthEvaluation,
    open: &[OpenStage],
    evidence: &Evidence,
    now: Instant,
) {
    if let Err(e) = try_refresh_contract(deps, contract, evaluation, open, evidence, now).await {
        tracing::warn!(contract = %contract.id, error = format!("{e:#}"), "metrics not refreshed");
    }
}

async fn try_refresh_contract(
    deps: &Deps,
    contract: &Contract,
    evaluation: &MonthEvaluation,
    open: &[OpenStage],
    evidence: &Evidence,
    now: Instant,
) -> Result<(), StoreError> {
    let period = evaluation.period;
    let costs = costs_minor(deps, contract, period).await?;
    let register = deps
        .store
        .commitment_register(contract, &deps.config.calendars)
        .await?;
    let figures = ContractFigures::new(contract, evaluation, open, evidence, &register, costs, now);
    let tests = deps.store.dr_tests(&contract.id).await?;
    let dr = assess(
        &contract.dr_systems,
        &tests,
        local_date(contract.timezone, now),
    )
    .map(|a| DrFigures::new(&contract.id, &a));
    let prev = period.prev();
    let due = {
        let mut work = deps.metrics.work.lock().await;
        work.contracts.insert(contract.id.clone(), figures);
        match dr {
            Some(d) => work.dr.insert(contract.id.clone(), d),
            None => work.dr.remove(&contract.id),
        };
        work.last_months
            .get(&contract.id)
            .is_none_or(|m| m.period != prev || now - m.computed_at >= LAST_MONTH_MAX_AGE)
    };
    if due {
        // Evaluated without holding the figures: other contracts' refreshes
        // and the rendering go on meanwhile.
        let evidence = deps
            .store
            .month_evidence(&contract.id, prev, contract.timezone, now)
            .await?;
        let closed = evaluate_month(contract, prev, &evidence, now);
        let costs = costs_minor(deps, contract, prev).await?;
        let quality = last_month_quality(deps, contract, &closed, &evidence, now).await?;
        let mut work = deps.metrics.work.lock().await;
        work.quality.insert(contract.id.clone(), quality);
        work.last_months.insert(
            contract.id.clone(),
            LastMonthFigures::new(contract, &closed, costs),
        );
    }
    Ok(())
}

/// The data-quality findings of a closed month, as the report shows them.
async fn last_month_quality(
    deps: &Deps,
    contract: &Contract,
    closed: &MonthEvaluation,
    evidence: &Evidence,
    now: Instant,
) -> Result<QualityFigures, StoreError> {
    let extras = Extras::load(&deps.store, &deps.config, contract, closed.period).await?;
    let tolerance = deps.config.reconciliation.tolerance_points;
    let excused: HashSet<&str> = closed.excused.iter().map(|x| x.incident.as_str()).collect();
    let disagreements = compare(
        contract,
        closed.period,
        &evidence.incidents,
        &excused,
        &extras.verdicts,
        now,
    );
    let gaps = gaps(
        &extras.sources,
        &extras.delivered,
        &evidence.incidents,
        &extras.verdicts,
    );
    Ok(QualityFigures::new(
        &contract.id,
        discrepancies(closed, tolerance).len(),
        &disagreements,
        &gaps,
    ))
}

/// Brings the ingest and alert totals up to date and renders every figure
/// into the text scrapes copy. Called at the end of each detection run.
pub async fn publish(deps: &Deps, now: Instant) {
    if let Err(e) = try_publish(deps, now).await {
        tracing::warn!(error = format!("{e:#}"), "metrics not published");
    }
}

async fn try_publish(deps: &Deps, now: Instant) -> anyhow::Result<()> {
    let labels = SourceLabels::from_config(&deps.config);
    let states = deps.store.all_source_states().await?;
    observe_failures(deps, &states);
    let outbox = deps.store.outbox_totals_by_kind().await?;
    let mut work = deps.metrics.work.lock().await;
    work.ingest
        .refresh(&deps.store, &labels, now.timestamp())
        .await?;
    let feeds = FeedFigures {
        sources: deps.config.sources.iter().map(|s| s.id.clone()).collect(),
        ingest: work.ingest.per_source.clone(),
        outbox,
    };
    // Contracts in configuration order.
    let contracts = deps
        .config
        .contracts
        .iter()
        .filter_map(|c| work.contracts.get(&c.id));
    let last_months = deps
        .config
        .contracts
        .iter()
        .filter_map(|c| work.last_months.get(&c.id));
    let dr = deps
        .config
        .contracts
        .iter()
        .filter_map(|c| work.dr.get(&c.id));
    let quality = deps
        .config
        .contracts
        .iter()
        .filter_map(|c| work.quality.get(&c.id));
    let text = exposition::figures(contracts, last_months, dr, quality, &feeds, now.timestamp())?;
    let last_import = feeds
        .ingest
        .iter()
        .filter_map(|(s, t)| t.last_finished_at.map(|at| (s.clone(), at)))
        .collect();
    let oldest_pending_at = feeds.oldest_pending_at();
    drop(work);
    let mut published = deps
        .metrics
        .published
        .write()
        .unwrap_or_else(|p| p.into_inner());
    *published = Published {
        text: text.into(),
        last_import,
        oldest_pending_at,
    };
    Ok(())
}

fn observe_failures(deps: &Deps, states: &[(String, String, crate::store::sources::SourceState)]) {
    deps.metrics
        .failures
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .observe(&deps.config, states);
}

/// The exposition for `GET /metrics`: the figures of the last detection run
/// and the live parts, as seen at `now`.
pub async fn render(deps: &Deps, now: Instant) -> String {
    let published = deps
        .metrics
        .published
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let mut live = LiveFeeds {
        last_import: published.last_import,
        oldest_pending_at: published.oldest_pending_at,
        now: now.timestamp(),
        leader: deps.leadership.is_leader(),
        ..LiveFeeds::default()
    };
    match deps.store.all_source_states().await {
        Ok(states) => {
            observe_failures(deps, &states);
            live.sources = deps
                .config
                .sources
                .iter()
                .map(|source| {
                    let mine: Vec<_> = states.iter().filter(|(s, _, _)| s == &source.id).collect();
                    let whole: Vec<_> = mine
                        .iter()
                        .filter(|(_, scope, _)| scope.is_empty())
                        .map(|(_, _, st)| st)
                        .collect();
                    let scoped: Vec<_> = mine.iter().map(|(_, _, st)| st).collect();
                    let chosen = if whole.is_empty() { scoped } else { whole };
                    SourceHealth::new(source, &chosen, now.timestamp())
                })
                .collect();
        }
        Err(e) => tracing::warn!(error = %e, "metrics: cannot read source states"),
    }
    live.failures = deps
        .metrics
        .failures
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .totals
        .clone();
    let live = exposition::live(&live).unwrap_or_else(|e| {
        tracing::error!(error = %e, "metrics: cannot render the live part");
        String::new()
    });
    let mut out = String::with_capacity(published.text.len() + live.len());
    out.push_str(&live);
    out.push_str(&published.text);
    out
}
