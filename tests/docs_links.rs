//! The documentation's links lead somewhere: every relative link in the
//! book's pages (`docs/book/src`) names a file that exists and, with an
//! `#anchor`, a heading that page has; every `{{#include}}` names a file
//! that exists; every page is in the book's SUMMARY.md; and every relative
//! file link in the README exists. `mdbook build` (in scripts/test.sh)
//! checks the SUMMARY's own chapters.

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
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

/// The lines of `text` outside fenced code blocks, with their numbers.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut in_fence = false;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence {
            out.push((n + 1, line));
        }
    }
    out
}

/// The targets of the inline links `[text](target)` on `line`.
fn link_targets(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let Some(end) = after.find(')') else { break };
        // A link may carry a title: `(target "title")`.
        let target = after[..end].split_whitespace().next().unwrap_or("");
        out.push(target);
        rest = &after[end..];
    }
    out
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

/// The anchors of a page's headings.
fn anchors(page: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(page).unwrap_or_default();
    prose_lines(&text)
        .into_iter()
        .filter(|(_, l)| l.starts_with('#'))
        .map(|(_, l)| anchor_of(l.trim_start_matches('#')))
        .collect()
}

/// Every broken link or include in the pages under `book_src`, as
/// `file:line: target`.
fn broken_links(book_src: &Path) -> Vec<String> {
    let mut pages = Vec::new();
    pages_under(book_src, &mut pages);
    let mut broken = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page)
            .unwrap_or_else(|e| panic!("reading {}: {e}", page.display()));
        let dir = page.parent().expect("a page's folder");
        let mut found: Vec<(usize, String)> = Vec::new();
        let mut report = |n: usize, target: &str| found.push((n, target.to_string()));
        for (n, line) in text.lines().enumerate() {
            // Includes sit inside code fences, so every line is read.
            if let Some(at) = line.find("{{#include ") {
                let path = line[at + "{{#include ".len()..]
                    .split("}}")
                    .next()
                    .unwrap_or("")
                    .split(':')
                    .next()
                    .unwrap_or("")
                    .trim();
                if !dir.join(path).is_file() {
                    report(n + 1, path);
                }
            }
        }
        for (n, line) in prose_lines(&text) {
            for target in link_targets(line) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
                let file = if path.is_empty() {
                    page.clone()
                } else {
                    dir.join(path)
                };
                let leads_somewhere = file.is_file()
                    && (anchor.is_empty() || anchors(&file).iter().any(|a| a == anchor));
                if !leads_somewhere {
                    report(n, target);
                }
            }
        }
        // In reading order, includes and links together.
        found.sort_by_key(|(n, _)| *n);
        for (n, target) in found {
            broken.push(format!("{}:{n}: {target}", page.display()));
        }
    }
    broken
}

/// The pages under `book_src` that its SUMMARY.md does not list.
fn pages_outside_summary(book_src: &Path) -> Vec<String> {
    let summary = std::fs::read_to_string(book_src.join("SUMMARY.md")).expect("SUMMARY.md");
    let listed: Vec<&str> = prose_lines(&summary)
        .into_iter()
        .flat_map(|(_, l)| link_targets(l))
        .collect();
    let mut pages = Vec::new();
    pages_under(book_src, &mut pages);
    pages
        .iter()
        .filter_map(|p| p.strip_prefix(book_src).ok())
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .filter(|p| p != "SUMMARY.md" && !listed.contains(&p.as_str()))
        .collect()
}

#[test]
fn every_link_in_the_book_leads_somewhere() {
    let src = root().join("docs/book/src");
    let mut pages = Vec::new();
    pages_under(&src, &mut pages);
    assert!(pages.len() >= 3, "the book has {} pages", pages.len());
    let broken = broken_links(&src);
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    let orphans = pages_outside_summary(&src);
    assert!(orphans.is_empty(), "pages not in SUMMARY.md: {orphans:?}");
}

#[test]
fn every_file_the_readme_links_exists() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let mut missing = Vec::new();
    let mut checked = 0;
    for (n, line) in prose_lines(&readme) {
        for target in link_targets(line) {
            let path = target.split('#').next().unwrap_or("");
            if path.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            if !root().join(path).exists() {
                missing.push(format!("README.md:{n}: {target}"));
            }
        }
    }
    assert!(missing.is_empty(), "missing:\n{}", missing.join("\n"));
    // The screenshots and the schema at least.
    assert!(checked >= 3, "only {checked} file links found");
}

#[test]
fn the_check_finds_a_planted_broken_link_anchor_include_and_orphan() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let src = dir.path();
    std::fs::write(
        src.join("SUMMARY.md"),
        "# Summary\n\n- [One](one.md)\n- [Two](two.md)\n",
    )
    .expect("summary");
    std::fs::write(
        src.join("one.md"),
        "# One\n\n## The rule's version\n\nSee [two](two.md#a-heading), \
         [below](#the-rules-version), [the web](https://example.org/x).\n\
         ```\n[not a link](nowhere.md)\n```\n",
    )
    .expect("page one");
    std::fs::write(
        src.join("two.md"),
        "# Two\n\n## A heading\n\n[gone](three.md) and [bad anchor](one.md#the-rule-s-version)\n\
         ```json\n{{#include missing.json}}\n```\n",
    )
    .expect("page two");
    std::fs::write(src.join("orphan.md"), "# Orphan\n").expect("orphan");
    assert_eq!(
        broken_links(src),
        vec![
            format!("{}:5: three.md", src.join("two.md").display()),
            format!(
                "{}:5: one.md#the-rule-s-version",
                src.join("two.md").display()
            ),
            format!("{}:7: missing.json", src.join("two.md").display()),
        ]
    );
    assert_eq!(pages_outside_summary(src), vec!["orphan.md".to_string()]);
}
