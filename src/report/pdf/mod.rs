//! The report as an A4 PDF document, the letter-like form a council sends to
//! its supplier: a title block, the summary with the total claim, the service
//! levels, breaches, recoverable costs, commitments, excusals and the method.
//!
//! Built from the report's JSON wire types ([`to_json`]) so it carries the
//! same figures by construction, and a renamed field fails to compile. Drawn with `printpdf` in the PDF standard Helvetica (no font
//! file needed, nothing read from the system at run time); `layout` wraps
//! text in table cells, breaks pages and draws the trend charts.

mod layout;
pub mod notice;
mod quality;
mod recovery;

use printpdf::{PdfDocument, PdfSaveOptions};
use serde_json::Value;

use layout::{Align, BOLD, INK, Layout, MUTED, REGULAR};

use super::MonthReport;
use super::html::format_thousands;
use super::json::{number_text as number, to_json};
use crate::domain::Instant;
use crate::domain::money::format_minor;
use crate::domain::time::format_utc;

/// Renders the report as PDF bytes.
pub fn render(r: &MonthReport<'_>) -> Result<Vec<u8>, serde_json::Error> {
    let j = to_json(r);
    let exponent = r.contract.currency.exponent();
    let currency = j.currency;
    let money = |minor: i64| format_thousands(&format_minor(minor, exponent));
    let cur = |minor: i64| format!("{currency} {}", money(minor));
    let percent = |v: Option<f64>| v.map_or("-".to_string(), |p| format!("{p:.3} %"));

    let mut d = Layout::new();

    // Title block.
    d.line("Service level report", BOLD, 20.0, INK, 26.0);
    d.line(j.supplier, REGULAR, 14.0, INK, 22.0);
    d.wrapped(
        &format!(
            "Contract {}  ·  Period {}  ·  Evidence as at {} (UTC)  ·  Monthly charge {}{}{}",
            j.contract,
            j.period,
            instant(&j.evaluated_at),
            cur(j.monthly_charge_minor),
            j.approval.as_ref().map_or(String::new(), |a| format!(
                "  ·  Approved by {} on {} (UTC)",
                a.approved_by,
                instant(&a.approved_at)
            )),
            j.issue_gate_words
                .map_or(String::new(), |w| format!("  ·  {w}")),
        ),
        9.5,
        MUTED,
    );

    // What changed since issue, first: the reader must know these figures
    // differ from the report they were sent.
    if let Some(a) = j.amendment {
        d.heading("Amended since issue");
        d.wrapped(
            &format!(
                "These figures changed since version {} was issued on {} (UTC).",
                a.issued_version,
                instant(&a.issued_at)
            ),
            9.5,
            MUTED,
        );
        // Each changed line in words, then the figures themselves
        // (Helvetica's encoding has no arrow).
        for l in &a.lines {
            d.wrapped(&format!("- {}", l.summary.replace('→', "->")), 9.5, INK);
        }
        // The amendment's figures are JSON values by nature: a figure may
        // be a number, a status or absent on either side.
        let money_value = |v: &Value| money(v.as_i64().unwrap_or(0));
        let rows: Vec<Vec<String>> = a
            .changes
            .iter()
            .map(|c| {
                let show = |v: &Value| figure(&c.what, v, &money_value);
                vec![c.what.clone(), show(&c.issued), show(&c.now)]
            })
            .collect();
        d.table(
            &[
                ("Figure", 0.5, Align::Left),
                ("Issued", 0.25, Align::Right),
                ("Now", 0.25, Align::Right),
            ],
            &rows,
            true,
        );
    }

    // Summary.
    let levels = &j.service_levels;
    // Counted as the HTML and the issued email count them: an excused month
    // is measured and shown, but does not count as failed.
    let failed = r.failed_count();
    let critical = r.critical_count();
    let cap_percent = r.contract.service_credit_cap_percent.as_f64();
    let credits = &j.service_credits;
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
                cur(credits.before_cap_minor),
            ],
            vec![
                format!("Cap ({cap_percent} % of the monthly charge)"),
                cur(credits.cap_minor),
            ],
            vec!["Service credits after cap".into(), cur(credits.total_minor)],
            vec!["Recoverable costs".into(), cur(j.recoverable_costs_minor)],
        ],
        false,
    );
    d.total_row("Total claim", &cur(j.total_claim_minor));
    d.table(
        &[("", 0.7, Align::Left), ("", 0.3, Align::Right)],
        &[
            vec![
                "Service credits in dispute".into(),
                cur(credits.disputed_minor),
            ],
            vec![
                "Recoverable costs in dispute".into(),
                cur(j.recoverable_costs_disputed_minor),
            ],
        ],
        false,
    );
    d.total_row("Claim not in dispute", &cur(j.total_claim_undisputed_minor));
    if j.delay_payments_minor > 0 {
        d.table(
            &[("", 0.7, Align::Left), ("", 0.3, Align::Right)],
            &[vec![
                "Delay payments for late commitments".into(),
                cur(j.delay_payments_minor),
            ]],
            false,
        );
        d.total_row(
            "Total claim with delay payments",
            &cur(j.total_claim_with_delay_payments_minor),
        );
    }

    // Service levels.
    if !j.credit_workings.is_empty() {
        d.heading("How the credits were worked out");
        if let Some(a) = &j.annual_cap {
            d.table(
                &[("", 0.7, Align::Left), ("", 0.3, Align::Right)],
                &[
                    vec![
                        format!("Annual cap (contract year from {})", a.contract_year_start),
                        cur(a.cap_minor),
                    ],
                    vec![
                        "Credits earlier this contract year".into(),
                        cur(a.credits_earlier_minor),
                    ],
                    vec![
                        "Headroom before this month".into(),
                        cur(a.headroom_before_minor),
                    ],
                    vec![
                        "Cut by the monthly cap".into(),
                        cur(a.monthly_cap_cut_minor),
                    ],
                    vec!["Cut by the annual cap".into(), cur(a.annual_cap_cut_minor)],
                    vec![
                        "Headroom after this month".into(),
                        cur(a.headroom_after_minor),
                    ],
                ],
                false,
            );
        }
        for line in &j.credit_workings {
            d.wrapped(line, 9.5, MUTED);
        }
    }

    if let Some(triggered) = j.escalations.as_ref().filter(|e| !e.is_empty()) {
        d.heading("Escalations triggered this month");
        for e in triggered {
            let by = e
                .respond_by
                .as_deref()
                .map_or(String::new(), |d| format!("; respond by {d}"));
            d.wrapped(
                &format!("{}: {}{by}", e.rule, e.then.replace('_', " ")),
                9.5,
                INK,
            );
            d.wrapped(&format!("Grounds: {}", e.grounds()), 9.0, MUTED);
            d.wrapped(&format!("Clause: {}", e.clause), 9.0, MUTED);
        }
    }

    d.heading("Service levels");
    let rows: Vec<Vec<String>> = levels
        .iter()
        .map(|l| {
            let mut name = l.name.to_string();
            if let Some(s) = l.service {
                name.push_str(&format!(" ({s})"));
            }
            let measured = if let (Some(assessed), Some(met)) = (l.assessed, l.met) {
                format!("{met} of {assessed} met")
            } else if let Some(service) = l.service_seconds {
                format!(
                    "{} down of {}",
                    hours(l.downtime_seconds.map_or(0.0, |s| s.as_f64())),
                    hours(service as f64)
                )
            } else {
                format!(
                    "{} proactive, {} reactive",
                    count(l.proactive),
                    count(l.reactive)
                )
            };
            let mut status = l.status.replace('_', " ");
            if l.critical {
                status.push_str(" (critical)");
            }
            let credit = if l.credit_minor > 0 {
                format!("{} % = {}", number(l.credit_percent), money(l.credit_minor))
            } else {
                "-".into()
            };
            vec![
                format!("{name}\n{} · {}", l.id, l.kind),
                measured,
                format!("{} %", number(l.target_percent)),
                percent(l.attainment_percent),
                percent(l.supplier_reported_percent),
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
    for l in levels {
        let Some(breaches) = l.breaches.as_ref().filter(|b| !b.is_empty()) else {
            continue;
        };
        any = true;
        d.subheading(l.name);
        let rows: Vec<Vec<String>> = breaches
            .iter()
            .map(|b| {
                vec![
                    b.incident.to_string(),
                    b.priority.to_string(),
                    at(b.opened_at),
                    at(b.deadline),
                    b.stopped_at.map_or("still open".into(), at),
                    hours(b.elapsed_seconds as f64),
                    hours(b.target_seconds as f64),
                    b.title.unwrap_or_default().to_string(),
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

    // Trends.
    let charts: Vec<_> = r.trends.series.iter().map(super::chart::chart).collect();
    // Keep the heading and its note with the first row of charts.
    d.ensure(210.0);
    d.heading("Trends");
    d.wrapped(
        "Attainment each month over the last twelve, against the target (dashed). \
         Red points failed; gaps are months with no evidence.",
        9.5,
        MUTED,
    );
    for (title, availability) in [("Service levels", false), ("Service availability", true)] {
        let shown: Vec<_> = charts
            .iter()
            .filter(|c| c.availability == availability)
            .cloned()
            .collect();
        if !shown.is_empty() {
            // Keep the subheading with the first row of charts.
            d.ensure(150.0);
            d.subheading(title);
            d.charts(&shown);
        }
    }

    // Recoverable costs.
    d.heading("Recoverable costs");
    let costs = &j.recoverable_costs;
    if costs.is_empty() {
        d.wrapped("None recorded for this month.", 9.5, MUTED);
    } else {
        let rows: Vec<Vec<String>> = costs
            .iter()
            .map(|c| {
                let description = match (c.recoverable, c.gate) {
                    (Some(true), Some(gate)) => format!("{}\nrecoverable: {gate}", c.description),
                    (Some(_), _) => format!("{}\nnot recoverable: no gate open", c.description),
                    (None, _) => c.description.to_string(),
                };
                vec![
                    c.date.clone(),
                    description,
                    c.evidence.to_string(),
                    c.breach.unwrap_or_default().to_string(),
                    money(c.amount_minor),
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
    recovery::sole_remedy_note(&mut d, &j, &cur);
    recovery::section(&mut d, &j, &money);

    // Commitments.
    d.heading("Commitments");
    let commitments = &j.commitments;
    if commitments.is_empty() {
        d.wrapped("None due this month.", 9.5, MUTED);
    } else {
        let rows: Vec<Vec<String>> = commitments
            .iter()
            .map(|c| {
                let o = &c.occurrence;
                vec![
                    o.id.to_string(),
                    o.name.to_string(),
                    o.due.to_string(),
                    o.status.replace('_', " "),
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
    let excused = &j.excused;
    if excused.is_empty() {
        d.wrapped("No incident was excused this month.", 9.5, MUTED);
    } else {
        let rows: Vec<Vec<String>> = excused
            .iter()
            .map(|e| vec![e.incident.to_string(), e.reason.to_string()])
            .collect();
        d.table(
            &[("Incident", 0.2, Align::Left), ("Reason", 0.8, Align::Left)],
            &rows,
            true,
        );
    }

    quality::sections(&mut d, &j);
    quality::clock_stops(&mut d, &j);
    quality::rewrites(&mut d, &j, &money);

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
            instant(&j.evaluated_at),
        ),
        9.5,
        INK,
    );

    let footer = format!("{} · {} · {}", j.supplier, j.contract, j.period);
    let pages = d.finish(&footer);
    let title = format!("Service level report {} {}", j.contract, j.period);
    let mut warnings = Vec::new();
    Ok(PdfDocument::new(&title)
        .with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut warnings))
}

/// An amended figure as the reader knows it: money in major units for
/// `…_minor` figures, percentages with a `%`, `-` for one that is absent.
fn figure(what: &str, v: &Value, money: &dyn Fn(&Value) -> String) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.replace('_', " "),
        Value::Number(_) if what.ends_with("_minor") => money(v),
        Value::Number(n) if what.ends_with("_percent") => format!("{n} %"),
        other => other.to_string(),
    }
}

/// A count, or `null` when the line has none (as the JSON would show it).
fn count(n: Option<u64>) -> String {
    n.map_or_else(|| "null".to_string(), |n| n.to_string())
}

/// An instant shown as `2026-10-07 13:02`.
fn at(t: Instant) -> String {
    instant(&format_utc(t))
}

/// An RFC 3339 UTC instant shown as `2026-10-07 13:02`.
fn instant(s: &str) -> String {
    s.get(..16).map_or(s.to_string(), |t| t.replace('T', " "))
}

/// Seconds as `5h36m`, the same as the HTML report.
fn hours(seconds: f64) -> String {
    let total = seconds.round() as i64;
    format!("{}h{:02}m", total / 3_600, (total % 3_600) / 60)
}
