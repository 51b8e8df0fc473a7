//! Alerts about the service and the feeds rather than the service levels:
//! outages starting and ending, sources failing or gone stale. Part of live
//! detection ([`super::detect`]), queued under the same dedup keys.

use chrono::Duration as Span;

use super::compose::{Facts, alert};
use super::detect::{evidence_line, hm, month_link};
use crate::config::Config;
use crate::config::SourceKind;
use crate::contract::Contract;
use crate::domain::display::local_time;
use crate::domain::{Impact, Instant, Period};
use crate::engine::Evidence;
use crate::store::Store;
use crate::store::outbox::{NewAlert, Severity};
use crate::store::sources::{EARLY_ENDS_SCOPE, SourceState, TRUNCATED_ALERTS_SCOPE};

/// Whether an availability service level in force in `period` measures `service`.
fn measured_service(contract: &Contract, service: &str, period: Period) -> bool {
    contract.service_levels.iter().any(|l| {
        l.kind == crate::contract::ServiceLevelKind::Availability
            && l.in_force(period)
            && l.services.iter().any(|s| s == service)
    })
}

/// An alert when an unplanned outage of the last day started, and one when it ended.
pub(super) fn outage_alerts(
    config: &Config,
    contract: &Contract,
    evidence: &Evidence,
    now: Instant,
    out: &mut Vec<NewAlert>,
) {
    let since = now - Span::days(1);
    for o in evidence.outages.iter().filter(|o| !o.planned) {
        let mut lines = vec![
            (
                "Contract",
                format!("{} ({})", contract.id, contract.supplier),
            ),
            ("Service", o.service.clone()),
            ("Impact", o.impact.as_str().to_string()),
            ("Started", local_time(o.start, contract.timezone)),
            ("Reported by", o.source.clone().unwrap_or_default()),
        ];
        let period = Period::of(o.start, contract.timezone);
        let link = month_link(config, contract, period);
        let critical = o.impact == Impact::Full && measured_service(contract, &o.service, period);
        if o.start >= since && o.start <= now {
            let facts = Facts {
                headline: format!("{} outage of {} started", o.impact.as_str(), o.service),
                lines: lines.clone(),
                evidence: evidence_line(contract, period),
                month: Some(period),
                next_step: Some(if critical {
                    format!(
                        "ask {} for its restoration estimate and updates until {} is back; \
                         the outage counts against the service's availability this month.",
                        contract.supplier, o.service
                    )
                } else {
                    "none today: the outage is measured in the month's figures.".to_string()
                }),
                link: Some(link.clone()),
            };
            // A full outage of a service the contract measures needs a
            // decision today; a partial one or an unmeasured service can wait
            // for the day's digest.
            out.push(alert(
                format!("outage/{}/{}/started", contract.id, o.id),
                "outage_started",
                if critical {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                Some(&contract.id),
                &contract.managers,
                &facts,
                !critical,
            ));
        }
        if let Some(end) = o.end.filter(|e| *e >= since && *e <= now) {
            lines.push(("Ended", local_time(end, contract.timezone)));
            lines.push(("Lasted", hm((end - o.start).num_seconds())));
            let facts = Facts {
                headline: format!("outage of {} ended", o.service),
                lines,
                evidence: evidence_line(contract, period),
                month: Some(period),
                next_step: None,
                link: Some(link),
            };
            out.push(alert(
                format!("outage/{}/{}/ended", contract.id, o.id),
                "outage_ended",
                Severity::Info,
                Some(&contract.id),
                &contract.managers,
                &facts,
                true,
            ));
        }
    }
}

/// The episode a source scope's failures belong to: its last success
/// before them (`never` when it has not succeeded yet), so an episode is
/// alerted once.
fn episode(state: &SourceState) -> String {
    state
        .last_success_at
        .map_or("never".to_string(), |t| t.to_string())
}

/// One alert per episode while a scope of `source` (other than the
/// source's own polls) is failing: `kind` keyed `source/SOURCE/KEY/EPISODE`,
/// with the facts `facts` makes of its state and last error.
async fn scope_alert(
    store: &Store,
    source: &str,
    scope: &str,
    contract: &Contract,
    (kind, key, severity): (&str, &str, Severity),
    facts: impl FnOnce(&SourceState, &str) -> Facts,
    out: &mut Vec<NewAlert>,
) -> anyhow::Result<()> {
    let state = store.source_state(source, scope).await?;
    if state.consecutive_failures == 0 {
        return Ok(());
    }
    let error = state.last_error.clone().unwrap_or_default();
    out.push(alert(
        format!("source/{source}/{key}/{}", episode(&state)),
        kind,
        severity,
        Some(&contract.id),
        &contract.managers,
        &facts(&state, &error),
        false,
    ));
    Ok(())
}

/// An alert, once per episode, when an Alertmanager source's notifications
/// arrive truncated: outages in the alerts left out are never recorded.
async fn truncation_alert(
    store: &Store,
    source: &str,
    contract: &Contract,
    out: &mut Vec<NewAlert>,
) -> anyhow::Result<()> {
    let kind = ("source_truncated", "truncated", Severity::Critical);
    scope_alert(
        store,
        source,
        TRUNCATED_ALERTS_SCOPE,
        contract,
        kind,
        |state, error| {
            Facts {
        headline: format!("source {source} receives truncated notifications"),
        lines: vec![
            ("Source", source.to_string()),
            ("Contract", contract.id.clone()),
            (
                "Truncated notifications",
                state.consecutive_failures.to_string(),
            ),
            ("Last", error.to_string()),
        ],
        evidence: "Outages in the alerts left out are missing from this contract's figures.".into(),
        month: None,
        next_step: Some(
            "ask the monitoring team to raise the webhook receiver's max_alerts, or set it to 0."
                .into(),
        ),
        link: None,
    }
        },
        out,
    )
    .await
}

/// An alert, once per episode, when outage ends from an Alertmanager source
/// arrived while Prometheus's watchdog alert was down: they may be early.
async fn early_ends_alert(
    store: &Store,
    source: &str,
    contract: &Contract,
    out: &mut Vec<NewAlert>,
) -> anyhow::Result<()> {
    let kind = ("source_early_ends", "early_ends", Severity::Warning);
    scope_alert(
        store,
        source,
        EARLY_ENDS_SCOPE,
        contract,
        kind,
        |_, error| Facts {
            headline: format!("outage ends from {source} may be early: Prometheus stopped"),
            lines: vec![
                ("Source", source.to_string()),
                ("Contract", contract.id.clone()),
                ("Flagged", error.to_string()),
            ],
            evidence: "The ends are kept as received; the watchdog firing again ends this episode."
                .into(),
            month: None,
            next_step: Some("where the service was still down, correct the outage's end.".into()),
            link: None,
        },
        out,
    )
    .await
}

/// An alert when a source has failed three times in a row (or once, refused
/// its credentials), and when a ServiceNow source has had no successful poll
/// for longer than its `stale_after`; once per episode (since its last success).
pub async fn source_alerts(
    config: &Config,
    store: &Store,
    now: Instant,
    out: &mut Vec<NewAlert>,
) -> anyhow::Result<()> {
    for source in &config.sources {
        let Some(contract) = config.contract(&source.contract) else {
            continue;
        };
        let state = store.source_state(&source.id, "").await?;
        let episode = episode(&state);
        let auth = state.last_error.as_deref().is_some_and(|e| {
            e.starts_with("authentication failed") || e.starts_with("access denied")
        });
        if state.consecutive_failures >= 3 || (auth && state.consecutive_failures > 0) {
            let facts = Facts {
                headline: format!("source {} is failing", source.id),
                lines: vec![
                    ("Source", source.id.clone()),
                    ("Contract", contract.id.clone()),
                    ("Failures in a row", state.consecutive_failures.to_string()),
                    ("Last error", state.last_error.clone().unwrap_or_default()),
                    ("Last success", state.last_success_at.and_then(|t| chrono::DateTime::from_timestamp(t, 0)).map_or("never".into(), |t| local_time(t, contract.timezone))),
                ],
                evidence: "Until it recovers, figures for this contract may be missing this source's evidence.".into(),
                ..Facts::default()
            };
            out.push(alert(
                format!("source/{}/failing/{episode}", source.id),
                "source_failing",
                Severity::Warning,
                Some(&contract.id),
                &contract.managers,
                &facts,
                true,
            ));
        }
        if matches!(source.kind, SourceKind::Alertmanager(_)) {
            truncation_alert(store, source.id.as_str(), contract, out).await?;
            early_ends_alert(store, source.id.as_str(), contract, out).await?;
        }
        if matches!(source.kind, SourceKind::ServiceNow(_)) {
            audit_alert(store, source.id.as_str(), contract, out).await?;
        }
        let stale_after = match &source.kind {
            SourceKind::ServiceNow(s) => s.stale_after_seconds,
            _ => None,
        };
        if let (Some(limit), Some(last)) = (stale_after, state.last_success_at)
            && now.timestamp() - last > limit
        {
            let facts = Facts {
                headline: format!("source {} has had no successful poll for {}", source.id, hm(now.timestamp() - last)),
                lines: vec![
                    ("Source", source.id.clone()),
                    ("Contract", contract.id.clone()),
                    ("Last success", chrono::DateTime::from_timestamp(last, 0).map_or(String::new(), |t| local_time(t, contract.timezone))),
                    ("Stale after", hm(limit)),
                ],
                evidence: "Until it recovers, figures for this contract may be missing this source's evidence.".into(),
                ..Facts::default()
            };
            out.push(alert(
                format!("source/{}/stale/{episode}", source.id),
                "source_stale",
                Severity::Warning,
                Some(&contract.id),
                &contract.managers,
                &facts,
                true,
            ));
        }
    }
    Ok(())
}

/// An alert when a ServiceNow source cannot read the incidents' audit
/// history (the API user lacks a role): polling goes on, but response times
/// and holds are unknown until a human grants it. Once per episode.
async fn audit_alert(
    store: &Store,
    source: &str,
    contract: &Contract,
    out: &mut Vec<NewAlert>,
) -> anyhow::Result<()> {
    let kind = ("source_audit_unreadable", "audit", Severity::Warning);
    scope_alert(
        store,
        source,
        "sys_audit",
        contract,
        kind,
        |_, error| {
            Facts {
        headline: format!("source {source} cannot read the audit history"),
        lines: vec![
            ("Source", source.to_string()),
            ("Contract", contract.id.clone()),
            ("Error", error.to_string()),
        ],
        evidence: "Incidents are still read, but their response times and holds are unknown: \
                   those clocks are listed in the report's data-quality section, never counted \
                   as breaches."
            .into(),
        month: None,
        next_step: Some(
            "ask the ServiceNow administrator to grant the integration user the audit_viewer role."
                .into(),
        ),
        link: None,
    }
        },
        out,
    )
    .await
}
