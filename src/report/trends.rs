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

use crate::domain::Period;
use crate::engine::{Evidence, MonthEvaluation, Status};

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

/// Whether a month was monitored at all: it has any evidence for the
/// contract (incidents, outages, work or supplier figures).
pub fn monitored(evidence: &Evidence) -> bool {
    !(evidence.incidents.is_empty()
        && evidence.outages.is_empty()
        && evidence.work.is_empty()
        && evidence.supplier_kpis.is_empty())
}
