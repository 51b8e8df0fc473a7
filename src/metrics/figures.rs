//! What the metrics say about one contract, taken from the figures live
//! detection has just computed (pure: no I/O, "now" passed in).
//!
//! Every label value here comes from the configuration (contract, service
//! level and service ids, P1..P5, stages, statuses) or is a fixed word:
//! supplier text never becomes a label. An outage of a service the contract
//! does not name is counted under `other`.

use std::collections::{BTreeMap, BTreeSet};

use crate::contract::{Contract, ServiceLevel};
use crate::domain::time::{local_date, start_of_local_day};
use crate::domain::{Instant, Period};
use crate::engine::commitments::{AsOf, CommitmentStatus, Register};
use crate::engine::credits::CreditTotals;
use crate::engine::live::{OpenStage, Stage};
use crate::engine::standing::{LineStanding, MonthStanding, Standing};
use crate::engine::{Evidence, Figures, LevelResult, MonthEvaluation, Status};

/// The service label for an outage of a service no service level names.
pub const OTHER_SERVICE: &str = "other";

/// Open-incident stages, in the order they are exported.
pub const STAGES: [Stage; 3] = [Stage::Within, Stage::AtRisk, Stage::Breached];

/// Commitment statuses, in the order they are exported.
pub const COMMITMENT_STATUSES: [CommitmentStatus; 5] = [
    CommitmentStatus::Pending,
    CommitmentStatus::Delivered,
    CommitmentStatus::Accepted,
    CommitmentStatus::Late,
    CommitmentStatus::Overdue,
];

/// The spelling of a commitment status (as in the report).
pub fn commitment_status(s: CommitmentStatus) -> &'static str {
    match s {
        CommitmentStatus::Pending => "pending",
        CommitmentStatus::Delivered => "delivered",
        CommitmentStatus::Accepted => "accepted",
        CommitmentStatus::Late => "late",
        CommitmentStatus::Overdue => "overdue",
    }
}

/// Where a service level's month stands, as far as can be told today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelState {
    /// At or above target so far.
    Met,
    /// Below target so far, and it can recover without more incidents than
    /// are already open (or, for the proactive share, more proactive work).
    Failing,
    /// Below target, and only more incidents, all met, can bring it back
    /// (how many: `slawatch_service_level_needed_to_recover`).
    AtRisk,
    /// Nothing can bring it back: a 100 % target already missed, or an
    /// availability level's downtime budget spent.
    CertainToFail,
    /// Certain to fail, and its best possible attainment is under
    /// `critical_below`: a critical service level failure in waiting.
    Critical,
    /// Nothing to measure yet.
    NoData,
}

impl LevelState {
    /// Every state, in the order they are exported.
    pub const ALL: [LevelState; 6] = [
        LevelState::Met,
        LevelState::Failing,
        LevelState::AtRisk,
        LevelState::CertainToFail,
        LevelState::Critical,
        LevelState::NoData,
    ];

    /// The `state` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            LevelState::Met => "met",
            LevelState::Failing => "failing",
            LevelState::AtRisk => "at_risk",
            LevelState::CertainToFail => "certain_to_fail",
            LevelState::Critical => "critical",
            LevelState::NoData => "no_data",
        }
    }

    /// The state of a line of the month in progress, from its standing.
    pub fn of(standing: &LineStanding) -> LevelState {
        match standing.standing {
            Standing::CertainToFail if standing.critical => LevelState::Critical,
            Standing::CertainToFail => LevelState::CertainToFail,
            Standing::AtRisk => LevelState::AtRisk,
            Standing::Failing => LevelState::Failing,
            Standing::Met => LevelState::Met,
            Standing::NoData => LevelState::NoData,
        }
    }
}

/// A closed month's verdict for one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosedState {
    /// Target reached.
    Met,
    /// Target missed.
    Failed,
    /// Target missed below `critical_below`.
    Critical,
    /// Nothing was measured.
    NoData,
}

impl ClosedState {
    /// Every state, in the order they are exported.
    pub const ALL: [ClosedState; 4] = [
        ClosedState::Met,
        ClosedState::Failed,
        ClosedState::Critical,
        ClosedState::NoData,
    ];

    /// The `state` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            ClosedState::Met => "met",
            ClosedState::Failed => "failed",
            ClosedState::Critical => "critical",
            ClosedState::NoData => "no_data",
        }
    }

    fn of(line: &LevelResult) -> ClosedState {
        match line.status {
            Status::Met => ClosedState::Met,
            Status::Failed if line.critical => ClosedState::Critical,
            Status::Failed => ClosedState::Failed,
            Status::NoData => ClosedState::NoData,
        }
    }
}

/// The labels that name one line of a month: a service level, and for
/// availability the service measured (`""` otherwise).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineKey {
    /// The service level's id.
    pub level: String,
    /// The service, for availability lines.
    pub service: String,
    /// `response_time`, `resolution_time`, `availability` or `proactive_share`.
    pub kind: &'static str,
}

impl LineKey {
    fn of(line: &LevelResult) -> LineKey {
        LineKey {
            level: line.id.clone(),
            service: line.service.clone().unwrap_or_default(),
            kind: line.kind.as_str(),
        }
    }
}

/// One line of the month so far.
#[derive(Debug, Clone, PartialEq)]
pub struct LineFigures {
    /// Which line.
    pub key: LineKey,
    /// The target attainment.
    pub target_percent: f64,
    /// Below this, a critical failure.
    pub critical_below_percent: Option<f64>,
    /// Attainment so far (three decimals); `None` with nothing measured.
    pub attainment_percent: Option<f64>,
    /// Where the month stands.
    pub state: LevelState,
    /// Incident levels that can still reach target: more incidents, all
    /// met, needed (0 when none are).
    pub needed_to_recover: Option<u64>,
    /// Incident levels: the mean assessed in the last three closed months.
    pub typical_volume: Option<f64>,
    /// The line's credit if the month ended now, in minor units.
    pub credit_minor: i64,
    /// Incident levels: (assessed, met) so far.
    pub incidents: Option<(u64, u64)>,
    /// Availability: (business seconds of the month, downtime seconds so far).
    pub availability: Option<(i64, f64)>,
}

/// Everything exported about one contract's month to date.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractFigures {
    /// The contract's id.
    pub contract: String,
    /// Its currency code.
    pub currency: String,
    /// Decimals of the currency's minor unit.
    pub exponent: u32,
    /// The month measured.
    pub period: Period,
    /// One per line.
    pub lines: Vec<LineFigures>,
    /// Open incidents by (service level, priority, stage); every combination
    /// the configuration allows is present, at zero when none.
    pub open_incidents: BTreeMap<(String, &'static str, &'static str), u64>,
    /// Incidents assessed as breached this month by (service level, priority).
    pub breached: BTreeMap<(String, &'static str), u64>,
    /// Unplanned outages open now by (service, impact).
    pub open_outages: BTreeMap<(String, &'static str), u64>,
    /// Proactive work items opened this month.
    pub proactive: u64,
    /// Reactive work items opened this month.
    pub reactive: u64,
    /// Credits so far, before and after the cap.
    pub credits: CreditTotals,
    /// The monthly charge.
    pub monthly_charge_minor: i64,
    /// The annual cap's position after the month so far, when the contract has one.
    pub annual: Option<crate::engine::contract_year::AnnualPosition>,
    /// The month's service points so far, when a line uses that scheme.
    pub points: Option<u32>,
    /// Recoverable costs dated this month.
    pub recoverable_minor: i64,
    /// Commitment occurrences shown for this month, by status.
    pub commitments: BTreeMap<&'static str, u64>,
    /// Each commitment's earliest occurrence shown (overdue first): the start
    /// of its due day in the contract's timezone.
    pub commitment_due: BTreeMap<String, i64>,
}

/// The services a contract's configuration names.
pub fn configured_services(contract: &Contract) -> BTreeSet<&str> {
    contract
        .service_levels
        .iter()
        .flat_map(|l| l.services.iter().map(String::as_str))
        .collect()
}

impl ContractFigures {
    /// Takes the month's evaluation, the open incidents' stages, each line's
    /// standing and the evidence detection read, as seen at `now`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        contract: &Contract,
        evaluation: &MonthEvaluation,
        open: &[OpenStage],
        standing: &MonthStanding,
        evidence: &Evidence,
        register: &Register,
        recoverable_minor: i64,
        now: Instant,
    ) -> ContractFigures {
        let lines = evaluation
            .levels
            .iter()
            .filter_map(|line| {
                let level = contract.service_level_in(&line.id, evaluation.period)?;
                let standing = standing.line(&line.id, line.service.as_deref())?;
                Some(line_figures(level, line, standing))
            })
            .collect();

        let incident_levels = contract
            .levels_in_force(evaluation.period)
            .filter(|l| l.target_seconds.is_some());
        let mut open_incidents = BTreeMap::new();
        let mut breached = BTreeMap::new();
        for level in incident_levels {
            for p in &level.priorities {
                breached.insert((level.id.clone(), p.as_str()), 0);
                for stage in STAGES {
                    open_incidents.insert((level.id.clone(), p.as_str(), stage.as_str()), 0);
                }
            }
        }
        for s in open {
            *open_incidents
                .entry((s.level.clone(), s.priority.as_str(), s.stage.as_str()))
                .or_insert(0) += 1;
        }
        for line in &evaluation.levels {
            if let Figures::Incidents(f) = &line.figures {
                for b in &f.breaches {
                    *breached
                        .entry((line.id.clone(), b.priority.as_str()))
                        .or_insert(0) += 1;
                }
            }
        }

        let services = configured_services(contract);
        let mut open_outages = BTreeMap::new();
        for service in &services {
            for impact in ["full", "partial"] {
                open_outages.insert((service.to_string(), impact), 0);
            }
        }
        for o in evidence
            .outages
            .iter()
            .filter(|o| !o.planned && o.start <= now && o.end.is_none_or(|e| e > now))
        {
            let service = if services.contains(o.service.as_str()) {
                o.service.clone()
            } else {
                OTHER_SERVICE.to_string()
            };
            *open_outages
                .entry((service, o.impact.as_str()))
                .or_insert(0) += 1;
        }

        let (mut proactive, mut reactive) = (0, 0);
        for tally in &evidence.work {
            if tally.is_proactive() {
                proactive += tally.count;
            } else {
                reactive += tally.count;
            }
        }

        let today = local_date(contract.timezone, now);
        let mut commitments: BTreeMap<&'static str, u64> = COMMITMENT_STATUSES
            .iter()
            .map(|s| (commitment_status(*s), 0))
            .collect();
        let mut commitment_due = BTreeMap::new();
        let as_of = AsOf { now, today };
        for shown in register.for_period(evaluation.period, as_of) {
            let o = &shown.occurrence;
            *commitments.entry(commitment_status(o.status)).or_insert(0) += 1;
            let due = start_of_local_day(contract.timezone, o.due).timestamp();
            commitment_due
                .entry(o.id.clone())
                .and_modify(|d: &mut i64| *d = (*d).min(due))
                .or_insert(due);
        }

        ContractFigures {
            contract: contract.id.clone(),
            currency: contract.currency.code().to_string(),
            exponent: contract.currency.exponent(),
            period: evaluation.period,
            lines,
            open_incidents,
            breached,
            open_outages,
            proactive,
            reactive,
            credits: evaluation.credits,
            monthly_charge_minor: evaluation.charge_minor.unwrap_or(0),
            annual: evaluation.annual,
            points: evaluation.points,
            recoverable_minor,
            commitments,
            commitment_due,
        }
    }

    /// An amount in minor units as major units of the contract's currency.
    pub fn major(&self, minor: i64) -> f64 {
        major(minor, self.exponent)
    }
}

/// Minor units → major units (pence → pounds).
pub fn major(minor: i64, exponent: u32) -> f64 {
    minor as f64 / 10f64.powi(exponent as i32)
}

fn line_figures(level: &ServiceLevel, line: &LevelResult, standing: &LineStanding) -> LineFigures {
    LineFigures {
        key: LineKey::of(line),
        target_percent: line.target_percent.as_f64(),
        critical_below_percent: level.critical_below.map(|c| c.as_f64()),
        attainment_percent: line.attainment.map(|a| a.rounded3()),
        state: LevelState::of(standing),
        needed_to_recover: standing.needed_to_recover,
        typical_volume: standing.typical_volume.map(|v| v.mean()),
        credit_minor: line.credit_minor,
        incidents: match &line.figures {
            Figures::Incidents(f) => Some((f.assessed, f.met)),
            _ => None,
        },
        availability: match &line.figures {
            Figures::Availability(f) => Some((f.service_seconds, f.downtime_seconds())),
            _ => None,
        },
    }
}

/// The last closed month of one contract, kept until the month changes.
#[derive(Debug, Clone, PartialEq)]
pub struct LastMonthFigures {
    /// The contract's id.
    pub contract: String,
    /// Its currency code.
    pub currency: String,
    /// Decimals of the currency's minor unit.
    pub exponent: u32,
    /// The month.
    pub period: Period,
    /// When it was evaluated.
    pub computed_at: Instant,
    /// Each line's final attainment and verdict.
    pub lines: Vec<(LineKey, Option<f64>, ClosedState)>,
    /// Credits after the cap.
    pub credits_minor: i64,
    /// Recoverable costs dated in the month.
    pub recoverable_minor: i64,
    /// The escalation rules the month triggered: (rule, consequence).
    pub escalations: Vec<(String, String)>,
    /// The month's assurance rating (green 0, amber 1, red 2) and trend
    /// (improving -1, steady 0, worsening 1; `None` with fewer than six
    /// months rated); `None` when not rated.
    pub assurance: Option<(u32, Option<i64>)>,
}

impl LastMonthFigures {
    /// Takes a closed month's evaluation and its recoverable costs.
    pub fn new(
        contract: &Contract,
        evaluation: &MonthEvaluation,
        recoverable_minor: i64,
    ) -> LastMonthFigures {
        LastMonthFigures {
            contract: contract.id.clone(),
            currency: contract.currency.code().to_string(),
            exponent: contract.currency.exponent(),
            period: evaluation.period,
            computed_at: evaluation.evaluated_at,
            lines: evaluation
                .levels
                .iter()
                .map(|l| {
                    (
                        LineKey::of(l),
                        l.attainment.map(|a| a.rounded3()),
                        ClosedState::of(l),
                    )
                })
                .collect(),
            credits_minor: evaluation.credits.total_minor,
            recoverable_minor,
            escalations: Vec::new(),
            assurance: None,
        }
    }
}

#[cfg(test)]
#[path = "figures_tests.rs"]
mod tests;
