//! The October report's JSON pinned byte for byte: the month of
//! tests/october (figures worked out by hand there) with a DR register, a
//! DR test, an excused service level month and two open disputes, rendered
//! by the real binary and compared with `tests/fixtures/report-october.json`.
//!
//! The JSON is the published interface: a renamed key, a reordered field or
//! a changed figure fails here. Instants recorded at run time (when an
//! excusal, dispute or DR test was recorded, and the audit trail's) are the
//! only values replaced, by [`RECORDED`], before comparing.
//!
//! After an intended change to the JSON, rewrite the fixture with
//! `SLAWATCH_BLESS_FIXTURES=1 cargo test --test report_fixture` and review
//! the difference by hand.

mod common;
mod october;

use chrono::{DateTime, Duration, Utc};
use common::{TestEnv, stderr};
use october::{AS_OF, add_cost, october};

const C: &str = "acme-managed-it";

/// The checked-in report, relative to the crate's root.
const FIXTURE: &str = "tests/fixtures/report-october.json";

/// What an instant recorded at run time is replaced with.
const RECORDED: &str = "<recorded at run time>";

/// Two DR systems for acme-managed-it: a critical one the supplier runs
/// (RTO 4h, RPO 15m) and a medium SaaS one with no DR evidence obtained.
const SYSTEMS: &str = r#"
  [[contracts.dr_systems]]
  id = "payroll"
  name = "Payroll"
  criticality = "critical"
  rto = "4h"
  rpo = "15m"
  hosted_by = "supplier"

  [[contracts.dr_systems]]
  id = "crm"
  name = "Customer records"
  criticality = "medium"
  hosted_by = "saas"
  vendor = "CloudCRM Inc"
"#;

/// Runs a command that must succeed.
fn ok(env: &TestEnv, args: &[&str]) {
    let out = env.run(args);
    assert!(out.status.success(), "{args:?} failed: {}", stderr(&out));
}

#[tokio::test]
async fn the_october_report_json_is_pinned() {
    let env = TestEnv::new();
    let config = std::fs::read_to_string(&env.config).expect("config");
    let at = config
        .find("\n[[contracts]]\nid = \"beta-hosting\"")
        .expect("the second contract");
    let config = format!("{}{SYSTEMS}{}", &config[..at], &config[at..]);
    std::fs::write(&env.config, config).expect("write config");
    october(&env);
    add_cost(&env).await;

    let started = Utc::now() - Duration::seconds(1);
    #[rustfmt::skip]
    let commands: [&[&str]; 4] = [
        &["dr-test", "add", "--contract", C, "--system", "payroll", "--date", "2026-06-30",
          "--rto", "3h", "--rpo", "10m", "--evidence", "DR report 2026-06", "--by", "J. Smith"],
        &["excuse", "--contract", C, "--service-level", "p3-resolution", "--month", "2026-10",
          "--reason", "relief event 2 (office move)", "--by", "A. Jones"],
        &["dispute", "open", "--contract", C, "--cost", "1",
          "--note", "the agency was booked before the outage", "--by", "J. Smith"],
        &["dispute", "open", "--contract", C, "--service-level", "email-availability",
          "--month", "2026-10", "--note", "our monitoring shows 99.7 %", "--by", "J. Smith"],
    ];
    for args in commands {
        ok(&env, args);
    }
    let finished = Utc::now() + Duration::seconds(1);

    let path = env.october_report_file("json", AS_OF);
    let written = std::fs::read_to_string(path).expect("report JSON");
    let actual = normalise(&written, started, finished);

    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    if std::env::var_os("SLAWATCH_BLESS_FIXTURES").is_some() {
        std::fs::write(&fixture, &actual).expect("write fixture");
    }
    let expected = std::fs::read_to_string(&fixture).expect("the checked-in fixture");
    assert!(
        actual == expected,
        "the report JSON differs from {FIXTURE}:\n{}",
        first_difference(&expected, &actual)
    );
}

/// `text` with every quoted RFC 3339 UTC instant between `from` and `to`
/// (recorded while the test ran) replaced by [`RECORDED`]; evidence
/// instants and the as-of instant lie in 2026-10/11 and stay as written.
fn normalise(text: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    const LEN: usize = "\"2026-10-07T13:02:00Z\"".len();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('"') {
        let candidate = rest.get(i..i + LEN).unwrap_or_default();
        let instant = candidate
            .strip_prefix('"')
            .and_then(|c| c.strip_suffix('"'))
            .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
            .map(|t| t.with_timezone(&Utc));
        match instant {
            Some(t) if t >= from && t <= to => {
                out.push_str(&rest[..i]);
                out.push_str(&format!("\"{RECORDED}\""));
                rest = &rest[i + LEN..];
            }
            _ => {
                out.push_str(&rest[..=i]);
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The first line that differs, with its number, for a readable failure.
fn first_difference(expected: &str, actual: &str) -> String {
    let mut e = expected.lines();
    let mut a = actual.lines();
    for n in 1.. {
        match (e.next(), a.next()) {
            (None, None) => return "(only line endings differ)".into(),
            (x, y) if x == y => continue,
            (x, y) => return format!("line {n}:\n  expected: {x:?}\n  actual:   {y:?}"),
        }
    }
    unreachable!()
}
