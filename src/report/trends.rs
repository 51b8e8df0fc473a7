//! Trends: each service-level line's attainment over the twelve months ending
//! with the report's month, against its target, so a contract manager sees
//! the pattern at a glance. Availability lines are one per service, so this
//! is also each service's availability.
//!
//! Every month is evaluated from the stored evidence as the report's month is
//! (same engine, same as-of instant, excusals and disputes applied), so a
//! month's point is the attainment its own report shows. A month with no
//! evidence at all for the contract (no incidents, outages, work or supplier
//! figures: before monitoring began) is a gap, not a perfect month.

use crate::contract::Contract;
use crate::domain::{Instant, Period};
use crate::engine::{Evidence, MonthEvaluation, Status, evaluate_month};
use crate::store::{Store, StoreError};

/// How many months a trend covers, the report's month included.
pub const MONTHS: usize = 12;

/// The series for one report.
#[derive(Debug, Clone, PartialEq)]
pub struct Trends {
    /// The months covered, oldest first (`YYYY-MM`).
    pub months: Vec<String>,
    /// One series per service-level line, in the report's order.
    pub series: Vec<Series>,
}

/// One service-level line over the months.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The service level's id.
    pub service_level: String,
    /// Its name.
    pub name: String,
    /// Its kind (`availability` lines are a service's availability).
    pub kind: &'static str,
    /// The service, for a per-service line.
    pub service: Option<String>,
    /// The target (percent).
    pub target_percent: f64,
    /// One point per month, in the order of [`Trends::months`].
    pub points: Vec<Point>,
}

/// One month of a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The month (`YYYY-MM`).
    pub month: String,
    /// Measured attainment to three decimals; `null` with nothing to measure.
    pub attainment_percent: Option<f64>,
    /// Met or failed on the exact value, as the month's report says.
    pub status: Status,
}

impl Trends {
    /// The series from month evaluations (any order; the last month's lines
    /// decide the series and their order).
    pub fn from_evaluations(evaluations: &[&MonthEvaluation]) -> Trends {
        let months: Vec<(Period, Option<&MonthEvaluation>)> =
            evaluations.iter().map(|e| (e.period, Some(*e))).collect();
        Trends::from_months(&months)
    }

    /// The series over `months`, each with its evaluation or `None` for a
    /// gap; the latest evaluated month's lines decide the series and their order.
    pub fn from_months(months: &[(Period, Option<&MonthEvaluation>)]) -> Trends {
        let mut months: Vec<(Period, Option<&MonthEvaluation>)> = months.to_vec();
        months.sort_by_key(|(p, _)| *p);
        let Some(latest) = months.iter().rev().find_map(|(_, e)| *e) else {
            return Trends {
                months: months.iter().map(|(p, _)| p.to_string()).collect(),
                series: Vec::new(),
            };
        };
        let series = latest
            .levels
            .iter()
            .map(|line| Series {
                service_level: line.id.clone(),
                name: line.name.clone(),
                kind: line.kind.as_str(),
                service: line.service.clone(),
                target_percent: line.target_percent.as_f64(),
                points: months
                    .iter()
                    .map(|(period, e)| {
                        let found = e.and_then(|e| {
                            e.levels
                                .iter()
                                .find(|l| l.id == line.id && l.service == line.service)
                        });
                        Point {
                            month: period.to_string(),
                            attainment_percent: found
                                .and_then(|l| l.attainment.as_ref())
                                .map(|a| a.rounded3()),
                            status: found.map_or(Status::NoData, |l| l.status),
                        }
                    })
                    .collect(),
            })
            .collect();
        Trends {
            months: months.iter().map(|(p, _)| p.to_string()).collect(),
            series,
        }
    }
}

/// Evaluates the [`MONTHS`]` - 1` months before `current`'s from the store as
/// at `now` (and as known at `known_at`) and builds the trends with `current` last.
pub async fn load(
    store: &Store,
    contract: &Contract,
    current: &MonthEvaluation,
    now: Instant,
    known_at: Option<Instant>,
) -> Result<Trends, StoreError> {
    let mut earlier: Vec<(Period, Option<MonthEvaluation>)> = Vec::with_capacity(MONTHS - 1);
    let mut period: Period = current.period;
    for _ in 1..MONTHS {
        period = period.prev();
        let evidence = store
            .month_evidence(&contract.id, period, contract.timezone, now, known_at)
            .await?;
        earlier.push((
            period,
            monitored(&evidence).then(|| evaluate_month(contract, period, &evidence, now)),
        ));
    }
    let mut all: Vec<(Period, Option<&MonthEvaluation>)> =
        earlier.iter().map(|(p, e)| (*p, e.as_ref())).collect();
    all.push((current.period, Some(current)));
    Ok(Trends::from_months(&all))
}

/// Whether a month was monitored at all: it has any evidence for the
/// contract (incidents, outages, work or supplier figures).
pub fn monitored(evidence: &Evidence) -> bool {
    !(evidence.incidents.is_empty()
        && evidence.outages.is_empty()
        && evidence.work.is_empty()
        && evidence.supplier_kpis.is_empty())
}
