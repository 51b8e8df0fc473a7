//! Reading back the evidence that can affect one contract-month: never the
//! whole store, only what a clock, an outage or a work item in that month
//! could depend on.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::{Store, StoreError, failed};
use crate::domain::{
    Hold, Incident, Instant, Outage, Percent, Period, Priority, RecoverableCost, SupplierKpi,
    WorkItem,
};
use crate::engine::Evidence;

/// Seconds since the epoch → instant.
pub(crate) fn instant(secs: i64) -> Result<Instant, StoreError> {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .ok_or_else(|| StoreError::Corrupt(format!("instant {secs}")))
}

fn opt_instant(secs: Option<i64>) -> Result<Option<Instant>, StoreError> {
    secs.map(instant).transpose()
}

fn col<'r, T>(row: &'r AnyRow, i: usize) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(i)
        .map_err(|e| StoreError::Corrupt(format!("column {i}: {e}")))
}

fn parsed<T: std::str::FromStr<Err = String>>(text: &str, what: &str) -> Result<T, StoreError> {
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

// Incidents whose clocks can be assessed in [start, end): opened before the
// end, and not settled (every clock stopped) before the start. Two arms so
// each uses the (contract, settled_at) index.
const INCIDENTS_SQL: &str = "\
    SELECT id, priority, service, opened_at, responded_at, resolved_at, title, excused_reason
      FROM incidents WHERE contract = $1 AND settled_at >= $2 AND opened_at < $3
    UNION ALL
    SELECT id, priority, service, opened_at, responded_at, resolved_at, title, excused_reason
      FROM incidents WHERE contract = $1 AND settled_at IS NULL AND opened_at < $3";

// The holds of those same incidents.
const HOLDS_SQL: &str = "\
    SELECT h.incident_id, h.start_at, h.end_at, h.reason FROM holds h
      JOIN incidents i ON i.contract = h.contract AND i.id = h.incident_id
     WHERE i.contract = $1 AND i.settled_at >= $2 AND i.opened_at < $3
    UNION ALL
    SELECT h.incident_id, h.start_at, h.end_at, h.reason FROM holds h
      JOIN incidents i ON i.contract = h.contract AND i.id = h.incident_id
     WHERE i.contract = $1 AND i.settled_at IS NULL AND i.opened_at < $3";

impl Store {
    /// Everything that can affect `contract`'s figures for `period` (month
    /// bounds in `tz`).
    pub async fn month_evidence(
        &self,
        contract: &str,
        period: Period,
        tz: chrono_tz::Tz,
    ) -> Result<Evidence, StoreError> {
        let (start, end) = (period.start(tz).timestamp(), period.end(tz).timestamp());
        Ok(Evidence {
            incidents: self.incidents(contract, start, end).await?,
            outages: self.outages(contract, start, end).await?,
            work_items: self.work_items(contract, start, end).await?,
            supplier_kpis: self.supplier_kpis(contract, period).await?,
        })
    }

    async fn incidents(
        &self,
        contract: &str,
        start: i64,
        end: i64,
    ) -> Result<Vec<Incident>, StoreError> {
        let rows = sqlx::query(INCIDENTS_SQL)
            .bind(contract)
            .bind(start)
            .bind(end)
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading incidents"))?;
        let mut holds = self.holds(contract, start, end).await?;
        rows.iter()
            .map(|r| {
                let id: String = col(r, 0)?;
                let priority: String = col(r, 1)?;
                Ok(Incident {
                    holds: holds.remove(&id).unwrap_or_default(),
                    priority: parsed::<Priority>(&priority, "priority")?,
                    service: col(r, 2)?,
                    opened_at: instant(col(r, 3)?)?,
                    responded_at: opt_instant(col(r, 4)?)?,
                    resolved_at: opt_instant(col(r, 5)?)?,
                    title: col(r, 6)?,
                    excused_reason: col(r, 7)?,
                    id,
                })
            })
            .collect()
    }

    async fn holds(
        &self,
        contract: &str,
        start: i64,
        end: i64,
    ) -> Result<HashMap<String, Vec<Hold>>, StoreError> {
        let rows = sqlx::query(HOLDS_SQL)
            .bind(contract)
            .bind(start)
            .bind(end)
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading holds"))?;
        let mut by_incident: HashMap<String, Vec<Hold>> = HashMap::new();
        for r in &rows {
            by_incident.entry(col(r, 0)?).or_default().push(Hold {
                start: instant(col(r, 1)?)?,
                end: opt_instant(col(r, 2)?)?,
                reason: col(r, 3)?,
            });
        }
        Ok(by_incident)
    }

    async fn outages(
        &self,
        contract: &str,
        start: i64,
        end: i64,
    ) -> Result<Vec<Outage>, StoreError> {
        // Outages overlapping the month, planned ones included (the engine
        // excludes them; the report lists them).
        let rows = sqlx::query(
            "SELECT id, service, start_at, end_at, impact, planned, source FROM outages
              WHERE contract = $1 AND start_at < $2 AND (end_at IS NULL OR end_at > $3)
              ORDER BY start_at, id",
        )
        .bind(contract)
        .bind(end)
        .bind(start)
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading outages"))?;
        rows.iter()
            .map(|r| {
                let impact: String = col(r, 4)?;
                Ok(Outage {
                    id: col(r, 0)?,
                    service: col(r, 1)?,
                    start: instant(col(r, 2)?)?,
                    end: opt_instant(col(r, 3)?)?,
                    impact: parsed(&impact, "impact")?,
                    planned: col::<i64>(r, 5)? != 0,
                    source: col(r, 6)?,
                })
            })
            .collect()
    }

    async fn work_items(
        &self,
        contract: &str,
        start: i64,
        end: i64,
    ) -> Result<Vec<WorkItem>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, kind, opened_at, change_type, proactive FROM work_items
              WHERE contract = $1 AND opened_at >= $2 AND opened_at < $3",
        )
        .bind(contract)
        .bind(start)
        .bind(end)
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading work items"))?;
        rows.iter()
            .map(|r| {
                let kind: String = col(r, 1)?;
                let change_type: Option<String> = col(r, 3)?;
                Ok(WorkItem {
                    id: col(r, 0)?,
                    kind: parsed(&kind, "kind")?,
                    opened_at: instant(col(r, 2)?)?,
                    change_type: change_type.map(|c| parsed(&c, "change_type")).transpose()?,
                    proactive: col::<Option<i64>>(r, 4)?.map(|p| p != 0),
                })
            })
            .collect()
    }

    async fn supplier_kpis(
        &self,
        contract: &str,
        period: Period,
    ) -> Result<Vec<SupplierKpi>, StoreError> {
        let rows = sqlx::query(
            "SELECT service_level, attainment_units FROM supplier_kpis WHERE contract = $1 AND period = $2",
        )
        .bind(contract)
        .bind(period.to_string())
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading supplier figures"))?;
        rows.iter()
            .map(|r| {
                Ok(SupplierKpi {
                    service_level: col(r, 0)?,
                    period,
                    attainment: Percent::from_units(col(r, 1)?),
                })
            })
            .collect()
    }

    /// The recoverable costs dated in `period` and not removed.
    pub async fn recoverable_costs(
        &self,
        contract: &str,
        period: Period,
    ) -> Result<Vec<RecoverableCost>, StoreError> {
        let rows = sqlx::query(
            "SELECT date, amount_minor, description, evidence, breach FROM recoverable_costs
              WHERE contract = $1 AND date >= $2 AND date < $3 AND removed_at IS NULL
              ORDER BY date, id",
        )
        .bind(contract)
        .bind(period.first_day().to_string())
        .bind(period.next().first_day().to_string())
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading recoverable costs"))?;
        rows.iter()
            .map(|r| {
                let date: String = col(r, 0)?;
                Ok(RecoverableCost {
                    date: date
                        .parse::<NaiveDate>()
                        .map_err(|e| StoreError::Corrupt(format!("cost date {date}: {e}")))?,
                    amount_minor: col(r, 1)?,
                    description: col(r, 2)?,
                    evidence: col(r, 3)?,
                    breach: col(r, 4)?,
                })
            })
            .collect()
    }
}
