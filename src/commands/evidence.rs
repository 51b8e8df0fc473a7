//! `slawatch evidence add|list|get`: files (a PDF invoice, a photo, an
//! email) behind a recoverable cost, an excusal, a dispute's decision, a
//! commitment's delivery or a DR test, kept in the store with their SHA-256.
//! Files are only ever added: a wrong one is answered by adding the right one.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::Failure;
use super::records::{ListFormat, contract, now, print_list, refused, who};
use crate::config::Config;
use crate::domain::evidence_file::{MAX_EVIDENCE_FILE_BYTES, media_type_of};
use crate::domain::time::format_utc;
use crate::domain::{EvidenceSubject, NewEvidenceFile, WallClock};
use crate::store::Store;

/// Which record a file supports: exactly one of these.
#[derive(Debug, Args)]
#[group(required = false, multiple = false)]
pub struct SubjectArgs {
    /// A recoverable cost's id.
    #[arg(long, value_name = "ID")]
    pub cost: Option<i64>,
    /// An excusal's id.
    #[arg(long, value_name = "ID")]
    pub excusal: Option<i64>,
    /// A dispute's id.
    #[arg(long, value_name = "ID")]
    pub dispute: Option<i64>,
    /// A commitment delivery's id (printed by `commitment deliver`; the API's
    /// deliver answers it as `delivery`).
    #[arg(long, value_name = "ID")]
    pub delivery: Option<i64>,
    /// A DR test's id.
    #[arg(long, value_name = "ID")]
    pub dr_test: Option<i64>,
}

impl SubjectArgs {
    fn subject(&self) -> Option<EvidenceSubject> {
        match (
            self.cost,
            self.excusal,
            self.dispute,
            self.delivery,
            self.dr_test,
        ) {
            (Some(id), ..) => Some(EvidenceSubject::Cost(id)),
            (_, Some(id), ..) => Some(EvidenceSubject::Excusal(id)),
            (_, _, Some(id), ..) => Some(EvidenceSubject::Dispute(id)),
            (.., Some(id), _) => Some(EvidenceSubject::Delivery(id)),
            (.., Some(id)) => Some(EvidenceSubject::DrTest(id)),
            _ => None,
        }
    }
}

/// The `evidence` subcommands.
#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Store a file as evidence for a cost, an excusal, a dispute, a delivery or a DR test.
    Add {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// What the file supports (exactly one).
        #[command(flatten)]
        subject: SubjectArgs,
        /// The file to store (at most 10 MiB).
        #[arg(long, value_name = "PATH")]
        file: PathBuf,
        /// Its MIME type (default: from the file name's extension).
        #[arg(long, value_name = "TYPE")]
        media_type: Option<String>,
        /// Who is adding it (kept in the audit trail).
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// List the contract's evidence files (all, or one record's).
    List {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// Only the files of this record.
        #[command(flatten)]
        subject: SubjectArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Write a stored file out, byte for byte (checked against its SHA-256).
    Get {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// The file's id (from `evidence list`).
        #[arg(long)]
        id: i64,
        /// Where to write it.
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
    },
}

/// Runs an `evidence` subcommand.
pub async fn run(
    config: &Config,
    store: &Store,
    cmd: EvidenceCommand,
    clock: &WallClock,
) -> Result<(), Failure> {
    match cmd {
        EvidenceCommand::Add {
            contract: id,
            subject,
            file,
            media_type,
            by,
        } => {
            let c = contract(config, &id)?;
            let by = who(&by)?;
            let subject = subject.subject().ok_or_else(|| {
                Failure::input(
                    "name what the file supports: --cost, --excusal, --dispute, --delivery or --dr-test",
                )
            })?;
            let bytes = read_limited(&file)?;
            let filename = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let media_type = media_type
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| media_type_of(&filename).to_string());
            let new = NewEvidenceFile {
                subject,
                filename,
                media_type,
                bytes,
            };
            let f = store
                .add_evidence_file(&c.id, c.timezone, &new, &by, now(clock))
                .await
                .map_err(refused)?;
            println!(
                "stored evidence file {} for {} of {}: {} ({} bytes, SHA-256 {})",
                f.id, f.subject, c.id, f.filename, f.size, f.sha256
            );
            Ok(())
        }
        EvidenceCommand::List {
            contract: id,
            subject,
            format,
        } => {
            let c = contract(config, &id)?;
            let files = store
                .evidence_files(&c.id, subject.subject())
                .await
                .map_err(Failure::runtime)?;
            print_list(
                &files,
                format,
                &["ID", "FOR", "NAME", "TYPE", "BYTES", "SHA-256", "ADDED"],
                |f| {
                    vec![
                        f.id.to_string(),
                        f.subject.to_string(),
                        f.filename.escape_debug().to_string(),
                        f.media_type.clone(),
                        f.size.to_string(),
                        f.sha256.clone(),
                        format!("{} by {}", format_utc(f.added_at), f.added_by),
                    ]
                },
            )
        }
        EvidenceCommand::Get {
            contract: id,
            id: file_id,
            out,
        } => {
            let c = contract(config, &id)?;
            let (f, bytes) = store
                .evidence_file_bytes(&c.id, file_id)
                .await
                .map_err(Failure::runtime)?
                .ok_or_else(|| {
                    Failure::input(format!(
                        "no evidence file {file_id} for contract '{}'",
                        c.id
                    ))
                })?;
            std::fs::write(&out, &bytes).map_err(|e| {
                Failure::runtime(anyhow::anyhow!("cannot write {}: {e}", out.display()))
            })?;
            println!(
                "wrote evidence file {} ({}, {} bytes, SHA-256 {}) to {}",
                f.id,
                f.filename,
                f.size,
                f.sha256,
                out.display()
            );
            Ok(())
        }
    }
}

/// The file's bytes, refused before reading when it is over the limit.
fn read_limited(path: &Path) -> Result<Vec<u8>, Failure> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Failure::input(format!("cannot read {}: {e}", path.display())))?;
    if meta.len() > MAX_EVIDENCE_FILE_BYTES as u64 {
        return Err(Failure::input(format!(
            "{} is {} bytes, over the limit of {MAX_EVIDENCE_FILE_BYTES} bytes (10 MiB) for an evidence file",
            path.display(),
            meta.len()
        )));
    }
    std::fs::read(path).map_err(|e| Failure::input(format!("cannot read {}: {e}", path.display())))
}
