//! Aggregates for the Prometheus metrics, read by live detection (never by a
//! scrape): records ingested per source (read incrementally, so the cost
//! does not grow with the import history) and the outbox by alert kind.

use super::{Store, StoreError, failed};

/// One finished import, as the metrics count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportTally {
    /// The `imports` row id (increasing).
    pub id: i64,
    /// Who imported it (a source id, `cli`, `api:<token>` …).
    pub source: String,
    /// When it finished (epoch seconds); `None` while still running.
    pub finished_at: Option<i64>,
    /// When it started.
    pub started_at: i64,
    /// New records.
    pub stored: i64,
    /// Changed records.
    pub updated: i64,
    /// Records re-sent with the same values.
    pub unchanged: i64,
    /// Rows refused.
    pub rejected: i64,
}

/// The outbox's history for one alert kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxKindTotals {
    /// The alert kind (`breached`, `at_risk` …: chosen by the code, never by a supplier).
    pub kind: String,
    /// Alerts ever queued.
    pub queued: i64,
    /// Of those, delivered.
    pub sent: i64,
    /// Delivery attempts that failed.
    pub failed_attempts: i64,
    /// Not yet delivered.
    pub pending: i64,
    /// When the oldest undelivered one was queued (epoch seconds).
    pub oldest_pending_at: Option<i64>,
}

type ImportRow = (i64, String, Option<i64>, i64, i64, i64, i64, i64);

impl Store {
    /// Imports with an id above `after`, in id order (at most `limit`).
    pub async fn imports_after(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<ImportTally>, StoreError> {
        let rows: Vec<ImportRow> = sqlx::query_as(
            "SELECT id, source, finished_at, started_at, stored, updated, unchanged, rejected
               FROM imports WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading imports for metrics"))?;
        Ok(rows
            .into_iter()
            .map(
                |(id, source, finished_at, started_at, stored, updated, unchanged, rejected)| {
                    ImportTally {
                        id,
                        source,
                        finished_at,
                        started_at,
                        stored,
                        updated,
                        unchanged,
                        rejected,
                    }
                },
            )
            .collect())
    }

    /// Every alert kind's queued, sent, failed and waiting totals.
    pub async fn outbox_totals_by_kind(&self) -> Result<Vec<OutboxKindTotals>, StoreError> {
        // attempts counts the successful attempt too: a sent alert's failures
        // are attempts - 1.
        let rows: Vec<(String, i64, i64, i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT kind,
                    CAST(COUNT(*) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN attempts - 1 ELSE attempts END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN sent_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT),
                    CAST(MIN(CASE WHEN sent_at IS NULL THEN created_at END) AS BIGINT)
               FROM outbox GROUP BY kind ORDER BY kind",
        )
        .fetch_all(self.pool())
        .await
        .map_err(failed("counting the outbox by kind"))?;
        Ok(rows
            .into_iter()
            .map(
                |(kind, queued, sent, failed_attempts, pending, oldest_pending_at)| {
                    OutboxKindTotals {
                        kind,
                        queued,
                        sent,
                        failed_attempts: failed_attempts.max(0),
                        pending,
                        oldest_pending_at,
                    }
                },
            )
            .collect())
    }
}
