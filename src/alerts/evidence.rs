//! Data-quality alerts about the evidence itself: records changed after the
//! fact in the supplier's favour (one alert per import and contract, listing
//! them), and rows refused because another source owns their record (one
//! alert per refused source and UTC day). Part of live detection
//! ([`super::detect`]), queued under the same dedup keys.

use std::collections::BTreeMap;

use super::compose::{Facts, alert};
use super::detect::contract_link;
use crate::config::Config;
use crate::domain::Instant;
use crate::domain::rewrite::Rewrite;
use crate::domain::time::format_utc;
use crate::store::Store;
use crate::store::outbox::{NewAlert, Severity};
use crate::store::quality::OwnershipRefusals;

/// How far back detection looks: long enough to survive a daemon stopped
/// for days, short enough to stay cheap. Each dedup key is queued once.
const LOOKBACK_SECONDS: i64 = 7 * 86_400;

/// Queues the evidence alerts that are due as at `now`.
pub async fn evidence_alerts(
    config: &Config,
    store: &Store,
    now: Instant,
    out: &mut Vec<NewAlert>,
) -> anyhow::Result<()> {
    let since = now.timestamp() - LOOKBACK_SECONDS;
    let mut by_import: BTreeMap<(String, i64), Vec<Rewrite>> = BTreeMap::new();
    for r in store.favourable_rewrites_since(since).await? {
        by_import
            .entry((r.contract.clone(), r.import_id))
            .or_default()
            .push(r);
    }
    for ((contract_id, import_id), rewrites) in by_import {
        let Some(contract) = config.contract(&contract_id) else {
            continue;
        };
        let first = &rewrites[0];
        let from = match &first.corrected_by {
            Some(by) => format!("{} (a correction by {by})", first.source),
            None => first.source.clone(),
        };
        let mut lines = vec![
            (
                "Contract",
                format!("{} ({})", contract.id, contract.supplier),
            ),
            ("From", from),
            ("Received", format_utc(first.received_at)),
            ("Import", import_id.to_string()),
        ];
        for r in &rewrites {
            lines.push((
                "Changed",
                format!(
                    "{} {}: {} — {}",
                    r.kind.replace('_', " "),
                    r.record,
                    r.change,
                    r.why
                ),
            ));
        }
        let months: Vec<String> = {
            let mut all: Vec<_> = rewrites.iter().flat_map(|r| r.periods.clone()).collect();
            all.sort();
            all.dedup();
            all.iter().map(ToString::to_string).collect()
        };
        let facts = Facts {
            headline: format!(
                "{} record(s) changed after the fact in the supplier's favour",
                rewrites.len()
            ),
            lines,
            evidence: format!(
                "Evidence: each is listed, with the credit it moved, under \"Records changed \
                 after the fact\" in the report of {}; every version of each record is kept.",
                months.join(", "),
            ),
            next_step: Some(
                "ask the supplier why each record was changed after the fact, and dispute \
                 every change its evidence does not support before the month's report is \
                 approved."
                    .to_string(),
            ),
            link: months
                .first()
                .map(|m| contract_link(config, contract, &format!("months/{m}"))),
            ..Facts::default()
        };
        out.push(alert(
            format!("rewrites/{}/{import_id}", contract.id),
            "evidence_rewritten",
            Severity::Warning,
            Some(&contract.id),
            &contract.managers,
            &facts,
            true,
        ));
    }

    let mut by_day: BTreeMap<(String, i64), Vec<OwnershipRefusals>> = BTreeMap::new();
    for r in store.ownership_refusals_since(since).await? {
        by_day.entry((r.source.clone(), r.day)).or_default().push(r);
    }
    for ((source, day), refusals) in by_day {
        // The contract the rows named, else the refused source's own.
        let contract = refusals
            .iter()
            .find_map(|r| r.contract.as_deref())
            .or_else(|| {
                config
                    .sources
                    .iter()
                    .find(|s| s.id == source)
                    .map(|s| s.contract.as_str())
            })
            .and_then(|id| config.contract(id));
        let Some(contract) = contract else {
            continue;
        };
        let day = chrono::DateTime::from_timestamp(day * 86_400, 0)
            .map_or(String::new(), |d| d.format("%Y-%m-%d").to_string());
        let count: u64 = refusals.iter().map(|r| r.count).sum();
        let mut owners: Vec<&str> = refusals.iter().map(|r| r.owner.as_str()).collect();
        owners.sort_unstable();
        owners.dedup();
        let facts = Facts {
            headline: format!(
                "{count} row(s) from source {source} refused: the records belong to another source"
            ),
            lines: vec![
                (
                    "Contract",
                    format!("{} ({})", contract.id, contract.supplier),
                ),
                ("Refused source", source.clone()),
                ("Owned by", owners.join(", ")),
                ("Day (UTC)", day.clone()),
                ("Rows", count.to_string()),
                ("For example", refusals[0].example.clone()),
            ],
            evidence: "Nothing was changed: only the source that first stored a record, or a \
                       person's correction with a reason, may change it. Each refused row is \
                       in the import's rejections."
                .into(),
            next_step: Some(format!(
                "ask whoever runs source {source} why it sends records another source owns; a \
                 record it should change is corrected by a person, with the reason."
            )),
            ..Facts::default()
        };
        out.push(alert(
            format!("refused/{source}/{day}"),
            "evidence_refused",
            Severity::Warning,
            Some(&contract.id),
            &contract.managers,
            &facts,
            true,
        ));
    }
    Ok(())
}
