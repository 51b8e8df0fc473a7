//! Reconciling the supplier's own figures (`supplier_kpi` records; see
//! docs/book/src/reference/measures.md) with slawatch's
//! measurement of the same service level and month.
//!
//! A supplier figure further from the measured attainment than the
//! configured tolerance (in percentage points, default 0.5) is a
//! **discrepancy**: the report lists it in its data-quality section, live
//! detection alerts it, and the metrics export it. The comparison is exact
//! (the tolerance is a bound, not a rounding); a difference of exactly the
//! tolerance is not a discrepancy. A line with nothing measured (`no_data`)
//! has nothing to compare the supplier's figure with and is left out.

use super::{LevelResult, MonthEvaluation, Status};
use crate::domain::{Percent, Period};

/// One supplier figure set against slawatch's measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The service level's id.
    pub service_level: String,
    /// Its readable name.
    pub name: String,
    /// For availability: the service measured.
    pub service: Option<String>,
    /// The month, `YYYY-MM`.
    pub period: String,
    /// What the supplier reported.
    pub supplier_reported_percent: f64,
    /// What slawatch measured (rounded to three decimals for display).
    pub measured_percent: f64,
    /// Supplier minus measured, in percentage points (three decimals):
    /// positive when the supplier reports better than the evidence shows.
    pub difference_points: f64,
    /// The tolerance applied.
    pub tolerance_points: f64,
    /// Further apart than the tolerance.
    pub discrepancy: bool,
    /// slawatch's verdict on the month.
    pub status: Status,
    /// The verdict the supplier's figure would give.
    pub supplier_status: Status,
}

/// Every line of `evaluation` that has both a supplier figure and a
/// measurement, compared within `tolerance` percentage points.
pub fn compare(evaluation: &MonthEvaluation, tolerance: Percent) -> Vec<Comparison> {
    evaluation
        .levels
        .iter()
        .filter_map(|line| compare_line(line, evaluation.period, tolerance))
        .collect()
}

/// The comparisons of `evaluation` that are discrepancies: what the report,
/// the alerts and the metrics show.
pub fn discrepancies(evaluation: &MonthEvaluation, tolerance: Percent) -> Vec<Comparison> {
    compare(evaluation, tolerance)
        .into_iter()
        .filter(|c| c.discrepancy)
        .collect()
}

/// One line's comparison, when it has both figures.
pub fn compare_line(line: &LevelResult, period: Period, tolerance: Percent) -> Option<Comparison> {
    let reported = line.supplier_reported?;
    let measured = line.attainment?;
    let above = Percent::from_units(reported.units() + tolerance.units());
    let below = Percent::from_units(reported.units() - tolerance.units());
    let discrepancy = measured.cmp_percent(above).is_gt() || measured.is_below(below);
    let difference = reported.as_f64() - measured.rounded3();
    Some(Comparison {
        service_level: line.id.clone(),
        name: line.name.clone(),
        service: line.service.clone(),
        period: period.to_string(),
        supplier_reported_percent: reported.as_f64(),
        measured_percent: measured.rounded3(),
        difference_points: (difference * 1000.0).round() / 1000.0,
        tolerance_points: tolerance.as_f64(),
        discrepancy,
        status: line.status,
        supplier_status: if reported < line.target_percent {
            Status::Failed
        } else {
            Status::Met
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::ServiceLevelKind;
    use crate::domain::Ratio;
    use crate::engine::Figures;
    use crate::engine::credits::CreditTotals;

    fn pct(v: f64) -> Percent {
        Percent::from_f64(v).unwrap()
    }

    fn line(id: &str, met: i128, assessed: i128, reported: Option<f64>) -> LevelResult {
        let attainment = (assessed > 0).then(|| Ratio::percent_of(met, assessed));
        LevelResult {
            id: id.into(),
            name: id.into(),
            kind: ServiceLevelKind::ResolutionTime,
            service: None,
            target_percent: pct(95.0),
            target_seconds: Some(14_400),
            calendar: "24x7".into(),
            status: match attainment {
                None => Status::NoData,
                Some(a) if a.is_below(pct(95.0)) => Status::Failed,
                Some(_) => Status::Met,
            },
            attainment,
            critical: false,
            tier: None,
            scheme: "tiers",
            credit_percent: None,
            points: None,
            repeat_multiplier: None,
            breaches_credited: None,
            low_volume: false,
            credit_minor: 0,
            credit_disputed_minor: 0,
            excused: None,
            dispute: None,
            supplier_reported: reported.map(pct),
            figures: Figures::Proactive {
                proactive: 0,
                reactive: 0,
            },
        }
    }

    fn month(levels: Vec<LevelResult>) -> MonthEvaluation {
        MonthEvaluation {
            period: "2026-10".parse().unwrap(),
            evaluated_at: chrono::DateTime::UNIX_EPOCH,
            levels,
            charge_minor: Some(0),
            points: None,
            annual: None,
            credits: CreditTotals {
                before_cap_minor: 0,
                cap_minor: 0,
                total_minor: 0,
            },
            credits_undisputed: CreditTotals {
                before_cap_minor: 0,
                cap_minor: 0,
                total_minor: 0,
            },
            excused: vec![],
            excused_outages: vec![],
            excusals: vec![],
            disputes: vec![],
        }
    }

    #[test]
    fn a_difference_beyond_the_tolerance_is_a_discrepancy() {
        let e = month(vec![
            // 12 of 14 = 85.714…%; the supplier says 97: 11.286 points better.
            line("hides-a-failure", 12, 14, Some(97.0)),
            // 199 of 200 = 99.5%; exactly 0.5 points apart either way is within.
            line("at-tolerance-above", 199, 200, Some(100.0)),
            line("at-tolerance-below", 199, 200, Some(99.0)),
            // 2 of 3 = 66.666…%; 66.1 is 0.566… points below: beyond.
            line("under-reported", 2, 3, Some(66.1)),
            // Within the tolerance.
            line("close", 2, 3, Some(66.5)),
            // Nothing measured or nothing reported: no comparison.
            line("no-data", 0, 0, Some(99.0)),
            line("not-reported", 1, 1, None),
        ]);
        let all = compare(&e, pct(0.5));
        let ids: Vec<(&str, bool)> = all
            .iter()
            .map(|c| (c.service_level.as_str(), c.discrepancy))
            .collect();
        assert_eq!(
            ids,
            [
                ("hides-a-failure", true),
                ("at-tolerance-above", false),
                ("at-tolerance-below", false),
                ("under-reported", true),
                ("close", false),
            ]
        );
        let found = discrepancies(&e, pct(0.5));
        assert_eq!(found.len(), 2);
        let hides = &found[0];
        assert_eq!(hides.measured_percent, 85.714);
        assert_eq!(hides.difference_points, 11.286);
        assert_eq!(hides.status, Status::Failed);
        assert_eq!(hides.supplier_status, Status::Met);
        assert_eq!(hides.period, "2026-10");
        assert_eq!(found[1].difference_points, -0.567);
        // A tolerance of zero makes any difference a discrepancy.
        assert_eq!(discrepancies(&e, pct(0.0)).len(), 5);
    }
}
