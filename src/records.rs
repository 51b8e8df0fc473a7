//! Recording what the engine cannot know: recoverable costs, excusals and
//! disputes, as a contract manager states them on the command line or over
//! the API. Each request is checked against the contract here (amount in the
//! contract's currency, known service levels, well-formed months) before the
//! store checks it against the evidence and writes it with its audit entry.
//!
//! The command line (`slawatch cost|excuse|unexcuse|dispute`) and the HTTP
//! API (`/api/v1/contracts/{id}/costs|excusals|disputes`) share these.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::contract::Contract;
use crate::domain::credit_note::parse_months;
use crate::domain::time::parse_instant;
use crate::domain::{
    CostBreach, DisputeSubject, ExcusalTarget, ExcusedInterval, Money, NewCost, NewCreditNote,
    NoteKind, Period,
};
use crate::engine::commitments::{AsOf, Register};
pub use crate::store::records::{RecordError, required};

/// A recoverable cost as stated by a person (all text, checked by [`new_cost`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostRequest {
    /// `YYYY-MM-DD`: the cost belongs to this date's month.
    pub date: String,
    /// A decimal amount in the contract's currency, e.g. `"2400.00"`.
    pub amount: String,
    /// What was bought.
    pub description: String,
    /// Where the proof is (purchase order, invoice).
    pub evidence: String,
    /// The service level whose failure caused it.
    #[serde(default)]
    pub breach_service_level: Option<String>,
    /// That failure's month, `YYYY-MM` (default: the cost's month).
    #[serde(default)]
    pub breach_month: Option<String>,
    /// Or the incident whose breach caused it.
    #[serde(default)]
    pub breach_incident: Option<String>,
}

/// What an excusal or a dispute is about, as stated by a person: exactly
/// one of an incident, an outage, a cost (disputes only), a commitment's
/// occurrence (its delay payments; disputes only) or a service level with
/// its month.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TargetRequest {
    /// An incident id.
    #[serde(default)]
    pub incident: Option<String>,
    /// An outage id.
    #[serde(default)]
    pub outage: Option<String>,
    /// A service level id (with `month`).
    #[serde(default)]
    pub service_level: Option<String>,
    /// The month, `YYYY-MM`, of a service level.
    #[serde(default)]
    pub month: Option<String>,
    /// A recoverable cost's id.
    #[serde(default)]
    pub cost: Option<i64>,
    /// A commitment whose delay payments are disputed (with `due`).
    #[serde(default)]
    pub commitment: Option<String>,
    /// The occurrence of `commitment`: its due date or the month it covers.
    #[serde(default)]
    pub due: Option<String>,
}

/// Checks a cost against the contract.
pub fn new_cost(contract: &Contract, r: &CostRequest) -> Result<NewCost, RecordError> {
    let date: NaiveDate = r.date.trim().parse().map_err(|_| {
        RecordError::Invalid(format!(
            "date: '{}' is not a date (expected YYYY-MM-DD)",
            r.date
        ))
    })?;
    let amount = Money::parse(&r.amount, &contract.currency)
        .map_err(|e| RecordError::Invalid(format!("amount: {e}")))?;
    if amount.minor <= 0 {
        return Err(RecordError::Invalid(format!(
            "amount: '{}' must be above zero",
            r.amount
        )));
    }
    let breach = match (
        r.breach_service_level.as_deref(),
        r.breach_incident.as_deref(),
    ) {
        (Some(_), Some(_)) => {
            return Err(RecordError::Invalid(
                "a cost arises from a service level's month or from an incident, not both".into(),
            ));
        }
        (Some(level), None) => {
            let period = match &r.breach_month {
                Some(m) => month("breach month", m)?,
                None => Period::new(
                    chrono::Datelike::year(&date),
                    chrono::Datelike::month(&date),
                )
                .ok_or_else(|| RecordError::Invalid(format!("date: '{date}' has no month")))?,
            };
            Some(CostBreach::ServiceLevel {
                service_level: service_level(contract, level)?,
                period,
            })
        }
        (None, Some(incident)) => Some(CostBreach::Incident {
            incident: required("breach incident", incident)?,
        }),
        (None, None) if r.breach_month.is_some() => {
            return Err(RecordError::Invalid(
                "a breach month needs the service level that failed".into(),
            ));
        }
        (None, None) => None,
    };
    Ok(NewCost {
        date,
        amount,
        description: required("description", &r.description)?,
        evidence: required("evidence", &r.evidence)?,
        breach,
    })
}

/// A credit note or refusal as stated by a person (all text, checked by
/// [`new_credit_note`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditNoteRequest {
    /// The supplier's reference (credit note number, letter reference).
    pub reference: String,
    /// `YYYY-MM-DD`: the date on the supplier's document.
    pub date: String,
    /// A decimal amount in the contract's currency, e.g. `"1250.00"`.
    pub amount: String,
    /// The months whose claims it answers: `"2026-10"` or `"2026-10,2026-11"`.
    pub months: String,
    /// A credit's note, or a refusal's reason (required for a refusal;
    /// `reason` in a refusal's JSON).
    #[serde(default, alias = "reason")]
    pub note: Option<String>,
}

/// How the fields of a request are named in its errors: as the command
/// line's flags or as the API's JSON keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// `--amount`, `--reason`.
    Flags,
    /// `amount`, `note`.
    Keys,
}

impl Naming {
    fn name(self, key: &str) -> String {
        match self {
            Naming::Flags => format!("--{key}"),
            Naming::Keys => key.to_string(),
        }
    }
}

/// Checks a credit note (or, for [`NoteKind::Refusal`], a refusal) against
/// the contract: a date, an amount above zero in the contract's currency,
/// at least one month, a reference, and a reason for a refusal. Each error
/// names the field (as `naming` spells it) and the value given.
pub fn new_credit_note(
    contract: &Contract,
    kind: NoteKind,
    r: &CreditNoteRequest,
    naming: Naming,
) -> Result<NewCreditNote, RecordError> {
    let invalid =
        |key: &str, msg: String| RecordError::Invalid(format!("{}: {msg}", naming.name(key)));
    let date: NaiveDate = r.date.trim().parse().map_err(|_| {
        invalid(
            "date",
            format!("'{}' is not a date (expected YYYY-MM-DD)", r.date),
        )
    })?;
    let amount = Money::parse(&r.amount, &contract.currency).map_err(|e| invalid("amount", e))?;
    if amount.minor <= 0 {
        return Err(invalid(
            "amount",
            format!("'{}' must be above zero", r.amount),
        ));
    }
    let months = parse_months(&r.months).map_err(|e| invalid("months", e))?;
    let reference = r.reference.trim();
    if reference.is_empty() {
        return Err(invalid("reference", "must not be empty".into()));
    }
    let note = r
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    if kind == NoteKind::Refusal && note.is_none() {
        return Err(invalid(
            "reason",
            "a refusal needs the supplier's reason".into(),
        ));
    }
    Ok(NewCreditNote {
        kind,
        reference: reference.to_string(),
        date,
        amount,
        months,
        note,
    })
}

/// What an excusal covers: an incident, an outage or a service level's month.
pub fn excusal_target(
    contract: &Contract,
    r: &TargetRequest,
) -> Result<ExcusalTarget, RecordError> {
    if r.cost.is_some() {
        return Err(RecordError::Invalid(
            "a cost is not excused: remove it, or record the supplier's dispute of it".into(),
        ));
    }
    if r.commitment.is_some() || r.due.is_some() {
        return Err(RecordError::Invalid(
            "a commitment is not excused: record what was delivered, or the supplier's dispute \
             of its delay payments"
                .into(),
        ));
    }
    match (&r.incident, &r.outage, &r.service_level) {
        (Some(incident), None, None) if r.month.is_none() => Ok(ExcusalTarget::Incident {
            incident: required("incident", incident)?,
        }),
        (None, Some(outage), None) if r.month.is_none() => Ok(ExcusalTarget::Outage {
            outage: required("outage", outage)?,
        }),
        (None, None, Some(level)) => Ok(ExcusalTarget::ServiceLevel {
            service_level: service_level(contract, level)?,
            period: month(
                "month",
                r.month.as_deref().ok_or_else(|| {
                    RecordError::Invalid(
                        "a service level is excused for a month: give the month".into(),
                    )
                })?,
            )?,
        }),
        _ => Err(RecordError::Invalid(
            "name exactly one of an incident, an outage, or a service level with its month".into(),
        )),
    }
}

/// The part of an outage to excuse, from `from` and `until` as a person
/// gives them (RFC 3339, or `YYYY-MM-DD HH:MM` in the contract's timezone):
/// both or neither, and only with an outage. `from_field` and `until_field`
/// name them for errors (`--from`, `from`). Whether the interval lies within
/// the outage is the store's check, against the outage as stored.
pub fn excused_interval(
    contract: &Contract,
    target: &ExcusalTarget,
    from: Option<&str>,
    until: Option<&str>,
    (from_field, until_field): (&str, &str),
) -> Result<Option<ExcusedInterval>, RecordError> {
    let (from, until) = match (from, until) {
        (None, None) => return Ok(None),
        (Some(from), Some(until)) => (from, until),
        _ => {
            return Err(RecordError::Invalid(format!(
                "an outage is excused in part with both {from_field} and {until_field}"
            )));
        }
    };
    if !matches!(target, ExcusalTarget::Outage { .. }) {
        return Err(RecordError::Invalid(format!(
            "{from_field} and {until_field} excuse part of an outage; {target} is excused whole"
        )));
    }
    let at = |field: &str, text: &str| {
        parse_instant(text, contract.timezone)
            .map_err(|e| RecordError::Invalid(format!("{field}: {e}")))
    };
    let interval = ExcusedInterval::new(at(from_field, from)?, at(until_field, until)?)
        .map_err(RecordError::Invalid)?;
    Ok(Some(interval))
}

/// What a dispute is about: a service level's month, an incident or a cost.
pub fn dispute_subject(
    contract: &Contract,
    r: &TargetRequest,
) -> Result<DisputeSubject, RecordError> {
    let named = [
        r.incident.is_some(),
        r.cost.is_some(),
        r.service_level.is_some(),
        r.outage.is_some(),
        r.commitment.is_some(),
    ]
    .iter()
    .filter(|n| **n)
    .count();
    if named != 1 || (r.due.is_some() && r.commitment.is_none()) {
        return Err(RecordError::Invalid(
            "name exactly one of a service level with its month, an incident, an outage, a cost, \
             or a commitment with the due date (or month) of its occurrence"
                .into(),
        ));
    }
    if let Some(commitment) = &r.commitment {
        let due = r.due.as_deref().ok_or_else(|| {
            RecordError::Invalid(
                "a commitment's delay payments are disputed for one occurrence: give its due \
                 date or month"
                    .into(),
            )
        })?;
        return Ok(DisputeSubject::DelayPayment {
            commitment: required("commitment", commitment)?,
            occurrence: required("due", due)?,
        });
    }
    match (&r.incident, r.cost, &r.service_level) {
        (Some(incident), None, None) if r.month.is_none() => Ok(DisputeSubject::Incident {
            incident: required("incident", incident)?,
        }),
        (None, Some(cost), None) if r.month.is_none() => Ok(DisputeSubject::Cost { cost }),
        (None, None, None) if r.month.is_none() => Ok(DisputeSubject::Outage {
            outage: required("outage", r.outage.as_deref().unwrap_or_default())?,
        }),
        (None, None, Some(level)) => Ok(DisputeSubject::ServiceLevel {
            service_level: service_level(contract, level)?,
            period: month(
                "month",
                r.month.as_deref().ok_or_else(|| {
                    RecordError::Invalid(
                        "a service level is disputed for a month: give the month".into(),
                    )
                })?,
            )?,
        }),
        _ => Err(RecordError::Invalid(
            "a month goes with a service level only: an incident, an outage or a cost is \
             disputed without one"
                .into(),
        )),
    }
}

/// Checks a delay payment's dispute against the commitments register: the
/// commitment exists, has a delay payment clause, and the occurrence is one
/// due by `today` and late (or overdue). Other subjects pass.
pub fn check_disputed_delay_payment(
    register: &Register,
    subject: &DisputeSubject,
    as_of: AsOf,
) -> Result<(), RecordError> {
    let DisputeSubject::DelayPayment {
        commitment,
        occurrence,
    } = subject
    else {
        return Ok(());
    };
    let c = register.get(commitment).ok_or_else(|| {
        RecordError::NotFound(format!("no commitment '{commitment}' in the register"))
    })?;
    if c.delay_payment_per_day.is_none() {
        return Err(RecordError::Invalid(format!(
            "commitment '{commitment}' has no delay_payment_per_day: there is no delay payment to dispute"
        )));
    }
    let due = Register::dues_to_date(c, as_of.today)
        .into_iter()
        .find(|d| d.key == *occurrence)
        .ok_or_else(|| {
            RecordError::NotFound(format!(
                "commitment '{commitment}' has no occurrence '{occurrence}' due by {} (give its due date, or the month it covers)",
                as_of.today
            ))
        })?;
    if register.occurrence(c, &due, as_of).days_late == 0 {
        return Err(RecordError::Conflict(format!(
            "{commitment} due {occurrence} is not late: there is no delay payment to dispute"
        )));
    }
    Ok(())
}

fn month(field: &str, text: &str) -> Result<Period, RecordError> {
    text.parse()
        .map_err(|e: String| RecordError::Invalid(format!("{field}: {e}")))
}

fn service_level(contract: &Contract, id: &str) -> Result<String, RecordError> {
    match contract.service_level(id.trim()) {
        Some(level) => Ok(level.id.clone()),
        None => {
            let known: Vec<&str> = contract
                .service_levels
                .iter()
                .map(|l| l.id.as_str())
                .collect();
            Err(RecordError::Invalid(format!(
                "unknown service level '{id}' in contract '{}' (configured: {})",
                contract.id,
                known.join(", ")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contract() -> Contract {
        let text = r#"
[[contracts]]
id = "acme"
supplier = "Acme"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "1000.00"
managers = ["m@council.example"]

  [[contracts.service_levels]]
  id = "p1-resolution"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  target_percent = 95.0
"#;
        crate::config::parse(text, "t.toml").unwrap().contracts[0].clone()
    }

    fn cost(amount: &str) -> CostRequest {
        CostRequest {
            date: "2026-10-09".into(),
            amount: amount.into(),
            description: "Agency staff".into(),
            evidence: "PO 1".into(),
            ..Default::default()
        }
    }

    #[test]
    fn amounts_are_exact_minor_units_of_the_contract_currency() {
        let c = contract();
        assert_eq!(
            new_cost(&c, &cost("2400.00")).unwrap().amount.minor,
            240_000
        );
        assert_eq!(new_cost(&c, &cost("0.01")).unwrap().amount.minor, 1);
        for bad in ["2400.001", "12,00", "0", "-5.00", "abc"] {
            assert!(
                matches!(new_cost(&c, &cost(bad)), Err(RecordError::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_service_level_breach_defaults_to_the_cost_month() {
        let c = contract();
        let mut r = cost("1.00");
        r.breach_service_level = Some("p1-resolution".into());
        assert_eq!(
            new_cost(&c, &r).unwrap().breach,
            Some(CostBreach::ServiceLevel {
                service_level: "p1-resolution".into(),
                period: "2026-10".parse().unwrap()
            })
        );
        r.breach_service_level = Some("nope".into());
        let err = new_cost(&c, &r).unwrap_err().to_string();
        assert!(err.contains("unknown service level 'nope'"), "{err}");
    }

    fn note(amount: &str, months: &str) -> CreditNoteRequest {
        CreditNoteRequest {
            reference: "CN-123".into(),
            date: "2026-12-01".into(),
            amount: amount.into(),
            months: months.into(),
            note: None,
        }
    }

    #[test]
    fn credit_notes_name_the_flag_and_value_they_refuse() {
        let c = contract();
        let ok = new_credit_note(
            &c,
            NoteKind::Credit,
            &note("1250.00", "2026-10"),
            Naming::Flags,
        )
        .unwrap();
        // 1,250.00 pounds = 125,000 pence.
        assert_eq!(ok.amount.minor, 125_000);
        let err = |r: &CreditNoteRequest, kind, naming| {
            new_credit_note(&c, kind, r, naming)
                .unwrap_err()
                .to_string()
        };
        let e = err(&note("12,50", "2026-10"), NoteKind::Credit, Naming::Flags);
        assert!(
            e.starts_with("--amount: '12,50' is not a decimal amount of GBP"),
            "{e}"
        );
        let e = err(&note("0", "2026-10"), NoteKind::Credit, Naming::Keys);
        assert_eq!(e, "amount: '0' must be above zero");
        let e = err(&note("1.00", "2026-13"), NoteKind::Credit, Naming::Flags);
        assert!(e.starts_with("--months: '2026-13' is not a month"), "{e}");
        let e = err(&note("1.00", "2026-10"), NoteKind::Refusal, Naming::Flags);
        assert_eq!(e, "--reason: a refusal needs the supplier's reason");
    }

    #[test]
    fn targets_name_exactly_one_thing() {
        let c = contract();
        let both = TargetRequest {
            incident: Some("I1".into()),
            outage: Some("O1".into()),
            ..Default::default()
        };
        assert!(excusal_target(&c, &both).is_err());
        let level = TargetRequest {
            service_level: Some("p1-resolution".into()),
            month: Some("2026-10".into()),
            ..Default::default()
        };
        assert_eq!(
            excusal_target(&c, &level).unwrap().to_string(),
            "service level p1-resolution for 2026-10"
        );
        let no_month = TargetRequest {
            service_level: Some("p1-resolution".into()),
            ..Default::default()
        };
        assert!(dispute_subject(&c, &no_month).is_err());
        let cost = TargetRequest {
            cost: Some(3),
            ..Default::default()
        };
        assert!(excusal_target(&c, &cost).is_err());
        assert_eq!(
            dispute_subject(&c, &cost).unwrap(),
            DisputeSubject::Cost { cost: 3 }
        );
        assert!(required("by", "  ").is_err());
    }
}
