//! `slawatch report`: the monthly breach report in JSON, CSV or HTML.

use std::path::Path;

use super::{Failure, month};
use crate::cli::ReportFormat;
use crate::config::Config;
use crate::store::Store;

/// Writes the report to `out` or standard output.
pub async fn run(
    config: &Config,
    store: &Store,
    contract: &str,
    period: &str,
    format: ReportFormat,
    out: Option<&Path>,
    as_of: Option<&str>,
) -> Result<(), Failure> {
    let (contract, period, now) = month::arguments(config, contract, period, as_of)?;
    let report = month::build(store, config, contract, period, now).await?;
    let text = match format {
        ReportFormat::Json => crate::report::json::render(&report).map_err(Failure::runtime)?,
        ReportFormat::Csv => crate::report::csv::render(&report).map_err(Failure::runtime)?,
        ReportFormat::Html => crate::report::html::render(&report).map_err(Failure::runtime)?,
    };
    match out {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Failure::runtime(anyhow::anyhow!("cannot write {}: {e}", path.display()))),
        None => {
            println!("{text}");
            Ok(())
        }
    }
}
