//! The inbox folder's conventions: which names are taken, where a file's
//! list of problems goes, how a taken file is moved aside, and how files are
//! known by content.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// The extensions taken (case-insensitive).
const EXTENSIONS: [&str; 5] = ["csv", "jsonl", "ndjson", "json", "xlsx"];
/// Where imported files go, inside the inbox.
pub const PROCESSED: &str = "processed";
/// What is added to a file's name to name its list of problems.
pub const ERRORS_SUFFIX: &str = ".errors.txt";

/// Moves a file into the inbox's `processed/`, under a new name
/// (`name-2.csv` …) if its own is taken there.
pub(super) async fn move_to_processed(folder: &Path, path: &Path) -> anyhow::Result<PathBuf> {
    let processed = folder.join(PROCESSED);
    let name = file_name(path);
    let mut target = processed.join(&name);
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) => (stem.to_string(), format!(".{ext}")),
        None => (name.clone(), String::new()),
    };
    let mut n = 2;
    // An unanswerable check falls through to the rename, which then says why.
    while matches!(tokio::fs::try_exists(&target).await, Ok(true)) {
        target = processed.join(format!("{stem}-{n}{ext}"));
        n += 1;
    }
    tokio::fs::rename(path, &target)
        .await
        .with_context(|| format!("Failed to move {} to {}", path.display(), target.display()))?;
    Ok(target)
}

/// Whether a file name is one an inbox takes: a known extension, not hidden,
/// not being written (`.part`, `.tmp`), not an errors list.
pub fn is_candidate_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !lower.starts_with('.')
        && !lower.ends_with(".part")
        && !lower.ends_with(".tmp")
        && !lower.ends_with(ERRORS_SUFFIX)
        && EXTENSIONS
            .iter()
            .any(|ext| extension(Path::new(&lower)) == *ext)
}

/// A path's extension in lower case (`""` when it has none).
pub(super) fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// A path's last component, as text.
pub(super) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `<file>.errors.txt`, beside the file.
pub fn errors_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(ERRORS_SUFFIX);
    path.with_file_name(name)
}

/// The text of a `.errors.txt`: what happened, what to do, then one
/// problem a line.
pub(super) fn errors_text(file: &str, problems: &[String], refused: bool) -> String {
    let what = if refused {
        format!("# slawatch could not import {file} (nothing was stored):\n")
    } else {
        format!(
            "# slawatch refused {} row(s) of {file}; every other row was stored.\n",
            problems.len()
        )
    };
    let mut text = what
        + "# Correct the file and save it here again to have it imported again\n\
           # (rows stored before are updated, never duplicated).\n";
    for problem in problems {
        text.push_str(problem);
        text.push('\n');
    }
    text
}

/// The SHA-256 of a file's content, in hex, read off the async threads.
pub(super) async fn sha256_of(path: &Path) -> anyhow::Result<String> {
    use sha2::{Digest, Sha256};
    let owned = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(&owned)?;
        let mut hasher = Sha256::new();
        std::io::copy(&mut file, &mut hasher)?;
        Ok::<_, std::io::Error>(hex::encode(hasher.finalize()))
    })
    .await
    .context("the hashing task panicked")?
    .with_context(|| format!("Failed to read {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_only_complete_interchange_files() {
        for name in [
            "incidents.csv",
            "Pack-2026-10.XLSX",
            "w.jsonl",
            "w.ndjson",
            "w.json",
        ] {
            assert!(is_candidate_name(name), "{name}");
        }
        for name in [
            "incidents.csv.part",
            "incidents.csv.tmp",
            ".incidents.csv",
            "incidents.csv.errors.txt",
            "notes.txt",
            "pack.xls",
            "csv",
        ] {
            assert!(!is_candidate_name(name), "{name}");
        }
    }

    #[test]
    fn errors_list_sits_beside_the_file() {
        assert_eq!(
            errors_path(Path::new("/in/bad.csv")),
            PathBuf::from("/in/bad.csv.errors.txt")
        );
    }
}
