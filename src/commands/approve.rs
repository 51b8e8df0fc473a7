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
    if let Some(issued) = store
        .latest_issued(&c.id, period)
        .await
        .map_err(Failure::runtime)?
    {
        return Err(Failure::input(format!(
            "{} {period} is already issued (version {}); nothing to approve",
            c.id, issued.version
        )));
    }
    let Some(draft) = store
        .latest_draft(&c.id, period)
        .await
        .map_err(Failure::runtime)?
    else {
        return Err(Failure::input(format!(
            "{} {period} has no draft to approve yet (the daemon drafts it on the report schedule)",
            c.id
        )));
    };
    let now = clock.now().timestamp();
    if store
        .approve(&c.id, period, draft.draft, &by, now)
        .await
        .map_err(Failure::runtime)?
    {
        println!(
            "{} {period}: draft {} approved by {by}; the daemon issues it at its next check",
            c.id, draft.draft
        );
    } else {
        let first = store
            .approval(&c.id, period, draft.draft)
            .await
            .map_err(Failure::runtime)?;
        println!(
            "{} {period}: draft {} was already approved by {}",
            c.id,
            draft.draft,
            first.map_or_else(|| "someone".to_string(), |a| a.by)
        );
    }
    Ok(())
}
