//! The normalised evidence records of the interchange formats
//! (docs/book/src/integrators/formats.md), as
//! the engine sees them.

use std::fmt;
use std::str::FromStr;

use super::percent::Percent;
use super::period::Period;
use super::time::Instant;

/// An incident priority, `P1` (most urgent) to `P5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// Priority 1.
    P1,
    /// Priority 2.
    P2,
    /// Priority 3.
    P3,
    /// Priority 4.
    P4,
    /// Priority 5.
    P5,
}

impl Priority {
    /// Every priority, most urgent first.
    pub const ALL: [Priority; 5] = [
        Priority::P1,
        Priority::P2,
        Priority::P3,
        Priority::P4,
        Priority::P5,
    ];

    /// `P1`..`P5`.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
            Priority::P4 => "P4",
            Priority::P5 => "P5",
        }
    }
}

impl FromStr for Priority {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "P1" => Ok(Priority::P1),
            "P2" => Ok(Priority::P2),
            "P3" => Ok(Priority::P3),
            "P4" => Ok(Priority::P4),
            "P5" => Ok(Priority::P5),
            other => Err(format!("unknown priority '{other}' (expected P1 to P5)")),
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A supplier ticket for something broken, with the holds on its clock.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// The supplier's ticket number.
    pub id: String,
    /// Its priority.
    pub priority: Priority,
    /// The service it affects, when known.
    pub service: Option<String>,
    /// When it was raised.
    pub opened_at: Instant,
    /// When the supplier first responded.
    pub responded_at: Option<Instant>,
    /// When it was resolved.
    pub resolved_at: Option<Instant>,
    /// The supplier's title (free text: escape wherever shown).
    pub title: Option<String>,
    /// Why the contract does not count it, when excused.
    pub excused_reason: Option<String>,
    /// Intervals during which its clock may be paused.
    pub holds: Vec<Hold>,
    /// What its source could not read about it, when anything.
    pub unknown: ClockUnknown,
}

/// What a source could not read about an incident: its response instant,
/// its holds, or both (a ServiceNow API user without access to the audit
/// history). A clock that would breach on what is known is then not judged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClockUnknown {
    /// The response instant is not known.
    pub response: bool,
    /// The holds are not known.
    pub holds: bool,
    /// Why, in words (names what the source's user lacks).
    pub reason: String,
}

impl ClockUnknown {
    /// True when something is not known.
    pub fn any(&self) -> bool {
        self.response || self.holds
    }
}

/// A hold on an incident's clock.
#[derive(Debug, Clone, PartialEq)]
pub struct Hold {
    /// When the hold began.
    pub start: Instant,
    /// When it ended; `None` while still on hold.
    pub end: Option<Instant>,
    /// Why: only `awaiting_customer` stops the resolution clock.
    pub reason: String,
}

impl Hold {
    /// The reason that pauses the resolution clock (see
    /// docs/book/src/reference/measures.md).
    pub const AWAITING_CUSTOMER: &'static str = "awaiting_customer";

    /// True when this hold stops the resolution clock.
    pub fn pauses_clock(&self) -> bool {
        self.reason == Self::AWAITING_CUSTOMER
    }
}

/// Whether an outage took a service down or only degraded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impact {
    /// The service was unavailable.
    Full,
    /// The service was degraded.
    Partial,
}

impl Impact {
    /// `full` or `partial`.
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Full => "full",
            Impact::Partial => "partial",
        }
    }
}

impl FromStr for Impact {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "" | "full" => Ok(Impact::Full),
            "partial" => Ok(Impact::Partial),
            other => Err(format!(
                "unknown impact '{other}' (expected full or partial)"
            )),
        }
    }
}

/// An interval during which a service was unavailable or degraded.
#[derive(Debug, Clone, PartialEq)]
pub struct Outage {
    /// Its identifier within the contract.
    pub id: String,
    /// The service affected.
    pub service: String,
    /// When it began.
    pub start: Instant,
    /// When it ended; `None` while ongoing.
    pub end: Option<Instant>,
    /// Full or partial.
    pub impact: Impact,
    /// Agreed maintenance: never downtime.
    pub planned: bool,
    /// Who reported it (supplier pack, customer monitoring …).
    pub source: Option<String>,
}

/// The kind of a unit of supplier work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkKind {
    /// Something broken: reactive.
    Incident,
    /// Root-cause work: proactive.
    Problem,
    /// A change: proactive unless an emergency.
    Change,
}

impl WorkKind {
    /// The interchange spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkKind::Incident => "incident",
            WorkKind::Problem => "problem",
            WorkKind::Change => "change",
        }
    }
}

impl FromStr for WorkKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "incident" => Ok(WorkKind::Incident),
            "problem" => Ok(WorkKind::Problem),
            "change" => Ok(WorkKind::Change),
            other => Err(format!(
                "unknown kind '{other}' (expected incident, problem or change)"
            )),
        }
    }
}

/// The type of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeType {
    /// Pre-approved routine change.
    Standard,
    /// Planned change through the normal approval.
    Normal,
    /// A change forced by something broken: reactive.
    Emergency,
}

impl ChangeType {
    /// The interchange spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeType::Standard => "standard",
            ChangeType::Normal => "normal",
            ChangeType::Emergency => "emergency",
        }
    }
}

impl FromStr for ChangeType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "standard" => Ok(ChangeType::Standard),
            "normal" => Ok(ChangeType::Normal),
            "emergency" => Ok(ChangeType::Emergency),
            other => Err(format!(
                "unknown change_type '{other}' (expected standard, normal or emergency)"
            )),
        }
    }
}

/// The proactive-share classification (see docs/book/src/reference/measures.md) of a work
/// item from its kind, change type and explicit statement.
pub fn is_proactive(kind: WorkKind, change_type: Option<ChangeType>, stated: Option<bool>) -> bool {
    if let Some(explicit) = stated {
        return explicit;
    }
    match kind {
        WorkKind::Incident => false,
        WorkKind::Problem => true,
        WorkKind::Change => change_type != Some(ChangeType::Emergency),
    }
}

/// How many work items of one class were opened in a month: the store counts
/// them, so a month with tens of thousands of items costs a handful of rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkTally {
    /// Incident, problem or change.
    pub kind: WorkKind,
    /// For changes: standard, normal or emergency.
    pub change_type: Option<ChangeType>,
    /// An explicit classification that overrides the rule.
    pub proactive: Option<bool>,
    /// How many.
    pub count: u64,
}

impl WorkTally {
    /// True when items of this class are proactive.
    pub fn is_proactive(&self) -> bool {
        is_proactive(self.kind, self.change_type, self.proactive)
    }
}

/// A figure the supplier reported about itself for a service level and month.
#[derive(Debug, Clone, PartialEq)]
pub struct SupplierKpi {
    /// The service level it claims to measure.
    pub service_level: String,
    /// The month.
    pub period: Period,
    /// The attainment the supplier reported.
    pub attainment: Percent,
}

/// Money the customer spent because of a breach, claimable from the supplier
/// (never capped; it belongs to the month of its date: see
/// docs/book/src/reference/measures.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoverableCost {
    /// When the cost was incurred.
    pub date: chrono::NaiveDate,
    /// The amount in minor units.
    pub amount_minor: i64,
    /// What was bought.
    pub description: String,
    /// Where the proof is (purchase order, invoice).
    pub evidence: String,
    /// The breach it arose from, where known.
    pub breach: Option<String>,
}

/// Parses the interchange booleans `true`/`false` (also `yes`/`no`, `1`/`0`).
pub fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        other => Err(format!("'{other}' is not true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_work_as_spec_2_5_says() {
        assert!(!is_proactive(WorkKind::Incident, None, None));
        assert!(is_proactive(WorkKind::Problem, None, None));
        assert!(is_proactive(
            WorkKind::Change,
            Some(ChangeType::Standard),
            None
        ));
        assert!(is_proactive(
            WorkKind::Change,
            Some(ChangeType::Normal),
            None
        ));
        assert!(!is_proactive(
            WorkKind::Change,
            Some(ChangeType::Emergency),
            None
        ));
        // The item's own statement overrides the rule, both ways.
        assert!(is_proactive(WorkKind::Incident, None, Some(true)));
        assert!(!is_proactive(WorkKind::Problem, None, Some(false)));
    }
}
