//! Where evidence comes from while the daemon runs (see
//! docs/book/src/operators/sources.md). Polled and watched sources run as tasks; pushed
//! ones
//! (webhook, Alertmanager) are HTTP endpoints.
//!
//! # Layout
//! - [`servicenow`]: the supplier's ServiceNow, polled through the Table API.
//! - [`inbox`]: a watched folder of packs and exports.
//! - [`probe`]: slawatch's own checks of a service.
//! - [`alerting`]: the leader's watch over an Alertmanager source's firing
//!   alerts, ending those no longer sent.

pub mod alerting;
pub mod inbox;
pub mod probe;
pub mod servicenow;

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::config::{Config, SourceConfig, SourceKind};
use crate::domain::WallClock;
use crate::store::Store;

/// What a running source needs from the daemon.
#[derive(Clone)]
pub struct SourceDeps {
    /// The validated configuration (contracts, for their timezones and ids).
    pub config: Arc<Config>,
    /// The evidence store.
    pub store: Store,
    /// The daemon's one HTTP client (connection reuse, timeouts).
    pub http: reqwest::Client,
    /// Where "now" comes from.
    pub clock: WallClock,
    /// Called after an ingest that stored or changed records, so detection
    /// looks again at once.
    pub on_ingest: Arc<dyn Fn() + Send + Sync>,
}

impl SourceDeps {
    /// Says that records were stored.
    pub fn notify_ingested(&self) {
        (self.on_ingest)();
    }
}

/// Runs one configured source until shutdown; `None` for sources that only
/// receive over HTTP.
pub async fn run(
    deps: SourceDeps,
    source: SourceConfig,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    match source.kind.clone() {
        SourceKind::ServiceNow(cfg) => servicenow::run(deps, source, *cfg, shutdown).await,
        SourceKind::Inbox { path, .. } => inbox::run(deps, source, path, shutdown).await,
        SourceKind::Probe(cfg) => probe::run(deps, source, cfg, shutdown).await,
        SourceKind::Alertmanager(cfg) => alerting::run(deps, source, cfg, shutdown).await,
        SourceKind::Webhook { .. } => Ok(()),
    }
}
