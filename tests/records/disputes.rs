//! Disputes: separated in the totals; rejected, the claim stands and is
//! undisputed again; accepted, the claim item is withdrawn.

use super::common::{TestEnv, level};
use super::*;

#[test]
fn disputes_separate_the_claim_until_decided() {
    let env = TestEnv::new();
    october(&env);
    add_cost(
        &env,
        "2026-10-09",
        "2400.00",
        &["--breach-level", "email-availability"],
    );
    add_cost(&env, "2026-10-10", "100.00", &[]);
    // Credits 875,000 + costs 250,000 = 1,125,000.
    assert_eq!(report(&env)["total_claim_minor"], 1_125_000);

    let out = dispute_open(
        &env,
        &["--cost", "1"],
        "the agency was booked before the outage",
    );
    assert!(out.contains("recorded dispute 1 of cost 1"), "{out}");
    dispute_open(
        &env,
        &[
            "--service-level",
            "email-availability",
            "--month",
            "2026-10",
        ],
        "our monitoring shows 99.7 %",
    );
    let r = report(&env);
    // Disputed amounts stay in the claim, shown apart.
    assert_eq!(r["total_claim_minor"], 1_125_000);
    assert_eq!(r["recoverable_costs_minor"], 250_000);
    assert_eq!(r["recoverable_costs_disputed_minor"], 240_000);
    assert_eq!(r["service_credits"]["total_minor"], 875_000);
    assert_eq!(r["service_credits"]["disputed_minor"], 375_000);
    // 1,125,000 − 240,000 − 375,000 = 510,000.
    assert_eq!(r["total_claim_undisputed_minor"], 510_000);
    let email = level(&r, "email-availability");
    assert_eq!(email["credit_disputed_minor"], 375_000);
    assert_eq!(email["dispute"]["status"], "disputed");
    assert_eq!(email["dispute"]["note"], "our monitoring shows 99.7 %");
    assert_eq!(r["recoverable_costs"][0]["dispute"]["status"], "disputed");
    assert!(
        refused(
            &env,
            &[
                "dispute",
                "open",
                "--contract",
                C,
                "--cost",
                "1",
                "--note",
                "again",
                "--by",
                "J. Smith"
            ]
        )
        .contains("cost 1 is already in dispute (dispute 1)")
    );

    // Rejected: the claim stands, the cost is undisputed again.
    // 510,000 + 240,000 = 750,000.
    let out = ok(
        &env,
        &[
            "dispute",
            "reject",
            "--contract",
            C,
            "--id",
            "1",
            "--note",
            "PO dated 9 Oct",
            "--by",
            "A. Jones",
        ],
    );
    assert!(
        out.contains("dispute 1 of cost 1 rejected for acme-managed-it: the claim stands"),
        "{out}"
    );
    let r = report(&env);
    assert_eq!(r["recoverable_costs_disputed_minor"], 0);
    assert_eq!(r["recoverable_costs_minor"], 250_000);
    assert_eq!(r["total_claim_undisputed_minor"], 750_000);

    // Accepted: the customer no longer claims email's 375,000.
    let out = ok(
        &env,
        &[
            "dispute",
            "accept",
            "--contract",
            C,
            "--id",
            "2",
            "--note",
            "their probe data is right",
            "--by",
            "A. Jones",
        ],
    );
    assert!(out.contains("the claim item is withdrawn"), "{out}");
    let r = report(&env);
    let email = level(&r, "email-availability");
    assert_eq!(email["status"], "failed", "still reported as measured");
    assert_eq!(email["credit_minor"], 0);
    assert_eq!(email["dispute"]["status"], "withdrawn");
    assert_eq!(r["service_credits"]["total_minor"], 500_000);
    assert_eq!(r["service_credits"]["disputed_minor"], 0);
    assert_eq!(r["total_claim_minor"], 750_000);
    assert_eq!(r["total_claim_undisputed_minor"], 750_000);
    assert!(
        refused(
            &env,
            &[
                "dispute",
                "withdraw",
                "--contract",
                C,
                "--id",
                "2",
                "--note",
                "x",
                "--by",
                "A. Jones"
            ]
        )
        // `withdraw`, the previous release's word for `accept`, still works.
        .contains("dispute 2 was already accepted by A. Jones (the claim item is withdrawn)")
    );

    // One disputed incident: as measured 12/14 → 4 % = 500,000; if the
    // supplier is right 13/14 = 92.857 % → 2 % = 250,000 → 250,000 disputed.
    dispute_open(
        &env,
        &["--incident", "INC0012345"],
        "resolved at 13:00, see log",
    );
    let r = report(&env);
    let p1 = level(&r, "p1-resolution");
    assert_eq!(p1["credit_minor"], 500_000);
    assert_eq!(p1["credit_disputed_minor"], 250_000);
    assert_eq!(p1["breaches"][0]["incident"], "INC0012345");
    assert_eq!(p1["breaches"][0]["dispute"]["status"], "disputed");
    assert_eq!(r["service_credits"]["disputed_minor"], 250_000);
    assert_eq!(r["total_claim_undisputed_minor"], 500_000);

    // A withdrawn cost drops out of the claim (and out of the costs listed).
    dispute_open(&env, &["--cost", "2"], "not our fault");
    ok(
        &env,
        &[
            "dispute",
            "withdraw",
            "--contract",
            C,
            "--id",
            "4",
            "--note",
            "fair",
            "--by",
            "A. Jones",
        ],
    );
    let r = report(&env);
    assert_eq!(r["recoverable_costs_minor"], 240_000);
    assert_eq!(r["recoverable_costs"].as_array().unwrap().len(), 1);
    assert_eq!(r["total_claim_minor"], 740_000);
    // Every dispute bearing on October, whatever its outcome, in order.
    let disputes: Vec<String> = r["disputes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {} {}",
                d["id"],
                d["kind"].as_str().unwrap(),
                d["status"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        disputes,
        [
            "1 cost upheld",
            "2 service_level withdrawn",
            "3 incident disputed",
            "4 cost withdrawn"
        ]
    );
    let list = ok(&env, &["dispute", "list", "--contract", C]);
    assert!(
        list.contains("withdrawn") && list.contains("A. Jones"),
        "{list}"
    );
}

#[test]
fn an_outage_can_be_disputed_like_a_breach() {
    let env = TestEnv::new();
    october(&env);
    // OUT1 is the month's only outage: 4 h 30 m of 745 h → 99.396 %, 3 % of
    // £125,000 = £3,750.00 (375,000 pence). Without it the service met its
    // target, so the whole credit rests on OUT1.
    let out = dispute_open(&env, &["--outage", "OUT1"], "planned works, notified");
    assert!(out.contains("recorded dispute 1 of outage OUT1"), "{out}");
    let r = report(&env);
    let email = level(&r, "email-availability");
    assert_eq!(email["credit_minor"], 375_000);
    assert_eq!(email["credit_disputed_minor"], 375_000);
    assert_eq!(r["service_credits"]["disputed_minor"], 375_000);
    // 875,000 of credits, 375,000 of them disputed: 500,000 undisputed.
    assert_eq!(r["total_claim_undisputed_minor"], 500_000);
    let d = &r["disputes"][0];
    assert_eq!(
        (d["kind"].as_str(), d["outage"].as_str()),
        (Some("outage"), Some("OUT1"))
    );
    // Accepted: the claim of OUT1 is withdrawn, the service met its target.
    ok(
        &env,
        &[
            "dispute",
            "accept",
            "--contract",
            C,
            "--id",
            "1",
            "--note",
            "notice found",
            "--by",
            "J. Smith",
        ],
    );
    let r = report(&env);
    let email = level(&r, "email-availability");
    assert_eq!(email["status"], "met");
    assert_eq!(email["credit_minor"], 0);
    assert_eq!(r["service_credits"]["total_minor"], 500_000);
    // An unknown outage is refused, naming it.
    let err = refused(
        &env,
        &[
            "dispute",
            "open",
            "--contract",
            C,
            "--outage",
            "OUT9",
            "--note",
            "n",
            "--by",
            "J. Smith",
        ],
    );
    assert!(err.contains("no outage 'OUT9'"), "{err}");
}

#[test]
fn a_commitments_delay_payments_can_be_disputed() {
    let env = TestEnv::new();
    let at = |args: &[&str]| {
        let mut all = vec!["--now", "2026-10-26T10:00:00Z"];
        all.extend_from_slice(args);
        ok(&env, &all)
    };
    at(&[
        "commitment",
        "add",
        "--contract",
        C,
        "--id",
        "pack",
        "--name",
        "Monthly pack",
        "--due",
        "2026-10-20",
        "--delay-payment-per-day",
        "100.00",
    ]);
    at(&[
        "commitment",
        "deliver",
        "--contract",
        C,
        "--id",
        "pack",
        "--evidence",
        "pack.pdf",
        "--on",
        "2026-10-25",
    ]);
    // Due 20 October, delivered on the 25th: 5 days late × £100.00 =
    // £500.00 (50,000 pence), every day of it in October.
    assert_eq!(report(&env)["delay_payments_minor"], 50_000);
    let out = at(&[
        "dispute",
        "open",
        "--contract",
        C,
        "--commitment",
        "pack",
        "--due",
        "2026-10-20",
        "--note",
        "the council sent the data late",
        "--by",
        "Supplier desk",
    ]);
    assert!(
        out.contains("recorded dispute 1 of the delay payments of pack due 2026-10-20"),
        "{out}"
    );
    let r = report(&env);
    // Still claimed, shown apart.
    assert_eq!(r["delay_payments_minor"], 50_000);
    assert_eq!(r["delay_payments_disputed_minor"], 50_000);
    let d = &r["disputes"][0];
    assert_eq!(d["kind"], "delay_payment");
    assert_eq!(d["commitment"], "pack");
    assert_eq!(d["occurrence"], "2026-10-20");
    // Accepted: the delay payment is withdrawn.
    at(&[
        "dispute",
        "accept",
        "--contract",
        C,
        "--id",
        "1",
        "--note",
        "agreed",
        "--by",
        "J. Smith",
    ]);
    let r = report(&env);
    assert_eq!(r["delay_payments_minor"], 0);
    // None in open dispute: the field is left out, as before such disputes.
    assert!(r.get("delay_payments_disputed_minor").is_none(), "{r}");
    // An occurrence that is not late, or does not exist, is refused.
    let mut args = vec![
        "--now",
        "2026-10-26T10:00:00Z",
        "dispute",
        "open",
        "--contract",
        C,
        "--commitment",
        "dr-test",
        "--due",
        "2026-11-30",
        "--note",
        "n",
        "--by",
        "S",
    ];
    let err = refused(&env, &args);
    assert!(err.contains("has no delay_payment_per_day"), "{err}");
    args[7] = "pack";
    args[9] = "2026-10-21";
    let err = refused(&env, &args);
    assert!(err.contains("no occurrence '2026-10-21'"), "{err}");
}
