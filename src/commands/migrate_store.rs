//! `slawatch migrate-store --from URL --to URL [--replace]`: copies a whole
//! store to another database — typically the embedded SQLite file to the
//! PostgreSQL server several daemons will share — then proves the copy by
//! comparing each table's row count and digest on both sides.
//!
//! Stop the daemons on the source first: what is written while the copy runs
//! may be missed, and the check then says so.

use anyhow::anyhow;

use super::Failure;
use crate::config::database_url::redact;
use crate::store::copy::TableDigest;
use crate::store::leader::sqlite_file;
use crate::store::tables::TABLES;
use crate::store::{Backend, Store};

/// Copies `from` into `to` and checks every table; a mismatch exits 2.
pub async fn run(from: &str, to: &str, replace: bool) -> Result<(), Failure> {
    for url in [from, to] {
        if Backend::of_url(url).is_none() {
            return Err(Failure::input(format!(
                "{}: a store URL starts with sqlite: or postgres://",
                redact(url)
            )));
        }
    }
    if from == to || matches!((sqlite_file(from), sqlite_file(to)), (Some(a), Some(b)) if a == b) {
        return Err(Failure::input(
            "--from and --to name the same store".to_string(),
        ));
    }
    if let Some(file) = sqlite_file(from)
        && !file.exists()
    {
        return Err(Failure::input(format!(
            "--from: there is no SQLite store at {}",
            file.display()
        )));
    }
    let source = Store::open(from).await.map_err(Failure::runtime)?;
    if replace && let Some(file) = sqlite_file(to) {
        remove_sqlite(&file).map_err(Failure::runtime)?;
    }
    let target = Store::open(to).await.map_err(Failure::runtime)?;
    if replace && target.backend() == Backend::Postgres {
        target.truncate_all().await.map_err(Failure::runtime)?;
    }
    for table in TABLES {
        let rows = target.count_rows(table).await.map_err(Failure::runtime)?;
        if rows > 0 {
            return Err(Failure::input(format!(
                "the target store is not empty ({} has {rows} rows): pass --replace to empty it first",
                table.name
            )));
        }
    }
    println!("copying {} to {}", redact(from), redact(to));
    source
        .copy_into(&target, |table, rows| {
            println!("  {table}: {rows} rows copied");
        })
        .await
        .map_err(Failure::runtime)?;
    println!(
        "\n{:<24} {:>12} {:>12}  {:<18} check",
        "table", "source rows", "target rows", "digest"
    );
    let mut differ = Vec::new();
    let mut total = 0;
    for table in TABLES {
        let there = source.table_digest(table).await.map_err(Failure::runtime)?;
        let here = target.table_digest(table).await.map_err(Failure::runtime)?;
        let same = there == here;
        println!(
            "{:<24} {:>12} {:>12}  {:<18} {}",
            table.name,
            there.rows,
            here.rows,
            short(&there),
            if same { "ok" } else { "MISMATCH" }
        );
        if !same {
            differ.push(table.name);
        }
        total += there.rows;
    }
    source.close().await;
    target.close().await;
    if !differ.is_empty() {
        return Err(Failure::runtime(anyhow!(
            "the copy differs from the source in {}: was the source written to during the copy?",
            differ.join(", ")
        )));
    }
    println!(
        "\nevery table matches: {total} rows in {} tables",
        TABLES.len()
    );
    Ok(())
}

fn short(d: &TableDigest) -> &str {
    &d.digest[..16]
}

/// Removes a SQLite store's file and its write-ahead log, if there.
fn remove_sqlite(file: &std::path::Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        let path = std::path::PathBuf::from(name);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(anyhow!("cannot remove {}: {e}", path.display())),
        }
    }
    Ok(())
}
