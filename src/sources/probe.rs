//! slawatch's own HTTP checks of a service (placeholder).

use tokio_util::sync::CancellationToken;

use crate::config::{ProbeSource, SourceConfig};
use crate::daemon::Deps;

/// Checks on the source's interval until shutdown.
pub async fn run(
    _deps: Deps,
    _source: SourceConfig,
    _cfg: ProbeSource,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    shutdown.cancelled().await;
    Ok(())
}
