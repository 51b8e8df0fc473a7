//! The contract manager's web desk: server-rendered pages and plain HTML
//! forms (no script), mounted at `/` beside the API on the daemon's one
//! router and held to the same limits.
//!
//! Everyone is signed in ([`session`]): by a local account
//! ([`sign_in`], `slawatch user add`) or by a trusted single sign-on
//! proxy's header. Roles and contract scopes are the API tokens': a viewer
//! reads, a manager also records; a contract outside a person's scope is
//! "not found". Every page is sent with a content security policy that
//! allows no script at all, and no framing.
//!
//! # Layout
//! - [`session`]: who is signed in, sessions and their cookie, the proxy header.
//! - [`sign_in`]: the sign-in form, failed sign-ins slowed, sign-out.
//! - [`password`]: argon2 hashes of local accounts' passwords.
//! - [`pages`]: the portfolio and a contract's month.
//! - [`incident`]: an incident's clock, verdicts and versions.
//! - [`outages`]: a month's outages and one outage's page.
//! - [`issued`]: issued reports and committee packs, to download.
//! - [`records`]: excusals, disputes and their forms; the audit trail.
//! - [`registers`]: the commitments and DR registers and their forms.
//! - [`forms`]: forms that change records, on the API's code path.
//! - [`watch`]: a contract's outbox, sources and actions register.
//! - [`render`]: templates, the stylesheet, the headers every page carries, error pages.

pub mod forms;
pub mod incident;
pub mod issued;
pub mod outages;
pub mod pages;
pub mod password;
pub mod records;
pub mod registers;
pub mod render;
pub mod session;
pub mod sign_in;
pub mod watch;

use axum::Router;
use axum::routing::{get, post};

use crate::daemon::Deps;
use crate::http::AppState;

/// The daemon's router: the API ([`crate::http::router`]) and the desk.
pub fn router(deps: Deps) -> Router {
    crate::http::router_with(deps, routes)
}

/// The desk's routes, each behind [`session::resolve`].
fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(pages::portfolio))
        .route("/sign-in", get(sign_in::form).post(sign_in::sign_in))
        .route("/sign-out", post(sign_in::sign_out))
        .route("/contracts/{contract}/months/{month}", get(pages::month))
        .route(
            "/contracts/{contract}/months/{month}/costs",
            post(forms::add_cost),
        )
        .route(
            "/contracts/{contract}/incidents/{incident}",
            get(incident::incident),
        )
        .route(
            "/contracts/{contract}/months/{month}/outages",
            get(outages::month_outages),
        )
        .route(
            "/contracts/{contract}/outages/{outage}",
            get(outages::outage),
        )
        .route("/contracts/{contract}/records", get(records::register))
        .route("/contracts/{contract}/audit", get(records::audit))
        .route("/contracts/{contract}/excusals", post(records::excuse))
        .route(
            "/contracts/{contract}/excusals/{id}/revoke",
            post(records::revoke_excusal),
        )
        .route("/contracts/{contract}/disputes", post(records::dispute))
        .route(
            "/contracts/{contract}/disputes/{id}/decide",
            post(records::decide),
        )
        .route(
            "/contracts/{contract}/commitments",
            get(registers::commitments),
        )
        .route(
            "/contracts/{contract}/commitments/{id}",
            post(registers::record_commitment),
        )
        .route("/contracts/{contract}/dr", get(registers::dr))
        .route(
            "/contracts/{contract}/dr-tests",
            post(registers::add_dr_test),
        )
        .route(
            "/contracts/{contract}/dr-tests/{id}/withdraw",
            post(registers::withdraw_dr_test),
        )
        .route(
            "/contracts/{contract}/months/{month}/issued",
            get(issued::issued),
        )
        .route(
            "/contracts/{contract}/months/{month}/issued/{version}/{file}",
            get(issued::issued_file),
        )
        .route("/packs", get(issued::packs))
        .route(
            "/packs/{scope}/{from}/{to}/{version}/{format}",
            get(issued::pack_file),
        )
        .route("/contracts/{contract}/outbox", get(watch::outbox))
        .route("/contracts/{contract}/sources", get(watch::sources))
        .route("/contracts/{contract}/actions", get(watch::actions))
        .route("/static/desk.css", get(render::stylesheet))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::resolve,
        ))
}
