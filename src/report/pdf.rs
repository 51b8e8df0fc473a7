//! The report as an A4 PDF document, the letter-like form a council sends to
//! its supplier: a title block, the summary with the total claim, the service
//! levels, breaches, recoverable costs, commitments, excusals and the method.
//!
//! Built from the report's JSON ([`to_json`]) so it carries the same figures by
//! construction. Drawn with `printpdf` in the PDF standard Helvetica (no font
//! file needed, nothing read from the system at run time); the small layout
//! engine here wraps text in table cells and breaks pages.

use printpdf::{
    BuiltinFont, Color, Line, LinePoint, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem, WindingOrder,
};
use serde_json::Value;

use super::MonthReport;
use super::html::format_thousands;
use super::json::to_json;
use crate::domain::money::format_minor;

#[path = "pdf_quality.rs"]
mod quality;

/// A4 in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 48.0;
const MARGIN_TOP: f32 = 56.0;
const MARGIN_BOTTOM: f32 = 60.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

const INK: (f32, f32, f32) = (0.114, 0.153, 0.2);
const MUTED: (f32, f32, f32) = (0.29, 0.345, 0.4);
const ACCENT: (f32, f32, f32) = (0.114, 0.31, 0.569);
const RULE: (f32, f32, f32) = (0.79, 0.82, 0.855);
const SHADE: (f32, f32, f32) = (0.933, 0.949, 0.969);

/// Renders the report as PDF bytes.
pub fn render(r: &MonthReport<'_>) -> Result<Vec<u8>, serde_json::Error> {
    let j = serde_json::to_value(to_json(r))?;
    let exponent = r.contract.currency.exponent();
    let currency = text(&j["currency"]);
    let money = |v: &Value| format_thousands(&format_minor(v.as_i64().unwrap_or(0), exponent));
    let cur = |v: &Value| format!("{currency} {}", money(v));
    let percent = |v: &Value| v.as_f64().map_or("-".to_string(), |p| format!("{p:.3} %"));

    let mut d = Layout::new();

    // Title block.
    d.line("Service level report", BOLD, 20.0, INK, 26.0);
    d.line(&text(&j["supplier"]), REGULAR, 14.0, INK, 22.0);
    d.wrapped(
        &format!(
            "Contract {}  ·  Period {}  ·  Evidence as at {} (UTC)  ·  Monthly charge {}",
            text(&j["contract"]),
            text(&j["period"]),
            instant(&j["evaluated_at"]),
            cur(&j["monthly_charge_minor"]),
        ),
        9.5,
        MUTED,
    );

    // Summary.
    let levels = j["service_levels"].as_array().cloned().unwrap_or_default();
    let failed = levels.iter().filter(|l| l["status"] == "failed").count();
    let critical = levels.iter().filter(|l| l["critical"] == true).count();
    let cap_percent = r.contract.service_credit_cap_percent.as_f64();
    let credits = &j["service_credits"];
    d.heading("Summary");
    d.table(
        &[("", 0.7, Align::Left), ("", 0.3, Align::Right)],
        &[
            vec![
                "Service levels failed".into(),
                format!("{failed} of {}", levels.len()),
            ],
            vec![
                "Critical service level failures".into(),
                critical.to_string(),
            ],
            vec![
                "Service credits before cap".into(),
                cur(&credits["before_cap_minor"]),
            ],
            vec![
                format!("Cap ({cap_percent} % of the monthly charge)"),
                cur(&credits["cap_minor"]),
            ],
            vec![
                "Service credits after cap".into(),
                cur(&credits["total_minor"]),
            ],
            vec![
                "Recoverable costs".into(),
                cur(&j["recoverable_costs_minor"]),
            ],
        ],
        false,
    );
    d.total_row("Total claim", &cur(&j["total_claim_minor"]));

    // Service levels.
    d.heading("Service levels");
    let rows: Vec<Vec<String>> = levels
        .iter()
        .map(|l| {
            let mut name = text(&l["name"]);
            if let Some(s) = l["service"].as_str() {
                name.push_str(&format!(" ({s})"));
            }
            let measured = if l["assessed"].is_number() {
                format!("{} of {} met", l["met"], l["assessed"])
            } else if l["service_seconds"].is_number() {
                format!(
                    "{} down of {}",
                    hours(&l["downtime_seconds"]),
                    hours(&l["service_seconds"])
                )
            } else {
                format!("{} proactive, {} reactive", l["proactive"], l["reactive"])
            };
            let mut status = text(&l["status"]).replace('_', " ");
            if l["critical"] == true {
                status.push_str(" (critical)");
            }
            let credit = if l["credit_minor"].as_i64().unwrap_or(0) > 0 {
                format!("{} % = {}", l["credit_percent"], money(&l["credit_minor"]))
            } else {
                "-".into()
            };
            vec![
                format!("{name}\n{} · {}", text(&l["id"]), text(&l["kind"])),
                measured,
                format!("{} %", l["target_percent"]),
                percent(&l["attainment_percent"]),
                percent(&l["supplier_reported_percent"]),
                status,
                credit,
            ]
        })
        .collect();
    d.table(
        &[
            ("Service level", 0.27, Align::Left),
            ("Measured", 0.16, Align::Left),
            ("Target", 0.08, Align::Right),
            ("Attainment", 0.11, Align::Right),
            ("Supplier reported", 0.11, Align::Right),
            ("Status", 0.09, Align::Left),
            (&format!("Credit ({currency})"), 0.18, Align::Right),
        ],
        &rows,
        true,
    );

    // Breaches, per line.
    d.heading("Breaches");
    let mut any = false;
    for l in &levels {
        let Some(breaches) = l["breaches"].as_array().filter(|b| !b.is_empty()) else {
            continue;
        };
        any = true;
        d.subheading(&text(&l["name"]));
        let rows: Vec<Vec<String>> = breaches
            .iter()
            .map(|b| {
                vec![
                    text(&b["incident"]),
                    text(&b["priority"]),
                    instant(&b["opened_at"]),
                    instant(&b["deadline"]),
                    b["stopped_at"]
                        .as_str()
                        .map_or("still open".into(), |_| instant(&b["stopped_at"])),
                    hours(&b["elapsed_seconds"]),
                    hours(&b["target_seconds"]),
                    text(&b["title"]),
                ]
            })
            .collect();
        d.table(
            &[
                ("Incident", 0.12, Align::Left),
                ("Priority", 0.08, Align::Left),
                ("Opened (UTC)", 0.16, Align::Left),
                ("Deadline (UTC)", 0.16, Align::Left),
                ("Stopped (UTC)", 0.16, Align::Left),
                ("Elapsed", 0.08, Align::Right),
                ("Target", 0.08, Align::Right),
                ("Title", 0.16, Align::Left),
            ],
            &rows,
            true,
        );
    }
    if !any {
        d.wrapped("No incident missed its target this month.", 9.5, MUTED);
    }

    // Recoverable costs.
    d.heading("Recoverable costs");
    let costs = j["recoverable_costs"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if costs.is_empty() {
        d.wrapped("None recorded for this month.", 9.5, MUTED);
    } else {
        let rows: Vec<Vec<String>> = costs
            .iter()
            .map(|c| {
                vec![
                    text(&c["date"]),
                    text(&c["description"]),
                    text(&c["evidence"]),
                    text(&c["breach"]),
                    money(&c["amount_minor"]),
                ]
            })
            .collect();
        d.table(
            &[
                ("Date", 0.14, Align::Left),
                ("Description", 0.34, Align::Left),
                ("Evidence", 0.18, Align::Left),
                ("Breach", 0.17, Align::Left),
                (&format!("Amount ({currency})"), 0.17, Align::Right),
            ],
            &rows,
            true,
        );
    }

    // Commitments.
    d.heading("Commitments");
    let commitments = j["commitments"].as_array().cloned().unwrap_or_default();
    if commitments.is_empty() {
        d.wrapped("None due this month.", 9.5, MUTED);
    } else {
        let rows: Vec<Vec<String>> = commitments
            .iter()
            .map(|c| {
                vec![
                    text(&c["id"]),
                    text(&c["name"]),
                    text(&c["due"]),
                    text(&c["status"]).replace('_', " "),
                ]
            })
            .collect();
        d.table(
            &[
                ("Id", 0.18, Align::Left),
                ("What is owed", 0.52, Align::Left),
                ("Due", 0.15, Align::Left),
                ("Status", 0.15, Align::Left),
            ],
            &rows,
            true,
        );
    }

    // Excused incidents.
    d.heading("Excused incidents");
    let excused = j["excused"].as_array().cloned().unwrap_or_default();
    if excused.is_empty() {
        d.wrapped("No incident was excused this month.", 9.5, MUTED);
    } else {
        let rows: Vec<Vec<String>> = excused
            .iter()
            .map(|e| vec![text(&e["incident"]), text(&e["reason"])])
            .collect();
        d.table(
            &[("Incident", 0.2, Align::Left), ("Reason", 0.8, Align::Left)],
            &rows,
            true,
        );
    }

    quality::sections(&mut d, &j);

    d.heading("Method");
    d.wrapped(
        &format!(
            "The customer measured these figures independently from the evidence it held \
             for the contract as at {} (UTC): incident and outage records and the supplier's \
             own reported figures. Each service level is measured over its service calendar; \
             attainment is shown to three decimals, but pass or fail is decided on the exact \
             value. Excused incidents are listed and not assessed. Service credits follow the \
             contract's credit tiers and are capped at {cap_percent} % of the monthly charge; \
             recoverable costs are added to give the total claim. Times are in UTC.",
            instant(&j["evaluated_at"]),
        ),
        9.5,
        INK,
    );

    let footer = format!(
        "{} · {} · {}",
        text(&j["supplier"]),
        text(&j["contract"]),
        text(&j["period"])
    );
    let pages = d.finish(&footer);
    let title = format!(
        "Service level report {} {}",
        text(&j["contract"]),
        text(&j["period"])
    );
    let mut warnings = Vec::new();
    Ok(PdfDocument::new(&title)
        .with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut warnings))
}

/// A JSON string's text, or empty for anything else (absent, null).
fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// An RFC 3339 UTC instant shown as `2026-10-07 13:02`.
fn instant(v: &Value) -> String {
    let s = v.as_str().unwrap_or_default();
    s.get(..16).map_or(s.to_string(), |t| t.replace('T', " "))
}

/// Seconds as `5h36m`, the same as the HTML report.
fn hours(v: &Value) -> String {
    let total = v.as_f64().unwrap_or(0.0).round() as i64;
    format!("{}h{:02}m", total / 3_600, (total % 3_600) / 60)
}

const REGULAR: BuiltinFont = BuiltinFont::Helvetica;
const BOLD: BuiltinFont = BuiltinFont::HelveticaBold;

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Right,
}

/// Pages of drawing operations with a cursor running down the page.
struct Layout {
    pages: Vec<Vec<Op>>,
    ops: Vec<Op>,
    /// The top of the next thing drawn, in points from the bottom.
    y: f32,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: Vec::new(),
            ops: Vec::new(),
            y: PAGE_H - MARGIN_TOP,
        }
    }

    /// Starts a new page when `height` no longer fits on this one.
    fn ensure(&mut self, height: f32) {
        if self.y - height < MARGIN_BOTTOM {
            self.pages.push(std::mem::take(&mut self.ops));
            self.y = PAGE_H - MARGIN_TOP;
        }
    }

    fn text_at(
        &mut self,
        x: f32,
        baseline: f32,
        s: &str,
        font: BuiltinFont,
        size: f32,
        col: (f32, f32, f32),
    ) {
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::Builtin(font),
                size: Pt(size),
            },
            Op::SetFillColor { col: rgb(col) },
            Op::SetTextCursor {
                pos: Point {
                    x: Pt(x),
                    y: Pt(baseline),
                },
            },
            Op::ShowText {
                items: vec![TextItem::Text(s.to_string())],
            },
            Op::EndTextSection,
        ]);
    }

    fn rule(&mut self, x0: f32, x1: f32, y: f32, thickness: f32, col: (f32, f32, f32)) {
        self.ops.extend([
            Op::SetOutlineColor { col: rgb(col) },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points: vec![
                        LinePoint {
                            p: Point {
                                x: Pt(x0),
                                y: Pt(y),
                            },
                            bezier: false,
                        },
                        LinePoint {
                            p: Point {
                                x: Pt(x1),
                                y: Pt(y),
                            },
                            bezier: false,
                        },
                    ],
                    is_closed: false,
                },
            },
        ]);
    }

    fn shade(&mut self, x: f32, y_bottom: f32, w: f32, h: f32) {
        self.ops.extend([
            Op::SetFillColor { col: rgb(SHADE) },
            Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(x),
                    y: Pt(y_bottom),
                    width: Pt(w),
                    height: Pt(h),
                    mode: Some(PaintMode::Fill),
                    winding_order: Some(WindingOrder::NonZero),
                },
            },
        ]);
    }

    /// One line of text taking `advance` points of height.
    fn line(&mut self, s: &str, font: BuiltinFont, size: f32, col: (f32, f32, f32), advance: f32) {
        self.ensure(advance);
        self.text_at(MARGIN_X, self.y - size, s, font, size, col);
        self.y -= advance;
    }

    /// A paragraph wrapped to the content width.
    fn wrapped(&mut self, s: &str, size: f32, col: (f32, f32, f32)) {
        for l in wrap(s, REGULAR, size, CONTENT_W) {
            self.line(&l, REGULAR, size, col, size * 1.4);
        }
        self.y -= 4.0;
    }

    /// A section heading with a rule under it, kept with what follows.
    fn heading(&mut self, s: &str) {
        self.ensure(80.0);
        self.y -= 10.0;
        self.text_at(MARGIN_X, self.y - 13.0, s, BOLD, 13.0, ACCENT);
        self.y -= 18.0;
        self.rule(MARGIN_X, MARGIN_X + CONTENT_W, self.y, 1.2, ACCENT);
        self.y -= 8.0;
    }

    fn subheading(&mut self, s: &str) {
        self.ensure(60.0);
        self.line(s, BOLD, 10.5, INK, 16.0);
    }

    /// A table: columns as (title, share of the width, alignment); cells wrap
    /// (`\n` forces a break) and a row never splits across pages. A header row
    /// is drawn (and repeated on a new page) when `with_header`.
    fn table(&mut self, cols: &[(&str, f32, Align)], rows: &[Vec<String>], with_header: bool) {
        const SIZE: f32 = 8.5;
        const PAD: f32 = 3.5;
        let widths: Vec<f32> = cols.iter().map(|c| c.1 * CONTENT_W).collect();
        let header: Vec<String> = cols.iter().map(|c| c.0.to_string()).collect();
        let draw_header = |d: &mut Layout| {
            if with_header {
                d.row(&header, cols, &widths, SIZE, PAD, BOLD, true);
            }
        };
        draw_header(self);
        for row in rows {
            let height = row_height(row, &widths, SIZE, PAD, REGULAR);
            if self.y - height < MARGIN_BOTTOM {
                self.ensure(height + 1000.0);
                draw_header(self);
            }
            self.row(row, cols, &widths, SIZE, PAD, REGULAR, false);
        }
        self.y -= 6.0;
    }

    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        cells: &[String],
        cols: &[(&str, f32, Align)],
        widths: &[f32],
        size: f32,
        pad: f32,
        font: BuiltinFont,
        shaded: bool,
    ) {
        let height = row_height(cells, widths, size, pad, font);
        self.ensure(height);
        if shaded {
            self.shade(MARGIN_X, self.y - height, CONTENT_W, height);
        }
        let mut x = MARGIN_X;
        for ((cell, col), w) in cells.iter().zip(cols).zip(widths) {
            let mut baseline = self.y - pad - size;
            for l in wrap(cell, font, size, w - 2.0 * pad) {
                let lx = match col.2 {
                    Align::Left => x + pad,
                    Align::Right => x + w - pad - text_width(&l, font, size),
                };
                self.text_at(lx, baseline, &l, font, size, INK);
                baseline -= size * 1.25;
            }
            x += w;
        }
        self.y -= height;
        self.rule(MARGIN_X, MARGIN_X + CONTENT_W, self.y, 0.5, RULE);
    }

    /// The bold total line under the summary.
    fn total_row(&mut self, label: &str, value: &str) {
        self.ensure(22.0);
        self.y -= 2.0;
        self.rule(MARGIN_X, MARGIN_X + CONTENT_W, self.y, 1.2, INK);
        let baseline = self.y - 15.0;
        self.text_at(MARGIN_X + 3.5, baseline, label, BOLD, 11.0, INK);
        let x = MARGIN_X + CONTENT_W - 3.5 - text_width(value, BOLD, 11.0);
        self.text_at(x, baseline, value, BOLD, 11.0, INK);
        self.y -= 26.0;
    }

    /// The pages, each with a footer naming the report and "Page n of m".
    fn finish(mut self, footer: &str) -> Vec<PdfPage> {
        if !self.ops.is_empty() {
            self.pages.push(std::mem::take(&mut self.ops));
        }
        let count = self.pages.len();
        let pages = std::mem::take(&mut self.pages);
        pages
            .into_iter()
            .enumerate()
            .map(|(i, ops)| {
                self.ops = ops;
                let y = MARGIN_BOTTOM - 28.0;
                self.rule(MARGIN_X, MARGIN_X + CONTENT_W, y + 12.0, 0.5, RULE);
                self.text_at(MARGIN_X, y, footer, REGULAR, 8.0, MUTED);
                let n = format!("Page {} of {count}", i + 1);
                let x = MARGIN_X + CONTENT_W - text_width(&n, REGULAR, 8.0);
                self.text_at(x, y, &n, REGULAR, 8.0, MUTED);
                PdfPage::new(
                    printpdf::Mm::from(Pt(PAGE_W)),
                    printpdf::Mm::from(Pt(PAGE_H)),
                    std::mem::take(&mut self.ops),
                )
            })
            .collect()
    }
}

fn rgb((r, g, b): (f32, f32, f32)) -> Color {
    Color::Rgb(Rgb::new(r, g, b, None))
}

fn row_height(cells: &[String], widths: &[f32], size: f32, pad: f32, font: BuiltinFont) -> f32 {
    let lines = cells
        .iter()
        .zip(widths)
        .map(|(c, w)| wrap(c, font, size, w - 2.0 * pad).len())
        .max()
        .unwrap_or(1)
        .max(1);
    2.0 * pad + size + (lines as f32 - 1.0) * size * 1.25 + 2.0
}

/// Splits text into lines no wider than `width`: at spaces where possible,
/// inside a word when one word alone is too wide; `\n` always breaks.
fn wrap(s: &str, font: BuiltinFont, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in s.split('\n') {
        let mut current = String::new();
        for word in para.split(' ') {
            let candidate = if current.is_empty() {
                word.to_string()
            } else {
                format!("{current} {word}")
            };
            if text_width(&candidate, font, size) <= width {
                current = candidate;
                continue;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            for c in word.chars() {
                current.push(c);
                if text_width(&current, font, size) > width && current.chars().count() > 1 {
                    current.pop();
                    lines.push(std::mem::take(&mut current));
                    current.push(c);
                }
            }
        }
        lines.push(current);
    }
    lines
}

/// The width of text in points, from Helvetica's standard metrics (bold is a
/// little wider; close enough for right alignment and wrapping).
fn text_width(s: &str, font: BuiltinFont, size: f32) -> f32 {
    let units: u32 = s.chars().map(helvetica_width).sum();
    let bold = if font == BOLD { 1.06 } else { 1.0 };
    units as f32 * bold * size / 1000.0
}

/// Helvetica advance widths (thousandths of an em) from the standard AFM.
fn helvetica_width(c: char) -> u32 {
    match c {
        ' ' | ',' | '.' | '/' | ':' | ';' | '!' | 'f' | 't' | '[' | ']' | 'I' | '\'' => 278,
        'i' | 'j' | 'l' | '|' => 222,
        '(' | ')' | '-' | 'r' | '`' => 333,
        '0'..='9' | 'a' | 'b' | 'd' | 'e' | 'g' | 'h' | 'n' | 'o' | 'p' | 'q' | 'u' | '_' => 556,
        'c' | 'k' | 's' | 'v' | 'x' | 'y' | 'z' | 'J' => 500,
        'm' | 'M' => 833,
        'w' | 'C' | 'D' | 'H' | 'N' | 'R' | 'U' => 722,
        'G' | 'O' | 'Q' => 778,
        'F' | 'T' | 'Z' => 611,
        'L' => 556,
        'W' => 944,
        '%' => 889,
        '@' => 1015,
        '=' | '+' | '<' | '>' => 584,
        '"' => 355,
        '&' => 667,
        'A'..='Z' => 667,
        _ => 600,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_inside_long_words() {
        let lines = wrap("alpha beta gamma", REGULAR, 10.0, 60.0);
        assert_eq!(lines, ["alpha beta", "gamma"]);
        let lines = wrap("INC0012345INC0012345", REGULAR, 10.0, 60.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| text_width(l, REGULAR, 10.0) <= 60.0));
        assert_eq!(wrap("a\nb", REGULAR, 10.0, 100.0), ["a", "b"]);
    }
}
