//! Who may call what, decided from the request's head alone.
//!
//! A token scoped to contracts (`contracts = [...]`) is held to them here
//! too: every route naming a contract goes through [`Reading`] or
//! [`Writing`], and handlers have no other way to look a contract up.
//!
//! Each extractor here reads only the headers and the path, so a handler
//! that takes one of them (before its body) refuses a caller without the
//! right with 401 or 403 before a byte of the body is read: a client with
//! no valid token cannot make the daemon buffer `max_request_bytes`.

use std::ops::Deref;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::Deserialize;

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use crate::config::Config;
use crate::contract::Contract;

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    /// The caller the bearer token names: 401 without a valid one.
    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        app.tokens.caller(&parts.headers)
    }
}

/// A viewer or manager token: may read figures.
#[derive(Debug)]
pub struct Viewer(pub Caller);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, app).await?;
        caller.require_viewer()?;
        Ok(Viewer(caller))
    }
}

/// A configured contract, shared with the configuration rather than copied.
#[derive(Debug, Clone)]
pub struct ContractRef {
    config: Arc<Config>,
    index: usize,
}

impl ContractRef {
    /// The contract `id` names, or 404.
    fn find(config: &Arc<Config>, id: &str) -> Result<ContractRef, ApiError> {
        config
            .contracts
            .iter()
            .position(|c| c.id == id)
            .map(|index| ContractRef {
                config: config.clone(),
                index,
            })
            .ok_or_else(|| ApiError::NotFound(format!("no contract '{id}'")))
    }
}

impl Deref for ContractRef {
    type Target = Contract;

    fn deref(&self) -> &Contract {
        &self.config.contracts[self.index]
    }
}

/// The `{contract}` of a route's path; other parameters are the handler's.
#[derive(Debug, Deserialize)]
struct ContractParam {
    contract: String,
}

/// The contract the path names, when `caller` may act on it. A contract
/// outside the caller's scope is refused before it is looked up, so the
/// answer (403, naming nothing) is the same whether it exists or not.
async fn path_contract(
    parts: &mut Parts,
    app: &AppState,
    caller: &Caller,
) -> Result<ContractRef, ApiError> {
    let Path(ContractParam { contract }) = Path::from_request_parts(parts, app)
        .await
        .map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if !caller.scope().allows(&contract) {
        return Err(ApiError::Forbidden("act on this contract"));
    }
    ContractRef::find(&app.deps.config, &contract)
}

/// A viewer or manager reading the contract `{contract}` names.
#[derive(Debug)]
pub struct Reading(pub ContractRef);

impl FromRequestParts<AppState> for Reading {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let Viewer(caller) = Viewer::from_request_parts(parts, app).await?;
        Ok(Reading(path_contract(parts, app, &caller).await?))
    }
}

/// A manager changing what is recorded for the contract `{contract}` names.
#[derive(Debug)]
pub struct Writing {
    /// The contract.
    pub contract: ContractRef,
    /// The token's name: who made the change.
    pub by: String,
}

impl FromRequestParts<AppState> for Writing {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, app).await?;
        let by = caller
            .clone()
            .require_manager("change this contract's records (a manager token is needed)")?;
        let contract = path_contract(parts, app, &caller).await?;
        Ok(Writing { contract, by })
    }
}
