//! A probe's run of results and the outage it has open, kept so a restart
//! neither forgets a run of failures nor loses an open outage.

use super::{Store, StoreError, failed};

/// What the store keeps for one probe source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbeState {
    /// Failures in a row (0 after a success).
    pub consecutive_failures: i64,
    /// Successes in a row (0 after a failure).
    pub consecutive_successes: i64,
    /// When the current run began: the first of the `consecutive_failures`
    /// failures or of the `consecutive_successes` successes (only one is
    /// counting at a time). An outage starts at the first failure of the run
    /// that opens it and ends at the first success of the run that closes it.
    pub run_started_at: Option<i64>,
    /// The id of the outage this probe has open.
    pub open_outage_id: Option<String>,
    /// When the last check ran (epoch seconds).
    pub last_checked_at: Option<i64>,
    /// What the last check saw (`up: status 200 OK`, `down: …`).
    pub last_result: Option<String>,
}

/// failures, successes, run start, open outage, last checked, last result.
type StateColumns = (
    i64,
    i64,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
);

impl Store {
    /// The state of probe `source` (default when it has never run).
    pub async fn probe_state(&self, source: &str) -> Result<ProbeState, StoreError> {
        let row: Option<StateColumns> = sqlx::query_as(
            "SELECT consecutive_failures, consecutive_successes, run_started_at,
                    open_outage_id, last_checked_at, last_result
               FROM probe_state WHERE source = $1",
        )
        .bind(source)
        .fetch_optional(self.pool())
        .await
        .map_err(failed("reading a probe's state"))?;
        Ok(row.map_or_else(
            ProbeState::default,
            |(
                failures,
                successes,
                run_started_at,
                open_outage_id,
                last_checked_at,
                last_result,
            )| {
                ProbeState {
                    consecutive_failures: failures,
                    consecutive_successes: successes,
                    run_started_at,
                    open_outage_id,
                    last_checked_at,
                    last_result,
                }
            },
        ))
    }

    /// Replaces the state of probe `source`.
    pub async fn save_probe_state(
        &self,
        source: &str,
        state: &ProbeState,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO probe_state (source, consecutive_failures, consecutive_successes,
                                      run_started_at, open_outage_id, last_checked_at, last_result)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (source) DO UPDATE SET
                 consecutive_failures = excluded.consecutive_failures,
                 consecutive_successes = excluded.consecutive_successes,
                 run_started_at = excluded.run_started_at,
                 open_outage_id = excluded.open_outage_id,
                 last_checked_at = excluded.last_checked_at,
                 last_result = excluded.last_result",
        )
        .bind(source)
        .bind(state.consecutive_failures)
        .bind(state.consecutive_successes)
        .bind(state.run_started_at)
        .bind(state.open_outage_id.clone())
        .bind(state.last_checked_at)
        .bind(state.last_result.clone())
        .execute(self.pool())
        .await
        .map_err(failed("saving a probe's state"))?;
        Ok(())
    }

    /// When outage `id` of `contract` starts, if it is stored.
    pub async fn outage_start(&self, contract: &str, id: &str) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar("SELECT start_at FROM outages WHERE contract = $1 AND id = $2")
            .bind(contract)
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(failed("reading an outage's start"))
    }

    /// When outage `id` of `contract` ended: `None` if it is not stored or
    /// still open.
    pub async fn outage_end(&self, contract: &str, id: &str) -> Result<Option<i64>, StoreError> {
        let end: Option<Option<i64>> =
            sqlx::query_scalar("SELECT end_at FROM outages WHERE contract = $1 AND id = $2")
                .bind(contract)
                .bind(id)
                .fetch_optional(self.pool())
                .await
                .map_err(failed("reading an outage's end"))?;
        Ok(end.flatten())
    }
}
