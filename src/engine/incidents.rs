//! Threshold service levels over incidents (see docs/book/src/reference/measures.md):
//! which incidents a level applies to, which month each is
//! assessed in, and the breaches.

use chrono_tz::Tz;

use super::clock::{ClockOutcome, ClockStatus, run_clock};
use super::records::RecordsInForce;
use crate::contract::{ServiceLevel, ServiceLevelKind};
use crate::domain::{Dispute, DisputeStatus, Incident, Instant, Period, Priority};

/// One incident that missed its target in the month.
#[derive(Debug, Clone, PartialEq)]
pub struct Breach {
    /// The supplier's ticket number.
    pub incident: String,
    /// Its priority.
    pub priority: Priority,
    /// The service it affected.
    pub service: Option<String>,
    /// When it was opened.
    pub opened_at: Instant,
    /// When its clock stopped; absent while still open.
    pub stopped_at: Option<Instant>,
    /// Business seconds elapsed at the stop, or at evaluation if still open.
    pub elapsed_seconds: i64,
    /// The target in business seconds.
    pub target_seconds: i64,
    /// When the target was reached.
    pub deadline: Instant,
    /// The supplier's title (escape wherever shown).
    pub title: Option<String>,
    /// The supplier's dispute of this breach (open or upheld), if any.
    pub dispute: Option<Dispute>,
}

/// An incident the contract does not count, with why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Excused {
    /// The supplier's ticket number.
    pub incident: String,
    /// The recorded reason.
    pub reason: String,
    /// Who excused it, when recorded through slawatch (an imported
    /// `excused_reason` has no who or when).
    pub by: Option<String>,
    /// When it was excused.
    pub at: Option<Instant>,
}

/// An incident whose clock would breach on what its source could read, but
/// whose response instant or holds it could not read: not assessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownClock {
    /// The supplier's ticket number.
    pub incident: String,
    /// What is not known: `response` or `holds`.
    pub missing: &'static str,
    /// Why, as the source recorded it.
    pub reason: String,
}

/// A threshold service level's figures for one month.
#[derive(Debug, Clone, Default)]
pub struct IncidentFigures {
    /// Incidents assessed in the month.
    pub assessed: u64,
    /// Of those, how many met the target.
    pub met: u64,
    /// The ones that missed, by deadline.
    pub breaches: Vec<Breach>,
    /// Excused incidents that would have been assessed in the month.
    pub excused: Vec<Excused>,
    /// Incidents not assessed because their source could not read what
    /// decides the clock (they would breach on what is known).
    pub unknown: Vec<UnknownClock>,
    /// Of the breaches, how many the supplier disputes (still open).
    pub disputed: u64,
    /// Incidents assessed or excused in the month with an excusal or a
    /// dispute on record (in force or not).
    pub recorded: Vec<String>,
}

/// True when the service level covers this incident (contract is implied).
pub fn applies(level: &ServiceLevel, incident: &Incident) -> bool {
    level.priorities.contains(&incident.priority)
        && (level.services.is_empty()
            || incident
                .service
                .as_ref()
                .is_some_and(|s| level.services.contains(s)))
}

/// Runs the level's clock on one incident. A clock its source could not
/// fully read (see [`unknown_for`]) is judged only when it is met on what is
/// known (a later response or more holds could only shorten it): otherwise
/// `None`, so missing data never becomes a breach or a warning.
pub fn clock_for(level: &ServiceLevel, incident: &Incident, now: Instant) -> Option<ClockOutcome> {
    let outcome = known_clock(level, incident, now)?;
    if outcome.status != ClockStatus::Met && unknown_for(level, incident) {
        return None;
    }
    Some(outcome)
}

/// True when what the incident's source could not read decides this
/// level's clock: the response instant for a response level, the holds for
/// a resolution level.
pub fn unknown_for(level: &ServiceLevel, incident: &Incident) -> bool {
    match level.kind {
        ServiceLevelKind::ResponseTime => incident.unknown.response,
        ServiceLevelKind::ResolutionTime => incident.unknown.holds,
        ServiceLevelKind::Availability | ServiceLevelKind::ProactiveShare => false,
    }
}

/// The level's clock on what is known of the incident.
fn known_clock(level: &ServiceLevel, incident: &Incident, now: Instant) -> Option<ClockOutcome> {
    let target = level.target_seconds?;
    let outcome = match level.kind {
        ServiceLevelKind::ResponseTime => run_clock(
            &level.calendar,
            incident.opened_at,
            // Resolving is the latest possible response.
            match (incident.responded_at, incident.resolved_at) {
                (Some(responded), Some(resolved)) => Some(responded.min(resolved)),
                (responded, resolved) => responded.or(resolved),
            },
            &[],
            target,
            now,
        ),
        ServiceLevelKind::ResolutionTime => {
            let mut pauses: Vec<(Instant, Option<Instant>)> = incident
                .holds
                .iter()
                .filter(|h| h.pauses_clock())
                .map(|h| (h.start.max(incident.opened_at), h.end))
                .collect();
            pauses.sort();
            run_clock(
                &level.calendar,
                incident.opened_at,
                incident.resolved_at,
                &pauses,
                target,
                now,
            )
        }
        ServiceLevelKind::Availability | ServiceLevelKind::ProactiveShare => return None,
    };
    Some(outcome)
}

/// The month an outcome is assessed in: a met incident where its clock
/// stopped, a breached one where its deadline fell; pending ones not yet.
pub fn assessment_month(outcome: &ClockOutcome, tz: Tz) -> Option<Period> {
    match outcome.status {
        ClockStatus::Met => outcome.stopped_at.map(|s| Period::of(s, tz)),
        ClockStatus::Breached => outcome.deadline.map(|d| Period::of(d, tz)),
        ClockStatus::Pending => None,
    }
}

/// How one applicable incident stands in the month it is assessed in.
enum Step<'i, 'r> {
    /// Breached only on what is known (a response or holds the source
    /// could not read): listed, never counted.
    Unknown(UnknownClock),
    /// Excused: listed, not assessed.
    Excused(Excused),
    /// Assessed: its clock's outcome and its dispute, if any.
    Counted {
        incident: &'i Incident,
        outcome: ClockOutcome,
        dispute: Option<&'r Dispute>,
    },
}

/// Visits every applicable incident whose assessment month is `period`,
/// with whether it has records on file: the one walk both [`assess`] and
/// [`counted`] make, so the appendix lists exactly what was counted.
fn walk<'i, 'r>(
    level: &ServiceLevel,
    tz: Tz,
    period: Period,
    incidents: &'i [Incident],
    in_force: &RecordsInForce<'r>,
    now: Instant,
    mut visit: impl FnMut(Step<'i, 'r>, bool),
) {
    for incident in incidents.iter().filter(|i| applies(level, i)) {
        let Some(outcome) = known_clock(level, incident, now) else {
            continue;
        };
        if assessment_month(&outcome, tz) != Some(period) {
            continue;
        }
        if outcome.status != ClockStatus::Met && unknown_for(level, incident) {
            visit(
                Step::Unknown(UnknownClock {
                    incident: incident.id.clone(),
                    missing: if level.kind == ServiceLevelKind::ResponseTime {
                        "response"
                    } else {
                        "holds"
                    },
                    reason: incident.unknown.reason.clone(),
                }),
                false,
            );
            continue;
        }
        let recorded = in_force.has_records(&incident.id);
        match in_force.incident_excused(incident) {
            Some(excused) => visit(Step::Excused(excused), recorded),
            None => visit(
                Step::Counted {
                    incident,
                    outcome,
                    dispute: in_force.incident_dispute(&incident.id),
                },
                recorded,
            ),
        }
    }
}

/// Whether an assessed incident met its target, as the month counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Its clock stopped by the deadline.
    Met,
    /// It missed the deadline.
    Breached,
    /// It missed the deadline, but the council accepted the supplier's
    /// dispute, so it counts as met.
    DisputeAccepted,
}

impl Verdict {
    /// The verdict in words.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Breached => "breached",
            Verdict::DisputeAccepted => "met (dispute accepted)",
        }
    }
}

/// One incident counted for a level in a month: a row of the report's
/// appendix, so the supplier can check the count.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessed {
    /// The supplier's ticket number.
    pub incident: String,
    /// Its priority.
    pub priority: Priority,
    /// When it was opened.
    pub opened_at: Instant,
    /// When its clock stopped; absent while still open (a breach).
    pub stopped_at: Option<Instant>,
    /// Business seconds elapsed at the stop (or at evaluation if open).
    pub elapsed_seconds: i64,
    /// When the target was reached, for a breach.
    pub deadline: Option<Instant>,
    /// How the month counts it.
    pub verdict: Verdict,
}

/// Every incident assessed for `level` in `period` (excused ones and
/// unknown clocks are not), in the order they were opened: the count of
/// this list is the line's "assessed".
pub fn counted(
    level: &ServiceLevel,
    tz: Tz,
    period: Period,
    incidents: &[Incident],
    in_force: &RecordsInForce<'_>,
    now: Instant,
) -> Vec<Assessed> {
    let mut rows = Vec::new();
    walk(level, tz, period, incidents, in_force, now, |step, _| {
        let Step::Counted {
            incident,
            outcome,
            dispute,
        } = step
        else {
            return;
        };
        let verdict = match outcome.status {
            ClockStatus::Breached
                if dispute.is_some_and(|d| d.status == DisputeStatus::Accepted) =>
            {
                Verdict::DisputeAccepted
            }
            ClockStatus::Breached if outcome.deadline.is_some() => Verdict::Breached,
            _ => Verdict::Met,
        };
        rows.push(Assessed {
            incident: incident.id.clone(),
            priority: incident.priority,
            opened_at: incident.opened_at,
            stopped_at: outcome.stopped_at,
            elapsed_seconds: outcome.elapsed_seconds,
            deadline: outcome.deadline.filter(|_| verdict != Verdict::Met),
            verdict,
        });
    });
    rows.sort_by(|a, b| {
        a.opened_at
            .cmp(&b.opened_at)
            .then_with(|| a.incident.cmp(&b.incident))
    });
    rows
}

/// Assesses every applicable incident whose assessment month is `period`.
/// Excused incidents are listed, not assessed; a clock breached only on
/// what is known is listed as unknown, never counted; a breach whose
/// dispute was accepted (the customer no longer claims it) counts as met.
pub fn assess(
    level: &ServiceLevel,
    tz: Tz,
    period: Period,
    incidents: &[Incident],
    in_force: &RecordsInForce<'_>,
    now: Instant,
) -> IncidentFigures {
    let mut figures = IncidentFigures::default();
    let target = level.target_seconds.unwrap_or_default();
    walk(
        level,
        tz,
        period,
        incidents,
        in_force,
        now,
        |step, recorded| {
            let (incident, outcome, dispute) = match step {
                Step::Unknown(unknown) => {
                    figures.unknown.push(unknown);
                    return;
                }
                Step::Excused(excused) => {
                    if recorded {
                        figures.recorded.push(excused.incident.clone());
                    }
                    figures.excused.push(excused);
                    return;
                }
                Step::Counted {
                    incident,
                    outcome,
                    dispute,
                } => (incident, outcome, dispute),
            };
            if recorded {
                figures.recorded.push(incident.id.clone());
            }
            figures.assessed += 1;
            match (outcome.status, outcome.deadline) {
                (ClockStatus::Breached, Some(_))
                    if dispute.is_some_and(|d| d.status == DisputeStatus::Accepted) =>
                {
                    figures.met += 1;
                }
                (ClockStatus::Breached, Some(deadline)) => {
                    figures.disputed += u64::from(dispute.is_some_and(Dispute::is_open));
                    figures.breaches.push(Breach {
                        incident: incident.id.clone(),
                        priority: incident.priority,
                        service: incident.service.clone(),
                        opened_at: incident.opened_at,
                        stopped_at: outcome.stopped_at,
                        elapsed_seconds: outcome.elapsed_seconds,
                        target_seconds: target,
                        deadline,
                        title: incident.title.clone(),
                        dispute: dispute.cloned(),
                    });
                }
                _ => figures.met += 1,
            }
        },
    );
    figures.breaches.sort_by(|a, b| {
        a.deadline
            .cmp(&b.deadline)
            .then_with(|| a.incident.cmp(&b.incident))
    });
    figures
}
