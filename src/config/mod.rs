//! Configuration: one TOML file, validated at start with errors that
//! name the file, the key and what is wrong.
//!
//! # Layout
//! - [`model`]: the validated types the rest of the program uses.
//! - [`load`](mod@load): reading the file and checking every key, reporting all problems at
//!   once; the daemon-side sections and the value rules sections share.
//! - `daemon`: `[daemon]`, the store, the listener and the HTTP server's limits.
//! - `contracts`: `[calendars.*]` and `[[contracts]]` with service levels and commitments.
//! - [`database_url`]: a database URL's password, detected and hidden.
//! - [`commitment`]: one commitment's keys validated, for the file, the CLI and the API alike.
//! - `dr`: `[[contracts.dr_systems]]`, the systems of the disaster-recovery register.
//! - `recovery`: a contract's `costs_recoverable` and `recovery_chase_after`.
//! - `escalation`: `[[contracts.escalations]]`, the escalation ladder.
//! - `sources`: `[[sources]]`, each kind with its own keys.
//! - `reader`: walking TOML tables by hand with key paths and collecting problems.

mod claim;
pub mod commitment;
mod contracts;
mod daemon;
pub mod database_url;
mod dr;
mod escalation;
pub mod load;
pub mod model;
mod pack;
mod reader;
mod recovery;
mod sources;
mod terms;
#[cfg(test)]
mod tests;
mod web;

pub use commitment::CommitmentSpec;
pub use load::{ConfigError, Problem, load, parse};
pub use model::*;
