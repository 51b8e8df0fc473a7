//! Live detection, the loop: after every ingest, every minute, and at the
//! moment an open incident is due to become at risk or breached, each
//! contract's month in progress is read and evaluated once — a
//! [`LiveMonth`] — and the same view is handed to the alerts (queued by the
//! leader alone, each dedup key once) and to the metrics. The last closed
//! month's report is assembled here for the metrics when it is due.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::Deps;
use crate::alerts::detect::{contract_alerts, route};
use crate::alerts::evidence::evidence_alerts;
use crate::alerts::feeds::source_alerts;
use crate::contract::Contract;
use crate::domain::{Instant, Period};
use crate::engine::Evidence;
use crate::engine::commitments::Register;
use crate::engine::dr::DrTest;
use crate::engine::escalation::Escalation;
use crate::engine::gates::{MonthGates, counted_costs_minor};
use crate::engine::live::LiveMonth;
use crate::store::commitments::RegisterError;
use crate::store::outbox::enqueue_held;
use crate::store::{Store, StoreError};

/// How often detection runs without an ingest to prompt it.
const TICK: Duration = Duration::from_secs(60);

/// What one round of detection did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Detected {
    /// Alerts newly queued.
    pub queued: usize,
    /// The next instant an open incident's stage moves on, if any.
    pub next_change: Option<Instant>,
}

/// Runs detection after every ingest, every minute, and at the moment an
/// open incident is due to become at risk or breached, until shutdown.
pub async fn run(deps: Deps, shutdown: CancellationToken) -> anyhow::Result<()> {
    loop {
        let now = deps.clock.now();
        let mut wait = TICK;
        match detect_once(&deps, now).await {
            Ok(d) => {
                if d.queued > 0 {
                    tracing::info!(queued = d.queued, "alerts queued");
                }
                if let Some(next) = d.next_change {
                    // A second late, so the clock has certainly passed it.
                    let until = (next - now).to_std().unwrap_or_default() + Duration::from_secs(1);
                    wait = wait.min(until);
                }
            }
            Err(e) => tracing::error!(error = format!("{e:#}"), "live detection failed"),
        }
        tokio::select! {
            () = deps.ingested.notified() => {}
            () = tokio::time::sleep(wait) => {}
            () = shutdown.cancelled() => return Ok(()),
        }
    }
}

/// Looks at everything once as at `now`: refreshes the metrics and queues
/// the alerts that are new.
pub async fn detect_once(deps: &Deps, now: Instant) -> anyhow::Result<Detected> {
    let (config, store) = (&deps.config, &deps.store);
    let mut alerts = Vec::new();
    let mut next_change: Option<Instant> = None;
    for contract in &config.contracts {
        let period = Period::of(now, contract.timezone);
        let evidence = store
            .month_evidence(&contract.id, period, contract.timezone, now, None)
            .await?;
        let (typical, prior) = deps.typical.get(store, contract, period, now).await?;
        let live = LiveMonth::new(
            contract,
            &evidence,
            config.alerts.at_risk_share,
            (&typical, &prior),
            now,
        );
        next_change = live.next_change().into_iter().chain(next_change).min();
        // A register that no longer fits the configuration must not stop the
        // other contracts' alerts: it is logged, naming what to fix.
        let register = match store.commitment_register(contract, &config.calendars).await {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::error!(
                    contract = %contract.id,
                    error = format!("{e:#}"),
                    "commitment alerts skipped: the register cannot be read"
                );
                None
            }
        };
        let dr_tests = store.dr_tests(&contract.id).await?;
        // The actions register: the same read for its alerts and metrics;
        // like the commitments register, a failure here is logged and must
        // not stop the contract's other alerts.
        match store.actions(&contract.id).await {
            Ok(actions) => {
                let today = crate::domain::time::local_date(contract.timezone, now);
                deps.metrics.set_actions(contract, &actions, today).await;
                alerts.extend(crate::alerts::actions::action_alerts(
                    config, contract, &actions, today,
                ));
            }
            Err(e) => tracing::error!(
                contract = %contract.id,
                error = format!("{e:#}"),
                "action alerts and metrics skipped: the actions register cannot be read"
            ),
        }
        // Issued claims against credit notes: the same view for the chase
        // alert and the metrics.
        // Like the register, a failure here is logged and must not stop the
        // contract's other alerts.
        match crate::report::recovery::load_always(store, contract, now).await {
            Ok(recovery) => {
                deps.metrics.set_recovery(contract, &recovery).await;
                alerts.extend(crate::alerts::recovery::chase_alerts(
                    config, contract, &recovery,
                ));
            }
            Err(e) => tracing::error!(
                contract = %contract.id,
                error = format!("{e:#}"),
                "recovery figures and chase alerts skipped: the issued claims cannot be read"
            ),
        }
        let shared = Shared {
            contract,
            live: &live,
            evidence: &evidence,
            register: register.as_ref(),
            dr_tests: &dr_tests,
        };
        match refresh_metrics(deps, &shared, now).await {
            Ok(triggered) => {
                for e in &triggered {
                    alerts.push(crate::alerts::escalation::escalation_alert(
                        config, contract, e,
                    ));
                }
                if deps.leadership.is_leader() {
                    add_rectification_plans(deps, contract, &triggered, now).await;
                }
            }
            Err(e) => {
                tracing::warn!(contract = %contract.id, error = format!("{e:#}"), "metrics not refreshed")
            }
        }
        alerts.extend(
            contract_alerts(
                config,
                store,
                contract,
                &live,
                &evidence,
                register.as_ref(),
                &dr_tests,
                now,
            )
            .await?,
        );
    }
    source_alerts(config, store, now, &mut alerts).await?;
    evidence_alerts(config, store, now, &mut alerts).await?;
    route(config, &mut alerts);
    // Every daemon detects (its /metrics needs the figures); only the
    // leader queues. A deposed leader queuing late is harmless: the outbox
    // takes each dedup key once.
    if !deps.leadership.is_leader() {
        alerts.clear();
    }
    let alerts = crate::alerts::subscriptions::apply(&config.contracts, alerts, now);
    let mut tx = store.begin().await?;
    let mut queued = 0;
    for held in &alerts {
        if enqueue_held(&mut tx, &held.alert, now.timestamp(), held.not_before).await? {
            queued += 1;
        }
    }
    tx.commit().await?;
    deps.metrics.publish(config, store, now).await;
    Ok(Detected {
        queued,
        next_change,
    })
}

/// What one contract's round reads once and hands to both alerts and metrics.
struct Shared<'a> {
    contract: &'a Contract,
    live: &'a LiveMonth,
    evidence: &'a Evidence,
    register: Option<&'a Register>,
    dr_tests: &'a [DrTest],
}

/// Adds the rectification plans the last closed month's escalations make
/// due to the commitments register; each has an id per rule and month, so
/// one already there is left alone. A failure is logged and must not stop
/// the contract's alerts.
async fn add_rectification_plans(
    deps: &Deps,
    contract: &Contract,
    triggered: &[Escalation],
    now: Instant,
) {
    for spec in triggered
        .iter()
        .filter_map(crate::alerts::escalation::rectification_commitment)
    {
        let added = deps
            .store
            .add_commitment(contract, &deps.config.calendars, &spec, "escalation", now)
            .await;
        match added {
            Ok(()) => {
                tracing::info!(contract = %contract.id, commitment = %spec.id, "rectification plan added")
            }
            Err(RegisterError::Invalid(m)) if m.contains("already has a commitment") => {}
            Err(e) => tracing::error!(
                contract = %contract.id,
                commitment = %spec.id,
                error = format!("{e:#}"),
                "rectification plan not added to the register"
            ),
        }
    }
}

/// Hands the contract's live view to the metrics, and its last closed
/// month's report when that is due; returns the escalation rules that
/// report's month triggered (empty when it was not due), for the alerts.
async fn refresh_metrics(
    deps: &Deps,
    s: &Shared<'_>,
    now: Instant,
) -> anyhow::Result<Vec<Escalation>> {
    let (config, store, contract) = (&deps.config, &deps.store, s.contract);
    let register = s
        .register
        .ok_or_else(|| anyhow::anyhow!("the commitments register cannot be read"))?;
    let period = s.live.evaluation.period;
    let gates = MonthGates::of(&s.live.evaluation, false);
    let costs = costs_minor(store, contract, period, &gates).await?;
    deps.metrics
        .set_current(
            contract, s.live, s.evidence, register, costs, s.dr_tests, now,
        )
        .await;
    let prev = period.prev();
    if deps.metrics.last_month_due(&contract.id, prev, now).await {
        // Assembled without holding the metrics: other contracts' refreshes
        // and the rendering go on meanwhile.
        let report =
            crate::report::assemble::with_assurance(store, config, contract, prev, now).await?;
        let costs = report.recoverable_costs_minor();
        deps.metrics.set_last_month(contract, &report, costs).await;
        return Ok(report.escalations.unwrap_or_default());
    }
    Ok(Vec::new())
}

/// The month's recoverable costs claimed, in minor units: as the report
/// counts them (not removed, not withdrawn after a dispute; disputed ones
/// still count until decided; under a sole-remedy clause, only those behind
/// an open gate — the escalation ladder's material breach is not known
/// here, so it is taken as closed).
async fn costs_minor(
    store: &Store,
    contract: &Contract,
    period: Period,
    gates: &MonthGates,
) -> Result<i64, StoreError> {
    let costs = store.costs(&contract.id, Some(period)).await?;
    let ids: Vec<i64> = costs.iter().map(|c| c.id).collect();
    let records = store.cost_gates(&contract.id, Some(&ids)).await?;
    Ok(counted_costs_minor(
        contract.recovery.costs_recoverable,
        gates,
        &records,
        &costs,
    ))
}
