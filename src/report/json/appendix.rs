//! The report JSON's control data and its appendix: every incident each
//! level counted, every outage counted and every hold, so an integrator can
//! check each count without the store.

use serde::Serialize;

use crate::domain::{Impact, Instant};
use crate::engine::appendix::Appendix;
use crate::report::MonthReport;
use crate::report::{IssueState, json_time};
use crate::store::sightings::InferredEnd;

/// The document's control data.
#[derive(Debug, Serialize)]
pub struct ControlJson<'a> {
    /// `DRAFT`, `PROVISIONAL`, `ISSUED` or `AMENDED`.
    pub status: &'static str,
    /// The issued version; absent for a draft or a copy made on demand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// The draft's number, for a draft recorded for approval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draft: Option<i64>,
    /// When the version was issued (or the draft drafted).
    #[serde(with = "json_time::option", skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<Instant>,
    /// The contract's title, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract_name: Option<&'a str>,
    /// The contract's reference, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract_reference: Option<&'a str>,
    /// The clause service credits are claimed under, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_clause: Option<&'a str>,
    /// The clause recoverable costs are claimed under, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub costs_clause: Option<&'a str>,
    /// Who prepared the report, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prepared_by: Option<&'a str>,
    /// The contract's timezone, which months and the document's times are in.
    pub timezone: &'static str,
}

impl<'a> ControlJson<'a> {
    /// The control data of `r`.
    pub fn new(r: &'a MonthReport<'a>) -> Self {
        let p = &r.contract.particulars;
        let (version, draft, issued_at) = match r.issue {
            Some(IssueState::Issued { version, at }) => (Some(version), None, Some(at)),
            Some(IssueState::Draft { number, at }) => (None, Some(number), Some(at)),
            None => (None, None, None),
        };
        ControlJson {
            status: r.status().word(),
            version,
            draft,
            issued_at,
            contract_name: p.name.as_deref(),
            contract_reference: p.reference.as_deref(),
            credit_clause: p.credit_clause.as_deref(),
            costs_clause: p.costs_clause.as_deref(),
            prepared_by: p.prepared_by.as_deref(),
            timezone: r.contract.timezone.name(),
        }
    }
}

/// The evidence behind each line, row by row.
#[derive(Debug, Serialize)]
pub struct AppendixJson<'a> {
    /// Every incident each incident level assessed.
    pub incidents: Vec<CountedIncidentJson<'a>>,
    /// Every outage counted for an availability line.
    pub outages: Vec<CountedOutageJson<'a>>,
    /// Every hold on an incident counted by a resolution level.
    pub holds: Vec<HoldJson<'a>>,
}

/// One incident assessed by one level.
#[derive(Debug, Serialize)]
pub struct CountedIncidentJson<'a> {
    /// The service level.
    pub service_level: &'a str,
    /// The supplier's ticket number.
    pub incident: &'a str,
    /// Its priority.
    pub priority: &'static str,
    /// When it was opened.
    #[serde(with = "json_time")]
    pub opened_at: Instant,
    /// When its clock stopped; absent while open.
    #[serde(with = "json_time::option", skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<Instant>,
    /// Business seconds elapsed.
    pub elapsed_seconds: i64,
    /// The deadline it missed, for a breach.
    #[serde(with = "json_time::option", skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Instant>,
    /// `met`, `breached` or `met (dispute accepted)`.
    pub verdict: &'static str,
}

/// One outage counted for an availability line.
#[derive(Debug, Serialize)]
pub struct CountedOutageJson<'a> {
    /// The service level.
    pub service_level: &'a str,
    /// The service.
    pub service: &'a str,
    /// The outage's id.
    pub outage: &'a str,
    /// When it began.
    #[serde(with = "json_time")]
    pub start: Instant,
    /// When it ended; absent while ongoing.
    #[serde(with = "json_time::option", skip_serializing_if = "Option::is_none")]
    pub end: Option<Instant>,
    /// How the end is known: `observed` (reported ended), or `inferred`
    /// (its alert stopped being sent without a resolved notification, so it
    /// was ended at its last sighting); absent while ongoing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_mark: Option<&'static str>,
    /// `full` or `partial`.
    pub impact: &'static str,
    /// Service-hours seconds of the month it covered (after any excused part).
    pub service_seconds: i64,
    /// True when part of it was excused.
    pub partly_excused: bool,
}

/// One hold.
#[derive(Debug, Serialize)]
pub struct HoldJson<'a> {
    /// The incident.
    pub incident: &'a str,
    /// When it began.
    #[serde(with = "json_time")]
    pub start: Instant,
    /// When it ended; absent while still on hold.
    #[serde(with = "json_time::option", skip_serializing_if = "Option::is_none")]
    pub end: Option<Instant>,
    /// Its reason.
    pub reason: &'a str,
    /// True when it paused the resolution clock.
    pub pauses_clock: bool,
}

impl<'a> AppendixJson<'a> {
    /// The wire form of `a`; the outages of `inferred` have their end
    /// marked so.
    pub fn new(a: &'a Appendix, inferred: &[InferredEnd]) -> Self {
        AppendixJson {
            incidents: a
                .incidents
                .iter()
                .flat_map(|l| {
                    l.rows.iter().map(move |row| CountedIncidentJson {
                        service_level: &l.level,
                        incident: &row.incident,
                        priority: row.priority.as_str(),
                        opened_at: row.opened_at,
                        stopped_at: row.stopped_at,
                        elapsed_seconds: row.elapsed_seconds,
                        deadline: row.deadline,
                        verdict: row.verdict.as_str(),
                    })
                })
                .collect(),
            outages: a
                .outages
                .iter()
                .map(|o| CountedOutageJson {
                    service_level: &o.level,
                    service: &o.service,
                    outage: &o.outage,
                    start: o.start,
                    end: o.end,
                    end_mark: o.end.map(|_| end_mark(&o.outage, inferred)),
                    impact: match o.impact {
                        Impact::Full => "full",
                        Impact::Partial => "partial",
                    },
                    service_seconds: o.service_seconds,
                    partly_excused: o.partly_excused,
                })
                .collect(),
            holds: a
                .holds
                .iter()
                .map(|h| HoldJson {
                    incident: &h.incident,
                    start: h.start,
                    end: h.end,
                    reason: &h.reason,
                    pauses_clock: h.pauses_clock,
                })
                .collect(),
        }
    }
}

/// `inferred` when `outage` is among `inferred`, else `observed`.
pub fn end_mark(outage: &str, inferred: &[InferredEnd]) -> &'static str {
    if inferred.iter().any(|i| i.outage == outage) {
        "inferred"
    } else {
        "observed"
    }
}
