//! The month's assurance rating and its trend, from the months the report
//! already evaluated for its trends: each closed month's service levels and
//! supplier figures, the DR register on its last day, and the actions and
//! commitments overdue at its end.

use crate::contract::Contract;
use crate::domain::action::Action;
use crate::domain::{Instant, Percent, Period};
use crate::engine::MonthEvaluation;
use crate::engine::assurance::{
    MonthFacts, MonthRating, Rating, TREND_MONTHS, Trend, last_day, overdue_at, rate, trend,
};
use crate::engine::commitments::Register;
use crate::engine::dr::{DrTest, assess};
use crate::engine::reconcile::compare;

/// The rating of the report's month, with the trend and the six months it reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Assurance {
    /// The report's month rated, with its reasons.
    pub rating: MonthRating,
    /// `None` unless all six months are rated.
    pub trend: Option<Trend>,
    /// The six months the trend reads, oldest first, each with its rating
    /// (`None`: not monitored, so not rated).
    pub months: Vec<(Period, Option<Rating>)>,
}

/// What the store holds that the rating reads beside the evaluations.
#[derive(Debug, Clone, Copy)]
pub struct Registers<'a> {
    /// The commitments register with its events.
    pub commitments: &'a Register,
    /// Every DR test recorded.
    pub dr_tests: &'a [DrTest],
    /// Every action with its history.
    pub actions: &'a [Action],
    /// The reconciliation tolerance.
    pub tolerance: Percent,
}

/// Rates one month from its evaluation.
pub fn rate_month(
    contract: &Contract,
    registers: &Registers<'_>,
    evaluation: &MonthEvaluation,
) -> MonthRating {
    let period = evaluation.period;
    let end = period.end(contract.timezone).min(evaluation.evaluated_at);
    let overdue = overdue_at(period, end, registers.actions, registers.commitments);
    let dr = assess(&contract.dr_systems, registers.dr_tests, last_day(period)).map(|a| a.rating);
    let comparisons = compare(evaluation, registers.tolerance);
    rate(&MonthFacts {
        levels: &evaluation.levels,
        dr,
        overdue: &overdue,
        comparisons: &comparisons,
    })
}

/// The assurance of `months`' last month (the report's, any order given;
/// `None` for a month not monitored) as seen at `now`: `None` while that
/// month is not yet closed, as only closed months are rated.
pub fn assurance(
    contract: &Contract,
    registers: &Registers<'_>,
    months: &[(Period, Option<&MonthEvaluation>)],
    now: Instant,
) -> Option<Assurance> {
    let mut months = months.to_vec();
    months.sort_by_key(|(p, _)| *p);
    let (period, Some(latest)) = *months.last()? else {
        return None;
    };
    if period.end(contract.timezone) > now {
        return None;
    }
    let shown: Vec<(Period, Option<Rating>)> = months
        .iter()
        .skip(months.len().saturating_sub(TREND_MONTHS))
        .map(|(p, e)| (*p, e.map(|e| rate_month(contract, registers, e).rating)))
        .collect();
    let ratings: Vec<Option<Rating>> = shown.iter().map(|(_, r)| *r).collect();
    Some(Assurance {
        rating: rate_month(contract, registers, latest),
        trend: trend(&ratings),
        months: shown,
    })
}
