//! The daemon's one HTTP server: health, metrics (for a viewer or manager
//! token) and the API.
//!
//! [`router`] is kept apart from [`serve`] so tests call the router on a
//! port of their own. [`router_with`] mounts more routes beside the API
//! under the same limits: the daemon serves `crate::web::router`, the API
//! and the web desk (which sits after this module and so is handed in).
//!
//! Everyone who can reach the port is treated as hostile, the supplier
//! included: a call's token is checked from its head before its body is
//! read ([`access`]), at most `daemon.max_concurrent_requests` are served
//! at once (more are refused with 503, not queued), each has
//! `daemon.request_timeout` once its headers are in (then 408), and the
//! headers themselves `daemon.header_timeout` ([`server`]).
//!
//! # Layout
//! - [`access`]: who may call what, from the request's head.
//! - [`actions`]: the actions register and its follow-up summary (viewers read, managers record).
//! - [`auth`]: bearer tokens and roles.
//! - [`body`]: request bodies (a byte-order mark skipped, JSON read).
//! - [`causes`]: what caused outages and incidents (viewers read, managers record).
//! - [`commitments`]: the commitments register (viewers read, managers record).
//! - [`dr`]: the disaster-recovery register (viewers read, managers record tests).
//! - [`error`]: what a failed call answers.
//! - [`ingest`]: records pushed by webhook sources and Alertmanager.
//! - [`read`]: figures for viewers.
//! - [`records`]: costs, excusals, disputes and the audit trail (managers write).
//! - [`recovery`]: recovery to date, credit notes and refusals, gates on costs (managers write).
//! - [`server`]: the listener, with hyper's header timeout.

pub mod access;
pub mod actions;
pub mod alerting;
pub mod auth;
pub mod body;
pub mod causes;
pub mod commitments;
pub mod dr;
pub mod error;
pub mod evidence;
pub mod ingest;
pub mod read;
pub mod records;
pub mod recovery;
pub mod server;

pub use server::serve;

use std::sync::Arc;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::{BoxError, ServiceBuilder};
use tower_http::timeout::TimeoutLayer;

use crate::daemon::Deps;
use access::Viewer;
use auth::{Scope, Tokens};
use error::ApiError;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The daemon's shared parts.
    pub deps: Deps,
    /// The tokens that may call the API.
    pub tokens: Arc<Tokens>,
}

impl AppState {
    /// The current instant, from the daemon's clock.
    pub fn now(&self) -> crate::domain::Instant {
        self.deps.clock.now()
    }
}

/// The routes, with the limits every request is held to.
pub fn router(deps: Deps) -> Router {
    router_with(deps, |_| Router::new())
}

/// The API's routes and `extra`'s (the web desk's, built with the shared
/// state), all held to the same limits.
pub fn router_with(deps: Deps, extra: impl FnOnce(&AppState) -> Router<AppState>) -> Router {
    let daemon = &deps.config.daemon;
    let limit = daemon.max_request_bytes;
    // The timeout sits inside the concurrency limit, so a request cut off
    // gives its place back; load shedding refuses at once when none is free.
    let limits = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(|_: BoxError| async {
            ApiError::Overloaded
        }))
        .load_shed()
        .layer(GlobalConcurrencyLimitLayer::new(
            daemon.max_concurrent_requests,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            daemon.request_timeout,
        ));
    let state = AppState {
        tokens: Arc::new(Tokens::from_config(&deps.config)),
        deps,
    };
    let extra = extra(&state);
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/v1/records", post(ingest::records))
        .route(
            "/api/v1/alertmanager/{source_id}",
            post(ingest::alertmanager),
        )
        .route("/api/v1/contracts", get(read::contracts))
        .route(
            "/api/v1/contracts/{contract}/months/{month}",
            get(read::month),
        )
        .route(
            "/api/v1/contracts/{contract}/months/{month}/approve",
            post(records::approve_month),
        )
        .route(
            "/api/v1/contracts/{contract}/history/{kind}/{id}",
            get(read::history),
        )
        .route(
            "/api/v1/contracts/{contract}/open-incidents",
            get(read::open_incidents),
        )
        .route(
            "/api/v1/contracts/{contract}/commitments",
            get(commitments::list).post(commitments::add),
        )
        .route(
            "/api/v1/contracts/{contract}/commitments/{id}/{action}",
            post(commitments::record),
        )
        .route("/api/v1/follow-up", get(actions::portfolio_follow_up))
        .route(
            "/api/v1/contracts/{contract}/actions",
            get(actions::list).post(actions::add),
        )
        .route(
            "/api/v1/contracts/{contract}/actions/{id}",
            get(actions::show),
        )
        .route(
            "/api/v1/contracts/{contract}/actions/{id}/status",
            post(actions::update),
        )
        .route(
            "/api/v1/contracts/{contract}/follow-up",
            get(actions::contract_follow_up),
        )
        .route(
            "/api/v1/contracts/{contract}/causes",
            get(causes::list).post(causes::add),
        )
        .route("/api/v1/contracts/{contract}/dr", get(dr::register))
        .route("/api/v1/contracts/{contract}/dr-tests", post(dr::add_test))
        .route(
            "/api/v1/contracts/{contract}/dr-assurances",
            post(dr::add_assurance),
        )
        .route(
            "/api/v1/contracts/{contract}/dr-tests/{id}",
            delete(dr::withdraw_test),
        )
        .route(
            "/api/v1/contracts/{contract}/costs",
            get(records::list_costs).post(records::add_cost),
        )
        .route(
            "/api/v1/contracts/{contract}/costs/{id}",
            delete(records::remove_cost),
        )
        .route(
            "/api/v1/contracts/{contract}/excusals",
            get(records::list_excusals).post(records::excuse),
        )
        .route(
            "/api/v1/contracts/{contract}/excusals/{id}",
            delete(records::revoke_excusal),
        )
        .route(
            "/api/v1/contracts/{contract}/disputes",
            get(records::list_disputes).post(records::open_dispute),
        )
        .route(
            "/api/v1/contracts/{contract}/disputes/{id}/reject",
            post(records::reject_dispute),
        )
        .route(
            "/api/v1/contracts/{contract}/disputes/{id}/accept",
            post(records::accept_dispute),
        )
        // The previous release's words, kept for one release.
        .route(
            "/api/v1/contracts/{contract}/disputes/{id}/uphold",
            post(records::reject_dispute),
        )
        .route(
            "/api/v1/contracts/{contract}/disputes/{id}/withdraw",
            post(records::accept_dispute),
        )
        .route("/api/v1/contracts/{contract}/audit", get(records::audit))
        .route(
            "/api/v1/contracts/{contract}/evidence",
            get(evidence::list).post(evidence::add),
        )
        .route(
            "/api/v1/contracts/{contract}/evidence/{id}",
            get(evidence::get),
        )
        .route(
            "/api/v1/contracts/{contract}/recovery",
            get(recovery::recovery),
        )
        .route(
            "/api/v1/contracts/{contract}/credit-notes",
            post(recovery::add_credit_note),
        )
        .route(
            "/api/v1/contracts/{contract}/refusals",
            post(recovery::add_refusal),
        )
        .route(
            "/api/v1/contracts/{contract}/costs/{id}/gates",
            post(recovery::gate_cost),
        )
        .merge(extra)
        .layer(DefaultBodyLimit::max(limit))
        .layer(limits)
        .with_state(state)
}

/// Ready when the store answers and its schema is up to date.
async fn readyz(State(app): State<AppState>) -> (StatusCode, String) {
    match app.deps.store.ready().await {
        Ok(()) => {
            let role = if app.deps.leadership.is_leader() {
                "leader"
            } else {
                "standby"
            };
            (StatusCode::OK, format!("ready ({role})\n"))
        }
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready: the store is unavailable\n".to_string(),
            )
        }
    }
}

/// The Prometheus exposition: the figures cached by live detection plus a
/// few live parts (see [`crate::metrics`]). It holds every contract's
/// charge, credits and costs, so it needs a viewer or manager token for
/// every contract: the supplier reaches this port too.
async fn metrics(
    State(app): State<AppState>,
    Viewer(caller): Viewer,
) -> Result<([(axum::http::HeaderName, &'static str); 1], String), ApiError> {
    if caller.scope() != Scope::All {
        return Err(ApiError::Forbidden(
            "read the metrics, which cover every contract (a token scoped to contracts cannot)",
        ));
    }
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        app.deps
            .metrics
            .render(
                &app.deps.config,
                &app.deps.store,
                app.deps.leadership.is_leader(),
                app.deps.clock.now(),
            )
            .await,
    ))
}
