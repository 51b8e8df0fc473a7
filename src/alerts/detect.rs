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
use crate::contract::escalation::When;
use crate::contract::{Contract, ServiceLevel};
use crate::domain::display::{duration, local_time, money, percent};
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
    let link = month_link(config, contract, period);
    incident_alerts(contract, live, now, &link, &mut alerts);
    level_alerts(contract, period, lines, &live.standing, &link, &mut alerts);
    super::feeds::outage_alerts(config, contract, evidence, now, &mut alerts);
    super::commitments::detect(config, store, contract, register, now, &mut alerts).await?;
    super::dr::detect(config, contract, dr_tests, now, &mut alerts);
    super::weekly::summary(config, contract, live, now, &mut alerts);
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

/// A duration as a contract manager reads it: `4 h`, `15 min 19 s`.
pub(super) fn hm(seconds: i64) -> String {
    duration(seconds)
}

/// What a month's alerts rest on, in words: the records, not a command.
pub(super) fn evidence_line(contract: &Contract, period: Period) -> String {
    format!(
        "Evidence: the incident and outage records slawatch holds from {}'s feeds for {period} \
         (each as first received, with any later change kept), measured on the contract's \
         calendars; the month's report works out every figure.",
        contract.supplier
    )
}

/// Where a reader sees `contract`'s month: the configured `public_url`, or
/// the daemon's own HTTP address, followed by the month's API path.
pub(super) fn month_link(config: &Config, contract: &Contract, period: Period) -> String {
    contract_link(config, contract, &format!("months/{period}"))
}

/// Where a reader sees a page of `contract` (`dr`, `recovery`,
/// `commitments`, …): the configured `public_url`, or the daemon's own HTTP
/// address, followed by the contract's API path and `page`.
pub(super) fn contract_link(config: &Config, contract: &Contract, page: &str) -> String {
    let base = match &config.alerts.public_url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => format!("http://{}", config.daemon.listen),
    };
    format!("{base}/api/v1/contracts/{}/{page}", contract.id)
}

/// Whether a breach of `priority` needs a decision today: P1 and P2 do;
/// lower priorities wait for the day's digest.
pub fn breach_is_immediate(priority: Priority) -> bool {
    matches!(priority, Priority::P1 | Priority::P2)
}

/// What the level stands at this month, for the "what it costs" line.
fn this_month(
    contract: &Contract,
    period: Period,
    line: &LevelResult,
    at: Option<&LineStanding>,
) -> String {
    let attainment = line
        .attainment
        .map_or("no data yet".to_string(), |a| percent(&a));
    let mut s = format!("{attainment} against a target of {} %", line.target_percent);
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
            "; if the month ended now: credit {} % = {}",
            line.tier.map_or(0.0, |t| t.percent.as_f64()),
            money(line.credit_minor, &contract.currency)
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

fn incident_alerts(
    contract: &Contract,
    live: &LiveMonth,
    now: Instant,
    link: &str,
    out: &mut Vec<NewAlert>,
) {
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
                ("Deadline", local_time(deadline, contract.timezone)),
                (
                    "Stopped",
                    stopped.map_or("still open".to_string(), |t| {
                        local_time(t, contract.timezone)
                    }),
                ),
            ],
            evidence: evidence_line(contract, period),
            month: Some(period),
            next_step: Some(breach_step(l, incident, stopped.is_none())),
            link: Some(link.to_string()),
        };
        if let Some(line) = line {
            let at = live.standing.line(&line.id, line.service.as_deref());
            facts
                .lines
                .push(("This month", this_month(contract, period, line, at)));
        }
        let immediate = breach_is_immediate(priority);
        Some(alert(
            format!("breached/{}/{}/{}", contract.id, level, incident),
            "breached",
            if immediate {
                Severity::Critical
            } else {
                Severity::Warning
            },
            Some(&contract.id),
            &contract.managers,
            &facts,
            !immediate,
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
                            deadline
                                .map_or("paused".to_string(), |d| local_time(d, contract.timezone)),
                        ),
                    ],
                    evidence: evidence_line(contract, period),
                    month: Some(period),
                    next_step: Some(format!(
                        "ask {} to prioritise {} so that it is {} within target{}.",
                        contract.supplier,
                        s.incident,
                        done_word(l),
                        deadline
                            .map(|d| format!(", by {}", local_time(d, contract.timezone)))
                            .unwrap_or_default()
                    )),
                    link: Some(link.to_string()),
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
    link: &str,
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
            month: Some(period),
            next_step: Some(level_step(contract, level, at, stage)),
            link: Some(link.to_string()),
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

/// What to do about a breached incident: a single breach is not a notice,
/// it is measured in the month and raised at the service review.
fn breach_step(level: &ServiceLevel, incident: &str, open: bool) -> String {
    let chase = if open {
        format!(
            "{incident} is still open: ask the supplier's service manager when it will be {}; ",
            done_word(level)
        )
    } else {
        String::new()
    };
    format!(
        "{chase}record it for the monthly service review. One breach needs no notice: it counts \
         in the month's {} figure, and any service credit is claimed with the monthly report.",
        level.name
    )
}

/// What to do about a month at risk or failing, naming the contract's
/// escalation rule that the failure feeds when there is one.
fn level_step(contract: &Contract, level: &ServiceLevel, at: &LineStanding, stage: &str) -> String {
    let rule = contract.escalations.iter().find(|r| match &r.when {
        When::CriticalFailure => stage == "critical",
        When::Failure { .. } => stage != "at_risk",
        _ => false,
    });
    let ladder = rule.map(|r| {
        let when = match &r.when {
            When::Failure {
                count,
                within_months,
            } => {
                format!("{count} failures of a service level within {within_months} months")
            }
            _ => "a critical service level failure".to_string(),
        };
        format!(
            " Under the contract ({}), {when} means {}: check the escalation ladder in the report.",
            r.clause,
            r.then.replace('_', " ")
        )
    });
    let step = match stage {
        "at_risk" => format!(
            "ask the supplier how it will recover {} this month ({}).",
            level.name,
            recovery(level, at)
        ),
        _ => format!(
            "the month will fail {}: the service credit is claimed with the monthly report; \
             put the failure and the supplier's remedy on the service review agenda.",
            level.name
        ),
    };
    format!("{step}{}", ladder.unwrap_or_default())
}

/// What meeting an incident service level takes: "responded to" or "resolved".
fn done_word(level: &ServiceLevel) -> &'static str {
    match level.kind {
        crate::contract::ServiceLevelKind::ResponseTime => "responded to",
        _ => "resolved",
    }
}
