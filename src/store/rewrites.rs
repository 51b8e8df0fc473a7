//! What the rewrite detection asks of the store: the records one import
//! changed, with their values before and after, and where the rewrites it
//! found are kept and read back (insert-only, like the history they come from).

use std::collections::{BTreeMap, HashMap};

use sqlx::AssertSqlSafe;

use super::row::{col, instant, parsed};
use super::versions::column_kinds;
use super::write::{Param, Table};
use super::{Store, StoreError, failed};
use crate::domain::rewrite::{CreditMoved, Direction, Effect, Rewrite};
use crate::domain::{Instant, Period};

/// A record one import changed: its values before (the version it
/// superseded) and after (the version it stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    /// Values of the table's key columns after the contract.
    pub key: Vec<Param>,
    /// The table's value columns as the store held them before.
    pub before: Vec<Param>,
    /// The same as the import left them.
    pub after: Vec<Param>,
    /// When the store first received the record (epoch seconds).
    pub first_received: i64,
    /// The line of the import the new version came from.
    pub line: i64,
}

impl Changed {
    /// The value of `column` before and after (`None` if the table has no such column).
    pub fn column<'a>(&'a self, table: &Table, column: &str) -> Option<(&'a Param, &'a Param)> {
        let i = table.values.iter().position(|c| *c == column)?;
        Some((self.before.get(i)?, self.after.get(i)?))
    }
}

/// A rewrite about to be stored (the stored form is [`Rewrite`]).
#[derive(Debug, Clone)]
pub struct NewRewrite {
    /// `incident`, `hold`, `outage` or `work_item`.
    pub kind: &'static str,
    /// The record's key in words.
    pub record: String,
    /// Each changed value, before → after.
    pub change: String,
    /// Which way it cuts.
    pub direction: Direction,
    /// What makes it that direction.
    pub why: String,
    /// Its effect on each service level it bears on.
    pub effects: Vec<Effect>,
    /// The months it bears on.
    pub periods: Vec<Period>,
}

/// Who wrote an import, as its rewrites record it.
#[derive(Debug, Clone)]
pub struct ImportWriter {
    /// The import.
    pub import_id: i64,
    /// A source id or `cli`.
    pub source: String,
    /// A person's name on a correction.
    pub corrected_by: Option<String>,
    /// When the store received it (epoch seconds).
    pub received_at: i64,
}

/// One effect as the `effects` column keeps it.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredEffect {
    service_level: String,
    period: Option<String>,
    before: String,
    after: String,
}

/// Rewrites counted by contract, source, kind and direction (for the metrics).
pub type RewriteCounts = BTreeMap<(String, String, String, String), u64>;

impl Store {
    /// The records of `contract` in `table` that import `import_id`,
    /// received at `at`, changed: each with its values before and after.
    pub async fn changed_by_import(
        &self,
        contract: &str,
        table: &Table,
        import_id: i64,
        at: i64,
    ) -> Result<Vec<Changed>, StoreError> {
        let keys = &table.keys[1..];
        let columns: Vec<&str> = keys.iter().chain(table.values).copied().collect();
        let same_record = |a: &str, b: &str| {
            table
                .keys
                .iter()
                .map(|k| format!("{a}.{k} = {b}.{k}"))
                .collect::<Vec<_>>()
                .join(" AND ")
        };
        // The versions this import superseded, each with the instant its
        // record was first received. One stored by this same import (a
        // record written twice) is not what the store held before.
        let before_sql = format!(
            "SELECT {cols}, v.line, (SELECT MIN(f.received_at) FROM {t}_versions f WHERE {same})
               FROM {t}_versions v
              WHERE v.contract = $1 AND v.superseded_at = $2 AND v.superseded_by = $3 AND v.import_id <> $3",
            cols = prefixed("v", &columns),
            t = table.name,
            same = same_record("f", "v"),
        );
        // The version each of those records had once the import was done:
        // the current one, or (changed again since) the one in force then.
        // Joined on the whole key from the versions the import superseded,
        // so either side of the join is reached by an index (the primary
        // key, or the history's by-record index): PostgreSQL planning a
        // semi-join (`key IN (…)`) on the statistics of a table just filled
        // compared every record with every changed one (91 s a contract
        // for 100,000 records and 10,000 changes).
        let after_sql = format!(
            "SELECT {cols}, c.line FROM {t}_versions k JOIN {t} c ON {same}
              WHERE k.contract = $1 AND k.superseded_at = $2 AND k.superseded_by = $3 AND c.import_id <= $3
             UNION ALL
             SELECT {cols}, c.line FROM {t}_versions k JOIN {t}_versions c ON {same}
              WHERE k.contract = $1 AND k.superseded_at = $2 AND k.superseded_by = $3
                AND c.import_id <= $3 AND c.superseded_by > $3",
            cols = prefixed("c", &columns),
            t = table.name,
            same = same_record("c", "k"),
        );
        let ints = column_kinds(table)?;
        let fetch = |sql: String| async move {
            sqlx::query(AssertSqlSafe(sql))
                .bind(contract)
                .bind(at)
                .bind(import_id)
                .fetch_all(self.pool())
                .await
                .map_err(failed("reading what an import changed"))
        };
        let decode = |r: &sqlx::any::AnyRow| -> Result<Vec<Param>, StoreError> {
            ints.iter()
                .enumerate()
                .map(|(i, int)| match int {
                    true => col::<Option<i64>>(r, i).map(Param::Int),
                    false => col::<Option<String>>(r, i).map(Param::Text),
                })
                .collect()
        };
        let mut after = HashMap::new();
        for r in fetch(after_sql).await? {
            let mut values = decode(&r)?;
            let line: i64 = col(&r, columns.len())?;
            let rest = values.split_off(keys.len());
            after.insert(values, (rest, line));
        }
        let mut out = Vec::new();
        for r in fetch(before_sql).await? {
            let mut key = decode(&r)?;
            let before = key.split_off(keys.len());
            let first_received: Option<i64> = col(&r, columns.len() + 1)?;
            let Some((values, line)) = after.get(&key) else {
                continue;
            };
            out.push(Changed {
                key,
                before,
                after: values.clone(),
                first_received: first_received.unwrap_or(at),
                line: *line,
            });
        }
        Ok(out)
    }

    /// Keeps the rewrites `writer`'s import made to `contract`, and the
    /// credit of each month they bear on before and after them, in one
    /// transaction.
    pub async fn record_rewrites(
        &self,
        contract: &str,
        writer: &ImportWriter,
        rewrites: &[NewRewrite],
        credits: &[CreditMoved],
    ) -> Result<(), StoreError> {
        let mut tx = self
            .begin_write()
            .await
            .map_err(failed("recording rewrites"))?;
        for r in rewrites {
            let effects: Vec<StoredEffect> = r
                .effects
                .iter()
                .map(|e| StoredEffect {
                    service_level: e.service_level.clone(),
                    period: e.period.map(|p| p.to_string()),
                    before: e.before.as_str().to_string(),
                    after: e.after.as_str().to_string(),
                })
                .collect();
            let effects = serde_json::to_string(&effects)
                .map_err(|e| StoreError::Corrupt(format!("rewrite effects: {e}")))?;
            let periods: Vec<String> = r.periods.iter().map(Period::to_string).collect();
            sqlx::query(
                "INSERT INTO evidence_rewrites (contract, import_id, source, corrected_by, kind, record, change,
                     direction, why, effects, periods, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(contract)
            .bind(writer.import_id)
            .bind(writer.source.clone())
            .bind(writer.corrected_by.clone())
            .bind(r.kind)
            .bind(r.record.clone())
            .bind(r.change.clone())
            .bind(r.direction.as_str())
            .bind(r.why.clone())
            .bind(effects)
            .bind(periods.join(" "))
            .bind(writer.received_at)
            .execute(&mut *tx)
            .await
            .map_err(failed("recording a rewrite"))?;
        }
        for c in credits {
            sqlx::query(
                "INSERT INTO evidence_rewrite_months (contract, period, import_id, credit_before_minor, credit_after_minor)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(contract)
            .bind(c.period.to_string())
            .bind(c.import_id)
            .bind(c.before_minor)
            .bind(c.after_minor)
            .execute(&mut *tx)
            .await
            .map_err(failed("recording the credit rewrites moved"))?;
        }
        tx.commit().await.map_err(failed("recording rewrites"))
    }

    /// The rewrites bearing on `contract`'s `period`, oldest first, and the
    /// credit each import's rewrites moved in it; with `known_at`, only
    /// those received by then.
    pub async fn rewrites_for_month(
        &self,
        contract: &str,
        period: Period,
        known_at: Option<Instant>,
    ) -> Result<(Vec<Rewrite>, Vec<CreditMoved>), StoreError> {
        let at = known_at.map_or(i64::MAX, |t| t.timestamp());
        let month = period.to_string();
        let credit_rows = sqlx::query(
            "SELECT m.import_id, m.credit_before_minor, m.credit_after_minor
               FROM evidence_rewrite_months m JOIN imports i ON i.id = m.import_id
              WHERE m.contract = $1 AND m.period = $2 AND i.started_at <= $3
              ORDER BY m.import_id",
        )
        .bind(contract)
        .bind(month.clone())
        .bind(at)
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading the credit rewrites moved"))?;
        let mut credits = Vec::new();
        for r in &credit_rows {
            credits.push(CreditMoved {
                period,
                import_id: col(r, 0)?,
                before_minor: col(r, 1)?,
                after_minor: col(r, 2)?,
            });
        }
        let mut rewrites = Vec::new();
        for c in &credits {
            let rows = sqlx::query(AssertSqlSafe(format!(
                "{REWRITE_SELECT} WHERE contract = $1 AND import_id = $2 ORDER BY id"
            )))
            .bind(contract)
            .bind(c.import_id)
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading rewrites"))?;
            for r in &rows {
                let rewrite = decode_rewrite(r)?;
                if rewrite.periods.contains(&period) {
                    rewrites.push(rewrite);
                }
            }
        }
        Ok((rewrites, credits))
    }

    /// Rewrites favourable to the supplier received at or after `since`,
    /// oldest first (for the alerts).
    pub async fn favourable_rewrites_since(&self, since: i64) -> Result<Vec<Rewrite>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{REWRITE_SELECT} WHERE received_at >= $1 AND direction = 'favourable' ORDER BY id"
        )))
        .bind(since)
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading rewrites"))?;
        rows.iter().map(decode_rewrite).collect()
    }

    /// Every rewrite ever found, counted by contract, source, kind and direction.
    pub async fn rewrite_counts(&self) -> Result<RewriteCounts, StoreError> {
        let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
            "SELECT contract, source, kind, direction, COUNT(*) FROM evidence_rewrites
              GROUP BY contract, source, kind, direction",
        )
        .fetch_all(self.pool())
        .await
        .map_err(failed("counting rewrites"))?;
        Ok(rows
            .into_iter()
            .map(|(c, s, k, d, n)| ((c, s, k, d), u64::try_from(n).unwrap_or(0)))
            .collect())
    }
}

const REWRITE_SELECT: &str =
    "SELECT contract, import_id, source, corrected_by, kind, record, change, direction, why,
        effects, periods, received_at FROM evidence_rewrites";

fn decode_rewrite(r: &sqlx::any::AnyRow) -> Result<Rewrite, StoreError> {
    let direction: String = col(r, 7)?;
    let effects: String = col(r, 9)?;
    let periods: String = col(r, 10)?;
    let effects: Vec<StoredEffect> = serde_json::from_str(&effects)
        .map_err(|e| StoreError::Corrupt(format!("rewrite effects: {e}")))?;
    Ok(Rewrite {
        contract: col(r, 0)?,
        import_id: col(r, 1)?,
        source: col(r, 2)?,
        corrected_by: col(r, 3)?,
        kind: col(r, 4)?,
        record: col(r, 5)?,
        change: col(r, 6)?,
        direction: parsed(&direction, "rewrite direction")?,
        why: col(r, 8)?,
        effects: effects
            .into_iter()
            .map(|e| {
                Ok(Effect {
                    service_level: e.service_level,
                    period: e.period.map(|p| parsed(&p, "period")).transpose()?,
                    before: parsed(&e.before, "verdict")?,
                    after: parsed(&e.after, "verdict")?,
                })
            })
            .collect::<Result<_, StoreError>>()?,
        periods: periods
            .split_whitespace()
            .map(|p| parsed(p, "period"))
            .collect::<Result<_, _>>()?,
        received_at: instant(col(r, 11)?)?,
    })
}

fn prefixed(alias: &str, columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// The earlier versions of the incidents whose clocks may be assessed in
    /// `[start, end)` (epoch seconds); with `known_at`, those the store had
    /// superseded by then.
    pub async fn past_incident_versions(
        &self,
        contract: &str,
        start: i64,
        end: i64,
        known_at: Option<Instant>,
    ) -> Result<Vec<crate::engine::clock_stops::PastVersion>, StoreError> {
        let at = known_at.map_or(i64::MAX, |t| t.timestamp());
        let rows = sqlx::query(
            "SELECT v.id, v.priority, v.resolved_at, v.received_at
               FROM incidents_versions v JOIN incidents i ON i.contract = v.contract AND i.id = v.id
              WHERE v.contract = $1 AND i.opened_at < $3 AND (i.settled_at >= $2 OR i.settled_at IS NULL)
                AND v.superseded_at <= $4
              ORDER BY v.id, v.version_id",
        )
        .bind(contract)
        .bind(start)
        .bind(end)
        .bind(at)
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading incidents' earlier versions"))?;
        rows.iter()
            .map(|r| {
                let priority: String = col(r, 1)?;
                Ok(crate::engine::clock_stops::PastVersion {
                    id: col(r, 0)?,
                    priority: parsed(&priority, "priority")?,
                    resolved_at: col::<Option<i64>>(r, 2)?.map(instant).transpose()?,
                    received_at: col(r, 3)?,
                })
            })
            .collect()
    }
}

impl Store {
    /// When the store first received each of these incidents of `contract`
    /// (epoch seconds); those it never held are left out.
    pub async fn incidents_first_received(
        &self,
        contract: &str,
        ids: &[&str],
    ) -> Result<HashMap<String, i64>, StoreError> {
        let mut found = HashMap::new();
        for chunk in ids.chunks(500) {
            let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let list = list.join(", ");
            let sql = format!(
                "SELECT id, MIN(received_at) FROM (
                     SELECT id, received_at FROM incidents WHERE contract = $1 AND id IN ({list})
                     UNION ALL
                     SELECT id, received_at FROM incidents_versions WHERE contract = $1 AND id IN ({list})
                 ) AS r GROUP BY id"
            );
            let mut query = sqlx::query_as::<_, (String, i64)>(AssertSqlSafe(sql)).bind(contract);
            for id in chunk {
                query = query.bind(*id);
            }
            found.extend(
                query
                    .fetch_all(self.pool())
                    .await
                    .map_err(failed("reading when incidents were first received"))?,
            );
        }
        Ok(found)
    }
}
