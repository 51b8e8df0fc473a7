//! What the record-keeping commands (`cost`, `excuse`, `unexcuse`,
//! `excusals`, `dispute`, `audit`) share: finding the contract, who is
//! acting, how refusals exit, and how lists are printed.

use clap::ValueEnum;

use super::Failure;
use crate::config::Config;
use crate::contract::Contract;
use crate::domain::WallClock;
use crate::records::{RecordError, required};
use crate::report::json::{Wire, all};

/// How a list is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns for people.
    Table,
    /// A JSON array, as the API answers.
    Json,
}

/// The contract named on the command line (unknown → exit 1).
pub fn contract<'c>(config: &'c Config, id: &str) -> Result<&'c Contract, Failure> {
    config.contract(id).ok_or_else(|| {
        let known: Vec<&str> = config.contracts.iter().map(|c| c.id.as_str()).collect();
        Failure::input(format!(
            "unknown contract '{id}' (configured: {})",
            known.join(", ")
        ))
    })
}

/// Who records from the command line, for the registers' `recorded_by`:
/// `cli:` and the login name (`cli:unknown` without one).
pub fn cli_recorder() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    )
}

/// Who is acting: `--by NAME`, not blank.
pub fn who(by: &str) -> Result<String, Failure> {
    required("--by", by).map_err(refused)
}

/// A refused change exits 1 with the reason; a store failure exits 2.
pub fn refused(e: RecordError) -> Failure {
    match e {
        RecordError::Store(e) => Failure::runtime(e),
        other => Failure::input(other.to_string()),
    }
}

/// The clock's now, in whole seconds (as the store keeps instants).
pub fn now(clock: &WallClock) -> i64 {
    clock.now().timestamp()
}

/// Prints `items` as JSON, or as a table of `columns` built by `row`.
pub fn print_list<T: Wire>(
    items: &[T],
    format: ListFormat,
    columns: &[&str],
    row: impl Fn(&T) -> Vec<String>,
) -> Result<(), Failure> {
    match format {
        ListFormat::Json => {
            let text = serde_json::to_string_pretty(&all(items)).map_err(Failure::runtime)?;
            println!("{text}");
        }
        ListFormat::Table => {
            let mut rows: Vec<Vec<String>> = vec![columns.iter().map(|c| c.to_string()).collect()];
            rows.extend(items.iter().map(row));
            let widths: Vec<usize> = (0..columns.len())
                .map(|c| {
                    rows.iter()
                        .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            for r in &rows {
                let cells: Vec<String> = r
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect();
                println!("{}", cells.join("  ").trim_end());
            }
        }
    }
    Ok(())
}
