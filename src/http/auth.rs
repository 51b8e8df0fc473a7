//! API tokens: configured tokens with a role and the contracts they cover,
//! and the per-source tokens of webhook and Alertmanager sources. Only SHA-256 digests are kept
//! in memory and compared, in constant time.

use std::sync::Arc;

use axum::http::HeaderMap;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::ApiError;
use crate::config::{Config, Role, SourceKind, TokenSecret};

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A configured API token.
    Token {
        /// Its name.
        name: String,
        /// What it may do.
        role: Role,
        /// Which contracts it may do it on.
        scope: Scope,
    },
    /// The token of a webhook or Alertmanager source.
    Source {
        /// The source's id.
        id: String,
    },
}

/// The contracts a token may act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every contract (no `contracts` key).
    All,
    /// These contracts only.
    Only(Arc<[String]>),
}

impl Scope {
    /// Whether the token may act on `contract`.
    pub fn allows(&self, contract: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Only(ids) => ids.iter().any(|id| id == contract),
        }
    }
}

impl Caller {
    /// The contracts the caller may act on: a token's scope; a source's
    /// own contract is checked where it pushes.
    pub fn scope(&self) -> Scope {
        match self {
            Caller::Token { scope, .. } => scope.clone(),
            Caller::Source { .. } => Scope::Only(Arc::from([])),
        }
    }

    /// May read figures (viewer or manager tokens).
    pub fn require_viewer(&self) -> Result<(), ApiError> {
        match self {
            Caller::Token {
                role: Role::Viewer | Role::Manager,
                ..
            } => Ok(()),
            _ => Err(ApiError::Forbidden("read figures")),
        }
    }

    /// May change records (manager tokens only): the token's name, kept as
    /// who made the change. `what` completes "may not …" in the refusal.
    pub fn require_manager(self, what: &'static str) -> Result<String, ApiError> {
        match self {
            Caller::Token {
                name,
                role: Role::Manager,
                ..
            } => Ok(name),
            _ => Err(ApiError::Forbidden(what)),
        }
    }
}

/// The digests of every token that may call the API.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    entries: Vec<([u8; 32], Caller)>,
}

impl Tokens {
    /// Collects the tokens from the configuration, reading `*_env` secrets
    /// from the environment now. A token whose variable is unset is skipped
    /// with a warning naming the variable (never its value).
    pub fn from_config(config: &Config) -> Tokens {
        let mut entries = Vec::new();
        for t in &config.api_tokens {
            let caller = Caller::Token {
                name: t.name.clone(),
                role: t.role,
                scope: match &t.contracts {
                    None => Scope::All,
                    Some(ids) => Scope::Only(ids.iter().cloned().collect()),
                },
            };
            match &t.secret {
                TokenSecret::Sha256(hex_digest) => match hex::decode(hex_digest)
                    .ok()
                    .and_then(|d| <[u8; 32]>::try_from(d).ok())
                {
                    Some(d) => entries.push((d, caller)),
                    None => {
                        tracing::warn!(token = %t.name, "api token digest is not 64 hex digits; ignored")
                    }
                },
                TokenSecret::Env(var) => match std::env::var(var) {
                    Ok(secret) if !secret.is_empty() => entries.push((digest(&secret), caller)),
                    _ => {
                        tracing::warn!(token = %t.name, variable = %var, "api token variable is not set; token disabled")
                    }
                },
            }
        }
        for s in &config.sources {
            let var = match &s.kind {
                SourceKind::Webhook { token_env } => token_env,
                SourceKind::Alertmanager(a) => &a.token_env,
                _ => continue,
            };
            match std::env::var(var) {
                Ok(secret) if !secret.is_empty() => {
                    entries.push((digest(&secret), Caller::Source { id: s.id.clone() }))
                }
                _ => {
                    tracing::warn!(source = %s.id, variable = %var, "source token variable is not set; pushes refused")
                }
            }
        }
        Tokens { entries }
    }

    /// The caller a request's `Authorization: Bearer …` header names.
    pub fn caller(&self, headers: &HeaderMap) -> Result<Caller, ApiError> {
        let presented = bearer(headers).ok_or(ApiError::Unauthorized)?;
        let d = digest(presented);
        // Compare against every entry so the time taken does not depend on
        // which one (if any) matches.
        let mut found = None;
        for (expected, caller) in &self.entries {
            if bool::from(d.ct_eq(expected)) && found.is_none() {
                found = Some(caller.clone());
            }
        }
        found.ok_or(ApiError::Unauthorized)
    }
}

/// The token of an `Authorization: Bearer <token>` header. HTTP auth
/// schemes are case-insensitive (RFC 9110), and clients do send `bearer`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim_start().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The SHA-256 of a token.
pub fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}
