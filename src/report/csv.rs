//! The report as CSV: one row per service-level line with the JSON's figures
//! (an excused month's reason and a dispute's status, then the amendment:
//! when figures changed since the month was issued, the version compared
//! with on every row and each line's issued attainment, status and credit
//! where they differ from now).
//! When evidence bearing on the month was changed after the fact, a blank
//! line and a second table follow, one row per rewrite ([`REWRITES_HEADER`]).
//! Once a credit note or refusal is recorded, a blank line and a table of
//! the recovery to date follow ([`RECOVERY_HEADER`]): one row per month
//! with its claim as issued, credited, refused, outstanding and its age,
//! then a `total` row.
//! When figures changed since issue, the last table says each changed line
//! and total in words ([`AMENDMENT_HEADER`]).
//! Supplier text is neutralised against spreadsheet formula injection.

use super::MonthReport;
use super::document::{Block, Document};
use super::json::Wire;
use crate::domain::money::format_minor;
use crate::engine::Figures;

/// The CSV header row.
pub const HEADER: [&str; 28] = [
    "contract",
    "period",
    "service_level",
    "kind",
    "service",
    "assessed",
    "met",
    "breaches",
    "service_seconds",
    "downtime_seconds",
    "proactive",
    "reactive",
    "attainment_percent",
    "target_percent",
    "status",
    "critical",
    "credit_percent",
    "credit_minor",
    "credit",
    "currency",
    "supplier_reported_percent",
    "credit_disputed_minor",
    "excused",
    "dispute",
    "amended_since_version",
    "issued_attainment_percent",
    "issued_status",
    "issued_credit_minor",
];

/// The header of the amendment in words, the last table when figures
/// changed since issue: one row per changed line and total with its
/// sentence and its causes (separated by `; `).
pub const AMENDMENT_HEADER: [&str; 4] = [
    "amended_since_version",
    "amendment_line",
    "amendment_summary",
    "amendment_because",
];

/// The header of the table of records changed after the fact.
pub const REWRITES_HEADER: [&str; 11] = [
    "rewrite_import_id",
    "received_at",
    "source",
    "corrected_by",
    "record_kind",
    "record",
    "change",
    "direction",
    "why",
    "effects",
    "import_credit_moved_minor",
];

/// The header of the recovery-to-date table.
pub const RECOVERY_HEADER: [&str; 9] = [
    "recovery_month",
    "issued_version",
    "first_issued_at",
    "claimed_minor",
    "credited_minor",
    "refused_minor",
    "outstanding_minor",
    "outstanding_days",
    "as_at",
];

/// Renders the report's service-level lines as CSV text: the figures a line
/// does not have (downtime for an incident level …) are empty cells.
pub fn render(r: &MonthReport<'_>) -> Result<String, csv::Error> {
    render_document(r, &super::document::build(r))
}

/// [`render`] with the claim document already laid out.
pub fn render_document(r: &MonthReport<'_>, doc: &Document) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    let period = r.evaluation.period.to_string();
    let exponent = r.contract.currency.exponent();
    for l in &r.evaluation.levels {
        // assessed, met, breaches, service_seconds, downtime_seconds, proactive, reactive
        let mut counts: [String; 7] = Default::default();
        match &l.figures {
            Figures::Incidents(f) => {
                counts[0] = f.assessed.to_string();
                counts[1] = f.met.to_string();
                counts[2] = f.breaches.len().to_string();
            }
            Figures::Availability(f) => {
                counts[3] = f.service_seconds.to_string();
                counts[4] = f.downtime_seconds().to_string();
            }
            Figures::Proactive {
                proactive,
                reactive,
            } => {
                counts[5] = proactive.to_string();
                counts[6] = reactive.to_string();
            }
        }
        let mut row = vec![
            safe_cell(&r.contract.id),
            period.clone(),
            safe_cell(&l.id),
            l.kind.as_str().to_string(),
            safe_cell(l.service.as_deref().unwrap_or("")),
        ];
        row.extend(counts);
        row.extend([
            l.attainment
                .map(|a| format!("{:.3}", a.rounded3()))
                .unwrap_or_default(),
            l.target_percent.to_string(),
            l.status.as_str().to_string(),
            l.critical.to_string(),
            match (l.tier, l.credit_percent) {
                (Some(t), _) => t.percent.to_string(),
                (None, Some(p)) => crate::report::json::number_text(p.rounded3()),
                (None, None) => "0".to_string(),
            },
            l.credit_minor.to_string(),
            format_minor(l.credit_minor, exponent),
            r.contract.currency.code().to_string(),
            l.supplier_reported
                .map(|p| p.to_string())
                .unwrap_or_default(),
            l.credit_disputed_minor.to_string(),
            safe_cell(l.excused.as_ref().map_or("", |e| e.reason.as_str())),
            l.dispute
                .as_ref()
                .map_or(String::new(), |d| d.status.to_string()),
        ]);
        let amendment = r.amendment.as_ref();
        row.push(amendment.map_or(String::new(), |a| a.issued_version.to_string()));
        for figure in ["attainment_percent", "status", "credit_minor"] {
            let issued =
                amendment.and_then(|a| a.issued_figure(&l.id, l.service.as_deref(), figure));
            row.push(match issued {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => safe_cell(s),
                Some(serde_json::Value::Number(n)) if figure == "attainment_percent" => {
                    n.as_f64().map_or(n.to_string(), |a| format!("{a:.3}"))
                }
                Some(v) => v.to_string(),
            });
        }
        w.write_record(&row)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if !r.rewrites.is_empty() {
        text.push('\n');
        text.push_str(&rewrites(r)?);
    }
    if let Some(rc) = &r.recovery {
        text.push('\n');
        text.push_str(&recovery(rc)?);
    }
    let triggered: Vec<_> = r.escalations.iter().flatten().map(Wire::json).collect();
    if !triggered.is_empty() {
        text.push('\n');
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "escalation_rule",
            "then",
            "period",
            "months",
            "grounds",
            "clause",
            "notice_date",
            "respond_by",
        ])?;
        for e in &triggered {
            w.write_record([
                safe_cell(e.rule),
                safe_cell(e.then),
                e.period.clone(),
                e.months.join(" "),
                safe_cell(&e.grounds()),
                safe_cell(e.clause),
                e.notice_date.clone().unwrap_or_default(),
                e.respond_by.clone().unwrap_or_default(),
            ])?;
        }
        let bytes = w.into_inner().map_err(|e| e.into_error())?;
        text.push_str(&String::from_utf8_lossy(&bytes));
    }
    let workings = crate::report::json::terms::workings(r);
    if !workings.is_empty() {
        text.push('\n');
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["credit_working"])?;
        for line in &workings {
            w.write_record([safe_cell(line)])?;
        }
        let bytes = w.into_inner().map_err(|e| e.into_error())?;
        text.push_str(&String::from_utf8_lossy(&bytes));
    }
    if let Some(a) = r.amendment.as_ref().filter(|a| !a.lines.is_empty()) {
        text.push('\n');
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(AMENDMENT_HEADER)?;
        for l in &a.lines {
            let because: Vec<&str> = l.because.iter().map(|c| c.text.as_str()).collect();
            w.write_record([
                a.issued_version.to_string(),
                safe_cell(&l.line),
                safe_cell(&l.summary),
                safe_cell(&because.join("; ")),
            ])?;
        }
        let bytes = w.into_inner().map_err(|e| e.into_error())?;
        text.push_str(&String::from_utf8_lossy(&bytes));
    }
    text.push('\n');
    text.push_str(&document_rows(r, doc)?);
    Ok(text)
}

/// The header of the claim document's rows, the last table: every section
/// of the document line for line, as the other formats show it.
pub const DOCUMENT_HEADER: [&str; 3] = ["section", "row", "values"];

/// The claim document as rows: `SECTION,title,TITLE`, then for each block
/// `heading`, `text`, `note` (one value), `field` (label, value),
/// `columns` (a table's headings) and `row` (its cells), and for the
/// trends one `trend` row per line and month (line, month, attainment,
/// status). Rows have as many values as their kind needs.
fn document_rows(r: &MonthReport<'_>, doc: &Document) -> Result<String, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    w.write_record(DOCUMENT_HEADER)?;
    let record = |key: &str, kind: &str, values: Vec<String>| {
        let mut row = vec![key.to_string(), kind.to_string()];
        row.extend(values.iter().map(|v| safe_cell(v)));
        row
    };
    for s in &doc.sections {
        w.write_record(record(s.key, "title", vec![s.title.clone()]))?;
        for block in &s.blocks {
            match block {
                Block::Heading(t) => w.write_record(record(s.key, "heading", vec![t.clone()]))?,
                Block::Text(t) => w.write_record(record(s.key, "text", vec![t.clone()]))?,
                Block::Note(t) => w.write_record(record(s.key, "note", vec![t.clone()]))?,
                Block::Fields(fields) => {
                    for f in fields {
                        w.write_record(record(
                            s.key,
                            "field",
                            vec![f.label.clone(), f.value.text.clone()],
                        ))?;
                    }
                }
                Block::Table(t) => {
                    w.write_record(record(
                        s.key,
                        "columns",
                        t.columns.iter().map(|c| c.header.clone()).collect(),
                    ))?;
                    for cells in &t.rows {
                        w.write_record(record(
                            s.key,
                            "row",
                            cells.iter().map(|c| c.text.clone()).collect(),
                        ))?;
                    }
                }
                Block::Charts(_) => {
                    for series in &r.trends.series {
                        let line = match &series.service {
                            Some(service) => format!("{} ({service})", series.name),
                            None => series.name.clone(),
                        };
                        for point in &series.points {
                            w.write_record(record(
                                s.key,
                                "trend",
                                vec![
                                    line.clone(),
                                    point.month.clone(),
                                    point
                                        .attainment_percent
                                        .map_or(String::new(), super::document::format::attainment),
                                    point.status.as_str().to_string(),
                                ],
                            ))?;
                        }
                    }
                }
            }
        }
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The recovery to date: one row per month, then the totals.
fn recovery(rc: &crate::engine::recovery::Recovery) -> Result<String, csv::Error> {
    use crate::domain::time::format_utc;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(RECOVERY_HEADER)?;
    let as_at = format_utc(rc.as_at);
    let days = |d: Option<i64>| d.map_or(String::new(), |d| d.to_string());
    for m in &rc.months {
        w.write_record([
            m.period.to_string(),
            m.issued
                .as_ref()
                .map_or(String::new(), |c| c.version.to_string()),
            m.issued
                .as_ref()
                .map_or(String::new(), |c| format_utc(c.first_issued_at)),
            m.claimed_minor.to_string(),
            m.credited_minor.to_string(),
            m.refused_minor.to_string(),
            m.outstanding_minor.to_string(),
            days(m.outstanding_days),
            as_at.clone(),
        ])?;
    }
    w.write_record([
        "total".to_string(),
        String::new(),
        String::new(),
        rc.claimed_minor.to_string(),
        rc.credited_minor.to_string(),
        rc.refused_minor.to_string(),
        rc.outstanding_minor.to_string(),
        days(rc.oldest_outstanding_days),
        as_at,
    ])?;
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The records changed after the fact: one row each, with its effects as
/// `level (month): before → after` and the credit its import's rewrites
/// moved in the month.
fn rewrites(r: &MonthReport<'_>) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(REWRITES_HEADER)?;
    for x in &r.rewrites {
        let effects: Vec<String> = x
            .effects
            .iter()
            .map(|e| {
                let month = e.period.map_or(String::new(), |p| format!(" ({p})"));
                format!("{}{month}: {} → {}", e.service_level, e.before, e.after)
            })
            .collect();
        let moved = r
            .rewrite_credits
            .iter()
            .find(|c| c.import_id == x.import_id)
            .map_or(0, |c| c.after_minor - c.before_minor);
        w.write_record([
            x.import_id.to_string(),
            crate::domain::time::format_utc(x.received_at),
            safe_cell(&x.source),
            safe_cell(x.corrected_by.as_deref().unwrap_or("")),
            x.kind.clone(),
            safe_cell(&x.record),
            safe_cell(&x.change),
            x.direction.as_str().to_string(),
            safe_cell(&x.why),
            safe_cell(&effects.join("; ")),
            moved.to_string(),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Prefixes a text cell that a spreadsheet would read as a formula
/// (`=`, `+`, `-`, `@`, tab, carriage return) with an apostrophe.
pub fn safe_cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_text_is_neutralised() {
        assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_cell("+44 20"), "'+44 20");
        assert_eq!(safe_cell("-1"), "'-1");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("email"), "email");
    }
}
