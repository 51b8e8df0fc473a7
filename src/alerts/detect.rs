//! What live detection alerts on in a contract's month in progress: open
//! incidents at risk or breached, months at risk or certain to fail, outages starting
//! and ending, and (in [`super::commitments`] and [`super::dr`]) commitments,
//! supplier figures and the DR register — each an alert under a dedup key
//! (kind, subject, stage), which the outbox refuses to queue twice.
//!
//! Detection keeps no state of its own (the daemon's live loop recomputes
//! from the evidence), so a restart re-detects whatever it missed and never
//! alerts twice; and a daemon started on a store with years of history only
//! alerts on what is recent (breaches whose deadline fell in the last
//! [`RECENT_DAYS`] days, outages of the last day).

use chrono::Duration as Span;

use super::compose::{Facts, alert};
use crate::config::Config;
use crate::contract::{Contract, ServiceLevel};
use crate::domain::money::format_minor;
use crate::domain::time::format_utc;
use crate::domain::{Instant, Period, Priority};
use crate::engine::commitments::Register;
use crate::engine::dr::DrTest;
use crate::engine::live::{LiveMonth, OpenStage, Stage};
use crate::engine::standing::{LineStanding, MonthStanding, Standing};
use crate::engine::{Evidence, Figures, LevelResult};
use crate::store::Store;
use crate::store::outbox::{NewAlert, Severity};

/// How far back a breach's deadline may lie and still be alerted.
pub const RECENT_DAYS: i64 = 7;

/// Every alert `contract`'s month in progress calls for as at `now`, from
/// the live view, its evidence, its commitments `register` (`None` when it
/// cannot be read: commitment alerts are then skipped) and its DR tests.
#[allow(clippy::too_many_arguments)]
pub async fn contract_alerts(
    config: &Config,
    store: &Store,
    contract: &Contract,
    live: &LiveMonth,
    evidence: &Evidence,
    register: Option<&Register>,
    dr_tests: &[DrTest],
    now: Instant,
) -> anyhow::Result<Vec<NewAlert>> {
    let mut alerts = Vec::new();
    let period = live.evaluation.period;
    let lines = &live.evaluation.levels;
    incident_alerts(contract, live, now, &mut alerts);
    level_alerts(contract, period, lines, &live.standing, &mut alerts);
    super::feeds::outage_alerts(contract, evidence, now, &mut alerts);
    super::commitments::detect(config, store, contract, register, now, &mut alerts).await?;
    super::dr::detect(contract, dr_tests, now, &mut alerts);
    Ok(alerts)
}

/// Adds the recipients of the per-severity routes on top of each alert's
/// (the contract's managers).
pub fn route(config: &Config, alerts: &mut [NewAlert]) {
    for a in alerts {
        for extra in config
            .alerts
            .routes
            .get(a.severity.as_str())
            .into_iter()
            .flatten()
        {
            if !a.recipients.contains(extra) {
                a.recipients.push(extra.clone());
            }
        }
    }
}

/// A duration as a contract manager reads it: `4h00m`, or `45s` under a minute.
pub(super) fn hm(seconds: i64) -> String {
    if seconds.abs() < 60 {
        return format!("{seconds}s");
    }
    format!("{}h{:02}m", seconds / 3_600, (seconds % 3_600) / 60)
}

pub(super) fn evidence_line(contract: &Contract, period: Period) -> String {
    format!(
        "Evidence: `slawatch report --contract {} --month {period} --format html`, or the API at /api/v1/contracts/{}/months/{period}.",
        contract.id, contract.id
    )
}

/// What the level stands at this month, for the "what it costs" line.
fn this_month(
    contract: &Contract,
    period: Period,
    line: &LevelResult,
    at: Option<&LineStanding>,
) -> String {
    let attainment = line.attainment.map_or("no data yet".to_string(), |a| {
        format!("{:.3} %", a.rounded3())
    });
    let mut s = format!(
        "{attainment} this month against a target of {} %",
        line.target_percent
    );
    match at {
        Some(at) if at.standing == Standing::AtRisk => {
            let words = level_of(contract, &line.id, period)
                .map(|l| recovery(l, at))
                .unwrap_or_default();
            s.push_str(&format!(" (at risk: {words})"));
        }
        Some(at) if matches!(at.standing, Standing::Failing | Standing::CertainToFail) => {
            s.push_str(&format!(" ({})", at.standing.words()));
        }
        _ => {}
    }
    if line.credit_minor > 0 {
        s.push_str(&format!(
            "; if the month ended now: credit {} % = {} {}",
            line.tier.map_or(0.0, |t| t.percent.as_f64()),
            contract.currency.code(),
            format_minor(line.credit_minor, contract.currency.exponent())
        ));
    }
    s
}

/// The version of service level `id` in force in `period`.
fn level_of<'a>(contract: &'a Contract, id: &str, period: Period) -> Option<&'a ServiceLevel> {
    contract.service_level_in(id, period)
}

/// What would rescue an at-risk month: "needs 19 more P1 incidents, all
/// met; a typical month has 11".
fn recovery(level: &ServiceLevel, at: &LineStanding) -> String {
    let needed = at.needed_to_recover.unwrap_or_default();
    let priorities: Vec<&str> = level.priorities.iter().map(|p| p.as_str()).collect();
    let mut s = format!(
        "needs {needed} more {} incident{}, all met",
        priorities.join("/"),
        if needed == 1 { "" } else { "s" }
    );
    match at.typical_volume {
        Some(v) => s.push_str(&format!("; a typical month has {}", v.rounded())),
        None => s.push_str("; no closed month yet to compare with"),
    }
    s
}

fn incident_alerts(contract: &Contract, live: &LiveMonth, now: Instant, out: &mut Vec<NewAlert>) {
    let period = live.evaluation.period;
    let lines = &live.evaluation.levels;
    let open: &[OpenStage] = &live.open;
    let recent = now - Span::days(RECENT_DAYS);
    let breach = |level: &str,
                  incident: &str,
                  priority: Priority,
                  service: &Option<String>,
                  title: &Option<String>,
                  elapsed: i64,
                  target: i64,
                  deadline: Instant,
                  stopped: Option<Instant>| {
        let l = level_of(contract, level, period)?;
        let line = lines.iter().find(|x| x.id == level);
        let mut facts = Facts {
            headline: format!("{incident} breached {} ({} target)", l.name, hm(target)),
            lines: vec![
                (
                    "Contract",
                    format!("{} ({})", contract.id, contract.supplier),
                ),
                ("Service level", format!("{} ({})", l.name, l.id)),
                (
                    "Incident",
                    format!(
                        "{incident} ({priority}{})",
                        service
                            .as_ref()
                            .map(|s| format!(", {s}"))
                            .unwrap_or_default()
                    ),
                ),
                ("Title", title.clone().unwrap_or_default()),
                (
                    "Target",
                    format!("{} on the {} calendar", hm(target), l.calendar.name()),
                ),
                ("Elapsed", hm(elapsed)),
                ("Deadline", format_utc(deadline)),
                (
                    "Stopped",
                    stopped.map_or("still open".to_string(), format_utc),
                ),
            ],
            evidence: evidence_line(contract, period),
        };
        if let Some(line) = line {
            let at = live.standing.line(&line.id, line.service.as_deref());
            facts
                .lines
                .push(("This month", this_month(contract, period, line, at)));
        }
        Some(alert(
            format!("breached/{}/{}/{}", contract.id, level, incident),
            "breached",
            Severity::Critical,
            Some(&contract.id),
            &contract.managers,
            &facts,
            false,
        ))
    };
    for line in lines {
        let Figures::Incidents(f) = &line.figures else {
            continue;
        };
        for b in f
            .breaches
            .iter()
            .filter(|b| b.deadline >= recent && b.stopped_at.is_some())
        {
            out.extend(breach(
                &line.id,
                &b.incident,
                b.priority,
                &b.service,
                &b.title,
                b.elapsed_seconds,
                b.target_seconds,
                b.deadline,
                b.stopped_at,
            ));
        }
    }
    for s in open {
        match (s.stage, s.deadline) {
            (Stage::Breached, Some(d)) if d >= recent => {
                out.extend(breach(
                    &s.level,
                    &s.incident,
                    s.priority,
                    &s.service,
                    &s.title,
                    s.elapsed_seconds,
                    s.target_seconds,
                    d,
                    None,
                ));
            }
            (Stage::AtRisk, deadline) => {
                let Some(l) = level_of(contract, &s.level, period) else {
                    continue;
                };
                let facts = Facts {
                    headline: format!(
                        "{} at risk of breaching {}: {} of {} used",
                        s.incident,
                        l.name,
                        hm(s.elapsed_seconds),
                        hm(s.target_seconds)
                    ),
                    lines: vec![
                        (
                            "Contract",
                            format!("{} ({})", contract.id, contract.supplier),
                        ),
                        ("Service level", format!("{} ({})", l.name, l.id)),
                        ("Incident", format!("{} ({})", s.incident, s.priority)),
                        ("Title", s.title.clone().unwrap_or_default()),
                        (
                            "Elapsed",
                            format!("{} of {}", hm(s.elapsed_seconds), hm(s.target_seconds)),
                        ),
                        (
                            "Deadline",
                            deadline.map_or("paused".to_string(), format_utc),
                        ),
                    ],
                    evidence: evidence_line(contract, period),
                };
                out.push(alert(
                    format!("at_risk/{}/{}/{}", contract.id, s.level, s.incident),
                    "at_risk",
                    Severity::Warning,
                    Some(&contract.id),
                    &contract.managers,
                    &facts,
                    true,
                ));
            }
            _ => {}
        }
    }
}

/// Months whose standing calls for an alert, once each per month: **at
/// risk** (a warning saying how many more incidents, all met, would rescue
/// it and how many a typical month has), **certain to fail**, and
/// **critical** when certain to fail with its best possible attainment under
/// `critical_below`. A month failing so far that its open incidents would
/// bring back raises nothing; nor does an excused month.
fn level_alerts(
    contract: &Contract,
    period: Period,
    lines: &[LevelResult],
    standing: &MonthStanding,
    out: &mut Vec<NewAlert>,
) {
    // An excused month's failure does not count.
    for line in lines.iter().filter(|l| l.excused.is_none()) {
        let Some(at) = standing.line(&line.id, line.service.as_deref()) else {
            continue;
        };
        let Some(level) = level_of(contract, &line.id, period) else {
            continue;
        };
        let service = line.service.clone().unwrap_or_default();
        let name = if service.is_empty() {
            level.name.clone()
        } else {
            format!("{} ({service})", level.name)
        };
        let (stage, severity, headline) = match at.standing {
            Standing::CertainToFail if at.critical => (
                "critical",
                Severity::Critical,
                format!("{name} is certain to be a critical service level failure for {period}"),
            ),
            Standing::CertainToFail => (
                "certain_to_fail",
                Severity::Critical,
                format!("{name} is certain to fail for {period}"),
            ),
            Standing::AtRisk => (
                "at_risk",
                Severity::Warning,
                format!("{name} is at risk for {period}: {}", recovery(level, at)),
            ),
            Standing::Met | Standing::Failing | Standing::NoData => continue,
        };
        let mut lines = vec![
            (
                "Contract",
                format!("{} ({})", contract.id, contract.supplier),
            ),
            ("Service level", format!("{name} [{}]", level.id)),
        ];
        match (at.standing, at.best_possible) {
            (Standing::AtRisk, _) => lines.push(("To recover", recovery(level, at))),
            (_, Some(best)) => lines.push((
                "Best possible",
                format!(
                    "{:.3} % against a target of {} %",
                    best.rounded3(),
                    line.target_percent
                ),
            )),
            _ => {}
        }
        lines.push(("Standing", this_month(contract, period, line, Some(at))));
        let facts = Facts {
            headline,
            lines,
            evidence: evidence_line(contract, period),
        };
        out.push(alert(
            format!(
                "level/{}/{}/{}/{period}/{stage}",
                contract.id, level.id, service
            ),
            if stage == "at_risk" {
                "month_at_risk"
            } else {
                stage
            },
            severity,
            Some(&contract.id),
            &contract.managers,
            &facts,
            severity == Severity::Warning,
        ));
    }
}
