//! When a commitment falls due (see docs/book/src/managers/commitments.md): on
//! a fixed date, possibly again every N months, or by a rule counted from the
//! end of each month it covers ("5 working days after month end") on a
//! calendar's working days.
//!
//! Each occurrence has a key that stays put when the calendar's holidays are
//! edited: its nominal due date for dated commitments, the month it covers
//! for month-end rules. Deliveries are recorded against that key.

use std::fmt;
use std::sync::Arc;

use chrono::{Days, Months as ChronoMonths, NaiveDate};

use super::calendar::Calendar;
use crate::domain::{Months, Period};

/// How far a rule may walk looking for working days before giving up: only
/// a calendar with years of holidays in a row could reach it.
const WALK_LIMIT_DAYS: u32 = 3_660;

/// `N [working] days after month end`.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthEndRule {
    /// How many days after the month's last day.
    pub days: u32,
    /// Count only this calendar's working days; `None` counts every day.
    pub calendar: Option<Arc<Calendar>>,
}

impl MonthEndRule {
    /// Reads the words of a rule: the number of days and whether they are
    /// working days. The calendar is attached by the caller.
    pub fn parse_words(text: &str) -> Result<(u32, bool), String> {
        let err = || {
            format!(
                "'{text}' is not a date (expected YYYY-MM-DD, e.g. 2026-12-25) nor a due rule \
                 such as \"5 working days after month end\" or \"10 days after month end\""
            )
        };
        let lower = text.trim().to_ascii_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        let (n, working) = match words.as_slice() {
            [n, "working", "day" | "days", "after", "month", "end"] => (n, true),
            [n, "day" | "days", "after", "month", "end"] => (n, false),
            _ => return Err(err()),
        };
        match n.parse::<u32>() {
            Ok(n) if (1..=366).contains(&n) => Ok((n, working)),
            _ => Err(err()),
        }
    }

    /// The due date for the month `covers`.
    pub fn due_for(&self, covers: Period) -> Option<NaiveDate> {
        let month_end = covers.next().first_day().pred_opt()?;
        match &self.calendar {
            None => month_end.checked_add_days(Days::new(self.days.into())),
            Some(calendar) => {
                let mut counted = 0;
                let mut date = month_end;
                for _ in 0..WALK_LIMIT_DAYS {
                    date = date.succ_opt()?;
                    if calendar.is_working_day(date) {
                        counted += 1;
                        if counted == self.days {
                            return Some(date);
                        }
                    }
                }
                None
            }
        }
    }
}

impl fmt::Display for MonthEndRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = if self.days == 1 { "day" } else { "days" };
        match &self.calendar {
            Some(c) => write!(
                f,
                "{} working {unit} after month end ({} calendar)",
                self.days,
                c.name()
            ),
            None => write!(f, "{} {unit} after month end", self.days),
        }
    }
}

/// When a commitment's occurrences fall due.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// A fixed date, repeated every `every` months counted from it, so a
    /// month-end date comes back after a short month (31 Jan, 28 Feb, 31 Mar).
    Dated {
        /// The first due date.
        first: NaiveDate,
        /// The recurrence, if it repeats.
        every: Option<Months>,
    },
    /// Due by `rule` after the end of each covered month: `first_month`,
    /// then every `every` months.
    AfterMonthEnd {
        /// How long after the month's end.
        rule: MonthEndRule,
        /// The first month covered.
        first_month: Period,
        /// The recurrence, if it repeats.
        every: Option<Months>,
    },
}

/// One occurrence's due date and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// What deliveries are recorded against: the nominal due date
    /// (`2026-11-30`) or the covered month (`2026-11`).
    pub key: String,
    /// When it is due.
    pub date: NaiveDate,
    /// The month it covers (month-end rules only).
    pub covers: Option<Period>,
}

impl Schedule {
    /// The recurrence, if any.
    pub fn every(&self) -> Option<Months> {
        match self {
            Schedule::Dated { every, .. } | Schedule::AfterMonthEnd { every, .. } => *every,
        }
    }

    /// The `k`-th occurrence (0 = the first); `None` past the last.
    pub fn nth(&self, k: u32) -> Option<Due> {
        let step = match (k, self.every()) {
            (0, _) => 0,
            (_, None) => return None,
            (_, Some(every)) => every.0.checked_mul(k)?,
        };
        match self {
            Schedule::Dated { first, .. } => {
                let date = first.checked_add_months(ChronoMonths::new(step))?;
                Some(Due {
                    key: date.to_string(),
                    date,
                    covers: None,
                })
            }
            Schedule::AfterMonthEnd {
                rule, first_month, ..
            } => {
                let covers = add_months(*first_month, step)?;
                Some(Due {
                    key: covers.to_string(),
                    date: rule.due_for(covers)?,
                    covers: Some(covers),
                })
            }
        }
    }

    /// Every occurrence in order of due date (endless when recurring).
    pub fn occurrences(&self) -> impl Iterator<Item = Due> + '_ {
        (0u32..).map_while(|k| self.nth(k))
    }

    /// How the schedule reads in a register: `2026-11-30, every 12 months`.
    pub fn describe(&self) -> String {
        let every = match self.every() {
            None => String::new(),
            Some(Months(1)) => ", every month".to_string(),
            Some(m) => format!(", every {m}"),
        };
        match self {
            Schedule::Dated { first, .. } => format!("{first}{every}"),
            Schedule::AfterMonthEnd {
                rule, first_month, ..
            } => format!("{rule}, from {first_month}{every}"),
        }
    }
}

/// `period` plus `n` months.
fn add_months(period: Period, n: u32) -> Option<Period> {
    let index = period.year() as i64 * 12 + (period.month() as i64 - 1) + n as i64;
    Period::new(i32::try_from(index / 12).ok()?, (index % 12) as u32 + 1)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::contract::calendar::Window;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn p(s: &str) -> Period {
        s.parse().unwrap()
    }

    /// Monday to Friday 08:00-18:00 with the example configuration's holidays and New
    /// Year's Day 2027.
    fn office() -> Arc<Calendar> {
        let day = vec![Window::parse("08:00-18:00").unwrap()];
        let days = [
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
            vec![],
            vec![],
        ];
        let holidays: BTreeSet<NaiveDate> = ["2026-12-25", "2026-12-28", "2027-01-01"]
            .iter()
            .map(|s| d(s))
            .collect();
        Arc::new(Calendar::weekly("office", chrono_tz::Europe::London, days, holidays).unwrap())
    }

    fn working(days: u32) -> MonthEndRule {
        MonthEndRule {
            days,
            calendar: Some(office()),
        }
    }

    #[test]
    fn reads_rules() {
        assert_eq!(
            MonthEndRule::parse_words("5 working days after month end"),
            Ok((5, true))
        );
        assert_eq!(
            MonthEndRule::parse_words(" 1 Working Day after Month End "),
            Ok((1, true))
        );
        assert_eq!(
            MonthEndRule::parse_words("10 days after month end"),
            Ok((10, false))
        );
        for bad in [
            "0 working days after month end",
            "five working days after month end",
            "5 working days before month end",
            "5 working days",
            "2026-11-30",
        ] {
            let e = MonthEndRule::parse_words(bad).unwrap_err();
            assert!(e.contains("not a date (expected YYYY-MM-DD"), "{e}");
        }
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        // November 2026 ends on a Monday: 5 working days is Monday 7 December.
        assert_eq!(working(5).due_for(p("2026-11")), Some(d("2026-12-07")));
        // 18 working days is Christmas Eve; the 19th skips Christmas Day (a
        // holiday), the weekend and Monday 28th (a holiday): Tuesday 29th.
        assert_eq!(working(18).due_for(p("2026-11")), Some(d("2026-12-24")));
        assert_eq!(working(19).due_for(p("2026-11")), Some(d("2026-12-29")));
        // December ends on a Thursday; New Year's Day is a holiday and then a
        // weekend: the first working day of 2027 is Monday 4 January.
        assert_eq!(working(1).due_for(p("2026-12")), Some(d("2027-01-04")));
        assert_eq!(working(5).due_for(p("2026-12")), Some(d("2027-01-08")));
        // Counting every day, holidays do not matter.
        let plain = MonthEndRule {
            days: 5,
            calendar: None,
        };
        assert_eq!(plain.due_for(p("2026-12")), Some(d("2027-01-05")));
        // On 24x7 every day is a working day.
        let always = MonthEndRule {
            days: 1,
            calendar: Some(Arc::new(Calendar::always_open())),
        };
        assert_eq!(always.due_for(p("2026-02")), Some(d("2026-03-01")));
    }

    #[test]
    fn dated_recurrence_keeps_month_ends_across_year_ends() {
        let monthly = Schedule::Dated {
            first: d("2026-10-31"),
            every: Some(Months(1)),
        };
        let dues: Vec<NaiveDate> = monthly.occurrences().take(5).map(|o| o.date).collect();
        assert_eq!(
            dues,
            [
                d("2026-10-31"),
                d("2026-11-30"),
                d("2026-12-31"),
                d("2027-01-31"),
                d("2027-02-28"),
            ]
        );
        let annual = Schedule::Dated {
            first: d("2028-02-29"),
            every: Some(Months(12)),
        };
        let dues: Vec<String> = annual.occurrences().take(3).map(|o| o.key).collect();
        assert_eq!(dues, ["2028-02-29", "2029-02-28", "2030-02-28"]);
        let once = Schedule::Dated {
            first: d("2026-11-30"),
            every: None,
        };
        assert_eq!(once.occurrences().count(), 1);
    }

    #[test]
    fn month_end_rules_step_across_year_ends() {
        let monthly = Schedule::AfterMonthEnd {
            rule: working(5),
            first_month: p("2026-11"),
            every: Some(Months(1)),
        };
        let dues: Vec<(String, NaiveDate)> = monthly
            .occurrences()
            .take(3)
            .map(|o| (o.key, o.date))
            .collect();
        assert_eq!(
            dues,
            [
                ("2026-11".to_string(), d("2026-12-07")),
                ("2026-12".to_string(), d("2027-01-08")),
                ("2027-01".to_string(), d("2027-02-05")),
            ]
        );
        let quarterly = Schedule::AfterMonthEnd {
            rule: working(10),
            first_month: p("2026-09"),
            every: Some(Months(3)),
        };
        let covers: Vec<String> = quarterly
            .occurrences()
            .take(3)
            .map(|o| o.covers.unwrap().to_string())
            .collect();
        assert_eq!(covers, ["2026-09", "2026-12", "2027-03"]);
        assert_eq!(
            quarterly.describe(),
            "10 working days after month end (office calendar), from 2026-09, every 3 months"
        );
    }
}
