//! Months in their contract's history, worked by hand: the annual cap over
//! a contract year starting in April, a dated charge, a variation of a
//! service level, and the repeat multiplier across a year end.

use super::*;
use crate::contract::{
    ChargeSchedule, CreditScheme, CreditTier, DatedCharge, PointBand, ServiceLevel,
    ServiceLevelKind,
};
use crate::domain::{Currency, Money, Percent, WorkKind, WorkTally};
use crate::engine::Status;
use crate::engine::evaluate::tests::{contract, level, t};

fn pct(v: f64) -> Percent {
    Percent::from_f64(v).unwrap()
}

fn gbp(text: &str) -> Money {
    Money::parse(text, &Currency::parse("GBP").unwrap()).unwrap()
}

fn month(text: &str) -> Period {
    text.parse().unwrap()
}

/// A month whose work is `proactive` items in a hundred.
fn share(proactive: u64) -> Evidence {
    let tally = |proactive_flag, count| WorkTally {
        kind: WorkKind::Incident,
        change_type: None,
        proactive: Some(proactive_flag),
        count,
    };
    Evidence {
        work: vec![tally(true, proactive), tally(false, 100 - proactive)],
        ..Evidence::default()
    }
}

/// A proactive-share level, 95 % target, crediting `percent` when failed.
fn proactive(percent: f64) -> ServiceLevel {
    ServiceLevel {
        credit_scheme: CreditScheme::Tiers(vec![CreditTier {
            below: pct(95.0),
            percent: pct(percent),
        }]),
        ..level("proactive-share", ServiceLevelKind::ProactiveShare)
    }
}

/// Evaluates consecutive months from `first`, each with its evidence.
fn run<'c>(c: &'c Contract, first: &str, months: Vec<Evidence>) -> ContractHistory<'c> {
    let mut history = ContractHistory::new(c);
    let mut period = month(first);
    for evidence in &months {
        history.push(period, evidence, t("2028-01-01T00:00:00Z"));
        period = period.next();
    }
    history
}

#[test]
fn the_annual_cap_cuts_in_the_tenth_month_of_a_year_starting_in_april() {
    let mut c = contract(vec![proactive(7.5)]);
    c.contract_year_starts = 4;
    c.annual_cap_percent = Some(pct(6.0));
    c.monthly_charge = ChargeSchedule::dated(vec![
        DatedCharge {
            from: Some(month("2026-04")),
            amount: gbp("10000.00"),
        },
        DatedCharge {
            from: Some(month("2027-01")),
            amount: gbp("12000.00"),
        },
    ]);
    assert_eq!(first_needed(&c, month("2027-02")), month("2026-04"));
    // Every month fails at 90 %: 7.5 % of the charge, under the 12 % monthly cap.
    // The year's charges: 9 × £10,000 (April–December) + 3 × £12,000
    // (January–March) = £126,000; 6 % of it = £7,560.00 = 756,000 pence.
    // March 2026 is before the first charge: no credit at all.
    let history = run(&c, "2026-03", (0..13).map(|_| share(90)).collect());
    let months = history.months();
    let march = &months[0];
    assert_eq!((march.charge_minor, march.credits.total_minor), (None, 0));
    assert_eq!(march.levels[0].status, Status::Failed);
    // April to December: £750.00 each, 9 × 75,000 = 675,000 used.
    for m in &months[1..10] {
        assert_eq!(m.credits.total_minor, 75_000, "{}", m.period);
        assert_eq!(m.annual.unwrap().annual_cut_minor, 0);
    }
    let december = months[9].annual.unwrap();
    assert_eq!(
        (december.used_before_minor, december.headroom_after_minor),
        (600_000, 81_000)
    );
    // January, the tenth month: 7.5 % of £12,000 = £900.00, but only
    // 756,000 − 675,000 = 81,000 is left: £810.00, £90.00 cut.
    let january = &months[10];
    assert_eq!(january.period, month("2027-01"));
    assert_eq!(january.credits.before_cap_minor, 90_000);
    assert_eq!(january.credits.total_minor, 81_000);
    let a = january.annual.unwrap();
    assert_eq!(a.year_start, month("2026-04"));
    assert_eq!(a.cap_minor, 756_000);
    assert_eq!(
        (
            a.used_before_minor,
            a.headroom_before_minor,
            a.after_monthly_cap_minor,
            a.annual_cut_minor,
            a.headroom_after_minor
        ),
        (675_000, 81_000, 90_000, 9_000, 0)
    );
    // February: nothing left.
    assert_eq!(months[11].credits.total_minor, 0);
    assert_eq!(months[11].annual.unwrap().annual_cut_minor, 90_000);
    // April 2027 starts a new contract year with a fresh cap: 12 × £12,000
    // × 6 % = £8,640.00.
    assert_eq!(months[12].period, month("2027-03"));
    let history = run(&c, "2027-04", vec![share(90)]);
    let a = history.months()[0].annual.unwrap();
    assert_eq!(
        (a.cap_minor, a.used_before_minor, a.headroom_after_minor),
        (864_000, 0, 774_000)
    );
}

#[test]
fn a_month_before_the_contract_start_has_no_charge() {
    let mut c = contract(vec![proactive(2.0)]);
    c.start = Some(month("2026-05"));
    let history = run(&c, "2026-04", vec![share(90), share(90)]);
    let [april, may] = history.months() else {
        panic!("two months")
    };
    assert_eq!((april.charge_minor, april.credits.total_minor), (None, 0));
    // May: 2 % of £125,000.00 = £2,500.00.
    assert_eq!(
        (may.charge_minor, may.credits.total_minor),
        (Some(12_500_000), 250_000)
    );
}

#[test]
fn a_variation_takes_effect_mid_trend_and_each_month_keeps_its_own_definition() {
    let before = ServiceLevel {
        until: Some(month("2026-12")),
        ..proactive(2.0)
    };
    let after = ServiceLevel {
        from: Some(month("2027-01")),
        target_percent: pct(85.0),
        credit_scheme: CreditScheme::Tiers(vec![CreditTier {
            below: pct(85.0),
            percent: pct(3.0),
        }]),
        ..proactive(3.0)
    };
    let c = contract(vec![before, after]);
    // 90 % in both months: below 95 in December (failed, 2 % = £2,500.00),
    // above the varied 85 % target in January (met).
    let history = run(&c, "2026-12", vec![share(90), share(90)]);
    let [december, january] = history.months() else {
        panic!("two months")
    };
    assert_eq!(december.levels.len(), 1);
    assert_eq!(
        (
            december.levels[0].status,
            december.levels[0].target_percent,
            december.credits.total_minor
        ),
        (Status::Failed, pct(95.0), 250_000)
    );
    assert_eq!(
        (
            january.levels[0].status,
            january.levels[0].target_percent,
            january.credits.total_minor
        ),
        (Status::Met, pct(85.0), 0)
    );
}

#[test]
fn a_repeat_failure_multiplies_points_across_a_year_end() {
    let points = ServiceLevel {
        credit_scheme: CreditScheme::ServicePoints(vec![PointBand {
            below: pct(95.0),
            points: 2,
        }]),
        ..level("proactive-share", ServiceLevelKind::ProactiveShare)
    };
    let mut c = contract(vec![points]);
    c.point_value_percent = Some(pct(0.5));
    c.repeat_multiplier = 3;
    assert_eq!(first_needed(&c, month("2027-01")), month("2026-12"));
    // November met; December failed (first failure: 2 points = 1 % =
    // £1,250.00); January 2027 failed again, the month before failed too:
    // 2 × 3 = 6 points = 3 % = £3,750.00, though a new calendar year began.
    // February met: 0 points; March failed after a met month: 2 points again.
    let history = run(
        &c,
        "2026-11",
        vec![share(96), share(90), share(90), share(96), share(90)],
    );
    let got: Vec<(Option<u32>, bool, i64)> = history
        .months()
        .iter()
        .map(|m| {
            (
                m.points,
                m.levels[0].repeat_multiplier.is_some(),
                m.credits.total_minor,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some(0), false, 0),
            (Some(2), false, 125_000),
            (Some(6), true, 375_000),
            (Some(0), false, 0),
            (Some(2), false, 125_000),
        ]
    );
}
