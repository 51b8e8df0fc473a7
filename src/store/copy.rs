//! Copying a whole store to another (`slawatch migrate-store`), between any
//! two backends, and proving the copy is the same.
//!
//! What is copied is [`TABLES`], the one list of what a store holds.
//!
//! Rows are streamed from the source in key order and written in batches of
//! multi-row inserts inside one transaction on the target, so nothing is
//! loaded whole and a failed copy leaves the target as it was. Ids are kept;
//! PostgreSQL's id sequences are then moved past the copied ids.
//!
//! The proof ([`Store::table_digest`]) is a row count and a digest per table
//! computed the same way in Rust on both sides: each row's values are
//! encoded unambiguously and hashed with SHA-256, and the row hashes are
//! added together (256-bit, wrapping). The sum does not depend on the order
//! rows are read in, so it does not trust two engines to sort text and NULLs
//! alike; a row missing, added or changed changes it.

use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use super::tables::Kind::{Bytes, Int, Text};
use super::tables::{TABLES, Table};
use super::{Backend, Store, StoreError, failed};

/// The most bound values in one insert statement (under SQLite's and
/// PostgreSQL's limits, large enough that a batch is hundreds of rows).
const VALUES_PER_INSERT: usize = 4_000;

/// A table's row count and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDigest {
    /// Rows.
    pub rows: i64,
    /// The sum of the rows' SHA-256 hashes, lowercase hex.
    pub digest: String,
}

/// One value as read from a row.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl Table {
    fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|(c, _)| *c)
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn select(&self) -> String {
        format!(
            "SELECT {} FROM {} ORDER BY {}",
            self.column_list(),
            self.name,
            self.order_by
        )
    }

    /// `INSERT INTO t (…) VALUES ($1, …), (…)` for `rows` rows.
    fn insert(&self, rows: usize) -> String {
        let width = self.columns.len();
        let tuples: Vec<String> = (0..rows)
            .map(|r| {
                let params: Vec<String> =
                    (1..=width).map(|c| format!("${}", r * width + c)).collect();
                format!("({})", params.join(", "))
            })
            .collect();
        format!(
            "INSERT INTO {} ({}) VALUES {}",
            self.name,
            self.column_list(),
            tuples.join(", ")
        )
    }

    fn read(&self, row: &AnyRow) -> Result<Vec<Value>, StoreError> {
        self.columns
            .iter()
            .enumerate()
            .map(|(i, (column, kind))| {
                let unreadable =
                    |e: sqlx::Error| StoreError::Corrupt(format!("{}.{column}: {e}", self.name));
                Ok(match kind {
                    Int => row
                        .try_get::<Option<i64>, _>(i)
                        .map_err(unreadable)?
                        .map_or(Value::Null, Value::Int),
                    Text => row
                        .try_get::<Option<String>, _>(i)
                        .map_err(unreadable)?
                        .map_or(Value::Null, Value::Text),
                    Bytes => row
                        .try_get::<Option<Vec<u8>>, _>(i)
                        .map_err(unreadable)?
                        .map_or(Value::Null, Value::Bytes),
                })
            })
            .collect()
    }

    /// Rows per insert statement, keeping its bound values under the limit.
    fn batch_rows(&self) -> usize {
        (VALUES_PER_INSERT / self.columns.len()).max(1)
    }
}

/// Adds one row's hash into the running sum.
fn add_row(sum: &mut [u64; 4], values: &[Value]) {
    let mut hash = Sha256::new();
    for v in values {
        match v {
            Value::Null => hash.update([0u8]),
            Value::Int(n) => {
                hash.update([1u8]);
                hash.update(n.to_le_bytes());
            }
            Value::Text(s) => {
                hash.update([2u8]);
                hash.update((s.len() as u64).to_le_bytes());
                hash.update(s.as_bytes());
            }
            Value::Bytes(b) => {
                hash.update([3u8]);
                hash.update((b.len() as u64).to_le_bytes());
                hash.update(b);
            }
        }
    }
    let bytes = hash.finalize();
    let mut carry = 0u128;
    for (lane, chunk) in sum.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let total = u128::from(*lane) + u128::from(u64::from_le_bytes(word)) + carry;
        *lane = total as u64;
        carry = total >> 64;
    }
}

fn hex_sum(sum: &[u64; 4]) -> String {
    sum.iter().map(|l| format!("{l:016x}")).rev().collect()
}

async fn insert_batch(
    tx: &mut Transaction<'static, Any>,
    table: &Table,
    batch: &[Vec<Value>],
) -> Result<(), StoreError> {
    let sql = table.insert(batch.len());
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for row in batch {
        for (value, (_, kind)) in row.iter().zip(table.columns) {
            // A NULL is bound with its column's type: PostgreSQL refuses a
            // bigint NULL for a text column.
            query = match (value, kind) {
                (Value::Null, Int) => query.bind(None::<i64>),
                (Value::Null, Text) => query.bind(None::<String>),
                (Value::Null, Bytes) => query.bind(None::<Vec<u8>>),
                (Value::Int(n), _) => query.bind(*n),
                (Value::Text(s), _) => query.bind(s.clone()),
                (Value::Bytes(b), _) => query.bind(b.clone()),
            };
        }
    }
    query
        .execute(&mut **tx)
        .await
        .map_err(failed("copying rows into the target store"))?;
    Ok(())
}

impl Store {
    /// Rows in `table`.
    pub async fn count_rows(&self, table: &Table) -> Result<i64, StoreError> {
        sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {}",
            table.name
        )))
        .fetch_one(self.pool())
        .await
        .map_err(failed("counting rows"))
    }

    /// `table`'s row count and digest, read row by row.
    pub async fn table_digest(&self, table: &Table) -> Result<TableDigest, StoreError> {
        use futures_util::TryStreamExt;
        let mut sum = [0u64; 4];
        let mut rows = 0;
        let sql = table.select();
        let mut stream = sqlx::query(AssertSqlSafe(sql)).fetch(self.pool());
        while let Some(row) = stream
            .try_next()
            .await
            .map_err(failed("reading rows to check them"))?
        {
            add_row(&mut sum, &table.read(&row)?);
            rows += 1;
        }
        Ok(TableDigest {
            rows,
            digest: hex_sum(&sum),
        })
    }

    /// Empties every table (PostgreSQL: `TRUNCATE`, which the delete
    /// triggers do not stop, with the id sequences reset). A SQLite target
    /// is replaced by removing its file before it is opened instead.
    pub async fn truncate_all(&self) -> Result<(), StoreError> {
        if self.backend() != Backend::Postgres {
            return Err(StoreError::Corrupt(
                "only a PostgreSQL store is emptied in place".into(),
            ));
        }
        let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        sqlx::query(AssertSqlSafe(format!(
            "TRUNCATE TABLE {} RESTART IDENTITY",
            names.join(", ")
        )))
        .execute(self.pool())
        .await
        .map_err(failed("emptying the target store"))?;
        Ok(())
    }

    /// Copies every row of every table from `self` into `target`, in one
    /// transaction on the target, `progress` called after each table with
    /// its name and the rows copied. The target must be empty.
    pub async fn copy_into(
        &self,
        target: &Store,
        mut progress: impl FnMut(&str, i64),
    ) -> Result<(), StoreError> {
        use futures_util::TryStreamExt;
        let mut tx = target.begin().await?;
        for table in TABLES {
            if table.name == super::revisions::REVISIONS_TABLE {
                // The triggers moved them while the tables above were
                // copied: the source's own are copied instead.
                sqlx::query("DELETE FROM contract_revisions")
                    .execute(&mut *tx)
                    .await
                    .map_err(failed("emptying the copied store's revisions"))?;
            }
            let limit = table.batch_rows();
            let mut batch: Vec<Vec<Value>> = Vec::with_capacity(limit);
            let mut copied = 0;
            let sql = table.select();
            let mut stream = sqlx::query(AssertSqlSafe(sql)).fetch(self.pool());
            while let Some(row) = stream
                .try_next()
                .await
                .map_err(failed("reading rows to copy"))?
            {
                batch.push(table.read(&row)?);
                if batch.len() == limit {
                    insert_batch(&mut tx, table, &batch).await?;
                    copied += batch.len() as i64;
                    batch.clear();
                }
            }
            if !batch.is_empty() {
                insert_batch(&mut tx, table, &batch).await?;
                copied += batch.len() as i64;
            }
            if let (Backend::Postgres, Some(column)) = (target.backend(), table.serial) {
                // The next id after the copied ones (1 on an empty table).
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX({column}) FROM {}), 0) + 1, false)",
                    table.name
                )))
                .bind(table.name)
                .bind(column)
                .execute(&mut *tx)
                .await
                .map_err(failed("moving an id sequence past the copied ids"))?;
            }
            progress(table.name, copied);
        }
        tx.commit()
            .await
            .map_err(failed("committing the copied store"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_ignores_order_and_sees_every_change() {
        let rows = [
            vec![Value::Int(1), Value::Text("a".into()), Value::Null],
            vec![Value::Int(2), Value::Text("b".into()), Value::Int(0)],
        ];
        let (mut forward, mut backward) = ([0u64; 4], [0u64; 4]);
        rows.iter().for_each(|r| add_row(&mut forward, r));
        rows.iter().rev().for_each(|r| add_row(&mut backward, r));
        assert_eq!(forward, backward);
        // NULL, 0 and "" differ; so do "ab","c" and "a","bc".
        let one = |v: Vec<Value>| {
            let mut s = [0u64; 4];
            add_row(&mut s, &v);
            s
        };
        assert_ne!(one(vec![Value::Null]), one(vec![Value::Int(0)]));
        assert_ne!(
            one(vec![Value::Null]),
            one(vec![Value::Text(String::new())])
        );
        assert_ne!(
            one(vec![Value::Text("ab".into()), Value::Text("c".into())]),
            one(vec![Value::Text("a".into()), Value::Text("bc".into())])
        );
        // Bytes differ from the same text, and from each other split differently.
        assert_ne!(
            one(vec![Value::Bytes(b"ab".to_vec())]),
            one(vec![Value::Text("ab".into())])
        );
        assert_ne!(
            one(vec![
                Value::Bytes(b"ab".to_vec()),
                Value::Bytes(b"c".to_vec())
            ]),
            one(vec![
                Value::Bytes(b"a".to_vec()),
                Value::Bytes(b"bc".to_vec())
            ])
        );
    }

    #[test]
    fn inserts_number_their_parameters_row_by_row() {
        let table = &TABLES[1];
        assert_eq!(
            table.insert(2),
            "INSERT INTO rejections (import_id, line, contract, reason, owner) VALUES ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10)"
        );
    }
}
