//! The book's reference pages cannot drift from the program:
//!
//! - every configuration key the readers in `src/config` accept is named as
//!   `` `key` `` on `reference/configuration.md`, read from the source's key
//!   lists (the `const …KEYS` and `KINDS` arrays, the `known = [...]` and
//!   `keys = [...]` arrays, and the lists handed to `section(…)` and
//!   `Section::open(…)`), so a key added without its reference fails here;
//! - every fenced block marked `toml,tested` in the book is a whole
//!   configuration file that the real `slawatch check` accepts, and every
//!   block marked `toml,tested,fails` one it refuses with exit 1, printing
//!   the lines of the `text` block that follows it;
//! - every subcommand `slawatch --help` lists has a `## slawatch CMD`
//!   heading on `reference/commands.md`, and each of its long options (and
//!   its own subcommands' options) appears in that section;
//! - every route of the API and the web desk appears with its method on
//!   `reference/http-api.md`, and every metric registered under
//!   `src/metrics` on `reference/metrics.md`;
//! - and none of these pages names a command, route or metric the program
//!   does not have.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn reference(page: &str) -> String {
    read(&root().join("docs/book/src/reference").join(page))
}

/// The `.rs` files of `dir`, in a stable order.
fn sources_in(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("reading {dir}: {e}"))
        .map(|entry| entry.expect("folder entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    files
}

/// The string literals of the bracketed list that opens at `text[open]`
/// (a `[`), nested brackets included, and where the list ends.
fn literals_of_list(text: &str, open: usize) -> (Vec<String>, usize) {
    let mut depth = 0usize;
    let mut out = Vec::new();
    let mut chars = text[open..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return (out, open + i);
                }
            }
            '"' => {
                let mut literal = String::new();
                for (_, c) in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    literal.push(c);
                }
                out.push(literal);
            }
            _ => {}
        }
    }
    (out, text.len())
}

/// The configuration keys a reader's source text lists.
fn keys_in_source(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut add = |found: Vec<String>| {
        for key in found {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    };
    for (at, _) in text.match_indices("const ") {
        let rest = &text[at + "const ".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !(name.ends_with("KEYS") || name == "KINDS") {
            continue;
        }
        // The list after the `=`, past the type's own brackets.
        let Some(eq) = rest.find('=') else { continue };
        let Some(open) = rest[eq..].find('[') else {
            continue;
        };
        let start = at + "const ".len() + eq + open;
        add(literals_of_list(text, start).0);
    }
    for binding in ["known", "keys"] {
        for (at, _) in text.match_indices(&format!("let {binding} = [")) {
            let open = at + format!("let {binding} = ").len();
            add(literals_of_list(text, open).0);
        }
    }
    // A list handed straight to a section reader: `section(v, "pack", &["a"], …)`.
    for call in ["section(", "Section::open("] {
        for (at, _) in text.match_indices(call) {
            let args = &text[at..];
            let end = args.find(';').unwrap_or(args.len());
            if let Some(open) = args[..end].find("&[") {
                add(literals_of_list(text, at + open + 1).0);
            }
        }
    }
    keys
}

/// Every key the configuration readers accept, with the file naming it.
fn config_keys() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for file in sources_in("src/config") {
        let name = file.file_name().expect("a file name").to_string_lossy();
        if name == "tests.rs" {
            continue;
        }
        for key in keys_in_source(&read(&file)) {
            if !out.iter().any(|(k, _)| *k == key) {
                out.push((key, name.to_string()));
            }
        }
    }
    out
}

#[test]
fn the_key_lists_are_read_from_the_source() {
    let text = r#"
const CALENDAR_KEYS: [&str; 2] = ["timezone", "monday"];
const KINDS: [(&str, &[&str]); 1] = [("inbox", &["path", "columns"])];
const NOT_A_LIST: usize = 3;
fn f() {
    let known = ["smtp_url", "from"];
    let keys: Vec<&str> = CONTRACT_KEYS.iter().collect();
    let s = section(value, "reconciliation", &["tolerance_points"], &empty, p)?;
    let t = Section::open(value, index(&base, i), &["below", value_key], p);
}
"#;
    assert_eq!(
        keys_in_source(text),
        [
            "timezone",
            "monday",
            "inbox",
            "path",
            "columns",
            "smtp_url",
            "from",
            "tolerance_points",
            "below"
        ]
    );
    // The real readers: one key from each kind of list at least.
    let keys: Vec<String> = config_keys().into_iter().map(|(k, _)| k).collect();
    for key in [
        "database_url",
        "smtp_url",
        "holidays",
        "shortfall_factor",
        "expect_body",
        "tolerance_points",
        "amount",
        "below",
        "escalations",
        "within_months",
        "third_party_evidence",
        "session_idle",
    ] {
        assert!(keys.iter().any(|k| k == key), "{key} not found in {keys:?}");
    }
}

#[test]
fn every_configuration_key_is_in_the_reference() {
    let page = reference("configuration.md");
    let missing: Vec<String> = config_keys()
        .into_iter()
        .filter(|(key, _)| !page.contains(&format!("`{key}`")))
        .map(|(key, file)| format!("`{key}` (src/config/{file})"))
        .collect();
    assert!(
        missing.is_empty(),
        "reference/configuration.md does not document:\n{}",
        missing.join("\n")
    );
}

/// A fenced block marked `toml,tested` (or `toml,tested,fails`, with the
/// lines the refusal must print).
#[derive(Debug, PartialEq)]
struct Tested {
    line: usize,
    text: String,
    /// For a block that must fail: the `text` block that follows it.
    fails_with: Option<Vec<String>>,
}

/// The tested blocks of a page; a failing block without a `text` block
/// after it is itself a mistake, reported as `Err`.
fn tested_blocks(page: &str) -> Result<Vec<Tested>, String> {
    let lines: Vec<&str> = page.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let info = lines[i].trim_start().strip_prefix("```").map(str::trim);
        i += 1;
        let Some(info) = info else { continue };
        let marks: Vec<&str> = info.split(',').map(str::trim).collect();
        let tested = marks.first() == Some(&"toml") && marks.contains(&"tested");
        let start = i;
        let mut body = String::new();
        while i < lines.len() && !lines[i].trim_start().starts_with("```") {
            body.push_str(lines[i]);
            body.push('\n');
            i += 1;
        }
        i += 1;
        if !tested {
            continue;
        }
        let fails_with = match marks.contains(&"fails") {
            false => None,
            true => {
                // The next fence must be the `text` block of what it prints.
                let next = (i..lines.len()).find(|&j| lines[j].trim_start().starts_with("```"));
                match next {
                    Some(j) if lines[j].trim() == "```text" => {
                        let expected: Vec<String> = lines[j + 1..]
                            .iter()
                            .take_while(|l| !l.trim_start().starts_with("```"))
                            .map(|l| l.trim().to_string())
                            .filter(|l| !l.is_empty())
                            .collect();
                        Some(expected)
                    }
                    _ => {
                        return Err(format!(
                            "line {start}: a `toml,tested,fails` block needs a ```text block \
                             after it with what `slawatch check` prints"
                        ));
                    }
                }
            }
        };
        out.push(Tested {
            line: start,
            text: body,
            fails_with,
        });
    }
    Ok(out)
}

#[test]
fn tested_blocks_are_found_with_what_a_failing_one_prints() {
    let page = "# Page\n\n```toml\nnot = \"tested\"\n```\n\n```toml,tested\na = 1\n```\n\n\
                Refused:\n\n```toml,tested,fails\nb = 2\n```\n\nIt prints:\n\n```text\n\
                slawatch.toml: b: unknown key\n```\n";
    assert_eq!(
        tested_blocks(page),
        Ok(vec![
            Tested {
                line: 7,
                text: "a = 1\n".into(),
                fails_with: None
            },
            Tested {
                line: 13,
                text: "b = 2\n".into(),
                fails_with: Some(vec!["slawatch.toml: b: unknown key".into()])
            },
        ])
    );
    assert!(tested_blocks("```toml,tested,fails\nb = 2\n```\n").is_err());
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

fn slawatch(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slawatch"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running slawatch")
}

fn text_of(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn every_tested_configuration_example_is_what_slawatch_check_says() {
    let src = root().join("docs/book/src");
    let mut pages = Vec::new();
    pages_under(&src, &mut pages);
    let mut wrong = Vec::new();
    let (mut passed, mut refused) = (0, 0);
    let mut accepted: Vec<String> = Vec::new();
    for page in &pages {
        let name = page
            .strip_prefix(&src)
            .unwrap_or(page)
            .display()
            .to_string();
        let blocks = match tested_blocks(&read(page)) {
            Ok(blocks) => blocks,
            Err(e) => {
                wrong.push(format!("{name}: {e}"));
                continue;
            }
        };
        for block in blocks {
            // Each in a folder of its own, named as the page names it.
            let dir = tempfile::tempdir().expect("temporary folder");
            std::fs::write(dir.path().join("slawatch.toml"), &block.text).expect("writing");
            let out = slawatch(&["check", "--config", "slawatch.toml"], dir.path());
            let said = text_of(&out);
            let code = out.status.code();
            match &block.fails_with {
                None if code == Some(0) => {
                    passed += 1;
                    accepted.push(block.text.clone());
                }
                None => wrong.push(format!(
                    "{name}:{}: expected to pass, exit {code:?}:\n{said}",
                    block.line
                )),
                Some(expected) => {
                    let lines: Vec<&str> = said.lines().map(str::trim).collect();
                    let missing: Vec<&String> = expected
                        .iter()
                        .filter(|e| !lines.contains(&e.as_str()))
                        .collect();
                    if code == Some(1) && missing.is_empty() {
                        refused += 1;
                        // Why it fails, for whoever reads the test's output.
                        println!(
                            "{name}:{} is refused, as the page says:\n{said}",
                            block.line
                        );
                    } else {
                        wrong.push(format!(
                            "{name}:{}: expected exit 1 printing {missing:?}, exit {code:?}:\n{said}",
                            block.line
                        ));
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
    // A minimal contract, the full example, five source kinds at least.
    assert!(passed >= 7, "only {passed} tested examples pass");
    assert!(refused >= 1, "no tested example is refused");
    // Each kind of source the program knows has an example that passes.
    let untried: Vec<String> = source_kinds()
        .into_iter()
        .filter(|kind| {
            !accepted
                .iter()
                .any(|b| b.contains(&format!("kind = \"{kind}\"")))
        })
        .collect();
    assert!(
        untried.is_empty(),
        "no tested example of source kinds {untried:?}"
    );
}

/// The source kinds `src/config/sources.rs` lists in `KINDS`: the first
/// literal of each `("kind", &[keys…])` pair.
fn source_kinds() -> Vec<String> {
    let text = read(&root().join("src/config/sources.rs"));
    let Some(at) = text.find("const KINDS") else {
        panic!("no KINDS in src/config/sources.rs");
    };
    let open = at + text[at..].find("= [").expect("the KINDS list") + 2;
    let (_, end) = literals_of_list(&text, open);
    let list = &text[open..end];
    let mut kinds = Vec::new();
    for (i, _) in list.match_indices('"') {
        // An opening quote right after `(` starts a pair: its kind.
        if list[..i].trim_end().ends_with('(') {
            let kind: String = list[i + 1..].chars().take_while(|c| *c != '"').collect();
            kinds.push(kind);
        }
    }
    assert!(kinds.len() >= 5, "only {kinds:?}");
    kinds
}

/// The subcommands a `--help` text lists under `Commands:`, `help` aside.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// The long options (`--name`) a `--help` text lists, `--help` aside.
fn long_options(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in help.lines().map(str::trim_start) {
        let Some(at) = line.find("--") else { continue };
        // Options lead their line: `-c, --config <FILE>` or `--now <INSTANT>`.
        if !(line.starts_with("--") || line.starts_with('-') && at <= 4) {
            continue;
        }
        let name: String = line[at..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        if name != "--help" && name != "--version" && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The part of `page` under `heading` up to the next heading of its level.
fn section<'p>(page: &'p str, heading: &str) -> Option<&'p str> {
    let start = page.lines().position(|l| l.trim_end() == heading)?;
    let offset: usize = page.lines().take(start).map(|l| l.len() + 1).sum();
    let rest = &page[offset + heading.len()..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    Some(&rest[..end])
}

#[test]
fn the_help_readers_find_commands_and_options() {
    let help = "Usage: slawatch <COMMAND>\n\nCommands:\n  check     Validate\n  \
                dr-test   DR tests\n  help      Print this message\n\nOptions:\n  \
                -c, --config <FILE>  The file\n      --now <INSTANT>  Then\n  \
                -h, --help  Print help (see more with '--help')\n";
    assert_eq!(subcommands(help), ["check", "dr-test"]);
    assert_eq!(long_options(help), ["--config", "--now"]);
    let page = "# C\n\n## slawatch check\n\n`--config`\n\n## slawatch run\n\n`--log-format`\n";
    assert_eq!(section(page, "## slawatch check"), Some("\n\n`--config`\n"));
    assert_eq!(
        section(page, "## slawatch run"),
        Some("\n\n`--log-format`\n")
    );
}

#[test]
fn every_subcommand_and_option_is_in_the_reference() {
    let page = reference("commands.md");
    let dir = tempfile::tempdir().expect("temporary folder");
    let top = slawatch(&["--help"], dir.path());
    assert!(top.status.success(), "{}", text_of(&top));
    let commands = subcommands(&text_of(&top));
    assert!(commands.len() >= 20, "only {commands:?}");
    // Every command takes the global options: documented once, not per command.
    let global = long_options(&text_of(&top));
    let mut missing: Vec<String> = global
        .iter()
        .filter(|o| !page.contains(&format!("`{o}")))
        .map(|o| format!("the global option `{o}`"))
        .collect();
    for command in &commands {
        let heading = format!("## slawatch {command}");
        let Some(body) = section(&page, &heading) else {
            missing.push(format!("no heading `{heading}`"));
            continue;
        };
        let help = slawatch(&[command, "--help"], dir.path());
        assert!(help.status.success(), "{command}: {}", text_of(&help));
        let help = text_of(&help);
        let mut options: Vec<(String, String)> = long_options(&help)
            .into_iter()
            .map(|o| (command.clone(), o))
            .collect();
        for sub in subcommands(&help) {
            let out = slawatch(&[command, &sub, "--help"], dir.path());
            assert!(out.status.success(), "{command} {sub}: {}", text_of(&out));
            if !body.contains(&format!("`{sub}`")) && !body.contains(&format!("{command} {sub}")) {
                missing.push(format!("slawatch {command} {sub}: not named"));
            }
            options.extend(
                long_options(&text_of(&out))
                    .into_iter()
                    .map(|o| (format!("{command} {sub}"), o)),
            );
        }
        for (of, option) in options {
            if !global.contains(&option) && !body.contains(&format!("`{option}")) {
                missing.push(format!("slawatch {of}: option `{option}`"));
            }
        }
    }
    // Nor does the page give a command the program does not have.
    for line in page.lines() {
        if let Some(command) = line.strip_prefix("## slawatch ")
            && !commands.iter().any(|c| c == command)
        {
            missing.push(format!("a heading for no command: `{line}`"));
        }
    }
    assert!(
        missing.is_empty(),
        "reference/commands.md lacks:\n{}",
        missing.join("\n")
    );
}

/// Each `.route("PATH", get(…).post(…))` of a router's source, as
/// `(METHOD, PATH)`.
fn routes(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices(".route(") {
        let call = &text[at + ".route(".len()..];
        // The call's own text: up to its closing parenthesis.
        let mut depth = 1usize;
        let end = call
            .char_indices()
            .find_map(|(i, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                (depth == 0).then_some(i)
            })
            .unwrap_or(call.len());
        let call = &call[..end];
        let Some(path) = call.split('"').nth(1) else {
            continue;
        };
        for method in ["get", "post", "put", "patch", "delete"] {
            let named = call
                .match_indices(&format!("{method}("))
                .any(|(i, _)| !call[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_'));
            if named {
                out.push((method.to_ascii_uppercase(), path.to_string()));
            }
        }
    }
    out
}

#[test]
fn the_route_reader_finds_each_method() {
    let text = r#"
        .route("/healthz", get(|| async { "ok\n" }))
        .route(
            "/api/v1/contracts/{contract}/costs",
            get(records::list_costs).post(records::add_cost),
        )
        .route("/sign-in", get(sign_in::form).post(sign_in::sign_in))
        .route("/x/{id}", delete(records::remove_cost))
    "#;
    let found: Vec<String> = routes(text)
        .into_iter()
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert_eq!(
        found,
        [
            "GET /healthz",
            "GET /api/v1/contracts/{contract}/costs",
            "POST /api/v1/contracts/{contract}/costs",
            "GET /sign-in",
            "POST /sign-in",
            "DELETE /x/{id}",
        ]
    );
}

#[test]
fn every_route_is_in_the_reference() {
    let page = reference("http-api.md");
    let mut all = Vec::new();
    for file in ["src/http/mod.rs", "src/web/mod.rs"] {
        all.extend(routes(&read(&root().join(file))));
    }
    assert!(all.len() >= 40, "only {} routes found", all.len());
    let documented: Vec<String> = all
        .into_iter()
        .map(|(method, path)| format!("`{method} {path}`"))
        .collect();
    let missing: Vec<&String> = documented
        .iter()
        .filter(|route| !page.contains(route.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "reference/http-api.md lacks: {missing:?}"
    );
    // Nor does the page name a route the program does not serve.
    let stale: Vec<String> = page
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|code| {
            ["GET /", "POST /", "PUT /", "PATCH /", "DELETE /"]
                .iter()
                .any(|m| code.starts_with(m))
        })
        .map(|code| format!("`{code}`"))
        .filter(|route| !documented.contains(route))
        .collect();
    assert!(
        stale.is_empty(),
        "reference/http-api.md names no such route: {stale:?}"
    );
}

/// The metric names (`"slawatch_…"` literals) of a source text.
fn metric_names(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (at, _) in text.match_indices("\"slawatch_") {
        let name: String = text[at + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if text[at + 1 + name.len()..].starts_with('"') && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

#[test]
fn every_metric_is_in_the_reference() {
    let page = reference("metrics.md");
    let mut names: Vec<String> = Vec::new();
    for file in sources_in("src/metrics") {
        for name in metric_names(&read(&file)) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    assert!(names.len() >= 60, "only {} metrics found", names.len());
    let missing: Vec<&String> = names
        .iter()
        .filter(|n| !page.contains(&format!("`{n}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "reference/metrics.md lacks: {missing:?}"
    );
    // Nor does the page name a metric the program does not register.
    let stale: Vec<&str> = page
        .split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|code| code.split([' ', '{']).next())
        .filter(|name| name.starts_with("slawatch_") && !names.iter().any(|n| n == name))
        .collect();
    assert!(
        stale.is_empty(),
        "reference/metrics.md names no such metric: {stale:?}"
    );
    assert_eq!(
        metric_names(r#"f.gauge("slawatch_leader", "1 while…"); "slawatch_{x}" "#),
        ["slawatch_leader"]
    );
}
