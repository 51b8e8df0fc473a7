//! What each contract's month in progress owes to its closed months (typical
//! volumes, and the repeat multiplier's and annual cap's carry-over), kept
//! between detection runs: closed months change only with late corrections,
//! so they are read again when the month changes and at most hourly, not on
//! every run.

use std::collections::HashMap;

use chrono::Duration as Span;

use crate::contract::Contract;
use crate::domain::{Instant, Period};
use crate::engine::contract_year::Prior;
use crate::engine::standing::TypicalVolumes;
use crate::store::{Store, StoreError};

/// Typical volumes are read again after this long, to take in late
/// corrections to the closed months.
const MAX_AGE: Span = Span::hours(1);

/// The typical volumes detection last read, per contract.
#[derive(Debug, Default)]
pub struct TypicalCache {
    /// A tokio mutex: held across the store reads, and only detection takes it.
    read: tokio::sync::Mutex<HashMap<String, Read>>,
}

#[derive(Debug)]
struct Read {
    period: Period,
    at: Instant,
    volumes: TypicalVolumes,
    prior: Prior,
}

impl TypicalCache {
    /// `contract`'s typical volumes and carry-over for the month `period`
    /// as at `now`: those already read for that month within the hour, or
    /// read now.
    pub async fn get(
        &self,
        store: &Store,
        contract: &Contract,
        period: Period,
        now: Instant,
    ) -> Result<(TypicalVolumes, Prior), StoreError> {
        let mut read = self.read.lock().await;
        if let Some(r) = read.get(&contract.id)
            && r.period == period
            && now - r.at < MAX_AGE
        {
            return Ok((r.volumes.clone(), r.prior.clone()));
        }
        let (volumes, prior) =
            crate::report::typical::closed_before(store, contract, period, now, None).await?;
        read.insert(
            contract.id.clone(),
            Read {
                period,
                at: now,
                volumes: volumes.clone(),
                prior: prior.clone(),
            },
        );
        Ok((volumes, prior))
    }
}
