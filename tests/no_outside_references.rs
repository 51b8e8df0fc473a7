//! The repository is its own reference: no file in it (code, tests,
//! migrations, templates, the example configuration, docs, the README)
//! cites the outside product specification (a reader of the repository has
//! no way to follow such a citation); every page of the book a comment
//! cites (`docs/book/src/reference/measures.md`, with or without an
//! `#anchor`) exists, with that heading; and every "see the README, '…'" a
//! comment gives names a section the README really has.

use std::path::{Path, PathBuf};

/// The folders and files whose text is searched, relative to the crate root.
const SEARCHED: &[&str] = &[
    "src",
    "tests",
    "templates",
    "config",
    "scripts",
    "migrations",
    "README.md",
];

/// The outside specification's name, built from parts so that this file
/// does not contain it and does not find itself. Cited as a word in any
/// form ("… §2.7", "….md", "the …"), so any standalone occurrence counts.
fn outside_name() -> String {
    ["SP", "EC"].concat()
}

/// What the repository holds but did not write: build output and git's
/// own folder, at the crate root.
const NOT_OURS: &[&str] = &["target", ".git", "data"];

/// Every file under `path` (or `path` itself), in a stable order.
fn files_under(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .unwrap_or_else(|e| panic!("reading folder {}: {e}", path.display()))
            .map(|entry| entry.expect("folder entry").path())
            .collect();
        entries.sort();
        for entry in entries {
            files_under(&entry, out);
        }
    } else if path.is_file() {
        out.push(path.to_path_buf());
    }
}

/// Whether `line` holds `word` standing alone: not inside a longer word or
/// identifier ("SPECIAL", "INSPECT", "SPEC_LEN" are other words).
fn has_word(line: &[u8], word: &[u8]) -> bool {
    let part_of_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    line.windows(word.len()).enumerate().any(|(at, window)| {
        window == word
            && (at == 0 || !part_of_word(line[at - 1]))
            && line.get(at + word.len()).is_none_or(|&b| !part_of_word(b))
    })
}

/// `file:line` for every line of the files under `roots` that holds the
/// word `needle`. Files are read as bytes, so binary fixtures (XLSX, PDF)
/// are searched too rather than skipped.
fn lines_citing(roots: &[PathBuf], needle: &str) -> Vec<String> {
    let mut files = Vec::new();
    for root in roots {
        files_under(root, &mut files);
    }
    let mut hits = Vec::new();
    for file in files {
        let bytes =
            std::fs::read(&file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
        for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
            if has_word(line, needle.as_bytes()) {
                hits.push(format!("{}:{}", file.display(), n + 1));
            }
        }
    }
    hits
}

/// Every entry at the crate root but [`NOT_OURS`]: the whole repository.
fn repository_roots() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut roots: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("reading {}: {e}", root.display()))
        .map(|entry| entry.expect("folder entry").path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_none_or(|n| !NOT_OURS.contains(&n))
        })
        .collect();
    roots.sort();
    roots
}

fn searched_roots() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    SEARCHED.iter().map(|p| root.join(p)).collect()
}

#[test]
fn no_file_cites_the_outside_specification() {
    let roots = repository_roots();
    // The search covers the migrations and docs too, not only the code.
    for folder in ["src", "tests", "migrations", "docs", "README.md"] {
        assert!(
            roots.iter().any(|r| r.ends_with(folder)),
            "{folder} not searched"
        );
    }
    let hits = lines_citing(&roots, &outside_name());
    assert!(
        hits.is_empty(),
        "these lines cite a document that is not in the repository; cite the \
         book's page that states the rule instead:\n{}",
        hits.join("\n")
    );
}

#[test]
fn the_search_finds_a_planted_citation_with_its_line() {
    // The check above passes on an empty search as well as on a clean
    // repository; this shows the search would see a citation: one file with
    // a clean line 1 and a citing line 2, a migration citing on its line 3,
    // one clean file beside them whose words merely contain the name.
    let dir = tempfile::tempdir().expect("temporary folder");
    let name = outside_name();
    let citing = dir.path().join("citing.rs");
    let body = format!("//! Clean first line.\n//! Calendars ({name} \u{a7}2.1).\n");
    std::fs::write(&citing, body).expect("writing the planted file");
    let migration = dir.path().join("0004.sql");
    let body = format!("-- One.\n-- Two.\n-- As the {name}.md says.\n");
    std::fs::write(&migration, body).expect("writing the planted migration");
    let clean = format!("//! {name}IAL, IN{name}T and {name}_LEN are other words.\n");
    std::fs::write(dir.path().join("clean.rs"), clean).expect("clean file");
    let hits = lines_citing(&[dir.path().to_path_buf()], &name);
    assert_eq!(
        hits,
        vec![
            format!("{}:3", migration.display()),
            format!("{}:2", citing.display()),
        ]
    );
}

/// The README's headings, without their leading `#`s.
fn readme_headings() -> Vec<String> {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let text = std::fs::read_to_string(&readme).expect("README.md");
    let mut in_fence = false;
    let mut headings = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence && line.starts_with('#') {
            headings.push(line.trim_start_matches('#').trim().to_string());
        }
    }
    headings
}

/// A file's comment text as one line: each comment line with its marker
/// (`//!`, `///`, `//`, `#`) and surrounding space removed, so a citation
/// wrapped over two comment lines reads as written. Code lines are left
/// out: a string may quote an old comment (a migration's text as stores
/// applied it) without citing anything.
fn joined_comments(text: &str) -> String {
    text.lines()
        .filter_map(|line| {
            let line = line.trim_start();
            ["//!", "///", "//", "#", "--"]
                .iter()
                .find_map(|marker| line.strip_prefix(marker))
                .map(str::trim)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where the book's pages live, as comments cite them.
const BOOK: &str = "docs/book/src/";

/// Each book page cited in `text`'s comments (`docs/book/src/PAGE.md`, or
/// `…/PAGE.md#anchor`), as written.
fn cited_pages(text: &str) -> Vec<String> {
    let joined = joined_comments(text);
    joined
        .match_indices(BOOK)
        .map(|(at, _)| {
            joined[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || "/._-#".contains(*c))
                .collect::<String>()
                // A citation ending a sentence: the full stop is not the path's.
                .trim_end_matches('.')
                .to_string()
        })
        .collect()
}

/// The anchor mdBook gives a heading: lower case, spaces as `-`, only
/// letters, digits, `-` and `_` kept.
fn anchor_of(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// Whether the cited page (`docs/book/src/…md`, perhaps with `#anchor`)
/// exists under `root`, with a heading of that anchor when one is given.
fn page_exists(root: &Path, cited: &str) -> bool {
    let (path, anchor) = cited.split_once('#').unwrap_or((cited, ""));
    if !path.ends_with(".md") {
        return false;
    }
    let Ok(text) = std::fs::read_to_string(root.join(path)) else {
        return false;
    };
    let mut in_fence = false;
    anchor.is_empty()
        || text.lines().any(|line| {
            if line.trim_start().starts_with("```") {
                in_fence = !in_fence;
            }
            !in_fence && line.starts_with('#') && anchor_of(line.trim_start_matches('#')) == anchor
        })
}

/// Each README section named after `the README, '` or `the README's '` in
/// `text` that is not one of `headings`.
fn unknown_sections(text: &str, headings: &[String]) -> Vec<String> {
    let joined = joined_comments(text);
    let mut unknown = Vec::new();
    for lead in ["the README, '", "the README's '"] {
        for (at, _) in joined.match_indices(lead) {
            let rest = &joined[at + lead.len()..];
            // A heading may hold an apostrophe ("can't"), so the citation is
            // matched against each heading rather than cut at the next quote.
            let known = headings.iter().any(|h| rest.starts_with(&format!("{h}'")));
            if !known {
                unknown.push(rest.chars().take(60).collect());
            }
        }
    }
    unknown
}

/// The searched files whose comments may cite: code, configuration and
/// scripts (a test fixture's PDF or XLSX holds no comments).
fn commented_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for root in searched_roots() {
        files_under(&root, &mut files);
    }
    files
        .into_iter()
        .filter(|file| {
            // This file quotes the citations' forms in its own examples.
            !file.ends_with(file!())
                && matches!(
                    file.extension().and_then(|e| e.to_str()),
                    Some("rs" | "toml" | "sh" | "py" | "sql")
                )
        })
        .collect()
}

#[test]
fn every_book_page_a_comment_cites_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missing = Vec::new();
    let mut cited = 0;
    for file in commented_files() {
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
        for page in cited_pages(&text) {
            cited += 1;
            if !page_exists(root, &page) {
                missing.push(format!("{}: {page}", file.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "these comments cite a page of the book (or a heading) that does not exist:\n{}",
        missing.join("\n")
    );
    // The modules of the measures, formats and configuration all cite the
    // book (about forty files do); a handful would mean the search broke.
    assert!(cited >= 30, "only {cited} citations of the book found");
}

#[test]
fn a_citation_of_a_missing_page_or_heading_is_caught() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let pages = dir.path().join("docs/book/src/reference");
    std::fs::create_dir_all(&pages).expect("the book's folders");
    std::fs::write(
        pages.join("measures.md"),
        "# The measures\n\n```toml\n# Not a heading\n```\n\n## Clocks and holds\n",
    )
    .expect("a page");
    let text = "//! Clocks (see docs/book/src/reference/measures.md#clocks-and-holds).\n\
                /// Money (see docs/book/src/reference/\n\
                /// measures.md). Stops: docs/book/src/reference/stops.md\n\
                // docs/book/src/reference/measures.md#not-a-heading\n\
                let quoted = \"docs/book/src/reference/gone.md\";\n";
    let found: Vec<(String, bool)> = cited_pages(text)
        .into_iter()
        .map(|page| {
            let exists = page_exists(dir.path(), &page);
            (page, exists)
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "docs/book/src/reference/measures.md#clocks-and-holds".to_string(),
                true
            ),
            // Wrapped over two comment lines the path reads "reference/ measures.md":
            // cut at the space, it names no page, so it is reported.
            ("docs/book/src/reference/".to_string(), false),
            ("docs/book/src/reference/stops.md".to_string(), false),
            (
                "docs/book/src/reference/measures.md#not-a-heading".to_string(),
                false
            ),
        ]
    );
}

#[test]
fn every_readme_section_a_comment_cites_exists() {
    let headings = readme_headings();
    let mut dangling = Vec::new();
    for file in commented_files() {
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
        for section in unknown_sections(&text, &headings) {
            dangling.push(format!("{}: '{section}…", file.display()));
        }
    }
    assert!(
        dangling.is_empty(),
        "these comments cite a README section that does not exist (cite the \
         book's page instead, docs/book/src/…):\n{}",
        dangling.join("\n")
    );
}

#[test]
fn a_citation_of_a_missing_section_is_caught_even_when_wrapped() {
    let headings = vec![
        "The measures, in plain words".to_string(),
        "Recording what the engine can't know".to_string(),
    ];
    // Wrapped over two comment lines, and a heading with an apostrophe.
    let good = "//! Clocks (see the README, 'The measures, in plain\n//! words').\n\
                /// Excusals (see the README, 'Recording what the engine can't know').\n";
    assert_eq!(unknown_sections(good, &headings), Vec::<String>::new());
    let bad = "//! Clocks (see the README, 'The measures in\n//! plain words').\n";
    assert_eq!(
        unknown_sections(bad, &headings),
        vec!["The measures in plain words').".to_string()]
    );
}
