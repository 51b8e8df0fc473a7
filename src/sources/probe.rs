//! slawatch's own HTTP(S) check of a service (`kind = "probe"`; see
//! docs/book/src/operators/sources.md): the customer's evidence of an outage,
//! independent of the supplier's.
//!
//! Every `interval` the URL is fetched with GET within `timeout`; the check
//! is up when the answer has the expected status, down otherwise (another
//! status, a timeout, a connection failure). `fail_after` downs in a row open
//! a full, unplanned outage that starts at the first of them; `recover_after`
//! ups in a row close it, ending at the first of those. A flapping service
//! whose failures never run `fail_after` long opens nothing.
//!
//! The run of results and the open outage are kept in the store, so a
//! restart carries on where it stopped. The outage is stored through the
//! same validation as any imported record (id `<source>-<start epoch>`, so
//! reopening after a crash rewrites the same record).
//!
//! The source's health (`source_state`) is the probe's own: a check that ran
//! and was recorded is a success even when the service is down (that is an
//! outage, alerted as one); a check that could not be recorded is a failure.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, SecondsFormat, Utc};
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use crate::config::{ProbeSource, SourceConfig};
use crate::import::fields::RecordKind;
use crate::import::{Incoming, ingest};
use crate::sources::SourceDeps;
use crate::store::probe::ProbeState;

/// Checks on the source's interval until shutdown. A check that cannot be
/// recorded is logged and recorded in the source's health; the next one
/// tries again.
pub async fn run(
    deps: SourceDeps,
    source: SourceConfig,
    cfg: ProbeSource,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    tracing::info!(source = %source.id, url = %cfg.url, "probing every {}s", cfg.interval_seconds);
    let interval = Duration::from_secs(cfg.interval_seconds.max(1).unsigned_abs());
    let mut ticks = tokio::time::interval(interval);
    // After a slow check, keep the interval between checks rather than
    // firing the missed ones at once.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            () = shutdown.cancelled() => return Ok(()),
        }
        let now = deps.clock.now().timestamp();
        if let Err(e) = check_once(&deps, &source, &cfg, now).await {
            tracing::error!(source = %source.id, "probe check failed: {e:#}");
        }
    }
}

/// What one check saw and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeOutcome {
    /// The service answered as expected.
    pub up: bool,
    /// What was seen: `status 200 OK`, `status 503 … (expected 200)`,
    /// `no answer within 5s`, `request failed: …`.
    pub detail: String,
    /// The outage this check opened or closed, if any.
    pub change: Option<OutageChange>,
}

/// An outage opened or closed by a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutageChange {
    /// Opened, starting at the first failure of the run (epoch seconds).
    Opened {
        /// The outage's id.
        id: String,
        /// Its start.
        start: i64,
    },
    /// Closed, ending at the first success of the run (epoch seconds).
    Closed {
        /// The outage's id.
        id: String,
        /// Its end.
        end: i64,
    },
}

/// Checks the service once at `now` (epoch seconds), moves the probe's
/// state on, and opens or closes its outage when a run is long enough.
pub async fn check_once(
    deps: &SourceDeps,
    source: &SourceConfig,
    cfg: &ProbeSource,
    now: i64,
) -> anyhow::Result<ProbeOutcome> {
    let (up, detail) = fetch(&deps.http, cfg).await;
    let result = record(deps, source, cfg, now, up, &detail).await;
    let health = match &result {
        Ok(_) => deps.store.source_succeeded(&source.id, "", None, now).await,
        Err(e) => {
            deps.store
                .source_failed(&source.id, "", &format!("{e:#}"), now)
                .await
        }
    };
    let change = result?;
    health.context("Failed to record the probe's health")?;
    Ok(ProbeOutcome { up, detail, change })
}

/// The most of a probed service's answer that is read: the service may be
/// the supplier's, and an answer without end must not fill the daemon's
/// memory.
const MOST_BODY_READ: usize = 1 << 20;

/// Whether `wanted` is in the answer's body, reading at most
/// [`MOST_BODY_READ`] bytes of it and stopping as soon as it is found.
async fn body_contains(
    mut response: reqwest::Response,
    wanted: &[u8],
) -> Result<bool, reqwest::Error> {
    let mut body: Vec<u8> = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        // Only the tail that could start a match is searched again.
        let from = body.len().saturating_sub(wanted.len().saturating_sub(1));
        let room = MOST_BODY_READ - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body[from..]
            .windows(wanted.len().max(1))
            .any(|w| w == wanted)
        {
            return Ok(true);
        }
        if body.len() >= MOST_BODY_READ {
            break;
        }
    }
    Ok(false)
}

/// One GET of the URL: up or down, and what was seen.
async fn fetch(http: &reqwest::Client, cfg: &ProbeSource) -> (bool, String) {
    let timeout = Duration::from_secs(cfg.timeout_seconds.max(1).unsigned_abs());
    match http.get(&cfg.url).timeout(timeout).send().await {
        Ok(response) if response.status().as_u16() == cfg.expect_status => {
            let status = response.status();
            match &cfg.expect_body {
                None => (true, format!("status {status}")),
                Some(wanted) => match body_contains(response, wanted.as_bytes()).await {
                    Ok(true) => (true, format!("status {status}, body as expected")),
                    Ok(false) => (
                        false,
                        format!(
                            "status {status} but the body lacks '{wanted}' (in its first \
                             {MOST_BODY_READ} bytes, the most read)"
                        ),
                    ),
                    Err(e) => (
                        false,
                        format!(
                            "status {status} but the body could not be read: {}",
                            chain(&e)
                        ),
                    ),
                },
            }
        }
        Ok(response) => (
            false,
            format!(
                "status {} (expected {})",
                response.status(),
                cfg.expect_status
            ),
        ),
        Err(e) if e.is_timeout() => (false, format!("no answer within {}s", cfg.timeout_seconds)),
        Err(e) => (false, format!("request failed: {}", chain(&e))),
    }
}

/// An error with its causes, `a: b: c`.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// Applies one result to the stored state, storing the outage first so a
/// crash between the two only repeats an idempotent write.
async fn record(
    deps: &SourceDeps,
    source: &SourceConfig,
    cfg: &ProbeSource,
    now: i64,
    up: bool,
    detail: &str,
) -> anyhow::Result<Option<OutageChange>> {
    let store = &deps.store;
    let before = store.probe_state(&source.id).await?;
    let (mut state, step) = step(&before, up, now, cfg.fail_after, cfg.recover_after);
    state.last_result = Some(format!("{}: {detail}", if up { "up" } else { "down" }));

    let change = match step {
        Step::Nothing => None,
        Step::Open { start } => {
            let id = format!("{}-{start}", source.id);
            store_outage(deps, source, cfg, &id, start, None, now).await?;
            tracing::warn!(source = %source.id, outage = %id, "{} is down ({detail}): outage opened", cfg.service);
            state.open_outage_id = Some(id.clone());
            Some(OutageChange::Opened { id, start })
        }
        Step::Close { id, end } => {
            match store.outage_start(&source.contract, &id).await? {
                Some(start) => {
                    store_outage(deps, source, cfg, &id, start, Some(end), now).await?;
                    tracing::info!(source = %source.id, outage = %id, "{} is up again: outage closed", cfg.service);
                }
                // Removed by hand: nothing is left to close.
                None => tracing::warn!(
                    source = %source.id,
                    "the open outage {id} is no longer stored; forgetting it"
                ),
            }
            state.open_outage_id = None;
            Some(OutageChange::Closed { id, end })
        }
    };
    store.save_probe_state(&source.id, &state).await?;
    if change.is_some() {
        deps.notify_ingested();
    }
    Ok(change)
}

/// Stores the probe's outage (open when `end` is `None`) through the same
/// validation as an imported record.
async fn store_outage(
    deps: &SourceDeps,
    source: &SourceConfig,
    cfg: &ProbeSource,
    id: &str,
    start: i64,
    end: Option<i64>,
    now: i64,
) -> anyhow::Result<()> {
    let mut fields = HashMap::from([
        ("id".to_string(), id.to_string()),
        ("contract".to_string(), source.contract.clone()),
        ("service".to_string(), cfg.service.clone()),
        ("start".to_string(), rfc3339(start)?),
        ("impact".to_string(), "full".to_string()),
        ("planned".to_string(), "false".to_string()),
        ("source".to_string(), source.id.clone()),
    ]);
    if let Some(end) = end {
        fields.insert("end".to_string(), rfc3339(end)?);
    }
    let record = Incoming {
        kind: RecordKind::Outage,
        fields,
        line: 1,
    };
    let mut refused = Vec::new();
    let label = format!("probe {}", cfg.url);
    ingest(
        &deps.store,
        &deps.config.contracts,
        &source.id,
        &label,
        now,
        vec![record],
        &mut |r| refused.push(r.reason.clone()),
    )
    .await?;
    match refused.first() {
        None => Ok(()),
        Some(reason) => anyhow::bail!("the outage {id} was refused: {reason}"),
    }
}

fn rfc3339(secs: i64) -> anyhow::Result<String> {
    let at = DateTime::<Utc>::from_timestamp(secs, 0)
        .with_context(|| format!("{secs} is not an instant"))?;
    Ok(at.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// What a result does to the probe's outage.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// Nothing changes.
    Nothing,
    /// Open an outage starting at `start`.
    Open { start: i64 },
    /// Close the open outage `id`, ending at `end`.
    Close { id: String, end: i64 },
}

/// The pure part of a check: the state after one result at `now`, and what
/// it does to the outage. The caller sets `open_outage_id` once the outage
/// is stored.
fn step(
    state: &ProbeState,
    up: bool,
    now: i64,
    fail_after: u32,
    recover_after: u32,
) -> (ProbeState, Step) {
    let mut next = state.clone();
    next.last_checked_at = Some(now);
    if up {
        if state.consecutive_successes == 0 {
            next.run_started_at = Some(now);
        }
        next.consecutive_successes += 1;
        next.consecutive_failures = 0;
        if let Some(id) = &state.open_outage_id
            && next.consecutive_successes >= i64::from(recover_after)
        {
            let end = next.run_started_at.unwrap_or(now);
            return (
                next,
                Step::Close {
                    id: id.clone(),
                    end,
                },
            );
        }
    } else {
        if state.consecutive_failures == 0 {
            next.run_started_at = Some(now);
        }
        next.consecutive_failures += 1;
        next.consecutive_successes = 0;
        if state.open_outage_id.is_none() && next.consecutive_failures >= i64::from(fail_after) {
            let start = next.run_started_at.unwrap_or(now);
            return (next, Step::Open { start });
        }
    }
    (next, Step::Nothing)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs results checked every 30 s from t = 1000; returns the steps that
    /// did something, with the state at the end.
    fn run(
        results: &[bool],
        fail_after: u32,
        recover_after: u32,
    ) -> (Vec<(i64, Step)>, ProbeState) {
        let mut state = ProbeState::default();
        let mut steps = Vec::new();
        for (i, &up) in results.iter().enumerate() {
            let now = 1000 + 30 * i as i64;
            let (next, step) = step(&state, up, now, fail_after, recover_after);
            state = next;
            match &step {
                Step::Open { start } => state.open_outage_id = Some(format!("p-{start}")),
                Step::Close { .. } => state.open_outage_id = None,
                Step::Nothing => continue,
            }
            steps.push((now, step));
        }
        (steps, state)
    }

    #[test]
    fn flapping_never_opens() {
        let (steps, state) = run(&[false, true, false, true, false, false, true], 3, 2);
        assert_eq!(steps, vec![]);
        assert_eq!(state.consecutive_successes, 1);
        assert_eq!(state.open_outage_id, None);
    }

    #[test]
    fn opens_at_the_first_failure_and_closes_at_the_first_success() {
        // t: 1000 up, 1030 down, 1060 down, 1090 down → open from 1030;
        // 1120 up, 1150 down (the recovery restarts), 1180 up, 1210 up → close at 1180.
        let (steps, state) = run(&[true, false, false, false, true, false, true, true], 3, 2);
        assert_eq!(
            steps,
            vec![
                (1090, Step::Open { start: 1030 }),
                (
                    1210,
                    Step::Close {
                        id: "p-1030".into(),
                        end: 1180
                    }
                ),
            ]
        );
        assert_eq!(state.open_outage_id, None);
        assert_eq!(state.run_started_at, Some(1180));
    }

    #[test]
    fn one_failure_is_enough_when_fail_after_is_one() {
        let (steps, _) = run(&[false, true], 1, 1);
        assert_eq!(
            steps,
            vec![
                (1000, Step::Open { start: 1000 }),
                (
                    1030,
                    Step::Close {
                        id: "p-1000".into(),
                        end: 1030
                    }
                ),
            ]
        );
    }

    #[test]
    fn further_failures_while_open_change_nothing() {
        let (steps, state) = run(&[false, false, false, false, false], 2, 2);
        assert_eq!(steps, vec![(1030, Step::Open { start: 1000 })]);
        assert_eq!(state.consecutive_failures, 5);
        assert_eq!(state.open_outage_id.as_deref(), Some("p-1000"));
    }
}
