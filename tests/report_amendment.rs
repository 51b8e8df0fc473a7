//! The amendment since issue, the disputed and undisputed totals and the
//! delay payments in every format, against the JSON and figures worked out
//! by hand on the example month (see `tests/october`).

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
    // The same in words: each changed line and total, with who excused
    // INC0012346 and when (09:00 UTC is 09:00 GMT in London in November).
    let because = "because INC0012346 was excused by Jane Smith on 4 Nov 2026 at 09:00 GMT \
                   (customer change freeze)";
    let sentences = [
        format!(
            "P1 incidents resolved within 4 hours: 85.714 % → 92.308 % (failed), \
             credit £5,000.00 → £2,500.00, {because}"
        ),
        format!("Service credits: £8,750.00 → £6,250.00, {because}"),
        format!("Total claim: £11,150.00 → £8,650.00, {because}"),
    ];
    let lines = j["amendment"]["lines"].as_array().unwrap();
    let said: Vec<&str> = lines
        .iter()
        .map(|l| l["summary"].as_str().unwrap())
        .collect();
    assert_eq!(said, sentences);
    assert_eq!(
        lines[0]["because"],
        json!([{"kind": "record", "record": "incident INC0012346", "by": "Jane Smith",
                "action": "excusal.add", "at": EXCUSED,
                "text": "INC0012346 was excused by Jane Smith on 4 Nov 2026 at 09:00 GMT (customer change freeze)"}])
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
    // The sentences, wrapped: compared with the text's words run together.
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for sentence in &sentences {
        let pdf_sentence = sentence.replace('→', "->");
        assert!(
            words.contains(&pdf_sentence),
            "{pdf_sentence}\nnot in:\n{text}"
        );
    }
    for (label, issued, now) in [
        ("p1-resolution attainment", "85.714 %", "92.308 %"),
        ("p1-resolution credit", "£5,000.00", "£2,500.00"),
        ("service credits total", "£8,750.00", "£6,250.00"),
        ("total claim", "£11,150.00", "£8,650.00"),
    ] {
        let l = line(label);
        assert!(l.contains(issued) && l.contains(now), "{l}");
    }
    for (label, value) in [
        (
            "Total claim (service credits + recoverable costs)",
            "£8,650.00",
        ),
        ("Service credits in dispute", "£2,500.00"),
        ("Recoverable costs in dispute", "£0.00"),
        ("Claim not in dispute", "£6,150.00"),
        ("Delay payments for late commitments", "£1,100.00"),
        ("Total claim with delay payments", "£9,750.00"),
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
            .find(|r| r[0] == Data::String(label.to_string()))
            .unwrap_or_else(|| panic!("no summary row {label}"));
        number(&row[1])
    };
    let pounds = |v: &serde_json::Value| v.as_i64().unwrap() as f64 / 100.0;
    assert_eq!(
        value("Total claim (service credits + recoverable costs)"),
        pounds(&j["total_claim_minor"])
    );
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
    let cells: Vec<String> = amendment
        .iter()
        .map(|r| {
            let row = r
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(" | ");
            row.trim_end_matches([' ', '|']).to_string()
        })
        .collect();
    let has = |row: &str| assert!(cells.iter().any(|c| c == row), "no row {row} in {cells:#?}");
    has(
        "These figures changed since version 1 was issued on 3 November 2026, 09:00 GMT (UTC+00:00).",
    );
    for sentence in &sentences {
        has(sentence);
    }
    has("Figure | As issued | Now | Moved by");
    has("p1-resolution attainment | 85.714 % | 92.308 % | incident INC0012346");
    has("p1-resolution credit | £5,000.00 | £2,500.00 | incident INC0012346");
    has("total claim | £11,150.00 | £8,650.00");

    // CSV: every row names the version compared with; a changed line its
    // issued figures. The sentences are the last table.
    let csv_all = std::fs::read_to_string(env.october_report_file("csv", AS_OF)).unwrap();
    let tables: Vec<&str> = csv_all.split("\n\n").collect();
    let csv_text = tables[0];
    // The last table before the document's rows.
    let mut last = csv::Reader::from_reader(tables[tables.len() - 2].as_bytes());
    assert_eq!(
        last.headers().unwrap(),
        vec![
            "amended_since_version",
            "amendment_line",
            "amendment_summary",
            "amendment_because"
        ]
    );
    let words_rows: Vec<csv::StringRecord> = last.records().map(Result::unwrap).collect();
    assert_eq!(
        words_rows.iter().map(|r| &r[2]).collect::<Vec<_>>(),
        sentences
    );
    assert_eq!(&words_rows[2][1], "total_claim");
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
        r#"<tr><td class="plain">p1-resolution attainment</td><td class="num plain">85.714 %</td><td class="num plain">92.308 %</td><td class="plain">incident INC0012346</td></tr>"#
    ), "{html}");
    assert!(html.contains("£6,150.00") && html.contains("£9,750.00"));
    for sentence in &sentences {
        assert!(html.contains(&format!("<p>{sentence}</p>")), "{sentence}");
    }
}

/// A third contract for the supplier's correction: P1 response within 30
/// minutes, 95 % a month, 0.5 % of a £250,000.00 charge below it; months
/// read in New York.
const GAMMA: &str = r#"
[[contracts]]
id = "gamma-desk"
supplier = "Gamma Service Desk Ltd"
timezone = "America/New_York"
currency = "GBP"
monthly_charge = "250000.00"
service_credit_cap_percent = 12.0
managers = ["desk@council.example"]

  [[contracts.service_levels]]
  id = "p1-response"
  name = "P1 response"
  kind = "response_time"
  priorities = ["P1"]
  target = "30m"
  calendar = "24x7"
  target_percent = 95.0
  service_credits = [ { below = 95.0, percent = 0.5 } ]
"#;

/// The supplier's feed, as the store names its imports.
const SUPPLIER_SOURCE: &str = "gamma-servicenow";

/// Imports `csv` as the supplier's feed, received at `at`.
async fn supplier_import(env: &TestEnv, at: &str, name: &str, csv: &str) {
    let config = slawatch::config::load(&env.config).expect("config");
    let store = slawatch::store::Store::open(&config.daemon.database_url)
        .await
        .expect("store");
    let path = env.file(name, csv);
    let received = chrono::DateTime::parse_from_rfc3339(at)
        .unwrap()
        .timestamp();
    let mut fail = |r: &slawatch::import::Rejection| panic!("rejected: {r}");
    slawatch::import::import_file(
        &store,
        &config.contracts,
        &path,
        &slawatch::import::Writer::source(SUPPLIER_SOURCE),
        &config.limits,
        received,
        &mut fail,
    )
    .await
    .expect("import");
    store.close().await;
}

/// One P1 incident of gamma-desk opened on `day` October at 14:00 UTC and
/// responded to `minutes` later.
fn p1(day: u32, minutes: u32) -> String {
    format!(
        "INC00000{day:02},gamma-desk,P1,2026-10-{day:02}T14:00:00Z,desk,2026-10-{day:02}T14:{minutes:02}:00Z,2026-10-{day:02}T16:00:00Z\n"
    )
}

const P1_HEADER: &str = "id,contract,priority,opened_at,service,responded_at,resolved_at\n";

/// October for gamma-desk: 22 P1 incidents, 20 responded to in 10 minutes,
/// INC0000013 and INC0000014 in 45. 20 of 22 = 90.909 %, below 95 → 0.5 %
/// of £250,000.00 = £1,250.00. Issued on 3 November. On 12 December at
/// 03:30 UTC (22:30 on the 11th in New York, EST) the supplier's feed moves
/// INC0000014's response to 20 minutes: 21 of 22 = 95.455 %, met, £0.00.
#[tokio::test]
async fn a_supplier_correction_after_issue_is_named_with_its_field_source_and_date() {
    let env = TestEnv::new();
    let mut config = std::fs::read_to_string(&env.config).unwrap();
    config.push_str(GAMMA);
    std::fs::write(&env.config, config).unwrap();

    let mut pack = String::from(P1_HEADER);
    for day in 1..=22 {
        pack.push_str(&p1(day, if day == 13 || day == 14 { 45 } else { 10 }));
    }
    supplier_import(&env, "2026-11-01T09:00:00Z", "pack.csv", &pack).await;
    ok(
        &env,
        "2026-11-03T14:00:00Z",
        &["issue", "--contract", "gamma-desk", "--month", "2026-10"],
    );
    let correction = format!("{P1_HEADER}{}", p1(14, 20));
    supplier_import(&env, "2026-12-12T03:30:00Z", "correction.csv", &correction).await;

    let j = env.report_json("gamma-desk", "2026-10", "2026-12-15T00:00:00Z");
    let cause = "INC0000014's response time was changed by source gamma-servicenow, \
                 received on 11 Dec 2026 at 22:30 EST";
    let lines = j["amendment"]["lines"].as_array().unwrap();
    let said: Vec<&str> = lines
        .iter()
        .map(|l| l["summary"].as_str().unwrap())
        .collect();
    assert_eq!(
        said,
        [
            format!(
                "P1 response: 90.909 % → 95.455 % (met), credit £1,250.00 → £0.00, because {cause}"
            ),
            format!("Service credits: £1,250.00 → £0.00, because {cause}"),
            format!("Total claim: £1,250.00 → £0.00, because {cause}"),
        ]
    );
    assert_eq!(lines[0]["line"], "p1-response");
    assert_eq!(
        lines[0]["because"],
        json!([{"kind": "evidence", "record": "incident INC0000014", "fields": ["responded_at"],
                "source": SUPPLIER_SOURCE, "at": "2026-12-12T03:30:00Z", "text": cause}])
    );
    // The published figures beside the words are as before.
    assert_eq!(
        j["amendment"]["changes"][0],
        json!({"what": "p1-response attainment_percent", "issued": 90.909, "now": 95.455,
               "records": ["incident INC0000014"]})
    );
}
