//! What people recorded about the month, and what follows from it: the
//! amendment since issue, escalations, recoverable costs, recovery to
//! date, disputes, commitments and rectification plans, excusals and the
//! audit trail.

use super::format::Style;
use super::{Block, Cell, Section, Table, Tone};
use crate::report::json::ReportJson;
use crate::report::json::records::{DisputeJson, DisputeSubjectJson};
use crate::report::json::registers::CategoryTallyJson;

/// What changed since the month was issued, in words and figures; `None`
/// when nothing did.
pub fn amendment(json: &ReportJson<'_>, style: &Style) -> Option<Section> {
    let a = json.amendment?;
    let mut s = Section::new("amendment", "Amended since issue", "Amendment");
    let issued_at = crate::domain::time::parse_rfc3339(&a.issued_at)
        .map_or_else(|_| a.issued_at.clone(), |t| style.instant_words(t));
    s.push(Block::Text(format!(
        "These figures changed since version {} was issued on {issued_at}.",
        a.issued_version
    )));
    for line in &a.lines {
        s.push(Block::Text(line.summary.clone()));
    }
    let mut table = Table::new(&[
        ("Figure", false, 2.0),
        ("As issued", true, 1.0),
        ("Now", true, 1.0),
        ("Moved by", false, 1.4),
    ]);
    for c in &a.changes {
        table.row(vec![
            Cell::text(figure_name(&c.what)),
            Cell::text(figure_value(&c.what, &c.issued, style)),
            Cell::text(figure_value(&c.what, &c.now, style)),
            Cell::text(c.records.join(", ")),
        ]);
    }
    s.push(Block::Table(table));
    Some(s)
}

/// A compared figure's name in words: `p1-resolution credit_minor` →
/// `p1-resolution credit`.
fn figure_name(what: &str) -> String {
    what.replace("_minor", "")
        .replace("_percent", "")
        .replace(['_', '.'], " ")
}

/// A compared figure's value as the reader knows it: money for a `…_minor`
/// figure, a percentage for a `…_percent` one, `—` for one that is absent.
fn figure_value(what: &str, v: &serde_json::Value, style: &Style) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "—".to_string(),
        Value::String(s) => s.replace('_', " "),
        Value::Number(n) if what.ends_with("_minor") => {
            n.as_i64().map_or_else(|| n.to_string(), |m| style.money(m))
        }
        Value::Number(n) if what.ends_with("_percent") => n
            .as_f64()
            .map_or_else(|| n.to_string(), super::format::attainment),
        other => other.to_string(),
    }
}

/// The escalation rules the month triggered, when the contract has a ladder.
pub fn escalations(json: &ReportJson<'_>) -> Option<Section> {
    let triggered = json.escalations.as_ref()?;
    let mut s = Section::new(
        "escalations",
        "Escalations triggered this month",
        "Escalations",
    );
    if triggered.is_empty() {
        s.push(Block::Note(
            "No escalation rule was triggered this month.".to_string(),
        ));
        return Some(s);
    }
    let mut table = Table::new(&[
        ("Rule", false, 1.0),
        ("Consequence", false, 1.0),
        ("Grounds", false, 2.4),
        ("Clause", false, 0.8),
        ("Respond by", false, 0.9),
    ]);
    for e in triggered {
        table.row(vec![
            Cell::text(e.rule),
            Cell::text(e.then.replace('_', " ")).tone(Tone::Bad),
            Cell::text(e.grounds()),
            Cell::text(e.clause),
            Cell::text(e.respond_by.as_deref().unwrap_or("—")),
        ]);
    }
    s.push(Block::Table(table));
    s.push(Block::Note(format!(
        "Each can be written as a notice letter (slawatch notice --contract {} --trigger RULE --month {}).",
        json.contract, json.period
    )));
    Some(s)
}

/// Remedy 2: the recoverable costs claimed, with their total.
pub fn costs(json: &ReportJson<'_>, style: &Style) -> Section {
    let mut s = Section::new("costs", "Remedy 2: recoverable costs", "Recoverable costs");
    if json.recoverable_costs.is_empty() {
        s.push(Block::Note("None recorded for this month.".to_string()));
    } else {
        let mut table = Table::new(&[
            ("Cost", false, 0.5),
            ("Date", false, 0.8),
            ("Description", false, 1.8),
            ("Evidence", false, 1.2),
            ("Breach", false, 1.1),
            ("Status", false, 1.0),
            ("Amount", true, 0.9),
        ]);
        for c in &json.recoverable_costs {
            let mut status = match &c.dispute {
                Some(d) => format!("dispute {}", d.status),
                None => "claimed".to_string(),
            };
            if let Some(recoverable) = c.recoverable {
                status = match (recoverable, c.gate) {
                    (true, Some(gate)) => format!("{status}; recoverable: {gate}"),
                    (true, None) => status,
                    (false, _) => format!("{status}; not recoverable: no gate open"),
                };
            }
            table.row(vec![
                Cell::count(c.id),
                Cell::text(&c.date),
                Cell::text(c.description),
                Cell::text(c.evidence),
                Cell::text(match (c.breach, &c.breach_period) {
                    (Some(b), Some(p)) => format!("{b} ({p})"),
                    (Some(b), None) => b.to_string(),
                    _ => String::new(),
                }),
                Cell::text(status),
                Cell::money(style, c.amount_minor),
            ]);
        }
        s.push(Block::Table(table));
    }
    s.push(Block::Fields(vec![
        super::Field {
            label: "Recoverable costs claimed".to_string(),
            value: Cell::money(style, json.recoverable_costs_minor),
            total: true,
        },
        super::Field {
            label: "Recoverable costs in dispute".to_string(),
            value: Cell::money(style, json.recoverable_costs_disputed_minor),
            total: false,
        },
    ]));
    if let Some(cr) = &json.costs_recoverable {
        s.push(Block::Note(format!(
            "Service credits are the sole financial remedy under this contract: a cost counts in the \
             total claim only when a gate is open — for the whole month (the cap cut the credits, a \
             critical failure, a material breach) or recorded on the cost (wilful default, data loss, \
             termination). Open for this month: {}.{}",
            match cr.month_gates_open.is_empty() {
                true => "none".to_string(),
                false => cr.month_gates_open.join(", "),
            },
            match cr.not_recoverable_minor {
                0 => String::new(),
                n => format!(" {} of costs listed is outside the total claim.", style.money(n)),
            }
        )));
    }
    s
}

/// Recovery to date, once a credit note or refusal is recorded.
pub fn recovery(json: &ReportJson<'_>, style: &Style) -> Option<Section> {
    let rc = json.recovery.as_ref()?;
    let mut s = Section::new("recovery", "Recovery to date", "Recovery");
    s.push(Block::Text(format!(
        "Every month's claim as issued, against what the supplier credited or refused, as at {}.",
        style.instant(rc.as_at)
    )));
    let mut months = Table::new(&[
        ("Month", false, 1.4),
        ("Claimed", true, 1.0),
        ("Credited", true, 1.0),
        ("Refused", true, 1.0),
        ("Outstanding", true, 1.0),
        ("Age", true, 1.1),
    ]);
    for m in &rc.months {
        months.row(vec![
            Cell::text(match m.issued_version {
                Some(v) => format!("{} (version {v})", m.period),
                None => format!("{} (not issued)", m.period),
            }),
            Cell::money(style, m.claimed_minor),
            Cell::money(style, m.credited_minor),
            Cell::money(style, m.refused_minor),
            Cell::money(style, m.outstanding_minor),
            Cell::text(
                m.outstanding_days
                    .map_or("—".to_string(), |d| format!("{d} days")),
            ),
        ]);
    }
    months.row(vec![
        Cell::text("Total"),
        Cell::money(style, rc.claimed_minor),
        Cell::money(style, rc.credited_minor),
        Cell::money(style, rc.refused_minor),
        Cell::money(style, rc.outstanding_minor),
        Cell::text(
            rc.oldest_outstanding_days
                .map_or("—".to_string(), |d| format!("oldest {d} days")),
        ),
    ]);
    s.push(Block::Table(months));
    let mut notes = Table::new(&[
        ("Note", false, 0.5),
        ("Kind", false, 0.8),
        ("Reference", false, 1.4),
        ("Date", false, 0.8),
        ("Months", false, 1.0),
        ("Recorded", false, 1.4),
        ("Amount", true, 0.9),
    ]);
    for n in &rc.notes {
        notes.row(vec![
            Cell::count(n.id),
            Cell::text(n.kind),
            Cell::text(match n.note {
                Some(note) => format!("{} — {note}", n.reference),
                None => n.reference.to_string(),
            }),
            Cell::text(n.date.to_string()),
            Cell::text(n.months.join(", ")),
            Cell::text(format!(
                "{}, {}",
                n.recorded_by,
                style.instant(n.recorded_at)
            )),
            Cell::money(style, n.amount_minor),
        ]);
    }
    s.push(Block::Table(notes));
    Some(s)
}

/// What a dispute is about, in words.
pub fn disputed(d: &DisputeJson<'_>) -> String {
    match &d.subject {
        DisputeSubjectJson::ServiceLevel {
            service_level,
            period,
        } => format!("service level {service_level} for {period}"),
        DisputeSubjectJson::Incident { incident } => format!("incident {incident}"),
        DisputeSubjectJson::Cost { cost } => format!("cost {cost}"),
        DisputeSubjectJson::Outage { outage } => format!("outage {outage}"),
        DisputeSubjectJson::DelayPayment {
            commitment,
            occurrence,
        } => format!("delay payments of {commitment} due {occurrence}"),
    }
}

/// Every dispute bearing on the month and its state.
pub fn disputes(json: &ReportJson<'_>, style: &Style) -> Section {
    let mut s = Section::new("disputes", "Disputes", "Disputes");
    if json.disputes.is_empty() {
        s.push(Block::Note(
            "The supplier disputes nothing in this month.".to_string(),
        ));
        return s;
    }
    let mut table = Table::new(&[
        ("Dispute", false, 0.5),
        ("Disputed", false, 1.3),
        ("Supplier's grounds", false, 1.8),
        ("Opened", false, 1.3),
        ("State", false, 0.8),
        ("Decided", false, 1.8),
    ]);
    for d in &json.disputes {
        table.row(vec![
            Cell::count(d.id),
            Cell::text(disputed(d)),
            Cell::text(d.note),
            Cell::text(format!("{}, {}", d.opened_by, style.instant(d.opened_at))),
            Cell::text(d.status).tone(match d.status {
                "open" => Tone::Bad,
                _ => Tone::Plain,
            }),
            Cell::text(match (d.resolved_by, d.resolved_at) {
                (Some(by), Some(at)) => format!(
                    "{by}, {}: {}",
                    style.instant(at),
                    d.resolution_note.unwrap_or("")
                ),
                _ => String::new(),
            }),
        ]);
    }
    s.push(Block::Table(table));
    s.push(Block::Note(
        "A disputed amount stays in the claim and is shown apart until the dispute is decided. \
         Rejected: the council rejected the supplier's dispute, so the claim stands. Accepted: the \
         council accepted it, so that item is no longer claimed."
            .to_string(),
    ));
    s
}

/// Commitments and rectification plans in full.
pub fn commitments(json: &ReportJson<'_>, style: &Style) -> Section {
    let mut s = Section::new(
        "commitments",
        "Commitments and rectification plans",
        "Commitments",
    );
    if json.commitments.is_empty() {
        s.push(Block::Note("No commitments in the contract.".to_string()));
        return s;
    }
    let mut table = Table::new(&[
        ("Commitment", false, 1.8),
        ("Due", false, 0.8),
        ("Status", false, 0.7),
        ("Delivered", false, 1.4),
        ("Accepted", false, 1.0),
        ("Days late", true, 0.6),
        ("Delay payment this month", true, 0.9),
    ]);
    for m in &json.commitments {
        let c = &m.occurrence;
        let mut about = format!("{}\n{} · {} · {}", c.name, c.id, c.category, c.origin);
        if let Some(owner) = c.owner {
            about.push_str(&format!(" · owner {owner}"));
        }
        if let Some(covers) = c.covers {
            about.push_str(&format!(" · covers {covers}"));
        }
        let mut delivered = match (c.delivered_on, c.evidence) {
            (Some(on), Some(evidence)) => format!("{on}: {evidence}"),
            (Some(on), None) => on.to_string(),
            _ => "—".to_string(),
        };
        for x in &c.rejections {
            delivered.push_str(&format!(
                "\nrejected {} by {}: {} ({})",
                x.on, x.by, x.reason, x.evidence
            ));
        }
        table.row(vec![
            Cell::text(about),
            Cell::text(c.due.to_string()),
            Cell::text(c.status).tone(match c.status {
                "overdue" | "late" => Tone::Bad,
                "accepted" | "delivered" => Tone::Good,
                _ => Tone::Plain,
            }),
            Cell::text(delivered),
            Cell::text(match (c.accepted_by, c.accepted_on) {
                (Some(by), Some(on)) => format!("{by}, {on}"),
                _ => "—".to_string(),
            }),
            Cell::count(c.days_late),
            Cell::money(style, m.delay_payment_minor),
        ]);
    }
    s.push(Block::Table(table));
    if !json.commitment_categories.is_empty() {
        s.push(Block::Text(
            "Per category, the occurrences due this month, judged at its last day:".to_string(),
        ));
        s.push(Block::Table(categories(&json.commitment_categories)));
    }
    s.push(Block::Note(
        "Overdue commitments are breaches. A delay payment is claimed for each day late in the \
         month that day falls in."
            .to_string(),
    ));
    s
}

/// Commitments due in a period per category: activities committed to
/// against those evidenced, in one small table.
pub fn categories(rows: &[CategoryTallyJson<'_>]) -> Table {
    let mut table = Table::new(&[
        ("Category", false, 1.2),
        ("Committed", true, 0.8),
        ("Delivered with evidence", true, 1.0),
        ("Accepted", true, 0.8),
        ("Late", true, 0.6),
        ("Overdue", true, 0.7),
        ("Not evidenced", true, 0.8),
    ]);
    for r in rows {
        let flag = |n: u32| {
            let cell = Cell::count(i64::from(n));
            match n {
                0 => cell,
                _ => cell.tone(Tone::Bad),
            }
        };
        table.row(vec![
            Cell::text(r.category),
            Cell::count(i64::from(r.committed)),
            Cell::count(i64::from(r.delivered)),
            Cell::count(i64::from(r.accepted)),
            flag(r.late),
            flag(r.overdue),
            flag(r.unevidenced),
        ]);
    }
    table
}

/// Excused incidents and outages.
pub fn excused(json: &ReportJson<'_>, style: &Style) -> Section {
    let mut s = Section::new("excused", "Excused incidents and outages", "Excused");
    if json.excused.is_empty() && json.excused_outages.is_empty() {
        s.push(Block::Note("Nothing was excused this month.".to_string()));
        return s;
    }
    if !json.excused.is_empty() {
        let mut table = Table::new(&[
            ("Incident", false, 1.0),
            ("Reason", false, 2.2),
            ("Excused by", false, 1.6),
        ]);
        for x in &json.excused {
            table.row(vec![
                Cell::text(x.incident),
                Cell::text(x.reason),
                Cell::text(match (x.by, x.at) {
                    (Some(by), Some(at)) => format!("{by}, {}", style.instant(at)),
                    _ => "in the supplier's data".to_string(),
                }),
            ]);
        }
        s.push(Block::Table(table));
    }
    if !json.excused_outages.is_empty() {
        let mut table = Table::new(&[
            ("Outage", false, 1.0),
            ("Service", false, 0.8),
            ("Excused part", false, 1.8),
            ("Reason", false, 1.6),
            ("Excused by", false, 1.4),
        ]);
        for x in &json.excused_outages {
            table.row(vec![
                Cell::text(x.outage),
                Cell::text(x.service),
                Cell::text(match (x.from, x.until) {
                    (Some(from), Some(until)) => format!(
                        "{} to {}; the rest counts",
                        style.instant(from),
                        style.instant(until)
                    ),
                    _ => "all of it".to_string(),
                }),
                Cell::text(x.reason),
                Cell::text(format!("{}, {}", x.by, style.instant(x.at))),
            ]);
        }
        s.push(Block::Table(table));
    }
    s
}

/// The audit trail of the month's records.
pub fn audit(json: &ReportJson<'_>, style: &Style) -> Section {
    let mut s = Section::new("audit", "Appendix A: audit trail", "Audit trail");
    s.appendix = true;
    if json.audit.is_empty() {
        s.push(Block::Note(
            "No costs, excusals or disputes were recorded for this month.".to_string(),
        ));
        return s;
    }
    s.push(Block::Note(
        "Every change to the recoverable costs, excusals and disputes bearing on this month, in \
         the order made. Nothing is deleted."
            .to_string(),
    ));
    let mut table = Table::new(&[
        ("#", false, 0.4),
        ("When", false, 1.3),
        ("Who", false, 0.9),
        ("Action", false, 0.8),
        ("What", false, 2.0),
        ("Why", false, 1.2),
    ]);
    for a in &json.audit {
        table.row(vec![
            Cell::count(a.id),
            Cell::text(style.instant(a.at)),
            Cell::text(a.by),
            Cell::text(a.action),
            Cell::text(a.detail),
            Cell::text(a.reason.unwrap_or("")),
        ]);
    }
    s.push(Block::Table(table));
    s
}

/// The evidence files of the month's records.
pub fn evidence_files(json: &ReportJson<'_>, style: &Style) -> Section {
    let mut s = Section::new(
        "appendix_evidence",
        "Appendix E: evidence files",
        "Evidence files",
    );
    s.appendix = true;
    if json.evidence_files.is_empty() {
        s.push(Block::Note(
            "No evidence file is attached to this month's records.".to_string(),
        ));
        return s;
    }
    s.push(Block::Note(
        "Each file is kept in the store as received; its SHA-256 lets anyone check a copy \
         (slawatch evidence get)."
            .to_string(),
    ));
    let mut table = Table::new(&[
        ("File", false, 0.4),
        ("Evidence of", false, 1.1),
        ("Name", false, 1.2),
        ("Size (bytes)", true, 0.6),
        ("SHA-256", false, 2.0),
        ("Added", false, 1.3),
    ]);
    for f in &json.evidence_files {
        table.row(vec![
            Cell::count(f.id),
            Cell::text(&f.subject),
            Cell::text(f.name),
            Cell::count(f.size),
            Cell::text(f.sha256),
            Cell::text(format!("{}, {}", f.added_by, style.instant(f.added_at))),
        ]);
    }
    s.push(Block::Table(table));
    s
}
