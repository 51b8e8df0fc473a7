//! Disputes: the supplier contests a breach (a service level's month, an
//! incident or an outage), a recoverable cost or a commitment's delay payment. A dispute is `disputed` until the
//! customer decides: it **rejects** the dispute (the claim stands, and counts
//! again as undisputed) or **accepts** it (the claim item is withdrawn and
//! drops out of the claim).
//!
//! The stored words are older than these names and kept as they are, so the
//! store and the report's JSON do not change: a rejected dispute is stored
//! (and reported) as `upheld`, for the claim upheld, and an accepted one as
//! `withdrawn`, for the claim withdrawn.

use std::fmt;
use std::str::FromStr;

use super::period::Period;
use super::time::Instant;

/// What the supplier disputes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DisputeSubject {
    /// A service level's failed month (its whole credit).
    ServiceLevel {
        /// The service level's id.
        service_level: String,
        /// The month.
        period: Period,
    },
    /// One incident counted as a breach.
    Incident {
        /// The supplier's ticket number.
        incident: String,
    },
    /// A recoverable cost.
    Cost {
        /// The cost's id.
        cost: i64,
    },
    /// One outage counted as downtime.
    Outage {
        /// The outage's id.
        outage: String,
    },
    /// The delay payments of one occurrence of a commitment delivered late
    /// (or still overdue), in every month they fall in.
    DelayPayment {
        /// The commitment's id.
        commitment: String,
        /// The occurrence's key: its due date or the month it covers.
        occurrence: String,
    },
}

impl DisputeSubject {
    /// `service_level`, `incident`, `cost`, `outage` or `delay_payment`, as stored.
    pub fn kind(&self) -> &'static str {
        match self {
            DisputeSubject::ServiceLevel { .. } => "service_level",
            DisputeSubject::Incident { .. } => "incident",
            DisputeSubject::Cost { .. } => "cost",
            DisputeSubject::Outage { .. } => "outage",
            DisputeSubject::DelayPayment { .. } => "delay_payment",
        }
    }

    /// The id of what is disputed, as stored: a delay payment's as
    /// `COMMITMENT@OCCURRENCE` (an occurrence key never holds `@`).
    pub fn subject(&self) -> String {
        match self {
            DisputeSubject::ServiceLevel { service_level, .. } => service_level.clone(),
            DisputeSubject::Incident { incident } => incident.clone(),
            DisputeSubject::Cost { cost } => cost.to_string(),
            DisputeSubject::Outage { outage } => outage.clone(),
            DisputeSubject::DelayPayment {
                commitment,
                occurrence,
            } => format!("{commitment}@{occurrence}"),
        }
    }

    /// The month, for a service level's month.
    pub fn period(&self) -> Option<Period> {
        match self {
            DisputeSubject::ServiceLevel { period, .. } => Some(*period),
            _ => None,
        }
    }

    /// Rebuilds a subject from its stored kind, subject and period.
    pub fn from_parts(kind: &str, subject: String, period: Option<Period>) -> Option<Self> {
        match (kind, period) {
            ("service_level", Some(period)) => Some(DisputeSubject::ServiceLevel {
                service_level: subject,
                period,
            }),
            ("incident", None) => Some(DisputeSubject::Incident { incident: subject }),
            ("cost", None) => subject
                .parse()
                .ok()
                .map(|cost| DisputeSubject::Cost { cost }),
            ("outage", None) => Some(DisputeSubject::Outage { outage: subject }),
            ("delay_payment", None) => subject.rsplit_once('@').map(|(commitment, occurrence)| {
                DisputeSubject::DelayPayment {
                    commitment: commitment.to_string(),
                    occurrence: occurrence.to_string(),
                }
            }),
            _ => None,
        }
    }
}

impl fmt::Display for DisputeSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DisputeSubject::ServiceLevel {
                service_level,
                period,
            } => write!(f, "service level {service_level} for {period}"),
            DisputeSubject::Incident { incident } => write!(f, "incident {incident}"),
            DisputeSubject::Cost { cost } => write!(f, "cost {cost}"),
            DisputeSubject::Outage { outage } => write!(f, "outage {outage}"),
            DisputeSubject::DelayPayment {
                commitment,
                occurrence,
            } => write!(f, "the delay payments of {commitment} due {occurrence}"),
        }
    }
}

/// Where a dispute stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisputeStatus {
    /// Open: the amount is claimed but in dispute.
    Disputed,
    /// The customer rejected the dispute: its claim stands and the amount is
    /// undisputed again. Stored as `upheld`.
    Rejected,
    /// The customer accepted the dispute: it withdrew the claim item, which
    /// is no longer claimed. Stored as `withdrawn`.
    Accepted,
}

impl DisputeStatus {
    /// `disputed`, `upheld` or `withdrawn`: the stored (and reported) word.
    pub fn as_str(self) -> &'static str {
        match self {
            DisputeStatus::Disputed => "disputed",
            DisputeStatus::Rejected => "upheld",
            DisputeStatus::Accepted => "withdrawn",
        }
    }

    /// The customer's decision in the words people use: `open`, `rejected`
    /// or `accepted` (see [`DisputeStatus::meaning`]).
    pub fn decision(self) -> &'static str {
        match self {
            DisputeStatus::Disputed => "open",
            DisputeStatus::Rejected => "rejected",
            DisputeStatus::Accepted => "accepted",
        }
    }

    /// What the decision does to the claim.
    pub fn meaning(self) -> &'static str {
        match self {
            DisputeStatus::Disputed => "the amount stays claimed, shown as disputed",
            DisputeStatus::Rejected => "the claim stands",
            DisputeStatus::Accepted => "the claim item is withdrawn",
        }
    }
}

impl FromStr for DisputeStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "disputed" => Ok(DisputeStatus::Disputed),
            "upheld" => Ok(DisputeStatus::Rejected),
            "withdrawn" => Ok(DisputeStatus::Accepted),
            other => Err(format!(
                "unknown dispute status '{other}' (expected disputed, upheld or withdrawn)"
            )),
        }
    }
}

impl fmt::Display for DisputeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One dispute and, once decided, its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispute {
    /// Its id.
    pub id: i64,
    /// What is disputed.
    pub subject: DisputeSubject,
    /// Where it stands.
    pub status: DisputeStatus,
    /// The supplier's grounds, as recorded (escape wherever shown).
    pub note: String,
    /// Who recorded the dispute.
    pub opened_by: String,
    /// When.
    pub opened_at: Instant,
    /// Who decided it.
    pub resolved_by: Option<String>,
    /// When.
    pub resolved_at: Option<Instant>,
    /// Why it was decided that way.
    pub resolution_note: Option<String>,
}

impl Dispute {
    /// True while the dispute is open.
    pub fn is_open(&self) -> bool {
        self.status == DisputeStatus::Disputed
    }
}
