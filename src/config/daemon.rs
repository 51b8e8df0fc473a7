//! `[daemon]`: where the store lives, where the daemon listens, and the
//! limits its HTTP server keeps so that clients it cannot trust (the
//! supplier among them) cannot hold its memory or its connections.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use toml::{Table, Value};

use super::load::{parse_duration, section};
use super::model::DaemonConfig;
use super::reader::{Problems, Section};

/// The largest request body the HTTP API accepts by default (10 MiB).
const DEFAULT_MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;
/// Time to send a request's headers, or to start the next one on a
/// keep-alive connection: generous for any real client on any network.
const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Time for the rest of a request: 10 MiB at 3 Mbit/s, or the slowest
/// month report, with room to spare.
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Requests served at once: far above what Prometheus, Alertmanager, a
/// supplier's pushes and a few managers need, and at most 64 bodies of
/// `max_request_bytes` held in memory.
const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 64;

/// Month reports the API keeps assembled: a few of the largest months
/// (a 500,000-incident month renders to about 15 MB) or hundreds of
/// ordinary ones.
const DEFAULT_REPORT_CACHE_BYTES: usize = 64 * 1024 * 1024;

const KEYS: [&str; 8] = [
    "database_url",
    "listen",
    "data_dir",
    "max_request_bytes",
    "header_timeout",
    "request_timeout",
    "max_concurrent_requests",
    "report_cache_bytes",
];

/// Reads `[daemon]`; every key has a default.
pub(super) fn daemon(value: Option<&Value>, p: &mut Problems) -> Option<DaemonConfig> {
    let empty = Value::Table(Table::new());
    let s = section(value, "daemon", &KEYS, &empty, p)?;
    let database_url = database_url(&s, p);
    let listen = match s.has("listen") {
        false => Some(SocketAddr::from(([127, 0, 0, 1], 9187))),
        true => s.parsed("listen", p, |t| {
            t.parse::<SocketAddr>().map_err(|_| {
                format!(
                    "'{t}' is not an address to listen on (expected IP:PORT, e.g. 127.0.0.1:9187)"
                )
            })
        }),
    };
    let data_dir = s.string("data_dir", p).unwrap_or("data");
    let max_request_bytes = above_zero(&s, "max_request_bytes", "a size in bytes", p)
        .map(|n| n.unwrap_or(DEFAULT_MAX_REQUEST_BYTES));
    let max_concurrent_requests =
        above_zero(&s, "max_concurrent_requests", "a number of requests", p)
            .map(|n| n.unwrap_or(DEFAULT_MAX_CONCURRENT_REQUESTS));
    let report_cache_bytes = match s.integer("report_cache_bytes", p) {
        None if s.has("report_cache_bytes") => None,
        None => Some(DEFAULT_REPORT_CACHE_BYTES),
        Some(n) => usize::try_from(n).ok().or_else(|| {
            p.push(
                s.key("report_cache_bytes"),
                format!("{n} is not a size in bytes (0 keeps no reports)"),
            );
            None
        }),
    };
    let header_timeout = timeout(&s, "header_timeout", DEFAULT_HEADER_TIMEOUT, p);
    let request_timeout = timeout(&s, "request_timeout", DEFAULT_REQUEST_TIMEOUT, p);
    Some(DaemonConfig {
        database_url: database_url?.to_string(),
        listen: listen?,
        data_dir: PathBuf::from(data_dir),
        max_request_bytes: max_request_bytes?,
        header_timeout: header_timeout?,
        request_timeout: request_timeout?,
        max_concurrent_requests: max_concurrent_requests?,
        report_cache_bytes: report_cache_bytes?,
    })
}

fn database_url<'a>(s: &Section<'a>, p: &mut Problems) -> Option<&'a str> {
    match s.string("database_url", p) {
        None => Some("sqlite://data/slawatch.db"),
        // Secrets stay out of the file, a database password too: the
        // PostgreSQL driver reads PGPASSWORD or ~/.pgpass, as libpq does.
        Some(url) if super::database_url::has_password(url) => {
            p.push(
                s.key("database_url"),
                "holds a password: leave it out of the file and set PGPASSWORD (or use \
                 ~/.pgpass) for the PostgreSQL server"
                    .to_string(),
            );
            None
        }
        Some(url)
            if ["sqlite:", "postgres://", "postgresql://"]
                .iter()
                .any(|scheme| url.starts_with(scheme)) =>
        {
            Some(url)
        }
        Some(url) => {
            p.push(
                s.key("database_url"),
                format!(
                    "'{url}' is not a database URL slawatch can use (expected sqlite://… or \
                     postgres://…)"
                ),
            );
            None
        }
    }
}

/// An optional whole number above zero: `Some(None)` when absent, `None`
/// when wrong (reported).
fn above_zero(s: &Section, key: &str, what: &str, p: &mut Problems) -> Option<Option<usize>> {
    match s.integer(key, p) {
        None if s.has(key) => None,
        None => Some(None),
        Some(n) => match usize::try_from(n) {
            Ok(n) if n > 0 => Some(Some(n)),
            _ => {
                p.push(s.key(key), format!("{n} is not {what} above zero"));
                None
            }
        },
    }
}

/// An optional duration above zero (`"10s"`, `"2m"`), or `default`.
fn timeout(s: &Section, key: &str, default: Duration, p: &mut Problems) -> Option<Duration> {
    match s.has(key) {
        false => Some(default),
        true => s
            .parsed(key, p, parse_duration)
            .map(|seconds| Duration::from_secs(seconds.unsigned_abs())),
    }
}
