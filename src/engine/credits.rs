//! Service credits: each line's credit under its scheme (tiers, shortfall,
//! service points, per breach), the low-volume rule, and the monthly cap.
//! What depends on earlier months (the repeat multiplier, the annual cap)
//! is in [`super::contract_year`].

use crate::contract::{CreditScheme, CreditTier, LowVolume, PointBand, ServiceLevel};
use crate::domain::money::{div_round_half_up, percent_of_minor};
use crate::domain::percent::PERCENT_SCALE;
use crate::domain::{Percent, Ratio};

use super::Status;

/// The tier that applies to a failed month: the smallest `below` that is
/// still greater than the attainment. `None` when no tier reaches down to it.
pub fn applicable_tier(tiers: &[CreditTier], attainment: &Ratio) -> Option<CreditTier> {
    tiers
        .iter()
        .filter(|t| attainment.is_below(t.below))
        .min_by_key(|t| t.below)
        .copied()
}

/// The band of service points that applies, chosen as tiers are.
pub fn applicable_band(bands: &[PointBand], attainment: &Ratio) -> Option<PointBand> {
    bands
        .iter()
        .filter(|b| attainment.is_below(b.below))
        .min_by_key(|b| b.below)
        .copied()
}

/// What a line's month counted, as its verdict and credit need it.
#[derive(Debug, Clone, Copy)]
pub struct Counted {
    /// The exact attainment; `None` with nothing to measure.
    pub attainment: Option<Ratio>,
    /// Incident levels: incidents assessed and of those breached.
    pub incidents: Option<(u64, u64)>,
}

impl Counted {
    /// A line measured by its attainment alone (availability, proactive share).
    pub fn attainment(attainment: Option<Ratio>) -> Self {
        Counted {
            attainment,
            incidents: None,
        }
    }
}

/// A line's verdict: met, failed or no data, and whether the low-volume
/// rule decided it.
pub fn verdict(level: &ServiceLevel, counted: &Counted) -> (Status, bool) {
    let Some(attainment) = &counted.attainment else {
        return (Status::NoData, false);
    };
    if let (
        Some(LowVolume {
            minimum,
            max_breaches,
        }),
        Some((assessed, breached)),
    ) = (level.low_volume, counted.incidents)
        && assessed < minimum
    {
        let status = if breached > max_breaches {
            Status::Failed
        } else {
            Status::Met
        };
        return (status, true);
    }
    let status = if attainment.is_below(level.target_percent) {
        Status::Failed
    } else {
        Status::Met
    };
    (status, false)
}

/// How a line's credit was arrived at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LineCredit {
    /// The credit tier applied (`tiers`).
    pub tier: Option<CreditTier>,
    /// The percentage of the charge credited (`tiers`, `shortfall`,
    /// `service_points`), exact.
    pub percent: Option<(i128, i128)>,
    /// The points scored, after any repeat multiplier (`service_points`).
    pub points: Option<u32>,
    /// The multiplier applied because the line also failed the month before.
    pub repeat_multiplier: Option<u32>,
    /// The breaches paid for (`per_breach`).
    pub breaches: Option<u64>,
    /// The credit in minor units, rounded half up once.
    pub minor: i64,
}

impl LineCredit {
    /// The credited percentage as an exact ratio, when there is one.
    pub fn percent_ratio(&self) -> Option<Ratio> {
        self.percent.map(|(n, d)| Ratio::from_fraction(n, d))
    }
}

/// The terms a line's credit is worked out on.
#[derive(Debug, Clone, Copy)]
pub struct CreditTerms {
    /// The month's charge in minor units (0 when none is in force).
    pub charge_minor: i64,
    /// What one service point is worth, as a percentage of the charge.
    pub point_value: Option<Percent>,
    /// The multiplier for a line that also failed the month before, or 1.
    pub repeat_multiplier: u32,
}

/// The credit a line earns under its scheme, given its verdict.
pub fn line_credit(
    level: &ServiceLevel,
    status: Status,
    low_volume: bool,
    counted: &Counted,
    terms: CreditTerms,
) -> LineCredit {
    let failed = status == Status::Failed;
    let charge = terms.charge_minor;
    match &level.credit_scheme {
        CreditScheme::PerBreach(amount) => {
            let breaches = counted.incidents.map_or(0, |(_, b)| b);
            LineCredit {
                breaches: Some(breaches),
                // A month with no charge in force earns nothing.
                minor: if charge > 0 {
                    amount.minor.saturating_mul(breaches as i64)
                } else {
                    0
                },
                ..LineCredit::default()
            }
        }
        _ if !failed => LineCredit::default(),
        CreditScheme::Tiers(tiers) => {
            let tier = match low_volume {
                // The mildest band: the one with the largest `below`.
                true => tiers.first().copied(),
                false => counted.attainment.and_then(|a| applicable_tier(tiers, &a)),
            };
            LineCredit {
                tier,
                percent: tier.map(|t| (t.percent.units() as i128, PERCENT_SCALE as i128)),
                minor: tier.map_or(0, |t| percent_of_minor(charge, t.percent)),
                ..LineCredit::default()
            }
        }
        CreditScheme::Shortfall { factor, max } => {
            let Some(attainment) = counted.attainment else {
                return LineCredit::default();
            };
            let (num, den) = shortfall_percent(level.target_percent, &attainment, *factor, *max);
            LineCredit {
                percent: Some((num, den)),
                minor: div_round_half_up(charge as i128 * num, 100 * den) as i64,
                ..LineCredit::default()
            }
        }
        CreditScheme::ServicePoints(bands) => {
            let band = match low_volume {
                true => bands.first().copied(),
                false => counted.attainment.and_then(|a| applicable_band(bands, &a)),
            };
            let Some(band) = band else {
                return LineCredit::default();
            };
            points_credit(band.points, terms)
        }
    }
}

/// A service-points line's credit for `base` points before the multiplier.
pub fn points_credit(base: u32, terms: CreditTerms) -> LineCredit {
    let points = base.saturating_mul(terms.repeat_multiplier.max(1));
    let value = terms.point_value.map_or(0, |v| v.units()) as i128;
    let percent = (points as i128 * value, PERCENT_SCALE as i128);
    LineCredit {
        percent: Some(percent),
        points: Some(points),
        repeat_multiplier: (terms.repeat_multiplier > 1).then_some(terms.repeat_multiplier),
        minor: div_round_half_up(terms.charge_minor as i128 * percent.0, 100 * percent.1) as i64,
        ..LineCredit::default()
    }
}

/// `(target − attainment) × factor` percent, at least 0 and at most `max`,
/// as an exact fraction `(num, den)`.
fn shortfall_percent(
    target: Percent,
    attainment: &Ratio,
    factor: Percent,
    max: Option<Percent>,
) -> (i128, i128) {
    let scale = PERCENT_SCALE as i128;
    let (a_num, a_den) = attainment.fraction();
    // target − attainment = (T·a_den − scale·a_num) / (scale·a_den), in percent.
    let gap = (target.units() as i128 * a_den - scale * a_num).max(0);
    let num = gap * factor.units() as i128;
    let den = scale * scale * a_den;
    match max {
        Some(max) if num * scale > max.units() as i128 * den => (max.units() as i128, scale),
        _ => (num, den),
    }
}

/// A month's service credits: the sum of the lines, then the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditTotals {
    /// The sum of every line's credit.
    pub before_cap_minor: i64,
    /// The cap: `service_credit_cap_percent` of the charge, rounded half up.
    pub cap_minor: i64,
    /// The credits after the cap (and after the annual cap, when the
    /// contract has one).
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
#[path = "credits_tests.rs"]
mod tests;
