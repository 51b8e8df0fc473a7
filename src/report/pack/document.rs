//! The pack laid out as sections of tables and paragraphs, the same model
//! the monthly claim document uses, so the HTML and PDF renderers draw it
//! unchanged.

use std::collections::BTreeMap;

use super::Assembled;
use super::data::{ContractPack, MonthLine, Pack};
use crate::domain::{ActionStatus, Period};
use crate::report::document::format::{Style, duration, month_name};
use crate::report::document::{Block, Cell, Document, Section, Table, Tone};

/// The document's title and the words of its months.
pub fn title(pack: &Pack) -> String {
    format!(
        "Audit committee pack: {}",
        months_words(&pack.from, &pack.to)
    )
}

/// `July–September 2026`, `November 2026–January 2027`, `October 2026`.
pub fn months_words(from: &str, to: &str) -> String {
    let (Ok(f), Ok(t)) = (from.parse::<Period>(), to.parse::<Period>()) else {
        return format!("{from} to {to}");
    };
    let name = |p: Period| month_name(p.month());
    match (f == t, f.year() == t.year()) {
        (true, _) => format!("{} {}", name(f), f.year()),
        (false, true) => format!("{}–{} {}", name(f), name(t), t.year()),
        (false, false) => format!("{} {}–{} {}", name(f), f.year(), name(t), t.year()),
    }
}

/// Lays the pack out; `styles` writes each contract's money and times, and
/// must hold every contract of the pack (an error names one it lacks).
pub fn build(a: &Assembled, styles: &BTreeMap<String, Style>) -> Result<Document, String> {
    let pack = &a.pack;
    let style: Vec<&Style> = pack
        .contracts
        .iter()
        .map(|c| {
            styles
                .get(&c.id)
                .ok_or_else(|| format!("contract '{}' is not in the configuration", c.id))
        })
        .collect::<Result<_, _>>()?;
    let (status, watermark, state) = match &pack.issue {
        Some(i) => ("ISSUED", None, format!("Issued version {}", i.version)),
        None => ("PROVISIONAL", Some("PROVISIONAL"), "Not issued".to_string()),
    };
    let sections = vec![
        summary(pack, &state),
        assurance_map(pack),
        changes(pack),
        service_levels(a),
        proactive(pack),
        outages(pack, &style),
        money(pack, &style),
        commitments(pack),
        disaster_recovery(pack),
        actions(pack),
    ];
    Ok(Document {
        title: title(pack),
        status,
        watermark,
        footer: format!(
            "Audit committee pack · {} · {state}",
            months_words(&pack.from, &pack.to)
        ),
        sections,
    })
}

/// A count held as `u64` (counts never reach `i64::MAX`).
fn count(n: u64) -> Cell {
    Cell::count(i64::try_from(n).unwrap_or(i64::MAX))
}

fn rating_cell(rating: Option<&str>) -> Cell {
    match rating {
        Some(r) => Cell::text(r).tone(match r {
            "red" => Tone::Bad,
            "green" => Tone::Good,
            _ => Tone::Plain,
        }),
        None => Cell::text("not rated"),
    }
}

fn summary(pack: &Pack, state: &str) -> Section {
    let mut s = Section::new("summary", "About this pack", "Summary");
    s.fields(vec![
        (
            "Months".into(),
            Cell::text(months_words(&pack.from, &pack.to)),
        ),
        (
            "Contracts".into(),
            Cell::text(
                pack.contracts
                    .iter()
                    .map(|c| format!("{} ({})", c.name, c.supplier))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        ),
        ("Figures as at".into(), Cell::text(&pack.prepared_at)),
        ("Status".into(), Cell::text(state)),
    ]);
    s.push(Block::Note(
        "Every month's figures are those of that month's report, with the evidence as it \
         stood when this pack was prepared. A month is rated red for a critical service-level \
         failure, a DR risk of high or severe, or an action or commitment more than 30 days \
         overdue; amber for any other failure, anything overdue or a supplier figure the \
         evidence contradicts; green otherwise. The trend compares the last three months' \
         ratings with the three before."
            .into(),
    ));
    s
}

fn assurance_map(pack: &Pack) -> Section {
    let mut s = Section::new("assurance_map", "Assurance map", "Assurance");
    let mut cols: Vec<(&str, bool, f32)> = vec![("Contract", false, 3.0)];
    let labels: Vec<String> = pack.months.clone();
    for m in &labels {
        cols.push((m.as_str(), false, 1.2));
    }
    cols.push(("Trend", false, 1.6));
    let mut t = Table::new(&cols);
    let mut why = Table::new(&[
        ("Contract", false, 2.0),
        ("Month", false, 1.0),
        ("Rating", false, 1.0),
        ("Why", false, 6.0),
    ]);
    for c in &pack.contracts {
        let mut row = vec![Cell::text(&c.name)];
        row.extend(c.months.iter().map(|m| rating_cell(m.rating.as_deref())));
        let trend = c
            .months
            .last()
            .and_then(|m| m.trend.clone())
            .map_or_else(|| "no trend yet".to_string(), |t| trend_words(&t));
        row.push(Cell::text(trend));
        t.row(row);
        for m in c.months.iter().filter(|m| !m.reasons.is_empty()) {
            why.row(vec![
                Cell::text(&c.name),
                Cell::text(&m.period),
                rating_cell(m.rating.as_deref()),
                Cell::text(m.reasons.join("\n")),
            ]);
        }
    }
    s.push(Block::Table(t));
    if !why.rows.is_empty() {
        s.push(Block::Heading("Why each amber or red month".into()));
        s.push(Block::Table(why));
    }
    s
}

/// `trending to green` reads as the committee says it.
fn trend_words(trend: &str) -> String {
    match trend {
        "improving" => "improving (towards green)".into(),
        "worsening" => "worsening (away from green)".into(),
        other => other.to_string(),
    }
}

fn changes(pack: &Pack) -> Section {
    let mut s = Section::new("changes", "What changed since the last pack", "Changes");
    match &pack.changes {
        None => s.push(Block::Text(
            "This is the first pack issued: there is no earlier pack to compare with.".into(),
        )),
        Some(c) => {
            s.push(Block::Note(format!(
                "Compared with the pack for {} (version {}).",
                months_words(&c.since_from, &c.since_to),
                c.since_version
            )));
            for line in &c.lines {
                s.push(Block::Text(line.clone()));
            }
        }
    }
    s
}

fn service_levels(a: &Assembled) -> Section {
    let pack = &a.pack;
    let mut s = Section::new(
        "service_levels",
        "Service levels over the period",
        "Service levels",
    );
    for c in &pack.contracts {
        s.push(Block::Heading(format!("{} ({})", c.name, c.supplier)));
        let mut cols: Vec<(&str, bool, f32)> =
            vec![("Service level", false, 3.0), ("Target", true, 1.0)];
        for m in &pack.months {
            cols.push((m.as_str(), true, 1.2));
        }
        let mut t = Table::new(&cols);
        for l in &c.levels {
            let name = match &l.service {
                Some(service) => format!("{} ({service})", l.name),
                None => l.name.clone(),
            };
            let mut row = vec![
                Cell::text(if l.critical {
                    format!("{name} · critical")
                } else {
                    name
                }),
                Cell::text(format!(
                    "{} %",
                    crate::report::document::format::figure(l.target_percent)
                )),
            ];
            for m in &l.months {
                row.push(match m {
                    None => Cell::text("—"),
                    Some(m) => {
                        let cell = Cell::attainment(m.attainment_percent);
                        match m.status.as_str() {
                            "failed" => cell.tone(Tone::Bad),
                            "met" => cell.tone(Tone::Good),
                            _ => cell,
                        }
                    }
                });
            }
            t.row(row);
        }
        let mut failed = vec![Cell::text("Failed (critical)"), Cell::text("")];
        failed.extend(c.months.iter().map(|m| {
            Cell::text(format!(
                "{} of {} ({})",
                m.levels_failed, m.levels_total, m.critical_failures
            ))
        }));
        t.row(failed);
        s.push(Block::Table(t));
        if let Some(charts) = a.charts.get(&c.id).filter(|c| !c.is_empty()) {
            s.push(Block::Charts(charts.clone()));
        }
    }
    s
}

fn proactive(pack: &Pack) -> Section {
    let mut s = Section::new("proactive", "Proactive and reactive work", "Proactive");
    let mut t = Table::new(&[
        ("Contract", false, 3.0),
        ("Month", false, 1.0),
        ("Proactive", true, 1.0),
        ("Reactive", true, 1.0),
        ("Proactive share", true, 1.3),
        ("Target", true, 1.0),
    ]);
    for c in &pack.contracts {
        for m in &c.months {
            if m.proactive_target_percent.is_none() {
                continue;
            }
            let share = Cell::attainment(m.proactive_percent);
            let below = matches!((m.proactive_percent, m.proactive_target_percent), (Some(p), Some(t)) if p < t);
            t.row(vec![
                Cell::text(&c.name),
                Cell::text(&m.period),
                m.proactive.map_or_else(|| Cell::text("—"), count),
                m.reactive.map_or_else(|| Cell::text("—"), count),
                if below { share.tone(Tone::Bad) } else { share },
                Cell::text(m.proactive_target_percent.map_or("—".into(), |t| {
                    format!("{} %", crate::report::document::format::figure(t))
                })),
            ]);
        }
    }
    if t.rows.is_empty() {
        s.push(Block::Text(
            "No contract in the pack measures the proactive share.".into(),
        ));
    } else {
        s.push(Block::Note(
            "Proactive work (problems, planned changes) against reactive (incidents, emergency \
             changes), as each contract's proactive-share service level counts it."
                .into(),
        ));
        s.push(Block::Table(t));
    }
    s
}

fn outages(pack: &Pack, style: &[&Style]) -> Section {
    let mut s = Section::new("outages", "Outages and their causes", "Outages");
    let mut by = Table::new(&[
        ("Contract", false, 3.0),
        ("Cause", false, 2.0),
        ("Outages", true, 1.0),
        ("Duration", true, 1.4),
    ]);
    let mut each = Table::new(&[
        ("Contract", false, 2.0),
        ("Outage", false, 1.6),
        ("Service", false, 1.6),
        ("Started", false, 2.4),
        ("Duration", true, 1.2),
        ("Impact", false, 0.9),
        ("Cause", false, 1.2),
    ]);
    for (c, st) in pack.contracts.iter().zip(style) {
        for k in &c.outage_causes {
            by.row(vec![
                Cell::text(&c.name),
                Cell::text(k.cause.as_deref().unwrap_or("not recorded")),
                Cell::count(k.outages),
                Cell::text(duration(k.seconds as f64)),
            ]);
        }
        for o in &c.outages {
            let started = chrono::DateTime::parse_from_rfc3339(&o.start)
                .map(|t| st.instant(t.with_timezone(&chrono::Utc)))
                .unwrap_or_else(|_| o.start.clone());
            let cause = Cell::text(o.cause.as_deref().unwrap_or("not recorded"));
            each.row(vec![
                Cell::text(&c.name),
                Cell::text(&o.id),
                Cell::text(&o.service),
                Cell::text(started),
                Cell::text(
                    o.duration_seconds
                        .map_or("ongoing".into(), |d| duration(d as f64)),
                ),
                Cell::text(&o.impact),
                if o.cause.as_deref() == Some("malware") {
                    cause.tone(Tone::Bad)
                } else {
                    cause
                },
            ]);
        }
    }
    if each.rows.is_empty() {
        s.push(Block::Text(
            "No outage was counted against a service level in these months.".into(),
        ));
        return s;
    }
    s.push(Block::Note(
        "Unplanned outages counted against availability service levels. A cause is a \
         contract manager's classification from the supplier's root-cause report \
         (`slawatch cause`); \"not recorded\" means nobody has classified it yet."
            .into(),
    ));
    s.push(Block::Table(by));
    s.push(Block::Heading("Each outage".into()));
    s.push(Block::Table(each));
    s
}

fn money(pack: &Pack, style: &[&Style]) -> Section {
    let mut s = Section::new(
        "money",
        "Service credits and costs: claimed and recovered",
        "Money",
    );
    let mut t = Table::new(&[
        ("Contract", false, 2.4),
        ("Month", false, 1.0),
        ("Service credits", true, 1.4),
        ("Recoverable costs", true, 1.4),
        ("Claim", true, 1.4),
        ("Credited", true, 1.4),
        ("Refused", true, 1.2),
        ("Outstanding", true, 1.4),
    ]);
    for (c, st) in pack.contracts.iter().zip(style) {
        let row = |label: &str, period: &str, m: &MonthLine| {
            vec![
                Cell::text(label),
                Cell::text(period),
                Cell::money(st, m.service_credits_minor),
                Cell::money(st, m.recoverable_costs_minor),
                Cell::money(st, m.total_claim_minor),
                Cell::money(st, m.credited_minor),
                Cell::money(st, m.refused_minor),
                m.outstanding_minor
                    .map_or_else(|| Cell::text("not issued"), |o| Cell::money(st, o)),
            ]
        };
        for m in &c.months {
            t.row(row(&c.name, &m.period, m));
        }
        let total = total(c);
        t.row(row(&c.name, "Total", &total));
    }
    s.push(Block::Note(
        "The claim is each month's service credits after the caps plus its recoverable costs; \
         credited and refused are the supplier's credit notes and refusals recorded against \
         the month's issued claim so far."
            .into(),
    ));
    s.push(Block::Table(t));
    s
}

/// The contract's months summed.
fn total(c: &ContractPack) -> MonthLine {
    let sum = |f: fn(&MonthLine) -> i64| c.months.iter().map(f).sum::<i64>();
    // Outstanding counts issued months only; with none issued there is
    // nothing outstanding yet.
    let issued: Vec<i64> = c
        .months
        .iter()
        .filter_map(|m| m.outstanding_minor)
        .collect();
    let outstanding = (!issued.is_empty()).then(|| issued.iter().sum());
    MonthLine {
        service_credits_minor: sum(|m| m.service_credits_minor),
        recoverable_costs_minor: sum(|m| m.recoverable_costs_minor),
        total_claim_minor: sum(|m| m.total_claim_minor),
        credited_minor: sum(|m| m.credited_minor),
        refused_minor: sum(|m| m.refused_minor),
        outstanding_minor: outstanding,
        ..MonthLine::empty("")
    }
}

fn commitments(pack: &Pack) -> Section {
    let mut s = Section::new(
        "commitments",
        "Commitments and security activities: committed against evidenced",
        "Commitments",
    );
    let mut t = Table::new(&[
        ("Contract", false, 2.6),
        ("Category", false, 1.4),
        ("Committed", true, 1.1),
        ("Delivered", true, 1.1),
        ("Accepted", true, 1.1),
        ("Late", true, 0.8),
        ("Overdue", true, 1.0),
        ("Not evidenced", true, 1.3),
    ]);
    for c in &pack.contracts {
        for k in &c.commitment_categories {
            let count = |n: u32, bad: bool| {
                let cell = Cell::count(n);
                if bad && n > 0 {
                    cell.tone(Tone::Bad)
                } else {
                    cell
                }
            };
            t.row(vec![
                Cell::text(&c.name),
                Cell::text(&k.category),
                count(k.committed, false),
                count(k.delivered, false),
                count(k.accepted, false),
                count(k.late, true),
                count(k.overdue, true),
                count(k.unevidenced, true),
            ]);
        }
    }
    if t.rows.is_empty() {
        s.push(Block::Text(
            "No commitment fell due in these months.".into(),
        ));
    } else {
        s.push(Block::Note(
            "Occurrences due in the months, per category: delivered with evidence, accepted \
             by the council, delivered late, past due and undelivered, and due with no \
             evidence at all."
                .into(),
        ));
        s.push(Block::Table(t));
    }
    s
}

fn disaster_recovery(pack: &Pack) -> Section {
    let mut s = Section::new("disaster_recovery", "Disaster-recovery risk", "DR");
    let mut t = Table::new(&[
        ("Contract", false, 2.2),
        ("System", false, 2.2),
        ("Score", true, 0.8),
        ("Flags", false, 3.4),
        ("Rests on", false, 1.6),
    ]);
    let mut bands = Vec::new();
    for c in &pack.contracts {
        let Some(d) = &c.disaster_recovery else {
            continue;
        };
        bands.push((
            format!("{} (as at {})", c.name, d.as_of),
            Cell::text(format!("{} (score {})", d.rating, d.score)).tone(match d.rating.as_str() {
                "high" | "severe" => Tone::Bad,
                "low" => Tone::Good,
                _ => Tone::Plain,
            }),
        ));
        for sys in &d.systems {
            t.row(vec![
                Cell::text(&c.name),
                Cell::text(&sys.name),
                Cell::count(sys.score),
                Cell::text(if sys.flags.is_empty() {
                    "-".into()
                } else {
                    sys.flags.join(", ")
                }),
                Cell::text(if sys.rests_on_third_party_assurance {
                    "vendor's assurance"
                } else {
                    "council's evidence"
                }),
            ]);
        }
    }
    if bands.is_empty() {
        s.push(Block::Text(
            "No contract in the pack lists DR systems.".into(),
        ));
        return s;
    }
    s.fields(bands);
    s.push(Block::Table(t));
    s
}

fn actions(pack: &Pack) -> Section {
    let mut s = Section::new("actions", "Actions register and follow-up", "Actions");
    if pack.actions.is_empty() {
        s.push(Block::Text(
            "No action is recorded for the pack's contracts.".into(),
        ));
        return s;
    }
    let mut cols: Vec<(&str, bool, f32)> = vec![("Origin", false, 3.0)];
    for status in ActionStatus::FOLLOW_UP_ORDER {
        cols.push((status.label(), true, 1.2));
    }
    cols.push(("Overdue", true, 1.0));
    let mut summary = Table::new(&cols);
    let dash = |n: u64| if n == 0 { Cell::text("-") } else { count(n) };
    for line in &pack.follow_up {
        summary.row(vec![
            Cell::text(&line.origin),
            dash(line.fully_implemented),
            dash(line.substantially_implemented),
            dash(line.partially_implemented),
            dash(line.not_implemented),
            dash(line.closed),
            if line.overdue > 0 {
                dash(line.overdue).tone(Tone::Bad)
            } else {
                dash(line.overdue)
            },
        ]);
    }
    s.push(Block::Table(summary));
    s.push(Block::Heading("Each action".into()));
    let mut t = Table::new(&[
        ("Action", false, 1.0),
        ("Origin", false, 2.2),
        ("What", false, 3.0),
        ("Owner", false, 1.6),
        ("Due", false, 1.2),
        ("Status", false, 1.8),
        ("Overdue", true, 1.0),
    ]);
    for a in &pack.actions {
        let status =
            ActionStatus::parse(&a.status).map_or(a.status.clone(), |s| s.label().to_string());
        t.row(vec![
            Cell::text(&a.id),
            Cell::text(&a.origin),
            Cell::text(&a.title),
            Cell::text(&a.owner),
            Cell::text(&a.due),
            Cell::text(status),
            a.days_overdue.map_or_else(
                || Cell::text("-"),
                |d| Cell::text(format!("{d} days")).tone(Tone::Bad),
            ),
        ]);
    }
    s.push(Block::Table(t));
    s
}
