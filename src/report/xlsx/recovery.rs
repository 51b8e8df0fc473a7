//! The Recovery sheet (only once a credit note or refusal is recorded):
//! every month's claim as issued against what the supplier credited or
//! refused, then every note.

use super::*;
use crate::report::json::recovery::RecoveryJson;

/// Writes the Recovery sheet: money in major units as numbers.
pub(super) fn recovery_sheet(
    wb: &mut Workbook,
    f: &Formats,
    rc: &RecoveryJson<'_>,
    currency: &str,
    scale: f64,
) -> Result<(), XlsxError> {
    let money = |minor: i64| minor as f64 / scale;
    let ws = wb.add_worksheet().set_name("Recovery")?;
    ws.write_string_with_format(0, 0, "Recovery to date", &f.title)?;
    ws.write_string_with_format(1, 0, "As at (UTC)", &f.label)?;
    write_at(ws, 1, 1, rc.as_at, &f.datetime)?;
    let titles = [
        "Month".to_string(),
        "Issued version".to_string(),
        format!("Claimed ({currency})"),
        format!("Credited ({currency})"),
        format!("Refused ({currency})"),
        format!("Outstanding ({currency})"),
        "Age (days)".to_string(),
    ];
    for (col, title) in titles.iter().enumerate() {
        ws.write_string_with_format(3, col as u16, title, &f.header)?;
    }
    let mut row = 4;
    for m in &rc.months {
        ws.write_string(row, 0, &m.period)?;
        number(ws, row, 1, m.issued_version.map(|v| v as f64), &f.integer)?;
        for (col, v) in [
            (2, m.claimed_minor),
            (3, m.credited_minor),
            (4, m.refused_minor),
            (5, m.outstanding_minor),
        ] {
            ws.write_number_with_format(row, col, money(v), &f.money)?;
        }
        number(ws, row, 6, m.outstanding_days.map(|d| d as f64), &f.integer)?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, "Total", &f.header)?;
    for (col, v) in [
        (2, rc.claimed_minor),
        (3, rc.credited_minor),
        (4, rc.refused_minor),
        (5, rc.outstanding_minor),
    ] {
        ws.write_number_with_format(row, col, money(v), &f.money_total)?;
    }
    number(
        ws,
        row,
        6,
        rc.oldest_outstanding_days.map(|d| d as f64),
        &f.integer,
    )?;
    row += 2;
    let titles = [
        "Note".to_string(),
        "Kind".to_string(),
        "Reference".to_string(),
        "Date".to_string(),
        "Months".to_string(),
        format!("Amount ({currency})"),
        "Recorded by".to_string(),
        "Recorded at (UTC)".to_string(),
        "Note or reason".to_string(),
    ];
    for (col, title) in titles.iter().enumerate() {
        ws.write_string_with_format(row, col as u16, title, &f.header)?;
    }
    for n in &rc.notes {
        row += 1;
        number(ws, row, 0, Some(n.id as f64), &f.integer)?;
        ws.write_string(row, 1, n.kind)?;
        ws.write_string(row, 2, safe_cell(n.reference))?;
        write_date(ws, row, 3, &n.date.to_string(), &f.date)?;
        ws.write_string(row, 4, n.months.join(", "))?;
        ws.write_number_with_format(row, 5, money(n.amount_minor), &f.money)?;
        ws.write_string(row, 6, safe_cell(n.recorded_by))?;
        write_at(ws, row, 7, n.recorded_at, &f.datetime)?;
        ws.write_string(row, 8, safe_cell(n.note.unwrap_or_default()))?;
    }
    ws.set_column_range_width(0, 8, 16)?;
    ws.set_column_width(8, 40)?;
    Ok(())
}
