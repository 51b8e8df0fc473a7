//! A contract that uses none of the contract-mechanics keys (dated charges,
//! credit schemes other than tiers, the low-volume rule, annual caps,
//! gates, escalations, credit notes) is reported with exactly the figures it
//! had before they existed. `tests/fixtures/example-before-mechanics/` holds
//! the example configuration as it was, and the demo month's report in JSON
//! and CSV as the release before those features wrote them (same seed, same
//! instant); this test runs today's binary on the same configuration: every
//! field the JSON had is unchanged (the claim document's control data and
//! appendix are added), and the CSV's tables are unchanged, byte for byte,
//! with the document's rows after them. The HTML and PDF are laid out as
//! the claim document now, so their figures are compared in
//! `tests/claim_document.rs` instead.

mod common;

use std::path::Path;
use std::process::Command;

use common::stderr;

const FIXTURES: &str = "tests/fixtures/example-before-mechanics";
const NOW: &str = "2026-12-05T09:00:00Z";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join(name)).expect("fixture")
}

#[test]
fn the_example_month_is_reported_byte_for_byte_as_before() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let data = dir.path().join("data");
    let url = slawatch::store::testing::database_url(&data.join("slawatch.db"));
    let text = String::from_utf8(fixture("slawatch.toml")).expect("UTF-8");
    let text = text
        .replace("\"sqlite://data/slawatch.db\"", &format!("\"{url}\""))
        .replace(
            "data_dir = \"data\"",
            &format!("data_dir = \"{}\"", data.display()),
        );
    let config = dir.path().join("slawatch.toml");
    std::fs::write(&config, text).expect("write config");
    let run = |args: &[&str]| -> Vec<u8> {
        let out = Command::new(env!("CARGO_BIN_EXE_slawatch"))
            .arg("--config")
            .arg(&config)
            .args(["--now", NOW])
            .args(args)
            .output()
            .expect("run slawatch");
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        out.stdout
    };
    run(&["demo", "--no-daemon"]);
    let reports = data.join("reports/acme-managed-it/2026-11");
    let now = std::fs::read(reports.join("report.json")).expect("report written");
    common::report_schema::assert_valid_report(&json(&now));
    let before = with_vendor_assurance(json(&fixture("report.json")), &json(&now));
    same_fields(&before, &json(&now), "report.json");
    let csv = std::fs::read(reports.join("report.csv")).expect("report written");
    assert!(
        csv.starts_with(&fixture("report.csv")),
        "the CSV's tables differ from the report before the contract mechanics"
    );
    // The same month asked for later, as at the same instant.
    let later = Command::new(env!("CARGO_BIN_EXE_slawatch"))
        .arg("--config")
        .arg(&config)
        .args(["--now", "2027-03-01T00:00:00Z"])
        .args([
            "report",
            "--contract",
            "acme-managed-it",
            "--month",
            "2026-11",
            "--format",
            "json",
            "--as-of",
            NOW,
        ])
        .output()
        .expect("run slawatch");
    assert!(later.status.success(), "{}", stderr(&later));
    common::report_schema::assert_valid_report(&json(&later.stdout));
    same_fields(&before, &json(&later.stdout), "report --as-of");
}

/// The one figure that moved since, by new evidence rather than a changed
/// rule: the demo now records Microsoft's SOC 2 report for the email
/// service it runs, so that system is no longer flagged as never tested
/// (high, 3 × no recent test 3 = 9 before; 0 now). The supplier's DR score
/// stays 15, the finance system's. Checks that much of `now` and returns
/// `before` as it reads with that assurance.
fn with_vendor_assurance(
    mut before: serde_json::Value,
    now: &serde_json::Value,
) -> serde_json::Value {
    let email = &now["disaster_recovery"]["systems"][1];
    assert_eq!(email["id"], "email");
    assert_eq!(email["flags"], serde_json::json!([]), "{email}");
    assert_eq!(email["score"], 0);
    assert_eq!(email["rests_on_third_party_assurance"], true);
    assert_eq!(now["disaster_recovery"]["score"], 15);
    let system = &mut before["disaster_recovery"]["systems"][1];
    system["flags"] = serde_json::json!([]);
    system["score"] = serde_json::json!(0);
    before
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).expect("report JSON")
}

/// Every field of `before` is in `now` with the same value; `now` may have
/// more fields.
fn same_fields(before: &serde_json::Value, now: &serde_json::Value, path: &str) {
    use serde_json::Value;
    match (before, now) {
        (Value::Object(b), Value::Object(n)) => {
            for (key, value) in b {
                let inner = format!("{path}.{key}");
                match n.get(key) {
                    Some(v) => same_fields(value, v, &inner),
                    None => panic!("{inner} is gone"),
                }
            }
        }
        (Value::Array(b), Value::Array(n)) => {
            assert_eq!(b.len(), n.len(), "{path} has another length");
            for (i, (x, y)) in b.iter().zip(n).enumerate() {
                same_fields(x, y, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(before, now, "{path} differs"),
    }
}
