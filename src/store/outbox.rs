//! The alert outbox: alerts are queued in the same transaction as the change
//! that caused them, and delivered by the sender, which marks each one sent
//! or schedules its next attempt. Nothing is ever deleted.

use sqlx::{Any, Transaction};

use sqlx::any::AnyRow;

use super::row::col;
use super::{Store, StoreError, failed};

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// For information (an outage ended, a digest).
    Info,
    /// Act soon (at risk).
    Warning,
    /// Act now (breach, critical failure, failing source).
    Critical,
}

impl Severity {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// An alert to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    /// `kind/subject/stage`: queuing the same key twice does nothing.
    pub dedup_key: String,
    /// What happened (`at_risk`, `breached`, `critical`, `source_failing` …).
    pub kind: String,
    /// How urgent.
    pub severity: Severity,
    /// The contract concerned, if any.
    pub contract: Option<String>,
    /// Who gets it.
    pub recipients: Vec<String>,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body_text: String,
    /// The HTML alternative (supplier text already escaped).
    pub body_html: String,
    /// May be batched into a digest.
    pub digest: bool,
    /// Files sent with it (the issued report's PDF and XLSX).
    pub attachments: Vec<Attachment>,
}

/// A file an alert carries, referenced rather than copied: only files that
/// are never rewritten (issued reports, kept in the store) are attached.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attachment {
    /// The name the recipient sees.
    pub filename: String,
    /// Its MIME type.
    pub content_type: String,
    /// Where it was written, relative to the issuing daemon's `data_dir`.
    /// Read from there only when `issued` is absent (alerts queued before
    /// issued files were kept in the store).
    pub path: String,
    /// The issued version whose stored file (named `filename`) this is: the
    /// bytes are read from the store, so any daemon on it can send them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued: Option<super::issued::IssuedKey>,
    /// The stored evidence file this is (`attach_evidence_files`): its
    /// bytes are read from the store when sent, checked against its SHA-256.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_file: Option<EvidenceFileKey>,
    /// The issued committee pack whose PDF this is: read from the store
    /// when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack: Option<super::packs::PackKey>,
}

/// Which stored evidence file an attachment is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EvidenceFileKey {
    /// The contract it belongs to.
    pub contract: String,
    /// Its id.
    pub id: i64,
}

/// A queued alert awaiting delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedAlert {
    /// Its outbox id.
    pub id: i64,
    /// The alert.
    pub alert: NewAlert,
    /// When it was queued (epoch seconds).
    pub created_at: i64,
    /// Delivery attempts so far.
    pub attempts: i64,
}

/// One alert of the outbox as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The alert and its attempts.
    pub queued: QueuedAlert,
    /// Its next attempt (epoch seconds), while waiting.
    pub next_attempt_at: i64,
    /// When it was sent; `None` while waiting.
    pub sent_at: Option<i64>,
    /// Its last failure, or the note of a recipient given up on.
    pub last_error: Option<String>,
}

/// Outbox counts, for metrics and health.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Not yet delivered.
    pub pending: i64,
    /// Delivered.
    pub sent: i64,
    /// Undelivered with at least one failed attempt.
    pub failing: i64,
    /// When the oldest undelivered alert was queued.
    pub oldest_pending_at: Option<i64>,
}

/// Queues an alert inside `tx`; false when an alert with its key was queued before.
pub async fn enqueue(
    tx: &mut Transaction<'static, Any>,
    alert: &NewAlert,
    now: i64,
) -> Result<bool, StoreError> {
    enqueue_held(tx, alert, now, now).await
}

/// As [`enqueue`], not to be sent before `not_before` (epoch seconds): a
/// recipient's quiet hours.
pub async fn enqueue_held(
    tx: &mut Transaction<'static, Any>,
    alert: &NewAlert,
    now: i64,
    not_before: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO outbox (dedup_key, kind, severity, contract, recipients, subject, body_text, body_html, digest, attachments, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (dedup_key) DO NOTHING",
    )
    .bind(alert.dedup_key.clone())
    .bind(alert.kind.clone())
    .bind(alert.severity.as_str())
    .bind(alert.contract.clone())
    .bind(alert.recipients.join(","))
    .bind(alert.subject.clone())
    .bind(alert.body_text.clone())
    .bind(alert.body_html.clone())
    .bind(i64::from(alert.digest))
    .bind(
        serde_json::to_string(&alert.attachments)
            .map_err(|e| StoreError::Corrupt(format!("alert attachments: {e}")))?,
    )
    .bind(now)
    .bind(not_before.max(now))
    .execute(&mut **tx)
    .await
    .map_err(failed("queuing an alert"))?;
    Ok(done.rows_affected() == 1)
}

/// The outbox columns [`queued_row`] reads, in its order.
pub(super) const QUEUED_COLUMNS: &str = "id, dedup_key, kind, severity, contract, recipients, subject, \
     body_text, body_html, digest, attachments, created_at, attempts, next_attempt_at";

/// A queued alert and when its next attempt is due (epoch seconds), from a
/// row of [`QUEUED_COLUMNS`].
pub(super) fn queued_row(r: &AnyRow) -> Result<(QueuedAlert, i64), StoreError> {
    let dedup_key: String = col(r, 1)?;
    let severity = match col::<String>(r, 3)?.as_str() {
        "info" => Severity::Info,
        "warning" => Severity::Warning,
        "critical" => Severity::Critical,
        other => return Err(StoreError::Corrupt(format!("alert severity {other}"))),
    };
    let recipients: String = col(r, 5)?;
    let attachments: Vec<Attachment> = serde_json::from_str(&col::<String>(r, 10)?)
        .map_err(|e| StoreError::Corrupt(format!("alert {dedup_key} attachments: {e}")))?;
    let alert = NewAlert {
        dedup_key,
        kind: col(r, 2)?,
        severity,
        contract: col(r, 4)?,
        recipients: recipients
            .split(',')
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect(),
        subject: col(r, 6)?,
        body_text: col(r, 7)?,
        body_html: col(r, 8)?,
        digest: col::<i64>(r, 9)? != 0,
        attachments,
    };
    let queued = QueuedAlert {
        id: col(r, 0)?,
        alert,
        created_at: col(r, 11)?,
        attempts: col(r, 12)?,
    };
    Ok((queued, col(r, 13)?))
}

impl Store {
    /// Opens a transaction for a state change and the alerts it causes.
    pub async fn begin(&self) -> Result<Transaction<'static, Any>, StoreError> {
        self.begin_write()
            .await
            .map_err(failed("starting a transaction"))
    }

    /// Queues one alert on its own.
    pub async fn enqueue_alert(&self, alert: &NewAlert, now: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let queued = enqueue(&mut tx, alert, now).await?;
        tx.commit().await.map_err(failed("queuing an alert"))?;
        Ok(queued)
    }

    /// Undelivered alerts whose next attempt is due, oldest first.
    pub async fn due_alerts(&self, now: i64, limit: i64) -> Result<Vec<QueuedAlert>, StoreError> {
        let sql = format!(
            "SELECT {QUEUED_COLUMNS} FROM outbox
              WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(limit)
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading due alerts"))?;
        rows.iter()
            .map(|r| queued_row(r).map(|(queued, _)| queued))
            .collect()
    }

    /// Marks alerts delivered: every recipient took them, or was given up on
    /// (said in `note`, kept as the last error).
    pub async fn mark_sent(
        &self,
        ids: &[i64],
        now: i64,
        note: Option<&str>,
    ) -> Result<(), StoreError> {
        for id in ids {
            sqlx::query("UPDATE outbox SET sent_at = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3")
                .bind(now)
                .bind(note.map(str::to_string))
                .bind(*id)
                .execute(self.pool())
                .await
                .map_err(failed("marking an alert sent"))?;
        }
        Ok(())
    }

    /// Records a failed delivery and when to try again.
    pub async fn mark_failed(
        &self,
        ids: &[i64],
        error: &str,
        next_attempt_at: i64,
    ) -> Result<(), StoreError> {
        for id in ids {
            sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3")
                .bind(error.to_string())
                .bind(next_attempt_at)
                .bind(*id)
                .execute(self.pool())
                .await
                .map_err(failed("recording a failed delivery"))?;
        }
        Ok(())
    }

    /// A contract's alerts, newest first (at most `limit`): each with when
    /// it was sent (`None` while waiting), when its next attempt is due and
    /// its last error.
    pub async fn contract_outbox(
        &self,
        contract: &str,
        limit: i64,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let sql = format!(
            "SELECT {QUEUED_COLUMNS}, sent_at, last_error FROM outbox
              WHERE contract = $1 ORDER BY id DESC LIMIT $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .bind(limit)
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading a contract's alerts"))?;
        rows.iter()
            .map(|r| {
                let (queued, next_attempt_at) = queued_row(r)?;
                Ok(OutboxEntry {
                    queued,
                    next_attempt_at,
                    sent_at: col(r, 14)?,
                    last_error: col(r, 15)?,
                })
            })
            .collect()
    }

    /// How the outbox stands.
    pub async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let (pending, sent, failing, oldest): (i64, i64, i64, Option<i64>) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN sent_at IS NULL THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN sent_at IS NULL AND attempts > 0 THEN 1 ELSE 0 END), 0),
                    MIN(CASE WHEN sent_at IS NULL THEN created_at END)
               FROM outbox",
        )
        .fetch_one(self.pool())
        .await
        .map_err(failed("counting the outbox"))?;
        Ok(OutboxCounts {
            pending,
            sent,
            failing,
            oldest_pending_at: oldest,
        })
    }
}
