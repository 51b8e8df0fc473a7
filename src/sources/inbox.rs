//! A watched folder for the supplier's monthly packs and exports (see the
//! docs/book/src/operators/sources.md, `kind = "inbox"`). CSV, JSON Lines
//! and XLSX files dropped in are imported once each, then moved to
//! `processed/`; a file with a refused row stays where it is, beside a
//! `<file>.errors.txt` listing file, line and reason.
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
//!
//! The supplier writes into the folder, so nothing in it is trusted: a link
//! is never followed (see `folder.rs`), a file is checked unchanged after it
//! was imported and before it is recorded and moved, and the `[limits]`
//! bound what one file can make the daemon hold.

mod files;
mod folder;
pub mod xlsx;

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use tokio_util::sync::CancellationToken;

use crate::config::{ImportLimits, SourceConfig};
use crate::import::{self, FileInput, ImportError, ImportSummary, Writer};
use crate::shutdown::sleep_or_stop;
use crate::sources::SourceDeps;
use crate::store::write::WriteCounts;
pub use files::{ERRORS_SUFFIX, PROCESSED, is_candidate_name};
use files::{ends_with_line_end, errors_name, errors_text, extension, sha256_of};
use folder::{Entry, Folder, Stamp};

/// How often the folder is scanned. A file is taken on the second scan that
/// sees it unchanged, so within two scans of its last write.
const SCAN_EVERY: Duration = Duration::from_secs(5);

/// Imports of one file's content begun and never finished (the daemon
/// stopped mid-import) before the file is refused: a file that kills the
/// daemon whenever it is read would otherwise kill every daemon that takes
/// over after it.
const MOST_ATTEMPTS: i64 = 3;

/// How long a CSV file whose last row has no line end must have been left
/// unwritten before it is taken. Such a row may be one cut short by a
/// writer that paused, and a row cut short can still read as a valid one.
const UNTERMINATED_QUIET: Duration = Duration::from_secs(60);

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
    /// Seen, but not yet the same on two scans, or changed while being
    /// taken: left for a later scan.
    pub waiting: Vec<String>,
    /// Could not be taken this time (unreadable, store failure), with why;
    /// tried again on the next scan.
    pub failed: Vec<String>,
    /// Entries never read, with why: links, folders, pipes under a name an
    /// inbox would otherwise take.
    pub refused: Vec<String>,
    /// Records stored, updated and unchanged over the files imported.
    pub counts: WriteCounts,
    /// Rows refused over the files imported.
    pub rejected: u64,
}

/// One inbox folder and what its scans remember between them.
#[derive(Debug)]
pub struct Inbox {
    source: SourceConfig,
    folder: PathBuf,
    /// What each candidate looked like at the last scan.
    seen: HashMap<String, Stamp>,
    /// Files left in place (kept with errors) as they were when settled, so
    /// they are not hashed again on every scan.
    settled: HashMap<String, Stamp>,
    /// Entries refused and already reported (logged, and told in their
    /// `.errors.txt`), so that happens once, not on every scan.
    reported: HashMap<String, Entry>,
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

/// What became of one file that looked complete.
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
    /// Over the size an inbox takes: refused whole without being read.
    TooLarge,
    /// Not complete after all (changed since it was seen, changed while
    /// being taken, or a last row without a line end written too lately):
    /// left for a later scan, nothing recorded.
    Unsettled(&'static str),
}

impl Inbox {
    /// An inbox for `source` watching `folder`; nothing is read until a scan.
    pub fn new(source: SourceConfig, folder: PathBuf) -> Inbox {
        Inbox {
            source,
            folder,
            seen: HashMap::new(),
            settled: HashMap::new(),
            reported: HashMap::new(),
        }
    }

    /// Scans the folder once at `now` (epoch seconds): takes every complete
    /// file, and records the scan's success or failure in the source's health.
    pub async fn scan_once(&mut self, deps: &SourceDeps, now: i64) -> anyhow::Result<ScanSummary> {
        let id = self.source.id.clone();
        let result = self.scan(deps, now).await;
        let health = match &result {
            Ok(summary) if summary.failed.is_empty() && summary.refused.is_empty() => {
                deps.store.source_succeeded(&id, "", None, now).await
            }
            Ok(summary) => {
                let mut problems = Vec::new();
                if !summary.failed.is_empty() {
                    problems.push(format!(
                        "{} file(s) could not be taken: {}",
                        summary.failed.len(),
                        summary.failed.join("; ")
                    ));
                }
                if !summary.refused.is_empty() {
                    problems.push(format!(
                        "{} entr(ies) refused: {}",
                        summary.refused.len(),
                        summary.refused.join("; ")
                    ));
                }
                deps.store
                    .source_failed(&id, "", &problems.join(". "), now)
                    .await
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
        let folder = Folder::open(&self.folder)
            .with_context(|| format!("Failed to open the folder {}", self.folder.display()))?;
        folder
            .processed()
            .with_context(|| format!("Failed to open {PROCESSED}/"))?;
        let entries = self.entries(&folder)?;

        let mut summary = ScanSummary::default();
        let mut candidates = HashMap::new();
        for (name, entry) in &entries {
            match entry {
                Entry::File(stamp) => {
                    candidates.insert(name.clone(), *stamp);
                }
                refused => {
                    self.refuse(&folder, name, *refused);
                    let why = refused.refusal().unwrap_or_default();
                    summary.refused.push(format!("{name} {why}"));
                }
            }
        }
        summary.refused.sort();
        // An entry fixed (or gone) is reported afresh if refused again.
        self.reported.retain(|name, e| entries.get(name) == Some(e));

        let mut ready = Vec::new();
        for (name, stamp) in &candidates {
            if self.settled.get(name) == Some(stamp) {
                continue;
            }
            self.settled.remove(name);
            if self.seen.insert(name.clone(), *stamp) == Some(*stamp) {
                ready.push(name.clone());
            } else {
                summary.waiting.push(name.clone());
            }
        }
        // Forget files that went away.
        self.seen.retain(|n, _| candidates.contains_key(n));
        self.settled.retain(|n, _| candidates.contains_key(n));
        // Files are taken in name order, whatever the listing's.
        ready.sort();

        let limits = deps.config.limits;
        for name in ready {
            let Some(&stamp) = candidates.get(&name) else {
                continue;
            };
            match self.take(deps, &folder, &name, stamp, &limits, now).await {
                Ok(Taken::Imported {
                    summary: s,
                    problems,
                }) => {
                    summary.counts.add(s.counts);
                    summary.rejected += s.rejected;
                    if problems.is_empty() {
                        self.seen.remove(&name);
                        summary.processed.push(name);
                    } else {
                        self.settle(&name, stamp);
                        summary.kept.push(name);
                    }
                }
                Ok(Taken::Duplicate { first }) => {
                    tracing::info!(
                        source = %self.source.id,
                        "{} has the same content as {first}, imported before: moved to {PROCESSED}/ without importing",
                        folder.path_of(&name).display()
                    );
                    self.seen.remove(&name);
                    summary.duplicates.push(name);
                }
                Ok(Taken::AlreadyKept) => self.settle(&name, stamp),
                Ok(Taken::TooLarge) => {
                    self.settle(&name, stamp);
                    summary.kept.push(name);
                }
                Ok(Taken::Unsettled(why)) => {
                    tracing::info!(
                        source = %self.source.id,
                        "{} {why}: left for a later scan",
                        folder.path_of(&name).display()
                    );
                    self.seen.remove(&name);
                    summary.waiting.push(name);
                }
                Err(e) => {
                    tracing::warn!(source = %self.source.id, "{}: {e:#}", folder.path_of(&name).display());
                    summary.failed.push(format!("{name}: {e:#}"));
                }
            }
        }
        summary.waiting.sort();
        Ok(summary)
    }

    /// Every entry under a name the inbox takes, looked at without following it.
    fn entries(&self, folder: &Folder) -> anyhow::Result<HashMap<String, Entry>> {
        let read_failed = || format!("Failed to read the folder {}", self.folder.display());
        let mut found = HashMap::new();
        for name in folder.names().with_context(read_failed)? {
            if !is_candidate_name(&name) {
                continue;
            }
            // An entry that vanished since the listing is skipped.
            if let Some(entry) = folder.entry(&name).with_context(read_failed)? {
                found.insert(name, entry);
            }
        }
        Ok(found)
    }

    /// Reports a refused entry once: a warning in the log, and its reason in
    /// its `.errors.txt`, where the supplier looks.
    fn refuse(&mut self, folder: &Folder, name: &str, entry: Entry) {
        if self.reported.insert(name.to_string(), entry) == Some(entry) {
            return;
        }
        let path = folder.path_of(name).display().to_string();
        let why = entry.refusal().unwrap_or_default();
        tracing::warn!(source = %self.source.id, "{path} {why}: not read");
        let text = errors_text(&path, &[format!("{path} {why}")], true);
        if let Err(e) = folder.write_text(&errors_name(name), &text) {
            tracing::warn!(source = %self.source.id, "cannot write the errors list of {path}: {e}");
        }
    }

    fn settle(&mut self, name: &str, stamp: Stamp) {
        self.seen.remove(name);
        self.settled.insert(name.to_string(), stamp);
    }

    /// Takes one file that looked complete: imports it unless its content
    /// was taken before, then moves it to `processed/` or writes its
    /// `.errors.txt`. The file is opened once, without following a link;
    /// what is imported is what was hashed, and it is recorded and moved
    /// only if it is still the same file, unchanged, afterwards.
    async fn take(
        &self,
        deps: &SourceDeps,
        folder: &Folder,
        name: &str,
        sighting: Stamp,
        limits: &ImportLimits,
        now: i64,
    ) -> anyhow::Result<Taken> {
        let path = folder.path_of(name);
        let file = path.display().to_string();
        let (opened, stamp) = folder
            .open_file(name)
            .with_context(|| format!("Failed to open {file}"))?;
        if stamp != sighting {
            return Ok(Taken::Unsettled("changed since it was last seen"));
        }
        if stamp.len > limits.max_file_bytes {
            let reason = format!(
                "{file}: it is {} bytes, more than the {} an inbox takes ([limits] max_file_bytes)",
                stamp.len, limits.max_file_bytes
            );
            folder
                .write_text(&errors_name(name), &errors_text(&file, &[reason], true))
                .with_context(|| format!("Failed to write the errors list of {file}"))?;
            return Ok(Taken::TooLarge);
        }
        if extension(&path) == "csv"
            && !ends_with_line_end(&opened, stamp.len)
                .with_context(|| format!("Failed to read {file}"))?
            && stamp.age() < UNTERMINATED_QUIET
        {
            return Ok(Taken::Unsettled(
                "ends in a row without a line end, written moments ago",
            ));
        }
        let sha256 = sha256_of(&opened, stamp.len)
            .await
            .with_context(|| format!("Failed to read {file}"))?;
        if let Some(first) = deps.store.inbox_file(&self.source.id, &sha256).await? {
            if first.file == file && first.rejected > 0 {
                return Ok(Taken::AlreadyKept);
            }
            folder
                .move_to_processed(name)
                .with_context(|| format!("Failed to move {file} to {PROCESSED}/"))?;
            return Ok(Taken::Duplicate { first: first.file });
        }

        let begun = deps
            .store
            .begin_inbox_attempt(&self.source.id, &sha256, now)
            .await?;
        let imported = if begun > MOST_ATTEMPTS {
            Ok(FileImport::refused(format!(
                "{file}: slawatch stopped {} times while importing it (out of memory?): \
                 refused, so it cannot stop the daemon again",
                begun - 1
            )))
        } else {
            self.import(deps, &path, &opened, stamp.len, limits, now)
                .await
        };
        // However the import ended, it ended: only a stop mid-import counts.
        deps.store
            .end_inbox_attempt(&self.source.id, &sha256)
            .await?;
        let FileImport {
            summary,
            problems,
            refused,
        } = imported?;
        // Rows already stored stay (storing them again changes nothing);
        // the changed file is taken whole once it stops changing.
        if !self
            .unchanged(folder, name, &opened, stamp, &sha256)
            .await?
        {
            return Ok(Taken::Unsettled("changed while it was being imported"));
        }
        let errors = errors_name(name);
        if !problems.is_empty() {
            // Written before the file is recorded: if recording fails, the
            // next scan imports again (idempotently) and rewrites the list.
            folder
                .write_text(&errors, &errors_text(&file, &problems, refused))
                .with_context(|| format!("Failed to write the errors list of {file}"))?;
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
            if let Err(e) = folder.remove(&errors) {
                tracing::warn!("cannot remove the errors list of {file}: {e}");
            }
            folder
                .move_to_processed(name)
                .with_context(|| format!("Failed to move {file} to {PROCESSED}/"))?;
        }
        Ok(Taken::Imported { summary, problems })
    }

    /// Whether the entry `name` is still the file `opened`, as it was
    /// (`stamp`) and with the content hashed before (`sha256`).
    async fn unchanged(
        &self,
        folder: &Folder,
        name: &str,
        opened: &File,
        stamp: Stamp,
        sha256: &str,
    ) -> anyhow::Result<bool> {
        let file = folder.path_of(name).display().to_string();
        let now = folder::stamp_of(opened).with_context(|| format!("Failed to read {file}"))?;
        let listed = folder
            .entry(name)
            .with_context(|| format!("Failed to read {file}"))?;
        if now != stamp || listed != Some(Entry::File(stamp)) {
            return Ok(false);
        }
        let again = sha256_of(opened, stamp.len)
            .await
            .with_context(|| format!("Failed to read {file}"))?;
        Ok(again == sha256)
    }

    /// Imports the first `len` bytes of the file `opened` (named `path`) for
    /// the source's contract. A file that is not an interchange file
    /// slawatch knows, or over a limit, is refused whole: its one problem
    /// says why. Unreadable files and store failures are errors, tried
    /// again later.
    async fn import(
        &self,
        deps: &SourceDeps,
        path: &Path,
        opened: &File,
        len: u64,
        limits: &ImportLimits,
        now: i64,
    ) -> anyhow::Result<FileImport> {
        let contract = deps
            .config
            .contract(&self.source.contract)
            .with_context(|| format!("unknown contract '{}'", self.source.contract))?;
        let contracts = std::slice::from_ref(contract);
        let mut problems = Vec::new();
        let mut on_reject = |r: &import::Rejection| problems.push(r.to_string());
        let file = path.display().to_string();
        let mut content = opened
            .try_clone()
            .with_context(|| format!("Failed to read {file}"))?;
        content
            .seek(SeekFrom::Start(0))
            .with_context(|| format!("Failed to read {file}"))?;

        let outcome = if extension(path) == "xlsx" {
            let owned = path.to_path_buf();
            let columns = match &self.source.kind {
                crate::config::SourceKind::Inbox { columns, .. } => columns.clone(),
                _ => Default::default(),
            };
            let most = limits.max_unpacked_bytes;
            let read =
                tokio::task::spawn_blocking(move || xlsx::read(content, &owned, &columns, most))
                    .await
                    // A reader that panics on this file would on every try:
                    // refused for good, not retried.
                    .unwrap_or_else(|_| {
                        Err(xlsx::ReadError::Refused(
                            "the spreadsheet reader failed on it".into(),
                        ))
                    });
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
            let input = FileInput {
                label: &file,
                path,
                reader: content.take(len),
            };
            match import::import_read(
                &deps.store,
                contracts,
                input,
                &Writer::source(&self.source.id),
                limits,
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
