//! Which months' supplier figures live detection should reconcile.

use super::{Store, StoreError, failed};
use crate::domain::{Instant, Period};

impl Store {
    /// The ended months (before `current`) with supplier figures for
    /// `contract` that are worth comparing now: last month's, and any whose
    /// figures were imported (stored or changed) since `since`.
    pub async fn months_to_reconcile(
        &self,
        contract: &str,
        current: Period,
        since: Instant,
    ) -> Result<Vec<Period>, StoreError> {
        // Periods are YYYY-MM text, so text order is month order.
        let months: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT k.period FROM supplier_kpis k JOIN imports i ON i.id = k.import_id
              WHERE k.contract = $1 AND k.period < $2 AND (k.period = $3 OR i.started_at >= $4)
              ORDER BY k.period",
        )
        .bind(contract)
        .bind(current.to_string())
        .bind(current.prev().to_string())
        .bind(since.timestamp())
        .fetch_all(self.pool())
        .await
        .map_err(failed("finding supplier figures to reconcile"))?;
        months
            .iter()
            .map(|m| {
                m.parse()
                    .map_err(|e| StoreError::Corrupt(format!("supplier figure period: {e}")))
            })
            .collect()
    }
}
