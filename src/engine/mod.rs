//! The measures of SPEC §2, pure: evidence in, figures out, "now" passed in.
//! The CLI, the daemon and the report all call [`evaluate_month`], so they
//! can never disagree.
//!
//! # Layout
//! - [`calendar`]: business hours and business time (§2.1).
//! - [`spans`]: union and difference of intervals.
//! - [`clock`]: an incident clock, its deadline and verdict (§2.2).
//! - [`incidents`]: threshold service levels and the assessment month (§2.2–2.3).
//! - [`availability`]: downtime in service hours (§2.4).
//! - [`credits`]: credit tiers and the cap (§2.6).
//! - [`rulings`]: excusals and disputes recorded by people, applied.
//! - [`commitments`]: due dates and status (§2.7).
//! - [`evaluate`]: one contract-month, every service level.

pub mod availability;
pub mod calendar;
pub mod clock;
pub mod commitments;
pub mod credits;
pub mod evaluate;
pub mod incidents;
pub mod rulings;
pub mod spans;

pub use evaluate::{Evidence, Figures, LevelResult, MonthEvaluation, Status, evaluate_month};
