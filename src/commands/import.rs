//! `slawatch import FILE…`: import interchange files and say what happened.

use std::path::PathBuf;

use super::Failure;
use crate::config::Config;
use crate::domain::WallClock;
use crate::import::{Correction, ImportError, ImportSummary, Writer, import_file};
use crate::store::Store;
use crate::store::records::required;

/// Who `import` writes as: `cli`, or a person correcting with `--by` and
/// `--reason` (both required, neither blank, by the argument parser and here).
pub fn writer(by: Option<&str>, reason: Option<&str>) -> Result<Writer, Failure> {
    let (Some(by), Some(reason)) = (by, reason) else {
        return Ok(Writer::source(CLI_SOURCE));
    };
    let by = required("--by", by).map_err(|e| Failure::input(e.to_string()))?;
    let reason = required("--reason", reason).map_err(|e| Failure::input(e.to_string()))?;
    Ok(Writer {
        source: CLI_SOURCE.to_string(),
        correction: Some(Correction { by, reason }),
    })
}

/// The owner of records first stored by `slawatch import`.
pub const CLI_SOURCE: &str = "cli";

/// Imports each file, printing each rejection and the counts. Fails with
/// exit 1 when any row or file was refused (after storing every good row).
pub async fn run(
    config: &Config,
    store: &Store,
    files: &[PathBuf],
    writer: &Writer,
    clock: &WallClock,
) -> Result<(), Failure> {
    let mut total = ImportSummary::default();
    let mut bad_files = Vec::new();
    for path in files {
        let mut print = |r: &crate::import::Rejection| eprintln!("rejected: {r}");
        match import_file(
            store,
            &config.contracts,
            path,
            writer,
            &config.limits,
            clock.now().timestamp(),
            &mut print,
        )
        .await
        {
            Ok(s) => {
                println!(
                    "{}: {} stored, {} updated, {} unchanged, {} rejected",
                    path.display(),
                    s.counts.stored,
                    s.counts.updated,
                    s.counts.unchanged,
                    s.rejected
                );
                if s.rewrites.rewrites > 0 {
                    println!(
                        "{}: {} change(s) to evidence already held came after the fact, {} favourable to the supplier (listed in the month's report under \"Records changed after the fact\")",
                        path.display(),
                        s.rewrites.rewrites,
                        s.rewrites.favourable
                    );
                }
                total.counts.add(s.counts);
                total.rejected += s.rejected;
            }
            Err(ImportError::Store(e)) => return Err(Failure::runtime(e)),
            Err(e) => bad_files.push(e.to_string()),
        }
    }
    if files.len() > 1 {
        println!(
            "total: {} stored, {} updated, {} unchanged, {} rejected",
            total.counts.stored, total.counts.updated, total.counts.unchanged, total.rejected
        );
    }
    match (bad_files.is_empty(), total.rejected) {
        (true, 0) => Ok(()),
        (true, n) => Err(Failure::input(format!(
            "{n} row(s) rejected; every other row was stored"
        ))),
        (false, _) => Err(Failure::input(bad_files.join("\n"))),
    }
}
