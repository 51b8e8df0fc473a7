//! The report as a self-contained HTML page (inline CSS), rendered from a
//! template with auto-escaping so supplier text can never become markup.
//! The trend charts are inline SVG drawn by the template from
//! [`super::chart`]'s geometry, so their labels are escaped too.

use minijinja::value::{Serde, Value};
use minijinja::{AutoEscape, Environment, HtmlEscape};

use super::MonthReport;
use super::document::Document;

const TEMPLATE: &str = include_str!("../../templates/report.html");

/// Renders the report as HTML.
pub fn render(r: &MonthReport<'_>) -> Result<String, minijinja::Error> {
    render_document(r, &super::document::build(r))
}

/// Renders the report's claim document as HTML.
pub fn render_document(r: &MonthReport<'_>, doc: &Document) -> Result<String, minijinja::Error> {
    let title = format!("{} — {} — {}", doc.title, r.evaluation.period, doc.status);
    render_page(doc, &title)
}

/// Renders any document laid out as sections (the claim document, the
/// committee pack) as a self-contained page; `title` is the page's own
/// title.
pub fn render_page(doc: &Document, title: &str) -> Result<String, minijinja::Error> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    // Supplier text escaped, then its line breaks kept.
    env.add_filter("lines", |text: String| {
        Value::from_safe_string(HtmlEscape(&text).to_string().replace('\n', "<br>"))
    });
    env.add_template("report.html", TEMPLATE)?;
    let template = env.get_template("report.html")?;
    template.render(minijinja::context! {
        doc => Value::from(Serde(doc)),
        title => title,
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
