//! `slawatch verify [--contract ID] [--format table|json]`: recomputes every
//! hash chain of the store (the audit trail, issued reports and their files,
//! one chain per table and contract) and prints, per chain, the rows it
//! vouches for and its head, or the first row that breaks it. A broken
//! chain exits 3, after every chain has been checked and printed.

use super::Failure;
use super::records::ListFormat;
use crate::config::Config;
use crate::store::Store;
use crate::store::chain::{CHAINED, ChainReport};

/// Verifies the chains of `contract` (default: every contract configured
/// or found in the store).
pub async fn run(
    config: &Config,
    store: &Store,
    contract: Option<&str>,
    format: ListFormat,
) -> Result<(), Failure> {
    let in_store = store.chained_contracts().await.map_err(Failure::runtime)?;
    let contracts: Vec<String> = match contract {
        Some(id) => {
            if config.contract(id).is_none() && !in_store.iter().any(|c| c == id) {
                let known: Vec<&str> = config.contracts.iter().map(|c| c.id.as_str()).collect();
                return Err(Failure::input(format!(
                    "unknown contract '{id}': neither configured ({}) nor in the store",
                    known.join(", ")
                )));
            }
            vec![id.to_string()]
        }
        None => {
            let mut all: Vec<String> = config.contracts.iter().map(|c| c.id.clone()).collect();
            all.extend(in_store);
            all.sort();
            all.dedup();
            all
        }
    };
    let mut reports = Vec::new();
    for c in &contracts {
        for table in CHAINED {
            reports.push(
                store
                    .verify_chain(table, c)
                    .await
                    .map_err(Failure::runtime)?,
            );
        }
    }
    match format {
        ListFormat::Table => {
            for r in &reports {
                println!("{}", line(r));
            }
        }
        ListFormat::Json => {
            let text = serde_json::to_string_pretty(&json(&reports)).map_err(Failure::runtime)?;
            println!("{text}");
        }
    }
    let broken: Vec<&ChainReport> = reports.iter().filter(|r| r.broken.is_some()).collect();
    if broken.is_empty() {
        if format == ListFormat::Table {
            let rows: i64 = reports.iter().map(|r| r.rows).sum();
            println!(
                "every chain is intact: {} chains, {rows} rows",
                reports.len()
            );
        }
        return Ok(());
    }
    let mut message = format!("{} of {} chains broken:", broken.len(), reports.len());
    for r in broken {
        message.push('\n');
        message.push_str(&line(r));
    }
    Err(Failure::broken(message))
}

/// `audit of acme: 3 rows, head 3 9f…` or `audit of acme: BROKEN at audit
/// id 2 (link 2): content changed: …`.
fn line(r: &ChainReport) -> String {
    let chain = format!("{} of {}", r.table.name, r.contract);
    if let Some(b) = &r.broken {
        let at = match (&b.row_key, b.seq) {
            (Some(key), Some(seq)) => {
                format!(
                    " at {} {} (link {seq})",
                    r.table.name,
                    r.table.describe_key(key)
                )
            }
            (Some(key), None) => format!(" at {} {}", r.table.name, r.table.describe_key(key)),
            (None, _) => String::new(),
        };
        return format!(
            "{chain}: BROKEN{at}: {}: {}; {} intact before it",
            b.problem.words(),
            b.detail,
            rows(r.rows)
        );
    }
    match &r.head {
        Some(head) if r.rows > 0 => {
            format!("{chain}: {}, head {} {}", rows(r.rows), head.seq, head.hash)
        }
        _ => format!("{chain}: no rows"),
    }
}

fn rows(n: i64) -> String {
    format!("{n} row{}", if n == 1 { "" } else { "s" })
}

/// `{"intact": bool, "chains": [{table, contract, rows, head, broken}]}`.
fn json(reports: &[ChainReport]) -> serde_json::Value {
    let chains: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| {
            let broken = r.broken.as_ref().map(|b| {
                let key = b.row_key.as_ref().map(|k| match r.table.key_values(k) {
                    Some(pairs) => serde_json::Value::Object(
                        pairs.into_iter().map(|(c, v)| (c.to_string(), v)).collect(),
                    ),
                    None => serde_json::Value::String(k.clone()),
                });
                serde_json::json!({
                    "problem": b.problem.code(),
                    "seq": b.seq,
                    "key": key,
                    "detail": b.detail,
                })
            });
            serde_json::json!({
                "table": r.table.name,
                "contract": r.contract,
                "rows": r.rows,
                "head": r.head.as_ref().map(|h| serde_json::json!({"seq": h.seq, "hash": h.hash})),
                "broken": broken,
            })
        })
        .collect();
    serde_json::json!({
        "intact": reports.iter().all(|r| r.broken.is_none()),
        "chains": chains,
    })
}
