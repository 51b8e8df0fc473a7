//! Issued monthly reports: the JSON as it was sent to the contract's
//! managers when the month was closed, one row per version. Insert-only —
//! an issued version is never changed; a reissue adds the next version.

use sqlx::{Any, Transaction};

use super::{Store, StoreError, failed};
use crate::domain::Period;

/// One issued version of a contract-month's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedReport {
    /// The contract.
    pub contract: String,
    /// The month.
    pub period: Period,
    /// 1 for the first issue, then 2, 3 … for amended reissues.
    pub version: i64,
    /// When it was issued (epoch seconds).
    pub issued_at: i64,
    /// SHA-256 of `json`, lowercase hex.
    pub sha256: String,
    /// The report JSON as issued.
    pub json: String,
}

/// Records an issued version inside `tx`; false when that version exists
/// already (another issuer got there first), so issuing is idempotent.
pub async fn insert(
    tx: &mut Transaction<'static, Any>,
    issued: &IssuedReport,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO issued_reports (contract, period, version, issued_at, sha256, json)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (contract, period, version) DO NOTHING",
    )
    .bind(issued.contract.clone())
    .bind(issued.period.to_string())
    .bind(issued.version)
    .bind(issued.issued_at)
    .bind(issued.sha256.clone())
    .bind(issued.json.clone())
    .execute(&mut **tx)
    .await
    .map_err(failed("recording an issued report"))?;
    Ok(done.rows_affected() == 1)
}

impl Store {
    /// The latest issued version of a contract-month's report, if any.
    pub async fn latest_issued(
        &self,
        contract: &str,
        period: Period,
    ) -> Result<Option<IssuedReport>, StoreError> {
        let row: Option<(i64, i64, String, String)> = sqlx::query_as(
            "SELECT version, issued_at, sha256, json FROM issued_reports
              WHERE contract = $1 AND period = $2 ORDER BY version DESC LIMIT 1",
        )
        .bind(contract.to_string())
        .bind(period.to_string())
        .fetch_optional(self.pool())
        .await
        .map_err(failed("reading the issued report"))?;
        Ok(row.map(|(version, issued_at, sha256, json)| IssuedReport {
            contract: contract.to_string(),
            period,
            version,
            issued_at,
            sha256,
            json,
        }))
    }
}
