//! The evidence behind each line of a month, row by row, for the report's
//! appendices: every incident counted for each incident level, every outage
//! counted for each availability line with the service hours it covered,
//! and every hold on the incidents counted. The supplier can check each
//! count against its own records.

use std::collections::HashSet;

use super::Evidence;
use super::incidents::{self, Assessed};
use super::records::RecordsInForce;
use crate::contract::{Contract, ServiceLevelKind};
use crate::domain::{Impact, Instant, Period};

/// The incidents one incident level counted in the month.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelIncidents {
    /// The service level's id.
    pub level: String,
    /// Its name.
    pub name: String,
    /// Every incident assessed, in the order they were opened.
    pub rows: Vec<Assessed>,
}

/// One outage counted for an availability line.
#[derive(Debug, Clone, PartialEq)]
pub struct CountedOutage {
    /// The service level's id.
    pub level: String,
    /// The service.
    pub service: String,
    /// The outage's id.
    pub outage: String,
    /// When it began, as recorded.
    pub start: Instant,
    /// When it ended, as recorded; `None` while ongoing.
    pub end: Option<Instant>,
    /// Full or partial.
    pub impact: Impact,
    /// Service-hours seconds of the month it covered (after any excused
    /// part), before the partial weight and before overlaps are merged.
    pub service_seconds: i64,
    /// True when part of it was excused.
    pub partly_excused: bool,
}

/// One hold on an incident counted by a resolution level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedHold {
    /// The incident.
    pub incident: String,
    /// When the hold began.
    pub start: Instant,
    /// When it ended; `None` while still on hold.
    pub end: Option<Instant>,
    /// Its reason as recorded.
    pub reason: String,
    /// True when it paused the resolution clock.
    pub pauses_clock: bool,
}

/// The month's evidence row by row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Appendix {
    /// Per incident level, the incidents counted.
    pub incidents: Vec<LevelIncidents>,
    /// The outages counted, by line then start.
    pub outages: Vec<CountedOutage>,
    /// The holds on incidents counted by a resolution level, by incident then start.
    pub holds: Vec<CountedHold>,
}

/// Lists the evidence each line of `period` counted, as seen at `now`, by
/// the same rules as the month's evaluation.
pub fn appendix(
    contract: &Contract,
    period: Period,
    evidence: &Evidence,
    now: Instant,
) -> Appendix {
    let tz = contract.timezone;
    let (month_start, month_end) = (period.start(tz), period.end(tz));
    let in_force = RecordsInForce::new(&evidence.excusals, &evidence.disputes);
    let counted_outages = in_force.counted_outages(&evidence.outages);
    let mut out = Appendix::default();
    let mut held: HashSet<String> = HashSet::new();
    for level in contract.levels_in_force(period) {
        match level.kind {
            ServiceLevelKind::ResponseTime | ServiceLevelKind::ResolutionTime => {
                let rows =
                    incidents::counted(level, tz, period, &evidence.incidents, &in_force, now);
                if level.kind == ServiceLevelKind::ResolutionTime {
                    held.extend(rows.iter().map(|r| r.incident.clone()));
                }
                out.incidents.push(LevelIncidents {
                    level: level.id.clone(),
                    name: level.name.clone(),
                    rows,
                });
            }
            ServiceLevelKind::Availability => {
                let visible_end = month_end.min(now);
                for service in &level.services {
                    for recorded in evidence
                        .outages
                        .iter()
                        .filter(|o| &o.service == service && !o.planned && o.start <= now)
                    {
                        // The pieces left after an excused part share the outage's id.
                        let pieces: Vec<_> = counted_outages
                            .iter()
                            .filter(|p| p.id == recorded.id && p.service == *service)
                            .collect();
                        let seconds: i64 = pieces
                            .iter()
                            .filter_map(|p| {
                                let end = p.end.filter(|e| *e <= now).unwrap_or(now);
                                let from = p.start.max(month_start);
                                let to = end.min(visible_end);
                                (from < to).then(|| level.calendar.business_seconds(from, to))
                            })
                            .sum();
                        let overlaps = recorded.start < visible_end
                            && recorded.end.is_none_or(|e| e > month_start);
                        if pieces.is_empty() || !overlaps {
                            continue;
                        }
                        out.outages.push(CountedOutage {
                            level: level.id.clone(),
                            service: service.clone(),
                            outage: recorded.id.clone(),
                            start: recorded.start,
                            end: recorded.end,
                            impact: recorded.impact,
                            service_seconds: seconds,
                            partly_excused: in_force.outage_excusal(&recorded.id).is_some(),
                        });
                    }
                }
            }
            ServiceLevelKind::ProactiveShare => {}
        }
    }
    for incident in evidence.incidents.iter().filter(|i| held.contains(&i.id)) {
        for h in &incident.holds {
            out.holds.push(CountedHold {
                incident: incident.id.clone(),
                start: h.start,
                end: h.end,
                reason: h.reason.clone(),
                pauses_clock: h.pauses_clock(),
            });
        }
    }
    out.holds
        .sort_by(|a, b| a.incident.cmp(&b.incident).then(a.start.cmp(&b.start)));
    out
}
