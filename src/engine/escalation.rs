//! The escalation ladder, month by month: which of the contract's rules each
//! month triggers, and on what grounds — the lines that failed (with their
//! attainment against target), the points scored, or the earlier triggers a
//! chained rule counted. Pure: consecutive evaluated months in, triggers out.
//!
//! A rule triggers in a month only through that month: a `failure` rule
//! needs the line to fail this month (and `count` times in the window), a
//! chained rule needs one of the triggers it counts to be this month's. So a
//! failure two months ago does not trigger the same rule again and again.
//! Failures that do not count — an excused month, a dispute withdrawn — are
//! never counted, nor are critical failures excused.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::MonthEvaluation;
use crate::contract::Contract;
use crate::contract::escalation::{EscalationRule, When};
use crate::domain::{Percent, Period, Ratio};

/// One rule triggered in one month.
#[derive(Debug, Clone)]
pub struct Escalation {
    /// The rule's id.
    pub rule: String,
    /// The consequence (`rectification_plan`, `material_breach`, …).
    pub then: String,
    /// The contract's words.
    pub clause: String,
    /// The month that triggered it.
    pub period: Period,
    /// The lines behind it, oldest month first: the failures counted, the
    /// critical failures, or those behind the triggers a chained rule counted.
    pub lines: Vec<LineGround>,
    /// For a chained rule: the triggers it counted (month and rule), oldest first.
    pub counted: Vec<(Period, String)>,
    /// For a `service_points` rule: the month's points and the threshold.
    pub points: Option<(u32, u32)>,
    /// When the supplier is told: the first working day after the month.
    pub notice_date: Option<NaiveDate>,
    /// The supplier's deadline to respond, when the rule sets one.
    pub respond_by: Option<NaiveDate>,
}

/// One failed line of one month, as evidence for a trigger.
#[derive(Debug, Clone)]
pub struct LineGround {
    /// The month.
    pub period: Period,
    /// The service level's id.
    pub id: String,
    /// Its readable name.
    pub name: String,
    /// For availability: the service.
    pub service: Option<String>,
    /// The attainment (`None` when nothing was measured).
    pub attainment: Option<Ratio>,
    /// The target.
    pub target_percent: Percent,
    /// Whether it was a critical failure.
    pub critical: bool,
}

impl LineGround {
    /// What identifies it: the month and the line.
    pub fn key(&self) -> (Period, &str, Option<&str>) {
        (self.period, &self.id, self.service.as_deref())
    }
}

impl Escalation {
    /// The months behind the trigger, oldest first, each once.
    pub fn months(&self) -> Vec<Period> {
        let set: BTreeSet<Period> = self
            .lines
            .iter()
            .map(|l| l.period)
            .chain(self.counted.iter().map(|(p, _)| *p))
            .chain(std::iter::once(self.period))
            .collect();
        set.into_iter().collect()
    }
}

/// Every rule triggered in each of `months` (consecutive, oldest first),
/// aligned with them. The earliest months see only the history given: pass
/// the range from `first_needed` of the latest month wanted.
pub fn escalations(contract: &Contract, months: &[&MonthEvaluation]) -> Vec<Vec<Escalation>> {
    let rules = &contract.escalations;
    let mut out: Vec<Vec<Escalation>> = Vec::with_capacity(months.len());
    for (i, month) in months.iter().enumerate() {
        let mut found: Vec<Escalation> = Vec::new();
        let mut decided: BTreeSet<&str> = BTreeSet::new();
        // Chained rules wait for every rule they count; the configuration
        // refuses loops, so each pass decides at least one rule.
        for _ in 0..=rules.len() {
            for rule in rules {
                if decided.contains(rule.id.as_str()) {
                    continue;
                }
                if let When::Escalated { then, .. } = &rule.when
                    && rules
                        .iter()
                        .any(|r| &r.then == then && !decided.contains(r.id.as_str()))
                {
                    continue;
                }
                decided.insert(&rule.id);
                if let Some(e) = trigger(rule, &months[..=i], &out, &found, month) {
                    found.push(e);
                }
            }
        }
        out.push(found);
    }
    out
}

/// Whether `rule` triggers in `month`, the last of `history`; `before` are
/// the triggers of the earlier months of `history`, `now` this month's so far.
fn trigger(
    rule: &EscalationRule,
    history: &[&MonthEvaluation],
    before: &[Vec<Escalation>],
    now: &[Escalation],
    month: &MonthEvaluation,
) -> Option<Escalation> {
    let within = |n: u32| {
        let first = (1..n).fold(month.period, |p, _| p.prev());
        move |p: Period| p >= first
    };
    let mut e = Escalation {
        rule: rule.id.clone(),
        then: rule.then.clone(),
        clause: rule.clause.clone(),
        period: month.period,
        lines: Vec::new(),
        counted: Vec::new(),
        points: None,
        notice_date: rule.notice_date(month.period),
        respond_by: rule.respond_by(month.period),
    };
    match &rule.when {
        When::CriticalFailure => {
            e.lines = month
                .levels
                .iter()
                .filter(|l| l.critical && l.counts_as_failed())
                .map(|l| ground(month.period, l))
                .collect();
        }
        When::ServicePoints { at_least } => {
            let points = month.points.filter(|p| p >= at_least)?;
            e.points = Some((points, *at_least));
            e.lines = month
                .levels
                .iter()
                .filter(|l| l.points.is_some_and(|p| p > 0) && l.counts_as_failed())
                .map(|l| ground(month.period, l))
                .collect();
            return Some(e);
        }
        When::Failure {
            count,
            within_months,
        } => {
            let inside = within(*within_months);
            for line in month.levels.iter().filter(|l| l.counts_as_failed()) {
                let failures: Vec<LineGround> = history
                    .iter()
                    .filter(|m| inside(m.period))
                    .flat_map(|m| {
                        m.levels
                            .iter()
                            .filter(|l| {
                                l.id == line.id && l.service == line.service && l.counts_as_failed()
                            })
                            .map(|l| ground(m.period, l))
                    })
                    .collect();
                if failures.len() >= *count as usize {
                    e.lines.extend(failures);
                }
            }
            e.lines.sort_by(|a, b| a.key().cmp(&b.key()));
            e.lines.dedup_by(|a, b| a.key() == b.key());
        }
        When::Escalated {
            then,
            count,
            within_months,
        } => {
            let inside = within(*within_months);
            let this_month: Vec<&Escalation> = now.iter().filter(|t| &t.then == then).collect();
            if this_month.is_empty() {
                return None;
            }
            let counted: Vec<&Escalation> = before
                .iter()
                .flatten()
                .filter(|t| &t.then == then && inside(t.period))
                .chain(this_month)
                .collect();
            if counted.len() < *count as usize {
                return None;
            }
            e.counted = counted.iter().map(|t| (t.period, t.rule.clone())).collect();
            for t in counted {
                for l in &t.lines {
                    if !e.lines.iter().any(|x| x.key() == l.key()) {
                        e.lines.push(l.clone());
                    }
                }
            }
            return Some(e);
        }
    }
    (!e.lines.is_empty()).then_some(e)
}

fn ground(period: Period, l: &super::LevelResult) -> LineGround {
    LineGround {
        period,
        id: l.id.clone(),
        name: l.name.clone(),
        service: l.service.clone(),
        attainment: l.attainment,
        target_percent: l.target_percent,
        critical: l.critical,
    }
}

/// Whether any trigger among `month`'s names the consequence `then`.
pub fn names(month: &[Escalation], then: &str) -> bool {
    month.iter().any(|e| e.then == then)
}

#[cfg(test)]
#[path = "escalation_tests.rs"]
mod tests;
