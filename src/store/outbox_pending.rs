//! The sender's view of the outbox when at-risk warnings are batched: alerts
//! sent on their own and alerts waiting for a digest are read apart, so a long
//! queue of held digest alerts can never crowd a breach out of a round; and
//! digest alerts are read only from groups whose window has closed, so a
//! long queue of alerts not yet due can never hide a group that is.

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
        rows.iter().map(pending_row).collect()
    }

    /// Undelivered digest alerts of the groups due now, oldest first: those
    /// whose recipients' oldest waiting alert was queued at least `interval`
    /// seconds before `now` and none of which is still backing off.
    ///
    /// The window is decided here rather than after reading, since reading
    /// the oldest `limit` waiting alerts first would let one group that is
    /// not yet due fill every round. A group is the stored `recipients` as
    /// written; [`crate::alerts::digest::due_digests`] checks each group again.
    pub async fn due_digest_alerts(
        &self,
        interval: i64,
        now: i64,
        limit: i64,
    ) -> Result<Vec<PendingAlert>, StoreError> {
        let sql = format!(
            "SELECT {QUEUED_COLUMNS} FROM outbox
              WHERE sent_at IS NULL AND digest = 1 AND recipients IN (
                    SELECT recipients FROM outbox
                     WHERE sent_at IS NULL AND digest = 1
                     GROUP BY recipients
                    HAVING MIN(created_at) <= $1 AND MAX(next_attempt_at) <= $2)
              ORDER BY id LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now.saturating_sub(interval))
            .bind(now)
            .bind(limit)
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading due digest alerts"))?;
        rows.iter().map(pending_row).collect()
    }
}

fn pending_row(r: &sqlx::any::AnyRow) -> Result<PendingAlert, StoreError> {
    let (queued, next_attempt_at) = queued_row(r)?;
    Ok(PendingAlert {
        queued,
        next_attempt_at,
    })
}
