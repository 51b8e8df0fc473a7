//! The inbox folder's conventions: which names are taken, where a file's
//! list of problems goes, and how a file's content is known (its hash, and
//! whether it ends with a line end).

use std::fs::File;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::os::unix::fs::FileExt as _;
use std::path::Path;

use anyhow::Context as _;

/// The extensions taken (case-insensitive).
const EXTENSIONS: [&str; 5] = ["csv", "jsonl", "ndjson", "json", "xlsx"];
/// Where imported files go, inside the inbox.
pub const PROCESSED: &str = "processed";
/// What is added to a file's name to name its list of problems.
pub const ERRORS_SUFFIX: &str = ".errors.txt";

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

/// `<file>.errors.txt`: the name of a file's list of problems, beside it.
pub(super) fn errors_name(name: &str) -> String {
    format!("{name}{ERRORS_SUFFIX}")
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

/// Whether the first `len` bytes of the file end with a line end (an empty
/// file counts as ending with one).
pub(super) fn ends_with_line_end(file: &File, len: u64) -> std::io::Result<bool> {
    if len == 0 {
        return Ok(true);
    }
    let mut last = [0u8; 1];
    file.read_exact_at(&mut last, len - 1)?;
    Ok(last[0] == b'\n')
}

/// The SHA-256 of the first `len` bytes of the file, in hex, read off the
/// async threads.
pub(super) async fn sha256_of(file: &File, len: u64) -> anyhow::Result<String> {
    use sha2::{Digest, Sha256};
    let mut content = file.try_clone()?;
    tokio::task::spawn_blocking(move || {
        content.seek(SeekFrom::Start(0))?;
        let mut hasher = Sha256::new();
        std::io::copy(&mut content.take(len), &mut hasher)?;
        Ok::<_, std::io::Error>(hex::encode(hasher.finalize()))
    })
    .await
    .context("the hashing task panicked")?
    .map_err(anyhow::Error::from)
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
        assert_eq!(errors_name("bad.csv"), "bad.csv.errors.txt");
    }
}
