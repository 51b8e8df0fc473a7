//! The service levels of the month and, for each incident level, its
//! breaches with how late each was.

use super::format::{self, Style, duration, percent};
use super::{Block, Cell, Section, Table, Tone};
use crate::report::MonthReport;
use crate::report::json::findings::BreachJson;
use crate::report::json::{LevelJson, ReportJson};

/// One row per service level (per service for availability).
pub fn service_levels(json: &ReportJson<'_>, style: &Style) -> Section {
    let mut s = Section::new("service_levels", "Service levels", "Service levels");
    let mut table = Table::new(&[
        ("Service level", false, 1.6),
        ("Measured", false, 1.5),
        ("Target", true, 0.7),
        ("Attainment", true, 0.9),
        ("Supplier reported", true, 0.9),
        ("Status", false, 1.1),
        ("Credit", true, 1.0),
    ]);
    for l in &json.service_levels {
        table.row(vec![
            Cell::text(line_name(l)),
            Cell::text(measured(l)),
            Cell::text(percent(l.target_percent)),
            Cell::attainment(l.attainment_percent),
            Cell::text(
                l.supplier_reported_percent
                    .map_or("—".to_string(), format::attainment),
            ),
            status(l),
            Cell::money(style, l.credit_minor).tone(if l.credit_minor > 0 {
                Tone::Bad
            } else {
                Tone::Plain
            }),
        ]);
    }
    s.push(Block::Table(table));
    s
}

/// `P1 resolution (email)`.
pub fn line_name(l: &LevelJson<'_>) -> String {
    match l.service {
        Some(service) => format!("{} ({service})", l.name),
        None => l.name.to_string(),
    }
}

fn measured(l: &LevelJson<'_>) -> String {
    match (
        l.assessed,
        l.met,
        l.service_seconds,
        l.proactive,
        l.reactive,
    ) {
        (Some(assessed), Some(met), ..) => format!("{met} of {assessed} met"),
        (_, _, Some(service), ..) => format!(
            "{} down of {} service hours",
            duration(l.downtime_seconds.map_or(0.0, |d| d.as_f64())),
            duration(service as f64)
        ),
        (.., Some(proactive), Some(reactive)) => {
            format!("{proactive} proactive, {reactive} reactive")
        }
        _ => "—".to_string(),
    }
}

fn status(l: &LevelJson<'_>) -> Cell {
    let mut text = l.status.replace('_', " ");
    if let Some(standing) = l.standing {
        text = format!("{text} (so far: {})", standing.replace('_', " "));
    }
    if l.critical {
        text.push_str(" · critical");
    }
    if let Some(x) = &l.excused {
        text.push_str(&format!(" · excused: {} ({})", x.reason, x.by));
    }
    if let Some(d) = &l.dispute {
        text.push_str(&format!(" · dispute {}", d.status));
    }
    let tone = match l.status {
        "failed" | "failing" => Tone::Bad,
        "met" => Tone::Good,
        _ => Tone::Plain,
    };
    Cell::text(text).tone(tone)
}

/// Each incident level's breaches, with the deadline, the stop and how
/// late it was in wall-clock time, all in the contract's timezone.
pub fn breaches(r: &MonthReport<'_>, json: &ReportJson<'_>, style: &Style) -> Section {
    let mut s = Section::new("breaches", "Breaches", "Breaches");
    let mut any = false;
    let mut out_of_hours = false;
    for l in &json.service_levels {
        let Some(breaches) = &l.breaches else {
            continue;
        };
        if breaches.is_empty() {
            continue;
        }
        any = true;
        s.push(Block::Heading(format!(
            "{}: {} breach{} (target {} each)",
            line_name(l),
            breaches.len(),
            if breaches.len() == 1 { "" } else { "es" },
            l.target_seconds
                .map_or("—".to_string(), |t| duration(t as f64))
        )));
        // Widths in points of the PDF's 499: an instant with its offset
        // needs 120 to stay on one line.
        let mut table = Table::new(&[
            ("Incident", false, 62.0),
            ("Priority", false, 34.0),
            ("Deadline", false, 120.0),
            ("Stopped", false, 120.0),
            ("Elapsed (business)", true, 54.0),
            ("Late by", true, 54.0),
            ("Title", false, 70.0),
        ]);
        for b in breaches {
            out_of_hours |= b.elapsed_seconds == b.target_seconds && b.stopped_at.is_some();
            table.row(breach_row(b, r.evaluation.evaluated_at, style));
        }
        s.push(Block::Table(table));
    }
    if !any {
        s.push(Block::Note(
            "No incident missed its target this month.".to_string(),
        ));
    }
    if out_of_hours {
        s.push(Block::Note(
            "Where the elapsed business time equals the target, the incident was resolved outside \
             service hours after its deadline had passed: business time stopped counting when \
             service hours closed, but the deadline had already been missed, so it is a breach \
             (the rule ServiceNow's SLA engine applies too). \"Late by\" is the wall-clock time \
             from the deadline to the stop."
                .to_string(),
        ));
    }
    s
}

fn breach_row(
    b: &BreachJson<'_>,
    evaluated_at: crate::domain::Instant,
    style: &Style,
) -> Vec<Cell> {
    let late = b.stopped_at.unwrap_or(evaluated_at) - b.deadline;
    let incident = match &b.dispute {
        Some(d) => format!("{} (dispute {})", b.incident, d.status),
        None => b.incident.to_string(),
    };
    vec![
        Cell::text(incident),
        Cell::text(b.priority),
        Cell::text(style.instant(b.deadline)),
        Cell::text(match b.stopped_at {
            Some(t) => style.instant(t),
            None => "still open".to_string(),
        }),
        Cell::text(duration(b.elapsed_seconds as f64)),
        Cell::text(match b.stopped_at {
            Some(_) => duration(late.num_seconds() as f64),
            None => format!("{} so far", duration(late.num_seconds() as f64)),
        })
        .tone(Tone::Bad),
        Cell::text(b.title.unwrap_or("")),
    ]
}

/// The trend charts of the last twelve months.
pub fn trends(r: &MonthReport<'_>) -> Section {
    let mut s = Section::new("trends", "Trends", "Trends");
    s.push(Block::Note(
        "Attainment each month over the last twelve, against the target (dashed). Red points \
         failed; gaps are months with no evidence."
            .to_string(),
    ));
    s.push(Block::Charts(
        r.trends
            .series
            .iter()
            .map(crate::report::chart::chart)
            .collect(),
    ));
    s
}
