//! The supplier's own per-incident SLA verdicts (ServiceNow `task_sla`)
//! against slawatch's, for one month: the incidents the supplier marks met
//! that the evidence shows breached, and the other way round, each with the
//! reason the evidence gives (pure).
//!
//! A `task_sla` row is matched to the contract's levels by its name: one
//! mentioning "response" to the response-time levels, any other to the
//! resolution-time levels (ServiceNow's `task_sla` does not say which clock
//! an SLA definition runs). It is compared with every such level that
//! applies to the incident and assesses it in the month (see
//! docs/book/src/reference/measures.md); cancelled rows, rows with no verdict, excused
//! incidents and incidents still pending are left out.
//!
//! The reason is the first of these that the evidence shows:
//! - `non_customer_hold` (supplier met, evidence breached): the supplier
//!   paused its clock and the incident was on hold for something other than
//!   awaiting the customer, which does not stop the contract's clock;
//! - `customer_hold_not_paused` (supplier breached, evidence met): the
//!   incident was awaiting the customer, which stops the contract's clock,
//!   and the supplier's clock did not pause;
//! - `different_calendar`: the supplier's elapsed business time differs from
//!   the contract calendar's by more than a minute;
//! - `different_deadline`: the supplier's deadline is not the contract's;
//! - `unexplained`: none of these.

use std::collections::HashSet;

use chrono::DateTime;

use super::clock::{ClockOutcome, ClockStatus, run_clock};
use super::dr::words;
use super::incidents::{applies, assessment_month, clock_for};
use crate::contract::calendar::Calendar;
use crate::contract::{Contract, ServiceLevel, ServiceLevelKind};
use crate::domain::SlaVerdict;
use crate::domain::time::format_utc;
use crate::domain::{Hold, Incident, Instant, Period};

/// Which way the verdicts disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Direction {
    /// The supplier says met; the evidence shows breached.
    SupplierMetEvidenceBreached,
    /// The supplier says breached; the evidence shows met.
    SupplierBreachedEvidenceMet,
}

impl Direction {
    /// Both directions, in the order they are exported.
    pub const ALL: [Direction; 2] = [
        Direction::SupplierMetEvidenceBreached,
        Direction::SupplierBreachedEvidenceMet,
    ];

    /// The report and metric spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SupplierMetEvidenceBreached => "supplier_met_evidence_breached",
            Direction::SupplierBreachedEvidenceMet => "supplier_breached_evidence_met",
        }
    }
}

/// What in the evidence explains a disagreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The supplier paused on holds that are not `awaiting_customer`.
    NonCustomerHold,
    /// The supplier did not pause while awaiting the customer.
    CustomerHoldNotPaused,
    /// Different business hours: the elapsed times differ.
    DifferentCalendar,
    /// Different deadlines (a different target).
    DifferentDeadline,
    /// Nothing in the evidence explains it.
    Unexplained,
}

/// One incident on which the supplier's verdict and slawatch's differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// The incident.
    pub incident: String,
    /// The contract's service level compared.
    pub service_level: String,
    /// The supplier's SLA name (its `task_sla` definition).
    pub supplier_sla: Option<String>,
    /// Which way they disagree.
    pub direction: Direction,
    /// What in the evidence explains it.
    pub reason: Reason,
    /// The explanation in words.
    pub detail: String,
    /// Business seconds slawatch counted.
    pub elapsed_seconds: i64,
    /// The level's target.
    pub target_seconds: i64,
    /// slawatch's deadline, when the clock reached its target.
    pub deadline: Option<Instant>,
    /// The supplier's deadline.
    pub supplier_deadline: Option<Instant>,
    /// The supplier's elapsed business seconds.
    pub supplier_business_seconds: Option<i64>,
    /// The seconds the supplier paused its clock.
    pub supplier_pause_seconds: Option<i64>,
}

/// Compares `verdicts` with slawatch's verdicts on `incidents` for the
/// incidents assessed in `period`, as seen at `now`; `excused` incidents are
/// left out. Sorted by direction, incident and level.
pub fn compare(
    contract: &Contract,
    period: Period,
    incidents: &[Incident],
    excused: &HashSet<&str>,
    verdicts: &[SlaVerdict],
    now: Instant,
) -> Vec<Disagreement> {
    let mut out = Vec::new();
    for v in verdicts {
        let Some(supplier_breached) = v.has_breached else {
            continue;
        };
        if v.stage.as_deref() == Some("cancelled") || excused.contains(v.incident_id.as_str()) {
            continue;
        }
        let Some(incident) = incidents.iter().find(|i| i.id == v.incident_id) else {
            continue;
        };
        let kind = match v.times_response() {
            true => ServiceLevelKind::ResponseTime,
            false => ServiceLevelKind::ResolutionTime,
        };
        for level in contract
            .levels_in_force(period)
            .filter(|l| l.kind == kind && applies(l, incident))
        {
            let (Some(outcome), Some(target)) =
                (clock_for(level, incident, now), level.target_seconds)
            else {
                continue;
            };
            if assessment_month(&outcome, contract.timezone) != Some(period) {
                continue;
            }
            let direction = match (outcome.status, supplier_breached) {
                (ClockStatus::Breached, false) => Direction::SupplierMetEvidenceBreached,
                (ClockStatus::Met, true) => Direction::SupplierBreachedEvidenceMet,
                _ => continue,
            };
            let (reason, detail) = explain(level, incident, &outcome, v, direction, now);
            out.push(Disagreement {
                incident: incident.id.clone(),
                service_level: level.id.clone(),
                supplier_sla: v.sla_name.clone(),
                direction,
                reason,
                detail,
                elapsed_seconds: outcome.elapsed_seconds,
                target_seconds: target,
                deadline: outcome.deadline,
                supplier_deadline: v
                    .planned_end_at
                    .and_then(|s| DateTime::from_timestamp(s, 0)),
                supplier_business_seconds: v.business_duration_seconds,
                supplier_pause_seconds: v.paused_seconds(),
            });
        }
    }
    out.sort_by(|a, b| {
        (a.direction, &a.incident, &a.service_level).cmp(&(
            b.direction,
            &b.incident,
            &b.service_level,
        ))
    });
    out
}

/// The contract's deadline for the incident: the clock's, or for a clock
/// that stopped first, where it would have fallen had it run on (with the
/// holds that stop it as recorded).
fn contract_deadline(
    level: &ServiceLevel,
    incident: &Incident,
    outcome: &ClockOutcome,
) -> Option<Instant> {
    if outcome.deadline.is_some() {
        return outcome.deadline;
    }
    let target = level.target_seconds?;
    let pauses: Vec<(Instant, Option<Instant>)> = match level.kind {
        ServiceLevelKind::ResolutionTime => {
            let mut p: Vec<_> = incident
                .holds
                .iter()
                .filter(|h| h.pauses_clock())
                .map(|h| (h.start.max(incident.opened_at), h.end))
                .collect();
            p.sort();
            p
        }
        _ => Vec::new(),
    };
    // Far enough ahead for any target on any calendar; evidence is not cut off.
    let horizon = incident.opened_at + chrono::Duration::days(3_650);
    run_clock(
        &level.calendar,
        incident.opened_at,
        None,
        &pauses,
        target,
        horizon,
    )
    .deadline
}

/// Business seconds of `incident`'s holds matching `pred` while its clock
/// ran (from opening to its stop, or `now`), on `calendar`, with their reasons.
fn held(
    calendar: &Calendar,
    incident: &Incident,
    outcome: &ClockOutcome,
    now: Instant,
    pred: impl Fn(&Hold) -> bool,
) -> (i64, Vec<String>) {
    let stop = outcome.stopped_at.unwrap_or(now);
    let mut seconds = 0;
    let mut reasons: Vec<String> = Vec::new();
    for h in incident.holds.iter().filter(|h| pred(h)) {
        let from = h.start.max(incident.opened_at);
        let to = h.end.unwrap_or(stop).min(stop);
        if to > from {
            let s = calendar.business_seconds(from, to);
            if s > 0 {
                seconds += s;
                if !reasons.contains(&h.reason) {
                    reasons.push(h.reason.clone());
                }
            }
        }
    }
    (seconds, reasons)
}

fn explain(
    level: &ServiceLevel,
    incident: &Incident,
    outcome: &ClockOutcome,
    v: &SlaVerdict,
    direction: Direction,
    now: Instant,
) -> (Reason, String) {
    let resolution = level.kind == ServiceLevelKind::ResolutionTime;
    let target = level.target_seconds.unwrap_or(0);
    let paused = v.paused_seconds();
    match direction {
        Direction::SupplierMetEvidenceBreached if resolution && paused != Some(0) => {
            let (secs, reasons) = held(&level.calendar, incident, outcome, now, |h| {
                !h.pauses_clock()
            });
            if secs > 0 {
                let by = paused.map_or(String::new(), |p| format!(" for {}", words(p)));
                return (
                    Reason::NonCustomerHold,
                    format!(
                        "the supplier paused its clock{by}; the incident was on hold ({}) for {} \
                         of business time, which does not stop the contract's clock (only \
                         awaiting_customer does): {} elapsed against a {} target",
                        reasons.join(", "),
                        words(secs),
                        words(outcome.elapsed_seconds),
                        words(target)
                    ),
                );
            }
        }
        Direction::SupplierBreachedEvidenceMet if resolution && paused.unwrap_or(0) == 0 => {
            let (secs, _) = held(&level.calendar, incident, outcome, now, Hold::pauses_clock);
            if secs > 0 {
                return (
                    Reason::CustomerHoldNotPaused,
                    format!(
                        "the incident was awaiting the customer for {} of business time, which \
                         stops the contract's clock; the supplier's clock did not pause: {} \
                         elapsed against a {} target",
                        words(secs),
                        words(outcome.elapsed_seconds),
                        words(target)
                    ),
                );
            }
        }
        _ => {}
    }
    if let Some(b) = v.business_duration_seconds
        && (b - outcome.elapsed_seconds).abs() > 60
    {
        return (
            Reason::DifferentCalendar,
            format!(
                "the supplier counted {} of business time, the contract's calendar '{}' gives {} \
                 (target {})",
                words(b),
                level.calendar.name(),
                words(outcome.elapsed_seconds),
                words(target)
            ),
        );
    }
    if let (Some(p), Some(d)) = (
        v.planned_end_at,
        contract_deadline(level, incident, outcome),
    ) && p != d.timestamp()
    {
        let theirs = DateTime::from_timestamp(p, 0).map_or(p.to_string(), format_utc);
        return (
            Reason::DifferentDeadline,
            format!(
                "the supplier's deadline was {theirs}, the contract's {} ({} target)",
                format_utc(d),
                words(target)
            ),
        );
    }
    let stop = outcome
        .stopped_at
        .map_or("has not stopped".to_string(), |s| {
            format!("stopped at {}", format_utc(s))
        });
    (
        Reason::Unexplained,
        format!(
            "nothing in the evidence explains it: the clock {stop} with {} elapsed against a {} \
             target",
            words(outcome.elapsed_seconds),
            words(target)
        ),
    )
}

#[cfg(test)]
#[path = "verdicts_tests.rs"]
mod tests;
