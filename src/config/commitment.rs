//! One commitment as written (its keys as text), validated into a
//! [`Commitment`]. The configuration file, `slawatch commitment add` and the
//! API all go through [`CommitmentSpec::build`], so an ad hoc commitment
//! obeys exactly the rules of one in the file.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::load::check_id;
use crate::contract::Commitment;
use crate::contract::calendar::Calendar;
use crate::contract::commitment::{Category, Origin};
use crate::contract::due_dates::{MonthEndRule, Schedule};
use crate::domain::{Currency, Money, Months, Period};

/// The keys of `[[contracts.commitments]]`, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitmentSpec {
    /// Its id within the contract.
    pub id: String,
    /// What is owed.
    pub name: String,
    /// One lower-case word grouping it (`security`, `dr`, `reporting`, …;
    /// `other` by default).
    #[serde(default)]
    pub category: Option<String>,
    /// Who answers for it at the supplier.
    #[serde(default)]
    pub owner: Option<String>,
    /// A date (`2026-11-30`) or a rule (`5 working days after month end`).
    pub due: String,
    /// A recurrence (`12 months`, `1 year`).
    #[serde(default)]
    pub every: Option<String>,
    /// With a rule: the first month covered (`YYYY-MM`).
    #[serde(default)]
    pub first_month: Option<String>,
    /// With a working-days rule: the calendar whose working days count.
    #[serde(default)]
    pub calendar: Option<String>,
    /// A decimal amount owed for each day an occurrence is late.
    #[serde(default)]
    pub delay_payment_per_day: Option<String>,
}

/// A problem with one key of a spec.
pub type SpecProblem = (&'static str, String);

impl CommitmentSpec {
    /// Validates the spec for a contract in `currency` with `calendars`,
    /// returning every problem keyed by the configuration key it concerns.
    pub fn build(
        &self,
        currency: &Currency,
        calendars: &BTreeMap<String, Arc<Calendar>>,
        origin: Origin,
    ) -> Result<Commitment, Vec<SpecProblem>> {
        let mut problems: Vec<SpecProblem> = Vec::new();
        let p = &mut problems;
        let id = keep(
            p,
            "id",
            check_id(&self.id).and_then(|id| match id.is_empty() {
                true => Err("an id is required".to_string()),
                false => Ok(id),
            }),
        );
        let name = self.name.trim();
        keep(
            p,
            "name",
            match name.is_empty() {
                true => Err("a name is required (what is owed)".to_string()),
                false => Ok(()),
            },
        );
        let category = keep(
            p,
            "category",
            self.category
                .as_deref()
                .map_or(Ok(Category::other()), Category::parse),
        );
        let every = keep(
            p,
            "every",
            self.every.as_deref().map(Months::parse).transpose(),
        );
        let delay = keep(
            p,
            "delay_payment_per_day",
            self.delay_payment_per_day
                .as_deref()
                .map(|t| {
                    let m = Money::parse(t, currency)?;
                    match m.minor > 0 {
                        true => Ok(m),
                        false => Err(format!("'{t}' must be more than zero")),
                    }
                })
                .transpose(),
        );
        let schedule = self.schedule(every.flatten(), calendars, p);
        match (id, category, delay, schedule) {
            (Some(id), Some(category), Some(delay), Some(schedule)) if problems.is_empty() => {
                Ok(Commitment {
                    id,
                    name: name.to_string(),
                    category,
                    owner: self
                        .owner
                        .as_deref()
                        .map(str::trim)
                        .filter(|o| !o.is_empty())
                        .map(str::to_string),
                    schedule,
                    delay_payment_per_day: delay,
                    origin,
                })
            }
            _ => Err(problems),
        }
    }

    fn schedule(
        &self,
        every: Option<Months>,
        calendars: &BTreeMap<String, Arc<Calendar>>,
        problems: &mut Vec<SpecProblem>,
    ) -> Option<Schedule> {
        let due = self.due.trim();
        if due.is_empty() {
            problems.push((
                "due",
                "a due date (YYYY-MM-DD) or rule (\"5 working days after month end\") is required"
                    .into(),
            ));
            return None;
        }
        if let Ok(first) = parse_date(due) {
            for (key, present) in [
                ("first_month", self.first_month.is_some()),
                ("calendar", self.calendar.is_some()),
            ] {
                if present {
                    problems.push((
                        key,
                        "applies only to a due rule such as \"5 working days after month end\"; \
                         remove it"
                            .into(),
                    ));
                }
            }
            return Some(Schedule::Dated { first, every });
        }
        let (days, working) = match MonthEndRule::parse_words(due) {
            Ok(words) => words,
            Err(e) => {
                problems.push(("due", e));
                return None;
            }
        };
        let first_month = match self.first_month.as_deref() {
            None => {
                problems.push((
                    "first_month",
                    "required with a due rule: the first month the deliverable covers (YYYY-MM)"
                        .into(),
                ));
                None
            }
            Some(text) => match text.parse::<Period>() {
                Ok(p) => Some(p),
                Err(e) => {
                    problems.push(("first_month", e));
                    None
                }
            },
        };
        let calendar = match (working, self.calendar.as_deref()) {
            (true, None) => {
                problems.push((
                    "calendar",
                    "required with working days: the calendar whose open weekdays, less its \
                     holidays, are working days (e.g. calendar = \"office\")"
                        .into(),
                ));
                None
            }
            (false, Some(_)) => {
                problems.push((
                    "calendar",
                    "applies only to a rule in working days; remove it or say \"working days\""
                        .into(),
                ));
                None
            }
            (true, Some(name)) => match calendars.get(name) {
                Some(c) => Some(Some(c.clone())),
                None => {
                    let known: Vec<&str> = calendars.keys().map(String::as_str).collect();
                    problems.push((
                        "calendar",
                        format!("unknown calendar '{name}' (known: {})", known.join(", ")),
                    ));
                    None
                }
            },
            (false, None) => Some(None),
        };
        Some(Schedule::AfterMonthEnd {
            rule: MonthEndRule {
                days,
                calendar: calendar?,
            },
            first_month: first_month?,
            every,
        })
    }
}

/// The value of `r`, or `None` with its problem noted under `key`.
fn keep<T>(p: &mut Vec<SpecProblem>, key: &'static str, r: Result<T, String>) -> Option<T> {
    r.map_err(|e| p.push((key, e))).ok()
}

/// A date written `YYYY-MM-DD` (exactly ten characters: one spelling).
pub(super) fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let err = || format!("'{text}' is not a date (expected YYYY-MM-DD, e.g. 2026-12-25)");
    if text.len() != 10 {
        return Err(err());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| err())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendars() -> BTreeMap<String, Arc<Calendar>> {
        BTreeMap::from([("24x7".to_string(), Arc::new(Calendar::always_open()))])
    }

    fn spec(due: &str) -> CommitmentSpec {
        CommitmentSpec {
            id: "pack".into(),
            name: "Monthly service pack".into(),
            due: due.into(),
            ..Default::default()
        }
    }

    fn gbp() -> Currency {
        Currency::parse("GBP").unwrap()
    }

    #[test]
    fn builds_dated_and_rule_commitments() {
        let mut s = spec("2026-11-30");
        s.every = Some("12 months".into());
        s.category = Some("dr".into());
        s.delay_payment_per_day = Some("250.00".into());
        let c = s.build(&gbp(), &calendars(), Origin::Config).unwrap();
        assert_eq!(c.category.as_str(), "dr");
        assert_eq!(c.delay_payment_per_day.unwrap().minor, 25_000);
        assert_eq!(c.schedule.describe(), "2026-11-30, every 12 months");

        let mut s = spec("5 working days after month end");
        s.first_month = Some("2026-11".into());
        s.calendar = Some("24x7".into());
        s.every = Some("1 month".into());
        let c = s.build(&gbp(), &calendars(), Origin::AdHoc).unwrap();
        assert_eq!(c.category, Category::other());
        assert_eq!(c.schedule.nth(0).unwrap().date.to_string(), "2026-12-05");
    }

    #[test]
    fn reports_every_problem_by_key() {
        let mut s = spec("5 working days after month end");
        s.id = "bad id".into();
        s.category = Some("Finance".into());
        s.calendar = Some("office".into());
        s.every = Some("fortnightly".into());
        s.delay_payment_per_day = Some("12.345".into());
        let problems = s.build(&gbp(), &calendars(), Origin::Config).unwrap_err();
        let keys: Vec<&str> = problems.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            keys,
            [
                "id",
                "category",
                "every",
                "delay_payment_per_day",
                "first_month",
                "calendar"
            ],
            "{problems:?}"
        );
        let mut s = spec("2026-11-30");
        s.calendar = Some("24x7".into());
        let problems = s.build(&gbp(), &calendars(), Origin::Config).unwrap_err();
        assert_eq!(problems[0].0, "calendar");
        let problems = spec("30/11/2026")
            .build(&gbp(), &calendars(), Origin::Config)
            .unwrap_err();
        assert!(problems[0].1.contains("not a date (expected YYYY-MM-DD"));
        let mut s = spec("10 days after month end");
        s.first_month = Some("2026-11".into());
        s.calendar = Some("24x7".into());
        let problems = s.build(&gbp(), &calendars(), Origin::Config).unwrap_err();
        assert_eq!(problems[0].0, "calendar");
    }
}
