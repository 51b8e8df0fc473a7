//! The leader's watch over an Alertmanager (or Grafana alerting) source's
//! firing alerts. The sender re-sends a firing alert every
//! `repeat_interval`; one not sent again for that long plus a margin has
//! ended unseen — the receiver has no `send_resolved`, or the sender itself
//! stopped. Its outage is then ended at its last sighting (the latest
//! instant it is known to have been down: never more downtime than
//! observed), the source's `unresolved_alerts` health fails with a note
//! saying so, and a later firing notification reopens the outage while a
//! resolved one replaces the end with the real one.

use std::collections::HashMap;
use std::time::Duration;

use chrono::DateTime;
use tokio_util::sync::CancellationToken;

use super::SourceDeps;
use crate::config::{AlertmanagerSource, SourceConfig, UNSEEN_MARGIN_SECONDS};
use crate::contract::Contract;
use crate::domain::time::format_utc;
use crate::import::fields::RecordKind;
use crate::import::{Incoming, ingest};
use crate::shutdown::sleep_or_stop;
use crate::store::Store;
use crate::store::sources::UNRESOLVED_ALERTS_SCOPE;

/// How often the leader looks for alerts no longer sent.
const EVERY: Duration = Duration::from_secs(60);

/// Looks every minute until shutdown.
pub async fn run(
    deps: SourceDeps,
    source: SourceConfig,
    cfg: AlertmanagerSource,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let state = deps
        .store
        .source_state(&source.id, UNRESOLVED_ALERTS_SCOPE)
        .await?;
    if state.consecutive_failures > 0 {
        tracing::warn!(
            source = %source.id,
            "{}",
            state.last_error.unwrap_or_default()
        );
    } else if state.last_success_at.is_none() {
        // Notifications came, never a resolved one: most likely the
        // receiver lacks send_resolved, and every end will be inferred.
        let whole = deps.store.source_state(&source.id, "").await?;
        if whole.last_success_at.is_some() {
            tracing::warn!(
                source = %source.id,
                "notifications have arrived from this source but never a resolved one: check \
                 send_resolved: true on the receiver, or outages end only by inference \
                 (repeat_interval + 30 minutes after their alert was last sent)"
            );
        }
    }
    loop {
        let now = deps.clock.now().timestamp();
        match infer_ends(&deps.store, &deps.config.contracts, &source, &cfg, now).await {
            Ok(0) => {}
            Ok(_) => deps.notify_ingested(),
            Err(e) => {
                tracing::warn!(source = %source.id, error = format!("{e:#}"), "cannot look for alerts no longer sent")
            }
        }
        if !sleep_or_stop(EVERY, &shutdown).await {
            return Ok(());
        }
    }
}

/// Ends, at their last sighting, the outages of `source`'s alerts not sent
/// again within `repeat_interval` + 30 minutes of `now`; how many.
pub async fn infer_ends(
    store: &Store,
    contracts: &[Contract],
    source: &SourceConfig,
    cfg: &AlertmanagerSource,
    now: i64,
) -> anyhow::Result<usize> {
    let before = now - cfg.repeat_interval_seconds - UNSEEN_MARGIN_SECONDS;
    let unseen = store.alerts_unseen_since(&source.id, before).await?;
    if unseen.is_empty() {
        return Ok(0);
    }
    let mut records = Vec::new();
    for (n, s) in unseen.iter().enumerate() {
        let (Some(start), Some(end)) = (
            DateTime::from_timestamp(s.start_at, 0),
            DateTime::from_timestamp(s.last_seen_at, 0),
        ) else {
            continue;
        };
        let fields = HashMap::from([
            ("id".to_string(), s.outage_id.clone()),
            ("contract".to_string(), s.contract.clone()),
            ("service".to_string(), s.service.clone()),
            ("start".to_string(), format_utc(start)),
            ("end".to_string(), format_utc(end.max(start))),
            ("impact".to_string(), s.impact.clone()),
            ("planned".to_string(), "false".to_string()),
            ("source".to_string(), source.id.clone()),
        ]);
        records.push(Incoming {
            kind: RecordKind::Outage,
            fields,
            line: n as i64 + 1,
        });
    }
    let label = format!(
        "{}: end inferred for alerts not sent again within repeat_interval + 30m",
        source.id
    );
    let mut refused = Vec::new();
    ingest(
        store,
        contracts,
        &source.id,
        &label,
        now,
        records,
        &mut |r| refused.push(r.reason.clone()),
    )
    .await?;
    for s in &unseen {
        store
            .alert_end_inferred(&source.id, &s.outage_id, s.last_seen_at)
            .await?;
    }
    let note = format!(
        "{} alert(s) stopped being sent without a resolved notification; their outages were \
         ended at their last sighting (end inferred). Check send_resolved: true on the receiver, \
         and that Alertmanager and Prometheus are running",
        unseen.len()
    );
    tracing::warn!(source = %source.id, refused = ?refused, "{note}");
    store
        .source_failed(&source.id, UNRESOLVED_ALERTS_SCOPE, &note, now)
        .await?;
    Ok(unseen.len())
}
