//! Recording what the engine cannot know, through the real binary on a fresh
//! SQLite store: recoverable costs, excusals and disputes change the month's
//! report exactly as worked out by hand; every change is in the audit trail,
//! which only grows; user text is escaped in the HTML report.
//!
//! # Layout
//! - [`costs`]: adding and removing costs, refused costs.
//! - [`excusals`]: excused incidents, outages and service level months.
//! - [`disputes`]: disputed, upheld and withdrawn claim items.
//! - [`audit`]: the trail, the store's refusals, escaping in HTML.
//! - [`evidence`]: evidence files behind the records.

#[path = "../common/mod.rs"]
mod common;

mod audit;
mod costs;
mod disputes;
mod evidence;
mod excusals;

use common::{TestEnv, stderr, stdout};
use serde_json::Value;

/// October 2026 for acme-managed-it, as in tests/report.rs:
/// - p1-resolution: 14 P1s, 12 met, INC0012345 and INC0012346 breached:
///   12/14 = 85.714 % → 4 % of £125,000 = 500,000 pence. INC0012399 is
///   excused in the supplier's data.
/// - email-availability: OUT1, 4 h 30 m of 745 h → 99.396 % → 3 % = 375,000.
/// - Credits 875,000, under the 12 % cap of 1,500,000.
pub fn october(env: &TestEnv) {
    let mut incidents =
        String::from("id,contract,priority,opened_at,service,resolved_at,title,excused_reason\n");
    for day in 1..=12 {
        incidents.push_str(&format!(
            "INC00100{day:02},acme-managed-it,P1,2026-10-{:02}T09:00:00Z,email,2026-10-{:02}T12:00:00Z,Routine fault,\n",
            day + 1,
            day + 1
        ));
    }
    incidents.push_str("INC0012345,acme-managed-it,P1,2026-10-07T09:02:00Z,email,2026-10-07T14:38:00Z,Mail down,\n");
    incidents.push_str("INC0012346,acme-managed-it,P1,2026-10-20T08:00:00Z,email,2026-10-20T14:00:00Z,Mail slow,\n");
    incidents.push_str("INC0012399,acme-managed-it,P1,2026-10-21T08:00:00Z,email,2026-10-21T18:00:00Z,Site down,power cut at customer site\n");
    let outages = "id,contract,service,start,end,impact,planned,source\nOUT1,acme-managed-it,email,2026-10-09T08:00:00Z,2026-10-09T12:30:00Z,full,false,noc\n";
    let files = [
        env.file("incidents.csv", &incidents),
        env.file("outages.csv", outages),
    ];
    let paths: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
    let out = env.import(&paths);
    assert!(out.status.success(), "{}", stderr(&out));
}

pub const AS_OF: &str = "2026-11-05T00:00:00Z";
pub const C: &str = "acme-managed-it";

/// Runs a command that must succeed; its standard output.
pub fn ok(env: &TestEnv, args: &[&str]) -> String {
    let out = env.run(args);
    assert!(out.status.success(), "{args:?} failed: {}", stderr(&out));
    stdout(&out)
}

/// Runs a command that must be refused as bad input (exit 1); its message.
pub fn refused(env: &TestEnv, args: &[&str]) -> String {
    let out = env.run(args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?}: {} {}",
        stdout(&out),
        stderr(&out)
    );
    stderr(&out)
}

pub fn report(env: &TestEnv) -> Value {
    env.report_json(C, "2026-10", AS_OF)
}

pub fn audit(env: &TestEnv) -> Vec<Value> {
    let text = ok(env, &["audit", "--contract", C, "--format", "json"]);
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

pub fn add_cost(env: &TestEnv, date: &str, amount: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "cost",
        "add",
        "--contract",
        C,
        "--date",
        date,
        "--amount",
        amount,
        "--description",
        "Agency staff during outage",
        "--evidence",
        "PO 88213",
        "--by",
        "J. Smith",
    ];
    args.extend(extra);
    ok(env, &args)
}

/// Records a dispute of `target` by J. Smith; the command's output.
pub fn dispute_open(env: &TestEnv, target: &[&str], note: &str) -> String {
    let mut args = vec![
        "dispute",
        "open",
        "--contract",
        C,
        "--note",
        note,
        "--by",
        "J. Smith",
    ];
    args.extend(target);
    ok(env, &args)
}
