//! Excusals as stored: recording one (an incident, an outage — whole or for
//! part of its interval — or a service level's month the contract does not
//! count) and revoking it, each with its
//! audit entry in the same transaction (see [`super::records`]). Rows are
//! never deleted.

use sqlx::any::AnyRow;

use super::records::{
    Change, RecordError, Tx, audit_and_commit, record_by_id, require_incident, require_outage,
};
use super::row::{col, instant, opt_instant, period};
use super::{Store, StoreError, failed};
use crate::domain::time::format_utc;
use crate::domain::{Excusal, ExcusalTarget, ExcusedInterval, Revocation};

const EXCUSAL_COLUMNS: &str = "id, kind, subject, period, reason, created_by, created_at, revoked_by, revoked_at, revoke_reason, excused_from, excused_until";

impl Store {
    /// Excuses an incident, an outage or a service level's month; with
    /// `during`, only that part of an outage (refused for anything else, and
    /// unless it lies within the outage as stored).
    pub async fn excuse(
        &self,
        contract: &str,
        target: &ExcusalTarget,
        during: Option<ExcusedInterval>,
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
        if let Some(part) = during {
            let ExcusalTarget::Outage { outage } = target else {
                return Err(RecordError::Invalid(format!(
                    "only an outage is excused for part of its interval, not {target}"
                )));
            };
            let (start, end) = outage_interval(&mut tx, contract, outage).await?;
            part.check_within(outage, start, end)
                .map_err(RecordError::Invalid)?;
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
            "INSERT INTO excusals (contract, kind, subject, period, reason, created_by, created_at,
                                   excused_from, excused_until)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(contract)
        .bind(target.kind())
        .bind(target.subject())
        .bind(target.period().map(|p| p.to_string()))
        .bind(reason)
        .bind(by)
        .bind(now)
        .bind(during.map(|p| p.from().timestamp()))
        .bind(during.map(|p| p.until().timestamp()))
        .fetch_one(&mut *tx)
        .await
        .map_err(failed("recording an excusal"))?;
        let what = match during {
            Some(p) => format!(
                "{target} from {} until {}",
                format_utc(p.from()),
                format_utc(p.until())
            ),
            None => target.to_string(),
        };
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
                detail: format!("excused {what} (excusal {id})"),
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

/// When an outage of the contract started and ended (`None` while ongoing).
async fn outage_interval(
    tx: &mut Tx,
    contract: &str,
    id: &str,
) -> Result<(crate::domain::Instant, Option<crate::domain::Instant>), RecordError> {
    let row: Option<(i64, Option<i64>)> =
        sqlx::query_as("SELECT start_at, end_at FROM outages WHERE contract = $1 AND id = $2")
            .bind(contract)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await
            .map_err(failed("looking up an outage"))?;
    let (start, end) = row.ok_or_else(|| {
        RecordError::NotFound(format!("no outage '{id}' for contract '{contract}'"))
    })?;
    Ok((instant(start)?, opt_instant(end)?))
}

async fn excusal_by_id(
    tx: &mut Tx,
    contract: &str,
    id: i64,
) -> Result<Option<Excusal>, StoreError> {
    let select = format!("SELECT {EXCUSAL_COLUMNS} FROM excusals");
    record_by_id(tx, &select, contract, id, excusal_row, "reading an excusal").await
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
    let during = match (opt_instant(col(r, 10)?)?, opt_instant(col(r, 11)?)?) {
        (None, None) => None,
        (Some(from), Some(until)) => Some(
            ExcusedInterval::new(from, until)
                .map_err(|e| StoreError::Corrupt(format!("excusal interval: {e}")))?,
        ),
        _ => {
            return Err(StoreError::Corrupt(
                "excusal interval with only one end".into(),
            ));
        }
    };
    Ok(Excusal {
        id: col(r, 0)?,
        target,
        reason: col(r, 4)?,
        by: col(r, 5)?,
        at: instant(col(r, 6)?)?,
        during,
        revoked,
    })
}
