//! Excusals and disputes as the engine applies them (see
//! docs/book/src/reference/measures.md and docs/book/src/managers/recording.md).
//!
//! - An excused incident is listed with its reason, not assessed.
//! - An excused outage is not downtime; one excused for part of its interval
//!   counts for the rest ([`RecordsInForce::counted_outages`]).
//! - An excused service level's month keeps its measured figures and status
//!   but earns no credit and is not a critical failure.
//! - A disputed breach stays claimed, with the disputed part of its credit
//!   set apart; an upheld one is undisputed again; a withdrawn one is no
//!   longer claimed (a withdrawn service level's month earns no credit; a
//!   withdrawn incident counts as met).
//!
//! Only the latest dispute of a thing counts, and only excusals in force.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::incidents::Excused;
use crate::domain::{
    Dispute, DisputeStatus, DisputeSubject, Excusal, ExcusalTarget, ExcusedInterval, Incident,
    Instant, Outage, Period,
};

/// An outage the contract does not count, with why, who and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExcusedOutage {
    /// The outage's id.
    pub outage: String,
    /// The service it affected.
    pub service: String,
    /// Why (escape wherever shown).
    pub reason: String,
    /// Who excused it.
    pub by: String,
    /// When.
    pub at: Instant,
    /// The part excused, when only part of it is; `None` for the whole.
    pub during: Option<ExcusedInterval>,
}

/// A contract's excusals and disputes, indexed for lookups.
#[derive(Debug, Default)]
pub struct RecordsInForce<'a> {
    incident_excusals: HashMap<&'a str, &'a Excusal>,
    outage_excusals: HashMap<&'a str, &'a Excusal>,
    level_excusals: HashMap<(&'a str, Period), &'a Excusal>,
    incident_disputes: HashMap<&'a str, &'a Dispute>,
    level_disputes: HashMap<(&'a str, Period), &'a Dispute>,
    outage_disputes: HashMap<&'a str, &'a Dispute>,
    /// Incidents with any excusal or dispute on record, in force or not.
    recorded_incidents: HashSet<&'a str>,
}

impl<'a> RecordsInForce<'a> {
    /// Indexes the excusals in force and each thing's latest dispute.
    pub fn new(excusals: &'a [Excusal], disputes: &'a [Dispute]) -> Self {
        let mut r = RecordsInForce::default();
        for e in excusals {
            if let ExcusalTarget::Incident { incident } = &e.target {
                r.recorded_incidents.insert(incident);
            }
            if !e.in_force() {
                continue;
            }
            match &e.target {
                ExcusalTarget::Incident { incident } => {
                    r.incident_excusals.insert(incident, e);
                }
                ExcusalTarget::Outage { outage } => {
                    r.outage_excusals.insert(outage, e);
                }
                ExcusalTarget::ServiceLevel {
                    service_level,
                    period,
                } => {
                    r.level_excusals.insert((service_level, *period), e);
                }
            }
        }
        for d in disputes {
            let latest = |slot: Option<&&Dispute>| slot.is_none_or(|old| old.id < d.id);
            match &d.subject {
                DisputeSubject::Incident { incident } => {
                    r.recorded_incidents.insert(incident);
                    if latest(r.incident_disputes.get(incident.as_str())) {
                        r.incident_disputes.insert(incident, d);
                    }
                }
                DisputeSubject::ServiceLevel {
                    service_level,
                    period,
                } => {
                    let key = (service_level.as_str(), *period);
                    if latest(r.level_disputes.get(&key)) {
                        r.level_disputes.insert(key, d);
                    }
                }
                DisputeSubject::Outage { outage } => {
                    if latest(r.outage_disputes.get(outage.as_str())) {
                        r.outage_disputes.insert(outage, d);
                    }
                }
                DisputeSubject::Cost { .. } | DisputeSubject::DelayPayment { .. } => {}
            }
        }
        r
    }

    /// Why an incident is excused: a recorded excusal (with who and when)
    /// first, else the `excused_reason` it was imported with.
    pub fn incident_excused(&self, incident: &Incident) -> Option<Excused> {
        if let Some(e) = self.incident_excusals.get(incident.id.as_str()) {
            return Some(Excused {
                incident: incident.id.clone(),
                reason: e.reason.clone(),
                by: Some(e.by.clone()),
                at: Some(e.at),
            });
        }
        incident.excused_reason.as_ref().map(|reason| Excused {
            incident: incident.id.clone(),
            reason: reason.clone(),
            by: None,
            at: None,
        })
    }

    /// The excusal in force for an outage.
    pub fn outage_excusal(&self, outage: &str) -> Option<&'a Excusal> {
        self.outage_excusals.get(outage).copied()
    }

    /// The excusal in force for a service level's month.
    pub fn level_excusal(&self, level: &str, period: Period) -> Option<&'a Excusal> {
        self.level_excusals.get(&(level, period)).copied()
    }

    /// An incident's latest dispute.
    pub fn incident_dispute(&self, incident: &str) -> Option<&'a Dispute> {
        self.incident_disputes.get(incident).copied()
    }

    /// A service level month's latest dispute.
    pub fn level_dispute(&self, level: &str, period: Period) -> Option<&'a Dispute> {
        self.level_disputes.get(&(level, period)).copied()
    }

    /// True when an excusal or dispute of this incident is on record.
    pub fn has_records(&self, incident: &str) -> bool {
        self.recorded_incidents.contains(incident)
    }

    /// An outage's latest dispute.
    pub fn outage_dispute(&self, outage: &str) -> Option<&'a Dispute> {
        self.outage_disputes.get(outage).copied()
    }

    /// `counted` (from [`Self::counted_outages`]) without the outages in
    /// open dispute: the downtime if every open dispute went the supplier's
    /// way. `None` when no counted outage is in open dispute.
    pub fn undisputed_outages(&self, counted: &[Outage]) -> Option<Vec<Outage>> {
        let open = |o: &Outage| {
            self.outage_dispute(&o.id)
                .is_some_and(|d| d.status == DisputeStatus::Disputed)
        };
        counted
            .iter()
            .any(open)
            .then(|| counted.iter().filter(|o| !open(o)).cloned().collect())
    }

    /// The outages of `outages` excused, in their order.
    pub fn excused_outages(&self, outages: &[Outage]) -> Vec<ExcusedOutage> {
        outages
            .iter()
            .filter_map(|o| {
                self.outage_excusal(&o.id).map(|e| ExcusedOutage {
                    outage: o.id.clone(),
                    service: o.service.clone(),
                    reason: e.reason.clone(),
                    by: e.by.clone(),
                    at: e.at,
                    during: e.during,
                })
            })
            .collect()
    }

    /// The outages as they count towards downtime: one excused whole is
    /// left out; one excused for part of its interval is cut into what lies
    /// before and after the excused part (each piece keeps the outage's id,
    /// service, impact and source), so only the excused part stops counting.
    pub fn counted_outages(&self, outages: &[Outage]) -> Vec<Outage> {
        let mut counted = Vec::with_capacity(outages.len());
        for o in outages {
            // An accepted dispute withdraws the outage from the claim: no
            // downtime at all, as if excused whole.
            if self
                .outage_dispute(&o.id)
                .is_some_and(|d| d.status == DisputeStatus::Accepted)
            {
                continue;
            }
            let Some(e) = self.outage_excusal(&o.id) else {
                counted.push(o.clone());
                continue;
            };
            let Some(part) = e.during else {
                continue;
            };
            // Before the excused part: [start, min(from, end)).
            if o.start < part.from() {
                let end = o.end.map_or(part.from(), |end| end.min(part.from()));
                counted.push(Outage {
                    end: Some(end),
                    ..o.clone()
                });
            }
            // After it: [max(until, start), end), still open if the outage is.
            let after = part.until().max(o.start);
            if o.end.is_none_or(|end| after < end) {
                counted.push(Outage {
                    start: after,
                    ..o.clone()
                });
            }
        }
        counted
    }
}

/// The excusals and disputes (in force or not, every one on record) that
/// bear on a month: those of its service levels' month, of the incidents
/// assessed or excused in it and of the outages overlapping it. In id order.
pub fn bearing_on_month(
    excusals: &[Excusal],
    disputes: &[Dispute],
    period: Period,
    incidents: &BTreeSet<String>,
    outages: &[Outage],
) -> (Vec<Excusal>, Vec<Dispute>) {
    let outage_ids: HashSet<&str> = outages.iter().map(|o| o.id.as_str()).collect();
    let mut e: Vec<Excusal> = excusals
        .iter()
        .filter(|e| match &e.target {
            ExcusalTarget::Incident { incident } => incidents.contains(incident),
            ExcusalTarget::Outage { outage } => outage_ids.contains(outage.as_str()),
            ExcusalTarget::ServiceLevel { period: p, .. } => *p == period,
        })
        .cloned()
        .collect();
    let mut d: Vec<Dispute> = disputes
        .iter()
        .filter(|d| match &d.subject {
            DisputeSubject::Incident { incident } => incidents.contains(incident),
            DisputeSubject::ServiceLevel { period: p, .. } => *p == period,
            DisputeSubject::Outage { outage } => outage_ids.contains(outage.as_str()),
            DisputeSubject::Cost { .. } | DisputeSubject::DelayPayment { .. } => false,
        })
        .cloned()
        .collect();
    e.sort_by_key(|x| x.id);
    d.sort_by_key(|x| x.id);
    (e, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::calendar::Calendar;
    use crate::domain::percent::WEIGHT_SCALE;
    use crate::domain::{Impact, Revocation, Weight};
    use crate::engine::availability::{AvailabilityFigures, measure};
    use chrono::{DateTime, Utc};

    fn t(s: &str) -> Instant {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// OUT1 on email, 5 October 2026 from 10:00 until 12:00 UTC (or ongoing).
    fn out1(impact: Impact, end: Option<&str>) -> Outage {
        Outage {
            id: "OUT1".into(),
            service: "email".into(),
            start: t("2026-10-05T10:00:00Z"),
            end: end.map(t),
            impact,
            planned: false,
            source: None,
        }
    }

    /// OUT1 excused from 10:30 until 11:00, or whole.
    fn excused(during: Option<(&str, &str)>) -> Excusal {
        Excusal {
            id: 1,
            target: ExcusalTarget::Outage {
                outage: "OUT1".into(),
            },
            reason: "council's own firewall change".into(),
            by: "J. Smith".into(),
            at: t("2026-10-06T09:00:00Z"),
            during: during.map(|(from, until)| ExcusedInterval::new(t(from), t(until)).unwrap()),
            revoked: None,
        }
    }

    const HALF_HOUR: Option<(&str, &str)> = Some(("2026-10-05T10:30:00Z", "2026-10-05T11:00:00Z"));

    /// Email's October as counted at `now`, around the clock, partial
    /// outages weighing a half.
    fn october(outages: &[Outage], excusals: &[Excusal], now: &str) -> AvailabilityFigures {
        let in_force = RecordsInForce::new(excusals, &[]);
        measure(
            &Calendar::always_open(),
            Weight::HALF,
            "email",
            t("2026-09-30T23:00:00Z"),
            t("2026-11-01T00:00:00Z"),
            &in_force.counted_outages(outages),
            t(now),
        )
    }

    const LATER: &str = "2027-01-01T00:00:00Z";

    #[test]
    fn only_the_excused_part_of_a_full_outage_stops_counting() {
        // 10:00-12:00 full, 10:30-11:00 excused: 10:00-10:30 and 11:00-12:00
        // count, 30 min + 60 min = 1 h 30 min = 5,400 s.
        let f = october(
            &[out1(Impact::Full, Some("2026-10-05T12:00:00Z"))],
            &[excused(HALF_HOUR)],
            LATER,
        );
        assert_eq!(f.full_seconds, 5_400);
        assert_eq!(f.downtime_millionths, 5_400 * WEIGHT_SCALE as i128);
        // Still one outage that counted, listed once.
        assert_eq!(f.outages, ["OUT1"]);
    }

    #[test]
    fn a_partial_outage_weighs_its_remaining_part() {
        // The same interval at partial impact: 1 h 30 min left × 0.5 = 45 min.
        let f = october(
            &[out1(Impact::Partial, Some("2026-10-05T12:00:00Z"))],
            &[excused(HALF_HOUR)],
            LATER,
        );
        assert_eq!((f.full_seconds, f.partial_seconds), (0, 5_400));
        assert_eq!(f.downtime_seconds(), 2_700.0);
    }

    #[test]
    fn whole_revoked_and_edge_excusals() {
        let outage = [out1(Impact::Full, Some("2026-10-05T12:00:00Z"))];
        // Excused whole: no downtime, as before.
        let f = october(&outage, &[excused(None)], LATER);
        assert_eq!(f.downtime_millionths, 0);
        assert!(f.outages.is_empty());
        // Revoked: all 2 h count again.
        let mut revoked = excused(HALF_HOUR);
        revoked.revoked = Some(Revocation {
            by: "J. Smith".into(),
            at: t("2026-10-07T09:00:00Z"),
            reason: "wrong outage".into(),
        });
        assert_eq!(october(&outage, &[revoked], LATER).full_seconds, 7_200);
        // Excused from its start until 11:15: 11:15-12:00 counts, 45 min.
        let head = excused(Some(("2026-10-05T10:00:00Z", "2026-10-05T11:15:00Z")));
        assert_eq!(october(&outage, &[head], LATER).full_seconds, 2_700);
        // Excused from 11:45 to its end: 10:00-11:45 counts, 1 h 45 min.
        let tail = excused(Some(("2026-10-05T11:45:00Z", "2026-10-05T12:00:00Z")));
        assert_eq!(october(&outage, &[tail], LATER).full_seconds, 6_300);
    }

    #[test]
    fn an_ongoing_outage_counts_after_its_excused_part_until_now() {
        // Open since 10:00, excused 10:30-11:00, seen at 13:00:
        // 30 min + 2 h = 2 h 30 min = 9,000 s.
        let f = october(
            &[out1(Impact::Full, None)],
            &[excused(HALF_HOUR)],
            "2026-10-05T13:00:00Z",
        );
        assert_eq!(f.full_seconds, 9_000);
        // Seen at 10:45, inside the excused part: only 10:00-10:30 so far.
        let f = october(
            &[out1(Impact::Full, None)],
            &[excused(HALF_HOUR)],
            "2026-10-05T10:45:00Z",
        );
        assert_eq!(f.full_seconds, 1_800);
    }
}
