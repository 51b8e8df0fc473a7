//! `slawatch evaluate`: every service level of a contract-month, as a table
//! for people or as the report JSON.

use std::fmt::Write as _;

use clap::ValueEnum;

use super::{Failure, month};
use crate::report::assemble;

use crate::config::Config;
use crate::domain::{Money, WallClock};
use crate::engine::Figures;
use crate::engine::standing::{LineStanding, Standing};
use crate::report::MonthReport;
use crate::store::Store;

/// `evaluate` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvaluateFormat {
    /// A table for people.
    Table,
    /// The report JSON.
    Json,
}

/// Prints the month's figures.
pub async fn run(
    config: &Config,
    store: &Store,
    contract: &str,
    period: &str,
    format: EvaluateFormat,
    seen: &month::Seen,
    clock: &WallClock,
) -> Result<(), Failure> {
    let (contract, period) = month::arguments(config, contract, period)?;
    let month::Instants { now, known_at } = month::instants(seen, clock)?;
    let text = match format {
        // The report's JSON, trends included; the table shows the month alone.
        EvaluateFormat::Json => {
            let report = assemble::with_trends(store, config, contract, period, now, known_at)
                .await
                .map_err(Failure::runtime)?;
            crate::report::json::render(&report).map_err(Failure::runtime)?
        }
        EvaluateFormat::Table => table(
            &assemble::month_alone(store, config, contract, period, now, known_at)
                .await
                .map_err(Failure::runtime)?,
        ),
    };
    println!("{text}");
    Ok(())
}

/// Renders the month as a plain-text table.
pub fn table(r: &MonthReport<'_>) -> String {
    let money = |minor: i64| {
        Money {
            minor,
            currency: r.contract.currency.clone(),
        }
        .to_string()
    };
    let mut rows = vec![[
        "SERVICE LEVEL".to_string(),
        "MEASURED".to_string(),
        "ATTAINMENT".to_string(),
        "TARGET".to_string(),
        "SUPPLIER".to_string(),
        "STATUS".to_string(),
        "CREDIT".to_string(),
    ]];
    for l in &r.evaluation.levels {
        let name = match &l.service {
            Some(s) => format!("{} ({s})", l.id),
            None => l.id.clone(),
        };
        let measured = match &l.figures {
            Figures::Incidents(f) => format!(
                "{}/{} met, {} breached",
                f.met,
                f.assessed,
                f.breaches.len()
            ),
            Figures::Availability(f) => format!(
                "{:.0}s down of {}s",
                f.downtime_seconds(),
                f.service_seconds
            ),
            Figures::Proactive {
                proactive,
                reactive,
            } => format!("{proactive} proactive, {reactive} reactive"),
        };
        let mut status = match r.line_standing(&l.id, l.service.as_deref()) {
            // A month in progress has not failed yet: where it stands.
            Some(s) => in_progress(s),
            None if l.critical => "CRITICAL".to_string(),
            None => l.status.as_str().to_string(),
        };
        if l.excused.is_some() {
            status.push_str(" (excused)");
        }
        rows.push([
            name,
            measured,
            l.attainment
                .map_or("-".into(), |a| format!("{:.3}%", a.rounded3())),
            format!("{}%", l.target_percent),
            l.supplier_reported.map_or("-".into(), |p| format!("{p}%")),
            status,
            if l.credit_minor > 0 {
                money(l.credit_minor)
            } else {
                "-".into()
            },
        ]);
    }
    let widths: Vec<usize> = (0..7)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = format!(
        "{} ({}), {}{}, evidence as at {}\n\n",
        r.contract.id,
        r.contract.supplier,
        r.evaluation.period,
        if r.standing.is_some() {
            " (in progress)"
        } else {
            ""
        },
        crate::domain::time::format_utc(r.evaluation.evaluated_at)
    );
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    let c = &r.evaluation.credits;
    let _ = write!(
        out,
        "\n{}service credits {} (before cap {}, cap {}); recoverable costs {}; total claim {}",
        if r.standing.is_some() {
            "if the month ended as it stands now: "
        } else {
            ""
        },
        money(c.total_minor),
        money(c.before_cap_minor),
        money(c.cap_minor),
        money(r.recoverable_costs_minor()),
        money(r.total_claim_minor())
    );
    if r.total_claim_undisputed_minor() != r.total_claim_minor() {
        let _ = write!(
            out,
            " ({} of it in dispute)",
            money(r.total_claim_minor() - r.total_claim_undisputed_minor())
        );
    }
    if let Some(a) = &r.evaluation.annual {
        let _ = write!(
            out,
            "\nannual cap {} for the contract year from {}: {} used before this month, {} left after it{}",
            money(a.cap_minor),
            a.year_start,
            money(a.used_before_minor),
            money(a.headroom_after_minor),
            if a.annual_cut_minor > 0 {
                format!("; it cut {} from this month", money(a.annual_cut_minor))
            } else {
                String::new()
            }
        );
    }
    if let Some(note) = crate::report::json::terms::charge_note(r) {
        let _ = write!(out, "\n{note}");
    }
    if r.delay_payments_minor() > 0 {
        let _ = write!(
            out,
            "\ndelay payments for late commitments {}; total claim with delay payments {}",
            money(r.delay_payments_minor()),
            money(r.total_claim_with_delay_payments_minor())
        );
    }
    if !r.discrepancies.is_empty() {
        let _ = write!(
            out,
            "\n{} supplier figure(s) differ from the measurement by more than {} points (see the report's data quality)",
            r.discrepancies.len(),
            r.tolerance_points
        );
    }
    out
}

/// A line's status while its month runs: "failing so far", "at risk: needs
/// 19 more, all met (a typical month has 11)", "certain to fail" …
fn in_progress(s: &LineStanding) -> String {
    let mut text = s.standing.words().to_string();
    match (s.standing, s.needed_to_recover) {
        (Standing::AtRisk, Some(n)) => {
            text.push_str(&format!(": needs {n} more, all met"));
            if let Some(v) = s.typical_volume {
                text.push_str(&format!(" (a typical month has {})", v.rounded()));
            }
        }
        (Standing::CertainToFail, _) if s.critical => text.push_str(" (critical)"),
        _ => {}
    }
    text
}
