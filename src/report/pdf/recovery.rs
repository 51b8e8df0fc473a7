//! The PDF's "Recovery to date" section (only once a credit note or refusal
//! is recorded) and the sole-remedy note under the recoverable costs,
//! beside the rest of the content in `pdf/mod.rs` and drawn with the same
//! private layout.

use super::{Align, INK, Layout, MUTED, at};
use crate::report::json::ReportJson;

/// Under a sole-remedy clause: which gates are open and what stays outside
/// the claim. Nothing otherwise.
pub(super) fn sole_remedy_note(d: &mut Layout, j: &ReportJson<'_>, cur: &dyn Fn(i64) -> String) {
    let Some(cr) = &j.costs_recoverable else {
        return;
    };
    let open = match cr.month_gates_open.is_empty() {
        true => "none".to_string(),
        false => cr.month_gates_open.join(", "),
    };
    let mut text = format!(
        "Service credits are the sole financial remedy under this contract: a cost counts in \
         the total claim only when a gate is open, for the whole month (the cap cut the credits, \
         a critical failure, a material breach) or recorded on the cost (wilful default, data \
         loss, termination). Open for this month: {open}."
    );
    if cr.not_recoverable_minor > 0 {
        text.push_str(&format!(
            " {} of costs listed is outside the total claim.",
            cur(cr.not_recoverable_minor)
        ));
    }
    d.wrapped(&text, 9.0, MUTED);
}

/// Recovery to date: each month's claim as issued against what the supplier
/// credited or refused, then every note.
pub(super) fn section(d: &mut Layout, j: &ReportJson<'_>, money: &dyn Fn(i64) -> String) {
    let Some(rc) = &j.recovery else {
        return;
    };
    let currency = j.currency;
    d.heading("Recovery to date");
    d.wrapped(
        &format!(
            "Every month's claim as issued, against what the supplier credited or refused, as at {} (UTC).",
            at(rc.as_at)
        ),
        9.5,
        INK,
    );
    let days = |d: Option<i64>| d.map_or("-".to_string(), |d| format!("{d} days"));
    let mut rows: Vec<Vec<String>> = rc
        .months
        .iter()
        .map(|m| {
            vec![
                match m.issued_version {
                    Some(v) => format!("{}\nversion {v}", m.period),
                    None => format!("{}\nnot issued", m.period),
                },
                money(m.claimed_minor),
                money(m.credited_minor),
                money(m.refused_minor),
                money(m.outstanding_minor),
                days(m.outstanding_days),
            ]
        })
        .collect();
    rows.push(vec![
        "Total".to_string(),
        money(rc.claimed_minor),
        money(rc.credited_minor),
        money(rc.refused_minor),
        money(rc.outstanding_minor),
        rc.oldest_outstanding_days
            .map_or("-".to_string(), |d| format!("oldest {d} days")),
    ]);
    d.table(
        &[
            ("Month", 0.2, Align::Left),
            (&format!("Claimed ({currency})"), 0.16, Align::Right),
            (&format!("Credited ({currency})"), 0.16, Align::Right),
            (&format!("Refused ({currency})"), 0.16, Align::Right),
            (&format!("Outstanding ({currency})"), 0.18, Align::Right),
            ("Age", 0.14, Align::Right),
        ],
        &rows,
        true,
    );
    let rows: Vec<Vec<String>> = rc
        .notes
        .iter()
        .map(|n| {
            let reference = match n.note {
                Some(note) => format!("{}\n{note}", n.reference),
                None => n.reference.to_string(),
            };
            vec![
                format!("{} {}", n.id, n.kind),
                reference,
                n.date.to_string(),
                n.months.join(", "),
                money(n.amount_minor),
            ]
        })
        .collect();
    d.table(
        &[
            ("Note", 0.14, Align::Left),
            ("Reference", 0.38, Align::Left),
            ("Date", 0.14, Align::Left),
            ("Months", 0.17, Align::Left),
            (&format!("Amount ({currency})"), 0.17, Align::Right),
        ],
        &rows,
        true,
    );
}
