//! A contract that uses none of the contract-mechanics keys (dated charges,
//! credit schemes other than tiers, the low-volume rule, annual caps,
//! gates, escalations, credit notes) is reported exactly as before they
//! existed. `tests/fixtures/example-before-mechanics/` holds the example
//! configuration as it was, and the demo month's report in JSON, CSV, HTML
//! and the PDF's text as the release before those features wrote them (same
//! seed, same instant); this test runs today's binary on the same
//! configuration and compares byte for byte.

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
    for name in ["report.json", "report.csv", "report.html"] {
        let now = std::fs::read(reports.join(name)).expect("report written");
        assert!(
            now == fixture(name),
            "{name} differs from the report before the contract mechanics"
        );
    }
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
    assert!(
        later.stdout == fixture("report.json")
            || later.stdout.strip_suffix(b"\n") == Some(&fixture("report.json")[..]),
        "report --as-of differs from the report before the contract mechanics"
    );
    let pdf = dir.path().join("report.pdf");
    run(&[
        "report",
        "--contract",
        "acme-managed-it",
        "--month",
        "2026-11",
        "--format",
        "pdf",
        "--out",
        &pdf.display().to_string(),
    ]);
    let text = Command::new("pdftotext")
        .args(["-layout", &pdf.display().to_string(), "-"])
        .output()
        .expect("pdftotext");
    assert!(
        text.stdout == fixture("report.pdf.txt"),
        "the PDF's text differs from the report before the contract mechanics"
    );
}
