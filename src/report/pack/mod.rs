//! The audit committee's pack: every contract's months over a period (a
//! quarter by default) in one document — the assurance map, service levels
//! with their trends, proactive against reactive work, outages by cause,
//! credits and costs claimed and recovered, commitments and security
//! activities evidenced, DR risk, the actions register with its follow-up
//! summary, and what changed since the last pack.
//!
//! Every month's figures are taken from that month's report as
//! [`super::assemble::with_trends`] builds it (the report as issued, with
//! the evidence as it stands), so the pack and the monthly reports cannot
//! disagree.
//!
//! - [`data`]: the pack's figures (its JSON, kept when issued).
//! - [`document`]: laid out as sections for HTML and PDF.
//! - [`changes`]: what changed since the last pack.

pub mod changes;
pub mod data;
pub mod document;

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::MonthReport;
use super::assemble::ReportError;
use super::chart::Chart;
use super::json::to_json;
use crate::config::Config;
use crate::contract::Contract;
use crate::domain::time::local_date;
use crate::domain::{CauseSubject, Instant, Period};
use crate::engine::commitment_categories::{Span, tally};
use crate::engine::commitments::AsOf;
use crate::engine::follow_up::FollowUp;
use crate::store::Store;
use data::{
    ActionLine, CategoryLine, CauseCount, ContractPack, DrLine, DrSystemLine, FollowUpLine,
    LevelLine, LevelMonth, MonthLine, OutageLine, Pack,
};

/// A pack with the charts its document draws (one list per contract, by id).
#[derive(Debug, Clone)]
pub struct Assembled {
    /// The figures.
    pub pack: Pack,
    /// Each contract's trend charts over the twelve months ending with the
    /// pack's last month.
    pub charts: BTreeMap<String, Vec<Chart>>,
}

/// The months `from..=to`, oldest first.
pub fn months(from: Period, to: Period) -> Vec<Period> {
    let mut out = Vec::new();
    let mut p = from;
    while p <= to {
        out.push(p);
        p = p.next();
    }
    out
}

/// Assembles the pack of `contracts` over `from..=to` as the evidence
/// stands at `now`.
pub async fn assemble(
    store: &Store,
    config: &Config,
    contracts: &[&Contract],
    scope: &str,
    (from, to): (Period, Period),
    now: Instant,
) -> Result<Assembled, ReportError> {
    let periods = months(from, to);
    let mut pack = Pack {
        schema_version: data::PACK_SCHEMA_VERSION.to_string(),
        scope: scope.to_string(),
        from: from.to_string(),
        to: to.to_string(),
        months: periods.iter().map(ToString::to_string).collect(),
        prepared_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        issue: None,
        contracts: Vec::new(),
        follow_up: Vec::new(),
        actions: Vec::new(),
        changes: None,
    };
    let mut charts = BTreeMap::new();
    let mut all_actions = Vec::new();
    for &c in contracts {
        let mut reports = Vec::with_capacity(periods.len());
        for &p in &periods {
            reports.push(super::assemble::with_trends(store, config, c, p, now, None).await?);
        }
        let causes = store.causes(&c.id).await?;
        let mut contract = contract_pack(c, &reports, |id| {
            causes
                .get(&(CauseSubject::Outage, id.to_string()))
                .map(|r| r.cause.to_string())
        });
        let register = store.commitment_register(c, &config.calendars).await?;
        contract.commitment_categories =
            tally(&register, Span { from, to }, AsOf::new(now, c.timezone))
                .iter()
                .map(CategoryLine::from)
                .collect();
        if let Some(last) = reports.last() {
            charts.insert(
                c.id.clone(),
                last.trends.series.iter().map(super::chart::chart).collect(),
            );
        }
        let today = local_date(c.timezone, now);
        for a in store.actions(&c.id).await? {
            pack.actions.push(ActionLine::new(&a, today));
            all_actions.push((a, today));
        }
        pack.contracts.push(contract);
    }
    pack.follow_up = follow_up_lines(&all_actions);
    Ok(Assembled { pack, charts })
}

/// The follow-up summary over every contract's actions, each judged on its
/// own contract's date.
fn follow_up_lines(actions: &[(crate::domain::Action, NaiveDate)]) -> Vec<FollowUpLine> {
    let mut summary = FollowUp::default();
    for (a, today) in actions {
        summary.add(a, *today);
    }
    let mut lines: Vec<FollowUpLine> = summary.rows.iter().map(FollowUpLine::from).collect();
    if !summary.rows.is_empty() {
        lines.push(FollowUpLine::from(&summary.total));
    }
    lines
}

/// One contract's part, from its months' reports (oldest first).
fn contract_pack(
    c: &Contract,
    reports: &[MonthReport<'_>],
    cause_of: impl Fn(&str) -> Option<String>,
) -> ContractPack {
    let mut out = ContractPack {
        id: c.id.clone(),
        name: c.particulars.name.clone().unwrap_or_else(|| c.id.clone()),
        supplier: c.supplier.clone(),
        currency: c.currency.code().to_string(),
        months: Vec::new(),
        levels: Vec::new(),
        outages: Vec::new(),
        outage_causes: Vec::new(),
        commitment_categories: Vec::new(),
        disaster_recovery: None,
    };
    let mut levels: Vec<LevelLine> = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        let json = to_json(r);
        let period = r.evaluation.period.to_string();
        let recovery = json
            .recovery
            .as_ref()
            .and_then(|rec| rec.months.iter().find(|m| m.period == period));
        let proactive = json
            .service_levels
            .iter()
            .find(|l| l.kind == "proactive_share");
        out.months.push(MonthLine {
            period: period.clone(),
            rating: json.assurance.as_ref().map(|a| a.rating.to_string()),
            trend: json
                .assurance
                .as_ref()
                .and_then(|a| a.trend.map(str::to_string)),
            reasons: json
                .assurance
                .as_ref()
                .map(|a| a.reasons.iter().map(|r| r.detail.to_string()).collect())
                .unwrap_or_default(),
            levels_total: json.service_levels.len(),
            levels_failed: r.failed_count(),
            critical_failures: r.critical_count(),
            service_credits_minor: json.service_credits.total_minor,
            recoverable_costs_minor: json.recoverable_costs_minor,
            total_claim_minor: json.total_claim_minor,
            credited_minor: recovery.map_or(0, |m| m.credited_minor),
            refused_minor: recovery.map_or(0, |m| m.refused_minor),
            outstanding_minor: recovery.map(|m| m.outstanding_minor),
            proactive: proactive.and_then(|l| l.proactive),
            reactive: proactive.and_then(|l| l.reactive),
            proactive_percent: proactive.and_then(|l| l.attainment_percent),
            proactive_target_percent: proactive.map(|l| l.target_percent),
        });
        for l in &json.service_levels {
            let key = (l.id, l.service);
            let at = match levels
                .iter()
                .position(|x| x.id == key.0 && x.service.as_deref() == key.1)
            {
                Some(at) => at,
                None => {
                    levels.push(LevelLine {
                        id: l.id.to_string(),
                        name: l.name.to_string(),
                        service: l.service.map(str::to_string),
                        kind: l.kind.to_string(),
                        target_percent: l.target_percent,
                        critical: l.critical,
                        months: vec![None; reports.len()],
                    });
                    levels.len() - 1
                }
            };
            levels[at].months[i] = Some(LevelMonth {
                attainment_percent: l.attainment_percent,
                status: l.status.to_string(),
            });
        }
        if let Some(appendix) = &json.appendix {
            for o in &appendix.outages {
                if out.outages.iter().any(|x| x.id == o.outage) {
                    continue;
                }
                out.outages.push(OutageLine {
                    id: o.outage.to_string(),
                    service: o.service.to_string(),
                    start: o.start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    end: o
                        .end
                        .map(|e| e.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                    duration_seconds: o.end.map(|e| (e - o.start).num_seconds()),
                    impact: o.impact.to_string(),
                    cause: cause_of(o.outage),
                });
            }
        }
        if i + 1 == reports.len() {
            out.disaster_recovery = json.disaster_recovery.as_ref().map(|d| DrLine {
                as_of: d.as_of.to_string(),
                rating: d.rating.to_string(),
                score: d.score,
                systems: d
                    .systems
                    .iter()
                    .map(|s| DrSystemLine {
                        id: s.id.to_string(),
                        name: s.name.to_string(),
                        score: s.score,
                        flags: s.flags.iter().map(|f| f.flag.to_string()).collect(),
                        rests_on_third_party_assurance: s.rests_on_third_party_assurance,
                    })
                    .collect(),
            });
        }
    }
    out.outages
        .sort_by(|a, b| a.start.cmp(&b.start).then(a.id.cmp(&b.id)));
    out.outage_causes = CauseCount::of(&out.outages);
    out.levels = levels;
    out
}
