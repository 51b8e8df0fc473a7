//! A notice letter for one escalation trigger as an A4 PDF, drawn with the
//! report's layout from the same [`Notice`] as the HTML letter.

use printpdf::{PdfDocument, PdfSaveOptions};

use super::layout::{Align, BOLD, INK, Layout, MUTED};
use crate::report::notice::Notice;

/// Renders the notice as PDF bytes.
pub fn render(n: &Notice) -> Vec<u8> {
    let mut d = Layout::new();
    d.wrapped(
        &format!(
            "To: {}  ·  Contract: {}  ·  Date: {}",
            n.supplier, n.contract, n.notice_date
        ),
        9.5,
        MUTED,
    );
    d.line(
        &format!("Notice of {}", n.consequence),
        BOLD,
        18.0,
        INK,
        24.0,
    );
    d.wrapped(
        &format!(
            "The service levels of {} trigger escalation rule {} of the contract, which says:",
            n.period, n.rule
        ),
        10.0,
        INK,
    );
    d.wrapped(&format!("\u{201c}{}\u{201d}", n.clause), 10.0, INK);
    d.heading("Evidence");
    if let Some(points) = &n.points {
        d.wrapped(
            &format!("Service points in {}: {points}.", n.period),
            10.0,
            INK,
        );
    }
    if !n.counted.is_empty() {
        d.wrapped(
            &format!("Escalations counted: {}.", n.counted.join(", ")),
            10.0,
            INK,
        );
    }
    let rows: Vec<Vec<String>> = n
        .evidence
        .iter()
        .map(|r| {
            vec![
                r.period.clone(),
                r.line.clone(),
                r.attainment.clone(),
                r.target.clone(),
                r.critical.clone(),
            ]
        })
        .collect();
    d.table(
        &[
            ("Month", 0.14, Align::Left),
            ("Service level", 0.4, Align::Left),
            ("Attainment", 0.16, Align::Right),
            ("Target", 0.14, Align::Right),
            ("", 0.16, Align::Left),
        ],
        &rows,
        true,
    );
    d.heading("Consequence");
    d.wrapped(
        &format!(
            "Under this clause the customer gives notice of {}.",
            n.consequence
        ),
        10.0,
        INK,
    );
    if let Some(by) = &n.respond_by {
        d.line(
            &format!(
                "You must respond by {by} ({} from the date of this notice).",
                n.respond_within.as_deref().unwrap_or_default()
            ),
            BOLD,
            10.5,
            INK,
            16.0,
        );
    }
    let footer = format!(
        "{} · {} · {} · {}",
        n.supplier, n.contract, n.period, n.rule
    );
    let pages = d.finish(&footer, None);
    let title = format!("Notice {} {} {}", n.contract, n.period, n.rule);
    let mut warnings = Vec::new();
    PdfDocument::new(&title)
        .with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut warnings)
}
