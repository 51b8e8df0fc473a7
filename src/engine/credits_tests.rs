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

// Every scheme on a £125,000.00 charge (12,500,000 pence) and a 95 % target,
// expectations worked by hand.

use crate::contract::{LowVolume, PointBand, ServiceLevelKind};
use crate::domain::{Currency, Money};
use crate::engine::evaluate::tests::level;

const CHARGE: i64 = 12_500_000;

fn pct(v: f64) -> Percent {
    Percent::from_f64(v).unwrap()
}

fn scheme_level(scheme: CreditScheme) -> ServiceLevel {
    ServiceLevel {
        credit_scheme: scheme,
        ..level("p1-resolution", ServiceLevelKind::ResolutionTime)
    }
}

/// `met` of `assessed` incidents through the verdict and the credit.
fn credit_for(
    level: &ServiceLevel,
    met: u64,
    assessed: u64,
    terms: CreditTerms,
) -> (Status, LineCredit) {
    let counted = Counted {
        attainment: Some(Ratio::percent_of(met as i128, assessed as i128)),
        incidents: Some((assessed, assessed - met)),
    };
    let (status, low) = verdict(level, &counted);
    (status, line_credit(level, status, low, &counted, terms))
}

fn terms(charge_minor: i64) -> CreditTerms {
    CreditTerms {
        charge_minor,
        point_value: Some(pct(0.5)),
        repeat_multiplier: 1,
    }
}

#[test]
fn shortfall_credits_the_gap_below_target_times_the_factor() {
    let plain = scheme_level(CreditScheme::Shortfall {
        factor: pct(1.0),
        max: None,
    });
    // 90 of 100 = 90 %: 5 points short × 1.0 = 5 % of £125,000 = £6,250.00.
    assert_eq!(credit_for(&plain, 90, 100, terms(CHARGE)).1.minor, 625_000);
    // Exactly on target: met, nothing.
    let (status, c) = credit_for(&plain, 95, 100, terms(CHARGE));
    assert_eq!((status, c.minor), (Status::Met, 0));
    // 2 of 3 = 66.666… %: 28.333… % of £125,000 = £35,416.666… → £35,416.67,
    // rounded half up once at the end (not 28.33 % × charge = £35,412.50).
    assert_eq!(credit_for(&plain, 2, 3, terms(CHARGE)).1.minor, 3_541_667);
    // 94 of 100 on a £10.50 charge: 1 % = 10.5 pence → 11 (half up).
    assert_eq!(credit_for(&plain, 94, 100, terms(1_050)).1.minor, 11);

    let steep = scheme_level(CreditScheme::Shortfall {
        factor: pct(1.5),
        max: Some(pct(3.0)),
    });
    // 14 of 15 = 93.333… %: 1.666… short × 1.5 = 2.5 % exactly → £3,125.00.
    assert_eq!(credit_for(&steep, 14, 15, terms(CHARGE)).1.minor, 312_500);
    // 80 %: 15 short × 1.5 = 22.5 %, held to the 3 % maximum → £3,750.00.
    let (_, capped) = credit_for(&steep, 80, 100, terms(CHARGE));
    assert_eq!(capped.minor, 375_000);
    assert_eq!(capped.percent_ratio().unwrap().rounded3(), 3.0);
}

#[test]
fn service_points_pick_a_band_as_tiers_do_and_multiply_a_repeat() {
    let points = scheme_level(CreditScheme::ServicePoints(vec![
        PointBand {
            below: pct(95.0),
            points: 1,
        },
        PointBand {
            below: pct(90.0),
            points: 3,
        },
    ]));
    // A point is worth 0.5 % of the charge = £625.00.
    let cases = [
        // (met of 100, points, pence)
        (94, Some(1), 62_500),
        (90, Some(1), 62_500), // exactly 90 is not below 90: the 95 band
        (89, Some(3), 187_500),
        (95, None, 0), // met
    ];
    for (met, want_points, want_minor) in cases {
        let (_, c) = credit_for(&points, met, 100, terms(CHARGE));
        assert_eq!((c.points, c.minor), (want_points, want_minor), "{met} met");
        assert_eq!(c.repeat_multiplier, None);
    }
    // Failed the month before too: × 2 → 6 points = 3 % = £3,750.00.
    let repeat = CreditTerms {
        repeat_multiplier: 2,
        ..terms(CHARGE)
    };
    let (_, c) = credit_for(&points, 89, 100, repeat);
    assert_eq!(
        (c.points, c.repeat_multiplier, c.minor),
        (Some(6), Some(2), 375_000)
    );
}

#[test]
fn per_breach_pays_every_breach_whether_or_not_the_month_failed() {
    let gbp = Currency::parse("GBP").unwrap();
    let per = scheme_level(CreditScheme::PerBreach(
        Money::parse("250.00", &gbp).unwrap(),
    ));
    // 97 of 100: met, yet 3 breaches × £250.00 = £750.00.
    let (status, c) = credit_for(&per, 97, 100, terms(CHARGE));
    assert_eq!(
        (status, c.breaches, c.minor),
        (Status::Met, Some(3), 75_000)
    );
    // 80 of 100: 20 × £250.00 = £5,000.00.
    assert_eq!(credit_for(&per, 80, 100, terms(CHARGE)).1.minor, 500_000);
    // A month with no charge in force earns nothing.
    assert_eq!(credit_for(&per, 80, 100, terms(0)).1.minor, 0);
}

#[test]
fn low_volume_fails_only_on_more_breaches_than_allowed_and_earns_the_mildest_band() {
    let rule = Some(LowVolume {
        minimum: 10,
        max_breaches: 1,
    });
    let tiered = ServiceLevel {
        low_volume: rule,
        ..scheme_level(CreditScheme::Tiers(tiers()))
    };
    // 4 of 5 = 80 %, but fewer than 10 assessed and only 1 breach: met.
    let (status, c) = credit_for(&tiered, 4, 5, terms(CHARGE));
    assert_eq!((status, c.minor), (Status::Met, 0));
    // 3 of 5 = 60 %, 2 breaches > 1: failed, and the mildest tier (the 95
    // band, 2 %) rather than the 90 band the attainment would reach:
    // £2,500.00.
    let (status, c) = credit_for(&tiered, 3, 5, terms(CHARGE));
    assert_eq!(
        (status, c.tier.map(|t| t.percent), c.minor),
        (Status::Failed, Some(pct(2.0)), 250_000)
    );
    // Exactly 10 assessed: the attainment decides again. 9 of 10 = 90 %,
    // below 95: failed on the 95 band (90 is not below 90).
    let counted = Counted {
        attainment: Some(Ratio::percent_of(9, 10)),
        incidents: Some((10, 1)),
    };
    assert_eq!(verdict(&tiered, &counted), (Status::Failed, false));
    assert_eq!(credit_for(&tiered, 9, 10, terms(CHARGE)).1.minor, 250_000);
    // 9 assessed, 1 breach: low volume, met.
    assert_eq!(
        verdict(
            &tiered,
            &Counted {
                attainment: Some(Ratio::percent_of(8, 9)),
                incidents: Some((9, 1)),
            }
        ),
        (Status::Met, true)
    );

    let pointed = ServiceLevel {
        low_volume: rule,
        ..scheme_level(CreditScheme::ServicePoints(vec![
            PointBand {
                below: pct(95.0),
                points: 1,
            },
            PointBand {
                below: pct(90.0),
                points: 3,
            },
        ]))
    };
    // 2 of 5 = 40 %, 3 breaches: the mildest band, 1 point = £625.00.
    assert_eq!(credit_for(&pointed, 2, 5, terms(CHARGE)).1.points, Some(1));
    let short = ServiceLevel {
        low_volume: rule,
        ..scheme_level(CreditScheme::Shortfall {
            factor: pct(1.0),
            max: None,
        })
    };
    // 3 of 5 = 60 %: the shortfall as computed, 35 % = £43,750.00.
    assert_eq!(credit_for(&short, 3, 5, terms(CHARGE)).1.minor, 4_375_000);
}
