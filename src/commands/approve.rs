//! `slawatch approve`: a manager's approval of the latest draft of a
//! month's report. The approval is recorded in the store; the daemon's
//! leader then issues the month once, naming the approver and the time on
//! the issued document. An approval is recorded once: approving again
//! leaves the first one standing.

use super::Failure;
use crate::config::Config;
use crate::domain::{Period, WallClock};
use crate::records::required;
use crate::store::Store;
use crate::store::approvals::Approved;

/// Approves the latest draft of `month` for `contract` as `by`, printing
/// what was approved.
pub async fn run(
    config: &Config,
    store: &Store,
    contract: &str,
    month: &str,
    by: &str,
    clock: &WallClock,
) -> Result<(), Failure> {
    let c = config
        .contract(contract)
        .ok_or_else(|| Failure::input(format!("unknown contract '{contract}'")))?;
    let period: Period = month
        .parse()
        .map_err(|e: String| Failure::input(format!("--month: {e}")))?;
    let by = required("--by", by).map_err(|e| Failure::input(e.to_string()))?;
    let outcome = store
        .approve_latest(&c.id, period, &by, clock.now().timestamp())
        .await
        .map_err(Failure::runtime)?;
    match outcome {
        Approved::Now(draft) => println!(
            "{} {period}: draft {draft} approved by {by}; the daemon issues it at its next check",
            c.id
        ),
        Approved::Before(first) => println!(
            "{} {period}: draft {} was already approved by {}",
            c.id, first.draft, first.by
        ),
        Approved::NoDraft => {
            return Err(Failure::input(format!(
                "{} {period} has no draft to approve yet (the daemon drafts it on the report schedule)",
                c.id
            )));
        }
        Approved::Issued(version) => {
            return Err(Failure::input(format!(
                "{} {period} is already issued (version {version}); nothing to approve",
                c.id
            )));
        }
    }
    Ok(())
}
