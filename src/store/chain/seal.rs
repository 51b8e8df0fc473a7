//! Sealing new rows into their chain ([`seal`]), and the one-time backfill
//! of rows stored before their table was chained (`backfill`, run when the
//! store is opened).

use std::collections::HashSet;

use futures_util::TryStreamExt;
use sqlx::{Any, AssertSqlSafe, Transaction};

use super::super::write::Param;
use super::super::{Store, StoreError, failed};
use super::Head;
use super::hash::{GENESIS, LinkFields, link_hash, row_hash, row_key};
use super::registry::ChainedTable;

/// One new row to seal.
#[derive(Debug, Clone, Copy)]
pub struct NewRow<'a> {
    /// Its primary key's values, in the order of [`ChainedTable::key`].
    pub key: &'a [Param],
    /// Its other values, in the order of [`ChainedTable::content`]; a
    /// [`super::Kind::Bytes`] column as [`super::bytes_param`] of its bytes.
    pub content: &'a [Param],
}

/// A row ready to be linked: its key as stored in the link, and its hash.
struct Hashed {
    row_key: String,
    row_hash: String,
}

/// Links per insert statement (seven bound values each).
const LINKS_PER_INSERT: usize = 100;

/// Seals `rows`, new rows of `table` that all belong to `contract`, inside
/// `tx`, the write transaction that inserted them: one link per row, in the
/// order given, after the chain's current head. Reads and locks the head
/// once (two writers on one PostgreSQL database take turns on it), writes
/// the links, moves the head once, and returns the new head. Nothing is
/// written for no rows.
///
/// Call it after inserting the rows and before committing; a row that was
/// not inserted (`ON CONFLICT DO NOTHING`) must not be passed. If `tx` is
/// rolled back, the links go with it.
///
/// # Errors
/// [`StoreError::Seal`] when `table` is not listed in [`super::CHAINED`] (or
/// differs from its entry there), or a row's values do not fit its columns
/// in number and kind; [`StoreError::Query`] when a statement fails (a row
/// sealed twice breaks the unique index on its key).
pub async fn seal(
    tx: &mut Transaction<'static, Any>,
    table: &ChainedTable,
    contract: &str,
    rows: &[NewRow<'_>],
) -> Result<Head, StoreError> {
    let registered = ChainedTable::named(table.name)
        .filter(|r| {
            r.contract == table.contract && r.key == table.key && r.content == table.content
        })
        .ok_or_else(|| StoreError::Seal {
            table: table.name,
            problem: "it is not listed, with these columns, in the chained tables (CHAINED), \
                      so verify would never check it"
                .into(),
        })?;
    let mut hashed = Vec::with_capacity(rows.len());
    for row in rows {
        registered.check(row.key, row.content)?;
        hashed.push(Hashed {
            row_key: row_key(row.key),
            row_hash: row_hash(registered.name, contract, row.key, row.content),
        });
    }
    append(tx, registered, contract, &hashed).await
}

/// Links `rows` after the head of `contract`'s chain of `table`.
async fn append(
    tx: &mut Transaction<'static, Any>,
    table: &ChainedTable,
    contract: &str,
    rows: &[Hashed],
) -> Result<Head, StoreError> {
    if rows.is_empty() {
        let head: Option<(i64, String)> = sqlx::query_as(
            "SELECT seq, hash FROM chain_heads WHERE table_name = $1 AND contract = $2",
        )
        .bind(table.name)
        .bind(contract)
        .fetch_optional(&mut **tx)
        .await
        .map_err(failed("reading a chain's head"))?;
        return Ok(head.map_or_else(
            || Head {
                seq: 0,
                hash: GENESIS.to_string(),
            },
            |(seq, hash)| Head { seq, hash },
        ));
    }
    // The head, created empty if new, read and locked in one statement: the
    // no-op update takes the row lock, so a second writer waits here until
    // this transaction ends and then reads the head it left (PostgreSQL's
    // ON CONFLICT DO UPDATE sees the latest committed row).
    let (seq, hash): (i64, String) = sqlx::query_as(
        "INSERT INTO chain_heads (table_name, contract, seq, hash) VALUES ($1, $2, 0, $3)
         ON CONFLICT (table_name, contract) DO UPDATE SET seq = chain_heads.seq
         RETURNING seq, hash",
    )
    .bind(table.name)
    .bind(contract)
    .bind(GENESIS)
    .fetch_one(&mut **tx)
    .await
    .map_err(failed("locking a chain's head"))?;
    let mut head = Head { seq, hash };
    let mut links: Vec<[Param; 7]> = Vec::with_capacity(rows.len());
    for row in rows {
        let seq = head.seq + 1;
        let hash = link_hash(&LinkFields {
            table: table.name,
            contract,
            seq,
            prev_hash: &head.hash,
            row_key: &row.row_key,
            row_hash: &row.row_hash,
        });
        let text = |s: &str| Param::Text(Some(s.to_string()));
        links.push([
            text(table.name),
            text(contract),
            Param::Int(Some(seq)),
            text(&row.row_key),
            text(&row.row_hash),
            text(&head.hash),
            text(&hash),
        ]);
        head = Head { seq, hash };
    }
    for chunk in links.chunks(LINKS_PER_INSERT) {
        let tuples: Vec<String> = (0..chunk.len())
            .map(|r| {
                let params: Vec<String> = (1..=7).map(|c| format!("${}", r * 7 + c)).collect();
                format!("({})", params.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO chain_links (table_name, contract, seq, row_key, row_hash, prev_hash, hash) VALUES {}",
            tuples.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for value in chunk.iter().flatten() {
            query = match value {
                Param::Int(v) => query.bind(*v),
                Param::Text(v) => query.bind(v.clone()),
            };
        }
        query
            .execute(&mut **tx)
            .await
            .map_err(failed("writing chain links"))?;
    }
    sqlx::query(
        "UPDATE chain_heads SET seq = $1, hash = $2 WHERE table_name = $3 AND contract = $4",
    )
    .bind(head.seq)
    .bind(head.hash.clone())
    .bind(table.name)
    .bind(contract)
    .execute(&mut **tx)
    .await
    .map_err(failed("moving a chain's head"))?;
    Ok(head)
}

/// Seals the rows stored before their table was chained: for each table
/// named in `chain_backfill` (migration 0012 names the audit trail and the
/// issued reports and files), each contract's rows that no link seals yet,
/// in key order (the audit trail's in id order), after the chain's head;
/// then empties `chain_backfill`, all in one write transaction. Run when the
/// store is opened; after the first time there is nothing to do, so a row
/// slipped in later is never sealed by it.
pub(crate) async fn backfill(store: &Store) -> Result<(), StoreError> {
    let waiting: Vec<String> = sqlx::query_scalar("SELECT table_name FROM chain_backfill")
        .fetch_all(store.pool())
        .await
        .map_err(failed("reading the tables to chain"))?;
    if waiting.is_empty() {
        return Ok(());
    }
    let mut tx = store
        .begin_write()
        .await
        .map_err(failed("starting to chain stored rows"))?;
    // Read again under the write lock: another process may have done it.
    let waiting: Vec<String> =
        sqlx::query_scalar("SELECT table_name FROM chain_backfill ORDER BY table_name")
            .fetch_all(&mut *tx)
            .await
            .map_err(failed("reading the tables to chain"))?;
    for name in waiting {
        let table = ChainedTable::named(&name).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "chain_backfill names {name:?}, which is not a chained table"
            ))
        })?;
        let contracts: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT DISTINCT {} FROM {}",
            table.contract, table.name
        )))
        .fetch_all(&mut *tx)
        .await
        .map_err(failed("listing the contracts of a chained table"))?;
        for contract in contracts {
            let linked: HashSet<String> = sqlx::query_scalar(
                "SELECT row_key FROM chain_links WHERE table_name = $1 AND contract = $2",
            )
            .bind(table.name)
            .bind(contract.clone())
            .fetch_all(&mut *tx)
            .await
            .map_err(failed("reading a chain's links"))?
            .into_iter()
            .collect();
            let mut rows = Vec::new();
            {
                let mut stream = sqlx::query(AssertSqlSafe(table.select_rows()))
                    .bind(contract.clone())
                    .fetch(&mut *tx);
                while let Some(row) = stream
                    .try_next()
                    .await
                    .map_err(failed("reading rows to chain"))?
                {
                    let (key, content) = table.read_row(&row)?;
                    let stored_key = row_key(&key);
                    if !linked.contains(&stored_key) {
                        rows.push(Hashed {
                            row_key: stored_key,
                            row_hash: row_hash(table.name, &contract, &key, &content),
                        });
                    }
                }
            }
            append(&mut tx, table, &contract, &rows).await?;
        }
        sqlx::query("DELETE FROM chain_backfill WHERE table_name = $1")
            .bind(table.name)
            .execute(&mut *tx)
            .await
            .map_err(failed("recording a table as chained"))?;
    }
    tx.commit()
        .await
        .map_err(failed("committing the chained rows"))
}
