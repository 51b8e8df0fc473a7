//! Recoverable costs: the claim changes exactly; removal is a recorded state.

use serde_json::json;

use super::common::TestEnv;
use super::*;

#[test]
fn costs_change_the_claim_exactly_and_removal_is_recorded() {
    let env = TestEnv::new();
    october(&env);
    let before = report(&env);
    assert_eq!(before["total_claim_minor"], 875_000);
    assert_eq!(before["recoverable_costs_minor"], 0);

    let out = add_cost(
        &env,
        "2026-10-09",
        "2400.00",
        &["--breach-level", "email-availability"],
    );
    assert!(
        out.contains("recorded cost 1 for acme-managed-it: GBP 2400.00 dated 2026-10-09"),
        "{out}"
    );
    add_cost(
        &env,
        "2026-10-20",
        "150.50",
        &["--breach-incident", "INC0012346"],
    );
    // November's cost is November's.
    add_cost(&env, "2026-11-01", "99.99", &[]);

    let r = report(&env);
    // 240,000 + 15,050 = 255,050; claim 875,000 + 255,050 = 1,130,050.
    assert_eq!(r["recoverable_costs_minor"], 255_050);
    assert_eq!(r["total_claim_minor"], 1_130_050);
    assert_eq!(r["total_claim_undisputed_minor"], 1_130_050);
    assert_eq!(
        r["recoverable_costs"][0],
        json!({ "id": 1, "date": "2026-10-09", "amount_minor": 240_000,
                "description": "Agency staff during outage", "evidence": "PO 88213",
                "breach": "email-availability", "breach_kind": "service_level", "breach_period": "2026-10" })
    );
    assert_eq!(r["recoverable_costs"][1]["breach"], "INC0012346");
    assert_eq!(r["recoverable_costs"][1]["breach_kind"], "incident");

    let out = ok(
        &env,
        &[
            "cost",
            "remove",
            "--contract",
            C,
            "--id",
            "1",
            "--reason",
            "duplicate of invoice 77",
            "--by",
            "A. Jones",
        ],
    );
    assert!(out.contains("removed cost 1"), "{out}");
    let r = report(&env);
    assert_eq!(r["recoverable_costs_minor"], 15_050);
    assert_eq!(r["total_claim_minor"], 890_050);
    assert_eq!(r["recoverable_costs"].as_array().unwrap().len(), 1);

    // Removal is a recorded state: the cost is still listed, with who and why.
    let list: Value = serde_json::from_str(&ok(
        &env,
        &[
            "cost",
            "list",
            "--contract",
            C,
            "--month",
            "2026-10",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["removed"]["by"], "A. Jones");
    assert_eq!(list[0]["removed"]["reason"], "duplicate of invoice 77");
    assert_eq!(list[0]["recorded_by"], "J. Smith");
    let table = ok(&env, &["cost", "list", "--contract", C]);
    assert!(
        table.contains("removed") && table.contains("GBP 150.50"),
        "{table}"
    );

    assert!(
        refused(
            &env,
            &[
                "cost",
                "remove",
                "--contract",
                C,
                "--id",
                "1",
                "--reason",
                "again",
                "--by",
                "A. Jones"
            ]
        )
        .contains("cost 1 was already removed by A. Jones")
    );
    assert!(
        refused(
            &env,
            &[
                "cost",
                "remove",
                "--contract",
                C,
                "--id",
                "42",
                "--reason",
                "x",
                "--by",
                "A. Jones"
            ]
        )
        .contains("no cost 42")
    );

    // Who, when, what and why, in order.
    let trail = audit(&env);
    let actions: Vec<&str> = trail
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["cost.add", "cost.add", "cost.add", "cost.remove"]);
    assert_eq!(trail[3]["by"], "A. Jones");
    assert_eq!(trail[3]["reason"], "duplicate of invoice 77");
    assert!(
        trail[3]["detail"]
            .as_str()
            .unwrap()
            .contains("removed cost 1: GBP 2400.00 dated 2026-10-09"),
        "{}",
        trail[3]
    );
    assert!(trail[0]["at"].as_str().unwrap().ends_with('Z'));
    // The report quotes what bears on October: the November cost is not there.
    let quoted: Vec<&str> = r["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["subject"].as_str().unwrap())
        .collect();
    assert_eq!(quoted, ["1", "2", "1"]);
}

#[test]
fn bad_costs_are_refused_with_a_reason() {
    let env = TestEnv::new();
    october(&env);
    let base = [
        "cost",
        "add",
        "--contract",
        C,
        "--date",
        "2026-10-09",
        "--description",
        "x",
        "--evidence",
        "y",
        "--by",
        "J. Smith",
    ];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend(extra);
        refused(&env, &a)
    };
    assert!(
        with(&["--amount", "12.345"]).contains("amount: '12.345' is not a decimal amount of GBP"),
        "three decimals"
    );
    assert!(with(&["--amount", "0"]).contains("must be above zero"));
    assert!(
        with(&["--amount", "1.00", "--breach-incident", "INC404"])
            .contains("no incident 'INC404' for contract 'acme-managed-it'")
    );
    assert!(
        with(&["--amount", "1.00", "--breach-level", "nope"])
            .contains("unknown service level 'nope'")
    );
    // --by is required.
    let out = env.run(&[
        "cost",
        "add",
        "--contract",
        C,
        "--date",
        "2026-10-09",
        "--amount",
        "1.00",
        "--description",
        "x",
        "--evidence",
        "y",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--by"), "{}", stderr(&out));
    assert!(
        refused(
            &env,
            &[
                "cost",
                "add",
                "--contract",
                C,
                "--date",
                "2026-10-09",
                "--amount",
                "1.00",
                "--description",
                "x",
                "--evidence",
                "y",
                "--by",
                "  ",
            ]
        )
        .contains("--by must not be empty")
    );
    assert!(audit(&env).is_empty(), "nothing refused is recorded");
}
