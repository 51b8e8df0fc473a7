//! The two halves of an import run side by side: this side parses and
//! batches rows, a task writes the batches in the import's transaction. On a
//! two-core machine that overlaps parsing with SQLite's work instead of
//! taking turns.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::fields::RecordKind;
use super::{ImportSummary, Rejection, rewrites};
use crate::contract::Contract;
use crate::store::write::{self, ImportSession, Row, Table, WriteCounts};
use crate::store::{Backend, Store, StoreError};

/// Bound parameters per statement stay well under SQLite's limit of 32,766
/// (and PostgreSQL's 65,535).
const MAX_PARAMS_PER_STATEMENT: usize = 16_000;
/// Rows per batch on PostgreSQL, whose batches of more than a few rows
/// travel by `COPY` rather than as bound parameters: larger batches mean
/// fewer round trips, while the statements bound per batch (the lookup of
/// existing records, one parameter a row; the versions of changed rows, a
/// few a row) stay well under PostgreSQL's 65,535 parameters.
const POSTGRES_BATCH_ROWS: usize = 4_000;
/// Rows committed per transaction in a long import.
const ROWS_PER_COMMIT: u64 = 50_000;
/// Batches parsed ahead of the writer: enough to keep both busy, few enough
/// that memory stays flat.
const BATCHES_IN_FLIGHT: usize = 2;

/// The store table a record kind goes to.
pub fn table(kind: RecordKind) -> &'static Table {
    match kind {
        RecordKind::Incident => &write::INCIDENTS,
        RecordKind::Hold => &write::HOLDS,
        RecordKind::Outage => &write::OUTAGES,
        RecordKind::WorkItem => &write::WORK_ITEMS,
        RecordKind::SupplierKpi => &write::SUPPLIER_KPIS,
    }
}

enum Message {
    Rows(&'static Table, Vec<Row>),
    Reject {
        line: i64,
        contract: Option<String>,
        reason: String,
    },
}

/// Pending rows of one table, with where each key's row sits (by hash).
#[derive(Default)]
struct Batch {
    rows: Vec<Row>,
    positions: HashMap<u64, usize, BuildHasherDefault<AlreadyHashed>>,
}

/// The set's values are hashes already: use them as they are.
#[derive(Default)]
struct AlreadyHashed(u64);

impl Hasher for AlreadyHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Rows per batch of `t` on `backend`: on SQLite as many as its bound
/// parameters allow.
fn batch_rows(backend: Backend, t: &Table) -> usize {
    match backend {
        Backend::Sqlite => MAX_PARAMS_PER_STATEMENT / (t.keys.len() + t.values.len() + 3),
        Backend::Postgres => POSTGRES_BATCH_ROWS,
    }
}

/// Parses on the caller's side, writes on a task's.
pub struct Pipeline {
    batches: HashMap<RecordKind, Batch>,
    sender: mpsc::Sender<Message>,
    writer: Option<JoinHandle<Result<(WriteCounts, ImportSession), StoreError>>>,
    rejected: u64,
    file: String,
    backend: Backend,
}

impl Pipeline {
    /// Starts the writer task on `session`.
    pub fn start(store: &Store, session: ImportSession, file: String) -> Pipeline {
        let (sender, receiver) = mpsc::channel(BATCHES_IN_FLIGHT);
        let writer = tokio::spawn(write_all(store.clone(), session, receiver));
        Pipeline {
            batches: HashMap::new(),
            sender,
            writer: Some(writer),
            rejected: 0,
            file,
            backend: store.backend(),
        }
    }

    /// Queues a parsed row.
    pub async fn add(&mut self, kind: RecordKind, row: Row) -> Result<(), StoreError> {
        let limit = batch_rows(self.backend, table(kind));
        let hash = write::params_hash(&row.key);
        let batch = self.batches.entry(kind).or_default();
        // A key repeated within a file: the later row wins, as it would in
        // separate imports, and the record is counted once.
        if let Some(&at) = batch.positions.get(&hash) {
            if batch.rows[at].key == row.key {
                batch.rows[at] = row;
                return Ok(());
            }
            // Two keys with one hash (vanishingly rare): keep them apart.
            self.flush(kind).await?;
        } else if batch.rows.len() >= limit {
            self.flush(kind).await?;
        }
        let batch = self.batches.entry(kind).or_default();
        batch.positions.insert(hash, batch.rows.len());
        batch.rows.push(row);
        Ok(())
    }

    async fn flush(&mut self, kind: RecordKind) -> Result<(), StoreError> {
        let Some(batch) = self.batches.get_mut(&kind) else {
            return Ok(());
        };
        batch.positions.clear();
        let rows = std::mem::take(&mut batch.rows);
        if rows.is_empty() {
            return Ok(());
        }
        self.send(Message::Rows(table(kind), rows)).await
    }

    /// Records a refused row and tells `on_reject` at once.
    pub async fn reject(
        &mut self,
        line: i64,
        contract: Option<&str>,
        reason: String,
        on_reject: &mut (dyn FnMut(&Rejection) + Send),
    ) -> Result<(), StoreError> {
        self.rejected += 1;
        on_reject(&Rejection {
            file: self.file.clone(),
            line,
            reason: reason.clone(),
        });
        self.send(Message::Reject {
            line,
            contract: contract.map(str::to_string),
            reason,
        })
        .await
    }

    async fn send(&mut self, message: Message) -> Result<(), StoreError> {
        if self.sender.send(message).await.is_ok() {
            return Ok(());
        }
        // The writer has stopped: its own error says why.
        Err(match self.join().await {
            Err(e) => e,
            Ok(_) => StoreError::Corrupt("the import writer stopped early".into()),
        })
    }

    async fn join(&mut self) -> Result<(WriteCounts, ImportSession), StoreError> {
        let writer = self
            .writer
            .take()
            .ok_or_else(|| StoreError::Corrupt("the import writer is gone".into()))?;
        writer
            .await
            .map_err(|e| StoreError::Corrupt(format!("the import writer failed: {e}")))?
    }

    /// Writes what is left, commits, and records the import's totals;
    /// `on_reject` hears of the rows refused because another source owns
    /// their record. Then finds the rewrites the import made.
    pub async fn finish(
        mut self,
        store: &Store,
        contracts: &[Contract],
        now: i64,
        on_reject: &mut (dyn FnMut(&Rejection) + Send),
    ) -> Result<ImportSummary, StoreError> {
        let kinds: Vec<RecordKind> = self.batches.keys().copied().collect();
        for kind in kinds {
            self.flush(kind).await?;
        }
        // Closing the channel tells the writer there is no more.
        let (closed, _) = mpsc::channel(1);
        drop(std::mem::replace(&mut self.sender, closed));
        let (counts, session) = self.join().await?;
        let finished = session.finish(counts, self.rejected, now).await?;
        // Rows refused for their owner are found by the writer, after parsing.
        for refusal in &finished.refusals {
            on_reject(&Rejection {
                file: self.file.clone(),
                line: refusal.line,
                reason: refusal.reason.clone(),
            });
        }
        // Only a changed record or a new hold can be a rewrite.
        let rewrites = match counts.updated > 0 || !finished.new_holds.is_empty() {
            true => rewrites::detect(store, contracts, &finished).await?,
            false => rewrites::Found::default(),
        };
        Ok(ImportSummary {
            counts,
            rejected: self.rejected + finished.refusals.len() as u64,
            rewrites,
        })
    }
}

async fn write_all(
    store: Store,
    mut session: ImportSession,
    mut receiver: mpsc::Receiver<Message>,
) -> Result<(WriteCounts, ImportSession), StoreError> {
    let mut counts = WriteCounts::default();
    let mut since_commit = 0u64;
    while let Some(message) = receiver.recv().await {
        match message {
            Message::Rows(table, rows) => {
                since_commit += rows.len() as u64;
                counts.add(session.write(table, rows).await?);
                if since_commit >= ROWS_PER_COMMIT {
                    session.checkpoint(&store).await?;
                    since_commit = 0;
                }
            }
            Message::Reject {
                line,
                contract,
                reason,
            } => session.reject(line, contract.as_deref(), &reason).await?,
        }
    }
    Ok((counts, session))
}
