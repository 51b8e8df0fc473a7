//! The pack's figures: its JSON, kept with every issued version, from which
//! its document is laid out and against which the next pack says what
//! changed. Money in minor units of each contract's currency; instants in
//! UTC (RFC 3339); months `YYYY-MM`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{Action, ActionStatus};
use crate::engine::commitment_categories::CategoryTally;
use crate::engine::follow_up::FollowUpRow;

/// The version of the pack's published schema
/// (`docs/schema/pack.schema.json`): the minor number moves when a field or
/// value is added, the major when one is removed, renamed or changes
/// meaning.
pub const PACK_SCHEMA_VERSION: &str = "1.0";

/// The whole pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pack {
    /// [`PACK_SCHEMA_VERSION`]: which published schema the pack follows.
    pub schema_version: String,
    /// `*` for every contract, else the one contract's id.
    pub scope: String,
    /// The first month.
    pub from: String,
    /// The last month (inclusive).
    pub to: String,
    /// Every month covered, oldest first.
    pub months: Vec<String>,
    /// When the figures were read.
    pub prepared_at: String,
    /// The issued version; `null` for a pack not issued.
    pub issue: Option<PackIssue>,
    /// One part per contract, in the configuration's order.
    pub contracts: Vec<ContractPack>,
    /// The follow-up summary: one line per origin, then the total.
    pub follow_up: Vec<FollowUpLine>,
    /// Every action of the pack's contracts.
    pub actions: Vec<ActionLine>,
    /// What changed since the last pack issued before this one's months;
    /// `null` when there was none.
    pub changes: Option<Changes>,
}

impl Pack {
    /// The pack's figures alone: without when it was prepared or issued,
    /// for deciding whether anything changed since a version.
    pub fn figures(&self) -> Pack {
        Pack {
            prepared_at: String::new(),
            issue: None,
            ..self.clone()
        }
    }
}

/// An issued version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackIssue {
    /// 1 for the first issue.
    pub version: i64,
    /// When (RFC 3339, UTC).
    pub issued_at: String,
}

/// One contract over the pack's months.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractPack {
    /// Its id.
    pub id: String,
    /// Its name (the id when it has none).
    pub name: String,
    /// The supplier.
    pub supplier: String,
    /// The currency's code.
    pub currency: String,
    /// Each month, oldest first.
    pub months: Vec<MonthLine>,
    /// Each service-level line over the months.
    pub levels: Vec<LevelLine>,
    /// Every outage counted in the months, oldest first.
    pub outages: Vec<OutageLine>,
    /// The outages counted per cause (`null` cause: not recorded).
    pub outage_causes: Vec<CauseCount>,
    /// Commitments due in the months, per category.
    pub commitment_categories: Vec<CategoryLine>,
    /// The DR register at the last month; `null` without DR systems.
    pub disaster_recovery: Option<DrLine>,
}

/// One contract-month, as its monthly report gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthLine {
    /// The month.
    pub period: String,
    /// `green`, `amber` or `red`; `null` for a month not rated.
    pub rating: Option<String>,
    /// `improving`, `steady` or `worsening`; `null` without six rated months.
    pub trend: Option<String>,
    /// What made it amber or red.
    pub reasons: Vec<String>,
    /// Service-level lines.
    pub levels_total: usize,
    /// Of those, failed.
    pub levels_failed: usize,
    /// Of those, critical failures.
    pub critical_failures: usize,
    /// Service credits after the caps.
    pub service_credits_minor: i64,
    /// Recoverable costs claimed.
    pub recoverable_costs_minor: i64,
    /// The month's claim.
    pub total_claim_minor: i64,
    /// Credited against the month's issued claim so far.
    pub credited_minor: i64,
    /// Refused of it so far.
    pub refused_minor: i64,
    /// Claimed less credited; `null` while the month is not issued.
    pub outstanding_minor: Option<i64>,
    /// Proactive items, where the contract measures the proactive share.
    pub proactive: Option<u64>,
    /// Reactive items.
    pub reactive: Option<u64>,
    /// The proactive share.
    pub proactive_percent: Option<f64>,
    /// Its target.
    pub proactive_target_percent: Option<f64>,
}

impl MonthLine {
    /// A month with nothing in it: no rating, no level, no money.
    pub fn empty(period: &str) -> MonthLine {
        MonthLine {
            period: period.to_string(),
            rating: None,
            trend: None,
            reasons: Vec::new(),
            levels_total: 0,
            levels_failed: 0,
            critical_failures: 0,
            service_credits_minor: 0,
            recoverable_costs_minor: 0,
            total_claim_minor: 0,
            credited_minor: 0,
            refused_minor: 0,
            outstanding_minor: None,
            proactive: None,
            reactive: None,
            proactive_percent: None,
            proactive_target_percent: None,
        }
    }
}

/// One service-level line over the months.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelLine {
    /// The service level's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The service, for a per-service line.
    pub service: Option<String>,
    /// Its kind.
    pub kind: String,
    /// The target.
    pub target_percent: f64,
    /// Whether it is critical.
    pub critical: bool,
    /// One per month of the pack; `null` where the month has no such line.
    pub months: Vec<Option<LevelMonth>>,
}

/// A line's month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelMonth {
    /// Attainment; `null` with nothing measured.
    pub attainment_percent: Option<f64>,
    /// `met`, `failed` or `not_measured`, as the month's report says.
    pub status: String,
}

/// One outage counted against a service level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutageLine {
    /// Its id.
    pub id: String,
    /// The service.
    pub service: String,
    /// When it began.
    pub start: String,
    /// When it ended; `null` while ongoing.
    pub end: Option<String>,
    /// End less start.
    pub duration_seconds: Option<i64>,
    /// `full` or `partial`.
    pub impact: String,
    /// Its cause as classified; `null` when not recorded.
    pub cause: Option<String>,
}

/// Outages of one cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CauseCount {
    /// The cause; `null` for outages whose cause is not recorded.
    pub cause: Option<String>,
    /// How many.
    pub outages: u32,
    /// Their durations summed (ended outages only).
    pub seconds: i64,
}

impl CauseCount {
    /// The outages counted per cause, recorded causes first (by name),
    /// then those not recorded.
    pub fn of(outages: &[OutageLine]) -> Vec<CauseCount> {
        let mut by: BTreeMap<(bool, Option<&str>), (u32, i64)> = BTreeMap::new();
        for o in outages {
            let e = by
                .entry((o.cause.is_none(), o.cause.as_deref()))
                .or_default();
            e.0 += 1;
            e.1 += o.duration_seconds.unwrap_or(0);
        }
        by.into_iter()
            .map(|((_, cause), (outages, seconds))| CauseCount {
                cause: cause.map(str::to_string),
                outages,
                seconds,
            })
            .collect()
    }
}

/// One category's commitments due in the pack's months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryLine {
    /// The category.
    pub category: String,
    /// Due in the months.
    pub committed: u32,
    /// Delivered with evidence.
    pub delivered: u32,
    /// Accepted.
    pub accepted: u32,
    /// Delivered late.
    pub late: u32,
    /// Past due and not delivered.
    pub overdue: u32,
    /// Due and with no evidence delivered.
    pub unevidenced: u32,
}

impl From<&CategoryTally> for CategoryLine {
    fn from(t: &CategoryTally) -> Self {
        CategoryLine {
            category: t.category.to_string(),
            committed: t.committed,
            delivered: t.delivered,
            accepted: t.accepted,
            late: t.late,
            overdue: t.overdue,
            unevidenced: t.unevidenced(),
        }
    }
}

/// The DR register at the pack's last month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrLine {
    /// The date it was assessed at.
    pub as_of: String,
    /// The risk band.
    pub rating: String,
    /// The contract's score.
    pub score: u32,
    /// Each system.
    pub systems: Vec<DrSystemLine>,
}

/// One DR system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrSystemLine {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its score.
    pub score: u32,
    /// The flags raised.
    pub flags: Vec<String>,
    /// Whether it rests on a vendor's assurance rather than a test the
    /// council saw.
    pub rests_on_third_party_assurance: bool,
}

/// One origin's line of the follow-up summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpLine {
    /// The audit, resolution or plan (`Total` for the last line).
    pub origin: String,
    /// Fully implemented.
    pub fully_implemented: u64,
    /// Substantially implemented.
    pub substantially_implemented: u64,
    /// Partially implemented.
    pub partially_implemented: u64,
    /// Not implemented.
    pub not_implemented: u64,
    /// Closed.
    pub closed: u64,
    /// Overdue.
    pub overdue: u64,
}

impl From<&FollowUpRow> for FollowUpLine {
    fn from(r: &FollowUpRow) -> Self {
        FollowUpLine {
            origin: r.origin.clone(),
            fully_implemented: r.count(ActionStatus::FullyImplemented),
            substantially_implemented: r.count(ActionStatus::SubstantiallyImplemented),
            partially_implemented: r.count(ActionStatus::PartiallyImplemented),
            not_implemented: r.count(ActionStatus::NotImplemented),
            closed: r.count(ActionStatus::Closed),
            overdue: r.overdue,
        }
    }
}

/// One action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionLine {
    /// Its contract.
    pub contract: String,
    /// Its id.
    pub id: String,
    /// Its origin.
    pub origin: String,
    /// What it is.
    pub title: String,
    /// Who owns it.
    pub owner: String,
    /// When it is due (a revised date when one was agreed).
    pub due: String,
    /// Where it stands (`fully_implemented` …).
    pub status: String,
    /// Days past due when overdue.
    pub days_overdue: Option<i64>,
}

impl ActionLine {
    /// The action as it stands on `today`.
    pub fn new(a: &Action, today: NaiveDate) -> ActionLine {
        ActionLine {
            contract: a.contract.clone(),
            id: a.id.clone(),
            origin: a.origin.clone(),
            title: a.title.clone(),
            owner: a.owner.clone(),
            due: a.due().to_string(),
            status: a.status().as_str().to_string(),
            days_overdue: a.is_overdue(today).then(|| a.days_overdue(today)),
        }
    }
}

/// What changed since the last pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    /// The last pack: its months and version.
    pub since_from: String,
    /// Its last month.
    pub since_to: String,
    /// Its version.
    pub since_version: i64,
    /// Each change in words.
    pub lines: Vec<String>,
}
