//! Each incident level's typical volume for a month: the mean number of
//! incidents assessed in the last three closed months before it, each
//! evaluated from the store as its own report is. A month with no evidence
//! at all for the contract (before monitoring began) is left out, so a
//! contract monitored for one month has a typical volume of that month.

use crate::contract::Contract;
use crate::domain::{Instant, Period};
use crate::engine::evaluate_month;
use crate::engine::standing::{TYPICAL_MONTHS, TypicalVolumes};
use crate::store::{Store, StoreError};

/// Reads and evaluates the [`TYPICAL_MONTHS`] months before `period` as at
/// `now` (and as known at `known_at`) and counts their assessed incidents.
pub async fn load(
    store: &Store,
    contract: &Contract,
    period: Period,
    now: Instant,
    known_at: Option<Instant>,
) -> Result<TypicalVolumes, StoreError> {
    let mut months = Vec::with_capacity(TYPICAL_MONTHS);
    let mut month = period;
    for _ in 0..TYPICAL_MONTHS {
        month = month.prev();
        let evidence = store
            .month_evidence(&contract.id, month, contract.timezone, now, known_at)
            .await?;
        if super::trends::monitored(&evidence) {
            months.push(evaluate_month(contract, month, &evidence, now));
        }
    }
    Ok(TypicalVolumes::from_months(
        &months.iter().collect::<Vec<_>>(),
    ))
}
