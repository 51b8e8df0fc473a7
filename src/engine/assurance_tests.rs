//! Each rule of the rating at its boundary, each trend direction, and the
//! overdue items as they stood at a month's end.

use chrono::{DateTime, NaiveDate, Utc};

use super::*;
use crate::contract::Commitment;
use crate::contract::ServiceLevelKind;
use crate::contract::commitment::{Category, Origin};
use crate::contract::due_dates::Schedule;
use crate::domain::action::{ActionLinks, ActionStatus, StatusChange};
use crate::domain::{Percent, Ratio};
use crate::engine::Figures;
use crate::engine::commitments::{Action as Step, Event};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(s: &str) -> Instant {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn level(name: &str, status: Status, critical: bool) -> LevelResult {
    LevelResult {
        id: name.into(),
        name: name.into(),
        kind: ServiceLevelKind::ResolutionTime,
        service: None,
        target_percent: Percent::from_f64(95.0).unwrap(),
        target_seconds: Some(14_400),
        calendar: "24x7".into(),
        attainment: Some(Ratio::percent_of(9, 10)),
        status,
        critical,
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
        supplier_reported: None,
        figures: Figures::Proactive {
            proactive: 0,
            reactive: 0,
        },
    }
}

fn overdue(kind: ReasonKind, days: i64) -> Overdue {
    Overdue {
        kind,
        id: "dr-3".into(),
        name: "Test the DR plan".into(),
        days,
    }
}

fn comparison(difference: f64, tolerance: f64) -> Comparison {
    Comparison {
        service_level: "availability".into(),
        name: "Availability".into(),
        service: Some("Email".into()),
        period: "2026-10".into(),
        supplier_reported_percent: 99.9,
        measured_percent: 99.9 - difference,
        difference_points: difference,
        tolerance_points: tolerance,
        discrepancy: difference > tolerance,
        status: Status::Met,
        supplier_status: Status::Met,
    }
}

fn rated(
    levels: &[LevelResult],
    dr: Option<DrRating>,
    o: &[Overdue],
    c: &[Comparison],
) -> MonthRating {
    rate(&MonthFacts {
        levels,
        dr,
        overdue: o,
        comparisons: c,
    })
}

#[test]
fn nothing_wanting_is_green_with_no_reasons() {
    let met = [level("Resolution P1", Status::Met, false)];
    let r = rated(&met, Some(DrRating::Medium), &[], &[comparison(0.5, 0.5)]);
    // Medium DR risk and a difference of exactly the tolerance are not findings.
    assert_eq!(r.rating, Rating::Green);
    assert!(r.reasons.is_empty());
}

#[test]
fn a_failed_level_is_amber_a_critical_failure_red_an_excused_one_nothing() {
    let failed = [level("Resolution P2", Status::Failed, false)];
    let r = rated(&failed, None, &[], &[]);
    assert_eq!(r.rating, Rating::Amber);
    assert_eq!(r.reasons[0].detail, "Resolution P2: failed");

    let critical = [level("Resolution P1", Status::Failed, true)];
    let r = rated(&critical, None, &[], &[]);
    assert_eq!(r.rating, Rating::Red);
    assert_eq!(r.reasons[0].kind, ReasonKind::CriticalFailure);

    let mut excused = level("Resolution P2", Status::Failed, false);
    excused.excused = Some(crate::domain::Excusal {
        id: 1,
        target: crate::domain::ExcusalTarget::ServiceLevel {
            service_level: "Resolution P2".into(),
            period: "2026-10".parse().unwrap(),
        },
        reason: "force majeure".into(),
        by: "Jane Smith".into(),
        at: at("2026-11-02T09:00:00Z"),
        during: None,
        revoked: None,
    });
    assert_eq!(rated(&[excused], None, &[], &[]).rating, Rating::Green);
}

#[test]
fn dr_risk_high_and_severe_are_red_low_and_medium_nothing() {
    for (band, rating) in [
        (DrRating::Low, Rating::Green),
        (DrRating::Medium, Rating::Green),
        (DrRating::High, Rating::Red),
        (DrRating::Severe, Rating::Red),
    ] {
        assert_eq!(rated(&[], Some(band), &[], &[]).rating, rating, "{band:?}");
    }
    let r = rated(&[], Some(DrRating::High), &[], &[]);
    assert_eq!(r.reasons[0].detail, "DR risk rating high");
}

#[test]
fn overdue_by_exactly_30_days_is_amber_31_red() {
    for kind in [ReasonKind::OverdueAction, ReasonKind::OverdueCommitment] {
        assert_eq!(
            rated(&[], None, &[overdue(kind, 1)], &[]).rating,
            Rating::Amber
        );
        assert_eq!(
            rated(&[], None, &[overdue(kind, 30)], &[]).rating,
            Rating::Amber
        );
        assert_eq!(
            rated(&[], None, &[overdue(kind, 31)], &[]).rating,
            Rating::Red
        );
    }
    let r = rated(&[], None, &[overdue(ReasonKind::OverdueAction, 31)], &[]);
    assert_eq!(
        r.reasons[0].detail,
        "action dr-3 (Test the DR plan) overdue by 31 days"
    );
}

#[test]
fn a_supplier_figure_beyond_the_tolerance_is_amber() {
    let r = rated(&[], None, &[], &[comparison(0.6, 0.5)]);
    assert_eq!(r.rating, Rating::Amber);
    assert_eq!(
        r.reasons[0].detail,
        "Availability (Email): supplier reports 99.900%, evidence shows 99.300% (beyond 0.500 points)"
    );
}

#[test]
fn every_finding_listed_the_red_ones_first() {
    let levels = [
        level("Resolution P2", Status::Failed, false),
        level("Resolution P1", Status::Failed, true),
    ];
    let r = rated(
        &levels,
        Some(DrRating::Low),
        &[overdue(ReasonKind::OverdueCommitment, 3)],
        &[],
    );
    assert_eq!(r.rating, Rating::Red);
    let kinds: Vec<ReasonKind> = r.reasons.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            ReasonKind::CriticalFailure,
            ReasonKind::FailedLevel,
            ReasonKind::OverdueCommitment
        ]
    );
}

#[test]
fn each_trend_direction_at_its_boundary() {
    use Rating::*;
    let six = |r: [Rating; 6]| trend(&r.map(Some));
    // Before: amber, amber, red = 4; last three 3, 4, 5.
    assert_eq!(
        six([Amber, Amber, Red, Amber, Amber, Amber]),
        Some(Trend::Improving)
    );
    assert_eq!(
        six([Amber, Amber, Red, Red, Amber, Amber]),
        Some(Trend::Steady)
    );
    assert_eq!(
        six([Amber, Amber, Red, Red, Red, Amber]),
        Some(Trend::Worsening)
    );
    // The order within each half does not matter, only the sums.
    assert_eq!(
        six([Green, Green, Green, Green, Green, Green]),
        Some(Trend::Steady)
    );
    assert_eq!(
        six([Red, Green, Green, Green, Green, Amber]),
        Some(Trend::Improving)
    );
}

#[test]
fn no_trend_with_fewer_than_six_rated_months() {
    use Rating::*;
    assert_eq!(trend(&[Some(Red), Some(Green), Some(Green)]), None);
    assert_eq!(
        trend(&[
            None,
            Some(Red),
            Some(Red),
            Some(Green),
            Some(Green),
            Some(Green)
        ]),
        None
    );
    assert_eq!(trend(&[]), None);
}

fn action(due: &str, changes: &[(&str, ActionStatus, Option<&str>)]) -> Action {
    Action {
        contract: "acme".into(),
        id: "dr-3".into(),
        origin: "IT Disaster Recovery audit 2022/23".into(),
        reference: None,
        title: "Test the DR plan".into(),
        description: None,
        owner: "Head of IT".into(),
        agreed_due: d(due),
        links: ActionLinks::default(),
        history: changes
            .iter()
            .enumerate()
            .map(|(i, (when, status, revised))| StatusChange {
                seq: i as i64 + 1,
                status: *status,
                by: "Internal Audit".into(),
                reason: "follow-up".into(),
                evidence: None,
                revised_due: revised.map(d),
                recorded_by: "cli:test".into(),
                recorded_at: at(when),
            })
            .collect(),
    }
}

#[test]
fn actions_as_they_stood_at_the_months_end() {
    use ActionStatus::*;
    let october: Period = "2026-10".parse().unwrap();
    let end = at("2026-11-01T00:00:00Z");
    let none = Register::default();
    // Due 30 September: 31 October is 31 days later.
    let late = action(
        "2026-09-30",
        &[("2026-09-01T09:00:00Z", NotImplemented, None)],
    );
    let found = overdue_at(october, end, &[late], &none);
    assert_eq!(found, [overdue(ReasonKind::OverdueAction, 31)]);
    // Due 1 October: 30 days.
    let a = action(
        "2026-10-01",
        &[("2026-09-01T09:00:00Z", PartiallyImplemented, None)],
    );
    assert_eq!(overdue_at(october, end, &[a], &none)[0].days, 30);
    // Fully implemented in November: still overdue at October's end.
    let done_later = action(
        "2026-09-30",
        &[
            ("2026-09-01T09:00:00Z", NotImplemented, None),
            ("2026-11-03T09:00:00Z", FullyImplemented, None),
        ],
    );
    assert_eq!(overdue_at(october, end, &[done_later], &none)[0].days, 31);
    // A revised due date agreed in October counts from then.
    let revised = action(
        "2026-09-30",
        &[
            ("2026-09-01T09:00:00Z", NotImplemented, None),
            (
                "2026-10-10T09:00:00Z",
                PartiallyImplemented,
                Some("2026-12-31"),
            ),
        ],
    );
    assert!(overdue_at(october, end, &[revised], &none).is_empty());
    // Recorded only in November: October's register did not hold it.
    let recorded_later = action(
        "2026-09-30",
        &[("2026-11-02T09:00:00Z", NotImplemented, None)],
    );
    assert!(overdue_at(october, end, &[recorded_later], &none).is_empty());
}

#[test]
fn commitments_as_they_stood_at_the_months_end() {
    let october: Period = "2026-10".parse().unwrap();
    let end = at("2026-11-01T00:00:00Z");
    let register = Register {
        commitments: vec![Commitment {
            id: "dr-test".into(),
            name: "DR test".into(),
            category: Category::parse("dr").unwrap(),
            owner: None,
            schedule: Schedule::Dated {
                first: d("2026-10-01"),
                every: None,
            },
            delay_payment_per_day: None,
            origin: Origin::Config,
        }],
        // Delivered in November: undelivered at October's end.
        events: vec![Event {
            commitment: "dr-test".into(),
            occurrence: "2026-10-01".into(),
            action: Step::Delivered,
            on: d("2026-11-04"),
            evidence: Some("DR test report".into()),
            person: None,
            reason: None,
            recorded_by: "cli:test".into(),
            recorded_at: at("2026-11-04T10:00:00Z"),
        }],
    };
    let found = overdue_at(october, end, &[], &register);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, ReasonKind::OverdueCommitment);
    assert_eq!(found[0].id, "dr-test 2026-10-01");
    // Due 1 October, undelivered on 31 October: 30 days, so amber.
    assert_eq!(found[0].days, 30);
}
