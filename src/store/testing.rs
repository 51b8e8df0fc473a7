//! Test support shared by the unit tests beside the code and the integration
//! tests in `tests/`: which database a test's store lives in. Not part of
//! slawatch's interface.
//!
//! By default each test uses a SQLite file in its own temporary folder. With
//! [`POSTGRES_ENV`] set to an administrator's URL on a PostgreSQL server
//! (`scripts/test.sh` starts a throwaway one), each test gets a fresh
//! database of its own on that server instead, so the same tests run against
//! both backends, isolated from each other and in parallel.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use super::server::create_postgres_database;

/// The variable naming the PostgreSQL server to test against, as an
/// administrator's URL (`postgres://postgres@127.0.0.1:PORT/postgres`).
pub const POSTGRES_ENV: &str = "SLAWATCH_TEST_POSTGRES";

/// The database URL for one test's store: `sqlite://` + `sqlite_file`, or,
/// when [`POSTGRES_ENV`] is set, a new empty database on that server. Like
/// the file, the database is the same for the same `sqlite_file` within a
/// test process (a test that restarts the daemon finds its store again).
///
/// # Panics
/// When the PostgreSQL server cannot be reached or refuses to create the
/// database: a run asked to test PostgreSQL must fail, never quietly test
/// SQLite instead.
pub fn database_url(sqlite_file: &Path) -> String {
    let Some(admin) = postgres_admin_url() else {
        return format!("sqlite://{}", sqlite_file.display());
    };
    static MADE: Mutex<BTreeMap<PathBuf, String>> = Mutex::new(BTreeMap::new());
    let mut made = MADE.lock().unwrap_or_else(PoisonError::into_inner);
    made.entry(sqlite_file.to_path_buf())
        .or_insert_with(|| fresh_postgres_database(&admin))
        .clone()
}

/// Set to `sqlite` by `scripts/test.sh` for its first pass, which tests
/// SQLite alone (the second pass has [`POSTGRES_ENV`] set).
pub const PASS_ENV: &str = "SLAWATCH_TEST_PASS";

/// Whether a test that needs PostgreSQL runs: yes when [`POSTGRES_ENV`]
/// names a server; otherwise it is skipped with a line on standard error.
///
/// # Panics
/// In CI (`CI` set) outside the SQLite pass of `scripts/test.sh`
/// ([`PASS_ENV`] `=sqlite`): a CI run without a PostgreSQL server must fail,
/// never quietly test less.
pub fn postgres_or_skip(test: &str) -> bool {
    if postgres_admin_url().is_some() {
        return true;
    }
    let sqlite_pass = std::env::var(PASS_ENV).is_ok_and(|p| p == "sqlite");
    assert!(
        std::env::var_os("CI").is_none() || sqlite_pass,
        "{test}: needs PostgreSQL, and {POSTGRES_ENV} is not set in CI (scripts/test.sh starts a server and sets it)"
    );
    eprintln!("SKIPPED {test}: it needs {POSTGRES_ENV} (the PostgreSQL pass of scripts/test.sh)");
    false
}

/// The server's administrator URL when the tests run against PostgreSQL.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var(POSTGRES_ENV)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Creates a database with a name no other test (in this run or an earlier
/// one on the same server) has used, and returns its URL.
fn fresh_postgres_database(admin: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let name = format!(
        "slawatch_t{secs}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let admin_owned = admin.to_string();
    // Its own thread and runtime: callers are plain and async tests alike,
    // and an async caller's runtime cannot be blocked on from inside.
    let created = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime
            .block_on(create_postgres_database(&admin_owned, &name))
            .map_err(|e| e.to_string())
    })
    .join();
    match created {
        Ok(Ok(url)) => url,
        Ok(Err(e)) => panic!(
            "{POSTGRES_ENV} is set but no test database could be made on {}: {e}",
            crate::config::database_url::redact(admin)
        ),
        Err(_) => panic!("creating a test database on PostgreSQL panicked"),
    }
}
