//! Tests of the loader against the example file and deliberately broken
//! files; the sources' tests are beside them in `sources.rs`.

use chrono::{DateTime, NaiveDate, Utc};

use super::*;
use crate::contract::calendar::ALWAYS_OPEN;
use crate::contract::{CreditScheme, CreditTier, LowVolume, PointBand, ServiceLevelKind};
use crate::domain::{Months, Percent, Priority, Weight};

const EXAMPLE: &str = include_str!("../../config/slawatch.toml");

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn pct(v: f64) -> Percent {
    Percent::from_f64(v).unwrap()
}

/// The problems of a config that must fail, as `key: message` lines.
pub(super) fn problems(text: &str) -> Vec<String> {
    match parse(text, "test.toml") {
        Ok(_) => panic!("the config should have been refused"),
        Err(e) => e
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.key, p.message))
            .collect(),
    }
}

/// Asserts one problem is at `key` and its message contains `fragment`.
pub(super) fn assert_problem(all: &[String], key: &str, fragment: &str) {
    let prefix = format!("{key}: ");
    assert!(
        all.iter()
            .any(|p| p.starts_with(&prefix) && p[prefix.len()..].contains(fragment)),
        "no problem at {key} containing {fragment:?}; got:\n{}",
        all.join("\n")
    );
}

/// A valid contract to build broken files around.
pub(super) const CONTRACT: &str = r#"
[[contracts]]
id = "acme"
supplier = "Acme"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "1000.00"
managers = ["a@council.example"]
"#;

#[test]
fn the_example_file_parses() {
    let config = parse(EXAMPLE, "config/slawatch.toml").unwrap();

    assert_eq!(config.daemon.database_url, "sqlite://data/slawatch.db");
    assert_eq!(config.daemon.listen.to_string(), "127.0.0.1:9187");
    assert!(config.email.is_none());
    assert_eq!(config.alerts.at_risk_share, 0.75);
    assert_eq!(config.reports.schedule, "0 0 7 1 * *");

    let c = config.contract("acme-managed-it").unwrap();
    assert_eq!(c.supplier, "Acme Managed Services Ltd");
    assert_eq!(c.timezone, chrono_tz::Europe::London);
    assert_eq!(c.currency.code(), "GBP");
    let charge = |m: &str| {
        c.monthly_charge
            .for_month(m.parse().unwrap())
            .map(|m| m.minor)
    };
    // Dated charges: none before April 2026, indexed from April 2027.
    assert_eq!(charge("2026-03"), None);
    assert_eq!(charge("2026-10"), Some(12_500_000));
    assert_eq!(charge("2027-04"), Some(13_125_000));
    assert_eq!(c.service_credit_cap_percent, pct(12.0));
    assert_eq!(
        (
            c.contract_year_starts,
            c.annual_cap_percent,
            c.point_value_percent,
            c.repeat_multiplier
        ),
        (4, Some(pct(8.0)), Some(pct(0.5)), 2)
    );
    let ids: Vec<&str> = c.service_levels.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "p1-response",
            "p1-resolution",
            "p1-resolution",
            "p2-resolution",
            "p3-resolution",
            "email-availability",
            "network-availability",
            "proactive-share",
        ]
    );

    let p1 = c.service_level("p1-resolution").unwrap();
    assert_eq!(p1.kind, ServiceLevelKind::ResolutionTime);
    assert_eq!(p1.priorities, [Priority::P1]);
    assert_eq!(p1.target_seconds, Some(14_400));
    assert_eq!(p1.calendar.name(), ALWAYS_OPEN);
    assert_eq!(p1.target_percent, pct(95.0));
    assert_eq!(p1.critical_below, Some(pct(80.0)));
    assert_eq!(
        p1.credit_scheme,
        CreditScheme::Tiers(vec![
            CreditTier {
                below: pct(95.0),
                percent: pct(2.0)
            },
            CreditTier {
                below: pct(90.0),
                percent: pct(4.0)
            },
        ])
    );
    assert_eq!(
        (p1.from, p1.until),
        (None, Some("2026-12".parse().unwrap()))
    );
    assert_eq!(
        p1.low_volume,
        Some(LowVolume {
            minimum: 15,
            max_breaches: 1
        })
    );
    // The variation: 2 hours from January 2027.
    let varied = c
        .service_level_in("p1-resolution", "2027-01".parse().unwrap())
        .unwrap();
    assert_eq!(varied.target_seconds, Some(7_200));
    assert_eq!(
        c.service_level_in("p1-resolution", "2026-12".parse().unwrap())
            .unwrap()
            .target_seconds,
        Some(14_400)
    );
    assert_eq!(
        c.service_level("p2-resolution").unwrap().credit_scheme,
        CreditScheme::Shortfall {
            factor: pct(0.5),
            max: Some(pct(3.0))
        }
    );
    let p1_response = c.service_level("p1-response").unwrap();
    assert_eq!(p1_response.target_seconds, Some(900));

    let p3 = c.service_level("p3-resolution").unwrap();
    assert!(matches!(&p3.credit_scheme, CreditScheme::PerBreach(m) if m.minor == 2_500));
    assert_eq!(p3.target_seconds, Some(72_000));
    assert_eq!(p3.calendar.name(), "office");

    let email = c.service_level("email-availability").unwrap();
    assert_eq!(email.services, ["email"]);
    assert_eq!(email.partial_weight, Weight::HALF);
    assert_eq!(email.target_seconds, None);
    let network = c.service_level("network-availability").unwrap();
    assert_eq!(network.services, ["network"]);
    assert_eq!(network.target_percent, pct(99.0));
    let share = c.service_level("proactive-share").unwrap();
    assert_eq!(share.kind, ServiceLevelKind::ProactiveShare);
    assert_eq!(
        share.credit_scheme,
        CreditScheme::ServicePoints(vec![
            PointBand {
                below: pct(60.0),
                points: 2
            },
            PointBand {
                below: pct(50.0),
                points: 4
            },
        ])
    );

    let due: Vec<(&str, NaiveDate, Option<Months>)> = c
        .commitments
        .iter()
        .map(|m| {
            let first = m.schedule.nth(0).unwrap();
            (m.id.as_str(), first.date, m.schedule.every())
        })
        .collect();
    assert_eq!(
        due,
        [
            ("dr-test", "2026-11-30".parse().unwrap(), Some(Months(12))),
            (
                "iso27001-audit",
                "2027-03-31".parse().unwrap(),
                Some(Months(12))
            ),
            // Five office days after 30 November 2026 (a Monday).
            (
                "service-report",
                "2026-12-07".parse().unwrap(),
                Some(Months(1))
            ),
            (
                "vulnerability-scan",
                "2026-09-30".parse().unwrap(),
                Some(Months(3))
            ),
            (
                "penetration-test",
                "2026-10-31".parse().unwrap(),
                Some(Months(12))
            ),
            (
                "isms-internal-audit",
                "2026-08-31".parse().unwrap(),
                Some(Months(12))
            ),
            // Ten office days after 30 September 2026 (a Wednesday): 1, 2,
            // 5 to 9 and 12 to 14 October.
            (
                "patch-compliance",
                "2026-10-14".parse().unwrap(),
                Some(Months(1))
            ),
        ]
    );
    assert_eq!(
        c.commitments[0]
            .delay_payment_per_day
            .as_ref()
            .unwrap()
            .minor,
        50_000
    );
    assert_eq!(config.alerts.commitment_lead_days, 14);
    assert_eq!(config.reconciliation.tolerance_points, pct(0.5));

    // Office hours: ten hours a weekday, nothing at weekends or on bank holidays.
    let office = &config.calendars["office"];
    let monday = office.business_seconds(
        t("2026-10-05T00:00:00+01:00"),
        t("2026-10-06T00:00:00+01:00"),
    );
    assert_eq!(monday, 36_000);
    let week = office.business_seconds(
        t("2026-10-05T00:00:00+01:00"),
        t("2026-10-12T00:00:00+01:00"),
    );
    assert_eq!(week, 5 * 36_000);
    let christmas = office.business_seconds(t("2026-12-25T00:00:00Z"), t("2026-12-29T00:00:00Z"));
    assert_eq!(christmas, 0);

    assert_eq!(config.sources.len(), 1);
    assert_eq!(config.sources[0].id, "acme-pack");
    assert!(matches!(
        &config.sources[0].kind,
        SourceKind::Inbox { path, .. } if path.as_os_str() == "data/inbox/acme"
    ));
}

#[test]
fn absent_keys_take_their_defaults() {
    let text = format!(
        "{CONTRACT}
  [[contracts.service_levels]]
  id = \"email\"
  kind = \"availability\"
  services = [\"email\"]
  target_percent = 99
"
    );
    let config = parse(&text, "test.toml").unwrap();
    assert_eq!(config.daemon.database_url, "sqlite://data/slawatch.db");
    assert_eq!(config.daemon.data_dir.as_os_str(), "data");
    assert_eq!(config.alerts.at_risk_share, 0.75);
    assert_eq!(config.alerts.digest_interval_seconds, None);
    assert_eq!(config.reports.schedule, "0 0 7 1 * *");
    let c = &config.contracts[0];
    assert_eq!(c.service_credit_cap_percent, pct(100.0));
    let s = &c.service_levels[0];
    assert_eq!(s.name, "email");
    assert_eq!(s.calendar.name(), ALWAYS_OPEN);
    assert_eq!(s.partial_weight, Weight::HALF);
    assert_eq!(s.credit_scheme, CreditScheme::Tiers(vec![]));
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = r#"
[email]
smtp_url = "smtp://127.0.0.1:2525"
from = "SLA Watch <slawatch@council.example>"
password = "x"

[calendars.office]
timezone = "Europe/London"
monday = ["08:00-12:00", "11:00-13:00"]

[calendars.24x7]
timezone = "UTC"

[[contracts]]
id = "acme"
timezone = "Europe/Lundon"
currency = "GBP"
monthly_charge = "12,5"
managers = ["contracts@council.example"]

  [[contracts.service_levels]]
  id = "p1"
  kind = "resolution_time"
  priorities = ["P9"]
  target = "4x"
  calendar = "ofice"
  target_percnt = 95.0

  [[contracts.service_levels]]
  id = "p1"
  kind = "response_time"
  priorities = ["P1"]
  target = "15m"
  target_percent = 95.0
  critical_below = 96.0
  service_credits = [ { below = 90.0, percent = 2.0 }, { below = 95.0, percent = 1.0 } ]

[[sources]]
id = "snow"
contract = "acme"
kind = "servicenow"
base_url = "https://acme.service-now.com"
token_env = "SNOW_TOKEN"
schedule = "*/5 * * * *"
"#;
    let all = problems(text);
    let sl = "contracts[0].service_levels";
    assert_problem(&all, "email.password", "password_env");
    assert_problem(&all, "calendars.office", "monday windows overlap");
    assert_problem(&all, "calendars.24x7", "cannot be redefined");
    assert_problem(&all, "contracts[0].supplier", "required key is missing");
    assert_problem(
        &all,
        "contracts[0].timezone",
        "unknown timezone 'Europe/Lundon'",
    );
    assert_problem(
        &all,
        "contracts[0].monthly_charge",
        "'12,5' is not a decimal amount",
    );
    assert_problem(
        &all,
        &format!("{sl}[0].priorities[0]"),
        "unknown priority 'P9'",
    );
    assert_problem(&all, &format!("{sl}[0].target"), "'4x' is not a duration");
    assert_problem(
        &all,
        &format!("{sl}[0].calendar"),
        "unknown calendar 'ofice' (known: 24x7, office)",
    );
    assert_problem(
        &all,
        &format!("{sl}[0].target_percnt"),
        "did you mean 'target_percent'?",
    );
    assert_problem(
        &all,
        &format!("{sl}[0].target_percent"),
        "required key is missing",
    );
    assert_problem(
        &all,
        &format!("{sl}[1].id"),
        "duplicate service level id 'p1' (first at contracts[0].service_levels[0])",
    );
    assert_problem(
        &all,
        &format!("{sl}[1].critical_below"),
        "above target_percent",
    );
    assert_problem(
        &all,
        &format!("{sl}[1].service_credits[1].below"),
        "highest below down",
    );
    assert_problem(
        &all,
        &format!("{sl}[1].service_credits[1].percent"),
        "must credit more",
    );
    assert_problem(
        &all,
        "sources[0].schedule",
        "cron needs 6 fields with seconds first",
    );
    assert_eq!(
        all.len(),
        16,
        "unexpected extra problems:\n{}",
        all.join("\n")
    );

    // Each line of the error names the file, the key and what is wrong.
    let shown = parse(text, "config/slawatch.toml").unwrap_err().to_string();
    assert!(
        shown
            .lines()
            .all(|l| l.starts_with("config/slawatch.toml: "))
    );
    assert!(shown.contains(
        "config/slawatch.toml: contracts[0].service_levels[0].target: \
         '4x' is not a duration (expected e.g. 30m, 4h, 1h30m)"
    ));
}

#[test]
fn a_syntax_error_reports_line_and_column() {
    let text = "[daemon]\nlisten = \"127.0.0.1:9187\"\ndata_dir = data\n";
    let e = parse(text, "test.toml").unwrap_err();
    assert_eq!(e.problems.len(), 1);
    assert_eq!(e.problems[0].key, "line 3, column 12");
    assert!(e.problems[0].message.starts_with("TOML syntax error"));
}

#[test]
fn kind_rules_and_money_rules() {
    let text = r#"
[daemon]
database_url = "mysql://db"
listen = "localhost"

[[contracts]]
id = "acme"
supplier = "Acme"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = 125000.5
service_credit_cap_percent = 120
managers = ["not-an-address"]

  [[contracts.service_levels]]
  id = "avail"
  kind = "availability"
  priorities = ["P1"]
  target = "4h"
  target_percent = 99.5

  [[contracts.service_levels]]
  id = "share"
  kind = "proactive_share"
  services = ["email"]
  partial_weight = 0.2
  target_percent = 60

  [[contracts.service_levels]]
  id = "p2"
  kind = "response_time"
  priorities = ["P2", "P2"]
  target_percent = 90
  service_credits = [ { below = 95.0, percent = 0.0 } ]

  [[contracts.commitments]]
  id = "dr"
  name = "DR test"
  category = "Disaster recovery"
  due = "30/11/2026"
  every = "fortnightly"

[[contracts]]
id = "acme"
supplier = "Acme again"
timezone = "UTC"
currency = "GBP"
monthly_charge = 1000
managers = ["x@y.example"]
"#;
    let all = problems(text);
    let sl = "contracts[0].service_levels";
    assert_problem(&all, "daemon.database_url", "expected sqlite://");
    assert_problem(&all, "daemon.listen", "expected IP:PORT");
    assert_problem(&all, "contracts[0].monthly_charge", "can lose pence");
    assert_problem(
        &all,
        "contracts[0].service_credit_cap_percent",
        "not between 0 and 100",
    );
    assert_problem(
        &all,
        "contracts[0].managers[0]",
        "does not look like an email address",
    );
    assert_problem(
        &all,
        &format!("{sl}[0].services"),
        "required key is missing",
    );
    assert_problem(
        &all,
        &format!("{sl}[0].priorities"),
        "does not apply to kind = \"availability\"",
    );
    assert_problem(&all, &format!("{sl}[0].target"), "does not apply");
    assert_problem(
        &all,
        &format!("{sl}[1].services"),
        "does not apply to kind = \"proactive_share\"",
    );
    assert_problem(&all, &format!("{sl}[1].partial_weight"), "does not apply");
    assert_problem(
        &all,
        &format!("{sl}[2].priorities[1]"),
        "P2 is listed twice",
    );
    assert_problem(&all, &format!("{sl}[2].target"), "required key is missing");
    assert_problem(
        &all,
        &format!("{sl}[2].service_credits[0].below"),
        "above target_percent",
    );
    assert_problem(
        &all,
        &format!("{sl}[2].service_credits[0].percent"),
        "more than 0",
    );
    assert_problem(
        &all,
        "contracts[0].commitments[0].due",
        "not a date (expected YYYY-MM-DD",
    );
    assert_problem(
        &all,
        "contracts[0].commitments[0].every",
        "not a recurrence",
    );
    assert_problem(
        &all,
        "contracts[0].commitments[0].category",
        "'Disaster recovery' is not a category: one lower-case word",
    );
    assert_problem(
        &all,
        "contracts[1].id",
        "duplicate contract id 'acme' (first at contracts[0])",
    );
}

#[test]
fn a_database_password_stays_out_of_the_file() {
    let base = "[[contracts]]\nid = \"a\"\nsupplier = \"S\"\ntimezone = \"UTC\"\ncurrency = \"GBP\"\nmonthly_charge = \"1.00\"\nmanagers = [\"m@x.example\"]\n";
    let all = problems(&format!(
        "[daemon]\ndatabase_url = \"postgres://sw:hunter2@db.internal/slawatch\"\n{base}"
    ));
    assert_problem(&all, "daemon.database_url", "set PGPASSWORD");
    assert!(all.iter().all(|p| !p.contains("hunter2")), "{all:?}");
    // The driver also reads a password from the query.
    let all = problems(&format!(
        "[daemon]\ndatabase_url = \"postgres://sw@db.internal/slawatch?password=hunter2\"\n{base}"
    ));
    assert_problem(&all, "daemon.database_url", "set PGPASSWORD");
    assert!(all.iter().all(|p| !p.contains("hunter2")), "{all:?}");
    let config = parse(
        &format!("[daemon]\ndatabase_url = \"postgres://sw@db.internal:5433/slawatch?sslmode=require\"\n{base}"),
        "test.toml",
    )
    .expect("a URL without a password");
    assert_eq!(
        config.daemon.database_url,
        "postgres://sw@db.internal:5433/slawatch?sslmode=require"
    );
}

#[test]
fn an_smtp_password_needs_a_username() {
    let all = problems(&format!(
        "{CONTRACT}\n[email]\nsmtp_url = \"smtp://relay.council.example:587\"\n\
         password_env = \"SMTP_PASSWORD\"\nfrom = \"slawatch@council.example\"\n"
    ));
    assert_problem(&all, "email.username", "sent only with a username");
}

#[test]
fn xoauth2_settings_are_read_and_checked() {
    let relay = "[email]\nsmtp_url = \"smtp://smtp.office365.com:587\"\nfrom = \"alerts@council.example\"\n";
    let config = crate::config::parse(
        &format!(
            "{CONTRACT}\n{relay}username = \"alerts@council.example\"\nauth = \"xoauth2\"\n\
             oauth_token_url = \"https://login.microsoftonline.com/tid/oauth2/v2.0/token\"\n\
             oauth_client_id = \"app\"\noauth_client_secret_env = \"SMTP_OAUTH_SECRET\"\n\
             ca_file = \"/etc/slawatch/council-ca.pem\"\n"
        ),
        "t.toml",
    )
    .expect("valid XOAUTH2 settings");
    let email = config.email.expect("[email]");
    let oauth = email.oauth.expect("XOAUTH2");
    assert_eq!(oauth.scope, "https://outlook.office365.com/.default");
    assert_eq!(oauth.client_secret_env, "SMTP_OAUTH_SECRET");
    assert_eq!(
        email.ca_file.as_deref(),
        Some(std::path::Path::new("/etc/slawatch/council-ca.pem"))
    );

    let all = problems(&format!(
        "{CONTRACT}\n{relay}auth = \"xoauth2\"\npassword_env = \"P\"\n\
         oauth_token_url = \"http://login.example/token\"\noauth_client_secret_env = \"a b\"\n"
    ));
    assert_problem(&all, "email.username", "XOAUTH2 needs the mailbox");
    assert_problem(&all, "email.password_env", "not used with auth");
    assert_problem(&all, "email.oauth_token_url", "not an https:// URL");
    assert_problem(&all, "email.oauth_client_id", "required key is missing");
    assert_problem(
        &all,
        "email.oauth_client_secret_env",
        "not an environment variable name",
    );
    let all = problems(&format!("{CONTRACT}\n{relay}auth = \"oauth\"\n"));
    assert_problem(&all, "email.auth", "expected \"password\" or \"xoauth2\"");
    let all = problems(&format!("{CONTRACT}\n{relay}oauth_client_id = \"app\"\n"));
    assert_problem(
        &all,
        "email.oauth_client_id",
        "only with auth = \"xoauth2\"",
    );
}

#[test]
fn secrets_and_email_settings_are_checked() {
    let text = format!(
        r#"{CONTRACT}
[email]
smtp_url = "http://relay"
password_env = "my secret"
from = "SLA Watch"

[[api_tokens]]
name = "reader"
role = "viewer"
token = "abc"
"#
    );
    let all = problems(&text);
    assert_problem(&all, "email.smtp_url", "not an SMTP URL");
    assert_problem(
        &all,
        "email.password_env",
        "not an environment variable name",
    );
    assert_problem(&all, "email.from", "does not look like an email address");
    assert_problem(
        &all,
        "api_tokens[0].token",
        "secrets are never written in the file",
    );
    assert_problem(
        &all,
        "api_tokens[0].token_sha256",
        "required key is missing",
    );
}

#[test]
fn calendars_check_dates_and_windows() {
    let text = format!(
        r#"{CONTRACT}
[calendars.office]
timezone = "Europe/London"
monday = ["8:00-18:00"]
tuesday = "08:00-18:00"
holidays = ["2026-12-25", "25/12/2026", 2026-12-28, 2026-12-28T10:00:00]
"#
    );
    let all = problems(&text);
    assert_problem(&all, "calendars.office.monday[0]", "not a window");
    assert_problem(&all, "calendars.office.tuesday", "expected an array");
    assert_problem(&all, "calendars.office.holidays[1]", "not a date");
    assert_problem(&all, "calendars.office.holidays[3]", "has a time");
    assert_eq!(all.len(), 4, "{}", all.join("\n"));
}

#[test]
fn money_may_be_a_whole_number_and_unknown_root_keys_are_caught() {
    let ok = CONTRACT.replace("\"1000.00\"", "1000");
    let config = parse(&ok, "test.toml").unwrap();
    assert_eq!(
        config.contracts[0]
            .monthly_charge
            .for_month("2026-10".parse().unwrap())
            .unwrap()
            .minor,
        100_000
    );

    let all = problems(&format!(
        "{CONTRACT}\n[report]\nschedule = \"0 0 7 1 * *\"\n"
    ));
    assert_problem(&all, "report", "did you mean 'reports'?");
    assert_eq!(
        problems(""),
        ["contracts: at least one [[contracts]] is required"]
    );
}

#[test]
fn routes_columns_and_body_checks_are_read_and_checked() {
    let text = format!(
        "{CONTRACT}
[alerts]
routes = {{ critical = [\"oncall@council.example\"], info = [\"log@council.example\"] }}

[[sources]]
id = \"pack\"
contract = \"acme\"
kind = \"inbox\"
path = \"in\"
columns = {{ \"Ticket\" = \"id\", \"Raised\" = \"opened_at\" }}

[[sources]]
id = \"probe\"
contract = \"acme\"
kind = \"probe\"
service = \"email\"
url = \"https://mail.council.example/healthz\"
interval = \"30s\"
timeout = \"5s\"
expect_body = \"ok\"
"
    );
    let config = parse(&text, "test.toml").unwrap();
    assert_eq!(
        config.alerts.routes["critical"],
        vec!["oncall@council.example"]
    );
    match &config.sources[0].kind {
        SourceKind::Inbox { columns, .. } => {
            assert_eq!(columns.get("Ticket").map(String::as_str), Some("id"))
        }
        other => panic!("an inbox, not {other:?}"),
    }
    match &config.sources[1].kind {
        SourceKind::Probe(p) => assert_eq!(p.expect_body.as_deref(), Some("ok")),
        other => panic!("a probe, not {other:?}"),
    }
    let all = problems(&format!(
        "{CONTRACT}\n[alerts]\nroutes = {{ urgent = [\"x@y.example\"], critical = [\"not-an-address\"] }}\n"
    ));
    assert_problem(&all, "alerts.routes.urgent", "unknown severity 'urgent'");
    assert_problem(&all, "alerts.routes.critical[0]", "");
}

#[test]
fn the_http_servers_limits_have_defaults_and_are_checked() {
    let config = parse(CONTRACT, "test.toml").unwrap();
    let d = &config.daemon;
    assert_eq!(d.max_request_bytes, 10 * 1024 * 1024);
    assert_eq!(d.header_timeout, std::time::Duration::from_secs(10));
    assert_eq!(d.request_timeout, std::time::Duration::from_secs(30));
    assert_eq!(d.max_concurrent_requests, 64);
    assert_eq!(d.report_cache_bytes, 64 * 1024 * 1024);
    let text = format!(
        "[daemon]\nheader_timeout = \"2s\"\nrequest_timeout = \"1m\"\nmax_concurrent_requests = 8\n{CONTRACT}"
    );
    let d = parse(&text, "test.toml").unwrap().daemon;
    assert_eq!(
        (
            d.header_timeout.as_secs(),
            d.request_timeout.as_secs(),
            d.max_concurrent_requests
        ),
        (2, 60, 8)
    );
    let text = format!(
        "[daemon]\nheader_timeout = \"0s\"\nrequest_timeout = 30\nmax_concurrent_requests = 0\n{CONTRACT}"
    );
    let all = problems(&text);
    assert_problem(&all, "daemon.header_timeout", "more than zero");
    assert_problem(&all, "daemon.request_timeout", "expected a string");
    assert_problem(&all, "daemon.max_concurrent_requests", "above zero");
    // 0 keeps no reports; a negative size is refused.
    let d = parse(
        &format!("[daemon]\nreport_cache_bytes = 0\n{CONTRACT}"),
        "t.toml",
    )
    .unwrap();
    assert_eq!(d.daemon.report_cache_bytes, 0);
    let all = problems(&format!("[daemon]\nreport_cache_bytes = -1\n{CONTRACT}"));
    assert_problem(
        &all,
        "daemon.report_cache_bytes",
        "-1 is not a size in bytes",
    );
}

#[test]
fn managers_may_be_addresses_or_tables_with_preferences() {
    use crate::contract::subscription::{Delivery, QuietHours};
    let text = CONTRACT.replace(
        r#"managers = ["a@council.example"]"#,
        r#"managers = ["a@council.example", { address = "b@council.example", kinds = { at_risk = "off", breached = "immediate" }, quiet_hours = "20:00-07:00" }]"#,
    ) + "[alerts]\ndigest_at = \"07:30\"\npublic_url = \"https://slawatch.council.example\"\n";
    let config = parse(&text, "test.toml").unwrap();
    let c = &config.contracts[0];
    assert_eq!(c.managers, vec!["a@council.example", "b@council.example"]);
    assert_eq!(c.subscriptions.len(), 1);
    let b = &c.subscriptions[0];
    assert_eq!(b.kinds.get("at_risk"), Some(&Delivery::Off));
    assert_eq!(b.kinds.get("breached"), Some(&Delivery::Immediate));
    assert_eq!(
        b.quiet_hours,
        Some(QuietHours::parse("20:00-07:00").unwrap())
    );
    assert_eq!(
        config.alerts.digest_at,
        chrono::NaiveTime::from_hms_opt(7, 30, 0)
    );
    assert_eq!(
        config.alerts.public_url.as_deref(),
        Some("https://slawatch.council.example")
    );
    // The defaults: a digest at 08:00, no public address.
    let defaults = parse(CONTRACT, "test.toml").unwrap();
    assert_eq!(
        defaults.alerts.digest_at,
        chrono::NaiveTime::from_hms_opt(8, 0, 0)
    );
    assert_eq!(defaults.alerts.public_url, None);
}

#[test]
fn bad_manager_preferences_are_named_where_they_are() {
    let text = CONTRACT.replace(
        r#"managers = ["a@council.example"]"#,
        r#"managers = [{ address = "not-an-address", kinds = { atrisk = "off", breached = "weekly" }, quiet_hours = "late" }]"#,
    ) + "[alerts]\ndigest_at = \"8am\"\npublic_url = \"slawatch.council.example\"\n";
    let all = problems(&text);
    assert_problem(&all, "contracts[0].managers[0].address", "not-an-address");
    assert_problem(
        &all,
        "contracts[0].managers[0].kinds.atrisk",
        "unknown alert kind 'atrisk'",
    );
    assert_problem(
        &all,
        "contracts[0].managers[0].kinds.breached",
        "'weekly' is not a delivery",
    );
    assert_problem(
        &all,
        "contracts[0].managers[0].quiet_hours",
        "'late' is not a window of local times",
    );
    assert_problem(&all, "alerts.digest_at", "'8am' is not a local time of day");
    assert_problem(&all, "alerts.public_url", "is not an http(s) address");
}
