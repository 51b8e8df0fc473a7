//! The standing of a month in progress, end to end: live detection against
//! a real store (SQLite or PostgreSQL) alerting and exporting where each
//! service level stands, and the real daemon mailing it to a real SMTP
//! server, answering the month API and `slawatch evaluate`.
//!
//! Every case is October 2026 seen on the 5th at 15:00 UTC, with P1 history
//! in the three closed months before it: July 12, August 9 and September
//! 11 P1s assessed, so a typical month has 32 / 3 = 10.667, about 11.

mod common;
mod smtp_sink;

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::{daemon_deps, push};
use slawatch::daemon::Deps;
use slawatch::daemon::live::detect_once;
use slawatch::domain::ExcusalTarget;
use smtp_sink::{Handler, SmtpSink, free_port, python_or_skip};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

const NOW: &str = "2026-10-05T15:00:00Z";

const CONTRACT: &str = r#"
[[contracts]]
id = "acme"
supplier = "Acme Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "125000.00"
managers = ["contracts@council.example"]

  [[contracts.service_levels]]
  id = "p1-resolution"
  name = "P1 resolved in 4 hours"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  target_percent = 95.0
  critical_below = 80.0
  service_credits = [ { below = 95.0, percent = 2.0 }, { below = 90.0, percent = 4.0 } ]

  [[contracts.service_levels]]
  id = "email-availability"
  name = "Email available"
  kind = "availability"
  services = ["email"]
  target_percent = 99.5
  critical_below = 99.0
  service_credits = [ { below = 99.5, percent = 3.0 } ]
"#;

/// July 12, August 9 and September 11 P1s, each resolved in an hour.
fn history() -> String {
    let mut csv = String::from("id,contract,priority,opened_at,resolved_at\n");
    for (month, n) in [("07", 12), ("08", 9), ("09", 11)] {
        for i in 0..n {
            let day = i + 1;
            csv.push_str(&format!(
                "H{month}-{i},acme,P1,2026-{month}-{day:02}T09:00:00Z,2026-{month}-{day:02}T10:00:00Z\n"
            ));
        }
    }
    csv
}

/// October to the 5th at 15:00: B1 resolved after 5 h (breached), M1 after
/// an hour (met), and `open` P1s opened at 14:00 and still open (an hour
/// of their four used).
fn october(open: usize) -> String {
    let mut csv = String::from(
        "id,contract,priority,opened_at,resolved_at\n\
         B1,acme,P1,2026-10-05T08:00:00Z,2026-10-05T13:00:00Z\n\
         M1,acme,P1,2026-10-02T09:00:00Z,2026-10-02T10:00:00Z\n",
    );
    for i in 0..open {
        csv.push_str(&format!("O{i},acme,P1,2026-10-05T14:00:00Z,\n"));
    }
    csv
}

/// Email down for 4 hours on the 3rd: 14,400 s of October's 2,682,000 s
/// (745 h) is 99.463 %, under 99.5 % even with no more downtime, above 99 %.
const OUTAGE: &str =
    "id,contract,service,start,end\nOUT1,acme,email,2026-10-03T08:00:00Z,2026-10-03T12:00:00Z\n";

async fn subjects(deps: &Deps) -> Vec<String> {
    let mut s: Vec<String> = deps
        .store
        .due_alerts(i64::MAX, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.alert.subject)
        .collect();
    s.sort();
    s
}

async fn metrics(deps: &Deps) -> String {
    deps.metrics
        .render(&deps.config, &deps.store, true, t(NOW))
        .await
}

fn state(level: &str, service: &str, kind: &str, state: &str) -> String {
    format!(
        r#"slawatch_service_level_state{{contract="acme",kind="{kind}",service="{service}",service_level="{level}",state="{state}"}} 1"#
    )
}

async fn october_deps(dir: &tempfile::TempDir, open: usize) -> Deps {
    let deps = daemon_deps(dir, CONTRACT).await;
    push(&deps, &history(), "history.csv", dir).await;
    push(&deps, &october(open), "october.csv", dir).await;
    push(&deps, OUTAGE, "outages.csv", dir).await;
    deps
}

#[tokio::test]
async fn an_early_breach_is_at_risk_and_a_spent_downtime_budget_is_certain_to_fail() {
    let dir = tempfile::tempdir().unwrap();
    // B1 breached, M1 met, two open: counting the open ones as met, 3 of 4
    // against 95 %: ceil((95·4 − 100·3) / (100 − 95)) = ceil(80 / 5) = 16
    // more P1s, all met, bring it back (19 of 20 = 95 %).
    let deps = october_deps(&dir, 2).await;
    detect_once(&deps, t(NOW)).await.unwrap();
    let s = subjects(&deps).await;
    assert_eq!(
        s,
        vec![
            "[slawatch] acme 2026-10 breach: B1 breached P1 resolved in 4 hours (4 h target)",
            "[slawatch] acme 2026-10 month at risk: P1 resolved in 4 hours is at risk for 2026-10: needs 16 more P1 incidents, all met; a typical month has 11",
            "[slawatch] acme 2026-10 month failing: Email available (email) is certain to fail for 2026-10",
        ]
    );
    // 1 of 2 = 50 % so far is under the 80 % critical line, but the month
    // can recover: nothing critical.
    assert!(!s.iter().any(|x| x.contains("critical")), "{s:?}");
    let alerts = deps.store.due_alerts(i64::MAX, 100).await.unwrap();
    let at_risk = alerts
        .iter()
        .find(|a| a.alert.kind == "month_at_risk")
        .expect("the month at risk");
    assert_eq!(at_risk.alert.severity.as_str(), "warning");
    assert!(
        at_risk
            .alert
            .body_text
            .contains("To recover     needs 16 more P1 incidents, all met; a typical month has 11"),
        "{}",
        at_risk.alert.body_text
    );
    // If the month ended now: 50 % is under the 90 band, 4 % of £125,000.
    assert!(
        at_risk.alert.body_text.contains("credit 4 % = £5,000.00"),
        "{}",
        at_risk.alert.body_text
    );
    let budget = alerts
        .iter()
        .find(|a| a.alert.kind == "certain_to_fail")
        .expect("the availability certain to fail");
    assert!(
        budget
            .alert
            .body_text
            .contains("Best possible  99.463 % against a target of 99.5 %"),
        "{}",
        budget.alert.body_text
    );

    let text = metrics(&deps).await;
    for needle in [
        state("p1-resolution", "", "resolution_time", "at_risk"),
        state("email-availability", "email", "availability", "certain_to_fail"),
        r#"slawatch_service_level_needed_to_recover{contract="acme",service_level="p1-resolution"} 16"#.into(),
        r#"slawatch_service_level_typical_volume{contract="acme",service_level="p1-resolution"} 10.666666666666666"#.into(),
        // The forecast: £5,000 + 3 % of £125,000 = £3,750, under the cap.
        r#"slawatch_service_credits_month_to_date{contract="acme",currency="GBP"} 8750"#.into(),
    ] {
        assert!(text.contains(&needle), "missing {needle}\n{text}");
    }
    // The same run again: nothing new.
    assert_eq!(detect_once(&deps, t(NOW)).await.unwrap().queued, 0);
}

#[tokio::test]
async fn open_incidents_that_can_rescue_the_month_raise_no_month_alert() {
    let dir = tempfile::tempdir().unwrap();
    // B1 breached, M1 met, 18 open: 19 of 20 = 95 % if the open ones meet
    // their targets, so none more is needed: failing so far, no alert.
    let deps = october_deps(&dir, 18).await;
    detect_once(&deps, t(NOW)).await.unwrap();
    let s = subjects(&deps).await;
    assert!(
        !s.iter().any(|x| x.contains("P1 resolved in 4 hours is")),
        "{s:?}"
    );
    let text = metrics(&deps).await;
    for needle in [
        state("p1-resolution", "", "resolution_time", "failing"),
        r#"slawatch_service_level_needed_to_recover{contract="acme",service_level="p1-resolution"} 0"#.into(),
    ] {
        assert!(text.contains(&needle), "missing {needle}\n{text}");
    }
}

#[tokio::test]
async fn an_excused_month_raises_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let deps = october_deps(&dir, 2).await;
    for level in ["p1-resolution", "email-availability"] {
        deps.store
            .excuse(
                "acme",
                &ExcusalTarget::ServiceLevel {
                    service_level: level.into(),
                    period: "2026-10".parse().unwrap(),
                },
                None,
                "relief event: flood at the data centre",
                "manager",
                t("2026-10-05T14:30:00Z").timestamp(),
            )
            .await
            .unwrap();
    }
    detect_once(&deps, t(NOW)).await.unwrap();
    // The breach of B1 itself is still news; the months are not.
    assert_eq!(
        subjects(&deps).await,
        vec!["[slawatch] acme 2026-10 breach: B1 breached P1 resolved in 4 hours (4 h target)"]
    );
    // The state is as measured (the contract does not count the failure:
    // no credit, no alert, never critical).
    let text = metrics(&deps).await;
    for needle in [
        state("p1-resolution", "", "resolution_time", "at_risk"),
        state(
            "email-availability",
            "email",
            "availability",
            "certain_to_fail",
        ),
        r#"slawatch_service_credits_month_to_date{contract="acme",currency="GBP"} 0"#.into(),
    ] {
        assert!(text.contains(&needle), "missing {needle}\n{text}");
    }
}

const VIEWER: &str = "standing-test-viewer-token";

/// The real daemon, its clock stopped at [`NOW`], with the history and
/// October imported by the command line: it mails the month at risk (and
/// the availability certain to fail) to a real SMTP server, never as
/// critical or certain to fail for P1; the month API and `evaluate` say
/// where October stands without calling it failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_mails_at_risk_and_the_api_and_evaluate_say_where_the_month_stands() {
    let Some(python) = python_or_skip(
        "the_daemon_mails_at_risk_and_the_api_and_evaluate_say_where_the_month_stands",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let smtp = free_port();
    let sink = SmtpSink::start(&python, smtp, &dir.path().join("maildir"), Handler::Mailbox);
    let listen = free_port();
    let config = dir.path().join("slawatch.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[daemon]
database_url = "{db}"
data_dir = "{data}"
listen = "127.0.0.1:{listen}"

[email]
smtp_url = "smtp://127.0.0.1:{smtp}"
from = "SLA Watch <slawatch@council.example>"

# Every alert on its own at once: this test is about delivery, not digests.
[alerts]
digest_at = "off"

[[api_tokens]]
name = "grafana"
role = "viewer"
token_sha256 = "{viewer}"
{CONTRACT}"#,
            db = slawatch::store::testing::database_url(&dir.path().join("s.db")),
            data = dir.path().join("data").display(),
            viewer = common::sha256_hex(VIEWER),
        ),
    )
    .unwrap();
    let cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_slawatch"))
            .arg("--config")
            .arg(&config)
            .args(["--now", NOW])
            .args(args)
            .output()
            .expect("run slawatch");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let mut files = Vec::new();
    for (name, text) in [
        ("history.csv", history()),
        ("incidents.csv", october(2)),
        ("outages.csv", OUTAGE.to_string()),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        files.push(path.display().to_string());
    }
    let mut import = vec!["import"];
    import.extend(files.iter().map(String::as_str));
    cli(&import);

    // `evaluate` on the month in progress: where it stands, not "failed".
    let table = cli(&["evaluate", "--contract", "acme", "--month", "2026-10"]);
    assert!(table.contains("2026-10 (in progress)"), "{table}");
    assert!(
        table.contains("at risk: needs 16 more, all met (a typical month has 11)"),
        "{table}"
    );
    assert!(table.contains("certain to fail"), "{table}");
    assert!(
        !table.contains("failed") && !table.contains("CRITICAL"),
        "{table}"
    );
    assert!(
        table.contains("if the month ended as it stands now: service credits GBP 8750.00"),
        "{table}"
    );

    let daemon = common::start_daemon(&config, listen, t(NOW), &[]);
    // B1's breach, the P1 month at risk, email's month certain to fail (and
    // September's report, drafted for approval as the daemon starts).
    let alerts = || {
        let mut s: Vec<String> = sink
            .messages()
            .iter()
            .filter_map(|m| m.header("Subject"))
            // The closing of September (and, in October, of the quarter's
            // committee pack) is the issuing tests' business.
            .filter(|s| {
                !s.contains("report issued") && !s.contains("DRAFT") && !s.contains("pack issued")
            })
            .collect();
        s.sort();
        s
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut subjects = alerts();
    while subjects.len() < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        subjects = alerts();
    }
    assert_eq!(
        subjects,
        vec![
            "[slawatch] acme 2026-10 breach: B1 breached P1 resolved in 4 hours (4 h target)",
            "[slawatch] acme 2026-10 month at risk: P1 resolved in 4 hours is at risk for 2026-10: needs 16 more P1 incidents, all met; a typical month has 11",
            "[slawatch] acme 2026-10 month failing: Email available (email) is certain to fail for 2026-10",
        ]
    );

    // The month API.
    let client = reqwest::Client::new();
    let get = |month: &str| {
        client
            .get(format!(
                "http://127.0.0.1:{listen}/api/v1/contracts/acme/months/{month}"
            ))
            .bearer_auth(VIEWER)
            .send()
    };
    let october: serde_json::Value = get("2026-10").await.unwrap().json().await.unwrap();
    common::report_schema::assert_valid_report(&october);
    let p1 = common::level(&october, "p1-resolution");
    assert_eq!(p1["standing"], "at_risk");
    assert_eq!(p1["status"], "failing");
    assert_eq!(p1["critical"], false);
    assert_eq!(p1["needed_to_recover"], 16);
    assert_eq!(p1["typical_volume"], 10.667);
    let email = common::level(&october, "email-availability");
    assert_eq!(email["standing"], "certain_to_fail");
    assert_eq!(email["status"], "failing");
    // 99.463 % is above the 99 % critical line.
    assert_eq!(email["critical"], false);
    assert!(email.get("needed_to_recover").is_none(), "{email}");
    // £5,000 for P1 and £3,750 for email, under the 12 % cap.
    assert_eq!(october["forecast_credit_minor"], 875_000);
    // A closed month has its verdict and no standing.
    let september: serde_json::Value = get("2026-09").await.unwrap().json().await.unwrap();
    common::report_schema::assert_valid_report(&september);
    let p1 = common::level(&september, "p1-resolution");
    assert_eq!(p1["status"], "met");
    assert!(p1.get("standing").is_none(), "{p1}");
    assert!(september.get("forecast_credit_minor").is_none());

    let mut daemon = daemon;
    let _ = daemon.kill();
    let _ = daemon.wait();
}
