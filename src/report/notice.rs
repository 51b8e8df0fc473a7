//! A notice letter for one escalation trigger: the clause quoted, the
//! evidence (the months and lines behind it, attainment against target),
//! the consequence and the supplier's deadline, as HTML (escaped by the
//! template engine, so supplier text cannot become markup) or PDF.

use minijinja::{AutoEscape, Environment};
use serde::Serialize;

use crate::contract::Contract;
use crate::engine::escalation::Escalation;

const TEMPLATE: &str = include_str!("../../templates/notice.html");

/// The letter's words and figures, shared by the HTML and the PDF.
#[derive(Debug, Serialize)]
pub struct Notice {
    /// The contract's id.
    pub contract: String,
    /// The supplier's name.
    pub supplier: String,
    /// The rule's id.
    pub rule: String,
    /// The consequence in words (`rectification plan`).
    pub consequence: String,
    /// The clause quoted.
    pub clause: String,
    /// The month that triggered it, `YYYY-MM`.
    pub period: String,
    /// The notice date, `YYYY-MM-DD`.
    pub notice_date: String,
    /// The deadline, `YYYY-MM-DD`, when the rule sets one.
    pub respond_by: Option<String>,
    /// How the deadline was counted ("10 working days on the office calendar").
    pub respond_within: Option<String>,
    /// The evidence, one row per line and month.
    pub evidence: Vec<EvidenceRow>,
    /// For a rule counting other triggers: `2027-02 repeat`, oldest first.
    pub counted: Vec<String>,
    /// For a service-points rule: "42 points (at least 40)".
    pub points: Option<String>,
}

/// One line and month behind the trigger.
#[derive(Debug, Serialize)]
pub struct EvidenceRow {
    /// The month, `YYYY-MM`.
    pub period: String,
    /// The service level's name (and service, for availability).
    pub line: String,
    /// The attainment, `91.667 %`, or `-` with nothing measured.
    pub attainment: String,
    /// The target, `95 %`.
    pub target: String,
    /// `critical` for a critical failure, else empty.
    pub critical: String,
}

impl Notice {
    /// The notice for trigger `e` of `contract`.
    pub fn new(contract: &Contract, e: &Escalation) -> Notice {
        let rule = contract.escalations.iter().find(|r| r.id == e.rule);
        Notice {
            contract: contract.id.clone(),
            supplier: contract.supplier.clone(),
            rule: e.rule.clone(),
            consequence: e.then.replace('_', " "),
            clause: e.clause.clone(),
            period: e.period.to_string(),
            notice_date: e.notice_date.map_or_else(String::new, |d| d.to_string()),
            respond_by: e.respond_by.map(|d| d.to_string()),
            respond_within: rule.and_then(|r| {
                r.respond_within.map(|w| match w.working {
                    true => format!("{w} on the {} calendar", r.calendar.name()),
                    false => w.to_string(),
                })
            }),
            evidence: e
                .lines
                .iter()
                .map(|l| EvidenceRow {
                    period: l.period.to_string(),
                    line: match &l.service {
                        Some(s) => format!("{} ({s})", l.name),
                        None => l.name.clone(),
                    },
                    attainment: l
                        .attainment
                        .map_or("-".to_string(), |a| format!("{:.3} %", a.rounded3())),
                    target: format!("{} %", super::json::number_text(l.target_percent.as_f64())),
                    critical: if l.critical {
                        "critical".into()
                    } else {
                        String::new()
                    },
                })
                .collect(),
            counted: e.counted.iter().map(|(p, r)| format!("{p} {r}")).collect(),
            points: e
                .points
                .map(|(p, at_least)| format!("{p} points (at least {at_least})")),
        }
    }

    /// The letter as a self-contained HTML page.
    pub fn html(&self) -> Result<String, minijinja::Error> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        env.add_template("notice.html", TEMPLATE)?;
        env.get_template("notice.html")?.render(
            minijinja::context! { n => minijinja::Value::from(minijinja::value::Serde(self)) },
        )
    }
}
