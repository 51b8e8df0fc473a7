//! The PDF's disaster-recovery and data-quality sections, beside the rest
//! of the content in `pdf/mod.rs` and drawn with the same private layout.

use serde_json::Value;

use super::{Align, INK, Layout, MUTED, hours, instant, text};

/// Draws the DR register and the data-quality findings from the report JSON.
pub(super) fn sections(d: &mut Layout, j: &Value) {
    d.heading("Disaster recovery");
    let dr = &j["disaster_recovery"];
    if dr.is_null() {
        d.wrapped(
            "No systems are listed for disaster-recovery assurance.",
            9.5,
            MUTED,
        );
    } else {
        d.wrapped(
            &format!(
                "DR risk rating: {} (score {}) as of {}.",
                text(&dr["rating"]),
                dr["score"],
                text(&dr["as_of"])
            ),
            9.5,
            INK,
        );
        let opt = |v: &Value| {
            if v.is_null() {
                "-".to_string()
            } else {
                hours(v)
            }
        };
        let rows: Vec<Vec<String>> = dr["systems"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                let t = &s["last_test"];
                let flags: Vec<String> = s["flags"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|f| text(&f["detail"]))
                    .collect();
                vec![
                    format!(
                        "{}\n{} · {}",
                        text(&s["name"]),
                        text(&s["criticality"]),
                        text(&s["hosted_by"])
                    ),
                    format!("{} / {}", opt(&s["rto_seconds"]), opt(&s["rpo_seconds"])),
                    match t.is_null() {
                        true => "never".to_string(),
                        false => format!(
                            "{}\n{} / {}",
                            text(&t["date"]),
                            opt(&t["achieved_rto_seconds"]),
                            opt(&t["achieved_rpo_seconds"])
                        ),
                    },
                    if flags.is_empty() {
                        "none".to_string()
                    } else {
                        flags.join("\n")
                    },
                    s["score"].to_string(),
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
    }

    d.heading("Data quality");
    let dq = &j["data_quality"];
    let mut rows: Vec<Vec<String>> = Vec::new();
    for x in dq["discrepancies"].as_array().into_iter().flatten() {
        rows.push(vec![
            "Supplier figure differs".into(),
            text(&x["service_level"]),
            format!(
                "supplier {} %, measured {} % ({} points)",
                x["supplier_reported_percent"], x["measured_percent"], x["difference_points"]
            ),
        ]);
    }
    for x in dq["supplier_verdicts"].as_array().into_iter().flatten() {
        let which = match text(&x["direction"]).as_str() {
            "supplier_met_evidence_breached" => "Supplier: met; evidence: breached",
            _ => "Supplier: breached; evidence: met",
        };
        rows.push(vec![
            which.into(),
            format!("{}\n{}", text(&x["incident"]), text(&x["service_level"])),
            text(&x["detail"]),
        ]);
    }
    let fc = &dq["feed_completeness"];
    for x in fc["sources_without_data"].as_array().into_iter().flatten() {
        rows.push(vec![
            "No data this month".into(),
            text(&x["source"]),
            text(&x["kind"]),
        ]);
    }
    for x in fc["closed_without_resolution"]
        .as_array()
        .into_iter()
        .flatten()
    {
        rows.push(vec![
            "Closed, no resolution time".into(),
            text(&x["incident"]),
            instant(&x["supplier_end"]),
        ]);
    }
    for x in fc["holds_without_end"].as_array().into_iter().flatten() {
        rows.push(vec![
            "Hold without end".into(),
            text(&x["incident"]),
            format!("{} from {}", text(&x["reason"]), instant(&x["start"])),
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
