//! Reading and validating the configuration file.
//!
//! The TOML is parsed into a [`toml::Table`] and walked by hand (see
//! `reader`) so that one run reports every problem with its key path,
//! e.g. `contracts[0].service_levels[2].target: '4x' is not a duration`. A
//! [`Config`] is returned only when nothing is wrong.
//!
//! This file holds the entry points, the small daemon-side sections
//! (`[email]`, `[alerts]`, `[reports]`, `[[api_tokens]]`) and the value rules
//! several sections share; `[daemon]` is in `daemon`, calendars and
//! contracts in `contracts`, sources in `sources`.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use chrono_tz::Tz;
use toml::{Table, Value};

use super::model::{
    AlertsConfig, ApiToken, Config, EmailConfig, ImportLimits, ReconciliationConfig, ReportsConfig,
    Role, SmtpOAuth, TokenSecret,
};
use super::reader::{Problems, Section, all, items, report_duplicates};
use super::sources;
use super::{contracts, daemon};
use crate::domain::percent::PERCENT_SCALE;
use crate::domain::{Percent, parse_duration_seconds};

/// One problem found in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The key path, e.g. `contracts[0].service_levels[2].target`.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

/// Every problem found in one configuration file.
#[derive(Debug, Clone)]
pub struct ConfigError {
    /// The file read.
    pub file: String,
    /// The problems, in file order.
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}: {}: {}", self.file, p.key, p.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Reads and validates a configuration file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: file.clone(),
        problems: vec![Problem {
            key: "(file)".into(),
            message: format!("cannot read: {e}"),
        }],
    })?;
    parse(&text, &file)
}

/// Validates configuration text; `file` names it in errors. Returns every
/// problem at once, or a TOML syntax error alone (nothing can be read past it).
pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
    let error = |problems| ConfigError {
        file: file.to_string(),
        problems,
    };
    let root = text
        .parse::<Table>()
        .map_err(|e| error(vec![syntax_problem(text, &e)]))?;
    let mut p = Problems::default();
    match config(&root, &mut p) {
        Some(config) if p.is_empty() => Ok(config),
        _ => {
            if p.is_empty() {
                // Every reader reports before it returns None; this is a safety net.
                p.push("(file)", "the configuration is incomplete");
            }
            Err(error(p.0))
        }
    }
}

/// A TOML syntax error, keyed by where it is (`line 3, column 7`).
fn syntax_problem(text: &str, e: &toml::de::Error) -> Problem {
    let key = match e.span().and_then(|span| text.get(..span.start)) {
        Some(before) => {
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            format!("line {line}, column {column}")
        }
        None => "(syntax)".to_string(),
    };
    Problem {
        key,
        message: format!("TOML syntax error: {}", e.message().trim()),
    }
}

const ROOT_KEYS: [&str; 12] = [
    "daemon",
    "email",
    "calendars",
    "contracts",
    "sources",
    "alerts",
    "reports",
    "pack",
    "api_tokens",
    "reconciliation",
    "limits",
    "web",
];

fn config(root: &Table, p: &mut Problems) -> Option<Config> {
    let s = Section::root(root);
    s.check_keys(&ROOT_KEYS, p, |_| None);
    let daemon = daemon::daemon(s.value("daemon"), p);
    let email = s.value("email").map(|v| email(v, p));
    let calendars = contracts::calendars(s.value("calendars"), p);
    let (contracts, contract_ids) = contracts::contracts(s.value("contracts"), &calendars, p);
    let sources = sources::sources(s.value("sources"), &contract_ids, p);
    let alerts = alerts(s.value("alerts"), p);
    let reports = reports(s.value("reports"), p);
    let pack = super::pack::pack(s.value("pack"), p);
    let api_tokens = api_tokens(s.value("api_tokens"), &contract_ids, p);
    let reconciliation = reconciliation(s.value("reconciliation"), p);
    let limits = limits(s.value("limits"), p);
    let web = super::web::web(s.value("web"), p);
    Some(Config {
        daemon: daemon?,
        email: match email {
            Some(email) => Some(email?),
            None => None,
        },
        calendars: calendars.valid,
        contracts: contracts?,
        sources: sources?,
        alerts: alerts?,
        reports: reports?,
        pack: pack?,
        api_tokens: api_tokens?,
        reconciliation: reconciliation?,
        limits: limits?,
        web: web?,
    })
}

fn limits(value: Option<&Value>, p: &mut Problems) -> Option<ImportLimits> {
    let empty = Value::Table(Table::new());
    let keys = ["max_file_bytes", "max_record_bytes", "max_unpacked_bytes"];
    let s = section(value, "limits", &keys, &empty, p)?;
    let defaults = ImportLimits::default();
    let mut size = |key: &str, default: u64| match s.integer(key, p) {
        None if !s.has(key) => Some(default),
        None => None,
        Some(n) if n > 0 => Some(n as u64),
        Some(n) => {
            p.push(s.key(key), format!("{n} is not a size in bytes above zero"));
            None
        }
    };
    let max_file_bytes = size("max_file_bytes", defaults.max_file_bytes);
    let max_record_bytes = size("max_record_bytes", defaults.max_record_bytes);
    let max_unpacked_bytes = size("max_unpacked_bytes", defaults.max_unpacked_bytes);
    Some(ImportLimits {
        max_file_bytes: max_file_bytes?,
        max_record_bytes: max_record_bytes?,
        max_unpacked_bytes: max_unpacked_bytes?,
    })
}

/// An absent section reads as an empty table, so every default applies.
pub(super) fn section<'a>(
    value: Option<&'a Value>,
    path: &str,
    known: &[&str],
    empty: &'a Value,
    p: &mut Problems,
) -> Option<Section<'a>> {
    Section::open(value.unwrap_or(empty), path.to_string(), known, p)
}

fn email(value: &Value, p: &mut Problems) -> Option<EmailConfig> {
    let known = [
        "smtp_url",
        "username",
        "password_env",
        "from",
        "ca_file",
        "auth",
        "oauth_token_url",
        "oauth_client_id",
        "oauth_client_secret_env",
        "oauth_scope",
    ];
    let s = Section::open(value, "email".to_string(), &known, p)?;
    let smtp_url = s.req_parsed("smtp_url", p, |t| {
        match ["smtp://", "smtps://"]
            .iter()
            .find_map(|scheme| t.strip_prefix(scheme))
        {
            Some(host) if !host.is_empty() => Ok(t.to_string()),
            _ => Err(format!(
                "'{t}' is not an SMTP URL (expected smtp://host:port, with STARTTLS, \
                 or smtps://host:port)"
            )),
        }
    });
    let username = s.string("username", p);
    let password_env = s.parsed("password_env", p, check_env_name);
    // A password without a user would be silently unused, and the relay
    // then taken as one needing no credentials (and no TLS).
    if username.is_none() && password_env.is_some() {
        p.push(
            s.key("username"),
            "is missing: password_env names a password, which is sent only with a username"
                .to_string(),
        );
    }
    let from = s.req_parsed("from", p, |t| {
        // Either a bare address or `Name <address>`.
        let address = match t.trim().strip_suffix('>') {
            Some(rest) => rest.rsplit_once('<').map_or(rest, |(_, a)| a),
            None => t,
        };
        check_email(address).map(|()| t.trim().to_string())
    });
    let ca_file = s.string("ca_file", p).map(std::path::PathBuf::from);
    let oauth = smtp_oauth(&s, username.is_some(), p);
    Some(EmailConfig {
        smtp_url: smtp_url?,
        username: username.map(str::to_string),
        password_env,
        from: from?,
        ca_file,
        oauth: oauth?,
    })
}

/// `[email] auth` and its `oauth_*` keys: `Some(None)` for password (or no)
/// authentication, `Some(Some(_))` for XOAUTH2, `None` after a problem.
fn smtp_oauth(s: &Section<'_>, has_username: bool, p: &mut Problems) -> Option<Option<SmtpOAuth>> {
    const OAUTH_KEYS: [&str; 4] = [
        "oauth_token_url",
        "oauth_client_id",
        "oauth_client_secret_env",
        "oauth_scope",
    ];
    let auth = s.string("auth", p).unwrap_or("password");
    match auth {
        "password" => {
            for key in OAUTH_KEYS {
                if s.has(key) {
                    p.push(
                        s.key(key),
                        "is used only with auth = \"xoauth2\"".to_string(),
                    );
                }
            }
            return Some(None);
        }
        "xoauth2" => {}
        other => {
            p.push(
                s.key("auth"),
                format!(
                    "'{other}' is not an SMTP authentication (expected \"password\" or \"xoauth2\")"
                ),
            );
            return None;
        }
    }
    if !has_username {
        p.push(
            s.key("username"),
            "is missing: XOAUTH2 needs the mailbox that sends (e.g. alerts@council.example)"
                .to_string(),
        );
    }
    if s.has("password_env") {
        p.push(
            s.key("password_env"),
            "is not used with auth = \"xoauth2\" (the client secret is named by oauth_client_secret_env)"
                .to_string(),
        );
    }
    let token_url = s.req_parsed("oauth_token_url", p, |t| {
        let loopback = ["http://127.0.0.1:", "http://[::1]:", "http://localhost:"]
            .iter()
            .any(|prefix| t.starts_with(prefix));
        if t.starts_with("https://") || loopback {
            Ok(t.to_string())
        } else {
            Err(format!(
                "'{t}' is not an https:// URL (the client secret is sent to it)"
            ))
        }
    });
    let client_id = s.req_string("oauth_client_id", p);
    let client_secret_env = s.req_parsed("oauth_client_secret_env", p, check_env_name);
    let scope = s
        .string("oauth_scope", p)
        .unwrap_or("https://outlook.office365.com/.default");
    Some(Some(SmtpOAuth {
        token_url: token_url?,
        client_id: client_id?.to_string(),
        client_secret_env: client_secret_env?,
        scope: scope.to_string(),
    }))
}

fn alerts(value: Option<&Value>, p: &mut Problems) -> Option<AlertsConfig> {
    let empty = Value::Table(Table::new());
    let known = [
        "at_risk_share",
        "digest_interval",
        "routes",
        "commitment_lead_time",
        "public_url",
        "digest_at",
        "weekly_summary",
    ];
    let s = section(value, "alerts", &known, &empty, p)?;
    let default = AlertsConfig::default();
    let at_risk_share = match s.number("at_risk_share", p) {
        None if !s.has("at_risk_share") => Some(default.at_risk_share),
        Some(share) if share > 0.0 && share < 1.0 => Some(share),
        Some(share) => {
            p.push(
                s.key("at_risk_share"),
                format!(
                    "{share} must be more than 0 and less than 1 (the share of an incident's \
                     target after which it is at risk, e.g. 0.75)"
                ),
            );
            None
        }
        None => None,
    };
    let digest_interval = s.parsed("digest_interval", p, parse_duration);
    let mut routes = std::collections::BTreeMap::new();
    if let Some(table) = s.value("routes") {
        match table {
            Value::Table(t) => {
                for (severity, addresses) in t {
                    let path = format!("{}.{severity}", s.key("routes"));
                    if !["critical", "warning", "info"].contains(&severity.as_str()) {
                        p.push(
                            path.clone(),
                            format!(
                                "unknown severity '{severity}' (expected critical, warning or info)"
                            ),
                        );
                    }
                    let Value::Array(list) = addresses else {
                        p.push(path, "expected a list of email addresses");
                        continue;
                    };
                    let mut valid = Vec::new();
                    for (i, a) in list.iter().enumerate() {
                        let item = format!("{path}[{i}]");
                        match a.as_str().map(|t| (t, check_email(t))) {
                            Some((t, Ok(()))) => valid.push(t.to_string()),
                            Some((_, Err(e))) => p.push(item, e),
                            None => p.push(item, "expected an email address"),
                        }
                    }
                    routes.insert(severity.clone(), valid);
                }
            }
            _ => p.push(
                s.key("routes"),
                "expected a table such as { critical = [\"oncall@council.example\"] }",
            ),
        }
    }
    let lead_days = match s.has("commitment_lead_time") {
        false => Some(default.commitment_lead_days),
        true => s.parsed("commitment_lead_time", p, |t| match parse_duration(t)? {
            secs if secs % 86_400 == 0 => Ok(secs / 86_400),
            _ => Err(format!(
                "'{t}' is not a whole number of days (e.g. \"14d\"): commitments fall due \
                     on dates"
            )),
        }),
    };
    let public_url = s.parsed("public_url", p, |t| {
        let rest = t
            .strip_prefix("https://")
            .or_else(|| t.strip_prefix("http://"));
        match rest {
            Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => {
                Ok(t.to_string())
            }
            _ => Err(format!(
                "'{t}' is not an http(s) address (e.g. \"https://slawatch.council.example\")"
            )),
        }
    });
    let digest_at = match s.has("digest_at") {
        false => Some(default.digest_at),
        true => s.parsed("digest_at", p, |t| match t {
            "off" => Ok(None),
            _ => chrono::NaiveTime::parse_from_str(t, "%H:%M")
                .map(Some)
                .map_err(|_| {
                    format!(
                        "'{t}' is not a local time of day such as \"08:00\" (24-hour HH:MM), \
                         or \"off\""
                    )
                }),
        }),
    };
    let weekly_summary = match s.value("weekly_summary") {
        None => Some(false),
        Some(Value::Boolean(b)) => Some(*b),
        Some(_) => {
            p.push(s.key("weekly_summary"), "expected true or false");
            None
        }
    };
    Some(AlertsConfig {
        weekly_summary: weekly_summary?,
        at_risk_share: at_risk_share?,
        digest_interval_seconds: digest_interval,
        routes,
        commitment_lead_days: lead_days?,
        public_url: match s.has("public_url") {
            true => Some(public_url?),
            false => None,
        },
        digest_at: digest_at?,
    })
}

/// `[reconciliation] tolerance_points`: how far the supplier's own figure may
/// be from slawatch's before it is a discrepancy.
fn reconciliation(value: Option<&Value>, p: &mut Problems) -> Option<ReconciliationConfig> {
    let empty = Value::Table(Table::new());
    let s = section(value, "reconciliation", &["tolerance_points"], &empty, p)?;
    let tolerance = match s.number("tolerance_points", p) {
        None if !s.has("tolerance_points") => ReconciliationConfig::default().tolerance_points,
        None => return None,
        Some(points) => match Percent::from_f64(points) {
            Ok(t) if (0..=100 * PERCENT_SCALE).contains(&t.units()) => t,
            Ok(_) => {
                p.push(
                    s.key("tolerance_points"),
                    format!("{points} is not between 0 and 100 percentage points"),
                );
                return None;
            }
            Err(e) => {
                p.push(s.key("tolerance_points"), e);
                return None;
            }
        },
    };
    Some(ReconciliationConfig {
        tolerance_points: tolerance,
    })
}

fn reports(value: Option<&Value>, p: &mut Problems) -> Option<ReportsConfig> {
    let empty = Value::Table(Table::new());
    let s = section(value, "reports", &["schedule"], &empty, p)?;
    let schedule = match s.has("schedule") {
        true => s.parsed("schedule", p, parse_cron)?,
        false => ReportsConfig::default().schedule,
    };
    Some(ReportsConfig { schedule })
}

fn api_tokens(
    value: Option<&Value>,
    contract_ids: &[String],
    p: &mut Problems,
) -> Option<Vec<ApiToken>> {
    let entries = items(value, "api_tokens", p);
    report_duplicates(&entries, "name", "API token name", p);
    all(entries
        .into_iter()
        .map(|(path, v)| api_token(v, path, contract_ids, p)))
}

fn api_token(
    value: &Value,
    path: String,
    contract_ids: &[String],
    p: &mut Problems,
) -> Option<ApiToken> {
    let known = ["name", "role", "token_sha256", "token_env", "contracts"];
    let s = Section::open(value, path, &known, p)?;
    let name = s.req_string("name", p);
    let role = s.req_parsed("role", p, |t| match t {
        "ingest" => Ok(Role::Ingest),
        "viewer" => Ok(Role::Viewer),
        "manager" => Ok(Role::Manager),
        _ => Err(format!(
            "unknown role '{t}' (expected ingest, viewer or manager)"
        )),
    });
    let sha256 = s.parsed("token_sha256", p, |t| {
        if t.len() == 64 && t.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(TokenSecret::Sha256(t.to_string()))
        } else {
            Err(
                "expected the 64 lower-case hex digits of the token's SHA-256 \
                 (e.g. from `printf %s \"$TOKEN\" | sha256sum`)"
                    .to_string(),
            )
        }
    });
    let env = s
        .parsed("token_env", p, check_env_name)
        .map(TokenSecret::Env);
    let secret = match (s.has("token_sha256"), s.has("token_env")) {
        (true, true) => {
            p.push(
                s.key("token_env"),
                "give token_sha256 or token_env, not both",
            );
            None
        }
        (false, false) => {
            p.push(
                s.key("token_sha256"),
                "required key is missing: give token_sha256 (the token's SHA-256) or \
                 token_env (the variable holding the token)",
            );
            None
        }
        _ => sha256.or(env),
    };
    let contracts = token_contracts(&s, contract_ids, p);
    Some(ApiToken {
        name: name?.to_string(),
        role: role?,
        secret: secret?,
        contracts: contracts?,
    })
}

/// A token's `contracts`: absent, every contract; otherwise a non-empty
/// list of configured contract ids (`Some(None)` is "every contract").
fn token_contracts(
    s: &Section,
    contract_ids: &[String],
    p: &mut Problems,
) -> Option<Option<Vec<String>>> {
    if !s.has("contracts") {
        return Some(None);
    }
    let listed = s.strings("contracts", p)?;
    if listed.is_empty() {
        p.push(
            s.key("contracts"),
            "an empty list lets the token do nothing: name its contracts, or leave the key out \
             for every contract",
        );
        return None;
    }
    let mut ok = true;
    let mut contracts = Vec::new();
    for (key, id) in listed {
        if contract_ids.iter().any(|c| c == id) {
            contracts.push(id.to_string());
        } else {
            ok = false;
            p.push(
                key,
                format!(
                    "unknown contract '{id}' (known: {})",
                    contract_ids.join(", ")
                ),
            );
        }
    }
    ok.then_some(Some(contracts))
}

/// An id used as a key in URLs, metric labels and file names: letters,
/// digits, `-`, `_` and `.`.
pub(super) fn check_id(text: &str) -> Result<String, String> {
    if text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        Ok(text.to_string())
    } else {
        Err(format!(
            "'{text}' is not a valid id (use letters, digits, '-', '_' and '.')"
        ))
    }
}

/// An IANA timezone name.
pub(super) fn parse_timezone(text: &str) -> Result<Tz, String> {
    Tz::from_str(text.trim()).map_err(|_| {
        format!("unknown timezone '{text}' (expected an IANA name such as Europe/London)")
    })
}

/// A duration of more than zero seconds (`30m`, `4h`, `1h30m`).
pub(super) fn parse_duration(text: &str) -> Result<i64, String> {
    match parse_duration_seconds(text)? {
        0 => Err(format!("'{text}' must be more than zero")),
        seconds => Ok(seconds),
    }
}

/// A cron schedule with seconds first, checked by the same parser the
/// scheduler uses. Five-field crontab lines are refused with a hint, because
/// the `cron` crate would read their first field as seconds.
pub(super) fn parse_cron(text: &str) -> Result<String, String> {
    let text = text.trim();
    match text.split_whitespace().count() {
        6 | 7 => {}
        5 => {
            return Err(format!(
                "'{text}' has 5 fields: cron needs 6 fields with seconds first, \
                 e.g. \"0 */5 * * * *\" (sec min hour day month weekday)"
            ));
        }
        n => {
            return Err(format!(
                "'{text}' has {n} fields: cron needs 6 (or 7 with a year) with seconds first, \
                 e.g. \"0 */5 * * * *\" (sec min hour day month weekday)"
            ));
        }
    }
    cron::Schedule::from_str(text).map_err(|e| {
        // The parser's message repeats the input with a caret; keep what follows it.
        let message = e.to_string();
        let reason = message
            .rsplit_once('^')
            .map_or(message.as_str(), |(_, r)| r);
        let detail = reason.split_whitespace().collect::<Vec<_>>().join(" ");
        format!("'{text}' is not a valid cron schedule (sec min hour day month weekday): {detail}")
    })?;
    Ok(text.to_string())
}

/// The name of an environment variable holding a secret.
pub(super) fn check_env_name(text: &str) -> Result<String, String> {
    let mut bytes = text.bytes();
    let valid = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        Ok(text.to_string())
    } else {
        Err(format!(
            "'{text}' is not an environment variable name (letters, digits and _): name the \
             variable that holds the secret, never the secret itself"
        ))
    }
}

/// An `http://` or `https://` URL with a host.
pub(super) fn check_http_url(text: &str) -> Result<String, String> {
    match ["https://", "http://"]
        .iter()
        .find_map(|scheme| text.strip_prefix(scheme))
    {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !text.contains(' ') => {
            match reqwest::Url::parse(text) {
                // The URL is logged and names what was read: a credential
                // in it would be written wherever it goes.
                Ok(url) if !url.username().is_empty() || url.password().is_some() => Err(
                    "holds credentials (user:password@): leave them out of the URL; a \
                     ServiceNow source takes `username` and `password_env`, `token_env` or \
                     `oauth_client_id` and `oauth_client_secret_env`"
                        .to_string(),
                ),
                Ok(_) => Ok(text.to_string()),
                Err(e) => Err(format!("'{text}' is not a valid URL ({e})")),
            }
        }
        _ => Err(format!("'{text}' is not an http:// or https:// URL")),
    }
}

/// A plain email address (`name@domain.tld`); a light check that catches
/// typos such as a missing `@` or domain, not a full RFC 5322 parser.
pub(super) fn check_email(text: &str) -> Result<(), String> {
    let text = text.trim();
    let valid = match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !text
                    .chars()
                    .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | ',' | ';'))
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        Err(format!(
            "'{text}' does not look like an email address (expected e.g. contracts@council.example)"
        ))
    }
}
