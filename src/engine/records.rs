//! Excusals and disputes as the engine applies them (SPEC §2.2, §2.6).
//!
//! - An excused incident is listed with its reason, not assessed.
//! - An excused outage is not downtime.
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
    Dispute, DisputeSubject, Excusal, ExcusalTarget, Incident, Instant, Outage, Period,
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
}

/// A contract's excusals and disputes, indexed for lookups.
#[derive(Debug, Default)]
pub struct RecordsInForce<'a> {
    incident_excusals: HashMap<&'a str, &'a Excusal>,
    outage_excusals: HashMap<&'a str, &'a Excusal>,
    level_excusals: HashMap<(&'a str, Period), &'a Excusal>,
    incident_disputes: HashMap<&'a str, &'a Dispute>,
    level_disputes: HashMap<(&'a str, Period), &'a Dispute>,
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
                DisputeSubject::Cost { .. } => {}
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
                })
            })
            .collect()
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
            DisputeSubject::Cost { .. } => false,
        })
        .cloned()
        .collect();
    e.sort_by_key(|x| x.id);
    d.sort_by_key(|x| x.id);
    (e, d)
}
