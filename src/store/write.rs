//! Idempotent batch writes of imported records (see
//! docs/book/src/integrators/formats.md).
//!
//! Records are upserted by their key in multi-row statements (on PostgreSQL
//! from a staging table each batch is copied into: see `staging`). Each row carries
//! a hash of its values: a re-import rewrites only rows whose values changed,
//! so the counts tell a user what a re-import really did (stored, updated,
//! unchanged) and a repeated file never duplicates or churns anything.

use sqlx::{Any, AssertSqlSafe, Transaction};

use super::records;
use super::rewrites::ImportWriter;
use super::staging::{self, Staging};
use super::versions::{self, describe_key};
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
    /// What one of its records is called in messages: `incident`, `hold` …
    pub record: &'static str,
    /// The audit trail's kind for a correction of one of its records (a
    /// hold is audited as a change of its incident).
    pub audit_kind: &'static str,
    /// The columns of its primary key.
    pub keys: &'static [&'static str],
    /// The other columns a record sets.
    pub values: &'static [&'static str],
}

/// Incidents, keyed by contract and id.
pub const INCIDENTS: Table = Table {
    name: "incidents",
    record: "incident",
    audit_kind: "incident",
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
    record: "hold",
    audit_kind: "incident",
    keys: &["contract", "incident_id", "start_at"],
    values: &["end_at", "reason"],
};

/// Outages, keyed by contract and id.
pub const OUTAGES: Table = Table {
    name: "outages",
    record: "outage",
    audit_kind: "outage",
    keys: &["contract", "id"],
    values: &[
        "service", "start_at", "end_at", "impact", "planned", "source",
    ],
};

/// Work items, keyed by contract and id.
pub const WORK_ITEMS: Table = Table {
    name: "work_items",
    record: "work item",
    audit_kind: "work_item",
    keys: &["contract", "id"],
    values: &["kind", "opened_at", "change_type", "proactive"],
};

/// Supplier-reported figures, keyed by contract, service level and month.
pub const SUPPLIER_KPIS: Table = Table {
    name: "supplier_kpis",
    record: "supplier figure",
    audit_kind: "supplier_kpi",
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

/// Who an import writes as: the owner of the records it first stores, and
/// whether a person is correcting records whatever their owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writer {
    /// A configured source's id, or `cli`.
    pub source: String,
    /// The person correcting, with their reason, on `import --correct`.
    pub correction: Option<Correction>,
}

impl Writer {
    /// A source (or `cli`) writing its own records.
    pub fn source(source: &str) -> Writer {
        Writer {
            source: source.to_string(),
            correction: None,
        }
    }
}

/// A person's correction of records that may belong to any source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// Who corrects.
    pub by: String,
    /// Why.
    pub reason: String,
}

/// A row refused because its record belongs to another source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The line it came from.
    pub line: i64,
    /// Its contract.
    pub contract: Option<String>,
    /// Why, naming the owner.
    pub reason: String,
    /// The source that owns the record.
    pub owner: String,
}

/// An ended hold an import stored for the first time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHold {
    /// Its contract.
    pub contract: String,
    /// Its incident.
    pub incident: String,
    /// Its start (epoch seconds).
    pub start: i64,
    /// Its end (epoch seconds).
    pub end: i64,
}

/// What a finished import hands on to the rewrite detection.
#[derive(Debug)]
pub struct Finished {
    /// The rows refused because another source owns their record.
    pub refusals: Vec<Refusal>,
    /// The ended holds it stored for the first time: a hold added to an
    /// incident already held may be a rewrite.
    pub new_holds: Vec<NewHold>,
    /// The import and who wrote it.
    pub writer: ImportWriter,
}

/// One import in progress: its bookkeeping row and an open transaction.
pub struct ImportSession {
    /// Always `Some` between calls; empty only inside [`Self::checkpoint`].
    tx: Option<Transaction<'static, Any>>,
    import_id: i64,
    backend: Backend,
    writer: Writer,
    received_at: i64,
    refusals: Vec<Refusal>,
    new_holds: Vec<NewHold>,
    /// PostgreSQL's `COPY` connection for the batches, opened with the
    /// first batch of at least [`staging::COPY_FROM_ROWS`] rows.
    staging: Option<Staging>,
    /// Where to open it (PostgreSQL only).
    staging_url: Option<String>,
    /// Per table grown: records this import stored, and how many of them
    /// there were when it last refreshed the table's statistics.
    analyzed: Vec<(&'static str, u64, u64)>,
}

impl Store {
    /// Records the start of an import of `file` by `writer` and opens a transaction.
    pub async fn start_import(
        &self,
        writer: Writer,
        file: &str,
        now: i64,
    ) -> Result<ImportSession, StoreError> {
        let (by, reason) = match &writer.correction {
            Some(c) => (Some(c.by.clone()), Some(c.reason.clone())),
            None => (None, None),
        };
        let import_id: i64 = sqlx::query_scalar(
            "INSERT INTO imports (source, file, started_at, corrected_by, reason) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(writer.source.clone())
        .bind(file)
        .bind(now)
        .bind(by)
        .bind(reason)
        .fetch_one(self.pool())
        .await
        .map_err(failed("recording an import"))?;
        let staging_url = match self.backend() {
            Backend::Postgres => Some(self.url().to_string()),
            Backend::Sqlite => None,
        };
        let tx = self.begin_import().await?;
        Ok(ImportSession {
            tx: Some(tx),
            import_id,
            backend: self.backend(),
            writer,
            received_at: now,
            refusals: Vec::new(),
            new_holds: Vec::new(),
            staging: None,
            staging_url,
            analyzed: Vec::new(),
        })
    }

    /// A write transaction for an import. On PostgreSQL the lookups of
    /// existing records must use the key's index: the planner, working from
    /// the statistics of a table this import is still filling, would
    /// otherwise scan it once per batch.
    async fn begin_import(&self) -> Result<Transaction<'static, Any>, StoreError> {
        let mut tx = self
            .begin_write()
            .await
            .map_err(failed("starting an import transaction"))?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SET LOCAL enable_seqscan = off")
                .execute(&mut *tx)
                .await
                .map_err(failed("starting an import transaction"))?;
        }
        Ok(tx)
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
    /// Stores a batch of rows with distinct keys into `table`: new records
    /// are stored as the writer's own; a changed record keeps its previous
    /// version in the table's history; a record of another source is refused
    /// unless a person is correcting.
    pub async fn write(
        &mut self,
        table: &'static Table,
        rows: Vec<Row>,
    ) -> Result<WriteCounts, StoreError> {
        if rows.is_empty() {
            return Ok(WriteCounts::default());
        }
        let backend = self.backend;
        let mut stored = versions::existing(self.tx()?, backend, table, &rows).await?;
        let mut counts = WriteCounts::default();
        let mut accepted = Vec::with_capacity(rows.len());
        let mut superseded = Vec::new();
        let mut refused = Vec::new();
        // What a person's correction did, record by record, for the audit trail.
        let mut corrected: Vec<(Vec<Param>, String)> = Vec::new();
        for row in rows {
            let hash = row_hash(&row.values);
            let Some(old) = stored.remove(&row.key) else {
                counts.stored += 1;
                if self.writer.correction.is_some() {
                    let detail = format!(
                        "stored {} {} by correction (import {} line {})",
                        table.record,
                        describe_key(&row.key[1..]),
                        self.import_id,
                        row.line
                    );
                    corrected.push((row.key.clone(), detail));
                }
                if table.name == HOLDS.name
                    && let Some(hold) = new_hold(&row)
                {
                    self.new_holds.push(hold);
                }
                accepted.push((row, hash));
                continue;
            };
            if old.owner != self.writer.source && self.writer.correction.is_none() {
                refused.push(Refusal {
                    line: row.line,
                    contract: match &row.key[0] {
                        Param::Text(t) => t.clone(),
                        Param::Int(_) => None,
                    },
                    reason: format!(
                        "{} {} belongs to source {}: only it (or a person's correction) may change it",
                        table.record,
                        describe_key(&row.key[1..]),
                        old.owner
                    ),
                    owner: old.owner.clone(),
                });
                continue;
            }
            if old.row_hash == hash {
                counts.unchanged += 1;
                continue;
            }
            counts.updated += 1;
            if self.writer.correction.is_some() {
                let detail = format!(
                    "corrected {} {} (import {} line {}): {}",
                    table.record,
                    describe_key(&row.key[1..]),
                    self.import_id,
                    row.line,
                    versions::describe_change(table, &old.values, &row.values)
                );
                corrected.push((row.key.clone(), detail));
            }
            superseded.push(old);
            accepted.push((row, hash));
        }
        for r in &refused {
            self.rejection(r.line, r.contract.as_deref(), &r.reason, Some(&r.owner))
                .await?;
        }
        self.refusals.extend(refused);
        if let Some(correction) = self.writer.correction.clone() {
            for (key, detail) in corrected {
                self.audit_correction(table, &correction, &key, detail)
                    .await?;
            }
        }
        let (import_id, received_at) = (self.import_id, self.received_at);
        versions::keep(
            self.tx()?,
            backend,
            table,
            &superseded,
            received_at,
            import_id,
        )
        .await?;
        // What reports rest on changed for these contracts (a batch of
        // unchanged rows leaves their revisions alone).
        let mut revised: Vec<String> = accepted
            .iter()
            .filter_map(|(row, _)| match row.key.first() {
                Some(Param::Text(Some(contract))) => Some(contract.clone()),
                _ => None,
            })
            .collect();
        revised.sort_unstable();
        revised.dedup();
        super::revisions::revise(self.tx()?, revised.iter().map(String::as_str)).await?;
        let owner = self.writer.source.clone();
        self.upsert(table, accepted, &owner).await?;
        self.refresh_statistics(table, counts.stored).await?;
        Ok(counts)
    }

    /// On PostgreSQL, refreshes `table`'s statistics each time the records
    /// this import stored in it have doubled, in the import's transaction
    /// (`ANALYZE` counts the transaction's own rows). Without it the
    /// planner would take a table (or a contract) this import is filling
    /// for as small as it last saw it,
    /// and look up each batch's existing records by scanning the whole
    /// contract on a time index: measured at 0.5–1.1 s a batch over the
    /// first 50,000 rows of a first import, against 2 ms on the key.
    async fn refresh_statistics(&mut self, table: &Table, stored: u64) -> Result<(), StoreError> {
        if self.backend != Backend::Postgres || stored == 0 {
            return Ok(());
        }
        let at = match self.analyzed.iter().position(|(t, _, _)| *t == table.name) {
            Some(at) => at,
            None => {
                self.analyzed.push((table.name, 0, 0));
                self.analyzed.len() - 1
            }
        };
        let (_, total, last) = &mut self.analyzed[at];
        *total += stored;
        if *total < 2 * *last {
            return Ok(());
        }
        *last = *total;
        sqlx::query(AssertSqlSafe(format!("ANALYZE {}", table.name)))
            .execute(&mut **self.tx()?)
            .await
            .map_err(failed("refreshing the statistics of imported records"))?;
        Ok(())
    }

    async fn upsert(
        &mut self,
        table: &'static Table,
        rows: Vec<(Row, i64)>,
        owner: &str,
    ) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        if self.staging.is_none()
            && rows.len() >= staging::COPY_FROM_ROWS
            && let Some(url) = &self.staging_url
        {
            self.staging = Some(Staging::open(url, self.import_id).await?);
        }
        if let Some(staging) = self
            .staging
            .as_mut()
            .filter(|_| rows.len() >= staging::COPY_FROM_ROWS)
        {
            let (name, batch) = staging.load(table, &rows).await?;
            let sql = staging::upsert_sql(table, &name);
            let (import_id, received_at) = (self.import_id, self.received_at);
            sqlx::query(AssertSqlSafe(sql))
                .bind(import_id)
                .bind(owner.to_string())
                .bind(received_at)
                .bind(batch)
                .execute(&mut **self.tx()?)
                .await
                .map_err(failed("storing records"))?;
            return Ok(());
        }
        let sql = upsert_sql(self.backend, table, rows.len());
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (row, hash) in rows {
            for p in row.key.into_iter().chain(row.values) {
                q = match p {
                    Param::Int(v) => q.bind(v),
                    Param::Text(v) => q.bind(v),
                };
            }
            q = q
                .bind(self.import_id)
                .bind(row.line)
                .bind(hash)
                .bind(owner.to_string())
                .bind(self.received_at);
        }
        q.execute(&mut **self.tx()?)
            .await
            .map_err(failed("storing records"))?;
        Ok(())
    }

    /// One audit entry for a record a person corrected, in the import's
    /// transaction, so the trail and the evidence never disagree.
    async fn audit_correction(
        &mut self,
        table: &Table,
        correction: &Correction,
        key: &[Param],
        detail: String,
    ) -> Result<(), StoreError> {
        let text = |p: Option<&Param>| match p {
            Some(Param::Text(Some(t))) => t.clone(),
            _ => String::new(),
        };
        let contract = text(key.first());
        let period = if table.name == SUPPLIER_KPIS.name {
            text(key.get(2)).parse().ok()
        } else {
            None
        };
        let now = self.received_at;
        records::audit(
            self.tx()?,
            &contract,
            &correction.by,
            now,
            records::Change {
                action: "evidence.correct",
                kind: table.audit_kind,
                subject: text(key.get(1)),
                period,
                detail,
                reason: Some(&correction.reason),
            },
        )
        .await
    }

    /// Records a rejected row.
    pub async fn reject(
        &mut self,
        line: i64,
        contract: Option<&str>,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.rejection(line, contract, reason, None).await
    }

    /// Records a rejected row; `owner` is the source that owns its record
    /// when that is why.
    async fn rejection(
        &mut self,
        line: i64,
        contract: Option<&str>,
        reason: &str,
        owner: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO rejections (import_id, line, contract, reason, owner) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(self.import_id)
        .bind(line)
        .bind(contract.map(storable))
        .bind(storable(reason))
        .bind(owner.map(storable))
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
        if let Some(staging) = self.staging.as_mut() {
            staging.clear().await?;
        }
        // Statistics are refreshed as the stored records double
        // (`refresh_statistics`), not at every checkpoint: an `ANALYZE` a
        // checkpoint was a quarter of a large import's time on PostgreSQL.
        let tx = store.begin_import().await?;
        self.tx = Some(tx);
        Ok(())
    }

    fn tx(&mut self) -> Result<&mut Transaction<'static, Any>, StoreError> {
        self.tx.as_mut().ok_or_else(|| {
            StoreError::Corrupt("the import's transaction was lost at a checkpoint".into())
        })
    }

    /// Commits and records the import's totals; returns the rows refused
    /// because another source owns their record, and what the rewrite
    /// detection needs.
    pub async fn finish(
        mut self,
        counts: WriteCounts,
        rejected: u64,
        now: i64,
    ) -> Result<Finished, StoreError> {
        let rejected = rejected + self.refusals.len() as u64;
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
        let tx = self.tx.take().ok_or_else(|| {
            StoreError::Corrupt("the import's transaction was lost at a checkpoint".into())
        })?;
        tx.commit()
            .await
            .map_err(failed("committing imported records"))?;
        if let Some(staging) = self.staging.take() {
            staging.close().await?;
        }
        Ok(Finished {
            refusals: self.refusals,
            new_holds: self.new_holds,
            writer: ImportWriter {
                import_id: self.import_id,
                source: self.writer.source,
                corrected_by: self.writer.correction.map(|c| c.by),
                received_at: self.received_at,
            },
        })
    }
}

/// A hold row as a [`NewHold`], when it has ended.
fn new_hold(row: &Row) -> Option<NewHold> {
    match (&row.key[..], row.values.first()) {
        (
            [
                Param::Text(Some(contract)),
                Param::Text(Some(incident)),
                Param::Int(Some(start)),
            ],
            Some(Param::Int(Some(end))),
        ) => Some(NewHold {
            contract: contract.clone(),
            incident: incident.clone(),
            start: *start,
            end: *end,
        }),
        _ => None,
    }
}

/// The `n`-th bound parameter. SQLite gets plain `?` (bound in order): sqlx
/// looks up every named or numbered parameter by a linear scan, which makes a
/// statement with thousands of `$n` quadratic. PostgreSQL needs `$n`.
pub(super) fn placeholder(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_string(),
        Backend::Postgres => format!("${n}"),
    }
}

/// `INSERT … ON CONFLICT (key) DO UPDATE … WHERE the values changed`, for
/// `rows` rows. Only fixed identifiers and numbered placeholders go in.
fn upsert_sql(backend: Backend, table: &Table, rows: usize) -> String {
    let columns = stored_columns(table);
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
    sql.push_str(&on_conflict(table));
    sql
}

/// The columns an upsert writes: the key, the values, then where each
/// record came from.
pub(super) fn stored_columns(table: &Table) -> Vec<&'static str> {
    table
        .keys
        .iter()
        .chain(table.values)
        .copied()
        .chain(["import_id", "line", "row_hash", "owner", "received_at"])
        .collect()
}

/// An upsert's conflict clause: a record already stored takes the new
/// values only when they differ (its row hash), so an unchanged record
/// keeps where it came from.
pub(super) fn on_conflict(table: &Table) -> String {
    let updates: Vec<String> = table
        .values
        .iter()
        .copied()
        .chain(["import_id", "line", "row_hash", "received_at"])
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        " ON CONFLICT ({}) DO UPDATE SET {} WHERE {}.row_hash <> excluded.row_hash",
        table.keys.join(", "),
        updates.join(", "),
        table.name
    )
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
            "INSERT INTO supplier_kpis (contract, service_level, period, attainment_units, import_id, line, row_hash, owner, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9), ($10, $11, $12, $13, $14, $15, $16, $17, $18)"
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

/// `text` as a rejection can keep it: a refused row may carry NUL
/// characters (that may be why it was refused), which PostgreSQL's text
/// cannot hold; each is kept visibly as `\0`.
fn storable(text: &str) -> String {
    text.replace('\0', "\\0")
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
        let mut session = store
            .start_import(crate::store::write::Writer::source("test"), "big.csv", 1)
            .await
            .unwrap();
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

    /// A refused row's contract and reason are kept whatever bytes they
    /// hold: a NUL (which PostgreSQL's text refuses) is kept as `\0`.
    #[tokio::test]
    async fn a_rejection_with_a_nul_is_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&crate::store::testing::database_url(
            &dir.path().join("s.db"),
        ))
        .await
        .unwrap();
        let mut session = store
            .start_import(crate::store::write::Writer::source("test"), "nul.csv", 1)
            .await
            .unwrap();
        session
            .reject(2, Some("a\0me"), "unknown contract 'a\0me'")
            .await
            .unwrap();
        session.finish(WriteCounts::default(), 1, 2).await.unwrap();
        let kept: (String, String) =
            sqlx::query_as("SELECT contract, reason FROM rejections WHERE line = 2")
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert_eq!(kept, ("a\\0me".into(), "unknown contract 'a\\0me'".into()));
    }
}
