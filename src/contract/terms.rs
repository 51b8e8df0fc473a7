//! The commercial terms around the service levels: the dated monthly charge,
//! how a failed line earns credit (its scheme), the low-volume rule and the
//! contract year an annual cap is counted over.

use crate::domain::{Money, Percent, Period};

/// The monthly charge over time: one amount, or a list of amounts each in
/// force from a month until the next entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeSchedule {
    /// The entries, oldest first; a single undated amount has `from: None`.
    entries: Vec<DatedCharge>,
}

/// One entry of a [`ChargeSchedule`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatedCharge {
    /// The first month the amount is charged; `None` for "always".
    pub from: Option<Period>,
    /// The amount.
    pub amount: Money,
}

impl ChargeSchedule {
    /// One amount in force in every month.
    pub fn fixed(amount: Money) -> Self {
        ChargeSchedule {
            entries: vec![DatedCharge { from: None, amount }],
        }
    }

    /// Amounts from their months on; `entries` must be sorted by `from`
    /// with no month twice (the configuration reader checks it).
    pub fn dated(entries: Vec<DatedCharge>) -> Self {
        ChargeSchedule { entries }
    }

    /// The charge for `period`: the entry with the latest `from` not after
    /// it; `None` for a month before the first entry.
    pub fn for_month(&self, period: Period) -> Option<Money> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.from.is_none_or(|from| from <= period))
            .map(|e| e.amount.clone())
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> &[DatedCharge] {
        &self.entries
    }

    /// True for a single undated amount (the contract as first written).
    pub fn is_fixed(&self) -> bool {
        matches!(self.entries.as_slice(), [DatedCharge { from: None, .. }])
    }
}

/// One credit tier: below `below` % attainment, `percent` % of the charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditTier {
    /// The attainment under which this tier applies.
    pub below: Percent,
    /// The credit, as a percentage of the monthly charge.
    pub percent: Percent,
}

/// One band of service points: below `below` % attainment, `points` points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointBand {
    /// The attainment under which this band applies.
    pub below: Percent,
    /// The points it scores.
    pub points: u32,
}

/// How a failed line earns its credit (`credit_scheme`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditScheme {
    /// The band with the smallest `below` above the attainment credits its
    /// percentage of the charge (ordered from the highest `below` down).
    Tiers(Vec<CreditTier>),
    /// The shortfall below target times `factor`, at most `max`, as a
    /// percentage of the charge.
    Shortfall {
        /// Percentage points of credit per point of shortfall (1.0 default).
        factor: Percent,
        /// The most the line can credit, when set.
        max: Option<Percent>,
    },
    /// Points chosen as tiers are, multiplied when the line also failed the
    /// month before; each point is worth the contract's `point_value_percent`.
    ServicePoints(Vec<PointBand>),
    /// A fixed amount for every breached incident, failed month or not.
    PerBreach(Money),
}

impl CreditScheme {
    /// The configuration and report spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            CreditScheme::Tiers(_) => "tiers",
            CreditScheme::Shortfall { .. } => "shortfall",
            CreditScheme::ServicePoints(_) => "service_points",
            CreditScheme::PerBreach(_) => "per_breach",
        }
    }
}

/// The low-volume rule of an incident level: with fewer than `minimum`
/// incidents assessed, the month fails only on more than `max_breaches`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LowVolume {
    /// The volume from which the attainment decides.
    pub minimum: u64,
    /// The breaches a low-volume month may have and still be met.
    pub max_breaches: u64,
}

/// The first month of the contract year containing `period`, for a year
/// starting in month `starts` (1..=12).
pub fn contract_year_start(period: Period, starts: u32) -> Period {
    let year = if period.month() >= starts {
        period.year()
    } else {
        period.year() - 1
    };
    Period::new(year, starts).unwrap_or(period)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;

    fn month(text: &str) -> Period {
        text.parse().unwrap()
    }

    fn gbp(text: &str) -> Money {
        Money::parse(text, &Currency::parse("GBP").unwrap()).unwrap()
    }

    #[test]
    fn the_charge_is_the_latest_entry_not_after_the_month() {
        let s = ChargeSchedule::dated(vec![
            DatedCharge {
                from: Some(month("2026-04")),
                amount: gbp("125000.00"),
            },
            DatedCharge {
                from: Some(month("2027-04")),
                amount: gbp("131250.00"),
            },
        ]);
        // Before the first entry: no charge at all.
        assert_eq!(s.for_month(month("2026-03")), None);
        assert_eq!(s.for_month(month("2026-04")), Some(gbp("125000.00")));
        assert_eq!(s.for_month(month("2027-03")), Some(gbp("125000.00")));
        assert_eq!(s.for_month(month("2027-04")), Some(gbp("131250.00")));
        assert_eq!(s.for_month(month("2031-01")), Some(gbp("131250.00")));
        assert!(!s.is_fixed());
        let fixed = ChargeSchedule::fixed(gbp("10.00"));
        assert_eq!(fixed.for_month(month("1999-01")), Some(gbp("10.00")));
        assert!(fixed.is_fixed());
    }

    #[test]
    fn the_contract_year_starts_in_its_month() {
        // A year starting in April: January 2027 belongs to the year from April 2026.
        assert_eq!(contract_year_start(month("2027-01"), 4), month("2026-04"));
        assert_eq!(contract_year_start(month("2026-04"), 4), month("2026-04"));
        assert_eq!(contract_year_start(month("2026-03"), 4), month("2025-04"));
        // The default, January: the calendar year.
        assert_eq!(contract_year_start(month("2026-12"), 1), month("2026-01"));
    }
}
