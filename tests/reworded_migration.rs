//! A store that applied migration 4 (the commitments register) before its
//! first comment line was reworded still opens, on the test run's backend:
//! the store moves the recorded checksum from the old text's to the new
//! text's. A store whose recorded text is neither is still refused. The
//! same for migrations 4, 13 and 15 as applied while they cited README
//! sections, before those citations named the book's pages.

use sha2::{Digest, Sha384};
use slawatch::store::Store;
use sqlx::AnyPool;

/// Migration 4 as it is now, for the test run's backend.
fn current_text(postgres: bool) -> &'static str {
    if postgres {
        include_str!("../migrations/postgres/0004_commitments.sql")
    } else {
        include_str!("../migrations/sqlite/0004_commitments.sql")
    }
}

/// Migration 4 as stores applied it before: the same text with its first
/// comment citing the outside specification by section (the name is built
/// from parts so that this file does not cite it).
fn old_text(postgres: bool) -> String {
    let cite = format!("({} \u{a7}2.7)", ["SP", "EC"].concat());
    let (new_head, old_head) = if postgres {
        (
            "-- The commitments register (see docs/book/src/managers/commitments.md),\n\
             -- PostgreSQL twin of migrations/sqlite/0004: commitments recorded ad hoc\n\
             -- beside those in the configuration file, and what happened to each\n\
             -- occurrence. Nothing here is ever updated or deleted: a rejection is a new\n\
             -- event, so the register can always be replayed as it stood at any instant.\n",
            format!(
                "-- The commitments register {cite}, PostgreSQL twin of\n\
                 -- migrations/sqlite/0004: commitments recorded ad hoc beside those in the\n\
                 -- configuration file, and what happened to each occurrence. Nothing here is\n\
                 -- ever updated or deleted: a rejection is a new event, so the register can\n\
                 -- always be replayed as it stood at any instant.\n"
            ),
        )
    } else {
        (
            "-- The commitments register (see docs/book/src/managers/commitments.md):\n\
             -- commitments recorded ad hoc beside those in the configuration file, and\n\
             -- what happened to each occurrence.\n",
            format!(
                "-- The commitments register {cite}: commitments recorded ad hoc beside\n\
                 -- those in the configuration file, and what happened to each occurrence.\n"
            ),
        )
    };
    let text = current_text(postgres);
    let rest = text
        .strip_prefix(new_head)
        .expect("migration 4 starts with the reworded comment");
    format!("{old_head}{rest}")
}

fn sha384(text: &str) -> Vec<u8> {
    Sha384::digest(text.as_bytes()).to_vec()
}

async fn recorded_checksum(pool: &AnyPool) -> Vec<u8> {
    recorded(pool, 4).await
}

async fn record_checksum(pool: &AnyPool, checksum: Vec<u8>) {
    record(pool, 4, checksum).await
}

async fn recorded(pool: &AnyPool, version: i64) -> Vec<u8> {
    sqlx::query_scalar("SELECT checksum FROM _sqlx_migrations WHERE version = $1")
        .bind(version)
        .fetch_one(pool)
        .await
        .expect("the migration recorded")
}

async fn record(pool: &AnyPool, version: i64, checksum: Vec<u8>) {
    sqlx::query("UPDATE _sqlx_migrations SET checksum = $1 WHERE version = $2")
        .bind(checksum)
        .bind(version)
        .execute(pool)
        .await
        .expect("rewriting the recorded checksum");
}

#[tokio::test]
async fn a_store_migrated_with_the_old_text_still_opens() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = slawatch::store::testing::database_url(&dir.path().join("slawatch.db"));
    let postgres = url.starts_with("postgres");
    let store = Store::open(&url).await.expect("a new store");
    store.close().await;

    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(&url).await.expect("the store's database");
    // A new store records the current text.
    assert_eq!(
        recorded_checksum(&pool).await,
        sha384(current_text(postgres))
    );

    // As a store migrated before the rewording: it opens, and records the
    // current text from then on.
    let old = old_text(postgres);
    assert_ne!(sha384(&old), sha384(current_text(postgres)));
    record_checksum(&pool, sha384(&old)).await;
    let store = Store::open(&url)
        .await
        .expect("the store migrated with the old text");
    store.ready().await.expect("every migration applied");
    store.close().await;
    assert_eq!(
        recorded_checksum(&pool).await,
        sha384(current_text(postgres))
    );

    // A migration changed in any other way is still refused.
    let edited = format!("{old}-- an edit by hand\n");
    record_checksum(&pool, sha384(&edited)).await;
    let refused = Store::open(&url).await.map(|_| ()).expect_err("refused");
    assert!(refused.to_string().contains("migration 4"), "{refused}");
    assert_eq!(recorded_checksum(&pool).await, sha384(&edited));
    pool.close().await;
}

/// Migrations 4, 13 and 15 as stores applied them while they cited README
/// sections: (version, current text, the citation now, the citation then).
fn cited_the_readme(postgres: bool) -> [(i64, &'static str, &'static str, &'static str); 3] {
    if postgres {
        [
            (
                4,
                include_str!("../migrations/postgres/0004_commitments.sql"),
                "(see docs/book/src/managers/commitments.md),",
                "(see the README, 'The commitments register'),",
            ),
            (
                13,
                include_str!("../migrations/postgres/0013_rewrites.sql"),
                "(see\n-- docs/book/src/assurance/index.md)",
                "(see the README's\n-- \"Evidence history\")",
            ),
            (
                15,
                include_str!("../migrations/postgres/0015_outbox_recipients.sql"),
                "(see\n-- docs/book/src/operators/email.md)",
                "(see the\n-- README's \"Delivery\")",
            ),
        ]
    } else {
        [
            (
                4,
                include_str!("../migrations/sqlite/0004_commitments.sql"),
                "(see docs/book/src/managers/commitments.md):",
                "(see the README, 'The commitments register'):",
            ),
            (
                13,
                include_str!("../migrations/sqlite/0013_rewrites.sql"),
                "(see\n-- docs/book/src/assurance/index.md)",
                "(see the README's\n-- \"Evidence history\")",
            ),
            (
                15,
                include_str!("../migrations/sqlite/0015_outbox_recipients.sql"),
                "(see docs/book/src/operators/email.md)",
                "(see the README's \"Delivery\")",
            ),
        ]
    }
}

#[tokio::test]
async fn a_store_migrated_while_the_migrations_cited_the_readme_still_opens() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = slawatch::store::testing::database_url(&dir.path().join("slawatch.db"));
    let postgres = url.starts_with("postgres");
    let store = Store::open(&url).await.expect("a new store");
    store.close().await;
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(&url).await.expect("the store's database");
    for (version, text, now, then) in cited_the_readme(postgres) {
        assert_eq!(text.matches(now).count(), 1, "migration {version}: {now}");
        let old = text.replacen(now, then, 1);
        record(&pool, version, sha384(&old)).await;
    }
    let store = Store::open(&url)
        .await
        .expect("the store migrated with the texts that cited the README");
    store.ready().await.expect("every migration applied");
    store.close().await;
    for (version, text, _, _) in cited_the_readme(postgres) {
        assert_eq!(
            recorded(&pool, version).await,
            sha384(text),
            "migration {version}"
        );
    }
    pool.close().await;
}
