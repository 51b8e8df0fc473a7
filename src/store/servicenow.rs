//! The supplier's own SLA verdicts read from ServiceNow `task_sla`, kept
//! beside slawatch's measurement so the two can be reconciled: where the
//! supplier says "met" and the evidence says "breached", the report can show
//! it.

use super::{Store, StoreError, failed};
pub use crate::domain::SlaVerdict;

/// sys_id, incident, SLA name, stage, breached, start, end, planned end,
/// business duration, pause duration, updated at, business pause, target.
type VerdictColumns = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    i64,
    Option<i64>,
    Option<String>,
);

impl Store {
    /// Stores `source`'s verdicts for `contract`, updating rows already
    /// known (by sys_id) in place. Returns how many rows were written.
    pub async fn upsert_sla_verdicts(
        &self,
        contract: &str,
        source: &str,
        verdicts: &[SlaVerdict],
    ) -> Result<u64, StoreError> {
        let mut tx = self
            .begin_write()
            .await
            .map_err(failed("starting to store supplier SLA verdicts"))?;
        let mut written = 0;
        for v in verdicts {
            written += sqlx::query(
                "INSERT INTO supplier_sla_verdicts (contract, sys_id, source, incident_id, sla_name, stage,
                     has_breached, start_at, end_at, planned_end_at, business_duration_seconds,
                     pause_duration_seconds, updated_at, business_pause_seconds, sla_target)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                 ON CONFLICT (contract, sys_id) DO UPDATE SET
                     source = excluded.source,
                     incident_id = excluded.incident_id,
                     sla_name = excluded.sla_name,
                     stage = excluded.stage,
                     has_breached = excluded.has_breached,
                     start_at = excluded.start_at,
                     end_at = excluded.end_at,
                     planned_end_at = excluded.planned_end_at,
                     business_duration_seconds = excluded.business_duration_seconds,
                     pause_duration_seconds = excluded.pause_duration_seconds,
                     updated_at = excluded.updated_at,
                     business_pause_seconds = excluded.business_pause_seconds,
                     sla_target = excluded.sla_target",
            )
            .bind(contract)
            .bind(v.sys_id.clone())
            .bind(source)
            .bind(v.incident_id.clone())
            .bind(v.sla_name.clone())
            .bind(v.stage.clone())
            .bind(v.has_breached.map(i64::from))
            .bind(v.start_at)
            .bind(v.end_at)
            .bind(v.planned_end_at)
            .bind(v.business_duration_seconds)
            .bind(v.pause_duration_seconds)
            .bind(v.updated_at)
            .bind(v.business_pause_seconds)
            .bind(v.target.clone())
            .execute(&mut *tx)
            .await
            .map_err(failed("storing a supplier SLA verdict"))?
            .rows_affected();
        }
        tx.commit()
            .await
            .map_err(failed("committing supplier SLA verdicts"))?;
        Ok(written)
    }

    /// `contract`'s stored verdicts, by incident and SLA.
    pub async fn sla_verdicts(&self, contract: &str) -> Result<Vec<SlaVerdict>, StoreError> {
        let rows: Vec<VerdictColumns> = sqlx::query_as(
            "SELECT sys_id, incident_id, sla_name, stage, has_breached, start_at, end_at,
                    planned_end_at, business_duration_seconds, pause_duration_seconds, updated_at,
                    business_pause_seconds, sla_target
               FROM supplier_sla_verdicts WHERE contract = $1
              ORDER BY incident_id, sla_name NULLS FIRST, sys_id",
        )
        .bind(contract)
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading supplier SLA verdicts"))?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    sys_id,
                    incident_id,
                    sla_name,
                    stage,
                    has_breached,
                    start_at,
                    end_at,
                    planned_end_at,
                    business_duration_seconds,
                    pause_duration_seconds,
                    updated_at,
                    business_pause_seconds,
                    target,
                )| SlaVerdict {
                    sys_id,
                    incident_id,
                    sla_name,
                    stage,
                    has_breached: has_breached.map(|b| b != 0),
                    start_at,
                    end_at,
                    planned_end_at,
                    business_duration_seconds,
                    pause_duration_seconds,
                    business_pause_seconds,
                    target,
                    updated_at,
                },
            )
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(sys_id: &str, sla_name: Option<&str>) -> SlaVerdict {
        SlaVerdict {
            sys_id: sys_id.into(),
            incident_id: "INC1".into(),
            sla_name: sla_name.map(str::to_string),
            stage: None,
            has_breached: Some(false),
            start_at: None,
            end_at: None,
            planned_end_at: None,
            business_duration_seconds: None,
            pause_duration_seconds: None,
            business_pause_seconds: None,
            target: None,
            updated_at: 1,
        }
    }

    /// A verdict without an SLA name sorts first on both backends
    /// (PostgreSQL would put NULL last unless told).
    #[tokio::test]
    async fn verdicts_without_a_name_come_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&crate::store::testing::database_url(
            &dir.path().join("s.db"),
        ))
        .await
        .unwrap();
        let stored = [
            verdict("c", Some("P1 resolution")),
            verdict("b", None),
            verdict("a", Some("P1 response")),
        ];
        assert_eq!(
            store
                .upsert_sla_verdicts("acme", "snow", &stored)
                .await
                .unwrap(),
            3
        );
        let read = store.sla_verdicts("acme").await.unwrap();
        let order: Vec<&str> = read.iter().map(|v| v.sys_id.as_str()).collect();
        assert_eq!(order, ["b", "c", "a"]);
    }
}
