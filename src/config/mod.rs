//! Configuration (SPEC §4): one TOML file, validated at start with errors that
//! name the file, the key and what is wrong.
//!
//! # Layout
//! - [`model`]: the validated types the rest of the program uses.
//! - [`load`]: reading the file and checking every key, reporting all problems at once.

pub mod load;
pub mod model;

pub use load::{ConfigError, Problem, load, parse};
pub use model::*;
