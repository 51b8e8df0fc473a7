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
//! - [`escalation`]: the escalation ladder: rules, consequences, the supplier's deadline.
//! - [`terms`]: the dated charge, credit schemes, the low-volume rule, the contract year.
//! - [`subscription`]: what each manager hears about, when, and their quiet hours.
//! - [`recovery`]: costs recoverable always or behind a gate; when to chase an unpaid claim.

pub mod calendar;
pub mod claim;
pub mod commitment;
pub mod dr;
pub mod due_dates;
pub mod escalation;
pub mod recovery;
pub mod subscription;
pub mod terms;

use std::sync::Arc;

use chrono_tz::Tz;

use crate::domain::{Currency, Money, Percent, Period, Priority, Weight};
pub use calendar::Calendar;
pub use commitment::Commitment;
pub use dr::DrSystem;
pub use terms::{ChargeSchedule, CreditScheme, CreditTier, DatedCharge, LowVolume, PointBand};

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
    /// The monthly charge credits are a percentage of, month by month.
    pub monthly_charge: ChargeSchedule,
    /// The most credits can take in one month, as a percentage of the charge.
    pub service_credit_cap_percent: Percent,
    /// The most credits can take in a contract year, as a percentage of the
    /// sum of that year's monthly charges (`annual_cap_percent`).
    pub annual_cap_percent: Option<Percent>,
    /// The month (1..=12) the contract year starts in (`contract_year_starts`, default 1).
    pub contract_year_starts: u32,
    /// The contract's first month (`start`): earlier months have no charge.
    pub start: Option<Period>,
    /// What one service point is worth, as a percentage of the monthly charge.
    pub point_value_percent: Option<Percent>,
    /// What a service-points line's points are multiplied by when the same
    /// line also failed the month before (`repeat_multiplier`, default 2).
    pub repeat_multiplier: u32,
    /// Who to alert.
    pub managers: Vec<String>,
    /// The preferences of the managers given as `[[contracts.managers]]`
    /// tables; a manager given as a plain address has none (the defaults).
    pub subscriptions: Vec<subscription::Subscription>,
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
    /// The escalation ladder (`[[contracts.escalations]]`), in the order written.
    pub escalations: Vec<escalation::EscalationRule>,
    /// Whether the scheduled report is issued at once (`auto_issue = true`)
    /// rather than drafted and held for a manager's approval.
    pub auto_issue: bool,
    /// When the scheduled draft (or issue) of a closed month may be made.
    pub issue_when: IssueWhen,
    /// How the contract is named on the claim document.
    pub particulars: claim::ClaimParticulars,
    /// Whether the issued report's email also carries the evidence files of
    /// the month's records (`attach_evidence_files = true`; default false).
    pub attach_evidence_files: bool,
}

/// When the scheduled draft (or, with `auto_issue`, the issue) of a closed
/// month may be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IssueWhen {
    /// At the report schedule (`issue_when = "schedule"`, the default).
    #[default]
    Schedule,
    /// `issue_when = "feeds_complete"`: once every source expected for the
    /// month has delivered data dated in it, or `deadline_days` calendar
    /// days after the month's end (in the contract's timezone), whichever
    /// comes first.
    FeedsComplete {
        /// `issue_deadline_days`, 10 unless set.
        deadline_days: u32,
    },
}

/// The deadline of `issue_when = "feeds_complete"` unless set: ten calendar
/// days after the month's end.
pub const DEFAULT_ISSUE_DEADLINE_DAYS: u32 = 10;

/// The `rewrite_grace` of a contract that does not set one: a day.
pub const DEFAULT_REWRITE_GRACE_SECONDS: i64 = 86_400;

impl Contract {
    /// A service level with this id (the first version written, when the
    /// contract varies it over time): for checking that an id exists.
    pub fn service_level(&self, id: &str) -> Option<&ServiceLevel> {
        self.service_levels.iter().find(|s| s.id == id)
    }

    /// The service levels in force in `period`, in the order written.
    pub fn levels_in_force(&self, period: Period) -> impl Iterator<Item = &ServiceLevel> {
        self.service_levels
            .iter()
            .filter(move |s| s.in_force(period))
    }

    /// The version of service level `id` in force in `period`.
    pub fn service_level_in(&self, id: &str, period: Period) -> Option<&ServiceLevel> {
        self.levels_in_force(period).find(|s| s.id == id)
    }

    /// The charge credits of `period` are a percentage of: `None` before the
    /// contract's start or its first dated charge.
    pub fn charge_for(&self, period: Period) -> Option<Money> {
        if self.start.is_some_and(|start| period < start) {
            return None;
        }
        self.monthly_charge.for_month(period)
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
    /// How a failed month earns credit.
    pub credit_scheme: CreditScheme,
    /// Incident levels: the low-volume rule, when the contract has one.
    pub low_volume: Option<LowVolume>,
    /// The first month this version is in force (`from`), if limited.
    pub from: Option<Period>,
    /// The last month this version is in force (`until`), if limited.
    pub until: Option<Period>,
}

impl ServiceLevel {
    /// True when this version of the level applies to `period`.
    pub fn in_force(&self, period: Period) -> bool {
        self.from.is_none_or(|from| from <= period)
            && self.until.is_none_or(|until| period <= until)
    }

    /// The months this version is in force, in words: "every month",
    /// "every month from 2027-01", "2026-04 to 2026-12".
    pub fn in_force_text(&self) -> String {
        match (self.from, self.until) {
            (None, None) => "every month".to_string(),
            (Some(f), None) => format!("every month from {f}"),
            (None, Some(u)) => format!("every month until {u}"),
            (Some(f), Some(u)) if f == u => format!("{f} only"),
            (Some(f), Some(u)) => format!("{f} to {u}"),
        }
    }
}
