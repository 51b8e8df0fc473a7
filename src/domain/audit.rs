//! The audit trail: every cost, excusal and dispute change with who made it,
//! when, what changed and why. Append-only; the report quotes it.

use super::period::Period;
use super::time::Instant;

/// One change, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Its place in the trail.
    pub id: i64,
    /// When.
    pub at: Instant,
    /// Who: `--by NAME` on the command line, the token's name over HTTP.
    pub by: String,
    /// `cost.add`, `cost.remove`, `excusal.add`, `excusal.revoke`,
    /// `dispute.open`, `dispute.uphold` or `dispute.withdraw`.
    pub action: String,
    /// What it is about: `cost`, `incident`, `outage` or `service_level`.
    pub kind: String,
    /// The cost, incident, outage or service level id.
    pub subject: String,
    /// The month it bears on, when fixed (costs, service level months).
    pub period: Option<Period>,
    /// What changed, in words (escape wherever shown).
    pub detail: String,
    /// Why, as given.
    pub reason: Option<String>,
}

/// What people recorded about one contract-month, as its report quotes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonthRecords {
    /// The costs dated in the month, removed ones included, each with its
    /// latest dispute.
    pub costs: Vec<super::Cost>,
    /// Every dispute of those costs, whatever its status, by id.
    pub cost_disputes: Vec<super::Dispute>,
    /// The contract's audit trail (the report keeps what bears on the month).
    pub audit: Vec<AuditEntry>,
    /// Every gate record of those costs (opened or withdrawn), by id.
    pub cost_gates: Vec<super::CostGate>,
    /// Every dispute of a commitment's delay payments, whatever its status,
    /// by id (the report keeps those of the occurrences it shows).
    pub delay_payment_disputes: Vec<super::Dispute>,
    /// The evidence files whose subject bears on the month, by id.
    pub evidence_files: Vec<super::EvidenceFile>,
}
