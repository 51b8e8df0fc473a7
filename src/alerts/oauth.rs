//! The access token for SMTP XOAUTH2 (`[email] auth = "xoauth2"`), from the
//! OAuth 2.0 client-credentials grant at the configured token endpoint, as
//! Microsoft 365 (Entra ID) and Google Workspace issue them.
//!
//! A token is fetched when a delivery round needs one and reused until
//! shortly before it expires: Entra ID tokens last about an hour, and a
//! token that expires between the round's start and its last message
//! would fail that message. A relay refusing the token drops it, so the
//! next round asks for a fresh one. The client secret is read from its
//! environment variable at each fetch (a rotated secret needs no restart)
//! and never logged.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use serde::Deserialize;

use crate::config::SmtpOAuth;

/// The longest a token is kept short of its expiry: 5 minutes, or half its
/// lifetime when that is shorter.
const EARLY_REFRESH: Duration = Duration::from_secs(300);

/// Fetches and caches the SMTP access token.
#[derive(Debug, Clone)]
pub struct TokenSource {
    settings: SmtpOAuth,
    http: reqwest::Client,
    cached: Arc<Mutex<Option<Cached>>>,
}

#[derive(Clone)]
struct Cached {
    token: String,
    /// When to fetch a new one instead.
    renew_at: Instant,
}

/// Never the token itself: it is a credential to the council's mailbox.
impl std::fmt::Debug for Cached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cached")
            .field("token", &"<redacted>")
            .field("renew_at", &self.renew_at)
            .finish()
    }
}

/// The token endpoint's answer (RFC 6749 §5.1), only what is used.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// The token endpoint's refusal (RFC 6749 §5.2).
#[derive(Deserialize)]
struct TokenError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

impl TokenSource {
    /// A source for `settings`, its requests bounded by `timeout` and, when
    /// given, also trusting the certificate authorities in `ca_pem`.
    pub fn new(
        settings: SmtpOAuth,
        timeout: Duration,
        ca_pem: Option<&[u8]>,
    ) -> anyhow::Result<TokenSource> {
        let mut builder = reqwest::Client::builder().timeout(timeout);
        if let Some(pem) = ca_pem {
            for cert in reqwest::Certificate::from_pem_bundle(pem)
                .context("the [email] ca_file for the token endpoint")?
            {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder
            .build()
            .context("an HTTP client for the OAuth token endpoint")?;
        Ok(TokenSource {
            settings,
            http,
            cached: Arc::new(Mutex::new(None)),
        })
    }

    /// A token valid for a while yet: the cached one, or a new one.
    pub async fn token(&self) -> anyhow::Result<String> {
        if let Some(cached) = self.lock().as_ref()
            && Instant::now() < cached.renew_at
        {
            return Ok(cached.token.clone());
        }
        let fetched_at = Instant::now();
        let answer = self.fetch().await?;
        let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(0));
        let renew_at = fetched_at + lifetime - EARLY_REFRESH.min(lifetime / 2);
        *self.lock() = Some(Cached {
            token: answer.access_token.clone(),
            renew_at,
        });
        Ok(answer.access_token)
    }

    /// Drops the cached token: the relay refused it.
    pub fn forget(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Cached>> {
        // A panic while holding the lock leaves at worst a stale token,
        // which the relay's refusal then drops.
        self.cached
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn fetch(&self) -> anyhow::Result<TokenResponse> {
        let s = &self.settings;
        let secret = std::env::var(&s.client_secret_env).map_err(|_| {
            anyhow!(
                "the OAuth client secret variable {} (oauth_client_secret_env) is not set",
                s.client_secret_env
            )
        })?;
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", s.client_id.as_str()),
            ("client_secret", secret.as_str()),
            ("scope", s.scope.as_str()),
        ];
        let what = || format!("the OAuth token endpoint {}", s.token_url);
        let response = self
            .http
            .post(&s.token_url)
            .form(&form)
            .send()
            .await
            .with_context(what)?;
        let status = response.status();
        let body = response.bytes().await.with_context(what)?;
        if !status.is_success() {
            let reason = match serde_json::from_slice::<TokenError>(&body) {
                Ok(e) => match e.error_description {
                    Some(d) => format!("{}: {}", e.error, first_line(&d)),
                    None => e.error,
                },
                Err(_) => format!("HTTP {status}"),
            };
            anyhow::bail!(
                "{} refused a token for client {}: {reason}",
                what(),
                s.client_id
            );
        }
        let answer: TokenResponse = serde_json::from_slice(&body)
            .with_context(|| format!("{} answered without an access_token", what()))?;
        if answer.access_token.is_empty() {
            anyhow::bail!("{} answered with an empty access_token", what());
        }
        Ok(answer)
    }
}

/// Entra ID's descriptions run to several lines of trace and correlation
/// ids; the first says what is wrong.
fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cached_token_never_shows_in_debug_output() {
        let cached = Cached {
            token: "eyJ0eXAiOiJKV1Qi-secret".into(),
            renew_at: Instant::now(),
        };
        let text = format!("{cached:?}");
        assert!(
            !text.contains("secret") && text.contains("<redacted>"),
            "{text}"
        );
    }
}
