//! A year of a contract as it is really written, through the binary: a
//! charge indexed in January, a contract year starting in April with an
//! annual cap that cuts in its tenth month, and a service level varied from
//! January (its target relaxed from 4 to 8 hours). Every figure is worked
//! out by hand below and read back from the JSON, the CSV, the XLSX and the
//! PDF's text.
//!
//! Each month from April 2026 to March 2027 has ten P1 incidents opened on
//! the 10th at 10:00 UTC: eight resolved in 3 hours, one in 6 hours and one
//! in 9 hours. Under the 4-hour target (to December) two breach: 8 of 10 =
//! 80 %. Under the 8-hour target (from January) one breaches: 9 of 10 = 90 %.
//! Both fail the 95 % target and earn the one tier, 7.5 % of the charge.
//!
//! - Charge £10,000.00 from April 2026, £12,000.00 from January 2027.
//! - Annual cap 6 % of the contract year's charges: 9 × £10,000 + 3 ×
//!   £12,000 = £126,000 → £7,560.00.
//! - April–December: 7.5 % × £10,000 = £750.00 a month, 9 × £750 = £6,750.00.
//! - January (the tenth month): 7.5 % × £12,000 = £900.00, but only £7,560 −
//!   £6,750 = £810.00 is left: £810.00, the annual cap cut £90.00.
//! - February: nothing left, £0.00 (£900.00 cut).

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::stderr;

const AS_OF: &str = "2027-04-15T00:00:00Z";

const TERMS: &str = r#"
[[contracts]]
id = "acme"
supplier = "Acme"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = [ { from = "2026-04", amount = "10000.00" }, { from = "2027-01", amount = "12000.00" } ]
service_credit_cap_percent = 12.0
contract_year_starts = "04"
annual_cap_percent = 6.0
managers = ["m@council.example"]

  [[contracts.service_levels]]
  id = "p1-resolution"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  target_percent = 95.0
  service_credits = [ { below = 95.0, percent = 7.5 } ]
  until = "2026-12"

  [[contracts.service_levels]]
  id = "p1-resolution"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "8h"
  target_percent = 95.0
  service_credits = [ { below = 95.0, percent = 7.5 } ]
  from = "2027-01"
"#;

struct Env {
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().expect("temporary folder");
        let data = dir.path().join("data");
        let url = slawatch::store::testing::database_url(&data.join("slawatch.db"));
        let config = dir.path().join("slawatch.toml");
        std::fs::write(
            &config,
            format!(
                "[daemon]\ndatabase_url = \"{url}\"\ndata_dir = \"{}\"\n{TERMS}",
                data.display()
            ),
        )
        .expect("write config");
        Env { dir, config }
    }

    fn run(&self, args: &[&str]) -> Vec<u8> {
        let out = Command::new(env!("CARGO_BIN_EXE_slawatch"))
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .output()
            .expect("run slawatch");
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        if let Some(report) = common::report_schema::report_written(args, &out) {
            common::report_schema::assert_valid_report(&report);
        }
        out.stdout
    }

    fn report(&self, month: &str, format: &str) -> PathBuf {
        let path = self.dir.path().join(format!("{month}.{format}"));
        self.run(&[
            "report",
            "--contract",
            "acme",
            "--month",
            month,
            "--format",
            format,
            "--as-of",
            AS_OF,
            "--out",
            &path.display().to_string(),
        ]);
        path
    }

    fn json(&self, month: &str) -> serde_json::Value {
        let text = std::fs::read(self.report(month, "json")).expect("report");
        serde_json::from_slice(&text).expect("JSON")
    }
}

/// Ten P1 incidents a month, April 2026 to March 2027, as described above.
fn a_year_of_incidents(env: &Env) {
    let mut csv = String::from(
        "id,contract,priority,opened_at,service,responded_at,resolved_at,title,excused_reason\n",
    );
    let months = [
        "2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11",
        "2026-12", "2027-01", "2027-02", "2027-03",
    ];
    for month in months {
        for i in 0..10 {
            let hours = match i {
                8 => 16, // resolved after 6 hours
                9 => 19, // after 9 hours
                _ => 13, // after 3 hours
            };
            writeln!(
                csv,
                "INC-{month}-{i},acme,P1,{month}-10T10:00:00Z,email,{month}-10T10:05:00Z,{month}-10T{hours}:00:00Z,,"
            )
            .expect("write");
        }
    }
    let file = env.dir.path().join("incidents.csv");
    std::fs::write(&file, csv).expect("write incidents");
    env.run(&["import", &file.display().to_string()]);
}

#[test]
fn the_annual_cap_cuts_in_the_tenth_month_in_every_format() {
    let env = Env::new();
    a_year_of_incidents(&env);

    // December, the last month of the 4-hour target: £750.00, £6,750.00 used after it.
    let december = env.json("2026-12");
    assert_eq!(december["service_levels"][0]["attainment_percent"], 80.0);
    assert_eq!(december["service_credits"]["total_minor"], 75_000);
    assert_eq!(december["annual_cap"]["credits_earlier_minor"], 600_000);
    assert_eq!(december["annual_cap"]["headroom_after_minor"], 81_000);

    // January: the varied target (8 hours), the indexed charge, the annual cap.
    let january = env.json("2027-01");
    let line = &january["service_levels"][0];
    assert_eq!(line["target_seconds"], 28_800);
    assert_eq!(line["attainment_percent"], 90.0);
    assert_eq!(line["credit_minor"], 90_000);
    assert_eq!(january["monthly_charge_minor"], 1_200_000);
    let credits = &january["service_credits"];
    assert_eq!(credits["before_cap_minor"], 90_000);
    assert_eq!(credits["cap_minor"], 144_000); // 12 % of £12,000
    assert_eq!(credits["total_minor"], 81_000);
    assert_eq!(january["total_claim_minor"], 81_000);
    let cap = &january["annual_cap"];
    assert_eq!(cap["contract_year_start"], "2026-04");
    assert_eq!(cap["cap_minor"], 756_000);
    assert_eq!(cap["credits_earlier_minor"], 675_000);
    assert_eq!(cap["headroom_before_minor"], 81_000);
    assert_eq!(cap["monthly_cap_cut_minor"], 0);
    assert_eq!(cap["annual_cap_cut_minor"], 9_000);
    assert_eq!(cap["headroom_after_minor"], 0);
    // The trend: February and March 2026 were not monitored; 80 % under
    // the 4-hour target to December, 90 % under the 8-hour one in January.
    let points: Vec<serde_json::Value> = january["trends"]["series"][0]["points"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| p["attainment_percent"].clone())
        .collect();
    let mut want = vec![serde_json::Value::Null; 2];
    want.extend(std::iter::repeat_n(serde_json::json!(80.0), 9));
    want.push(serde_json::json!(90.0));
    assert_eq!(points, want);

    // February: nothing left this contract year.
    let february = env.json("2027-02");
    assert_eq!(february["service_credits"]["before_cap_minor"], 90_000);
    assert_eq!(february["service_credits"]["total_minor"], 0);
    assert_eq!(february["annual_cap"]["annual_cap_cut_minor"], 90_000);

    // The evaluate table says what the annual cap did.
    let table = String::from_utf8(env.run(&[
        "evaluate",
        "--contract",
        "acme",
        "--month",
        "2027-01",
        "--as-of",
        AS_OF,
    ]))
    .expect("UTF-8");
    assert!(
        table.contains(
            "annual cap GBP 7560.00 for the contract year from 2026-04: GBP 6750.00 used before \
             this month, GBP 0.00 left after it; it cut GBP 90.00 from this month"
        ),
        "{table}"
    );
    // March 2026, before the first charge: no credit, and why.
    let march = String::from_utf8(env.run(&[
        "evaluate",
        "--contract",
        "acme",
        "--month",
        "2026-03",
        "--as-of",
        AS_OF,
    ]))
    .expect("UTF-8");
    assert!(
        march.contains(
            "No monthly charge is in force in 2026-03 (the first monthly charge is from 2026-04): \
             its service credits are 0."
        ),
        "{march}"
    );

    // CSV: the line's credit before the caps, and the workings in words.
    let csv = std::fs::read_to_string(env.report("2027-01", "csv")).expect("CSV");
    assert!(
        csv.contains(",90.000,95,failed,false,7.5,90000,900.00,GBP,"),
        "{csv}"
    );
    assert!(
        csv.contains("The annual cap cut this month's GBP 900.00 to GBP 810.00 (GBP 90.00 cut)."),
        "{csv}"
    );

    // XLSX read back: the annual cap's figures as numbers.
    let mut book: Xlsx<_> = open_workbook(env.report("2027-01", "xlsx")).expect("workbook");
    let rows: Vec<Vec<Data>> = book
        .worksheet_range("Credit workings")
        .expect("Credit workings sheet")
        .rows()
        .map(|r| r.to_vec())
        .collect();
    let figure = |label: &str| {
        let row = rows
            .iter()
            .find(|r| r.first().is_some_and(|c| *c == label))
            .unwrap_or_else(|| panic!("no row {label}"));
        match &row[1] {
            Data::Float(f) => *f,
            other => panic!("{label}: not a number: {other:?}"),
        }
    };
    // The steps as worked by hand: the line's £900.00, under the monthly
    // cap; the annual cap £7,560.00 less £6,750.00 earlier leaves £810.00,
    // so £90.00 is cut and nothing is left.
    assert_eq!(figure("1. Credits of the lines, before the caps"), 900.0);
    assert_eq!(
        figure("3. After the monthly cap (the lesser of 1 and 2)"),
        900.0
    );
    assert_eq!(
        figure("4. Annual cap for the contract year from 2026-04"),
        7_560.0
    );
    assert_eq!(figure("5. Credits earlier in the contract year"), 6_750.0);
    assert_eq!(figure("6. Headroom before this month (4 less 5)"), 810.0);
    assert_eq!(
        figure("7. After the annual cap (the lesser of 3 and 6; £90.00 cut)"),
        810.0
    );
    assert_eq!(figure("8. Headroom left after this month"), 0.0);
    assert_eq!(figure("Service credits claimed"), 810.0);

    // PDF text: the same steps.
    let text = pdf_text(&env.report("2027-01", "pdf"));
    for expected in [
        "How the service credits were worked out",
        "4. Annual cap for the contract year from 2026-04",
        "£7,560.00",
        "£6,750.00",
        "7. After the annual cap (the lesser of 3 and 6; £90.00 cut)",
        "£810.00",
    ] {
        assert!(text.contains(expected), "no {expected:?} in:\n{text}");
    }
}

#[test]
fn check_lists_which_definitions_apply_in_which_months() {
    let env = Env::new();
    let out = String::from_utf8(env.run(&["check"])).expect("UTF-8");
    assert!(out.contains("1 contract(s), 2 service level(s)"), "{out}");
    assert!(
        out.contains("monthly charge: GBP 10,000.00 from 2026-04; GBP 12,000.00 from 2027-01"),
        "{out}"
    );
    assert!(
        out.contains("p1-resolution: every month until 2026-12 — resolution_time, 95 % within 4h"),
        "{out}"
    );
    assert!(
        out.contains("p1-resolution: every month from 2027-01 — resolution_time, 95 % within 8h"),
        "{out}"
    );

    // Versions overlapping in December are refused.
    let overlapping = TERMS.replace("from = \"2027-01\"", "from = \"2026-12\"");
    std::fs::write(
        &env.config,
        std::fs::read_to_string(&env.config)
            .expect("config")
            .replace(TERMS, &overlapping),
    )
    .expect("write config");
    let out = Command::new(env!("CARGO_BIN_EXE_slawatch"))
        .args(["check", "--config", &env.config.display().to_string()])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "contracts[0].service_levels[1].from: 'p1-resolution' is already in force in every month until 2026-12"
        ),
        "{}",
        stderr(&out)
    );
}

fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", &path.display().to_string(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}
