//! Excused incidents, outages and service level months, and their revocation.

use serde_json::json;

use super::common::{TestEnv, level};
use super::*;

#[test]
fn excusals_apply_with_who_and_when_and_can_be_revoked() {
    let env = TestEnv::new();
    october(&env);
    let out = ok(
        &env,
        &[
            "excuse",
            "--contract",
            C,
            "--incident",
            "INC0012345",
            "--reason",
            "change freeze requested by the council",
            "--by",
            "J. Smith",
        ],
    );
    assert!(out.contains("excused incident INC0012345"), "{out}");
    let r = report(&env);
    let p1 = level(&r, "p1-resolution");
    // 12 of 13 = 92.308 %: under 95, not under 90 → 2 % = 250,000.
    assert_eq!(
        (p1["assessed"].as_u64(), p1["met"].as_u64()),
        (Some(13), Some(12))
    );
    assert_eq!(p1["attainment_percent"], 92.308);
    assert_eq!(p1["credit_minor"], 250_000);
    assert_eq!(p1["breaches"].as_array().unwrap().len(), 1);
    let excused = r["excused"].as_array().unwrap();
    assert_eq!(excused.len(), 2);
    assert_eq!(excused[0]["incident"], "INC0012345");
    assert_eq!(
        excused[0]["reason"],
        "change freeze requested by the council"
    );
    assert_eq!(excused[0]["by"], "J. Smith");
    assert!(excused[0]["at"].as_str().unwrap().ends_with('Z'));
    // The imported excusal still works, without who or when.
    assert_eq!(
        excused[1],
        json!({ "incident": "INC0012399", "reason": "power cut at customer site" })
    );
    assert!(
        refused(
            &env,
            &[
                "excuse",
                "--contract",
                C,
                "--incident",
                "INC0012345",
                "--reason",
                "again",
                "--by",
                "J. Smith"
            ]
        )
        .contains("incident INC0012345 is already excused (excusal 1, by J. Smith")
    );

    // An excused outage is not downtime: email is met, no credit.
    ok(
        &env,
        &[
            "excuse",
            "--contract",
            C,
            "--outage",
            "OUT1",
            "--reason",
            "agreed emergency works",
            "--by",
            "J. Smith",
        ],
    );
    let r = report(&env);
    let email = level(&r, "email-availability");
    assert_eq!(email["downtime_seconds"], 0);
    assert_eq!(email["status"], "met");
    assert_eq!(email["credit_minor"], 0);
    assert_eq!(r["excused_outages"][0]["outage"], "OUT1");
    assert_eq!(r["excused_outages"][0]["service"], "email");
    assert_eq!(r["service_credits"]["total_minor"], 250_000);

    // An excused service level month: figures as measured, excused, no credit.
    ok(
        &env,
        &[
            "excuse",
            "--contract",
            C,
            "--service-level",
            "p1-resolution",
            "--month",
            "2026-10",
            "--reason",
            "relief event 3 (flood)",
            "--by",
            "A. Jones",
        ],
    );
    let r = report(&env);
    let p1 = level(&r, "p1-resolution");
    assert_eq!(p1["status"], "failed");
    assert_eq!(p1["attainment_percent"], 92.308);
    assert_eq!(p1["credit_minor"], 0);
    assert_eq!(p1["credit_percent"], 0.0);
    assert_eq!(p1["excused"]["reason"], "relief event 3 (flood)");
    assert_eq!(p1["excused"]["by"], "A. Jones");
    assert_eq!(r["service_credits"]["total_minor"], 0);
    assert_eq!(r["total_claim_minor"], 0);

    // Revoked: it counts again. By target or by id.
    ok(
        &env,
        &[
            "unexcuse",
            "--contract",
            C,
            "--incident",
            "INC0012345",
            "--reason",
            "the freeze did not cover this",
            "--by",
            "A. Jones",
        ],
    );
    ok(
        &env,
        &[
            "unexcuse",
            "--contract",
            C,
            "--id",
            "3",
            "--reason",
            "relief refused",
            "--by",
            "A. Jones",
        ],
    );
    let r = report(&env);
    let p1 = level(&r, "p1-resolution");
    assert_eq!(
        (p1["assessed"].as_u64(), p1["met"].as_u64()),
        (Some(14), Some(12))
    );
    assert_eq!(p1["credit_minor"], 500_000);
    assert!(p1.get("excused").is_none());
    // Email is still excused: 500,000 + 0.
    assert_eq!(r["total_claim_minor"], 500_000);
    assert!(
        refused(
            &env,
            &[
                "unexcuse",
                "--contract",
                C,
                "--incident",
                "INC0012345",
                "--reason",
                "x",
                "--by",
                "A. Jones"
            ]
        )
        .contains("incident INC0012345 is not excused")
    );
    assert!(
        refused(
            &env,
            &[
                "excuse",
                "--contract",
                C,
                "--incident",
                "INC404",
                "--reason",
                "x",
                "--by",
                "A. Jones"
            ]
        )
        .contains("no incident 'INC404'")
    );

    let list: Value = serde_json::from_str(&ok(
        &env,
        &["excusals", "--contract", C, "--format", "json"],
    ))
    .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 3, "revoked ones are kept");
    assert_eq!(list[0]["revoked"]["by"], "A. Jones");
    assert!(list[1].get("revoked").is_none());

    let actions: Vec<String> = r["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{} {} {}",
                a["action"].as_str().unwrap(),
                a["kind"].as_str().unwrap(),
                a["by"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            "excusal.add incident J. Smith",
            "excusal.add outage J. Smith",
            "excusal.add service_level A. Jones",
            "excusal.revoke incident A. Jones",
            "excusal.revoke service_level A. Jones",
        ]
    );
    assert_eq!(r["audit"][3]["reason"], "the freeze did not cover this");
}

#[test]
fn an_outage_excused_in_part_counts_for_the_rest() {
    let env = TestEnv::new();
    october(&env);
    let excuse = |from: &str, until: &str| -> [String; 13] {
        [
            "excuse",
            "--contract",
            C,
            "--outage",
            "OUT1",
            "--from",
            from,
            "--until",
            until,
            "--reason",
            "council's firewall change",
            "--by",
            "J. Smith",
        ]
        .map(String::from)
    };
    fn args(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }

    // OUT1 ran 08:00-12:30Z on 9 October. An interval past its end is
    // refused, saying when it ran, and nothing is recorded.
    let e = refused(
        &env,
        &args(&excuse("2026-10-09T12:00:00Z", "2026-10-09T13:00:00Z")),
    );
    assert!(
        e.contains(
            "is not within outage OUT1, which ran from 2026-10-09T08:00:00Z until 2026-10-09T12:30:00Z"
        ),
        "{e}"
    );
    assert_eq!(
        level(&report(&env), "email-availability")["downtime_seconds"],
        16_200
    );

    // 10:00 London time is 09:00Z (BST): 09:00-11:00Z excused, 2 h.
    // 4 h 30 m − 2 h = 2 h 30 m = 9,000 s of downtime left.
    let out = ok(
        &env,
        &args(&excuse("2026-10-09 10:00", "2026-10-09T11:00:00Z")),
    );
    assert!(
        out.contains(
            "excused outage OUT1 from 2026-10-09T09:00:00Z until 2026-10-09T11:00:00Z for acme-managed-it"
        ),
        "{out}"
    );
    let r = report(&env);
    assert_eq!(level(&r, "email-availability")["downtime_seconds"], 9_000);
    let listed = &r["excused_outages"][0];
    assert_eq!(listed["outage"], "OUT1");
    assert_eq!(listed["from"], "2026-10-09T09:00:00Z");
    assert_eq!(listed["until"], "2026-10-09T11:00:00Z");
    let trail = audit(&env);
    let last = trail.last().unwrap();
    assert_eq!(
        last["detail"],
        "excused outage OUT1 from 2026-10-09T09:00:00Z until 2026-10-09T11:00:00Z (excusal 1)"
    );

    // Revoked by naming the outage: all 4 h 30 m count again.
    ok(
        &env,
        &[
            "unexcuse",
            "--contract",
            C,
            "--outage",
            "OUT1",
            "--reason",
            "wrong window",
            "--by",
            "A. Jones",
        ],
    );
    assert_eq!(
        level(&report(&env), "email-availability")["downtime_seconds"],
        16_200
    );
}
