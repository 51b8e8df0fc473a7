//! Withdrawing a DR test recorded by mistake, through the binary and the
//! API: refusals change nothing, the test stays listed with its withdrawal,
//! and the register, the report and the rating are worked out without it.

use serde_json::{Value, json};

use super::{MANAGER, NOW, VIEWER, add, env_with_systems, flags, start_api, system};
use crate::common::{TestEnv, stderr, stdout};

fn list_json(env: &TestEnv) -> Value {
    let out = env.run(&[
        "dr-test",
        "list",
        "--contract",
        "acme-managed-it",
        "--as-of",
        "2026-10-31",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn withdraw(env: &TestEnv, contract: &str, id: &str, reason: &str) -> std::process::Output {
    env.run(&[
        "--now",
        NOW,
        "dr-test",
        "withdraw",
        "--contract",
        contract,
        "--id",
        id,
        "--reason",
        reason,
        "--by",
        "A. Jones",
    ])
}

#[test]
fn a_test_recorded_by_mistake_is_withdrawn_and_no_longer_counts() {
    let env = env_with_systems();
    // Payroll passed in March (test 1); September's test (2) was typed with
    // an RTO of 6h instead of 3h.
    for (date, rto) in [("2026-03-01", "3h"), ("2026-09-01", "6h")] {
        let out = add(
            &env,
            &[
                "--system", "payroll", "--date", date, "--rto", rto, "--rpo", "10m", "--by",
                "J. Smith",
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    // Before, as of 2026-10-31: payroll's last test missed its 4h RTO:
    // 5 × 3 = 15; crm never tested, SaaS without evidence: 2 × (3 + 2) = 10;
    // files never tested: 1 × 3 = 3. Severe (15).
    let before = list_json(&env);
    assert_eq!(
        (
            before["register"]["score"].as_u64(),
            before["register"]["rating"].as_str()
        ),
        (Some(15), Some("severe"))
    );
    assert_eq!(
        flags(system(&before["register"], "payroll")),
        ["worse_than_agreed"]
    );

    // Refusals exit 1 and change nothing: an unknown id, another contract's
    // id, a blank reason, an unknown contract.
    for (contract, id, reason, says) in [
        (
            "acme-managed-it",
            "99",
            "typo",
            "no DR test 99 for contract 'acme-managed-it'",
        ),
        (
            "beta-hosting",
            "2",
            "typo",
            "no DR test 2 for contract 'beta-hosting'",
        ),
        ("acme-managed-it", "2", "  ", "--reason must not be empty"),
        ("nobody", "2", "typo", "unknown contract 'nobody'"),
    ] {
        let out = withdraw(&env, contract, id, reason);
        assert_eq!(out.status.code(), Some(1), "{says}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{}", stderr(&out));
    }
    assert_eq!(list_json(&env)["register"], before["register"]);

    let out = withdraw(
        &env,
        "acme-managed-it",
        "2",
        "RTO typed as 6h, the report says 3h",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("withdrew DR test 2 of payroll"),
        "{}",
        stdout(&out)
    );
    // A second withdrawal is refused, naming the first.
    let out = withdraw(&env, "acme-managed-it", "2", "again");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("DR test 2 was already withdrawn by A. Jones on "),
        "{}",
        stderr(&out)
    );

    // After: payroll's last test is March's, within 12 months and as agreed:
    // 0. The worst is crm's 10: high.
    let after = list_json(&env);
    let reg = &after["register"];
    assert_eq!(
        (reg["score"].as_u64(), reg["rating"].as_str()),
        (Some(10), Some("high"))
    );
    let payroll = system(reg, "payroll");
    assert_eq!(
        (flags(payroll), payroll["score"].as_u64()),
        (vec![], Some(0))
    );
    assert_eq!(payroll["last_test"]["date"], "2026-03-01");
    // Both tests are still listed; only the second carries its withdrawal.
    let tests = after["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 2);
    assert!(tests[0].get("withdrawn").is_none(), "{}", tests[0]);
    let w = &tests[1]["withdrawn"];
    assert_eq!(
        (&w["by"], &w["reason"]),
        (
            &json!("A. Jones"),
            &json!("RTO typed as 6h, the report says 3h")
        )
    );
    assert!(w["at"].as_str().is_some_and(|t| t.ends_with('Z')), "{w}");
    let out = env.run(&[
        "dr-test",
        "list",
        "--contract",
        "acme-managed-it",
        "--as-of",
        "2026-10-31",
    ]);
    let table = stdout(&out);
    assert!(table.contains("DR risk high (score 10)"), "{table}");
    assert!(
        table.contains("withdrawn by A. Jones at ")
            && table.contains(": RTO typed as 6h, the report says 3h"),
        "{table}"
    );

    // October's report rates without it too.
    let dr =
        &env.report_json("acme-managed-it", "2026-10", "2026-11-07T12:00:00Z")["disaster_recovery"];
    assert_eq!(
        (dr["score"].as_u64(), dr["rating"].as_str()),
        (Some(10), Some("high"))
    );
    assert_eq!(system(dr, "payroll")["last_test"]["date"], "2026-03-01");
}

#[tokio::test]
async fn managers_withdraw_tests_over_the_api() {
    let (_dir, deps, base) = start_api().await;
    let client = reqwest::Client::new();
    // Dates relative to the API's today (its clock's), as it assesses the
    // register on that day.
    let today = deps.clock.now().date_naive();
    let ago = |days: u64| (today - chrono::Days::new(days)).to_string();
    for (date, rto) in [(ago(60), "3h"), (ago(30), "6h")] {
        let r = client
            .post(format!("{base}/dr-tests"))
            .bearer_auth(MANAGER)
            .json(&json!({"system": "payroll", "date": date, "achieved_rto": rto}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let register = || async {
        let r = client
            .get(format!("{base}/dr"))
            .bearer_auth(VIEWER)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json::<Value>().await.unwrap()
    };
    // Payroll's last test missed its RTO: 5 × 3 = 15, severe.
    assert_eq!(register().await["register"]["score"], 15);

    let delete = |token: &'static str, id: &str, body: Value| {
        client
            .delete(format!("{base}/dr-tests/{id}"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let why = json!({"reason": "RTO typed as 6h, the report says 3h"});
    assert_eq!(
        delete(VIEWER, "2", why.clone()).await.unwrap().status(),
        403
    );
    assert_eq!(
        delete(MANAGER, "99", why.clone()).await.unwrap().status(),
        404
    );
    assert_eq!(
        delete(MANAGER, "two", why.clone()).await.unwrap().status(),
        404
    );
    assert_eq!(
        delete(MANAGER, "2", json!({"reason": " "}))
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        delete(MANAGER, "2", json!({"why": "x"}))
            .await
            .unwrap()
            .status(),
        400
    );
    let r = delete(MANAGER, "2", why.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    let withdrawn: Value = r.json().await.unwrap();
    assert_eq!(withdrawn["id"], 2);
    assert_eq!(withdrawn["withdrawn"]["by"], "jane.smith");
    let r = delete(MANAGER, "2", why).await.unwrap();
    assert_eq!(r.status(), 409);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("already withdrawn by jane.smith on "),
        "{text}"
    );

    // Payroll's last test is the passing one again: 0. CRM never tested and
    // without evidence: 2 × (3 + 2) = 10, the worst: high.
    let v = register().await;
    let reg = &v["register"];
    assert_eq!(
        (reg["score"].as_u64(), reg["rating"].as_str()),
        (Some(10), Some("high"))
    );
    assert_eq!(system(reg, "payroll")["last_test"]["date"], json!(ago(60)));
    assert_eq!(
        v["tests"][1]["withdrawn"]["reason"],
        "RTO typed as 6h, the report says 3h"
    );
    // The same store, read directly, keeps both tests.
    let stored = deps.store.dr_tests("acme-managed-it").await.unwrap();
    assert_eq!(
        stored
            .iter()
            .map(|t| t.withdrawn.is_some())
            .collect::<Vec<_>>(),
        [false, true]
    );
}
