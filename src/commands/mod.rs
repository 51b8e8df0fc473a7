//! The work behind each subcommand, kept apart from argument parsing so tests
//! and the daemon can call the same code.
//!
//! # Layout
//! - [`failure`]: exit codes and how failures are printed.
//! - [`month`]: loading a contract-month's evidence and assembling its report.
//! - [`records`]: what the record-keeping commands share (`cost`, `excuse`,
//!   `unexcuse`, `excusals`, `dispute`, `audit`).
//! - one module per subcommand.

pub mod audit;
pub mod bench;
pub mod check;
pub mod commitment;
pub mod cost;
pub mod demo;
pub mod dispute;
pub mod dr;
pub mod evaluate;
pub mod excuse;
pub mod failure;
pub mod generate;
pub mod import;
pub mod issue;
pub mod issued;
pub mod migrate_store;
pub mod month;
pub mod records;
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
            reissue,
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
                reissue,
            )
            .await
        }
        Command::Issue {
            contract,
            month,
            reissue,
        } => {
            let (config, store) = open(&cli.config).await?;
            issue::run(
                &config,
                &store,
                contract.as_deref(),
                month.as_deref(),
                reissue,
            )
            .await
        }
        Command::Issued {
            contract,
            month,
            version,
            out,
        } => {
            let (config, store) = open(&cli.config).await?;
            issued::run(&config, &store, &contract, &month, version, out.as_deref()).await
        }
        Command::Cost { action } => {
            let (config, store) = open(&cli.config).await?;
            cost::run(&config, &store, action).await
        }
        Command::Excuse {
            contract,
            target,
            reason,
            by,
        } => {
            let (config, store) = open(&cli.config).await?;
            excuse::excuse(&config, &store, &contract, &target, &reason, &by).await
        }
        Command::Unexcuse {
            contract,
            target,
            id,
            reason,
            by,
        } => {
            let (config, store) = open(&cli.config).await?;
            excuse::unexcuse(&config, &store, &contract, &target, id, &reason, &by).await
        }
        Command::Excusals { contract, format } => {
            let (config, store) = open(&cli.config).await?;
            excuse::list(&config, &store, &contract, format).await
        }
        Command::DrTest { action } => {
            let (config, store) = open(&cli.config).await?;
            dr::run(&config, &store, action).await
        }
        Command::Dispute { action } => {
            let (config, store) = open(&cli.config).await?;
            dispute::run(&config, &store, action).await
        }
        Command::Audit {
            contract,
            month,
            format,
        } => {
            let (config, store) = open(&cli.config).await?;
            audit::run(&config, &store, &contract, month.as_deref(), format).await
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
            database_url,
        } => {
            bench::run(&bench::BenchArgs {
                incidents,
                contracts,
                dir,
                database_url,
            })
            .await
        }
        Command::MigrateStore { from, to, replace } => {
            migrate_store::run(&from, &to, replace).await
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
