//! The escalation ladder as the contract writes it: rules that turn a
//! month's failures (or other rules' triggers) into a consequence — a
//! rectification plan, a material breach, a right to terminate — with the
//! clause to quote and how long the supplier has to respond.

use std::sync::Arc;

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::calendar::Calendar;
use crate::domain::Period;

/// The consequence that makes a rectification plan due as a commitment.
pub const RECTIFICATION_PLAN: &str = "rectification_plan";

/// The consequence that opens cost recovery under a sole-remedy clause.
pub const MATERIAL_BREACH: &str = "material_breach";

/// How far back the ladder may look from a month, chained rules included:
/// five years, a bound on the months a report evaluates.
pub const MAX_LOOKBACK_MONTHS: u32 = 60;

/// How far a deadline may walk looking for working days before giving up.
const WALK_LIMIT_DAYS: u32 = 3_660;

/// One `[[contracts.escalations]]` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct EscalationRule {
    /// Its id within the contract.
    pub id: String,
    /// What triggers it.
    pub when: When,
    /// The consequence it names (`rectification_plan`, `material_breach`,
    /// `termination_right` or any word).
    pub then: String,
    /// The contract's words, quoted in the report and the notice.
    pub clause: String,
    /// How long the supplier has to respond, from the notice date.
    pub respond_within: Option<RespondWithin>,
    /// The calendar whose working days count.
    pub calendar: Arc<Calendar>,
}

/// What triggers a rule in a month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    /// A line of the month is a critical service level failure (not excused).
    CriticalFailure,
    /// The same line failed `count` times within the last `within_months`
    /// months, this one included, and failed this month.
    Failure {
        /// How many failures.
        count: u32,
        /// Over how many months.
        within_months: u32,
    },
    /// The month's service points reached `at_least`.
    ServicePoints {
        /// The points that trigger.
        at_least: u32,
    },
    /// Rules whose consequence is `then` triggered `count` times within the
    /// last `within_months` months, one of them this month.
    Escalated {
        /// The consequence counted.
        then: String,
        /// How many triggers.
        count: u32,
        /// Over how many months.
        within_months: u32,
    },
}

impl When {
    /// The configuration spelling.
    pub fn as_str(&self) -> &str {
        match self {
            When::CriticalFailure => "critical_failure",
            When::Failure { .. } => "failure",
            When::ServicePoints { .. } => "service_points",
            When::Escalated { then, .. } => then,
        }
    }

    /// The months before the trigger's own it looks at (not counting chained rules).
    pub fn own_lookback(&self) -> u32 {
        match self {
            When::Failure { within_months, .. } | When::Escalated { within_months, .. } => {
                within_months.saturating_sub(1)
            }
            When::CriticalFailure | When::ServicePoints { .. } => 0,
        }
    }
}

/// `respond_within`: `"10 working days"` or `"15 days"` (calendar days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RespondWithin {
    /// How many days.
    pub days: u32,
    /// Only the calendar's working days count.
    pub working: bool,
}

impl RespondWithin {
    /// Reads `"10 working days"` or `"15 days"`.
    pub fn parse(text: &str) -> Result<RespondWithin, String> {
        let err = || {
            format!(
                "'{text}' is not a time to respond (expected e.g. \"10 working days\" or \
                 \"15 days\")"
            )
        };
        let lower = text.trim().to_ascii_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        let (n, working) = match words.as_slice() {
            [n, "working", "day" | "days"] => (n, true),
            [n, "day" | "days"] => (n, false),
            _ => return Err(err()),
        };
        match n.parse::<u32>() {
            Ok(days) if (1..=366).contains(&days) => Ok(RespondWithin { days, working }),
            _ => Err(err()),
        }
    }
}

impl std::fmt::Display for RespondWithin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let unit = if self.days == 1 { "day" } else { "days" };
        match self.working {
            true => write!(f, "{} working {unit}", self.days),
            false => write!(f, "{} {unit}", self.days),
        }
    }
}

/// A calendar's working day, or Monday to Friday for the always-open
/// calendar (a notice period is never counted in weekend days).
pub fn is_working_day(calendar: &Calendar, date: NaiveDate) -> bool {
    if calendar.name() == super::calendar::ALWAYS_OPEN {
        return !matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
    }
    calendar.is_working_day(date)
}

impl EscalationRule {
    /// The date a trigger in `period` is notified: the first working day
    /// after the month closes (the 1st of the next month, or the first
    /// working day after it).
    pub fn notice_date(&self, period: Period) -> Option<NaiveDate> {
        let mut date = period.next().first_day();
        for _ in 0..WALK_LIMIT_DAYS {
            if is_working_day(&self.calendar, date) {
                return Some(date);
            }
            date = date.succ_opt()?;
        }
        None
    }

    /// The supplier's deadline for a trigger in `period`: `respond_within`
    /// counted from the notice date (the notice date itself not counted);
    /// working days on the rule's calendar, or calendar days.
    pub fn respond_by(&self, period: Period) -> Option<NaiveDate> {
        let within = self.respond_within?;
        let notice = self.notice_date(period)?;
        if !within.working {
            return notice.checked_add_days(Days::new(within.days.into()));
        }
        let (mut counted, mut date) = (0, notice);
        for _ in 0..WALK_LIMIT_DAYS {
            date = date.succ_opt()?;
            if is_working_day(&self.calendar, date) {
                counted += 1;
                if counted == within.days {
                    return Some(date);
                }
            }
        }
        None
    }
}

/// How many months before its own a rule's trigger depends on, chained
/// rules included; `Err` with the ids of a loop (`seen`: the rules being
/// followed, empty at the start).
pub fn lookback(
    rule: &EscalationRule,
    rules: &[EscalationRule],
    seen: &mut Vec<String>,
) -> Result<u32, Vec<String>> {
    if seen.contains(&rule.id) {
        let mut cycle = seen.clone();
        cycle.push(rule.id.clone());
        return Err(cycle);
    }
    let own = rule.when.own_lookback();
    let When::Escalated { then, .. } = &rule.when else {
        return Ok(own);
    };
    seen.push(rule.id.clone());
    let mut deepest = 0;
    for feeder in rules.iter().filter(|r| &r.then == then) {
        deepest = deepest.max(lookback(feeder, rules, seen)?);
    }
    seen.pop();
    Ok(own.saturating_add(deepest))
}

/// How many months before a month the whole ladder looks at, at most
/// [`MAX_LOOKBACK_MONTHS`] (the configuration refuses loops and longer chains).
pub fn ladder_lookback(rules: &[EscalationRule]) -> u32 {
    rules
        .iter()
        .map(|r| lookback(r, rules, &mut Vec::new()).unwrap_or(MAX_LOOKBACK_MONTHS))
        .max()
        .unwrap_or(0)
        .min(MAX_LOOKBACK_MONTHS)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::contract::calendar::Window;

    fn office(holidays: &[&str]) -> Arc<Calendar> {
        let day = || vec![Window::parse("09:00-17:00").unwrap()];
        let days = [day(), day(), day(), day(), day(), Vec::new(), Vec::new()];
        let holidays: BTreeSet<NaiveDate> = holidays.iter().map(|d| d.parse().unwrap()).collect();
        Arc::new(Calendar::weekly("office", chrono_tz::Europe::London, days, holidays).unwrap())
    }

    fn rule(calendar: Arc<Calendar>, within: &str) -> EscalationRule {
        EscalationRule {
            id: "plan".into(),
            when: When::CriticalFailure,
            then: RECTIFICATION_PLAN.into(),
            clause: "Clause 12.1".into(),
            respond_within: Some(RespondWithin::parse(within).unwrap()),
            calendar,
        }
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn ten_working_days_skip_the_weekend_and_the_bank_holiday() {
        // April 2027 closes on Friday 30 April. Saturday 1 and Sunday 2 May
        // are the weekend and Monday 3 May the early May bank holiday, so the
        // notice goes on Tuesday 4 May. Ten working days from then: 5, 6, 7
        // (three), 10–14 (eight), 17, 18 (ten): Tuesday 18 May.
        let r = rule(office(&["2027-05-03"]), "10 working days");
        let april = "2027-04".parse().unwrap();
        assert_eq!(r.notice_date(april), Some(date("2027-05-04")));
        assert_eq!(r.respond_by(april), Some(date("2027-05-18")));
        // A holiday inside the ten days (Friday 14 May) pushes it a day on.
        let r = rule(office(&["2027-05-03", "2027-05-14"]), "10 working days");
        assert_eq!(r.respond_by(april), Some(date("2027-05-19")));
    }

    #[test]
    fn calendar_days_count_every_day_from_the_notice() {
        // Notice on Tuesday 4 May 2027; fifteen days later is Wednesday 19 May.
        let r = rule(office(&["2027-05-03"]), "15 days");
        assert_eq!(
            r.respond_by("2027-04".parse().unwrap()),
            Some(date("2027-05-19"))
        );
    }

    #[test]
    fn the_always_open_calendar_counts_weekdays() {
        // May 2026 closes on Sunday 31 May; Monday 1 June is the notice date,
        // and five weekdays on is Monday 8 June.
        let r = rule(Arc::new(Calendar::always_open()), "5 working days");
        let may = "2026-05".parse().unwrap();
        assert_eq!(r.notice_date(may), Some(date("2026-06-01")));
        assert_eq!(r.respond_by(may), Some(date("2026-06-08")));
    }

    #[test]
    fn respond_within_is_read_in_words() {
        assert_eq!(
            RespondWithin::parse("10 working days"),
            Ok(RespondWithin {
                days: 10,
                working: true
            })
        );
        assert_eq!(
            RespondWithin::parse("1 day"),
            Ok(RespondWithin {
                days: 1,
                working: false
            })
        );
        assert!(RespondWithin::parse("ten days").is_err());
        assert!(RespondWithin::parse("10 weeks").is_err());
        assert!(RespondWithin::parse("0 days").is_err());
    }
}
