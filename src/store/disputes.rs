//! Disputes as stored: the supplier disputing a breach or a cost, and the
//! customer's decision, each with its audit entry in the same transaction
//! (see [`super::records`]). Rows are never deleted.

use sqlx::any::AnyRow;

use super::records::{
    Change, RecordError, Tx, audit_and_commit, cost_in, month_of, record_by_id, require_incident,
    require_outage,
};
use super::row::{col, instant, opt_instant, period};
use super::{Store, StoreError, failed};
use crate::domain::{Dispute, DisputeStatus, DisputeSubject};

pub(super) const DISPUTE_COLUMNS: &str = "id, kind, subject, period, note, status, opened_by, opened_at, resolved_by, resolved_at, resolution_note";

impl Store {
    /// Records that the supplier disputes a breach or a cost.
    pub async fn open_dispute(
        &self,
        contract: &str,
        subject: &DisputeSubject,
        note: &str,
        by: &str,
        now: i64,
    ) -> Result<Dispute, RecordError> {
        let mut tx = self.begin_record().await?;
        let period = match subject {
            DisputeSubject::Incident { incident } => {
                require_incident(&mut tx, contract, incident).await?;
                None
            }
            DisputeSubject::Cost { cost } => {
                let c = cost_in(&mut tx, contract, *cost).await?.ok_or_else(|| {
                    RecordError::NotFound(format!("no cost {cost} for contract '{contract}'"))
                })?;
                if c.removed.is_some() {
                    return Err(RecordError::Conflict(format!(
                        "cost {cost} was removed: there is nothing to dispute"
                    )));
                }
                Some(month_of(c.date))
            }
            DisputeSubject::ServiceLevel { period, .. } => Some(*period),
            DisputeSubject::Outage { outage } => {
                require_outage(&mut tx, contract, outage).await?;
                None
            }
            // Checked against the commitments register by the caller
            // (`records::check_disputed_delay_payment`).
            DisputeSubject::DelayPayment { .. } => None,
        };
        let open: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM disputes WHERE contract = $1 AND kind = $2 AND subject = $3
                AND COALESCE(period, '') = $4 AND status = 'disputed'",
        )
        .bind(contract)
        .bind(subject.kind())
        .bind(subject.subject())
        .bind(subject.period().map_or(String::new(), |p| p.to_string()))
        .fetch_optional(&mut *tx)
        .await
        .map_err(failed("reading disputes"))?;
        if let Some(open) = open {
            return Err(RecordError::Conflict(format!(
                "{subject} is already in dispute (dispute {open})"
            )));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO disputes (contract, kind, subject, period, note, status, opened_by, opened_at)
             VALUES ($1, $2, $3, $4, $5, 'disputed', $6, $7) RETURNING id",
        )
        .bind(contract)
        .bind(subject.kind())
        .bind(subject.subject())
        .bind(subject.period().map(|p| p.to_string()))
        .bind(note)
        .bind(by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(failed("recording a dispute"))?;
        let stored = dispute_by_id(&mut tx, contract, id).await?;
        audit_and_commit(
            tx,
            contract,
            by,
            now,
            Change {
                action: "dispute.open",
                kind: subject.kind(),
                subject: subject.subject(),
                period,
                detail: format!("the supplier disputes {subject} (dispute {id})"),
                reason: Some(note),
            },
        )
        .await?;
        stored.ok_or_else(|| RecordError::NotFound(format!("dispute {id} vanished")))
    }

    /// Decides an open dispute: [`DisputeStatus::Rejected`] (the claim
    /// stands) or [`DisputeStatus::Accepted`] (the customer withdraws the
    /// claim item).
    pub async fn resolve_dispute(
        &self,
        contract: &str,
        id: i64,
        outcome: DisputeStatus,
        note: &str,
        by: &str,
        now: i64,
    ) -> Result<Dispute, RecordError> {
        if outcome == DisputeStatus::Disputed {
            return Err(RecordError::Invalid(
                "a dispute is decided by rejecting or accepting it".into(),
            ));
        }
        let mut tx = self.begin_record().await?;
        let d = dispute_by_id(&mut tx, contract, id).await?.ok_or_else(|| {
            RecordError::NotFound(format!("no dispute {id} for contract '{contract}'"))
        })?;
        if !d.is_open() {
            return Err(RecordError::Conflict(format!(
                "dispute {id} was already {} by {} ({})",
                d.status.decision(),
                d.resolved_by.as_deref().unwrap_or("someone"),
                d.status.meaning()
            )));
        }
        sqlx::query(
            "UPDATE disputes SET status = $1, resolved_by = $2, resolved_at = $3, resolution_note = $4
              WHERE contract = $5 AND id = $6",
        )
        .bind(outcome.as_str())
        .bind(by)
        .bind(now)
        .bind(note)
        .bind(contract)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(failed("deciding a dispute"))?;
        let period = match &d.subject {
            DisputeSubject::Cost { cost } => cost_in(&mut tx, contract, *cost)
                .await?
                .map(|c| month_of(c.date)),
            other => other.period(),
        };
        // The stored action and detail keep their original words (the
        // trail is quoted by issued reports): `dispute.uphold` for a
        // rejected dispute, `dispute.withdraw` for an accepted one.
        let (action, meaning) = match outcome {
            DisputeStatus::Rejected => ("dispute.uphold", "the claim stands"),
            _ => ("dispute.withdraw", "the claim item is withdrawn"),
        };
        let stored = dispute_by_id(&mut tx, contract, id).await?;
        audit_and_commit(
            tx,
            contract,
            by,
            now,
            Change {
                action,
                kind: d.subject.kind(),
                subject: d.subject.subject(),
                period,
                detail: format!("dispute {id} of {} {outcome}: {meaning}", d.subject),
                reason: Some(note),
            },
        )
        .await?;
        stored.ok_or_else(|| RecordError::NotFound(format!("dispute {id} vanished")))
    }

    /// Every dispute of the contract, whatever its status, by id.
    pub async fn disputes(&self, contract: &str) -> Result<Vec<Dispute>, StoreError> {
        let sql = format!("SELECT {DISPUTE_COLUMNS} FROM disputes WHERE contract = $1 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading disputes"))?;
        rows.iter().map(dispute_row).collect()
    }
}

async fn dispute_by_id(
    tx: &mut Tx,
    contract: &str,
    id: i64,
) -> Result<Option<Dispute>, StoreError> {
    let select = format!("SELECT {DISPUTE_COLUMNS} FROM disputes");
    record_by_id(tx, &select, contract, id, dispute_row, "reading a dispute").await
}

pub(super) fn dispute_row(r: &AnyRow) -> Result<Dispute, StoreError> {
    let kind: String = col(r, 1)?;
    let subject = DisputeSubject::from_parts(&kind, col(r, 2)?, period(col(r, 3)?)?)
        .ok_or_else(|| StoreError::Corrupt(format!("dispute kind {kind}")))?;
    let status: String = col(r, 5)?;
    Ok(Dispute {
        id: col(r, 0)?,
        subject,
        note: col(r, 4)?,
        status: status.parse().map_err(StoreError::Corrupt)?,
        opened_by: col(r, 6)?,
        opened_at: instant(col(r, 7)?)?,
        resolved_by: col(r, 8)?,
        resolved_at: opt_instant(col(r, 9)?)?,
        resolution_note: col(r, 10)?,
    })
}
