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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Evidence;
    use crate::engine::contract_year::Prior;
    use crate::engine::standing::TypicalVolumes;

    fn at(s: &str) -> Instant {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    }

    #[test]
    fn the_summary_comes_at_08_00_local_time_either_side_of_the_clocks_going_back() {
        let text = r#"
[alerts]
digest_at = "08:00"
weekly_summary = true
public_url = "https://slawatch.council.example/"

[[contracts]]
id = "acme"
supplier = "Acme Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "125000.00"
managers = ["m@council.example"]

  [[contracts.service_levels]]
  id = "p1-resolution"
  name = "P1 resolved in 4 hours"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  target_percent = 95.0
"#;
        let config = crate::config::parse(text, "t.toml").unwrap();
        let c = &config.contracts[0];
        let summaries = |now: &str| {
            let now = at(now);
            let prior = (&TypicalVolumes::default(), &Prior::default());
            let mut live = LiveMonth::new(c, &Evidence::default(), 0.75, prior, now);
            // A credit set by hand: 1 234 567 pence reads £12,345.67.
            live.evaluation.levels[0].credit_minor = 1_234_567;
            let mut out = Vec::new();
            summary(&config, c, &live, now, &mut out);
            out
        };
        // Monday 19 October is British Summer Time: 08:00 BST is 07:00 UTC.
        assert!(summaries("2026-10-19T06:59:00Z").is_empty());
        let bst = summaries("2026-10-19T07:00:00Z");
        assert_eq!(bst[0].dedup_key, "weekly/acme/2026-W43");
        // The clocks went back on Sunday 25 October: on Monday 26 October
        // 08:00 is 08:00 GMT = 08:00 UTC, and 07:00 UTC is still 07:00 GMT.
        assert!(summaries("2026-10-26T07:00:00Z").is_empty());
        assert!(summaries("2026-10-26T07:59:00Z").is_empty());
        let gmt = summaries("2026-10-26T08:00:00Z");
        assert_eq!(gmt.len(), 1);
        let a = &gmt[0];
        assert_eq!(a.dedup_key, "weekly/acme/2026-W44");
        assert_eq!(
            a.subject,
            "[slawatch] acme 2026-10 weekly summary: week 44 summary of 2026-10 to date"
        );
        for line in [
            "week 44 summary of 2026-10 to date\nFor information.\n\n",
            "Contract         acme (Acme Ltd)\n",
            "If it ended now  service credit £12,345.67\n",
            "Last 7 days      0 breach(es) of incident targets\n",
            "Open: https://slawatch.council.example/api/v1/contracts/acme/months/2026-10\n",
        ] {
            assert!(
                a.body_text.contains(line),
                "{line:?} not in:\n{}",
                a.body_text
            );
        }
        assert!(
            a.body_html.contains("<td>service credit £12,345.67</td>"),
            "{}",
            a.body_html
        );
    }
}
