//! The validated configuration: what the rest of the program is allowed to see.
//! Built only by [`super::load()`], so every value here has passed validation.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::contract::Contract;
use crate::contract::calendar::Calendar;
use crate::domain::{Percent, Priority};

/// The whole configuration file.
#[derive(Debug, Clone)]
pub struct Config {
    /// The `[daemon]` section.
    pub daemon: DaemonConfig,
    /// The `[email]` section; `None` writes alerts as `.eml` files.
    pub email: Option<EmailConfig>,
    /// Calendars by name, including the built-in `24x7`.
    pub calendars: BTreeMap<String, Arc<Calendar>>,
    /// The contracts, in file order.
    pub contracts: Vec<Contract>,
    /// The `[[sources]]`, in file order.
    pub sources: Vec<SourceConfig>,
    /// The `[alerts]` section (defaults when absent).
    pub alerts: AlertsConfig,
    /// The `[reports]` section (defaults when absent).
    pub reports: ReportsConfig,
    /// The `[pack]` section (defaults when absent).
    pub pack: PackConfig,
    /// The `[[api_tokens]]`.
    pub api_tokens: Vec<ApiToken>,
    /// The `[reconciliation]` section (defaults when absent).
    pub reconciliation: ReconciliationConfig,
    /// The `[limits]` section (defaults when absent).
    pub limits: ImportLimits,
    /// The `[web]` section (defaults when absent).
    pub web: WebConfig,
}

/// `[web]`: the web desk's sessions and its single sign-on proxy.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The header a trusted proxy names the signed-in person in
    /// (`X-Remote-User`); `None`: local accounts only.
    pub auth_proxy_header: Option<axum::http::HeaderName>,
    /// The proxies' addresses: the header (and `X-Forwarded-Proto`) is
    /// believed from these peers only.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A session unused this long is over (default 30 minutes).
    pub session_idle: std::time::Duration,
    /// A session is over this long after sign-in (default 12 hours).
    pub session_absolute: std::time::Duration,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            auth_proxy_header: None,
            trusted_proxies: Vec::new(),
            session_idle: std::time::Duration::from_secs(30 * 60),
            session_absolute: std::time::Duration::from_secs(12 * 60 * 60),
        }
    }
}

impl Config {
    /// The contract with this id.
    pub fn contract(&self, id: &str) -> Option<&Contract> {
        self.contracts.iter().find(|c| c.id == id)
    }
}

/// `[daemon]`: where the store lives and where the daemon listens.
#[derive(Debug, Clone)]
pub struct DaemonConfig {
    /// `sqlite://…` or `postgres://…` (default `sqlite://data/slawatch.db`).
    pub database_url: String,
    /// The HTTP listen address (default `127.0.0.1:9187`).
    pub listen: SocketAddr,
    /// Where the outbox, reports and inbox state live (default `data`).
    pub data_dir: PathBuf,
    /// The largest request body the HTTP API accepts (default 10 MiB);
    /// larger ones are refused with 413.
    pub max_request_bytes: usize,
    /// How long a client has to send a request's headers, and how long an
    /// idle keep-alive connection stays open (default 10 s): a client that
    /// trickles its headers cannot hold a connection longer.
    pub header_timeout: Duration,
    /// How long a request may take once its headers are in, reading its
    /// body included (default 30 s): then it is answered 408 and its
    /// connection closed.
    pub request_timeout: Duration,
    /// How many requests are served at once (default 64); more are refused
    /// with 503 at once rather than queued, so memory stays bounded.
    pub max_concurrent_requests: usize,
    /// How many bytes of month reports the API keeps assembled (default
    /// 64 MiB; 0 keeps none), served again while nothing they rest on changed.
    pub report_cache_bytes: usize,
}

/// `[limits]`: how much of a supplier's file slawatch will hold or read, so
/// no input, however shaped, can exhaust the daemon's memory. A file over a
/// limit is refused with the limit named, and recorded, so it is not read
/// again until it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportLimits {
    /// The largest file an inbox takes (default 1 GiB). CSV and JSON Lines
    /// are streamed, so this bounds time, not memory.
    pub max_file_bytes: u64,
    /// The longest CSV row or JSON Lines line (default 1 MiB): an unclosed
    /// quote or a file without line ends stops here instead of growing one
    /// record without bound.
    pub max_record_bytes: u64,
    /// The most an XLSX workbook may unpack to (default 128 MiB): a
    /// spreadsheet is read whole, and a small zip can unpack to gigabytes.
    pub max_unpacked_bytes: u64,
}

impl Default for ImportLimits {
    fn default() -> ImportLimits {
        ImportLimits {
            max_file_bytes: 1 << 30,
            max_record_bytes: 1 << 20,
            max_unpacked_bytes: 128 << 20,
        }
    }
}

/// `[email]`: the SMTP relay. The password is named by `password_env`, never stored.
#[derive(Debug, Clone)]
pub struct EmailConfig {
    /// `smtp://host:port` (STARTTLS: required with a `username`, otherwise
    /// when offered) or `smtps://host:port` (TLS from the start).
    pub smtp_url: String,
    /// The SMTP user, if the relay needs one.
    pub username: Option<String>,
    /// The environment variable holding the SMTP password.
    pub password_env: Option<String>,
    /// The From header.
    pub from: String,
    /// A PEM file of certificate authorities trusted for the relay's
    /// certificate besides the operating system's (a council's own CA).
    pub ca_file: Option<std::path::PathBuf>,
    /// `auth = "xoauth2"`: how the SMTP access token is obtained.
    pub oauth: Option<SmtpOAuth>,
}

/// SMTP XOAUTH2 with an access token from the OAuth 2.0 client-credentials
/// grant (Microsoft 365 and Google Workspace, where basic SMTP AUTH is
/// retired). The token is fetched before a delivery round and reused until
/// shortly before it expires.
#[derive(Debug, Clone)]
pub struct SmtpOAuth {
    /// The token endpoint, e.g.
    /// `https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token`.
    pub token_url: String,
    /// The application (client) id.
    pub client_id: String,
    /// The environment variable holding the client secret, never its value.
    pub client_secret_env: String,
    /// The scope asked for (Microsoft 365: `https://outlook.office365.com/.default`).
    pub scope: String,
}

/// A configured source of evidence (the daemon's part of the file).
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Its id, unique in the file.
    pub id: String,
    /// The contract its records belong to.
    pub contract: String,
    /// What kind of source, with its own settings.
    pub kind: SourceKind,
    /// Whose evidence it carries: the customer's own monitoring or the supplier's.
    pub party: Party,
}

/// Whose evidence a source carries (`party = "customer" | "supplier"`).
/// Probes and Alertmanager are the customer's by default, every other kind
/// the supplier's. A record belongs to the source that first stored it
/// whatever its party; the party says whose word a figure rests on, and a
/// rewrite by a supplier source is what the customer is warned of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// The customer's own monitoring.
    Customer,
    /// The supplier's data.
    Supplier,
}

impl Party {
    /// `customer` or `supplier`.
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Customer => "customer",
            Party::Supplier => "supplier",
        }
    }
}

/// The kind of a source and its settings.
#[derive(Debug, Clone)]
pub enum SourceKind {
    /// A ServiceNow instance polled through the Table API.
    ServiceNow(Box<ServiceNowSource>),
    /// A watched folder of packs and exports.
    Inbox {
        /// The folder.
        path: PathBuf,
        /// Spreadsheet column → interchange column, for XLSX files whose
        /// header uses the supplier's own names (e.g. "Ticket" → "id").
        columns: BTreeMap<String, String>,
    },
    /// Records pushed over HTTP with a bearer token.
    Webhook {
        /// The environment variable holding the token.
        token_env: String,
    },
    /// A Prometheus Alertmanager webhook receiver.
    Alertmanager(AlertmanagerSource),
    /// slawatch's own HTTP check of a service.
    Probe(ProbeSource),
}

/// `kind = "servicenow"` settings.
#[derive(Debug, Clone)]
pub struct ServiceNowSource {
    /// The instance's base URL.
    pub base_url: String,
    /// The API user for basic auth.
    pub username: Option<String>,
    /// The environment variable holding the password.
    pub password_env: Option<String>,
    /// The environment variable holding an OAuth bearer token.
    pub token_env: Option<String>,
    /// The OAuth client (application registry) slawatch gets its own
    /// tokens as, from the instance's `oauth_token.do`.
    pub oauth: Option<OAuthClient>,
    /// The poll schedule (cron with seconds).
    pub schedule: String,
    /// An encoded query added to every table's requests (dot-walked
    /// through `task` for `task_sla`), unless the table has its own.
    pub query: Option<String>,
    /// Tables' own encoded queries (`incident`, `problem`,
    /// `change_request`, `task_sla`), instead of `query`.
    pub queries: BTreeMap<String, String>,
    /// ServiceNow priority value → P1..P5.
    pub priority_map: BTreeMap<String, Priority>,
    /// The incident field naming the service.
    pub service_field: Option<String>,
    /// ServiceNow service name → configured service.
    pub service_map: BTreeMap<String, String>,
    /// Alert when no poll has succeeded for this many seconds.
    pub stale_after_seconds: Option<i64>,
    /// Where an incident's response instant is read from.
    pub response_from: ResponseFrom,
    /// What the instance's `state` and `hold_reason` values mean.
    pub states: StateModel,
}

/// An OAuth client registered on the instance: tokens by the
/// client-credentials grant, or from a refresh token an administrator
/// issued, renewed by refresh-token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    /// The client id.
    pub client_id: String,
    /// The environment variable holding the client secret.
    pub client_secret_env: String,
    /// The environment variable holding a refresh token, when the first
    /// token comes from one rather than the client-credentials grant.
    pub refresh_token_env: Option<String>,
}

/// Where a ServiceNow incident's response instant is read from: the
/// instance has no standard response field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseFrom {
    /// The first audited change of `state` away from a new state (`state`).
    StateChange,
    /// The first `work_notes` or `comments` journal entry written by someone
    /// other than the caller (`journal`).
    Journal,
    /// The incident's `work_start` field (`work_start`).
    WorkStart,
    /// The first audited assignment to a person (`assignment`).
    Assignment,
}

impl ResponseFrom {
    /// The configuration's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseFrom::StateChange => "state",
            ResponseFrom::Journal => "journal",
            ResponseFrom::WorkStart => "work_start",
            ResponseFrom::Assignment => "assignment",
        }
    }
}

/// What an instance's incident `state` and `hold_reason` values mean. The
/// default is the current model (New = 1, On Hold = 3 with a `hold_reason`,
/// Awaiting Caller = 1); older instances wait in states of their own
/// (Awaiting Problem 3, Awaiting User Info 4, Awaiting Evidence 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateModel {
    /// `state` values of an incident nobody has touched yet.
    pub new_states: Vec<String>,
    /// `state` values that put an incident on hold → the hold's reason, or
    /// `None` to read it from `hold_reason`.
    pub hold_states: BTreeMap<String, Option<String>>,
    /// `hold_reason` values → hold reasons (others take their `sys_choice`
    /// label).
    pub hold_reasons: BTreeMap<String, String>,
}

impl Default for StateModel {
    fn default() -> Self {
        StateModel {
            new_states: vec!["1".into()],
            hold_states: BTreeMap::from([("3".into(), None)]),
            hold_reasons: BTreeMap::from([("1".into(), "awaiting_customer".into())]),
        }
    }
}

/// `kind = "alertmanager"` settings.
#[derive(Debug, Clone)]
pub struct AlertmanagerSource {
    /// The environment variable holding the bearer token.
    pub token_env: String,
    /// The alert label naming the service.
    pub service_label: String,
    /// Labels that make a firing alert a partial outage.
    pub partial_when: BTreeMap<String, String>,
    /// The receiver's `repeat_interval` (seconds): how often a firing alert
    /// is sent again. One not sent again for this long plus
    /// [`UNSEEN_MARGIN_SECONDS`] is taken as ended at its last sighting.
    pub repeat_interval_seconds: i64,
    /// The `alertname` of an always-firing rule (Prometheus's `Watchdog`):
    /// its resolution means Prometheus stopped, which resolves every alert
    /// it had firing, so ends received then are flagged as possibly early.
    pub watchdog_alert: Option<String>,
}

/// The wait past `repeat_interval` before a firing alert not sent again is
/// taken as ended: Alertmanager re-sends only at a `group_interval` tick
/// (5 minutes by default), and a notification may be retried for a while.
pub const UNSEEN_MARGIN_SECONDS: i64 = 1_800;

/// `kind = "probe"` settings.
#[derive(Debug, Clone)]
pub struct ProbeSource {
    /// The service checked.
    pub service: String,
    /// The URL checked.
    pub url: String,
    /// Seconds between checks.
    pub interval_seconds: i64,
    /// Seconds before a check times out.
    pub timeout_seconds: i64,
    /// The HTTP status that means up.
    pub expect_status: u16,
    /// Text the response body must contain to count as up, if set.
    pub expect_body: Option<String>,
    /// Consecutive failures that open an outage.
    pub fail_after: u32,
    /// Consecutive successes that close it.
    pub recover_after: u32,
}

/// `[alerts]`.
#[derive(Debug, Clone)]
pub struct AlertsConfig {
    /// Warn when this share of an incident's target has elapsed (default 0.75).
    pub at_risk_share: f64,
    /// Batch at-risk warnings over this many seconds; `None` sends each at once.
    pub digest_interval_seconds: Option<i64>,
    /// Extra recipients by severity (`critical`, `warning`, `info`), on top
    /// of each contract's managers.
    pub routes: BTreeMap<String, Vec<String>>,
    /// Warn this many days before a commitment falls due (default 14).
    pub commitment_lead_days: i64,
    /// The address people open slawatch at (`public_url`), for the link in
    /// every alert; `None` links to the daemon's own listen address.
    pub public_url: Option<String>,
    /// The local time (in each contract's timezone) the daily digest goes
    /// at (`digest_at`, default 08:00), when no `digest_interval` is set;
    /// `None` (`digest_at = "off"`) sends every alert on its own at once.
    pub digest_at: Option<chrono::NaiveTime>,
    /// Send each contract's weekly summary on Mondays (`weekly_summary`, default false).
    pub weekly_summary: bool,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            at_risk_share: 0.75,
            digest_interval_seconds: None,
            routes: BTreeMap::new(),
            commitment_lead_days: 14,
            public_url: None,
            digest_at: chrono::NaiveTime::from_hms_opt(8, 0, 0),
            weekly_summary: false,
        }
    }
}

/// `[reconciliation]`: comparing the supplier's own figures with slawatch's.
#[derive(Debug, Clone)]
pub struct ReconciliationConfig {
    /// A supplier figure further than this from slawatch's measurement (in
    /// percentage points) is a discrepancy (default 0.5).
    pub tolerance_points: Percent,
}

impl Default for ReconciliationConfig {
    fn default() -> Self {
        ReconciliationConfig {
            tolerance_points: Percent::from_units(5_000),
        }
    }
}

/// `[reports]`.
#[derive(Debug, Clone)]
pub struct ReportsConfig {
    /// When to close and issue last month's report (cron with seconds).
    pub schedule: String,
}

impl Default for ReportsConfig {
    fn default() -> Self {
        ReportsConfig {
            schedule: "0 0 7 1 * *".to_string(),
        }
    }
}

/// `[pack]`: the audit committee's pack.
#[derive(Debug, Clone)]
pub struct PackConfig {
    /// When to issue the pack for the months just ended (cron with seconds,
    /// read in the first contract's timezone).
    pub schedule: String,
    /// How many months a pack covers, ending with the month before the
    /// scheduled time (3: a quarter).
    pub months: u32,
    /// Who receives it; empty sends it to every contract's managers.
    pub recipients: Vec<String>,
}

impl Default for PackConfig {
    fn default() -> Self {
        PackConfig {
            // 08:00 on the first day of each quarter, after the monthly
            // reports' 07:00.
            schedule: "0 0 8 1 1,4,7,10 *".to_string(),
            months: 3,
            recipients: Vec::new(),
        }
    }
}

/// What an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// May push records.
    Ingest,
    /// May read figures.
    Viewer,
    /// May read and record costs, excusals and disputes.
    Manager,
}

/// Where an API token's secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSecret {
    /// The lower-case hex SHA-256 of the token.
    Sha256(String),
    /// The environment variable holding the token.
    Env(String),
}

/// One `[[api_tokens]]` entry.
#[derive(Debug, Clone)]
pub struct ApiToken {
    /// Who holds it.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// How to check it.
    pub secret: TokenSecret,
    /// The contracts it may act on (`contracts = [...]`); `None`, the key
    /// left out, is every contract.
    pub contracts: Option<Vec<String>>,
}
