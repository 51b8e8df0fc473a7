//! Data feeds and alerting: records ingested per source, sources' health and
//! failures, and the alert outbox.
//!
//! Ingest and outbox totals are refreshed by live detection (every minute
//! and after every ingest); a scrape reads only the small `source_state`
//! table, and works out the oldest undelivered alert's age from the instant
//! detection last saw it queued.
//!
//! Ingest totals are read from the `imports` table incrementally (only rows
//! not yet counted), so refreshing them costs the same after a year as on
//! the first day. A source's failures are counted by watching its stored
//! poll state (failures in a row, last success) change: each observation
//! adds the failures that happened since the one before.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::config::{Config, SourceConfig, SourceKind};
use crate::store::metrics::OutboxKindTotals;
use crate::store::sources::SourceState;
use crate::store::{Store, StoreError};

use super::exposition::Families;

/// The alert kinds live detection queues: always exported, at zero when none.
pub const ALERT_KINDS: [&str; 15] = [
    "at_risk",
    "month_at_risk",
    "breached",
    "certain_to_fail",
    "critical",
    "outage_started",
    "outage_ended",
    "source_failing",
    "source_stale",
    "source_truncated",
    "source_early_ends",
    "source_audit_unreadable",
    "evidence_rewritten",
    "evidence_refused",
    "escalation",
];

/// Import results, as the `result` label spells them.
pub const RESULTS: [&str; 4] = ["stored", "updated", "unchanged", "rejected"];

/// The `source` label of imports that name no configured source, command-line
/// import or API token.
pub const OTHER_SOURCE: &str = "other";

/// An import still unfinished after this long is taken as abandoned (its
/// process died) and counted with whatever it recorded.
const ABANDONED_AFTER_SECONDS: i64 = 3_600;

/// The spelling of a source kind (as in the configuration).
pub fn source_kind(kind: &SourceKind) -> &'static str {
    match kind {
        SourceKind::ServiceNow(_) => "servicenow",
        SourceKind::Inbox { .. } => "inbox",
        SourceKind::Webhook { .. } => "webhook",
        SourceKind::Alertmanager(_) => "alertmanager",
        SourceKind::Probe(_) => "probe",
    }
}

/// Which `source` label values may appear: configured source ids, `cli`
/// (`slawatch import`) and `api:<token name>` (records pushed with an API
/// token); whatever else is recorded in `imports` counts as `other`.
#[derive(Debug, Clone)]
pub struct SourceLabels {
    known: BTreeSet<String>,
}

impl SourceLabels {
    /// The labels this configuration allows.
    pub fn from_config(config: &Config) -> SourceLabels {
        let mut known: BTreeSet<String> = config.sources.iter().map(|s| s.id.clone()).collect();
        known.insert("cli".into());
        known.extend(config.api_tokens.iter().map(|t| format!("api:{}", t.name)));
        SourceLabels { known }
    }

    /// The label for a source recorded in the store.
    pub fn label(&self, recorded: &str) -> String {
        if self.known.contains(recorded) {
            recorded.to_string()
        } else {
            OTHER_SOURCE.to_string()
        }
    }
}

/// What one source label has ingested.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceTally {
    /// Imports (files, polls, pushes) counted.
    pub imports: u64,
    /// Records by result, in the order of [`RESULTS`].
    pub records: [u64; 4],
    /// When the latest counted import finished.
    pub last_finished_at: Option<i64>,
}

/// The running totals of the `imports` table.
#[derive(Debug, Clone, Default)]
pub struct IngestTally {
    /// Every import with an id up to here has been seen.
    watermark: i64,
    /// Seen but unfinished: counted once they finish.
    open: BTreeSet<i64>,
    /// Totals by source label.
    pub per_source: BTreeMap<String, SourceTally>,
}

/// Imports read from the store per query.
const IMPORTS_PAGE: i64 = 5_000;

impl IngestTally {
    /// Counts the imports finished since the last refresh.
    pub async fn refresh(
        &mut self,
        store: &Store,
        labels: &SourceLabels,
        now: i64,
    ) -> Result<(), StoreError> {
        // Start below the oldest unfinished import, so it is looked at again.
        let mut cursor = self.open.first().map_or(self.watermark, |id| id - 1);
        loop {
            let rows = store.imports_after(cursor, IMPORTS_PAGE).await?;
            for r in &rows {
                cursor = r.id;
                if r.id <= self.watermark && !self.open.contains(&r.id) {
                    continue; // counted already
                }
                self.watermark = self.watermark.max(r.id);
                let abandoned = r.started_at < now - ABANDONED_AFTER_SECONDS;
                if r.finished_at.is_none() && !abandoned {
                    self.open.insert(r.id);
                    continue;
                }
                self.open.remove(&r.id);
                let t = self.per_source.entry(labels.label(&r.source)).or_default();
                t.imports += 1;
                for (slot, n) in
                    t.records
                        .iter_mut()
                        .zip([r.stored, r.updated, r.unchanged, r.rejected])
                {
                    *slot += n.max(0) as u64;
                }
                if let Some(at) = r.finished_at {
                    t.last_finished_at = Some(t.last_finished_at.map_or(at, |t| t.max(at)));
                }
            }
            if (rows.len() as i64) < IMPORTS_PAGE {
                return Ok(());
            }
        }
    }
}

/// The part of the feeds detection refreshes: ingest and outbox totals.
#[derive(Debug, Clone, Default)]
pub struct FeedFigures {
    /// Configured source ids (always exported, at zero when idle).
    pub sources: Vec<String>,
    /// Ingest totals by source label.
    pub ingest: BTreeMap<String, SourceTally>,
    /// The outbox by alert kind.
    pub outbox: Vec<OutboxKindTotals>,
    /// Rewrites of evidence by contract, source label, record kind and direction.
    pub rewrites: BTreeMap<(String, String, String, String), u64>,
    /// Rows refused because another source owns their record, by contract
    /// and source label.
    pub refused: BTreeMap<(String, String), u64>,
    /// Times an alert recipient was given up on after permanent refusals,
    /// by contract (every configured contract, at zero when none).
    pub refused_recipients: BTreeMap<String, u64>,
}

impl FeedFigures {
    /// When the oldest undelivered alert was queued.
    pub fn oldest_pending_at(&self) -> Option<i64> {
        self.outbox.iter().filter_map(|o| o.oldest_pending_at).min()
    }
}

impl FeedFigures {
    /// Adds the ingest and alert families.
    pub(super) fn write(&self, f: &Families) -> prometheus::Result<()> {
        let records = f.counter(
            "slawatch_source_records_total",
            "Records taken in from a source, by result (stored, updated, unchanged, rejected).",
            &["source", "result"],
        )?;
        let imports = f.counter(
            "slawatch_source_imports_total",
            "Imports (files, polls, pushes) finished from a source.",
            &["source"],
        )?;
        for id in &self.sources {
            imports.with_label_values(&[id]).inc_by(0);
            for r in RESULTS {
                records.with_label_values(&[id, r]).inc_by(0);
            }
        }
        for (source, t) in &self.ingest {
            imports.with_label_values(&[source]).inc_by(t.imports);
            for (r, n) in RESULTS.iter().zip(t.records) {
                records.with_label_values(&[source.as_str(), r]).inc_by(n);
            }
        }
        let rewrites = f.counter(
            "slawatch_evidence_rewrites_total",
            "Evidence the store already held changed after the fact (later than the contract's rewrite_grace), by the source that changed it, record kind (incident, hold, outage, work_item) and direction (favourable, unfavourable or neutral to the supplier).",
            &["contract", "source", "kind", "direction"],
        )?;
        for ((contract, source, kind, direction), n) in &self.rewrites {
            rewrites
                .with_label_values(&[contract, source, kind, direction])
                .inc_by(*n);
        }
        let refused = f.counter(
            "slawatch_evidence_refused_total",
            "Rows refused because another source owns their record (only the owner, or a person's correction, may change it), by the refused source.",
            &["contract", "source"],
        )?;
        for ((contract, source), n) in &self.refused {
            refused.with_label_values(&[contract, source]).inc_by(*n);
        }
        let queued = f.counter(
            "slawatch_alerts_queued_total",
            "Alerts queued for delivery, by kind.",
            &["kind"],
        )?;
        let sent = f.counter(
            "slawatch_alerts_sent_total",
            "Alerts delivered, by kind.",
            &["kind"],
        )?;
        let failed = f.counter(
            "slawatch_alert_delivery_failures_total",
            "Failed attempts to deliver an alert, by kind.",
            &["kind"],
        )?;
        let given_up = f.counter(
            "slawatch_alert_recipients_refused_total",
            "Times an alert recipient (a mailbox) was given up on after the mail server refused it for good, by contract; each is reported once.",
            &["contract"],
        )?;
        for (contract, n) in &self.refused_recipients {
            given_up.with_label_values(&[contract]).inc_by(*n);
        }
        let pending = f.gauge(
            "slawatch_alerts_pending",
            "Alerts queued and not yet delivered, by kind.",
            &["kind"],
        )?;
        for kind in ALERT_KINDS {
            for c in [&queued, &sent, &failed] {
                c.with_label_values(&[kind]).inc_by(0);
            }
            pending.with_label_values(&[kind]).set(0.0);
        }
        for o in &self.outbox {
            queued
                .with_label_values(&[&o.kind])
                .inc_by(o.queued.max(0) as u64);
            sent.with_label_values(&[&o.kind])
                .inc_by(o.sent.max(0) as u64);
            failed
                .with_label_values(&[&o.kind])
                .inc_by(o.failed_attempts.max(0) as u64);
            pending.with_label_values(&[&o.kind]).set(o.pending as f64);
        }
        Ok(())
    }
}

/// Why a poll failed, as the `kind` label says it.
fn failure_kind(last_error: Option<&str>) -> &'static str {
    match last_error {
        Some(e) if e.starts_with("authentication failed") || e.starts_with("access denied") => {
            "auth"
        }
        _ => "other",
    }
}

/// Failure kinds, always exported.
pub const FAILURE_KINDS: [&str; 2] = ["auth", "other"];

/// Counts source failures from successive looks at the stored poll state.
#[derive(Debug, Default)]
pub struct FailureTracker {
    /// Per (source, scope): the last success and failures in a row last seen.
    seen: HashMap<(String, String), (Option<i64>, i64)>,
    /// Failures counted, by (source, kind).
    pub totals: BTreeMap<(String, &'static str), u64>,
}

impl FailureTracker {
    /// Adds the failures recorded since the last look. Only configured
    /// sources are counted.
    pub fn observe(&mut self, config: &Config, states: &[(String, String, SourceState)]) {
        for (source, scope, state) in states {
            if !config.sources.iter().any(|s| &s.id == source) {
                continue;
            }
            let now = (state.last_success_at, state.consecutive_failures);
            let before = self.seen.insert((source.clone(), scope.clone()), now);
            let new = match before {
                // A success since: the run of failures is new.
                Some((last, n)) if last == now.0 && now.1 >= n => now.1 - n,
                _ => now.1,
            };
            if new > 0 {
                *self
                    .totals
                    .entry((source.clone(), failure_kind(state.last_error.as_deref())))
                    .or_insert(0) += new as u64;
            }
        }
    }
}

/// One configured source's health, read at scrape time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceHealth {
    /// Its id.
    pub id: String,
    /// Its contract.
    pub contract: String,
    /// Its kind.
    pub kind: &'static str,
    /// Its last poll or push succeeded.
    pub up: bool,
    /// No success for longer than its `stale_after`.
    pub stale: bool,
    /// The last success (Unix time).
    pub last_success_at: Option<i64>,
    /// Failures since the last success.
    pub consecutive_failures: i64,
    /// For an alerting source: whether any resolved notification has
    /// arrived (without `send_resolved` none ever does, and outages end only
    /// by inference); `None` for other kinds.
    pub resolved_seen: Option<bool>,
}

impl SourceHealth {
    /// A source's health from its stored states (one per scope; the scope
    /// `""` speaks for the source when present, else the worst scope does).
    pub fn new(source: &SourceConfig, states: &[&SourceState], now: i64) -> SourceHealth {
        let (last_success_at, consecutive_failures) = match states {
            [] => (None, 0),
            [one] => (one.last_success_at, one.consecutive_failures),
            many => (
                many.iter().map(|s| s.last_success_at).min().unwrap_or(None),
                many.iter()
                    .map(|s| s.consecutive_failures)
                    .max()
                    .unwrap_or(0),
            ),
        };
        let stale_after = match &source.kind {
            SourceKind::ServiceNow(s) => s.stale_after_seconds,
            _ => None,
        };
        SourceHealth {
            id: source.id.clone(),
            contract: source.contract.clone(),
            kind: source_kind(&source.kind),
            up: last_success_at.is_some() && consecutive_failures == 0,
            stale: matches!((stale_after, last_success_at), (Some(limit), Some(last)) if now - last > limit),
            last_success_at,
            consecutive_failures,
            resolved_seen: None,
        }
    }
}

/// What a scrape reads live.
#[derive(Debug, Clone, Default)]
pub struct LiveFeeds {
    /// Configured sources' health.
    pub sources: Vec<SourceHealth>,
    /// Last finished import per source label (from the ingest totals).
    pub last_import: BTreeMap<String, i64>,
    /// Source failures counted so far.
    pub failures: BTreeMap<(String, &'static str), u64>,
    /// When the oldest undelivered alert was queued, as detection last saw it.
    pub oldest_pending_at: Option<i64>,
    /// The scrape's instant (Unix time).
    pub now: i64,
    /// Whether this daemon leads (runs sources, issuing and delivery).
    pub leader: bool,
}

impl LiveFeeds {
    /// Adds the source health families and the oldest undelivered alert's age.
    pub(super) fn write(&self, f: &Families) -> prometheus::Result<()> {
        let info = f.gauge(
            "slawatch_source_info",
            "Always 1: each configured source with its contract and kind.",
            &["source", "contract", "kind"],
        )?;
        let up = f.gauge(
            "slawatch_source_up",
            "1 when the source's last poll or push succeeded, 0 when it failed or none has succeeded yet.",
            &["source"],
        )?;
        let stale = f.gauge(
            "slawatch_source_stale",
            "1 when the source has had no successful poll for longer than its stale_after.",
            &["source"],
        )?;
        let failing = f.gauge(
            "slawatch_source_consecutive_failures",
            "Failed polls since the source's last success.",
            &["source"],
        )?;
        let last = f.gauge(
            "slawatch_source_last_success_timestamp_seconds",
            "When the source last polled or delivered records successfully (Unix time).",
            &["source"],
        )?;
        let resolved = f.gauge(
            "slawatch_source_resolved_seen",
            "Alerting sources only: 1 once a resolved notification has arrived, 0 while none has (check send_resolved on the receiver).",
            &["source"],
        )?;
        let errors = f.counter(
            "slawatch_source_errors_total",
            "Failed polls or ingests of a source, by kind (auth: credentials refused; other).",
            &["source", "kind"],
        )?;
        let mut last_success: BTreeMap<&str, i64> = self
            .last_import
            .iter()
            .map(|(s, at)| (s.as_str(), *at))
            .collect();
        for s in &self.sources {
            info.with_label_values(&[&s.id, &s.contract, s.kind])
                .set(1.0);
            up.with_label_values(&[&s.id])
                .set(if s.up { 1.0 } else { 0.0 });
            stale
                .with_label_values(&[&s.id])
                .set(if s.stale { 1.0 } else { 0.0 });
            failing
                .with_label_values(&[&s.id])
                .set(s.consecutive_failures as f64);
            if let Some(seen) = s.resolved_seen {
                resolved
                    .with_label_values(&[&s.id])
                    .set(if seen { 1.0 } else { 0.0 });
            }
            if let Some(at) = s.last_success_at {
                let e = last_success.entry(s.id.as_str()).or_insert(at);
                *e = (*e).max(at);
            }
            for kind in FAILURE_KINDS {
                errors.with_label_values(&[&s.id, kind]).inc_by(0);
            }
        }
        for (source, at) in last_success {
            last.with_label_values(&[source]).set(at as f64);
        }
        for ((source, kind), n) in &self.failures {
            errors
                .with_label_values(&[source.as_str(), kind])
                .inc_by(*n);
        }
        let age = self
            .oldest_pending_at
            .map_or(0, |at| (self.now - at).max(0));
        f.gauge(
            "slawatch_alert_oldest_pending_age_seconds",
            "Age of the oldest undelivered alert (0 when none is waiting).",
            &[],
        )?
        .with_label_values(&[] as &[&str])
        .set(age as f64);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        crate::config::parse(
            r#"
[[contracts]]
id = "acme"
supplier = "Acme Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "1000.00"
managers = ["m@council.example"]

[[sources]]
id = "snow"
contract = "acme"
kind = "servicenow"
base_url = "https://acme.service-now.com"
username = "u"
password_env = "METRICS_UNIT_SNOW_PASSWORD"
schedule = "0 */5 * * * *"
stale_after = "2h"

[[api_tokens]]
name = "loader"
role = "ingest"
token_sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
"#,
            "feeds.toml",
        )
        .expect("config")
    }

    fn state(last_success_at: Option<i64>, failures: i64, error: Option<&str>) -> SourceState {
        SourceState {
            last_success_at,
            consecutive_failures: failures,
            last_error: error.map(str::to_string),
            ..SourceState::default()
        }
    }

    #[test]
    fn source_labels_come_from_the_configuration() {
        let labels = SourceLabels::from_config(&config());
        assert_eq!(labels.label("snow"), "snow");
        assert_eq!(labels.label("cli"), "cli");
        assert_eq!(labels.label("api:loader"), "api:loader");
        assert_eq!(labels.label("api:someone-else"), OTHER_SOURCE);
        assert_eq!(labels.label("bench"), OTHER_SOURCE);
    }

    #[test]
    fn failures_are_counted_once_each_across_looks() {
        let config = config();
        let mut t = FailureTracker::default();
        let look = |t: &mut FailureTracker, s: SourceState| {
            t.observe(&config, &[("snow".into(), String::new(), s)]);
        };
        look(&mut t, state(Some(100), 0, None));
        look(&mut t, state(Some(100), 2, Some("HTTP 500")));
        look(&mut t, state(Some(100), 2, Some("HTTP 500")));
        assert_eq!(t.totals.get(&("snow".into(), "other")), Some(&2));
        // A success, then a new run of failures, seen in one look.
        look(
            &mut t,
            state(Some(200), 1, Some("authentication failed: 401")),
        );
        assert_eq!(t.totals.get(&("snow".into(), "auth")), Some(&1));
        look(
            &mut t,
            state(Some(200), 3, Some("authentication failed: 401")),
        );
        assert_eq!(t.totals.get(&("snow".into(), "auth")), Some(&3));
        // Unconfigured sources are not counted.
        t.observe(
            &config,
            &[("gone".into(), String::new(), state(None, 5, None))],
        );
        assert_eq!(t.totals.len(), 2);
    }

    #[test]
    fn health_up_stale_and_scopes() {
        let config = config();
        let snow = &config.sources[0];
        let now = 10_000;
        let h = SourceHealth::new(snow, &[&state(Some(now - 60), 0, None)], now);
        assert!(h.up && !h.stale);
        assert_eq!(h.kind, "servicenow");
        let h = SourceHealth::new(snow, &[&state(Some(now - 7_201), 1, Some("x"))], now);
        assert!(!h.up && h.stale);
        let h = SourceHealth::new(snow, &[], now);
        assert!(!h.up && !h.stale && h.last_success_at.is_none());
        // Several tables: the stalest success and the longest run of failures.
        let a = state(Some(now - 100), 0, None);
        let b = state(Some(now - 50), 2, Some("x"));
        let h = SourceHealth::new(snow, &[&a, &b], now);
        assert_eq!(
            (h.last_success_at, h.consecutive_failures),
            (Some(now - 100), 2)
        );
    }

    #[tokio::test]
    async fn ingest_totals_are_read_incrementally() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&crate::store::testing::database_url(
            &dir.path().join("s.db"),
        ))
        .await
        .unwrap();
        let labels = SourceLabels::from_config(&config());
        let mut tally = IngestTally::default();
        let counts = |stored| crate::store::write::WriteCounts {
            stored,
            updated: 1,
            unchanged: 0,
        };
        let done = store
            .start_import(crate::store::write::Writer::source("snow"), "poll 1", 1_000)
            .await
            .unwrap();
        done.finish(counts(5), 2, 1_001).await.unwrap();
        let later = store
            .start_import(crate::store::write::Writer::source("bench"), "x.csv", 1_003)
            .await
            .unwrap();
        later.finish(counts(1), 0, 1_004).await.unwrap();
        // Still running (it holds the store's write lock, so it is the last
        // to start): counted once it finishes.
        let running = store
            .start_import(crate::store::write::Writer::source("cli"), "big.csv", 1_005)
            .await
            .unwrap();
        tally.refresh(&store, &labels, 1_010).await.unwrap();
        assert_eq!(tally.per_source["snow"].records, [5, 1, 0, 2]);
        assert_eq!(tally.per_source["snow"].last_finished_at, Some(1_001));
        assert_eq!(tally.per_source[OTHER_SOURCE].imports, 1);
        assert!(!tally.per_source.contains_key("cli"));
        running.finish(counts(7), 0, 1_020).await.unwrap();
        tally.refresh(&store, &labels, 1_030).await.unwrap();
        tally.refresh(&store, &labels, 1_040).await.unwrap();
        assert_eq!(tally.per_source["cli"].records, [7, 1, 0, 0]);
        assert_eq!(tally.per_source["cli"].imports, 1);
        assert_eq!(tally.per_source["snow"].imports, 1);
        assert_eq!(tally.per_source[OTHER_SOURCE].imports, 1);
    }
}
