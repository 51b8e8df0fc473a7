//! The listener: accepts connections and serves [`super::router`] on each
//! over HTTP/1.1 until shutdown.
//!
//! `axum::serve` sets no timer on hyper, so a connection could take as long
//! as it liked to send its headers, or sit idle for ever: a few hundred
//! clients trickling a byte a second would hold as many sockets and tasks.
//! Here hyper closes a connection whose next request's headers are not in
//! within `daemon.header_timeout` (that covers idle keep-alive connections
//! too); the router's own layers bound what happens after the headers.
//! HTTP/2 is not offered: no client of the daemon needs it, and it would
//! bring limits of its own to keep.

use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

use crate::daemon::Deps;

/// Serves `app` (the daemon's router, [`super::router`] with whatever
/// the caller mounts beside it) on `listener` until `shutdown`, then lets
/// the requests in flight finish (each bounded by `request_timeout`).
/// Each request carries its peer's address as axum's `ConnectInfo`: the
/// web desk believes a proxy's headers from configured addresses only.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    deps: Deps,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(deps.config.daemon.header_timeout);
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, mostly: wait rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        let service = TowerToHyperService::new(app.clone().map_request(
            move |mut request: axum::extract::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            },
        ));
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client gone or too slow: nothing to act on, and nothing the
            // log of a daemon facing the network should fill with.
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "HTTP connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
