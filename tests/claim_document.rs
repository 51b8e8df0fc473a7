//! The claim document in every format: the same sections in the same order,
//! the same figures written the same way, the control data, the credits
//! worked step by step, local times with their offset, "late by" with its
//! seconds, and the appendix listing exactly the incidents counted.
//!
//! The month is the October fixture (figures worked out by hand in
//! `tests/october/mod.rs`); the workbook is read back with calamine and the
//! PDF's text extracted with `pdftotext`.

mod common;
mod october;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{TestEnv, stderr, stdout};
use october::{AS_OF, add_cost, october};

/// The document's sections, in order, as a reader sees their titles, and
/// the workbook's sheet for each.
const SECTIONS: [(&str, &str, &str); 21] = [
    ("control", "Control data", "Control data"),
    ("summary", "Summary", "Summary"),
    ("service_levels", "Service levels", "Service levels"),
    ("definitions", "Definitions", "Definitions"),
    (
        "credits",
        "How the service credits were worked out",
        "Credit workings",
    ),
    ("breaches", "Breaches", "Breaches"),
    ("trends", "Trends", "Trends"),
    ("costs", "Remedy 2: recoverable costs", "Recoverable costs"),
    ("disputes", "Disputes", "Disputes"),
    (
        "commitments",
        "Commitments and rectification plans",
        "Commitments",
    ),
    (
        "disaster_recovery",
        "Disaster recovery",
        "Disaster recovery",
    ),
    ("excused", "Excused incidents and outages", "Excused"),
    ("data_quality", "Data quality", "Data quality"),
    ("clock_stops", "How the clocks were stopped", "Clock stops"),
    (
        "rewrites",
        "Records changed after the fact",
        "Changed after the fact",
    ),
    ("method", "Method", "Method"),
    ("audit", "Appendix A: audit trail", "Audit trail"),
    (
        "appendix_incidents",
        "Appendix B: incidents counted",
        "Incidents counted",
    ),
    (
        "appendix_outages",
        "Appendix C: outages counted",
        "Outages counted",
    ),
    ("appendix_holds", "Appendix D: holds", "Holds"),
    (
        "appendix_evidence",
        "Appendix E: evidence files",
        "Evidence files",
    ),
];

/// Every format of one month's report.
struct Formats {
    json: serde_json::Value,
    csv: String,
    html: String,
    pdf: String,
    /// Every sheet's cells as text, in sheet order.
    sheets: Vec<(String, Vec<Vec<Data>>)>,
}

impl Formats {
    fn of(env: &TestEnv, contract: &str, month: &str, as_of: &str) -> Formats {
        let file = |format: &str| {
            let path = env.dir.path().join(format!("{contract}-{month}.{format}"));
            let out = env.run(&[
                "report",
                "--contract",
                contract,
                "--month",
                month,
                "--format",
                format,
                "--as-of",
                as_of,
                "--out",
                path.to_str().expect("UTF-8 path"),
            ]);
            assert!(out.status.success(), "{}", stderr(&out));
            path
        };
        let pdf = std::process::Command::new("pdftotext")
            .args(["-layout", file("pdf").to_str().unwrap(), "-"])
            .output()
            .expect("pdftotext (Debian's poppler-utils) is installed by scripts/test.sh");
        assert!(pdf.status.success(), "{}", stderr(&pdf));
        let mut book: Xlsx<_> = open_workbook(file("xlsx")).expect("workbook");
        let sheets = book
            .sheet_names()
            .into_iter()
            .map(|name| {
                let rows = book
                    .worksheet_range(&name)
                    .expect("sheet")
                    .rows()
                    .map(|r| r.to_vec())
                    .collect();
                (name, rows)
            })
            .collect();
        Formats {
            json: env.report_json(contract, month, as_of),
            csv: std::fs::read_to_string(file("csv")).unwrap(),
            html: std::fs::read_to_string(file("html")).unwrap(),
            pdf: stdout(&pdf),
            sheets,
        }
    }

    /// The CSV's document rows: `section,row,values…`.
    fn csv_rows(&self) -> Vec<Vec<String>> {
        let start = self
            .csv
            .find("section,row,values")
            .expect("the document rows");
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(&self.csv.as_bytes()[start..]);
        reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }

    fn sheet(&self, name: &str) -> &[Vec<Data>] {
        &self
            .sheets
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no sheet {name}"))
            .1
    }

    /// True when every text format shows `text` (the workbook as cell text).
    fn all_show(&self, text: &str) {
        let html_text = text.replace('&', "&amp;").replace('"', "&#34;");
        assert!(self.html.contains(&html_text), "HTML lacks {text}");
        assert!(self.pdf.contains(text), "PDF lacks {text}:\n{}", self.pdf);
        assert!(
            self.csv_rows().iter().flatten().any(|c| c.contains(text)),
            "CSV lacks {text}"
        );
        // A figure is a number in the workbook, shown by its format.
        let figure: Option<f64> = text
            .strip_prefix('£')
            .or_else(|| text.strip_suffix(" %"))
            .and_then(|n| n.replace(',', "").parse().ok());
        assert!(
            self.sheets
                .iter()
                .any(|(_, rows)| rows.iter().flatten().any(|c| match c {
                    Data::String(s) => s.contains(text),
                    Data::Float(x) => figure == Some(*x),
                    _ => false,
                })),
            "XLSX lacks {text}"
        );
    }
}

/// Positions of `needles` in `hay`, each after the one before.
fn in_order(hay: &str, needles: &[String], what: &str) {
    let mut from = 0;
    for n in needles {
        match hay[from..].find(n.as_str()) {
            Some(i) => from += i + n.len(),
            None => panic!("{what}: {n} missing or out of order"),
        }
    }
}

fn number(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number cell: {other:?}"),
    }
}

/// The value beside `label` (column B) in a sheet of labelled values.
fn field<'a>(rows: &'a [Vec<Data>], label: &str) -> &'a Data {
    &rows
        .iter()
        .find(|r| r.first().is_some_and(|c| *c == label))
        .unwrap_or_else(|| panic!("no row {label}"))[1]
}

#[tokio::test]
async fn every_format_carries_the_same_sections_and_figures() {
    let env = TestEnv::new();
    october(&env);
    add_cost(&env).await;
    let f = Formats::of(&env, "acme-managed-it", "2026-10", AS_OF);

    // The same sections, in the same order, in every format.
    let titles: Vec<String> = SECTIONS.iter().map(|s| s.1.to_string()).collect();
    let h2: Vec<String> = titles.iter().map(|t| format!("<h2>{t}</h2>")).collect();
    in_order(&f.html, &h2, "HTML");
    in_order(&f.pdf, &titles, "PDF");
    let csv_titles: Vec<(String, String)> = f
        .csv_rows()
        .into_iter()
        .filter(|r| r[1] == "title")
        .map(|r| (r[0].clone(), r[2].clone()))
        .collect();
    let expected: Vec<(String, String)> = SECTIONS
        .iter()
        .map(|(k, t, _)| (k.to_string(), t.to_string()))
        .collect();
    assert_eq!(csv_titles, expected);
    let names: Vec<&str> = f.sheets.iter().map(|(n, _)| n.as_str()).collect();
    let sheets: Vec<&str> = SECTIONS.iter().map(|s| s.2).collect();
    assert_eq!(names, sheets);
    for (_, title, sheet) in SECTIONS {
        // Each sheet's title cell is the section's title, with no mark.
        assert_eq!(f.sheet(sheet)[0][0], Data::String(title.into()));
    }

    // The same figures, written the same way (hand-worked in the fixture):
    // P1 12 of 14 met = 85.714 %, 4 % of £125,000.00 = £5,000.00; email
    // 16,200 s down of 745 h = 99.396 %, 3 % = £3,750.00; credits £8,750.00
    // under the 12 % cap of £15,000.00; the £2,400.00 cost; total £11,150.00.
    for text in [
        "85.714 %",
        "99.396 %",
        "£5,000.00",
        "£3,750.00",
        "£8,750.00",
        "£15,000.00",
        "£2,400.00",
        "£11,150.00",
        "12 of 14 met",
        // (a cell that wraps in the PDF: its pieces)
        "4h30m00s down",
        "745h00m00s",
        "4 % × £125,000.00 monthly charge = £5,000.00.",
        "3 % × £125,000.00 monthly charge = £3,750.00.",
        "2. Monthly cap: 12 % × £125,000.00 monthly charge",
        "Total claim (service credits + recoverable costs)",
        "1–31 October 2026",
    ] {
        f.all_show(text);
    }
    // The workbook holds the money and attainment as numbers to compute with.
    let summary = f.sheet("Summary");
    assert_eq!(
        number(field(
            summary,
            "Total claim (service credits + recoverable costs)"
        )),
        11_150.0
    );
    assert_eq!(
        number(field(summary, "Service credits claimed (after the caps)")),
        8_750.0
    );
    assert_eq!(
        number(field(summary, "Remedy 2 — recoverable costs claimed")),
        2_400.0
    );
    assert_eq!(f.json["total_claim_minor"], 1_115_000);
    let levels = f.sheet("Service levels");
    let p1 = levels
        .iter()
        .find(|r| r[0] == "P1 incidents resolved within 4 hours")
        .expect("P1 row");
    assert_eq!(number(&p1[3]), 85.714);
    assert_eq!(number(&p1[6]), 5_000.0);

    // The breach in the contract's local time (BST until 25 October), with
    // how late it was: deadline 13:02Z = 14:02 BST, resolved 14:38Z = 15:38
    // BST, 36 minutes late; 5 h 36 m elapsed against 4 h.
    for text in [
        "2026-10-07 14:02:00 +01:00",
        "2026-10-07 15:38:00 +01:00",
        "5h36m00s",
        "(target 4h00m00s each)",
        "36m00s",
    ] {
        f.all_show(text);
    }
    // The outage in the appendix: 09:00–13:30 BST, 4 h 30 m of service hours.
    f.all_show("2026-10-09 09:00:00 +01:00");
    f.all_show("2026-10-09 13:30:00 +01:00");

    // The supplier's formula-like title is inert text, with no mark, in the
    // workbook; and escaped in the HTML.
    assert!(f.sheets.iter().any(|(_, rows)| {
        rows.iter()
            .flatten()
            .any(|c| *c == Data::String("=HYPERLINK(\"http://x\")".into()))
    }));
    assert!(!f.html.contains("<script>alert(1)"));
    assert!(f.html.contains("&lt;script&gt;alert(1)"));
}

#[tokio::test]
async fn the_appendix_lists_exactly_the_incidents_counted_in_local_time_across_the_clock_change() {
    let env = TestEnv::new();
    october(&env);
    // Two more P1s opened at 01:30 local on 25 October, an hour apart in
    // UTC: 00:30Z is 01:30 BST, 01:30Z is 01:30 GMT (the clocks went back
    // at 02:00 BST). Each resolved in an hour: met.
    let extra = "id,contract,priority,opened_at,service,resolved_at,title\n\
                 INC0020001,acme-managed-it,P1,2026-10-25T00:30:00Z,email,2026-10-25T01:30:00Z,Before the change\n\
                 INC0020002,acme-managed-it,P1,2026-10-25T01:30:00Z,email,2026-10-25T02:30:00Z,After the change\n";
    let path = env.file("dst.csv", extra);
    assert!(env.import(&[path.as_path()]).status.success());
    let f = Formats::of(&env, "acme-managed-it", "2026-10", AS_OF);

    // 14 from the fixture (12 met, INC0012345 and INC0012346 breached; the
    // excused INC0012399 is not assessed) plus the two: 16 assessed.
    let p1 = common::level(&f.json, "p1-resolution");
    assert_eq!(p1["assessed"], 16);
    let listed: Vec<&serde_json::Value> = f.json["appendix"]["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["service_level"] == "p1-resolution")
        .collect();
    assert_eq!(listed.len(), 16, "the appendix lists as many as assessed");
    assert!(listed.iter().all(|i| i["incident"] != "INC0012399"));
    let breached: Vec<&str> = listed
        .iter()
        .filter(|i| i["verdict"] == "breached")
        .map(|i| i["incident"].as_str().unwrap())
        .collect();
    assert_eq!(breached, ["INC0012345", "INC0012346"]);

    // Every format lists the 16 under one heading and shows both 01:30s.
    f.all_show("P1 incidents resolved within 4 hours (p1-resolution): 16 assessed");
    f.all_show("2026-10-25 01:30:00 +01:00");
    f.all_show("2026-10-25 01:30:00 +00:00");
    let rows = f.csv_rows();
    let heading = rows
        .iter()
        .position(|r| r[0] == "appendix_incidents" && r[2].contains("(p1-resolution)"))
        .unwrap();
    let counted = rows[heading + 1..]
        .iter()
        .take_while(|r| r[0] == "appendix_incidents" && r[1] != "heading")
        .filter(|r| r[1] == "row")
        .count();
    assert_eq!(counted, 16);
}

#[test]
fn a_response_of_919_seconds_against_900_is_late_by_19_seconds() {
    let env = TestEnv::new();
    // beta-hosting's P1 response target made 15 minutes (New York time).
    let config = std::fs::read_to_string(&env.config).unwrap();
    std::fs::write(
        &env.config,
        config.replace("target = \"30m\"", "target = \"15m\""),
    )
    .unwrap();
    // Opened 14:00Z (09:00 EST), first response 14:15:19Z: 919 s.
    let csv = "id,contract,priority,opened_at,responded_at,resolved_at,title\n\
               INC1,beta-hosting,P1,2026-11-10T14:00:00Z,2026-11-10T14:15:19Z,2026-11-10T16:00:00Z,Down\n";
    let path = env.file("beta.csv", csv);
    let out = env.import(&[path.as_path()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let f = Formats::of(&env, "beta-hosting", "2026-11", "2026-12-01T12:00:00Z");
    // Never "0h15m / 0h15m": the seconds show the breach.
    for text in [
        "15m19s",
        "(target 15m00s each)",
        "2026-11-10 09:15:00 -05:00",
        "2026-11-10 09:15:19 -05:00",
    ] {
        f.all_show(text);
    }
    let breach = &common::level(&f.json, "p1-response")["breaches"][0];
    assert_eq!(breach["elapsed_seconds"], 919);
    assert_eq!(breach["target_seconds"], 900);
    // The late-by cell itself.
    let rows = f.csv_rows();
    let row = rows
        .iter()
        .find(|r| r[0] == "breaches" && r[1] == "row" && r[2] == "INC1")
        .expect("breach row");
    assert_eq!(row[7], "19s");
}
