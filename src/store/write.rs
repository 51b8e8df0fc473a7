//! Idempotent batch writes of imported records (SPEC §3).
//!
//! Records are upserted by their key in multi-row statements. Each row carries
//! a hash of its values: a re-import rewrites only rows whose values changed,
//! so the counts tell a user what a re-import really did (stored, updated,
//! unchanged) and a repeated file never duplicates or churns anything.

use std::collections::HashSet;
use std::fmt::Write as _;

use sqlx::Row as _;

use sqlx::{Any, AssertSqlSafe, Transaction};

use super::{Backend, Store, StoreError, failed};

/// One column value, bound as a parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Param {
    /// An integer (instants, minor units, flags) or NULL.
    Int(Option<i64>),
    /// Text or NULL.
    Text(Option<String>),
}

/// A table records are written to: its key columns and value columns.
#[derive(Debug)]
pub struct Table {
    /// The table name (a fixed identifier, never from input).
    pub name: &'static str,
    /// The columns of its primary key.
    pub keys: &'static [&'static str],
    /// The other columns a record sets.
    pub values: &'static [&'static str],
}

/// Incidents, keyed by contract and id.
pub const INCIDENTS: Table = Table {
    name: "incidents",
    keys: &["contract", "id"],
    values: &[
        "priority",
        "service",
        "opened_at",
        "responded_at",
        "resolved_at",
        "settled_at",
        "title",
        "excused_reason",
    ],
};

/// Holds, keyed by contract, incident and start.
pub const HOLDS: Table = Table {
    name: "holds",
    keys: &["contract", "incident_id", "start_at"],
    values: &["end_at", "reason"],
};

/// Outages, keyed by contract and id.
pub const OUTAGES: Table = Table {
    name: "outages",
    keys: &["contract", "id"],
    values: &[
        "service", "start_at", "end_at", "impact", "planned", "source",
    ],
};

/// Work items, keyed by contract and id.
pub const WORK_ITEMS: Table = Table {
    name: "work_items",
    keys: &["contract", "id"],
    values: &["kind", "opened_at", "change_type", "proactive"],
};

/// Supplier-reported figures, keyed by contract, service level and month.
pub const SUPPLIER_KPIS: Table = Table {
    name: "supplier_kpis",
    keys: &["contract", "service_level", "period"],
    values: &["attainment_units"],
};

/// A record ready to store.
#[derive(Debug, Clone)]
pub struct Row {
    /// Values of the table's key columns, in order.
    pub key: Vec<Param>,
    /// Values of the table's value columns, in order.
    pub values: Vec<Param>,
    /// The line of the file it came from.
    pub line: i64,
}

/// What a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteCounts {
    /// New records.
    pub stored: u64,
    /// Existing records whose values changed.
    pub updated: u64,
    /// Existing records re-imported with the same values.
    pub unchanged: u64,
}

impl WriteCounts {
    /// Adds another write's counts.
    pub fn add(&mut self, other: WriteCounts) {
        self.stored += other.stored;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }
}

/// One import in progress: its bookkeeping row and an open transaction.
pub struct ImportSession {
    /// Always `Some` between calls; empty only inside [`Self::checkpoint`].
    tx: Option<Transaction<'static, Any>>,
    import_id: i64,
    backend: Backend,
}

impl Store {
    /// Records the start of an import of `file` from `source` and opens a transaction.
    pub async fn start_import(
        &self,
        source: &str,
        file: &str,
        now: i64,
    ) -> Result<ImportSession, StoreError> {
        let import_id: i64 = sqlx::query_scalar(
            "INSERT INTO imports (source, file, started_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(source)
        .bind(file)
        .bind(now)
        .fetch_one(self.pool())
        .await
        .map_err(failed("recording an import"))?;
        let tx = self
            .begin_write()
            .await
            .map_err(failed("starting an import transaction"))?;
        Ok(ImportSession {
            tx: Some(tx),
            import_id,
            backend: self.backend(),
        })
    }
}

impl Store {
    /// Records a recoverable cost for `contract`; returns its id.
    pub async fn add_recoverable_cost(
        &self,
        contract: &str,
        cost: &crate::domain::RecoverableCost,
        now: i64,
    ) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "INSERT INTO recoverable_costs (contract, date, amount_minor, description, evidence, breach, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(contract)
        .bind(cost.date.to_string())
        .bind(cost.amount_minor)
        .bind(cost.description.clone())
        .bind(cost.evidence.clone())
        .bind(cost.breach.clone())
        .bind(now)
        .fetch_one(self.pool())
        .await
        .map_err(failed("recording a recoverable cost"))
    }
}

impl ImportSession {
    fn placeholder(&self, n: usize) -> String {
        placeholder(self.backend, n)
    }

    /// Upserts a batch of rows with distinct keys into `table`.
    pub async fn write(
        &mut self,
        table: &Table,
        rows: Vec<Row>,
    ) -> Result<WriteCounts, StoreError> {
        if rows.is_empty() {
            return Ok(WriteCounts::default());
        }
        let total = rows.len() as u64;
        let existing = match self.backend {
            Backend::Sqlite => Some(self.count_existing(table, &rows).await?),
            // PostgreSQL says which rows it inserted (below); a lookup would
            // be planned on the empty table's statistics and scan it.
            Backend::Postgres => None,
        };
        let mut sql = upsert_sql(self.backend, table, rows.len());
        if existing.is_none() {
            // A row the statement inserted has no xmax yet; one it updated
            // carries the lock of the update. Rows left as they were are not
            // returned at all.
            sql.push_str(" RETURNING (xmax = 0)");
        }
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for row in rows {
            let hash = row_hash(&row.values);
            for p in row.key.into_iter().chain(row.values) {
                q = match p {
                    Param::Int(v) => q.bind(v),
                    Param::Text(v) => q.bind(v),
                };
            }
            q = q.bind(self.import_id).bind(row.line).bind(hash);
        }
        let Some(existing) = existing else {
            let written = q
                .fetch_all(&mut **self.tx()?)
                .await
                .map_err(failed("storing records"))?;
            let mut stored = 0;
            for row in &written {
                if row
                    .try_get::<bool, _>(0)
                    .map_err(failed("reading what was stored"))?
                {
                    stored += 1;
                }
            }
            let changed = written.len() as u64;
            return Ok(WriteCounts {
                stored,
                updated: changed - stored,
                unchanged: total - changed,
            });
        };
        let changed = q
            .execute(&mut **self.tx()?)
            .await
            .map_err(failed("storing records"))?
            .rows_affected();
        let stored = total - existing;
        let updated = changed.saturating_sub(stored);
        Ok(WriteCounts {
            stored,
            updated,
            unchanged: existing - updated,
        })
    }

    /// How many of `rows` already exist. Looked up per first key (the
    /// contract) with `IN` on the second, which uses the primary-key index
    /// (a row-value `IN (VALUES …)` would scan the table), and matched on the
    /// whole key here.
    async fn count_existing(&mut self, table: &Table, rows: &[Row]) -> Result<u64, StoreError> {
        // A file rarely holds more than a few contracts: a list beats a map.
        let mut groups: Vec<(&Param, Vec<&Row>)> = Vec::new();
        for row in rows {
            match groups.iter_mut().find(|(first, _)| *first == &row.key[0]) {
                Some((_, group)) => group.push(row),
                None => groups.push((&row.key[0], vec![row])),
            }
        }
        let mut existing = 0;
        for (first, group) in groups {
            let mut sql = format!(
                "SELECT {} FROM {} WHERE {} = {} AND {} IN (",
                table.keys.join(", "),
                table.name,
                table.keys[0],
                self.placeholder(1),
                table.keys[1]
            );
            for i in 0..group.len() {
                sql.push_str(if i == 0 { "" } else { ", " });
                sql.push_str(&self.placeholder(i + 2));
            }
            sql.push(')');
            let mut q = bind(sqlx::query(AssertSqlSafe(sql)), first);
            for row in &group {
                q = bind(q, &row.key[1]);
            }
            let found = q
                .fetch_all(&mut **self.tx()?)
                .await
                .map_err(failed("looking up existing records"))?;
            if found.is_empty() {
                continue;
            }
            let wanted: HashSet<&[Param]> = group.iter().map(|r| r.key.as_slice()).collect();
            let template = &group[0].key;
            for r in &found {
                let key = template
                    .iter()
                    .enumerate()
                    .map(|(i, kind)| match kind {
                        Param::Int(_) => r.try_get::<Option<i64>, _>(i).map(Param::Int),
                        Param::Text(_) => r.try_get::<Option<String>, _>(i).map(Param::Text),
                    })
                    .collect::<Result<Vec<Param>, _>>()
                    .map_err(failed("reading existing keys"))?;
                if wanted.contains(key.as_slice()) {
                    existing += 1;
                }
            }
        }
        Ok(existing)
    }

    /// Records a rejected row.
    pub async fn reject(
        &mut self,
        line: i64,
        contract: Option<&str>,
        reason: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO rejections (import_id, line, contract, reason) VALUES ($1, $2, $3, $4)",
        )
        .bind(self.import_id)
        .bind(line)
        .bind(contract.map(str::to_string))
        .bind(reason.to_string())
        .execute(&mut **self.tx()?)
        .await
        .map_err(failed("recording a rejected row"))?;
        Ok(())
    }

    /// Commits what is written so far and carries on in a new transaction,
    /// so a long import keeps the write-ahead log small and loses nothing
    /// stored before a crash.
    pub async fn checkpoint(&mut self, store: &Store) -> Result<(), StoreError> {
        // Commit first: a new write transaction would wait for this one's lock.
        if let Some(done) = self.tx.take() {
            done.commit()
                .await
                .map_err(failed("committing imported records"))?;
        }
        let next = store
            .begin_write()
            .await
            .map_err(failed("starting an import transaction"))?;
        self.tx = Some(next);
        Ok(())
    }

    fn tx(&mut self) -> Result<&mut Transaction<'static, Any>, StoreError> {
        self.tx.as_mut().ok_or_else(|| {
            StoreError::Corrupt("the import's transaction was lost at a checkpoint".into())
        })
    }

    /// Commits and records the import's totals.
    pub async fn finish(
        mut self,
        counts: WriteCounts,
        rejected: u64,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE imports SET finished_at = $1, stored = $2, updated = $3, unchanged = $4, rejected = $5 WHERE id = $6",
        )
        .bind(now)
        .bind(counts.stored as i64)
        .bind(counts.updated as i64)
        .bind(counts.unchanged as i64)
        .bind(rejected as i64)
        .bind(self.import_id)
        .execute(&mut **self.tx()?)
        .await
        .map_err(failed("recording an import's totals"))?;
        match self.tx.take() {
            Some(tx) => tx
                .commit()
                .await
                .map_err(failed("committing imported records")),
            None => Err(StoreError::Corrupt(
                "the import's transaction was lost at a checkpoint".into(),
            )),
        }
    }
}

type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>;

fn bind<'q>(q: AnyQuery<'q>, p: &Param) -> AnyQuery<'q> {
    match p {
        Param::Int(v) => q.bind(*v),
        Param::Text(v) => q.bind(v.clone()),
    }
}

/// The `n`-th bound parameter. SQLite gets plain `?` (bound in order): sqlx
/// looks up every named or numbered parameter by a linear scan, which makes a
/// statement with thousands of `$n` quadratic. PostgreSQL needs `$n`.
fn placeholder(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_string(),
        Backend::Postgres => format!("${n}"),
    }
}

/// `INSERT … ON CONFLICT (key) DO UPDATE … WHERE the values changed`, for
/// `rows` rows. Only fixed identifiers and numbered placeholders go in.
fn upsert_sql(backend: Backend, table: &Table, rows: usize) -> String {
    let columns: Vec<&str> = table
        .keys
        .iter()
        .chain(table.values)
        .copied()
        .chain(["import_id", "line", "row_hash"])
        .collect();
    let mut sql = format!(
        "INSERT INTO {} ({}) VALUES ",
        table.name,
        columns.join(", ")
    );
    let mut n = 0;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns.len() {
            n += 1;
            sql.push_str(if c == 0 { "" } else { ", " });
            sql.push_str(&placeholder(backend, n));
        }
        sql.push(')');
    }
    let _ = write!(
        sql,
        " ON CONFLICT ({}) DO UPDATE SET ",
        table.keys.join(", ")
    );
    let updates: Vec<String> = table
        .values
        .iter()
        .copied()
        .chain(["import_id", "line", "row_hash"])
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    sql.push_str(&updates.join(", "));
    let _ = write!(sql, " WHERE {}.row_hash <> excluded.row_hash", table.name);
    sql
}

/// A stable 64-bit FNV-1a hash of a row's values.
fn row_hash(values: &[Param]) -> i64 {
    params_hash(values) as i64
}

/// A stable 64-bit FNV-1a hash of a list of values (the same on every
/// platform and run, unlike the standard library's seeded hasher).
pub fn params_hash(values: &[Param]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(PRIME);
        }
    };
    for v in values {
        match v {
            Param::Int(None) | Param::Text(None) => feed(&[0]),
            Param::Int(Some(i)) => {
                feed(&[1]);
                feed(&i.to_le_bytes());
            }
            Param::Text(Some(s)) => {
                feed(&[2]);
                feed(&(s.len() as u64).to_le_bytes());
                feed(s.as_bytes());
            }
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upsert_sql_numbers_every_placeholder() {
        let sql = upsert_sql(Backend::Postgres, &SUPPLIER_KPIS, 2);
        assert!(sql.starts_with(
            "INSERT INTO supplier_kpis (contract, service_level, period, attainment_units, import_id, line, row_hash) VALUES ($1, $2, $3, $4, $5, $6, $7), ($8, $9, $10, $11, $12, $13, $14)"
        ), "{sql}");
        assert!(sql.ends_with("WHERE supplier_kpis.row_hash <> excluded.row_hash"));
    }

    #[test]
    fn row_hash_tells_null_from_empty_and_order_matters() {
        let a = row_hash(&[Param::Text(None), Param::Text(Some(String::new()))]);
        let b = row_hash(&[Param::Text(Some(String::new())), Param::Text(None)]);
        assert_ne!(a, b);
        assert_eq!(
            a,
            row_hash(&[Param::Text(None), Param::Text(Some(String::new()))])
        );
    }
}

#[cfg(test)]
mod checkpoint_tests {
    use super::*;

    fn incident(id: &str, line: i64) -> Row {
        Row {
            key: vec![
                Param::Text(Some("acme".into())),
                Param::Text(Some(id.into())),
            ],
            values: vec![
                Param::Text(Some("P1".into())),
                Param::Text(None),
                Param::Int(Some(1_000)),
                Param::Int(None),
                Param::Int(None),
                Param::Int(None),
                Param::Text(None),
                Param::Text(None),
            ],
            line,
        }
    }

    /// A long import commits in steps: the next step's write transaction
    /// must not wait on the previous one's lock (SQLite `BEGIN IMMEDIATE`).
    #[tokio::test]
    async fn an_import_carries_on_after_a_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&crate::store::testing::database_url(
            &dir.path().join("s.db"),
        ))
        .await
        .unwrap();
        let mut session = store.start_import("test", "big.csv", 1).await.unwrap();
        let first = session
            .write(&INCIDENTS, vec![incident("A", 2)])
            .await
            .unwrap();
        session.checkpoint(&store).await.unwrap();
        let second = session
            .write(&INCIDENTS, vec![incident("B", 3), incident("A", 4)])
            .await
            .unwrap();
        let mut changed = incident("B", 5);
        changed.values[0] = Param::Text(Some("P2".into()));
        let third = session
            .write(
                &INCIDENTS,
                vec![incident("C", 5), changed, incident("A", 6)],
            )
            .await
            .unwrap();
        session.finish(WriteCounts::default(), 0, 4).await.unwrap();
        let counts = |c: WriteCounts| (c.stored, c.updated, c.unchanged);
        assert_eq!(counts(first), (1, 0, 0));
        assert_eq!(counts(second), (1, 0, 1));
        assert_eq!(counts(third), (1, 1, 1));
    }
}
