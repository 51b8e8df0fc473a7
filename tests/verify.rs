//! `slawatch verify` through the real binary, on the backend under test:
//! after audited changes and an issued report every chain holds and its
//! head is printed; a row edited, deleted or slipped in past slawatch (the
//! insert-only triggers dropped first) is named, exactly, and the command
//! exits 3; the chain tables themselves refuse to be rewritten.

mod common;
mod october;

use std::process::Output;

use common::{TestEnv, stderr, stdout};
use sha2::{Digest, Sha256};
use sqlx::AnyPool;

const C: &str = "acme-managed-it";
const NOW: &str = "2026-11-05T09:00:00Z";

fn ok(env: &TestEnv, args: &[&str]) -> String {
    let mut all = vec!["--now", NOW];
    all.extend(args);
    let out = env.run(&all);
    assert!(out.status.success(), "{args:?} failed: {}", stderr(&out));
    stdout(&out)
}

/// October imported, then three audited changes — a cost (audit id 1), an
/// excusal (2), a dispute of the cost (3) — and October issued: one report,
/// five files (JSON, CSV, HTML, PDF, XLSX, sealed in that order).
fn recorded(env: &TestEnv) {
    october::october(env);
    ok(
        env,
        &[
            "cost",
            "add",
            "--contract",
            C,
            "--date",
            "2026-10-09",
            "--amount",
            "2400.00",
            "--description",
            "Agency staff during outage",
            "--evidence",
            "PO 88213",
            "--by",
            "J. Smith",
        ],
    );
    ok(
        env,
        &[
            "excuse",
            "--contract",
            C,
            "--incident",
            "INC0012346",
            "--reason",
            "change freeze we asked for",
            "--by",
            "J. Smith",
        ],
    );
    ok(
        env,
        &[
            "dispute",
            "open",
            "--contract",
            C,
            "--cost",
            "1",
            "--note",
            "booked before the outage",
            "--by",
            "A. Supplier",
        ],
    );
    ok(env, &["issue", "--contract", C, "--month", "2026-10"]);
}

fn verify(env: &TestEnv, extra: &[&str]) -> Output {
    let mut args = vec!["verify"];
    args.extend(extra);
    env.run(&args)
}

/// A connection straight to the store, past slawatch.
async fn database(env: &TestEnv) -> AnyPool {
    sqlx::any::install_default_drivers();
    let url = match env.database_url.strip_prefix("sqlite://") {
        Some(file) => format!("sqlite://{file}?mode=rw"),
        None => env.database_url.clone(),
    };
    AnyPool::connect(&url).await.expect("the test store")
}

fn postgres(env: &TestEnv) -> bool {
    !env.database_url.starts_with("sqlite:")
}

/// What an administrator does first: drops a trigger (SQLite's triggers
/// are per statement kind; PostgreSQL's named here cover both).
async fn drop_trigger(env: &TestEnv, pool: &AnyPool, sqlite: &str, postgres_trigger: &str) {
    let sql = if postgres(env) {
        let table = postgres_trigger.split_once(':').expect("trigger:table").1;
        let name = postgres_trigger.split_once(':').expect("trigger:table").0;
        format!("DROP TRIGGER {name} ON {table}")
    } else {
        format!("DROP TRIGGER {sqlite}")
    };
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(pool)
        .await
        .expect("drop a trigger");
}

/// The line `verify` printed for one chain.
fn line<'a>(text: &'a str, chain: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(&format!("{chain}:")))
        .unwrap_or_else(|| panic!("no line for {chain} in\n{text}"))
}

/// The audit chain's head worked out here from the stored rows, as
/// docs/book/src/assurance/index.md documents it (not with slawatch's code).
async fn documented_audit_head(pool: &AnyPool) -> String {
    type AuditRow = (
        i64,
        i64,
        String,
        String,
        String,
        String,
        Option<String>,
        String,
        Option<String>,
    );
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT id, at, actor, action, kind, subject, period, detail, reason FROM audit
          WHERE contract = $1 ORDER BY id",
    )
    .bind(C)
    .fetch_all(pool)
    .await
    .unwrap();
    fn text(b: &mut Vec<u8>, s: &str) {
        b.push(2);
        b.extend((s.len() as u64).to_le_bytes());
        b.extend(s.as_bytes());
    }
    fn int(b: &mut Vec<u8>, n: i64) {
        b.push(1);
        b.extend(n.to_le_bytes());
    }
    fn opt(b: &mut Vec<u8>, s: &Option<String>) {
        match s {
            Some(s) => text(b, s),
            None => b.push(0),
        }
    }
    let sha = |b: &[u8]| hex::encode(Sha256::digest(b));
    let mut prev = "0".repeat(64);
    for (seq, r) in (1..).zip(&rows) {
        let mut row = Vec::new();
        text(&mut row, "slawatch-row-v1");
        text(&mut row, "audit");
        text(&mut row, C);
        int(&mut row, 1);
        int(&mut row, r.0);
        int(&mut row, 8);
        int(&mut row, r.1);
        for s in [&r.2, &r.3, &r.4, &r.5] {
            text(&mut row, s);
        }
        opt(&mut row, &r.6);
        text(&mut row, &r.7);
        opt(&mut row, &r.8);
        let mut link = Vec::new();
        text(&mut link, "slawatch-link-v1");
        text(&mut link, "audit");
        text(&mut link, C);
        int(&mut link, seq);
        text(&mut link, &prev);
        text(&mut link, &format!("[{}]", r.0));
        text(&mut link, &sha(&row));
        prev = sha(&link);
    }
    prev
}

#[tokio::test]
async fn every_chain_holds_and_its_head_is_printed() {
    let env = TestEnv::new();
    recorded(&env);
    let out = verify(&env, &[]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    let pool = database(&env).await;
    let head = documented_audit_head(&pool).await;
    assert_eq!(
        line(&text, "audit of acme-managed-it"),
        format!("audit of acme-managed-it: 3 rows, head 3 {head}")
    );
    assert!(
        line(&text, "issued_reports of acme-managed-it")
            .starts_with("issued_reports of acme-managed-it: 1 row, head 1 "),
        "{text}"
    );
    assert!(
        line(&text, "issued_files of acme-managed-it")
            .starts_with("issued_files of acme-managed-it: 5 rows, head 5 "),
        "{text}"
    );
    for table in ["audit", "issued_reports", "issued_files"] {
        assert_eq!(
            line(&text, &format!("{table} of beta-hosting")),
            format!("{table} of beta-hosting: no rows")
        );
    }
    assert!(
        text.ends_with("every chain is intact: 28 chains, 9 rows\n"),
        "{text}"
    );

    // The same as JSON, one contract.
    let out = verify(&env, &["--contract", C, "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["intact"], true);
    // Every chained table: the audit trail, the issued reports and files, the
    // five evidence histories, the credit notes, the cost gates, the
    // evidence files, and the actions with their status changes.
    assert_eq!(json["chains"].as_array().unwrap().len(), 14);
    assert_eq!(
        json["chains"][0],
        serde_json::json!({
            "table": "audit",
            "contract": C,
            "rows": 3,
            "head": {"seq": 3, "hash": head},
            "broken": null,
        })
    );

    // The head moves on with the next audited change; the old one stays a
    // prefix of the chain.
    ok(
        &env,
        &[
            "unexcuse",
            "--contract",
            C,
            "--incident",
            "INC0012346",
            "--reason",
            "freeze lifted",
            "--by",
            "J. Smith",
        ],
    );
    let text = stdout(&verify(&env, &["--contract", C]));
    let moved = documented_audit_head(&pool).await;
    assert_ne!(moved, head);
    assert_eq!(
        line(&text, "audit of acme-managed-it"),
        format!("audit of acme-managed-it: 4 rows, head 4 {moved}")
    );

    let out = verify(&env, &["--contract", "nobody"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("unknown contract 'nobody'"),
        "{}",
        stderr(&out)
    );
    pool.close().await;
}

#[tokio::test]
async fn an_edited_audit_row_is_named() {
    let env = TestEnv::new();
    recorded(&env);
    let pool = database(&env).await;
    drop_trigger(
        &env,
        &pool,
        "audit_is_append_only_update",
        "audit_is_append_only_update:audit",
    )
    .await;
    sqlx::query("UPDATE audit SET detail = 'excused incident INC0012345' WHERE id = 2")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let out = verify(&env, &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "{text}\n{}", stderr(&out));
    let broken = "audit of acme-managed-it: BROKEN at audit id 2 (link 2): content changed: \
                  the row's stored content is not what link 2 sealed; 1 row intact before it";
    assert_eq!(line(&text, "audit of acme-managed-it"), broken);
    // The other chains are checked all the same, and hold.
    assert!(
        line(&text, "issued_files of acme-managed-it").contains(": 5 rows, head 5 "),
        "{text}"
    );
    assert_eq!(
        stderr(&out),
        format!("error: 1 of 28 chains broken:\nerror: {broken}\n")
    );

    let out = verify(&env, &["--contract", C, "--format", "json"]);
    assert_eq!(out.status.code(), Some(3));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["intact"], false);
    assert_eq!(json["chains"][0]["rows"], 1);
    assert_eq!(
        json["chains"][0]["broken"],
        serde_json::json!({
            "problem": "content_changed",
            "seq": 2,
            "key": {"id": 2},
            "detail": "the row's stored content is not what link 2 sealed",
        })
    );
}

#[tokio::test]
async fn a_deleted_audit_row_is_named() {
    let env = TestEnv::new();
    recorded(&env);
    let pool = database(&env).await;
    drop_trigger(
        &env,
        &pool,
        "audit_is_append_only_delete",
        "audit_is_append_only_delete:audit",
    )
    .await;
    sqlx::query("DELETE FROM audit WHERE id = 2")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let out = verify(&env, &["--contract", C]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "{text}\n{}", stderr(&out));
    assert_eq!(
        line(&text, "audit of acme-managed-it"),
        "audit of acme-managed-it: BROKEN at audit id 2 (link 2): row missing: \
         the row link 2 seals is no longer in audit; 1 row intact before it"
    );
}

#[tokio::test]
async fn a_row_slipped_in_without_a_link_is_named() {
    let env = TestEnv::new();
    recorded(&env);
    // Inserting needs no trigger dropped: the trail takes new rows.
    let pool = database(&env).await;
    sqlx::query(
        "INSERT INTO audit (contract, at, actor, action, kind, subject, period, detail, reason)
         VALUES ($1, 1793000000, 'J. Smith', 'excusal.add', 'incident', 'INC0012345', NULL,
                 'excused incident INC0012345', 'agreed at the time')",
    )
    .bind(C)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let out = verify(&env, &["--contract", C]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "{text}\n{}", stderr(&out));
    assert_eq!(
        line(&text, "audit of acme-managed-it"),
        "audit of acme-managed-it: BROKEN at audit id 4: row without a link: \
         no link seals this row of audit: it was stored past slawatch; 3 rows intact before it"
    );
}

#[tokio::test]
async fn an_edited_issued_report_and_file_are_named() {
    let env = TestEnv::new();
    recorded(&env);
    let pool = database(&env).await;
    drop_trigger(
        &env,
        &pool,
        "issued_reports_are_kept_update",
        "issued_reports_are_kept:issued_reports",
    )
    .await;
    drop_trigger(
        &env,
        &pool,
        "issued_files_are_kept_update",
        "issued_files_are_kept:issued_files",
    )
    .await;
    sqlx::query("UPDATE issued_reports SET issued_at = issued_at + 86400")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE issued_files SET bytes = $1 WHERE filename LIKE '%.pdf'")
        .bind(b"%PDF-1.7 a quieter report".to_vec())
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let out = verify(&env, &["--contract", C]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "{text}\n{}", stderr(&out));
    assert_eq!(
        line(&text, "issued_reports of acme-managed-it"),
        "issued_reports of acme-managed-it: BROKEN at issued_reports contract acme-managed-it, \
         period 2026-10, version 1 (link 1): content changed: \
         the row's stored content is not what link 1 sealed; 0 rows intact before it"
    );
    assert_eq!(
        line(&text, "issued_files of acme-managed-it"),
        "issued_files of acme-managed-it: BROKEN at issued_files contract acme-managed-it, \
         period 2026-10, version 1, filename acme-managed-it-2026-10-v1.pdf (link 4): \
         content changed: the row's stored content is not what link 4 sealed; 3 rows intact before it"
    );
    assert!(
        line(&text, "audit of acme-managed-it").starts_with("audit of acme-managed-it: 3 rows"),
        "{text}"
    );
    assert!(stderr(&out).starts_with("error: 2 of 14 chains broken:\n"));
}

#[tokio::test]
async fn the_chain_tables_refuse_to_be_rewritten() {
    let env = TestEnv::new();
    recorded(&env);
    let pool = database(&env).await;
    for (sql, refusal) in [
        (
            "UPDATE chain_links SET hash = prev_hash",
            "chain links are recorded once and never changed",
        ),
        (
            "DELETE FROM chain_links",
            "chain links are recorded once and never changed",
        ),
        (
            "UPDATE chain_heads SET seq = seq - 1",
            "a chain head only moves forward",
        ),
        (
            "UPDATE chain_heads SET hash = 'forged'",
            "a chain head only moves forward",
        ),
        ("DELETE FROM chain_heads", "a chain head only moves forward"),
        (
            "UPDATE issued_reports SET json = '{}'",
            "issued reports are recorded once and never changed",
        ),
        (
            "DELETE FROM issued_reports",
            "issued reports are recorded once and never changed",
        ),
    ] {
        let err = sqlx::query(sql)
            .execute(&pool)
            .await
            .expect_err(sql)
            .to_string();
        assert!(err.contains(refusal), "{sql}: {err}");
    }
    pool.close().await;
    let out = verify(&env, &["--contract", C]);
    assert!(out.status.success(), "{}", stdout(&out));
}
