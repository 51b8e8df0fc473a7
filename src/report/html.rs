//! The report as a self-contained HTML page (inline CSS), rendered from a
//! template with auto-escaping so supplier text can never become markup.
//! The trend charts are inline SVG drawn by the template from
//! [`super::chart`]'s geometry, so their labels are escaped too.

use minijinja::value::{Serde, Value};
use minijinja::{AutoEscape, Environment};

use super::MonthReport;
use super::json::to_json;
use crate::domain::money::format_minor;

const TEMPLATE: &str = include_str!("../../templates/report.html");

/// Renders the report as HTML.
pub fn render(r: &MonthReport<'_>) -> Result<String, minijinja::Error> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    let exponent = r.contract.currency.exponent();
    env.add_filter("money", move |minor: i64| {
        format_thousands(&format_minor(minor, exponent))
    });
    env.add_filter("hours", |seconds: f64| {
        let total = seconds.round() as i64;
        format!("{}h{:02}m", total / 3_600, (total % 3_600) / 60)
    });
    // `2026-10-07T13:02:00Z` → `2026-10-07 13:02`, as in the PDF: a breach
    // table of full RFC 3339 instants is too wide for A4.
    env.add_filter("instant", |t: String| {
        t.get(..16).map_or(t.clone(), |s| s.replace('T', " "))
    });
    env.add_template("report.html", TEMPLATE)?;
    let template = env.get_template("report.html")?;
    let json = to_json(r);
    let grounds: Vec<String> = json
        .escalations
        .iter()
        .flatten()
        .map(|e| e.grounds())
        .collect();
    template.render(minijinja::context! {
        grounds => grounds,
        r => Value::from(Serde(json)),
        failed => r.failed_count(),
        critical => r.critical_count(),
        overdue => r.overdue_commitments(),
        excused_levels => r.excused_count(),
        cap_percent => r.contract.service_credit_cap_percent.as_f64(),
        charts => Value::from(Serde(r.trends.series.iter().map(super::chart::chart).collect::<Vec<_>>())),
    })
}

/// Groups the whole part of a decimal amount in thousands (see
/// [`crate::domain::money::group_thousands`]).
pub(crate) use crate::domain::money::group_thousands as format_thousands;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(format_thousands("1234567.89"), "1,234,567.89");
        assert_eq!(format_thousands("125000.00"), "125,000.00");
        assert_eq!(format_thousands("-999.50"), "-999.50");
        assert_eq!(format_thousands("7"), "7");
    }
}
