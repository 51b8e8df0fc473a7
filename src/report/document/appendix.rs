//! The appendices of evidence: every incident each level counted (so the
//! supplier can check "128 of 156 met" row by row), every outage with the
//! service hours it covered, and every hold on the incidents counted.

use super::format::{Style, duration};
use super::{Block, Cell, Section, Table, Tone};
use crate::domain::Impact;
use crate::engine::appendix::Appendix;
use crate::engine::incidents::Verdict;
use crate::report::MonthReport;
use crate::report::json::appendix::end_mark;
use crate::store::sightings::InferredEnd;

/// The appendices, when the report was assembled with its evidence.
pub fn sections(r: &MonthReport<'_>, style: &Style) -> Vec<Section> {
    let Some(a) = &r.appendix else {
        return Vec::new();
    };
    vec![
        incidents(a, style),
        outages(a, &r.inferred_ends, style),
        holds(a, style),
    ]
}

fn incidents(a: &Appendix, style: &Style) -> Section {
    let mut s = Section::new(
        "appendix_incidents",
        "Appendix B: incidents counted",
        "Incidents counted",
    );
    s.appendix = true;
    s.push(Block::Note(
        "Every incident each service level assessed this month; the number of rows is the level's \
         \"assessed\". Excused incidents are not assessed and are not listed here."
            .to_string(),
    ));
    for level in &a.incidents {
        s.push(Block::Heading(format!(
            "{} ({}): {} assessed",
            level.name,
            level.level,
            level.rows.len()
        )));
        if level.rows.is_empty() {
            continue;
        }
        let mut table = Table::new(&[
            ("Incident", false, 66.0),
            ("Priority", false, 40.0),
            ("Opened", false, 122.0),
            ("Stopped", false, 122.0),
            ("Elapsed (business)", true, 64.0),
            ("Verdict", false, 85.0),
        ]);
        for row in &level.rows {
            table.row(vec![
                Cell::text(&row.incident),
                Cell::text(row.priority.as_str()),
                Cell::text(style.instant(row.opened_at)),
                Cell::text(
                    row.stopped_at
                        .map_or("still open".to_string(), |t| style.instant(t)),
                ),
                Cell::text(duration(row.elapsed_seconds as f64)),
                Cell::text(row.verdict.as_str()).tone(match row.verdict {
                    Verdict::Breached => Tone::Bad,
                    _ => Tone::Plain,
                }),
            ]);
        }
        s.push(Block::Table(table));
    }
    s
}

fn outages(a: &Appendix, inferred: &[InferredEnd], style: &Style) -> Section {
    let mut s = Section::new(
        "appendix_outages",
        "Appendix C: outages counted",
        "Outages counted",
    );
    s.appendix = true;
    if a.outages.is_empty() {
        s.push(Block::Note(
            "No unplanned outage counted this month.".to_string(),
        ));
        return s;
    }
    s.push(Block::Note(
        "Every unplanned outage counted for an availability line, with the service hours of the \
         month it covered (after any excused part). A partial outage counts at the line's weight, \
         and where outages overlap the time counts once, so a line's downtime can be less than the \
         sum of its rows."
            .to_string(),
    ));
    let mut table = Table::new(&[
        ("Line", false, 80.0),
        ("Outage", false, 60.0),
        ("Start", false, 122.0),
        ("End", false, 122.0),
        ("Impact", false, 45.0),
        ("Service hours covered", true, 70.0),
    ]);
    for o in &a.outages {
        table.row(vec![
            Cell::text(format!("{} ({})", o.level, o.service)),
            Cell::text(match o.partly_excused {
                true => format!("{} (partly excused)", o.outage),
                false => o.outage.clone(),
            }),
            Cell::text(style.instant(o.start)),
            Cell::text(match o.end {
                None => "ongoing".to_string(),
                Some(t) if end_mark(&o.outage, inferred) == "inferred" => {
                    format!("{} (inferred)", style.instant(t))
                }
                Some(t) => style.instant(t),
            }),
            Cell::text(match o.impact {
                Impact::Full => "full",
                Impact::Partial => "partial",
            }),
            Cell::text(duration(o.service_seconds as f64)),
        ]);
    }
    s.push(Block::Table(table));
    s
}

fn holds(a: &Appendix, style: &Style) -> Section {
    let mut s = Section::new("appendix_holds", "Appendix D: holds", "Holds");
    s.appendix = true;
    if a.holds.is_empty() {
        s.push(Block::Note(
            "No incident counted by a resolution level was put on hold.".to_string(),
        ));
        return s;
    }
    s.push(Block::Note(
        "Every hold on the incidents counted by a resolution level. Only a hold while the supplier \
         was waiting on the customer pauses the resolution clock."
            .to_string(),
    ));
    let mut table = Table::new(&[
        ("Incident", false, 70.0),
        ("From", false, 122.0),
        ("To", false, 122.0),
        ("Reason", false, 110.0),
        ("Pauses the clock", false, 75.0),
    ]);
    for h in &a.holds {
        table.row(vec![
            Cell::text(&h.incident),
            Cell::text(style.instant(h.start)),
            Cell::text(h.end.map_or("no end".to_string(), |t| style.instant(t))),
            Cell::text(&h.reason),
            Cell::text(if h.pauses_clock { "yes" } else { "no" }),
        ]);
    }
    s.push(Block::Table(table));
    s
}
