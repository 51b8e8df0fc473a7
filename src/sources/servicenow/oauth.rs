//! OAuth access tokens from the instance's `oauth_token.do`: the
//! client-credentials grant (or a refresh token an administrator issued),
//! then refresh-token grants. Tokens last 30 minutes by default, longer
//! than a poll: each source's token is kept between polls and renewed
//! before it expires, or at once when the instance refuses it.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::Value;

use super::PollError;

/// What is posted to and answered by `oauth_token.do`.
const TOKEN_PATH: &str = "oauth_token.do";

/// An access token and how to renew it.
#[derive(Clone)]
struct Token {
    access: String,
    refresh: Option<String>,
    expires_at: Instant,
}

/// Tokens by instance and client, kept between polls.
fn cache() -> &'static Mutex<HashMap<String, Token>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Token>>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// One source's OAuth client. The secrets were read from the environment
/// for this poll and are never logged.
pub(super) struct OAuth {
    /// The instance's base URL, without a trailing slash.
    pub base_url: String,
    /// The application registry's client id.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: String,
    /// A refresh token an administrator issued, used for the first token
    /// instead of the client-credentials grant.
    pub refresh_token: Option<String>,
    /// The variables named, for messages.
    pub hint: String,
    /// How long before its expiry a token is renewed.
    pub margin: Duration,
}

impl OAuth {
    fn key(&self) -> String {
        format!("{}\n{}", self.base_url, self.client_id)
    }

    /// Takes the kept access token as expired: the instance refused it.
    /// Its refresh token is kept for the renewal.
    pub(super) fn invalidate(&self) {
        if let Ok(mut tokens) = cache().lock()
            && let Some(token) = tokens.get_mut(&self.key())
        {
            token.expires_at = Instant::now();
        }
    }

    /// A token valid for at least the margin: the kept one, else renewed
    /// by its refresh token, else granted anew.
    pub(super) async fn token(
        &self,
        http: &reqwest::Client,
        timeout: Duration,
    ) -> Result<String, PollError> {
        let kept = cache()
            .lock()
            .ok()
            .and_then(|t| t.get(&self.key()).cloned());
        if let Some(token) = &kept
            && token.expires_at > Instant::now() + self.margin
        {
            return Ok(token.access.clone());
        }
        let refresh = kept
            .and_then(|t| t.refresh)
            .or_else(|| self.refresh_token.clone());
        let granted = match refresh {
            Some(refresh) => {
                let by_refresh = self
                    .grant(
                        http,
                        timeout,
                        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
                    )
                    .await;
                match by_refresh {
                    // An expired refresh token: the client's own grant, if it has one.
                    Err(PollError::Authentication { .. }) if self.refresh_token.is_none() => {
                        self.grant(http, timeout, &[("grant_type", "client_credentials")])
                            .await?
                    }
                    other => other?,
                }
            }
            None => {
                self.grant(http, timeout, &[("grant_type", "client_credentials")])
                    .await?
            }
        };
        let access = granted.access.clone();
        if let Ok(mut tokens) = cache().lock() {
            tokens.insert(self.key(), granted);
        }
        Ok(access)
    }

    async fn grant(
        &self,
        http: &reqwest::Client,
        timeout: Duration,
        grant: &[(&str, &str)],
    ) -> Result<Token, PollError> {
        let unavailable = |reason: String| PollError::Unavailable {
            table: TOKEN_PATH.to_string(),
            reason,
        };
        let mut form: Vec<(&str, &str)> = vec![
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
        ];
        form.extend_from_slice(grant);
        // Form-encoded as a URL's query encodes it (reqwest is built without `form`).
        let mut encoder =
            reqwest::Url::parse("http://localhost/").map_err(|e| unavailable(e.to_string()))?;
        encoder.query_pairs_mut().extend_pairs(form.iter());
        let body = encoder.query().unwrap_or("").to_string();
        let response = http
            .post(format!("{}/{TOKEN_PATH}", self.base_url))
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| unavailable(e.without_url().to_string()))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| unavailable(e.without_url().to_string()))?;
        let json: Option<Value> = serde_json::from_slice(&body).ok();
        let raw = |key: &str| {
            json.as_ref()
                .and_then(|j| j.get(key))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        // The instance's words, shortened for a message.
        let said = |key: &str| raw(key).map(|s| s.chars().take(200).collect::<String>());
        if status.is_server_error() {
            return Err(unavailable(format!("{TOKEN_PATH} answered HTTP {status}")));
        }
        if !status.is_success() {
            return Err(PollError::Authentication {
                reason: format!(
                    "{TOKEN_PATH} refused the {} grant (HTTP {status}{}); {}",
                    grant[0].1,
                    said("error_description")
                        .or_else(|| said("error"))
                        .map(|e| format!(": {e}"))
                        .unwrap_or_default(),
                    self.hint
                ),
            });
        }
        let access = raw("access_token").ok_or_else(|| PollError::BadResponse {
            table: TOKEN_PATH.to_string(),
            reason: "the answer has no access_token".into(),
        })?;
        // ServiceNow sends expires_in as a number; 30 minutes when absent.
        let lasts = json
            .as_ref()
            .and_then(|j| j.get("expires_in"))
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .unwrap_or(1_800);
        Ok(Token {
            access,
            refresh: raw("refresh_token"),
            expires_at: Instant::now() + Duration::from_secs(lasts),
        })
    }
}
