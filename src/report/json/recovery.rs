//! The JSON of getting money back: credit notes and refusals, gates
//! recorded on costs, the report's `recovery` section ("Recovery to date")
//! and its `costs_recoverable` summary under a sole-remedy clause.

use chrono::NaiveDate;
use serde::Serialize;

use super::Wire;
use crate::domain::{CostGate, CreditNote, Instant};
use crate::engine::recovery::{MonthRecovery, Recovery};
use crate::report::MonthReport;

/// A credit note or refusal as recorded.
#[derive(Debug, Serialize)]
pub struct CreditNoteJson<'a> {
    /// Its id.
    pub id: i64,
    /// `credit` or `refusal`.
    pub kind: &'static str,
    /// The supplier's reference.
    pub reference: &'a str,
    /// The date on the supplier's document.
    pub date: NaiveDate,
    /// The amount in minor units.
    pub amount_minor: i64,
    /// The months whose claims it answers, `YYYY-MM`.
    pub months: Vec<String>,
    /// The note, or the refusal's reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'a str>,
    /// Who recorded it.
    pub recorded_by: &'a str,
    /// When.
    #[serde(with = "crate::report::json_time")]
    pub recorded_at: Instant,
}

impl Wire for CreditNote {
    type Json<'a> = CreditNoteJson<'a>;

    fn json(&self) -> CreditNoteJson<'_> {
        CreditNoteJson {
            id: self.id,
            kind: self.kind.as_str(),
            reference: &self.reference,
            date: self.date,
            amount_minor: self.amount_minor,
            months: self.months.iter().map(ToString::to_string).collect(),
            note: self.note.as_deref(),
            recorded_by: &self.recorded_by,
            recorded_at: self.recorded_at,
        }
    }
}

/// A gate recorded on a cost, or its withdrawal.
#[derive(Debug, Serialize)]
pub struct CostGateJson<'a> {
    /// Its id.
    pub id: i64,
    /// The cost.
    pub cost: i64,
    /// `wilful_default`, `data_loss` or `termination`.
    pub gate: &'static str,
    /// True when this record withdraws the gate.
    pub withdrawn: bool,
    /// Why.
    pub reason: &'a str,
    /// Who recorded it.
    pub recorded_by: &'a str,
    /// When.
    #[serde(with = "crate::report::json_time")]
    pub recorded_at: Instant,
}

impl Wire for CostGate {
    type Json<'a> = CostGateJson<'a>;

    fn json(&self) -> CostGateJson<'_> {
        CostGateJson {
            id: self.id,
            cost: self.cost,
            gate: self.gate.as_str(),
            withdrawn: self.withdrawn,
            reason: &self.reason,
            recorded_by: &self.recorded_by,
            recorded_at: self.recorded_at,
        }
    }
}

/// Recovery to date: every issued claim against what was credited or refused.
#[derive(Debug, Serialize)]
pub struct RecoveryJson<'a> {
    /// The instant the figures are as at (RFC 3339, UTC).
    #[serde(with = "crate::report::json_time")]
    pub as_at: Instant,
    /// The sum of the issued claims.
    pub claimed_minor: i64,
    /// The sum of the credit notes.
    pub credited_minor: i64,
    /// The sum of the refusals.
    pub refused_minor: i64,
    /// Claimed less credited.
    pub outstanding_minor: i64,
    /// The age in days of the oldest month with something outstanding.
    pub oldest_outstanding_days: Option<i64>,
    /// Month by month, oldest first.
    pub months: Vec<MonthRecoveryJson>,
    /// The notes counted, oldest first.
    pub notes: Vec<CreditNoteJson<'a>>,
}

/// One month's recovery.
#[derive(Debug, Serialize)]
pub struct MonthRecoveryJson {
    /// The month, `YYYY-MM`.
    pub period: String,
    /// The issued version whose claim counts; `null` when not issued.
    pub issued_version: Option<i64>,
    /// When the month was first issued; `null` when not issued.
    pub first_issued_at: Option<String>,
    /// Its claim.
    pub claimed_minor: i64,
    /// Credited against it.
    pub credited_minor: i64,
    /// Refused of it.
    pub refused_minor: i64,
    /// Claimed less credited.
    pub outstanding_minor: i64,
    /// Days since first issued, when something is outstanding.
    pub outstanding_days: Option<i64>,
}

impl Wire for Recovery {
    type Json<'a> = RecoveryJson<'a>;

    fn json(&self) -> RecoveryJson<'_> {
        RecoveryJson {
            as_at: self.as_at,
            claimed_minor: self.claimed_minor,
            credited_minor: self.credited_minor,
            refused_minor: self.refused_minor,
            outstanding_minor: self.outstanding_minor,
            oldest_outstanding_days: self.oldest_outstanding_days,
            months: self.months.iter().map(month_json).collect(),
            notes: super::all(&self.notes),
        }
    }
}

fn month_json(m: &MonthRecovery) -> MonthRecoveryJson {
    MonthRecoveryJson {
        period: m.period.to_string(),
        issued_version: m.issued.as_ref().map(|c| c.version),
        first_issued_at: m
            .issued
            .as_ref()
            .map(|c| crate::domain::time::format_utc(c.first_issued_at)),
        claimed_minor: m.claimed_minor,
        credited_minor: m.credited_minor,
        refused_minor: m.refused_minor,
        outstanding_minor: m.outstanding_minor,
        outstanding_days: m.outstanding_days,
    }
}

/// Under a sole-remedy clause: the rule, the gates the month's figures
/// open, and the costs left outside the claim.
#[derive(Debug, Serialize)]
pub struct CostsRecoverableJson {
    /// `when_gate_open`.
    pub rule: &'static str,
    /// The gates open for the whole month: `cap_exceeded`,
    /// `critical_failure`, `material_breach`.
    pub month_gates_open: Vec<&'static str>,
    /// The claimed costs no gate opens: listed, outside the total claim.
    pub not_recoverable_minor: i64,
}

/// The summary, present only under `costs_recoverable = "when_gate_open"`.
pub fn costs_recoverable(r: &MonthReport<'_>) -> Option<CostsRecoverableJson> {
    let rule = r.contract.recovery.costs_recoverable;
    if rule == crate::contract::recovery::CostsRecoverable::Always {
        return None;
    }
    Some(CostsRecoverableJson {
        rule: rule.as_str(),
        month_gates_open: r.month_gates().open().iter().map(|g| g.as_str()).collect(),
        not_recoverable_minor: r
            .recoverable_costs
            .iter()
            .filter(|c| !r.cost_recoverability(c).counts())
            .map(|c| c.amount_minor)
            .sum(),
    })
}
