//! Reading a run of consecutive months of one contract's evidence, each
//! month at the cost of what it holds: the incidents carried into the first
//! month are read once, each month's own incidents (those opened in it) by
//! their opening, and the incidents still unsettled at a month's end are
//! carried into the next in memory, so no month re-reads the history stored
//! after it.

use super::read::{Seen, Settled};
use super::{Store, StoreError};
use crate::domain::{Dispute, Excusal, Instant, Period};
use crate::engine::Evidence;

/// Consecutive months of a contract's evidence, read in order (see
/// [`Store::months_evidence`]).
#[derive(Debug)]
pub struct MonthsEvidence<'s> {
    store: &'s Store,
    contract: String,
    tz: chrono_tz::Tz,
    now: Instant,
    seen: Option<Seen>,
    /// The month [`MonthsEvidence::next`] reads.
    next: Period,
    /// The incidents opened before `next` and not settled before it (read
    /// with the first month).
    carried: Vec<Settled>,
    /// The contract's excusals and disputes, the same for every month
    /// (`None` until the first month is read).
    records: Option<(Vec<Excusal>, Vec<Dispute>)>,
}

impl Store {
    /// The evidence of `contract`'s months from `first` on, one month at a
    /// time (see [`MonthsEvidence::next`]), as seen at `now` and as the
    /// versions `known_at` picks (see [`Self::month_evidence`]).
    pub fn months_evidence(
        &self,
        contract: &str,
        first: Period,
        tz: chrono_tz::Tz,
        now: Instant,
        known_at: Option<Seen>,
    ) -> MonthsEvidence<'_> {
        MonthsEvidence {
            store: self,
            contract: contract.to_string(),
            tz,
            now,
            seen: known_at,
            next: first,
            carried: Vec::new(),
            records: None,
        }
    }
}

impl MonthsEvidence<'_> {
    /// The month after the last one read (the first month at first), with
    /// its evidence.
    pub async fn next(&mut self) -> Result<(Period, Evidence), StoreError> {
        let store = self.store;
        let (contract, seen) = (self.contract.as_str(), self.seen);
        let period = self.next;
        let start = period.start(self.tz).timestamp();
        let end = period.end(self.tz).timestamp();
        let (excusals, disputes) = match &self.records {
            Some(records) => records.clone(),
            None => {
                self.carried = store.incidents_carried_in(contract, start, seen).await?;
                let records = (
                    store.excusals(contract).await?,
                    store.disputes(contract).await?,
                );
                self.records = Some(records.clone());
                records
            }
        };
        let mut incidents = std::mem::take(&mut self.carried);
        incidents.extend(
            store
                .incidents_opened_in(contract, start, end, seen)
                .await?,
        );
        // What is still unsettled when the month ends carries into the next.
        self.carried = incidents
            .iter()
            .filter(|(_, settled)| settled.is_none_or(|s| s >= end))
            .cloned()
            .collect();
        self.next = period.next();
        let (outages, work, supplier_kpis) = store
            .month_rest(contract, period, self.tz, self.now, seen)
            .await?;
        let evidence = Evidence {
            incidents: incidents.into_iter().map(|(i, _)| i).collect(),
            outages,
            work,
            supplier_kpis,
            excusals,
            disputes,
        };
        Ok((period, evidence))
    }
}
