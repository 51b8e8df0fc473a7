//! `slawatch run`: the daemon. It keeps the evidence current from every
//! configured source, watches open incidents and the month's service levels,
//! queues alerts and delivers them, and serves HTTP — until told to stop.
//!
//! Every long-running part is an `async fn run(…, shutdown)` taking what it
//! needs from [`Deps`]; they are started and joined here, so a part that
//! fails is seen and logged. Only the daemon's entry points (the `run` and
//! `demo` commands, and tests) build a `Deps`; the HTTP server, a layer
//! above, is handed in as a [`Serve`].
//!
//! Several daemons may share one PostgreSQL database ([`crate::leader`]):
//! each serves HTTP and runs detection; the leader alone runs the parts
//! started by [`leader_work`] — sources, issuing and the alert sender — and
//! they stop the moment it stops leading.
//!
//! # Layout
//! - [`live`]: live detection, the loop that hands each contract's month in
//!   progress to the alerts and the metrics.
//! - [`typical`]: each contract's typical volumes, kept between detection runs.

pub mod live;
pub mod typical;

use std::sync::Arc;

use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::alerts::sender::{Sender, SenderSettings};
use crate::config::Config;
use crate::domain::WallClock;
use crate::leader::{self, LeaderSettings, Leadership};
use crate::shutdown::sleep_or_stop;
use crate::sources::SourceDeps;
use crate::store::Store;
use crate::store::leader::ChangeListener;

/// What every part of the daemon shares.
#[derive(Clone)]
pub struct Deps {
    /// The validated configuration.
    pub config: Arc<Config>,
    /// The evidence store.
    pub store: Store,
    /// Woken after any ingest that stored or changed records, so live
    /// detection runs at once rather than on its next tick.
    pub ingested: Arc<Notify>,
    /// One HTTP client for every outbound call (connection reuse, timeouts).
    pub http: reqwest::Client,
    /// The Prometheus metrics: filled by live detection, rendered by `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Whether this daemon leads: only the leader queues and sends alerts,
    /// polls sources and issues reports. [`Leadership::sole`] until [`run`]
    /// sets up the store's own.
    pub leadership: Leadership,
    /// Woken with `ingested`, so other daemons on the same database hear of
    /// the new evidence too.
    pub announce: Arc<Notify>,
    /// Where "now" comes from: the system's clock, or a test's.
    pub clock: WallClock,
    /// Each contract's typical volumes, read by live detection at most hourly.
    pub typical: Arc<typical::TypicalCache>,
    /// Month reports as the API last rendered them.
    pub month_reports: Arc<crate::report::cache::MonthCache>,
}

impl Deps {
    /// Builds the shared parts.
    pub fn new(config: Config, store: Store) -> anyhow::Result<Deps> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("slawatch/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(std::time::Duration::from_secs(10))
            .build()?;
        let month_reports = Arc::new(crate::report::cache::MonthCache::new(
            config.daemon.report_cache_bytes,
        ));
        Ok(Deps {
            config: Arc::new(config),
            store,
            ingested: Arc::new(Notify::new()),
            http,
            metrics: Arc::new(crate::metrics::Metrics::new()),
            leadership: Leadership::sole(),
            announce: Arc::new(Notify::new()),
            clock: WallClock::system(),
            typical: Arc::new(typical::TypicalCache::default()),
            month_reports,
        })
    }

    /// The same parts, reading the time from `clock`.
    pub fn with_clock(self, clock: WallClock) -> Deps {
        Deps { clock, ..self }
    }

    /// What a source needs: the store, the HTTP client, the clock and a way
    /// to say it stored records.
    pub fn for_sources(&self) -> SourceDeps {
        let (ingested, announce) = (self.ingested.clone(), self.announce.clone());
        SourceDeps {
            config: self.config.clone(),
            store: self.store.clone(),
            http: self.http.clone(),
            clock: self.clock.clone(),
            on_ingest: Arc::new(move || {
                ingested.notify_one();
                announce.notify_one();
            }),
        }
    }

    /// An alert sender working for this daemon's leadership.
    pub fn sender(&self, settings: SenderSettings) -> anyhow::Result<Sender> {
        Sender::new(
            &self.config,
            self.store.clone(),
            self.leadership.clone(),
            settings,
            self.clock.clone(),
        )
    }

    /// Says that records were stored, so detection looks again now.
    pub fn notify_ingested(&self) {
        self.ingested.notify_one();
        self.announce.notify_one();
    }
}

/// A finished part of the daemon: its name, whether it is vital, how it ended.
type Part = (String, bool, anyhow::Result<()>);

/// A part of the daemon to run.
pub type PartFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send>>;

/// Starts the HTTP server, given the daemon's parts (once leadership is set
/// up) and the shutdown token: the server lives in a layer above the daemon
/// (it serves what the daemon computes), so its entry point hands it in.
pub type Serve = Box<dyn FnOnce(Deps, CancellationToken) -> PartFuture + Send>;

/// Runs every part until `shutdown` is cancelled (or a vital part fails),
/// then waits for all of them to finish. Sources that fail are logged and
/// left stopped; the HTTP server, detection, leadership and the sender are
/// vital. Fails at once when another daemon runs on the same SQLite file.
pub async fn run(mut deps: Deps, serve: Serve, shutdown: CancellationToken) -> anyhow::Result<()> {
    let url = deps.config.daemon.database_url.clone();
    let (leadership, elector) =
        leader::establish(&url, deps.store.backend(), LeaderSettings::default())?;
    deps.leadership = leadership;
    let mut parts: JoinSet<Part> = JoinSet::new();
    let spawn = |parts: &mut JoinSet<Part>, name: &str, vital: bool, f: PartFuture| {
        let name = name.to_string();
        parts.spawn(async move { (name, vital, f.await) });
    };
    spawn(
        &mut parts,
        "http",
        true,
        serve(deps.clone(), shutdown.clone()),
    );
    spawn(
        &mut parts,
        "detection",
        true,
        Box::pin(live::run(deps.clone(), shutdown.clone())),
    );
    // Cancelled when the leader work has stopped: on shutdown the lock is
    // kept until then, so a message being sent is finished, not abandoned.
    let work_done = CancellationToken::new();
    spawn(
        &mut parts,
        "leadership",
        true,
        Box::pin(elector.run(shutdown.clone(), work_done.clone())),
    );
    let finished = work_done.drop_guard();
    let work = leader_work(deps.clone(), shutdown.clone());
    spawn(
        &mut parts,
        "leader work",
        true,
        Box::pin(async move {
            let _finished = finished;
            work.await
        }),
    );
    if deps.store.backend() == crate::store::Backend::Postgres {
        spawn(
            &mut parts,
            "evidence announcements",
            false,
            Box::pin(announce_changes(deps.clone(), shutdown.clone())),
        );
        spawn(
            &mut parts,
            "evidence listener",
            false,
            Box::pin(hear_changes(deps.clone(), url, shutdown.clone())),
        );
    }
    join(parts, &shutdown).await
}

/// Waits for every part; the first vital failure stops the rest.
async fn join(mut parts: JoinSet<Part>, shutdown: &CancellationToken) -> anyhow::Result<()> {
    let mut failure = None;
    while let Some(joined) = parts.join_next().await {
        match joined {
            Ok((name, _, Ok(()))) => tracing::debug!(part = %name, "stopped"),
            Ok((name, vital, Err(e))) => {
                tracing::error!(part = %name, error = format!("{e:#}"), "part of the daemon failed");
                if vital && failure.is_none() {
                    failure = Some(e.context(format!("{name} failed")));
                    shutdown.cancel();
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "a part of the daemon panicked");
                if failure.is_none() {
                    failure = Some(anyhow::anyhow!("a part of the daemon panicked: {e}"));
                    shutdown.cancel();
                }
            }
        }
    }
    failure.map_or(Ok(()), Err)
}

/// The singletons, run for each term this daemon leads: the alert sender
/// (vital), issuing and every source. When the term ends they are cancelled
/// and awaited before the daemon seeks leadership again; a sender in the
/// middle of a message abandons it (the next leader sends it).
pub async fn leader_work(deps: Deps, shutdown: CancellationToken) -> anyhow::Result<()> {
    // A standby with an unusable [email] section fails now, not on taking over.
    deps.sender(SenderSettings::default())?;
    loop {
        let term = tokio::select! {
            term = deps.leadership.acquired() => term,
            () = shutdown.cancelled() => return Ok(()),
        };
        // Detection ran as a standby until now and queued nothing: look again
        // at once, so whatever the last leader left unqueued is queued now.
        deps.ingested.notify_one();
        let work = shutdown.child_token();
        let mut parts: JoinSet<Part> = JoinSet::new();
        let spawn = |parts: &mut JoinSet<Part>, name: String, vital: bool, f: PartFuture| {
            parts.spawn(async move { (name, vital, f.await) });
        };
        spawn(
            &mut parts,
            "alert sender".into(),
            true,
            Box::pin({
                let (deps, work) = (deps.clone(), work.clone());
                async move {
                    crate::alerts::sender::run(
                        &deps.config,
                        deps.store.clone(),
                        deps.leadership.clone(),
                        SenderSettings::default(),
                        deps.clock.clone(),
                        work,
                    )
                    .await
                }
            }),
        );
        spawn(
            &mut parts,
            "issuing".into(),
            false,
            Box::pin(crate::issuing::run(
                deps.config.clone(),
                deps.store.clone(),
                deps.clock.clone(),
                work.clone(),
            )),
        );
        for source in deps.config.sources.clone() {
            let name = format!("source {}", source.id);
            spawn(
                &mut parts,
                name,
                false,
                Box::pin(crate::sources::run(
                    deps.for_sources(),
                    source,
                    work.clone(),
                )),
            );
        }
        // Stop the term's work when the term ends, the daemon stops, or a vital part fails.
        let stopper = {
            let (deps, work) = (deps.clone(), work.clone());
            tokio::spawn(async move {
                tokio::select! {
                    () = deps.leadership.lost(term) => {}
                    () = work.cancelled() => {}
                }
                work.cancel();
            })
        };
        let outcome = join(parts, &work).await;
        work.cancel();
        let _ = stopper.await;
        outcome?;
        if shutdown.is_cancelled() {
            return Ok(());
        }
        tracing::info!(term, "leader work stopped for this term");
    }
}

/// Tells the other daemons on the database about every ingest (coalesced).
async fn announce_changes(deps: Deps, shutdown: CancellationToken) -> anyhow::Result<()> {
    loop {
        tokio::select! {
            () = deps.announce.notified() => {}
            () = shutdown.cancelled() => return Ok(()),
        }
        if let Err(e) = deps.store.announce_change().await {
            tracing::warn!(error = %e, "could not tell the other daemons about new evidence");
        }
    }
}

/// Wakes detection when another daemon announces new evidence. After a lost
/// connection detection runs anyway, in case an announcement was missed.
async fn hear_changes(deps: Deps, url: String, shutdown: CancellationToken) -> anyhow::Result<()> {
    let mut listener = None;
    while !shutdown.is_cancelled() {
        let Some(l) = listener.as_mut() else {
            match ChangeListener::connect(&url).await {
                Ok(l) => listener = Some(l),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for other daemons' evidence; trying again");
                    if !sleep_or_stop(std::time::Duration::from_secs(5), &shutdown).await {
                        break;
                    }
                }
            }
            continue;
        };
        let heard = tokio::select! {
            heard = l.next() => heard,
            () = shutdown.cancelled() => break,
        };
        match heard {
            Ok(_) => deps.ingested.notify_one(),
            Err(e) => {
                tracing::warn!(error = %e, "lost the evidence announcements; listening again");
                listener = None;
                deps.ingested.notify_one();
                if !sleep_or_stop(std::time::Duration::from_secs(1), &shutdown).await {
                    break;
                }
            }
        }
    }
    Ok(())
}
