//! Money actually recovered, per contract: the issued claims, what the
//! supplier credited and refused, what is outstanding and how old the
//! oldest outstanding claim is. Handed over by live detection (which
//! computes the same recovery for the chase alert), rendered with the rest.

use super::exposition::Families;
use super::figures::major;
use crate::contract::Contract;
use crate::engine::recovery::Recovery;

/// One contract's recovery as metric values.
#[derive(Debug, Clone, PartialEq)]
pub struct RecoveryFigures {
    /// The contract's id.
    pub contract: String,
    /// Its currency code.
    pub currency: String,
    /// Decimals of the currency's minor unit.
    pub exponent: u32,
    /// The sum of the issued claims.
    pub claimed_minor: i64,
    /// Credited by the supplier.
    pub recovered_minor: i64,
    /// Refused by the supplier.
    pub refused_minor: i64,
    /// Claimed less credited.
    pub outstanding_minor: i64,
    /// Seconds since the oldest month with something outstanding was first
    /// issued (0 when nothing is outstanding).
    pub oldest_outstanding_age_seconds: i64,
}

impl RecoveryFigures {
    /// Takes the contract's recovery as at detection's instant.
    pub fn new(contract: &Contract, r: &Recovery) -> RecoveryFigures {
        let oldest = r
            .months
            .iter()
            .filter(|m| m.outstanding_days.is_some())
            .filter_map(|m| m.issued.as_ref())
            .map(|c| (r.as_at - c.first_issued_at).num_seconds().max(0))
            .max()
            .unwrap_or(0);
        RecoveryFigures {
            contract: contract.id.clone(),
            currency: contract.currency.code().to_string(),
            exponent: contract.currency.exponent(),
            claimed_minor: r.claimed_minor,
            recovered_minor: r.credited_minor,
            refused_minor: r.refused_minor,
            outstanding_minor: r.outstanding_minor,
            oldest_outstanding_age_seconds: oldest,
        }
    }
}

/// Writes the recovery families.
pub(super) fn write<'a>(
    f: &Families,
    all: impl Iterator<Item = &'a RecoveryFigures>,
) -> prometheus::Result<()> {
    let money = &["contract", "currency"];
    let claimed = f.gauge(
        "slawatch_claim_claimed",
        "The total claims of every issued month, each month's latest version (major units of the currency).",
        money,
    )?;
    let recovered = f.gauge(
        "slawatch_claim_recovered",
        "What the supplier credited against the issued claims, by its recorded credit notes (major units of the currency).",
        money,
    )?;
    let refused = f.gauge(
        "slawatch_claim_refused",
        "What the supplier refused or disputed of the issued claims, by its recorded refusals (major units of the currency).",
        money,
    )?;
    let outstanding = f.gauge(
        "slawatch_claim_outstanding",
        "The issued claims less what the supplier credited: money still owed (major units of the currency).",
        money,
    )?;
    let age = f.gauge(
        "slawatch_claim_oldest_outstanding_age_seconds",
        "How long ago the oldest month with something still outstanding was first issued (0 when nothing is outstanding).",
        &["contract"],
    )?;
    for r in all {
        let labels = [r.contract.as_str(), r.currency.as_str()];
        claimed
            .with_label_values(&labels)
            .set(major(r.claimed_minor, r.exponent));
        recovered
            .with_label_values(&labels)
            .set(major(r.recovered_minor, r.exponent));
        refused
            .with_label_values(&labels)
            .set(major(r.refused_minor, r.exponent));
        outstanding
            .with_label_values(&labels)
            .set(major(r.outstanding_minor, r.exponent));
        age.with_label_values(&[r.contract.as_str()])
            .set(r.oldest_outstanding_age_seconds as f64);
    }
    Ok(())
}
