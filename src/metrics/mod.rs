//! Prometheus metrics: what every contract stands at this month, its last
//! closed month, the data feeds and the alert queue, for Grafana (the
//! dashboards are in `dashboards/`).
//!
//! The cost of a scrape stays flat whatever the size of the store: live
//! detection already evaluates every contract's month after each ingest and
//! every minute, and hands its live view to [`Metrics::set_current`]; at the
//! end of each run [`Metrics::publish`] renders them once into exposition
//! text, with the ingest and alert totals. A scrape ([`Metrics::render`])
//! copies that text and adds a few cheap live parts: the build, each
//! source's health (one small table) and the age of the oldest undelivered
//! alert. Detection assembles the last closed month's report once per
//! contract when the month changes, and again at most hourly to take in late
//! corrections ([`Metrics::last_month_due`], [`Metrics::set_last_month`]).
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
//! - [`recovery`]: money claimed, recovered, refused and outstanding.
//! - [`actions`]: the actions register: actions by origin and status, overdue.
//! - `exposition`: registries and the text format.

pub mod actions;
mod exposition;
pub mod feeds;
pub mod figures;
pub mod quality;
pub mod recovery;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use chrono::Duration as Span;

use crate::config::{Config, SourceKind};
use crate::contract::Contract;
use crate::domain::{Instant, Period};
use crate::engine::Evidence;
use crate::engine::commitments::Register;
use crate::engine::dr::{DrTest, assess};
use crate::engine::live::LiveMonth;
use crate::report::MonthReport;
use crate::store::Store;
use crate::store::sources::{
    EARLY_ENDS_SCOPE, TRUNCATED_ALERTS_SCOPE, UNRESOLVED_ALERTS_SCOPE, WATCHDOG_SCOPE,
};
use actions::ActionFigures;
use feeds::{FailureTracker, FeedFigures, IngestTally, LiveFeeds, SourceHealth, SourceLabels};
use figures::{ContractFigures, LastMonthFigures};
use quality::{DrFigures, QualityFigures};
use recovery::RecoveryFigures;

use crate::domain::time::local_date;

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
    recovery: HashMap<String, RecoveryFigures>,
    actions: HashMap<String, ActionFigures>,
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

    /// Takes one contract's current month from live detection: the live
    /// view, its evidence, the commitments register, the month's recoverable
    /// costs (minor units) and the DR tests recorded.
    #[allow(clippy::too_many_arguments)]
    pub async fn set_current(
        &self,
        contract: &Contract,
        live: &LiveMonth,
        evidence: &Evidence,
        register: &Register,
        costs_minor: i64,
        dr_tests: &[DrTest],
        now: Instant,
    ) {
        let figures = ContractFigures::new(
            contract,
            &live.evaluation,
            &live.open,
            &live.standing,
            evidence,
            register,
            costs_minor,
            now,
        );
        let dr = assess(
            &contract.dr_systems,
            dr_tests,
            local_date(contract.timezone, now),
        )
        .map(|a| DrFigures::new(&contract.id, &a));
        let mut work = self.work.lock().await;
        work.contracts.insert(contract.id.clone(), figures);
        match dr {
            Some(d) => work.dr.insert(contract.id.clone(), d),
            None => work.dr.remove(&contract.id),
        };
    }

    /// Whether the closed month `prev` should be (re-)evaluated for
    /// `contract`: it has not been, or not for an hour (to take in late
    /// corrections to its evidence).
    pub async fn last_month_due(&self, contract: &str, prev: Period, now: Instant) -> bool {
        let work = self.work.lock().await;
        work.last_months
            .get(contract)
            .is_none_or(|m| m.period != prev || now - m.computed_at >= LAST_MONTH_MAX_AGE)
    }

    /// Takes the last closed month's report (assembled with the six months
    /// its assurance trend reads) and its recoverable costs (minor units).
    pub async fn set_last_month(
        &self,
        contract: &Contract,
        report: &MonthReport<'_>,
        costs_minor: i64,
    ) {
        let quality = QualityFigures::new(
            &contract.id,
            report.discrepancies.len(),
            &report.verdict_disagreements,
            &report.feed_gaps,
            report.clock_stops.as_ref(),
        );
        let mut work = self.work.lock().await;
        work.quality.insert(contract.id.clone(), quality);
        let mut last = LastMonthFigures::new(contract, &report.evaluation, costs_minor);
        last.escalations = report
            .escalations
            .iter()
            .flatten()
            .map(|e| (e.rule.clone(), e.then.clone()))
            .collect();
        last.assurance = report
            .assurance
            .as_ref()
            .map(|a| (a.rating.rating.score(), a.trend.map(|t| t.value())));
        work.last_months.insert(contract.id.clone(), last);
    }

    /// Takes the contract's recovery (issued claims against credit notes) as
    /// at detection's instant.
    pub async fn set_recovery(&self, contract: &Contract, r: &crate::engine::recovery::Recovery) {
        let figures = RecoveryFigures::new(contract, r);
        let mut work = self.work.lock().await;
        work.recovery.insert(contract.id.clone(), figures);
    }

    /// Takes one contract's actions register as at `today` (in the
    /// contract's timezone) from live detection.
    pub async fn set_actions(
        &self,
        contract: &Contract,
        actions: &[crate::domain::Action],
        today: chrono::NaiveDate,
    ) {
        let figures = ActionFigures::new(&contract.id, actions, today);
        let mut work = self.work.lock().await;
        work.actions.insert(contract.id.clone(), figures);
    }

    /// Brings the ingest and alert totals up to date and renders every figure
    /// into the text scrapes copy. Called at the end of each detection run.
    pub async fn publish(&self, config: &Config, store: &Store, now: Instant) {
        if let Err(e) = self.try_publish(config, store, now).await {
            tracing::warn!(error = format!("{e:#}"), "metrics not published");
        }
    }

    async fn try_publish(
        &self,
        config: &Config,
        store: &Store,
        now: Instant,
    ) -> anyhow::Result<()> {
        let labels = SourceLabels::from_config(config);
        let states = store.all_source_states().await?;
        self.observe_failures(config, &states);
        let outbox = store.outbox_totals_by_kind().await?;
        let mut work = self.work.lock().await;
        work.ingest.refresh(store, &labels, now.timestamp()).await?;
        // Labels only from the configuration: a contract it does not name is
        // left out, a source it does not name is `other`.
        let mut rewrites = BTreeMap::new();
        for ((contract, source, kind, direction), n) in store.rewrite_counts().await? {
            if config.contract(&contract).is_some() {
                *rewrites
                    .entry((contract, labels.label(&source), kind, direction))
                    .or_insert(0) += n;
            }
        }
        let mut refused = BTreeMap::new();
        for ((contract, source), n) in store.ownership_refusal_counts().await? {
            if config.contract(&contract).is_some() {
                *refused
                    .entry((contract, labels.label(&source)))
                    .or_insert(0) += n;
            }
        }
        let mut refused_recipients: BTreeMap<String, u64> =
            config.contracts.iter().map(|c| (c.id.clone(), 0)).collect();
        for (contract, n) in store.refused_recipient_counts().await? {
            if let Some(total) = refused_recipients.get_mut(&contract) {
                *total += n.max(0) as u64;
            }
        }
        let feeds = FeedFigures {
            sources: config.sources.iter().map(|s| s.id.clone()).collect(),
            ingest: work.ingest.per_source.clone(),
            outbox,
            rewrites,
            refused,
            refused_recipients,
        };
        // Contracts in configuration order.
        let contracts = config
            .contracts
            .iter()
            .filter_map(|c| work.contracts.get(&c.id));
        let last_months = config
            .contracts
            .iter()
            .filter_map(|c| work.last_months.get(&c.id));
        let dr = config.contracts.iter().filter_map(|c| work.dr.get(&c.id));
        let quality = config
            .contracts
            .iter()
            .filter_map(|c| work.quality.get(&c.id));
        let recovery = config
            .contracts
            .iter()
            .filter_map(|c| work.recovery.get(&c.id));
        let actions = config
            .contracts
            .iter()
            .filter_map(|c| work.actions.get(&c.id));
        let text = exposition::figures(
            contracts,
            last_months,
            dr,
            quality,
            recovery,
            actions,
            &feeds,
            now.timestamp(),
        )?;
        let last_import = feeds
            .ingest
            .iter()
            .filter_map(|(s, t)| t.last_finished_at.map(|at| (s.clone(), at)))
            .collect();
        let oldest_pending_at = feeds.oldest_pending_at();
        drop(work);
        let mut published = self.published.write().unwrap_or_else(|p| p.into_inner());
        *published = Published {
            text: text.into(),
            last_import,
            oldest_pending_at,
        };
        Ok(())
    }

    fn observe_failures(
        &self,
        config: &Config,
        states: &[(String, String, crate::store::sources::SourceState)],
    ) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .observe(config, states);
    }

    /// The exposition for `GET /metrics`: the figures of the last detection
    /// run and the live parts, as seen at `now` by a daemon that is (or is
    /// not) the `leader`.
    ///
    /// Only the leader publishes figures. Every daemon reads the same store,
    /// so with two daemons scraped each contract, source and alert figure
    /// would otherwise be exported twice and every `sum()` on a dashboard
    /// would double. A standby exports only what is its own: its build and
    /// `slawatch_leader 0`.
    pub async fn render(
        &self,
        config: &Config,
        store: &Store,
        leader: bool,
        now: Instant,
    ) -> String {
        let published = self
            .published
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut live = LiveFeeds {
            last_import: published.last_import,
            oldest_pending_at: published.oldest_pending_at,
            now: now.timestamp(),
            leader,
            ..LiveFeeds::default()
        };
        if !leader {
            return exposition::standby().unwrap_or_else(|e| {
                tracing::error!(error = %e, "metrics: cannot render the standby's part");
                String::new()
            });
        }
        match store.all_source_states().await {
            Ok(states) => {
                self.observe_failures(config, &states);
                live.sources = config
                    .sources
                    .iter()
                    .map(|source| {
                        let mine: Vec<_> =
                            states.iter().filter(|(s, _, _)| s == &source.id).collect();
                        // The source as a whole, and the scopes that speak
                        // of what an alerting source's notifications lack.
                        let whole: Vec<_> = mine
                            .iter()
                            .filter(|(_, scope, _)| {
                                scope.is_empty()
                                    || scope == TRUNCATED_ALERTS_SCOPE
                                    || scope == UNRESOLVED_ALERTS_SCOPE
                                    || scope == WATCHDOG_SCOPE
                                    || scope == EARLY_ENDS_SCOPE
                            })
                            .map(|(_, _, st)| st)
                            .collect();
                        let scoped: Vec<_> = mine.iter().map(|(_, _, st)| st).collect();
                        let chosen = if whole.is_empty() { scoped } else { whole };
                        let mut health = SourceHealth::new(source, &chosen, now.timestamp());
                        if matches!(source.kind, SourceKind::Alertmanager(_)) {
                            // A resolved notification marks its scope succeeded.
                            health.resolved_seen = Some(mine.iter().any(|(_, scope, st)| {
                                scope == UNRESOLVED_ALERTS_SCOPE && st.last_success_at.is_some()
                            }));
                        }
                        health
                    })
                    .collect();
            }
            Err(e) => tracing::warn!(error = %e, "metrics: cannot read source states"),
        }
        live.failures = self
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
}
