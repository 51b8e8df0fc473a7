//! The document's face: control data (what, whose, which period, which
//! version, who prepared and approved it) and the summary, where service
//! credits and recoverable costs are two remedies with their own totals.

use super::format::{Style, date_words, period_words};
use super::{Cell, Field, Section, Tone};
use crate::report::json::ReportJson;
use crate::report::{DocumentStatus as Status, IssueState, MonthReport};

/// The control data.
pub fn control(r: &MonthReport<'_>, json: &ReportJson<'_>, style: &Style) -> Section {
    let c = r.contract;
    let p = &c.particulars;
    let text = |s: &str| Cell::text(s);
    let mut s = Section::new("control", "Control data", "Control data");
    let status = r.status();
    let mut fields = vec![
        (
            "Contract".to_string(),
            text(&match (&p.reference, &p.name) {
                (Some(reference), Some(name)) => format!("{reference}: {name}"),
                (Some(reference), None) => reference.clone(),
                (None, Some(name)) => format!("{name} ({})", c.id),
                (None, None) => c.id.clone(),
            }),
        ),
        ("Supplier".to_string(), text(json.supplier)),
        (
            "Period".to_string(),
            text(&period_words(r.evaluation.period)),
        ),
        (
            "Status".to_string(),
            text(status.word()).tone(match status {
                Status::Issued | Status::Amended => Tone::Plain,
                _ => Tone::Bad,
            }),
        ),
    ];
    let (version, issued) = match r.issue {
        Some(IssueState::Issued { version, at }) => (
            match version {
                1 => "1".to_string(),
                v => format!("{v} (supersedes version {})", v - 1),
            },
            style.instant_words(at),
        ),
        Some(IssueState::Draft { number, at }) => (
            format!("draft {number}, awaiting approval"),
            format!("not issued (drafted {})", style.instant_words(at)),
        ),
        None => (
            "none: a copy made on demand".to_string(),
            "not issued".to_string(),
        ),
    };
    fields.push(("Version".to_string(), text(&version)));
    fields.push(("Issued".to_string(), text(&issued)));
    fields.push((
        "Evidence as at".to_string(),
        text(&style.instant_words(r.evaluation.evaluated_at)),
    ));
    fields.push((
        "Prepared by".to_string(),
        text(
            p.prepared_by
                .as_deref()
                .unwrap_or("slawatch, from the stored evidence"),
        ),
    ));
    fields.push((
        "Approved by".to_string(),
        text(&match &r.approval {
            Some(a) => format!("{}, {}", a.by, style.instant_words(a.at)),
            None if c.auto_issue && matches!(r.issue, Some(IssueState::Issued { .. })) => {
                "issued without approval (the contract issues automatically)".to_string()
            }
            None => "not yet approved".to_string(),
        }),
    ));
    if let Some(words) = json.issue_gate_words {
        fields.push(("Issue gate".to_string(), text(words)));
    }
    fields.push((
        "Service credits claimed under".to_string(),
        text(
            p.credit_clause
                .as_deref()
                .unwrap_or("the contract's service credit regime"),
        ),
    ));
    fields.push((
        "Recoverable costs claimed under".to_string(),
        text(
            p.costs_clause
                .as_deref()
                .unwrap_or("the contract's remedies for breach"),
        ),
    ));
    fields.push((
        "Monthly charge".to_string(),
        Cell::money(style, json.monthly_charge_minor),
    ));
    fields.push((
        "Times".to_string(),
        text(&format!(
            "in {} (the contract's timezone), with the offset from UTC shown",
            c.timezone.name()
        )),
    ));
    s.fields(fields);
    if r.approval.is_none() && status == Status::Draft {
        s.push(super::Block::Note(
            "This is not an issued version. A manager approves the month's draft (slawatch approve) \
             before it is issued to the supplier."
                .to_string(),
        ));
    }
    s
}

/// The summary: the month's verdicts, then each remedy with its own total,
/// then their sum, labelled as the sum of both.
pub fn summary(r: &MonthReport<'_>, json: &ReportJson<'_>, style: &Style) -> Section {
    let mut s = Section::new("summary", "Summary", "Summary");
    let money = |minor: i64| Cell::money(style, minor);
    let line = |label: &str, value: Cell| Field {
        label: label.to_string(),
        value,
        total: false,
    };
    let total = |label: &str, value: Cell| Field {
        label: label.to_string(),
        value,
        total: true,
    };
    let credits = &json.service_credits;
    let levels = json.service_levels.len();
    let mut fields = vec![
        line(
            "Service levels failed",
            Cell::text(format!("{} of {levels}", r.failed_count())).tone(if r.failed_count() > 0 {
                Tone::Bad
            } else {
                Tone::Good
            }),
        ),
        line(
            "Critical service level failures",
            Cell::count(r.critical_count() as i64),
        ),
        line(
            "Remedy 1 — service credits before the caps",
            money(credits.before_cap_minor),
        ),
        line(
            &format!(
                "Monthly cap ({} of the monthly charge)",
                super::format::percent(r.contract.service_credit_cap_percent.as_f64())
            ),
            money(credits.cap_minor),
        ),
        total(
            "Service credits claimed (after the caps)",
            money(credits.total_minor),
        ),
        line("Service credits in dispute", money(credits.disputed_minor)),
        total(
            "Remedy 2 — recoverable costs claimed",
            money(json.recoverable_costs_minor),
        ),
        line(
            "Recoverable costs in dispute",
            money(json.recoverable_costs_disputed_minor),
        ),
        total(
            "Total claim (service credits + recoverable costs)",
            money(json.total_claim_minor),
        ),
        line(
            "Claim not in dispute",
            money(json.total_claim_undisputed_minor),
        ),
    ];
    if json.delay_payments_minor > 0 {
        fields.push(line(
            "Delay payments for late commitments",
            money(json.delay_payments_minor),
        ));
        if json.delay_payments_disputed_minor > 0 {
            fields.push(line(
                "Delay payments in dispute",
                money(json.delay_payments_disputed_minor),
            ));
        }
        fields.push(total(
            "Total claim with delay payments",
            money(json.total_claim_with_delay_payments_minor),
        ));
    }
    if let Some(forecast) = json.forecast_credit_minor {
        fields.push(line(
            "Forecast service credits if the month ended as it stands",
            money(forecast),
        ));
    }
    fields.push(line(
        "Commitments overdue",
        Cell::count(r.overdue_commitments() as i64),
    ));
    fields.push(line(
        "Supplier figures that disagree with the evidence",
        Cell::count(json.data_quality.discrepancies.len() as i64),
    ));
    fields.push(line(
        "Incidents the supplier's SLA records judge otherwise",
        Cell::count(json.data_quality.supplier_verdicts.len() as i64),
    ));
    if let Some(dr) = &json.disaster_recovery {
        fields.push(line(
            "Disaster-recovery risk",
            Cell::text(format!(
                "{} (score {}) as of {}",
                dr.rating,
                dr.score,
                date_words(dr.as_of)
            ))
            .tone(match dr.rating {
                "high" | "severe" => Tone::Bad,
                _ => Tone::Plain,
            }),
        ));
    }
    if let Some(a) = &json.assurance {
        fields.insert(0, line("Assurance", assurance_cell(a)));
    }
    s.push(super::Block::Fields(fields));
    if let Some(a) = &json.assurance
        && !a.reasons.is_empty()
    {
        let reasons: Vec<&str> = a.reasons.iter().map(|r| r.detail).collect();
        s.push(super::Block::Text(format!(
            "Assurance is {} because: {}.",
            a.rating,
            reasons.join("; ")
        )));
    }
    s.push(super::Block::Note(
        "Service credits and recoverable costs are separate remedies: credits are a deduction \
         from the charges under the service credit regime; recoverable costs are a claim for the \
         council's losses caused by the breaches. Each is shown with its own total; the total \
         claim is their sum."
            .to_string(),
    ));
    if let Some(note) = &json.charge_note {
        s.push(super::Block::Note(note.clone()));
    }
    s
}

/// "amber, improving": the rating, then the trend over six months (or why
/// there is none), toned by the rating.
fn assurance_cell(a: &crate::report::json::assurance::AssuranceJson<'_>) -> Cell {
    let trend = a
        .trend
        .unwrap_or("no trend yet (fewer than six months rated)");
    Cell::text(format!("{}, {trend}", a.rating)).tone(match a.rating {
        "green" => Tone::Good,
        "red" | "amber" => Tone::Bad,
        _ => Tone::Plain,
    })
}
