//! The amendment since issue, the disputed and undisputed totals and the
//! delay payments in every format, against the JSON and figures worked out
//! by hand on the SPEC §6 example month (see `tests/october`).

mod common;
mod october;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{TestEnv, stderr, stdout};
use october::{AS_OF, add_cost, october};
use serde_json::json;

/// When the commitment and the dispute are recorded (`--now`); the report is
/// read as of [`AS_OF`], after every recording below.
const RECORDED: &str = "2026-11-02T09:00:00Z";
/// When October is issued: after it closed, before the excusal.
const ISSUED: &str = "2026-11-03T09:00:00Z";
/// When INC0012346 is excused, after the issue: the amendment.
const EXCUSED: &str = "2026-11-04T09:00:00Z";

/// Runs `slawatch --now NOW ARGS`, which must succeed, and returns its output.
fn ok(env: &TestEnv, now: &str, args: &[&str]) -> String {
    let mut all = vec!["--now", now];
    all.extend_from_slice(args);
    let out = env.run(&all);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn number(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number cell: {other:?}"),
    }
}

/// October as in `tests/october` (credits £8,750.00, cost £2,400.00), then:
/// - a runbook due 20 October at £100.00 a day late, never delivered;
/// - the supplier disputes INC0012345's breach;
/// - the month is issued (version 1);
/// - INC0012346 is excused afterwards (a change freeze).
///
/// Issued: P1 12 of 14 = 85.714 %, 4 % = £5,000.00; credits £8,750.00;
/// total claim £11,150.00. Now: 12 of 13 = 92.308 %, below 95 → 2 % =
/// £2,500.00; credits £2,500.00 + £3,750.00 = £6,250.00; total claim
/// £6,250.00 + £2,400.00 = £8,650.00. If the dispute went the supplier's way,
/// 13 of 13 = 100 % and no P1 credit: £2,500.00 of credits in dispute, claim
/// not in dispute £8,650.00 − £2,500.00 = £6,150.00. The runbook is late
/// 21–31 October: 11 days × £100.00 = £1,100.00, total with delay payments
/// £9,750.00.
async fn amended_october(env: &TestEnv) {
    october(env);
    add_cost(env).await;
    ok(
        env,
        RECORDED,
        &[
            "commitment",
            "add",
            "--contract",
            "acme-managed-it",
            "--id",
            "runbook",
            "--name",
            "Updated runbook",
            "--due",
            "2026-10-20",
            "--delay-payment-per-day",
            "100.00",
        ],
    );
    ok(
        env,
        RECORDED,
        &[
            "dispute",
            "open",
            "--contract",
            "acme-managed-it",
            "--incident",
            "INC0012345",
            "--note",
            "the clock should have paused",
            "--by",
            "Jane Smith",
        ],
    );
    ok(
        env,
        ISSUED,
        &[
            "issue",
            "--contract",
            "acme-managed-it",
            "--month",
            "2026-10",
        ],
    );
    ok(
        env,
        EXCUSED,
        &[
            "excuse",
            "--contract",
            "acme-managed-it",
            "--incident",
            "INC0012346",
            "--reason",
            "customer change freeze",
            "--by",
            "Jane Smith",
        ],
    );
}

#[tokio::test]
async fn every_format_shows_the_amendment_disputes_and_delay_payments() {
    let env = TestEnv::new();
    amended_october(&env).await;
    let j = env.report_json("acme-managed-it", "2026-10", AS_OF);
    assert_eq!(j["amendment"]["issued_version"], 1);
    assert_eq!(
        j["amendment"]["changes"],
        json!([
            {"what": "p1-resolution attainment_percent", "issued": 85.714, "now": 92.308,
             "records": ["incident INC0012346"]},
            {"what": "p1-resolution credit_minor", "issued": 500_000, "now": 250_000,
             "records": ["incident INC0012346"]},
            {"what": "service_credits.total_minor", "issued": 875_000, "now": 625_000},
            {"what": "total_claim_minor", "issued": 1_115_000, "now": 865_000}
        ])
    );
    assert_eq!(j["service_credits"]["disputed_minor"], 250_000);
    assert_eq!(j["recoverable_costs_disputed_minor"], 0);
    assert_eq!(j["total_claim_undisputed_minor"], 615_000);
    assert_eq!(j["delay_payments_minor"], 110_000);
    assert_eq!(j["total_claim_with_delay_payments_minor"], 975_000);

    // PDF: the amendment table, and each total on its own line.
    let pdf = env.october_report_file("pdf", AS_OF);
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    let text = stdout(&out);
    let line = |label: &str| -> String {
        text.lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no line '{label}' in:\n{text}"))
            .to_string()
    };
    assert!(text.contains("Amended since issue"), "{text}");
    assert!(text.contains("since version 1 was issued"), "{text}");
    for (label, issued, now) in [
        ("p1-resolution attainment_percent", "85.714 %", "92.308 %"),
        ("p1-resolution credit_minor", "5,000.00", "2,500.00"),
        ("service_credits.total_minor", "8,750.00", "6,250.00"),
        ("total_claim_minor", "11,150.00", "8,650.00"),
    ] {
        let l = line(label);
        assert!(l.contains(issued) && l.contains(now), "{l}");
    }
    for (label, value) in [
        ("Total claim ", "GBP 8,650.00"),
        ("Service credits in dispute", "GBP 2,500.00"),
        ("Recoverable costs in dispute", "GBP 0.00"),
        ("Claim not in dispute", "GBP 6,150.00"),
        ("Delay payments for late commitments", "GBP 1,100.00"),
        ("Total claim with delay payments", "GBP 9,750.00"),
    ] {
        let l = line(label);
        assert!(l.contains(value), "{label}: {l}");
    }

    // XLSX: the totals on the Summary sheet, the changes on an Amendment sheet.
    let mut book: Xlsx<_> = open_workbook(env.october_report_file("xlsx", AS_OF)).unwrap();
    let rows = |book: &mut Xlsx<_>, name: &str| -> Vec<Vec<Data>> {
        book.worksheet_range(name)
            .unwrap()
            .rows()
            .map(|r| r.to_vec())
            .collect()
    };
    let summary = rows(&mut book, "Summary");
    let value = |label: &str| {
        let row = summary
            .iter()
            .find(|r| r[0] == Data::String(format!("{label} (GBP)")))
            .unwrap_or_else(|| panic!("no summary row {label}"));
        number(&row[1])
    };
    let pounds = |v: &serde_json::Value| v.as_i64().unwrap() as f64 / 100.0;
    assert_eq!(value("Total claim"), pounds(&j["total_claim_minor"]));
    assert_eq!(
        value("Service credits in dispute"),
        pounds(&j["service_credits"]["disputed_minor"])
    );
    assert_eq!(
        value("Claim not in dispute"),
        pounds(&j["total_claim_undisputed_minor"])
    );
    assert_eq!(
        value("Delay payments for late commitments"),
        pounds(&j["delay_payments_minor"])
    );
    assert_eq!(value("Total claim with delay payments"), 9_750.0);
    let amendment = rows(&mut book, "Amendment");
    assert_eq!(number(&amendment[0][1]), 1.0);
    assert!(matches!(amendment[1][1], Data::DateTime(_)));
    assert_eq!(
        amendment[3],
        [
            Data::String("Figure".into()),
            Data::String("Issued".into()),
            Data::String("Now".into())
        ]
    );
    let changes: Vec<(String, f64, f64)> = amendment[4..]
        .iter()
        .map(|r| (r[0].to_string(), number(&r[1]), number(&r[2])))
        .collect();
    assert_eq!(
        changes,
        [
            ("p1-resolution attainment_percent".into(), 85.714, 92.308),
            ("p1-resolution credit_minor".into(), 5_000.0, 2_500.0),
            ("service_credits.total_minor".into(), 8_750.0, 6_250.0),
            ("total_claim_minor".into(), 11_150.0, 8_650.0),
        ]
    );

    // CSV: every row names the version compared with; a changed line its
    // issued figures.
    let csv_text = std::fs::read_to_string(env.october_report_file("csv", AS_OF)).unwrap();
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let row = |id: &str| {
        records
            .iter()
            .find(|r| &r[col("service_level")] == id)
            .unwrap()
            .clone()
    };
    let p1 = row("p1-resolution");
    assert_eq!(&p1[col("attainment_percent")], "92.308");
    assert_eq!(&p1[col("credit_minor")], "250000");
    assert_eq!(&p1[col("amended_since_version")], "1");
    assert_eq!(&p1[col("issued_attainment_percent")], "85.714");
    assert_eq!(&p1[col("issued_status")], "");
    assert_eq!(&p1[col("issued_credit_minor")], "500000");
    let email = row("email-availability");
    assert_eq!(&email[col("amended_since_version")], "1");
    assert_eq!(&email[col("issued_attainment_percent")], "");
    assert_eq!(&email[col("issued_credit_minor")], "");

    // HTML: the amendment section and the totals.
    let html = std::fs::read_to_string(env.october_report_file("html", AS_OF)).unwrap();
    assert!(html.contains("Amended since issue"));
    assert!(html.contains(
        r#"<tr><td>p1-resolution attainment_percent<br><span class="note">moved by incident INC0012346</span></td><td class="num">85.714</td><td class="num">92.308</td></tr>"#
    ));
    assert!(html.contains("GBP 6,150.00") && html.contains("GBP 9,750.00"));
}
