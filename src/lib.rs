//! slawatch: the customer's independent monitor of an outsourced IT supplier.
//!
//! It ingests the supplier's incident, outage and work data, measures every
//! service level against the contract with business-hours calendars, works out
//! service credits and recoverable costs, and writes the monthly breach report.
//!
//! # Layout
//! The modules follow the pipeline: configuration → import → store → engine →
//! report, with the command line on top.
//! - [`domain`]: money, percentages, months, instants and evidence records.
//! - [`config`]: the TOML configuration, validated with key paths.
//! - [`import`]: CSV and JSON Lines files into the store.
//! - [`store`]: the evidence store (all SQL lives here).
//! - [`engine`]: the pure measures of SPEC §2 (no I/O; "now" is an argument).
//! - [`report`]: the monthly report in JSON, CSV and HTML.
//! - [`records`]: costs, excusals and disputes recorded by people, checked
//!   against the contract (the store keeps them with an audit trail).
//! - [`daemon`], [`sources`] and [`alerts`]: `slawatch run`, its sources and alerts.
//! - [`metrics`]: the Prometheus metrics the daemon serves.
//! - [`commands`] and [`cli`]: the subcommands and their arguments.
//! - [`generate`]: seeded synthetic evidence in the interchange formats, for
//!   tests, the demo and benchmarks.
//! - `testing` (hidden): which database a test's store lives in, SQLite or
//!   PostgreSQL, shared by the unit and integration tests.

#![warn(missing_docs)]

pub mod alerts;
pub mod cli;
pub mod commands;
pub mod config;
pub mod contract;
pub mod daemon;
pub mod domain;
pub mod engine;
pub mod generate;
pub mod http;
pub mod import;
pub mod issuing;
pub mod leader;
pub mod logging;
pub mod metrics;
pub mod records;
pub mod report;
pub mod shutdown;
pub mod sources;
pub mod store;
