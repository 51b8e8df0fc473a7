//! The shipped example's ISO 27001 programme, as `slawatch demo` evidences
//! it on 5 December 2026: every security activity due by then is delivered
//! (three days before its due date, accepted five days after) except the
//! penetration test and the latest patch compliance report. Expected figures
//! are worked out by hand from `config/slawatch.toml` below.

mod common;

use std::process::Command;

use common::stderr;
use serde_json::{Value, json};
use slawatch::engine::commitment_categories::{Span, tally};
use slawatch::engine::commitments::AsOf;

const NOW: &str = "2026-12-05T09:00:00Z";

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_leaves_two_security_activities_unevidenced() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let data = dir.path().join("data");
    let url = slawatch::store::testing::database_url(&data.join("slawatch.db"));
    let text = include_str!("../config/slawatch.toml")
        .replace("\"sqlite://data/slawatch.db\"", &format!("\"{url}\""))
        .replace(
            "data_dir = \"data\"",
            &format!("data_dir = \"{}\"", data.display()),
        );
    let config_path = dir.path().join("slawatch.toml");
    std::fs::write(&config_path, &text).expect("write config");
    let out = Command::new(env!("CARGO_BIN_EXE_slawatch"))
        .arg("--config")
        .arg(&config_path)
        .args(["--now", NOW, "demo", "--no-daemon"])
        .output()
        .expect("run slawatch");
    assert!(out.status.success(), "{}", stderr(&out));

    // November: the DR test is due on the 30th (not overdue that day); of
    // the security programme only October's patch compliance report falls
    // due, ten office days after 31 October (2, 3, 4, 5, 6, 9, 10, 11, 12
    // and 13 November), and it is left unevidenced: overdue on the 30th.
    let report = data.join("reports/acme-managed-it/2026-11/report.json");
    let report: Value =
        serde_json::from_slice(&std::fs::read(report).expect("report written")).expect("JSON");
    common::report_schema::assert_valid_report(&report);
    assert_eq!(
        report["commitment_categories"],
        json!([
            { "category": "dr", "committed": 1, "delivered": 0, "accepted": 0,
              "late": 0, "overdue": 0, "unevidenced": 1 },
            { "category": "security", "committed": 1, "delivered": 0, "accepted": 0,
              "late": 0, "overdue": 1, "unevidenced": 1 }
        ])
    );

    // The fourth quarter, judged on 5 December: security has the penetration
    // test (31 October, unevidenced: overdue), the patch reports for
    // September (due 14 October: delivered the 11th, accepted the 16th),
    // October (due 13 November, unevidenced: overdue) and November (due 14
    // December: pending), and the vulnerability scan of 31 December
    // (pending): 5 committed, 1 delivered and accepted, 2 overdue.
    let config = slawatch::config::parse(&text, "slawatch.toml").expect("valid configuration");
    let store = slawatch::store::Store::open(&config.daemon.database_url)
        .await
        .expect("open the store");
    let contract = &config.contracts[0];
    let register = store
        .commitment_register(contract, &config.calendars)
        .await
        .expect("register");
    let now = slawatch::domain::time::parse_rfc3339(NOW).expect("instant");
    let q4 = tally(
        &register,
        Span::parse("2026-Q4").expect("quarter"),
        AsOf::new(now, contract.timezone),
    );
    let security: Vec<_> = q4
        .iter()
        .filter(|t| t.category.as_str() == "security")
        .map(|t| (t.committed, t.delivered, t.accepted, t.late, t.overdue))
        .collect();
    assert_eq!(security, [(5, 1, 1, 0, 2)]);

    // The email service Microsoft 365 runs: never tested by the council, it
    // rests on Microsoft's SOC 2 report for the year to 30 September 2026,
    // current until 30 September 2027, so November's register flags nothing
    // for it (without it: no recent test).
    let email = report["disaster_recovery"]["systems"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["id"] == "email"))
        .expect("the email system in November's register");
    assert_eq!(email["flags"], json!([]), "{email}");
    assert_eq!(email["rests_on_third_party_assurance"], true);
    assert_eq!(email["assurance"]["kind"], "soc2");
    assert_eq!(email["assurance"]["date"], "2026-09-30");
    assert_eq!(email["assurance"]["expires"], "2027-09-30");
}
