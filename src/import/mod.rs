//! Import of interchange files (see docs/book/src/integrators/formats.md): CSV
//! with a header, or JSON Lines with a `type` per line. Files are streamed in
//! batches, so memory does not grow with their size. Every good row is stored;
//! every bad one is reported with its file, line and reason and recorded for
//! the data-quality record.
//!
//! # Layout
//! - [`fields`]: field access over CSV and JSON, and kind detection.
//! - [`evidence`]: one evidence record → one store row, or the reason it is refused.
//! - [`rewrites`]: after an import, the changes it made to evidence already held after the fact.

pub use crate::store::write::{Correction, Writer};

mod bounded;
pub mod evidence;
pub mod fields;
mod pipeline;
pub mod rewrites;

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::config::ImportLimits;
use crate::contract::Contract;
use crate::store::write::WriteCounts;
use crate::store::{Store, StoreError};
pub use bounded::RecordTooLong;
use bounded::{Line, RecordBound};
use fields::{CsvFields, Fields, JsonFields, RecordKind};
use pipeline::Pipeline;

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
    /// Rewrites of evidence already held, found in it.
    pub rewrites: rewrites::Found,
}

impl ImportSummary {
    /// Whether live detection should look at once: something was stored or
    /// changed, or a row was refused (a data-quality alert may be due).
    pub fn worth_detecting(&self) -> bool {
        self.counts.stored + self.counts.updated + self.rejected > 0
    }
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

/// One record a connector (ServiceNow, a webhook, Alertmanager, a probe)
/// hands over in interchange terms, validated exactly as an imported row is.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The record kind.
    pub kind: RecordKind,
    /// Interchange column → value (instants in RFC 3339).
    pub fields: HashMap<String, String>,
    /// Its position in what the connector received (1-based), for rejections.
    pub line: i64,
}

/// Stores records from a connector as one import named `label` (a URL, a
/// request), with the same validation, idempotency and bookkeeping as a file.
pub async fn ingest(
    store: &Store,
    contracts: &[Contract],
    source: &str,
    label: &str,
    now: i64,
    records: Vec<Incoming>,
    on_reject: &mut (dyn FnMut(&Rejection) + Send),
) -> Result<ImportSummary, StoreError> {
    let session = store
        .start_import(Writer::source(source), label, now)
        .await?;
    let mut writer = Pipeline::start(store, session, label.to_string());
    for record in records {
        store_one(
            &mut writer,
            contracts,
            record.kind,
            &record.fields,
            record.line,
            on_reject,
        )
        .await?;
    }
    writer.finish(store, contracts, now, on_reject).await
}

/// Imports one CSV or JSON Lines file into the store. `writer` says who
/// writes (`cli`, an inbox source id, a person correcting …); `on_reject` is
/// told of each refused row.
pub async fn import_file(
    store: &Store,
    contracts: &[Contract],
    path: &Path,
    writer: &Writer,
    limits: &ImportLimits,
    now: i64,
    on_reject: &mut (dyn FnMut(&Rejection) + Send),
) -> Result<ImportSummary, ImportError> {
    let file = path.display().to_string();
    let opened = File::open(path).map_err(|source| ImportError::Io {
        file: file.clone(),
        source,
    })?;
    let input = FileInput {
        label: &file,
        path,
        reader: opened,
    };
    import_read(store, contracts, input, writer, limits, now, on_reject).await
}

/// A file's content being imported, read from wherever the caller opened it
/// (an inbox reads a file it opened without following links, up to the
/// length it hashed).
pub struct FileInput<'a, R> {
    /// The file's name in rejections and the import's label.
    pub label: &'a str,
    /// The file's path: its extension (and, failing the header, its name)
    /// tells the format and record kind.
    pub path: &'a Path,
    /// The content.
    pub reader: R,
}

/// Imports one CSV or JSON Lines file's content, as [`import_file`] does.
pub async fn import_read<R: Read + Send>(
    store: &Store,
    contracts: &[Contract],
    input: FileInput<'_, R>,
    writer: &Writer,
    limits: &ImportLimits,
    now: i64,
    on_reject: &mut (dyn FnMut(&Rejection) + Send),
) -> Result<ImportSummary, ImportError> {
    let FileInput {
        label: file,
        path,
        reader,
    } = input;
    let io = |source| ImportError::Io {
        file: file.to_string(),
        source,
    };
    let mut reader = BufReader::with_capacity(1 << 20, reader);
    let json_lines = looks_like_json_lines(path, &mut reader).map_err(io)?;
    // A CSV file's kind and columns are checked before anything is recorded.
    let input = if json_lines {
        Input::JsonLines(reader)
    } else {
        Input::Csv(Box::new(csv_header(
            file,
            path,
            reader,
            limits.max_record_bytes,
        )?))
    };
    let session = store.start_import(writer.clone(), file, now).await?;
    let mut pipeline = Pipeline::start(store, session, file.to_string());
    let outcome = match input {
        Input::JsonLines(reader) => {
            let limit = limits.max_record_bytes;
            import_json_lines(&mut pipeline, file, contracts, reader, limit, on_reject).await
        }
        Input::Csv(csv) => import_csv_rows(&mut pipeline, file, contracts, *csv, on_reject).await,
    };
    // What was read before a failure is still stored; the failure itself is
    // what the caller hears about.
    let summary = pipeline.finish(store, contracts, now, on_reject).await;
    outcome?;
    Ok(summary?)
}

/// JSON Lines by extension, or when the first non-blank byte opens an object.
fn looks_like_json_lines(path: &Path, reader: &mut impl BufRead) -> std::io::Result<bool> {
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
    let head = head.strip_prefix(BYTE_ORDER_MARK).unwrap_or(head);
    Ok(head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'))
}

/// UTF-8's byte-order mark, which spreadsheet programs put at the start of
/// the files they save.
const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// An opened input file.
enum Input<R> {
    JsonLines(BufReader<R>),
    Csv(Box<CsvFile<R>>),
}

/// A CSV file whose kind and columns are known.
struct CsvFile<R> {
    reader: csv::Reader<RecordBound<BufReader<R>>>,
    /// Told where each row begins, so a row over the limit stops the reader.
    row_start: Arc<AtomicU64>,
    /// The longest row taken, in bytes.
    max_record: u64,
    kind: RecordKind,
    columns: HashMap<String, usize>,
}

fn csv_header<R: Read>(
    file: &str,
    path: &Path,
    reader: BufReader<R>,
    max_record_bytes: u64,
) -> Result<CsvFile<R>, ImportError> {
    let unrecognised = |reason: String| ImportError::Unrecognised {
        file: file.to_string(),
        reason,
    };
    let (bounded, row_start) = RecordBound::new(reader, max_record_bytes);
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(bounded);
    let header: Vec<String> = csv
        .headers()
        .map_err(|e| unrecognised(format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let names: Vec<&str> = header.iter().map(String::as_str).collect();
    let kind = RecordKind::detect(&names, path).map_err(unrecognised)?;
    let columns = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.clone(), i))
        .collect();
    Ok(CsvFile {
        reader: csv,
        row_start,
        max_record: max_record_bytes,
        kind,
        columns,
    })
}

async fn import_csv_rows<R: Read + Send>(
    writer: &mut Pipeline,
    file: &str,
    contracts: &[Contract],
    csv: CsvFile<R>,
    on_reject: &mut (dyn FnMut(&Rejection) + Send),
) -> Result<(), ImportError> {
    let CsvFile {
        reader: mut csv,
        row_start,
        max_record,
        kind,
        columns,
    } = csv;
    let mut record = csv::StringRecord::new();
    loop {
        let line = csv.position().line() as i64;
        row_start.store(csv.position().byte(), Ordering::Relaxed);
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) if csv.position().byte() - row_start.load(Ordering::Relaxed) > max_record => {
                let line = record.position().map_or(line, |p| p.line() as i64);
                let reason = format!(
                    "the row is {}: an unclosed quote?",
                    RecordTooLong { limit: max_record }
                );
                writer.reject(line, None, reason, on_reject).await?;
            }
            Ok(true) => {
                let fields = CsvFields {
                    columns: &columns,
                    record: &record,
                };
                let line = record.position().map_or(line, |p| p.line() as i64);
                store_one(writer, contracts, kind, &fields, line, on_reject).await?;
            }
            Err(e) if e.is_io_error() => {
                if let csv::ErrorKind::Io(io) = e.kind()
                    && let Some(too_long) = bounded::too_long(io)
                {
                    // Where a row over the limit ends cannot be told (an
                    // unclosed quote reads to the end), so the rest goes unread.
                    let reason = format!(
                        "the row is {too_long}: an unclosed quote? The rest of the file was not read"
                    );
                    writer.reject(line, None, reason, on_reject).await?;
                    return Ok(());
                }
                return Err(ImportError::Io {
                    file: file.to_string(),
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
    writer: &mut Pipeline,
    file: &str,
    contracts: &[Contract],
    mut reader: impl BufRead + Send,
    max_record_bytes: u64,
    on_reject: &mut (dyn FnMut(&Rejection) + Send),
) -> Result<(), ImportError> {
    let mut buffer = Vec::new();
    let mut line = 0;
    loop {
        let read =
            bounded::read_line(&mut reader, &mut buffer, max_record_bytes).map_err(|source| {
                ImportError::Io {
                    file: file.to_string(),
                    source,
                }
            })?;
        line += 1;
        match read {
            None => break,
            Some(Line::Read) => {}
            Some(Line::TooLong) => {
                let reason = format!(
                    "the line is {}",
                    RecordTooLong {
                        limit: max_record_bytes
                    }
                );
                writer.reject(line, None, reason, on_reject).await?;
                continue;
            }
        }
        let text = match line {
            1 => buffer.strip_prefix(BYTE_ORDER_MARK).unwrap_or(&buffer),
            _ => &buffer[..],
        };
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let object = match serde_json::from_slice::<serde_json::Value>(text) {
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
    writer: &mut Pipeline,
    contracts: &[Contract],
    kind: RecordKind,
    fields: &F,
    line: i64,
    on_reject: &mut (dyn FnMut(&Rejection) + Send),
) -> Result<(), StoreError> {
    match evidence::parse(kind, fields, contracts, line) {
        Ok(parsed) => writer.add(kind, parsed.row).await,
        Err(reason) => {
            writer
                .reject(line, fields.get("contract").as_deref(), reason, on_reject)
                .await
        }
    }
}
