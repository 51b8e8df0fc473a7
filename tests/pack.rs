//! The audit committee's pack on a real store: each month's figures as
//! that month's report gives them (in the JSON, and read back from the HTML
//! and the PDF), outages by the cause a manager recorded, the follow-up
//! summary of an IT DR audit, and what changed since the last pack; issued
//! once per quarter across restarts and two daemons, and emailed with its
//! PDF to a real SMTP server.

mod common;
mod smtp_sink;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use common::{TestEnv, daemon_deps, push, stderr, stdout};
use serde_json::Value;
use slawatch::alerts::sender::SenderSettings;
use slawatch::daemon::Deps;
use slawatch::issuing::pack::{issue_due, issue_pack};

/// Today for the CLI test: Saturday 5 December 2026, noon in London.
const NOW: &str = "--now=2026-12-05T12:00:00Z";
const AS_OF: &str = "2026-12-05T12:00:00Z";
const C: &str = "acme-managed-it";

/// August: one P1 in an hour. September: two P1s, one in an hour, one in
/// five (over the 4-hour target), and a two-hour email outage. October: one
/// P1 in an hour and an eight-hour email outage.
const INCIDENTS: &str = "id,contract,priority,opened_at,service,resolved_at,title\n\
    A1,acme-managed-it,P1,2026-08-04T09:00:00Z,email,2026-08-04T10:00:00Z,Fault\n\
    S1,acme-managed-it,P1,2026-09-08T09:00:00Z,email,2026-09-08T10:00:00Z,Fault\n\
    S2,acme-managed-it,P1,2026-09-15T09:00:00Z,email,2026-09-15T14:00:00Z,Slow fix\n\
    O1,acme-managed-it,P1,2026-10-06T09:00:00Z,email,2026-10-06T10:00:00Z,Fault\n";
const OUTAGES: &str = "id,contract,service,start,end\n\
    OUT-SEP,acme-managed-it,email,2026-09-10T10:00:00Z,2026-09-10T12:00:00Z\n\
    OUT-OCT,acme-managed-it,email,2026-10-14T09:00:00Z,2026-10-14T17:00:00Z\n";
/// An IT DR follow-up with one action in each status on the auditors' scale.
const TRACKER: &str = "\
id,origin,reference,title,owner,due,status,by,reason,evidence
DR-1,IT DR audit 2025/26,management action 1,Write the DR plan,Head of IT,2026-09-30,fully_implemented,J. Smith,Plan approved,DR plan v2.pdf
DR-2,IT DR audit 2025/26,management action 2,Test the DR plan,Head of IT,2026-11-05,partially_implemented,J. Smith,Test booked,
DR-3,IT DR audit 2025/26,management action 3,Back up offsite,Supplier,2026-11-04,not_implemented,J. Smith,No evidence,
DR-4,IT DR audit 2025/26,management action 4,Document recovery order,Supplier,2027-02-28,substantially_implemented,J. Smith,Draft seen,
DR-5,IT DR audit 2025/26,management action 5,Second data centre,CIO,2027-03-31,closed,A. Auditor,Superseded by the cloud move,
";

fn run_ok(env: &TestEnv, args: &[&str]) -> String {
    let out = env.run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

/// Every way `pack` breaks the published schema
/// (`docs/schema/pack.schema.json`), formats checked too.
fn schema_errors(pack: &Value) -> Vec<String> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schema/pack.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    validator
        .iter_errors(pack)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn pdf_text(path: &std::path::Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The line of `text` holding every one of `parts`, or a failure showing
/// the text.
fn line_with<'a>(text: &'a str, parts: &[&str]) -> &'a str {
    text.lines()
        .find(|l| parts.iter().all(|p| l.contains(p)))
        .unwrap_or_else(|| panic!("no line with {parts:?} in:\n{text}"))
}

#[test]
fn the_pack_shows_each_months_figures_as_its_report_does() {
    let env = TestEnv::new();
    let incidents = env.file("incidents.csv", INCIDENTS);
    let outages = env.file("outages.csv", OUTAGES);
    let out = env.import(&[&incidents, &outages]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tracker = env.file("tracker.csv", TRACKER).display().to_string();
    run_ok(&env, &["actions", "import", "--contract", C, &tracker, NOW]);

    // The October outage classified from the supplier's root-cause report;
    // a cause that is not one word, and an outage the store does not
    // hold, are refused by name.
    let recorded = run_ok(
        &env,
        &[
            "cause",
            "--contract",
            C,
            "--outage",
            "OUT-OCT",
            "--cause",
            "malware",
            "--by",
            "J. Smith",
            "--why",
            "Supplier RCA of 20 October",
            NOW,
        ],
    );
    assert!(
        recorded.contains("OUT-OCT of acme-managed-it caused by malware"),
        "{recorded}"
    );
    let bad = env.run(&[
        "cause",
        "--contract",
        C,
        "--outage",
        "OUT-OCT",
        "--cause",
        "Malware attack",
        "--by",
        "J. Smith",
        "--why",
        "RCA",
        NOW,
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("'Malware attack' is not a cause"),
        "{}",
        stderr(&bad)
    );
    let unknown = env.run(&[
        "cause",
        "--contract",
        C,
        "--outage",
        "OUT-NOV",
        "--cause",
        "malware",
        "--by",
        "J. Smith",
        "--why",
        "RCA",
        NOW,
    ]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("contract 'acme-managed-it' has no outage 'OUT-NOV'"),
        "{}",
        stderr(&unknown)
    );

    let pack: Value = serde_json::from_str(&run_ok(
        &env,
        &[
            "pack", "--from", "2026-08", "--to", "2026-10", "--format", "json", NOW,
        ],
    ))
    .unwrap();
    assert_eq!(
        pack["months"],
        serde_json::json!(["2026-08", "2026-09", "2026-10"])
    );
    assert!(pack["issue"].is_null());
    let acme = &pack["contracts"][0];
    assert_eq!(acme["id"], C);

    // Worked by hand. August: 1 of 1 P1 in 4 h, no outage: green.
    // September: 1 of 2 = 50 %, below critical_below 80 % and below 90 %:
    // 4 % of £125,000.00 = £5,000.00, a critical failure: red. Email down
    // 2 h of 30 days: 1 − 7,200/2,592,000 = 99.722 %, met.
    // October: 31 days and the hour the clocks went back (25 October,
    // London) = 2,682,000 s; down 8 h = 28,800 s: 98.926 %, below 99 %:
    // 6 % = £7,500.00; a failure not critical: amber.
    let expected = [
        ("2026-08", "green", 0, 0, 0),
        ("2026-09", "red", 500_000, 1, 1),
        ("2026-10", "amber", 750_000, 1, 0),
    ];
    for (i, (period, rating, credits, failed, critical)) in expected.iter().enumerate() {
        let m = &acme["months"][i];
        assert_eq!(m["period"], *period);
        assert_eq!(m["rating"], *rating, "{period}");
        assert_eq!(m["service_credits_minor"], *credits, "{period}");
        assert_eq!(m["levels_failed"], *failed, "{period}");
        assert_eq!(m["critical_failures"], *critical, "{period}");
        // The same figures as the month's own report.
        let report = env.report_json(C, period, AS_OF);
        assert_eq!(
            m["service_credits_minor"],
            report["service_credits"]["total_minor"]
        );
        assert_eq!(m["total_claim_minor"], report["total_claim_minor"]);
        assert_eq!(m["rating"], report["assurance"]["rating"]);
    }
    let email = acme["levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "email-availability")
        .unwrap();
    assert_eq!(email["months"][1]["attainment_percent"], 99.722);
    assert_eq!(email["months"][2]["attainment_percent"], 98.926);
    assert_eq!(email["months"][2]["status"], "failed");
    // Beta has no evidence and nothing overdue: green, as its report says.
    let beta = env.report_json("beta-hosting", "2026-08", AS_OF);
    assert_eq!(pack["contracts"][1]["months"][0]["rating"], "green");
    assert_eq!(beta["assurance"]["rating"], "green");

    // Outages by cause: the malware one (8 h), then the one not classified (2 h).
    assert_eq!(
        acme["outage_causes"],
        serde_json::json!([
            { "cause": "malware", "outages": 1, "seconds": 28_800 },
            { "cause": null, "outages": 1, "seconds": 7_200 },
        ])
    );
    // The follow-up: 1 fully, 1 substantially, 1 partially, 1 not
    // implemented, 1 closed; overdue on 5 December: DR-2 (due 5 November)
    // and DR-3 (4 November).
    assert_eq!(
        pack["follow_up"][0],
        serde_json::json!({
            "origin": "IT DR audit 2025/26", "fully_implemented": 1,
            "substantially_implemented": 1, "partially_implemented": 1,
            "not_implemented": 1, "closed": 1, "overdue": 2
        })
    );
    assert!(pack["changes"].is_null(), "no pack was issued before");
    // The schema is strict: a field removed, one it does not know, or half
    // a penny each fail it.
    let mut broken = pack.clone();
    broken["contracts"][0]["months"][1]
        .as_object_mut()
        .unwrap()
        .remove("service_credits_minor");
    broken["contracts"][0]["surprise"] = Value::Bool(true);
    broken["contracts"][0]["months"][2]["total_claim_minor"] = serde_json::json!(750_000.5);
    let errors = schema_errors(&broken);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("/contracts/0/months/1") && e.contains("service_credits_minor")),
        "{errors:#?}"
    );
    assert!(errors.iter().any(|e| e.contains("surprise")), "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("/contracts/0/months/2/total_claim_minor")),
        "{errors:#?}"
    );

    // The HTML and the PDF say the same, read back as a person reads them.
    // Read as a browser shows it: the escaped characters turned back.
    let html = run_ok(
        &env,
        &[
            "pack", "--from", "2026-08", "--to", "2026-10", "--format", "html", NOW,
        ],
    )
    .replace("&#x2f;", "/")
    .replace("&#x27;", "'")
    .replace("&quot;", "\"")
    .replace("&amp;", "&");
    // Issued, so the PDF is the version the committee reads (no
    // PROVISIONAL mark across the page).
    let pdf = env.dir.path().join("pack.pdf");
    run_ok(
        &env,
        &[
            "pack",
            "--from",
            "2026-08",
            "--to",
            "2026-10",
            "--format",
            "pdf",
            "--out",
            pdf.to_str().unwrap(),
            "--issue",
            NOW,
        ],
    );
    let text = pdf_text(&pdf);
    assert!(
        text.contains("Audit committee pack: August–October 2026"),
        "{text}"
    );
    assert!(
        text.contains("ISSUED · Audit committee pack · August–October 2026 · Issued version 1"),
        "{text}"
    );
    line_with(&text, &["acme-managed-it", "green", "red", "amber"]);
    line_with(&text, &["2026-09", "£5,000.00"]);
    line_with(&text, &["2026-10", "£7,500.00"]);
    line_with(&text, &["Total", "£12,500.00"]);
    line_with(&text, &["OUT-OCT", "email", "malware"]);
    line_with(&text, &["IT DR audit 2025/26", "1", "-"]);
    line_with(&text, &["99.722 %", "98.926 %"]);
    for needle in [
        "£5,000.00",
        "£7,500.00",
        "£12,500.00",
        "99.722 %",
        "98.926 %",
        "malware",
        "IT DR audit 2025/26",
        "Audit committee pack: August–October 2026",
    ] {
        assert!(html.contains(needle), "HTML lacks {needle}");
    }
    // Supplier and people's text is escaped in the page.
    assert!(!html.contains("<script"), "no script in the pack");
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Two contracts; the pack goes to the audit committee's clerk.
const CONTRACTS: &str = r#"
[pack]
recipients = ["committee.clerk@council.example"]

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
  service_credits = [ { below = 95.0, percent = 2.0 } ]

[[contracts]]
id = "bravo"
supplier = "Bravo plc"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "10000.00"
managers = ["it@council.example"]

  [[contracts.service_levels]]
  id = "p1-resolution"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  target_percent = 95.0
"#;

/// September for acme: three P1s in an hour, one (INC4) in six. 3 of 4 =
/// 75 %, below 95 % → 2 % of £125,000.00 = £2,500.00.
const SEPTEMBER: &str = "id,contract,priority,opened_at,service,resolved_at,title\n\
    INC1,acme,P1,2026-09-01T09:00:00Z,email,2026-09-01T10:00:00Z,Fault\n\
    INC2,acme,P1,2026-09-02T09:00:00Z,email,2026-09-02T10:00:00Z,Fault\n\
    INC3,acme,P1,2026-09-03T09:00:00Z,email,2026-09-03T10:00:00Z,Fault\n\
    INC4,acme,P1,2026-09-15T09:00:00Z,email,2026-09-15T15:00:00Z,Late\n";

/// The issued versions in the store, and the emails queued for them.
async fn packs_stored(deps: &Deps) -> (i64, i64) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&deps.config.daemon.database_url)
        .await
        .unwrap();
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    (
        count("SELECT COUNT(*) FROM packs").await,
        count("SELECT COUNT(*) FROM outbox WHERE kind = 'pack_issued'").await,
    )
}

/// Another daemon on `first`'s store with its own data directory.
async fn other_daemon(first: &Deps, dir: &tempfile::TempDir, email: &str) -> Deps {
    let text = format!(
        "[daemon]\ndatabase_url = \"{}\"\ndata_dir = \"{}\"\n{CONTRACTS}\n{email}",
        first.config.daemon.database_url,
        dir.path().join("data").display()
    );
    let config = slawatch::config::parse(&text, "other.toml").unwrap();
    let store = slawatch::store::Store::open(&config.daemon.database_url)
        .await
        .unwrap();
    Deps::new(config, store).unwrap()
}

fn attached_pdf(mail: &smtp_sink::Mail, filename: &str) -> Vec<u8> {
    let at = mail
        .text
        .find(&format!("filename=\"{filename}\""))
        .unwrap_or_else(|| panic!("no attachment {filename} in {}", mail.text));
    let start = mail.text[..at].rfind("\n--").unwrap();
    let part = &mail.text[start + 1..];
    let part = &part[part.find('\n').unwrap() + 1..];
    let (headers, rest) = part.split_once("\n\n").unwrap();
    assert!(
        headers.contains("Content-Type: application/pdf"),
        "{headers}"
    );
    let body: String = rest[..rest.find("\n--").unwrap()]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quarters_pack_is_issued_once_across_restarts_and_daemons_and_mailed_with_its_pdf() {
    let Some(python) = smtp_sink::python_or_skip("the_quarters_pack_is_issued_once…") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = smtp_sink::free_port();
    let email = format!(
        "[email]\nsmtp_url = \"smtp://127.0.0.1:{port}\"\nfrom = \"slawatch@council.example\"\n"
    );
    let deps = daemon_deps(&dir, &format!("{CONTRACTS}\n{email}")).await;
    let sink = smtp_sink::SmtpSink::start(
        &python,
        port,
        &dir.path().join("maildir"),
        smtp_sink::Handler::Mailbox,
    );
    push(&deps, SEPTEMBER, "september.csv", &dir).await;

    // The default schedule: 08:00 on the first day of each quarter, in
    // London (07:00 UTC in British Summer Time): the pack for July–September.
    assert_eq!(
        issue_due(&deps.config, &deps.store, t("2026-10-01T06:59:59Z"))
            .await
            .unwrap(),
        None
    );
    let first = issue_due(&deps.config, &deps.store, t("2026-10-01T07:00:00Z"))
        .await
        .unwrap()
        .expect("the quarter's pack is issued");
    assert_eq!(
        (
            first.key.scope.as_str(),
            first.key.from.as_str(),
            first.key.to.as_str(),
            first.key.version
        ),
        ("*", "2026-07", "2026-09", 1)
    );
    // Again later that day, after a restart, and from a second daemon on
    // the same store: nothing more.
    assert_eq!(
        issue_due(&deps.config, &deps.store, t("2026-10-01T09:00:00Z"))
            .await
            .unwrap(),
        None
    );
    let restarted = other_daemon(&deps, &tempfile::tempdir().unwrap(), &email).await;
    assert_eq!(
        issue_due(
            &restarted.config,
            &restarted.store,
            t("2026-10-20T12:00:00Z")
        )
        .await
        .unwrap(),
        None
    );
    // Not a quarter's first month in November: nothing due.
    assert_eq!(
        slawatch::issuing::pack::due(&deps.config, t("2026-11-01T09:00:00Z")).unwrap(),
        None
    );
    assert_eq!(packs_stored(&deps).await, (1, 1));

    // Mailed once, to the clerk, with the issued PDF attached.
    let settings = SenderSettings {
        smtp_timeout: std::time::Duration::from_secs(10),
        ..SenderSettings::default()
    };
    let round = restarted
        .sender(settings)
        .unwrap()
        .deliver_due(&tokio_util::sync::CancellationToken::new())
        .await
        .unwrap();
    assert_eq!((round.sent, round.failed), (1, 0));
    let mails = sink.messages();
    let mail = mails
        .iter()
        .find(|m| {
            m.header("X-Slawatch-Alert").as_deref() == Some("pack_issued/*/2026-07_2026-09/v1")
        })
        .unwrap_or_else(|| panic!("no pack mail in {mails:#?}"));
    assert!(
        mail.text.contains("committee.clerk@council.example"),
        "{}",
        mail.text
    );
    let plain = mail.decoded_part("text/plain").unwrap();
    assert!(
        plain.contains("Audit committee pack for July–September 2026 issued"),
        "{plain}"
    );
    // acme's September failed P1 resolution (amber), bravo had nothing: green.
    assert!(plain.contains("0 red, 1 amber, 1 green"), "{plain}");
    let pdf = attached_pdf(mail, "pack-2026-07-2026-09-v1.pdf");
    assert_eq!(
        pdf,
        std::fs::read(
            dir.path()
                .join("data/packs/all/2026-07_2026-09/pack-2026-07-2026-09-v1.pdf")
        )
        .unwrap()
    );
    let issued_json: Value = serde_json::from_str(
        &std::fs::read_to_string(
            dir.path()
                .join("data/packs/all/2026-07_2026-09/pack-2026-07-2026-09-v1.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(issued_json["issue"]["version"], 1);
    assert_eq!(schema_errors(&issued_json), Vec::<String>::new());
    let sent = dir.path().join("sent.pdf");
    std::fs::write(&sent, &pdf).unwrap();
    let text = pdf_text(&sent);
    line_with(&text, &["2026-09", "£2,500.00"]);
    assert!(text.contains("Issued version 1"), "{text}");

    // A reissue with nothing changed adds nothing; late evidence (an
    // August P1 resolved in 5 h: 0 of 1, 2 % = £2,500.00) makes version 2.
    let months = ("2026-07".parse().unwrap(), "2026-09".parse().unwrap());
    let now = t("2026-10-21T12:00:00Z");
    assert_eq!(
        issue_pack(&deps.config, &deps.store, None, months, now)
            .await
            .unwrap(),
        None
    );
    push(
        &deps,
        "id,contract,priority,opened_at,service,resolved_at,title\n\
         AUG1,acme,P1,2026-08-03T09:00:00Z,email,2026-08-03T14:00:00Z,Late\n",
        "august.csv",
        &dir,
    )
    .await;
    let second = issue_pack(&deps.config, &deps.store, None, months, now)
        .await
        .unwrap()
        .expect("figures changed: version 2");
    assert_eq!(second.key.version, 2);
    assert_eq!(packs_stored(&deps).await, (2, 2));

    // The next quarter's pack says what changed since this one.
    let next = slawatch::issuing::pack::prepare(
        &deps.config,
        &deps.store,
        None,
        ("2026-10".parse().unwrap(), "2026-12".parse().unwrap()),
        t("2027-01-01T08:00:00Z"),
    )
    .await
    .unwrap();
    assert_eq!(
        schema_errors(&serde_json::from_str(&next.json).unwrap()),
        Vec::<String>::new()
    );
    let changes = next.pack.changes.expect("compared with the last pack");
    assert_eq!(
        (
            changes.since_from.as_str(),
            changes.since_to.as_str(),
            changes.since_version
        ),
        ("2026-07", "2026-09", 2)
    );
    // acme was amber in September (the last month of the last pack) and is
    // green in December (no evidence, nothing failed); bravo green in both.
    assert_eq!(
        changes.lines,
        vec!["acme: assurance amber in 2026-09 → green in 2026-12."]
    );
}
