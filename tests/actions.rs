//! The actions register end to end, on a real store: an audit tracker
//! imported from CSV (twice: the second import changes nothing), a refused
//! row named by its line and column while the others are kept, the
//! follow-up summary as an internal auditor tabulates it, reviews recorded
//! from the command line, and the same register over the HTTP API (viewers
//! read, managers record under their token's name).

mod common;

use std::net::SocketAddr;

use common::{TestEnv, daemon_deps, sha256_hex, stderr, stdout};
use serde_json::{Value, json};

/// Today for the tests: Saturday 5 December 2026, noon in London.
const NOW: &str = "--now=2026-12-05T12:00:00Z";

/// An IT DR follow-up review with one action in each status but
/// substantially implemented, one ICT strategy action closed, and a row
/// whose due date is not a date (line 6 of the file, counting the header).
const TRACKER: &str = "\
id,origin,reference,title,owner,due,status,by,reason,evidence
DR-1,IT DR audit 2025/26,management action 1,Write the DR plan,Head of IT,2026-09-30,fully_implemented,J. Smith,Plan approved,DR plan v2.pdf
DR-2,IT DR audit 2025/26,management action 2,Test the DR plan,Head of IT,2026-11-05,partially_implemented,J. Smith,Test booked,
DR-3,IT DR audit 2025/26,management action 3,Back up offsite,Supplier,2026-11-04,not_implemented,J. Smith,No evidence,
ICT-1,ICT strategy audit,,Publish the strategy,CIO,2027-01-31,closed,A. Auditor,Superseded by the digital strategy,
DR-4,IT DR audit 2025/26,,Bad date,Supplier,2026-13-01,,,,
";

fn run_ok(env: &TestEnv, args: &[&str]) -> String {
    let out = env.run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn a_tracker_imported_twice_and_its_follow_up_summary() {
    let env = TestEnv::new();
    let tracker = env.file("tracker.csv", TRACKER);
    let tracker = tracker.display().to_string();
    let import = [
        "actions",
        "import",
        "--contract",
        "acme-managed-it",
        &tracker,
        NOW,
    ];

    let first = env.run(&import);
    assert_eq!(first.status.code(), Some(1), "a refused row fails the run");
    assert!(
        stdout(&first).contains("4 added, 0 changed, 0 unchanged, 1 rejected"),
        "{}",
        stdout(&first)
    );
    assert!(
        stderr(&first).contains("line 6, column due: '2026-13-01' is not a date"),
        "{}",
        stderr(&first)
    );
    let again = env.run(&import);
    assert!(
        stdout(&again).contains("0 added, 0 changed, 4 unchanged, 1 rejected"),
        "{}",
        stdout(&again)
    );

    // IT DR: 1 fully, none substantially, 1 partially, 1 not implemented,
    // none closed; ICT: 1 closed. Overdue on 5 December: DR-2 (due 5 Nov)
    // and DR-3 (due 4 Nov), not DR-1 (fully implemented) nor ICT-1 (closed).
    let summary: Value = serde_json::from_str(&run_ok(
        &env,
        &["actions", "summary", "--format", "json", NOW],
    ))
    .unwrap();
    let follow_up = &summary;
    assert_eq!(
        follow_up["columns"],
        json!([
            "Fully implemented",
            "Substantially implemented",
            "Partially implemented",
            "Not implemented",
            "Closed"
        ])
    );
    let dr = follow_up["origins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["origin"] == "IT DR audit 2025/26")
        .unwrap();
    assert_eq!(dr["cells"], json!(["1", "-", "1", "1", "-"]));
    assert_eq!(dr["overdue"], 2);
    assert_eq!(
        follow_up["total"]["cells"],
        json!(["1", "-", "1", "1", "1"])
    );
    assert_eq!(follow_up["total"]["total"], 4);

    // DR-2 is 30 days overdue (5 Nov to 5 Dec), DR-3 31.
    let list: Value = serde_json::from_str(&run_ok(
        &env,
        &[
            "actions",
            "list",
            "--contract",
            "acme-managed-it",
            "--overdue",
            "--format",
            "json",
            NOW,
        ],
    ))
    .unwrap();
    let overdue: Vec<(String, i64)> = list["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                a["days_overdue"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        overdue,
        [("DR-2".to_string(), 30), ("DR-3".to_string(), 31)]
    );
}

#[test]
fn a_review_is_recorded_with_who_why_and_the_evidence_and_closing_needs_a_reason() {
    let env = TestEnv::new();
    let add = [
        "actions",
        "add",
        "--contract",
        "acme-managed-it",
        "--id",
        "DR-5",
        "--origin",
        "IT DR audit 2025/26",
        "--title",
        "Agree recovery time objectives",
        "--owner",
        "Head of IT",
        "--due",
        "2026-12-31",
        "--by",
        "J. Smith",
        NOW,
    ];
    run_ok(&env, &add);
    let refused = env.run(&[
        "actions",
        "update",
        "--contract",
        "acme-managed-it",
        "--id",
        "DR-5",
        "--status",
        "closed",
        "--by",
        "A. Auditor",
        "--reason",
        "",
        NOW,
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("a closed action needs the reason it is closed"),
        "{}",
        stderr(&refused)
    );
    run_ok(
        &env,
        &[
            "actions",
            "update",
            "--contract",
            "acme-managed-it",
            "--id",
            "DR-5",
            "--status",
            "substantially_implemented",
            "--by",
            "A. Auditor",
            "--reason",
            "RTOs agreed for 9 of 11 systems",
            "--evidence",
            "RTO register v3",
            "--due",
            "2027-01-31",
            NOW,
        ],
    );
    let shown: Value = serde_json::from_str(&run_ok(
        &env,
        &[
            "actions",
            "show",
            "--contract",
            "acme-managed-it",
            "--id",
            "DR-5",
            "--format",
            "json",
            NOW,
        ],
    ))
    .unwrap();
    assert_eq!(shown["status"], "substantially_implemented");
    assert_eq!(shown["agreed_due"], "2026-12-31");
    assert_eq!(shown["due"], "2027-01-31");
    let history = shown["history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "{shown}");
    assert_eq!(history[0]["status"], "not_implemented");
    assert_eq!(history[1]["by"], "A. Auditor");
    assert_eq!(history[1]["reason"], "RTOs agreed for 9 of 11 systems");
    assert_eq!(history[1]["evidence"], "RTO register v3");
    // An id the contract already has is refused, not overwritten.
    let twice = env.run(&add);
    assert_eq!(twice.status.code(), Some(1), "{}", stdout(&twice));
}

const VIEWER: &str = "actions-viewer-secret";
const MANAGER: &str = "actions-manager-secret";

#[tokio::test]
async fn the_register_over_the_api() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        r#"
[[contracts]]
id = "acme"
supplier = "Acme Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "1000.00"
managers = ["m@council.example"]

  [[contracts.service_levels]]
  id = "p1-resolution"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  target_percent = 95.0

[[api_tokens]]
name = "grafana"
role = "viewer"
token_sha256 = "{}"

[[api_tokens]]
name = "jane.smith"
role = "manager"
token_sha256 = "{}"
"#,
        sha256_hex(VIEWER),
        sha256_hex(MANAGER)
    );
    let deps = daemon_deps(&dir, &config).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, slawatch::http::router(deps)).await });
    let client = reqwest::Client::new();
    let send = |path: &str, token: &str, body: Option<Value>| {
        let url = format!("http://{addr}{path}");
        let req = match body {
            Some(b) => client.post(url).body(b.to_string()),
            None => client.get(url),
        };
        let req = req.bearer_auth(token);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let action = json!({"id": "A1", "origin": "Committee resolution 2026/14",
        "title": "Bring the low-assurance action plan", "owner": "Director of IT",
        "due": "2027-02-01", "service_level": "p1-resolution"});

    let (status, body) = send(
        "/api/v1/contracts/acme/actions",
        VIEWER,
        Some(action.clone()),
    )
    .await;
    assert_eq!(status, 403, "a viewer cannot record: {body}");
    let (status, body) = send(
        "/api/v1/contracts/acme/actions",
        MANAGER,
        Some(
            json!({"id": "A2", "origin": "x", "title": "t", "owner": "o",
                    "due": "2027-02-01", "service_level": "no-such-level"}),
        ),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("no-such-level"), "{body}");
    // A NUL in a title is the person's to fix (PostgreSQL's text cannot
    // hold one): refused naming the field, on either backend.
    let (status, body) = send(
        "/api/v1/contracts/acme/actions",
        MANAGER,
        Some(
            json!({"id": "A3", "origin": "x", "title": "Back\u{0}up", "owner": "o",
                    "due": "2027-02-01"}),
        ),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"],
        "title: holds a NUL character (U+0000), which no text may contain"
    );

    let (status, body) = send("/api/v1/contracts/acme/actions", MANAGER, Some(action)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["history"][0]["recorded_by"], "api:jane.smith");
    let (status, body) = send(
        "/api/v1/contracts/acme/actions/A1/status",
        MANAGER,
        Some(
            json!({"status": "fully_implemented", "by": "Internal Audit",
                    "reason": "Plan presented on 12 January", "evidence": "Minute 2027/3"}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "fully_implemented");

    let (status, body) = send("/api/v1/follow-up", VIEWER, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["follow_up"]["origins"][0]["cells"],
        json!(["1", "-", "-", "-", "-"])
    );
    let (status, body) = send("/api/v1/contracts/acme/actions/A1", VIEWER, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["history"].as_array().map(Vec::len), Some(2));
}

/// A tracker cell holding a NUL is refused with its line and column on
/// either backend (PostgreSQL's text cannot hold one); the other rows are kept.
#[test]
fn a_nul_in_a_tracker_cell_is_refused_naming_its_column() {
    let env = TestEnv::new();
    let tracker = env.file(
        "tracker.csv",
        "id,origin,title,owner,due\n\
         N-1,IT DR audit,Back\0up offsite,Supplier,2026-11-04\n\
         N-2,IT DR audit,Write the plan,Head of IT,2026-09-30\n",
    );
    let tracker = tracker.display().to_string();
    let out = env.run(&[
        "actions",
        "import",
        "--contract",
        "acme-managed-it",
        &tracker,
        NOW,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "line 2, column title: holds a NUL character (U+0000), which no text may contain"
        ),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("1 added, 0 changed, 0 unchanged, 1 rejected"),
        "{}",
        stdout(&out)
    );
}
