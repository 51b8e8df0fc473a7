//! Stopping cleanly: the daemon's parts wait between rounds with
//! [`sleep_or_stop`], so a cancelled shutdown token ends the wait at once.

use tokio_util::sync::CancellationToken;

/// Sleeps for `duration` unless `shutdown` is cancelled first. Returns false
/// when the daemon is stopping.
pub async fn sleep_or_stop(duration: std::time::Duration, shutdown: &CancellationToken) -> bool {
    tokio::select! {
        () = tokio::time::sleep(duration) => true,
        () = shutdown.cancelled() => false,
    }
}
