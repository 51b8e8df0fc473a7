//! The JSON of the escalation ladder: the report's `escalations` section,
//! present only when the contract has escalation rules (so reports of other
//! contracts stay as they were).

use serde::Serialize;

use super::Wire;
use crate::engine::escalation::{Escalation, LineGround};

/// One rule triggered in the month.
#[derive(Debug, Serialize)]
pub struct EscalationJson<'a> {
    /// The rule's id.
    pub rule: &'a str,
    /// The consequence (`rectification_plan`, `material_breach`, …).
    pub then: &'a str,
    /// The contract's words.
    pub clause: &'a str,
    /// The month that triggered it, `YYYY-MM`.
    pub period: String,
    /// Every month behind it, `YYYY-MM`, oldest first.
    pub months: Vec<String>,
    /// The lines behind it, oldest first.
    pub lines: Vec<LineGroundJson<'a>>,
    /// For a rule counting other rules' triggers: those triggers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub counted: Vec<CountedJson<'a>>,
    /// For a service-points rule: the month's points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<u32>,
    /// For a service-points rule: the points that trigger it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points_at_least: Option<u32>,
    /// When the supplier is told (`YYYY-MM-DD`).
    pub notice_date: Option<String>,
    /// The supplier's deadline to respond (`YYYY-MM-DD`), when the rule sets one.
    pub respond_by: Option<String>,
}

/// One failed line behind a trigger.
#[derive(Debug, Serialize)]
pub struct LineGroundJson<'a> {
    /// The month, `YYYY-MM`.
    pub period: String,
    /// The service level's id.
    pub service_level: &'a str,
    /// For availability: the service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<&'a str>,
    /// The attainment, rounded to three decimals (`null` when nothing was measured).
    pub attainment_percent: Option<f64>,
    /// The target.
    pub target_percent: f64,
    /// Whether it was a critical failure.
    pub critical: bool,
}

/// A trigger counted by a chained rule.
#[derive(Debug, Serialize)]
pub struct CountedJson<'a> {
    /// Its month, `YYYY-MM`.
    pub period: String,
    /// The rule triggered.
    pub rule: &'a str,
}

impl Wire for LineGround {
    type Json<'a> = LineGroundJson<'a>;

    fn json(&self) -> LineGroundJson<'_> {
        LineGroundJson {
            period: self.period.to_string(),
            service_level: &self.id,
            service: self.service.as_deref(),
            attainment_percent: self.attainment.map(|a| a.rounded3()),
            target_percent: self.target_percent.as_f64(),
            critical: self.critical,
        }
    }
}

impl Wire for Escalation {
    type Json<'a> = EscalationJson<'a>;

    fn json(&self) -> EscalationJson<'_> {
        EscalationJson {
            rule: &self.rule,
            then: &self.then,
            clause: &self.clause,
            period: self.period.to_string(),
            months: self.months().iter().map(ToString::to_string).collect(),
            lines: super::all(&self.lines),
            counted: self
                .counted
                .iter()
                .map(|(period, rule)| CountedJson {
                    period: period.to_string(),
                    rule,
                })
                .collect(),
            points: self.points.map(|(p, _)| p),
            points_at_least: self.points.map(|(_, a)| a),
            notice_date: self.notice_date.map(|d| d.to_string()),
            respond_by: self.respond_by.map(|d| d.to_string()),
        }
    }
}

impl EscalationJson<'_> {
    /// What triggered the rule, in words: "p1-response failed in 2026-09
    /// (90.000 % against 95 %), 2026-11 (…)", or the rules it counted, or
    /// the month's points.
    pub fn grounds(&self) -> String {
        if let (Some(points), Some(at_least)) = (self.points, self.points_at_least) {
            return format!("{points} service points this month (at least {at_least})");
        }
        if !self.counted.is_empty() {
            let counted: Vec<String> = self
                .counted
                .iter()
                .map(|c| format!("{} in {}", c.rule, c.period))
                .collect();
            return format!("triggered {}", counted.join(", "));
        }
        let lines: Vec<String> = self
            .lines
            .iter()
            .map(|l| {
                let name = match l.service {
                    Some(s) => format!("{} ({s})", l.service_level),
                    None => l.service_level.to_string(),
                };
                let attainment = l
                    .attainment_percent
                    .map_or("no data".to_string(), |a| format!("{a:.3} %"));
                let critical = if l.critical { ", critical" } else { "" };
                format!(
                    "{name} failed in {}: {attainment} against {} %{critical}",
                    l.period,
                    super::number_text(l.target_percent)
                )
            })
            .collect();
        lines.join("; ")
    }
}
