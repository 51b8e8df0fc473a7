//! `slawatch demo`: the product on its embedded default in one command. It
//! generates a realistic sample month for the configured contracts, imports
//! it into the SQLite store, prints each contract's evaluation and writes the
//! month's report in every format under `data_dir/reports/`.

use std::path::Path;

use chrono::Utc;

use super::generate::last_month;
use super::{Failure, evaluate, month};
use crate::config::Config;
use crate::generate::{ContractShape, FILES, GenerateOptions, generate};
use crate::import::import_file;
use crate::store::Store;

/// The seed of the sample data, so every demo shows the same month.
const DEMO_SEED: u64 = 2026;
/// Incidents per contract in the sample month.
const DEMO_INCIDENTS_PER_CONTRACT: u64 = 400;

/// Runs the demo.
pub async fn run(config: &Config, store: &Store) -> Result<(), Failure> {
    let period = last_month();
    let sample = config
        .daemon
        .data_dir
        .join("sample")
        .join(period.to_string());
    let shapes: Vec<ContractShape> = config
        .contracts
        .iter()
        .map(ContractShape::from_contract)
        .collect();
    let options = GenerateOptions {
        seed: DEMO_SEED,
        incidents: DEMO_INCIDENTS_PER_CONTRACT * shapes.len() as u64,
        first_month: period,
        months: 1,
        out_dir: sample.clone(),
    };
    generate(&shapes, &options).map_err(Failure::runtime)?;
    println!("sample data for {period}: {}", sample.display());
    let now = Utc::now();
    for name in FILES {
        let path = sample.join(name);
        let mut report = |r: &crate::import::Rejection| eprintln!("rejected: {r}");
        let s = import_file(
            store,
            &config.contracts,
            &path,
            "demo",
            now.timestamp(),
            &mut report,
        )
        .await
        .map_err(Failure::runtime)?;
        println!(
            "imported {name}: {} stored, {} updated, {} unchanged",
            s.counts.stored, s.counts.updated, s.counts.unchanged
        );
    }
    for contract in &config.contracts {
        let report = month::build(store, contract, period, now).await?;
        println!("\n{}\n", evaluate::table(&report));
        let dir = config
            .daemon
            .data_dir
            .join("reports")
            .join(&contract.id)
            .join(period.to_string());
        write_reports(&dir, &report)?;
        println!("reports: {}", dir.display());
    }
    Ok(())
}

fn write_reports(dir: &Path, report: &crate::report::MonthReport<'_>) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::runtime(anyhow::anyhow!("cannot create {}: {e}", dir.display())))?;
    let files = [
        (
            "report.json",
            crate::report::json::render(report).map_err(Failure::runtime)?,
        ),
        (
            "report.csv",
            crate::report::csv::render(report).map_err(Failure::runtime)?,
        ),
        (
            "report.html",
            crate::report::html::render(report).map_err(Failure::runtime)?,
        ),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| {
            Failure::runtime(anyhow::anyhow!("cannot write {}: {e}", path.display()))
        })?;
    }
    Ok(())
}
