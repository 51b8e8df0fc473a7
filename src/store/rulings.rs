//! Excusals and disputes as stored: recording one, revoking or deciding
//! it, each with its audit entry in the same transaction (see
//! [`super::records`]). Rows are never deleted.

use sqlx::any::AnyRow;

use super::records::{
    Change, RecordError, Tx, audit_and_commit, cost_in, month_of, record_by_id, require_incident,
    require_outage,
};
use super::row::{col, instant, opt_instant, period};
use super::{Store, StoreError, failed};
use crate::domain::{Dispute, DisputeStatus, DisputeSubject, Excusal, ExcusalTarget, Revocation};

const EXCUSAL_COLUMNS: &str = "id, kind, subject, period, reason, created_by, created_at, revoked_by, revoked_at, revoke_reason";
pub(super) const DISPUTE_COLUMNS: &str = "id, kind, subject, period, note, status, opened_by, opened_at, resolved_by, resolved_at, resolution_note";

impl Store {
    /// Excuses an incident, an outage or a service level's month.
    pub async fn excuse(
        &self,
        contract: &str,
        target: &ExcusalTarget,
        reason: &str,
        by: &str,
        now: i64,
    ) -> Result<Excusal, RecordError> {
        let mut tx = self.begin_record().await?;
        match target {
            ExcusalTarget::Incident { incident } => {
                require_incident(&mut tx, contract, incident).await?
            }
            ExcusalTarget::Outage { outage } => require_outage(&mut tx, contract, outage).await?,
            ExcusalTarget::ServiceLevel { .. } => {}
        }
        if let Some(e) = excusal_in_force(&mut tx, contract, target).await? {
            return Err(RecordError::Conflict(format!(
                "{target} is already excused (excusal {}, by {} on {})",
                e.id,
                e.by,
                crate::domain::time::format_utc(e.at)
            )));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO excusals (contract, kind, subject, period, reason, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(contract)
        .bind(target.kind())
        .bind(target.subject())
        .bind(target.period().map(|p| p.to_string()))
        .bind(reason)
        .bind(by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(failed("recording an excusal"))?;
        let stored = excusal_by_id(&mut tx, contract, id).await?;
        audit_and_commit(
            tx,
            contract,
            by,
            now,
            Change {
                action: "excusal.add",
                kind: target.kind(),
                subject: target.subject().to_string(),
                period: target.period(),
                detail: format!("excused {target} (excusal {id})"),
                reason: Some(reason),
            },
        )
        .await?;
        stored.ok_or_else(|| RecordError::NotFound(format!("excusal {id} vanished")))
    }

    /// The excusal in force for `target`, if any.
    pub async fn excusal_in_force(
        &self,
        contract: &str,
        target: &ExcusalTarget,
    ) -> Result<Option<Excusal>, StoreError> {
        let mut conn = self
            .pool()
            .acquire()
            .await
            .map_err(failed("reading excusals"))?;
        excusal_in_force(&mut conn, contract, target).await
    }

    /// Revokes an excusal in force: what it covered counts again.
    pub async fn revoke_excusal(
        &self,
        contract: &str,
        id: i64,
        reason: &str,
        by: &str,
        now: i64,
    ) -> Result<Excusal, RecordError> {
        let mut tx = self.begin_record().await?;
        let e = excusal_by_id(&mut tx, contract, id).await?.ok_or_else(|| {
            RecordError::NotFound(format!("no excusal {id} for contract '{contract}'"))
        })?;
        if let Some(r) = &e.revoked {
            return Err(RecordError::Conflict(format!(
                "excusal {id} was already revoked by {} on {}",
                r.by,
                crate::domain::time::format_utc(r.at)
            )));
        }
        sqlx::query(
            "UPDATE excusals SET revoked_at = $1, revoked_by = $2, revoke_reason = $3
              WHERE contract = $4 AND id = $5",
        )
        .bind(now)
        .bind(by)
        .bind(reason)
        .bind(contract)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(failed("revoking an excusal"))?;
        let stored = excusal_by_id(&mut tx, contract, id).await?;
        audit_and_commit(
            tx,
            contract,
            by,
            now,
            Change {
                action: "excusal.revoke",
                kind: e.target.kind(),
                subject: e.target.subject().to_string(),
                period: e.target.period(),
                detail: format!("revoked excusal {id} of {}: it counts again", e.target),
                reason: Some(reason),
            },
        )
        .await?;
        stored.ok_or_else(|| RecordError::NotFound(format!("excusal {id} vanished")))
    }

    /// Every excusal of the contract, in force or revoked, by id.
    pub async fn excusals(&self, contract: &str) -> Result<Vec<Excusal>, StoreError> {
        let sql = format!("SELECT {EXCUSAL_COLUMNS} FROM excusals WHERE contract = $1 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading excusals"))?;
        rows.iter().map(excusal_row).collect()
    }

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

    /// Decides an open dispute: `Upheld` (the claim stands) or `Withdrawn`
    /// (the customer withdraws the claim item).
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
                "a dispute is decided as upheld or withdrawn".into(),
            ));
        }
        let mut tx = self.begin_record().await?;
        let d = dispute_by_id(&mut tx, contract, id).await?.ok_or_else(|| {
            RecordError::NotFound(format!("no dispute {id} for contract '{contract}'"))
        })?;
        if !d.is_open() {
            return Err(RecordError::Conflict(format!(
                "dispute {id} was already {} by {}",
                d.status,
                d.resolved_by.as_deref().unwrap_or("someone")
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
        let (action, meaning) = match outcome {
            DisputeStatus::Upheld => ("dispute.uphold", "the claim stands"),
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

async fn excusal_in_force(
    conn: &mut sqlx::AnyConnection,
    contract: &str,
    target: &ExcusalTarget,
) -> Result<Option<Excusal>, StoreError> {
    let sql = format!(
        "SELECT {EXCUSAL_COLUMNS} FROM excusals WHERE contract = $1 AND kind = $2 AND subject = $3
            AND COALESCE(period, '') = $4 AND revoked_at IS NULL"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(contract)
        .bind(target.kind())
        .bind(target.subject())
        .bind(target.period().map_or(String::new(), |p| p.to_string()))
        .fetch_optional(conn)
        .await
        .map_err(failed("reading excusals"))?;
    row.as_ref().map(excusal_row).transpose()
}

async fn excusal_by_id(
    tx: &mut Tx,
    contract: &str,
    id: i64,
) -> Result<Option<Excusal>, StoreError> {
    let select = format!("SELECT {EXCUSAL_COLUMNS} FROM excusals");
    record_by_id(tx, &select, contract, id, excusal_row, "reading an excusal").await
}

async fn dispute_by_id(
    tx: &mut Tx,
    contract: &str,
    id: i64,
) -> Result<Option<Dispute>, StoreError> {
    let select = format!("SELECT {DISPUTE_COLUMNS} FROM disputes");
    record_by_id(tx, &select, contract, id, dispute_row, "reading a dispute").await
}

fn excusal_row(r: &AnyRow) -> Result<Excusal, StoreError> {
    let kind: String = col(r, 1)?;
    let target = ExcusalTarget::from_parts(&kind, col(r, 2)?, period(col(r, 3)?)?)
        .ok_or_else(|| StoreError::Corrupt(format!("excusal kind {kind}")))?;
    let revoked = match opt_instant(col(r, 8)?)? {
        Some(at) => Some(Revocation {
            by: col::<Option<String>>(r, 7)?.unwrap_or_default(),
            at,
            reason: col::<Option<String>>(r, 9)?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Excusal {
        id: col(r, 0)?,
        target,
        reason: col(r, 4)?,
        by: col(r, 5)?,
        at: instant(col(r, 6)?)?,
        revoked,
    })
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
