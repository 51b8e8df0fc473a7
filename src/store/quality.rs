//! What the data-quality section asks of the store: how many records each
//! import source delivered dated in a month (to find sources gone silent).

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
