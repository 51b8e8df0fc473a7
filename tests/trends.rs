//! The report's trends against hand-worked figures: three months of evidence
//! (August to October 2026) for the example contract, October reported, so
//! the twelve months run from November 2025 and the first nine are gaps.

mod common;
mod october;

use common::{TestEnv, stderr};
use october::{AS_OF, october};
use serde_json::{Value, json};

/// August: one P1 resolved in an hour, no outage. September: two P1s, one
/// resolved in an hour, one in five (4 h target) → 1 of 2 = 50 %; email down
/// 1 h of September's 30 × 24 h = 2,592,000 s (BST all month) →
/// 2,588,400 / 2,592,000 = 99.861 %, above the 99.5 % target.
fn august_and_september(env: &TestEnv) {
    let incidents = "id,contract,priority,opened_at,service,resolved_at,title\n\
        INC8001,acme-managed-it,P1,2026-08-10T09:00:00Z,email,2026-08-10T10:00:00Z,Fault\n\
        INC9001,acme-managed-it,P1,2026-09-10T09:00:00Z,email,2026-09-10T10:00:00Z,Fault\n\
        INC9002,acme-managed-it,P1,2026-09-11T09:00:00Z,email,2026-09-11T14:00:00Z,Slow\n";
    let outages = "id,contract,service,start,end,impact,planned,source\n\
        OUT9,acme-managed-it,email,2026-09-15T10:00:00Z,2026-09-15T11:00:00Z,full,false,noc\n";
    let files = [
        env.file("earlier-incidents.csv", incidents),
        env.file("earlier-outages.csv", outages),
    ];
    let paths: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
    let out = env.import(&paths);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn series<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["trends"]["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_level"] == id)
        .unwrap_or_else(|| panic!("no series {id} in {:#}", json["trends"]))
}

/// The last four points as (month, attainment, status).
fn last_four(s: &Value) -> Vec<Value> {
    let points = s["points"].as_array().unwrap();
    assert_eq!(points.len(), 12);
    points[8..]
        .iter()
        .map(|p| json!([p["month"], p["attainment_percent"], p["status"]]))
        .collect()
}

#[test]
fn twelve_months_of_each_line_against_its_target() {
    let env = TestEnv::new();
    october(&env);
    august_and_september(&env);
    let report = env.report_json("acme-managed-it", "2026-10", AS_OF);
    let trends = &report["trends"];
    let months: Vec<&str> = trends["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert_eq!(months.len(), 12);
    assert_eq!(months[0], "2025-11");
    assert_eq!(months[11], "2026-10");

    let p1 = series(&report, "p1-resolution");
    assert_eq!(p1["target_percent"], 95.0);
    assert_eq!(
        last_four(p1),
        [
            json!(["2026-07", null, "no_data"]),
            json!(["2026-08", 100.0, "met"]),
            json!(["2026-09", 50.0, "failed"]),
            // October's own figure (12 of 14, see tests/october).
            json!(["2026-10", 85.714, "failed"]),
        ]
    );
    // Before any evidence, every month is a gap.
    assert!(
        p1["points"].as_array().unwrap()[..9]
            .iter()
            .all(|p| p["attainment_percent"].is_null())
    );

    let email = series(&report, "email-availability");
    assert_eq!(email["kind"], "availability");
    assert_eq!(email["service"], "email");
    assert_eq!(email["target_percent"], 99.5);
    assert_eq!(
        last_four(email),
        [
            json!(["2026-07", null, "no_data"]),
            json!(["2026-08", 100.0, "met"]),
            json!(["2026-09", 99.861, "met"]),
            json!(["2026-10", 99.396, "failed"]),
        ]
    );
    // The report month's point is the month's own line.
    let october_line = common::level(&report, "email-availability");
    assert_eq!(
        email["points"][11]["attainment_percent"],
        october_line["attainment_percent"]
    );
}

#[test]
fn every_format_carries_the_trends() {
    use calamine::{Data, Reader, Xlsx, open_workbook};

    let env = TestEnv::new();
    october(&env);
    august_and_september(&env);
    let report = env.report_json("acme-managed-it", "2026-10", AS_OF);
    let count = report["trends"]["series"].as_array().unwrap().len();

    // HTML: one inline SVG chart per line, the target dashed, months labelled.
    let html = std::fs::read_to_string(env.october_report_file("html", AS_OF)).unwrap();
    assert_eq!(html.matches("<svg").count(), count);
    assert!(html.contains(
        r#"<text class="title" x="4" y="14">P1 incidents resolved within 4 hours</text>"#
    ));
    assert!(html.contains("target 99.5 %"));
    assert!(html.contains("stroke-dasharray"));
    assert!(html.contains("<title>2026-09: 99.861 % (met)</title>"));
    assert!(html.contains(">Oct</text>") && html.contains(">2025</text>"));

    // XLSX: a Trends sheet with the JSON's numbers, month by month.
    let path = env.october_report_file("xlsx", AS_OF);
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    assert!(book.sheet_names().contains(&"Trends".to_string()));
    let all: Vec<Vec<Data>> = book
        .worksheet_range("Trends")
        .unwrap()
        .rows()
        .map(|r| r.to_vec())
        .collect();
    // The section's title and note, then the table from its "Month" row.
    assert_eq!(all[0][0], Data::String("Trends".into()));
    let top = all
        .iter()
        .position(|r| r[0] == Data::String("Month".into()))
        .expect("the trend table");
    let rows = &all[top..top + 13];
    assert_eq!(rows[1][0], Data::String("2025-11".into()));
    assert_eq!(rows[12][0], Data::String("2026-10".into()));
    for s in report["trends"]["series"].as_array().unwrap() {
        let mut title = s["name"].as_str().unwrap().to_string();
        if let Some(service) = s["service"].as_str() {
            title.push_str(&format!(" ({service})"));
        }
        let col = rows[0]
            .iter()
            .position(|h| *h == Data::String(format!("{title}: attainment")))
            .unwrap_or_else(|| panic!("no column for {title}"));
        assert_eq!(rows[0][col + 1], Data::String(format!("{title}: target")));
        for (i, p) in s["points"].as_array().unwrap().iter().enumerate() {
            let cell = &rows[i + 1][col];
            match p["attainment_percent"].as_f64() {
                Some(a) => assert_eq!(*cell, Data::Float(a), "{title} {}", p["month"]),
                None => assert_eq!(*cell, Data::Empty, "{title} {}", p["month"]),
            }
            assert_eq!(
                rows[i + 1][col + 1],
                Data::Float(s["target_percent"].as_f64().unwrap())
            );
        }
    }
    let email = rows[0]
        .iter()
        .position(|h| *h == Data::String("email-availability (email): attainment".into()))
        .unwrap();
    assert_eq!(rows[11][email], Data::Float(99.861));

    // PDF: the section and a chart per line, drawn with their titles and targets.
    let pdf = env.october_report_file("pdf", AS_OF);
    let out = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Trends"), "{text}");
    let charts = &text[text
        .find("Service availability")
        .expect("the availability charts")..];
    // The email level is named by its id in this contract.
    assert!(charts.contains("email-availability (email)"), "{charts}");
    assert!(text.contains("target 99.5 %"), "{text}");
}
