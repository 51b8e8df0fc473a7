//! Import of interchange files (SPEC §3): CSV with a header, or JSON Lines
//! with a `type` per line. Files are streamed in batches, so memory does not
//! grow with their size. Every good row is stored; every bad one is reported
//! with its file, line and reason and recorded for the data-quality record.
//!
//! # Layout
//! - [`fields`]: field access over CSV and JSON, and kind detection.
//! - [`records`]: one record → one store row, or the reason it is refused.

pub mod fields;
pub mod records;

use std::collections::HashMap;
use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::config::Contract;
use crate::store::write::{self, ImportSession, Param, Row, Table, WriteCounts};
use crate::store::{Store, StoreError};
use fields::{CsvFields, Fields, JsonFields, RecordKind};

/// Bound parameters per statement stay well under SQLite's limit of 32,766.
const MAX_PARAMS_PER_STATEMENT: usize = 16_000;
/// Rows committed per transaction in a long import.
const ROWS_PER_COMMIT: u64 = 50_000;

/// A refused row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The file it came from.
    pub file: String,
    /// Its line number (1 is the CSV header).
    pub line: i64,
    /// Why it was refused.
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}: {}", self.file, self.line, self.reason)
    }
}

/// What importing one file did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// New, changed and unchanged records.
    pub counts: WriteCounts,
    /// Rows refused.
    pub rejected: u64,
}

/// Why a whole file could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not an interchange file slawatch knows.
    #[error("{file}: {reason}")]
    Unrecognised {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn table(kind: RecordKind) -> &'static Table {
    match kind {
        RecordKind::Incident => &write::INCIDENTS,
        RecordKind::Hold => &write::HOLDS,
        RecordKind::Outage => &write::OUTAGES,
        RecordKind::WorkItem => &write::WORK_ITEMS,
        RecordKind::SupplierKpi => &write::SUPPLIER_KPIS,
    }
}

fn required_columns(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Incident => &["id", "contract", "priority", "opened_at"],
        RecordKind::Hold => &["incident_id", "contract", "start"],
        RecordKind::Outage => &["id", "contract", "service", "start"],
        RecordKind::WorkItem => &["id", "contract", "kind", "opened_at"],
        RecordKind::SupplierKpi => &["contract", "service_level", "period", "attainment_percent"],
    }
}

/// Pending rows of one table, with distinct keys.
#[derive(Default)]
struct Batch {
    rows: Vec<Row>,
    keys: HashSet<Vec<Param>>,
}

/// Streams rows into the store in batches and keeps the counts.
struct Writer<'s> {
    store: &'s Store,
    session: ImportSession,
    batches: HashMap<RecordKind, Batch>,
    counts: WriteCounts,
    rejected: u64,
    since_commit: u64,
    file: String,
}

impl Writer<'_> {
    async fn add(&mut self, kind: RecordKind, row: Row) -> Result<(), StoreError> {
        let t = table(kind);
        let limit = MAX_PARAMS_PER_STATEMENT / (t.keys.len() + t.values.len() + 3);
        let batch = self.batches.entry(kind).or_default();
        // A key seen twice in one batch would be upserted twice in one
        // statement (refused by PostgreSQL): write what came before first, so
        // the later row wins, as it would in separate imports.
        if batch.keys.contains(&row.key) || batch.rows.len() >= limit {
            self.flush(kind).await?;
        }
        let batch = self.batches.entry(kind).or_default();
        batch.keys.insert(row.key.clone());
        batch.rows.push(row);
        Ok(())
    }

    async fn flush(&mut self, kind: RecordKind) -> Result<(), StoreError> {
        let Some(batch) = self.batches.get_mut(&kind) else {
            return Ok(());
        };
        let rows = std::mem::take(&mut batch.rows);
        batch.keys.clear();
        let counts = self.session.write(table(kind), &rows).await?;
        self.counts.add(counts);
        self.since_commit += rows.len() as u64;
        if self.since_commit >= ROWS_PER_COMMIT {
            self.session.checkpoint(self.store).await?;
            self.since_commit = 0;
        }
        Ok(())
    }

    async fn reject(
        &mut self,
        line: i64,
        contract: Option<&str>,
        reason: String,
        on_reject: &mut (dyn FnMut(&Rejection) + Send),
    ) -> Result<(), StoreError> {
        self.session.reject(line, contract, &reason).await?;
        self.rejected += 1;
        on_reject(&Rejection {
            file: self.file.clone(),
            line,
            reason,
        });
        Ok(())
    }

    async fn finish(mut self, now: i64) -> Result<ImportSummary, StoreError> {
        let kinds: Vec<RecordKind> = self.batches.keys().copied().collect();
        for kind in kinds {
            self.flush(kind).await?;
        }
        let summary = ImportSummary {
            counts: self.counts,
            rejected: self.rejected,
        };
        self.session.finish(self.counts, self.rejected, now).await?;
        Ok(summary)
    }
}

/// Imports one CSV or JSON Lines file into the store. `source` names where it
/// came from (`cli`, an inbox source id …); `on_reject` is told of each
/// refused row as it is found.
pub async fn import_file(
    store: &Store,
    contracts: &[Contract],
    path: &Path,
    source: &str,
    now: i64,
    on_reject: &mut (dyn FnMut(&Rejection) + Send),
) -> Result<ImportSummary, ImportError> {
    let file = path.display().to_string();
    let io = |source| ImportError::Io {
        file: file.clone(),
        source,
    };
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path).map_err(io)?);
    let json_lines = looks_like_json_lines(path, &mut reader).map_err(io)?;
    let session = store.start_import(source, &file, now).await?;
    let mut writer = Writer {
        store,
        session,
        batches: HashMap::new(),
        counts: WriteCounts::default(),
        rejected: 0,
        since_commit: 0,
        file: file.clone(),
    };
    if json_lines {
        import_json_lines(&mut writer, contracts, reader, on_reject).await?;
    } else {
        import_csv(&mut writer, contracts, path, reader, on_reject).await?;
    }
    Ok(writer.finish(now).await?)
}

/// JSON Lines by extension, or when the first non-blank byte opens an object.
fn looks_like_json_lines(path: &Path, reader: &mut BufReader<File>) -> std::io::Result<bool> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if matches!(ext.as_str(), "jsonl" | "ndjson" | "json") {
        return Ok(true);
    }
    if ext == "csv" {
        return Ok(false);
    }
    let head = reader.fill_buf()?;
    Ok(head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'))
}

async fn import_csv(
    writer: &mut Writer<'_>,
    contracts: &[Contract],
    path: &Path,
    reader: impl Read,
    on_reject: &mut (dyn FnMut(&Rejection) + Send),
) -> Result<(), ImportError> {
    let unrecognised = |reason: String| ImportError::Unrecognised {
        file: writer.file.clone(),
        reason,
    };
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let header: Vec<String> = csv
        .headers()
        .map_err(|e| unrecognised(format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let names: Vec<&str> = header.iter().map(String::as_str).collect();
    let kind = RecordKind::detect(&names, path).ok_or_else(|| {
        unrecognised(format!(
            "cannot tell the record kind from the header ({}) or the file name",
            names.join(", ")
        ))
    })?;
    let missing: Vec<&str> = required_columns(kind)
        .iter()
        .copied()
        .filter(|c| !names.contains(c))
        .collect();
    if !missing.is_empty() {
        return Err(unrecognised(format!(
            "a {} file needs the column(s) {} in its header",
            kind.as_str(),
            missing.join(", ")
        )));
    }
    let columns: HashMap<String, usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.clone(), i))
        .collect();
    let mut record = csv::StringRecord::new();
    loop {
        let line = csv.position().line() as i64;
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let fields = CsvFields {
                    columns: &columns,
                    record: &record,
                };
                let line = record.position().map_or(line, |p| p.line() as i64);
                store_one(writer, contracts, kind, &fields, line, on_reject).await?;
            }
            Err(e) if e.is_io_error() => {
                return Err(ImportError::Io {
                    file: writer.file.clone(),
                    source: std::io::Error::other(e.to_string()),
                });
            }
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line() as i64);
                writer
                    .reject(line, None, format!("unreadable row: {e}"), on_reject)
                    .await?;
            }
        }
    }
    Ok(())
}

async fn import_json_lines(
    writer: &mut Writer<'_>,
    contracts: &[Contract],
    reader: impl BufRead,
    on_reject: &mut (dyn FnMut(&Rejection) + Send),
) -> Result<(), ImportError> {
    for (i, text) in reader.split(b'\n').enumerate() {
        let line = i as i64 + 1;
        let text = text.map_err(|source| ImportError::Io {
            file: writer.file.clone(),
            source,
        })?;
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let object = match serde_json::from_slice::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Object(o)) => o,
            Ok(_) => {
                writer
                    .reject(line, None, "not a JSON object".into(), on_reject)
                    .await?;
                continue;
            }
            Err(e) => {
                writer
                    .reject(line, None, format!("not valid JSON: {e}"), on_reject)
                    .await?;
                continue;
            }
        };
        let fields = JsonFields(&object);
        let kind = match fields.get("type") {
            None => Err("type is missing".to_string()),
            Some(t) => RecordKind::parse(&t).ok_or_else(|| {
                format!("unknown type '{t}' (expected incident, hold, outage, work_item or supplier_kpi)")
            }),
        };
        match kind {
            Ok(kind) => store_one(writer, contracts, kind, &fields, line, on_reject).await?,
            Err(reason) => {
                writer
                    .reject(line, fields.get("contract").as_deref(), reason, on_reject)
                    .await?
            }
        }
    }
    Ok(())
}

async fn store_one<F: Fields + ?Sized>(
    writer: &mut Writer<'_>,
    contracts: &[Contract],
    kind: RecordKind,
    fields: &F,
    line: i64,
    on_reject: &mut (dyn FnMut(&Rejection) + Send),
) -> Result<(), StoreError> {
    match records::parse(kind, fields, contracts, line) {
        Ok(parsed) => writer.add(kind, parsed.row).await,
        Err(reason) => {
            writer
                .reject(line, fields.get("contract").as_deref(), reason, on_reject)
                .await
        }
    }
}
