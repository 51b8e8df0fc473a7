//! Excusals (SPEC §1, §2.2): failures the contract does not count — a relief
//! event, something the customer caused — always with a reason, who excused
//! it and when. Recorded by a contract manager; the engine applies them.

use super::period::Period;
use super::time::Instant;

/// What an excusal covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExcusalTarget {
    /// An incident: listed with its reason, not assessed against any level.
    Incident {
        /// The supplier's ticket number.
        incident: String,
    },
    /// An outage: not downtime.
    Outage {
        /// The outage's id.
        outage: String,
    },
    /// A service level's month: reported as measured, marked excused, no credit.
    ServiceLevel {
        /// The service level's id.
        service_level: String,
        /// The month.
        period: Period,
    },
}

impl ExcusalTarget {
    /// `incident`, `outage` or `service_level`, as stored.
    pub fn kind(&self) -> &'static str {
        match self {
            ExcusalTarget::Incident { .. } => "incident",
            ExcusalTarget::Outage { .. } => "outage",
            ExcusalTarget::ServiceLevel { .. } => "service_level",
        }
    }

    /// The id of what is excused.
    pub fn subject(&self) -> &str {
        match self {
            ExcusalTarget::Incident { incident } => incident,
            ExcusalTarget::Outage { outage } => outage,
            ExcusalTarget::ServiceLevel { service_level, .. } => service_level,
        }
    }

    /// The month, for a service level's month.
    pub fn period(&self) -> Option<Period> {
        match self {
            ExcusalTarget::ServiceLevel { period, .. } => Some(*period),
            _ => None,
        }
    }

    /// Rebuilds a target from its stored kind, subject and period.
    pub fn from_parts(kind: &str, subject: String, period: Option<Period>) -> Option<Self> {
        match (kind, period) {
            ("incident", None) => Some(ExcusalTarget::Incident { incident: subject }),
            ("outage", None) => Some(ExcusalTarget::Outage { outage: subject }),
            ("service_level", Some(period)) => Some(ExcusalTarget::ServiceLevel {
                service_level: subject,
                period,
            }),
            _ => None,
        }
    }
}

impl std::fmt::Display for ExcusalTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExcusalTarget::Incident { incident } => write!(f, "incident {incident}"),
            ExcusalTarget::Outage { outage } => write!(f, "outage {outage}"),
            ExcusalTarget::ServiceLevel {
                service_level,
                period,
            } => write!(f, "service level {service_level} for {period}"),
        }
    }
}

/// One recorded excusal, in force or revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excusal {
    /// Its id.
    pub id: i64,
    /// What it covers.
    pub target: ExcusalTarget,
    /// Why (escape wherever shown).
    pub reason: String,
    /// Who excused it.
    pub by: String,
    /// When it was recorded.
    pub at: Instant,
    /// Set once revoked: the excusal no longer applies.
    pub revoked: Option<Revocation>,
}

impl Excusal {
    /// True while not revoked.
    pub fn in_force(&self) -> bool {
        self.revoked.is_none()
    }
}

/// Who took an excusal back, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// Who revoked it.
    pub by: String,
    /// When.
    pub at: Instant,
    /// Why.
    pub reason: String,
}
