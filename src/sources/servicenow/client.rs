//! The ServiceNow Table API over HTTP: credentials, one page, and paging
//! through a whole result, with the retries a busy instance needs.
//!
//! Every value comes back as a string (`"priority":"1"`); reference fields
//! as plain sys_ids (`sysparm_exclude_reference_link=true`); date-times as
//! raw UTC (`sysparm_display_value=false`). The limit is applied *before*
//! access control filters the page, so a short page is not the end: paging
//! follows `X-Total-Count`, or the `Link` header's `rel="next"` without it.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, HeaderMap, LINK, RETRY_AFTER};
use serde_json::Value;
use tracing::warn;

use super::mapping::{incremental_query, page_key};
use super::oauth::OAuth;
use super::{Options, PollError};
use crate::config::ServiceNowSource;

/// The largest answer one page may be (64 MiB): a thousand incidents are
/// about a megabyte.
const MAX_PAGE_BYTES: u64 = 64 << 20;

/// The order of an incremental read: by last update, then by sys_id.
const ORDER_BY: &str = "sys_updated_on";

/// An incremental read of one table in progress, page by page in the order
/// of last update then sys_id, each page asking for the records after the
/// last one received (keyset paging).
#[derive(Debug)]
pub(super) struct Pager {
    table: &'static str,
    /// The table's watermark: records updated since then (less the overlap).
    since: Option<String>,
    overlap: chrono::TimeDelta,
    /// Encoded queries every record must match.
    filters: Vec<String>,
    fields: String,
    /// The last record received: its `sys_updated_on` and sys_id.
    after: Option<(String, String)>,
    /// Records to step over after `after`: whole pages hidden by access control.
    skip: u64,
    pages: u32,
    done: bool,
}

impl Pager {
    /// A read of `table` from the watermark `since`, of the records
    /// matching every one of `filters`, asking for `fields`.
    pub(super) fn new(
        table: &'static str,
        since: Option<String>,
        overlap: chrono::TimeDelta,
        filters: Vec<String>,
        fields: &[&str],
    ) -> Pager {
        Pager {
            table,
            since,
            overlap,
            filters,
            fields: fields.join(","),
            after: None,
            skip: 0,
            pages: 0,
            done: false,
        }
    }
}

/// One record as the Table API returns it.
pub(super) type Record = serde_json::Map<String, Value>;

/// A field's value: trimmed, `None` when missing or empty. Tolerates the
/// `{"value": …}` objects ServiceNow sends for references when links are
/// not excluded.
pub(super) fn field<'r>(record: &'r Record, name: &str) -> Option<&'r str> {
    let value = match record.get(name)? {
        Value::Object(o) => o.get("value")?,
        v => v,
    };
    value.as_str().map(str::trim).filter(|s| !s.is_empty())
}

/// How requests prove who slawatch is. The secret is read from the
/// environment at each poll and kept only for the poll (an OAuth access
/// token is kept until it nears its expiry).
enum Auth {
    Basic { username: String, password: String },
    Bearer(String),
    OAuth(OAuth),
}

impl Auth {
    fn from_env(cfg: &ServiceNowSource, options: &Options) -> Result<Auth, PollError> {
        let secret = |var: &str, key: &str| match std::env::var(var) {
            Ok(v) if !v.is_empty() => Ok(v),
            _ => Err(PollError::Authentication {
                reason: format!("the environment variable {var} named by {key} is not set"),
            }),
        };
        if let Some(client) = &cfg.oauth {
            let refresh_token = match &client.refresh_token_env {
                Some(var) => Some(secret(var, "oauth_refresh_token_env")?),
                None => None,
            };
            return Ok(Auth::OAuth(OAuth {
                base_url: cfg.base_url.trim_end_matches('/').to_string(),
                client_id: client.client_id.clone(),
                client_secret: secret(&client.client_secret_env, "oauth_client_secret_env")?,
                refresh_token,
                hint: format!(
                    "check the OAuth client {} and its secret in {}",
                    client.client_id, client.client_secret_env
                ),
                margin: options.token_margin,
            }));
        }
        if let Some(var) = &cfg.token_env {
            return Ok(Auth::Bearer(secret(var, "token_env")?));
        }
        match (&cfg.username, &cfg.password_env) {
            (Some(username), Some(var)) => Ok(Auth::Basic {
                username: username.clone(),
                password: secret(var, "password_env")?,
            }),
            // The configuration reader refuses this; kept as an error, not a panic.
            _ => Err(PollError::Authentication {
                reason: "no credentials configured (username with password_env, or token_env)"
                    .into(),
            }),
        }
    }
}

/// A Table API client for one poll.
pub(super) struct Client<'a> {
    http: &'a reqwest::Client,
    base_url: String,
    auth: Auth,
    options: &'a Options,
    /// Named in authentication errors so the operator knows what to fix.
    credential_hint: String,
}

/// A whole query's records, and how many more matched that access control
/// hid from the API user.
pub(super) struct Fetched {
    /// The records received.
    pub records: Vec<Record>,
    /// Matching records not received (counted by the instance, not sent).
    pub hidden: u64,
}

/// One page of a table.
struct Page {
    records: Vec<Record>,
    /// `X-Total-Count`: matching records before access control.
    total: Option<u64>,
    /// Whether the `Link` header offers a next page (`None`: no header).
    has_next: Option<bool>,
}

impl Page {
    /// Whether more records follow once the first `read` slots of the
    /// query's result are read: by the total when the instance gives one,
    /// else by the `Link` header, else until a page comes back empty.
    fn more_after(&self, read: u64) -> bool {
        match (self.total, self.has_next) {
            (Some(total), _) => read < total,
            (None, Some(next)) => next,
            (None, None) => !self.records.is_empty(),
        }
    }
}

/// Why one request did not give a page.
enum Attempt {
    /// Worth another try soon (5xx, timeout, connection error).
    Transient(String),
    /// 429: wait this long first.
    RateLimited(Option<Duration>),
    /// No retry helps.
    Fatal(PollError),
}

impl<'a> Client<'a> {
    /// A client with the credentials the configuration names.
    pub(super) fn new(
        http: &'a reqwest::Client,
        cfg: &ServiceNowSource,
        options: &'a Options,
    ) -> Result<Client<'a>, PollError> {
        let credential_hint = match (&cfg.token_env, &cfg.password_env, &cfg.username) {
            _ if cfg.oauth.is_some() => {
                "a fresh OAuth token was refused too: check the OAuth client's scope and the \
                 API user it runs as"
                    .to_string()
            }
            (Some(var), _, _) => format!("check the token in {var}"),
            (None, Some(var), Some(user)) => {
                format!("check the user {user} and the password in {var}")
            }
            _ => "check the credentials".to_string(),
        };
        Ok(Client {
            http,
            base_url: cfg.base_url.trim_end_matches('/').to_string(),
            auth: Auth::from_env(cfg, options)?,
            options,
            credential_hint,
        })
    }

    /// The base URL, to label what was read.
    pub(super) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Every record of `table` matching the encoded `query`, with `fields`.
    pub(super) async fn fetch_all(
        &self,
        table: &str,
        query: &str,
        fields: &[&str],
    ) -> Result<Vec<Record>, PollError> {
        Ok(self.fetch_all_seen(table, query, fields).await?.records)
    }

    /// [`Self::fetch_all`], telling whether access control hid any matching
    /// record: the instance counts them in `X-Total-Count` and leaves them
    /// out of the page. Without a total nothing can be told.
    pub(super) async fn fetch_all_seen(
        &self,
        table: &str,
        query: &str,
        fields: &[&str],
    ) -> Result<Fetched, PollError> {
        let limit = u64::from(self.options.page_size.max(1));
        let fields = fields.join(",");
        let mut records = Vec::new();
        let mut hidden = 0u64;
        let mut offset = 0u64;
        for _ in 0..self.options.max_pages {
            let params = [
                ("sysparm_query", query.to_string()),
                ("sysparm_fields", fields.clone()),
                ("sysparm_display_value", "false".to_string()),
                ("sysparm_exclude_reference_link", "true".to_string()),
                ("sysparm_limit", limit.to_string()),
                ("sysparm_offset", offset.to_string()),
            ];
            let page = self.page(table, &params).await?;
            // The limit counts records access control then hid: the next
            // page starts a whole limit on, however many arrived.
            offset += limit;
            let more = page.more_after(offset);
            if let Some(total) = page.total {
                let slots = total.saturating_sub(offset - limit).min(limit);
                hidden += slots.saturating_sub(page.records.len() as u64);
            }
            records.extend(page.records);
            if records.len() > self.options.max_held_records {
                return Err(PollError::BadResponse {
                    table: table.to_string(),
                    reason: format!(
                        "more than {} records for one query (a short list was expected): \
                         refused rather than held in memory",
                        self.options.max_held_records
                    ),
                });
            }
            if !more {
                return Ok(Fetched { records, hidden });
            }
        }
        Err(self.too_many_pages(table))
    }

    /// One record of `table` matching `query`, to see whether the API user
    /// may read it: the records received and how many matched (`None`
    /// without `X-Total-Count`).
    pub(super) async fn probe(
        &self,
        table: &str,
        query: &str,
    ) -> Result<(usize, Option<u64>), PollError> {
        let params = [
            ("sysparm_query", query.to_string()),
            ("sysparm_fields", "sys_id".to_string()),
            ("sysparm_display_value", "false".to_string()),
            ("sysparm_exclude_reference_link", "true".to_string()),
            ("sysparm_limit", "1".to_string()),
            ("sysparm_offset", "0".to_string()),
        ];
        let page = self.page(table, &params).await?;
        Ok((page.records.len(), page.total))
    }

    /// The next page of an incremental read (see [`Pager`]); `None` once
    /// the read is complete. A page may be empty while more follow (every
    /// record of it hidden by access control).
    pub(super) async fn next_page(
        &self,
        pager: &mut Pager,
    ) -> Result<Option<Vec<Record>>, PollError> {
        if pager.done {
            return Ok(None);
        }
        if pager.pages >= self.options.max_pages {
            return Err(self.too_many_pages(pager.table));
        }
        pager.pages += 1;
        let limit = u64::from(self.options.page_size.max(1));
        let filters: Vec<&str> = pager.filters.iter().map(String::as_str).collect();
        let after = pager
            .after
            .as_ref()
            .map(|(v, id)| (v.as_str(), id.as_str()));
        let query = incremental_query(
            pager.since.as_deref(),
            pager.overlap,
            after,
            &filters,
            ORDER_BY,
        );
        let params = [
            ("sysparm_query", query),
            ("sysparm_fields", pager.fields.clone()),
            ("sysparm_display_value", "false".to_string()),
            ("sysparm_exclude_reference_link", "true".to_string()),
            ("sysparm_limit", limit.to_string()),
            ("sysparm_offset", pager.skip.to_string()),
        ];
        let page = self.page(pager.table, &params).await?;
        let more = page.more_after(pager.skip + limit);
        match page.records.last() {
            Some(last) => {
                let key = page_key(last, ORDER_BY).map_err(|reason| PollError::BadResponse {
                    table: pager.table.to_string(),
                    reason: format!("{reason}: cannot page past it"),
                })?;
                pager.after = Some(key);
                pager.skip = 0;
            }
            // The limit counts records access control then hid: a page of
            // hidden ones is stepped over by offset from the same key.
            None => pager.skip += limit,
        }
        pager.done = !more;
        Ok(Some(page.records))
    }

    /// A read past [`Options::max_pages`]: a guard against paging forever.
    fn too_many_pages(&self, table: &str) -> PollError {
        PollError::BadResponse {
            table: table.to_string(),
            reason: format!(
                "more than {} pages of {}: giving up rather than paging forever",
                self.options.max_pages, self.options.page_size
            ),
        }
    }

    /// One page, retried: transient failures with exponential backoff, rate
    /// limits after the wait the instance asks for (capped).
    async fn page(&self, table: &str, params: &[(&str, String)]) -> Result<Page, PollError> {
        let mut failures = 0u32;
        let mut rate_limited = 0u32;
        let mut renewed = false;
        loop {
            match self.attempt(table, params).await {
                Ok(page) => return Ok(page),
                // A token the instance no longer takes (revoked, or expired
                // early): once, a fresh one.
                Err(Attempt::Fatal(PollError::Authentication { .. }))
                    if !renewed && matches!(self.auth, Auth::OAuth(_)) =>
                {
                    if let Auth::OAuth(oauth) = &self.auth {
                        oauth.invalidate();
                    }
                    renewed = true;
                    warn!(
                        table,
                        "ServiceNow refused the OAuth token (HTTP 401): getting a new one"
                    );
                }
                Err(Attempt::Fatal(e)) => return Err(e),
                // An hourly limit spent: waiting it out would hold the poll
                // for most of an hour. What was stored stays, each table's
                // watermark where its last stored page left it, and the
                // next scheduled poll resumes from there.
                Err(Attempt::RateLimited(Some(wait))) if wait > self.options.max_retry_after => {
                    return Err(PollError::Unavailable {
                        table: table.to_string(),
                        reason: format!(
                            "rate limited (HTTP 429) for another {} s, longer than the {} s a \
                             poll waits: the instance's rate limit is spent; the next scheduled \
                             poll resumes where this one stopped",
                            wait.as_secs(),
                            self.options.max_retry_after.as_secs()
                        ),
                    });
                }
                Err(Attempt::RateLimited(wait)) => {
                    rate_limited += 1;
                    if rate_limited > self.options.rate_limit_waits {
                        return Err(PollError::Unavailable {
                            table: table.to_string(),
                            reason: format!(
                                "still rate limited (HTTP 429) after {} waits",
                                self.options.rate_limit_waits
                            ),
                        });
                    }
                    let wait = wait
                        .unwrap_or(self.options.backoff)
                        .min(self.options.max_retry_after);
                    warn!(
                        table,
                        wait_seconds = wait.as_secs_f64(),
                        "ServiceNow rate limit (HTTP 429): waiting"
                    );
                    tokio::time::sleep(wait).await;
                }
                Err(Attempt::Transient(reason)) => {
                    failures += 1;
                    if failures >= self.options.attempts {
                        return Err(PollError::Unavailable {
                            table: table.to_string(),
                            reason: format!("{reason} (tried {failures} times)"),
                        });
                    }
                    let wait = self.options.backoff * 2u32.saturating_pow(failures - 1);
                    warn!(table, %reason, retry_in_seconds = wait.as_secs_f64(), "ServiceNow request failed: retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn attempt(&self, table: &str, params: &[(&str, String)]) -> Result<Page, Attempt> {
        let address = format!("{}/api/now/table/{table}", self.base_url);
        let mut url = reqwest::Url::parse(&address).map_err(|e| {
            Attempt::Fatal(PollError::BadResponse {
                table: table.to_string(),
                reason: format!("base_url does not make a valid address ({e})"),
            })
        })?;
        url.query_pairs_mut()
            .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
        let request = self
            .http
            .get(url)
            .header(ACCEPT, "application/json")
            .timeout(self.options.request_timeout);
        let request = match &self.auth {
            Auth::Basic { username, password } => request.basic_auth(username, Some(password)),
            Auth::Bearer(token) => request.bearer_auth(token),
            Auth::OAuth(oauth) => {
                let token = oauth
                    .token(self.http, self.options.request_timeout)
                    .await
                    .map_err(Attempt::Fatal)?;
                request.bearer_auth(token)
            }
        };
        let response = request
            .send()
            .await
            .map_err(|e| Attempt::Transient(self.describe(e)))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = self.read_body(table, response).await?;
        match status {
            s if s.is_success() => parse_page(&body, &headers).map_err(|reason| {
                Attempt::Fatal(PollError::BadResponse {
                    table: table.to_string(),
                    reason,
                })
            }),
            StatusCode::UNAUTHORIZED => Err(Attempt::Fatal(PollError::Authentication {
                reason: format!(
                    "ServiceNow answered HTTP 401 reading {table} ({}; {})",
                    error_message(&body).unwrap_or_else(|| "no reason given".into()),
                    self.credential_hint
                ),
            })),
            StatusCode::FORBIDDEN => Err(Attempt::Fatal(PollError::AccessDenied {
                table: table.to_string(),
                reason: format!(
                    "ServiceNow answered HTTP 403 ({}; the API user needs read access to {table})",
                    error_message(&body).unwrap_or_else(|| "no reason given".into())
                ),
            })),
            // API v1 answers 404 for a query that matches nothing.
            StatusCode::NOT_FOUND if is_empty_result(&body) => Ok(Page {
                records: Vec::new(),
                total: Some(0),
                has_next: Some(false),
            }),
            StatusCode::TOO_MANY_REQUESTS => Err(Attempt::RateLimited(retry_after(&headers))),
            s if s.is_server_error() => Err(Attempt::Transient(format!(
                "HTTP {s}{}",
                error_message(&body)
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            ))),
            s => Err(Attempt::Fatal(PollError::BadResponse {
                table: table.to_string(),
                reason: format!(
                    "HTTP {s}{} (is base_url the instance's address?)",
                    error_message(&body)
                        .map(|m| format!(": {m}"))
                        .unwrap_or_default()
                ),
            })),
        }
    }

    /// The answer's body, refused past [`MAX_PAGE_BYTES`]: a page is read
    /// whole, and whoever answers at the instance's address could send one
    /// without end.
    async fn read_body(
        &self,
        table: &str,
        mut response: reqwest::Response,
    ) -> Result<Vec<u8>, Attempt> {
        let too_big = || {
            Attempt::Fatal(PollError::BadResponse {
                table: table.to_string(),
                reason: format!(
                    "a page larger than {MAX_PAGE_BYTES} bytes: refused (is page_size too large?)"
                ),
            })
        };
        if response
            .content_length()
            .is_some_and(|n| n > MAX_PAGE_BYTES)
        {
            return Err(too_big());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| Attempt::Transient(self.describe(e)))?
        {
            if (body.len() + chunk.len()) as u64 > MAX_PAGE_BYTES {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// A transport error in words, with its causes, and without the URL
    /// (which could carry credentials a user put in base_url).
    fn describe(&self, e: reqwest::Error) -> String {
        if e.is_timeout() {
            return format!(
                "no answer within {} s",
                self.options.request_timeout.as_secs_f64()
            );
        }
        let e = e.without_url();
        let mut text = e.to_string();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            text.push_str(": ");
            text.push_str(&c.to_string());
            cause = c.source();
        }
        text
    }
}

fn parse_page(body: &[u8], headers: &HeaderMap) -> Result<Page, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        format!(
            "the body is not JSON ({e}); a hibernating or maintenance page? It starts: {}",
            String::from_utf8_lossy(&body[..body.len().min(80)])
        )
    })?;
    let records = match value.get("result") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_object().cloned())
            .collect(),
        Some(Value::Object(one)) => vec![one.clone()],
        _ => return Err("the body has no \"result\"".into()),
    };
    let total = headers
        .get("x-total-count")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let has_next = headers
        .get(LINK)
        .and_then(|v| v.to_str().ok())
        .map(has_next_link);
    Ok(Page {
        records,
        total,
        has_next,
    })
}

/// Whether a `Link` header names a `rel="next"` page.
fn has_next_link(link: &str) -> bool {
    link.split(',').any(|part| {
        part.split(';').skip(1).any(|param| {
            let param = param.trim().to_ascii_lowercase();
            param == "rel=\"next\"" || param == "rel=next"
        })
    })
}

/// How long a 429 asks to wait: `Retry-After` in seconds (the HTTP-date
/// form is rare here: ignored), else until `X-RateLimit-Reset` (Unix time,
/// as ServiceNow's rate limit rules send it).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
    if let Some(seconds) = number(RETRY_AFTER.as_str()) {
        return Some(Duration::from_secs(seconds));
    }
    let reset = number("x-ratelimit-reset")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now)))
}

/// ServiceNow's `{"error":{"message":…,"detail":…}}`, as one line.
fn error_message(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let error = value.get("error")?;
    let message = error.get("message").and_then(Value::as_str).unwrap_or("");
    let detail = error.get("detail").and_then(Value::as_str).unwrap_or("");
    let text = match (message.is_empty(), detail.is_empty()) {
        (false, false) => format!("{message}: {detail}"),
        (false, true) => message.to_string(),
        (true, false) => detail.to_string(),
        (true, true) => return None,
    };
    Some(text.chars().take(300).collect())
}

/// A 404 that means "no records" (API v1), not a wrong address.
fn is_empty_result(body: &[u8]) -> bool {
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => {
            value.get("result").is_some()
                || error_message(body).is_some_and(|m| m.contains("No Record found"))
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_next_links() {
        let link = r#"<https://x.service-now.com/api/now/table/incident?sysparm_limit=2&sysparm_offset=0>;rel="first",<https://x.service-now.com/api/now/table/incident?sysparm_limit=2&sysparm_offset=2>;rel="next",<https://x.service-now.com/api/now/table/incident?sysparm_limit=2&sysparm_offset=4>;rel="last""#;
        assert!(has_next_link(link));
        let last = r#"<https://x/api?sysparm_offset=0>;rel="first",<https://x/api?sysparm_offset=2>;rel="prev",<https://x/api?sysparm_offset=4>;rel="last""#;
        assert!(!has_next_link(last));
    }

    #[test]
    fn tells_an_empty_404_from_a_wrong_address() {
        assert!(is_empty_result(
            br#"{"error":{"message":"No Record found","detail":"Records matching query not found."},"status":"failure"}"#
        ));
        assert!(is_empty_result(br#"{"result":[]}"#));
        assert!(!is_empty_result(b"<html>Not Found</html>"));
    }

    #[test]
    fn reads_fields_as_strings() {
        let record: Record =
            serde_json::from_str(r#"{"a":" x ","b":"","c":{"value":"id1","link":"…"}}"#).unwrap();
        assert_eq!(field(&record, "a"), Some("x"));
        assert_eq!(field(&record, "b"), None);
        assert_eq!(field(&record, "c"), Some("id1"));
        assert_eq!(field(&record, "d"), None);
    }
}
