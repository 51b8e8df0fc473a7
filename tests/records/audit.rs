//! The audit trail only grows; the store refuses rewrites; user text is escaped.

use super::common::TestEnv;
use super::*;

#[test]
fn the_audit_trail_only_grows() {
    let env = TestEnv::new();
    october(&env);
    let mut seen: Vec<Value> = Vec::new();
    let steps: Vec<Vec<&str>> = vec![
        vec![
            "cost",
            "add",
            "--contract",
            C,
            "--date",
            "2026-10-09",
            "--amount",
            "10.00",
            "--description",
            "d",
            "--evidence",
            "e",
            "--by",
            "J. Smith",
        ],
        vec![
            "excuse",
            "--contract",
            C,
            "--incident",
            "INC0012346",
            "--reason",
            "r",
            "--by",
            "J. Smith",
        ],
        vec![
            "dispute",
            "open",
            "--contract",
            C,
            "--cost",
            "1",
            "--note",
            "n",
            "--by",
            "J. Smith",
        ],
        vec![
            "unexcuse",
            "--contract",
            C,
            "--incident",
            "INC0012346",
            "--reason",
            "r2",
            "--by",
            "A. Jones",
        ],
        vec![
            "dispute",
            "withdraw",
            "--contract",
            C,
            "--id",
            "1",
            "--note",
            "n2",
            "--by",
            "A. Jones",
        ],
        vec![
            "cost",
            "remove",
            "--contract",
            C,
            "--id",
            "1",
            "--reason",
            "r3",
            "--by",
            "A. Jones",
        ],
    ];
    for step in &steps {
        ok(&env, step);
        let trail = audit(&env);
        assert_eq!(trail.len(), seen.len() + 1, "one entry per change");
        assert_eq!(
            &trail[..seen.len()],
            seen.as_slice(),
            "earlier entries are unchanged"
        );
        seen = trail;
    }
    // A refused change records nothing.
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
            "x",
            "--by",
            "x",
        ],
    );
    assert_eq!(audit(&env).len(), steps.len());
    let text = ok(&env, &["audit", "--contract", C]);
    assert!(
        text.contains("dispute.withdraw") && text.contains("A. Jones"),
        "{text}"
    );
    let october_only: Value = serde_json::from_str(&ok(
        &env,
        &[
            "audit",
            "--contract",
            C,
            "--month",
            "2026-10",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(october_only.as_array().unwrap().len(), steps.len());
}

#[tokio::test]
async fn the_store_refuses_to_rewrite_or_delete_records() {
    let env = TestEnv::new();
    october(&env);
    add_cost(&env, "2026-10-09", "10.00", &[]);
    ok(
        &env,
        &[
            "excuse",
            "--contract",
            C,
            "--outage",
            "OUT1",
            "--reason",
            "r",
            "--by",
            "J. Smith",
        ],
    );
    // Straight to the database, past slawatch: the schema itself refuses.
    let url = match env.database_url.strip_prefix("sqlite://") {
        Some(file) => format!("sqlite://{file}?mode=rw"),
        None => env.database_url.clone(),
    };
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    for sql in [
        "DELETE FROM audit",
        "UPDATE audit SET actor = 'someone else'",
        "DELETE FROM excusals",
        "DELETE FROM recoverable_costs",
    ] {
        let err = sqlx::query(sql)
            .execute(&pool)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("append-only") || err.contains("never deleted"),
            "{sql}: {err}"
        );
    }
    pool.close().await;
    assert_eq!(audit(&env).len(), 2);
}

#[test]
fn user_text_is_escaped_in_the_html_report() {
    let env = TestEnv::new();
    october(&env);
    add_cost(&env, "2026-10-09", "10.00", &[]);
    ok(
        &env,
        &[
            "cost",
            "add",
            "--contract",
            C,
            "--date",
            "2026-10-10",
            "--amount",
            "1.00",
            "--description",
            "<img src=x onerror=alert(1)>",
            "--evidence",
            "PO \"7\" & co",
            "--by",
            "<b>Mallory</b>",
        ],
    );
    ok(
        &env,
        &[
            "excuse",
            "--contract",
            C,
            "--incident",
            "INC0012345",
            "--reason",
            "<script>alert('r')</script>",
            "--by",
            "<i>Eve</i>",
        ],
    );
    ok(
        &env,
        &[
            "dispute",
            "open",
            "--contract",
            C,
            "--service-level",
            "p1-resolution",
            "--month",
            "2026-10",
            "--note",
            "<script>alert('n')</script> & more",
            "--by",
            "J. Smith",
        ],
    );
    let path = env.dir.path().join("report.html");
    ok(
        &env,
        &[
            "report",
            "--contract",
            C,
            "--month",
            "2026-10",
            "--format",
            "html",
            "--as-of",
            AS_OF,
            "--out",
            path.to_str().unwrap(),
        ],
    );
    let html = std::fs::read_to_string(&path).unwrap();
    for raw in [
        "<img src=x",
        "<script>alert(",
        "<b>Mallory</b>",
        "<i>Eve</i>",
    ] {
        assert!(!html.contains(raw), "unescaped {raw}");
    }
    for escaped in [
        "&lt;img src=x onerror=alert(1)&gt;",
        "&lt;script&gt;alert(",
        "&lt;b&gt;Mallory&lt;&#x2f;b&gt;",
        "&lt;i&gt;Eve&lt;&#x2f;i&gt;",
        "&amp; more",
    ] {
        assert!(html.contains(escaped), "missing {escaped}");
    }
    assert!(html.contains("Appendix A: audit trail"));
    assert!(html.contains("Claim not in dispute"));
}
