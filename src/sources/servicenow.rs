//! The supplier's ServiceNow, polled through the Table API (placeholder).

use tokio_util::sync::CancellationToken;

use crate::config::{ServiceNowSource, SourceConfig};
use crate::daemon::Deps;

/// Polls on the source's schedule until shutdown.
pub async fn run(
    _deps: Deps,
    _source: SourceConfig,
    _cfg: ServiceNowSource,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    shutdown.cancelled().await;
    Ok(())
}
