//! The report as an XLSX workbook for finance: one sheet per section, money as
//! numbers in major units with a number format (so columns can be summed),
//! instants and dates as real date cells.
//!
//! Built from the report's JSON wire types ([`to_json`]) so it carries the
//! same figures by construction, and a renamed field fails to compile. Supplier text goes through [`safe_cell`]: `write_string`
//! already stores it as text, never a formula, but the apostrophe keeps a cell
//! inert when the sheet is saved again as CSV or edited by hand, and matches
//! the CSV report.

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
use super::json::{DataQualityJson, number_text, to_json};
use crate::domain::Instant;
use crate::domain::time::format_utc;

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
    header(
        ws,
        &f,
        &["Date", &amount_header, "Description", "Evidence", "Breach"],
    )?;
    for (i, c) in json.recoverable_costs.iter().enumerate() {
        let row = i as u32 + 1;
        write_date(ws, row, 0, &c.date, &f.date)?;
        ws.write_number_with_format(row, 1, money(c.amount_minor), &f.money)?;
        ws.write_string(row, 2, safe_cell(c.description))?;
        ws.write_string(row, 3, safe_cell(c.evidence))?;
        ws.write_string(row, 4, safe_cell(c.breach.unwrap_or_default()))?;
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
    if let Some(a) = json.amendment {
        amendment_sheet(&mut wb, &f, a, scale)?;
    }
    wb.save_to_buffer()
}

/// Amendment (only when figures changed since issue): the issued version
/// and when, then each changed figure, issued against now; money in major
/// units as numbers, statuses as text.
fn amendment_sheet(
    wb: &mut Workbook,
    f: &Formats,
    a: &Amendment,
    scale: f64,
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name("Amendment")?;
    ws.write_string_with_format(0, 0, "Issued version", &f.label)?;
    number(ws, 0, 1, Some(a.issued_version as f64), &f.integer)?;
    ws.write_string_with_format(1, 0, "Issued at (UTC)", &f.label)?;
    write_instant(ws, 1, 1, &a.issued_at, &f.datetime)?;
    for (col, title) in ["Figure", "Issued", "Now"].iter().enumerate() {
        ws.write_string_with_format(3, col as u16, *title, &f.header)?;
    }
    // A changed figure is a JSON value by nature: a number, a status, or
    // absent on either side.
    for (i, c) in a.changes.iter().enumerate() {
        let row = 4 + i as u32;
        let what = &c.what;
        ws.write_string(row, 0, safe_cell(what))?;
        for (col, v) in [(1, &c.issued), (2, &c.now)] {
            match v {
                Value::Number(n) if what.ends_with("_minor") => {
                    let major = n.as_f64().unwrap_or(0.0) / scale;
                    ws.write_number_with_format(row, col, major, &f.money)?;
                }
                Value::Number(n) => number(ws, row, col, n.as_f64(), &f.percent3)?,
                Value::String(s) => {
                    ws.write_string(row, col, safe_cell(s))?;
                }
                _ => {}
            }
        }
    }
    ws.set_column_width(0, 40)?;
    ws.set_column_range_width(1, 2, 20)?;
    Ok(())
}

/// Trends: a row per month, for each line its attainment and target
/// columns, and a native line chart per line under the table.
fn trends_sheet(wb: &mut Workbook, f: &Formats, trends: &TrendsJson<'_>) -> Result<(), XlsxError> {
    const SHEET: &str = "Trends";
    let ws = wb.add_worksheet().set_name(SHEET)?;
    let months = trends.months;
    let series = &trends.series;
    ws.write_string_with_format(0, 0, "Month", &f.header)?;
    for (i, m) in months.iter().enumerate() {
        ws.write_string(i as u32 + 1, 0, m)?;
    }
    let last_row = months.len() as u32;
    let chart_top = last_row + 3;
    for (i, s) in series.iter().enumerate() {
        let col = 1 + 2 * i as u16;
        let mut title = s.service_level.to_string();
        if let Some(service) = s.service {
            title.push_str(&format!(" ({service})"));
        }
        ws.write_string_with_format(0, col, safe_cell(&format!("{title} %")), &f.header)?;
        ws.write_string_with_format(
            0,
            col + 1,
            safe_cell(&format!("{title} target %")),
            &f.header,
        )?;
        for (row, p) in s.points.iter().enumerate() {
            let row = row as u32 + 1;
            number(ws, row, col, p.attainment_percent, &f.percent3)?;
            number(ws, row, col + 1, Some(s.target_percent), &f.percent3)?;
        }
        ws.set_column_range_width(col, col + 1, 16)?;
        if last_row == 0 {
            continue;
        }
        let mut chart = Chart::new(ChartType::Line);
        chart.title().set_name(&safe_cell(s.name));
        chart
            .add_series()
            .set_name("Attainment %")
            .set_categories((SHEET, 1, 0, last_row, 0))
            .set_values((SHEET, 1, col, last_row, col));
        chart
            .add_series()
            .set_name("Target %")
            .set_categories((SHEET, 1, 0, last_row, 0))
            .set_values((SHEET, 1, col + 1, last_row, col + 1))
            .set_format(ChartLine::new().set_dash_type(ChartLineDashType::Dash));
        chart.set_width(480).set_height(260);
        let at_row = chart_top + 14 * (i as u32 / 2);
        let at_col = if i % 2 == 0 { 0 } else { 8 };
        ws.insert_chart(at_row, at_col, &chart)?;
    }
    ws.set_column_width(0, 10)?;
    ws.set_freeze_panes(1, 1)?;
    Ok(())
}

/// The DR register: one row per system, its flags in words.
fn dr_sheet(
    wb: &mut Workbook,
    f: &Formats,
    dr: Option<&DrAssessmentJson<'_>>,
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name("Disaster recovery")?;
    header(
        ws,
        f,
        &[
            "System",
            "Name",
            "Criticality",
            "Hosted by",
            "Vendor",
            "Agreed RTO (h)",
            "Agreed RPO (h)",
            "Last test",
            "Achieved RTO (h)",
            "Achieved RPO (h)",
            "Evidence",
            "Flags",
            "Score",
        ],
    )?;
    let hours = |ws: &mut Worksheet, row: u32, col: u16, v: Option<i64>| match v {
        Some(s) => ws
            .write_number_with_format(row, col, s as f64 / 3600.0, &f.hours)
            .map(|_| ()),
        None => Ok(()),
    };
    let mut row = 1;
    for s in dr.iter().flat_map(|dr| &dr.systems) {
        let t = s.last_test.as_ref();
        ws.write_string(row, 0, safe_cell(s.id))?;
        ws.write_string(row, 1, safe_cell(s.name))?;
        ws.write_string(row, 2, s.criticality)?;
        ws.write_string(row, 3, s.hosted_by)?;
        ws.write_string(row, 4, safe_cell(s.vendor.unwrap_or_default()))?;
        hours(ws, row, 5, s.rto_seconds)?;
        hours(ws, row, 6, s.rpo_seconds)?;
        // Never tested: the cell is written empty, as before.
        let date = t.map(|t| t.date.to_string()).unwrap_or_default();
        write_date(ws, row, 7, &date, &f.date)?;
        hours(ws, row, 8, t.and_then(|t| t.achieved_rto_seconds))?;
        hours(ws, row, 9, t.and_then(|t| t.achieved_rpo_seconds))?;
        let evidence = [
            t.and_then(|t| t.evidence).unwrap_or_default(),
            s.third_party_evidence.unwrap_or_default(),
        ]
        .into_iter()
        .filter(|e| !e.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
        ws.write_string(row, 10, safe_cell(&evidence))?;
        let flags: Vec<String> = s
            .flags
            .iter()
            .map(|x| format!("{}: {}", x.flag, x.detail))
            .collect();
        ws.write_string(row, 11, safe_cell(&flags.join("; ")))?;
        number(ws, row, 12, Some(f64::from(s.score)), &f.integer)?;
        row += 1;
    }
    if let Some(dr) = dr {
        row += 1;
        ws.write_string_with_format(row, 0, "DR risk rating", &f.header)?;
        ws.write_string(row, 1, dr.rating)?;
        ws.write_string(row + 1, 0, "Score (worst system)")?;
        number(ws, row + 1, 1, Some(f64::from(dr.score)), &f.integer)?;
        ws.write_string(row + 2, 0, "As of")?;
        write_date(ws, row + 2, 1, &dr.as_of.to_string(), &f.date)?;
    }
    ws.set_column_range_width(0, 4, 16)?;
    ws.set_column_width(11, 60)?;
    Ok(())
}

/// Where the supplier's data disagrees with the evidence or is missing:
/// one row per finding, the kind first.
fn quality_sheet(
    wb: &mut Workbook,
    f: &Formats,
    dq: &DataQualityJson<'_>,
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name("Data quality")?;
    header(ws, f, &["Finding", "Subject", "Service level", "Detail"])?;
    let mut rows: Vec<[String; 4]> = Vec::new();
    for d in &dq.discrepancies {
        rows.push([
            "supplier figure differs".into(),
            d.period.to_string(),
            d.service_level.to_string(),
            format!(
                "supplier {} %, measured {} %",
                number_text(d.supplier_reported_percent),
                number_text(d.measured_percent)
            ),
        ]);
    }
    for d in &dq.supplier_verdicts {
        rows.push([
            d.direction.replace('_', " "),
            d.incident.to_string(),
            d.service_level.to_string(),
            format!("{}: {}", d.reason, d.detail),
        ]);
    }
    let fc = &dq.feed_completeness;
    for s in &fc.sources_without_data {
        rows.push([
            "source without data this month".into(),
            s.source.to_string(),
            String::new(),
            s.kind.to_string(),
        ]);
    }
    for c in &fc.closed_without_resolution {
        rows.push([
            "closed without resolution time".into(),
            c.incident.to_string(),
            String::new(),
            c.supplier_sla.unwrap_or_default().to_string(),
        ]);
    }
    for h in &fc.holds_without_end {
        rows.push([
            "hold without end".into(),
            h.incident.to_string(),
            String::new(),
            format!("{} from {}", h.reason, format_utc(h.start)),
        ]);
    }
    for (i, r) in rows.iter().enumerate() {
        for (col, cell) in r.iter().enumerate() {
            ws.write_string(i as u32 + 1, col as u16, safe_cell(cell))?;
        }
    }
    ws.set_column_width(0, 32)?;
    ws.set_column_range_width(1, 2, 18)?;
    ws.set_column_width(3, 80)?;
    Ok(())
}

/// The cell formats used throughout the workbook.
struct Formats {
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
fn header(ws: &mut Worksheet, f: &Formats, titles: &[&str]) -> Result<(), XlsxError> {
    for (col, title) in titles.iter().enumerate() {
        ws.write_string_with_format(0, col as u16, *title, &f.header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// A number cell, or nothing when the line has no such figure.
fn number(
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
fn write_instant(
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
fn write_date(
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
fn write_at(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    t: Instant,
    f: &Format,
) -> Result<(), XlsxError> {
    write_instant(ws, row, col, &format_utc(t), f)
}
