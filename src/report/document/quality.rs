//! What the evidence says about the supplier beyond the service levels:
//! the disaster-recovery register, where the supplier's own figures and
//! records disagree with the evidence, how the clocks were stopped, and
//! evidence changed after the fact.

use super::format::{Style, date_words, duration, figure};
use super::{Block, Cell, Section, Table, Tone};
use crate::report::json::ReportJson;

/// The DR register's summary and each system.
pub fn disaster_recovery(json: &ReportJson<'_>) -> Section {
    let mut s = Section::new(
        "disaster_recovery",
        "Disaster recovery",
        "Disaster recovery",
    );
    let Some(dr) = &json.disaster_recovery else {
        s.push(Block::Note(
            "No systems listed for disaster-recovery assurance.".to_string(),
        ));
        return s;
    };
    s.push(Block::Text(format!(
        "DR risk rating {} (score {}) as of {}.",
        dr.rating,
        dr.score,
        date_words(dr.as_of)
    )));
    let mut table = Table::new(&[
        ("System", false, 1.3),
        ("Criticality", false, 0.7),
        ("Hosted by", false, 1.0),
        ("Agreed RTO / RPO", false, 1.0),
        ("Last DR test", false, 1.1),
        ("Achieved RTO / RPO", false, 1.0),
        ("Flags", false, 1.8),
        ("Score", true, 0.5),
    ]);
    let pair = |a: Option<i64>, b: Option<i64>| {
        let one = |x: Option<i64>| x.map_or("—".to_string(), |v| duration(v as f64));
        format!("{} / {}", one(a), one(b))
    };
    for sys in &dr.systems {
        let mut hosted = sys.hosted_by.to_string();
        if let Some(v) = sys.vendor {
            hosted.push_str(&format!("\n{v}"));
        }
        if let Some(e) = sys.third_party_evidence {
            hosted.push_str(&format!("\nevidence: {e}"));
        }
        if let Some(a) = &sys.assurance {
            let until = a.expires.map(|d| d.to_string()).unwrap_or_default();
            hosted.push_str(&format!(
                "\nassurance: {} to {}, current until {until}",
                a.kind.replace('_', " "),
                a.date
            ));
            if sys.rests_on_third_party_assurance {
                hosted.push_str("\n(rests on the vendor's assurance, no test seen)");
            }
        }
        let flags: Vec<String> = sys
            .flags
            .iter()
            .map(|f| format!("{}: {}", f.flag.replace('_', " "), f.detail))
            .collect();
        table.row(vec![
            Cell::text(format!("{}\n{}", sys.name, sys.id)),
            Cell::text(sys.criticality),
            Cell::text(hosted),
            Cell::text(pair(sys.rto_seconds, sys.rpo_seconds)),
            Cell::text(match &sys.last_test {
                Some(t) => match t.evidence {
                    Some(e) => format!("{}\n{e}", t.date),
                    None => t.date.to_string(),
                },
                None => "never".to_string(),
            }),
            Cell::text(match &sys.last_test {
                Some(t) => pair(t.achieved_rto_seconds, t.achieved_rpo_seconds),
                None => "—".to_string(),
            }),
            Cell::text(match flags.is_empty() {
                true => "none".to_string(),
                false => flags.join("\n"),
            })
            .tone(if flags.is_empty() {
                Tone::Plain
            } else {
                Tone::Bad
            }),
            Cell::count(i64::from(sys.score)),
        ]);
    }
    s.push(Block::Table(table));
    s.push(Block::Note(
        "A system's score is its criticality weight (critical 5, high 3, medium 2, low 1) times the \
         points of its flags (no DR test in 12 months 3, last test worse than the agreed RTO or \
         RPO 3, critical system without an agreed RTO or RPO 2, no DR evidence from a SaaS or \
         cloud host 2, its assurance expired 2); a current third-party assurance (SOC 2, ISO 22301, \
         the vendor's test report) counts as a recent test for a system a vendor runs. The \
         supplier's rating is its worst system's score: 0 low, 1–6 medium, \
         7–14 high, 15 or more severe."
            .to_string(),
    ));
    s
}

/// The supplier's figures and SLA records against the evidence, and what
/// the feeds are missing.
pub fn data_quality(json: &ReportJson<'_>, style: &Style) -> Section {
    let mut s = Section::new("data_quality", "Data quality", "Data quality");
    let dq = &json.data_quality;
    let tolerance = figure(dq.reconciliation_tolerance_points);
    s.push(Block::Heading("The supplier's own figures".to_string()));
    if dq.discrepancies.is_empty() {
        s.push(Block::Note(format!(
            "No figure the supplier reported for this month differs from slawatch's measurement by \
             more than {tolerance} percentage points."
        )));
    } else {
        s.push(Block::Text(format!(
            "The supplier's own figures below differ from slawatch's measurement by more than \
             {tolerance} percentage points."
        )));
        let mut table = Table::new(&[
            ("Service level", false, 1.6),
            ("Supplier reported", true, 0.9),
            ("Measured", true, 0.9),
            ("Difference (points)", true, 0.9),
            ("Verdict", false, 1.8),
        ]);
        for d in &dq.discrepancies {
            table.row(vec![
                Cell::text(match d.service {
                    Some(service) => format!("{} ({service})", d.name),
                    None => d.name.to_string(),
                }),
                Cell::text(super::format::attainment(d.supplier_reported_percent)),
                Cell::attainment(Some(d.measured_percent)),
                Cell::text(format!("{:.3}", d.difference_points)),
                match d.status != d.supplier_status {
                    true => Cell::text(format!(
                        "the supplier's figure says {}, the evidence says {}",
                        d.supplier_status.replace('_', " "),
                        d.status.replace('_', " ")
                    ))
                    .tone(Tone::Bad),
                    false => Cell::text(format!("{} either way", d.status.replace('_', " "))),
                },
            ]);
        }
        s.push(Block::Table(table));
    }
    s.push(Block::Heading("The supplier's SLA verdicts".to_string()));
    if dq.supplier_verdicts.is_empty() {
        s.push(Block::Note(
            "No incident assessed this month is judged differently by the supplier's own SLA \
             records."
                .to_string(),
        ));
    } else {
        let mut table = Table::new(&[
            ("Incident", false, 1.0),
            ("Service level", false, 1.3),
            ("Supplier says", false, 0.7),
            ("Evidence says", false, 0.7),
            ("Why they differ", false, 2.4),
        ]);
        for d in &dq.supplier_verdicts {
            let (supplier, evidence) = match d.direction {
                "supplier_met_evidence_breached" => ("met", "breached"),
                _ => ("breached", "met"),
            };
            table.row(vec![
                Cell::text(d.incident),
                Cell::text(match d.supplier_sla {
                    Some(sla) => format!("{}\n{sla}", d.service_level),
                    None => d.service_level.to_string(),
                }),
                Cell::text(supplier),
                Cell::text(evidence),
                Cell::text(format!("{}: {}", d.reason.replace('_', " "), d.detail)),
            ]);
        }
        s.push(Block::Table(table));
    }
    if !dq.unknown_clocks.is_empty() {
        s.push(Block::Heading("Clocks not judged".to_string()));
        s.push(Block::Text(
            "These incidents would breach on what slawatch could read, but their response \
             instant or holds could not be read from the supplier's system, so they are neither \
             counted nor claimed until the missing data is read."
                .to_string(),
        ));
        let mut table = Table::new(&[
            ("Service level", false, 1.2),
            ("Incident", false, 1.0),
            ("Not known", false, 0.8),
            ("Why", false, 2.6),
        ]);
        for u in &dq.unknown_clocks {
            table.row(vec![
                Cell::text(u.service_level),
                Cell::text(u.incident),
                Cell::text(u.missing),
                Cell::text(u.reason),
            ]);
        }
        s.push(Block::Table(table));
    }
    if !dq.inferred_outage_ends.is_empty() {
        s.push(Block::Heading("Outage ends inferred".to_string()));
        s.push(Block::Text(
            "These outages' alerts stopped being sent without a resolved notification, so each \
             was ended at its last sighting: the real end is not known and may be later."
                .to_string(),
        ));
        for group in &dq.inferred_outage_ends {
            s.push(Block::Text(format!(
                "Source {}: {} outage(s) with an inferred end ({}).",
                group.source,
                group.count,
                group.outages.join(", ")
            )));
        }
    }
    s.push(Block::Heading("Feed completeness".to_string()));
    let fc = &dq.feed_completeness;
    let mut items = Vec::new();
    for src in &fc.sources_without_data {
        items.push(match src.source {
            "any" => "No data at all is dated in this month.".to_string(),
            name => format!(
                "Source {name} ({}) delivered no data dated in this month; the figures rest on the \
                 other sources.",
                src.kind
            ),
        });
    }
    for c in &fc.closed_without_resolution {
        items.push(format!(
            "Incident {} is closed in the supplier's records{} but has no resolution time: its \
             resolution clock runs on.",
            c.incident,
            c.supplier_end
                .map_or(String::new(), |t| format!(" ({})", style.instant(t)))
        ));
    }
    for h in &fc.holds_without_end {
        items.push(format!(
            "Incident {} was resolved {} with a hold ({}) from {} that has no end.",
            h.incident,
            style.instant(h.resolved_at),
            h.reason,
            style.instant(h.start)
        ));
    }
    if items.is_empty() {
        s.push(Block::Note(
            "Every configured source delivered data for this month; no incident is closed without \
             a resolution time and no resolved incident has a hold without an end."
                .to_string(),
        ));
    }
    for item in items {
        s.push(Block::Text(item));
    }
    s
}

/// How the supplier stopped its clocks, when the report read the month's
/// incidents.
pub fn clock_stops(json: &ReportJson<'_>) -> Option<Section> {
    let cs = json.clock_stops.as_ref()?;
    let mut s = Section::new("clock_stops", "How the clocks were stopped", "Clock stops");
    s.push(Block::Note(
        "Holds are measured in business time on each level's calendar, for the incidents the \
         level assesses this month. A met incident stopped in the last 5 % of its target is set \
         against the share expected if stop times just before the deadline were as dense as \
         between 85 % and 95 % of it (half that band's share)."
            .to_string(),
    ));
    let mut table = Table::new(&[
        ("Service level", false, 1.4),
        ("Assessed", true, 0.6),
        ("On hold", true, 0.9),
        ("Resolution time", true, 0.9),
        ("Share on hold", true, 0.7),
        ("Met in the last 5 %", true, 0.9),
        ("Expected", true, 0.6),
    ]);
    let share = |x: Option<f64>| x.map_or("—".to_string(), |v| format!("{} %", figure(v)));
    for l in &cs.levels {
        table.row(vec![
            Cell::text(l.service_level),
            Cell::count(l.assessed as i64),
            Cell::text(duration(l.hold_seconds as f64)),
            Cell::text(duration(l.resolution_seconds as f64)),
            Cell::text(share(l.hold_share_percent)),
            Cell::text(format!(
                "{} of {}{}",
                l.met_in_last_5_percent,
                l.met,
                l.last_5_percent_share
                    .map_or(String::new(), |v| format!(" ({} %)", figure(v)))
            )),
            Cell::text(share(l.expected_last_5_percent_share)),
        ]);
        for h in &l.holds {
            table.row(vec![
                Cell::text(format!("  {} · {}", h.reason, h.priority)),
                Cell::text(""),
                Cell::text(duration(h.seconds as f64)),
                Cell::text(format!("{} hold(s)", h.holds)),
                Cell::text(""),
                Cell::text(""),
                Cell::text(""),
            ]);
        }
    }
    s.push(Block::Table(table));
    s.push(Block::Text(format!(
        "Holds added after the fact: {} · priorities lowered: {} · raised: {} · incidents reopened \
         (resolution cleared or moved later): {}",
        cs.holds_added_after_the_fact, cs.priority_downgrades, cs.priority_upgrades, cs.reopened
    )));
    Some(s)
}

/// Evidence bearing on the month changed after the fact.
pub fn rewrites(json: &ReportJson<'_>, style: &Style) -> Section {
    let mut s = Section::new(
        "rewrites",
        "Records changed after the fact",
        "Changed after the fact",
    );
    let rw = &json.records_changed_after_the_fact;
    if rw.records.is_empty() {
        s.push(Block::Note(
            "No evidence bearing on this month was changed after the fact.".to_string(),
        ));
        return s;
    }
    s.push(Block::Text(
        "Evidence slawatch already held that was changed more than the contract's grace period \
         after the times it touches. A change is favourable to the supplier when it undoes a \
         breach, shortens downtime, lowers a priority, adds a hold in the past or reclassifies \
         reactive work as proactive."
            .to_string(),
    ));
    let mut table = Table::new(&[
        ("Record", false, 1.1),
        ("Received", false, 1.2),
        ("From", false, 0.9),
        ("Before → after", false, 1.6),
        ("Effect on the verdicts", false, 1.4),
        ("Direction", false, 1.1),
    ]);
    for x in &rw.records {
        let effects: Vec<String> = x
            .effects
            .iter()
            .map(|e| {
                format!(
                    "{}{}: {} → {}",
                    e.service_level,
                    e.period
                        .as_ref()
                        .map_or(String::new(), |p| format!(" ({p})")),
                    e.before.replace('_', " "),
                    e.after.replace('_', " ")
                )
            })
            .collect();
        table.row(vec![
            Cell::text(format!("{} {}", x.kind.replace('_', " "), x.record)),
            Cell::text(format!("{}\nimport {}", x.received_at, x.import_id)),
            Cell::text(match x.corrected_by {
                Some(by) => format!("{}\ncorrected by {by}", x.source),
                None => x.source.to_string(),
            }),
            Cell::text(x.change),
            Cell::text(match effects.is_empty() {
                true => "—".to_string(),
                false => effects.join("\n"),
            }),
            Cell::text(format!("{} to the supplier\n{}", x.direction, x.why)).tone(
                match x.direction {
                    "favourable" => Tone::Bad,
                    _ => Tone::Plain,
                },
            ),
        ]);
    }
    s.push(Block::Table(table));
    let mut moved = Table::new(&[
        ("Import", false, 1.0),
        ("Credit before", true, 1.0),
        ("Credit after", true, 1.0),
        ("Moved", true, 1.0),
    ]);
    for m in &rw.credit_moved {
        moved.row(vec![
            Cell::count(m.import_id),
            Cell::money(style, m.credit_before_minor),
            Cell::money(style, m.credit_after_minor),
            Cell::money(style, m.moved_minor),
        ]);
    }
    s.push(Block::Table(moved));
    s
}
