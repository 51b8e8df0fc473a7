//! The sender's view of the outbox when at-risk warnings are batched: alerts
//! sent on their own and alerts waiting for a digest are read apart, so a long
//! queue of held digest alerts can never crowd a breach out of a round.

use super::outbox::{QueuedAlert, stored_alert};
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

type PendingRow = (
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    i64,
    String,
    i64,
    i64,
    i64,
);

impl Store {
    /// Undelivered alerts with this `digest` flag whose next attempt is due by
    /// `due_by`, oldest first. Pass `i64::MAX` to see every waiting alert.
    pub async fn pending_alerts(
        &self,
        digest: bool,
        due_by: i64,
        limit: i64,
    ) -> Result<Vec<PendingAlert>, StoreError> {
        let rows: Vec<PendingRow> = sqlx::query_as(
            "SELECT id, dedup_key, kind, severity, contract, recipients, subject, body_text, body_html,
                    digest, attachments, created_at, attempts, next_attempt_at
               FROM outbox
              WHERE sent_at IS NULL AND digest = $1 AND next_attempt_at <= $2
              ORDER BY id LIMIT $3",
        )
        .bind(i64::from(digest))
        .bind(due_by)
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading pending alerts"))?;
        rows.into_iter().map(pending).collect()
    }
}

fn pending(row: PendingRow) -> Result<PendingAlert, StoreError> {
    let (
        id,
        dedup_key,
        kind,
        severity,
        contract,
        recipients,
        subject,
        body_text,
        body_html,
        digest,
        attachments,
        created_at,
        attempts,
        next_attempt_at,
    ) = row;
    Ok(PendingAlert {
        queued: QueuedAlert {
            id,
            alert: stored_alert(
                dedup_key,
                kind,
                &severity,
                contract,
                &recipients,
                subject,
                body_text,
                body_html,
                digest,
                &attachments,
            )?,
            created_at,
            attempts,
        },
        next_attempt_at,
    })
}
