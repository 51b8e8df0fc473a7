//! The Trends sheet's data and charts: a row per month with each line's
//! attainment and target, and a native line chart per line beside them.

use rust_xlsxwriter::{Chart, ChartLine, ChartLineDashType, ChartType, Worksheet, XlsxError};

use super::Formats;
use crate::report::json::findings::TrendsJson;

/// Writes the trend table from row `top` of `ws` (the sheet named
/// `sheet`), and a chart per line under it.
pub(super) fn write(
    ws: &mut Worksheet,
    f: &Formats,
    sheet: &str,
    trends: &TrendsJson<'_>,
    top: u32,
) -> Result<(), XlsxError> {
    let months = trends.months;
    ws.write_string_with_format(top, 0, "Month", &f.header)?;
    for (i, m) in months.iter().enumerate() {
        ws.write_string(top + 1 + i as u32, 0, m)?;
    }
    let (first, last) = (top + 1, top + months.len() as u32);
    let chart_top = last + 3;
    for (i, s) in trends.series.iter().enumerate() {
        let col = 1 + 2 * i as u16;
        let mut title = s.name.to_string();
        if let Some(service) = s.service {
            title.push_str(&format!(" ({service})"));
        }
        ws.write_string_with_format(top, col, format!("{title}: attainment"), &f.header)?;
        ws.write_string_with_format(top, col + 1, format!("{title}: target"), &f.header)?;
        for (row, p) in s.points.iter().enumerate() {
            let row = first + row as u32;
            if let Some(a) = p.attainment_percent {
                ws.write_number_with_format(row, col, a, &f.attainment)?;
            }
            ws.write_number_with_format(row, col + 1, s.target_percent, &f.attainment)?;
        }
        ws.set_column_range_width(col, col + 1, 16)?;
        if months.is_empty() {
            continue;
        }
        let mut chart = Chart::new(ChartType::Line);
        // A chart title starting with `=` would be read as a cell reference.
        chart.title().set_name(title.trim_start_matches('='));
        chart
            .add_series()
            .set_name("Attainment %")
            .set_categories((sheet, first, 0, last, 0))
            .set_values((sheet, first, col, last, col));
        chart
            .add_series()
            .set_name("Target %")
            .set_categories((sheet, first, 0, last, 0))
            .set_values((sheet, first, col + 1, last, col + 1))
            .set_format(ChartLine::new().set_dash_type(ChartLineDashType::Dash));
        chart.set_width(480).set_height(260);
        let at_row = chart_top + 14 * (i as u32 / 2);
        let at_col = if i % 2 == 0 { 0 } else { 8 };
        ws.insert_chart(at_row, at_col, &chart)?;
    }
    Ok(())
}
