//! The supplier's ServiceNow, polled through the Table API.
//!
//! On the source's cron schedule (read in the contract's timezone; the first
//! poll runs at start) one poll first checks each configured query's fields
//! against `sys_dictionary` (the instance ignores a term it does not know,
//! which would widen the read) and whether the API user may read
//! `sys_audit`, then reads, incrementally by `sys_updated_on`:
//! 1. `incident`, filtered by its query, with the `sys_audit` history of
//!    `state` and `hold_reason` of every incident read: incidents (the
//!    response where `response_from` says), their holds (by the configured
//!    state model), and one reactive `incident` work item each;
//! 2. `problem` and `change_request`, each by its own query or the common
//!    one (all three are task tables: assignment group, company, service
//!    are common to them): work items;
//! 3. `task_sla` of the incidents selected (their query dot-walked through
//!    `task`, unless it has its own): the supplier's own verdicts on SLAs
//!    (not OLAs or underpinning contracts), kept for reconciliation.
//!
//! Records go through [`crate::import::ingest`], so they are validated, keyed
//! and counted exactly as an imported file's rows, and a bad record is refused
//! with a reason while the others are stored. Each page is stored as it
//! comes and its table's watermark moved past it; a poll that fails part way
//! leaves the rest for the next one, which resumes there.
//!
//! Failures are recorded against the source (scope `""`), which live
//! detection turns into stale and failing alerts. Short rate limits, server
//! errors and timeouts are retried within a poll; an hourly rate limit ends
//! the poll at once. Bad credentials, missing access to a table read or a
//! refused query stop the source until a human fixes them and restarts
//! slawatch; an unreadable audit history does not: it is recorded against
//! the `sys_audit` scope and the clocks it decides are marked unknown.
//!
//! # Layout
//! - `client`: HTTP, credentials, paging and retries.
//! - `oauth`: OAuth access tokens, kept and renewed.
//! - `mapping`: ServiceNow records → interchange records (pure).
//! - `poll`: one poll, table by table.

mod client;
mod mapping;
mod oauth;
mod poll;

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::config::{ServiceNowSource, SourceConfig};
use crate::shutdown::sleep_or_stop;
use crate::sources::SourceDeps;
use crate::store::StoreError;
use crate::store::write::WriteCounts;

/// How a poll talks to ServiceNow. The defaults suit a production instance;
/// tests shorten the waits.
#[derive(Debug, Clone)]
pub struct Options {
    /// Records asked for per page (`sysparm_limit`).
    pub page_size: u32,
    /// How long one request may take, answer included.
    pub request_timeout: Duration,
    /// Tries of one request through server errors, timeouts and
    /// connection failures, before the poll gives up.
    pub attempts: u32,
    /// The wait before the second try; it doubles for each further one.
    pub backoff: Duration,
    /// The most a `Retry-After` is obeyed for.
    pub max_retry_after: Duration,
    /// How many rate limits (HTTP 429) one request waits out.
    pub rate_limit_waits: u32,
    /// Pages one table may take: a guard against paging forever.
    pub max_pages: u32,
    /// Incidents whose audit history is asked for in one query.
    pub audit_batch: usize,
    /// The most records one query read whole (an audit batch's history, the
    /// hold reason labels) may hold: the instance decides how many it sends.
    pub max_held_records: usize,
    /// How far before its watermark a table is read again, for updates
    /// committed after a later one was already visible.
    pub overlap: Duration,
    /// How long before its expiry an OAuth access token is renewed.
    pub token_margin: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            page_size: 1000,
            request_timeout: Duration::from_secs(30),
            attempts: 3,
            backoff: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(120),
            rate_limit_waits: 5,
            max_pages: 10_000,
            audit_batch: 50,
            max_held_records: 200_000,
            overlap: Duration::from_secs(60),
            token_margin: Duration::from_secs(60),
        }
    }
}

/// What one poll read and stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollSummary {
    /// Records read per table (`incident`, `sys_audit`, `problem`,
    /// `change_request`, `task_sla`).
    pub fetched: BTreeMap<String, usize>,
    /// Holds found in the incidents' audit history.
    pub holds: usize,
    /// What storing incidents, holds and work items did.
    pub counts: WriteCounts,
    /// Records refused, with why.
    pub rejected: Vec<RejectedRecord>,
    /// Supplier SLA verdicts written.
    pub verdicts: u64,
    /// Incidents read whose response or holds are unknown.
    pub unknown_clocks: usize,
    /// Why the audit history could not be read (names the missing role).
    pub audit_blocked: Option<String>,
}

/// A ServiceNow record that could not be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRecord {
    /// The table it came from.
    pub table: String,
    /// Its number (`INC0010001`).
    pub number: String,
    /// Why it was refused.
    pub reason: String,
}

/// Why a poll failed. The message never holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// The instance refused the credentials (HTTP 401), or they are not
    /// available: a human must fix them.
    #[error("authentication failed: {reason}")]
    Authentication {
        /// What was refused and what to check.
        reason: String,
    },
    /// The API user may not read a table (HTTP 403): a human must grant it.
    #[error("access denied reading {table}: {reason}")]
    AccessDenied {
        /// The table.
        table: String,
        /// ServiceNow's reason.
        reason: String,
    },
    /// A configured query names fields its table does not have: the
    /// instance would ignore those terms and read more than was meant.
    #[error("invalid query for {table}: {reason}")]
    InvalidQuery {
        /// The table.
        table: String,
        /// The fields it lacks, and what to do.
        reason: String,
    },
    /// Server errors, timeouts, connection failures or rate limits outlasted
    /// the retries: the next scheduled poll tries again.
    #[error("ServiceNow unavailable reading {table}: {reason}")]
    Unavailable {
        /// The table.
        table: String,
        /// The last failure.
        reason: String,
    },
    /// An answer slawatch cannot use (not JSON, an unexpected status).
    #[error("unexpected answer from ServiceNow reading {table}: {reason}")]
    BadResponse {
        /// The table.
        table: String,
        /// What was wrong.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PollError {
    /// True when polling again cannot help until a human acts.
    pub fn needs_a_human(&self) -> bool {
        matches!(
            self,
            PollError::Authentication { .. }
                | PollError::AccessDenied { .. }
                | PollError::InvalidQuery { .. }
        )
    }

    /// The table being read, when the failure is about one.
    pub fn table(&self) -> Option<&str> {
        match self {
            PollError::AccessDenied { table, .. }
            | PollError::InvalidQuery { table, .. }
            | PollError::Unavailable { table, .. }
            | PollError::BadResponse { table, .. } => Some(table),
            PollError::Authentication { .. } | PollError::Store(_) => None,
        }
    }
}

/// Polls on the source's schedule until shutdown.
pub async fn run(
    deps: SourceDeps,
    source: SourceConfig,
    cfg: ServiceNowSource,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    run_with(deps, source, cfg, Options::default(), shutdown).await
}

/// [`run`] with chosen [`Options`].
pub async fn run_with(
    deps: SourceDeps,
    source: SourceConfig,
    cfg: ServiceNowSource,
    options: Options,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let schedule = cron::Schedule::from_str(&cfg.schedule).with_context(|| {
        format!(
            "source {}: cannot read the schedule '{}'",
            source.id, cfg.schedule
        )
    })?;
    let tz = deps
        .config
        .contract(&source.contract)
        .map_or(chrono_tz::UTC, |c| c.timezone);
    info!(source = %source.id, base_url = %cfg.base_url, schedule = %cfg.schedule, "polling ServiceNow");
    loop {
        // Stopping mid-poll is safe: what was stored is committed, and a
        // table's watermark only moves after it was stored.
        let outcome = tokio::select! {
            outcome = poll_once(&deps, &source, &cfg, &options, deps.clock.now()) => outcome,
            () = shutdown.cancelled() => return Ok(()),
        };
        match outcome {
            Ok(s) => info!(
                source = %source.id,
                incidents = s.fetched.get("incident").copied().unwrap_or(0),
                problems = s.fetched.get("problem").copied().unwrap_or(0),
                changes = s.fetched.get("change_request").copied().unwrap_or(0),
                holds = s.holds,
                sla_verdicts = s.verdicts,
                stored = s.counts.stored,
                updated = s.counts.updated,
                unchanged = s.counts.unchanged,
                rejected = s.rejected.len(),
                unknown_clocks = s.unknown_clocks,
                audit_unreadable = s.audit_blocked.as_deref().unwrap_or(""),
                "ServiceNow poll done"
            ),
            Err(e) if e.needs_a_human() => {
                error!(
                    source = %source.id,
                    error = %e,
                    "ServiceNow polling stopped: fix the credentials or the API user's access, then restart slawatch"
                );
                shutdown.cancelled().await;
                return Ok(());
            }
            Err(e) => warn!(
                source = %source.id,
                error = %e,
                "ServiceNow poll failed; trying again at the next scheduled poll"
            ),
        }
        let now = deps.clock.now();
        let Some(next) = schedule.after(&now.with_timezone(&tz)).next() else {
            info!(source = %source.id, "the schedule has no further polls");
            shutdown.cancelled().await;
            return Ok(());
        };
        let wait = (next.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or_default();
        if !sleep_or_stop(wait, &shutdown).await {
            return Ok(());
        }
    }
}

/// One poll of every table, recorded in the source's state: success with
/// the settings' fingerprint, or the failure (for the table too, when the
/// failure is about one).
pub async fn poll_once(
    deps: &SourceDeps,
    source: &SourceConfig,
    cfg: &ServiceNowSource,
    options: &Options,
    now: DateTime<Utc>,
) -> Result<PollSummary, PollError> {
    let at = now.timestamp();
    let fingerprint = settings_fingerprint(cfg);
    let result = poll::poll(deps, source, cfg, options, at, &fingerprint).await;
    match &result {
        Ok(_) => {
            deps.store
                .source_succeeded(&source.id, "", Some(&fingerprint), at)
                .await?
        }
        Err(e) => {
            let message = e.to_string();
            for scope in [e.table(), Some("")].into_iter().flatten() {
                if let Err(store) = deps
                    .store
                    .source_failed(&source.id, scope, &message, at)
                    .await
                {
                    warn!(source = %source.id, error = %store, "cannot record a failed ServiceNow poll");
                }
            }
        }
    }
    result
}

/// A fingerprint of the settings that decide what is read and how it is
/// mapped. Kept as the source's own watermark: when it changes (a fixed
/// priority_map, a new query) the next poll reads every table from the start,
/// so records refused or filtered under the old settings come in.
fn settings_fingerprint(cfg: &ServiceNowSource) -> String {
    let mut text = format!(
        "{}\n{}\n{}\n",
        cfg.base_url,
        cfg.query.as_deref().unwrap_or(""),
        cfg.service_field.as_deref().unwrap_or("")
    );
    for (table, query) in &cfg.queries {
        text.push_str(&format!("query {table}={query}\n"));
    }
    for (from, to) in &cfg.priority_map {
        text.push_str(&format!("priority {from}={to}\n"));
    }
    for (from, to) in &cfg.service_map {
        text.push_str(&format!("service {from}={to}\n"));
    }
    text.push_str(&format!("response {}\n", cfg.response_from.as_str()));
    let model = &cfg.states;
    text.push_str(&format!("new {}\n", model.new_states.join(",")));
    for (state, reason) in &model.hold_states {
        let reason = reason.as_deref().unwrap_or("hold_reason");
        text.push_str(&format!("hold state {state}={reason}\n"));
    }
    for (value, reason) in &model.hold_reasons {
        text.push_str(&format!("hold reason {value}={reason}\n"));
    }
    format!(
        "settings:{}",
        &hex::encode(Sha256::digest(text.as_bytes()))[..16]
    )
}
