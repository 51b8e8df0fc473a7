//! The weekly summary of a contract's month to date, on Monday at the digest
//! time (local to the contract): where each service level stands, the
//! service credit if the month ended now, and what the last seven days
//! added. Once per contract and ISO week, under its dedup key.

use chrono::{Datelike, Duration as Span, NaiveTime, Weekday};

use super::compose::{Facts, alert};
use super::detect::{evidence_line, month_link};
use crate::config::Config;
use crate::contract::Contract;
use crate::domain::Instant;
use crate::domain::display::{money, percent};
use crate::engine::Figures;
use crate::engine::live::LiveMonth;
use crate::store::outbox::{NewAlert, Severity};

/// The summary for `contract` when `[alerts] weekly_summary` is on and `now`
/// is a Monday at or after the digest time (08:00 when digests are off),
/// else nothing.
pub(super) fn summary(
    config: &Config,
    contract: &Contract,
    live: &LiveMonth,
    now: Instant,
    out: &mut Vec<NewAlert>,
) {
    if !config.alerts.weekly_summary {
        return;
    }
    let at = config
        .alerts
        .digest_at
        .or(NaiveTime::from_hms_opt(8, 0, 0))
        .unwrap_or_default();
    let local = now.with_timezone(&contract.timezone);
    if local.weekday() != Weekday::Mon || local.time() < at {
        return;
    }
    let period = live.evaluation.period;
    let week = local.iso_week();
    let since = now - Span::days(7);
    let mut lines = vec![(
        "Contract",
        format!("{} ({})", contract.id, contract.supplier),
    )];
    let mut credit = 0;
    let mut recent = 0;
    for line in &live.evaluation.levels {
        let level = contract
            .service_level_in(&line.id, period)
            .map_or(line.id.clone(), |l| l.name.clone());
        let name = match &line.service {
            Some(s) => format!("{level} ({s})"),
            None => level,
        };
        let standing = live
            .standing
            .line(&line.id, line.service.as_deref())
            .map_or("no data yet", |s| s.standing.words());
        let attainment = line
            .attainment
            .map_or("no data yet".to_string(), |a| percent(&a));
        lines.push((
            "Service level",
            format!(
                "{name}: {attainment} against {} %, {standing}",
                line.target_percent
            ),
        ));
        credit += line.credit_minor;
        if let Figures::Incidents(f) = &line.figures {
            recent += f.breaches.iter().filter(|b| b.deadline >= since).count();
        }
    }
    lines.push((
        "If it ended now",
        format!("service credit {}", money(credit, &contract.currency)),
    ));
    lines.push((
        "Last 7 days",
        format!("{recent} breach(es) of incident targets"),
    ));
    let facts = Facts {
        headline: format!("week {} summary of {period} to date", week.week()),
        lines,
        evidence: evidence_line(contract, period),
        month: Some(period),
        next_step: None,
        link: Some(month_link(config, contract, period)),
    };
    out.push(alert(
        format!("weekly/{}/{}-W{:02}", contract.id, week.year(), week.week()),
        "weekly_summary",
        Severity::Info,
        Some(&contract.id),
        &contract.managers,
        &facts,
        false,
    ));
}
