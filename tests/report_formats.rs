//! The report's binary formats, XLSX and PDF, against its JSON for the SPEC §6
//! example month (the same fixture as `tests/report.rs`, figures worked out by
//! hand there): the workbook is read back with calamine, the PDF's text is
//! extracted with `pdftotext` (Debian's poppler-utils).

mod common;
mod october;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{TestEnv, level, stderr, stdout};
use october::{AS_OF, add_cost, october};

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
    let path = env.october_report_file("xlsx", AS_OF);
    let mut book: Xlsx<_> = open_workbook(&path).expect("open workbook");
    assert_eq!(
        book.sheet_names(),
        [
            "Summary",
            "Service levels",
            "Breaches",
            "Recoverable costs",
            "Commitments",
            "Excused",
            "Disaster recovery",
            "Data quality",
            "Trends",
            "Changed after the fact"
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
    let path = env.october_report_file("pdf", AS_OF);
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
