//! A contract's recovery keys: `costs_recoverable` (`"always"`, the
//! default, or `"when_gate_open"`) and `recovery_chase_after` (whole days,
//! default `"60d"`).

use super::load::parse_duration;
use super::reader::{Problems, Section};
use crate::contract::recovery::{CostsRecoverable, DEFAULT_CHASE_AFTER_DAYS, RecoveryTerms};

/// The keys this part reads, added to the contract's allowed keys.
pub(super) const KEYS: [&str; 2] = ["costs_recoverable", "recovery_chase_after"];

/// Reads the contract's recovery keys; every problem is reported with its
/// key path.
pub(super) fn recovery_terms(s: &Section, p: &mut Problems) -> Option<RecoveryTerms> {
    let costs_recoverable = match s.has("costs_recoverable") {
        true => s.parsed("costs_recoverable", p, CostsRecoverable::parse),
        false => Some(CostsRecoverable::Always),
    };
    let chase_after_days = match s.has("recovery_chase_after") {
        true => s.parsed("recovery_chase_after", p, |t| match parse_duration(t)? {
            secs if secs % 86_400 == 0 => Ok(secs / 86_400),
            _ => Err(format!(
                "'{t}' is not a whole number of days (e.g. \"60d\"): a claim's age is counted in days"
            )),
        }),
        false => Some(DEFAULT_CHASE_AFTER_DAYS),
    };
    Some(RecoveryTerms {
        costs_recoverable: costs_recoverable?,
        chase_after_days: chase_after_days?,
    })
}
