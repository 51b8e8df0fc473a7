//! Who is signed in to the web desk, decided for every request of its
//! pages by [`resolve`], before any handler runs.
//!
//! A person is signed in by a session cookie (its id random, only its
//! SHA-256 in the store, so a second daemon on the same store honours it),
//! or by the single sign-on proxy's header when the request comes from one
//! of `[web] trusted_proxies`: the header names a person who must have an
//! account (`slawatch user add`), which gives the role and the contracts,
//! and a session is opened for them so their forms carry a CSRF token.
//! Sessions end after `session_idle` unused or `session_absolute` after
//! sign-in, and at sign-out.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use rand::RngExt;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::render::WebError;
use crate::config::Role;
use crate::http::AppState;
use crate::http::auth::Scope;
use crate::store::web::WebUser;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "slawatch_session";

/// The person signed in, as the handlers see them.
#[derive(Debug, Clone)]
pub struct Desk {
    /// Their name: kept as who made a change.
    pub name: String,
    /// Viewer or manager.
    pub role: Role,
    /// The contracts they may see.
    pub scope: Scope,
    /// The token their forms must carry.
    pub csrf: String,
    /// The SHA-256 (hex) of their session's id.
    pub session: String,
}

impl Desk {
    /// Whether `token` is this session's CSRF token (compared in constant time).
    pub fn csrf_matches(&self, token: &str) -> bool {
        bool::from(self.csrf.as_bytes().ct_eq(token.as_bytes()))
    }

    /// A manager may change records; a viewer is refused (403).
    pub fn require_manager(&self) -> Result<(), WebError> {
        match self.role {
            Role::Manager => Ok(()),
            _ => Err(WebError::Forbidden(
                "Only a manager may change records.".into(),
            )),
        }
    }
}

/// How the request reached the daemon.
#[derive(Debug, Clone, Copy)]
pub struct Transport {
    /// The peer's address, when the server recorded it.
    pub peer: Option<IpAddr>,
    /// The peer is one of `[web] trusted_proxies`.
    pub trusted: bool,
    /// Over TLS as far as the browser is concerned: a trusted proxy said
    /// `X-Forwarded-Proto: https` (the daemon itself serves plain HTTP).
    pub secure: bool,
}

impl Transport {
    fn of(request: &Request, app: &AppState) -> Transport {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let trusted = peer.is_some_and(|ip| app.deps.config.web.trusted_proxies.contains(&ip));
        let secure = trusted
            && request
                .headers()
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
        Transport {
            peer,
            trusted,
            secure,
        }
    }
}

/// The signed-in person, for a handler that needs one: without one, a
/// page sends the browser to sign in, and a form posted is refused.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Desk);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, WebError> {
        match parts.extensions.get::<Desk>() {
            Some(desk) => Ok(SignedIn(desk.clone())),
            None if parts.method == axum::http::Method::GET => Err(WebError::SignIn),
            None => Err(WebError::Forbidden(
                "You are not signed in (or your session has ended): sign in and try again.".into(),
            )),
        }
    }
}

impl FromRequestParts<AppState> for Transport {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, WebError> {
        parts
            .extensions
            .get::<Transport>()
            .copied()
            .ok_or_else(|| WebError::Internal("the request's transport was not recorded".into()))
    }
}

/// A new random token (32 bytes, hex): session ids, CSRF tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    hex::encode(bytes)
}

/// The SHA-256 (hex) a session id is stored under.
pub fn digest(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// A `Set-Cookie` value: HttpOnly and SameSite=Lax always, Secure when the
/// browser reached us over TLS; `max_age` 0 deletes it.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> HeaderValue {
    let mut text = format!("{name}={value}; HttpOnly; SameSite=Lax; Path=/");
    if secure {
        text.push_str("; Secure");
    }
    if let Some(age) = max_age {
        text.push_str(&format!("; Max-Age={age}"));
    }
    // Only hex and fixed words go in: always a valid header value.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Opens a session for `user`: its id for the cookie, and the [`Desk`].
pub async fn open(app: &AppState, user: &WebUser) -> Result<(String, Desk), WebError> {
    let id = random_token();
    let csrf = random_token();
    let session = digest(&id);
    let now = app.now().timestamp();
    let (idle, absolute) = limits(app);
    // Tidy as sessions are opened: at most as often as people sign in.
    app.deps
        .store
        .close_expired_web_sessions(now.saturating_sub(idle), now.saturating_sub(absolute))
        .await?;
    app.deps
        .store
        .open_web_session(&session, &user.name, &csrf, now)
        .await?;
    let desk = desk(user, csrf, session)
        .ok_or_else(|| WebError::Internal(format!("user {} has an unknown role", user.name)))?;
    Ok((id, desk))
}

/// `[web] session_idle` and `session_absolute`, in seconds.
fn limits(app: &AppState) -> (i64, i64) {
    let web = &app.deps.config.web;
    let seconds = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    (seconds(web.session_idle), seconds(web.session_absolute))
}

/// The [`Desk`] of an enabled account with a known role.
fn desk(user: &WebUser, csrf: String, session: String) -> Option<Desk> {
    let role = match user.role.as_str() {
        "viewer" => Role::Viewer,
        "manager" => Role::Manager,
        _ => return None,
    };
    if user.disabled_at.is_some() {
        return None;
    }
    Some(Desk {
        name: user.name.clone(),
        role,
        scope: match &user.contracts {
            None => Scope::All,
            Some(ids) => Scope::Only(Arc::from(ids.as_slice())),
        },
        csrf,
        session,
    })
}

/// The session the cookie names, if it is open, unexpired and its person
/// still enabled; an expired one is ended.
async fn from_cookie(app: &AppState, headers: &HeaderMap) -> Result<Option<Desk>, WebError> {
    let Some(id) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let session = digest(id);
    let store = &app.deps.store;
    let Some(row) = store.web_session(&session).await? else {
        return Ok(None);
    };
    let now = app.now().timestamp();
    let (idle, absolute) = limits(app);
    if now.saturating_sub(row.last_seen_at) >= idle
        || now.saturating_sub(row.created_at) >= absolute
    {
        store.close_web_session(&session).await?;
        return Ok(None);
    }
    let Some(user) = store.web_user(&row.user_name).await? else {
        return Ok(None);
    };
    let Some(desk) = desk(&user, row.csrf, session.clone()) else {
        store.close_web_session(&session).await?;
        return Ok(None);
    };
    // Written at most once a minute: a page view need not be a write.
    if now - row.last_seen_at >= 60 {
        store.touch_web_session(&session, now).await?;
    }
    Ok(Some(desk))
}

/// The person the trusted proxy's header names, if the request came from
/// a trusted proxy with it and they have an enabled account.
async fn proxy_user(
    app: &AppState,
    headers: &HeaderMap,
    transport: Transport,
) -> Result<Option<WebUser>, WebError> {
    let Some(header_name) = &app.deps.config.web.auth_proxy_header else {
        return Ok(None);
    };
    if !transport.trusted {
        return Ok(None);
    }
    let Some(name) = headers
        .get(header_name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|n| !n.is_empty())
    else {
        return Ok(None);
    };
    Ok(app
        .deps
        .store
        .web_user(name)
        .await?
        .filter(|u| u.disabled_at.is_none()))
}

/// Who is signed in, and the id of a session opened for them now (for
/// the cookie).
async fn who(
    app: &AppState,
    headers: &HeaderMap,
    transport: Transport,
) -> Result<(Option<Desk>, Option<String>), WebError> {
    let by_cookie = from_cookie(app, headers).await?;
    let by_proxy = proxy_user(app, headers, transport).await?;
    Ok(match (by_cookie, by_proxy) {
        // The proxy names who is at the browser now: a session of
        // someone else's is not theirs.
        (Some(desk), Some(user)) if desk.name != user.name => {
            app.deps.store.close_web_session(&desk.session).await?;
            let (id, desk) = open(app, &user).await?;
            (Some(desk), Some(id))
        }
        (Some(desk), _) => (Some(desk), None),
        (None, Some(user)) => {
            let (id, desk) = open(app, &user).await?;
            (Some(desk), Some(id))
        }
        (None, None) => (None, None),
    })
}

/// The web desk's middleware: who is signed in (see the module's notes),
/// then the page, then the headers every page carries.
pub async fn resolve(State(app): State<AppState>, mut request: Request, next: Next) -> Response {
    let transport = Transport::of(&request, &app);
    let headers = request.headers().clone();
    let (mut response, new_cookie) = match who(&app, &headers, transport).await {
        Ok((desk, new_cookie)) => {
            if let Some(desk) = desk {
                request.extensions_mut().insert(desk);
            }
            request.extensions_mut().insert(transport);
            (next.run(request).await, new_cookie)
        }
        Err(e) => (axum::response::IntoResponse::into_response(e), None),
    };
    if let Some(id) = new_cookie {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, &id, transport.secure, None),
        );
    }
    super::render::security_headers(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_name_from_every_header() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; slawatch_session=abc"),
        );
        h.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn a_cookie_is_secure_only_over_tls() {
        let plain = set_cookie("s", "x", false, None);
        assert_eq!(plain, "s=x; HttpOnly; SameSite=Lax; Path=/");
        let tls = set_cookie("s", "x", true, Some(0));
        assert_eq!(
            tls,
            "s=x; HttpOnly; SameSite=Lax; Path=/; Secure; Max-Age=0"
        );
    }
}
