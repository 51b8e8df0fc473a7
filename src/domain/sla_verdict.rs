//! The supplier's own verdict on one SLA of one incident, as ServiceNow's
//! `task_sla` records it: evidence of what the supplier claims, compared
//! with slawatch's own measurement (see `engine::verdicts`).

/// One `task_sla` row: the supplier's clock for one SLA on one incident.
/// Instants in epoch seconds, durations in seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaVerdict {
    /// The `task_sla` record's sys_id (its key with the contract).
    pub sys_id: String,
    /// The incident's number.
    pub incident_id: String,
    /// The SLA definition's name (its sys_id when the name is not readable).
    pub sla_name: Option<String>,
    /// `in_progress`, `paused`, `completed`, `cancelled` …, as ServiceNow says.
    pub stage: Option<String>,
    /// The supplier's own verdict.
    pub has_breached: Option<bool>,
    /// When the SLA clock started.
    pub start_at: Option<i64>,
    /// When it stopped.
    pub end_at: Option<i64>,
    /// When it breaches (or breached).
    pub planned_end_at: Option<i64>,
    /// Elapsed business time by the supplier's schedule.
    pub business_duration_seconds: Option<i64>,
    /// Time the supplier paused the clock.
    pub pause_duration_seconds: Option<i64>,
    /// When ServiceNow last updated the row (`sys_updated_on`).
    pub updated_at: i64,
}
