//! The disaster-recovery register end to end with the real binary: systems
//! from the configuration, DR tests recorded with `dr-test add` (refusals
//! exit 1), the register with its flags and rating from `dr-test list`, and
//! the same register in every report format; then over the HTTP API
//! (managers record, viewers read). A test recorded by mistake is withdrawn
//! (`dr-test withdraw`, `DELETE …/dr-tests/{id}`): it stays listed and the
//! rating is worked out without it. Flags and scores are worked out by hand
//! from the formula in `src/engine/dr.rs`.

mod common;
#[path = "dr_register/withdraw.rs"]
mod withdraw;

use std::net::SocketAddr;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{TestEnv, daemon_deps, sha256_hex, stderr, stdout};
use serde_json::{Value, json};

/// Three systems for acme-managed-it: a critical one the supplier runs
/// (RTO 4h, RPO 15m), a medium SaaS one, a low cloud one whose vendor's DR
/// evidence was obtained.
const SYSTEMS: &str = r#"
  [[contracts.dr_systems]]
  id = "payroll"
  name = "Payroll"
  criticality = "critical"
  rto = "4h"
  rpo = "15m"
  hosted_by = "supplier"

  [[contracts.dr_systems]]
  id = "crm"
  name = "Customer records"
  criticality = "medium"
  hosted_by = "saas"
  vendor = "CloudCRM Inc"

  [[contracts.dr_systems]]
  id = "files"
  name = "File shares"
  criticality = "low"
  hosted_by = "cloud"
  vendor = "Azure"
  third_party_evidence = "SOC 2 Type II 2026"
"#;

fn env_with_systems() -> TestEnv {
    let env = TestEnv::new();
    let text = std::fs::read_to_string(&env.config).unwrap();
    let at = text.find("\n[[contracts]]\nid = \"beta-hosting\"").unwrap();
    let text = format!("{}{SYSTEMS}{}", &text[..at], &text[at..]);
    std::fs::write(&env.config, text).unwrap();
    env
}

/// "Now" for recording tests: after every date the tests record, so the
/// "after today" refusal and the register's age checks never depend on the
/// day the suite runs.
const NOW: &str = "2026-11-07T12:00:00Z";

/// "Now" for the API's daemon: the register it rates is as of this day.
const API_NOW: &str = "2026-10-12T09:00:00Z";

fn add(env: &TestEnv, args: &[&str]) -> std::process::Output {
    let mut all = vec![
        "--now",
        NOW,
        "dr-test",
        "add",
        "--contract",
        "acme-managed-it",
    ];
    all.extend_from_slice(args);
    env.run(&all)
}

fn system<'a>(register: &'a Value, id: &str) -> &'a Value {
    register["systems"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["id"] == id))
        .unwrap_or_else(|| panic!("no system {id} in {register}"))
}

fn flags(s: &Value) -> Vec<String> {
    s["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["flag"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn tests_recorded_give_flags_and_a_rating_in_every_format() {
    let env = env_with_systems();
    let check = env.run(&["check"]);
    assert!(check.status.success(), "{}", stderr(&check));

    // Refusals exit 1 and record nothing.
    let out = add(
        &env,
        &[
            "--system",
            "mail",
            "--date",
            "2026-01-01",
            "--by",
            "J. Smith",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no DR system 'mail'")
            && stderr(&out).contains("payroll, crm, files"),
        "{}",
        stderr(&out)
    );
    let out = add(
        &env,
        &[
            "--system",
            "payroll",
            "--date",
            "2099-01-01",
            "--by",
            "J. Smith",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("after today"), "{}", stderr(&out));
    let out = add(
        &env,
        &[
            "--system",
            "payroll",
            "--date",
            "2026-01-01",
            "--rto",
            "5 hours",
            "--by",
            "J. Smith",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--rto: '5 hours' is not a duration"),
        "{}",
        stderr(&out)
    );

    // Payroll tested exactly 12 months before the end of October 2026, 1 h
    // over its RTO; an older, passing test is superseded. CRM tested without
    // vendor evidence.
    for args in [
        [
            "--system",
            "payroll",
            "--date",
            "2025-06-01",
            "--rto",
            "2h",
            "--rpo",
            "5m",
            "--evidence",
            "DR report 2025-06",
        ],
        [
            "--system",
            "payroll",
            "--date",
            "2025-10-31",
            "--rto",
            "5h",
            "--rpo",
            "10m",
            "--evidence",
            "DR report 2025-10",
        ],
    ] {
        let mut a = args.to_vec();
        a.extend(["--by", "J. Smith"]);
        let out = add(&env, &a);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).starts_with("recorded DR test "),
            "{}",
            stdout(&out)
        );
    }
    let out = add(
        &env,
        &[
            "--system",
            "crm",
            "--date",
            "2026-09-01",
            "--note",
            "failover drill",
            "--by",
            "A. Jones",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    // As of 2026-10-31 (12 months to the day after payroll's last test):
    // payroll: worse than agreed (RTO 5h > 4h): 5 × 3 = 15;
    // crm: SaaS without evidence: 2 × 2 = 4;
    // files: never tested: 1 × 3 = 3 (its vendor's evidence is on file).
    // The worst is 15: severe.
    let out = env.run(&[
        "dr-test",
        "list",
        "--contract",
        "acme-managed-it",
        "--as-of",
        "2026-10-31",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let reg = &listed["register"];
    assert_eq!(
        (reg["score"].as_u64(), reg["rating"].as_str()),
        (Some(15), Some("severe"))
    );
    let payroll = system(reg, "payroll");
    assert_eq!(flags(payroll), ["worse_than_agreed"]);
    assert_eq!(payroll["last_test"]["date"], "2025-10-31");
    assert_eq!(payroll["last_test"]["achieved_rto_seconds"], 18_000);
    assert_eq!(
        payroll["flags"][0]["detail"],
        "test on 2025-10-31: RTO achieved 5h against 4h agreed"
    );
    assert_eq!(
        (
            flags(system(reg, "crm")),
            system(reg, "crm")["score"].as_u64()
        ),
        (vec!["no_third_party_evidence".to_string()], Some(4))
    );
    assert_eq!(
        (
            flags(system(reg, "files")),
            system(reg, "files")["score"].as_u64()
        ),
        (vec!["no_recent_test".to_string()], Some(3))
    );
    assert_eq!(listed["tests"].as_array().unwrap().len(), 3);
    assert_eq!(listed["tests"][0]["recorded_by"], "A. Jones");

    // The day after, payroll's test is too old as well: 5 × (3 + 3) = 30.
    let out = env.run(&[
        "dr-test",
        "list",
        "--contract",
        "acme-managed-it",
        "--as-of",
        "2026-11-01",
        "--format",
        "json",
    ]);
    let later: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        flags(system(&later["register"], "payroll")),
        ["no_recent_test", "worse_than_agreed"]
    );
    assert_eq!(later["register"]["score"], 30);

    // The table says the same.
    let out = env.run(&[
        "dr-test",
        "list",
        "--contract",
        "acme-managed-it",
        "--as-of",
        "2026-10-31",
    ]);
    let table = stdout(&out);
    assert!(
        table.contains("acme-managed-it: DR risk severe (score 15) as of 2026-10-31"),
        "{table}"
    );
    assert!(table.contains("worse_than_agreed"), "{table}");

    // October's report, evidence seen a week later: the register as of the
    // month's last day, whatever the as-of instant.
    let report = env.report_json("acme-managed-it", "2026-10", "2026-11-07T12:00:00Z");
    let dr = &report["disaster_recovery"];
    assert_eq!(dr["as_of"], "2026-10-31");
    assert_eq!(
        (dr["score"].as_u64(), dr["rating"].as_str()),
        (Some(15), Some("severe"))
    );
    assert_eq!(dr["systems"].as_array().unwrap().len(), 3);
    // A contract without systems has none.
    let beta = env.report_json("beta-hosting", "2026-10", "2026-11-07T12:00:00Z");
    assert!(beta["disaster_recovery"].is_null());

    let run = |format: &str| env.october_report_file(format, "2026-11-07T12:00:00Z");
    let html = std::fs::read_to_string(run("html")).unwrap();
    assert!(html.contains("<h2>Disaster recovery</h2>"), "html");
    assert!(html.contains("<p>DR risk rating severe (score 15) as of 31 October 2026.</p>"));
    assert!(html.contains("test on 2025-10-31: RTO achieved 5h against 4h agreed"));

    let pdf = run("pdf");
    let text = std::process::Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("DR risk rating severe (score 15) as of 31 October 2026."),
        "{text}"
    );
    assert!(text.contains("Data quality"), "{text}");

    let mut book: Xlsx<_> = open_workbook(run("xlsx")).unwrap();
    let rows: Vec<Vec<Data>> = book
        .worksheet_range("Disaster recovery")
        .unwrap()
        .rows()
        .map(|r| r.to_vec())
        .collect();
    let payroll = rows
        .iter()
        .find(|r| matches!(&r[0], Data::String(s) if s.ends_with("\npayroll")))
        .unwrap();
    let text = |d: &Data| match d {
        Data::String(s) => s.clone(),
        other => panic!("not text: {other:?}"),
    };
    assert!(text(&payroll[3]).starts_with("4h00m00s / "), "agreed RTO");
    assert!(text(&payroll[5]).starts_with("5h00m00s / "), "achieved RTO");
    assert_eq!(payroll[7], Data::Float(15.0), "score");
    assert!(
        rows.iter().any(|r| r[0]
            == Data::String("DR risk rating severe (score 15) as of 31 October 2026.".into()))
    );
}

const VIEWER: &str = "dr-viewer-secret";
const MANAGER: &str = "dr-manager-secret";

/// A daemon's API on a fresh store with [`SYSTEMS`], a viewer and a manager
/// token: the folder, the daemon's parts and the contract's API address.
async fn start_api() -> (tempfile::TempDir, slawatch::daemon::Deps, String) {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "{}\n{SYSTEMS}\n\
         [[api_tokens]]\nname = \"grafana\"\nrole = \"viewer\"\ntoken_sha256 = \"{}\"\n\n\
         [[api_tokens]]\nname = \"jane.smith\"\nrole = \"manager\"\ntoken_sha256 = \"{}\"\n",
        "[[contracts]]\nid = \"acme-managed-it\"\nsupplier = \"Acme\"\ntimezone = \"Europe/London\"\n\
         currency = \"GBP\"\nmonthly_charge = \"1000.00\"\nmanagers = [\"m@council.example\"]\n",
        sha256_hex(VIEWER),
        sha256_hex(MANAGER),
    );
    let now = API_NOW.parse().unwrap();
    let deps = daemon_deps(&dir, &config)
        .await
        .with_clock(slawatch::domain::WallClock::manual(now));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let app = slawatch::http::router(deps.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let base = format!("http://{addr}/api/v1/contracts/acme-managed-it");
    (dir, deps, base)
}

#[tokio::test]
async fn managers_record_tests_over_the_api_and_viewers_read_the_register() {
    let (_dir, deps, base) = start_api().await;
    let client = reqwest::Client::new();
    let post = |token: &'static str, body: Value| {
        client
            .post(format!("{base}/dr-tests"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };

    let body = json!({"system": "payroll", "date": "2026-09-15", "achieved_rto": "3h", "achieved_rpo": "10m", "evidence": "DR report Sept"});
    let r = post(VIEWER, body.clone()).await.unwrap();
    assert_eq!(r.status(), 403);
    let r = post(
        MANAGER,
        json!({"system": "payroll", "date": "2026-09-15", "achieved_rto": "soon"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("achieved_rto: 'soon' is not a duration")
    );
    let r = post(MANAGER, json!({"system": "mail", "date": "2026-09-15"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = post(MANAGER, body).await.unwrap();
    assert_eq!(r.status(), 201);
    let stored: Value = r.json().await.unwrap();
    assert_eq!(stored["recorded_by"], "jane.smith");
    assert_eq!(stored["achieved_rto_seconds"], 10_800);

    let r = client
        .get(format!("{base}/dr"))
        .bearer_auth(VIEWER)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    // As of 2026-10-12, payroll passed within 12 months: no flag. CRM never tested and no
    // evidence: 2 × (3 + 2) = 10. Files never tested: 1 × 3 = 3. High.
    let reg = &v["register"];
    assert_eq!(flags(system(reg, "payroll")), Vec::<String>::new());
    assert_eq!(system(reg, "crm")["score"], 10);
    assert_eq!(
        (reg["score"].as_u64(), reg["rating"].as_str()),
        (Some(10), Some("high"))
    );
    assert_eq!(v["tests"].as_array().unwrap().len(), 1);

    // Live detection alerts each flag once: CRM untested and without
    // evidence, files untested; payroll has nothing to say.
    let now = deps.clock.now();
    slawatch::daemon::live::detect_once(&deps, now)
        .await
        .unwrap();
    slawatch::daemon::live::detect_once(&deps, now)
        .await
        .unwrap();
    let mut keys: Vec<String> = deps
        .store
        .due_alerts(i64::MAX, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.alert.kind == "dr_flag")
        .map(|a| a.alert.dedup_key)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "dr/acme-managed-it/crm/no_recent_test/never",
            "dr/acme-managed-it/crm/no_third_party_evidence/config",
            "dr/acme-managed-it/files/no_recent_test/never"
        ]
    );
}
