//! A watched folder of the supplier's packs and exports (placeholder).

use std::path::PathBuf;

use tokio_util::sync::CancellationToken;

use crate::config::SourceConfig;
use crate::daemon::Deps;

/// Watches the folder until shutdown.
pub async fn run(
    _deps: Deps,
    _source: SourceConfig,
    _path: PathBuf,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    shutdown.cancelled().await;
    Ok(())
}
