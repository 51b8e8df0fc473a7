//! What the data-quality section, alerts and metrics ask of the store: how
//! many records each import source delivered dated in a month (to find
//! sources gone silent), and the rows refused because another source owns them.

use std::collections::BTreeMap;

use super::{Store, StoreError, failed};

impl Store {
    /// Records of `contract` dated in `[from, to)` (epoch seconds: incidents
    /// and work items opened, outages started) or for `period` (supplier
    /// figures), by the source of the import that last stored them.
    pub async fn records_by_source(
        &self,
        contract: &str,
        from: i64,
        to: i64,
        period: &str,
    ) -> Result<BTreeMap<String, u64>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT m.source, COUNT(*) FROM (
                 SELECT import_id FROM incidents WHERE contract = $1 AND opened_at >= $2 AND opened_at < $3
                 UNION ALL
                 SELECT import_id FROM work_items WHERE contract = $1 AND opened_at >= $2 AND opened_at < $3
                 UNION ALL
                 SELECT import_id FROM outages WHERE contract = $1 AND start_at >= $2 AND start_at < $3
                 UNION ALL
                 SELECT import_id FROM supplier_kpis WHERE contract = $1 AND period = $4
             ) r JOIN imports m ON m.id = r.import_id
             GROUP BY m.source",
        )
        .bind(contract)
        .bind(from)
        .bind(to)
        .bind(period)
        .fetch_all(self.pool())
        .await
        .map_err(failed("counting a month's records by source"))?;
        Ok(rows
            .into_iter()
            .map(|(s, n)| (s, u64::try_from(n).unwrap_or(0)))
            .collect())
    }
}

/// Rows refused because another source owns their record, for one source,
/// contract, owner and UTC day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnershipRefusals {
    /// The source whose rows were refused (`cli` for `slawatch import`).
    pub source: String,
    /// The contract the rows named, when they named one.
    pub contract: Option<String>,
    /// The source that owns the records.
    pub owner: String,
    /// The UTC day, as days since the epoch.
    pub day: i64,
    /// How many rows.
    pub count: u64,
    /// One of the reasons given, as an example.
    pub example: String,
}

impl Store {
    /// Rows refused for ownership in imports started at or after `since`.
    pub async fn ownership_refusals_since(
        &self,
        since: i64,
    ) -> Result<Vec<OwnershipRefusals>, StoreError> {
        let rows: Vec<(String, Option<String>, String, i64, i64, String)> = sqlx::query_as(
            "SELECT i.source, r.contract, r.owner, i.started_at / 86400, COUNT(*), MIN(r.reason)
               FROM rejections r JOIN imports i ON i.id = r.import_id
              WHERE r.owner IS NOT NULL AND i.started_at >= $1
              GROUP BY i.source, r.contract, r.owner, i.started_at / 86400
              ORDER BY 4, 1, 2, 3",
        )
        .bind(since)
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading rows refused for ownership"))?;
        Ok(rows
            .into_iter()
            .map(
                |(source, contract, owner, day, n, example)| OwnershipRefusals {
                    source,
                    contract,
                    owner,
                    day,
                    count: u64::try_from(n).unwrap_or(0),
                    example,
                },
            )
            .collect())
    }

    /// Every row ever refused for ownership, by contract (empty when the row
    /// named none) and refused source.
    pub async fn ownership_refusal_counts(
        &self,
    ) -> Result<BTreeMap<(String, String), u64>, StoreError> {
        let rows: Vec<(Option<String>, String, i64)> = sqlx::query_as(
            "SELECT r.contract, i.source, COUNT(*)
               FROM rejections r JOIN imports i ON i.id = r.import_id
              WHERE r.owner IS NOT NULL
              GROUP BY r.contract, i.source",
        )
        .fetch_all(self.pool())
        .await
        .map_err(failed("counting rows refused for ownership"))?;
        Ok(rows
            .into_iter()
            .map(|(c, s, n)| ((c.unwrap_or_default(), s), u64::try_from(n).unwrap_or(0)))
            .collect())
    }
}
