//! Delivers the outbox. Alerts are queued by whatever noticed the change, in
//! the same transaction as the change; this task reads them back, sends them
//! (SMTP, or `.eml` files without `[email]`) and marks each one sent, or
//! records the failure and when to try again.
//!
//! What it promises:
//! - **Nothing queued is lost.** An alert leaves the queue only when marked
//!   sent after the relay accepted it for every recipient, or gave up on a
//!   recipient it refused for good (or its file was renamed into place).
//!   A failure is recorded with exponential backoff and tried again for as
//!   long as it takes; a permanently refused message waits the longest
//!   backoff between attempts rather than being dropped.
//! - **Nothing delivered is sent again**, except in the gap between the relay
//!   accepting a message and the store recording it: that copy carries the
//!   same `Message-ID` (derived from the outbox id and dedup key), so it can
//!   be recognised, and a `.eml` file is simply overwritten.
//! - **One refusal blocks nobody else.** Each recipient has an envelope of
//!   its own (see `per_recipient`): a 4xx/5xx for one recipient backs off only
//!   that recipient of that message, and a recipient refused for good is given
//!   up on after [`super::refusal::REFUSALS_BEFORE_GIVING_UP`] refusals and
//!   reported once; an unreachable relay backs off the whole round.
//! - **Digests**: alerts queued as `digest` (what needs no decision today)
//!   wait for the contract's daily digest time (`[alerts] digest_at`, or
//!   `digest_interval` after the oldest of them when that is set), then go as
//!   one message per recipients, contract and kind (see [`super::digest`]).
//!   What needs a decision today is never held.
//! - **Only the leader sends** (see [`crate::leader`]). Before each
//!   message the sender confirms on the leader lock's own connection that
//!   it still leads; a message being sent when leadership is lost is
//!   abandoned (unrecorded, so the next leader sends it), and a new leader
//!   holds back the alerts queued before its term for the takeover grace,
//!   by when a deposed leader has either recorded or abandoned whatever it
//!   was sending (alerts queued later were never in its hands).

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::digest::{Schedule, due_digests};
use super::message::Outgoing;
use super::per_recipient::{Deliverer, Outcome};
use super::transport::{DeliveryError, Reach, Session, Transport};
use crate::config::Config;
use crate::domain::WallClock;
use crate::leader::{Leadership, Role};
use crate::shutdown::sleep_or_stop;
use crate::store::Store;

/// How the sender paces itself. The defaults suit production; tests shorten them.
#[derive(Debug, Clone)]
pub struct SenderSettings {
    /// How often to look for due alerts.
    pub poll_interval: Duration,
    /// The wait after a first failure; it doubles with each further one.
    pub backoff_base: Duration,
    /// The longest wait between attempts (and the wait after a permanent refusal).
    pub backoff_cap: Duration,
    /// The most alerts read from the outbox in one round, of each sort.
    pub batch_limit: i64,
    /// How long one SMTP command may take.
    pub smtp_timeout: Duration,
}

impl Default for SenderSettings {
    fn default() -> Self {
        SenderSettings {
            poll_interval: Duration::from_secs(1),
            backoff_base: Duration::from_secs(5),
            backoff_cap: Duration::from_secs(300),
            batch_limit: 100,
            smtp_timeout: Duration::from_secs(30),
        }
    }
}

/// Delivers the outbox until shutdown. A message already being sent when
/// shutdown is requested is finished; the rest wait for the next start.
/// Fails only at start, on an unusable `[email]` section.
pub async fn run(
    config: &Config,
    store: Store,
    leadership: Leadership,
    settings: SenderSettings,
    clock: WallClock,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let mut sender = Sender::new(config, store, leadership, settings, clock)?;
    let grace = sender.leadership.takeover_grace();
    if !grace.is_zero() {
        // Only alerts already queued when this term began can be in a deposed
        // leader's hands; they wait out the grace, anything newer goes at once.
        match sender.store.outbox_last_id().await {
            Ok(last) => {
                sender.held = Some((last, std::time::Instant::now() + grace));
                info!(
                    grace_s = grace.as_secs(),
                    up_to_id = last,
                    "alerts queued before this term wait for a previous leader's deliveries to settle"
                );
            }
            Err(e) => {
                warn!(error = %e, grace_s = grace.as_secs(), "waiting for a previous leader's deliveries to settle");
                if !sleep_or_stop(grace, &shutdown).await {
                    return Ok(());
                }
            }
        }
    }
    info!(to = %sender.transport.describe(), digest = ?sender.schedule, "alert sender started");
    while !shutdown.is_cancelled() {
        if let Err(e) = sender.deliver_due(&shutdown).await {
            warn!(error = %format!("{e:#}"), "alert delivery round failed; trying again shortly");
        }
        if !sleep_or_stop(sender.settings.poll_interval, &shutdown).await {
            break;
        }
    }
    info!("alert sender stopped");
    Ok(())
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Outbox rows marked sent.
    pub sent: usize,
    /// Outbox rows whose failure was recorded.
    pub failed: usize,
}

/// The sender's state between rounds: where to deliver and how.
pub struct Sender {
    store: Store,
    leadership: Leadership,
    /// The leadership term this sender works for (0: none).
    term: u64,
    /// Alerts with ids up to this wait until that instant (the takeover grace).
    held: Option<(i64, std::time::Instant)>,
    transport: Transport,
    /// When alerts that can wait go, as digests.
    schedule: Schedule,
    settings: SenderSettings,
    /// Where attachment paths are relative to (alerts queued before issued
    /// files were kept in the store).
    data_dir: std::path::PathBuf,
    /// When messages fall due and when attempts are recorded, on the same
    /// clock as the detection that queued them.
    clock: WallClock,
    /// Each contract's managers, who hear of a recipient given up on.
    managers: BTreeMap<String, Vec<String>>,
}

impl Sender {
    /// Checks the `[email]` section and prepares the transport, for a sender
    /// working for `leadership`'s current term and reading the time from `clock`.
    pub fn new(
        config: &Config,
        store: Store,
        leadership: Leadership,
        settings: SenderSettings,
        clock: WallClock,
    ) -> anyhow::Result<Sender> {
        let transport = Transport::from_config(config, settings.smtp_timeout)
            .context("Failed to set up alert delivery")?;
        let term = match leadership.role() {
            Role::Leader(term) => term,
            Role::Follower => 0,
        };
        Ok(Sender {
            store,
            leadership,
            term,
            held: None,
            transport,
            schedule: {
                let zones = config
                    .contracts
                    .iter()
                    .map(|c| (c.id.clone(), c.timezone))
                    .collect();
                match (
                    config.alerts.digest_interval_seconds,
                    config.alerts.digest_at,
                ) {
                    (Some(seconds), _) => Schedule::Interval { seconds, zones },
                    (None, None) => Schedule::Off,
                    (None, Some(at)) => Schedule::Daily { at, zones },
                }
            },
            settings,
            data_dir: config.daemon.data_dir.clone(),
            clock,
            managers: config
                .contracts
                .iter()
                .map(|c| (c.id.clone(), c.managers.clone()))
                .collect(),
        })
    }

    /// One round: delivers every due message, stopping early (between
    /// messages) when `shutdown` is cancelled. Errors are the store's.
    pub async fn deliver_due(&self, shutdown: &CancellationToken) -> anyhow::Result<Round> {
        let now = self.epoch_now();
        let mut due = self.due(now).await?;
        if let Some((last, until)) = self.held
            && std::time::Instant::now() < until
        {
            due.retain(|out| out.ids.iter().all(|id| *id > last));
        }
        let mut round = Round::default();
        if due.is_empty() {
            return Ok(round);
        }
        let session = match self.transport.session().await {
            Ok(session) => session,
            Err(e) => {
                for out in &due {
                    round.failed += self.record_failure(out, &e, now).await?;
                }
                return Ok(round);
            }
        };
        for (n, out) in due.iter().enumerate() {
            if shutdown.is_cancelled() {
                break;
            }
            if !self.leadership.confirm(self.term).await {
                warn!(
                    term = self.term,
                    "no longer the leader: alert delivery stops"
                );
                break;
            }
            let files = match out.read_attachments(&self.store, &self.data_dir).await {
                Ok(files) => files,
                Err(cause) => {
                    // Only this message is affected; a person must restore the file.
                    let e = DeliveryError {
                        reach: Reach::Refused,
                        cause,
                    };
                    round.failed += self.record_failure(out, &e, self.epoch_now()).await?;
                    continue;
                }
            };
            let prepared = match session.prepare(out, &files) {
                Ok(prepared) => prepared,
                Err(e) => {
                    round.failed += self.record_failure(out, &e, self.epoch_now()).await?;
                    continue;
                }
            };
            let outcome = match &session {
                Session::Smtp(smtp) => self.deliverer(out).deliver(smtp, out, &prepared).await?,
                Session::Files(folder) => tokio::select! {
                    written = folder.write(out, &prepared) => match written {
                        Ok(()) => Outcome::Settled { given_up: Vec::new() },
                        Err(e) => Outcome::Retry(e),
                    },
                    () = self.leadership.lost(self.term) => Outcome::Abandoned,
                },
            };
            match outcome {
                Outcome::Abandoned => {
                    warn!(ids = ?out.ids, "leadership lost while sending: abandoned, the next leader sends it");
                    break;
                }
                Outcome::Settled { given_up } => {
                    let note = (!given_up.is_empty()).then(|| given_up.join("; "));
                    self.store
                        .mark_sent(&out.ids, self.epoch_now(), note.as_deref())
                        .await
                        .with_context(|| {
                            format!(
                                "Failed to record delivered alerts {:?}; they will be sent again \
                                 with the same Message-ID",
                                out.ids
                            )
                        })?;
                    info!(
                        ids = ?out.ids,
                        kind = %out.kind,
                        alert = %out.dedup_keys.join(", "),
                        recipients = out.recipients.len(),
                        given_up = given_up.len(),
                        "alert delivered"
                    );
                    round.sent += out.ids.len();
                }
                Outcome::Retry(e) => {
                    round.failed += self.record_failure(out, &e, self.epoch_now()).await?;
                    if e.reach == Reach::Relay {
                        // The relay is down: the rest of the round would fail the same way.
                        for rest in &due[n + 1..] {
                            round.failed += self.record_failure(rest, &e, self.epoch_now()).await?;
                        }
                        break;
                    }
                }
            }
        }
        Ok(round)
    }

    /// Per-recipient delivery of `out`, with its contract's managers.
    fn deliverer<'a>(&'a self, out: &Outgoing) -> Deliverer<'a> {
        Deliverer {
            store: &self.store,
            leadership: &self.leadership,
            term: self.term,
            clock: &self.clock,
            managers: out
                .contract
                .as_deref()
                .and_then(|c| self.managers.get(c))
                .map(Vec::as_slice),
        }
    }

    /// The clock's now, in whole seconds (as the outbox keeps instants).
    fn epoch_now(&self) -> i64 {
        self.clock.now().timestamp()
    }

    /// The messages due now: every due alert that cannot wait on its own,
    /// and the digests whose time has come. With an interval only groups
    /// already due are read, so waiting ones never fill the batch; with a
    /// daily time, alerts fall due in the order they were queued (within a
    /// timezone), so reading the oldest waiting ones finds the due ones. A
    /// group larger than one read goes as two messages, each alert in one.
    async fn due(&self, now: i64) -> anyhow::Result<Vec<Outgoing>> {
        let limit = self.settings.batch_limit;
        if let Schedule::Off = self.schedule {
            let due = self
                .store
                .due_alerts(now, limit)
                .await
                .context("Failed to read due alerts")?;
            return Ok(due.iter().map(Outgoing::single).collect());
        }
        let singles = self
            .store
            .pending_alerts(false, now, limit)
            .await
            .context("Failed to read due alerts")?;
        let waiting = match &self.schedule {
            Schedule::Interval { seconds, .. } => self
                .store
                .due_digest_alerts(*seconds, now, limit)
                .await
                .context("Failed to read alerts waiting for a digest")?,
            Schedule::Daily { .. } | Schedule::Off => self
                .store
                .pending_alerts(true, i64::MAX, limit.saturating_mul(10))
                .await
                .context("Failed to read alerts waiting for a digest")?,
        };
        let mut due: Vec<Outgoing> = singles
            .iter()
            .map(|p| Outgoing::single(&p.queued))
            .collect();
        due.extend(due_digests(&waiting, &self.schedule, now));
        Ok(due)
    }

    /// Records a failed attempt and schedules the next; returns the rows touched.
    async fn record_failure(
        &self,
        out: &Outgoing,
        error: &DeliveryError,
        now: i64,
    ) -> anyhow::Result<usize> {
        let wait = backoff(&self.settings, out.attempts, error.reach);
        let wait_s = i64::try_from(wait.as_secs().max(1)).unwrap_or(i64::MAX);
        let message = error.to_string();
        self.store
            .mark_failed(&out.ids, &message, now.saturating_add(wait_s))
            .await
            .with_context(|| {
                format!("Failed to record a failed delivery of alerts {:?}", out.ids)
            })?;
        warn!(
            ids = ?out.ids,
            kind = %out.kind,
            alert = %out.dedup_keys.join(", "),
            attempts = out.attempts + 1,
            reach = ?error.reach,
            retry_in_s = wait_s,
            error = %message,
            "alert not delivered; it stays queued"
        );
        Ok(out.ids.len())
    }
}

/// The wait before the next attempt after `attempts` earlier failures:
/// `base × 2^attempts`, at most `cap`; a permanent refusal waits `cap`.
pub fn backoff(settings: &SenderSettings, attempts: i64, reach: Reach) -> Duration {
    if reach == Reach::Refused {
        return settings.backoff_cap;
    }
    let doublings = u32::try_from(attempts.clamp(0, 30)).unwrap_or(30);
    settings
        .backoff_base
        .saturating_mul(2u32.saturating_pow(doublings))
        .min(settings.backoff_cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let s = SenderSettings::default();
        let secs = |attempts, reach| backoff(&s, attempts, reach).as_secs();
        assert_eq!(secs(0, Reach::Relay), 5);
        assert_eq!(secs(1, Reach::Deferred), 10);
        assert_eq!(secs(5, Reach::Relay), 160);
        assert_eq!(secs(6, Reach::Relay), 300);
        assert_eq!(secs(1_000, Reach::Relay), 300);
        assert_eq!(secs(0, Reach::Refused), 300);
    }
}
