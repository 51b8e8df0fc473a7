//! `--now INSTANT`: every command runs as if it were that instant, so a past
//! day can be re-run and tests do not depend on when they run; a bad
//! instant is bad input (exit 1) and names the option.

mod common;

use common::{TestEnv, stderr, stdout};
use serde_json::Value;

/// Runs `slawatch --now NOW ARGS`, which must succeed.
fn at(env: &TestEnv, now: &str, args: &[&str]) -> String {
    let mut all = vec!["--now", now];
    all.extend_from_slice(args);
    let out = env.run(&all);
    assert!(out.status.success(), "{all:?}: {}", stderr(&out));
    stdout(&out)
}

/// The runbook's occurrence in `commitment list --format json` run at `now`,
/// with the listing's own "as of" and "today".
fn runbook_at(env: &TestEnv, now: &str) -> (Value, Value, Value) {
    let text = at(
        env,
        now,
        &[
            "commitment",
            "list",
            "--contract",
            "acme-managed-it",
            "--format",
            "json",
        ],
    );
    let listing: Value = serde_json::from_str(&text).unwrap();
    let runbook = listing["commitments"]
        .as_array()
        .and_then(|a| a.iter().find(|o| o["id"] == "runbook"))
        .cloned()
        .unwrap_or_else(|| panic!("no runbook in {listing:#}"));
    (runbook, listing["as_of"].clone(), listing["today"].clone())
}

/// A runbook due Tuesday 20 October 2026 at £100.00 a day late, added on
/// 1 October and delivered on Friday 23 October (`--now` that day, no
/// `--on`: the delivery is dated the day it is recorded). As of:
/// - 12 October: pending, nothing late, the delivery not yet recorded;
/// - 22 October: overdue 2 days (21st and 22nd): £200.00 so far;
/// - 24 October: late, delivered on the 23rd, 3 days: £300.00.
#[test]
fn commands_run_as_of_the_instant_given() {
    let env = TestEnv::new();
    at(
        &env,
        "2026-10-01T09:00:00Z",
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
    let out = at(
        &env,
        "2026-10-23T09:00:00Z",
        &[
            "commitment",
            "deliver",
            "--contract",
            "acme-managed-it",
            "--id",
            "runbook",
            "--evidence",
            "runbook-v2.pdf",
        ],
    );
    assert!(out.contains("delivered"), "{out}");

    let (runbook, as_of, today) = runbook_at(&env, "2026-10-12T09:00:00Z");
    assert_eq!(
        (as_of.as_str(), today.as_str()),
        (Some("2026-10-12T09:00:00Z"), Some("2026-10-12"))
    );
    assert_eq!(
        (
            runbook["status"].as_str(),
            runbook["days_late"].as_i64(),
            runbook["delivered_on"].is_null()
        ),
        (Some("pending"), Some(0), true)
    );

    let (runbook, _, _) = runbook_at(&env, "2026-10-22T09:00:00Z");
    assert_eq!(
        (
            runbook["status"].as_str(),
            runbook["days_late"].as_i64(),
            runbook["delay_payment_to_date_minor"].as_i64()
        ),
        (Some("overdue"), Some(2), Some(20_000))
    );

    let (runbook, _, _) = runbook_at(&env, "2026-10-24T09:00:00Z");
    assert_eq!(
        (
            runbook["status"].as_str(),
            runbook["delivered_on"].as_str(),
            runbook["days_late"].as_i64(),
            runbook["delay_payment_to_date_minor"].as_i64()
        ),
        (Some("late"), Some("2026-10-23"), Some(3), Some(30_000))
    );

    // The table at the same instant says the same.
    let table = at(
        &env,
        "2026-10-24T09:00:00Z",
        &["commitment", "list", "--contract", "acme-managed-it"],
    );
    let line = table
        .lines()
        .find(|l| l.starts_with("runbook"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(
        line.contains("late") && line.contains("2026-10-23") && line.contains("GBP 300.00"),
        "{line}"
    );
}

#[test]
fn a_bad_instant_exits_1_naming_the_option() {
    let env = TestEnv::new();
    for bad in ["12/10/2026", "2026-10-12", "soon"] {
        let out = env.run(&[
            "commitment",
            "list",
            "--contract",
            "acme-managed-it",
            "--now",
            bad,
        ]);
        assert_eq!(out.status.code(), Some(1), "{bad}: {}", stdout(&out));
        let e = stderr(&out);
        assert!(
            e.contains("--now") && e.contains(bad) && e.contains("RFC 3339"),
            "{e}"
        );
    }
}
