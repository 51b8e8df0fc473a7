//! `slawatch run`: the daemon. It keeps the evidence current from every
//! configured source, watches open incidents and the month's service levels,
//! queues alerts and delivers them, and serves HTTP — until told to stop.
//!
//! Every long-running part is an `async fn run(deps, …, shutdown)`; they are
//! started and joined here, so a part that fails is seen and logged.

use std::sync::Arc;

use tokio::sync::Notify;
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
