//! Commitments summed per category and period: of the occurrences due in a
//! month or a quarter, how many were delivered with evidence, accepted,
//! delivered late, or are overdue. It is the table an assurance lead reads
//! to answer "are the activities committed to being undertaken?" (the
//! security programme of an ISO 27001 certified supplier, say).
//!
//! Each occurrence due in the period counts once, judged at the period's
//! last day (or today, while the period is in progress), from the events
//! recorded by `now`:
//! - **committed**: due in the period;
//! - **delivered**: a delivery (which always carries an evidence reference)
//!   dated by that day, on time or not;
//! - **accepted**: that delivery accepted by a named person by that day;
//! - **late**: that delivery dated after the due date;
//! - **overdue**: no delivery by that day, and the due date before it.
//!
//! An occurrence due in the period and not yet delivered on its last day is
//! neither delivered nor overdue when due that very day: it is still pending.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::commitments::{AsOf, Register};
use crate::contract::commitment::Category;
use crate::domain::Period;

/// A reporting period: one month, or a run of months such as a quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The first month.
    pub from: Period,
    /// The last month (inclusive).
    pub to: Period,
}

impl Span {
    /// One month.
    pub fn month(p: Period) -> Span {
        Span { from: p, to: p }
    }

    /// The calendar quarter holding `p` (January–March, April–June, …).
    pub fn quarter_of(p: Period) -> Span {
        let first = (p.month() - 1) / 3 * 3 + 1;
        let from = Period::new(p.year(), first).unwrap_or(p);
        Span {
            from,
            to: from.next().next(),
        }
    }

    /// Parses `YYYY-MM` (a month) or `YYYY-Qn` (a calendar quarter).
    pub fn parse(text: &str) -> Result<Span, String> {
        let text = text.trim();
        let err =
            || format!("'{text}' is neither a month (YYYY-MM) nor a quarter (YYYY-Q1 to YYYY-Q4)");
        if let Some((year, q)) = text.split_once("-Q") {
            let year: i32 = year.parse().map_err(|_| err())?;
            let q: u32 = q.parse().map_err(|_| err())?;
            if !(1..=4).contains(&q) || year < 1 {
                return Err(err());
            }
            return Period::new(year, (q - 1) * 3 + 1)
                .map(Span::quarter_of)
                .ok_or_else(err);
        }
        text.parse::<Period>().map(Span::month).map_err(|_| err())
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        self.from.first_day()
    }

    /// Its last day.
    pub fn last_day(self) -> NaiveDate {
        let next = self.to.next().first_day();
        next.pred_opt().unwrap_or(next)
    }

    /// `2026-11` for a month, `2027-Q1` for a calendar quarter, else
    /// `2026-11..2027-01`.
    pub fn label(self) -> String {
        if self.from == self.to {
            return self.from.to_string();
        }
        if Span::quarter_of(self.from) == self {
            return format!("{}-Q{}", self.from.year(), (self.from.month() - 1) / 3 + 1);
        }
        format!("{}..{}", self.from, self.to)
    }
}

/// One category's occurrences due in a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryTally {
    /// The category.
    pub category: Category,
    /// Occurrences due in the period.
    pub committed: u32,
    /// Of those, delivered with evidence by the period's end.
    pub delivered: u32,
    /// Of those delivered, accepted by the period's end.
    pub accepted: u32,
    /// Of those delivered, delivered after the due date.
    pub late: u32,
    /// Not delivered by the period's end and past due then.
    pub overdue: u32,
}

impl CategoryTally {
    /// Occurrences due in the period with no evidence delivered yet.
    pub fn unevidenced(&self) -> u32 {
        self.committed - self.delivered
    }
}

/// Every category with an occurrence due in `span`, in category order (a
/// category with none due is left out: nothing was committed for it).
pub fn tally(register: &Register, span: Span, as_of: AsOf) -> Vec<CategoryTally> {
    let first = span.first_day();
    let judged = span.last_day().min(as_of.today);
    let mut out: BTreeMap<Category, CategoryTally> = BTreeMap::new();
    for c in &register.commitments {
        for due in c.schedule.occurrences() {
            if due.date > span.last_day() {
                break;
            }
            if due.date < first {
                continue;
            }
            let t = out
                .entry(c.category.clone())
                .or_insert_with(|| CategoryTally {
                    category: c.category.clone(),
                    committed: 0,
                    delivered: 0,
                    accepted: 0,
                    late: 0,
                    overdue: 0,
                });
            t.committed += 1;
            let state = register.state(&c.id, &due.key, as_of.now);
            match state.delivery.as_ref().filter(|d| d.on <= judged) {
                Some(d) => {
                    t.delivered += 1;
                    t.late += u32::from(d.on > due.date);
                    t.accepted +=
                        u32::from(state.acceptance.as_ref().is_some_and(|a| a.on <= judged));
                }
                None => t.overdue += u32::from(due.date < judged),
            }
        }
    }
    out.into_values().collect()
}

#[cfg(test)]
#[path = "commitment_categories_tests.rs"]
mod tests;
