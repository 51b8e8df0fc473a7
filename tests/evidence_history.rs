//! Evidence nobody can quietly rewrite, through the real binary on the
//! backend under test: a record belongs to the source that first stored it;
//! a correction keeps the previous version; `--known-at` gives the figures
//! as the store knew them; the history refuses to be altered, and an
//! alteration made past the database's triggers is found by `verify`.

mod common;

use std::path::Path;
use std::process::Output;

use common::{TestEnv, level, stderr, stdout};
use sqlx::AnyPool;

const C: &str = "acme-managed-it";
/// When the supplier's October pack is imported.
const IMPORTED: &str = "2026-11-01T09:00:00Z";
/// When October is issued.
const ISSUED: &str = "2026-11-03T09:00:00Z";
/// A week later, the supplier's correction arrives.
const CORRECTED: &str = "2026-11-10T09:00:00Z";
/// When the month is read afterwards.
const LATER: &str = "2026-11-20T00:00:00Z";

fn run(env: &TestEnv, now: &str, args: &[&str]) -> Output {
    let mut all = vec!["--now", now];
    all.extend_from_slice(args);
    env.run(&all)
}

fn ok(env: &TestEnv, now: &str, args: &[&str]) -> String {
    let out = run(env, now, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn import(env: &TestEnv, now: &str, name: &str, csv: &str) -> String {
    let path = env.file(name, csv);
    ok(env, now, &["import", path.to_str().unwrap()])
}

const HEADER: &str = "id,contract,priority,opened_at,service,resolved_at\n";

/// October's P1 incidents (24x7, 4 h, 95 %; 2 % below 95, 4 % below 90 of
/// £125,000): INC1–INC3 resolved in 3 h, INC4 opened 09:02 and resolved
/// 14:38 (5 h 36 m: breached). 3 of 4 = 75 % → 4 % = £5,000.00.
fn october(env: &TestEnv) {
    let mut csv = String::from(HEADER);
    for day in 1..=3 {
        csv.push_str(&format!(
            "INC{day},{C},P1,2026-10-0{day}T09:00:00Z,email,2026-10-0{day}T12:00:00Z\n"
        ));
    }
    csv.push_str(&format!(
        "INC4,{C},P1,2026-10-07T09:02:00Z,email,2026-10-07T14:38:00Z\n"
    ));
    let said = import(env, IMPORTED, "pack.csv", &csv);
    assert!(
        said.contains("4 stored, 0 updated, 0 unchanged, 0 rejected"),
        "{said}"
    );
}

/// The supplier moves INC4's resolution to 12:40 (3 h 38 m: met): 4 of 4 =
/// 100 %, no credit.
fn correction(env: &TestEnv) -> String {
    let csv = format!("{HEADER}INC4,{C},P1,2026-10-07T09:02:00Z,email,2026-10-07T12:40:00Z\n");
    import(env, CORRECTED, "correction.csv", &csv)
}

fn report_json(env: &TestEnv, now: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "report",
        "--contract",
        C,
        "--month",
        "2026-10",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    ok(env, now, &args)
}

#[test]
fn a_correction_is_a_second_version_and_known_at_gives_the_issued_figures() {
    let env = TestEnv::new();
    october(&env);
    ok(
        &env,
        ISSUED,
        &["issue", "--contract", C, "--month", "2026-10"],
    );
    let said = correction(&env);
    assert!(
        said.contains("0 stored, 1 updated, 0 unchanged, 0 rejected"),
        "{said}"
    );
    // A week after the resolution it touches, the move is a rewrite, and one
    // that undoes a breach favours the supplier.
    assert!(
        said.contains(
            "1 change(s) to evidence already held came after the fact, 1 favourable to the supplier"
        ),
        "{said}"
    );

    // Now: met, no credit.
    let now: serde_json::Value = serde_json::from_str(&report_json(&env, LATER, &[])).unwrap();
    let p1 = level(&now, "p1-resolution");
    assert_eq!(p1["met"], 4);
    assert_eq!(p1["credit_minor"], 0);

    // The amendment since issue names the record behind the moved figures.
    let changes = now["amendment"]["changes"].as_array().unwrap();
    assert_eq!(changes[0]["what"], "p1-resolution attainment_percent");
    assert_eq!(changes[0]["records"], serde_json::json!(["incident INC4"]));

    // The report lists the rewrite: before → after, the P1 verdict it
    // flipped, and the £5,000.00 credit it took away (4 % of £125,000 → 0).
    let section = &now["records_changed_after_the_fact"];
    assert_eq!(
        section["records"],
        serde_json::json!([{
            "import_id": 2,
            "received_at": CORRECTED,
            "source": "cli",
            "kind": "incident",
            "record": "INC4",
            "change": "resolved_at 2026-10-07T14:38:00Z → 2026-10-07T12:40:00Z",
            "direction": "favourable",
            "why": "turns the p1-resolution breach into met",
            "effects": [{"service_level": "p1-resolution", "period": "2026-10", "before": "breached", "after": "met"}]
        }])
    );
    assert_eq!(
        section["credit_moved"],
        serde_json::json!([{"import_id": 2, "credit_before_minor": 500_000, "credit_after_minor": 0, "moved_minor": -500_000}])
    );
    let csv = ok(
        &env,
        LATER,
        &[
            "report",
            "--contract",
            C,
            "--month",
            "2026-10",
            "--format",
            "csv",
        ],
    );
    let (_, rewrites) = csv
        .split_once("\n\n")
        .expect("a second table after a blank line");
    assert_eq!(
        rewrites.lines().nth(1),
        Some(
            "2,2026-11-10T09:00:00Z,cli,,incident,INC4,resolved_at 2026-10-07T14:38:00Z → 2026-10-07T12:40:00Z,\
             favourable,turns the p1-resolution breach into met,p1-resolution (2026-10): breached → met,-500000"
        )
    );
    let html = ok(
        &env,
        LATER,
        &[
            "report",
            "--contract",
            C,
            "--month",
            "2026-10",
            "--format",
            "html",
        ],
    );
    assert!(html.contains("<h2>Records changed after the fact</h2>"));
    assert!(html.contains("resolved_at 2026-10-07T14:38:00Z → 2026-10-07T12:40:00Z"));
    assert!(html.contains("p1-resolution (2026-10): breached → met"));

    // As known at the issue: the issued document, byte for byte.
    let known = report_json(&env, LATER, &["--known-at", ISSUED]);
    let out = env.dir.path().join("issued");
    ok(
        &env,
        LATER,
        &[
            "issued",
            "--contract",
            C,
            "--month",
            "2026-10",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let issued = std::fs::read_to_string(out.join(format!("{C}-2026-10-v1.json"))).unwrap();
    common::report_schema::assert_valid_report(&serde_json::from_str(&issued).unwrap());
    // Every figure as issued; only the control data differs (a copy made
    // on demand is not an issued version).
    let without_control = |text: &str| {
        let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
        let control = v.as_object_mut().unwrap().remove("control").unwrap();
        (v, control)
    };
    let (known_figures, known_control) = without_control(&known);
    let (issued_figures, issued_control) = without_control(&issued);
    assert_eq!(known_figures, issued_figures);
    assert_eq!(issued_control["status"], "ISSUED");
    assert_eq!(known_control["status"], "DRAFT");
    let then: serde_json::Value = serde_json::from_str(&known).unwrap();
    let p1 = level(&then, "p1-resolution");
    assert_eq!(
        (p1["met"].as_u64(), p1["assessed"].as_u64()),
        (Some(3), Some(4))
    );
    assert_eq!(p1["credit_minor"], 500_000);

    // Before the pack arrived the store knew nothing of October.
    let before: serde_json::Value = serde_json::from_str(&report_json(
        &env,
        LATER,
        &["--known-at", "2026-11-01T08:00:00Z"],
    ))
    .unwrap();
    assert_eq!(level(&before, "p1-resolution")["assessed"], 0);

    // The history: both versions, where each came from and when.
    let text = ok(
        &env,
        LATER,
        &["history", "--contract", C, "--incident", "INC4"],
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "incident INC4 of acme-managed-it (owned by source cli)"
    );
    assert!(
        lines[1].starts_with(&format!(
            "version 1: received {IMPORTED} (until {CORRECTED}) from source cli, import 1 ("
        )),
        "{text}"
    );
    assert!(lines[1].ends_with("pack.csv) line 5"), "{text}");
    assert!(
        lines[2].contains("resolved_at 2026-10-07T14:38:00Z"),
        "{text}"
    );
    assert!(
        lines[3].starts_with(&format!(
            "version 2: received {CORRECTED} (current) from source cli, import 2 ("
        )),
        "{text}"
    );
    assert_eq!(
        lines[4],
        "  resolved_at 2026-10-07T14:38:00Z → 2026-10-07T12:40:00Z; \
         settled_at 2026-10-07T14:38:00Z → 2026-10-07T12:40:00Z"
    );
    let json: serde_json::Value = serde_json::from_str(&ok(
        &env,
        LATER,
        &[
            "history",
            "--contract",
            C,
            "--incident",
            "INC4",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    let versions = json["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["values"]["resolved_at"], "2026-10-07T14:38:00Z");
    assert_eq!(versions[0]["superseded_at"], CORRECTED);
    assert_eq!(versions[1]["values"]["resolved_at"], "2026-10-07T12:40:00Z");
    assert_eq!(versions[1]["superseded_at"], serde_json::Value::Null);
    assert_eq!(versions[1]["import"]["line"], 2);

    // An unknown incident is an error naming it.
    let out = run(
        &env,
        LATER,
        &["history", "--contract", C, "--incident", "INC9"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no incident 'INC9' in contract acme-managed-it"));
}

/// A hold added a week after the fact and a P1 re-sent as P3 are each a
/// rewrite favourable to the supplier. October as in [`october`] plus INC5
/// (P1, 09:00–14:00 on the 14th: 5 h against 4 h, breached) and INC6 (P1,
/// 09:00–15:00Z on Wednesday the 21st: 6 h, breached): 3 of 6 P1s met.
#[test]
fn a_hold_added_after_the_fact_and_a_downgrade_favour_the_supplier() {
    let env = TestEnv::new();
    october(&env);
    let more = format!(
        "{HEADER}INC5,{C},P1,2026-10-14T09:00:00Z,email,2026-10-14T14:00:00Z\n\
         INC6,{C},P1,2026-10-21T09:00:00Z,email,2026-10-21T15:00:00Z\n"
    );
    import(&env, IMPORTED, "more.csv", &more);

    // A week later: a 1 h 30 m wait on the customer on INC5 (5 h − 1 h 30 m
    // = 3 h 30 m: met), and INC6 re-sent as a P3 (6 office hours, 10:00–16:00
    // BST, against 20: met; no longer a P1).
    let hold = "incident_id,contract,start,end,reason\n\
                INC5,acme-managed-it,2026-10-14T10:00:00Z,2026-10-14T11:30:00Z,awaiting_customer\n";
    let said = import(&env, CORRECTED, "hold.csv", hold);
    assert!(
        said.contains("1 change(s) to evidence already held came after the fact, 1 favourable"),
        "{said}"
    );
    let p3 = format!("{HEADER}INC6,{C},P3,2026-10-21T09:00:00Z,email,2026-10-21T15:00:00Z\n");
    let said = import(&env, CORRECTED, "p3.csv", &p3);
    assert!(
        said.contains("1 change(s) to evidence already held came after the fact, 1 favourable"),
        "{said}"
    );

    let report: serde_json::Value = serde_json::from_str(&report_json(&env, LATER, &[])).unwrap();
    let section = &report["records_changed_after_the_fact"];
    assert_eq!(
        section["records"],
        serde_json::json!([
            {
                "import_id": 3, "received_at": CORRECTED, "source": "cli", "kind": "hold", "record": "INC5",
                "change": "hold added from 2026-10-14T10:00:00Z to 2026-10-14T11:30:00Z",
                "direction": "favourable",
                "why": "turns the p1-resolution breach into met; adds a hold in the past",
                "effects": [{"service_level": "p1-resolution", "period": "2026-10", "before": "breached", "after": "met"}]
            },
            {
                "import_id": 4, "received_at": CORRECTED, "source": "cli", "kind": "incident", "record": "INC6",
                "change": "priority P1 → P3",
                "direction": "favourable",
                "why": "turns the p1-resolution breach into not_applicable; lowers the priority P1 → P3",
                "effects": [
                    {"service_level": "p1-resolution", "period": "2026-10", "before": "breached", "after": "not_applicable"},
                    {"service_level": "p3-resolution", "period": "2026-10", "before": "not_applicable", "after": "met"}
                ]
            }
        ])
    );
    // P1 3 of 6 (50 %) → 4 of 6 (66.7 %) → 4 of 5 (80 %): all below 90 %,
    // the 4 % tier (£5,000.00) throughout; P3 1 of 1 met earns nothing.
    assert_eq!(
        section["credit_moved"],
        serde_json::json!([
            {"import_id": 3, "credit_before_minor": 500_000, "credit_after_minor": 500_000, "moved_minor": 0},
            {"import_id": 4, "credit_before_minor": 500_000, "credit_after_minor": 500_000, "moved_minor": 0}
        ])
    );
    let p1 = level(&report, "p1-resolution");
    assert_eq!(
        (p1["met"].as_u64(), p1["assessed"].as_u64()),
        (Some(4), Some(5))
    );

    // How the clocks were stopped: INC1–INC5 are P1s on the 24x7 calendar,
    // resolved in 3 h ×3, 5 h 36 m and 5 h = 70,560 s, of which INC5's
    // 1 h 30 m (5,400 s) on hold: 7.653 %. Met: INC1–3 at 75 % of the
    // target, INC5 at 87.5 % (3 h 30 m): none in the last 5 %, one in the
    // 85–95 % band, so 12.5 % expected there. One hold added after the
    // fact, one priority lowered, nothing reopened.
    let stops = &report["clock_stops"];
    assert_eq!(
        stops["levels"][0],
        serde_json::json!({
            "service_level": "p1-resolution", "assessed": 5,
            "hold_seconds": 5_400, "resolution_seconds": 70_560, "hold_share_percent": 7.653,
            "holds": [{"reason": "awaiting_customer", "priority": "P1", "seconds": 5_400, "holds": 1}],
            "met": 4, "met_in_last_5_percent": 0,
            "last_5_percent_share": 0.0, "expected_last_5_percent_share": 12.5
        })
    );
    assert_eq!(stops["holds_added_after_the_fact"], 1);
    assert_eq!(stops["priority_downgrades"], 1);
    assert_eq!(stops["priority_upgrades"], 0);
    assert_eq!(stops["reopened"], 0);

    // The same hold within the day is an ordinary update, not a rewrite.
    let fresh = TestEnv::new();
    october(&fresh);
    import(&fresh, IMPORTED, "more.csv", &more);
    let said = import(&fresh, "2026-10-14T20:00:00Z", "hold.csv", hold);
    assert!(!said.contains("after the fact"), "{said}");
}

/// A connection straight to the store, past slawatch.
async fn database(env: &TestEnv) -> AnyPool {
    sqlx::any::install_default_drivers();
    let url = match env.database_url.strip_prefix("sqlite://") {
        Some(file) => format!("sqlite://{file}?mode=rw"),
        None => env.database_url.clone(),
    };
    AnyPool::connect(&url).await.expect("the test store")
}

#[tokio::test]
async fn the_history_refuses_changes_and_an_alteration_past_it_is_found() {
    let env = TestEnv::new();
    october(&env);
    correction(&env);
    let pool = database(&env).await;
    for sql in [
        "UPDATE incidents_versions SET resolved_at = resolved_at + 1",
        "DELETE FROM incidents_versions",
    ] {
        let err = sqlx::query(sql)
            .execute(&pool)
            .await
            .expect_err("the history must refuse it");
        assert!(
            err.to_string().contains("evidence history is insert-only"),
            "{sql}: {err}"
        );
    }
    let out = run(&env, LATER, &["verify", "--contract", C]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("incidents_versions of acme-managed-it: 1 row, head 1 "),
        "{}",
        stdout(&out)
    );

    // An administrator drops the trigger and moves the old resolution.
    let drop = if env.database_url.starts_with("sqlite:") {
        "DROP TRIGGER incidents_versions_are_kept_update"
    } else {
        "DROP TRIGGER incidents_versions_are_kept_update ON incidents_versions"
    };
    sqlx::query(drop).execute(&pool).await.unwrap();
    sqlx::query("UPDATE incidents_versions SET resolved_at = resolved_at - 7200")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let out = run(&env, LATER, &["verify", "--contract", C]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "incidents_versions of acme-managed-it: BROKEN at incidents_versions version_id 1 (link 1): content changed"
        ),
        "{}",
        stdout(&out)
    );
}

/// An email's quoted-printable text decoded (soft line breaks joined,
/// `=XX` bytes restored), so its words can be looked for.
fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

mod daemon {
    //! Ownership with the daemon running: the customer's Alertmanager
    //! records an outage; the supplier's inbox and webhook, and a plain CLI
    //! import, cannot alter it; a person's correction can, audited.

    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use serde_json::json;

    use super::*;

    const PUSH: &str = "evidence-history-push-token";
    const NOC: &str = "evidence-history-noc-token";
    const NOW: &str = "2026-10-14T10:00:00Z";

    struct Daemon {
        child: Child,
        base: String,
        env: TestEnv,
    }

    impl Drop for Daemon {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn start() -> Daemon {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let env = TestEnv::new();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let inbox = env.dir.path().join("inbox");
        std::fs::create_dir_all(&inbox).unwrap();
        let mut config = read(&env.config).replacen(
            "[daemon]\n",
            &format!("[daemon]\nlisten = \"127.0.0.1:{port}\"\n"),
            1,
        );
        config.push_str(&format!(
            r#"
[[sources]]
id = "noc"
contract = "{C}"
kind = "alertmanager"
token_env = "EVIDENCE_HISTORY_NOC"
service_label = "service"

[[sources]]
id = "acme-push"
contract = "{C}"
kind = "webhook"
token_env = "EVIDENCE_HISTORY_PUSH"

[[sources]]
id = "acme-inbox"
contract = "{C}"
kind = "inbox"
path = "{}"

# Every alert on its own at once: this test is about what is alerted.
[alerts]
digest_at = "off"
"#,
            inbox.display()
        ));
        std::fs::write(&env.config, config).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_slawatch"))
            .args([
                "run",
                "--config",
                env.config.to_str().unwrap(),
                "--now",
                NOW,
            ])
            .env("EVIDENCE_HISTORY_PUSH", PUSH)
            .env("EVIDENCE_HISTORY_NOC", NOC)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start slawatch run");
        let daemon = Daemon {
            child,
            base: format!("http://127.0.0.1:{port}"),
            env,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !reqwest::blocking::get(format!("{}/readyz", daemon.base))
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(Instant::now() < deadline, "the daemon did not become ready");
            std::thread::sleep(Duration::from_millis(100));
        }
        daemon
    }

    impl Daemon {
        fn post(&self, path: &str, token: &str, body: String) -> serde_json::Value {
            let res = reqwest::blocking::Client::new()
                .post(format!("{}{path}", self.base))
                .bearer_auth(token)
                .body(body)
                .send()
                .expect("post");
            assert!(res.status().is_success(), "{path}: {}", res.status());
            res.json().expect("a JSON answer")
        }

        /// Pushes an unrelated incident, so detection runs now.
        fn nudge(&self, id: &str) {
            self.post(
                "/api/v1/records",
                PUSH,
                json!([{
                    "type": "incident", "id": id, "contract": C, "priority": "P3",
                    "opened_at": "2026-10-14T09:00:00Z"
                }])
                .to_string(),
            );
        }

        /// The alerts written as `.eml` files whose text contains `needle`.
        fn alerts_about(&self, needle: &str) -> Vec<std::path::PathBuf> {
            let dir = self.env.dir.path().join("data").join("outbox");
            std::fs::read_dir(dir)
                .map(|d| {
                    d.filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                        .filter(|p| read(p).contains(needle))
                        .collect()
                })
                .unwrap_or_default()
        }

        /// Waits until exactly `n` alerts mention `needle`.
        fn wait_for_alerts(&self, needle: &str, n: usize) {
            let deadline = Instant::now() + Duration::from_secs(30);
            while self.alerts_about(needle).len() < n {
                if Instant::now() > deadline {
                    let subjects: Vec<String> = self
                        .alerts_about("Subject:")
                        .iter()
                        .filter_map(|f| {
                            read(f)
                                .lines()
                                .find(|l| l.starts_with("Subject:"))
                                .map(str::to_string)
                        })
                        .collect();
                    panic!("no alert about {needle:?}; the alerts: {subjects:#?}");
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            assert_eq!(self.alerts_about(needle).len(), n, "{needle}");
        }

        fn downtime(&self) -> u64 {
            let out = run(
                &self.env,
                LATER,
                &[
                    "evaluate",
                    "--contract",
                    C,
                    "--month",
                    "2026-10",
                    "--format",
                    "json",
                ],
            );
            assert!(out.status.success(), "{}", stderr(&out));
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            level(&report, "email-availability")["downtime_seconds"]
                .as_u64()
                .unwrap()
        }
    }

    /// Email down 12 October 10:00–23:00Z, as Alertmanager saw it: 13 h =
    /// 46,800 s of downtime.
    fn notification() -> String {
        json!({
            "version": "4", "groupKey": "{}:{}", "status": "resolved", "receiver": "slawatch",
            "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
            "externalURL": "http://127.0.0.1:9093",
            "alerts": [{
                "status": "resolved",
                "labels": {"alertname": "MailDown", "service": "email"},
                "annotations": {},
                "startsAt": "2026-10-12T10:00:00Z",
                "endsAt": "2026-10-12T23:00:00Z",
                "generatorURL": "http://127.0.0.1:9090/graph",
                "fingerprint": "a1b2c3d4e5f60718"
            }]
        })
        .to_string()
    }

    #[test]
    fn a_customer_outage_cannot_be_altered_by_the_supplier_only_corrected_by_a_person() {
        let daemon = start();
        let stored = daemon.post("/api/v1/alertmanager/noc", NOC, notification());
        assert_eq!(stored["stored"], 1, "{stored}");
        assert_eq!(daemon.downtime(), 46_800);
        // 2026-10-12T10:00:00Z is 1,791,799,200 s after the epoch.
        let id = "am-a1b2c3d4e5f60718-1791799200";
        let owned = format!("outage {id} belongs to source noc");

        // The webhook: the same outage, planned.
        let pushed = daemon.post(
            "/api/v1/records",
            PUSH,
            json!([{
                "type": "outage", "id": id, "contract": C, "service": "email",
                "start": "2026-10-12T10:00:00Z", "end": "2026-10-12T23:00:00Z", "planned": "true"
            }])
            .to_string(),
        );
        assert_eq!(pushed["rejected"], 1, "{pushed}");
        let reason = pushed["rejections"][0]["reason"].as_str().unwrap();
        assert!(reason.starts_with(&owned), "{reason}");

        // The CLI: the same outage ending at 10:30.
        let early = format!(
            "id,contract,service,start,end\n{id},{C},email,2026-10-12T10:00:00Z,2026-10-12T10:30:00Z\n"
        );
        let file = daemon.env.file("early.csv", &early);
        let out = run(&daemon.env, LATER, &["import", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains(&format!("early.csv line 2: {owned}")),
            "{}",
            stderr(&out)
        );

        // The inbox: the same outage ending at 10:30, dropped by the supplier.
        let inbox = daemon.env.dir.path().join("inbox");
        std::fs::write(inbox.join("early.csv"), &early).unwrap();
        let errors = inbox.join("early.csv.errors.txt");
        let deadline = Instant::now() + Duration::from_secs(40);
        while !read(&errors).contains(&owned) {
            assert!(
                Instant::now() < deadline,
                "the inbox did not refuse the row: {}",
                read(&errors)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        assert!(read(&errors).contains("line 2"), "{}", read(&errors));
        assert_eq!(
            daemon.downtime(),
            46_800,
            "the refused rows changed nothing"
        );

        // A person corrects the end (the service was back at 22:00), audited.
        let fixed = daemon.env.file(
            "fixed.csv",
            &format!(
                "id,contract,service,start,end,source\n{id},{C},email,2026-10-12T10:00:00Z,2026-10-12T22:00:00Z,noc\n"
            ),
        );
        let said = ok(
            &daemon.env,
            LATER,
            &[
                "import",
                "--correct",
                "--by",
                "Jane Smith",
                "--reason",
                "NOC log shows mail back at 22:00",
                fixed.to_str().unwrap(),
            ],
        );
        assert!(said.contains("0 stored, 1 updated"), "{said}");
        // 10:00–22:00 = 12 h = 43,200 s.
        assert_eq!(daemon.downtime(), 43_200);
        let audit = ok(
            &daemon.env,
            LATER,
            &["audit", "--contract", C, "--format", "json"],
        );
        let audit: serde_json::Value = serde_json::from_str(&audit).unwrap();
        let entry = audit
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "evidence.correct")
            .unwrap_or_else(|| panic!("no correction in {audit}"));
        assert_eq!(entry["by"], "Jane Smith");
        assert_eq!(entry["kind"], "outage");
        assert_eq!(entry["subject"], id);
        assert_eq!(entry["reason"], "NOC log shows mail back at 22:00");
        assert!(
            entry["detail"]
                .as_str()
                .unwrap()
                .ends_with("end_at 2026-10-12T23:00:00Z → 2026-10-12T22:00:00Z"),
            "{entry}"
        );
        // Each refused source is alerted once for the day; the CLI's refusal
        // is dated by its own clock.
        for source in ["acme-push", "acme-inbox", "cli"] {
            daemon.wait_for_alerts(&format!("from source {source} refused"), 1);
        }

        // The correction came five weeks after the outage and shortened it;
        // the supplier's pack and its resolution moved a week later (as in
        // the first test) come through the command line. Each is a rewrite
        // in the supplier's favour, alerted once however often detection
        // runs (each push below makes it run).
        october(&daemon.env);
        correction(&daemon.env);
        let rewritten = "1 record(s) changed after the fact in the supplier's favour";
        daemon.nudge("INC-N1");
        daemon.wait_for_alerts(rewritten, 2);
        let alerts: Vec<String> = daemon
            .alerts_about(rewritten)
            .iter()
            .map(|f| quoted_printable(&read(f)))
            .collect();
        let by_jane = alerts
            .iter()
            .find(|a| a.contains("a correction by Jane Smith"))
            .expect("the correction's alert");
        assert!(
            by_jane.contains("end_at 2026-10-12T23:00:00Z → 2026-10-12T22:00:00Z"),
            "{by_jane}"
        );
        assert!(by_jane.contains("shortens downtime"), "{by_jane}");
        let supplier = alerts
            .iter()
            .find(|a| a.contains("incident INC4"))
            .expect("the supplier correction's alert");
        assert!(
            supplier.contains(
                "resolved_at 2026-10-07T14:38:00Z → 2026-10-07T12:40:00Z — turns the p1-resolution breach into met"
            ),
            "{supplier}"
        );
        daemon.nudge("INC-N2");
        std::thread::sleep(Duration::from_secs(2));
        assert_eq!(daemon.alerts_about(rewritten).len(), 2);
        assert_eq!(
            daemon.alerts_about("from source acme-push refused").len(),
            1
        );

        // The outage still belongs to the customer's Alertmanager.
        let history = ok(
            &daemon.env,
            LATER,
            &["history", "--contract", C, "--outage", id],
        );
        assert!(history.starts_with(&format!("outage {id} of {C} (owned by source noc)")));
        assert!(
            history.contains("corrected by Jane Smith: NOC log shows mail back at 22:00"),
            "{history}"
        );
    }
}
