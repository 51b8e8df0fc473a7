//! slawatch: the customer's independent monitor of an outsourced IT supplier.
//!
//! It ingests the supplier's incident, outage and work data, measures every
//! service level against the contract with business-hours calendars, works out
//! service credits and recoverable costs, and writes the monthly breach report.
//!
//! # Layout
//! The modules follow the pipeline: configuration → import → store → engine →
//! report.
//! - [`domain`]: money, percentages, months, instants and evidence records.
//! - [`config`]: the TOML configuration, validated with key paths.
//! - [`engine`]: the pure measures of SPEC §2 (no I/O; "now" is an argument).
//! - [`generate`]: seeded synthetic evidence in the interchange formats, for
//!   tests, the demo and benchmarks.

pub mod config;
pub mod domain;
pub mod engine;
pub mod generate;
