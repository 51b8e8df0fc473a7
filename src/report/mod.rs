//! The monthly breach report (SPEC §6): one assembled [`MonthReport`] and its
//! renderings, so every format carries the same figures.
//!
//! # Layout
//! - [`json`]: the stable JSON of SPEC §6.
//! - [`csv`]: one row per service level.
//! - [`html`]: a self-contained page.
//! - [`pdf`]: an A4 document for the supplier.
//! - [`xlsx`]: a workbook for finance, one sheet per section.
//! - [`json_time`]: how instants are written (RFC 3339, UTC, seconds).

pub mod csv;
pub mod html;
pub mod json;
pub mod pdf;
pub mod xlsx;

use chrono::NaiveDate;

use crate::config::Contract;
use crate::domain::RecoverableCost;
use crate::engine::commitments::{Occurrence, occurrences_for};
use crate::engine::{MonthEvaluation, Status};

/// Everything the monthly report shows for one contract-month.
#[derive(Debug, Clone)]
pub struct MonthReport<'a> {
    /// The contract reported on.
    pub contract: &'a Contract,
    /// The engine's figures.
    pub evaluation: MonthEvaluation,
    /// Recoverable costs dated in the month.
    pub recoverable_costs: Vec<RecoverableCost>,
    /// Commitment occurrences due in (or next after) the month.
    pub commitments: Vec<Occurrence>,
}

impl<'a> MonthReport<'a> {
    /// Assembles the report from the evaluation and the month's costs.
    pub fn new(
        contract: &'a Contract,
        evaluation: MonthEvaluation,
        recoverable_costs: Vec<RecoverableCost>,
    ) -> Self {
        let today: NaiveDate =
            crate::domain::time::local_date(contract.timezone, evaluation.evaluated_at);
        let commitments = contract
            .commitments
            .iter()
            .flat_map(|c| occurrences_for(c, evaluation.period, today))
            .collect();
        MonthReport {
            contract,
            evaluation,
            recoverable_costs,
            commitments,
        }
    }

    /// The sum of the month's recoverable costs.
    pub fn recoverable_costs_minor(&self) -> i64 {
        self.recoverable_costs.iter().map(|c| c.amount_minor).sum()
    }

    /// Service credits after the cap plus recoverable costs.
    pub fn total_claim_minor(&self) -> i64 {
        self.evaluation.credits.total_minor + self.recoverable_costs_minor()
    }

    /// How many lines failed.
    pub fn failed_count(&self) -> usize {
        self.evaluation
            .levels
            .iter()
            .filter(|l| l.status == Status::Failed)
            .count()
    }

    /// How many lines are critical service level failures.
    pub fn critical_count(&self) -> usize {
        self.evaluation.levels.iter().filter(|l| l.critical).count()
    }
}

/// Serde helpers writing instants as RFC 3339 UTC with whole seconds.
pub mod json_time {
    use serde::Serializer;

    use crate::domain::Instant;
    use crate::domain::time::format_utc;

    /// Serialises an instant.
    pub fn serialize<S: Serializer>(t: &Instant, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_utc(*t))
    }

    /// The same for an optional instant.
    pub mod option {
        use super::*;

        /// Serialises an optional instant (`null` when absent).
        pub fn serialize<S: Serializer>(t: &Option<Instant>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&format_utc(*t)),
                None => s.serialize_none(),
            }
        }
    }
}
