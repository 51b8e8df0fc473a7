//! The sender's view of the outbox when at-risk warnings are batched: alerts
//! sent on their own and alerts waiting for a digest are read apart, so a long
//! queue of held digest alerts can never crowd a breach out of a round.

use super::outbox::{QUEUED_COLUMNS, QueuedAlert, queued_row};
use super::{Store, StoreError, failed};

/// An undelivered alert with the time its next attempt is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingAlert {
    /// The alert.
    pub queued: QueuedAlert,
    /// Not before this (epoch seconds): its queuing time, or the end of its
    /// last failure's backoff.
    pub next_attempt_at: i64,
}

impl Store {
    /// Undelivered alerts with this `digest` flag whose next attempt is due by
    /// `due_by`, oldest first. Pass `i64::MAX` to see every waiting alert.
    pub async fn pending_alerts(
        &self,
        digest: bool,
        due_by: i64,
        limit: i64,
    ) -> Result<Vec<PendingAlert>, StoreError> {
        let sql = format!(
            "SELECT {QUEUED_COLUMNS} FROM outbox
              WHERE sent_at IS NULL AND digest = $1 AND next_attempt_at <= $2
              ORDER BY id LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(i64::from(digest))
            .bind(due_by)
            .bind(limit)
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading pending alerts"))?;
        rows.iter()
            .map(|r| {
                let (queued, next_attempt_at) = queued_row(r)?;
                Ok(PendingAlert {
                    queued,
                    next_attempt_at,
                })
            })
            .collect()
    }
}
