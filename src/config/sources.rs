//! `[[sources]]` (see docs/book/src/operators/sources.md): where
//! evidence comes from. Each kind has its own keys; a key of another kind is an
//! unknown key here, reported with the kind it belongs to.

use std::collections::BTreeMap;
use std::path::PathBuf;

use toml::Value;

use super::load::{check_env_name, check_http_url, check_id, parse_cron, parse_duration};
use super::model::{
    AlertmanagerSource, OAuthClient, Party, ProbeSource, ResponseFrom, ServiceNowSource,
    SourceConfig, SourceKind, StateModel,
};
use super::reader::{Problems, Section, all, items, report, report_duplicates};
use crate::domain::Priority;

const COMMON_KEYS: [&str; 4] = ["id", "contract", "kind", "party"];

/// The ServiceNow tables a source reads, each of which may have its own query.
const QUERY_TABLES: [&str; 4] = ["incident", "problem", "change_request", "task_sla"];

/// Each kind with the keys it takes besides the common ones.
const KINDS: [(&str, &[&str]); 5] = [
    (
        "servicenow",
        &[
            "base_url",
            "username",
            "password_env",
            "token_env",
            "oauth_client_id",
            "oauth_client_secret_env",
            "oauth_refresh_token_env",
            "schedule",
            "query",
            "queries",
            "priority_map",
            "service_field",
            "service_map",
            "stale_after",
            "response_from",
            "new_states",
            "hold_states",
            "hold_reasons",
        ],
    ),
    ("inbox", &["path", "columns"]),
    ("webhook", &["token_env"]),
    (
        "alertmanager",
        &[
            "token_env",
            "service_label",
            "partial_when",
            "repeat_interval",
            "watchdog_alert",
        ],
    ),
    (
        "probe",
        &[
            "service",
            "url",
            "interval",
            "timeout",
            "expect_status",
            "expect_body",
            "fail_after",
            "recover_after",
        ],
    ),
];

/// Reads `[[sources]]`; `contract_ids` are the ids written under `[[contracts]]`.
pub(super) fn sources(
    value: Option<&Value>,
    contract_ids: &[String],
    p: &mut Problems,
) -> Option<Vec<SourceConfig>> {
    let entries = items(value, "sources", p);
    report_duplicates(&entries, "id", "source id", p);
    all(entries
        .into_iter()
        .map(|(path, v)| source(v, path, contract_ids, p)))
}

fn source(
    value: &Value,
    path: String,
    contract_ids: &[String],
    p: &mut Problems,
) -> Option<SourceConfig> {
    let s = Section::open_unchecked(value, path, p)?;
    let kind = s.req_parsed("kind", p, |t| {
        KINDS
            .iter()
            .find(|(k, _)| *k == t)
            .map(|(k, _)| *k)
            .ok_or_else(|| {
                format!(
                    "unknown kind '{t}' (expected servicenow, inbox, webhook, alertmanager \
                     or probe)"
                )
            })
    });
    // With no usable kind, accept any source key rather than guess which are wrong.
    let mut known: Vec<&str> = COMMON_KEYS.to_vec();
    for (k, keys) in KINDS {
        if kind.is_none_or(|kind| kind == k) {
            for key in keys {
                if !known.contains(key) {
                    known.push(key);
                }
            }
        }
    }
    s.check_keys(&known, p, |key| {
        let kind = kind?;
        let (owner, _) = KINDS.iter().find(|(_, keys)| keys.contains(&key))?;
        Some(format!(
            "{key} belongs to kind = \"{owner}\", not to a {kind} source"
        ))
    });

    let id = s.req_parsed("id", p, check_id);
    let contract = s.req_string("contract", p);
    if let Some(c) = contract
        && !contract_ids.iter().any(|id| id == c)
    {
        p.push(
            s.key("contract"),
            format!(
                "unknown contract '{c}' (known: {})",
                contract_ids.join(", ")
            ),
        );
    }
    let kind = match kind? {
        "servicenow" => servicenow(&s, p).map(|s| SourceKind::ServiceNow(Box::new(s))),
        "inbox" => {
            let columns: BTreeMap<String, String> = s
                .string_map("columns", p)
                .unwrap_or_default()
                .into_iter()
                .map(|(_, from, to)| (from.to_string(), to.to_string()))
                .collect();
            s.req_string("path", p).map(|path| SourceKind::Inbox {
                path: PathBuf::from(path),
                columns,
            })
        }
        "webhook" => s
            .req_parsed("token_env", p, check_env_name)
            .map(|token_env| SourceKind::Webhook { token_env }),
        "alertmanager" => alertmanager(&s, p).map(SourceKind::Alertmanager),
        _ => probe(&s, p).map(SourceKind::Probe),
    };
    let kind = kind?;
    let default_party = match kind {
        SourceKind::Probe(_) | SourceKind::Alertmanager(_) => Party::Customer,
        _ => Party::Supplier,
    };
    let party = s
        .parsed("party", p, |t| match t {
            "customer" => Ok(Party::Customer),
            "supplier" => Ok(Party::Supplier),
            other => Err(format!(
                "unknown party '{other}' (expected customer or supplier)"
            )),
        })
        .unwrap_or(default_party);
    Some(SourceConfig {
        id: id?,
        contract: contract?.to_string(),
        kind,
        party,
    })
}

fn servicenow(s: &Section, p: &mut Problems) -> Option<ServiceNowSource> {
    let base_url = s.req_parsed("base_url", p, check_http_url);
    let username = s.string("username", p);
    let password_env = s.parsed("password_env", p, check_env_name);
    let token_env = s.parsed("token_env", p, check_env_name);
    let client_id = s.string("oauth_client_id", p);
    let client_secret_env = s.parsed("oauth_client_secret_env", p, check_env_name);
    let refresh_token_env = s.parsed("oauth_refresh_token_env", p, check_env_name);
    let ways = ["password_env", "token_env", "oauth_client_id"]
        .into_iter()
        .filter(|k| s.has(k))
        .count();
    match ways {
        0 => p.push(
            s.key("password_env"),
            "required key is missing: give password_env (basic auth with username), \
             token_env (an OAuth bearer token) or oauth_client_id (an OAuth client)",
        ),
        1 => {}
        _ => p.push(
            s.key("token_env"),
            "give one of password_env (basic auth), token_env (bearer token) or \
             oauth_client_id (OAuth client), not several",
        ),
    }
    if s.has("oauth_client_id") != s.has("oauth_client_secret_env") {
        p.push(
            s.key("oauth_client_secret_env"),
            "oauth_client_id and oauth_client_secret_env go together",
        );
    }
    if s.has("oauth_refresh_token_env") && !s.has("oauth_client_id") {
        p.push(
            s.key("oauth_refresh_token_env"),
            "a refresh token needs its client: give oauth_client_id and oauth_client_secret_env",
        );
    }
    let oauth = match (client_id, client_secret_env) {
        (Some(id), Some(secret)) => Some(OAuthClient {
            client_id: id.to_string(),
            client_secret_env: secret,
            refresh_token_env,
        }),
        _ => None,
    };
    if s.has("password_env") && !s.has("username") {
        p.push(
            s.key("username"),
            "required key is missing (basic auth with password_env needs a username)",
        );
    }
    let schedule = s.req_parsed("schedule", p, parse_cron);
    let query = s.string("query", p);
    let mut queries = BTreeMap::new();
    for (path, table, q) in s.string_map("queries", p).unwrap_or_default() {
        if QUERY_TABLES.contains(&table) {
            queries.insert(table.to_string(), q.to_string());
        } else {
            p.push(
                path,
                format!(
                    "unknown table '{table}' (expected {})",
                    QUERY_TABLES.join(", ")
                ),
            );
        }
    }

    // ServiceNow's stock priorities are 1 (critical) to 5 (planning).
    let mut priority_map: BTreeMap<String, Priority> = Priority::ALL
        .iter()
        .enumerate()
        .map(|(i, pr)| ((i + 1).to_string(), *pr))
        .collect();
    if let Some(entries) = s.string_map("priority_map", p) {
        priority_map.clear();
        for (path, from, to) in entries {
            priority_map.extend(report(to.parse(), &path, p).map(|pr| (from.to_string(), pr)));
        }
    }
    let service_field = s.string("service_field", p);
    let service_map = s
        .string_map("service_map", p)
        .unwrap_or_default()
        .into_iter()
        .map(|(_, from, to)| (from.to_string(), to.to_string()))
        .collect();
    let stale_after = s.parsed("stale_after", p, parse_duration);
    let response_from = s
        .parsed("response_from", p, |v| match v {
            "state" => Ok(ResponseFrom::StateChange),
            "journal" => Ok(ResponseFrom::Journal),
            "work_start" => Ok(ResponseFrom::WorkStart),
            "assignment" => Ok(ResponseFrom::Assignment),
            other => Err(format!(
                "unknown response source '{other}' (expected state, journal, work_start or assignment)"
            )),
        })
        .unwrap_or(ResponseFrom::StateChange);
    let states = state_model(s, p);

    Some(ServiceNowSource {
        base_url: base_url?,
        username: username.map(str::to_string),
        password_env,
        token_env,
        oauth,
        schedule: schedule?,
        query: query.map(str::to_string),
        queries,
        priority_map,
        service_field: service_field.map(str::to_string),
        service_map,
        stale_after_seconds: stale_after,
        response_from,
        states,
    })
}

/// `new_states`, `hold_states` and `hold_reasons`, each defaulting to the
/// current state model's.
fn state_model(s: &Section, p: &mut Problems) -> StateModel {
    let mut model = StateModel::default();
    if let Some(values) = s.strings("new_states", p) {
        if values.is_empty() {
            p.push(
                s.key("new_states"),
                "give at least one state value (the current model's New is \"1\")",
            );
        }
        model.new_states = values.into_iter().map(|(_, v)| v.to_string()).collect();
    }
    if let Some(entries) = s.string_map("hold_states", p) {
        model.hold_states = entries
            .into_iter()
            .map(|(_, state, reason)| {
                let reason = (reason != "hold_reason").then(|| reason.to_string());
                (state.to_string(), reason)
            })
            .collect();
    }
    if let Some(entries) = s.string_map("hold_reasons", p) {
        model.hold_reasons = entries
            .into_iter()
            .map(|(_, value, reason)| (value.to_string(), reason.to_string()))
            .collect();
    }
    if let Some(clash) = model
        .new_states
        .iter()
        .find(|v| model.hold_states.contains_key(*v))
    {
        p.push(
            s.key("hold_states"),
            format!("state \"{clash}\" is in both new_states and hold_states"),
        );
    }
    model
}

fn alertmanager(s: &Section, p: &mut Problems) -> Option<AlertmanagerSource> {
    let token_env = s.req_parsed("token_env", p, check_env_name);
    let service_label = s.string("service_label", p).unwrap_or("service");
    let partial_when = s
        .string_map("partial_when", p)
        .unwrap_or_default()
        .into_iter()
        .map(|(_, label, value)| (label.to_string(), value.to_string()))
        .collect();
    // Alertmanager's own default.
    let repeat_interval = s
        .parsed("repeat_interval", p, parse_duration)
        .unwrap_or(4 * 3_600);
    Some(AlertmanagerSource {
        token_env: token_env?,
        service_label: service_label.to_string(),
        partial_when,
        repeat_interval_seconds: repeat_interval,
        watchdog_alert: s.string("watchdog_alert", p).map(str::to_string),
    })
}

fn probe(s: &Section, p: &mut Problems) -> Option<ProbeSource> {
    let service = s.req_string("service", p);
    let url = s.req_parsed("url", p, check_http_url);
    let interval = s.req_parsed("interval", p, parse_duration);
    let timeout = s.req_parsed("timeout", p, parse_duration);
    if let (Some(i), Some(t)) = (interval, timeout)
        && t > i
    {
        p.push(
            s.key("timeout"),
            "must not be longer than interval: a check must end before the next begins",
        );
    }
    let expect_status = match s.integer("expect_status", p) {
        None if !s.has("expect_status") => Some(200),
        None => None,
        Some(n) => match u16::try_from(n) {
            Ok(status @ 100..=599) => Some(status),
            _ => {
                p.push(
                    s.key("expect_status"),
                    format!("{n} is not an HTTP status (100 to 599)"),
                );
                None
            }
        },
    };
    let fail_after = count(s, "fail_after", 3, p);
    let recover_after = count(s, "recover_after", 2, p);
    Some(ProbeSource {
        service: service?.to_string(),
        url: url?,
        interval_seconds: interval?,
        timeout_seconds: timeout?,
        expect_status: expect_status?,
        expect_body: s.string("expect_body", p).map(str::to_string),
        fail_after: fail_after?,
        recover_after: recover_after?,
    })
}

/// A count of consecutive checks, at least 1.
fn count(s: &Section, key: &str, default: u32, p: &mut Problems) -> Option<u32> {
    if !s.has(key) {
        return Some(default);
    }
    let n = s.integer(key, p)?;
    match u32::try_from(n) {
        Ok(n) if n >= 1 => Some(n),
        _ => {
            p.push(s.key(key), format!("{n} is not a count of at least 1"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{CONTRACT, assert_problem, problems};
    use crate::config::{Party, ResponseFrom, Role, SourceKind, StateModel, TokenSecret, parse};
    use crate::domain::Priority;

    #[test]
    fn the_spec_sources_alerts_and_tokens_parse() {
        let text = format!(
            r#"{CONTRACT}
    [[sources]]
    id = "acme-snow"
    contract = "acme"
    kind = "servicenow"
    base_url = "https://acme.service-now.com"
    username = "slawatch"
    password_env = "ACME_SNOW_PASSWORD"
    schedule = "0 */5 * * * *"
    query = "assignment_group.name=Acme Service Desk"
    priority_map = {{ "1" = "P1", "2" = "P2", "3" = "P3", "4" = "P4", "5" = "P5" }}
    service_field = "business_service"
    service_map = {{ "Email" = "email", "Corporate Network" = "network" }}
    stale_after = "2h"

    [[sources]]
    id = "acme-push"
    contract = "acme"
    kind = "webhook"
    token_env = "ACME_PUSH_TOKEN"

    [[sources]]
    id = "noc"
    contract = "acme"
    kind = "alertmanager"
    token_env = "NOC_WEBHOOK_TOKEN"
    partial_when = {{ severity = "warning" }}

    [[sources]]
    id = "email-probe"
    contract = "acme"
    kind = "probe"
    service = "email"
    url = "https://mail.council.example/healthz"
    interval = "30s"
    timeout = "5s"

    [alerts]
    at_risk_share = 0.5
    digest_interval = "1h"

    [[api_tokens]]
    name = "grafana-reader"
    role = "viewer"
    token_sha256 = "{}"

    [[api_tokens]]
    name = "pusher"
    role = "ingest"
    token_env = "PUSH_TOKEN"
    "#,
            "ab".repeat(32)
        );
        let config = parse(&text, "test.toml").unwrap();
        let SourceKind::ServiceNow(snow) = &config.sources[0].kind else {
            panic!("expected servicenow");
        };
        assert_eq!(snow.priority_map["3"], Priority::P3);
        assert_eq!(snow.service_map["Corporate Network"], "network");
        assert_eq!(snow.stale_after_seconds, Some(7_200));
        assert_eq!(snow.password_env.as_deref(), Some("ACME_SNOW_PASSWORD"));
        let SourceKind::Alertmanager(am) = &config.sources[2].kind else {
            panic!("expected alertmanager");
        };
        assert_eq!(am.service_label, "service");
        assert_eq!(am.partial_when["severity"], "warning");
        // Alertmanager's default repeat_interval, 4 h = 14,400 s.
        assert_eq!(am.repeat_interval_seconds, 14_400);
        let SourceKind::Probe(probe) = &config.sources[3].kind else {
            panic!("expected probe");
        };
        assert_eq!((probe.interval_seconds, probe.timeout_seconds), (30, 5));
        assert_eq!(
            (probe.expect_status, probe.fail_after, probe.recover_after),
            (200, 3, 2)
        );
        assert_eq!(config.alerts.digest_interval_seconds, Some(3_600));
        assert_eq!(config.api_tokens[0].role, Role::Viewer);
        assert_eq!(
            config.api_tokens[1].secret,
            TokenSecret::Env("PUSH_TOKEN".into())
        );
    }

    #[test]
    fn servicenow_response_and_state_model_are_configurable() {
        let source = |extra: &str| {
            format!(
                r#"{CONTRACT}
    [[sources]]
    id = "acme-snow"
    contract = "acme"
    kind = "servicenow"
    base_url = "https://acme.service-now.com"
    token_env = "ACME_SNOW_TOKEN"
    schedule = "0 */5 * * * *"
    {extra}
"#
            )
        };
        let read = |extra: &str| {
            let config = parse(&source(extra), "test.toml").unwrap();
            let SourceKind::ServiceNow(snow) = config.sources[0].kind.clone() else {
                panic!("expected servicenow");
            };
            snow
        };
        // The defaults: the current state model, the response from `state`.
        let plain = read("");
        assert_eq!(plain.response_from, ResponseFrom::StateChange);
        assert_eq!(plain.states, StateModel::default());
        assert_eq!(plain.states.hold_states["3"], None);

        let old = read(
            r#"response_from = "journal"
    new_states = ["1"]
    hold_states = { "3" = "awaiting_problem", "4" = "awaiting_customer" }
    hold_reasons = {}
    queries = { problem = "assignment_group.name=Problem Team" }"#,
        );
        assert_eq!(old.queries["problem"], "assignment_group.name=Problem Team");
        assert_eq!(old.response_from, ResponseFrom::Journal);
        assert_eq!(
            old.states.hold_states["4"].as_deref(),
            Some("awaiting_customer")
        );
        assert!(old.states.hold_reasons.is_empty());

        let all = problems(&source(
            r#"response_from = "first_touch"
    new_states = ["1", "3"]
    hold_states = { "3" = "hold_reason" }
    queries = { incidents = "active=true" }"#,
        ));
        assert_problem(
            &all,
            "sources[0].queries.incidents",
            "unknown table 'incidents'",
        );
        // OAuth beside token_env is refused, and a client without its secret.
        let beside = problems(&source(r#"oauth_client_id = "slawatch""#));
        assert_problem(&beside, "sources[0].token_env", "not several");
        assert_problem(&beside, "sources[0].oauth_client_secret_env", "go together");
        let oauth = source(
            r#"oauth_client_id = "slawatch"
    oauth_client_secret_env = "ACME_SNOW_CLIENT_SECRET""#,
        )
        .replace("    token_env = \"ACME_SNOW_TOKEN\"\n", "");
        let config = parse(&oauth, "test.toml").unwrap();
        let SourceKind::ServiceNow(snow) = &config.sources[0].kind else {
            panic!("expected servicenow");
        };
        let client = snow.oauth.as_ref().unwrap();
        assert_eq!(client.client_id, "slawatch");
        assert_eq!(client.client_secret_env, "ACME_SNOW_CLIENT_SECRET");
        assert_eq!(client.refresh_token_env, None);
        assert_problem(
            &all,
            "sources[0].response_from",
            "journal, work_start or assignment",
        );
        assert_problem(
            &all,
            "sources[0].hold_states",
            "both new_states and hold_states",
        );
    }

    #[test]
    fn a_source_is_the_suppliers_unless_it_is_the_customers_own_monitoring() {
        let text = format!(
            r#"{CONTRACT}
    [[sources]]
    id = "acme-push"
    contract = "acme"
    kind = "webhook"
    token_env = "ACME_PUSH_TOKEN"

    [[sources]]
    id = "noc"
    contract = "acme"
    kind = "alertmanager"
    token_env = "NOC_WEBHOOK_TOKEN"

    [[sources]]
    id = "council-pack"
    contract = "acme"
    kind = "inbox"
    path = "/srv/council"
    party = "customer"
"#
        );
        let config = parse(&text, "test.toml").expect("valid");
        let parties: Vec<(&str, Party)> = config
            .sources
            .iter()
            .map(|s| (s.id.as_str(), s.party))
            .collect();
        assert_eq!(
            parties,
            [
                ("acme-push", Party::Supplier),
                ("noc", Party::Customer),
                ("council-pack", Party::Customer)
            ]
        );
        let all = problems(&text.replace("party = \"customer\"", "party = \"us\""));
        assert_problem(
            &all,
            "sources[2].party",
            "unknown party 'us' (expected customer or supplier)",
        );
    }

    #[test]
    fn credentials_in_a_url_are_refused() {
        let text = format!(
            r#"{CONTRACT}
    [[sources]]
    id = "snow"
    contract = "acme"
    kind = "servicenow"
    base_url = "https://integration:hunter2@acme.service-now.com"
    username = "integration"
    password_env = "SNOW_PASSWORD"

    [[sources]]
    id = "probe"
    contract = "acme"
    kind = "probe"
    service = "email"
    url = "https://monitor:hunter2@mail.council.example/"
    "#
        );
        let all = problems(&text);
        assert_problem(
            &all,
            "sources[0].base_url",
            "holds credentials (user:password@)",
        );
        assert_problem(&all, "sources[1].url", "holds credentials (user:password@)");
        assert!(
            all.iter().all(|p| !p.contains("hunter2")),
            "the secret is never repeated: {all:?}"
        );
    }

    #[test]
    fn source_problems_name_the_key() {
        let text = format!(
            r#"{CONTRACT}
    [[sources]]
    id = "snow"
    contract = "acme"
    kind = "servicenow"
    base_url = "acme.service-now.com"
    password_env = "SNOW_PASSWORD"
    token_env = "SNOW_TOKEN"
    schedule = "0 */5 * * * * * *"
    path = "data/inbox"
    priority_map = {{ "1" = "P0" }}

    [[sources]]
    id = "snow"
    contract = "globex"
    kind = "ftp"

    [[sources]]
    id = "probe"
    contract = "acme"
    kind = "probe"
    service = "email"
    url = "https://mail.council.example/"
    interval = "5s"
    timeout = "30s"
    expect_status = 42
    fail_after = 0

    [[api_tokens]]
    name = "reader"
    role = "admin"
    token_sha256 = "ABC"
    "#
        );
        let all = problems(&text);
        assert_problem(
            &all,
            "sources[0].base_url",
            "not an http:// or https:// URL",
        );
        assert_problem(&all, "sources[0].token_env", "not several");
        assert_problem(&all, "sources[0].username", "required key is missing");
        assert_problem(&all, "sources[0].schedule", "has 8 fields");
        assert_problem(&all, "sources[0].path", "belongs to kind = \"inbox\"");
        assert_problem(&all, "sources[0].priority_map.1", "unknown priority 'P0'");
        assert_problem(&all, "sources[1].id", "duplicate source id 'snow'");
        assert_problem(
            &all,
            "sources[1].contract",
            "unknown contract 'globex' (known: acme)",
        );
        assert_problem(&all, "sources[1].kind", "unknown kind 'ftp'");
        assert_problem(
            &all,
            "sources[2].timeout",
            "must not be longer than interval",
        );
        assert_problem(&all, "sources[2].expect_status", "not an HTTP status");
        assert_problem(&all, "sources[2].fail_after", "at least 1");
        assert_problem(&all, "api_tokens[0].role", "unknown role 'admin'");
        assert_problem(
            &all,
            "api_tokens[0].token_sha256",
            "64 lower-case hex digits",
        );
    }
}
