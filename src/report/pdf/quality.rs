//! The PDF's disaster-recovery, data-quality and changed-after-the-fact sections, beside the rest
//! of the content in `pdf/mod.rs` and drawn with the same private layout.

use super::{Align, INK, Layout, MUTED, at, hours, number};
use crate::report::json::ReportJson;

/// Draws the DR register and the data-quality findings from the report JSON.
pub(super) fn sections(d: &mut Layout, j: &ReportJson<'_>) {
    d.heading("Disaster recovery");
    if let Some(dr) = &j.disaster_recovery {
        d.wrapped(
            &format!(
                "DR risk rating: {} (score {}) as of {}.",
                dr.rating, dr.score, dr.as_of
            ),
            9.5,
            INK,
        );
        let opt = |v: Option<i64>| v.map_or("-".to_string(), |s| hours(s as f64));
        let rows: Vec<Vec<String>> = dr
            .systems
            .iter()
            .map(|s| {
                let flags: Vec<&str> = s.flags.iter().map(|f| f.detail).collect();
                vec![
                    format!("{}\n{} · {}", s.name, s.criticality, s.hosted_by),
                    format!("{} / {}", opt(s.rto_seconds), opt(s.rpo_seconds)),
                    match &s.last_test {
                        None => "never".to_string(),
                        Some(t) => format!(
                            "{}\n{} / {}",
                            t.date,
                            opt(t.achieved_rto_seconds),
                            opt(t.achieved_rpo_seconds)
                        ),
                    },
                    if flags.is_empty() {
                        "none".to_string()
                    } else {
                        flags.join("\n")
                    },
                    s.score.to_string(),
                ]
            })
            .collect();
        d.table(
            &[
                ("System", 0.24, Align::Left),
                ("Agreed RTO / RPO", 0.15, Align::Left),
                ("Last test, achieved", 0.17, Align::Left),
                ("Flags", 0.36, Align::Left),
                ("Score", 0.08, Align::Right),
            ],
            &rows,
            true,
        );
        d.wrapped(
            "Score = criticality weight (critical 5, high 3, medium 2, low 1) x flag points \
             (no test in 12 months 3, worse than agreed 3, critical without RTO/RPO 2, no \
             third-party evidence 2). Rating from the worst system: 0 low, 1-6 medium, 7-14 \
             high, 15+ severe.",
            8.5,
            MUTED,
        );
    } else {
        d.wrapped(
            "No systems are listed for disaster-recovery assurance.",
            9.5,
            MUTED,
        );
    }

    d.heading("Data quality");
    let dq = &j.data_quality;
    let mut rows: Vec<Vec<String>> = Vec::new();
    for x in &dq.discrepancies {
        rows.push(vec![
            "Supplier figure differs".into(),
            x.service_level.to_string(),
            format!(
                "supplier {} %, measured {} % ({} points)",
                number(x.supplier_reported_percent),
                number(x.measured_percent),
                number(x.difference_points)
            ),
        ]);
    }
    for x in &dq.supplier_verdicts {
        let which = match x.direction {
            "supplier_met_evidence_breached" => "Supplier: met; evidence: breached",
            _ => "Supplier: breached; evidence: met",
        };
        rows.push(vec![
            which.into(),
            format!("{}\n{}", x.incident, x.service_level),
            x.detail.to_string(),
        ]);
    }
    let fc = &dq.feed_completeness;
    for x in &fc.sources_without_data {
        rows.push(vec![
            "No data this month".into(),
            x.source.to_string(),
            x.kind.to_string(),
        ]);
    }
    for x in &fc.closed_without_resolution {
        rows.push(vec![
            "Closed, no resolution time".into(),
            x.incident.to_string(),
            x.supplier_end.map_or_else(String::new, at),
        ]);
    }
    for x in &fc.holds_without_end {
        rows.push(vec![
            "Hold without end".into(),
            x.incident.to_string(),
            format!("{} from {}", x.reason, at(x.start)),
        ]);
    }
    if rows.is_empty() {
        d.wrapped(
            "The supplier's figures and SLA verdicts agree with the evidence, and no feed gap was found.",
            9.5,
            MUTED,
        );
    } else {
        d.table(
            &[
                ("Finding", 0.26, Align::Left),
                ("Subject", 0.2, Align::Left),
                ("Detail", 0.54, Align::Left),
            ],
            &rows,
            true,
        );
    }
}

/// Draws the records changed after the fact, with the credit each import's
/// rewrites moved; `money` formats minor units.
pub(super) fn rewrites(d: &mut Layout, j: &ReportJson<'_>, money: &dyn Fn(i64) -> String) {
    d.heading("Records changed after the fact");
    let rw = &j.records_changed_after_the_fact;
    if rw.records.is_empty() {
        d.wrapped(
            "No evidence bearing on this month was changed after the fact.",
            9.5,
            MUTED,
        );
        return;
    }
    let rows: Vec<Vec<String>> = rw
        .records
        .iter()
        .map(|x| {
            let effects: Vec<String> = x
                .effects
                .iter()
                .map(|e| format!("{}: {} → {}", e.service_level, e.before, e.after))
                .collect();
            let from = match x.corrected_by {
                Some(by) => format!("{} (corrected by {by})", x.source),
                None => x.source.to_string(),
            };
            // Helvetica's encoding has no arrow.
            [
                format!("{} {}\n{}", x.kind.replace('_', " "), x.record, from),
                x.change.to_string(),
                effects.join("\n"),
                format!("{}: {}", x.direction, x.why),
            ]
            .map(|cell| cell.replace('→', "->"))
            .to_vec()
        })
        .collect();
    d.table(
        &[
            ("Record", 0.2, Align::Left),
            ("Before -> after", 0.3, Align::Left),
            ("Verdicts", 0.22, Align::Left),
            ("Direction", 0.28, Align::Left),
        ],
        &rows,
        true,
    );
    let credits: Vec<Vec<String>> = rw
        .credit_moved
        .iter()
        .map(|m| {
            vec![
                m.import_id.to_string(),
                money(m.credit_before_minor),
                money(m.credit_after_minor),
                money(m.moved_minor),
            ]
        })
        .collect();
    d.table(
        &[
            ("Import", 0.25, Align::Left),
            ("Credit before", 0.25, Align::Right),
            ("Credit after", 0.25, Align::Right),
            ("Moved", 0.25, Align::Right),
        ],
        &credits,
        true,
    );
}

/// Draws how the supplier stopped its clocks.
pub(super) fn clock_stops(d: &mut Layout, j: &ReportJson<'_>) {
    let Some(cs) = &j.clock_stops else {
        return;
    };
    d.heading("How the clocks were stopped");
    let mut rows: Vec<Vec<String>> = Vec::new();
    for l in &cs.levels {
        let share = |x: Option<f64>| x.map_or("—".to_string(), |v| format!("{} %", number(v)));
        rows.push(vec![
            l.service_level.to_string(),
            l.assessed.to_string(),
            hours(l.hold_seconds as f64),
            share(l.hold_share_percent),
            format!("{} of {}", l.met_in_last_5_percent, l.met),
            share(l.expected_last_5_percent_share),
        ]);
        for h in &l.holds {
            rows.push(vec![
                format!("  {} · {}", h.reason, h.priority),
                String::new(),
                hours(h.seconds as f64),
                String::new(),
                format!("{} hold(s)", h.holds),
                String::new(),
            ]);
        }
    }
    d.table(
        &[
            ("Service level", 0.3, Align::Left),
            ("Assessed", 0.1, Align::Right),
            ("On hold", 0.14, Align::Right),
            ("Share", 0.14, Align::Right),
            ("Met, last 5 %", 0.16, Align::Right),
            ("Expected", 0.16, Align::Right),
        ],
        &rows,
        true,
    );
    d.wrapped(
        &format!(
            "Holds added after the fact: {} · priorities lowered: {} · raised: {} · incidents reopened: {}",
            cs.holds_added_after_the_fact, cs.priority_downgrades, cs.priority_upgrades, cs.reopened
        ),
        9.5,
        INK,
    );
}
