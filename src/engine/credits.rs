//! Service credits (SPEC §2.6): tiers, critical failures, the monthly cap.

use crate::contract::CreditTier;
use crate::domain::money::percent_of_minor;
use crate::domain::{Percent, Ratio};

/// The tier that applies to a failed month: the smallest `below` that is
/// still greater than the attainment. `None` when no tier reaches down to it.
pub fn applicable_tier(tiers: &[CreditTier], attainment: &Ratio) -> Option<CreditTier> {
    tiers
        .iter()
        .filter(|t| attainment.is_below(t.below))
        .min_by_key(|t| t.below)
        .copied()
}

/// A month's service credits: the sum of the lines, then the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditTotals {
    /// The sum of every line's credit.
    pub before_cap_minor: i64,
    /// The cap: `service_credit_cap_percent` of the charge, rounded half up.
    pub cap_minor: i64,
    /// The credits after the cap.
    pub total_minor: i64,
}

/// Sums line credits and applies the cap.
pub fn totals(
    line_credits: impl IntoIterator<Item = i64>,
    monthly_charge_minor: i64,
    cap: Percent,
) -> CreditTotals {
    let before_cap_minor: i64 = line_credits.into_iter().sum();
    let cap_minor = percent_of_minor(monthly_charge_minor, cap);
    CreditTotals {
        before_cap_minor,
        cap_minor,
        total_minor: before_cap_minor.min(cap_minor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiers() -> Vec<CreditTier> {
        let p = |v: f64| Percent::from_f64(v).unwrap();
        vec![
            CreditTier {
                below: p(95.0),
                percent: p(2.0),
            },
            CreditTier {
                below: p(90.0),
                percent: p(4.0),
            },
        ]
    }

    #[test]
    fn picks_the_smallest_band_still_above_the_attainment() {
        // 12 of 14 = 85.714 %: below 95 and below 90 → the 90 band, 4 %.
        assert_eq!(
            applicable_tier(&tiers(), &Ratio::percent_of(12, 14))
                .unwrap()
                .percent
                .as_f64(),
            4.0
        );
        // 93 % → only the 95 band.
        assert_eq!(
            applicable_tier(&tiers(), &Ratio::percent_of(93, 100))
                .unwrap()
                .percent
                .as_f64(),
            2.0
        );
        // Exactly 90 % is not below 90: the 95 band.
        assert_eq!(
            applicable_tier(&tiers(), &Ratio::percent_of(9, 10))
                .unwrap()
                .percent
                .as_f64(),
            2.0
        );
        // 95 % exactly: no band.
        assert!(applicable_tier(&tiers(), &Ratio::percent_of(19, 20)).is_none());
    }

    #[test]
    fn caps_the_month() {
        let cap = Percent::from_f64(12.0).unwrap();
        // £125,000 charge: cap £15,000.00.
        let t = totals([500_000, 375_000], 12_500_000, cap);
        assert_eq!(
            t,
            CreditTotals {
                before_cap_minor: 875_000,
                cap_minor: 1_500_000,
                total_minor: 875_000
            }
        );
        let t = totals([1_000_000, 750_000], 12_500_000, cap);
        assert_eq!(t.total_minor, 1_500_000);
        // Cap rounds half up: 12.5 % of 0.99 → 12.375 pence → 12.
        assert_eq!(
            totals([], 99, Percent::from_f64(12.5).unwrap()).cap_minor,
            12
        );
        // 2.5 % of 1.01 = 2.525 pence → 3.
        assert_eq!(
            totals([], 101, Percent::from_f64(2.5).unwrap()).cap_minor,
            3
        );
    }
}
