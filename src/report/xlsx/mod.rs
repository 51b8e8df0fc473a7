//! The report as an XLSX workbook for finance: one sheet per section, money as
//! numbers in major units with a number format (so columns can be summed),
//! instants and dates as real date cells.
//!
//! Built from the report's JSON wire types ([`to_json`]) so it carries the
//! same figures by construction, and a renamed field fails to compile. Supplier text goes through [`safe_cell`]: `write_string`
//! already stores it as text, never a formula, but the apostrophe keeps a cell
//! inert when the sheet is saved again as CSV or edited by hand, and matches
//! the CSV report.

mod recovery;
mod sheets;

use chrono::{NaiveDate, NaiveDateTime};
use rust_xlsxwriter::{
    Chart, ChartLine, ChartLineDashType, ChartType, Format, FormatAlign, FormatBorder, Workbook,
    Worksheet, XlsxError,
};
use serde_json::Value;

use super::MonthReport;
use super::amendment::Amendment;
use super::csv::safe_cell;
use super::json::findings::TrendsJson;
use super::json::registers::DrAssessmentJson;
use super::json::rewrites::RewritesJson;
use super::json::{DataQualityJson, number_text, to_json};
use crate::domain::Instant;
use crate::domain::time::format_utc;
use sheets::{
    amendment_sheet, dr_sheet, escalations_sheet, quality_sheet, rewrites_sheet, trends_sheet,
    workings_sheet,
};

/// Renders the report as XLSX bytes.
pub fn render(r: &MonthReport<'_>) -> Result<Vec<u8>, XlsxError> {
    let json = to_json(r);
    let exponent = r.contract.currency.exponent();
    let f = Formats::new(exponent);
    let scale = 10f64.powi(exponent as i32);
    let money = |minor: i64| minor as f64 / scale;
    let currency = json.currency;

    let mut wb = Workbook::new();

    // Summary: one label and one value a row.
    let ws = wb.add_worksheet().set_name("Summary")?;
    ws.write_string_with_format(0, 0, "Service level report", &f.title)?;
    let mut row = 2;
    for (label, value) in [
        ("Contract", json.contract),
        ("Supplier", json.supplier),
        ("Period", json.period.as_str()),
        ("Currency", json.currency),
    ] {
        ws.write_string_with_format(row, 0, label, &f.label)?;
        ws.write_string(row, 1, safe_cell(value))?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, "Evidence as at (UTC)", &f.label)?;
    write_instant(ws, row, 1, &json.evaluated_at, &f.datetime)?;
    row += 1;
    let credits = &json.service_credits;
    for (label, value, format) in [
        ("Monthly charge", json.monthly_charge_minor, &f.money),
        (
            "Service credits before cap",
            credits.before_cap_minor,
            &f.money,
        ),
        ("Cap", credits.cap_minor, &f.money),
        ("Service credits after cap", credits.total_minor, &f.money),
        ("Recoverable costs", json.recoverable_costs_minor, &f.money),
        ("Total claim", json.total_claim_minor, &f.money_total),
        (
            "Service credits in dispute",
            credits.disputed_minor,
            &f.money,
        ),
        (
            "Recoverable costs in dispute",
            json.recoverable_costs_disputed_minor,
            &f.money,
        ),
        (
            "Claim not in dispute",
            json.total_claim_undisputed_minor,
            &f.money_total,
        ),
        (
            "Delay payments for late commitments",
            json.delay_payments_minor,
            &f.money,
        ),
        (
            "Total claim with delay payments",
            json.total_claim_with_delay_payments_minor,
            &f.money_total,
        ),
    ] {
        let label_format = if std::ptr::eq(format, &f.money_total) {
            &f.header
        } else {
            &f.label
        };
        ws.write_string_with_format(row, 0, format!("{label} ({currency})"), label_format)?;
        ws.write_number_with_format(row, 1, money(value), format)?;
        row += 1;
    }
    ws.set_column_width(0, 34)?;
    ws.set_column_width(1, 30)?;

    let levels = &json.service_levels;

    // Service levels: one row per line.
    let ws = wb.add_worksheet().set_name("Service levels")?;
    let credit_header = format!("Credit ({currency})");
    header(
        ws,
        &f,
        &[
            "Id",
            "Name",
            "Kind",
            "Service",
            "Assessed",
            "Met",
            "Service seconds",
            "Downtime seconds",
            "Attainment %",
            "Target %",
            "Supplier reported %",
            "Status",
            "Critical",
            "Credit %",
            &credit_header,
        ],
    )?;
    for (i, l) in levels.iter().enumerate() {
        let row = i as u32 + 1;
        let count = |n: Option<u64>| n.map(|n| n as f64);
        ws.write_string(row, 0, safe_cell(l.id))?;
        ws.write_string(row, 1, safe_cell(l.name))?;
        ws.write_string(row, 2, l.kind)?;
        ws.write_string(row, 3, safe_cell(l.service.unwrap_or_default()))?;
        number(ws, row, 4, count(l.assessed), &f.integer)?;
        number(ws, row, 5, count(l.met), &f.integer)?;
        let service_seconds = l.service_seconds.map(|s| s as f64);
        number(ws, row, 6, service_seconds, &f.integer)?;
        let downtime = l.downtime_seconds.map(|s| s.as_f64());
        number(ws, row, 7, downtime, &f.seconds)?;
        number(ws, row, 8, l.attainment_percent, &f.percent3)?;
        number(ws, row, 9, Some(l.target_percent), &f.percent3)?;
        number(ws, row, 10, l.supplier_reported_percent, &f.percent3)?;
        ws.write_string(row, 11, l.status)?;
        ws.write_boolean(row, 12, l.critical)?;
        number(ws, row, 13, Some(l.credit_percent), &f.percent3)?;
        ws.write_number_with_format(row, 14, money(l.credit_minor), &f.money)?;
    }
    ws.set_column_width(1, 44)?;
    ws.set_column_range_width(2, 14, 14)?;

    // Breaches: every breached incident of every line.
    let ws = wb.add_worksheet().set_name("Breaches")?;
    header(
        ws,
        &f,
        &[
            "Contract",
            "Service level",
            "Incident",
            "Priority",
            "Opened (UTC)",
            "Deadline (UTC)",
            "Stopped (UTC)",
            "Elapsed hours",
            "Target hours",
            "Title",
        ],
    )?;
    let mut row = 1;
    for l in levels {
        for b in l.breaches.iter().flatten() {
            ws.write_string(row, 0, safe_cell(json.contract))?;
            ws.write_string(row, 1, safe_cell(l.id))?;
            ws.write_string(row, 2, safe_cell(b.incident))?;
            ws.write_string(row, 3, b.priority)?;
            write_at(ws, row, 4, b.opened_at, &f.datetime)?;
            write_at(ws, row, 5, b.deadline, &f.datetime)?;
            match b.stopped_at {
                Some(t) => write_at(ws, row, 6, t, &f.datetime)?,
                None => {
                    ws.write_string(row, 6, "still open")?;
                }
            }
            let hours = |seconds: i64| seconds as f64 / 3_600.0;
            ws.write_number_with_format(row, 7, hours(b.elapsed_seconds), &f.hours)?;
            ws.write_number_with_format(row, 8, hours(b.target_seconds), &f.hours)?;
            ws.write_string(row, 9, safe_cell(b.title.unwrap_or_default()))?;
            row += 1;
        }
    }
    ws.set_column_range_width(0, 3, 16)?;
    ws.set_column_range_width(4, 6, 18)?;
    ws.set_column_range_width(7, 8, 13)?;
    ws.set_column_width(9, 50)?;

    // Recoverable costs.
    let ws = wb.add_worksheet().set_name("Recoverable costs")?;
    let amount_header = format!("Amount ({currency})");
    let mut titles = vec!["Date", &amount_header, "Description", "Evidence", "Breach"];
    // Under a sole-remedy clause only: whether each cost counts, and why.
    if json.costs_recoverable.is_some() {
        titles.push("Recoverable");
    }
    header(ws, &f, &titles)?;
    for (i, c) in json.recoverable_costs.iter().enumerate() {
        let row = i as u32 + 1;
        write_date(ws, row, 0, &c.date, &f.date)?;
        ws.write_number_with_format(row, 1, money(c.amount_minor), &f.money)?;
        ws.write_string(row, 2, safe_cell(c.description))?;
        ws.write_string(row, 3, safe_cell(c.evidence))?;
        ws.write_string(row, 4, safe_cell(c.breach.unwrap_or_default()))?;
        match (c.recoverable, c.gate) {
            (Some(true), Some(gate)) => {
                ws.write_string(row, 5, format!("recoverable: {gate}"))?;
            }
            (Some(_), _) => {
                ws.write_string(row, 5, "not recoverable: no gate open")?;
            }
            (None, _) => {}
        }
    }
    ws.set_column_range_width(0, 1, 14)?;
    ws.set_column_range_width(2, 4, 32)?;

    // Commitments.
    let ws = wb.add_worksheet().set_name("Commitments")?;
    header(ws, &f, &["Id", "Name", "Due", "Status"])?;
    for (i, c) in json.commitments.iter().enumerate() {
        let row = i as u32 + 1;
        let o = &c.occurrence;
        ws.write_string(row, 0, safe_cell(o.id))?;
        ws.write_string(row, 1, safe_cell(o.name))?;
        write_date(ws, row, 2, &o.due.to_string(), &f.date)?;
        ws.write_string(row, 3, o.status)?;
    }
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 50)?;
    ws.set_column_range_width(2, 3, 14)?;

    // Excused incidents.
    let ws = wb.add_worksheet().set_name("Excused")?;
    header(ws, &f, &["Incident", "Reason"])?;
    for (i, e) in json.excused.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, safe_cell(e.incident))?;
        ws.write_string(row, 1, safe_cell(e.reason))?;
    }
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 60)?;

    dr_sheet(&mut wb, &f, json.disaster_recovery.as_ref())?;
    quality_sheet(&mut wb, &f, &json.data_quality)?;
    trends_sheet(&mut wb, &f, &json.trends)?;
    rewrites_sheet(&mut wb, &f, &json.records_changed_after_the_fact, scale)?;
    if let Some(a) = json.amendment {
        amendment_sheet(&mut wb, &f, a, scale)?;
    }
    if let Some(triggered) = json.escalations.as_ref().filter(|e| !e.is_empty()) {
        escalations_sheet(&mut wb, &f, triggered)?;
    }
    if !json.credit_workings.is_empty() {
        workings_sheet(&mut wb, &f, &json, scale)?;
    }
    if let Some(rc) = &json.recovery {
        recovery::recovery_sheet(&mut wb, &f, rc, currency, scale)?;
    }
    wb.save_to_buffer()
}

/// The cell formats used throughout the workbook.
pub(super) struct Formats {
    title: Format,
    label: Format,
    header: Format,
    money: Format,
    money_total: Format,
    integer: Format,
    seconds: Format,
    percent3: Format,
    hours: Format,
    date: Format,
    datetime: Format,
}

impl Formats {
    fn new(exponent: u32) -> Formats {
        // `#,##0.00` for pence, `#,##0` for a currency without minor units.
        let money = if exponent == 0 {
            "#,##0".to_string()
        } else {
            format!("#,##0.{}", "0".repeat(exponent as usize))
        };
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            label: Format::new(),
            header: Format::new()
                .set_bold()
                .set_background_color("#EEF2F7")
                .set_border_bottom(FormatBorder::Thin)
                .set_align(FormatAlign::Top)
                .set_text_wrap(),
            money: Format::new().set_num_format(&money),
            money_total: Format::new()
                .set_num_format(&money)
                .set_bold()
                .set_border_top(FormatBorder::Thin),
            integer: Format::new().set_num_format("#,##0"),
            seconds: Format::new().set_num_format("#,##0.###"),
            percent3: Format::new().set_num_format("0.000"),
            hours: Format::new().set_num_format("0.00"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
        }
    }
}

/// A bold header row with the columns' titles, frozen above the data.
pub(super) fn header(ws: &mut Worksheet, f: &Formats, titles: &[&str]) -> Result<(), XlsxError> {
    for (col, title) in titles.iter().enumerate() {
        ws.write_string_with_format(0, col as u16, *title, &f.header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// A number cell, or nothing when the line has no such figure.
pub(super) fn number(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    v: Option<f64>,
    f: &Format,
) -> Result<(), XlsxError> {
    if let Some(n) = v {
        ws.write_number_with_format(row, col, n, f)?;
    }
    Ok(())
}

/// An RFC 3339 UTC instant (`2026-10-07T13:02:00Z`) as a date-time cell.
pub(super) fn write_instant(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    s: &str,
    f: &Format,
) -> Result<(), XlsxError> {
    match NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ") {
        Ok(t) => ws.write_datetime_with_format(row, col, t, f)?,
        Err(_) => ws.write_string(row, col, safe_cell(s))?,
    };
    Ok(())
}

/// A `YYYY-MM-DD` date as a date cell.
pub(super) fn write_date(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    s: &str,
    f: &Format,
) -> Result<(), XlsxError> {
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => ws.write_datetime_with_format(row, col, d, f)?,
        Err(_) => ws.write_string(row, col, safe_cell(s))?,
    };
    Ok(())
}

/// An instant as a date-time cell, through its RFC 3339 form (whole seconds,
/// as the JSON writes it).
pub(super) fn write_at(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    t: Instant,
    f: &Format,
) -> Result<(), XlsxError> {
    write_instant(ws, row, col, &format_utc(t), f)
}
