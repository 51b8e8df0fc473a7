//! `[web]`: the contract manager's web desk. How long a session lasts, and
//! the single sign-on proxy whose header names the person signed in.

use std::net::IpAddr;
use std::time::Duration;

use toml::{Table, Value};

use super::load::{parse_duration, section};
use super::model::WebConfig;
use super::reader::Problems;

/// A session unused this long is over: a desk left open over lunch asks
/// again, as most council systems do.
const DEFAULT_SESSION_IDLE: Duration = Duration::from_secs(30 * 60);
/// A session is over this long after sign-in however busy: a working day.
const DEFAULT_SESSION_ABSOLUTE: Duration = Duration::from_secs(12 * 60 * 60);

const KEYS: [&str; 4] = [
    "auth_proxy_header",
    "trusted_proxies",
    "session_idle",
    "session_absolute",
];

/// Reads `[web]`; every key has a default (no proxy, local accounts only).
pub(super) fn web(value: Option<&Value>, p: &mut Problems) -> Option<WebConfig> {
    let empty = Value::Table(Table::new());
    let s = section(value, "web", &KEYS, &empty, p)?;
    let auth_proxy_header = match s.string("auth_proxy_header", p) {
        None => Some(None),
        Some(h) => match axum::http::HeaderName::from_bytes(h.trim().as_bytes()) {
            Ok(name) => Some(Some(name)),
            Err(_) => {
                p.push(
                    s.key("auth_proxy_header"),
                    format!("'{h}' is not an HTTP header name (e.g. X-Remote-User)"),
                );
                None
            }
        },
    };
    let mut trusted_proxies = Vec::new();
    let mut proxies_ok = true;
    for (path, text) in s.strings("trusted_proxies", p).unwrap_or_default() {
        match text.trim().parse::<IpAddr>() {
            Ok(ip) => trusted_proxies.push(ip),
            Err(_) => {
                proxies_ok = false;
                p.push(
                    path,
                    format!("'{text}' is not an IP address (e.g. 127.0.0.1 or ::1)"),
                );
            }
        }
    }
    // A header with no proxy to trust it from would never be honoured:
    // say so rather than leave an operator wondering why.
    if matches!(auth_proxy_header, Some(Some(_))) && trusted_proxies.is_empty() && proxies_ok {
        p.push(
            s.key("trusted_proxies"),
            "is needed with auth_proxy_header: the addresses of the proxies whose header is believed"
                .to_string(),
        );
        proxies_ok = false;
    }
    let idle = duration(&s, "session_idle", DEFAULT_SESSION_IDLE, p);
    let absolute = duration(&s, "session_absolute", DEFAULT_SESSION_ABSOLUTE, p);
    Some(WebConfig {
        auth_proxy_header: auth_proxy_header?,
        trusted_proxies: proxies_ok.then_some(trusted_proxies)?,
        session_idle: idle?,
        session_absolute: absolute?,
    })
}

fn duration(
    s: &super::reader::Section,
    key: &str,
    default: Duration,
    p: &mut Problems,
) -> Option<Duration> {
    match s.has(key) {
        false => Some(default),
        true => s
            .parsed(key, p, parse_duration)
            .map(|seconds| Duration::from_secs(seconds.unsigned_abs())),
    }
}
