//! The monthly cycle against a real SQLite store: on schedule the month is
//! drafted and emailed marked DRAFT, nothing is issued until a manager
//! approves, and the approved month is issued once, naming its approver.

mod common;

use chrono::{DateTime, Utc};
use common::{daemon_deps, push};
use slawatch::daemon::Deps;
use slawatch::domain::WallClock;
use slawatch::issuing::issue_due;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

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
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  target_percent = 95.0
"#;

async fn october(dir: &tempfile::TempDir) -> Deps {
    let deps = daemon_deps(dir, CONTRACT).await;
    let csv = "id,contract,priority,opened_at,service,resolved_at,title\n\
               INC1,acme,P1,2026-10-01T09:00:00Z,email,2026-10-01T10:00:00Z,Fault\n";
    push(&deps, csv, "october.csv", dir).await;
    deps
}

/// The subjects of the emails queued for the contract's managers, oldest first.
async fn subjects(deps: &Deps) -> Vec<String> {
    let far = t("2030-01-01T00:00:00Z").timestamp();
    deps.store
        .due_alerts(far, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|q| q.alert.subject)
        .collect()
}

async fn approve(deps: &Deps, by: &str, at: &str) -> Result<(), String> {
    slawatch::commands::approve::run(
        &deps.config,
        &deps.store,
        "acme",
        "2026-10",
        by,
        &WallClock::manual(t(at)),
    )
    .await
    .map_err(|f| f.message)
}

#[tokio::test]
async fn the_month_is_drafted_on_schedule_and_issued_once_after_approval() {
    let dir = tempfile::tempdir().unwrap();
    let deps = october(&dir).await;
    let october = "2026-10".parse().unwrap();

    // Approving before there is a draft says so.
    let early = approve(&deps, "Jo Bloggs", "2026-11-01T06:00:00Z").await;
    assert!(early.unwrap_err().contains("no draft"));

    // 07:00 on 1 November: a draft, emailed marked DRAFT; nothing issued.
    for at in ["2026-11-01T07:00:00Z", "2026-11-01T08:00:00Z"] {
        assert!(
            issue_due(&deps.config, &deps.store, t(at))
                .await
                .unwrap()
                .is_empty()
        );
    }
    assert!(
        deps.store
            .latest_issued("acme", october)
            .await
            .unwrap()
            .is_none()
    );
    let draft = deps
        .store
        .latest_draft("acme", october)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(draft.draft, 1);
    // The draft's control data: a DRAFT, numbered, drafted at 07:00 UTC.
    let control: serde_json::Value = serde_json::from_str(&draft.json).unwrap();
    common::report_schema::assert_valid_report(&control);
    assert_eq!(control["control"]["status"], "DRAFT");
    assert_eq!(control["control"]["draft"], 1);
    assert_eq!(control["control"]["issued_at"], "2026-11-01T07:00:00Z");
    assert!(control["control"].get("version").is_none());
    assert_eq!(
        subjects(&deps).await,
        ["[slawatch] acme report draft: DRAFT 2026-10 report (draft 1), awaiting approval"]
    );
    assert!(!dir.path().join("data/reports/acme/2026-10").exists());

    // A manager approves; the next check issues version 1, once.
    approve(&deps, "Jo Bloggs", "2026-11-06T09:30:00Z")
        .await
        .unwrap();
    let issued = issue_due(&deps.config, &deps.store, t("2026-11-06T10:00:00Z"))
        .await
        .unwrap();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].version, 1);
    for at in ["2026-11-06T11:00:00Z", "2026-11-20T07:00:00Z"] {
        assert!(
            issue_due(&deps.config, &deps.store, t(at))
                .await
                .unwrap()
                .is_empty()
        );
    }
    let versions = deps.store.issued_versions("acme", october).await.unwrap();
    assert_eq!(versions.len(), 1);

    // The issued document names the approver and the time.
    let json = std::fs::read_to_string(
        dir.path()
            .join("data/reports/acme/2026-10/acme-2026-10-v1.json"),
    )
    .unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    common::report_schema::assert_valid_report(&value);
    assert_eq!(
        value["approval"],
        serde_json::json!({"approved_by": "Jo Bloggs", "approved_at": "2026-11-06T09:30:00Z"})
    );
    let html = std::fs::read_to_string(
        dir.path()
            .join("data/reports/acme/2026-10/acme-2026-10-v1.html"),
    )
    .unwrap();
    // Version 1, ISSUED at 10:00 GMT on 6 November (the clocks went back on
    // 25 October), approved by Jo Bloggs at 09:30, and no DRAFT mark.
    assert_eq!(value["control"]["status"], "ISSUED");
    assert_eq!(value["control"]["version"], 1);
    assert_eq!(value["control"]["issued_at"], "2026-11-06T10:00:00Z");
    for expected in [
        "<td>Status</td><td class=\"num plain\">ISSUED</td>",
        "<td>Version</td><td class=\"num plain\">1</td>",
        "<td>Issued</td><td class=\"num plain\">6 November 2026, 10:00 GMT (UTC+00:00)</td>",
        "<td>Approved by</td><td class=\"num plain\">Jo Bloggs, 6 November 2026, 09:30 GMT (UTC+00:00)</td>",
    ] {
        assert!(html.contains(expected), "{expected} missing from {html}");
    }
    assert!(
        !html.contains("class=\"watermark\""),
        "an issued version has no DRAFT mark"
    );
    let subjects = subjects(&deps).await;
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert_eq!(
        subjects[1],
        "[slawatch] acme report issued: 2026-10 report issued"
    );

    // Approving once issued is refused.
    let late = approve(&deps, "Sam", "2026-11-07T09:00:00Z").await;
    assert!(late.unwrap_err().contains("already issued"));
}

#[tokio::test]
async fn auto_issue_issues_on_schedule_without_an_approver() {
    let dir = tempfile::tempdir().unwrap();
    let config = CONTRACT.replace(
        "managers = [\"contracts@council.example\"]\n",
        "managers = [\"contracts@council.example\"]\nauto_issue = true\n",
    );
    let deps = daemon_deps(&dir, &config).await;
    let issued = issue_due(&deps.config, &deps.store, t("2026-11-01T07:00:00Z"))
        .await
        .unwrap();
    assert_eq!(issued.len(), 1);
    let october = "2026-10".parse().unwrap();
    assert!(
        deps.store
            .latest_draft("acme", october)
            .await
            .unwrap()
            .is_none()
    );
    let json = std::fs::read_to_string(
        dir.path()
            .join("data/reports/acme/2026-10/acme-2026-10-v1.json"),
    )
    .unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    common::report_schema::assert_valid_report(&value);
    assert!(value.get("approval").is_none());
}

#[tokio::test]
async fn a_month_held_for_its_feeds_is_issued_once_when_the_pack_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let config = CONTRACT.replace(
        "managers = [\"contracts@council.example\"]\n",
        "managers = [\"contracts@council.example\"]\nauto_issue = true\nissue_when = \"feeds_complete\"\n",
    );
    let deps = daemon_deps(&dir, &config).await;
    let october = "2026-10".parse().unwrap();
    // Nothing dated in October yet: the schedule passes and nothing happens.
    for at in ["2026-11-01T07:00:00Z", "2026-11-05T12:00:00Z"] {
        assert!(
            issue_due(&deps.config, &deps.store, t(at))
                .await
                .unwrap()
                .is_empty()
        );
    }
    assert!(
        deps.store
            .latest_issued("acme", october)
            .await
            .unwrap()
            .is_none()
    );
    // The monthly pack arrives on the 6th: the next check issues, once.
    let csv = "id,contract,priority,opened_at,service,resolved_at,title\n\
               INC1,acme,P1,2026-10-01T09:00:00Z,email,2026-10-01T10:00:00Z,Fault\n";
    push(&deps, csv, "october.csv", &dir).await;
    let issued = issue_due(&deps.config, &deps.store, t("2026-11-06T10:00:00Z"))
        .await
        .unwrap();
    assert_eq!(issued.len(), 1);
    assert!(
        issue_due(&deps.config, &deps.store, t("2026-11-06T11:00:00Z"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        deps.store
            .issued_versions("acme", october)
            .await
            .unwrap()
            .len(),
        1
    );
    let json = std::fs::read_to_string(
        dir.path()
            .join("data/reports/acme/2026-10/acme-2026-10-v1.json"),
    )
    .unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    common::report_schema::assert_valid_report(&value);
    assert_eq!(value["issue_gate"], "feeds_complete");
    assert!(value.get("approval").is_none());
}

#[tokio::test]
async fn a_month_whose_feeds_never_come_is_drafted_at_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let config = CONTRACT.replace(
        "managers = [\"contracts@council.example\"]\n",
        "managers = [\"contracts@council.example\"]\nissue_when = \"feeds_complete\"\nissue_deadline_days = 10\n",
    );
    let deps = daemon_deps(&dir, &config).await;
    let october = "2026-10".parse().unwrap();
    // October ends at 00:00 GMT on 1 November; ten days later is the deadline.
    issue_due(&deps.config, &deps.store, t("2026-11-10T23:59:59Z"))
        .await
        .unwrap();
    assert!(
        deps.store
            .latest_draft("acme", october)
            .await
            .unwrap()
            .is_none()
    );
    issue_due(&deps.config, &deps.store, t("2026-11-11T00:00:00Z"))
        .await
        .unwrap();
    let draft = deps
        .store
        .latest_draft("acme", october)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(draft.gate.as_deref(), Some("deadline"));
    let value: serde_json::Value = serde_json::from_str(&draft.json).unwrap();
    common::report_schema::assert_valid_report(&value);
    assert_eq!(value["issue_gate"], "deadline");
    // Approved, it is issued saying so.
    approve(&deps, "Jo Bloggs", "2026-11-12T09:00:00Z")
        .await
        .unwrap();
    issue_due(&deps.config, &deps.store, t("2026-11-12T10:00:00Z"))
        .await
        .unwrap();
    let html = std::fs::read_to_string(
        dir.path()
            .join("data/reports/acme/2026-10/acme-2026-10-v1.html"),
    )
    .unwrap();
    assert!(
        html.contains(
            "<td>Issue gate</td><td class=\"num plain\">Issued at the deadline with a feed still missing</td>"
        ),
        "{html}"
    );
    assert!(
        html.contains("<td>Approved by</td><td class=\"num plain\">Jo Bloggs, 12 November 2026, 09:00 GMT (UTC+00:00)</td>"),
        "{html}"
    );
}

#[tokio::test]
async fn a_manager_token_approves_over_the_api_and_a_viewer_cannot() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "{CONTRACT}\n[[api_tokens]]\nname = \"grafana\"\nrole = \"viewer\"\ntoken_sha256 = \"{}\"\n\n\
         [[api_tokens]]\nname = \"jane.smith\"\nrole = \"manager\"\ntoken_sha256 = \"{}\"\n",
        common::sha256_hex("viewer-secret"),
        common::sha256_hex("manager-secret"),
    );
    let deps = daemon_deps(&dir, &config).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = slawatch::http::router(deps.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let url = format!("http://{addr}/api/v1/contracts/acme/months/2026-10/approve");
    let client = reqwest::Client::new();
    let post = |token: &'static str| client.post(&url).bearer_auth(token).send();

    // No draft yet: 404.
    assert_eq!(post("manager-secret").await.unwrap().status().as_u16(), 404);
    issue_due(&deps.config, &deps.store, t("2026-11-01T07:00:00Z"))
        .await
        .unwrap();
    assert_eq!(post("viewer-secret").await.unwrap().status().as_u16(), 403);
    let res = post("manager-secret").await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["approved_by"], "jane.smith");
    assert_eq!(body["draft"], 1);

    let issued = issue_due(&deps.config, &deps.store, t("2026-11-06T10:00:00Z"))
        .await
        .unwrap();
    assert_eq!(issued.len(), 1);
    let json = std::fs::read_to_string(
        dir.path()
            .join("data/reports/acme/2026-10/acme-2026-10-v1.json"),
    )
    .unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    common::report_schema::assert_valid_report(&value);
    assert_eq!(value["approval"]["approved_by"], "jane.smith");
    // Once issued, approving is a conflict.
    assert_eq!(post("manager-secret").await.unwrap().status().as_u16(), 409);
}

#[tokio::test]
async fn figures_changed_after_approval_are_drafted_again_and_need_their_own_approval() {
    let dir = tempfile::tempdir().unwrap();
    let deps = october(&dir).await;
    let october = "2026-10".parse().unwrap();
    issue_due(&deps.config, &deps.store, t("2026-11-01T07:00:00Z"))
        .await
        .unwrap();
    approve(&deps, "Jo Bloggs", "2026-11-02T09:00:00Z")
        .await
        .unwrap();
    // Before the next check a late P1 arrives: INC2, resolved in 6 h against
    // 4 h. P1 resolution goes from 1 of 1 met (100 %) to 1 of 2 (50 %).
    let csv = "id,contract,priority,opened_at,service,resolved_at,title\n\
               INC2,acme,P1,2026-10-20T09:00:00Z,email,2026-10-20T15:00:00Z,Late\n";
    push(&deps, csv, "late.csv", &dir).await;
    // Draft 1 was approved with other figures: nothing is issued; draft 2
    // is made and emailed, once.
    for at in ["2026-11-02T10:00:00Z", "2026-11-02T11:00:00Z"] {
        assert!(
            issue_due(&deps.config, &deps.store, t(at))
                .await
                .unwrap()
                .is_empty()
        );
    }
    assert!(
        deps.store
            .latest_issued("acme", october)
            .await
            .unwrap()
            .is_none()
    );
    let draft = deps
        .store
        .latest_draft("acme", october)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(draft.draft, 2);
    let value: serde_json::Value = serde_json::from_str(&draft.json).unwrap();
    common::report_schema::assert_valid_report(&value);
    assert_eq!(value["service_levels"][0]["attainment_percent"], 50.0);
    assert_eq!(
        subjects(&deps).await,
        [
            "[slawatch] acme report draft: DRAFT 2026-10 report (draft 1), awaiting approval",
            "[slawatch] acme report draft: DRAFT 2026-10 report (draft 2), awaiting approval",
        ]
    );
    // Approved in turn, it is issued with the figures approved.
    approve(&deps, "Sam Smith", "2026-11-03T09:00:00Z")
        .await
        .unwrap();
    let issued = issue_due(&deps.config, &deps.store, t("2026-11-03T10:00:00Z"))
        .await
        .unwrap();
    assert_eq!(issued.len(), 1);
    let json = std::fs::read_to_string(
        dir.path()
            .join("data/reports/acme/2026-10/acme-2026-10-v1.json"),
    )
    .unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    common::report_schema::assert_valid_report(&value);
    assert_eq!(value["service_levels"][0]["attainment_percent"], 50.0);
    assert_eq!(value["approval"]["approved_by"], "Sam Smith");
}
