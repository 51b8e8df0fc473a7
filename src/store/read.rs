//! Reading back the evidence that can affect one contract-month: never the
//! whole store, only what a clock, an outage or a work item in that month
//! could depend on.

use super::row::{col, instant, opt_instant, parsed};
use super::{Backend, Store, StoreError, failed};
use crate::domain::{
    ClockUnknown, Hold, Incident, Instant, Outage, Percent, Period, Priority, SupplierKpi,
    WorkTally,
};
use crate::engine::Evidence;

// The incidents `{selection}` picks, each with its holds, as one JSON array:
// a month can hold tens of thousands of incidents, and one document costs
// far less to hand over and parse than as many rows. `{incidents}` and
// `{holds}` are the tables, or the versions known at an instant (see [`known`]).
const INCIDENTS_SQLITE: &str = "\
    SELECT json_group_array(json_array(id, priority, service, opened_at, responded_at, resolved_at,
               title, excused_reason, settled_at,
               (SELECT json_group_array(json_array(h.start_at, h.end_at, h.reason)) FROM {holds} h
                 WHERE h.contract = c.contract AND h.incident_id = c.id),
               (SELECT json_array(g.response_unknown, g.holds_unknown, g.reason) FROM clock_gaps g
                 WHERE g.contract = c.contract AND g.incident_id = c.id)))
      FROM ({selection}) AS c";

// The same document from PostgreSQL: json_agg of nothing is NULL (SQLite
// gives `[]`), and the text cast is how the `Any` driver can read json.
const INCIDENTS_POSTGRES: &str = "\
    SELECT CAST(json_agg(json_build_array(id, priority, service, opened_at, responded_at, resolved_at,
               title, excused_reason, settled_at,
               (SELECT COALESCE(json_agg(json_build_array(h.start_at, h.end_at, h.reason)), '[]'::json)
                  FROM {holds} h WHERE h.contract = c.contract AND h.incident_id = c.id),
               (SELECT json_build_array(g.response_unknown, g.holds_unknown, g.reason)
                  FROM clock_gaps g WHERE g.contract = c.contract AND g.incident_id = c.id))) AS TEXT)
      FROM ({selection}) AS c";

// The incidents carried into a month starting at $2: opened before it and
// not settled (every clock stopped) before it began. `{pin}` is a unary `+`
// on SQLite, which keeps its planner (without value statistics) on the
// (contract, settled_at, opened_at) index: incidents settled later but
// opened after $2 are skipped in the index without reading their rows.
// PostgreSQL gets the bare column and chooses by its statistics: the
// opened_at index when little was opened before the month (the first month
// of a long run), the settled_at one when little is still unsettled.
const CARRIED_IN: &str = "\
    SELECT * FROM {incidents} AS i WHERE contract = $1 AND settled_at >= $2 AND {pin}opened_at < $2
    UNION ALL
    SELECT * FROM {incidents} AS i WHERE contract = $1 AND settled_at IS NULL AND {pin}opened_at < $2";

// [`CARRIED_IN`] on SQLite's current rows: the subquery reads the index
// alone (it holds the rowid), so rows are read only for the incidents
// carried in. SQLite would otherwise read each row before testing its
// opening, as costly as reading every incident settled since the month.
const CARRIED_IN_SQLITE_CURRENT: &str = "\
    SELECT * FROM incidents AS i WHERE rowid IN (
        SELECT rowid FROM incidents WHERE contract = $1 AND settled_at >= $2 AND +opened_at < $2
        UNION ALL
        SELECT rowid FROM incidents WHERE contract = $1 AND settled_at IS NULL AND +opened_at < $2)";

// The incidents opened in [$2, $3), on the (contract, opened_at) index: a
// month costs what it holds.
const OPENED_IN: &str =
    "SELECT * FROM {incidents} AS i WHERE contract = $1 AND opened_at >= $2 AND opened_at < $3";

const INCIDENT_COLUMNS: &str = "contract, id, priority, service, opened_at, responded_at, resolved_at, settled_at, title, excused_reason";
const HOLD_COLUMNS: &str = "contract, incident_id, start_at, end_at, reason";
const OUTAGE_COLUMNS: &str = "contract, id, service, start_at, end_at, impact, planned, source";
const WORK_ITEM_COLUMNS: &str = "contract, id, kind, opened_at, change_type, proactive";
const SUPPLIER_KPI_COLUMNS: &str = "contract, service_level, period, attainment_units";

/// Which versions of the evidence a read sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// As the store held it at this instant (epoch seconds): `--known-at`.
    At(i64),
    /// As the store held it before this import: what a rewrite is set against.
    BeforeImport(i64),
    /// As this import left it (later imports unseen).
    ThroughImport(i64),
}

impl Seen {
    fn value(self) -> i64 {
        match self {
            Seen::At(v) | Seen::BeforeImport(v) | Seen::ThroughImport(v) => v,
        }
    }
}

/// The rows of `table` as `seen` (its value bound as the placeholder given,
/// with the contract as `$1`): the current version of each record, else the
/// earlier version in force then. Without it, the table itself. Imports,
/// not instants, tell two imports of the same second apart. Only fixed
/// identifiers go in.
fn known(table: &str, columns: &str, seen: Option<(Seen, &str)>) -> String {
    let (current, earlier) = match seen {
        None => return table.to_string(),
        Some((Seen::At(_), p)) => (
            format!("received_at <= {p}"),
            format!("received_at <= {p} AND superseded_at > {p}"),
        ),
        Some((Seen::BeforeImport(_), p)) => (
            format!("import_id < {p}"),
            format!("import_id < {p} AND superseded_by >= {p}"),
        ),
        Some((Seen::ThroughImport(_), p)) => (
            format!("import_id <= {p}"),
            format!("import_id <= {p} AND superseded_by > {p}"),
        ),
    };
    format!(
        "(SELECT {columns} FROM {table} WHERE contract = $1 AND {current} \
          UNION ALL \
          SELECT {columns} FROM {table}_versions WHERE contract = $1 AND {earlier})"
    )
}

/// One incident as the query above writes it.
type IncidentTuple = (
    String,
    String,
    Option<String>,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Vec<HoldTuple>,
    Option<GapTuple>,
);

/// What a source could not read about an incident (see `clock_gaps`):
/// response unknown, holds unknown, why.
type GapTuple = (i64, i64, String);

/// One hold inside an incident's tuple.
type HoldTuple = (i64, Option<i64>, String);

/// An incident as read, with when it settled (every clock stopped; `None`
/// while unresolved): whether it carries into the next month.
pub(super) type Settled = (Incident, Option<i64>);

impl Store {
    /// Everything that can affect `contract`'s figures for `period` (month
    /// bounds in `tz`) as seen at `now`: with `known_at`, every record as
    /// the store held it at that instant (later versions and records unseen).
    pub async fn month_evidence(
        &self,
        contract: &str,
        period: Period,
        tz: chrono_tz::Tz,
        now: Instant,
        known_at: Option<Instant>,
    ) -> Result<Evidence, StoreError> {
        let seen = known_at.map(|t| Seen::At(t.timestamp()));
        self.month_evidence_seen(contract, period, tz, now, seen)
            .await
    }

    /// [`Self::month_evidence`] with the versions `seen` picks.
    pub async fn month_evidence_seen(
        &self,
        contract: &str,
        period: Period,
        tz: chrono_tz::Tz,
        now: Instant,
        known_at: Option<Seen>,
    ) -> Result<Evidence, StoreError> {
        let (_, evidence) = self
            .months_evidence(contract, period, tz, now, known_at)
            .next()
            .await?;
        Ok(evidence)
    }

    /// Everything of `period` but its incidents and the contract's excusals
    /// and disputes: the outages, work tallies and supplier figures.
    pub(super) async fn month_rest(
        &self,
        contract: &str,
        period: Period,
        tz: chrono_tz::Tz,
        now: Instant,
        known_at: Option<Seen>,
    ) -> Result<(Vec<Outage>, Vec<WorkTally>, Vec<SupplierKpi>), StoreError> {
        let (start, end) = (period.start(tz).timestamp(), period.end(tz).timestamp());
        // Work opened after `now` is not yet known.
        let work_end = end.min(now.timestamp() + 1);
        Ok((
            self.outages(contract, start, end, known_at).await?,
            self.work_tallies(contract, start, work_end, known_at)
                .await?,
            self.supplier_kpis(contract, period, known_at).await?,
        ))
    }

    /// The incidents carried into a month starting at `start` (epoch
    /// seconds): opened before it, not settled before it.
    pub(super) async fn incidents_carried_in(
        &self,
        contract: &str,
        start: i64,
        known_at: Option<Seen>,
    ) -> Result<Vec<Settled>, StoreError> {
        let selection = match (self.backend(), known_at) {
            (Backend::Sqlite, None) => CARRIED_IN_SQLITE_CURRENT.to_string(),
            (Backend::Sqlite, Some(_)) => CARRIED_IN.replace("{pin}", "+"),
            (Backend::Postgres, _) => CARRIED_IN.replace("{pin}", ""),
        };
        let sql = self.incidents_sql(&selection, known_at.map(|s| (s, "$3")));
        let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .bind(start);
        if let Some(seen) = known_at {
            query = query.bind(seen.value());
        }
        let json: Option<String> = query
            .fetch_one(self.pool())
            .await
            .map_err(failed("reading incidents"))?;
        decode_incidents(json)
    }

    /// The incidents opened in `[start, end)` (epoch seconds).
    pub(super) async fn incidents_opened_in(
        &self,
        contract: &str,
        start: i64,
        end: i64,
        known_at: Option<Seen>,
    ) -> Result<Vec<Settled>, StoreError> {
        let sql = self.incidents_sql(OPENED_IN, known_at.map(|s| (s, "$4")));
        let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .bind(start)
            .bind(end);
        if let Some(seen) = known_at {
            query = query.bind(seen.value());
        }
        let json: Option<String> = query
            .fetch_one(self.pool())
            .await
            .map_err(failed("reading incidents"))?;
        decode_incidents(json)
    }

    /// The incidents of `contract` with these ids, with their holds, as
    /// `seen`; those the store did not yet hold are left out.
    pub async fn incidents_seen(
        &self,
        contract: &str,
        ids: &[&str],
        seen: Seen,
    ) -> Result<Vec<Incident>, StoreError> {
        let mut found = Vec::new();
        // Bounded lists keep every statement's parameters well under both
        // databases' limits.
        for chunk in ids.chunks(500) {
            let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
            let selection = format!(
                "SELECT * FROM {{incidents}} AS i WHERE contract = $1 AND id IN ({})",
                list.join(", ")
            );
            let sql = self.incidents_sql(&selection, Some((seen, "$2")));
            let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(contract)
                .bind(seen.value());
            for id in chunk {
                query = query.bind(*id);
            }
            let json: Option<String> = query
                .fetch_one(self.pool())
                .await
                .map_err(failed("reading incidents"))?;
            found.extend(decode_incidents(json)?.into_iter().map(|(i, _)| i));
        }
        Ok(found)
    }

    /// One incident of `contract` as it stands, with its holds; `None`
    /// when the store holds no such incident.
    pub async fn incident(&self, contract: &str, id: &str) -> Result<Option<Incident>, StoreError> {
        let sql = self.incidents_sql(
            "SELECT * FROM {incidents} AS i WHERE contract = $1 AND id = $2",
            None,
        );
        let json: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .bind(id)
            .fetch_one(self.pool())
            .await
            .map_err(failed("reading an incident"))?;
        Ok(decode_incidents(json)?.into_iter().map(|(i, _)| i).next())
    }

    /// The incidents document's statement over `selection`, with the
    /// versions known at the instant bound as `at` when there is one.
    fn incidents_sql(&self, selection: &str, at: Option<(Seen, &str)>) -> String {
        let template = match self.backend() {
            Backend::Sqlite => INCIDENTS_SQLITE,
            Backend::Postgres => INCIDENTS_POSTGRES,
        };
        template
            .replace("{selection}", selection)
            .replace("{incidents}", &known("incidents", INCIDENT_COLUMNS, at))
            .replace("{holds}", &known("holds", HOLD_COLUMNS, at))
    }

    async fn outages(
        &self,
        contract: &str,
        start: i64,
        end: i64,
        known_at: Option<Seen>,
    ) -> Result<Vec<Outage>, StoreError> {
        // Outages overlapping the month, planned ones included (the engine
        // excludes them; the report lists them).
        let sql = format!(
            "SELECT id, service, start_at, end_at, impact, planned, source FROM {} AS o
              WHERE contract = $1 AND start_at < $2 AND (end_at IS NULL OR end_at > $3)
              ORDER BY start_at, id",
            known("outages", OUTAGE_COLUMNS, known_at.map(|s| (s, "$4")))
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .bind(end)
            .bind(start);
        if let Some(seen) = known_at {
            query = query.bind(seen.value());
        }
        let rows = query
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading outages"))?;
        rows.iter().map(outage_of).collect()
    }

    /// Every outage of `contract` overlapping `period` (month bounds in
    /// `tz`) as it stands, planned ones included, in the order they began.
    pub async fn month_outages(
        &self,
        contract: &str,
        period: Period,
        tz: chrono_tz::Tz,
    ) -> Result<Vec<Outage>, StoreError> {
        let (start, end) = (period.start(tz).timestamp(), period.end(tz).timestamp());
        self.outages(contract, start, end, None).await
    }

    /// One outage of `contract` as it stands; `None` when the store holds
    /// no such outage.
    pub async fn outage(&self, contract: &str, id: &str) -> Result<Option<Outage>, StoreError> {
        let row = sqlx::query(
            "SELECT id, service, start_at, end_at, impact, planned, source FROM outages
              WHERE contract = $1 AND id = $2",
        )
        .bind(contract)
        .bind(id)
        .fetch_optional(self.pool())
        .await
        .map_err(failed("reading an outage"))?;
        row.as_ref().map(outage_of).transpose()
    }

    async fn work_tallies(
        &self,
        contract: &str,
        start: i64,
        end: i64,
        known_at: Option<Seen>,
    ) -> Result<Vec<WorkTally>, StoreError> {
        let sql = format!(
            "SELECT kind, change_type, proactive, COUNT(*) FROM {} AS w
              WHERE contract = $1 AND opened_at >= $2 AND opened_at < $3
              GROUP BY kind, change_type, proactive",
            known("work_items", WORK_ITEM_COLUMNS, known_at.map(|s| (s, "$4")))
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .bind(start)
            .bind(end);
        if let Some(seen) = known_at {
            query = query.bind(seen.value());
        }
        let rows = query
            .fetch_all(self.pool())
            .await
            .map_err(failed("counting work items"))?;
        rows.iter()
            .map(|r| {
                let kind: String = col(r, 0)?;
                let change_type: Option<String> = col(r, 1)?;
                Ok(WorkTally {
                    kind: parsed(&kind, "kind")?,
                    change_type: change_type.map(|c| parsed(&c, "change_type")).transpose()?,
                    proactive: col::<Option<i64>>(r, 2)?.map(|p| p != 0),
                    count: col::<i64>(r, 3)?.max(0) as u64,
                })
            })
            .collect()
    }

    async fn supplier_kpis(
        &self,
        contract: &str,
        period: Period,
        known_at: Option<Seen>,
    ) -> Result<Vec<SupplierKpi>, StoreError> {
        let sql = format!(
            "SELECT service_level, attainment_units FROM {} AS k WHERE contract = $1 AND period = $2",
            known(
                "supplier_kpis",
                SUPPLIER_KPI_COLUMNS,
                known_at.map(|s| (s, "$3"))
            )
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .bind(period.to_string());
        if let Some(seen) = known_at {
            query = query.bind(seen.value());
        }
        let rows = query
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
}

/// The incidents document (see [`INCIDENTS_SQLITE`]) as incidents.
fn decode_incidents(json: Option<String>) -> Result<Vec<Settled>, StoreError> {
    let tuples: Vec<IncidentTuple> = match json {
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| StoreError::Corrupt(format!("incidents: {e}")))?,
        None => Vec::new(),
    };
    tuples
        .into_iter()
        .map(
            |(
                id,
                priority,
                service,
                opened,
                responded,
                resolved,
                title,
                excused_reason,
                settled,
                holds,
                gap,
            )| {
                let incident = Incident {
                    priority: parsed::<Priority>(&priority, "priority")?,
                    service,
                    opened_at: instant(opened)?,
                    responded_at: opt_instant(responded)?,
                    resolved_at: opt_instant(resolved)?,
                    title,
                    excused_reason,
                    holds: holds
                        .into_iter()
                        .map(|(start, end, reason)| {
                            Ok(Hold {
                                start: instant(start)?,
                                end: opt_instant(end)?,
                                reason,
                            })
                        })
                        .collect::<Result<_, StoreError>>()?,
                    unknown: gap.map_or_else(ClockUnknown::default, |(response, holds, reason)| {
                        ClockUnknown {
                            response: response != 0,
                            holds: holds != 0,
                            reason,
                        }
                    }),
                    id,
                };
                Ok((incident, settled))
            },
        )
        .collect()
}

/// An outage from a row of `id, service, start_at, end_at, impact,
/// planned, source`.
fn outage_of(r: &sqlx::any::AnyRow) -> Result<Outage, StoreError> {
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
}
