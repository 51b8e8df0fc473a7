//! A fake ServiceNow instance for the connector's tests: the Table API's
//! wire format (`{"result":[…]}` with string values, `X-Total-Count` and
//! `Link` headers), paging by `sysparm_limit`/`sysparm_offset` with the limit
//! applied before access control (so pages can come back short), the
//! encoded-query conditions the connector sends (`^NQ` groups, `=`, `>`,
//! `>=`, `IN`, several `ORDERBY`), basic auth, scripted failures (a status:
//! 429 with `Retry-After`, 500, 401, 403; or a delay), and records changed
//! between two requests, as an instance in use changes them mid-read, and
//! tables the API user lacks the role for (403, or rows filtered out).

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};
use tokio::task::JoinHandle;

/// One stored record: field → string value.
pub type Row = Map<String, Value>;

/// Builds a record from `(field, value)` pairs.
pub fn row(fields: &[(&str, &str)]) -> Row {
    fields
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect()
}

/// A scripted answer to the next request for a table.
#[derive(Debug, Clone)]
pub enum Scripted {
    /// Answer with this status (and `Retry-After`, for 429).
    Status { code: u16, retry_after: Option<u64> },
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Answer 200 with exactly these bytes as the body.
    Body(Vec<u8>),
    /// An hourly rate limit rule spent: 429 with `X-RateLimit-Limit`,
    /// `X-RateLimit-Remaining: 0` and `X-RateLimit-Reset` (Unix time,
    /// `reset_in` seconds on), and `Retry-After` when given; every request
    /// after it too, until [`FakeServiceNow::rate_limit_resets`].
    RateLimitSpent {
        limit: u64,
        reset_in: u64,
        retry_after: bool,
    },
}

/// A request the fake received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub table: String,
    pub params: HashMap<String, String>,
}

impl Seen {
    pub fn query(&self) -> &str {
        self.params.get("sysparm_query").map_or("", String::as_str)
    }

    pub fn offset(&self) -> u64 {
        self.params
            .get("sysparm_offset")
            .and_then(|o| o.parse().ok())
            .unwrap_or(0)
    }
}

#[derive(Default)]
struct Inner {
    tables: BTreeMap<String, Vec<Row>>,
    /// sys_ids access control hides from the API user.
    hidden: HashSet<String>,
    script: HashMap<String, VecDeque<Scripted>>,
    seen: Vec<Seen>,
    /// The `Authorization` header a request must carry.
    authorization: String,
    /// Answer an empty result with API v1's 404.
    empty_as_404: bool,
    /// Leave out `X-Total-Count` (paging by `Link` alone).
    no_total: bool,
    base_url: String,
    /// Records to put into a table once it has answered so many requests.
    changes: Vec<(String, usize, Vec<Row>)>,
    /// Tables the API user lacks the role for, and how the instance says so.
    restricted: HashMap<String, Restriction>,
    /// The OAuth client registered, when any.
    oauth: Option<OAuthServer>,
    /// A spent hourly rate limit: every request is refused until it resets.
    spent: Option<Scripted>,
}

/// `oauth_token.do` for one client: tokens that expire.
struct OAuthServer {
    client_id: String,
    client_secret: String,
    lifetime: Duration,
    /// Access tokens issued, with when each expires.
    access: HashMap<String, std::time::Instant>,
    refresh: HashSet<String>,
    issued: usize,
}

/// How an instance answers a table the API user lacks the role for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restriction {
    /// A table-level read ACL: HTTP 403 "User Not Authorized".
    Forbidden,
    /// Row-level ACLs: every row is counted in `X-Total-Count` but none is
    /// sent (the answer is 200 with an empty or short `result`).
    Filtered,
}

/// A running fake instance. Stops when dropped.
pub struct FakeServiceNow {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
    server: JoinHandle<()>,
}

impl Drop for FakeServiceNow {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeServiceNow {
    /// Starts on 127.0.0.1 on a free port, accepting `username`/`password`.
    pub async fn start(username: &str, password: &str) -> FakeServiceNow {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake ServiceNow");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let inner = Arc::new(Mutex::new(Inner {
            authorization: format!(
                "Basic {}",
                base64(format!("{username}:{password}").as_bytes())
            ),
            base_url: url.clone(),
            ..Inner::default()
        }));
        let app = Router::new()
            .route("/api/now/table/{table}", get(table))
            .route("/oauth_token.do", axum::routing::post(token))
            .with_state(inner.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake ServiceNow");
        });
        FakeServiceNow { url, inner, server }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.inner.lock().unwrap())
    }

    /// Adds records to a table, or replaces those with the same sys_id.
    pub fn put(&self, table: &str, rows: Vec<Row>) {
        self.with(|i| {
            let stored = i.tables.entry(table.to_string()).or_default();
            for r in rows {
                let id = r.get("sys_id").cloned();
                match stored
                    .iter_mut()
                    .find(|s| id.is_some() && s.get("sys_id") == id.as_ref())
                {
                    Some(s) => *s = r,
                    None => stored.push(r),
                }
            }
        });
    }

    /// Adds records written as the Table API sends them: a JSON array of
    /// objects with string values.
    pub fn put_json(&self, table: &str, json: &str) {
        let rows: Vec<Row> = serde_json::from_str(json).expect("test records are JSON");
        self.put(table, rows);
    }

    /// Puts `rows` into `table` once it has answered `requests` requests:
    /// a record updated while the connector is paging through the table.
    pub fn change_after(&self, table: &str, requests: usize, rows: Vec<Row>) {
        self.with(|i| i.changes.push((table.to_string(), requests, rows)));
    }

    /// Makes `table` unreadable to the API user, as an instance whose user
    /// lacks the table's role answers (`sys_audit` needs `audit_viewer`).
    pub fn restrict(&self, table: &str, how: Restriction) {
        self.with(|i| i.restricted.insert(table.to_string(), how));
    }

    /// Defines `table`'s fields in `sys_dictionary` (for the task tables,
    /// define `task` too). From then on the instance ignores a query term
    /// naming a field the table lacks, as a real one does by default.
    pub fn define(&self, table: &str, fields: &[&str]) {
        let rows = fields
            .iter()
            .map(|f| {
                row(&[
                    ("sys_id", &format!("dict-{table}-{f}")),
                    ("name", table),
                    ("element", f),
                ])
            })
            .collect();
        self.put("sys_dictionary", rows);
    }

    /// Registers an OAuth client whose access tokens last `lifetime`
    /// (30 minutes on a real instance); refresh tokens do not expire here.
    pub fn oauth(&self, client_id: &str, client_secret: &str, lifetime: Duration) {
        self.with(|i| {
            i.oauth = Some(OAuthServer {
                client_id: client_id.to_string(),
                client_secret: client_secret.to_string(),
                lifetime,
                access: HashMap::new(),
                refresh: HashSet::new(),
                issued: 0,
            })
        });
    }

    /// The hour is up: a spent rate limit is available again.
    pub fn rate_limit_resets(&self) {
        self.with(|i| i.spent = None);
    }

    /// Revokes every access token issued (refresh tokens stay valid).
    pub fn revoke_access_tokens(&self) {
        self.with(|i| {
            if let Some(o) = i.oauth.as_mut() {
                o.access.clear();
            }
        });
    }

    /// Issues a refresh token, as an administrator does for a client.
    pub fn issue_refresh_token(&self, token: &str) {
        self.with(|i| {
            if let Some(o) = i.oauth.as_mut() {
                o.refresh.insert(token.to_string());
            }
        });
    }

    /// The grant types asked of `oauth_token.do`, in order.
    pub fn grants(&self) -> Vec<String> {
        self.seen_for("oauth_token.do")
            .into_iter()
            .filter_map(|s| s.params.get("grant_type").cloned())
            .collect()
    }

    /// Grants the role again.
    pub fn grant(&self, table: &str) {
        self.with(|i| i.restricted.remove(table));
    }

    /// Hides a record from the API user (access control).
    pub fn hide(&self, sys_id: &str) {
        self.with(|i| i.hidden.insert(sys_id.to_string()));
    }

    /// Queues scripted answers for the next requests for `table`.
    pub fn script(&self, table: &str, answers: &[Scripted]) {
        self.with(|i| {
            i.script
                .entry(table.to_string())
                .or_default()
                .extend(answers.iter().cloned())
        });
    }

    /// Drops every scripted answer not given yet.
    pub fn clear_script(&self) {
        self.with(|i| i.script.clear());
    }

    pub fn empty_as_404(&self) {
        self.with(|i| i.empty_as_404 = true);
    }

    pub fn without_total_count(&self) {
        self.with(|i| i.no_total = true);
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.with(|i| i.seen.clone())
    }

    /// The requests for one table.
    pub fn seen_for(&self, table: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.table == table)
            .collect()
    }

    pub fn forget_seen(&self) {
        self.with(|i| i.seen.clear());
    }
}

fn error(code: StatusCode, message: &str, detail: &str) -> Response {
    (
        code,
        axum::Json(json!({"error": {"message": message, "detail": detail}, "status": "failure"})),
    )
        .into_response()
}

async fn table(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(table): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let scripted = {
        let mut i = inner.lock().unwrap();
        let answered = i.seen.iter().filter(|s| s.table == table).count();
        let due: Vec<Vec<Row>> = {
            let (due, later) = std::mem::take(&mut i.changes)
                .into_iter()
                .partition(|(t, after, _)| *t == table && *after <= answered);
            i.changes = later;
            due.into_iter().map(|(_, _, rows)| rows).collect()
        };
        for rows in due {
            let stored = i.tables.entry(table.clone()).or_default();
            for r in rows {
                match stored
                    .iter_mut()
                    .find(|s| s.get("sys_id") == r.get("sys_id"))
                {
                    Some(s) => *s = r,
                    None => stored.push(r),
                }
            }
        }
        i.seen.push(Seen {
            table: table.clone(),
            params: params.clone(),
        });
        let next = i.script.get_mut(&table).and_then(VecDeque::pop_front);
        if let Some(spent @ Scripted::RateLimitSpent { .. }) = &next {
            i.spent = Some(spent.clone());
        }
        i.spent.clone().or(next)
    };
    match scripted {
        Some(Scripted::Status { code, retry_after }) => {
            let code = StatusCode::from_u16(code).unwrap();
            let mut response = error(code, "Scripted failure", "the test asked for it");
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert("retry-after", HeaderValue::from(seconds));
            }
            return response;
        }
        Some(Scripted::RateLimitSpent {
            limit,
            reset_in,
            retry_after,
        }) => {
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                "Rate limit exceeded",
                "The rate limit for this user has been exceeded",
            );
            let reset = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
                + reset_in;
            let h = response.headers_mut();
            h.insert("x-ratelimit-limit", HeaderValue::from(limit));
            h.insert("x-ratelimit-remaining", HeaderValue::from(0));
            h.insert("x-ratelimit-reset", HeaderValue::from(reset));
            if retry_after {
                h.insert("retry-after", HeaderValue::from(reset_in));
            }
            return response;
        }
        Some(Scripted::Delay(d)) => tokio::time::sleep(d).await,
        Some(Scripted::Body(bytes)) => {
            return (
                StatusCode::OK,
                [("content-type", "application/json")],
                bytes,
            )
                .into_response();
        }
        None => {}
    }
    let i = inner.lock().unwrap();
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let bearer = given.strip_prefix("Bearer ").is_some_and(|t| {
        i.oauth.as_ref().is_some_and(|o| {
            o.access
                .get(t)
                .is_some_and(|expires| *expires > std::time::Instant::now())
        })
    });
    let authorised = bearer || given == i.authorization;
    if !authorised {
        return error(
            StatusCode::UNAUTHORIZED,
            "User Not Authenticated",
            "Required to provide Auth information",
        );
    }
    let restriction = i.restricted.get(&table).copied();
    if restriction == Some(Restriction::Forbidden) {
        return error(
            StatusCode::FORBIDDEN,
            "User Not Authorized",
            "Failed ACL Validation",
        );
    }
    // An instance ignores a term naming a field the table lacks (unless
    // glide.invalid_query.returns_no_rows is set): the rest reads wider.
    let query = params.get("sysparm_query").map_or("", String::as_str);
    let query = match known_fields(&i, &table) {
        Some(known) => drop_invalid_terms(query, &known),
        None => query.to_string(),
    };
    let conditions = match parse_query(&query) {
        Ok(c) => c,
        Err(term) => {
            return error(StatusCode::BAD_REQUEST, "Unsupported query term", &term);
        }
    };
    let mut matching: Vec<&Row> = i
        .tables
        .get(&table)
        .map(|rows| rows.iter().filter(|r| conditions.matches(r)).collect())
        .unwrap_or_default();
    matching.sort_by(|a, b| {
        conditions
            .order_by
            .iter()
            .map(|field| text(a, field).cmp(text(b, field)))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let total = matching.len();
    let limit: usize = params
        .get("sysparm_limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(10_000);
    let offset: usize = params
        .get("sysparm_offset")
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    let fields: Option<Vec<&str>> = params.get("sysparm_fields").map(|f| f.split(',').collect());
    // The limit is applied first, access control after: pages can be short.
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .filter(|r| !i.hidden.contains(text(r, "sys_id")))
        .filter(|_| restriction.is_none())
        .map(|r| {
            let projected: Row = match &fields {
                Some(fields) => fields
                    .iter()
                    .map(|f| (f.to_string(), Value::String(text(r, f).to_string())))
                    .collect(),
                None => (*r).clone(),
            };
            Value::Object(projected)
        })
        .collect();
    if page.is_empty() && total == 0 && i.empty_as_404 {
        return error(
            StatusCode::NOT_FOUND,
            "No Record found",
            "Records matching query not found. Check query parameter or offending query parameter",
        );
    }
    let mut response = axum::Json(json!({ "result": page })).into_response();
    let h = response.headers_mut();
    if !i.no_total {
        h.insert("x-total-count", HeaderValue::from(total));
    }
    let link = |rel: &str, at: usize| {
        format!(
            "<{}/api/now/table/{table}?sysparm_limit={limit}&sysparm_offset={at}>;rel=\"{rel}\"",
            i.base_url
        )
    };
    let last = if total == 0 {
        0
    } else {
        (total - 1) / limit * limit
    };
    let mut links = vec![link("first", 0)];
    if offset > 0 {
        links.push(link("prev", offset.saturating_sub(limit)));
    }
    if offset + limit < total {
        links.push(link("next", offset + limit));
    }
    links.push(link("last", last));
    h.insert("link", HeaderValue::from_str(&links.join(",")).unwrap());
    response
}

/// The fields `sys_dictionary` defines for `table` (and for `task`, which
/// incident, problem and change_request extend); `None` when the fake
/// defines none for it.
fn known_fields(i: &Inner, table: &str) -> Option<HashSet<String>> {
    let task_family = ["incident", "problem", "change_request"].contains(&table);
    let known: HashSet<String> = i
        .tables
        .get("sys_dictionary")?
        .iter()
        .filter(|r| text(r, "name") == table || (task_family && text(r, "name") == "task"))
        .map(|r| text(r, "element").to_string())
        .collect();
    let own = i
        .tables
        .get("sys_dictionary")?
        .iter()
        .any(|r| text(r, "name") == table);
    own.then_some(known)
}

/// `query` without the terms whose field (its first segment) is unknown.
fn drop_invalid_terms(query: &str, known: &HashSet<String>) -> String {
    query
        .split("^NQ")
        .map(|group| {
            group
                .split('^')
                .filter(|term| {
                    let term = term.strip_prefix("ORDERBY").unwrap_or(term);
                    let name: String = term
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                        .collect();
                    name.is_empty() || known.contains(&name)
                })
                .collect::<Vec<_>>()
                .join("^")
        })
        .collect::<Vec<_>>()
        .join("^NQ")
}

/// `oauth_token.do`: the client-credentials and refresh-token grants,
/// form-encoded, answered as ServiceNow answers them.
async fn token(State(inner): State<Arc<Mutex<Inner>>>, body: String) -> Response {
    let url = reqwest::Url::parse(&format!("http://x/?{body}")).unwrap();
    let form: HashMap<String, String> = url.query_pairs().into_owned().collect();
    let mut i = inner.lock().unwrap();
    i.seen.push(Seen {
        table: "oauth_token.do".into(),
        params: form.clone(),
    });
    let refused = |code: StatusCode, error: &str, description: &str| {
        (
            code,
            axum::Json(json!({"error": error, "error_description": description})),
        )
            .into_response()
    };
    let Some(o) = i.oauth.as_mut() else {
        return refused(StatusCode::UNAUTHORIZED, "server_error", "access_denied");
    };
    let field = |k: &str| form.get(k).map_or("", String::as_str);
    if field("client_id") != o.client_id || field("client_secret") != o.client_secret {
        return refused(StatusCode::UNAUTHORIZED, "server_error", "access_denied");
    }
    match field("grant_type") {
        "client_credentials" => {}
        "refresh_token" if o.refresh.contains(field("refresh_token")) => {}
        "refresh_token" => {
            return refused(
                StatusCode::UNAUTHORIZED,
                "invalid_grant",
                "invalid refresh token",
            );
        }
        _ => return refused(StatusCode::BAD_REQUEST, "unsupported_grant_type", "grant"),
    }
    o.issued += 1;
    let access = format!("access-{}", o.issued);
    let refresh = format!("refresh-{}", o.issued);
    o.access
        .insert(access.clone(), std::time::Instant::now() + o.lifetime);
    o.refresh.insert(refresh.clone());
    axum::Json(json!({
        "access_token": access,
        "refresh_token": refresh,
        "scope": "useraccount",
        "token_type": "Bearer",
        "expires_in": o.lifetime.as_secs(),
    }))
    .into_response()
}

fn text<'r>(r: &'r Row, field: &str) -> &'r str {
    r.get(field).and_then(Value::as_str).unwrap_or("")
}

enum Op {
    Eq(String),
    After(String),
    AtLeast(String),
    In(Vec<String>),
}

/// An encoded query: `^NQ` groups, any of which a record may match (all of
/// its terms), and the fields to order by, first first.
#[derive(Default)]
struct Conditions {
    groups: Vec<Vec<(String, Op)>>,
    order_by: Vec<String>,
}

impl Conditions {
    fn matches(&self, r: &Row) -> bool {
        self.groups.is_empty()
            || self.groups.iter().any(|terms| {
                terms.iter().all(|(field, op)| {
                    let v = text(r, field);
                    match op {
                        Op::Eq(x) => v == x,
                        Op::After(x) => v > x.as_str(),
                        Op::AtLeast(x) => v >= x.as_str(),
                        Op::In(xs) => xs.iter().any(|x| x == v),
                    }
                })
            })
    }
}

/// The encoded-query terms the connector uses: `a=b`, `a>b`, `a>=b`,
/// `aINx,y`, `ORDERBYa`, joined by `^`, in groups joined by `^NQ`. Anything
/// else (an `^OR`, say) is refused, so a test notices.
fn parse_query(query: &str) -> Result<Conditions, String> {
    let mut c = Conditions::default();
    for group in query.split("^NQ") {
        let mut terms = Vec::new();
        for term in group.split('^').filter(|t| !t.is_empty()) {
            if let Some(field) = term.strip_prefix("ORDERBY") {
                c.order_by.push(field.to_string());
            } else if term.starts_with("OR") || term.starts_with("NQ") {
                return Err(term.to_string());
            } else if let Some((f, v)) = term.split_once(">=") {
                terms.push((f.to_string(), Op::AtLeast(v.to_string())));
            } else if let Some((f, v)) = term.split_once('>') {
                terms.push((f.to_string(), Op::After(v.to_string())));
            } else if let Some(at) = term.find("IN").filter(|&at| {
                term[..at]
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '_' || ch == '.')
            }) {
                let values = term[at + 2..].split(',').map(str::to_string).collect();
                terms.push((term[..at].to_string(), Op::In(values)));
            } else if let Some((f, v)) = term.split_once('=') {
                terms.push((f.to_string(), Op::Eq(v.to_string())));
            } else {
                return Err(term.to_string());
            }
        }
        if !terms.is_empty() {
            c.groups.push(terms);
        }
    }
    Ok(c)
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (k, b)| n | u32::from(*b) << (16 - 8 * k));
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_matches_rfc_4648() {
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    assert_eq!(base64(b"fooba"), "Zm9vYmE=");
    assert_eq!(base64(b"foob"), "Zm9vYg==");
}
