//! Hand-worked standings of months in progress.

use super::*;
use crate::contract::{ServiceLevel, ServiceLevelKind};
use crate::domain::{Excusal, ExcusalTarget, Impact, Incident, Outage};
use crate::engine::evaluate::tests::{contract, incident, level, oct, p1_resolution, t};
use crate::engine::live::open_incident_stages;
use crate::engine::{Evidence, evaluate_month};

fn pct(v: f64) -> Percent {
    Percent::from_f64(v).unwrap()
}

/// The P1 level's standing in October as seen at `now`.
fn p1_standing(
    target: f64,
    incidents: Vec<Incident>,
    typical: &TypicalVolumes,
    now: &str,
) -> LineStanding {
    let c = contract(vec![ServiceLevel {
        target_percent: pct(target),
        ..p1_resolution()
    }]);
    let evidence = Evidence {
        incidents,
        ..Default::default()
    };
    let now = t(now);
    let e = evaluate_month(&c, oct(), &evidence, now);
    let open = open_incident_stages(&c, &evidence, 0.75, now);
    MonthStanding::new(&c, &e, &open, typical, now)
        .lines
        .remove(0)
}

/// Resolved after 5 h against the 4 h target: breached.
fn breached(id: &str, day: u32) -> Incident {
    incident(
        id,
        &format!("2026-10-{day:02}T09:00:00Z"),
        Some(&format!("2026-10-{day:02}T14:00:00Z")),
    )
}

/// Resolved after 1 h: met.
fn met(id: &str, day: u32) -> Incident {
    incident(
        id,
        &format!("2026-10-{day:02}T09:00:00Z"),
        Some(&format!("2026-10-{day:02}T10:00:00Z")),
    )
}

/// Opened at 14:00 on the 5th and still open.
fn open(id: &str) -> Incident {
    incident(id, "2026-10-05T14:00:00Z", None)
}

#[test]
fn needed_to_recover_boundaries() {
    // 95 %, 18 of 20: ceil((95·20 − 100·18) / (100 − 95)) = ceil(100 / 5)
    // = 20; check: 38 of 40 = 95 %.
    assert_eq!(needed_to_recover(pct(95.0), 20, 18), Some(20));
    // 19 of 20 = 95 % exactly: on target, none needed.
    assert_eq!(needed_to_recover(pct(95.0), 20, 19), Some(0));
    // Above target: never negative.
    assert_eq!(needed_to_recover(pct(95.0), 20, 20), Some(0));
    // 0 of 1 at 95 %: ceil(95 / 5) = 19; 19 of 20 = 95 %.
    assert_eq!(needed_to_recover(pct(95.0), 1, 0), Some(19));
    // 97 %, 0 of 1: 97 / 3 = 32.33 → 33 (32 of 33 = 96.97 % is still
    // short; 33 of 34 = 97.06 %).
    assert_eq!(needed_to_recover(pct(97.0), 1, 0), Some(33));
    // A fractional target: 99.5 %, 9 of 10: (995 − 900) / 0.5 = 190;
    // 199 of 200 = 99.5 %.
    assert_eq!(needed_to_recover(pct(99.5), 10, 9), Some(190));
    // 100 %: one miss can never be made up; with none missed, nothing needed.
    assert_eq!(needed_to_recover(pct(100.0), 5, 4), None);
    assert_eq!(needed_to_recover(pct(100.0), 5, 5), Some(0));
    // Nothing yet: nothing needed.
    assert_eq!(needed_to_recover(pct(95.0), 0, 0), Some(0));
}

#[test]
fn typical_volume_is_the_mean_of_the_closed_months_available() {
    // 12, 9 and 11 assessed: 32 / 3 = 10.667, a typical month has 11.
    let v = TypicalVolume::of(&[12, 9, 11]).unwrap();
    assert_eq!((v.months, v.assessed), (3, 32));
    assert!((v.mean() - 10.666_666).abs() < 1e-5);
    assert_eq!(v.rounded(), 11);
    // Two months only (the first one monitored): 10 and 11 → 10.5 → 11 (half up).
    let v = TypicalVolume::of(&[10, 11]).unwrap();
    assert_eq!((v.mean(), v.rounded()), (10.5, 11));
    // One month of 7.
    assert_eq!(TypicalVolume::of(&[7]).unwrap().rounded(), 7);
    // No closed month: nothing to compare with.
    assert_eq!(TypicalVolume::of(&[]), None);
}

#[test]
fn typical_volumes_count_each_level_over_the_months_that_measured_it() {
    let c = contract(vec![p1_resolution()]);
    let month = |n_met: u32, n_breached: u32, period: &str| {
        let mut incidents = Vec::new();
        for i in 0..n_met {
            incidents.push(incident(
                &format!("M{i}"),
                &format!("{period}-02T09:00:00Z"),
                Some(&format!("{period}-02T10:00:00Z")),
            ));
        }
        for i in 0..n_breached {
            incidents.push(incident(
                &format!("B{i}"),
                &format!("{period}-03T09:00:00Z"),
                Some(&format!("{period}-03T14:00:00Z")),
            ));
        }
        let evidence = Evidence {
            incidents,
            ..Default::default()
        };
        evaluate_month(
            &c,
            period.parse().unwrap(),
            &evidence,
            t("2026-10-05T12:00:00Z"),
        )
    };
    // July 10 + 2 = 12, August 9, September 10 + 1 = 11 assessed.
    let (jul, aug, sep) = (
        month(10, 2, "2026-07"),
        month(9, 0, "2026-08"),
        month(10, 1, "2026-09"),
    );
    let v = TypicalVolumes::from_months(&[&jul, &aug, &sep]);
    assert_eq!(
        v.get("p1-resolution"),
        Some(TypicalVolume {
            months: 3,
            assessed: 32
        })
    );
    assert_eq!(v.get("p1-resolution").unwrap().rounded(), 11);
    // Fewer than three available: September alone gives 11.
    let v = TypicalVolumes::from_months(&[&sep]);
    assert_eq!(v.get("p1-resolution").unwrap().rounded(), 11);
    assert_eq!(TypicalVolumes::from_months(&[]).get("p1-resolution"), None);
}

#[test]
fn one_early_breach_is_at_risk_not_certain_to_fail() {
    // The 5th: one P1 breached, nothing else. 0 of 1 against 95 %: needs
    // ceil(95 / 5) = 19 more, all met; a typical month has 11.
    let typical = TypicalVolumes::from_iter([(
        "p1-resolution".to_string(),
        TypicalVolume {
            months: 3,
            assessed: 32,
        },
    )]);
    let s = p1_standing(
        95.0,
        vec![breached("B1", 5)],
        &typical,
        "2026-10-05T15:00:00Z",
    );
    assert_eq!(s.standing, Standing::AtRisk);
    assert_eq!(s.needed_to_recover, Some(19));
    assert_eq!(s.typical_volume.map(|v| v.rounded()), Some(11));
    // 0 % is under the 80 % critical line, but it can recover: not critical.
    assert!(!s.critical);
    // No history: the same standing, no typical volume.
    let s = p1_standing(
        95.0,
        vec![breached("B1", 5)],
        &TypicalVolumes::default(),
        "2026-10-05T15:00:00Z",
    );
    assert_eq!((s.standing, s.typical_volume), (Standing::AtRisk, None));
}

#[test]
fn open_incidents_count_as_met_and_can_rescue_the_month() {
    // 1 breached, 1 met, and 18 open within target: n = 20, m = 19 counting
    // the open ones as met: 95 % → none needed beyond them, failing so far.
    let mut incidents = vec![breached("B1", 2), met("M1", 3)];
    incidents.extend((0..18).map(|i| open(&format!("O{i}"))));
    let s = p1_standing(
        95.0,
        incidents.clone(),
        &TypicalVolumes::default(),
        "2026-10-05T15:00:00Z",
    );
    assert_eq!(s.standing, Standing::Failing);
    assert_eq!(s.needed_to_recover, Some(0));
    assert_eq!(s.best_possible.map(|b| b.rounded3()), Some(95.0));
    // One open incident fewer: 18 of 19 = 94.74 %: ceil((95·19 − 1800) / 5)
    // = ceil(5 / 5) = 1 more needed.
    incidents.pop();
    let s = p1_standing(
        95.0,
        incidents,
        &TypicalVolumes::default(),
        "2026-10-05T15:00:00Z",
    );
    assert_eq!(
        (s.standing, s.needed_to_recover),
        (Standing::AtRisk, Some(1))
    );
}

#[test]
fn a_missed_hundred_percent_target_is_certain_to_fail_and_critical_under_the_line() {
    // 100 % target: 1 breached, 1 met, 1 open. Best possible 2 of 3 =
    // 66.667 %, under the 80 % critical line.
    let s = p1_standing(
        100.0,
        vec![breached("B1", 2), met("M1", 3), open("O1")],
        &TypicalVolumes::default(),
        "2026-10-05T15:00:00Z",
    );
    assert_eq!(s.standing, Standing::CertainToFail);
    assert_eq!(s.needed_to_recover, None);
    assert_eq!(s.best_possible.map(|b| b.rounded3()), Some(66.667));
    assert!(s.critical);
    // With 4 more met: best 6 of 7 = 85.714 %, above 80 %: certain to fail,
    // not critical.
    let mut incidents = vec![breached("B1", 2), met("M1", 3), open("O1")];
    incidents.extend((2..6).map(|i| met(&format!("M{i}"), 3)));
    let s = p1_standing(
        100.0,
        incidents,
        &TypicalVolumes::default(),
        "2026-10-05T15:00:00Z",
    );
    assert_eq!((s.standing, s.critical), (Standing::CertainToFail, false));
}

#[test]
fn an_ended_month_below_target_is_certain_to_fail() {
    // Seen at 1 November 00:00 London (31 October 24:00 UTC): 1 breached of
    // 2 = 50 %, no time left to recover.
    let s = p1_standing(
        95.0,
        vec![breached("B1", 2), met("M1", 3)],
        &TypicalVolumes::default(),
        "2026-11-01T00:00:00Z",
    );
    assert_eq!(s.standing, Standing::CertainToFail);
    assert_eq!(s.needed_to_recover, None);
    // 50 % is under 80 %.
    assert!(s.critical);
    // A second before the end it could still recover: 1 of 2 needs
    // ceil((190 − 100) / 5) = 18 more.
    let s = p1_standing(
        95.0,
        vec![breached("B1", 2), met("M1", 3)],
        &TypicalVolumes::default(),
        "2026-10-31T23:59:59Z",
    );
    assert_eq!(
        (s.standing, s.needed_to_recover),
        (Standing::AtRisk, Some(18))
    );
}

#[test]
fn on_target_so_far_is_met_and_nothing_yet_is_no_data() {
    let s = p1_standing(
        95.0,
        vec![met("M1", 3)],
        &TypicalVolumes::default(),
        "2026-10-05T15:00:00Z",
    );
    assert_eq!((s.standing, s.needed_to_recover), (Standing::Met, Some(0)));
    let s = p1_standing(
        95.0,
        vec![open("O1")],
        &TypicalVolumes::default(),
        "2026-10-05T15:00:00Z",
    );
    assert_eq!(
        (s.standing, s.needed_to_recover),
        (Standing::NoData, Some(0))
    );
}

fn availability_standing(down_hours: i64, excused: bool) -> LineStanding {
    // 99.5 % of October's 745 h (2,682,000 s) allows 13,410 s (3 h 43 m 30 s)
    // of downtime, with a critical line at 99 % (26,820 s).
    let c = contract(vec![ServiceLevel {
        services: vec!["email".into()],
        target_percent: pct(99.5),
        critical_below: Some(pct(99.0)),
        ..level("email-availability", ServiceLevelKind::Availability)
    }]);
    let start = t("2026-10-05T08:00:00Z");
    let mut evidence = Evidence {
        outages: vec![Outage {
            id: "OUT1".into(),
            service: "email".into(),
            start,
            end: Some(start + chrono::Duration::hours(down_hours)),
            impact: Impact::Full,
            planned: false,
            source: None,
        }],
        ..Default::default()
    };
    if excused {
        evidence.excusals = vec![Excusal {
            id: 1,
            target: ExcusalTarget::ServiceLevel {
                service_level: "email-availability".into(),
                period: oct(),
            },
            reason: "relief event".into(),
            by: "manager".into(),
            at: t("2026-10-06T09:00:00Z"),
            during: None,
            revoked: None,
        }];
    }
    let now = t("2026-10-06T12:00:00Z");
    let e = evaluate_month(&c, oct(), &evidence, now);
    MonthStanding::new(&c, &e, &[], &TypicalVolumes::default(), now)
        .lines
        .remove(0)
}

#[test]
fn availability_is_certain_to_fail_once_its_budget_is_spent() {
    // 3 h down (10,800 s) of a 13,410 s budget: 99.597 %, met.
    let s = availability_standing(3, false);
    assert_eq!((s.standing, s.needed_to_recover), (Standing::Met, None));
    // 4 h (14,400 s): 99.463 % even with no more downtime: certain to fail,
    // above the 99 % critical line.
    let s = availability_standing(4, false);
    assert_eq!(s.standing, Standing::CertainToFail);
    assert_eq!(s.best_possible.map(|b| b.rounded3()), Some(99.463));
    assert!(!s.critical);
    // 8 h (28,800 s): 98.926 %, under 99 %: a critical failure in waiting.
    let s = availability_standing(8, false);
    assert_eq!((s.standing, s.critical), (Standing::CertainToFail, true));
    // The same month excused: the contract does not count it, never critical.
    let s = availability_standing(8, true);
    assert_eq!((s.standing, s.critical), (Standing::CertainToFail, false));
}

#[test]
fn the_forecast_credit_is_the_month_as_it_stands() {
    // 0 of 1 P1 = 0 %: under the 90 band → 4 % of £125,000 = £5,000.00,
    // under the 12 % cap.
    let c = contract(vec![p1_resolution()]);
    let evidence = Evidence {
        incidents: vec![breached("B1", 5)],
        ..Default::default()
    };
    let now = t("2026-10-05T15:00:00Z");
    let e = evaluate_month(&c, oct(), &evidence, now);
    let m = MonthStanding::new(&c, &e, &[], &TypicalVolumes::default(), now);
    assert_eq!(m.forecast_credit_minor, 500_000);
    assert_eq!(
        m.line("p1-resolution", None).map(|l| l.standing),
        Some(Standing::AtRisk)
    );
}

#[test]
fn a_low_volume_failure_needs_the_minimum_volume_to_recover() {
    // 75 % target; with fewer than 10 assessed the month fails on more than
    // no breach. 3 met and 1 breached by the 20th: 75 % is on target, but
    // the breach fails the low-volume month. Recovering needs the month to
    // reach 10 assessed (6 more, all met: 9 of 10 = 90 %), not 0.
    let c = contract(vec![ServiceLevel {
        target_percent: pct(75.0),
        low_volume: Some(crate::contract::LowVolume {
            minimum: 10,
            max_breaches: 0,
        }),
        ..p1_resolution()
    }]);
    let evidence = Evidence {
        incidents: vec![met("A", 1), met("B", 2), met("C", 3), breached("D", 4)],
        ..Default::default()
    };
    let now = t("2026-10-20T12:00:00Z");
    let e = evaluate_month(&c, oct(), &evidence, now);
    assert!(e.levels[0].low_volume);
    let open = open_incident_stages(&c, &evidence, 0.75, now);
    let s = MonthStanding::new(&c, &e, &open, &TypicalVolumes::default(), now)
        .lines
        .remove(0);
    assert_eq!(s.standing, Standing::AtRisk);
    assert_eq!(s.needed_to_recover, Some(6));
}
