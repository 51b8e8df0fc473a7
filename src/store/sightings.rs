//! The firing alerts of Alertmanager (and Grafana alerting) sources as last
//! seen, so one that stops being re-sent without a resolved notification
//! can be ended by inference rather than stay open for ever.

use super::{Store, StoreError, failed};

/// One firing alert as last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    /// The outage it opened (`am-<fingerprint>-<startsAt>`).
    pub outage_id: String,
    /// The contract of its source.
    pub contract: String,
    /// The service it concerns.
    pub service: String,
    /// The outage start (Unix time).
    pub start_at: i64,
    /// `full` or `partial`.
    pub impact: String,
    /// The last notification that carried it as firing (Unix time).
    pub last_seen_at: i64,
    /// When its outage was ended by inference, if it was.
    pub inferred_end_at: Option<i64>,
}

/// An outage ended by inference: its alert stopped being sent without a
/// resolved notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InferredEnd {
    /// The alerting source that sent it.
    pub source: String,
    /// The outage's id.
    pub outage: String,
}

type SightingRow = (String, String, String, i64, String, i64, Option<i64>);

fn sighting(
    (outage_id, contract, service, start_at, impact, last_seen_at, inferred_end_at): SightingRow,
) -> Sighting {
    Sighting {
        outage_id,
        contract,
        service,
        start_at,
        impact,
        last_seen_at,
        inferred_end_at,
    }
}

impl Store {
    /// Notes that `source` sent `s` as firing at `s.last_seen_at`; a firing
    /// alert whose end had been inferred is open again.
    pub async fn alert_firing(&self, source: &str, s: &Sighting) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO alert_sightings (source, outage_id, contract, service, start_at, impact, last_seen_at, inferred_end_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)
             ON CONFLICT (source, outage_id) DO UPDATE SET
                 service = excluded.service,
                 impact = excluded.impact,
                 last_seen_at = excluded.last_seen_at,
                 inferred_end_at = NULL",
        )
        .bind(source)
        .bind(&s.outage_id)
        .bind(&s.contract)
        .bind(&s.service)
        .bind(s.start_at)
        .bind(&s.impact)
        .bind(s.last_seen_at)
        .execute(self.pool())
        .await
        .map_err(failed("noting a firing alert"))?;
        Ok(())
    }

    /// Forgets `outage_id` of `source`: its end is known.
    pub async fn alert_ended(&self, source: &str, outage_id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM alert_sightings WHERE source = $1 AND outage_id = $2")
            .bind(source)
            .bind(outage_id)
            .execute(self.pool())
            .await
            .map_err(failed("forgetting an ended alert"))?;
        Ok(())
    }

    /// The sighting of `outage_id` of `source`, if any.
    pub async fn alert_sighting(
        &self,
        source: &str,
        outage_id: &str,
    ) -> Result<Option<Sighting>, StoreError> {
        let row: Option<SightingRow> = sqlx::query_as(
            "SELECT outage_id, contract, service, start_at, impact, last_seen_at, inferred_end_at
               FROM alert_sightings WHERE source = $1 AND outage_id = $2",
        )
        .bind(source)
        .bind(outage_id)
        .fetch_optional(self.pool())
        .await
        .map_err(failed("reading an alert's sighting"))?;
        Ok(row.map(sighting))
    }

    /// The firing alerts of `source` last seen before `before` whose end
    /// has not been inferred yet.
    pub async fn alerts_unseen_since(
        &self,
        source: &str,
        before: i64,
    ) -> Result<Vec<Sighting>, StoreError> {
        let rows: Vec<SightingRow> = sqlx::query_as(
            "SELECT outage_id, contract, service, start_at, impact, last_seen_at, inferred_end_at
               FROM alert_sightings
              WHERE source = $1 AND last_seen_at < $2 AND inferred_end_at IS NULL
              ORDER BY outage_id",
        )
        .bind(source)
        .bind(before)
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading unseen alerts"))?;
        Ok(rows.into_iter().map(sighting).collect())
    }

    /// The outages of `contract` whose end was inferred (not seen resolved)
    /// and that overlap `[from, to)` (Unix time), as (source, outage id),
    /// ordered so.
    pub async fn inferred_outage_ends(
        &self,
        contract: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<InferredEnd>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT source, outage_id FROM alert_sightings
              WHERE contract = $1 AND inferred_end_at IS NOT NULL
                AND start_at < $3 AND inferred_end_at >= $2
              ORDER BY source, outage_id",
        )
        .bind(contract)
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading inferred outage ends"))?;
        Ok(rows
            .into_iter()
            .map(|(source, outage)| InferredEnd { source, outage })
            .collect())
    }

    /// Marks `outage_id` of `source` as ended by inference at `end`.
    pub async fn alert_end_inferred(
        &self,
        source: &str,
        outage_id: &str,
        end: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE alert_sightings SET inferred_end_at = $3 WHERE source = $1 AND outage_id = $2",
        )
        .bind(source)
        .bind(outage_id)
        .bind(end)
        .execute(self.pool())
        .await
        .map_err(failed("marking an inferred end"))?;
        Ok(())
    }
}

impl Store {
    /// The outages of `contract` stored by `source` that ended from `from`
    /// to `to` (Unix times, inclusive), by id.
    pub async fn outages_ended_between(
        &self,
        contract: &str,
        source: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT id FROM outages
              WHERE contract = $1 AND source = $2 AND end_at >= $3 AND end_at <= $4
              ORDER BY id",
        )
        .bind(contract)
        .bind(source)
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading recently ended outages"))
    }
}
