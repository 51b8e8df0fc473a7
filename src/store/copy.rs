//! Copying a whole store to another (`slawatch migrate-store`), between any
//! two backends, and proving the copy is the same.
//!
//! [`TABLES`] is the one list of what a store holds: every table with its
//! columns, in an order where a row's references are copied before it. A
//! unit test checks it against the schema, so a table or column added by a
//! migration without being listed here fails the build's tests.
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

use super::{Backend, Store, StoreError, failed};

/// How a column's values are read and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A 64-bit integer (instants, money, counts, flags).
    Int,
    /// Text.
    Text,
}

/// One table of the store.
#[derive(Debug)]
pub struct Table {
    /// Its name.
    pub name: &'static str,
    /// Its columns, in schema order.
    pub columns: &'static [(&'static str, Kind)],
    /// The key the rows are read in (every column where there is no key).
    pub order_by: &'static str,
    /// The column PostgreSQL fills from a sequence, if any.
    pub serial: Option<&'static str>,
}

use Kind::{Int, Text};

/// Every table of the store, references first.
pub const TABLES: &[Table] = &[
    Table {
        name: "imports",
        columns: &[
            ("id", Int),
            ("source", Text),
            ("file", Text),
            ("started_at", Int),
            ("finished_at", Int),
            ("stored", Int),
            ("updated", Int),
            ("unchanged", Int),
            ("rejected", Int),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "rejections",
        columns: &[
            ("import_id", Int),
            ("line", Int),
            ("contract", Text),
            ("reason", Text),
        ],
        order_by: "import_id, line, contract, reason",
        serial: None,
    },
    Table {
        name: "incidents",
        columns: &[
            ("contract", Text),
            ("id", Text),
            ("priority", Text),
            ("service", Text),
            ("opened_at", Int),
            ("responded_at", Int),
            ("resolved_at", Int),
            ("settled_at", Int),
            ("title", Text),
            ("excused_reason", Text),
            ("import_id", Int),
            ("line", Int),
            ("row_hash", Int),
        ],
        order_by: "contract, id",
        serial: None,
    },
    Table {
        name: "holds",
        columns: &[
            ("contract", Text),
            ("incident_id", Text),
            ("start_at", Int),
            ("end_at", Int),
            ("reason", Text),
            ("import_id", Int),
            ("line", Int),
            ("row_hash", Int),
        ],
        order_by: "contract, incident_id, start_at",
        serial: None,
    },
    Table {
        name: "outages",
        columns: &[
            ("contract", Text),
            ("id", Text),
            ("service", Text),
            ("start_at", Int),
            ("end_at", Int),
            ("impact", Text),
            ("planned", Int),
            ("source", Text),
            ("import_id", Int),
            ("line", Int),
            ("row_hash", Int),
        ],
        order_by: "contract, id",
        serial: None,
    },
    Table {
        name: "work_items",
        columns: &[
            ("contract", Text),
            ("id", Text),
            ("kind", Text),
            ("opened_at", Int),
            ("change_type", Text),
            ("proactive", Int),
            ("import_id", Int),
            ("line", Int),
            ("row_hash", Int),
        ],
        order_by: "contract, id",
        serial: None,
    },
    Table {
        name: "supplier_kpis",
        columns: &[
            ("contract", Text),
            ("service_level", Text),
            ("period", Text),
            ("attainment_units", Int),
            ("import_id", Int),
            ("line", Int),
            ("row_hash", Int),
        ],
        order_by: "contract, service_level, period",
        serial: None,
    },
    Table {
        name: "recoverable_costs",
        columns: &[
            ("id", Int),
            ("contract", Text),
            ("date", Text),
            ("amount_minor", Int),
            ("description", Text),
            ("evidence", Text),
            ("breach", Text),
            ("created_at", Int),
            ("removed_at", Int),
            ("breach_kind", Text),
            ("breach_period", Text),
            ("created_by", Text),
            ("removed_by", Text),
            ("removed_reason", Text),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "outbox",
        columns: &[
            ("id", Int),
            ("dedup_key", Text),
            ("kind", Text),
            ("severity", Text),
            ("contract", Text),
            ("recipients", Text),
            ("subject", Text),
            ("body_text", Text),
            ("body_html", Text),
            ("digest", Int),
            ("created_at", Int),
            ("attempts", Int),
            ("next_attempt_at", Int),
            ("last_error", Text),
            ("sent_at", Int),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "incident_stages",
        columns: &[
            ("contract", Text),
            ("incident_id", Text),
            ("service_level", Text),
            ("stage", Text),
            ("deadline", Int),
            ("updated_at", Int),
        ],
        order_by: "contract, incident_id, service_level",
        serial: None,
    },
    Table {
        name: "level_stages",
        columns: &[
            ("contract", Text),
            ("service_level", Text),
            ("service", Text),
            ("period", Text),
            ("stage", Text),
            ("updated_at", Int),
        ],
        order_by: "contract, service_level, service, period",
        serial: None,
    },
    Table {
        name: "source_state",
        columns: &[
            ("source", Text),
            ("scope", Text),
            ("watermark", Text),
            ("last_attempt_at", Int),
            ("last_success_at", Int),
            ("last_error", Text),
            ("consecutive_failures", Int),
        ],
        order_by: "source, scope",
        serial: None,
    },
    Table {
        name: "inbox_files",
        columns: &[
            ("source", Text),
            ("sha256", Text),
            ("file", Text),
            ("import_id", Int),
            ("rejected", Int),
            ("taken_at", Int),
        ],
        order_by: "source, sha256",
        serial: None,
    },
    Table {
        name: "probe_state",
        columns: &[
            ("source", Text),
            ("consecutive_failures", Int),
            ("consecutive_successes", Int),
            ("first_failure_at", Int),
            ("open_outage_id", Text),
            ("last_checked_at", Int),
            ("last_result", Text),
        ],
        order_by: "source",
        serial: None,
    },
    Table {
        name: "supplier_sla_verdicts",
        columns: &[
            ("contract", Text),
            ("sys_id", Text),
            ("source", Text),
            ("incident_id", Text),
            ("sla_name", Text),
            ("stage", Text),
            ("has_breached", Int),
            ("start_at", Int),
            ("end_at", Int),
            ("planned_end_at", Int),
            ("business_duration_seconds", Int),
            ("pause_duration_seconds", Int),
            ("updated_at", Int),
        ],
        order_by: "contract, sys_id",
        serial: None,
    },
    Table {
        name: "excusals",
        columns: &[
            ("id", Int),
            ("contract", Text),
            ("kind", Text),
            ("subject", Text),
            ("period", Text),
            ("reason", Text),
            ("created_by", Text),
            ("created_at", Int),
            ("revoked_by", Text),
            ("revoked_at", Int),
            ("revoke_reason", Text),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "disputes",
        columns: &[
            ("id", Int),
            ("contract", Text),
            ("kind", Text),
            ("subject", Text),
            ("period", Text),
            ("note", Text),
            ("status", Text),
            ("opened_by", Text),
            ("opened_at", Int),
            ("resolved_by", Text),
            ("resolved_at", Int),
            ("resolution_note", Text),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "audit",
        columns: &[
            ("id", Int),
            ("contract", Text),
            ("at", Int),
            ("actor", Text),
            ("action", Text),
            ("kind", Text),
            ("subject", Text),
            ("period", Text),
            ("detail", Text),
            ("reason", Text),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "commitments",
        columns: &[
            ("contract", Text),
            ("id", Text),
            ("name", Text),
            ("category", Text),
            ("owner", Text),
            ("due", Text),
            ("every", Text),
            ("first_month", Text),
            ("calendar", Text),
            ("delay_payment_per_day", Text),
            ("created_by", Text),
            ("created_at", Int),
        ],
        order_by: "contract, id",
        serial: None,
    },
    Table {
        name: "commitment_events",
        columns: &[
            ("id", Int),
            ("contract", Text),
            ("commitment", Text),
            ("occurrence", Text),
            ("action", Text),
            ("on_date", Text),
            ("evidence", Text),
            ("person", Text),
            ("reason", Text),
            ("recorded_by", Text),
            ("recorded_at", Int),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "issued_reports",
        columns: &[
            ("contract", Text),
            ("period", Text),
            ("version", Int),
            ("issued_at", Int),
            ("sha256", Text),
            ("json", Text),
        ],
        order_by: "contract, period, version",
        serial: None,
    },
];

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
                (Value::Int(n), _) => query.bind(*n),
                (Value::Text(s), _) => query.bind(s.clone()),
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
    }

    #[test]
    fn inserts_number_their_parameters_row_by_row() {
        let table = &TABLES[1];
        assert_eq!(
            table.insert(2),
            "INSERT INTO rejections (import_id, line, contract, reason) VALUES ($1, $2, $3, $4), ($5, $6, $7, $8)"
        );
    }

    /// The list above is the schema: every table and column the migrations
    /// create, and nothing else.
    #[tokio::test]
    async fn the_table_list_matches_the_schema() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/s.db", dir.path().display());
        let store = Store::open(&url).await.unwrap();
        let mut tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table'
               AND name NOT IN ('sqlite_sequence', '_sqlx_migrations') ORDER BY name",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        let mut listed: Vec<String> = TABLES.iter().map(|t| t.name.to_string()).collect();
        listed.sort();
        tables.sort();
        assert_eq!(listed, tables);
        for table in TABLES {
            let columns: Vec<(String, String)> = sqlx::query_as(AssertSqlSafe(format!(
                "SELECT name, type FROM pragma_table_info('{}') ORDER BY cid",
                table.name
            )))
            .fetch_all(store.pool())
            .await
            .unwrap();
            let expected: Vec<(String, String)> = table
                .columns
                .iter()
                .map(|(c, k)| {
                    let ty = match k {
                        Int => "INTEGER",
                        Text => "TEXT",
                    };
                    (c.to_string(), ty.to_string())
                })
                .collect();
            assert_eq!(columns, expected, "columns of {}", table.name);
        }
    }
}
