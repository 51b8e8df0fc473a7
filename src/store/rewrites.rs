//! Rewrites as stored: one row per month each bears on, with the verdicts
//! before and after per service level (see [`crate::domain::rewrite`]).

use serde_json::{Value, json};

use super::row::{col, instant, parsed};
use super::write::Table;
use super::{Store, StoreError, failed};
use crate::domain::rewrite::{Direction, Effect, Verdict};
use crate::domain::{Hold, Incident, Period, Priority, Rewrite};

const COLUMNS: &str = "contract, period, import_id, source, party, kind, record, change, direction, effects, received_at";

impl Store {
    /// Records rewrites (one row each: a rewrite bearing on two months is two).
    pub async fn record_rewrites(&self, rewrites: &[Rewrite]) -> Result<(), StoreError> {
        if rewrites.is_empty() {
            return Ok(());
        }
        let mut tx = self
            .begin_write()
            .await
            .map_err(failed("recording rewrites"))?;
        for r in rewrites {
            let effects: Vec<Value> = r
                .effects
                .iter()
                .map(|e| json!([e.level, e.before.as_str(), e.after.as_str()]))
                .collect();
            sqlx::query(
                "INSERT INTO evidence_rewrites (contract, period, import_id, source, party, kind, record, change, direction, effects, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(r.contract.clone())
            .bind(r.period.to_string())
            .bind(r.import_id)
            .bind(r.source.clone())
            .bind(r.party.clone())
            .bind(r.kind.clone())
            .bind(r.record.clone())
            .bind(r.change.clone())
            .bind(r.direction.as_str())
            .bind(Value::Array(effects).to_string())
            .bind(r.received_at.timestamp())
            .execute(&mut *tx)
            .await
            .map_err(failed("recording rewrites"))?;
        }
        tx.commit().await.map_err(failed("recording rewrites"))
    }

    /// The rewrites bearing on `contract`'s `period`, in the order received.
    pub async fn rewrites(
        &self,
        contract: &str,
        period: Period,
    ) -> Result<Vec<Rewrite>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM evidence_rewrites WHERE contract = $1 AND period = $2 ORDER BY id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .bind(period.to_string())
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading rewrites"))?;
        rows.iter().map(rewrite_row).collect()
    }

    /// Every rewrite received at or after `since` (epoch seconds), oldest first.
    pub async fn rewrites_since(&self, since: i64) -> Result<Vec<Rewrite>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM evidence_rewrites WHERE received_at >= $1 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(since)
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading rewrites"))?;
        rows.iter().map(rewrite_row).collect()
    }

    /// One incident as stored now, with its holds.
    pub async fn incident(&self, contract: &str, id: &str) -> Result<Option<Incident>, StoreError> {
        let row = sqlx::query(
            "SELECT priority, service, opened_at, responded_at, resolved_at, title, excused_reason
               FROM incidents WHERE contract = $1 AND id = $2",
        )
        .bind(contract)
        .bind(id)
        .fetch_optional(self.pool())
        .await
        .map_err(failed("reading an incident"))?;
        let Some(r) = row else {
            return Ok(None);
        };
        let holds = sqlx::query(
            "SELECT start_at, end_at, reason FROM holds WHERE contract = $1 AND incident_id = $2 ORDER BY start_at",
        )
        .bind(contract)
        .bind(id)
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading an incident's holds"))?;
        let priority: String = col(&r, 0)?;
        Ok(Some(Incident {
            id: id.to_string(),
            priority: parsed::<Priority>(&priority, "priority")?,
            service: col(&r, 1)?,
            opened_at: instant(col(&r, 2)?)?,
            responded_at: col::<Option<i64>>(&r, 3)?.map(instant).transpose()?,
            resolved_at: col::<Option<i64>>(&r, 4)?.map(instant).transpose()?,
            title: col(&r, 5)?,
            excused_reason: col(&r, 6)?,
            holds: holds
                .iter()
                .map(|h| {
                    Ok(Hold {
                        start: instant(col(h, 0)?)?,
                        end: col::<Option<i64>>(h, 1)?.map(instant).transpose()?,
                        reason: col(h, 2)?,
                    })
                })
                .collect::<Result<_, StoreError>>()?,
        }))
    }

    /// When the store first received the record of `table` keyed
    /// `(contract, id)`: its oldest kept version, else its current one.
    pub async fn first_received(
        &self,
        table: &Table,
        contract: &str,
        id: &str,
    ) -> Result<Option<i64>, StoreError> {
        let key = table.keys[1];
        let sql = format!(
            "SELECT MIN(received_at) FROM (
                SELECT received_at FROM {t} WHERE contract = $1 AND {key} = $2
                UNION ALL
                SELECT received_at FROM {t}_versions WHERE contract = $1 AND {key} = $2) AS r",
            t = table.name
        );
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .bind(id)
            .fetch_one(self.pool())
            .await
            .map_err(failed("reading when a record was first received"))
    }
}

fn rewrite_row(r: &sqlx::any::AnyRow) -> Result<Rewrite, StoreError> {
    let period: String = col(r, 1)?;
    let direction: String = col(r, 8)?;
    let effects: String = col(r, 9)?;
    let effects: Vec<(String, String, String)> = serde_json::from_str(&effects)
        .map_err(|e| StoreError::Corrupt(format!("rewrite effects: {e}")))?;
    let verdict = |v: &str| {
        Verdict::parse(v).ok_or_else(|| StoreError::Corrupt(format!("rewrite verdict '{v}'")))
    };
    Ok(Rewrite {
        contract: col(r, 0)?,
        period: parsed(&period, "period")?,
        import_id: col(r, 2)?,
        source: col(r, 3)?,
        party: col(r, 4)?,
        kind: col(r, 5)?,
        record: col(r, 6)?,
        change: col(r, 7)?,
        direction: Direction::parse(&direction)
            .ok_or_else(|| StoreError::Corrupt(format!("rewrite direction '{direction}'")))?,
        effects: effects
            .into_iter()
            .map(|(level, before, after)| {
                Ok(Effect {
                    level,
                    before: verdict(&before)?,
                    after: verdict(&after)?,
                })
            })
            .collect::<Result<_, StoreError>>()?,
        received_at: instant(col(r, 10)?)?,
    })
}
