//! `slawatch run`: the daemon. It keeps the evidence current from every
//! configured source, watches open incidents and the month's service levels,
//! queues alerts and delivers them, and serves HTTP — until told to stop.
//!
//! Every long-running part is an `async fn run(deps, …, shutdown)`; they are
//! started and joined here, so a part that fails is seen and logged.

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::store::Store;

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
}

impl Deps {
    /// Builds the shared parts.
    pub fn new(config: Config, store: Store) -> anyhow::Result<Deps> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("slawatch/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(std::time::Duration::from_secs(10))
            .build()?;
        Ok(Deps {
            config: Arc::new(config),
            store,
            ingested: Arc::new(Notify::new()),
            http,
            metrics: Arc::new(crate::metrics::Metrics::new()),
        })
    }

    /// Says that records were stored, so detection looks again now.
    pub fn notify_ingested(&self) {
        self.ingested.notify_one();
    }
}

/// Stops when `shutdown` is cancelled: for loops that wait between rounds.
/// Returns false when the daemon is stopping.
pub async fn sleep_or_stop(duration: std::time::Duration, shutdown: &CancellationToken) -> bool {
    tokio::select! {
        () = tokio::time::sleep(duration) => true,
        () = shutdown.cancelled() => false,
    }
}

/// A finished part of the daemon: its name, whether it is vital, how it ended.
type Part = (String, bool, anyhow::Result<()>);

/// A part of the daemon to run.
type PartFuture = std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send>>;

/// Runs every part until `shutdown` is cancelled (or a vital part fails),
/// then waits for all of them to finish. Sources that fail are logged and
/// left stopped; the HTTP server, detection and the sender are vital.
pub async fn run(
    deps: Deps,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let mut parts: JoinSet<Part> = JoinSet::new();
    let spawn = |parts: &mut JoinSet<Part>, name: String, vital: bool, f: PartFuture| {
        parts.spawn(async move { (name, vital, f.await) });
    };
    spawn(
        &mut parts,
        "http".into(),
        true,
        Box::pin(crate::http::serve(listener, deps.clone(), shutdown.clone())),
    );
    spawn(
        &mut parts,
        "detection".into(),
        true,
        Box::pin(crate::alerts::detect::run(deps.clone(), shutdown.clone())),
    );
    spawn(
        &mut parts,
        "alert sender".into(),
        true,
        Box::pin(crate::alerts::sender::run(deps.clone(), shutdown.clone())),
    );
    spawn(
        &mut parts,
        "issuing".into(),
        false,
        Box::pin(crate::report::issue::run(deps.clone(), shutdown.clone())),
    );
    for source in deps.config.sources.clone() {
        let name = format!("source {}", source.id);
        spawn(
            &mut parts,
            name,
            false,
            Box::pin(crate::sources::run(deps.clone(), source, shutdown.clone())),
        );
    }
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
