//! The chains on a real store, on the backend under test: sealing, the
//! one-time backfill of an old store, two writers on one chain.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, SqlSafeStr};

use super::super::testing::database_url;
use super::super::{Backend, Store, StoreError, sqlite_url};
use super::*;

fn text(s: &str) -> Param {
    Param::Text(Some(s.to_string()))
}

/// An audit entry's content, in the registry's order.
fn audit_content(detail: &str) -> Vec<Param> {
    vec![
        Param::Int(Some(1_000)),
        text("J. Smith"),
        text("cost.add"),
        text("cost"),
        text("1"),
        text("2026-10"),
        text(detail),
        Param::Text(None),
    ]
}

async fn insert_audit(pool: &AnyPool, contract: &str, detail: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO audit (contract, at, actor, action, kind, subject, period, detail, reason)
         VALUES ($1, 1000, 'J. Smith', 'cost.add', 'cost', '1', '2026-10', $2, NULL) RETURNING id",
    )
    .bind(contract)
    .bind(detail)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn links(store: &Store, table: &str, contract: &str) -> Vec<(i64, String, String, String)> {
    sqlx::query_as(
        "SELECT seq, row_key, prev_hash, hash FROM chain_links
          WHERE table_name = $1 AND contract = $2 ORDER BY seq",
    )
    .bind(table)
    .bind(contract)
    .fetch_all(store.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn sealed_rows_verify_and_move_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&database_url(&dir.path().join("s.db")))
        .await
        .unwrap();
    let mut tx = store.begin().await.unwrap();
    let mut keys = Vec::new();
    for detail in ["one", "two"] {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO audit (contract, at, actor, action, kind, subject, period, detail, reason)
             VALUES ('acme', 1000, 'J. Smith', 'cost.add', 'cost', '1', '2026-10', $1, NULL) RETURNING id",
        )
        .bind(detail)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        keys.push(([Param::Int(Some(id))], audit_content(detail)));
    }
    let rows: Vec<NewRow> = keys
        .iter()
        .map(|(key, content)| NewRow { key, content })
        .collect();
    let head = seal(&mut tx, &AUDIT, "acme", &rows).await.unwrap();
    // Nothing to seal: the head as it stands.
    assert_eq!(seal(&mut tx, &AUDIT, "acme", &[]).await.unwrap(), head);
    // A row that does not fit its columns is refused.
    let short = [text("x")];
    let refused = seal(
        &mut tx,
        &AUDIT,
        "acme",
        &[NewRow {
            key: &short,
            content: &short,
        }],
    )
    .await;
    assert!(matches!(
        refused,
        Err(StoreError::Seal { table: "audit", .. })
    ));
    tx.commit().await.unwrap();

    assert_eq!(head.seq, 2);
    let stored = links(&store, "audit", "acme").await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].2, GENESIS);
    assert_eq!(
        stored[1].2, stored[0].3,
        "the second link follows the first"
    );
    assert_eq!(stored[1].3, head.hash);
    let report = store.verify_chain(&AUDIT, "acme").await.unwrap();
    assert_eq!((report.rows, report.broken), (2, None));
    assert_eq!(report.head, Some(head));
    store.close().await;
}

/// A store at migration 10, before chains existed.
async fn old_store(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url).unwrap();
    let connect = match backend {
        Backend::Sqlite => sqlite_url(url).unwrap(),
        Backend::Postgres => url.to_string(),
    };
    let pool = AnyPool::connect(&connect).await.unwrap();
    let migrations: Vec<Migration> = backend
        .migrations()
        .iter()
        .filter(|(version, _, _)| *version <= 10)
        .map(|&(version, description, sql)| {
            Migration::new(
                version,
                Cow::Borrowed(description),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
    .run(&pool)
    .await
    .unwrap();
    pool
}

#[tokio::test]
async fn an_old_store_is_chained_once_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&dir.path().join("s.db"));
    let pool = old_store(&url).await;
    let first = insert_audit(&pool, "acme", "first").await;
    let other = insert_audit(&pool, "beta", "other").await;
    let third = insert_audit(&pool, "acme", "third").await;
    sqlx::query(
        "INSERT INTO issued_reports (contract, period, version, issued_at, sha256, json)
         VALUES ('acme', '2026-10', 1, 2000, 'abc', '{}')",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO issued_files (contract, period, version, filename, content_type, sha256, bytes)
         VALUES ('acme', '2026-10', 1, 'a.pdf', 'application/pdf', 'def', $1)",
    )
    .bind(b"%PDF".to_vec())
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let store = Store::open(&url).await.unwrap();
    let keys: Vec<String> = links(&store, "audit", "acme")
        .await
        .into_iter()
        .map(|l| l.1)
        .collect();
    assert_eq!(
        keys,
        [format!("[{first}]"), format!("[{third}]")],
        "id order"
    );
    for (table, contract, rows) in [
        (&AUDIT, "acme", 2),
        (&AUDIT, "beta", 1),
        (&ISSUED_REPORTS, "acme", 1),
        (&ISSUED_FILES, "acme", 1),
    ] {
        let report = store.verify_chain(table, contract).await.unwrap();
        assert_eq!(
            (report.rows, report.broken),
            (rows, None),
            "{} of {contract}",
            table.name
        );
    }
    assert_eq!(
        links(&store, "audit", "beta").await[0].1,
        format!("[{other}]")
    );
    let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM chain_backfill")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(waiting, 0);
    // A row slipped in afterwards stays unsealed when the store is opened again.
    let slipped = insert_audit(store.pool(), "acme", "slipped in").await;
    store.close().await;
    let store = Store::open(&url).await.unwrap();
    let report = store.verify_chain(&AUDIT, "acme").await.unwrap();
    let broken = report.broken.unwrap();
    assert_eq!(broken.problem, Problem::RowWithoutLink);
    assert_eq!(broken.row_key, Some(format!("[{slipped}]")));
    store.close().await;
}

/// Two writers sealing into one chain from transactions that do not take
/// the store's write lock: the second waits on the head row and links after
/// the first, instead of forking the chain or failing.
#[tokio::test]
async fn two_writers_take_turns_on_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&database_url(&dir.path().join("s.db")))
        .await
        .unwrap();
    let content = audit_content("x");
    let mut first = store.pool().begin().await.unwrap();
    let key = [Param::Int(Some(1))];
    let rows = [NewRow {
        key: &key,
        content: &content,
    }];
    let head = seal(&mut first, &AUDIT, "acme", &rows).await.unwrap();
    assert_eq!(head.seq, 1);
    let second = {
        let store = store.clone();
        let content = content.clone();
        tokio::spawn(async move {
            let mut tx = store.pool().begin().await.unwrap();
            let key = [Param::Int(Some(2))];
            let rows = [NewRow {
                key: &key,
                content: &content,
            }];
            let head = seal(&mut tx, &AUDIT, "acme", &rows).await.unwrap();
            tx.commit().await.unwrap();
            head
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    first.commit().await.unwrap();
    let second_head = second.await.unwrap();
    assert_eq!(second_head.seq, 2);
    let stored = links(&store, "audit", "acme").await;
    assert_eq!(
        stored.iter().map(|l| l.1.as_str()).collect::<Vec<_>>(),
        ["[1]", "[2]"]
    );
    assert_eq!(
        stored[1].2, stored[0].3,
        "the second writer linked after the first"
    );
    assert_eq!(stored[1].3, second_head.hash);
    store.close().await;
}
