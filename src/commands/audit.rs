//! `slawatch audit`: the trail of every cost, excusal and dispute change —
//! who, when, what and why — for a contract, or as a month's report quotes it.

use super::records::{ListFormat, contract, print_list};
use super::{Failure, month};
use crate::config::Config;
use crate::domain::WallClock;
use crate::domain::time::format_utc;
use crate::store::Store;

/// Prints the audit trail, oldest first.
pub async fn run(
    config: &Config,
    store: &Store,
    contract_id: &str,
    period: Option<&str>,
    format: ListFormat,
    clock: &WallClock,
) -> Result<(), Failure> {
    let entries = match period {
        None => {
            let c = contract(config, contract_id)?;
            store.audit(&c.id).await.map_err(Failure::runtime)?
        }
        Some(m) => {
            let (c, period) = month::arguments(config, contract_id, m)?;
            let now = clock.now();
            crate::report::assemble::month_alone(store, config, c, period, now, None)
                .await
                .map_err(Failure::runtime)?
                .audit
        }
    };
    print_list(
        &entries,
        format,
        &["ID", "AT", "BY", "ACTION", "DETAIL", "REASON"],
        |a| {
            vec![
                a.id.to_string(),
                format_utc(a.at),
                a.by.clone(),
                a.action.clone(),
                a.detail.clone(),
                a.reason.clone().unwrap_or_default(),
            ]
        },
    )
}
