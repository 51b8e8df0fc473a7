//! Money actually recovered, end to end through the binary: October's
//! claim as issued (the example month of tests/october, total claim £11,150.00),
//! the supplier's credit note and refusal recorded against it, the
//! "Recovery to date" they give in every report format, the metrics, the
//! chase alert; and the gates that decide whether a cost counts where
//! service credits are the sole remedy. Every figure is worked out by hand.

mod common;
mod october;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{TestEnv, stderr, stdout};
use october::october;
use serde_json::json;

const C: &str = "acme-managed-it";
/// October is issued on the 1st of November at 07:00 UTC.
const ISSUED: &str = "2026-11-01T07:00:00Z";

/// Runs the binary at `now`; it must succeed.
fn ok(env: &TestEnv, now: &str, args: &[&str]) -> String {
    let mut all = vec!["--now", now];
    all.extend_from_slice(args);
    let out = env.run(&all);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

/// Runs the binary at `now`; it must refuse with exit 1.
fn refused(env: &TestEnv, now: &str, args: &[&str]) -> String {
    let mut all = vec!["--now", now];
    all.extend_from_slice(args);
    let out = env.run(&all);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stdout(&out));
    stderr(&out)
}

/// October's evidence and its £2,400.00 cost (cost 1), recorded on 20 October.
fn october_with_cost(env: &TestEnv) {
    october(env);
    ok(
        env,
        "2026-10-20T10:00:00Z",
        &[
            "cost",
            "add",
            "--contract",
            C,
            "--date",
            "2026-10-09",
            "--amount",
            "2400.00",
            "--description",
            "Agency staff during outage",
            "--evidence",
            "PO 88213",
            "--breach-level",
            "email-availability",
            "--by",
            "J. Smith",
        ],
    );
}

/// The report JSON of `month` as at `as_of`.
fn report(env: &TestEnv, month: &str, as_of: &str) -> serde_json::Value {
    env.report_json(C, month, as_of)
}

/// The report of `month` as at `as_of` in `format`, as bytes.
fn report_bytes(env: &TestEnv, month: &str, format: &str, as_of: &str) -> Vec<u8> {
    let path = env.dir.path().join(format!("r-{month}-{as_of}.{format}"));
    let path = path.to_str().unwrap().replace(':', "-");
    ok(
        env,
        as_of,
        &[
            "report",
            "--contract",
            C,
            "--month",
            month,
            "--format",
            format,
            "--as-of",
            as_of,
            "--out",
            &path,
        ],
    );
    std::fs::read(&path).unwrap()
}

#[tokio::test]
async fn a_credit_note_reduces_the_outstanding_claim_in_every_format() {
    let env = TestEnv::new();
    october_with_cost(&env);
    // October issued: 8,750.00 of credits + 2,400.00 of cost = 11,150.00.
    ok(
        &env,
        ISSUED,
        &["issue", "--contract", C, "--month", "2026-10"],
    );
    // Before anything is recorded, reports carry no recovery section.
    let before = report_bytes(&env, "2026-11", "json", "2026-11-30T12:00:00Z");
    let before_csv = report_bytes(&env, "2026-11", "csv", "2026-11-30T12:00:00Z");
    let plain: serde_json::Value = serde_json::from_slice(&before).unwrap();
    assert!(plain.get("recovery").is_none(), "{plain}");
    assert!(plain.get("costs_recoverable").is_none(), "{plain}");

    // 1 December: the supplier credits £1,250.00 against October (CN-123).
    let said = ok(
        &env,
        "2026-12-01T10:00:00Z",
        &[
            "credit-note",
            "add",
            "--contract",
            C,
            "--reference",
            "CN-123",
            "--date",
            "2026-11-28",
            "--amount",
            "1250.00",
            "--months",
            "2026-10",
            "--by",
            "A. Finance",
            "--note",
            "first instalment",
        ],
    );
    assert!(said.contains("recorded credit note 1"), "{said}");
    // 2 December: it refuses £400.00 of October (its letter LETTER-7).
    ok(
        &env,
        "2026-12-02T10:00:00Z",
        &[
            "credit-note",
            "refuse",
            "--contract",
            C,
            "--reference",
            "LETTER-7",
            "--date",
            "2026-12-01",
            "--amount",
            "400.00",
            "--months",
            "2026-10",
            "--by",
            "A. Finance",
            "--reason",
            "agency staff not pre-approved",
        ],
    );

    // November's report as at 5 January 2027.
    let r = report(&env, "2026-11", "2027-01-05T09:00:00Z");
    let rc = &r["recovery"];
    // Claimed 11,150.00; credited 1,250.00; outstanding 11,150.00 − 1,250.00
    // = 9,900.00 (the refused 400.00 is shown, and still owed).
    assert_eq!(rc["claimed_minor"], 1_115_000);
    assert_eq!(rc["credited_minor"], 125_000);
    assert_eq!(rc["refused_minor"], 40_000);
    assert_eq!(rc["outstanding_minor"], 990_000);
    // Issued 1 November: 30 days to 1 December, 31 to 1 January, 4 more to
    // 5 January = 65 days.
    assert_eq!(rc["oldest_outstanding_days"], 65);
    assert_eq!(
        rc["months"],
        json!([{
            "period": "2026-10", "issued_version": 1, "first_issued_at": ISSUED,
            "claimed_minor": 1_115_000, "credited_minor": 125_000, "refused_minor": 40_000,
            "outstanding_minor": 990_000, "outstanding_days": 65
        }])
    );
    let notes = rc["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0]["kind"], "credit");
    assert_eq!(notes[0]["reference"], "CN-123");
    assert_eq!(notes[0]["recorded_by"], "A. Finance");
    assert_eq!(notes[1]["kind"], "refusal");
    assert_eq!(notes[1]["note"], "agency staff not pre-approved");
    // Every other figure of the month is as before.
    assert_eq!(r["total_claim_minor"], plain["total_claim_minor"]);

    // As at 1 December 12:00 only the credit note was recorded: 9,900.00
    // outstanding, nothing refused yet; 30 days old.
    let r = report(&env, "2026-11", "2026-12-01T12:00:00Z");
    assert_eq!(r["recovery"]["refused_minor"], 0);
    assert_eq!(r["recovery"]["outstanding_minor"], 990_000);
    assert_eq!(r["recovery"]["oldest_outstanding_days"], 30);
    // As at a time before any note, the report is byte for byte what it was.
    assert_eq!(
        report_bytes(&env, "2026-11", "json", "2026-11-30T12:00:00Z"),
        before
    );
    assert_eq!(
        report_bytes(&env, "2026-11", "csv", "2026-11-30T12:00:00Z"),
        before_csv
    );

    // The other formats carry the same figures.
    let as_of = "2027-01-05T09:00:00Z";
    let csv = String::from_utf8(report_bytes(&env, "2026-11", "csv", as_of)).unwrap();
    assert!(
        csv.contains("\nrecovery_month,issued_version,first_issued_at,claimed_minor,credited_minor,refused_minor,outstanding_minor,outstanding_days,as_at\n\
                      2026-10,1,2026-11-01T07:00:00Z,1115000,125000,40000,990000,65,2027-01-05T09:00:00Z\n\
                      total,,,1115000,125000,40000,990000,65,2027-01-05T09:00:00Z\n"),
        "{csv}"
    );
    let html = String::from_utf8(report_bytes(&env, "2026-11", "html", as_of)).unwrap();
    for expected in [
        "<h2>Recovery to date</h2>",
        "£11,150.00",
        "£1,250.00",
        "£9,900.00",
        "oldest 65 days",
        "CN-123",
        "agency staff not pre-approved",
    ] {
        assert!(html.contains(expected), "{expected} missing from the HTML");
    }
    let xlsx = env.dir.path().join("recovery.xlsx");
    std::fs::write(&xlsx, report_bytes(&env, "2026-11", "xlsx", as_of)).unwrap();
    let mut book: Xlsx<_> = open_workbook(&xlsx).unwrap();
    assert!(book.sheet_names().contains(&"Recovery".to_string()));
    let sheet = book.worksheet_range("Recovery").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().map(<[Data]>::to_vec).collect();
    let october_row = rows
        .iter()
        .find(|r| r[0] == Data::String("2026-10 (version 1)".into()))
        .expect("October's row");
    // Pounds as numbers: 11,150 claimed, 1,250 credited, 400 refused, 9,900 outstanding, 65 days.
    assert_eq!(
        october_row[1..6],
        [
            Data::Float(11_150.0),
            Data::Float(1_250.0),
            Data::Float(400.0),
            Data::Float(9_900.0),
            Data::String("65 days".into())
        ]
    );
    let pdf = env.dir.path().join("recovery.pdf");
    std::fs::write(&pdf, report_bytes(&env, "2026-11", "pdf", as_of)).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .expect("run pdftotext (Debian's poppler-utils)");
    let text = stdout(&out);
    for expected in [
        "Recovery to date",
        "11,150.00",
        "9,900.00",
        "oldest 65 days",
        "LETTER-7",
    ] {
        assert!(
            text.contains(expected),
            "{expected} missing from the PDF:\n{text}"
        );
    }

    // The command line and the audit trail say the same.
    let listed = ok(
        &env,
        as_of,
        &["credit-note", "list", "--contract", C, "--format", "json"],
    );
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed["outstanding_minor"], 990_000);
    let audit = ok(&env, as_of, &["audit", "--contract", C, "--format", "json"]);
    assert!(
        audit.contains("credit_note.add") && audit.contains("credit_note.refuse"),
        "{audit}"
    );
    // And the hash chains hold the notes.
    let verify = ok(&env, as_of, &["verify", "--contract", C]);
    assert!(
        verify.contains("credit_notes of acme-managed-it: 2 rows"),
        "{verify}"
    );
}

#[test]
fn bad_credit_notes_are_refused_naming_the_flag_and_the_value() {
    let env = TestEnv::new();
    let base = |amount: &'static str, months: &'static str| {
        vec![
            "credit-note",
            "add",
            "--contract",
            C,
            "--reference",
            "CN-1",
            "--date",
            "2026-12-01",
            "--amount",
            amount,
            "--months",
            months,
            "--by",
            "A. Finance",
        ]
    };
    let now = "2026-12-01T10:00:00Z";
    let e = refused(&env, now, &base("12,50", "2026-10"));
    assert!(
        e.contains("--amount: '12,50' is not a decimal amount of GBP"),
        "{e}"
    );
    let e = refused(&env, now, &base("1250.001", "2026-10"));
    assert!(e.contains("--amount: '1250.001'"), "{e}");
    let e = refused(&env, now, &base("0.00", "2026-10"));
    assert!(e.contains("--amount: '0.00' must be above zero"), "{e}");
    let e = refused(&env, now, &base("5.00", "October"));
    assert!(e.contains("--months: 'October' is not a month"), "{e}");
    // Nothing was recorded.
    let listed = ok(
        &env,
        now,
        &["credit-note", "list", "--contract", C, "--format", "json"],
    );
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed["notes"], json!([]));
}

/// The daemon's view: the metrics and the chase alert, from the same store.
#[tokio::test]
async fn the_metrics_show_it_and_an_unpaid_claim_is_chased_once() {
    let env = TestEnv::new();
    october_with_cost(&env);
    ok(
        &env,
        ISSUED,
        &["issue", "--contract", C, "--month", "2026-10"],
    );
    ok(
        &env,
        "2026-12-01T10:00:00Z",
        &[
            "credit-note",
            "add",
            "--contract",
            C,
            "--reference",
            "CN-123",
            "--date",
            "2026-11-28",
            "--amount",
            "1250.00",
            "--months",
            "2026-10",
            "--by",
            "A. Finance",
        ],
    );
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = slawatch::config::load(&env.config).unwrap();
    let store = slawatch::store::Store::open(&config.daemon.database_url)
        .await
        .unwrap();
    let deps = slawatch::daemon::Deps::new(config.clone(), store).unwrap();
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    let chases = || async {
        deps.store
            .due_alerts(i64::MAX, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.alert.kind == "claim_unpaid")
            .collect::<Vec<_>>()
    };

    // 31 December: 60 days since issue, not yet older than 60.
    slawatch::daemon::live::detect_once(&deps, at("2026-12-31T09:00:00Z"))
        .await
        .unwrap();
    assert!(chases().await.is_empty());
    let text = deps
        .metrics
        .render(&config, &deps.store, true, at("2026-12-31T09:00:00Z"))
        .await;
    // 11,150.00 claimed, 1,250.00 recovered, 9,900.00 outstanding.
    for line in [
        r#"slawatch_claim_claimed{contract="acme-managed-it",currency="GBP"} 11150"#,
        r#"slawatch_claim_recovered{contract="acme-managed-it",currency="GBP"} 1250"#,
        r#"slawatch_claim_outstanding{contract="acme-managed-it",currency="GBP"} 9900"#,
        // Nothing issued for beta-hosting: nothing owed.
        r#"slawatch_claim_outstanding{contract="beta-hosting",currency="GBP"} 0"#,
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
    // Issued 1 Nov 07:00, seen 31 Dec 09:00: 60 days and 2 hours =
    // 60 × 86,400 + 7,200 = 5,191,200 seconds.
    assert!(
        text.contains(
            r#"slawatch_claim_oldest_outstanding_age_seconds{contract="acme-managed-it"} 5191200"#
        ),
        "{text}"
    );

    // 1 January: 61 days, chased once, however often detection runs.
    for _ in 0..3 {
        slawatch::daemon::live::detect_once(&deps, at("2027-01-01T09:00:00Z"))
            .await
            .unwrap();
    }
    slawatch::daemon::live::detect_once(&deps, at("2027-01-02T09:00:00Z"))
        .await
        .unwrap();
    let chased = chases().await;
    assert_eq!(chased.len(), 1);
    let alert = &chased[0].alert;
    assert_eq!(alert.dedup_key, "recovery/acme-managed-it/2026-10/chase");
    assert_eq!(alert.recipients, ["contracts@council.example"]);
    assert!(
        alert
            .subject
            .contains("the 2026-10 claim is unpaid after 61 days: £9,900.00 outstanding"),
        "{}",
        alert.subject
    );
    assert!(alert.body_text.contains("Credited"), "{}", alert.body_text);
}

/// The contract's configuration with `extra` keys added to acme-managed-it.
fn with_keys(env: &TestEnv, extra: &str) {
    let text = std::fs::read_to_string(&env.config).unwrap();
    let text = text.replacen(
        "service_credit_cap_percent = 12.0\n",
        &format!("service_credit_cap_percent = 12.0\n{extra}\n"),
        1,
    );
    std::fs::write(&env.config, text).unwrap();
}

#[tokio::test]
async fn under_sole_remedy_a_cost_counts_only_behind_an_open_gate() {
    let env = TestEnv::new();
    october_with_cost(&env);
    let as_of = october::AS_OF;
    let always = report_bytes(&env, "2026-10", "json", as_of);
    // Today's behaviour: costs count, and nothing is said about gates.
    let r: serde_json::Value = serde_json::from_slice(&always).unwrap();
    assert_eq!(r["total_claim_minor"], 1_115_000);
    assert!(r["recoverable_costs"][0].get("recoverable").is_none());
    // Saying "always" out loud changes nothing, byte for byte.
    with_keys(&env, "costs_recoverable = \"always\"");
    assert_eq!(report_bytes(&env, "2026-10", "json", as_of), always);

    let env = TestEnv::new();
    october_with_cost(&env);
    with_keys(&env, "costs_recoverable = \"when_gate_open\"");
    // Credits 8,750.00 are under the 15,000.00 cap and no line is critical
    // (85.714 % is above 80 %): no gate is open, so the 2,400.00 cost stays
    // listed but outside the claim: 8,750.00.
    let r = report(&env, "2026-10", as_of);
    assert_eq!(r["recoverable_costs"][0]["amount_minor"], 240_000);
    assert_eq!(r["recoverable_costs"][0]["recoverable"], false);
    assert!(r["recoverable_costs"][0].get("gate").is_none());
    assert_eq!(r["recoverable_costs_minor"], 0);
    assert_eq!(r["total_claim_minor"], 875_000);
    assert_eq!(
        r["costs_recoverable"],
        json!({"rule": "when_gate_open", "month_gates_open": [], "not_recoverable_minor": 240_000})
    );
    let html = String::from_utf8(report_bytes(&env, "2026-10", "html", as_of)).unwrap();
    assert!(html.contains("not recoverable: no gate open"));

    // A person records wilful default on cost 1: it counts again,
    // 8,750.00 + 2,400.00 = 11,150.00.
    let said = ok(
        &env,
        "2026-11-03T10:00:00Z",
        &[
            "cost",
            "gate",
            "--contract",
            C,
            "--cost",
            "1",
            "--gate",
            "wilful_default",
            "--reason",
            "agency booked after supplier ignored the P1",
            "--by",
            "J. Smith",
        ],
    );
    assert!(
        said.contains("recorded the gate wilful_default on cost 1"),
        "{said}"
    );
    let r = report(&env, "2026-10", as_of);
    assert_eq!(r["recoverable_costs"][0]["recoverable"], true);
    assert_eq!(r["recoverable_costs"][0]["gate"], "wilful_default");
    assert_eq!(r["total_claim_minor"], 1_115_000);
    // The gate is in the audit trail with who and why, and the report quotes it.
    let audit: serde_json::Value = serde_json::from_str(&ok(
        &env,
        as_of,
        &["audit", "--contract", C, "--format", "json"],
    ))
    .unwrap();
    let gate = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "cost.gate")
        .unwrap_or_else(|| panic!("no cost.gate in {audit}"));
    assert_eq!(gate["by"], "J. Smith");
    assert_eq!(gate["subject"], "1");
    assert_eq!(
        gate["reason"],
        "agency booked after supplier ignored the P1"
    );
    assert!(
        r["audit"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "cost.gate")
    );
    // The same gate twice is refused; withdrawn, the cost is outside again.
    let e = refused(
        &env,
        "2026-11-03T11:00:00Z",
        &[
            "cost",
            "gate",
            "--contract",
            C,
            "--cost",
            "1",
            "--gate",
            "wilful_default",
            "--reason",
            "again",
            "--by",
            "J. Smith",
        ],
    );
    assert!(e.contains("already open"), "{e}");
    ok(
        &env,
        "2026-11-04T10:00:00Z",
        &[
            "cost",
            "gate",
            "--contract",
            C,
            "--cost",
            "1",
            "--gate",
            "wilful_default",
            "--reason",
            "recorded on the wrong cost",
            "--by",
            "J. Smith",
            "--withdraw",
        ],
    );
    assert_eq!(report(&env, "2026-10", as_of)["total_claim_minor"], 875_000);
    let e = refused(
        &env,
        "2026-11-04T11:00:00Z",
        &[
            "cost",
            "gate",
            "--contract",
            C,
            "--cost",
            "9",
            "--gate",
            "data_loss",
            "--reason",
            "r",
            "--by",
            "J. Smith",
        ],
    );
    assert!(e.contains("no cost 9"), "{e}");
}

#[tokio::test]
async fn a_cap_that_cut_the_credits_opens_the_gate() {
    let env = TestEnv::new();
    october_with_cost(&env);
    let text = std::fs::read_to_string(&env.config).unwrap();
    let text = text.replacen(
        "service_credit_cap_percent = 12.0\n",
        "service_credit_cap_percent = 5.0\ncosts_recoverable = \"when_gate_open\"\n",
        1,
    );
    std::fs::write(&env.config, text).unwrap();
    let r = report(&env, "2026-10", october::AS_OF);
    // The cap is 5 % of 125,000.00 = 6,250.00, under the 8,750.00 of
    // credits: the cap cut them, so the cost counts:
    // 6,250.00 + 2,400.00 = 8,650.00.
    assert_eq!(r["service_credits"]["cap_minor"], 625_000);
    assert_eq!(r["service_credits"]["total_minor"], 625_000);
    assert_eq!(r["recoverable_costs"][0]["recoverable"], true);
    assert_eq!(r["recoverable_costs"][0]["gate"], "cap_exceeded");
    assert_eq!(
        r["costs_recoverable"]["month_gates_open"],
        json!(["cap_exceeded"])
    );
    assert_eq!(r["recoverable_costs_minor"], 240_000);
    assert_eq!(r["total_claim_minor"], 865_000);
}
