//! What an escalation trigger calls for once its month has closed: one
//! alert to the contract's managers (dedup key per contract, rule and
//! month, so it is queued once however often detection runs), and for a
//! rectification plan, a commitment due on the supplier's deadline (with
//! an id per rule and month, so it is added once).

use super::compose::{Facts, alert};
use crate::config::{CommitmentSpec, Config};
use crate::contract::Contract;
use crate::contract::escalation::RECTIFICATION_PLAN;
use crate::engine::escalation::Escalation;
use crate::store::outbox::{NewAlert, Severity};

/// The outbox key of a trigger's alert.
pub fn dedup_key(contract: &str, e: &Escalation) -> String {
    format!("escalation/{contract}/{}/{}", e.rule, e.period)
}

/// The alert for trigger `e` of `contract`, linking to the month that
/// triggered it.
pub fn escalation_alert(config: &Config, contract: &Contract, e: &Escalation) -> NewAlert {
    let months: Vec<String> = e.months().iter().map(ToString::to_string).collect();
    let mut lines = vec![
        (
            "Contract",
            format!("{} ({})", contract.id, contract.supplier),
        ),
        ("Month", e.period.to_string()),
        ("Rule", e.rule.clone()),
        ("Consequence", e.then.replace('_', " ")),
        ("Clause", e.clause.clone()),
        ("Months behind it", months.join(", ")),
    ];
    if let Some(by) = e.respond_by {
        lines.push(("Supplier to respond by", by.to_string()));
    }
    let facts = Facts {
        headline: format!(
            "{} {} triggers {}: {}",
            contract.id,
            e.period,
            e.rule,
            e.then.replace('_', " ")
        ),
        lines,
        evidence: format!(
            "Evidence: the failures of the months listed, as each month's report shows them; \
             the notice letter for {} in {} is produced from the same figures.",
            e.rule, e.period
        ),
        month: Some(e.period),
        next_step: Some(next_step(e)),
        link: Some(super::detect::month_link(config, contract, e.period)),
    };
    alert(
        dedup_key(&contract.id, e),
        "escalation",
        Severity::Critical,
        Some(&contract.id),
        &contract.managers,
        &facts,
        false,
    )
}

/// What the contract lets the council do now, in its own words where it has them.
fn next_step(e: &Escalation) -> String {
    let by = e
        .respond_by
        .map(|d| format!("; the supplier must respond by {d}"))
        .unwrap_or_default();
    match e.then.as_str() {
        RECTIFICATION_PLAN => format!(
            "demand a rectification plan from the supplier under {}{by}. The plan is in the \
             commitments register as due.",
            e.clause
        ),
        crate::contract::escalation::MATERIAL_BREACH => format!(
            "take advice on serving notice of material breach under {}{by}.",
            e.clause
        ),
        other => format!("act under {}: {}{by}.", e.clause, other.replace('_', " ")),
    }
}

/// The commitment a rectification-plan trigger makes due on its deadline;
/// `None` for other consequences or a rule without `respond_within`.
pub fn rectification_commitment(e: &Escalation) -> Option<CommitmentSpec> {
    if e.then != RECTIFICATION_PLAN {
        return None;
    }
    let due = e.respond_by?;
    Some(CommitmentSpec {
        id: format!("rectification-plan-{}-{}", e.rule, e.period),
        name: format!("Rectification plan ({}, {})", e.rule, e.period),
        category: Some("governance".into()),
        owner: None,
        due: due.to_string(),
        every: None,
        first_month: None,
        calendar: None,
        delay_payment_per_day: None,
    })
}
