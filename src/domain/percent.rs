//! Percentages held exactly.
//!
//! Contract figures such as `99.5` or `2.0` are read from TOML floats but
//! pass/fail must be decided exactly (rounding is for display only: see the
//! docs/book/src/reference/measures.md), so a [`Percent`] is an integer
//! count of ten-thousandths of a percent and an attainment is a [`Ratio`] of
//! integers.

use std::cmp::Ordering;
use std::fmt;

/// Units of a [`Percent`] per whole percent: four decimal places.
pub const PERCENT_SCALE: i64 = 10_000;

/// A percentage with four decimal places (`99.5` is stored as `995_000`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(i64);

impl Percent {
    /// Builds a percentage from ten-thousandths of a percent.
    pub const fn from_units(units: i64) -> Self {
        Percent(units)
    }

    /// Ten-thousandths of a percent.
    pub const fn units(self) -> i64 {
        self.0
    }

    /// Reads a configured or reported float, refusing more than four decimals
    /// (so `99.99999` is an error rather than silently rounded).
    pub fn from_f64(value: f64) -> Result<Self, String> {
        if !value.is_finite() {
            return Err(format!("{value} is not a number"));
        }
        let scaled = value * PERCENT_SCALE as f64;
        let rounded = scaled.round();
        if (scaled - rounded).abs() > 1e-4 {
            return Err(format!("{value} has more than 4 decimal places"));
        }
        if rounded.abs() > 1e15 {
            return Err(format!("{value} is out of range"));
        }
        Ok(Percent(rounded as i64))
    }

    /// Parses a decimal string such as `"97.25"` exactly.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let units = crate::domain::money::parse_decimal(t, 4)
            .ok_or_else(|| format!("'{t}' is not a percentage (expected a number such as 99.5)"))?;
        Ok(Percent(units))
    }

    /// The value as a float, for display and JSON.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / PERCENT_SCALE as f64
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_f64())
    }
}

/// A non-negative exact fraction `num / den` of a percent value, e.g. an
/// attainment of `100 × met / assessed` percent.
#[derive(Debug, Clone, Copy)]
pub struct Ratio {
    num: i128,
    den: i128,
}

impl Ratio {
    /// The percentage `100 × part / whole`; `whole` must be positive.
    pub fn percent_of(part: i128, whole: i128) -> Self {
        debug_assert!(whole > 0, "a ratio needs a positive whole");
        Ratio {
            num: 100 * part,
            den: whole,
        }
    }

    /// The exact percentage `num / den`; `den` must be positive.
    pub fn from_fraction(num: i128, den: i128) -> Self {
        debug_assert!(den > 0, "a ratio needs a positive denominator");
        Ratio { num, den }
    }

    /// The percentage as `(num, den)`: the value is `num / den` percent.
    pub fn fraction(&self) -> (i128, i128) {
        (self.num, self.den)
    }

    /// Compares this exact percentage with a configured [`Percent`].
    pub fn cmp_percent(&self, p: Percent) -> Ordering {
        (self.num * PERCENT_SCALE as i128).cmp(&(p.units() as i128 * self.den))
    }

    /// True when strictly below `p`.
    pub fn is_below(&self, p: Percent) -> bool {
        self.cmp_percent(p) == Ordering::Less
    }

    /// The value rounded half up to three decimals, for display only.
    pub fn rounded3(&self) -> f64 {
        let thousandths = crate::domain::money::div_round_half_up(self.num * 1000, self.den);
        thousandths as f64 / 1000.0
    }
}

/// A weight between 0 and 1 held in millionths (the partial-outage weight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weight(i64);

/// Millionths per whole for a [`Weight`].
pub const WEIGHT_SCALE: i64 = 1_000_000;

impl Weight {
    /// Reads a configured weight; it must lie in `0..=1` with at most six decimals.
    pub fn from_f64(value: f64) -> Result<Self, String> {
        if !(0.0..=1.0).contains(&value) {
            return Err(format!("{value} is not between 0 and 1"));
        }
        let scaled = value * WEIGHT_SCALE as f64;
        let rounded = scaled.round();
        if (scaled - rounded).abs() > 1e-6 {
            return Err(format!("{value} has more than 6 decimal places"));
        }
        Ok(Weight(rounded as i64))
    }

    /// Millionths.
    pub const fn millionths(self) -> i64 {
        self.0
    }

    /// The default partial-outage weight (see docs/book/src/reference/measures.md).
    pub const HALF: Weight = Weight(WEIGHT_SCALE / 2);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_keeps_four_decimals_and_refuses_more() {
        assert_eq!(Percent::from_f64(99.5).unwrap().units(), 995_000);
        assert_eq!(Percent::from_f64(2.0).unwrap().units(), 20_000);
        assert_eq!(Percent::from_f64(99.9999).unwrap().units(), 999_999);
        assert!(Percent::from_f64(99.99999).is_err());
        assert_eq!(Percent::parse("97.25").unwrap().units(), 972_500);
        assert!(Percent::parse("97,25").is_err());
    }

    #[test]
    fn ratio_compares_exactly_against_target() {
        // 19 of 20 is exactly 95 %: not below a 95 % target.
        let r = Ratio::percent_of(19, 20);
        assert!(!r.is_below(Percent::from_f64(95.0).unwrap()));
        // 199 of 200 is 99.5 %; 1990 of 2001 is 99.4503 %.
        assert!(!Ratio::percent_of(199, 200).is_below(Percent::from_f64(99.5).unwrap()));
        assert!(Ratio::percent_of(1990, 2001).is_below(Percent::from_f64(99.5).unwrap()));
    }

    #[test]
    fn ratio_rounds_for_display_half_up() {
        assert_eq!(Ratio::percent_of(12, 14).rounded3(), 85.714);
        assert_eq!(Ratio::percent_of(2, 3).rounded3(), 66.667);
        assert_eq!(Ratio::percent_of(1, 8).rounded3(), 12.5);
    }
}
