//! `slawatch generate`: seeded synthetic evidence for tests, demos and benchmarks.

use std::path::{Path, PathBuf};

use super::Failure;
use crate::domain::{Period, WallClock};
use crate::generate::{
    ContractShape, GenerateOptions, GenerateSummary, generate, synthetic_contracts, write_config,
};

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct GenerateArgs {
    /// Where the CSV files go.
    pub out: PathBuf,
    /// The random seed.
    pub seed: u64,
    /// Incidents in total.
    pub incidents: u64,
    /// First month; default last month.
    pub from: Option<String>,
    /// Number of months.
    pub months: u32,
    /// Generate this many synthetic contracts (and their configuration) instead
    /// of using the configured contracts.
    pub contracts: Option<usize>,
}

/// The month before the clock's (UTC), the default first month.
pub fn last_month(clock: &WallClock) -> Period {
    Period::of(clock.now(), chrono_tz::UTC).prev()
}

/// Runs the generator and prints what it wrote.
pub fn run(config_path: &Path, args: &GenerateArgs, clock: &WallClock) -> Result<(), Failure> {
    let first_month = match &args.from {
        Some(m) => m
            .parse()
            .map_err(|e: String| Failure::input(format!("--from: {e}")))?,
        None => last_month(clock),
    };
    let shapes: Vec<ContractShape> = match args.contracts {
        Some(n) => {
            let shapes = synthetic_contracts(n);
            let config = args.out.join("slawatch.toml");
            write_config(&shapes, &config, &args.out.join("data")).map_err(Failure::runtime)?;
            println!("wrote {}", config.display());
            shapes
        }
        None => {
            let config = crate::config::load(config_path).map_err(Failure::config)?;
            config
                .contracts
                .iter()
                .map(ContractShape::from_contract)
                .collect()
        }
    };
    let options = GenerateOptions {
        seed: args.seed,
        incidents: args.incidents,
        first_month,
        months: args.months,
        out_dir: args.out.clone(),
    };
    let summary = generate(&shapes, &options).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidInput => Failure::input(e.to_string()),
        _ => Failure::runtime(anyhow::anyhow!(
            "cannot write into {}: {e}",
            args.out.display()
        )),
    })?;
    print_summary(&args.out, first_month, args.months, &summary);
    Ok(())
}

fn print_summary(out: &Path, first: Period, months: u32, s: &GenerateSummary) {
    println!(
        "wrote {} incidents, {} holds, {} outages, {} work items, {} supplier figures for {} month(s) from {} into {}",
        s.incidents,
        s.holds,
        s.outages,
        s.work_items,
        s.supplier_kpis,
        months,
        first,
        out.display()
    );
}
