//! The assurance rating and its trend in the month's report, against a real
//! store: six months of the example contract, each with one P1 resolved in an
//! hour (met; no other line fails or has supplier figures; no DR register),
//! so only the actions move the rating.
//!
//! - `late`: due 31 July, recorded 1 July, not implemented; fully
//!   implemented on 5 October. At July's end 0 days overdue (green); at
//!   August's end 31 days (red); at September's end 61 days (red); at
//!   October's end settled.
//! - `new`: due 1 October, recorded 15 September, not implemented: at
//!   October's end 30 days overdue, so amber, not red.
//!
//! May, June, July green (0 + 0 + 0 = 0); August red, September red,
//! October amber (2 + 2 + 1 = 5): October is "amber, worsening".
//! September's six months start in April, which has no evidence, so it has
//! no trend.

mod common;

use common::{TestEnv, stderr, stdout};

fn run(env: &TestEnv, args: &[&str]) -> String {
    let out = env.run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn setup(env: &TestEnv) {
    let mut incidents = String::from("id,contract,priority,opened_at,service,resolved_at,title\n");
    for month in 5..=10 {
        incidents.push_str(&format!(
            "INC{month:02}01,acme-managed-it,P1,2026-{month:02}-10T09:00:00Z,email,2026-{month:02}-10T10:00:00Z,Fault\n"
        ));
    }
    let file = env.file("incidents.csv", &incidents);
    let out = env.import(&[file.as_path()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let add = |now: &str, id: &str, title: &str, due: &str| {
        run(
            env,
            &[
                "--now",
                now,
                "actions",
                "add",
                "--contract",
                "acme-managed-it",
                "--id",
                id,
                "--origin",
                "IT Disaster Recovery audit 2025/26",
                "--title",
                title,
                "--owner",
                "Head of IT",
                "--due",
                due,
            ],
        );
    };
    add(
        "2026-07-01T09:00:00Z",
        "late",
        "Document the DR plan",
        "2026-07-31",
    );
    add(
        "2026-09-15T09:00:00Z",
        "new",
        "Test the backups",
        "2026-10-01",
    );
    run(
        env,
        &[
            "--now",
            "2026-10-05T09:00:00Z",
            "actions",
            "update",
            "--contract",
            "acme-managed-it",
            "--id",
            "late",
            "--status",
            "fully_implemented",
            "--by",
            "Internal Audit",
            "--reason",
            "plan approved",
            "--evidence",
            "DR plan v2",
        ],
    );
}

#[test]
fn the_months_rating_its_reasons_and_its_trend() {
    let env = TestEnv::new();
    setup(&env);
    let october = env.report_json("acme-managed-it", "2026-10", "2026-11-05T00:00:00Z");
    let a = &october["assurance"];
    assert_eq!(a["rating"], "amber", "{a:#}");
    assert_eq!(a["trend"], "worsening");
    assert_eq!(
        a["reasons"],
        serde_json::json!([{
            "makes": "amber",
            "kind": "overdue_action",
            "detail": "action new (Test the backups) overdue by 30 days"
        }])
    );
    let months: Vec<(String, String)> = a["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["period"].as_str().unwrap().into(),
                m["rating"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected = [
        ("2026-05", "green"),
        ("2026-06", "green"),
        ("2026-07", "green"),
        ("2026-08", "red"),
        ("2026-09", "red"),
        ("2026-10", "amber"),
    ];
    assert_eq!(
        months,
        expected.map(|(p, r)| (p.to_string(), r.to_string()))
    );

    let september = env.report_json("acme-managed-it", "2026-09", "2026-11-05T00:00:00Z");
    let a = &september["assurance"];
    assert_eq!(a["rating"], "red");
    assert_eq!(a["trend"], serde_json::Value::Null);
    assert_eq!(a["months"][0]["period"], "2026-04");
    assert_eq!(a["months"][0]["rating"], serde_json::Value::Null);
    assert_eq!(
        a["reasons"][0]["detail"],
        "action late (Document the DR plan) overdue by 61 days"
    );
}

#[test]
fn the_document_says_it_in_one_line_with_the_reasons() {
    let env = TestEnv::new();
    setup(&env);
    let html = run(
        &env,
        &[
            "report",
            "--contract",
            "acme-managed-it",
            "--month",
            "2026-10",
            "--format",
            "html",
            "--as-of",
            "2026-11-05T00:00:00Z",
        ],
    );
    assert!(html.contains("amber, worsening"), "{html}");
    assert!(
        html.contains(
            "Assurance is amber because: action new (Test the backups) overdue by 30 days."
        ),
        "{html}"
    );
}

#[test]
fn a_month_in_progress_is_not_rated() {
    let env = TestEnv::new();
    setup(&env);
    let october = env.report_json("acme-managed-it", "2026-10", "2026-10-20T00:00:00Z");
    assert!(october.get("assurance").is_none(), "{october:#}");
}

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

fn new_action(id: &str, title: &str, due: &str) -> slawatch::domain::NewAction {
    slawatch::domain::NewAction {
        id: id.into(),
        origin: "IT Disaster Recovery audit 2025/26".into(),
        reference: None,
        title: title.into(),
        description: None,
        owner: "Head of IT".into(),
        due: due.parse().unwrap(),
        links: slawatch::domain::ActionLinks::default(),
        initial: slawatch::domain::NewStatus {
            status: slawatch::domain::ActionStatus::NotImplemented,
            by: "Internal Audit".into(),
            reason: "agreed".into(),
            evidence: None,
            revised_due: None,
        },
    }
}

/// The daemon exports October (the last closed month on 5 November) as
/// amber (1) and worsening (1), from the same six months as above; the other
/// contract, with no evidence, green (0) and no trend yet (NaN).
#[tokio::test]
async fn the_daemon_exports_the_last_closed_months_rating_and_trend() {
    let dir = tempfile::tempdir().unwrap();
    let deps = common::daemon_deps(&dir, common::CONTRACT).await;
    let mut incidents = String::from("id,contract,priority,opened_at,service,resolved_at,title\n");
    for month in 5..=10 {
        incidents.push_str(&format!(
            "INC{month:02}01,acme-managed-it,P1,2026-{month:02}-10T09:00:00Z,email,2026-{month:02}-10T10:00:00Z,Fault\n"
        ));
    }
    common::push(&deps, &incidents, "incidents.csv", &dir).await;
    let store = &deps.store;
    let late = new_action("late", "Document the DR plan", "2026-07-31");
    store
        .add_action(
            "acme-managed-it",
            &late,
            "cli:test",
            at("2026-07-01T09:00:00Z"),
        )
        .await
        .unwrap();
    let new = new_action("new", "Test the backups", "2026-10-01");
    store
        .add_action(
            "acme-managed-it",
            &new,
            "cli:test",
            at("2026-09-15T09:00:00Z"),
        )
        .await
        .unwrap();
    let done = slawatch::domain::NewStatus {
        status: slawatch::domain::ActionStatus::FullyImplemented,
        by: "Internal Audit".into(),
        reason: "plan approved".into(),
        evidence: Some("DR plan v2".into()),
        revised_due: None,
    };
    store
        .record_action_status(
            "acme-managed-it",
            "late",
            &done,
            "cli:test",
            at("2026-10-05T09:00:00Z"),
        )
        .await
        .unwrap();
    let now = at("2026-11-05T09:00:00Z");
    slawatch::daemon::live::detect_once(&deps, now)
        .await
        .unwrap();
    let text = deps
        .metrics
        .render(&deps.config, &deps.store, true, now)
        .await;
    for line in [
        r#"slawatch_assurance_rating{contract="acme-managed-it"} 1"#,
        r#"slawatch_assurance_trend{contract="acme-managed-it"} 1"#,
        // No evidence before October's: rated green, no trend yet.
        r#"slawatch_assurance_rating{contract="beta-hosting"} 0"#,
        r#"slawatch_assurance_trend{contract="beta-hosting"} NaN"#,
    ] {
        assert!(text.contains(line), "no {line} in:\n{text}");
    }
}
