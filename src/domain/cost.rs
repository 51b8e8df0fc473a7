//! Recoverable costs as recorded (see docs/book/src/reference/measures.md): money the
//! customer spent because of a breach, with who recorded it,
//! its removal if any (a removal is recorded, never a delete) and the latest
//! dispute of it.

use chrono::NaiveDate;

use super::dispute::{Dispute, DisputeStatus};
use super::money::Money;
use super::period::Period;
use super::time::Instant;

/// The breach a cost arose from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CostBreach {
    /// A service level's failed month.
    ServiceLevel {
        /// The service level's id.
        service_level: String,
        /// The month it failed.
        period: Period,
    },
    /// An incident that missed its target.
    Incident {
        /// The supplier's ticket number.
        incident: String,
    },
    /// A breach named in free text (costs recorded before breaches had a kind).
    Named(String),
}

impl CostBreach {
    /// The id it names: the service level's or the incident's.
    pub fn id(&self) -> &str {
        match self {
            CostBreach::ServiceLevel { service_level, .. } => service_level,
            CostBreach::Incident { incident } => incident,
            CostBreach::Named(text) => text,
        }
    }

    /// `service_level` or `incident`; `None` for free text.
    pub fn kind(&self) -> Option<&'static str> {
        match self {
            CostBreach::ServiceLevel { .. } => Some("service_level"),
            CostBreach::Incident { .. } => Some("incident"),
            CostBreach::Named(_) => None,
        }
    }

    /// The month, for a service level's breach.
    pub fn period(&self) -> Option<Period> {
        match self {
            CostBreach::ServiceLevel { period, .. } => Some(*period),
            _ => None,
        }
    }

    /// Rebuilds a breach from its stored columns.
    pub fn from_parts(id: String, kind: Option<&str>, period: Option<Period>) -> Self {
        match (kind, period) {
            (Some("service_level"), Some(period)) => CostBreach::ServiceLevel {
                service_level: id,
                period,
            },
            (Some("incident"), _) => CostBreach::Incident { incident: id },
            _ => CostBreach::Named(id),
        }
    }
}

impl std::fmt::Display for CostBreach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CostBreach::ServiceLevel {
                service_level,
                period,
            } => write!(f, "service level {service_level} for {period}"),
            CostBreach::Incident { incident } => write!(f, "incident {incident}"),
            CostBreach::Named(text) => f.write_str(text),
        }
    }
}

/// A cost about to be recorded, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCost {
    /// When it was incurred: the cost belongs to this date's month.
    pub date: NaiveDate,
    /// The amount in the contract's currency (above zero).
    pub amount: Money,
    /// What was bought.
    pub description: String,
    /// Where the proof is (purchase order, invoice).
    pub evidence: String,
    /// The breach it arose from, where known.
    pub breach: Option<CostBreach>,
}

/// Who removed a cost, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// Who removed it.
    pub by: String,
    /// When.
    pub at: Instant,
    /// Why; absent for removals recorded before reasons were kept.
    pub reason: Option<String>,
}

/// A recorded cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cost {
    /// Its id, quoted to remove or dispute it.
    pub id: i64,
    /// When it was incurred.
    pub date: NaiveDate,
    /// The amount in minor units.
    pub amount_minor: i64,
    /// What was bought (escape wherever shown).
    pub description: String,
    /// Where the proof is.
    pub evidence: String,
    /// The breach it arose from, where known.
    pub breach: Option<CostBreach>,
    /// Who recorded it; absent for costs recorded before this was kept.
    pub recorded_by: Option<String>,
    /// When it was recorded.
    pub recorded_at: Instant,
    /// Set once removed: a removed cost is no longer claimed.
    pub removed: Option<Removal>,
    /// Its latest dispute, if it was ever disputed.
    pub dispute: Option<Dispute>,
}

impl Cost {
    /// Part of the claim: not removed, and not withdrawn after a dispute.
    pub fn is_claimed(&self) -> bool {
        self.removed.is_none()
            && self
                .dispute
                .as_ref()
                .is_none_or(|d| d.status != DisputeStatus::Accepted)
    }

    /// Claimed but in open dispute.
    pub fn is_disputed(&self) -> bool {
        self.is_claimed() && self.dispute.as_ref().is_some_and(Dispute::is_open)
    }
}
