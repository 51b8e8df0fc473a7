//! `slawatch issue`: closes a month by hand through the same code as the
//! daemon's issuing part ([`crate::issuing::issue_month`]), so the
//! once-only rule holds whichever issues first: a month already issued is
//! left alone, and `--reissue` adds a version only when figures changed.
//!
//! Issuing by hand is itself the decision to issue: it needs no approved
//! draft. With `--by NAME` the issued document names NAME as its approver
//! and the time of the command, as an approval through `slawatch approve`
//! would.

use super::Failure;
use crate::config::Config;
use crate::contract::Contract;
use crate::domain::{Period, WallClock};
use crate::issuing::{Closing, issue_approved};
use crate::report::ReportApproval;
use crate::store::Store;

/// Issues `month` (default: each contract's previous month) for `contract`
/// (default: every contract), printing one line per contract. Every contract
/// is tried; the command fails if any of them did.
pub async fn run(
    config: &Config,
    store: &Store,
    contract: Option<&str>,
    month: Option<&str>,
    reissue: bool,
    by: Option<&str>,
    clock: &WallClock,
) -> Result<(), Failure> {
    let contracts: Vec<&Contract> = match contract {
        Some(id) => vec![config.contract(id).ok_or_else(|| {
            let known: Vec<&str> = config.contracts.iter().map(|c| c.id.as_str()).collect();
            Failure::input(format!(
                "unknown contract '{id}' (configured: {})",
                known.join(", ")
            ))
        })?],
        None => config.contracts.iter().collect(),
    };
    let month: Option<Period> = month
        .map(|m| {
            m.parse()
                .map_err(|e: String| Failure::input(format!("--month: {e}")))
        })
        .transpose()?;
    let now = clock.now();
    let approval = by
        .map(|b| crate::records::required("--by", b))
        .transpose()
        .map_err(|e| Failure::input(e.to_string()))?
        .map(|by| ReportApproval { by, at: now });
    let mut failed = Vec::new();
    for c in contracts {
        let period = month.unwrap_or_else(|| Period::of(now, c.timezone).prev());
        if period.end(c.timezone) > now {
            return Err(Failure::input(format!(
                "--month {period}: the month has not ended yet for {} ({}); only a closed month is issued",
                c.id, c.timezone
            )));
        }
        match issue_approved(
            config,
            store,
            c,
            period,
            now,
            reissue,
            Closing {
                approval: approval.clone(),
                feed_gate: None,
            },
        )
        .await
        {
            Ok(Some(done)) => {
                let folder = done
                    .files
                    .first()
                    .and_then(|f| f.parent())
                    .map_or_else(String::new, |d| d.display().to_string());
                let verb = if done.version == 1 {
                    "issued"
                } else {
                    "reissued"
                };
                println!(
                    "{} {period}: {verb} version {} in {folder}",
                    c.id, done.version
                );
            }
            Ok(None) => {
                let latest = store
                    .latest_issued(&c.id, period)
                    .await
                    .map_err(Failure::runtime)?;
                let version = latest.map_or(0, |l| l.version);
                if reissue {
                    println!(
                        "{} {period}: nothing changed since version {version}; not reissued",
                        c.id
                    );
                } else {
                    println!(
                        "{} {period}: already issued (version {version}); use --reissue for an amended version",
                        c.id
                    );
                }
            }
            Err(e) => {
                eprintln!("{} {period}: not issued: {e:#}", c.id);
                failed.push(c.id.clone());
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Failure::runtime(anyhow::anyhow!(
            "not issued for {}",
            failed.join(", ")
        )))
    }
}
