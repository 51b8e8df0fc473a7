//! The workbook's sheets beyond the month's own figures: the amendment since
//! issue, twelve months of trends, the DR register and data quality.

use super::*;

/// Amendment (only when figures changed since issue): the issued version
/// and when, then each changed figure, issued against now; money in major
/// units as numbers, statuses as text; then, below a blank row, each
/// changed line and total in words with its causes.
pub(super) fn amendment_sheet(
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
    // Then each changed line and total in words, below a blank row.
    if !a.lines.is_empty() {
        let top = 5 + a.changes.len() as u32;
        for (col, title) in ["Line", "In words", "Because"].iter().enumerate() {
            ws.write_string_with_format(top, col as u16, *title, &f.header)?;
        }
        for (i, l) in a.lines.iter().enumerate() {
            let row = top + 1 + i as u32;
            let because: Vec<&str> = l.because.iter().map(|c| c.text.as_str()).collect();
            ws.write_string(row, 0, safe_cell(&l.line))?;
            ws.write_string(row, 1, safe_cell(&l.summary))?;
            ws.write_string(row, 2, safe_cell(&because.join("; ")))?;
        }
    }
    ws.set_column_width(0, 40)?;
    ws.set_column_range_width(1, 2, 20)?;
    Ok(())
}

/// Trends: a row per month, for each line its attainment and target
/// columns, and a native line chart per line under the table.
pub(super) fn trends_sheet(
    wb: &mut Workbook,
    f: &Formats,
    trends: &TrendsJson<'_>,
) -> Result<(), XlsxError> {
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
pub(super) fn dr_sheet(
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
pub(super) fn quality_sheet(
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

/// Changed after the fact: one row per rewrite bearing on the month, with
/// the credit its import's rewrites moved (money in major units).
pub(super) fn rewrites_sheet(
    wb: &mut Workbook,
    f: &Formats,
    rw: &RewritesJson<'_>,
    scale: f64,
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name("Changed after the fact")?;
    header(
        ws,
        f,
        &[
            "Record kind",
            "Record",
            "Received (UTC)",
            "Import",
            "From",
            "Corrected by",
            "Before → after",
            "Effect on the verdicts",
            "Direction",
            "Why",
            "Credit moved",
        ],
    )?;
    for (i, x) in rw.records.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, x.kind)?;
        ws.write_string(row, 1, safe_cell(x.record))?;
        write_instant(ws, row, 2, &x.received_at, &f.datetime)?;
        number(ws, row, 3, Some(x.import_id as f64), &f.integer)?;
        ws.write_string(row, 4, safe_cell(x.source))?;
        ws.write_string(row, 5, safe_cell(x.corrected_by.unwrap_or_default()))?;
        ws.write_string(row, 6, safe_cell(x.change))?;
        let effects: Vec<String> = x
            .effects
            .iter()
            .map(|e| {
                let month = e
                    .period
                    .as_ref()
                    .map_or(String::new(), |p| format!(" ({p})"));
                format!("{}{month}: {} → {}", e.service_level, e.before, e.after)
            })
            .collect();
        ws.write_string(row, 7, safe_cell(&effects.join("; ")))?;
        ws.write_string(row, 8, x.direction)?;
        ws.write_string(row, 9, safe_cell(x.why))?;
        let moved = rw
            .credit_moved
            .iter()
            .find(|c| c.import_id == x.import_id)
            .map_or(0, |c| c.moved_minor);
        ws.write_number_with_format(row, 10, moved as f64 / scale, &f.money)?;
    }
    ws.set_column_range_width(0, 1, 16)?;
    ws.set_column_range_width(2, 5, 14)?;
    ws.set_column_range_width(6, 9, 40)?;
    ws.set_column_width(10, 14)?;
    Ok(())
}

/// The "Credit workings" sheet (only when the contract uses more than
/// credit tiers on one undated charge): the annual cap's figures as numbers
/// in major units, then each credit worked out in words.
pub(super) fn workings_sheet(
    wb: &mut Workbook,
    f: &Formats,
    json: &crate::report::json::ReportJson<'_>,
    scale: f64,
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name("Credit workings")?;
    ws.write_string_with_format(0, 0, "How the credits were worked out", &f.title)?;
    let mut row = 2;
    if let Some(a) = &json.annual_cap {
        ws.write_string_with_format(row, 0, "Contract year from", &f.label)?;
        ws.write_string(row, 1, &a.contract_year_start)?;
        row += 1;
        for (label, minor) in [
            ("Annual cap", a.cap_minor),
            (
                "Credits earlier this contract year",
                a.credits_earlier_minor,
            ),
            ("Headroom before this month", a.headroom_before_minor),
            ("Credits after the monthly cap", a.after_monthly_cap_minor),
            ("Cut by the monthly cap", a.monthly_cap_cut_minor),
            ("Cut by the annual cap", a.annual_cap_cut_minor),
            ("Headroom after this month", a.headroom_after_minor),
        ] {
            ws.write_string_with_format(row, 0, label, &f.label)?;
            ws.write_number_with_format(row, 1, minor as f64 / scale, &f.money)?;
            row += 1;
        }
        row += 1;
    }
    for line in &json.credit_workings {
        ws.write_string(row, 0, safe_cell(line))?;
        row += 1;
    }
    ws.set_column_width(0, 90)?;
    ws.set_column_width(1, 16)?;
    Ok(())
}

/// The "Escalations" sheet (only when a rule triggered in the month): one
/// row per trigger, with its grounds, clause and deadline.
pub(super) fn escalations_sheet(
    wb: &mut Workbook,
    f: &Formats,
    triggered: &[crate::report::json::escalation::EscalationJson<'_>],
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name("Escalations")?;
    header(
        ws,
        f,
        &[
            "Rule",
            "Consequence",
            "Months",
            "Grounds",
            "Clause",
            "Notice date",
            "Respond by",
        ],
    )?;
    for (i, e) in triggered.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, safe_cell(e.rule))?;
        ws.write_string(row, 1, safe_cell(e.then))?;
        ws.write_string(row, 2, e.months.join(" "))?;
        ws.write_string(row, 3, safe_cell(&e.grounds()))?;
        ws.write_string(row, 4, safe_cell(e.clause))?;
        ws.write_string(row, 5, e.notice_date.as_deref().unwrap_or(""))?;
        ws.write_string(row, 6, e.respond_by.as_deref().unwrap_or(""))?;
    }
    for (col, width) in [
        (0, 20),
        (1, 20),
        (2, 24),
        (3, 60),
        (4, 60),
        (5, 12),
        (6, 12),
    ] {
        ws.set_column_width(col, width)?;
    }
    Ok(())
}
