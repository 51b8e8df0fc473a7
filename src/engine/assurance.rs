//! The assurance rating of a closed month and its trend: what an audit
//! committee reads ("amber, improving") drawn from the month's evidence.
//!
//! The rule, per contract and closed month:
//! - **red** if any critical service level failure, a DR risk band of `high`
//!   or `severe`, or an action or commitment overdue by more than 30 days at
//!   the month's end;
//! - else **amber** if any failed service level, any overdue action or
//!   commitment, or any supplier figure further from the evidence than the
//!   reconciliation tolerance;
//! - else **green**.
//!
//! The trend scores the last three closed months (red 2, amber 1, green 0)
//! against the three before: a lower score is `improving`, a higher one
//! `worsening`, an equal one `steady`. It needs all six months rated: with
//! fewer (monitoring began less than six months ago, or a month had no
//! evidence at all) there is no trend rather than one drawn from half the
//! history.
//!
//! Actions and commitments are judged as they stood at the month's end:
//! what was recorded after it is not seen, so a month's rating does not move
//! when an action is updated later. An action first recorded after the
//! month's end did not count for that month.

use chrono::{Days, NaiveDate};

use super::commitments::{AsOf, CommitmentStatus, Register};
use super::dr::Rating as DrRating;
use super::evaluate::{LevelResult, Status};
use super::reconcile::Comparison;
use crate::domain::action::Action;
use crate::domain::{Instant, Period};

/// Days overdue beyond which an action or commitment makes a month red.
pub const OVERDUE_RED_DAYS: i64 = 30;

/// How many closed months the trend reads: three against the three before.
pub const TREND_MONTHS: usize = 6;

/// A month's rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rating {
    /// Nothing found wanting.
    Green,
    /// Something wanting, nothing serious.
    Amber,
    /// Something serious.
    Red,
}

impl Rating {
    /// Its score in the trend (and the metric's value): green 0, amber 1, red 2.
    pub fn score(self) -> u32 {
        match self {
            Rating::Green => 0,
            Rating::Amber => 1,
            Rating::Red => 2,
        }
    }

    /// `green`, `amber` or `red`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Green => "green",
            Rating::Amber => "amber",
            Rating::Red => "red",
        }
    }
}

/// Which way the last three months go against the three before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    /// A lower score: trending to green.
    Improving,
    /// The same score.
    Steady,
    /// A higher score.
    Worsening,
}

impl Trend {
    /// The metric's value: improving -1, steady 0, worsening 1.
    pub fn value(self) -> i64 {
        match self {
            Trend::Improving => -1,
            Trend::Steady => 0,
            Trend::Worsening => 1,
        }
    }

    /// `improving`, `steady` or `worsening`.
    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Improving => "improving",
            Trend::Steady => "steady",
            Trend::Worsening => "worsening",
        }
    }
}

/// What a reason is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonKind {
    /// A critical service level failure.
    CriticalFailure,
    /// A DR risk band of high or severe.
    DrRisk,
    /// An action past its due date and not fully implemented or closed.
    OverdueAction,
    /// A commitment occurrence past its due date and undelivered.
    OverdueCommitment,
    /// A failed service level.
    FailedLevel,
    /// A supplier figure further from the evidence than the tolerance.
    SupplierFigure,
}

impl ReasonKind {
    /// The JSON spelling, e.g. `overdue_action`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonKind::CriticalFailure => "critical_failure",
            ReasonKind::DrRisk => "dr_risk",
            ReasonKind::OverdueAction => "overdue_action",
            ReasonKind::OverdueCommitment => "overdue_commitment",
            ReasonKind::FailedLevel => "failed_level",
            ReasonKind::SupplierFigure => "supplier_figure",
        }
    }
}

/// One finding that made the month amber or red.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// The rating this finding alone gives the month.
    pub makes: Rating,
    /// What it is about.
    pub kind: ReasonKind,
    /// In words a contract manager can check.
    pub detail: String,
}

/// An action or commitment overdue at the month's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overdue {
    /// An action or a commitment.
    pub kind: ReasonKind,
    /// Its id (a commitment's with its occurrence).
    pub id: String,
    /// What it is, in a line.
    pub name: String,
    /// Whole days overdue on the month's last day.
    pub days: i64,
}

/// The facts of one closed month the rating reads.
#[derive(Debug, Clone, Copy)]
pub struct MonthFacts<'a> {
    /// The month's service-level lines.
    pub levels: &'a [LevelResult],
    /// The DR register's band at the month's end (`None`: no register).
    pub dr: Option<DrRating>,
    /// Actions and commitments overdue at the month's end.
    pub overdue: &'a [Overdue],
    /// The supplier's figures against the measurement.
    pub comparisons: &'a [Comparison],
}

/// A month's rating with every finding behind it, the red ones first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthRating {
    /// The rating.
    pub rating: Rating,
    /// What made it amber or red (empty when green).
    pub reasons: Vec<Reason>,
}

/// Rates one closed month.
pub fn rate(facts: &MonthFacts<'_>) -> MonthRating {
    let mut reasons = Vec::new();
    let line = |l: &LevelResult| match &l.service {
        Some(s) => format!("{} ({s})", l.name),
        None => l.name.clone(),
    };
    // An excused month is not a failure the contract counts.
    for l in facts
        .levels
        .iter()
        .filter(|l| l.status == Status::Failed && l.excused.is_none())
    {
        reasons.push(match l.critical {
            true => Reason {
                makes: Rating::Red,
                kind: ReasonKind::CriticalFailure,
                detail: format!("{}: critical service level failure", line(l)),
            },
            false => Reason {
                makes: Rating::Amber,
                kind: ReasonKind::FailedLevel,
                detail: format!("{}: failed", line(l)),
            },
        });
    }
    if let Some(band @ (DrRating::High | DrRating::Severe)) = facts.dr {
        reasons.push(Reason {
            makes: Rating::Red,
            kind: ReasonKind::DrRisk,
            detail: format!("DR risk rating {}", band.as_str()),
        });
    }
    for o in facts.overdue {
        let what = match o.kind {
            ReasonKind::OverdueAction => "action",
            _ => "commitment",
        };
        reasons.push(Reason {
            makes: if o.days > OVERDUE_RED_DAYS {
                Rating::Red
            } else {
                Rating::Amber
            },
            kind: o.kind,
            detail: format!(
                "{what} {} ({}) overdue by {} day{}",
                o.id,
                o.name,
                o.days,
                if o.days == 1 { "" } else { "s" }
            ),
        });
    }
    for c in facts.comparisons.iter().filter(|c| c.discrepancy) {
        let name = match &c.service {
            Some(s) => format!("{} ({s})", c.name),
            None => c.name.clone(),
        };
        reasons.push(Reason {
            makes: Rating::Amber,
            kind: ReasonKind::SupplierFigure,
            detail: format!(
                "{name}: supplier reports {:.3}%, evidence shows {:.3}% (beyond {:.3} points)",
                c.supplier_reported_percent, c.measured_percent, c.tolerance_points
            ),
        });
    }
    // Stable: the red findings first, each group in the order above.
    reasons.sort_by_key(|r| std::cmp::Reverse(r.makes));
    MonthRating {
        rating: reasons.first().map_or(Rating::Green, |r| r.makes),
        reasons,
    }
}

/// The trend over six months' ratings, oldest first (`None` for a month not
/// rated). `None` unless all six are rated.
pub fn trend(months: &[Option<Rating>]) -> Option<Trend> {
    if months.len() != TREND_MONTHS {
        return None;
    }
    let rated: Option<Vec<Rating>> = months.iter().copied().collect();
    let rated = rated?;
    let score = |r: &[Rating]| r.iter().map(|x| x.score()).sum::<u32>();
    let (before, last) = rated.split_at(TREND_MONTHS / 2);
    Some(match score(last).cmp(&score(before)) {
        std::cmp::Ordering::Less => Trend::Improving,
        std::cmp::Ordering::Equal => Trend::Steady,
        std::cmp::Ordering::Greater => Trend::Worsening,
    })
}

/// The last day of `period`.
pub fn last_day(period: Period) -> NaiveDate {
    let first = period.next().first_day();
    first.checked_sub_days(Days::new(1)).unwrap_or(first)
}

/// The actions and commitment occurrences overdue at `period`'s end, as the
/// store knew them then: events and status changes recorded at or after
/// `end` (the month's end instant, or an earlier "now") are not seen.
pub fn overdue_at(
    period: Period,
    end: Instant,
    actions: &[Action],
    register: &Register,
) -> Vec<Overdue> {
    let today = last_day(period);
    let mut out: Vec<Overdue> = actions
        .iter()
        .filter_map(|a| {
            let known: Vec<_> = a
                .history
                .iter()
                .filter(|c| c.recorded_at < end)
                .cloned()
                .collect();
            // Not yet recorded at the month's end: the register did not hold it.
            if known.is_empty() {
                return None;
            }
            let then = Action {
                history: known,
                ..a.clone()
            };
            let days = then.days_overdue(today);
            (days > 0).then(|| Overdue {
                kind: ReasonKind::OverdueAction,
                id: a.id.clone(),
                name: a.title.clone(),
                days,
            })
        })
        .collect();
    out.extend(
        register
            .listing(AsOf { now: end, today })
            .into_iter()
            .filter(|o| o.status == CommitmentStatus::Overdue)
            .map(|o| Overdue {
                kind: ReasonKind::OverdueCommitment,
                id: format!("{} {}", o.id, o.occurrence),
                name: o.name,
                days: o.days_late,
            }),
    );
    out
}

#[cfg(test)]
#[path = "assurance_tests.rs"]
mod tests;
