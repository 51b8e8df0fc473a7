//! The report as an A4 PDF document, the letter-like form a council sends to
//! its supplier: the claim document's sections ([`crate::report::document`])
//! drawn one after the other, appendices on new pages, a DRAFT or
//! PROVISIONAL mark on every page of a document that is not an issued
//! version.
//!
//! Drawn with `printpdf` in the PDF standard Helvetica (no font file
//! needed, nothing read from the system at run time); `layout` wraps text
//! in table cells, breaks pages and draws the trend charts.

mod layout;
pub mod notice;

use printpdf::{PdfDocument, PdfSaveOptions};

use layout::{Align, BOLD, INK, Layout, MUTED};

use super::MonthReport;
use super::document::{Block, Document, Field};

/// Renders the report as PDF bytes.
pub fn render(r: &MonthReport<'_>) -> Result<Vec<u8>, serde_json::Error> {
    Ok(render_document(r, &super::document::build(r)))
}

/// Renders the report's claim document as PDF bytes.
pub fn render_document(r: &MonthReport<'_>, doc: &Document) -> Vec<u8> {
    render_pages(doc, &format!("{} {}", doc.title, r.evaluation.period))
}

/// Renders any document laid out as sections (the claim document, the
/// committee pack) as PDF bytes; `title` is the file's own title.
pub fn render_pages(doc: &Document, title: &str) -> Vec<u8> {
    let mut d = Layout::new();
    d.line(&doc.title, BOLD, 17.0, INK, 24.0);
    d.wrapped(&format!("{} · {}", doc.status, doc.footer), 9.5, MUTED);
    for section in &doc.sections {
        if section.appendix {
            d.new_page();
        }
        d.heading(&section.title);
        for block in &section.blocks {
            match block {
                Block::Heading(text) => d.subheading(text),
                Block::Text(text) => d.wrapped(text, 9.5, INK),
                Block::Note(text) => d.wrapped(text, 8.5, MUTED),
                Block::Fields(fields) => draw_fields(&mut d, fields),
                Block::Table(table) => {
                    let total: f32 = table.columns.iter().map(|c| c.weight).sum();
                    let cols: Vec<(&str, f32, Align)> = table
                        .columns
                        .iter()
                        .map(|c| {
                            (
                                c.header.as_str(),
                                c.weight / total.max(f32::EPSILON),
                                if c.numeric { Align::Right } else { Align::Left },
                            )
                        })
                        .collect();
                    let rows: Vec<Vec<String>> = table
                        .rows
                        .iter()
                        .map(|row| row.iter().map(|c| c.text.clone()).collect())
                        .collect();
                    d.table(&cols, &rows, true);
                }
                Block::Charts(charts) => {
                    // Grouped as the HTML groups them.
                    for (title, availability) in
                        [("Service levels", false), ("Service availability", true)]
                    {
                        let shown: Vec<_> = charts
                            .iter()
                            .filter(|c| c.availability == availability)
                            .cloned()
                            .collect();
                        if !shown.is_empty() {
                            d.subheading(title);
                            d.charts(&shown);
                        }
                    }
                }
            }
        }
    }
    let pages = d.finish(&doc.footer, doc.watermark);
    let mut warnings = Vec::new();
    PdfDocument::new(title)
        .with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut warnings)
}

/// Labelled values: a two-column table, totals as bold lines.
fn draw_fields(d: &mut Layout, fields: &[Field]) {
    let mut plain: Vec<Vec<String>> = Vec::new();
    let cols = [("", 0.62, Align::Left), ("", 0.38, Align::Right)];
    for f in fields {
        if f.total {
            if !plain.is_empty() {
                d.table(&cols, &std::mem::take(&mut plain), false);
            }
            d.total_row(&f.label, &f.value.text);
        } else {
            plain.push(vec![f.label.clone(), f.value.text.clone()]);
        }
    }
    if !plain.is_empty() {
        d.table(&cols, &plain, false);
    }
}
