//! Where evidence comes from while the daemon runs (SPEC §4.1). Polled and
//! watched sources run as tasks; pushed ones (webhook, Alertmanager) are HTTP
//! endpoints.
//!
//! # Layout
//! - [`servicenow`]: the supplier's ServiceNow, polled through the Table API.
//! - [`inbox`]: a watched folder of packs and exports.
//! - [`probe`]: slawatch's own checks of a service.

pub mod inbox;
pub mod probe;
pub mod servicenow;

use tokio_util::sync::CancellationToken;

use crate::config::{SourceConfig, SourceKind};
use crate::daemon::Deps;

/// Runs one configured source until shutdown; `None` for sources that only
/// receive over HTTP.
pub async fn run(
    deps: Deps,
    source: SourceConfig,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    match source.kind.clone() {
        SourceKind::ServiceNow(cfg) => servicenow::run(deps, source, cfg, shutdown).await,
        SourceKind::Inbox { path, .. } => inbox::run(deps, source, path, shutdown).await,
        SourceKind::Probe(cfg) => probe::run(deps, source, cfg, shutdown).await,
        SourceKind::Webhook { .. } | SourceKind::Alertmanager(_) => Ok(()),
    }
}
