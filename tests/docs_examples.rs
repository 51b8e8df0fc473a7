//! The documentation's shell examples run: every fenced block whose info
//! string is `sh,tested` in the book's pages (`docs/book/src`) and the
//! README is run with `sh -eu` and must exit 0, so a command, option or
//! output the docs show cannot drift from the program.
//!
//! Each block runs where a reader would type it: a fresh folder holding a
//! copy of the repository's `config/`, in which `slawatch demo --no-daemon`
//! has run (the demo reads `config/slawatch.toml` and writes its store and
//! files under `data/`, both relative to the folder it runs in), with the
//! freshly built `slawatch` first on `PATH`. The demo runs once; each block
//! gets its own copy of the folder it prepared, so no block sees another's
//! changes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The info string that marks a block as run by this test.
const TESTED: &str = "sh,tested";

/// The longest a block may take before it is stopped and failed (a command
/// that waits for input, or the daemon started by mistake, would otherwise
/// hang the suite).
const BLOCK_TIMEOUT: Duration = Duration::from_secs(120);

/// The fewest tested blocks the docs hold: fewer means the marks were lost
/// (or the search broke), and the test would pass on nothing.
const AT_LEAST: usize = 8;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// One tested block: where it is and what it says.
#[derive(Debug, PartialEq)]
struct Block {
    /// The file, relative to the crate root.
    page: String,
    /// The line of the opening fence (1-based).
    line: usize,
    /// The block's text, without its fences.
    script: String,
}

/// The tested blocks of one file's `text`, in order. A fence is three or
/// more backticks; a block ends at a fence of at least as many backticks
/// and no info string, as CommonMark reads it, so a longer fence may show a
/// tested block as an example without running it.
fn tested_blocks(page: &str, text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, usize, bool, Vec<&str>)> = None;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let ticks = trimmed.chars().take_while(|&c| c == '`').count();
        match &mut open {
            None if ticks >= 3 => {
                let info = trimmed[ticks..].trim();
                open = Some((n + 1, ticks, info == TESTED, Vec::new()));
            }
            None => {}
            Some((start, fence, tested, body)) => {
                if ticks >= *fence && trimmed[ticks..].trim().is_empty() {
                    if *tested {
                        blocks.push(Block {
                            page: page.to_string(),
                            line: *start,
                            script: body.join("\n") + "\n",
                        });
                    }
                    open = None;
                } else {
                    body.push(line);
                }
            }
        }
    }
    blocks
}

/// Every `.md` file under `dir`, in a stable order.
fn pages_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("folder entry").path())
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            pages_under(&entry, out);
        } else if entry.extension().is_some_and(|x| x == "md") {
            out.push(entry);
        }
    }
}

/// The tested blocks of the book and the README.
fn all_tested_blocks() -> Vec<Block> {
    let mut files = Vec::new();
    pages_under(&root().join("docs/book/src"), &mut files);
    files.push(root().join("README.md"));
    let mut blocks = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
        let page = file
            .strip_prefix(root())
            .unwrap_or(&file)
            .display()
            .to_string();
        blocks.extend(tested_blocks(&page, &text));
    }
    blocks
}

/// Copies the folder `from` into `to` (which exists), files and folders.
fn copy_folder(from: &Path, to: &Path) {
    for entry in
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("reading {}: {e}", from.display()))
    {
        let entry = entry.expect("folder entry");
        let target = to.join(entry.file_name());
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            std::fs::create_dir(&target).expect("creating a folder");
            copy_folder(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copying {}: {e}", entry.path().display()));
        }
    }
}

/// `PATH` with the built binary's folder first.
fn path_with_slawatch() -> std::ffi::OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_slawatch"))
        .parent()
        .expect("the binary's folder")
        .to_path_buf();
    let mut paths = vec![bin];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).expect("a PATH")
}

/// A folder as a reader prepares it: the repository's `config/` copied in,
/// then `slawatch demo --no-daemon` run there.
fn prepared_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    let config = dir.path().join("config");
    std::fs::create_dir(&config).expect("config folder");
    copy_folder(&root().join("config"), &config);
    let out = Command::new(env!("CARGO_BIN_EXE_slawatch"))
        .args(["demo", "--no-daemon"])
        .current_dir(dir.path())
        .env("PATH", path_with_slawatch())
        .output()
        .expect("running slawatch demo");
    assert!(
        out.status.success(),
        "slawatch demo --no-daemon failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// What running a block gave: `None` when it exited 0, else a report
/// naming the page and line with the block and its output.
fn run_block(block: &Block, prepared: &Path) -> Option<String> {
    let work = tempfile::tempdir().expect("temporary folder");
    copy_folder(prepared, work.path());
    // The output goes to files beside, not in, the folder the block sees.
    let logs = tempfile::tempdir().expect("temporary folder");
    let stdout_path = logs.path().join("stdout");
    let stderr_path = logs.path().join("stderr");
    let stdout = std::fs::File::create(&stdout_path).expect("stdout file");
    let stderr = std::fs::File::create(&stderr_path).expect("stderr file");
    let mut child = Command::new("sh")
        .args(["-eu", "-c", &block.script])
        .current_dir(work.path())
        .env("PATH", path_with_slawatch())
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("starting sh");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for sh") {
            break Some(status);
        }
        if started.elapsed() > BLOCK_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if status.is_some_and(|s| s.success()) {
        return None;
    }
    let outcome = match status {
        Some(status) => format!("exited with {status}"),
        None => format!("was stopped after {BLOCK_TIMEOUT:?}"),
    };
    Some(format!(
        "{}:{}: the block {outcome}\n--- block\n{}--- stdout\n{}--- stderr\n{}",
        block.page,
        block.line,
        block.script,
        std::fs::read_to_string(&stdout_path).unwrap_or_default(),
        std::fs::read_to_string(&stderr_path).unwrap_or_default(),
    ))
}

#[test]
fn every_tested_shell_example_runs() {
    let blocks = all_tested_blocks();
    assert!(
        blocks.len() >= AT_LEAST,
        "only {} `{TESTED}` blocks found in the book and the README; expected at least {AT_LEAST}",
        blocks.len()
    );
    let prepared = prepared_folder();
    let failures: Vec<String> = blocks
        .iter()
        .filter_map(|block| run_block(block, prepared.path()))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} tested shell examples failed:\n\n{}",
        failures.len(),
        blocks.len(),
        failures.join("\n")
    );
}

#[test]
fn the_search_finds_tested_blocks_with_their_lines_and_nothing_else() {
    let text = [
        "# Page",
        "",
        "```sh,tested",
        "slawatch check",
        "```",
        "",
        "```sh",
        "slawatch run",
        "```",
        "",
        "````md",
        "```sh,tested",
        "shown, not run",
        "```",
        "````",
        "",
        "  ```sh,tested",
        "  printf 'a\\n'",
        "  slawatch verify",
        "  ```",
    ]
    .join("\n");
    let text = text.as_str();
    assert_eq!(
        tested_blocks("page.md", text),
        vec![
            Block {
                page: "page.md".to_string(),
                line: 3,
                script: "slawatch check\n".to_string(),
            },
            Block {
                page: "page.md".to_string(),
                line: 17,
                script: "  printf 'a\\n'\n  slawatch verify\n".to_string(),
            },
        ]
    );
}

#[test]
fn a_failing_block_is_reported_with_its_page_line_and_output() {
    let prepared = tempfile::tempdir().expect("temporary folder");
    std::fs::write(prepared.path().join("seen.txt"), "copied\n").expect("a file");
    let block = Block {
        page: "docs/book/src/operators/index.md".to_string(),
        line: 42,
        script: "cat seen.txt\necho oops >&2\nfalse\necho never\n".to_string(),
    };
    let report = run_block(&block, prepared.path()).expect("the block fails");
    assert!(
        report.starts_with("docs/book/src/operators/index.md:42: the block exited with"),
        "{report}"
    );
    assert!(
        report.contains("--- stdout\ncopied\n--- stderr\noops\n"),
        "{report}"
    );
    assert!(!report.contains("never\n--- stderr"), "{report}");
    // An unset variable fails the block too (`sh -u`).
    let unset = Block {
        script: "echo \"$NOT_SET_ANYWHERE\"\n".to_string(),
        ..block
    };
    assert!(run_block(&unset, prepared.path()).is_some());
}
