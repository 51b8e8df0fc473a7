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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    const CONTRACT: &str = "[[contracts]]\nid = \"a\"\nsupplier = \"S\"\ntimezone = \"Europe/London\"\ncurrency = \"GBP\"\nmonthly_charge = \"1.00\"\nmanagers = [\"m@x.example\"]\n";

    fn parse(web: &str) -> Result<crate::config::Config, String> {
        crate::config::parse(&format!("[web]\n{web}\n{CONTRACT}"), "t.toml")
            .map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn defaults_are_local_accounts_and_a_working_day() {
        let c = crate::config::parse(CONTRACT, "t.toml").unwrap();
        assert_eq!(c.web.auth_proxy_header, None);
        assert!(c.web.trusted_proxies.is_empty());
        assert_eq!(c.web.session_idle, Duration::from_secs(1800));
        assert_eq!(c.web.session_absolute, Duration::from_secs(43_200));
    }

    #[test]
    fn a_proxy_header_with_its_proxies_is_read() {
        let c = parse(
            "auth_proxy_header = \"X-Remote-User\"\ntrusted_proxies = [\"10.0.0.5\", \"::1\"]\nsession_idle = \"15m\"\nsession_absolute = \"8h\"",
        )
        .unwrap();
        assert_eq!(c.web.auth_proxy_header.unwrap().as_str(), "x-remote-user");
        assert_eq!(c.web.trusted_proxies.len(), 2);
        assert_eq!(c.web.session_idle, Duration::from_secs(900));
        assert_eq!(c.web.session_absolute, Duration::from_secs(28_800));
    }

    #[test]
    fn mistakes_are_named_with_their_key() {
        let e = parse("auth_proxy_header = \"X-Remote-User\"").unwrap_err();
        assert!(e.contains("web.trusted_proxies"), "{e}");
        let e = parse("auth_proxy_header = \"X Remote\"\ntrusted_proxies = [\"10.0.0.5\"]")
            .unwrap_err();
        assert!(
            e.contains("web.auth_proxy_header") && e.contains("not an HTTP header name"),
            "{e}"
        );
        let e = parse("trusted_proxies = [\"10.0.0.0/8\"]").unwrap_err();
        assert!(
            e.contains("web.trusted_proxies[0]") && e.contains("not an IP address"),
            "{e}"
        );
        let e = parse("session_idle = \"0m\"").unwrap_err();
        assert!(e.contains("web.session_idle"), "{e}");
        let e = parse("sessions = 1").unwrap_err();
        assert!(e.contains("sessions"), "{e}");
        // Only the mistakes: the contract is fine.
        assert!(!e.contains("contracts"), "{e}");
    }
}
