//! The report as an XLSX workbook for finance: one sheet per section of the
//! claim document ([`crate::report::document`]), with the same titles,
//! rows and words as the HTML and PDF. Money, counts and attainment are
//! numbers (so columns can be summed) whose number format shows exactly
//! the text the other formats print (`£1,250.00`, `95.455 %`); the Trends
//! sheet adds a native line chart per line.
//!
//! Every text is written with `write_string`, which stores it as text,
//! never a formula, so supplier text needs no escaping mark here.

mod trends;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::MonthReport;
use super::document::{Block, Cell, Document, Number, Section, Tone};
use super::json::to_json;
use crate::domain::money::Currency;

/// Renders the report as XLSX bytes.
pub fn render(r: &MonthReport<'_>) -> Result<Vec<u8>, XlsxError> {
    render_document(r, &super::document::build(r))
}

/// Renders the report's claim document as XLSX bytes.
pub fn render_document(r: &MonthReport<'_>, doc: &Document) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new(&r.contract.currency);
    let json = to_json(r);
    let mut wb = Workbook::new();
    for section in &doc.sections {
        let ws = wb.add_worksheet().set_name(section.sheet)?;
        let mut row = write_section(ws, &f, doc, section, r.contract.currency.exponent())?;
        if section.blocks.iter().any(|b| matches!(b, Block::Charts(_))) {
            row += 1;
            trends::write(ws, &f, section.sheet, &json.trends, row)?;
        }
    }
    wb.save_to_buffer()
}

/// Writes a section's title and blocks from the top of `ws`; returns the
/// first free row.
fn write_section(
    ws: &mut Worksheet,
    f: &Formats,
    doc: &Document,
    section: &Section,
    exponent: u32,
) -> Result<u32, XlsxError> {
    ws.write_string_with_format(0, 0, &section.title, &f.title)?;
    ws.write_string_with_format(1, 0, format!("{} · {}", doc.status, doc.footer), &f.muted)?;
    let mut widths: Vec<f64> = vec![40.0, 24.0];
    let mut row = 3;
    for block in &section.blocks {
        match block {
            Block::Heading(text) => {
                ws.write_string_with_format(row, 0, text, &f.heading)?;
                row += 1;
            }
            Block::Text(text) | Block::Note(text) => {
                ws.write_string(row, 0, text)?;
                row += 2;
            }
            Block::Fields(fields) => {
                for field in fields {
                    let label = if field.total { &f.bold } else { &f.text };
                    ws.write_string_with_format(row, 0, &field.label, label)?;
                    write_cell(ws, f, row, 1, &field.value, field.total, exponent)?;
                    row += 1;
                }
                row += 1;
            }
            Block::Table(table) => {
                for (col, c) in table.columns.iter().enumerate() {
                    ws.write_string_with_format(row, col as u16, &c.header, &f.header)?;
                    let width = (14.0 * c.weight as f64).clamp(9.0, 60.0);
                    match widths.get_mut(col) {
                        Some(w) => *w = w.max(width),
                        None => widths.push(width),
                    }
                }
                row += 1;
                for cells in &table.rows {
                    for (col, cell) in cells.iter().enumerate() {
                        write_cell(ws, f, row, col as u16, cell, false, exponent)?;
                    }
                    row += 1;
                }
                row += 1;
            }
            Block::Charts(_) => {}
        }
    }
    for (col, w) in widths.iter().enumerate() {
        ws.set_column_width(col as u16, *w)?;
    }
    Ok(row)
}

/// One cell: a number in the format that shows its text, or text.
fn write_cell(
    ws: &mut Worksheet,
    f: &Formats,
    row: u32,
    col: u16,
    cell: &Cell,
    total: bool,
    exponent: u32,
) -> Result<(), XlsxError> {
    let scale = 10f64.powi(exponent as i32);
    match cell.number {
        Some(Number::Money(minor)) => {
            let format = if total { &f.money_total } else { &f.money };
            ws.write_number_with_format(row, col, minor as f64 / scale, format)?;
        }
        Some(Number::Count(n)) => {
            ws.write_number_with_format(row, col, n as f64, &f.count)?;
        }
        Some(Number::Attainment(p)) => {
            ws.write_number_with_format(row, col, p, &f.attainment)?;
        }
        None => {
            let format = match (cell.tone, cell.text.contains('\n')) {
                (Tone::Bad, _) => &f.bad,
                (_, true) => &f.wrapped,
                _ => &f.text,
            };
            ws.write_string_with_format(row, col, &cell.text, format)?;
        }
    }
    Ok(())
}

/// The workbook's cell formats.
pub(super) struct Formats {
    title: Format,
    muted: Format,
    heading: Format,
    pub(super) header: Format,
    text: Format,
    wrapped: Format,
    bold: Format,
    bad: Format,
    money: Format,
    money_total: Format,
    count: Format,
    pub(super) attainment: Format,
}

impl Formats {
    fn new(currency: &Currency) -> Formats {
        // `"£"#,##0.00;-"£"#,##0.00`: the text every other format prints.
        let decimals = match currency.exponent() {
            0 => String::new(),
            n => format!(".{}", "0".repeat(n as usize)),
        };
        let sign = match currency.symbol() {
            Some(symbol) => format!("\"{symbol}\""),
            None => format!("\"{} \"", currency.code()),
        };
        let money = format!("{sign}#,##0{decimals};-{sign}#,##0{decimals}");
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            muted: Format::new().set_font_color("#4A5866"),
            heading: Format::new().set_bold().set_font_size(11),
            header: Format::new()
                .set_bold()
                .set_background_color("#EEF2F7")
                .set_border_bottom(FormatBorder::Thin)
                .set_align(FormatAlign::Top)
                .set_text_wrap(),
            text: Format::new().set_align(FormatAlign::Top),
            wrapped: Format::new().set_align(FormatAlign::Top).set_text_wrap(),
            bold: Format::new().set_bold(),
            bad: Format::new()
                .set_align(FormatAlign::Top)
                .set_font_color("#A4161A")
                .set_text_wrap(),
            money: Format::new().set_num_format(&money),
            money_total: Format::new()
                .set_num_format(&money)
                .set_bold()
                .set_border_top(FormatBorder::Thin),
            count: Format::new().set_num_format("0"),
            attainment: Format::new().set_num_format("0.000\" %\""),
        }
    }
}
