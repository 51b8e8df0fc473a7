//! Third-party DR assurance through the real binary on a real store: a
//! vendor's SOC 2 report recorded for the SaaS system it runs stands for a
//! test until it expires, the register says the system rests on it, an
//! expired one is flagged, a withdrawn one counts for nothing, and what an
//! assurance cannot be is refused with the reason.

mod common;

use common::{TestEnv, stderr, stdout};
use serde_json::Value;

const C: &str = "acme-managed-it";

/// A high-criticality email service run by a SaaS vendor, with no DR test
/// seen by the council, and the payroll the supplier itself runs.
const SYSTEMS: &str = r#"
  [[contracts.dr_systems]]
  id = "email"
  name = "Email (Microsoft 365)"
  criticality = "high"
  hosted_by = "saas"
  vendor = "Microsoft"

  [[contracts.dr_systems]]
  id = "payroll"
  name = "Payroll"
  criticality = "critical"
  rto = "4h"
  rpo = "15m"
  hosted_by = "supplier"
"#;

fn env() -> TestEnv {
    let env = TestEnv::new();
    let config = std::fs::read_to_string(&env.config).expect("config");
    let at = config
        .find("\n[[contracts]]\nid = \"beta-hosting\"")
        .expect("the second contract");
    let config = format!("{}{SYSTEMS}{}", &config[..at], &config[at..]);
    std::fs::write(&env.config, config).expect("write config");
    env
}

/// The email system's entry in the register as of `day`.
fn email_on(env: &TestEnv, day: &str) -> Value {
    let out = env.run(&[
        "dr-test",
        "list",
        "--contract",
        C,
        "--as-of",
        day,
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("register JSON");
    v["register"]["systems"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["id"] == "email").cloned())
        .expect("the email system")
}

fn flags(system: &Value) -> Vec<String> {
    system["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .map(|f| f["flag"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn a_soc2_report_stands_for_a_test_until_it_expires() {
    let env = env();
    let before = email_on(&env, "2026-11-30");
    assert_eq!(
        flags(&before),
        ["no_recent_test", "no_third_party_evidence"]
    );
    // High (3) × (3 + 2) = 15.
    assert_eq!(before["score"], 15);

    #[rustfmt::skip]
    let out = env.run(&[
        "dr-assurance", "add", "--contract", C, "--system", "email", "--kind", "soc2",
        "--period-end", "2026-09-30", "--expires", "2027-09-30",
        "--evidence", "Microsoft 365 SOC 2 Type II, Oct 2025 - Sep 2026, section 7 (BC/DR)",
        "--by", "J. Smith", "--now", "2026-11-30T12:00:00Z",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));

    let during = email_on(&env, "2026-11-30");
    assert_eq!(flags(&during), Vec::<String>::new());
    assert_eq!(during["score"], 0);
    assert_eq!(during["rests_on_third_party_assurance"], true);
    assert_eq!(during["assurance"]["kind"], "soc2");
    assert_eq!(during["assurance"]["date"], "2026-09-30");
    assert_eq!(during["assurance"]["expires"], "2027-09-30");
    assert_eq!(during["last_test"], Value::Null);
    // Its last day still counts; the day after, it has expired.
    assert_eq!(flags(&email_on(&env, "2027-09-30")), Vec::<String>::new());
    let after = email_on(&env, "2027-10-01");
    assert_eq!(flags(&after), ["no_recent_test", "assurance_expired"]);
    assert_eq!(after["rests_on_third_party_assurance"], false);
    assert_eq!(after["score"], 15);

    // Withdrawn (recorded against the wrong system, say), it counts for
    // nothing and stays listed.
    let id = during["assurance"]["id"]
        .as_i64()
        .expect("its id")
        .to_string();
    #[rustfmt::skip]
    let out = env.run(&[
        "dr-test", "withdraw", "--contract", C, "--id", &id,
        "--reason", "the report covers Exchange Online only", "--by", "J. Smith",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        flags(&email_on(&env, "2026-11-30")),
        ["no_recent_test", "no_third_party_evidence"]
    );
}

#[test]
fn what_an_assurance_cannot_be_is_refused_with_the_reason() {
    let env = env();
    #[rustfmt::skip]
    let cases: [(&[&str], &str); 4] = [
        (&["--system", "payroll", "--kind", "soc2", "--period-end", "2026-09-30",
           "--expires", "2027-09-30", "--evidence", "x"],
         "is run by supplier"),
        (&["--system", "email", "--kind", "soc3", "--period-end", "2026-09-30",
           "--expires", "2027-09-30", "--evidence", "x"],
         "kind 'soc3' is not one of soc2, iso22301, vendor_test_report, other"),
        (&["--system", "email", "--kind", "iso22301", "--period-end", "2026-09-30",
           "--expires", "2026-09-29", "--evidence", "x"],
         "expires on 2026-09-29, before its own date 2026-09-30"),
        (&["--system", "email", "--kind", "iso22301", "--period-end", "2026-09-30",
           "--expires", "2027-09-30", "--evidence", " "],
         "--evidence"),
    ];
    for (args, reason) in cases {
        let mut all = vec!["dr-assurance", "add", "--contract", C, "--by", "J. Smith"];
        all.extend_from_slice(args);
        let out = env.run(&all);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stdout(&out));
        assert!(
            stderr(&out).contains(reason),
            "{args:?}: expected '{reason}' in: {}",
            stderr(&out)
        );
    }
    // Nothing was stored by the refusals.
    let register = email_on(&env, "2026-11-30");
    assert_eq!(register["assurance"], Value::Null);
}
