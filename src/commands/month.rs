//! The contract, month and instants that `evaluate`, `report`, `audit` and
//! `issued` take from the command line.

use super::Failure;
use crate::config::Config;
use crate::contract::Contract;
use crate::domain::time::parse_rfc3339;
use crate::domain::{Instant, Period, WallClock};

/// The instants a month is seen at, as given on the command line.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Seen {
    /// See the evidence as at this instant (RFC 3339) instead of now.
    #[arg(long, value_name = "INSTANT")]
    pub as_of: Option<String>,
    /// Use every record as the store held it at this instant (RFC 3339):
    /// versions received later, and records first received later, are not
    /// seen. Without --as-of the month is also seen as at this instant, so
    /// the issue instant of a month reproduces its issued figures.
    #[arg(long, value_name = "INSTANT")]
    pub known_at: Option<String>,
}

/// The instant to see a month at, and the store's instant to read it as known.
#[derive(Debug, Clone, Copy)]
pub struct Instants {
    /// The valid-time cut (`--as-of`, else `--known-at`, else now).
    pub now: Instant,
    /// The transaction-time cut, if any.
    pub known_at: Option<Instant>,
}

/// Resolves the instants of `seen` (no `--as-of`: `--known-at`, else the clock's now).
pub fn instants(seen: &Seen, clock: &WallClock) -> Result<Instants, Failure> {
    let known_at = seen
        .known_at
        .as_deref()
        .map(|t| instant("--known-at", t))
        .transpose()?;
    let now = match (&seen.as_of, known_at) {
        (Some(t), _) => instant("--as-of", t)?,
        (None, Some(k)) => k,
        (None, None) => clock.now(),
    };
    Ok(Instants { now, known_at })
}

fn instant(option: &str, text: &str) -> Result<Instant, Failure> {
    parse_rfc3339(text).map_err(|e| Failure::input(format!("{option}: {e}")))
}

/// Resolves the contract and month given on the command line.
pub fn arguments<'c>(
    config: &'c Config,
    contract: &str,
    month: &str,
) -> Result<(&'c Contract, Period), Failure> {
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
    Ok((c, period))
}
