//! One contract-month, every service level: the figures behind the report.

use std::collections::BTreeSet;

use super::availability::{self, AvailabilityFigures};
use super::credits::{CreditTotals, applicable_tier, totals};
use super::incidents::{self, Excused, IncidentFigures};
use super::records::{ExcusedOutage, RecordsInForce, bearing_on_month};
use crate::contract::{Contract, CreditTier, ServiceLevel, ServiceLevelKind};
use crate::domain::money::percent_of_minor;
use crate::domain::{
    Dispute, DisputeStatus, Excusal, Incident, Instant, Outage, Percent, Period, Ratio,
    SupplierKpi, WorkTally,
};

/// The evidence that can affect one contract-month (the store selects it).
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Incidents whose clocks may be assessed in the month, with their holds.
    pub incidents: Vec<Incident>,
    /// Outages overlapping the month.
    pub outages: Vec<Outage>,
    /// Work items opened in the month (and by the evaluation instant), by class.
    pub work: Vec<WorkTally>,
    /// What the supplier reported for the month.
    pub supplier_kpis: Vec<SupplierKpi>,
    /// The contract's excusals, in force or revoked.
    pub excusals: Vec<Excusal>,
    /// The contract's disputes of breaches (costs' disputes are ignored here).
    pub disputes: Vec<Dispute>,
}

/// A service level's verdict for a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Attainment reached the target.
    Met,
    /// Attainment fell below the target.
    Failed,
    /// Nothing to measure: not a failure.
    NoData,
}

impl Status {
    /// `met`, `failed` or `no_data`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Failed => "failed",
            Status::NoData => "no_data",
        }
    }
}

/// What was counted for a service level.
#[derive(Debug, Clone)]
pub enum Figures {
    /// Response or resolution times.
    Incidents(IncidentFigures),
    /// One service's availability.
    Availability(AvailabilityFigures),
    /// Proactive and reactive work items opened in the month.
    Proactive {
        /// Proactive items.
        proactive: u64,
        /// Reactive items.
        reactive: u64,
    },
}

/// One line of the month: a service level (per service, for availability).
#[derive(Debug, Clone)]
pub struct LevelResult {
    /// The service level's id.
    pub id: String,
    /// Its readable name.
    pub name: String,
    /// What it measures.
    pub kind: ServiceLevelKind,
    /// For availability: the service measured.
    pub service: Option<String>,
    /// The target attainment.
    pub target_percent: Percent,
    /// For incident levels: the target in business seconds.
    pub target_seconds: Option<i64>,
    /// The calendar used.
    pub calendar: String,
    /// The exact attainment; `None` with nothing to measure.
    pub attainment: Option<Ratio>,
    /// Met, failed or no data.
    pub status: Status,
    /// A critical service level failure.
    pub critical: bool,
    /// The credit tier applied, if any.
    pub tier: Option<CreditTier>,
    /// The line's credit in minor units, rounded half up (0 when the month
    /// is excused or its dispute was withdrawn).
    pub credit_minor: i64,
    /// The part of `credit_minor` in open dispute.
    pub credit_disputed_minor: i64,
    /// The excusal of this service level's month, if in force.
    pub excused: Option<Excusal>,
    /// The latest dispute of this service level's month, if any.
    pub dispute: Option<Dispute>,
    /// What the supplier reported for this level and month.
    pub supplier_reported: Option<Percent>,
    /// The counts behind the attainment.
    pub figures: Figures,
}

/// Every figure for one contract-month.
#[derive(Debug, Clone)]
pub struct MonthEvaluation {
    /// The month.
    pub period: Period,
    /// The instant the evidence was seen at.
    pub evaluated_at: Instant,
    /// One line per service level (per service for availability).
    pub levels: Vec<LevelResult>,
    /// Credits before and after the cap.
    pub credits: CreditTotals,
    /// The same if every open dispute went the supplier's way: what is
    /// owed whatever the disputes decide.
    pub credits_undisputed: CreditTotals,
    /// Excused incidents that would have been assessed in the month.
    pub excused: Vec<Excused>,
    /// Excused outages overlapping the month.
    pub excused_outages: Vec<ExcusedOutage>,
    /// Every excusal bearing on the month, in force or revoked, by id.
    pub excusals: Vec<Excusal>,
    /// Every dispute of a breach bearing on the month, whatever its status, by id.
    pub disputes: Vec<Dispute>,
}

/// Measures every service level of `contract` for `period`, as seen at `now`.
pub fn evaluate_month(
    contract: &Contract,
    period: Period,
    evidence: &Evidence,
    now: Instant,
) -> MonthEvaluation {
    let tz = contract.timezone;
    let (start, end) = (period.start(tz), period.end(tz));
    let mut levels = Vec::new();
    let mut excused = Vec::new();
    let in_force = RecordsInForce::new(&evidence.excusals, &evidence.disputes);
    let counted_outages: Vec<Outage> = evidence
        .outages
        .iter()
        .filter(|o| in_force.outage_excusal(&o.id).is_none())
        .cloned()
        .collect();
    let mut recorded_incidents = BTreeSet::new();
    for level in &contract.service_levels {
        let settle = |attainment: Option<Ratio>, undisputed: Option<Ratio>| Settle {
            attainment,
            undisputed,
            excusal: in_force.level_excusal(&level.id, period),
            dispute: in_force.level_dispute(&level.id, period),
        };
        let reported = evidence
            .supplier_kpis
            .iter()
            .find(|k| k.service_level == level.id && k.period == period)
            .map(|k| k.attainment);
        match level.kind {
            ServiceLevelKind::ResponseTime | ServiceLevelKind::ResolutionTime => {
                let mut figures =
                    incidents::assess(level, tz, period, &evidence.incidents, &in_force, now);
                excused.append(&mut figures.excused);
                recorded_incidents.extend(figures.recorded.drain(..));
                let attainment = (figures.assessed > 0)
                    .then(|| Ratio::percent_of(figures.met as i128, figures.assessed as i128));
                // What it would be if every open dispute went the supplier's way.
                let undisputed = (figures.disputed > 0).then(|| {
                    Ratio::percent_of(
                        (figures.met + figures.disputed) as i128,
                        figures.assessed as i128,
                    )
                });
                levels.push(line(
                    contract,
                    level,
                    None,
                    settle(attainment, undisputed),
                    reported,
                    Figures::Incidents(figures),
                ));
            }
            ServiceLevelKind::Availability => {
                for service in &level.services {
                    let figures = availability::measure(
                        &level.calendar,
                        level.partial_weight,
                        service,
                        start,
                        end,
                        &counted_outages,
                        now,
                    );
                    let attainment = (figures.service_seconds > 0).then(|| {
                        let whole = figures.service_seconds as i128
                            * crate::domain::percent::WEIGHT_SCALE as i128;
                        Ratio::percent_of(whole - figures.downtime_millionths, whole)
                    });
                    levels.push(line(
                        contract,
                        level,
                        Some(service.clone()),
                        settle(attainment, None),
                        reported,
                        Figures::Availability(figures),
                    ));
                }
            }
            ServiceLevelKind::ProactiveShare => {
                let (mut proactive, mut reactive) = (0u64, 0u64);
                for tally in &evidence.work {
                    if tally.is_proactive() {
                        proactive += tally.count;
                    } else {
                        reactive += tally.count;
                    }
                }
                let total = proactive + reactive;
                let attainment =
                    (total > 0).then(|| Ratio::percent_of(proactive as i128, total as i128));
                levels.push(line(
                    contract,
                    level,
                    None,
                    settle(attainment, None),
                    reported,
                    Figures::Proactive {
                        proactive,
                        reactive,
                    },
                ));
            }
        }
    }
    excused.sort();
    excused.dedup();
    let credits = totals(
        levels.iter().map(|l| l.credit_minor),
        contract.monthly_charge.minor,
        contract.service_credit_cap_percent,
    );
    let credits_undisputed = totals(
        levels
            .iter()
            .map(|l| l.credit_minor - l.credit_disputed_minor),
        contract.monthly_charge.minor,
        contract.service_credit_cap_percent,
    );
    let (excusals, disputes) = bearing_on_month(
        &evidence.excusals,
        &evidence.disputes,
        period,
        &recorded_incidents,
        &evidence.outages,
    );
    MonthEvaluation {
        period,
        evaluated_at: now,
        levels,
        credits,
        credits_undisputed,
        excused,
        excused_outages: in_force.excused_outages(&evidence.outages),
        excusals,
        disputes,
    }
}

/// A line's attainment and what has been recorded about its month.
struct Settle<'a> {
    /// The measured attainment.
    attainment: Option<Ratio>,
    /// The attainment if the open disputes of its incidents went the
    /// supplier's way; `None` when none is disputed.
    undisputed: Option<Ratio>,
    /// The excusal of the month, if in force.
    excusal: Option<&'a Excusal>,
    /// The month's latest dispute.
    dispute: Option<&'a Dispute>,
}

/// The credit a month with this attainment earns: its tier and amount.
fn credit(
    contract: &Contract,
    level: &ServiceLevel,
    attainment: Option<&Ratio>,
) -> (Option<CreditTier>, i64) {
    let tier = attainment
        .filter(|a| a.is_below(level.target_percent))
        .and_then(|a| applicable_tier(&level.service_credits, a));
    let minor = tier.map_or(0, |t| {
        percent_of_minor(contract.monthly_charge.minor, t.percent)
    });
    (tier, minor)
}

fn line(
    contract: &Contract,
    level: &ServiceLevel,
    service: Option<String>,
    settle: Settle<'_>,
    supplier_reported: Option<Percent>,
    figures: Figures,
) -> LevelResult {
    let attainment = settle.attainment;
    let status = match &attainment {
        None => Status::NoData,
        Some(a) if a.is_below(level.target_percent) => Status::Failed,
        Some(_) => Status::Met,
    };
    let failed = status == Status::Failed;
    let mut critical = failed
        && matches!((&attainment, level.critical_below), (Some(a), Some(c)) if a.is_below(c));
    let (mut tier, mut credit_minor) = credit(contract, level, attainment.as_ref());
    let mut credit_disputed_minor = 0;
    if settle.excusal.is_some() {
        // The contract does not count this month's failure.
        critical = false;
        (tier, credit_minor) = (None, 0);
    } else {
        match settle.dispute.map(|d| d.status) {
            Some(DisputeStatus::Withdrawn) => (tier, credit_minor) = (None, 0),
            Some(DisputeStatus::Disputed) => credit_disputed_minor = credit_minor,
            Some(DisputeStatus::Upheld) | None => {
                let (_, undisputed) = credit(contract, level, settle.undisputed.as_ref());
                if settle.undisputed.is_some() {
                    credit_disputed_minor = (credit_minor - undisputed).max(0);
                }
            }
        }
    }
    LevelResult {
        id: level.id.clone(),
        name: level.name.clone(),
        kind: level.kind,
        service,
        target_percent: level.target_percent,
        target_seconds: level.target_seconds,
        calendar: level.calendar.name().to_string(),
        attainment,
        status,
        critical,
        tier,
        credit_minor,
        credit_disputed_minor,
        excused: settle.excusal.cloned(),
        dispute: settle.dispute.cloned(),
        supplier_reported,
        figures,
    }
}

#[cfg(test)]
#[path = "evaluate_tests.rs"]
pub(crate) mod tests;

#[cfg(test)]
#[path = "evaluate_records_tests.rs"]
mod records_tests;
