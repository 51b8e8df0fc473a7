//! One contract-month, every service level: the figures behind the report.

use std::collections::BTreeSet;

use super::availability::{self, AvailabilityFigures};
use super::contract_year::AnnualPosition;
use super::credits::{
    Counted, CreditTerms, CreditTotals, LineCredit, line_credit, totals, verdict,
};
use super::incidents::{self, Excused, IncidentFigures};
use super::records::{ExcusedOutage, RecordsInForce, bearing_on_month};
use crate::contract::{Contract, CreditTier, ServiceLevel, ServiceLevelKind};
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
    /// The credit tier applied, if any (`tiers`).
    pub tier: Option<CreditTier>,
    /// The line's credit scheme (`tiers`, `shortfall`, `service_points`, `per_breach`).
    pub scheme: &'static str,
    /// The percentage of the charge credited, exact (every scheme but `per_breach`).
    pub credit_percent: Option<Ratio>,
    /// The service points scored, after any repeat multiplier.
    pub points: Option<u32>,
    /// The multiplier applied to the points because the line also failed
    /// the month before.
    pub repeat_multiplier: Option<u32>,
    /// The breaches credited (`per_breach`).
    pub breaches_credited: Option<u64>,
    /// True when the low-volume rule decided the verdict.
    pub low_volume: bool,
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
    /// The charge in force in the month, in minor units; `None` when the
    /// month is before the contract's start or its first dated charge.
    pub charge_minor: Option<i64>,
    /// Credits before and after the caps.
    pub credits: CreditTotals,
    /// The month's service points (after multipliers), when a line of the
    /// month uses the `service_points` scheme.
    pub points: Option<u32>,
    /// Where the month stands against the annual cap, when the contract has one.
    pub annual: Option<AnnualPosition>,
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

/// Measures every service level of `contract` for `period`, as seen at
/// `now`, alone: no repeat multiplier and no annual cap (see
/// [`super::contract_year`] for the month in its contract's history).
pub fn evaluate_month(
    contract: &Contract,
    period: Period,
    evidence: &Evidence,
    now: Instant,
) -> MonthEvaluation {
    evaluate_month_after(contract, period, evidence, now, &Preceding::default())
}

/// What a month's credits depend on from the month before it.
#[derive(Debug, Clone, Default)]
pub struct Preceding {
    /// The lines (service level id, service) that failed the month before
    /// and count (not excused, not withdrawn).
    pub failed_lines: BTreeSet<(String, Option<String>)>,
}

impl Preceding {
    /// What `month` leaves for the month after it.
    pub fn from_month(month: &MonthEvaluation) -> Self {
        Preceding {
            failed_lines: month
                .levels
                .iter()
                .filter(|l| l.counts_as_failed())
                .map(|l| (l.id.clone(), l.service.clone()))
                .collect(),
        }
    }
}

impl LevelResult {
    /// True when the line failed and the failure counts: not excused, and
    /// its dispute (if any) not withdrawn.
    pub fn counts_as_failed(&self) -> bool {
        self.status == Status::Failed
            && self.excused.is_none()
            && !self
                .dispute
                .as_ref()
                .is_some_and(|d| d.status == DisputeStatus::Accepted)
    }
}

/// [`evaluate_month`] with what the month before left: service-points lines
/// that also failed then are multiplied.
pub fn evaluate_month_after(
    contract: &Contract,
    period: Period,
    evidence: &Evidence,
    now: Instant,
    preceding: &Preceding,
) -> MonthEvaluation {
    let charge_minor = contract.charge_for(period).map(|m| m.minor);
    let terms = |level: &ServiceLevel, service: &Option<String>| CreditTerms {
        charge_minor: charge_minor.unwrap_or(0),
        point_value: contract.point_value_percent,
        repeat_multiplier: match preceding
            .failed_lines
            .contains(&(level.id.clone(), service.clone()))
        {
            true => contract.repeat_multiplier,
            false => 1,
        },
    };
    let tz = contract.timezone;
    let (start, end) = (period.start(tz), period.end(tz));
    let mut levels = Vec::new();
    let mut excused = Vec::new();
    let in_force = RecordsInForce::new(&evidence.excusals, &evidence.disputes);
    let counted_outages: Vec<Outage> = in_force.counted_outages(&evidence.outages);
    let undisputed_outages = in_force.undisputed_outages(&counted_outages);
    let mut recorded_incidents = BTreeSet::new();
    for level in contract.levels_in_force(period) {
        let settle = |counted: Counted, undisputed: Option<Counted>| Settle {
            counted,
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
                let breached = figures.assessed - figures.met;
                let counted = Counted {
                    attainment,
                    incidents: Some((figures.assessed, breached)),
                };
                // What it would be if every open dispute went the supplier's way.
                let undisputed = (figures.disputed > 0).then(|| Counted {
                    attainment: Some(Ratio::percent_of(
                        (figures.met + figures.disputed) as i128,
                        figures.assessed as i128,
                    )),
                    incidents: Some((figures.assessed, breached - figures.disputed)),
                });
                levels.push(line(
                    level,
                    None,
                    terms(level, &None),
                    settle(counted, undisputed),
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
                    // What it would be if every open dispute of an outage
                    // went the supplier's way: those outages not counted.
                    let undisputed = undisputed_outages.as_ref().map(|outages| {
                        let f = availability::measure(
                            &level.calendar,
                            level.partial_weight,
                            service,
                            start,
                            end,
                            outages,
                            now,
                        );
                        Counted::attainment((f.service_seconds > 0).then(|| {
                            let whole = f.service_seconds as i128
                                * crate::domain::percent::WEIGHT_SCALE as i128;
                            Ratio::percent_of(whole - f.downtime_millionths, whole)
                        }))
                    });
                    let service = Some(service.clone());
                    levels.push(line(
                        level,
                        service.clone(),
                        terms(level, &service),
                        settle(Counted::attainment(attainment), undisputed),
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
                    level,
                    None,
                    terms(level, &None),
                    settle(Counted::attainment(attainment), None),
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
        charge_minor.unwrap_or(0),
        contract.service_credit_cap_percent,
    );
    let credits_undisputed = totals(
        levels
            .iter()
            .map(|l| l.credit_minor - l.credit_disputed_minor),
        charge_minor.unwrap_or(0),
        contract.service_credit_cap_percent,
    );
    let points = levels
        .iter()
        .any(|l| l.scheme == "service_points")
        .then(|| levels.iter().filter_map(|l| l.points).sum());
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
        charge_minor,
        credits,
        points,
        annual: None,
        credits_undisputed,
        excused,
        excused_outages: in_force.excused_outages(&evidence.outages),
        excusals,
        disputes,
    }
}

/// A line's counts and what has been recorded about its month.
struct Settle<'a> {
    /// What was measured.
    counted: Counted,
    /// The same if the open disputes of its incidents went the supplier's
    /// way; `None` when none is disputed.
    undisputed: Option<Counted>,
    /// The excusal of the month, if in force.
    excusal: Option<&'a Excusal>,
    /// The month's latest dispute.
    dispute: Option<&'a Dispute>,
}

fn line(
    level: &ServiceLevel,
    service: Option<String>,
    terms: CreditTerms,
    settle: Settle<'_>,
    supplier_reported: Option<Percent>,
    figures: Figures,
) -> LevelResult {
    let attainment = settle.counted.attainment;
    let (status, low_volume) = verdict(level, &settle.counted);
    let failed = status == Status::Failed;
    let mut critical = failed
        && matches!((&attainment, level.critical_below), (Some(a), Some(c)) if a.is_below(c));
    let mut credit = line_credit(level, status, low_volume, &settle.counted, terms);
    let mut credit_disputed_minor = 0;
    if settle.excusal.is_some() {
        // The contract does not count this month's failure.
        critical = false;
        credit = LineCredit::default();
    } else {
        match settle.dispute.map(|d| d.status) {
            Some(DisputeStatus::Accepted) => credit = LineCredit::default(),
            Some(DisputeStatus::Disputed) => credit_disputed_minor = credit.minor,
            Some(DisputeStatus::Rejected) | None => {
                if let Some(undisputed) = &settle.undisputed {
                    let (status, low) = verdict(level, undisputed);
                    let undisputed = line_credit(level, status, low, undisputed, terms);
                    credit_disputed_minor = (credit.minor - undisputed.minor).max(0);
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
        tier: credit.tier,
        scheme: level.credit_scheme.as_str(),
        credit_percent: credit.percent_ratio(),
        points: credit.points,
        repeat_multiplier: credit.repeat_multiplier,
        breaches_credited: credit.breaches,
        low_volume,
        credit_minor: credit.minor,
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
