//! Live detection: after every ingest and every minute, where each open
//! incident stands against its targets, whether a month is already certain
//! to fail, outages starting and ending, sources gone stale or failing, and
//! (in [`super::commitments`]) commitments and supplier figures — each turned
//! into an alert queued once.
//!
//! Detection keeps no state of its own: it recomputes from the evidence and
//! queues alerts under dedup keys (kind, subject, stage), which the outbox
//! refuses to queue twice. So a restart re-detects whatever it missed and
//! never alerts twice; and a daemon started on a store with years of history
//! only alerts on what is recent (breaches whose deadline fell in the last
//! [`RECENT_DAYS`] days, outages of the last day).

use std::time::Duration;

use chrono::Duration as Span;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::compose::{Facts, alert};
use crate::contract::{Contract, ServiceLevel, ServiceLevelKind};
use crate::daemon::Deps;
use crate::domain::money::format_minor;
use crate::domain::time::format_utc;
use crate::domain::{Instant, Period, Priority, Ratio};
use crate::engine::clock::ClockStatus;
use crate::engine::incidents::{applies, clock_for};
use crate::engine::rulings::Rulings;
use crate::engine::{Evidence, Figures, LevelResult, evaluate_month};
use crate::store::outbox::{NewAlert, Severity, enqueue};

/// How far back a breach's deadline may lie and still be alerted.
pub const RECENT_DAYS: i64 = 7;
/// How often detection runs without an ingest to prompt it.
const TICK: Duration = Duration::from_secs(60);

/// Where an open incident stands against one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Less than the at-risk share of the target has elapsed.
    Within,
    /// At least the at-risk share has elapsed.
    AtRisk,
    /// The deadline has passed.
    Breached,
}

impl Stage {
    /// `within`, `at_risk` or `breached`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Within => "within",
            Stage::AtRisk => "at_risk",
            Stage::Breached => "breached",
        }
    }
}

/// One open incident against one service level.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenStage {
    /// The incident.
    pub incident: String,
    /// The service level's id.
    pub level: String,
    /// Its priority.
    pub priority: Priority,
    /// Its service.
    pub service: Option<String>,
    /// The supplier's title.
    pub title: Option<String>,
    /// Where it stands.
    pub stage: Stage,
    /// Business seconds elapsed.
    pub elapsed_seconds: i64,
    /// The target.
    pub target_seconds: i64,
    /// When the target is (or was) reached; `None` while paused indefinitely.
    pub deadline: Option<Instant>,
    /// When its stage will next move on (at risk, then breached), if it will.
    pub next_change: Option<Instant>,
}

/// Every open (not yet stopped) incident's stage against each incident level
/// that applies to it; excused incidents are left out.
pub fn open_incident_stages(
    contract: &Contract,
    evidence: &Evidence,
    at_risk_share: f64,
    now: Instant,
) -> Vec<OpenStage> {
    let mut out = Vec::new();
    let rulings = Rulings::new(&evidence.excusals, &evidence.disputes);
    for level in contract
        .service_levels
        .iter()
        .filter(|l| l.target_seconds.is_some())
    {
        let target = level.target_seconds.unwrap_or_default();
        for incident in evidence
            .incidents
            .iter()
            .filter(|i| rulings.incident_excused(i).is_none() && applies(level, i))
        {
            let Some(outcome) = clock_for(level, incident, now) else {
                continue;
            };
            if outcome.stopped_at.is_some() {
                continue;
            }
            let at_risk_target = (at_risk_share * target as f64).ceil() as i64;
            let (stage, next_change) = if outcome.status == ClockStatus::Breached {
                (Stage::Breached, None)
            } else if outcome.elapsed_seconds >= at_risk_target {
                (Stage::AtRisk, outcome.deadline)
            } else {
                // When the at-risk share will have elapsed: the same clock
                // run to the smaller target.
                let mut early = level.clone();
                early.target_seconds = Some(at_risk_target);
                (
                    Stage::Within,
                    clock_for(&early, incident, now).and_then(|o| o.deadline),
                )
            };
            out.push(OpenStage {
                incident: incident.id.clone(),
                level: level.id.clone(),
                priority: incident.priority,
                service: incident.service.clone(),
                title: incident.title.clone(),
                stage,
                elapsed_seconds: outcome.elapsed_seconds,
                target_seconds: target,
                deadline: outcome.deadline,
                next_change,
            });
        }
    }
    out
}

/// What one round of detection did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Detected {
    /// Alerts newly queued.
    pub queued: usize,
    /// The next instant an open incident's stage moves on, if any.
    pub next_change: Option<Instant>,
}

/// Runs detection after every ingest, every minute, and at the moment an
/// open incident is due to become at risk or breached, until shutdown.
pub async fn run(deps: Deps, shutdown: CancellationToken) -> anyhow::Result<()> {
    loop {
        let now = chrono::Utc::now();
        let mut wait = TICK;
        match detect_once(&deps, now).await {
            Ok(d) => {
                if d.queued > 0 {
                    tracing::info!(queued = d.queued, "alerts queued");
                }
                if let Some(next) = d.next_change {
                    // A second late, so the clock has certainly passed it.
                    let until = (next - now).to_std().unwrap_or_default() + Duration::from_secs(1);
                    wait = wait.min(until);
                }
            }
            Err(e) => tracing::error!(error = format!("{e:#}"), "live detection failed"),
        }
        tokio::select! {
            () = deps.ingested.notified() => {}
            () = tokio::time::sleep(wait) => {}
            () = shutdown.cancelled() => return Ok(()),
        }
    }
}

/// Looks at everything once as at `now`, queuing what is new.
pub async fn detect_once(deps: &Deps, now: Instant) -> anyhow::Result<Detected> {
    let mut alerts = Vec::new();
    let mut next_change: Option<Instant> = None;
    for contract in &deps.config.contracts {
        let period = Period::of(now, contract.timezone);
        let evidence = deps
            .store
            .month_evidence(&contract.id, period, contract.timezone, now)
            .await?;
        let evaluation = evaluate_month(contract, period, &evidence, now);
        let open = open_incident_stages(contract, &evidence, deps.config.alerts.at_risk_share, now);
        next_change = open
            .iter()
            .filter_map(|s| s.next_change)
            .chain(next_change)
            .min();
        crate::metrics::refresh_contract(deps, contract, &evaluation, &open, &evidence, now).await;
        incident_alerts(
            contract,
            period,
            &evaluation.levels,
            &open,
            now,
            &mut alerts,
        );
        level_alerts(contract, period, &evaluation.levels, &open, &mut alerts);
        super::feeds::outage_alerts(contract, &evidence, now, &mut alerts);
        super::commitments::detect(deps, contract, now, &mut alerts).await?;
        super::dr::detect(deps, contract, now, &mut alerts).await?;
    }
    super::feeds::source_alerts(deps, now, &mut alerts).await?;
    // Per-severity routes add recipients on top of the contract's managers.
    for a in &mut alerts {
        for extra in deps
            .config
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
    // Every daemon detects (its /metrics needs the figures); only the
    // leader queues. A deposed leader queuing late is harmless: the outbox
    // takes each dedup key once.
    if !deps.leadership.is_leader() {
        alerts.clear();
    }
    let mut tx = deps.store.begin().await?;
    let mut queued = 0;
    for a in &alerts {
        if enqueue(&mut tx, a, now.timestamp()).await? {
            queued += 1;
        }
    }
    tx.commit().await?;
    crate::metrics::publish(deps, now).await;
    Ok(Detected {
        queued,
        next_change,
    })
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
fn standing(contract: &Contract, line: &LevelResult) -> String {
    let attainment = line.attainment.map_or("no data yet".to_string(), |a| {
        format!("{:.3} %", a.rounded3())
    });
    let mut s = format!(
        "{attainment} this month against a target of {} %",
        line.target_percent
    );
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

fn level_of<'a>(contract: &'a Contract, id: &str) -> Option<&'a ServiceLevel> {
    contract.service_levels.iter().find(|l| l.id == id)
}

fn incident_alerts(
    contract: &Contract,
    period: Period,
    lines: &[LevelResult],
    open: &[OpenStage],
    now: Instant,
    out: &mut Vec<NewAlert>,
) {
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
        let l = level_of(contract, level)?;
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
            facts.lines.push(("This month", standing(contract, line)));
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
                let Some(l) = level_of(contract, &s.level) else {
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

/// The best attainment `line`'s month can still end on, when it can be
/// known: for incident levels, every open incident not yet breached meeting
/// its target; for availability, the attainment so far (it can only fall).
pub fn best_possible(line: &LevelResult, open: &[OpenStage]) -> Option<Ratio> {
    match (&line.figures, line.kind) {
        (Figures::Incidents(f), _) => {
            let pending = open
                .iter()
                .filter(|s| s.level == line.id && s.stage != Stage::Breached)
                .count() as u64;
            let whole = f.assessed + pending;
            (whole > 0).then(|| Ratio::percent_of((f.met + pending) as i128, whole as i128))
        }
        (Figures::Availability(_), ServiceLevelKind::Availability) => line.attainment,
        _ => None,
    }
}

/// Months already certain to fail (or to be a critical failure): for incident
/// levels even if every open incident meets its target; for availability as
/// soon as the downtime budget is spent (attainment can only fall).
fn level_alerts(
    contract: &Contract,
    period: Period,
    lines: &[LevelResult],
    open: &[OpenStage],
    out: &mut Vec<NewAlert>,
) {
    // An excused month's failure does not count.
    for line in lines.iter().filter(|l| l.excused.is_none()) {
        let Some(best) = best_possible(line, open) else {
            continue;
        };
        let Some(level) = level_of(contract, &line.id) else {
            continue;
        };
        let service = line.service.clone().unwrap_or_default();
        let stages = [
            (
                level
                    .critical_below
                    .filter(|c| best.is_below(*c))
                    .map(|_| "critical"),
                "a critical service level failure",
            ),
            (
                best.is_below(line.target_percent)
                    .then_some("certain_to_fail"),
                "certain to fail",
            ),
        ];
        let Some((stage, words)) = stages.into_iter().find_map(|(s, w)| s.map(|s| (s, w))) else {
            continue;
        };
        let name = if service.is_empty() {
            level.name.clone()
        } else {
            format!("{} ({service})", level.name)
        };
        let facts = Facts {
            headline: format!("{name} is {words} for {period}"),
            lines: vec![
                (
                    "Contract",
                    format!("{} ({})", contract.id, contract.supplier),
                ),
                ("Service level", format!("{name} [{}]", level.id)),
                (
                    "Best possible",
                    format!(
                        "{:.3} % against a target of {} %",
                        best.rounded3(),
                        line.target_percent
                    ),
                ),
                ("Standing", standing(contract, line)),
            ],
            evidence: evidence_line(contract, period),
        };
        out.push(alert(
            format!(
                "level/{}/{}/{}/{period}/{stage}",
                contract.id, level.id, service
            ),
            stage,
            Severity::Critical,
            Some(&contract.id),
            &contract.managers,
            &facts,
            false,
        ));
    }
}
