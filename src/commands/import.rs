//! `slawatch import FILE…`: import interchange files and say what happened.

use std::path::PathBuf;

use super::Failure;
use crate::config::Config;
use crate::domain::WallClock;
use crate::import::{ImportError, ImportSummary, import_file};
use crate::store::Store;

/// Imports each file, printing each rejection and the counts. Fails with
/// exit 1 when any row or file was refused (after storing every good row).
pub async fn run(
    config: &Config,
    store: &Store,
    files: &[PathBuf],
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
            "cli",
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
