//! The report's two parts about getting money back: which recorded costs
//! count under a sole-remedy clause (`costs_recoverable = "when_gate_open"`),
//! and "Recovery to date" — every issued claim of the contract against what
//! the supplier credited or refused, as at the report's evaluation instant.
//!
//! Both leave a report unchanged where they do not apply: under `"always"`
//! no cost says anything about gates, and the recovery section appears only
//! once the contract has a credit note or refusal recorded by the report's
//! instant. The figures are worked out by the engine
//! ([`crate::engine::gates`], [`crate::engine::recovery`]).

use super::MonthReport;
use crate::contract::Contract;
use crate::domain::{Cost, Instant};
use crate::engine::gates::{MonthGates, Recoverability, recoverability};
use crate::engine::recovery::{Recovery, recovery};
use crate::store::{Store, StoreError};

impl MonthReport<'_> {
    /// The gates the month's figures open.
    pub fn month_gates(&self) -> MonthGates {
        MonthGates::of(&self.evaluation, self.material_breach)
    }

    /// Whether `cost` counts in the month's total claim, and through which gate.
    pub fn cost_recoverability(&self, cost: &Cost) -> Recoverability {
        recoverability(
            self.contract.recovery.costs_recoverable,
            &self.month_gates(),
            &self.cost_gates,
            cost,
        )
    }

    /// Takes the escalation ladder's verdict that the month is (or is not)
    /// a material breach, which opens cost recovery like the other gates.
    pub fn with_material_breach(mut self, material_breach: bool) -> Self {
        self.material_breach = material_breach;
        self
    }

    /// Shows `recovery` (see [`load`]).
    pub fn with_recovery(mut self, recovery: Option<Recovery>) -> Self {
        self.recovery = recovery;
        self
    }
}

/// The contract's recovery as at `at`: the claims issued before it and the
/// notes recorded by it; `None` when no note was recorded by then (the
/// report then has no recovery section, and the claims are not read).
pub async fn load(
    store: &Store,
    contract: &Contract,
    at: Instant,
) -> Result<Option<Recovery>, StoreError> {
    let notes = store
        .credit_notes(&contract.id, Some(at.timestamp()))
        .await?;
    if notes.is_empty() {
        return Ok(None);
    }
    let claims = store.issued_claims(&contract.id, at.timestamp()).await?;
    Ok(Some(recovery(&claims, &notes, contract.timezone, at)))
}

/// The contract's recovery as at `at` whether or not a note was recorded
/// (the metrics, the chase alert and the API need it from the first issued
/// claim on).
pub async fn load_always(
    store: &Store,
    contract: &Contract,
    at: Instant,
) -> Result<Recovery, StoreError> {
    let notes = store
        .credit_notes(&contract.id, Some(at.timestamp()))
        .await?;
    let claims = store.issued_claims(&contract.id, at.timestamp()).await?;
    Ok(recovery(&claims, &notes, contract.timezone, at))
}
