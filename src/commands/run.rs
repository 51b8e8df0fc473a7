//! `slawatch run`: the daemon, until SIGINT or SIGTERM.

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::Failure;
use crate::config::Config;
use crate::daemon::{self, Deps};
use crate::domain::WallClock;
use crate::store::Store;

/// Binds the listen address, starts every part and stops cleanly on a signal.
/// Every part reads the time from `clock`.
pub async fn run(config: Config, store: Store, clock: WallClock) -> Result<(), Failure> {
    let listener = TcpListener::bind(config.daemon.listen).await.map_err(|e| {
        Failure::runtime(anyhow::anyhow!(
            "cannot listen on {}: {e}",
            config.daemon.listen
        ))
    })?;
    let address = listener.local_addr().map_err(Failure::runtime)?;
    let deps = Deps::new(config, store.clone())
        .map_err(Failure::runtime)?
        .with_clock(clock);
    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signal(shutdown.clone()));
    tracing::info!(%address, contracts = deps.config.contracts.len(), sources = deps.config.sources.len(), "slawatch running");
    let serve: daemon::Serve = Box::new(move |deps, stop| {
        let app = crate::web::router(deps.clone());
        Box::pin(crate::http::serve(listener, app, deps, stop))
    });
    let outcome = daemon::run(deps, serve, shutdown).await;
    store.close().await;
    tracing::info!("slawatch stopped");
    outcome.map_err(Failure::runtime)
}

/// Cancels `shutdown` on SIGINT or SIGTERM.
async fn stop_on_signal(shutdown: CancellationToken) {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => tracing::info!("SIGINT: stopping"),
        () = terminate => tracing::info!("SIGTERM: stopping"),
    }
    shutdown.cancel();
}
