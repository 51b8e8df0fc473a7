//! PostgreSQL's bulk path for an import's batches: each batch's rows are
//! streamed with `COPY … FROM STDIN` into a staging table, then upserted
//! from it in one `INSERT … SELECT … ON CONFLICT` in the import's
//! transaction. `COPY` parses a plain text stream instead of thousands of
//! bound parameters per statement. Batches smaller than [`COPY_FROM_ROWS`]
//! keep the bound parameters.
//!
//! The import's transaction runs on sqlx's `Any` driver, which cannot
//! issue `COPY`; so the rows go through a second connection of the import's
//! own. A `TEMP` table would be invisible to the import's transaction: the
//! staging tables are ordinary `UNLOGGED` tables (nothing of them needs to
//! survive a crash), one per evidence table and import, named
//! `import_staging_<import>_<table>`. The import's transaction reads each
//! batch once it is committed on the staging connection (read committed).
//! They are emptied at each checkpoint, once the transaction that read
//! them has committed, and dropped when the import finishes. The staging
//! connection holds an advisory lock on its import for as long as it lives,
//! so the next import can tell a staging table left by a crashed import
//! (nobody holds its lock) from one still in use, and drops it.

use std::fmt::Write as _;
use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Executor};

use super::write::{Param, Row, Table};
use super::{StoreError, failed, slow};

/// The first half of the advisory lock key (`'stag'` in ASCII); the second
/// is the import's id. Two-key locks never meet the leader's one-key lock.
const LOCK_CLASS: i32 = 0x7374_6167;

/// The fewest rows a batch goes through `COPY` with: below it, setting up
/// the staging connection and table (a connection, a table and an index,
/// for a daemon's import of a few new records) costs more than binding the
/// rows as parameters.
pub(super) const COPY_FROM_ROWS: usize = 100;

/// What staging tables' names start with.
const PREFIX: &str = "import_staging_";

/// An import's staging connection and the staging tables it made.
pub(super) struct Staging {
    conn: PgConnection,
    import_id: i64,
    /// The evidence tables staged so far.
    tables: Vec<&'static str>,
    /// The last batch number given.
    batch: i64,
}

impl Staging {
    /// Opens the staging connection of import `import_id` on the database
    /// at `url`, and drops staging tables that crashed imports left behind.
    pub(super) async fn open(url: &str, import_id: i64) -> Result<Staging, StoreError> {
        let level = slow::level().map_err(|e| StoreError::Open {
            url: crate::config::database_url::redact(url),
            source: sqlx::Error::Configuration(e.into()),
        })?;
        let options = PgConnectOptions::from_str(url)
            .map_err(|source| StoreError::Open {
                url: crate::config::database_url::redact(url),
                source,
            })?
            .log_slow_statements(level, slow::SLOW_AFTER);
        let mut conn = options.connect().await.map_err(|source| StoreError::Open {
            url: crate::config::database_url::redact(url),
            source,
        })?;
        sqlx::query("SELECT pg_advisory_lock($1, $2)")
            .bind(LOCK_CLASS)
            .bind(lock_id(import_id))
            .execute(&mut conn)
            .await
            .map_err(failed("locking an import's staging tables"))?;
        let mut staging = Staging {
            conn,
            import_id,
            tables: Vec::new(),
            batch: 0,
        };
        staging.sweep().await?;
        Ok(staging)
    }

    /// Drops the staging tables of imports whose connection is gone.
    async fn sweep(&mut self) -> Result<(), StoreError> {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() AND starts_with(tablename, $1)",
        )
        .bind(PREFIX)
        .fetch_all(&mut self.conn)
        .await
        .map_err(failed("listing staging tables"))?;
        for name in names {
            let Some(id) = staged_import(&name) else {
                continue;
            };
            if id == self.import_id {
                continue;
            }
            let free: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
                .bind(LOCK_CLASS)
                .bind(lock_id(id))
                .fetch_one(&mut self.conn)
                .await
                .map_err(failed("checking a staging table's import"))?;
            if !free {
                continue;
            }
            // The name is checked above to be the prefix, digits and a table name.
            self.conn
                .execute(AssertSqlSafe(format!("DROP TABLE IF EXISTS {name}")))
                .await
                .map_err(failed("dropping a crashed import's staging table"))?;
            sqlx::query("SELECT pg_advisory_unlock($1, $2)")
                .bind(LOCK_CLASS)
                .bind(lock_id(id))
                .execute(&mut self.conn)
                .await
                .map_err(failed("checking a staging table's import"))?;
        }
        Ok(())
    }

    /// Streams `rows` (with their row hashes) into `table`'s staging table
    /// as a new batch; returns the staging table's name and the batch's number.
    pub(super) async fn load(
        &mut self,
        table: &'static Table,
        rows: &[(Row, i64)],
    ) -> Result<(String, i64), StoreError> {
        let name = self.name(table);
        if !self.tables.contains(&table.name) {
            // Columns typed as the evidence table's, plus the batch; the
            // index keeps a batch's read from scanning earlier batches.
            let sql = format!(
                "CREATE UNLOGGED TABLE {name} AS SELECT 0::bigint AS batch, {} FROM {} WITH NO DATA; \
                 CREATE INDEX ON {name} (batch)",
                staged_columns(table).join(", "),
                table.name
            );
            self.conn
                .execute(AssertSqlSafe(sql))
                .await
                .map_err(failed("creating an import's staging table"))?;
            self.tables.push(table.name);
        }
        self.batch += 1;
        let mut data = String::with_capacity(rows.len() * 128);
        for (row, hash) in rows {
            let _ = write!(data, "{}", self.batch);
            for p in row.key.iter().chain(&row.values) {
                data.push('\t');
                copy_value(&mut data, p);
            }
            let _ = writeln!(data, "\t{}\t{}", row.line, hash);
        }
        let statement = format!(
            "COPY {name} (batch, {}) FROM STDIN",
            staged_columns(table).join(", ")
        );
        let mut copy = self
            .conn
            .copy_in_raw(&statement)
            .await
            .map_err(failed("staging imported records"))?;
        if let Err(e) = copy.send(data.into_bytes()).await {
            // The connection is unusable until the copy is ended.
            let _ = copy.abort("sending failed").await;
            return Err(failed("staging imported records")(e));
        }
        copy.finish()
            .await
            .map_err(failed("staging imported records"))?;
        Ok((name, self.batch))
    }

    /// Empties the staging tables: only once the transaction that read
    /// them has committed (its lock on them would make this wait forever).
    pub(super) async fn clear(&mut self) -> Result<(), StoreError> {
        for table in &self.tables {
            let name = format!("{PREFIX}{}_{table}", self.import_id);
            self.conn
                .execute(AssertSqlSafe(format!("TRUNCATE {name}")))
                .await
                .map_err(failed("emptying an import's staging table"))?;
        }
        Ok(())
    }

    /// Drops the staging tables and closes the connection, once the
    /// import's transaction has committed.
    pub(super) async fn close(mut self) -> Result<(), StoreError> {
        for table in &self.tables {
            let name = format!("{PREFIX}{}_{table}", self.import_id);
            self.conn
                .execute(AssertSqlSafe(format!("DROP TABLE IF EXISTS {name}")))
                .await
                .map_err(failed("dropping an import's staging table"))?;
        }
        self.conn
            .close()
            .await
            .map_err(failed("closing an import's staging connection"))
    }

    fn name(&self, table: &Table) -> String {
        format!("{PREFIX}{}_{}", self.import_id, table.name)
    }
}

/// The import's id as the second half of its lock key (ids past 2³¹ wrap,
/// which only matters for two imports 2³¹ apart running at once).
fn lock_id(import_id: i64) -> i32 {
    import_id as i32
}

/// The import a staging table's name belongs to, if it is one of ours.
fn staged_import(name: &str) -> Option<i64> {
    let rest = name.strip_prefix(PREFIX)?;
    let (id, table) = rest.split_once('_')?;
    let ours = table.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    if !ours || table.is_empty() {
        return None;
    }
    id.parse().ok()
}

/// The columns a staging table holds besides the batch: the evidence
/// table's keys and values, the line and the row hash (the owner, import
/// and instant are the same for the whole import and are bound instead).
fn staged_columns(table: &Table) -> Vec<&'static str> {
    table
        .keys
        .iter()
        .chain(table.values)
        .copied()
        .chain(["line", "row_hash"])
        .collect()
}

/// `INSERT … SELECT` of batch `$4` of staging table `staging` into `table`,
/// as import `$1` by owner `$2` received at `$3`, updating only records
/// whose values changed. Only fixed identifiers go in.
pub(super) fn upsert_sql(table: &Table, staging: &str) -> String {
    let columns: Vec<&str> = table.keys.iter().chain(table.values).copied().collect();
    format!(
        "INSERT INTO {} ({}) SELECT {}, $1::bigint, line, row_hash, $2::text, $3::bigint FROM {staging} WHERE batch = $4{}",
        table.name,
        super::write::stored_columns(table).join(", "),
        columns.join(", "),
        super::write::on_conflict(table),
    )
}

/// Appends one value in `COPY`'s text format: `\N` for NULL; a backslash,
/// tab, newline or carriage return escaped, as they would otherwise end a
/// value or a row.
fn copy_value(out: &mut String, p: &Param) {
    match p {
        Param::Int(Some(i)) => {
            let _ = write!(out, "{i}");
        }
        Param::Int(None) | Param::Text(None) => out.push_str("\\N"),
        Param::Text(Some(s)) => {
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> String {
        let mut out = String::new();
        copy_value(&mut out, &Param::Text(Some(s.into())));
        out
    }

    #[test]
    fn copy_text_escapes_what_would_end_a_value() {
        assert_eq!(text("a\tb"), "a\\tb");
        assert_eq!(text("a\nb\r"), "a\\nb\\r");
        assert_eq!(text("C:\\N"), "C:\\\\N");
        assert_eq!(text(""), "");
        assert_eq!(text("é \"q\" ,"), "é \"q\" ,");
        let mut null = String::new();
        copy_value(&mut null, &Param::Text(None));
        assert_eq!(null, "\\N");
    }

    #[test]
    fn staging_tables_are_told_by_name() {
        assert_eq!(staged_import("import_staging_12_incidents"), Some(12));
        assert_eq!(staged_import("import_staging_3_work_items"), Some(3));
        assert_eq!(staged_import("import_staging_x_incidents"), None);
        assert_eq!(staged_import("import_staging_3_Bad;drop"), None);
        assert_eq!(staged_import("incidents"), None);
    }
}

#[cfg(test)]
mod postgres_tests {
    use super::super::Store;
    use super::super::write::{INCIDENTS, Param, Row, WriteCounts, Writer};
    use super::COPY_FROM_ROWS;
    use crate::store::testing;

    /// An incident's id, service, title and excused reason as read back.
    type Stored = (String, Option<String>, Option<String>, Option<String>);

    /// Texts that `COPY`'s text format must escape or must not mangle.
    const AWKWARD: &[Option<&str>] = &[
        Some("tab\there"),
        Some("line\nbreak\r\nand a carriage return\r"),
        Some("back\\slash, \\N, \\t and \\."),
        Some("\\."),
        Some("\\N"),
        Some("\"double\" and 'single' quotes, a comma,"),
        Some("unicode: é ß 漢字 🙂 \u{2028}"),
        Some(""),
        None,
    ];

    fn row(n: usize, title: Option<&str>) -> Row {
        let text = |t: Option<&str>| Param::Text(t.map(str::to_string));
        Row {
            key: vec![text(Some("acme")), text(Some(&format!("I{n}")))],
            values: vec![
                text(Some("P1")),
                // Empty and missing must stay apart in another column too.
                text(if n.is_multiple_of(2) { Some("") } else { None }),
                Param::Int(Some(1_000 + n as i64)),
                Param::Int(None),
                Param::Int(None),
                Param::Int(None),
                text(title),
                text(title),
            ],
            line: n as i64 + 2,
        }
    }

    /// Awkward text goes through `COPY` and the staging table and reads
    /// back byte for byte; a re-import finds every record unchanged, and
    /// the staging tables (its own, and a crashed import's) are gone once
    /// the import finishes.
    #[tokio::test]
    async fn awkward_text_is_stored_through_copy_as_it_was() {
        if !testing::postgres_or_skip("awkward_text_is_stored_through_copy_as_it_was") {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&testing::database_url(&dir.path().join("s.db")))
            .await
            .unwrap();
        // What an import that crashed would leave behind: nobody holds its lock.
        sqlx::query("CREATE UNLOGGED TABLE import_staging_999999_incidents (batch BIGINT)")
            .execute(store.pool())
            .await
            .unwrap();
        // Enough rows for the batch to go through `COPY`.
        let rows: Vec<Row> = (0..12 * AWKWARD.len())
            .map(|n| row(n, AWKWARD[n % AWKWARD.len()]))
            .collect();
        assert!(rows.len() >= COPY_FROM_ROWS);
        let counts = |c: WriteCounts| (c.stored, c.updated, c.unchanged);
        let mut session = store
            .start_import(Writer::source("test"), "awkward.csv", 1)
            .await
            .unwrap();
        let first = session.write(&INCIDENTS, rows.clone()).await.unwrap();
        session.finish(first, 0, 2).await.unwrap();
        assert_eq!(counts(first), (108, 0, 0));

        let stored: Vec<Stored> = sqlx::query_as(
            "SELECT id, service, title, excused_reason FROM incidents ORDER BY opened_at",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        let expected: Vec<Stored> = (0..rows.len())
            .map(|n| {
                let t = AWKWARD[n % AWKWARD.len()];
                let service = if n.is_multiple_of(2) {
                    Some(String::new())
                } else {
                    None
                };
                let t = t.map(str::to_string);
                (format!("I{n}"), service, t.clone(), t)
            })
            .collect();
        assert_eq!(stored, expected);

        let mut session = store
            .start_import(Writer::source("test"), "awkward.csv", 3)
            .await
            .unwrap();
        let mut changed = rows.clone();
        changed[0].values[6] = Param::Text(Some("tab\there\t".into()));
        let again = session.write(&INCIDENTS, changed).await.unwrap();
        session.finish(again, 0, 4).await.unwrap();
        assert_eq!(counts(again), (0, 1, 107));

        let left: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_tables WHERE starts_with(tablename, 'import_staging_')",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(left, 0);
    }
}
