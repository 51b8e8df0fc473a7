//! Delivers queued alerts (placeholder).

use tokio_util::sync::CancellationToken;

use crate::daemon::Deps;

/// Delivers the outbox until shutdown.
pub async fn run(_deps: Deps, shutdown: CancellationToken) -> anyhow::Result<()> {
    shutdown.cancelled().await;
    Ok(())
}
