//! Incident clocks a source could not fully read (`clock_gaps`): kept apart
//! from the incidents themselves, because they say what the source lacked,
//! not what the supplier recorded, and go once a later read has it.

use super::{Store, StoreError, failed};
use crate::domain::ClockUnknown;

impl Store {
    /// Records what `source` could not read about each of `contract`'s
    /// incidents (by number); an incident whose [`ClockUnknown`] is empty
    /// has its gap removed (a later read had everything).
    pub async fn set_clock_gaps(
        &self,
        contract: &str,
        source: &str,
        gaps: &[(String, ClockUnknown)],
        now: i64,
    ) -> Result<(), StoreError> {
        if gaps.is_empty() {
            return Ok(());
        }
        let mut tx = self
            .begin_write()
            .await
            .map_err(failed("starting to store unknown clocks"))?;
        for (incident, gap) in gaps {
            if gap.any() {
                sqlx::query(
                    "INSERT INTO clock_gaps (contract, incident_id, source, response_unknown,
                         holds_unknown, reason, recorded_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (contract, incident_id) DO UPDATE SET
                         source = excluded.source,
                         response_unknown = excluded.response_unknown,
                         holds_unknown = excluded.holds_unknown,
                         reason = excluded.reason,
                         recorded_at = excluded.recorded_at",
                )
                .bind(contract)
                .bind(incident.as_str())
                .bind(source)
                .bind(i64::from(gap.response))
                .bind(i64::from(gap.holds))
                .bind(gap.reason.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(failed("storing an unknown clock"))?;
            } else {
                sqlx::query("DELETE FROM clock_gaps WHERE contract = $1 AND incident_id = $2")
                    .bind(contract)
                    .bind(incident.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(failed("removing an unknown clock"))?;
            }
        }
        tx.commit()
            .await
            .map_err(failed("committing unknown clocks"))?;
        Ok(())
    }

    /// How many of `source`'s incidents have an unknown clock.
    pub async fn clock_gap_count(&self, source: &str) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COUNT(*) FROM clock_gaps WHERE source = $1")
            .bind(source)
            .fetch_one(self.pool())
            .await
            .map_err(failed("counting unknown clocks"))
    }
}
