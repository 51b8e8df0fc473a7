//! What a month owes to the closed months before it, read from the store:
//! each incident level's typical volume (the mean number of incidents
//! assessed in the last three closed months, each evaluated as its own
//! report is; a month with no evidence at all, before monitoring began, is
//! left out, so a contract monitored for one month has that month's volume)
//! and what its credits carry over (the repeat multiplier's failed lines,
//! the annual cap's credits so far this contract year).

use crate::contract::Contract;
use crate::domain::{Instant, Period};
use crate::engine::contract_year::{ContractHistory, Prior, first_needed};
use crate::engine::standing::{TYPICAL_MONTHS, TypicalVolumes};
use crate::store::read::Seen;
use crate::store::{Store, StoreError};

/// Reads and evaluates the closed months before `period` that its typical
/// volumes and its credits depend on, as at `now` (and as known at
/// `known_at`), each month once.
pub async fn closed_before(
    store: &Store,
    contract: &Contract,
    period: Period,
    now: Instant,
    known_at: Option<Instant>,
) -> Result<(TypicalVolumes, Prior), StoreError> {
    let typical_from = (0..TYPICAL_MONTHS).fold(period, |p, _| p.prev());
    let mut month = first_needed(contract, period).min(typical_from);
    let mut history = ContractHistory::new(contract);
    let mut monitored = Vec::new();
    let seen = known_at.map(|t| Seen::At(t.timestamp()));
    let mut reader = store.months_evidence(&contract.id, month, contract.timezone, now, seen);
    while month < period {
        let evidence = reader.next().await?.1;
        history.push(month, &evidence, now);
        if month >= typical_from && super::trends::monitored(&evidence) {
            monitored.push(month);
        }
        month = month.next();
    }
    let typical: Vec<_> = history
        .months()
        .iter()
        .filter(|m| monitored.contains(&m.period))
        .collect();
    Ok((
        TypicalVolumes::from_months(&typical),
        history.prior_for(period),
    ))
}

/// The typical volumes alone (see [`closed_before`]).
pub async fn load(
    store: &Store,
    contract: &Contract,
    period: Period,
    now: Instant,
    known_at: Option<Instant>,
) -> Result<TypicalVolumes, StoreError> {
    Ok(closed_before(store, contract, period, now, known_at)
        .await?
        .0)
}
