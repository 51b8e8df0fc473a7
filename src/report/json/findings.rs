//! The JSON of the engine's findings on a month: breaches, excused
//! incidents and outages, the supplier's figures and verdicts set against
//! the evidence, feed gaps and the trends.

use serde::Serialize;

use super::Wire;
use super::records::DisputeJson;
use crate::domain::Instant;
use crate::engine::completeness::{ClosedUnresolved, FeedGaps, OpenHold, SilentSource};
use crate::engine::incidents::{Breach, Excused};
use crate::engine::reconcile::Comparison;
use crate::engine::records::ExcusedOutage;
use crate::engine::verdicts::{Disagreement, Reason};
use crate::report::trends::{Point, Series, Trends};

/// One incident that missed its target in the month.
#[derive(Debug, Serialize)]
pub struct BreachJson<'a> {
    /// The supplier's ticket number.
    pub incident: &'a str,
    /// Its priority, `P1` to `P5`.
    pub priority: &'static str,
    /// The service it affected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<&'a str>,
    /// When it was opened.
    #[serde(with = "crate::report::json_time")]
    pub opened_at: Instant,
    /// When its clock stopped; absent while still open.
    #[serde(
        with = "crate::report::json_time::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub stopped_at: Option<Instant>,
    /// Business seconds elapsed.
    pub elapsed_seconds: i64,
    /// The target in business seconds.
    pub target_seconds: i64,
    /// When the target was reached.
    #[serde(with = "crate::report::json_time")]
    pub deadline: Instant,
    /// The supplier's title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<&'a str>,
    /// The supplier's dispute of this breach, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispute: Option<DisputeJson<'a>>,
}

impl Wire for Breach {
    type Json<'a> = BreachJson<'a>;

    fn json(&self) -> BreachJson<'_> {
        BreachJson {
            incident: &self.incident,
            priority: self.priority.as_str(),
            service: self.service.as_deref(),
            opened_at: self.opened_at,
            stopped_at: self.stopped_at,
            elapsed_seconds: self.elapsed_seconds,
            target_seconds: self.target_seconds,
            deadline: self.deadline,
            title: self.title.as_deref(),
            dispute: self.dispute.as_ref().map(Wire::json),
        }
    }
}

/// An incident the contract does not count, with why.
#[derive(Debug, Serialize)]
pub struct ExcusedJson<'a> {
    /// The supplier's ticket number.
    pub incident: &'a str,
    /// The recorded reason.
    pub reason: &'a str,
    /// Who excused it (absent for an imported reason).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<&'a str>,
    /// When it was excused.
    #[serde(
        with = "crate::report::json_time::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub at: Option<Instant>,
}

impl Wire for Excused {
    type Json<'a> = ExcusedJson<'a>;

    fn json(&self) -> ExcusedJson<'_> {
        ExcusedJson {
            incident: &self.incident,
            reason: &self.reason,
            by: self.by.as_deref(),
            at: self.at,
        }
    }
}

/// An outage the contract does not count, with why, who and when.
#[derive(Debug, Serialize)]
pub struct ExcusedOutageJson<'a> {
    /// The outage's id.
    pub outage: &'a str,
    /// The service it affected.
    pub service: &'a str,
    /// Why.
    pub reason: &'a str,
    /// Who excused it.
    pub by: &'a str,
    /// When.
    #[serde(with = "crate::report::json_time")]
    pub at: Instant,
    /// For an outage excused in part, where the excused part starts (absent
    /// when the whole outage is excused).
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::report::json_time::option"
    )]
    pub from: Option<Instant>,
    /// …and where it ends (exclusive).
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::report::json_time::option"
    )]
    pub until: Option<Instant>,
}

impl Wire for ExcusedOutage {
    type Json<'a> = ExcusedOutageJson<'a>;

    fn json(&self) -> ExcusedOutageJson<'_> {
        ExcusedOutageJson {
            outage: &self.outage,
            service: &self.service,
            reason: &self.reason,
            by: &self.by,
            at: self.at,
            from: self.during.map(|p| p.from()),
            until: self.during.map(|p| p.until()),
        }
    }
}

/// One supplier figure set against slawatch's measurement.
#[derive(Debug, Serialize)]
pub struct ComparisonJson<'a> {
    /// The service level's id.
    pub service_level: &'a str,
    /// Its name.
    pub name: &'a str,
    /// For availability: the service measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<&'a str>,
    /// The month, `YYYY-MM`.
    pub period: &'a str,
    /// What the supplier reported.
    pub supplier_reported_percent: f64,
    /// What slawatch measured (three decimals).
    pub measured_percent: f64,
    /// Supplier minus measured, in percentage points.
    pub difference_points: f64,
    /// The tolerance applied.
    pub tolerance_points: f64,
    /// Further apart than the tolerance.
    pub discrepancy: bool,
    /// slawatch's verdict on the month.
    pub status: &'static str,
    /// The verdict the supplier's figure would give.
    pub supplier_status: &'static str,
}

impl Wire for Comparison {
    type Json<'a> = ComparisonJson<'a>;

    fn json(&self) -> ComparisonJson<'_> {
        ComparisonJson {
            service_level: &self.service_level,
            name: &self.name,
            service: self.service.as_deref(),
            period: &self.period,
            supplier_reported_percent: self.supplier_reported_percent,
            measured_percent: self.measured_percent,
            difference_points: self.difference_points,
            tolerance_points: self.tolerance_points,
            discrepancy: self.discrepancy,
            status: self.status.as_str(),
            supplier_status: self.supplier_status.as_str(),
        }
    }
}

/// One incident on which the supplier's verdict and slawatch's differ.
#[derive(Debug, Serialize)]
pub struct DisagreementJson<'a> {
    /// The incident.
    pub incident: &'a str,
    /// The contract's service level compared.
    pub service_level: &'a str,
    /// The supplier's SLA name.
    pub supplier_sla: Option<&'a str>,
    /// Which way they disagree.
    pub direction: &'static str,
    /// What in the evidence explains it.
    pub reason: &'static str,
    /// The explanation in words.
    pub detail: &'a str,
    /// Business seconds slawatch counted.
    pub elapsed_seconds: i64,
    /// The level's target.
    pub target_seconds: i64,
    /// slawatch's deadline, when the clock reached its target.
    #[serde(with = "crate::report::json_time::option")]
    pub deadline: Option<Instant>,
    /// The supplier's deadline.
    #[serde(with = "crate::report::json_time::option")]
    pub supplier_deadline: Option<Instant>,
    /// The supplier's elapsed business seconds.
    pub supplier_business_seconds: Option<i64>,
    /// The seconds the supplier paused its clock.
    pub supplier_pause_seconds: Option<i64>,
}

impl Wire for Disagreement {
    type Json<'a> = DisagreementJson<'a>;

    fn json(&self) -> DisagreementJson<'_> {
        DisagreementJson {
            incident: &self.incident,
            service_level: &self.service_level,
            supplier_sla: self.supplier_sla.as_deref(),
            direction: self.direction.as_str(),
            reason: reason(self.reason),
            detail: &self.detail,
            elapsed_seconds: self.elapsed_seconds,
            target_seconds: self.target_seconds,
            deadline: self.deadline,
            supplier_deadline: self.supplier_deadline,
            supplier_business_seconds: self.supplier_business_seconds,
            supplier_pause_seconds: self.supplier_pause_seconds,
        }
    }
}

/// A disagreement's reason as the report spells it.
fn reason(r: Reason) -> &'static str {
    match r {
        Reason::NonCustomerHold => "non_customer_hold",
        Reason::CustomerHoldNotPaused => "customer_hold_not_paused",
        Reason::DifferentCalendar => "different_calendar",
        Reason::DifferentDeadline => "different_deadline",
        Reason::Unexplained => "unexplained",
    }
}

/// The month's feed gaps.
#[derive(Debug, Serialize)]
pub struct FeedGapsJson<'a> {
    /// Sources with no data dated in the month.
    pub sources_without_data: Vec<SilentSourceJson<'a>>,
    /// Incidents closed without a resolution time.
    pub closed_without_resolution: Vec<ClosedUnresolvedJson<'a>>,
    /// Holds without an end on resolved incidents.
    pub holds_without_end: Vec<OpenHoldJson<'a>>,
}

impl Wire for FeedGaps {
    type Json<'a> = FeedGapsJson<'a>;

    fn json(&self) -> FeedGapsJson<'_> {
        FeedGapsJson {
            sources_without_data: self
                .sources_without_data
                .iter()
                .map(SilentSourceJson::from)
                .collect(),
            closed_without_resolution: self
                .closed_without_resolution
                .iter()
                .map(ClosedUnresolvedJson::from)
                .collect(),
            holds_without_end: self
                .holds_without_end
                .iter()
                .map(OpenHoldJson::from)
                .collect(),
        }
    }
}

/// A source that delivered nothing dated in the month.
#[derive(Debug, Serialize)]
pub struct SilentSourceJson<'a> {
    /// The source's id.
    pub source: &'a str,
    /// Its kind.
    pub kind: &'a str,
}

impl<'a> From<&'a SilentSource> for SilentSourceJson<'a> {
    fn from(s: &'a SilentSource) -> Self {
        SilentSourceJson {
            source: &s.source,
            kind: &s.kind,
        }
    }
}

/// An incident the supplier's records show closed, with no resolution time.
#[derive(Debug, Serialize)]
pub struct ClosedUnresolvedJson<'a> {
    /// The incident.
    pub incident: &'a str,
    /// The supplier SLA record that stopped.
    pub supplier_sla: Option<&'a str>,
    /// When it stopped, when known.
    #[serde(with = "crate::report::json_time::option")]
    pub supplier_end: Option<Instant>,
}

impl<'a> From<&'a ClosedUnresolved> for ClosedUnresolvedJson<'a> {
    fn from(c: &'a ClosedUnresolved) -> Self {
        ClosedUnresolvedJson {
            incident: &c.incident,
            supplier_sla: c.supplier_sla.as_deref(),
            supplier_end: c.supplier_end,
        }
    }
}

/// A hold with no end on a resolved incident.
#[derive(Debug, Serialize)]
pub struct OpenHoldJson<'a> {
    /// The incident.
    pub incident: &'a str,
    /// When the hold began.
    #[serde(with = "crate::report::json_time")]
    pub start: Instant,
    /// Its reason.
    pub reason: &'a str,
    /// When the incident was resolved.
    #[serde(with = "crate::report::json_time")]
    pub resolved_at: Instant,
}

impl<'a> From<&'a OpenHold> for OpenHoldJson<'a> {
    fn from(h: &'a OpenHold) -> Self {
        OpenHoldJson {
            incident: &h.incident,
            start: h.start,
            reason: &h.reason,
            resolved_at: h.resolved_at,
        }
    }
}

/// Each line's attainment over the months.
#[derive(Debug, Serialize)]
pub struct TrendsJson<'a> {
    /// The months covered, oldest first (`YYYY-MM`).
    pub months: &'a [String],
    /// One series per service-level line.
    pub series: Vec<SeriesJson<'a>>,
}

impl Wire for Trends {
    type Json<'a> = TrendsJson<'a>;

    fn json(&self) -> TrendsJson<'_> {
        TrendsJson {
            months: &self.months,
            series: self.series.iter().map(SeriesJson::from).collect(),
        }
    }
}

/// One service-level line over the months.
#[derive(Debug, Serialize)]
pub struct SeriesJson<'a> {
    /// The service level's id.
    pub service_level: &'a str,
    /// Its name.
    pub name: &'a str,
    /// Its kind.
    pub kind: &'static str,
    /// The service, for a per-service line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<&'a str>,
    /// The target (percent).
    pub target_percent: f64,
    /// One point per month.
    pub points: Vec<PointJson<'a>>,
}

impl<'a> From<&'a Series> for SeriesJson<'a> {
    fn from(s: &'a Series) -> Self {
        SeriesJson {
            service_level: &s.service_level,
            name: &s.name,
            kind: s.kind,
            service: s.service.as_deref(),
            target_percent: s.target_percent,
            points: s.points.iter().map(PointJson::from).collect(),
        }
    }
}

/// One month of a line.
#[derive(Debug, Serialize)]
pub struct PointJson<'a> {
    /// The month (`YYYY-MM`).
    pub month: &'a str,
    /// Measured attainment to three decimals; `null` with nothing to measure.
    pub attainment_percent: Option<f64>,
    /// `met`, `failed` or `no_data`.
    pub status: &'static str,
}

impl<'a> From<&'a Point> for PointJson<'a> {
    fn from(p: &'a Point) -> Self {
        PointJson {
            month: &p.month,
            attainment_percent: p.attainment_percent,
            status: p.status.as_str(),
        }
    }
}
