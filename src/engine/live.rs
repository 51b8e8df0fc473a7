//! The month in progress, as it stands now (pure): the month's evaluation so
//! far and where each open incident stands against its targets. Live
//! detection computes it once per contract per run and hands the same view
//! to the alerts and the metrics; the API shows the open incidents from it.

use crate::contract::Contract;
use crate::domain::{Instant, Period, Priority};

use super::clock::ClockStatus;
use super::contract_year::{Prior, evaluate_with_prior};
use super::incidents::{applies, clock_for};
use super::records::RecordsInForce;
use super::standing::{MonthStanding, TypicalVolumes};
use super::{Evidence, MonthEvaluation};

/// One contract's month in progress as at an instant.
#[derive(Debug, Clone)]
pub struct LiveMonth {
    /// The month's figures so far.
    pub evaluation: MonthEvaluation,
    /// Every open incident against each incident level that applies.
    pub open: Vec<OpenStage>,
    /// Where each line stands: failing so far, at risk or certain to fail.
    pub standing: MonthStanding,
}

impl LiveMonth {
    /// Evaluates `contract`'s month containing `now` from its `evidence`,
    /// with what its closed months left (each incident level's `typical`
    /// volume, and the credits' `prior`); an incident is at risk once
    /// `at_risk_share` of its target has elapsed.
    pub fn new(
        contract: &Contract,
        evidence: &Evidence,
        at_risk_share: f64,
        (typical, prior): (&TypicalVolumes, &Prior),
        now: Instant,
    ) -> Self {
        let period = Period::of(now, contract.timezone);
        let evaluation = evaluate_with_prior(contract, period, evidence, now, prior);
        let open = open_incident_stages(contract, evidence, at_risk_share, now);
        let standing = MonthStanding::new(contract, &evaluation, &open, typical, now);
        LiveMonth {
            evaluation,
            open,
            standing,
        }
    }

    /// The next instant an open incident's stage moves on, if any.
    pub fn next_change(&self) -> Option<Instant> {
        self.open.iter().filter_map(|s| s.next_change).min()
    }
}

/// Where an open incident stands against one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Less than the at-risk share of the target has elapsed.
    Within,
    /// At least the at-risk share has elapsed.
    AtRisk,
    /// The deadline has passed.
    Breached,
}

impl Stage {
    /// `within`, `at_risk` or `breached`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Within => "within",
            Stage::AtRisk => "at_risk",
            Stage::Breached => "breached",
        }
    }
}

/// One open incident against one service level.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenStage {
    /// The incident.
    pub incident: String,
    /// The service level's id.
    pub level: String,
    /// Its priority.
    pub priority: Priority,
    /// Its service.
    pub service: Option<String>,
    /// The supplier's title.
    pub title: Option<String>,
    /// Where it stands.
    pub stage: Stage,
    /// Business seconds elapsed.
    pub elapsed_seconds: i64,
    /// The target.
    pub target_seconds: i64,
    /// When the target is (or was) reached; `None` while paused indefinitely.
    pub deadline: Option<Instant>,
    /// When its stage will next move on (at risk, then breached), if it will.
    pub next_change: Option<Instant>,
}

/// Every open (not yet stopped) incident's stage against each incident level
/// that applies to it; excused incidents are left out.
pub fn open_incident_stages(
    contract: &Contract,
    evidence: &Evidence,
    at_risk_share: f64,
    now: Instant,
) -> Vec<OpenStage> {
    let mut out = Vec::new();
    let in_force = RecordsInForce::new(&evidence.excusals, &evidence.disputes);
    for level in contract
        .levels_in_force(Period::of(now, contract.timezone))
        .filter(|l| l.target_seconds.is_some())
    {
        let target = level.target_seconds.unwrap_or_default();
        for incident in evidence
            .incidents
            .iter()
            .filter(|i| in_force.incident_excused(i).is_none() && applies(level, i))
        {
            let Some(outcome) = clock_for(level, incident, now) else {
                continue;
            };
            if outcome.stopped_at.is_some() {
                continue;
            }
            let at_risk_target = (at_risk_share * target as f64).ceil() as i64;
            let (stage, next_change) = if outcome.status == ClockStatus::Breached {
                (Stage::Breached, None)
            } else if outcome.elapsed_seconds >= at_risk_target {
                (Stage::AtRisk, outcome.deadline)
            } else {
                // When the at-risk share will have elapsed: the same clock
                // run to the smaller target.
                let mut early = level.clone();
                early.target_seconds = Some(at_risk_target);
                (
                    Stage::Within,
                    clock_for(&early, incident, now).and_then(|o| o.deadline),
                )
            };
            out.push(OpenStage {
                incident: incident.id.clone(),
                level: level.id.clone(),
                priority: incident.priority,
                service: incident.service.clone(),
                title: incident.title.clone(),
                stage,
                elapsed_seconds: outcome.elapsed_seconds,
                target_seconds: target,
                deadline: outcome.deadline,
                next_change,
            });
        }
    }
    out
}
