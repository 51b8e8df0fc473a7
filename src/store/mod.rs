//! The evidence store: every SQL statement of slawatch lives under this module.
//!
//! One code path serves SQLite (the embedded default) and PostgreSQL through
//! sqlx's `Any` driver: the SQL is kept portable (numbered `$n` parameters,
//! `ON CONFLICT … DO UPDATE`, row values), instants are integer seconds in
//! UTC and money integer minor units, and each backend has its own migrations.
//!
//! # Layout
//! - [`mod@write`]: idempotent batch upserts of imported records and import bookkeeping.
//! - `staging`: PostgreSQL's `COPY` of an import's batches into staging tables.
//! - [`read`]: the evidence that can affect one contract-month.
//! - [`outbox`] and [`outbox_pending`]: queued and delivered alerts.
//! - [`outbox_recipients`]: each recipient's deliveries, and recipients given up on.
//! - [`sources`]: each source's watermark and poll health.
//! - [`inbox`] and [`probe`]: files an inbox has taken; a probe's run of results.
//! - [`servicenow`]: the supplier's own SLA verdicts read from ServiceNow.
//! - [`metrics`]: ingest and outbox aggregates for the Prometheus metrics.
//! - [`tables`] and [`copy`]: every table of the store, copied whole to another store and checked.
//! - [`commitments`]: the commitments register: ad hoc commitments and what was recorded against them.
//! - [`actions`]: the actions register: actions and every status change, insert-only and chained.
//! - [`dr`]: DR tests recorded against the systems of the disaster-recovery register, and their withdrawals.
//! - [`issued`]: issued monthly reports and their files, insert-only, one row per version (per file).
//! - [`approvals`]: drafts of monthly reports and the managers' approvals that let them be issued.
//! - [`leader`]: which of several daemons on one PostgreSQL database leads.
//! - [`quality`]: records per source in a month, for the report's feed completeness.
//! - [`reconcile`]: which months' supplier figures to compare with slawatch's.
//! - [`server`]: databases of their own on a PostgreSQL server (tests, benchmark).
//! - `testing` (hidden, for tests only): which database a test's store lives in.
//! - [`records`], [`excusals`] and [`disputes`]: what people record — costs, excusals,
//!   disputes — and the audit trail of every change.
//! - [`evidence_files`]: the files behind those records (and deliveries, DR tests), byte for byte.
//! - [`cost_gates`]: gates recorded on costs (wilful default, data loss, termination).
//! - [`credit_notes`]: what the supplier credited or refused, and the issued claims
//!   they are set against.
//! - [`web`]: the web desk's people, sessions and failed sign-ins.
//! - [`chain`]: hash chains sealing the insert-only tables (the audit trail, issued
//!   reports), so that rows altered past slawatch are detected (`slawatch verify`).

pub mod actions;
pub mod approvals;
pub mod causes;
pub mod chain;
pub mod clock_gaps;
pub mod commitments;
pub mod copy;
pub mod cost_gates;
pub mod credit_notes;
pub mod disputes;
pub mod dr;
pub mod evidence_files;
pub mod excusals;
pub mod inbox;
pub mod issued;
pub mod leader;
pub mod metrics;
pub mod months;
pub mod outbox;
pub mod outbox_pending;
pub mod outbox_recipients;
pub mod packs;
pub mod probe;
pub mod quality;
pub mod read;
pub mod reconcile;
pub mod records;
pub mod revisions;
mod reworded;
pub mod rewrites;
mod row;
pub mod server;
pub mod servicenow;
pub mod sightings;
pub mod slow;
pub mod sources;
mod staging;
pub mod tables;
#[doc(hidden)]
pub mod testing;
pub mod versions;
pub mod web;
pub mod write;

use std::borrow::Cow;
use std::path::Path;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, ConnectOptions as _, Executor, SqlSafeStr};

use crate::config::database_url::redact;

/// Errors from the store. The message names what the store was doing.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened.
    #[error("cannot open the database {url}: {source}")]
    Open {
        /// The URL, without credentials.
        url: String,
        /// Why.
        source: sqlx::Error,
    },
    /// The schema could not be brought up to date.
    #[error("cannot apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A statement failed.
    #[error("database error while {what}: {source}")]
    Query {
        /// What the store was doing.
        what: &'static str,
        /// Why it failed.
        source: sqlx::Error,
    },
    /// A stored value could not be read back (the database was edited by hand?).
    #[error("unreadable stored value: {0}")]
    Corrupt(String),
    /// Rows were given to [`chain::seal()`] that its registry entry does not
    /// describe (a mistake in the calling code, not in the data).
    #[error("cannot seal rows of {table}: {problem}")]
    Seal {
        /// The table named.
        table: &'static str,
        /// What does not fit.
        problem: String,
    },
}

/// Attaches what the store was doing to a sqlx error.
pub(crate) fn failed(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Query { what, source }
}

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The backend a `database_url` names, from its scheme.
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// The PostgreSQL advisory lock key write transactions take ("slawatch"
/// in ASCII): any number that no other application on the database uses.
const WRITE_LOCK: i64 = 0x736c_6177_6174_6368;

/// A connection pool on the evidence store.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Where it is, for an import's own `COPY` connection on PostgreSQL.
    url: DatabaseUrl,
}

/// A database URL that never shows its password in debug output.
#[derive(Clone)]
struct DatabaseUrl(std::sync::Arc<str>);

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "evidence",
        include_str!("../../migrations/sqlite/0001_evidence.sql"),
    ),
    (
        2,
        "daemon",
        include_str!("../../migrations/sqlite/0002_daemon.sql"),
    ),
    (
        3,
        "records",
        include_str!("../../migrations/sqlite/0003_records.sql"),
    ),
    (
        4,
        "commitments",
        include_str!("../../migrations/sqlite/0004_commitments.sql"),
    ),
    (
        5,
        "issued_reports",
        include_str!("../../migrations/sqlite/0005_issued_reports.sql"),
    ),
    (
        6,
        "outbox_attachments",
        include_str!("../../migrations/sqlite/0006_outbox_attachments.sql"),
    ),
    (
        7,
        "dr_tests",
        include_str!("../../migrations/sqlite/0007_dr_tests.sql"),
    ),
    (
        8,
        "issued_files",
        include_str!("../../migrations/sqlite/0008_issued_files.sql"),
    ),
    (
        9,
        "dr_test_withdrawals",
        include_str!("../../migrations/sqlite/0009_dr_test_withdrawals.sql"),
    ),
    (
        10,
        "probe_run_start",
        include_str!("../../migrations/sqlite/0010_probe_run_start.sql"),
    ),
    (
        11,
        "evidence_history",
        include_str!("../../migrations/sqlite/0011_evidence_history.sql"),
    ),
    (
        12,
        "chains",
        include_str!("../../migrations/sqlite/0012_chains.sql"),
    ),
    (
        13,
        "rewrites",
        include_str!("../../migrations/sqlite/0013_rewrites.sql"),
    ),
    (
        14,
        "inbox_attempts",
        include_str!("../../migrations/sqlite/0014_inbox_attempts.sql"),
    ),
    (
        15,
        "outbox_recipients",
        include_str!("../../migrations/sqlite/0015_outbox_recipients.sql"),
    ),
    (
        16,
        "recovery",
        include_str!("../../migrations/sqlite/0016_recovery.sql"),
    ),
    (
        17,
        "excused_intervals",
        include_str!("../../migrations/sqlite/0017_excused_intervals.sql"),
    ),
    (
        18,
        "report_approval",
        include_str!("../../migrations/sqlite/0018_report_approval.sql"),
    ),
    (
        19,
        "evidence_files",
        include_str!("../../migrations/sqlite/0019_evidence_files.sql"),
    ),
    (
        20,
        "alert_sightings",
        include_str!("../../migrations/sqlite/0020_alert_sightings.sql"),
    ),
    (
        21,
        "servicenow_deployed",
        include_str!("../../migrations/sqlite/0021_servicenow_deployed.sql"),
    ),
    (
        22,
        "month_reads",
        include_str!("../../migrations/sqlite/0022_month_reads.sql"),
    ),
    (
        24,
        "actions",
        include_str!("../../migrations/sqlite/0024_actions.sql"),
    ),
    (
        26,
        "contract_revisions",
        include_str!("../../migrations/sqlite/0026_contract_revisions.sql"),
    ),
    (
        27,
        "dr_assurance",
        include_str!("../../migrations/sqlite/0027_dr_assurance.sql"),
    ),
    (
        28,
        "committee_pack",
        include_str!("../../migrations/sqlite/0028_committee_pack.sql"),
    ),
    (
        29,
        "web_desk",
        include_str!("../../migrations/sqlite/0029_web_desk.sql"),
    ),
];

/// PostgreSQL's twins of [`SQLITE_MIGRATIONS`]: the same versions and
/// descriptions, so both backends' `_sqlx_migrations` read alike.
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "evidence",
        include_str!("../../migrations/postgres/0001_evidence.sql"),
    ),
    (
        2,
        "daemon",
        include_str!("../../migrations/postgres/0002_daemon.sql"),
    ),
    (
        3,
        "records",
        include_str!("../../migrations/postgres/0003_records.sql"),
    ),
    (
        4,
        "commitments",
        include_str!("../../migrations/postgres/0004_commitments.sql"),
    ),
    (
        5,
        "issued_reports",
        include_str!("../../migrations/postgres/0005_issued_reports.sql"),
    ),
    (
        6,
        "outbox_attachments",
        include_str!("../../migrations/postgres/0006_outbox_attachments.sql"),
    ),
    (
        7,
        "dr_tests",
        include_str!("../../migrations/postgres/0007_dr_tests.sql"),
    ),
    (
        8,
        "issued_files",
        include_str!("../../migrations/postgres/0008_issued_files.sql"),
    ),
    (
        9,
        "dr_test_withdrawals",
        include_str!("../../migrations/postgres/0009_dr_test_withdrawals.sql"),
    ),
    (
        10,
        "probe_run_start",
        include_str!("../../migrations/postgres/0010_probe_run_start.sql"),
    ),
    (
        11,
        "evidence_history",
        include_str!("../../migrations/postgres/0011_evidence_history.sql"),
    ),
    (
        12,
        "chains",
        include_str!("../../migrations/postgres/0012_chains.sql"),
    ),
    (
        13,
        "rewrites",
        include_str!("../../migrations/postgres/0013_rewrites.sql"),
    ),
    (
        14,
        "inbox_attempts",
        include_str!("../../migrations/postgres/0014_inbox_attempts.sql"),
    ),
    (
        15,
        "outbox_recipients",
        include_str!("../../migrations/postgres/0015_outbox_recipients.sql"),
    ),
    (
        16,
        "recovery",
        include_str!("../../migrations/postgres/0016_recovery.sql"),
    ),
    (
        17,
        "excused_intervals",
        include_str!("../../migrations/postgres/0017_excused_intervals.sql"),
    ),
    (
        18,
        "report_approval",
        include_str!("../../migrations/postgres/0018_report_approval.sql"),
    ),
    (
        19,
        "evidence_files",
        include_str!("../../migrations/postgres/0019_evidence_files.sql"),
    ),
    (
        20,
        "alert_sightings",
        include_str!("../../migrations/postgres/0020_alert_sightings.sql"),
    ),
    (
        21,
        "servicenow_deployed",
        include_str!("../../migrations/postgres/0021_servicenow_deployed.sql"),
    ),
    (
        22,
        "month_reads",
        include_str!("../../migrations/postgres/0022_month_reads.sql"),
    ),
    (
        24,
        "actions",
        include_str!("../../migrations/postgres/0024_actions.sql"),
    ),
    (
        26,
        "contract_revisions",
        include_str!("../../migrations/postgres/0026_contract_revisions.sql"),
    ),
    (
        27,
        "dr_assurance",
        include_str!("../../migrations/postgres/0027_dr_assurance.sql"),
    ),
    (
        28,
        "committee_pack",
        include_str!("../../migrations/postgres/0028_committee_pack.sql"),
    ),
    (
        29,
        "web_desk",
        include_str!("../../migrations/postgres/0029_web_desk.sql"),
    ),
];

impl Backend {
    /// This backend's migrations, in order.
    fn migrations(self) -> &'static [(i64, &'static str, &'static str)] {
        match self {
            Backend::Sqlite => SQLITE_MIGRATIONS,
            Backend::Postgres => POSTGRES_MIGRATIONS,
        }
    }
}

impl Store {
    /// Opens (creating if needed) the store at `url`, applies migrations and
    /// seals into their chains any rows stored before their table was chained.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url).ok_or_else(|| StoreError::Open {
            url: redact(url),
            source: sqlx::Error::Configuration(
                "the URL must start with sqlite: or postgres://".into(),
            ),
        })?;
        let open_err = |source| StoreError::Open {
            url: redact(url),
            source,
        };
        let connect_url = match backend {
            Backend::Sqlite => sqlite_url(url).map_err(open_err)?,
            Backend::Postgres => url.to_string(),
        };
        let slow = slow::level().map_err(|e| open_err(sqlx::Error::Configuration(e.into())))?;
        let options: AnyConnectOptions = connect_url.parse().map_err(open_err)?;
        // Slow statements at debug level unless an operator asks (see `slow`).
        let options = options.log_slow_statements(slow, slow::SLOW_AFTER);
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers (the daemon's HTTP side) work during an
                        // import; NORMAL sync is durable across application crashes.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(open_err)?;
        let store = Store {
            pool,
            backend,
            url: DatabaseUrl(connect_url.into()),
        };
        store.migrate().await?;
        chain::seal::backfill(&store).await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let migrations: Vec<Migration> = self
            .backend
            .migrations()
            .iter()
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
        let migrator = Migrator {
            migrations: Cow::Owned(migrations),
            ..Migrator::DEFAULT
        };
        reworded::accept_old_texts(self).await?;
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// Opens a transaction that will write, taking the store's write lock
    /// first, so write transactions run one at a time on both backends and a
    /// check made inside one (already excused? already issued?) still holds
    /// when it writes. SQLite takes its lock at once (`BEGIN IMMEDIATE`): a
    /// transaction that reads before it writes would otherwise fail with
    /// "database is locked" when another writer committed in between.
    /// PostgreSQL would let both go ahead under READ COMMITTED; a
    /// transaction-scoped advisory lock makes the second wait its turn (up
    /// to `lock_timeout`, as SQLite's `busy_timeout`), whichever process —
    /// a command, either daemon — it comes from.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                tx.execute("SET LOCAL lock_timeout = '30s'").await?;
                // Wrapped in a row the `Any` driver can read (the function
                // returns `void`).
                sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock($1)) AS locked")
                    .bind(WRITE_LOCK)
                    .execute(&mut *tx)
                    .await?;
                Ok(tx)
            }
        }
    }

    /// The pool, for this module's queries.
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The URL it was opened with (SQLite's as rewritten for sqlx).
    pub(crate) fn url(&self) -> &str {
        &self.url.0
    }

    /// Which backend this store is on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Ready when the database answers and every migration is applied.
    pub async fn ready(&self) -> Result<(), StoreError> {
        let applied: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await
                .map_err(failed("checking migrations"))?;
        let expected = self.backend.migrations().len() as i64;
        if applied < expected {
            return Err(StoreError::Corrupt(format!(
                "{applied} of {expected} migrations applied"
            )));
        }
        Ok(())
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Makes sure the SQLite file's folder exists and asks SQLite to create the file.
fn sqlite_url(url: &str) -> Result<String, sqlx::Error> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|p| path != ":memory:" && !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|e| {
            sqlx::Error::Configuration(
                format!("cannot create the folder {}: {e}", parent.display()).into(),
            )
        })?;
    }
    let mode = if query.contains("mode=") {
        String::new()
    } else {
        "mode=rwc".to_string()
    };
    let joined: Vec<&str> = [query, mode.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    Ok(format!("sqlite://{path}?{}", joined.join("&")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every schema change is made on both backends, under the same version
    /// and description.
    #[test]
    fn both_backends_have_the_same_migrations() {
        let names = |list: &[(i64, &'static str, &str)]| -> Vec<(i64, &'static str)> {
            list.iter().map(|&(v, d, _)| (v, d)).collect()
        };
        assert_eq!(names(SQLITE_MIGRATIONS), names(POSTGRES_MIGRATIONS));
    }

    /// A second write transaction waits for the first to finish, on either
    /// backend, instead of running beside it (or failing at once).
    #[tokio::test]
    async fn write_transactions_take_turns() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&crate::store::testing::database_url(
            &dir.path().join("s.db"),
        ))
        .await
        .unwrap();
        let first = store.begin_write().await.unwrap();
        let second = {
            let store = store.clone();
            tokio::spawn(async move {
                let tx = store.begin_write().await.unwrap();
                let got_it = std::time::Instant::now();
                tx.commit().await.unwrap();
                got_it
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        let released = std::time::Instant::now();
        first.commit().await.unwrap();
        let got_it = second.await.unwrap();
        assert!(got_it >= released, "the second writer did not wait");
        store.close().await;
    }

    #[test]
    fn sqlite_urls_create_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/sub/x.db", dir.path().display());
        let out = sqlite_url(&url).unwrap();
        assert!(out.ends_with("/sub/x.db?mode=rwc"), "{out}");
        assert!(dir.path().join("sub").is_dir());
    }
}
