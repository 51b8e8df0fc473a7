//! What people record about a contract — recoverable costs here, excusals
//! and disputes in [`super::excusals`] and [`super::disputes`] — and the audit trail of every change.
//!
//! Each change is one transaction: the check (does the incident exist, is the
//! dispute still open …), the change itself and its audit entry, so the
//! trail never misses a change and never records one that did not happen;
//! each audit entry is sealed into the contract's audit chain ([`super::chain`])
//! in that transaction too.
//! Nothing is deleted: removing a cost, revoking an excusal and deciding a
//! dispute fill in who, when and why on the existing row (the schema's
//! triggers refuse deletes and any change to the audit table).

use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

use super::chain::{self, NewRow};
use super::disputes::{DISPUTE_COLUMNS, dispute_row};
use super::row::{col, instant, period};
use super::write::Param;
use super::{Store, StoreError, failed};
use crate::domain::money::format_minor;
use crate::domain::{
    AuditEntry, Cost, CostBreach, Currency, Dispute, DisputeSubject, MonthRecords, NewCost, Period,
    Removal,
};

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The request itself is wrong (a bad amount, an unknown service level).
    #[error("{0}")]
    Invalid(String),
    /// What it names does not exist.
    #[error("{0}")]
    NotFound(String),
    /// It contradicts what is recorded (already excused, already decided).
    #[error("{0}")]
    Conflict(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A text that must not be blank (who, why, descriptions), trimmed.
pub fn required(field: &str, value: &str) -> Result<String, RecordError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(RecordError::Invalid(format!("{field} must not be empty")));
    }
    Ok(v.to_string())
}

/// One audit entry about to be written.
pub(super) struct Change<'a> {
    pub(super) action: &'static str,
    pub(super) kind: &'static str,
    pub(super) subject: String,
    pub(super) period: Option<Period>,
    pub(super) detail: String,
    pub(super) reason: Option<&'a str>,
}

const COST_COLUMNS: &str = "id, date, amount_minor, description, evidence, breach, breach_kind, breach_period, \
     created_by, created_at, removed_by, removed_at, removed_reason";
pub(super) type Tx = Transaction<'static, Any>;

impl Store {
    pub(super) async fn begin_record(&self) -> Result<Tx, StoreError> {
        self.begin_write()
            .await
            .map_err(failed("starting a transaction"))
    }

    /// Records a recoverable cost; `by` is who recorded it.
    pub async fn record_cost(
        &self,
        contract: &str,
        cost: &NewCost,
        by: &str,
        now: i64,
    ) -> Result<Cost, RecordError> {
        let mut tx = self.begin_record().await?;
        if let Some(CostBreach::Incident { incident }) = &cost.breach {
            require_incident(&mut tx, contract, incident).await?;
        }
        let breach = cost.breach.as_ref();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO recoverable_costs (contract, date, amount_minor, description, evidence, breach,
                 breach_kind, breach_period, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(contract)
        .bind(cost.date.to_string())
        .bind(cost.amount.minor)
        .bind(cost.description.clone())
        .bind(cost.evidence.clone())
        .bind(breach.map(|b| b.id().to_string()))
        .bind(breach.and_then(CostBreach::kind))
        .bind(breach.and_then(CostBreach::period).map(|p| p.to_string()))
        .bind(by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(failed("recording a recoverable cost"))?;
        let breach_text = breach.map_or(String::new(), |b| format!("; arising from {b}"));
        let stored = cost_in(&mut tx, contract, id).await?;
        audit_and_commit(
            tx,
            contract,
            by,
            now,
            Change {
                action: "cost.add",
                kind: "cost",
                subject: id.to_string(),
                period: Some(month_of(cost.date)),
                detail: format!(
                    "recorded cost {id}: {} dated {}, {} (evidence: {}{breach_text})",
                    cost.amount, cost.date, cost.description, cost.evidence
                ),
                reason: None,
            },
        )
        .await?;
        stored.ok_or_else(|| RecordError::NotFound(format!("cost {id} vanished")))
    }

    /// Records that a cost is no longer claimed (the row stays).
    pub async fn remove_cost(
        &self,
        contract: &str,
        id: i64,
        currency: &Currency,
        reason: &str,
        by: &str,
        now: i64,
    ) -> Result<Cost, RecordError> {
        let mut tx = self.begin_record().await?;
        let cost = cost_in(&mut tx, contract, id).await?.ok_or_else(|| {
            RecordError::NotFound(format!("no cost {id} for contract '{contract}'"))
        })?;
        if let Some(r) = &cost.removed {
            return Err(RecordError::Conflict(format!(
                "cost {id} was already removed by {} on {}",
                r.by,
                crate::domain::time::format_utc(r.at)
            )));
        }
        sqlx::query(
            "UPDATE recoverable_costs SET removed_at = $1, removed_by = $2, removed_reason = $3
              WHERE contract = $4 AND id = $5",
        )
        .bind(now)
        .bind(by)
        .bind(reason)
        .bind(contract)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(failed("removing a recoverable cost"))?;
        let stored = cost_in(&mut tx, contract, id).await?;
        audit_and_commit(
            tx,
            contract,
            by,
            now,
            Change {
                action: "cost.remove",
                kind: "cost",
                subject: id.to_string(),
                period: Some(month_of(cost.date)),
                detail: format!(
                    "removed cost {id}: {} {} dated {}, {}",
                    currency.code(),
                    format_minor(cost.amount_minor, currency.exponent()),
                    cost.date,
                    cost.description
                ),
                reason: Some(reason),
            },
        )
        .await?;
        stored.ok_or_else(|| RecordError::NotFound(format!("cost {id} vanished")))
    }

    /// The contract's costs (dated in `period` when given), removed ones
    /// included, each with its latest dispute; by date, then id.
    pub async fn costs(
        &self,
        contract: &str,
        period: Option<Period>,
    ) -> Result<Vec<Cost>, StoreError> {
        let (from, to) = match period {
            Some(p) => (p.first_day().to_string(), p.next().first_day().to_string()),
            None => (String::new(), "9999-99".to_string()),
        };
        let sql = format!(
            "SELECT {COST_COLUMNS} FROM recoverable_costs
              WHERE contract = $1 AND date >= $2 AND date < $3 ORDER BY date, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .bind(from)
            .bind(to)
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading recoverable costs"))?;
        let mut costs = rows.iter().map(cost_row).collect::<Result<Vec<_>, _>>()?;
        let latest = latest_by_subject(self.cost_disputes(contract).await?);
        for c in &mut costs {
            c.dispute = latest.get(&c.id.to_string()).cloned();
        }
        Ok(costs)
    }

    /// What the month's report quotes: its costs, their disputes, the audit
    /// trail, the evidence files of its records.
    pub async fn month_records(
        &self,
        contract: &str,
        period: Period,
    ) -> Result<MonthRecords, StoreError> {
        let costs = self.costs(contract, Some(period)).await?;
        let ids: Vec<String> = costs.iter().map(|c| c.id.to_string()).collect();
        let cost_disputes = self
            .cost_disputes(contract)
            .await?
            .into_iter()
            .filter(|d| ids.contains(&d.subject.subject()))
            .collect();
        let cost_ids: Vec<i64> = costs.iter().map(|c| c.id).collect();
        let delay_payment_disputes = self
            .disputes(contract)
            .await?
            .into_iter()
            .filter(|d| matches!(d.subject, DisputeSubject::DelayPayment { .. }))
            .collect();
        Ok(MonthRecords {
            delay_payment_disputes,
            cost_gates: self.cost_gates(contract, Some(&cost_ids)).await?,
            costs,
            cost_disputes,
            audit: self.audit(contract).await?,
            evidence_files: self.evidence_files_of_month(contract, period).await?,
        })
    }

    async fn cost_disputes(&self, contract: &str) -> Result<Vec<Dispute>, StoreError> {
        Ok(self
            .disputes(contract)
            .await?
            .into_iter()
            .filter(|d| matches!(d.subject, DisputeSubject::Cost { .. }))
            .collect())
    }

    /// The contract's audit trail, oldest first.
    pub async fn audit(&self, contract: &str) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, kind, subject, period, detail, reason FROM audit
              WHERE contract = $1 ORDER BY id",
        )
        .bind(contract)
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading the audit trail"))?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: col(r, 0)?,
                    at: instant(col(r, 1)?)?,
                    by: col(r, 2)?,
                    action: col(r, 3)?,
                    kind: col(r, 4)?,
                    subject: col(r, 5)?,
                    period: period(col(r, 6)?)?,
                    detail: col(r, 7)?,
                    reason: col(r, 8)?,
                })
            })
            .collect()
    }
}

/// The month a date falls in.
pub(super) fn month_of(date: NaiveDate) -> Period {
    use chrono::Datelike;
    Period::new(date.year(), date.month())
        .unwrap_or_else(|| unreachable!("a date's month is 1 to 12"))
}

pub(super) async fn commit(tx: Tx) -> Result<(), StoreError> {
    tx.commit().await.map_err(failed("committing a change"))
}

/// How every recording ends: its audit entry, then the commit.
pub(super) async fn audit_and_commit(
    mut tx: Tx,
    contract: &str,
    by: &str,
    now: i64,
    change: Change<'_>,
) -> Result<(), StoreError> {
    audit(&mut tx, contract, by, now, change).await?;
    commit(tx).await
}

pub(super) async fn audit(
    tx: &mut Tx,
    contract: &str,
    by: &str,
    now: i64,
    c: Change<'_>,
) -> Result<(), StoreError> {
    let month = c.period.map(|p| p.to_string());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO audit (contract, at, actor, action, kind, subject, period, detail, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(contract)
    .bind(now)
    .bind(by)
    .bind(c.action)
    .bind(c.kind)
    .bind(c.subject.clone())
    .bind(month.clone())
    .bind(c.detail.clone())
    .bind(c.reason)
    .fetch_one(&mut **tx)
    .await
    .map_err(failed("writing the audit trail"))?;
    // Sealed in the same transaction, in the registry's column order.
    let text = |s: &str| Param::Text(Some(s.to_string()));
    let key = [Param::Int(Some(id))];
    let content = [
        Param::Int(Some(now)),
        text(by),
        text(c.action),
        text(c.kind),
        Param::Text(Some(c.subject)),
        Param::Text(month),
        Param::Text(Some(c.detail)),
        Param::Text(c.reason.map(str::to_string)),
    ];
    chain::seal(
        tx,
        &chain::AUDIT,
        contract,
        &[NewRow {
            key: &key,
            content: &content,
        }],
    )
    .await?;
    Ok(())
}

pub(super) async fn require_incident(
    tx: &mut Tx,
    contract: &str,
    id: &str,
) -> Result<(), RecordError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM incidents WHERE contract = $1 AND id = $2")
            .bind(contract)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await
            .map_err(failed("looking up an incident"))?;
    found.map(|_| ()).ok_or_else(|| {
        RecordError::NotFound(format!("no incident '{id}' for contract '{contract}'"))
    })
}

pub(super) async fn require_outage(
    tx: &mut Tx,
    contract: &str,
    id: &str,
) -> Result<(), RecordError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM outages WHERE contract = $1 AND id = $2")
            .bind(contract)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await
            .map_err(failed("looking up an outage"))?;
    found
        .map(|_| ())
        .ok_or_else(|| RecordError::NotFound(format!("no outage '{id}' for contract '{contract}'")))
}

/// One record of the contract by its id: `select` is `SELECT columns FROM
/// table`, the row decoded by `decode`; `what` says what the store was
/// doing, for errors.
pub(super) async fn record_by_id<T>(
    tx: &mut Tx,
    select: &str,
    contract: &str,
    id: i64,
    decode: fn(&AnyRow) -> Result<T, StoreError>,
    what: &'static str,
) -> Result<Option<T>, StoreError> {
    let sql = format!("{select} WHERE contract = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(contract)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(failed(what))?;
    row.as_ref().map(decode).transpose()
}

pub(super) async fn cost_in(
    tx: &mut Tx,
    contract: &str,
    id: i64,
) -> Result<Option<Cost>, StoreError> {
    let select = format!("SELECT {COST_COLUMNS} FROM recoverable_costs");
    let Some(mut cost) = record_by_id(
        tx,
        &select,
        contract,
        id,
        cost_row,
        "reading a recoverable cost",
    )
    .await?
    else {
        return Ok(None);
    };
    let sql = format!(
        "SELECT {DISPUTE_COLUMNS} FROM disputes WHERE contract = $1 AND kind = 'cost' AND subject = $2
          ORDER BY id DESC LIMIT 1"
    );
    let dispute = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(contract)
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await
        .map_err(failed("reading disputes"))?;
    cost.dispute = dispute.as_ref().map(dispute_row).transpose()?;
    Ok(Some(cost))
}
/// The latest dispute of each subject, by subject id.
fn latest_by_subject(disputes: Vec<Dispute>) -> HashMap<String, Dispute> {
    let mut latest: HashMap<String, Dispute> = HashMap::new();
    for d in disputes {
        let key = d.subject.subject();
        if latest.get(&key).is_none_or(|old| old.id < d.id) {
            latest.insert(key, d);
        }
    }
    latest
}

fn cost_row(r: &AnyRow) -> Result<Cost, StoreError> {
    let date: String = col(r, 1)?;
    let breach: Option<String> = col(r, 5)?;
    let kind: Option<String> = col(r, 6)?;
    let breach_period = period(col(r, 7)?)?;
    let removed = match (col::<Option<i64>>(r, 11)?, col::<Option<String>>(r, 10)?) {
        (Some(at), by) => Some(Removal {
            by: by.unwrap_or_else(|| "unknown".into()),
            at: instant(at)?,
            reason: col(r, 12)?,
        }),
        (None, _) => None,
    };
    Ok(Cost {
        id: col(r, 0)?,
        date: date
            .parse::<NaiveDate>()
            .map_err(|e| StoreError::Corrupt(format!("cost date {date}: {e}")))?,
        amount_minor: col(r, 2)?,
        description: col(r, 3)?,
        evidence: col(r, 4)?,
        breach: breach.map(|b| CostBreach::from_parts(b, kind.as_deref(), breach_period)),
        recorded_by: col(r, 8)?,
        recorded_at: instant(col(r, 9)?)?,
        removed,
        dispute: None,
    })
}
