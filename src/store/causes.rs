//! People's classifications of outages' and incidents' causes: insert-only,
//! sealed into the contract's `causes` chain in the transaction that stores
//! them; the latest for a record is its cause.

use std::collections::BTreeMap;

use super::chain::{self, NewRow};
use super::records::{RecordError, commit, required};
use super::row::col;
use super::write::Param;
use super::{Store, StoreError, failed};
use crate::domain::{Cause, CauseSubject, Instant, NewCause, RecordedCause};

impl Store {
    /// Records a classification of an outage or incident of `contract`; a
    /// record the store does not hold is not found.
    pub async fn record_cause(
        &self,
        contract: &str,
        cause: &NewCause,
        recorded_by: &str,
        now: Instant,
    ) -> Result<RecordedCause, RecordError> {
        let by = required("by", &cause.by)?;
        let reason = required("reason", &cause.reason)?;
        let mut tx = self.begin_record().await?;
        // The table is a fixed identifier chosen here, never from input.
        let table = match cause.subject {
            CauseSubject::Outage => "outages",
            CauseSubject::Incident => "incidents",
        };
        let known: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT 1 FROM {table} WHERE contract = $1 AND id = $2"
        )))
        .bind(contract)
        .bind(cause.subject_id.clone())
        .fetch_optional(&mut *tx)
        .await
        .map_err(failed("finding the record a cause is for"))?;
        if known.is_none() {
            return Err(RecordError::NotFound(format!(
                "contract '{contract}' has no {} '{}'",
                cause.subject.as_str(),
                cause.subject_id
            )));
        }
        let at = now.timestamp();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO causes (contract, subject, subject_id, cause, decided_by, reason,
                                 recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(contract)
        .bind(cause.subject.as_str())
        .bind(cause.subject_id.clone())
        .bind(cause.cause.as_str().to_string())
        .bind(by.clone())
        .bind(reason.clone())
        .bind(recorded_by)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .map_err(failed("recording a cause"))?;
        let text = |s: &str| Param::Text(Some(s.to_string()));
        let key = [Param::Int(Some(id))];
        let content = [
            text(cause.subject.as_str()),
            text(&cause.subject_id),
            text(cause.cause.as_str()),
            text(&by),
            text(&reason),
            text(recorded_by),
            Param::Int(Some(at)),
        ];
        chain::seal(
            &mut tx,
            &chain::CAUSES,
            contract,
            &[NewRow {
                key: &key,
                content: &content,
            }],
        )
        .await?;
        commit(tx).await?;
        Ok(RecordedCause {
            id,
            subject: cause.subject,
            subject_id: cause.subject_id.clone(),
            cause: cause.cause.clone(),
            by,
            reason,
            recorded_at: at,
        })
    }

    /// The cause of each classified outage and incident of `contract`:
    /// the latest classification of each.
    pub async fn causes(
        &self,
        contract: &str,
    ) -> Result<BTreeMap<(CauseSubject, String), RecordedCause>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, subject, subject_id, cause, decided_by, reason, recorded_at
             FROM causes WHERE contract = $1 ORDER BY id",
        )
        .bind(contract)
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading causes"))?;
        let mut out = BTreeMap::new();
        for row in &rows {
            let subject: String = col(row, 1)?;
            let subject = CauseSubject::parse(&subject)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown cause subject '{subject}'")))?;
            let cause: String = col(row, 3)?;
            let recorded = RecordedCause {
                id: col(row, 0)?,
                subject,
                subject_id: col(row, 2)?,
                cause: Cause::parse(&cause).map_err(StoreError::Corrupt)?,
                by: col(row, 4)?,
                reason: col(row, 5)?,
                recorded_at: col(row, 6)?,
            };
            out.insert((subject, recorded.subject_id.clone()), recorded);
        }
        Ok(out)
    }
}
