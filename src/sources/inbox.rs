//! A watched folder for the supplier's monthly packs and exports (SPEC §4.1,
//! `kind = "inbox"`). CSV, JSON Lines and XLSX files dropped in are imported
//! once each, then moved to `processed/`; a file with a refused row stays
//! where it is, beside a `<file>.errors.txt` listing file, line and reason.
//!
//! A file is taken only when complete. Names ending `.part` or `.tmp` (and
//! hidden ones) are never taken, so a writer can write under such a name and
//! rename when done. Any other file must look the same (size and
//! modification time) on two scans in a row, so one still being copied in is
//! left for a later scan.
//!
//! Files are known by content (SHA-256, recorded in the store): the same
//! content under another name, or again under the same name, is moved to
//! `processed/` without being imported twice. A file kept with errors is not
//! taken again until its content changes: fix the rows (or the file) and
//! save it, and it is imported again; rows stored before are updated in
//! place, never duplicated.
//!
//! An inbox takes records for its own contract only: a row naming another
//! contract is refused, so one supplier's folder cannot alter another's
//! evidence.

mod files;
mod xlsx;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use tokio_util::sync::CancellationToken;

use crate::config::SourceConfig;
use crate::import::{self, ImportError, ImportSummary, Writer};
use crate::shutdown::sleep_or_stop;
use crate::sources::SourceDeps;
use crate::store::write::WriteCounts;
pub use files::{ERRORS_SUFFIX, PROCESSED, is_candidate_name};
use files::{errors_path, errors_text, extension, file_name, move_to_processed, sha256_of};

/// How often the folder is scanned. A file is taken on the second scan that
/// sees it unchanged, so within two scans of its last write.
const SCAN_EVERY: Duration = Duration::from_secs(5);

/// Watches the folder until shutdown. A failed scan is logged and recorded
/// in the source's health; the next scan tries again.
pub async fn run(
    deps: SourceDeps,
    source: SourceConfig,
    path: PathBuf,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    tracing::info!(source = %source.id, folder = %path.display(), "watching inbox");
    let mut inbox = Inbox::new(source, path);
    loop {
        let now = deps.clock.now().timestamp();
        if let Err(e) = inbox.scan_once(&deps, now).await {
            tracing::error!(source = %inbox.source.id, "inbox scan failed: {e:#}");
        }
        if !sleep_or_stop(SCAN_EVERY, &shutdown).await {
            return Ok(());
        }
    }
}

/// What one scan did. Files are named without their folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanSummary {
    /// Imported without a refused row and moved to `processed/`.
    pub processed: Vec<String>,
    /// Imported with refused rows (or refused whole) and kept beside their
    /// `.errors.txt`.
    pub kept: Vec<String>,
    /// Already imported (same content) and moved to `processed/` untouched.
    pub duplicates: Vec<String>,
    /// Seen, but not yet the same on two scans: left for a later scan.
    pub waiting: Vec<String>,
    /// Could not be taken this time (unreadable, store failure), with why;
    /// tried again on the next scan.
    pub failed: Vec<String>,
    /// Records stored, updated and unchanged over the files imported.
    pub counts: WriteCounts,
    /// Rows refused over the files imported.
    pub rejected: u64,
}

/// A file's size and modification time, compared between scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sighting {
    len: u64,
    modified: Option<SystemTime>,
}

/// One inbox folder and what its scans remember between them.
#[derive(Debug)]
pub struct Inbox {
    source: SourceConfig,
    folder: PathBuf,
    /// What each candidate looked like at the last scan.
    seen: HashMap<PathBuf, Sighting>,
    /// Files left in place (kept with errors) as they were when settled, so
    /// they are not hashed again on every scan.
    settled: HashMap<PathBuf, Sighting>,
}

/// One file imported, or refused whole.
struct FileImport {
    summary: ImportSummary,
    /// Each refused row as `FILE line N: REASON`, or the one reason the
    /// file was refused whole.
    problems: Vec<String>,
    /// Refused whole: nothing was stored.
    refused: bool,
}

impl FileImport {
    fn refused(reason: String) -> FileImport {
        FileImport {
            summary: ImportSummary::default(),
            problems: vec![reason],
            refused: true,
        }
    }
}

/// What became of one complete file.
enum Taken {
    /// Imported; `problems` lists its refused rows (or why it was refused whole).
    Imported {
        summary: ImportSummary,
        problems: Vec<String>,
    },
    /// The same content was taken before, from `first`.
    Duplicate { first: String },
    /// This very file was taken before and kept with its errors.
    AlreadyKept,
}

impl Inbox {
    /// An inbox for `source` watching `folder`; nothing is read until a scan.
    pub fn new(source: SourceConfig, folder: PathBuf) -> Inbox {
        Inbox {
            source,
            folder,
            seen: HashMap::new(),
            settled: HashMap::new(),
        }
    }

    /// Scans the folder once at `now` (epoch seconds): takes every complete
    /// file, and records the scan's success or failure in the source's health.
    pub async fn scan_once(&mut self, deps: &SourceDeps, now: i64) -> anyhow::Result<ScanSummary> {
        let id = self.source.id.clone();
        let result = self.scan(deps, now).await;
        let health = match &result {
            Ok(summary) if summary.failed.is_empty() => {
                deps.store.source_succeeded(&id, "", None, now).await
            }
            Ok(summary) => {
                let error = format!(
                    "{} file(s) could not be taken: {}",
                    summary.failed.len(),
                    summary.failed.join("; ")
                );
                deps.store.source_failed(&id, "", &error, now).await
            }
            Err(e) => {
                deps.store
                    .source_failed(&id, "", &format!("{e:#}"), now)
                    .await
            }
        };
        let summary = result?;
        health.context("Failed to record the inbox's health")?;
        Ok(summary)
    }

    async fn scan(&mut self, deps: &SourceDeps, now: i64) -> anyhow::Result<ScanSummary> {
        let processed = self.folder.join(PROCESSED);
        tokio::fs::create_dir_all(&processed)
            .await
            .with_context(|| format!("Failed to create {}", processed.display()))?;
        let candidates = self.candidates().await?;

        let mut summary = ScanSummary::default();
        let mut ready = Vec::new();
        for (path, sighting) in &candidates {
            if self.settled.get(path) == Some(sighting) {
                continue;
            }
            self.settled.remove(path);
            if self.seen.insert(path.clone(), *sighting) == Some(*sighting) {
                ready.push(path.clone());
            } else {
                summary.waiting.push(file_name(path));
            }
        }
        // Files are reported and taken in name order, whatever the listing's.
        summary.waiting.sort();
        // Forget files that went away.
        self.seen.retain(|p, _| candidates.contains_key(p));
        self.settled.retain(|p, _| candidates.contains_key(p));
        ready.sort();

        for path in ready {
            let name = file_name(&path);
            match self.take(deps, &path, now).await {
                Ok(Taken::Imported {
                    summary: s,
                    problems,
                }) => {
                    summary.counts.add(s.counts);
                    summary.rejected += s.rejected;
                    if problems.is_empty() {
                        self.seen.remove(&path);
                        summary.processed.push(name);
                    } else {
                        self.settle(&path, &candidates);
                        summary.kept.push(name);
                    }
                }
                Ok(Taken::Duplicate { first }) => {
                    tracing::info!(
                        source = %self.source.id,
                        "{} has the same content as {first}, imported before: moved to {PROCESSED}/ without importing",
                        path.display()
                    );
                    self.seen.remove(&path);
                    summary.duplicates.push(name);
                }
                Ok(Taken::AlreadyKept) => self.settle(&path, &candidates),
                Err(e) => {
                    tracing::warn!(source = %self.source.id, "{}: {e:#}", path.display());
                    summary.failed.push(format!("{name}: {e:#}"));
                }
            }
        }
        Ok(summary)
    }

    /// The files that may be taken, with how they look now.
    async fn candidates(&self) -> anyhow::Result<HashMap<PathBuf, Sighting>> {
        let read_failed = || format!("Failed to read the folder {}", self.folder.display());
        let mut entries = tokio::fs::read_dir(&self.folder)
            .await
            .with_context(read_failed)?;
        let mut found = HashMap::new();
        while let Some(entry) = entries.next_entry().await.with_context(read_failed)? {
            let path = entry.path();
            if !is_candidate_name(&file_name(&path)) {
                continue;
            }
            // Follows links; a file that vanished since the listing is skipped.
            let Ok(meta) = tokio::fs::metadata(&path).await else {
                continue;
            };
            if meta.is_file() {
                let sighting = Sighting {
                    len: meta.len(),
                    modified: meta.modified().ok(),
                };
                found.insert(path, sighting);
            }
        }
        Ok(found)
    }

    fn settle(&mut self, path: &Path, candidates: &HashMap<PathBuf, Sighting>) {
        self.seen.remove(path);
        if let Some(sighting) = candidates.get(path) {
            self.settled.insert(path.to_path_buf(), *sighting);
        }
    }

    /// Takes one complete file: imports it unless its content was taken
    /// before, then moves it to `processed/` or writes its `.errors.txt`.
    async fn take(&self, deps: &SourceDeps, path: &Path, now: i64) -> anyhow::Result<Taken> {
        let file = path.display().to_string();
        let sha256 = sha256_of(path).await?;
        if let Some(first) = deps.store.inbox_file(&self.source.id, &sha256).await? {
            if first.file == file && first.rejected > 0 {
                return Ok(Taken::AlreadyKept);
            }
            move_to_processed(&self.folder, path).await?;
            return Ok(Taken::Duplicate { first: first.file });
        }

        let FileImport {
            summary,
            problems,
            refused,
        } = self.import(deps, path, now).await?;
        let errors = errors_path(path);
        if !problems.is_empty() {
            // Written before the file is recorded: if recording fails, the
            // next scan imports again (idempotently) and rewrites the list.
            tokio::fs::write(&errors, errors_text(&file, &problems, refused))
                .await
                .with_context(|| format!("Failed to write {}", errors.display()))?;
        }
        let listed = i64::try_from(problems.len()).unwrap_or(i64::MAX);
        deps.store
            .record_inbox_file(&self.source.id, &sha256, &file, listed, now)
            .await?;
        if summary.worth_detecting() {
            deps.notify_ingested();
        }
        let c = summary.counts;
        tracing::info!(
            source = %self.source.id,
            "imported {file}: {} stored, {} updated, {} unchanged, {} rejected",
            c.stored, c.updated, c.unchanged, problems.len()
        );
        if problems.is_empty() {
            // A list left from an earlier version of the file no longer applies.
            match tokio::fs::remove_file(&errors).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!("cannot remove {}: {e}", errors.display()),
            }
            move_to_processed(&self.folder, path).await?;
        }
        Ok(Taken::Imported { summary, problems })
    }

    /// Imports one file for the source's contract. A file that is not an
    /// interchange file slawatch knows is refused whole: its one problem says
    /// why. Unreadable files and store failures are errors, tried again later.
    async fn import(&self, deps: &SourceDeps, path: &Path, now: i64) -> anyhow::Result<FileImport> {
        let contract = deps
            .config
            .contract(&self.source.contract)
            .with_context(|| format!("unknown contract '{}'", self.source.contract))?;
        let contracts = std::slice::from_ref(contract);
        let mut problems = Vec::new();
        let mut on_reject = |r: &import::Rejection| problems.push(r.to_string());
        let file = path.display().to_string();

        let outcome = if extension(path) == "xlsx" {
            let owned = path.to_path_buf();
            let columns = match &self.source.kind {
                crate::config::SourceKind::Inbox { columns, .. } => columns.clone(),
                _ => Default::default(),
            };
            let read = tokio::task::spawn_blocking(move || xlsx::read(&owned, &columns))
                .await
                .context("the spreadsheet reader panicked")?;
            match read {
                Ok(records) => import::ingest(
                    &deps.store,
                    contracts,
                    &self.source.id,
                    &file,
                    now,
                    records,
                    &mut on_reject,
                )
                .await
                .map_err(anyhow::Error::from),
                Err(xlsx::ReadError::Io(e)) => {
                    return Err(anyhow::Error::new(e).context(format!("Failed to read {file}")));
                }
                Err(xlsx::ReadError::Refused(reason)) => {
                    return Ok(FileImport::refused(format!("{file}: {reason}")));
                }
            }
        } else {
            match import::import_file(
                &deps.store,
                contracts,
                path,
                &Writer::source(&self.source.id),
                now,
                &mut on_reject,
            )
            .await
            {
                Err(e @ ImportError::Unrecognised { .. }) => {
                    return Ok(FileImport::refused(e.to_string()));
                }
                other => other.map_err(anyhow::Error::from),
            }
        };
        Ok(FileImport {
            summary: outcome?,
            problems,
            refused: false,
        })
    }
}
