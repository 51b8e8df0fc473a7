//! The work behind each subcommand, kept apart from argument parsing so tests
//! and the daemon can call the same code.
//!
//! # Layout
//! - [`failure`]: exit codes and how failures are printed.
//! - [`month`]: loading a contract-month's evidence and assembling its report.
//! - [`records`]: what the record-keeping commands share (`cost`, `excuse`,
//!   `unexcuse`, `excusals`, `dispute`, `audit`).
//! - one module per subcommand.

pub mod actions;
pub mod approve;
pub mod audit;
pub mod bench;
pub mod bench_webhook;
pub mod cause;
pub mod check;
pub mod commitment;
pub mod cost;
pub mod credit_note;
pub mod demo;
pub mod dispute;
pub mod dr;
pub mod evaluate;
pub mod evidence;
pub mod excuse;
pub mod failure;
pub mod generate;
pub mod history;
pub mod import;
pub mod issue;
pub mod issued;
pub mod migrate_store;
pub mod month;
pub mod notice;
pub mod pack;
pub mod records;
pub mod report;
pub mod run;
pub mod user;
pub mod verify;

use crate::config::Config;
use crate::store::Store;
pub use failure::Failure;

/// Loads the configuration (bad → exit 1) and opens the store (failure → exit 2).
pub async fn open(path: &std::path::Path) -> Result<(Config, Store), Failure> {
    let config = crate::config::load(path).map_err(Failure::config)?;
    let store = Store::open(&config.daemon.database_url)
        .await
        .map_err(Failure::runtime)?;
    Ok((config, store))
}
