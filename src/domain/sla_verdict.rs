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
    /// Time the supplier paused the clock (wall-clock).
    pub pause_duration_seconds: Option<i64>,
    /// Business time the supplier paused the clock, by its schedule
    /// (`business_pause_duration`): what compares with business durations.
    pub business_pause_seconds: Option<i64>,
    /// Which clock the SLA definition runs: `response` or `resolution`
    /// (its `target`), when the instance says.
    pub target: Option<String>,
    /// When ServiceNow last updated the row (`sys_updated_on`).
    pub updated_at: i64,
}

impl SlaVerdict {
    /// Whether the definition times the response (else the resolution):
    /// its `target` when the instance gave one, else a name that says so
    /// ("P1 response").
    pub fn times_response(&self) -> bool {
        match self.target.as_deref() {
            Some(target) => target == "response",
            None => self
                .sla_name
                .as_deref()
                .is_some_and(|n| n.to_lowercase().contains("respon")),
        }
    }

    /// The business time the supplier's clock was paused: its business
    /// pause when known, else the wall-clock pause.
    pub fn paused_seconds(&self) -> Option<i64> {
        self.business_pause_seconds.or(self.pause_duration_seconds)
    }
}
