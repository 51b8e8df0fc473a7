//! The commitments register end to end: `slawatch commitment` through the
//! real binary, the API with its roles, the month's report with delay
//! payments, and live detection's due-soon, overdue and weekly reminder
//! alerts against a real SQLite store.
//!
//! The command line runs with `--now` at [`RECORDED`], after every event's
//! date, and reads the register and reports as of [`AS_OF`], a little later:
//! nothing depends on the day the suite runs.

mod common;

use std::net::SocketAddr;

use chrono::{DateTime, Utc};
use common::{TestEnv, daemon_deps, sha256_hex, stderr, stdout};
use serde_json::{Value, json};
use slawatch::daemon::Deps;
use slawatch::daemon::live::detect_once;
use slawatch::engine::commitments::Action;
use slawatch::store::commitments::EventRequest;

/// When the command line records events (and "today" for any refusal).
const RECORDED: &str = "2026-10-01T09:00:00Z";
/// When the register and reports are read: after every recording.
const AS_OF: &str = "2026-10-02T12:00:00Z";

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Runs `slawatch --now RECORDED ARGS`.
fn at_recorded(env: &TestEnv, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--now", RECORDED];
    all.extend_from_slice(args);
    env.run(&all)
}

fn ok(env: &TestEnv, args: &[&str]) -> String {
    let out = at_recorded(env, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn refused(env: &TestEnv, args: &[&str]) -> String {
    let out = at_recorded(env, args);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stdout(&out));
    stderr(&out)
}

fn pack<'a>(extra: &[&'a str], verb: &'a str) -> Vec<&'a str> {
    let mut args = vec![
        "commitment",
        verb,
        "--contract",
        "acme-managed-it",
        "--id",
        "monthly-pack",
    ];
    args.extend_from_slice(extra);
    args
}

/// The monthly service pack, due 5 office days after each month end from
/// June 2026 (the office calendar is Monday to Friday):
/// - June's, due Tuesday 7 July: delivered 6 July, accepted 8 July;
/// - July's, due Friday 7 August: delivered 12 August, rejected the next
///   day, delivered again 2 September (26 days late: 24 in August, 2 in
///   September), accepted 3 September;
/// - August's, due Monday 7 September: never delivered.
#[test]
fn the_register_from_the_command_line_and_in_the_report() {
    let env = TestEnv::new();
    let out = ok(
        &env,
        &pack(
            &[
                "--name",
                "Monthly service pack",
                "--category",
                "governance",
                "--owner",
                "Acme service delivery manager",
                "--due",
                "5 working days after month end",
                "--calendar",
                "office",
                "--first-month",
                "2026-06",
                "--every",
                "1 month",
                "--delay-payment-per-day",
                "100.00",
            ],
            "add",
        ),
    );
    assert!(
        out.contains("5 working days after month end (office calendar), from 2026-06"),
        "{out}"
    );

    ok(
        &env,
        &pack(
            &[
                "--due",
                "2026-06",
                "--evidence",
                "pack-2026-06.pdf",
                "--on",
                "2026-07-06",
            ],
            "deliver",
        ),
    );
    ok(
        &env,
        &pack(&["--by", "Jane Smith", "--on", "2026-07-08"], "accept"),
    );
    // With no --due, a delivery goes to the earliest occurrence not delivered: July's.
    let out = ok(
        &env,
        &pack(
            &["--evidence", "pack-2026-07.pdf", "--on", "2026-08-12"],
            "deliver",
        ),
    );
    assert!(
        out.contains("monthly-pack 2026-07 (due 2026-08-07): delivered"),
        "{out}"
    );
    ok(
        &env,
        &pack(
            &[
                "--due",
                "2026-08-07",
                "--by",
                "Jane Smith",
                "--reason",
                "no availability figures",
                "--on",
                "2026-08-13",
            ],
            "reject",
        ),
    );
    ok(
        &env,
        &pack(
            &[
                "--due",
                "2026-07",
                "--evidence",
                "pack-2026-07-v2.pdf",
                "--on",
                "2026-09-02",
            ],
            "deliver",
        ),
    );
    ok(
        &env,
        &pack(
            &[
                "--due",
                "2026-07",
                "--by",
                "Jane Smith",
                "--on",
                "2026-09-03",
            ],
            "accept",
        ),
    );

    // What does not fit is refused with exit 1 and says why.
    let e = refused(
        &env,
        &pack(
            &[
                "--due",
                "2026-06",
                "--evidence",
                "again.pdf",
                "--on",
                "2026-07-09",
            ],
            "deliver",
        ),
    );
    assert!(e.contains("already delivered on 2026-07-06"), "{e}");
    let e = refused(
        &env,
        &pack(&["--due", "2026-08", "--by", "Jane Smith"], "accept"),
    );
    assert!(e.contains("nothing to accept"), "{e}");
    let e = refused(
        &env,
        &pack(
            &["--due", "2026-06", "--by", "Jane Smith", "--reason", "late"],
            "reject",
        ),
    );
    assert!(
        e.contains("already accepted by Jane Smith on 2026-07-08"),
        "{e}"
    );
    let e = refused(
        &env,
        &[
            "commitment",
            "deliver",
            "--contract",
            "acme-managed-it",
            "--id",
            "nope",
            "--evidence",
            "x",
        ],
    );
    assert!(
        e.contains("no commitment 'nope' (known: dr-test, monthly-pack)"),
        "{e}"
    );
    let e = refused(
        &env,
        &[
            "commitment",
            "add",
            "--contract",
            "acme-managed-it",
            "--id",
            "audit",
            "--name",
            "Audit",
            "--category",
            "Finance",
            "--due",
            "10 working days after month end",
            "--calendar",
            "office",
        ],
    );
    assert!(
        e.contains("--category: 'Finance' is not a category: one lower-case word"),
        "{e}"
    );
    assert!(e.contains("--first-month: required with a due rule"), "{e}");
    let e = refused(
        &env,
        &[
            "commitment",
            "add",
            "--contract",
            "acme-managed-it",
            "--id",
            "dr-test",
            "--name",
            "DR",
            "--due",
            "2027-01-31",
        ],
    );
    assert!(e.contains("already has a commitment 'dr-test'"), "{e}");

    // The register.
    let out = ok(
        &env,
        &[
            "commitment",
            "list",
            "--contract",
            "acme-managed-it",
            "--format",
            "json",
            "--as-of",
            "2026-09-20T12:00:00Z",
        ],
    );
    // Events are recorded on 1 October 2026: as of 20 September, none is seen.
    let listing: Value = serde_json::from_str(&out).unwrap();
    let packs: Vec<&Value> = listing["commitments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["id"] == "monthly-pack")
        .collect();
    assert!(packs.iter().all(|o| o["delivered_on"].is_null()));
    let out = ok(
        &env,
        &[
            "commitment",
            "list",
            "--contract",
            "acme-managed-it",
            "--format",
            "json",
            "--as-of",
            AS_OF,
        ],
    );
    let listing: Value = serde_json::from_str(&out).unwrap();
    let pack = |key: &str| -> Value {
        listing["commitments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == "monthly-pack" && o["occurrence"] == key)
            .cloned()
            .unwrap_or_else(|| panic!("no occurrence {key}: {listing:#}"))
    };
    let june = pack("2026-06");
    assert_eq!(
        (
            &june["due"],
            &june["status"],
            &june["accepted_by"],
            &june["days_late"]
        ),
        (
            &json!("2026-07-07"),
            &json!("accepted"),
            &json!("Jane Smith"),
            &json!(0)
        )
    );
    let july = pack("2026-07");
    assert_eq!(july["status"], "late");
    assert_eq!(july["evidence"], "pack-2026-07-v2.pdf");
    assert_eq!(july["days_late"], 26);
    assert_eq!(july["delay_payment_to_date_minor"], 260_000);
    assert_eq!(
        july["rejections"],
        json!([{ "on": "2026-08-13", "by": "Jane Smith", "reason": "no availability figures",
                 "delivered_on": "2026-08-12", "evidence": "pack-2026-07.pdf" }])
    );
    assert_eq!(pack("2026-08")["status"], "overdue");
    assert_eq!(pack("2026-08")["owner"], "Acme service delivery manager");
    assert_eq!(pack("2026-08")["origin"], "ad_hoc");
    let table = ok(
        &env,
        &[
            "commitment",
            "list",
            "--contract",
            "acme-managed-it",
            "--as-of",
            AS_OF,
        ],
    );
    assert!(table.contains("DELAY PAYMENT"), "{table}");

    // September's report claims the delay payments of the days late in
    // September: July's 2 days and August's 23 (8th to 30th), at £100 a day.
    let r = env.report_json("acme-managed-it", "2026-09", AS_OF);
    let shown: Vec<(String, String, i64, i64)> = r["commitments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["id"] == "monthly-pack")
        .map(|o| {
            (
                o["occurrence"].as_str().unwrap().to_string(),
                o["status"].as_str().unwrap().to_string(),
                o["days_late_in_period"].as_i64().unwrap(),
                o["delay_payment_minor"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("2026-07".into(), "late".into(), 2, 20_000),
            ("2026-08".into(), "overdue".into(), 23, 230_000),
        ]
    );
    assert_eq!(r["delay_payments_minor"], 250_000);
    assert_eq!(r["total_claim_minor"], 0);
    assert_eq!(r["total_claim_with_delay_payments_minor"], 250_000);
    // Per category, the occurrences due in September: August's pack (due
    // 7 September), undelivered on the 30th. The DR test (category
    // `other`) falls due in November.
    assert_eq!(
        r["commitment_categories"],
        json!([{ "category": "governance", "committed": 1, "delivered": 0, "accepted": 0,
                 "late": 0, "overdue": 1, "unevidenced": 1 }])
    );
    // July: June's pack, due 7 July, delivered on the 6th, accepted on the 8th.
    let r = env.report_json("acme-managed-it", "2026-07", AS_OF);
    assert_eq!(
        r["commitment_categories"],
        json!([{ "category": "governance", "committed": 1, "delivered": 1, "accepted": 1,
                 "late": 0, "overdue": 0, "unevidenced": 0 }])
    );
    // August's report: July's first 24 days late.
    let r = env.report_json("acme-managed-it", "2026-08", AS_OF);
    assert_eq!(r["delay_payments_minor"], 240_000);
    let html = ok(
        &env,
        &[
            "report",
            "--contract",
            "acme-managed-it",
            "--month",
            "2026-09",
            "--format",
            "html",
            "--as-of",
            AS_OF,
        ],
    );
    assert!(html.contains("Total claim with delay payments"), "{html}");
    assert!(
        html.contains("Per category, the occurrences due this month"),
        "{html}"
    );
    assert!(html.contains("Delivered with evidence"), "{html}");
    assert!(html.contains("rejected 2026-08-13 by Jane Smith: no availability figures"));
}

const MANAGER: &str = "manager-secret-123";
const VIEWER: &str = "viewer-secret-456";

async fn deps(dir: &tempfile::TempDir) -> Deps {
    let config = format!(
        r#"
[[contracts]]
id = "acme"
supplier = "Acme Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "1000.00"
managers = ["m@council.example"]

  [[contracts.commitments]]
  id = "dr-test"
  name = "Annual DR test"
  category = "dr"
  due = "2026-11-30"
  every = "12 months"
  delay_payment_per_day = "50.00"

[[api_tokens]]
name = "contracts-team"
role = "manager"
token_sha256 = "{manager}"

[[api_tokens]]
name = "grafana"
role = "viewer"
token_sha256 = "{viewer}"
"#,
        manager = sha256_hex(MANAGER),
        viewer = sha256_hex(VIEWER),
    );
    // The API's "today" (recording, listing), pinned after its events' dates.
    daemon_deps(dir, &config)
        .await
        .with_clock(slawatch::domain::WallClock::manual(t(
            "2026-02-01T09:00:00Z",
        )))
}

#[tokio::test]
async fn the_api_reads_for_viewers_and_records_for_managers() {
    let dir = tempfile::tempdir().unwrap();
    let deps = deps(&dir).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let app = slawatch::http::router(deps.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let base = format!("http://{addr}/api/v1/contracts/acme/commitments");
    let client = reqwest::Client::new();
    let post = |url: String, token: &'static str, body: Value| {
        client.post(url).bearer_auth(token).json(&body).send()
    };

    let spec = json!({
        "id": "named-sdm", "name": "Named service delivery manager appointed",
        "category": "staffing", "due": "2025-12-31"
    });
    let no_token = client.post(&base).json(&spec).send().await.unwrap();
    assert_eq!(no_token.status(), 401);
    let viewer = post(base.clone(), VIEWER, spec.clone()).await.unwrap();
    assert_eq!(viewer.status(), 403);
    let added = post(base.clone(), MANAGER, spec.clone()).await.unwrap();
    assert_eq!(added.status(), 201);
    let again = post(base.clone(), MANAGER, spec).await.unwrap();
    assert_eq!(again.status(), 400);
    let bad = post(
        base.clone(),
        MANAGER,
        json!({ "id": "x", "name": "X", "due": "soon", "colour": "red" }),
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("unknown field `colour`"));

    let delivered = post(
        format!("{base}/named-sdm/deliver"),
        MANAGER,
        json!({ "evidence": "Appointment letter 2026-01-12", "on": "2026-01-12" }),
    )
    .await
    .unwrap();
    assert_eq!(delivered.status(), 200);
    let o: Value = delivered.json().await.unwrap();
    assert_eq!(
        (&o["status"], &o["days_late"]),
        (&json!("late"), &json!(12))
    );
    // The delivery's id, which an evidence file names: the first event recorded.
    assert_eq!(o["delivery"], 1);
    let nobody = post(format!("{base}/named-sdm/accept"), MANAGER, json!({}))
        .await
        .unwrap();
    assert_eq!(nobody.status(), 400);
    assert!(nobody.text().await.unwrap().contains("name of the person"));
    let accepted = post(
        format!("{base}/named-sdm/accept"),
        MANAGER,
        json!({ "by": "Jane Smith", "on": "2026-01-14" }),
    )
    .await
    .unwrap();
    assert_eq!(accepted.status(), 200);
    let o: Value = accepted.json().await.unwrap();
    assert_eq!(o["accepted_by"], "Jane Smith");
    let unknown = post(
        format!("{base}/nope/deliver"),
        MANAGER,
        json!({ "evidence": "x" }),
    )
    .await
    .unwrap();
    assert_eq!(unknown.status(), 404);
    let verb = post(format!("{base}/named-sdm/approve"), MANAGER, json!({}))
        .await
        .unwrap();
    assert_eq!(verb.status(), 404);
    let by_viewer = post(
        format!("{base}/dr-test/deliver"),
        VIEWER,
        json!({ "evidence": "x" }),
    )
    .await
    .unwrap();
    assert_eq!(by_viewer.status(), 403);

    let listing: Value = client
        .get(&base)
        .bearer_auth(VIEWER)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sdm = listing["commitments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "named-sdm")
        .unwrap();
    assert_eq!(sdm["category"], "staffing");
    assert_eq!(sdm["accepted_on"], "2026-01-14");

    // Per category: by default the quarter holding today (1 February 2026),
    // in which nothing falls due.
    assert_eq!(
        listing["categories"],
        json!({ "period": "2026-Q1", "from": "2026-01-01", "to": "2026-03-31", "rows": [] })
    );
    let categories = |period: &'static str| {
        client
            .get(format!("{base}?period={period}"))
            .bearer_auth(VIEWER)
            .send()
    };
    // The appointment was due on 31 December 2025, the quarter's last day,
    // and delivered on 12 January: at the quarter's end it was committed,
    // not evidenced, and not yet overdue (overdue from the day after).
    let q4: Value = categories("2025-Q4").await.unwrap().json().await.unwrap();
    assert_eq!(
        q4["categories"]["rows"],
        json!([{ "category": "staffing", "committed": 1, "delivered": 0, "accepted": 0,
                 "late": 0, "overdue": 0, "unevidenced": 1 }])
    );
    let bad = categories("2025-Q5").await.unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("nor a quarter"));

    // The events carry who recorded them.
    let events = deps.store.commitment_events("acme").await.unwrap();
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|e| e.recorded_by == "api:contracts-team"));
}

async fn kinds(deps: &Deps) -> Vec<String> {
    deps.store
        .due_alerts(i64::MAX, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.alert.kind.starts_with("commitment"))
        .map(|a| a.alert.kind)
        .collect()
}

#[tokio::test]
async fn due_soon_then_overdue_at_once_then_a_reminder_once_a_week() {
    let dir = tempfile::tempdir().unwrap();
    let deps = deps(&dir).await;
    let queued = |day: &'static str| {
        let deps = deps.clone();
        async move {
            detect_once(&deps, t(&format!("{day}T09:00:00Z")))
                .await
                .unwrap()
                .queued
        }
    };
    // Due 30 November 2026; the lead time is 14 days by default.
    assert_eq!(queued("2026-11-15").await, 0);
    assert_eq!(queued("2026-11-16").await, 1);
    assert_eq!(queued("2026-11-20").await, 0);
    assert_eq!(queued("2026-11-30").await, 0);
    assert_eq!(kinds(&deps).await, ["commitment_due_soon"]);
    // Overdue the day after, at once; nothing more that week.
    assert_eq!(queued("2026-12-01").await, 1);
    for day in ["2026-12-01", "2026-12-04", "2026-12-07"] {
        assert_eq!(queued(day).await, 0, "{day}");
    }
    // A reminder each week while overdue, once each, across the year end.
    assert_eq!(queued("2026-12-08").await, 1);
    assert_eq!(queued("2026-12-14").await, 0);
    assert_eq!(queued("2026-12-15").await, 1);
    assert_eq!(queued("2026-12-21").await, 0);
    assert_eq!(queued("2026-12-29").await, 1);
    assert_eq!(queued("2027-01-05").await, 1);
    assert_eq!(queued("2027-01-05").await, 0);
    let all = deps.store.due_alerts(i64::MAX, 100).await.unwrap();
    let overdue = all
        .iter()
        .find(|a| a.alert.kind == "commitment_overdue")
        .unwrap();
    assert_eq!(
        overdue.alert.dedup_key,
        "commitment/acme/dr-test/2026-11-30/overdue/0"
    );
    assert!(overdue.alert.subject.contains("Annual DR test is overdue"));
    let last = all.last().unwrap();
    assert_eq!(
        last.alert.dedup_key,
        "commitment/acme/dr-test/2026-11-30/overdue/5"
    );
    assert!(
        last.alert.subject.contains("36 days overdue"),
        "{}",
        last.alert.subject
    );
    assert!(
        last.alert
            .body_text
            .contains("£50.00 a day late; £1,800.00 so far"),
        "{}",
        last.alert.body_text
    );

    // Delivered (late): no more reminders.
    let contract = deps.config.contract("acme").unwrap();
    deps.store
        .record_commitment_event(
            contract,
            &deps.config.calendars,
            EventRequest {
                commitment: "dr-test".into(),
                selector: None,
                action: Action::Delivered,
                on: None,
                evidence: Some("DR report v1".into()),
                person: None,
                reason: None,
                recorded_by: "test".into(),
            },
            t("2027-01-06T10:00:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(queued("2027-01-12").await, 0);
    assert_eq!(
        kinds(&deps).await,
        [
            "commitment_due_soon",
            "commitment_overdue",
            "commitment_reminder",
            "commitment_reminder",
            "commitment_reminder",
            "commitment_reminder"
        ]
    );
}
