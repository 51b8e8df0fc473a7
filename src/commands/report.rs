//! `slawatch report`: the monthly breach report in JSON, CSV, HTML, PDF or XLSX,
//! as the evidence stands now: when the month was issued and figures changed
//! since, with an amendment listing them; `--reissue` issues the amended version.

use std::path::Path;

use clap::ValueEnum;

use super::{Failure, month};

use crate::config::Config;
use crate::domain::WallClock;
use crate::store::Store;

/// Report and evaluation output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// The stable JSON of the specification.
    Json,
    /// One row per service level.
    Csv,
    /// A self-contained page.
    Html,
    /// An A4 document (binary: needs `--out`).
    Pdf,
    /// A workbook with one sheet per section (binary: needs `--out`).
    Xlsx,
}

/// Writes the report to `out` or standard output.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    config: &Config,
    store: &Store,
    contract: &str,
    period: &str,
    format: ReportFormat,
    out: Option<&Path>,
    seen: &month::Seen,
    reissue: bool,
    clock: &WallClock,
) -> Result<(), Failure> {
    let binary = matches!(format, ReportFormat::Pdf | ReportFormat::Xlsx);
    if binary && out.is_none() {
        // A binary document on a terminal is garbage; in a pipe it is easy to lose.
        return Err(Failure::input(format!(
            "--format {}: a binary format needs --out FILE",
            if format == ReportFormat::Pdf {
                "pdf"
            } else {
                "xlsx"
            }
        )));
    }
    let (contract, period) = month::arguments(config, contract, period)?;
    let month::Instants { now, known_at } = month::instants(seen, clock)?;
    if reissue && known_at.is_some() {
        return Err(Failure::input(
            "--reissue issues the evidence as it stands now; it cannot be combined with --known-at",
        ));
    }
    if reissue {
        let issued = crate::issuing::issue_month(config, store, contract, period, now, true)
            .await
            .map_err(Failure::runtime)?;
        match issued {
            Some(i) => eprintln!("issued {} {} version {}", i.contract, i.period, i.version),
            None => eprintln!("nothing changed since the last issue; not reissued"),
        }
    }
    let report =
        crate::report::assemble::as_it_stands(store, config, contract, period, now, known_at)
            .await
            .map_err(Failure::runtime)?;
    let bytes: Vec<u8> = match format {
        ReportFormat::Json => crate::report::json::render(&report)
            .map_err(Failure::runtime)?
            .into_bytes(),
        ReportFormat::Csv => crate::report::csv::render(&report)
            .map_err(Failure::runtime)?
            .into_bytes(),
        ReportFormat::Html => crate::report::html::render(&report)
            .map_err(Failure::runtime)?
            .into_bytes(),
        ReportFormat::Pdf => crate::report::pdf::render(&report).map_err(Failure::runtime)?,
        ReportFormat::Xlsx => crate::report::xlsx::render(&report).map_err(Failure::runtime)?,
    };
    match out {
        Some(path) => std::fs::write(path, bytes)
            .map_err(|e| Failure::runtime(anyhow::anyhow!("cannot write {}: {e}", path.display()))),
        None => {
            println!("{}", String::from_utf8_lossy(&bytes));
            Ok(())
        }
    }
}
