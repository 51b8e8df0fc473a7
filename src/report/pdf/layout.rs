//! The PDF's small layout engine: a cursor running down A4 pages, text
//! wrapped in table cells from Helvetica's metrics, headings kept with what
//! follows, page breaks that never split a row, a footer on every page, and
//! trend charts drawn as vectors from [`crate::report::chart`]'s geometry.

use printpdf::{
    BuiltinFont, Color, Line, LineDashPattern, LinePoint, Op, PaintMode, PdfFontHandle, PdfPage,
    Point, Polygon, PolygonRing, Pt, Rect, Rgb, TextItem, TextMatrix, WindingOrder,
};

use crate::report::chart::Chart;

/// A4 in points.
pub(super) const PAGE_W: f32 = 595.28;
pub(super) const PAGE_H: f32 = 841.89;
pub(super) const MARGIN_X: f32 = 48.0;
pub(super) const MARGIN_TOP: f32 = 56.0;
pub(super) const MARGIN_BOTTOM: f32 = 60.0;
pub(super) const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

pub(super) const INK: (f32, f32, f32) = (0.114, 0.153, 0.2);
pub(super) const MUTED: (f32, f32, f32) = (0.29, 0.345, 0.4);
const ACCENT: (f32, f32, f32) = (0.114, 0.31, 0.569);
const RULE: (f32, f32, f32) = (0.79, 0.82, 0.855);
const SHADE: (f32, f32, f32) = (0.933, 0.949, 0.969);
const ALERT: (f32, f32, f32) = (0.643, 0.086, 0.102);
const GRID: (f32, f32, f32) = (0.89, 0.91, 0.933);
const WATERMARK: (f32, f32, f32) = (0.97, 0.85, 0.85);

pub(super) const REGULAR: BuiltinFont = BuiltinFont::Helvetica;
pub(super) const BOLD: BuiltinFont = BuiltinFont::HelveticaBold;

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Align {
    Left,
    Right,
}

/// Pages of drawing operations with a cursor running down the page.
pub(super) struct Layout {
    pages: Vec<Vec<Op>>,
    ops: Vec<Op>,
    /// The top of the next thing drawn, in points from the bottom.
    y: f32,
}

impl Layout {
    pub(super) fn new() -> Layout {
        Layout {
            pages: Vec::new(),
            ops: Vec::new(),
            y: PAGE_H - MARGIN_TOP,
        }
    }

    /// Starts a new page unless this one is still empty.
    pub(super) fn new_page(&mut self) {
        if !self.ops.is_empty() {
            self.pages.push(std::mem::take(&mut self.ops));
            self.y = PAGE_H - MARGIN_TOP;
        }
    }

    /// Starts a new page when `height` no longer fits on this one.
    pub(super) fn ensure(&mut self, height: f32) {
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
                items: vec![TextItem::Text(win_ansi(s))],
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
    pub(super) fn line(
        &mut self,
        s: &str,
        font: BuiltinFont,
        size: f32,
        col: (f32, f32, f32),
        advance: f32,
    ) {
        self.ensure(advance);
        self.text_at(MARGIN_X, self.y - size, s, font, size, col);
        self.y -= advance;
    }

    /// A paragraph wrapped to the content width.
    pub(super) fn wrapped(&mut self, s: &str, size: f32, col: (f32, f32, f32)) {
        for l in wrap(s, REGULAR, size, CONTENT_W) {
            self.line(&l, REGULAR, size, col, size * 1.4);
        }
        self.y -= 4.0;
    }

    /// A section heading with a rule under it, kept with what follows.
    pub(super) fn heading(&mut self, s: &str) {
        self.ensure(80.0);
        self.y -= 10.0;
        self.text_at(MARGIN_X, self.y - 13.0, s, BOLD, 13.0, ACCENT);
        self.y -= 18.0;
        self.rule(MARGIN_X, MARGIN_X + CONTENT_W, self.y, 1.2, ACCENT);
        self.y -= 8.0;
    }

    pub(super) fn subheading(&mut self, s: &str) {
        self.ensure(60.0);
        self.line(s, BOLD, 10.5, INK, 16.0);
    }

    /// A table: columns as (title, share of the width, alignment); cells wrap
    /// (`\n` forces a break) and a row never splits across pages. A header row
    /// is drawn (and repeated on a new page) when `with_header`.
    pub(super) fn table(
        &mut self,
        cols: &[(&str, f32, Align)],
        rows: &[Vec<String>],
        with_header: bool,
    ) {
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
    pub(super) fn total_row(&mut self, label: &str, value: &str) {
        self.ensure(22.0);
        self.y -= 2.0;
        self.rule(MARGIN_X, MARGIN_X + CONTENT_W, self.y, 1.2, INK);
        let baseline = self.y - 15.0;
        self.text_at(MARGIN_X + 3.5, baseline, label, BOLD, 11.0, INK);
        let x = MARGIN_X + CONTENT_W - 3.5 - text_width(value, BOLD, 11.0);
        self.text_at(x, baseline, value, BOLD, 11.0, INK);
        self.y -= 26.0;
    }

    /// Trend charts, two side by side, a pair never split across pages.
    pub(super) fn charts(&mut self, charts: &[Chart]) {
        const GAP: f32 = 14.0;
        let w = (CONTENT_W - GAP) / 2.0;
        for pair in charts.chunks(2) {
            let Some(first) = pair.first() else { continue };
            let scale = w / first.width;
            let h = first.height * scale;
            self.ensure(h + 6.0);
            let top = self.y;
            for (i, c) in pair.iter().enumerate() {
                self.chart(c, MARGIN_X + i as f32 * (w + GAP), top, scale);
            }
            self.y -= h + 6.0;
        }
    }

    /// One chart with its top-left corner at (`x0`, `top`), chart units
    /// scaled by `s`; text keeps a legible size whatever the scale.
    fn chart(&mut self, c: &Chart, x0: f32, top: f32, s: f32) {
        let at = |x: f32, y: f32| (x0 + x * s, top - y * s);
        let [left, _, right, bottom] = c.plot;
        let (tx, ty) = at(4.0, 14.0);
        self.text_at(tx, ty, &c.title, BOLD, 7.5, INK);
        for tick in &c.y_ticks {
            self.polyline(&[at(left, tick.y), at(right, tick.y)], 0.5, GRID, false);
            let (x, y) = at(left - 4.0, tick.y + 3.0);
            let x = x - text_width(&tick.label, REGULAR, 6.0);
            self.text_at(x, y, &tick.label, REGULAR, 6.0, MUTED);
        }
        self.polyline(&[at(left, bottom), at(right, bottom)], 0.6, RULE, false);
        self.polyline(
            &[at(left, c.target_y), at(right, c.target_y)],
            0.9,
            ALERT,
            true,
        );
        let (x, y) = at(right, c.target_y - 3.0);
        let x = x - text_width(&c.target_label, REGULAR, 6.0);
        self.text_at(x, y, &c.target_label, REGULAR, 6.0, ALERT);
        for run in &c.segments {
            let points: Vec<(f32, f32)> = run.iter().map(|&(x, y)| at(x, y)).collect();
            self.polyline(&points, 1.3, ACCENT, false);
        }
        for d in &c.dots {
            let (x, y) = at(d.x, d.y);
            self.dot(x, y, 1.9, if d.failed { ALERT } else { ACCENT });
        }
        for m in &c.x_labels {
            let (x, y) = at(m.x, bottom + 11.0);
            self.text_at(
                x - text_width(&m.month, REGULAR, 6.0) / 2.0,
                y,
                &m.month,
                REGULAR,
                6.0,
                MUTED,
            );
            if let Some(year) = &m.year {
                let (x, y) = at(m.x, bottom + 21.0);
                self.text_at(
                    x - text_width(year, REGULAR, 6.0) / 2.0,
                    y,
                    year,
                    REGULAR,
                    6.0,
                    MUTED,
                );
            }
        }
    }

    fn polyline(
        &mut self,
        points: &[(f32, f32)],
        thickness: f32,
        col: (f32, f32, f32),
        dashed: bool,
    ) {
        let dash = if dashed {
            LineDashPattern::new(0.0, &[4.0, 2.5])
        } else {
            LineDashPattern::solid()
        };
        self.ops.extend([
            Op::SetOutlineColor { col: rgb(col) },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::SetLineDashPattern { dash },
            Op::DrawLine {
                line: Line {
                    points: points.iter().map(|&(x, y)| point(x, y)).collect(),
                    is_closed: false,
                },
            },
            Op::SetLineDashPattern {
                dash: LineDashPattern::solid(),
            },
        ]);
    }

    /// A filled octagon: a round marker without curves.
    fn dot(&mut self, x: f32, y: f32, r: f32, col: (f32, f32, f32)) {
        let points = (0..8)
            .map(|i| {
                let a = std::f32::consts::FRAC_PI_4 * (i as f32 + 0.5);
                point(x + r * a.cos(), y + r * a.sin())
            })
            .collect();
        self.ops.extend([
            Op::SetFillColor { col: rgb(col) },
            Op::DrawPolygon {
                polygon: Polygon {
                    rings: vec![PolygonRing { points }],
                    mode: PaintMode::Fill,
                    winding_order: WindingOrder::NonZero,
                },
            },
        ]);
    }

    /// A large pale word across the page, under nothing and over nothing
    /// important: the mark of a document that is not an issued version.
    fn watermark(&mut self, word: &str) {
        const SIZE: f32 = 110.0;
        let width = text_width(word, BOLD, SIZE);
        // Rotated 35 degrees about the page's centre.
        let (sin, cos) = 35f32.to_radians().sin_cos();
        let x = PAGE_W / 2.0 - cos * width / 2.0 + sin * SIZE / 3.0;
        let y = PAGE_H / 2.0 - sin * width / 2.0 - cos * SIZE / 3.0;
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::Builtin(BOLD),
                size: Pt(SIZE),
            },
            Op::SetFillColor {
                col: rgb(WATERMARK),
            },
            Op::SetTextMatrix {
                matrix: TextMatrix::Raw([cos, sin, -sin, cos, x, y]),
            },
            Op::ShowText {
                items: vec![TextItem::Text(word.to_string())],
            },
            Op::EndTextSection,
        ]);
    }

    /// The pages, each with a footer naming the report and "Page n of m",
    /// and `watermark` across each when given.
    pub(super) fn finish(mut self, footer: &str, watermark: Option<&str>) -> Vec<PdfPage> {
        if !self.ops.is_empty() {
            self.pages.push(std::mem::take(&mut self.ops));
        }
        let count = self.pages.len();
        let pages = std::mem::take(&mut self.pages);
        pages
            .into_iter()
            .enumerate()
            .map(|(i, ops)| {
                self.ops = Vec::new();
                if let Some(word) = watermark {
                    self.watermark(word);
                }
                self.ops.extend(ops);
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

/// The text as Helvetica's encoding (Windows-1252) can show it: an arrow
/// or a minus sign outside it is written the way a typewriter would.
fn win_ansi(s: &str) -> String {
    s.replace('→', "->")
        .replace('−', "-")
        .replace('≥', ">=")
        .replace('≤', "<=")
}

fn point(x: f32, y: f32) -> LinePoint {
    LinePoint {
        p: Point { x: Pt(x), y: Pt(y) },
        bezier: false,
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
