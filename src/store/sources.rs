//! Each source's poll state: watermarks for incremental polling and the
//! health of recent polls, which live detection turns into stale and failing
//! alerts.

use super::{Store, StoreError, failed};

/// The scope of an Alertmanager (or Grafana alerting) source that fails
/// while its notifications arrive truncated (`truncatedAlerts`), and
/// succeeds again with the next complete one.
pub const TRUNCATED_ALERTS_SCOPE: &str = "truncated_alerts";

/// The scope of an Alertmanager (or Grafana alerting) source that fails once
/// an alert stopped being re-sent without a resolved notification (its end
/// inferred), and succeeds again with the next resolved notification.
pub const UNRESOLVED_ALERTS_SCOPE: &str = "unresolved_alerts";

/// The scope of an alerting source with a `watchdog_alert`: failing from
/// the watchdog's resolution (Prometheus stopped) until it fires again.
pub const WATCHDOG_SCOPE: &str = "watchdog";

/// The scope of an alerting source that fails when outage ends arrive while
/// its watchdog is down (possibly early), until the watchdog fires again.
pub const EARLY_ENDS_SCOPE: &str = "early_ends";

/// What the store knows about one source (and scope: a ServiceNow table, or
/// `""` for the source as a whole).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceState {
    /// The incremental watermark (e.g. the newest `sys_updated_on` seen).
    pub watermark: Option<String>,
    /// When a poll or ingest was last attempted (epoch seconds).
    pub last_attempt_at: Option<i64>,
    /// When one last succeeded.
    pub last_success_at: Option<i64>,
    /// The last failure, while failing.
    pub last_error: Option<String>,
    /// Failures since the last success.
    pub consecutive_failures: i64,
}

/// watermark, last attempt, last success, last error, consecutive failures.
type StateColumns = (
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    i64,
);

impl Store {
    /// The state of `source`/`scope` (default when never polled).
    pub async fn source_state(&self, source: &str, scope: &str) -> Result<SourceState, StoreError> {
        let row: Option<StateColumns> = sqlx::query_as(
            "SELECT watermark, last_attempt_at, last_success_at, last_error, consecutive_failures
               FROM source_state WHERE source = $1 AND scope = $2",
        )
        .bind(source)
        .bind(scope)
        .fetch_optional(self.pool())
        .await
        .map_err(failed("reading a source's state"))?;
        Ok(row.map_or_else(
            SourceState::default,
            |(watermark, last_attempt_at, last_success_at, last_error, n)| SourceState {
                watermark,
                last_attempt_at,
                last_success_at,
                last_error,
                consecutive_failures: n,
            },
        ))
    }

    /// Every source's state, for detection and metrics.
    pub async fn all_source_states(
        &self,
    ) -> Result<Vec<(String, String, SourceState)>, StoreError> {
        type StateRow = (
            String,
            String,
            Option<String>,
            Option<i64>,
            Option<i64>,
            Option<String>,
            i64,
        );
        let rows: Vec<StateRow> = sqlx::query_as(
            "SELECT source, scope, watermark, last_attempt_at, last_success_at, last_error, consecutive_failures
               FROM source_state ORDER BY source, scope",
        )
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading source states"))?;
        Ok(rows
            .into_iter()
            .map(
                |(source, scope, watermark, last_attempt_at, last_success_at, last_error, n)| {
                    (
                        source,
                        scope,
                        SourceState {
                            watermark,
                            last_attempt_at,
                            last_success_at,
                            last_error,
                            consecutive_failures: n,
                        },
                    )
                },
            )
            .collect())
    }

    /// Records a successful poll, moving the watermark when one is given.
    pub async fn source_succeeded(
        &self,
        source: &str,
        scope: &str,
        watermark: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO source_state (source, scope, watermark, last_attempt_at, last_success_at, last_error, consecutive_failures)
             VALUES ($1, $2, $3, $4, $4, NULL, 0)
             ON CONFLICT (source, scope) DO UPDATE SET
                 watermark = COALESCE(excluded.watermark, source_state.watermark),
                 last_attempt_at = excluded.last_attempt_at,
                 last_success_at = excluded.last_success_at,
                 last_error = NULL,
                 consecutive_failures = 0",
        )
        .bind(source)
        .bind(scope)
        .bind(watermark.map(str::to_string))
        .bind(now)
        .execute(self.pool())
        .await
        .map_err(failed("recording a successful poll"))?;
        Ok(())
    }

    /// Sets the watermark of `source`/`scope` alone (its health unchanged).
    pub async fn set_source_watermark(
        &self,
        source: &str,
        scope: &str,
        watermark: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO source_state (source, scope, watermark, consecutive_failures)
             VALUES ($1, $2, $3, 0)
             ON CONFLICT (source, scope) DO UPDATE SET watermark = excluded.watermark",
        )
        .bind(source)
        .bind(scope)
        .bind(watermark)
        .execute(self.pool())
        .await
        .map_err(failed("recording a watermark"))?;
        Ok(())
    }

    /// Records a failed poll with its reason (secrets must not be in it).
    pub async fn source_failed(
        &self,
        source: &str,
        scope: &str,
        error: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO source_state (source, scope, last_attempt_at, last_error, consecutive_failures)
             VALUES ($1, $2, $3, $4, 1)
             ON CONFLICT (source, scope) DO UPDATE SET
                 last_attempt_at = excluded.last_attempt_at,
                 last_error = excluded.last_error,
                 consecutive_failures = source_state.consecutive_failures + 1",
        )
        .bind(source)
        .bind(scope)
        .bind(now)
        .bind(error.to_string())
        .execute(self.pool())
        .await
        .map_err(failed("recording a failed poll"))?;
        Ok(())
    }
}
