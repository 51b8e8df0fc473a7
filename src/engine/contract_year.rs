//! A month in its contract's history: what its credits owe to the months
//! before it. A service-points line that also failed the month before has
//! its points multiplied, and the annual cap limits each month's credits to
//! what the earlier months of the same contract year left.

use crate::contract::escalation::ladder_lookback;
use crate::contract::terms::contract_year_start;
use crate::contract::{Contract, CreditScheme};
use crate::domain::money::percent_of_minor;
use crate::domain::{Instant, Period};

use super::evaluate::{Evidence, MonthEvaluation, Preceding, evaluate_month_after};

/// Where a month stands against the annual cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnnualPosition {
    /// The first month of the contract year.
    pub year_start: Period,
    /// The annual cap: its percentage of the sum of the year's twelve
    /// monthly charges, rounded half up.
    pub cap_minor: i64,
    /// The credits of the earlier months of the year, after both caps.
    pub used_before_minor: i64,
    /// The cap left before this month (never below 0).
    pub headroom_before_minor: i64,
    /// The month's credits after the monthly cap, before the annual one.
    pub after_monthly_cap_minor: i64,
    /// What the annual cap cut from the month.
    pub annual_cut_minor: i64,
    /// The cap left after this month.
    pub headroom_after_minor: i64,
}

/// The annual cap of the contract year starting `year_start`: the
/// contract's `annual_cap_percent` of the sum of the charges of its twelve
/// months (a month with no charge adds nothing).
pub fn annual_cap_minor(contract: &Contract, year_start: Period) -> Option<i64> {
    let percent = contract.annual_cap_percent?;
    let mut month = year_start;
    let mut charges = 0i64;
    for _ in 0..12 {
        charges += contract.charge_for(month).map_or(0, |m| m.minor);
        month = month.next();
    }
    Some(percent_of_minor(charges, percent))
}

/// The earliest month whose evaluation `period`'s figures depend on: the
/// start of its contract year when there is an annual cap, the month
/// before when a service-points line could be multiplied, and the months
/// the escalation ladder looks back over (chained rules included, at most
/// five years), with what those months' own figures depend on.
pub fn first_needed(contract: &Contract, period: Period) -> Period {
    let lookback = ladder_lookback(&contract.escalations);
    let earliest = (0..lookback).fold(period, |p, _| p.prev());
    credits_first_needed(contract, period).min(credits_first_needed(contract, earliest))
}

/// What `period`'s credits depend on: the annual cap's contract year and
/// the month before a repeat multiplier.
fn credits_first_needed(contract: &Contract, period: Period) -> Period {
    let mut first = period;
    if contract.annual_cap_percent.is_some() {
        first = first.min(contract_year_start(period, contract.contract_year_starts));
    }
    let points = contract
        .service_levels
        .iter()
        .any(|l| matches!(l.credit_scheme, CreditScheme::ServicePoints(_)));
    if points {
        first = first.prev();
    }
    first
}

/// A contract's months evaluated in order, each with what the months
/// before it left. Push consecutive months, oldest first, starting at
/// [`first_needed`] of the latest month wanted.
#[derive(Debug)]
pub struct ContractHistory<'c> {
    contract: &'c Contract,
    months: Vec<MonthEvaluation>,
}

impl<'c> ContractHistory<'c> {
    /// No month evaluated yet.
    pub fn new(contract: &'c Contract) -> Self {
        ContractHistory {
            contract,
            months: Vec::new(),
        }
    }

    /// Evaluates `period` (the month after the last pushed, or the first)
    /// from its evidence as at `now`, and returns it.
    pub fn push(&mut self, period: Period, evidence: &Evidence, now: Instant) -> &MonthEvaluation {
        let prior = self.prior_for(period);
        let month = evaluate_with_prior(self.contract, period, evidence, now, &prior);
        self.months.push(month);
        &self.months[self.months.len() - 1]
    }

    /// What `period`'s credits owe to the months evaluated so far.
    pub fn prior_for(&self, period: Period) -> Prior {
        let year_start = contract_year_start(period, self.contract.contract_year_starts);
        Prior {
            preceding: match self.months.last() {
                Some(last) if last.period.next() == period => Preceding::from_month(last),
                _ => Preceding::default(),
            },
            year_credits_minor: self
                .months
                .iter()
                .filter(|m| m.period >= year_start && m.period < period)
                .map(|m| m.credits.total_minor)
                .sum(),
        }
    }

    /// Every month evaluated, oldest first.
    pub fn months(&self) -> &[MonthEvaluation] {
        &self.months
    }

    /// The months evaluated, oldest first, taken out.
    pub fn into_months(self) -> Vec<MonthEvaluation> {
        self.months
    }
}

/// What a month's credits owe to the months before it: the lines that
/// failed the month before (for the repeat multiplier) and the credits of
/// the earlier months of its contract year (for the annual cap).
#[derive(Debug, Clone, Default)]
pub struct Prior {
    /// The month before's failed lines.
    pub preceding: Preceding,
    /// The credits, after both caps, of the contract year's earlier months.
    pub year_credits_minor: i64,
}

/// Evaluates `period` from its evidence as at `now`, after the months
/// summed up in `prior` (see [`ContractHistory::prior_for`]).
pub fn evaluate_with_prior(
    contract: &Contract,
    period: Period,
    evidence: &Evidence,
    now: Instant,
    prior: &Prior,
) -> MonthEvaluation {
    let mut month = evaluate_month_after(contract, period, evidence, now, &prior.preceding);
    let year_start = contract_year_start(period, contract.contract_year_starts);
    if let Some(cap_minor) = annual_cap_minor(contract, year_start) {
        let used_before_minor = prior.year_credits_minor;
        let headroom_before_minor = (cap_minor - used_before_minor).max(0);
        let after_monthly_cap_minor = month.credits.total_minor;
        let total = after_monthly_cap_minor.min(headroom_before_minor);
        month.credits.total_minor = total;
        month.credits_undisputed.total_minor = month
            .credits_undisputed
            .total_minor
            .min(headroom_before_minor);
        month.annual = Some(AnnualPosition {
            year_start,
            cap_minor,
            used_before_minor,
            headroom_before_minor,
            after_monthly_cap_minor,
            annual_cut_minor: after_monthly_cap_minor - total,
            headroom_after_minor: headroom_before_minor - total,
        });
    }
    month
}

#[cfg(test)]
#[path = "contract_year_tests.rs"]
mod tests;
