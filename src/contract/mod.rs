//! The contract as written: its charge, service levels with their targets
//! and credit tiers, calendars, commitments and the systems of its
//! disaster-recovery register. These are the validated values the TOML
//! reader ([`crate::config`]) builds and the engine measures against; they
//! know nothing of files, the store or the clock.
//!
//! # Layout
//! - [`calendar`]: service hours and holidays, and business time between two instants.
//! - [`due_dates`]: when a commitment's occurrences fall due.
//! - [`commitment`]: a commitment's definition.
//! - [`dr`]: the systems of the disaster-recovery register.
//! - [`recovery`]: costs recoverable always or behind a gate; when to chase an unpaid claim.

pub mod calendar;
pub mod commitment;
pub mod dr;
pub mod due_dates;
pub mod recovery;

use std::sync::Arc;

use chrono_tz::Tz;

use crate::domain::{Currency, Money, Percent, Priority, Weight};
pub use calendar::Calendar;
pub use commitment::Commitment;
pub use dr::DrSystem;

/// One agreement with one supplier.
#[derive(Debug, Clone)]
pub struct Contract {
    /// The contract's id, used everywhere as its key.
    pub id: String,
    /// The supplier's name.
    pub supplier: String,
    /// The timezone months and local times are read in.
    pub timezone: Tz,
    /// The currency of every amount.
    pub currency: Currency,
    /// The monthly charge credits are a percentage of.
    pub monthly_charge: Money,
    /// The most credits can take in one month, as a percentage of the charge.
    pub service_credit_cap_percent: Percent,
    /// Who to alert.
    pub managers: Vec<String>,
    /// What the supplier must meet each month.
    pub service_levels: Vec<ServiceLevel>,
    /// Dated deliverables.
    pub commitments: Vec<Commitment>,
    /// The systems of the disaster-recovery register.
    pub dr_systems: Vec<DrSystem>,
    /// How long after the instants it touches a change of stored evidence
    /// is still a correction in the ordinary course rather than a rewrite
    /// (`rewrite_grace`, default 24 hours).
    pub rewrite_grace_seconds: i64,
    /// Getting money back: `costs_recoverable` and `recovery_chase_after`.
    pub recovery: recovery::RecoveryTerms,
}

/// The `rewrite_grace` of a contract that does not set one: a day.
pub const DEFAULT_REWRITE_GRACE_SECONDS: i64 = 86_400;

impl Contract {
    /// The service level with this id.
    pub fn service_level(&self, id: &str) -> Option<&ServiceLevel> {
        self.service_levels.iter().find(|s| s.id == id)
    }
}

/// What a service level measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceLevelKind {
    /// Incidents responded to within the target.
    ResponseTime,
    /// Incidents resolved within the target, holds excluded.
    ResolutionTime,
    /// A service's availability in service hours.
    Availability,
    /// The share of work that is proactive.
    ProactiveShare,
}

impl ServiceLevelKind {
    /// The configuration and report spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceLevelKind::ResponseTime => "response_time",
            ServiceLevelKind::ResolutionTime => "resolution_time",
            ServiceLevelKind::Availability => "availability",
            ServiceLevelKind::ProactiveShare => "proactive_share",
        }
    }

    /// Parses the configuration spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "response_time" => Some(ServiceLevelKind::ResponseTime),
            "resolution_time" => Some(ServiceLevelKind::ResolutionTime),
            "availability" => Some(ServiceLevelKind::Availability),
            "proactive_share" => Some(ServiceLevelKind::ProactiveShare),
            _ => None,
        }
    }
}

/// One credit tier: below `below` % attainment, `percent` % of the charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditTier {
    /// The attainment under which this tier applies.
    pub below: Percent,
    /// The credit, as a percentage of the monthly charge.
    pub percent: Percent,
}

/// One measurable commitment with a monthly target.
#[derive(Debug, Clone)]
pub struct ServiceLevel {
    /// Its id within the contract.
    pub id: String,
    /// A readable name (the id when not given).
    pub name: String,
    /// What it measures.
    pub kind: ServiceLevelKind,
    /// For incident service levels: the priorities it applies to (never empty).
    pub priorities: Vec<Priority>,
    /// The services it applies to; empty means every service (incident levels).
    /// Availability levels name at least one and are measured per service.
    pub services: Vec<String>,
    /// For incident service levels: the target in business seconds.
    pub target_seconds: Option<i64>,
    /// The calendar business time is measured on.
    pub calendar: Arc<Calendar>,
    /// The monthly attainment the supplier must reach.
    pub target_percent: Percent,
    /// Attainment under this is a critical service level failure.
    pub critical_below: Option<Percent>,
    /// Availability only: the weight of partial outages (default 0.5).
    pub partial_weight: Weight,
    /// Credit tiers, ordered from the highest `below` down.
    pub service_credits: Vec<CreditTier>,
}
