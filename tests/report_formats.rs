//! The report's binary formats, XLSX and PDF, against its JSON for the SPEC §6
//! example month (the same fixture as `tests/report.rs`, figures worked out by
//! hand there): the workbook is read back with calamine, the PDF's text is
//! extracted with `pdftotext` (Debian's poppler-utils).

mod common;

use std::path::PathBuf;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{TestEnv, level, stderr, stdout};

/// October 2026 for acme-managed-it:
/// - 14 P1 incidents: 12 resolved in 3 h (met); INC0012345 opened 09:02Z and
///   resolved 14:38Z (5 h 36 m = 20,160 s against 14,400 s, deadline 13:02Z);
///   INC0012346 resolved after 6 h. 12/14 = 85.714 %: below 90 → 4 % of
///   £125,000 = £5,000.00 (500,000 pence). Not under the 80 % critical line.
/// - One more P1, excused (power cut): listed, not assessed.
/// - Email outage 09 Oct 08:00–12:30Z: 16,200 s of 2,682,000 s (745 h: BST
///   ends 25 Oct) → 99.396 %: below 99.5 but not 99.0 → 3 % = £3,750.00.
/// - Credits 875,000 under the 12 % cap of 1,500,000; plus a recoverable cost
///   of £2,400.00 → total claim 1,115,000.
fn october(env: &TestEnv) {
    let mut incidents =
        String::from("id,contract,priority,opened_at,service,resolved_at,title,excused_reason\n");
    for day in 1..=12 {
        incidents.push_str(&format!(
            "INC00100{day:02},acme-managed-it,P1,2026-10-{:02}T09:00:00Z,email,2026-10-{:02}T12:00:00Z,Routine fault,\n",
            day + 1,
            day + 1
        ));
    }
    incidents.push_str("INC0012345,acme-managed-it,P1,2026-10-07T09:02:00Z,email,2026-10-07T14:38:00Z,\"=HYPERLINK(\"\"http://x\"\")\",\n");
    incidents.push_str("INC0012346,acme-managed-it,P1,2026-10-20T08:00:00Z,email,2026-10-20T14:00:00Z,<script>alert(1)</script> & co,\n");
    incidents.push_str("INC0012399,acme-managed-it,P1,2026-10-21T08:00:00Z,email,2026-10-21T18:00:00Z,Site down,power cut at customer site\n");
    let outages = "id,contract,service,start,end,impact,planned,source\nOUT1,acme-managed-it,email,2026-10-09T08:00:00Z,2026-10-09T12:30:00Z,full,false,noc\n";
    let kpis = "contract,service_level,period,attainment_percent\nacme-managed-it,p1-resolution,2026-10,97.0\n";
    let files = [
        env.file("incidents.csv", &incidents),
        env.file("outages.csv", outages),
        env.file("kpis.csv", kpis),
    ];
    let paths: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
    let out = env.import(&paths);
    assert!(out.status.success(), "{}", stderr(&out));
}

async fn add_cost(env: &TestEnv) {
    let config = slawatch::config::load(&env.config).expect("config");
    let store = slawatch::store::Store::open(&config.daemon.database_url)
        .await
        .expect("store");
    let cost = slawatch::domain::RecoverableCost {
        date: "2026-10-09".parse().unwrap(),
        amount_minor: 240_000,
        description: "Agency staff during outage".into(),
        evidence: "PO 88213".into(),
        breach: Some("email-availability".into()),
    };
    store
        .add_recoverable_cost("acme-managed-it", &cost, 0)
        .await
        .expect("cost");
    // A cost in another month does not belong to October.
    let november = slawatch::domain::RecoverableCost {
        date: "2026-11-01".parse().unwrap(),
        ..cost
    };
    store
        .add_recoverable_cost("acme-managed-it", &november, 0)
        .await
        .expect("cost");
    store.close().await;
}

const AS_OF: &str = "2026-11-05T00:00:00Z";

/// Runs `report --format FORMAT --out FILE` for October and returns the file.
fn report_file(env: &TestEnv, format: &str) -> PathBuf {
    let path = env.dir.path().join(format!("report.{format}"));
    let out = env.run(&[
        "report",
        "--contract",
        "acme-managed-it",
        "--month",
        "2026-10",
        "--format",
        format,
        "--as-of",
        AS_OF,
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    path
}

/// The sheet's rows as cells.
fn sheet(book: &mut Xlsx<std::io::BufReader<std::fs::File>>, name: &str) -> Vec<Vec<Data>> {
    let range = book.worksheet_range(name).expect("sheet");
    range.rows().map(|r| r.to_vec()).collect()
}

/// The value in the row whose column 0 is `key`, column `col` (by header title).
fn cell<'a>(rows: &'a [Vec<Data>], key: &str, title: &str) -> &'a Data {
    let col = rows[0]
        .iter()
        .position(|h| *h == title)
        .unwrap_or_else(|| panic!("no column {title}"));
    let row = rows
        .iter()
        .find(|r| r[0] == key)
        .unwrap_or_else(|| panic!("no row {key}"));
    &row[col]
}

fn number(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number cell: {other:?}"),
    }
}

#[tokio::test]
async fn xlsx_carries_the_json_figures_as_numbers_and_dates() {
    let env = TestEnv::new();
    october(&env);
    add_cost(&env).await;
    let json = env.report_json("acme-managed-it", "2026-10", AS_OF);
    let path = report_file(&env, "xlsx");
    let mut book: Xlsx<_> = open_workbook(&path).expect("open workbook");
    assert_eq!(
        book.sheet_names(),
        [
            "Summary",
            "Service levels",
            "Breaches",
            "Recoverable costs",
            "Commitments",
            "Excused"
        ]
    );

    // Summary: money in pounds as numbers; total claim £11,150.00.
    let summary = sheet(&mut book, "Summary");
    let value = |label: &str| {
        let row = summary
            .iter()
            .find(|r| r[0] == label)
            .unwrap_or_else(|| panic!("no summary row {label}"));
        number(&row[1])
    };
    let total = json["total_claim_minor"].as_i64().unwrap() as f64 / 100.0;
    assert_eq!(value("Total claim (GBP)"), total);
    assert_eq!(total, 11_150.0);
    assert_eq!(value("Service credits after cap (GBP)"), 8_750.0);
    assert_eq!(value("Cap (GBP)"), 15_000.0);
    assert_eq!(value("Monthly charge (GBP)"), 125_000.0);
    assert_eq!(value("Recoverable costs (GBP)"), 2_400.0);

    // Service levels: every line's attainment and credit equal the JSON's.
    let levels = sheet(&mut book, "Service levels");
    for (id, attainment, credit) in [
        ("p1-resolution", 85.714, 5_000.0),
        ("email-availability", 99.396, 3_750.0),
    ] {
        let j = level(&json, id);
        assert_eq!(j["attainment_percent"], attainment);
        assert_eq!(j["credit_minor"].as_i64().unwrap() as f64 / 100.0, credit);
        assert_eq!(number(cell(&levels, id, "Attainment %")), attainment);
        assert_eq!(number(cell(&levels, id, "Credit (GBP)")), credit);
    }
    assert_eq!(
        number(cell(&levels, "email-availability", "Downtime seconds")),
        16_200.0
    );
    assert_eq!(
        number(cell(&levels, "p1-resolution", "Supplier reported %")),
        97.0
    );
    assert_eq!(
        cell(&levels, "proactive-share", "Attainment %"),
        &Data::Empty
    );
    let sum: f64 = levels[1..].iter().map(|r| number(&r[14])).sum();
    assert_eq!(sum, 8_750.0, "finance can sum the credit column");

    // Breaches: instants are date cells, hours numbers; the supplier's
    // formula-like title stays inert text.
    let breaches = sheet(&mut book, "Breaches");
    let first = breaches
        .iter()
        .find(|r| r[2] == "INC0012345")
        .expect("breach row");
    match &first[5] {
        Data::DateTime(d) => {
            // Excel counts days from 1899-12-30.
            let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
            let deadline = chrono::NaiveDate::from_ymd_opt(2026, 10, 7)
                .unwrap()
                .and_hms_opt(13, 2, 0)
                .unwrap();
            let days =
                (deadline - epoch.and_hms_opt(0, 0, 0).unwrap()).num_seconds() as f64 / 86_400.0;
            assert!((d.as_f64() - days).abs() < 1e-6, "{d:?}");
        }
        other => panic!("deadline is not a date cell: {other:?}"),
    }
    assert_eq!(number(&first[7]), 5.6);
    assert_eq!(number(&first[8]), 4.0);
    assert_eq!(first[9], Data::String("'=HYPERLINK(\"http://x\")".into()));
    let formulas = book.worksheet_formula("Breaches").expect("formulas");
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no cell is a formula"
    );

    let costs = sheet(&mut book, "Recoverable costs");
    assert!(
        matches!(costs[1][0], Data::DateTime(_)),
        "{:?}",
        costs[1][0]
    );
    assert_eq!(number(&costs[1][1]), 2_400.0);
    assert_eq!(costs[1][3], Data::String("PO 88213".into()));
    let excused = sheet(&mut book, "Excused");
    assert_eq!(excused[1][0], Data::String("INC0012399".into()));
    let commitments = sheet(&mut book, "Commitments");
    assert_eq!(commitments[1][0], Data::String("dr-test".into()));
}

#[tokio::test]
async fn pdf_carries_the_totals_and_the_breaches() {
    assert!(
        which_pdftotext(),
        "pdftotext is missing: install Debian's poppler-utils (scripts/test.sh does)"
    );
    let env = TestEnv::new();
    october(&env);
    add_cost(&env).await;
    let path = report_file(&env, "pdf");
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("run pdftotext");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "GBP 11,150.00",
        "GBP 8,750.00",
        "85.714 %",
        "99.396 %",
        "5,000.00",
        "3,750.00",
        "Acme Managed Services Ltd",
        "INC0012345",
        "INC0012399",
        "Agency staff during outage",
        "Page 1 of",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
}

fn which_pdftotext() -> bool {
    std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok()
}

#[test]
fn binary_formats_need_an_out_file() {
    let env = TestEnv::new();
    for format in ["pdf", "xlsx"] {
        let out = env.run(&[
            "report",
            "--contract",
            "acme-managed-it",
            "--month",
            "2026-10",
            "--format",
            format,
        ]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains(&format!(
                "--format {format}: a binary format needs --out FILE"
            )),
            "{}",
            stderr(&out)
        );
        assert!(stdout(&out).is_empty());
    }
}
