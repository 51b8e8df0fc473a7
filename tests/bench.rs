//! `slawatch bench` end to end on a small set, on the backend under test:
//! a SQLite file in its work folder, or (with `SLAWATCH_TEST_POSTGRES`) a
//! database of its own on the test server, dropped afterwards.

use std::process::Command;

fn bench(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_slawatch"))
        .args(["bench", "--incidents", "3000", "--contracts", "2", "--dir"])
        .arg(dir)
        .args(extra)
        .output()
        .expect("run slawatch bench")
}

#[test]
fn every_generated_incident_is_imported_and_evaluated() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let admin = slawatch::store::testing::postgres_admin_url();
    let extra: Vec<&str> = match &admin {
        Some(url) => vec!["--database-url", url.as_str()],
        None => Vec::new(),
    };
    let out = bench(&work, &extra);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // 3,000 incidents generated over three months, every one stored.
    assert!(
        text.contains("slawatch bench: 3000 incidents, 2 contracts"),
        "{text}"
    );
    assert!(text.contains("(3000 stored, 0 rejected; peak "), "{text}");
    // The same rows out of time order, into an empty store: all stored.
    assert!(
        text.lines().any(|l| l.starts_with("import unordered")
            && l.contains("(3000 stored, rows out of time order")),
        "{text}"
    );
    assert!(text.contains("for 2 contract-months"), "{text}");
    // Each case says its own peak memory (on Linux, where it is read).
    for case in [
        "import incidents",
        "import unordered",
        "import the rest",
        "evaluate 2026-10",
        "report 2026-10",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(case) && l.contains("peak ") && l.contains(" MB)")),
            "{case}: {text}"
        );
    }
    // The month API answered both GETs (a failed one fails the run).
    assert!(
        text.lines()
            .any(|l| l.starts_with("month API") && l.contains("the second (served again; peak ")),
        "{text}"
    );
    // The first contract's October report, trends included, was assembled.
    assert!(
        text.lines().any(|l| l.starts_with("report 2026-10")
            && l.contains("with twelve-month trends, as JSON, for ")),
        "{text}"
    );
    let store = text
        .lines()
        .find_map(|l| l.strip_prefix("store"))
        .unwrap_or_default()
        .trim();
    match admin {
        Some(_) => assert!(store.starts_with("postgres://"), "{text}"),
        None => assert!(
            store.starts_with("sqlite://") && work.join("data/slawatch.db").is_file(),
            "{text}"
        ),
    }
    if admin.is_some() {
        // Its database is gone: connecting to it fails.
        let url = store.to_string();
        let gone = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                sqlx::any::install_default_drivers();
                use sqlx::Connection as _;
                sqlx::AnyConnection::connect(&url).await.is_err()
            });
        assert!(gone, "the benchmark's database {url} was left behind");
    }
}

#[test]
fn only_a_postgres_url_is_taken() {
    let dir = tempfile::tempdir().unwrap();
    let out = bench(
        &dir.path().join("work"),
        &["--database-url", "sqlite://elsewhere.db"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("expected postgres://"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `slawatch bench-webhook` for two seconds: a real daemon answers every
/// push, and what the clients were told was stored is what the store holds.
#[test]
fn the_webhook_load_benchmark_stores_every_pushed_record() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("load");
    let out = Command::new(env!("CARGO_BIN_EXE_slawatch"))
        .args([
            "bench-webhook",
            "--seconds",
            "2",
            "--clients",
            "2",
            "--batch",
            "10",
            "--dir",
        ])
        .arg(&work)
        .output()
        .expect("run slawatch bench-webhook");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let figure = |label: &str| -> u64 {
        text.lines()
            .find(|l| l.starts_with(label))
            .and_then(|l| l[label.len()..].split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {label} in:\n{text}"))
    };
    let (stored, requests) = (figure("records stored"), figure("requests"));
    assert_eq!(figure("errors"), 0, "{text}");
    assert!(requests > 0, "{text}");
    // Every request carried 10 new incidents, and each was stored.
    assert_eq!(stored, requests * 10, "{text}");
    assert!(text.contains("daemon memory    resident"), "{text}");
}
