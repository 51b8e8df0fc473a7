//! The work behind each subcommand, kept apart from argument parsing so tests
//! and the daemon can call the same code.
//!
//! # Layout
//! - [`failure`]: exit codes and how failures are printed.
//! - [`month`]: loading a contract-month's evidence and assembling its report.
//! - one module per subcommand.

pub mod bench;
pub mod check;
pub mod commitment;
pub mod demo;
pub mod evaluate;
pub mod failure;
pub mod generate;
pub mod import;
pub mod month;
pub mod report;
pub mod run;

use crate::cli::{Cli, Command};
use crate::config::Config;
use crate::store::Store;
pub use failure::Failure;

/// Runs a parsed command line.
pub async fn dispatch(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Check => check::run(&cli.config),
        Command::Import { files } => {
            let (config, store) = open(&cli.config).await?;
            import::run(&config, &store, &files).await
        }
        Command::Evaluate {
            contract,
            month,
            format,
            as_of,
        } => {
            let (config, store) = open(&cli.config).await?;
            evaluate::run(&config, &store, &contract, &month, format, as_of.as_deref()).await
        }
        Command::Report {
            contract,
            month,
            format,
            out,
            as_of,
        } => {
            let (config, store) = open(&cli.config).await?;
            report::run(
                &config,
                &store,
                &contract,
                &month,
                format,
                out.as_deref(),
                as_of.as_deref(),
            )
            .await
        }
        Command::Generate {
            out,
            seed,
            incidents,
            from,
            months,
            contracts,
        } => generate::run(
            &cli.config,
            &generate::GenerateArgs {
                out,
                seed,
                incidents,
                from,
                months,
                contracts,
            },
        ),
        Command::Run { log_format: _ } => {
            let (config, store) = open(&cli.config).await?;
            run::run(config, store).await
        }
        Command::Demo { no_daemon } => {
            let (config, store) = open(&cli.config).await?;
            demo::run(config, store, !no_daemon).await
        }
        Command::Commitment { command } => {
            let (config, store) = open(&cli.config).await?;
            commitment::run(&config, &store, command).await
        }
        Command::Bench {
            incidents,
            contracts,
            dir,
        } => {
            bench::run(&bench::BenchArgs {
                incidents,
                contracts,
                dir,
            })
            .await
        }
    }
}

/// Loads the configuration (bad → exit 1) and opens the store (failure → exit 2).
pub async fn open(path: &std::path::Path) -> Result<(Config, Store), Failure> {
    let config = crate::config::load(path).map_err(Failure::config)?;
    let store = Store::open(&config.daemon.database_url)
        .await
        .map_err(Failure::runtime)?;
    Ok((config, store))
}
