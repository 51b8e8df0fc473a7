//! The contract, month and as-of instant that `evaluate`, `report`, `audit`
//! and `issued` take from the command line.

use chrono::{DateTime, Utc};

use super::Failure;
use crate::config::Config;
use crate::contract::Contract;
use crate::domain::{Instant, Period, WallClock};

/// Resolves the contract, month and as-of instant given on the command line
/// (no `--as-of`: the clock's now).
pub fn arguments<'c>(
    config: &'c Config,
    contract: &str,
    month: &str,
    as_of: Option<&str>,
    clock: &WallClock,
) -> Result<(&'c Contract, Period, Instant), Failure> {
    let c = config.contract(contract).ok_or_else(|| {
        let known: Vec<&str> = config.contracts.iter().map(|c| c.id.as_str()).collect();
        Failure::input(format!(
            "unknown contract '{contract}' (configured: {})",
            known.join(", ")
        ))
    })?;
    let period: Period = month
        .parse()
        .map_err(|e: String| Failure::input(format!("--month: {e}")))?;
    let now = match as_of {
        None => clock.now(),
        Some(t) => DateTime::parse_from_rfc3339(t)
            .map_err(|e| Failure::input(format!("--as-of: '{t}' is not an RFC 3339 instant: {e}")))?
            .with_timezone(&Utc),
    };
    Ok((c, period, now))
}
