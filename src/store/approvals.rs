//! Drafts of monthly reports and the approvals that let them be issued.
//! On its schedule the daemon records a draft of the closed month (the JSON
//! the managers were sent, marked DRAFT); a manager approves the latest
//! draft, and the leader then issues the month once. Both tables are
//! insert-only: a month whose figures changed before approval gets the next
//! draft, which needs an approval of its own.

use sqlx::{Any, Transaction};

use super::{Store, StoreError, failed};
use crate::domain::Period;

/// One draft of a contract-month's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// The contract.
    pub contract: String,
    /// The month.
    pub period: Period,
    /// 1 for the first draft, then 2, 3 … when figures changed before approval.
    pub draft: i64,
    /// When it was made (epoch seconds).
    pub drafted_at: i64,
    /// SHA-256 of `json`, lowercase hex.
    pub sha256: String,
    /// The report JSON as drafted.
    pub json: String,
    /// With `issue_when = "feeds_complete"`: why it was drafted when it
    /// was (`feeds_complete` or `deadline`), carried onto the issue.
    pub gate: Option<String>,
}

/// A manager's approval of one draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// The draft approved.
    pub draft: i64,
    /// Who approved it (`--by NAME`, or the API token's name).
    pub by: String,
    /// When (epoch seconds).
    pub at: i64,
}

/// What approving a month's latest draft came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approved {
    /// This draft is now approved.
    Now(i64),
    /// The latest draft was approved before; the first approval stands.
    Before(Approval),
    /// The month has no draft yet.
    NoDraft,
    /// The month is issued already (this version).
    Issued(i64),
}

/// Records a draft inside `tx`; false when that draft exists already
/// (another daemon drafted first), so drafting is idempotent.
pub async fn insert_draft(
    tx: &mut Transaction<'static, Any>,
    draft: &Draft,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO report_drafts (contract, period, draft, drafted_at, sha256, json, gate)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (contract, period, draft) DO NOTHING",
    )
    .bind(draft.contract.clone())
    .bind(draft.period.to_string())
    .bind(draft.draft)
    .bind(draft.drafted_at)
    .bind(draft.sha256.clone())
    .bind(draft.json.clone())
    .bind(draft.gate.clone())
    .execute(&mut **tx)
    .await
    .map_err(failed("recording a report draft"))?;
    Ok(done.rows_affected() == 1)
}

impl Store {
    /// The latest draft of a contract-month's report, if any.
    pub async fn latest_draft(
        &self,
        contract: &str,
        period: Period,
    ) -> Result<Option<Draft>, StoreError> {
        let row: Option<(i64, i64, String, String, Option<String>)> = sqlx::query_as(
            "SELECT draft, drafted_at, sha256, json, gate FROM report_drafts
              WHERE contract = $1 AND period = $2 ORDER BY draft DESC LIMIT 1",
        )
        .bind(contract.to_string())
        .bind(period.to_string())
        .fetch_optional(self.pool())
        .await
        .map_err(failed("reading the report draft"))?;
        Ok(row.map(|(draft, drafted_at, sha256, json, gate)| Draft {
            contract: contract.to_string(),
            period,
            draft,
            drafted_at,
            sha256,
            json,
            gate,
        }))
    }

    /// The approval of draft `draft` of a contract-month, if it was approved.
    pub async fn approval(
        &self,
        contract: &str,
        period: Period,
        draft: i64,
    ) -> Result<Option<Approval>, StoreError> {
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT approved_by, approved_at FROM report_approvals
              WHERE contract = $1 AND period = $2 AND draft = $3",
        )
        .bind(contract.to_string())
        .bind(period.to_string())
        .bind(draft)
        .fetch_optional(self.pool())
        .await
        .map_err(failed("reading a report approval"))?;
        Ok(row.map(|(by, at)| Approval { draft, by, at }))
    }

    /// Records `by`'s approval of draft `draft`; false when it was approved
    /// already (the first approval stands).
    pub async fn approve(
        &self,
        contract: &str,
        period: Period,
        draft: i64,
        by: &str,
        at: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO report_approvals (contract, period, draft, approved_by, approved_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (contract, period, draft) DO NOTHING",
        )
        .bind(contract.to_string())
        .bind(period.to_string())
        .bind(draft)
        .bind(by.to_string())
        .bind(at)
        .execute(self.pool())
        .await
        .map_err(failed("recording a report approval"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Approves the latest draft of a contract-month as `by` at `at`
    /// (epoch seconds), unless the month is issued already or has no draft.
    pub async fn approve_latest(
        &self,
        contract: &str,
        period: Period,
        by: &str,
        at: i64,
    ) -> Result<Approved, StoreError> {
        if let Some(issued) = self.latest_issued(contract, period).await? {
            return Ok(Approved::Issued(issued.version));
        }
        let Some(draft) = self.latest_draft(contract, period).await? else {
            return Ok(Approved::NoDraft);
        };
        if self.approve(contract, period, draft.draft, by, at).await? {
            return Ok(Approved::Now(draft.draft));
        }
        match self.approval(contract, period, draft.draft).await? {
            Some(first) => Ok(Approved::Before(first)),
            None => Err(StoreError::Corrupt(format!(
                "{contract} {period} draft {}: an approval was refused but none is recorded",
                draft.draft
            ))),
        }
    }
}
