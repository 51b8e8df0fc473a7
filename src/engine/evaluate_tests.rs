//! Hand-worked contract-months through [`evaluate_month`].

use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Europe::London;

use super::*;
use crate::contract::calendar::Calendar;
use crate::contract::{ChargeSchedule, CreditScheme, CreditTier, ServiceLevel, ServiceLevelKind};
use crate::domain::{Currency, Hold, Impact, Money, Priority, Weight, WorkKind};

pub(crate) fn t(s: &str) -> Instant {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub(super) fn p(v: f64) -> Percent {
    Percent::from_f64(v).unwrap()
}

pub(crate) fn level(id: &str, kind: ServiceLevelKind) -> ServiceLevel {
    ServiceLevel {
        id: id.into(),
        name: id.into(),
        kind,
        priorities: vec![],
        services: vec![],
        target_seconds: None,
        calendar: Arc::new(Calendar::always_open()),
        target_percent: p(95.0),
        critical_below: None,
        partial_weight: Weight::HALF,
        credit_scheme: CreditScheme::Tiers(vec![]),
        low_volume: None,
        from: None,
        until: None,
    }
}

pub(crate) fn p1_resolution() -> ServiceLevel {
    ServiceLevel {
        priorities: vec![Priority::P1],
        target_seconds: Some(4 * 3_600),
        critical_below: Some(p(80.0)),
        credit_scheme: CreditScheme::Tiers(vec![
            CreditTier {
                below: p(95.0),
                percent: p(2.0),
            },
            CreditTier {
                below: p(90.0),
                percent: p(4.0),
            },
        ]),
        low_volume: None,
        from: None,
        until: None,
        ..level("p1-resolution", ServiceLevelKind::ResolutionTime)
    }
}

pub(crate) fn contract(levels: Vec<ServiceLevel>) -> Contract {
    let gbp = Currency::parse("GBP").unwrap();
    Contract {
        id: "acme".into(),
        supplier: "Acme".into(),
        timezone: London,
        monthly_charge: ChargeSchedule::fixed(Money::parse("125000.00", &gbp).unwrap()),
        annual_cap_percent: None,
        contract_year_starts: 1,
        start: None,
        point_value_percent: None,
        repeat_multiplier: 2,
        currency: gbp,
        service_credit_cap_percent: p(12.0),
        managers: vec![],
        subscriptions: vec![],
        service_levels: levels,
        commitments: vec![],
        dr_systems: vec![],
        rewrite_grace_seconds: crate::contract::DEFAULT_REWRITE_GRACE_SECONDS,
        recovery: Default::default(),
        escalations: Vec::new(),
        auto_issue: false,
        issue_when: Default::default(),
        particulars: Default::default(),
        attach_evidence_files: false,
    }
}

pub(crate) fn incident(id: &str, opened: &str, resolved: Option<&str>) -> Incident {
    Incident {
        id: id.into(),
        priority: Priority::P1,
        service: Some("email".into()),
        opened_at: t(opened),
        responded_at: None,
        resolved_at: resolved.map(t),
        title: None,
        excused_reason: None,
        unknown: Default::default(),
        holds: vec![],
    }
}

const OCT: &str = "2026-10";
pub(super) const LATER: &str = "2027-01-01T00:00:00Z";

pub(crate) fn oct() -> Period {
    OCT.parse().unwrap()
}

#[test]
fn resolution_month_with_two_breaches_of_fourteen() {
    // 12 incidents resolved in 3 h (met), 2 resolved in 5 h 36 m (breached).
    let mut incidents = Vec::new();
    for i in 0..12 {
        let opened = format!("2026-10-{:02}T09:00:00Z", i + 2);
        let resolved = format!("2026-10-{:02}T12:00:00Z", i + 2);
        incidents.push(incident(&format!("INC{i:03}"), &opened, Some(&resolved)));
    }
    incidents.push(incident(
        "INC100",
        "2026-10-07T07:26:00Z",
        Some("2026-10-07T13:02:00Z"),
    ));
    incidents.push(incident(
        "INC101",
        "2026-10-20T07:00:00Z",
        Some("2026-10-20T12:36:00Z"),
    ));
    let c = contract(vec![p1_resolution()]);
    let e = evaluate_month(
        &c,
        oct(),
        &Evidence {
            incidents,
            ..Default::default()
        },
        t(LATER),
    );
    let l = &e.levels[0];
    let Figures::Incidents(f) = &l.figures else {
        panic!("incident figures expected")
    };
    assert_eq!((f.assessed, f.met), (14, 12));
    // 12/14 = 85.714 %: failed, under the 90 band → 4 % of £125,000 = £5,000.00.
    assert_eq!(l.attainment.unwrap().rounded3(), 85.714);
    assert_eq!(l.status, Status::Failed);
    assert!(!l.critical, "85.7 % is not under the 80 % critical line");
    assert_eq!(l.credit_minor, 500_000);
    // The first breach: 5 h 36 m elapsed (20,160 s) against 4 h, deadline 11:26Z.
    assert_eq!(f.breaches[0].incident, "INC100");
    assert_eq!(f.breaches[0].elapsed_seconds, 20_160);
    assert_eq!(f.breaches[0].target_seconds, 14_400);
    assert_eq!(f.breaches[0].deadline, t("2026-10-07T11:26:00Z"));
    assert_eq!(e.credits.total_minor, 500_000);
}

#[test]
fn breach_is_assessed_in_the_deadline_month_and_only_there() {
    // Opened 31 Oct 22:00 GMT, deadline 1 Nov 02:00 GMT, resolved 3 Nov.
    let late = incident("INC1", "2026-10-31T22:00:00Z", Some("2026-11-03T10:00:00Z"));
    // Opened 30 Sep 21:00 BST (20:00Z), met at 1 Oct 00:30 BST: an October met.
    let met = incident("INC2", "2026-09-30T20:00:00Z", Some("2026-09-30T23:30:00Z"));
    let c = contract(vec![p1_resolution()]);
    let ev = Evidence {
        incidents: vec![late, met],
        ..Default::default()
    };
    let count = |month: &str| {
        let e = evaluate_month(&c, month.parse().unwrap(), &ev, t(LATER));
        let Figures::Incidents(f) = &e.levels[0].figures else {
            panic!()
        };
        (f.assessed, f.met, f.breaches.len())
    };
    assert_eq!(count("2026-09"), (0, 0, 0));
    assert_eq!(count("2026-10"), (1, 1, 0));
    assert_eq!(count("2026-11"), (1, 0, 1));
    assert_eq!(count("2026-12"), (0, 0, 0));
}

#[test]
fn an_open_ticket_cannot_hide_a_failure() {
    // Never resolved: breached in the month its deadline fell, as soon as it passed.
    let open = incident("INC9", "2026-10-12T09:00:00Z", None);
    let c = contract(vec![p1_resolution()]);
    let ev = Evidence {
        incidents: vec![open],
        ..Default::default()
    };
    let before = evaluate_month(&c, oct(), &ev, t("2026-10-12T12:59:59Z"));
    assert_eq!(
        before.levels[0].status,
        Status::NoData,
        "pending is not assessed"
    );
    let after = evaluate_month(&c, oct(), &ev, t("2026-10-12T13:00:01Z"));
    assert_eq!(after.levels[0].status, Status::Failed);
    let Figures::Incidents(f) = &after.levels[0].figures else {
        panic!()
    };
    assert_eq!(f.breaches[0].stopped_at, None);
    // 1 of 1 breached: 0 % is under the critical line of 80 %.
    assert!(after.levels[0].critical);
}

#[test]
fn excused_incidents_are_listed_not_assessed() {
    let mut excused = incident("INC7", "2026-10-05T09:00:00Z", Some("2026-10-05T20:00:00Z"));
    excused.excused_reason = Some("power cut at customer site".into());
    let met = incident("INC8", "2026-10-05T09:00:00Z", Some("2026-10-05T10:00:00Z"));
    let c = contract(vec![p1_resolution()]);
    let e = evaluate_month(
        &c,
        oct(),
        &Evidence {
            incidents: vec![excused, met],
            ..Default::default()
        },
        t(LATER),
    );
    assert_eq!(e.levels[0].status, Status::Met);
    let Figures::Incidents(f) = &e.levels[0].figures else {
        panic!()
    };
    assert_eq!((f.assessed, f.met), (1, 1));
    assert_eq!(e.excused.len(), 1);
    assert_eq!(e.excused[0].reason, "power cut at customer site");
}

#[test]
fn only_awaiting_customer_holds_stop_the_resolution_clock() {
    // 3 h of hold inside a 6 h life: met with awaiting_customer, breached otherwise.
    let mut with_hold = incident("INC1", "2026-10-05T09:00:00Z", Some("2026-10-05T15:00:00Z"));
    with_hold.holds = vec![Hold {
        start: t("2026-10-05T10:00:00Z"),
        end: Some(t("2026-10-05T13:00:00Z")),
        reason: "awaiting_customer".into(),
    }];
    let mut vendor_hold = with_hold.clone();
    vendor_hold.id = "INC2".into();
    vendor_hold.holds[0].reason = "awaiting_vendor".into();
    let c = contract(vec![p1_resolution()]);
    let e = evaluate_month(
        &c,
        oct(),
        &Evidence {
            incidents: vec![with_hold, vendor_hold],
            ..Default::default()
        },
        t(LATER),
    );
    let Figures::Incidents(f) = &e.levels[0].figures else {
        panic!()
    };
    assert_eq!((f.assessed, f.met), (2, 1));
    assert_eq!(f.breaches[0].incident, "INC2");
}

#[test]
fn response_clock_stops_at_resolution_when_no_response_is_recorded() {
    let response = ServiceLevel {
        priorities: vec![Priority::P1],
        target_seconds: Some(15 * 60),
        ..level("p1-response", ServiceLevelKind::ResponseTime)
    };
    let mut responded = incident("INC1", "2026-10-05T09:00:00Z", Some("2026-10-05T11:00:00Z"));
    responded.responded_at = Some(t("2026-10-05T09:10:00Z"));
    // No response recorded, resolved after 12 minutes: the response counts as met.
    let quick = incident("INC2", "2026-10-05T09:00:00Z", Some("2026-10-05T09:12:00Z"));
    // Responded after 20 minutes: breached.
    let mut slow = incident("INC3", "2026-10-05T09:00:00Z", Some("2026-10-05T10:00:00Z"));
    slow.responded_at = Some(t("2026-10-05T09:20:00Z"));
    let c = contract(vec![response]);
    let e = evaluate_month(
        &c,
        oct(),
        &Evidence {
            incidents: vec![responded, quick, slow],
            ..Default::default()
        },
        t(LATER),
    );
    let Figures::Incidents(f) = &e.levels[0].figures else {
        panic!()
    };
    assert_eq!((f.assessed, f.met), (3, 2));
    assert_eq!(f.breaches[0].incident, "INC3");
}

#[test]
fn levels_apply_by_priority_and_service() {
    let mut email_only = p1_resolution();
    email_only.services = vec!["email".into()];
    let mut p2 = incident("INC2", "2026-10-05T09:00:00Z", Some("2026-10-05T10:00:00Z"));
    p2.priority = Priority::P2;
    let mut network = incident("INC3", "2026-10-05T09:00:00Z", Some("2026-10-05T10:00:00Z"));
    network.service = Some("network".into());
    let mut unknown = incident("INC4", "2026-10-05T09:00:00Z", Some("2026-10-05T10:00:00Z"));
    unknown.service = None;
    let email = incident("INC1", "2026-10-05T09:00:00Z", Some("2026-10-05T10:00:00Z"));
    let c = contract(vec![email_only]);
    let e = evaluate_month(
        &c,
        oct(),
        &Evidence {
            incidents: vec![p2, network, unknown, email],
            ..Default::default()
        },
        t(LATER),
    );
    let Figures::Incidents(f) = &e.levels[0].figures else {
        panic!()
    };
    assert_eq!(f.assessed, 1);
}

#[test]
fn availability_line_with_credit_and_cap() {
    // email-availability: 24x7, 99.5 % target, tiers 99.5 → 3 %, 99.0 → 6 %.
    // October in London has 745 h = 2,682,000 s. 4 h 30 m full downtime
    // (16,200 s) → 99.396 %: failed, under 99.5 but not 99.0 → 3 % = £3,750.
    let avail = ServiceLevel {
        services: vec!["email".into()],
        target_percent: p(99.5),
        credit_scheme: CreditScheme::Tiers(vec![
            CreditTier {
                below: p(99.5),
                percent: p(3.0),
            },
            CreditTier {
                below: p(99.0),
                percent: p(6.0),
            },
        ]),
        low_volume: None,
        from: None,
        until: None,
        ..level("email-availability", ServiceLevelKind::Availability)
    };
    let outage = crate::domain::Outage {
        id: "OUT1".into(),
        service: "email".into(),
        start: t("2026-10-09T08:00:00Z"),
        end: Some(t("2026-10-09T12:30:00Z")),
        impact: Impact::Full,
        planned: false,
        source: None,
    };
    // Plus 14 of 14 P1s breached: 0 % → 4 % = £5,000. Total £8,750 is under
    // the 12 % cap of £15,000.
    let breaches: Vec<Incident> = (0..14)
        .map(|i| {
            incident(
                &format!("INC{i}"),
                "2026-10-05T09:00:00Z",
                Some("2026-10-05T14:00:00Z"),
            )
        })
        .collect();
    let c = contract(vec![p1_resolution(), avail]);
    let ev = Evidence {
        incidents: breaches,
        outages: vec![outage],
        ..Default::default()
    };
    let e = evaluate_month(&c, oct(), &ev, t(LATER));
    let a = &e.levels[1];
    let Figures::Availability(f) = &a.figures else {
        panic!()
    };
    assert_eq!(
        (f.service_seconds, f.downtime_millionths),
        (2_682_000, 16_200_000_000)
    );
    assert_eq!(a.attainment.unwrap().rounded3(), 99.396);
    assert_eq!((a.status, a.credit_minor), (Status::Failed, 375_000));
    assert_eq!(e.levels[0].credit_minor, 500_000);
    assert_eq!(
        e.credits,
        crate::engine::credits::CreditTotals {
            before_cap_minor: 875_000,
            cap_minor: 1_500_000,
            total_minor: 875_000,
        }
    );
}

#[test]
fn credits_over_the_cap_are_capped() {
    // Three failed lines at 6 % each = 18 % of the charge, capped at 12 %.
    let failing = |id: &str| ServiceLevel {
        priorities: vec![Priority::P1],
        target_seconds: Some(3_600),
        credit_scheme: CreditScheme::Tiers(vec![CreditTier {
            below: p(95.0),
            percent: p(6.0),
        }]),
        low_volume: None,
        from: None,
        until: None,
        ..level(id, ServiceLevelKind::ResolutionTime)
    };
    let c = contract(vec![failing("a"), failing("b"), failing("c")]);
    let ev = Evidence {
        incidents: vec![incident(
            "INC1",
            "2026-10-05T09:00:00Z",
            Some("2026-10-05T11:00:00Z"),
        )],
        ..Default::default()
    };
    let e = evaluate_month(&c, oct(), &ev, t(LATER));
    assert_eq!(e.credits.before_cap_minor, 3 * 750_000);
    assert_eq!(e.credits.total_minor, 1_500_000);
}

#[test]
fn proactive_share_counts_the_month_tallies() {
    use crate::domain::{ChangeType, WorkTally};
    let tally = |kind, change_type, proactive, count| WorkTally {
        kind,
        change_type,
        proactive,
        count,
    };
    // 4 problems, 3 standard and 2 normal changes, 1 incident stated proactive:
    // 10 proactive. 5 incidents, 2 emergency changes, 1 problem stated
    // reactive: 8 reactive. 10 / 18 = 55.556 % < 60 %: failed.
    let work = vec![
        tally(WorkKind::Problem, None, None, 4),
        tally(WorkKind::Change, Some(ChangeType::Standard), None, 3),
        tally(WorkKind::Change, Some(ChangeType::Normal), None, 2),
        tally(WorkKind::Incident, None, Some(true), 1),
        tally(WorkKind::Incident, None, None, 5),
        tally(WorkKind::Change, Some(ChangeType::Emergency), None, 2),
        tally(WorkKind::Problem, None, Some(false), 1),
    ];
    let share = ServiceLevel {
        target_percent: p(60.0),
        credit_scheme: CreditScheme::Tiers(vec![CreditTier {
            below: p(60.0),
            percent: p(1.0),
        }]),
        low_volume: None,
        from: None,
        until: None,
        ..level("proactive", ServiceLevelKind::ProactiveShare)
    };
    let c = contract(vec![share]);
    let e = evaluate_month(
        &c,
        oct(),
        &Evidence {
            work,
            ..Default::default()
        },
        t(LATER),
    );
    let Figures::Proactive {
        proactive,
        reactive,
    } = e.levels[0].figures
    else {
        panic!()
    };
    assert_eq!((proactive, reactive), (10, 8));
    assert_eq!(e.levels[0].attainment.unwrap().rounded3(), 55.556);
    assert_eq!(e.levels[0].status, Status::Failed);
    // 1 % of £125,000.
    assert_eq!(e.levels[0].credit_minor, 125_000);
}

#[test]
fn nothing_to_measure_is_no_data_not_a_failure() {
    let share = level("proactive", ServiceLevelKind::ProactiveShare);
    let c = contract(vec![p1_resolution(), share]);
    let e = evaluate_month(&c, oct(), &Evidence::default(), t(LATER));
    assert!(
        e.levels
            .iter()
            .all(|l| l.status == Status::NoData && l.credit_minor == 0)
    );
}

#[test]
fn supplier_figure_is_attached_to_its_level_and_month() {
    let c = contract(vec![p1_resolution()]);
    let kpis = vec![
        crate::domain::SupplierKpi {
            service_level: "p1-resolution".into(),
            period: oct(),
            attainment: p(97.0),
        },
        crate::domain::SupplierKpi {
            service_level: "p1-resolution".into(),
            period: oct().next(),
            attainment: p(99.0),
        },
    ];
    let e = evaluate_month(
        &c,
        oct(),
        &Evidence {
            supplier_kpis: kpis,
            ..Default::default()
        },
        t(LATER),
    );
    assert_eq!(e.levels[0].supplier_reported, Some(p(97.0)));
}
