//! Hand-worked months with excusals and disputes (see
//! docs/book/src/managers/recording.md).

use super::tests::{LATER, contract, incident, level, oct, p, p1_resolution, t};
use super::*;
use crate::contract::{CreditScheme, CreditTier, ServiceLevel, ServiceLevelKind};
use crate::domain::{DisputeSubject, ExcusalTarget, Impact, Priority, Revocation};

const AT: &str = "2026-11-03T10:00:00Z";

fn excusal(id: i64, target: ExcusalTarget, reason: &str) -> Excusal {
    Excusal {
        id,
        target,
        reason: reason.into(),
        by: "J. Smith".into(),
        at: t(AT),
        during: None,
        revoked: None,
    }
}

fn of_incident(id: &str) -> ExcusalTarget {
    ExcusalTarget::Incident {
        incident: id.into(),
    }
}

fn dispute(id: i64, subject: DisputeSubject, status: DisputeStatus) -> Dispute {
    let decided = status != DisputeStatus::Disputed;
    Dispute {
        id,
        subject,
        status,
        note: "the supplier says otherwise".into(),
        opened_by: "J. Smith".into(),
        opened_at: t(AT),
        resolved_by: decided.then(|| "A. Jones".into()),
        resolved_at: decided.then(|| t("2026-11-10T10:00:00Z")),
        resolution_note: decided.then(|| "decided".into()),
    }
}

fn disputed_incident(id: &str) -> DisputeSubject {
    DisputeSubject::Incident {
        incident: id.into(),
    }
}

fn level_month(id: &str) -> DisputeSubject {
    DisputeSubject::ServiceLevel {
        service_level: id.into(),
        period: oct(),
    }
}

/// The month of `resolution_month_with_two_breaches_of_fourteen`: 12 P1s met
/// in 3 h, INC100 and INC101 breached after 5 h 36 m. 12/14 = 85.714 %,
/// under the 90 band: 4 % of £125,000 = £5,000.00.
fn fourteen() -> Vec<Incident> {
    let mut incidents: Vec<Incident> = (0..12)
        .map(|i| {
            incident(
                &format!("INC{i:03}"),
                &format!("2026-10-{:02}T09:00:00Z", i + 2),
                Some(&format!("2026-10-{:02}T12:00:00Z", i + 2)),
            )
        })
        .collect();
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
    incidents
}

fn p1_month(excusals: Vec<Excusal>, disputes: Vec<Dispute>) -> MonthEvaluation {
    let c = contract(vec![p1_resolution()]);
    let ev = Evidence {
        incidents: fourteen(),
        excusals,
        disputes,
        ..Default::default()
    };
    evaluate_month(&c, oct(), &ev, t(LATER))
}

fn counts(e: &MonthEvaluation) -> (u64, u64, usize) {
    let Figures::Incidents(f) = &e.levels[0].figures else {
        panic!("incident figures expected")
    };
    (f.assessed, f.met, f.breaches.len())
}

#[test]
fn an_excused_incident_is_listed_with_who_and_when_not_assessed() {
    let e = p1_month(
        vec![excusal(
            1,
            of_incident("INC100"),
            "power cut at customer site",
        )],
        vec![],
    );
    // 12 of 13 = 92.308 %: under 95 but not 90 → 2 % = £2,500.00.
    assert_eq!(counts(&e), (13, 12, 1));
    assert_eq!(e.levels[0].attainment.unwrap().rounded3(), 92.308);
    assert_eq!(e.levels[0].credit_minor, 250_000);
    assert_eq!(
        e.excused,
        vec![Excused {
            incident: "INC100".into(),
            reason: "power cut at customer site".into(),
            by: Some("J. Smith".into()),
            at: Some(t(AT)),
        }]
    );
    assert_eq!(e.excusals.len(), 1, "the excusal bears on October");
}

#[test]
fn a_revoked_excusal_counts_again_and_still_bears_on_the_month() {
    let mut revoked = excusal(1, of_incident("INC100"), "power cut");
    revoked.revoked = Some(Revocation {
        by: "A. Jones".into(),
        at: t("2026-11-04T10:00:00Z"),
        reason: "the supplier's own fault after all".into(),
    });
    let e = p1_month(vec![revoked], vec![]);
    assert_eq!(counts(&e), (14, 12, 2));
    assert_eq!(e.levels[0].credit_minor, 500_000);
    assert!(e.excused.is_empty());
    assert_eq!(e.excusals[0].id, 1);
}

#[test]
fn a_recorded_excusal_adds_who_to_an_imported_reason() {
    let mut incidents = fourteen();
    incidents[12].excused_reason = Some("from the supplier's pack".into());
    let c = contract(vec![p1_resolution()]);
    let plain = evaluate_month(
        &c,
        oct(),
        &Evidence {
            incidents: incidents.clone(),
            ..Default::default()
        },
        t(LATER),
    );
    assert_eq!(plain.excused[0].by, None);
    let recorded = evaluate_month(
        &c,
        oct(),
        &Evidence {
            incidents,
            excusals: vec![excusal(1, of_incident("INC100"), "relief event 7")],
            ..Default::default()
        },
        t(LATER),
    );
    assert_eq!(recorded.excused[0].reason, "relief event 7");
    assert_eq!(recorded.excused[0].by.as_deref(), Some("J. Smith"));
}

fn email_availability() -> ServiceLevel {
    ServiceLevel {
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
    }
}

fn outage(id: &str, start: &str, end: &str) -> Outage {
    Outage {
        id: id.into(),
        service: "email".into(),
        start: t(start),
        end: Some(t(end)),
        impact: Impact::Full,
        planned: false,
        source: None,
    }
}

#[test]
fn an_excused_outage_is_not_downtime() {
    // OUT1 4 h 30 m + OUT2 1 h = 19,800 s of 2,682,000 s → 99.262 %:
    // failed, 3 % = £3,750. Without OUT1: 3,600 s → 99.866 %: met, no credit.
    let c = contract(vec![email_availability()]);
    let outages = vec![
        outage("OUT1", "2026-10-09T08:00:00Z", "2026-10-09T12:30:00Z"),
        outage("OUT2", "2026-10-20T10:00:00Z", "2026-10-20T11:00:00Z"),
    ];
    let before = evaluate_month(
        &c,
        oct(),
        &Evidence {
            outages: outages.clone(),
            ..Default::default()
        },
        t(LATER),
    );
    assert_eq!(before.levels[0].attainment.unwrap().rounded3(), 99.262);
    assert_eq!(before.levels[0].credit_minor, 375_000);
    let excused = excusal(
        4,
        ExcusalTarget::Outage {
            outage: "OUT1".into(),
        },
        "agreed emergency works",
    );
    let after = evaluate_month(
        &c,
        oct(),
        &Evidence {
            outages,
            excusals: vec![excused.clone()],
            ..Default::default()
        },
        t(LATER),
    );
    let l = &after.levels[0];
    let Figures::Availability(f) = &l.figures else {
        panic!()
    };
    assert_eq!(f.downtime_millionths, 3_600 * 1_000_000);
    assert_eq!(f.outages, vec!["OUT2".to_string()]);
    assert_eq!(l.attainment.unwrap().rounded3(), 99.866);
    assert_eq!((l.status, l.credit_minor), (Status::Met, 0));
    assert_eq!(after.excused_outages[0].outage, "OUT1");
    assert_eq!(after.excused_outages[0].by, "J. Smith");
    assert_eq!(after.excusals, vec![excused]);
}

/// Three lines failing at 6 % each: £22,500 before the 12 % cap of £15,000.
fn three_failing() -> (Contract, Evidence) {
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
    (c, ev)
}

fn level_excusal(id: i64, level: &str, period: Period) -> Excusal {
    excusal(
        id,
        ExcusalTarget::ServiceLevel {
            service_level: level.into(),
            period,
        },
        "relief event: flood at the data centre",
    )
}

#[test]
fn an_excused_level_month_earns_no_credit_and_the_cap_total_follows() {
    let (c, mut ev) = three_failing();
    ev.excusals = vec![level_excusal(1, "a", oct())];
    let e = evaluate_month(&c, oct(), &ev, t(LATER));
    let a = &e.levels[0];
    // Reported as measured (0 %, failed), marked excused, no credit.
    assert_eq!(a.status, Status::Failed);
    assert_eq!(a.credit_minor, 0);
    assert!(a.tier.is_none());
    assert_eq!(a.excused.as_ref().unwrap().reason, ev.excusals[0].reason);
    // 2 × £7,500 = £15,000: exactly the cap.
    assert_eq!(e.credits.before_cap_minor, 1_500_000);
    assert_eq!(e.credits.total_minor, 1_500_000);
    ev.excusals.push(level_excusal(2, "b", oct()));
    let e = evaluate_month(&c, oct(), &ev, t(LATER));
    assert_eq!(e.credits.before_cap_minor, 750_000);
    assert_eq!(e.credits.total_minor, 750_000);
    // Another month's excusal changes nothing in October.
    ev.excusals = vec![level_excusal(3, "a", oct().next())];
    let e = evaluate_month(&c, oct(), &ev, t(LATER));
    assert_eq!(e.credits.before_cap_minor, 2_250_000);
    assert!(e.excusals.is_empty());
}

#[test]
fn an_excused_month_is_not_a_critical_failure() {
    // 1 P1 breached of 1: 0 % is under the 80 % critical line.
    let c = contract(vec![p1_resolution()]);
    let mut ev = Evidence {
        incidents: vec![incident(
            "INC1",
            "2026-10-05T09:00:00Z",
            Some("2026-10-05T15:00:00Z"),
        )],
        ..Default::default()
    };
    assert!(evaluate_month(&c, oct(), &ev, t(LATER)).levels[0].critical);
    ev.excusals = vec![level_excusal(1, "p1-resolution", oct())];
    let e = evaluate_month(&c, oct(), &ev, t(LATER));
    assert!(!e.levels[0].critical);
    assert_eq!(e.levels[0].credit_minor, 0);
}

#[test]
fn a_disputed_breach_sets_its_part_of_the_credit_apart() {
    // INC100 disputed: if the supplier is right, 13/14 = 92.857 % → 2 %
    // = £2,500; as measured 4 % = £5,000. £2,500 is in dispute.
    let e = p1_month(
        vec![],
        vec![dispute(
            1,
            disputed_incident("INC100"),
            DisputeStatus::Disputed,
        )],
    );
    let l = &e.levels[0];
    assert_eq!(
        (l.credit_minor, l.credit_disputed_minor),
        (500_000, 250_000)
    );
    assert_eq!(e.credits.total_minor, 500_000);
    assert_eq!(e.credits_undisputed.total_minor, 250_000);
    let Figures::Incidents(f) = &l.figures else {
        panic!()
    };
    assert_eq!(
        f.breaches[0].dispute.as_ref().map(|d| d.status),
        Some(DisputeStatus::Disputed)
    );
    assert_eq!(e.disputes.len(), 1);

    // Both breaches disputed: 14/14 would be met, so the whole £5,000 is.
    let both = p1_month(
        vec![],
        vec![
            dispute(1, disputed_incident("INC100"), DisputeStatus::Disputed),
            dispute(2, disputed_incident("INC101"), DisputeStatus::Disputed),
        ],
    );
    assert_eq!(both.levels[0].credit_disputed_minor, 500_000);
    assert_eq!(both.credits_undisputed.total_minor, 0);
}

#[test]
fn an_upheld_breach_is_undisputed_and_a_withdrawn_one_counts_as_met() {
    let upheld = p1_month(
        vec![],
        vec![dispute(
            1,
            disputed_incident("INC100"),
            DisputeStatus::Rejected,
        )],
    );
    assert_eq!(counts(&upheld), (14, 12, 2));
    assert_eq!(upheld.levels[0].credit_disputed_minor, 0);
    assert_eq!(upheld.credits_undisputed.total_minor, 500_000);

    let withdrawn = p1_month(
        vec![],
        vec![dispute(
            1,
            disputed_incident("INC100"),
            DisputeStatus::Accepted,
        )],
    );
    // 13/14 = 92.857 % → 2 % = £2,500; only INC101 is a breach.
    assert_eq!(counts(&withdrawn), (14, 13, 1));
    assert_eq!(withdrawn.levels[0].credit_minor, 250_000);
    assert_eq!(withdrawn.credits_undisputed.total_minor, 250_000);
    assert_eq!(withdrawn.disputes.len(), 1, "still listed, as withdrawn");
}

#[test]
fn only_the_latest_dispute_of_a_thing_counts() {
    // Withdrawn once, then disputed again: open.
    let e = p1_month(
        vec![],
        vec![
            dispute(1, disputed_incident("INC100"), DisputeStatus::Accepted),
            dispute(2, disputed_incident("INC100"), DisputeStatus::Disputed),
        ],
    );
    assert_eq!(counts(&e), (14, 12, 2));
    assert_eq!(e.levels[0].credit_disputed_minor, 250_000);
    assert_eq!(e.disputes.len(), 2, "the history bears on the month");
}

#[test]
fn an_excusal_wins_over_a_dispute() {
    let e = p1_month(
        vec![excusal(1, of_incident("INC100"), "customer caused")],
        vec![dispute(
            1,
            disputed_incident("INC100"),
            DisputeStatus::Disputed,
        )],
    );
    assert_eq!(counts(&e), (13, 12, 1));
    assert_eq!(e.levels[0].credit_disputed_minor, 0);
}

/// P1 resolution (14 of 14 breached: 4 % = £5,000) and email availability
/// (4 h 30 m down: 3 % = £3,750): £8,750 under the £15,000 cap.
fn two_lines(disputes: Vec<Dispute>) -> MonthEvaluation {
    let c = contract(vec![p1_resolution(), email_availability()]);
    let incidents = (0..14)
        .map(|i| {
            incident(
                &format!("INC{i}"),
                "2026-10-05T09:00:00Z",
                Some("2026-10-05T14:00:00Z"),
            )
        })
        .collect();
    let ev = Evidence {
        incidents,
        outages: vec![outage(
            "OUT1",
            "2026-10-09T08:00:00Z",
            "2026-10-09T12:30:00Z",
        )],
        disputes,
        ..Default::default()
    };
    evaluate_month(&c, oct(), &ev, t(LATER))
}

#[test]
fn a_disputed_level_month_is_claimed_apart_until_decided() {
    let open = two_lines(vec![dispute(
        1,
        level_month("p1-resolution"),
        DisputeStatus::Disputed,
    )]);
    assert_eq!(open.levels[0].credit_disputed_minor, 500_000);
    assert_eq!(open.credits.total_minor, 875_000);
    assert_eq!(open.credits_undisputed.total_minor, 375_000);
    assert_eq!(
        open.levels[0].dispute.as_ref().map(|d| d.id),
        Some(1),
        "the line carries its dispute"
    );

    let upheld = two_lines(vec![dispute(
        1,
        level_month("p1-resolution"),
        DisputeStatus::Rejected,
    )]);
    assert_eq!(upheld.credits.total_minor, 875_000);
    assert_eq!(upheld.credits_undisputed.total_minor, 875_000);

    // Withdrawn: the customer no longer claims the £5,000.
    let withdrawn = two_lines(vec![dispute(
        1,
        level_month("p1-resolution"),
        DisputeStatus::Accepted,
    )]);
    let l = &withdrawn.levels[0];
    assert_eq!((l.status, l.credit_minor), (Status::Failed, 0));
    assert_eq!(withdrawn.credits.total_minor, 375_000);
    assert_eq!(withdrawn.credits_undisputed.total_minor, 375_000);
}

#[test]
fn the_disputed_part_of_capped_credits_is_what_the_cap_leaves() {
    // £22,500 before the £15,000 cap. Line a (£7,500) disputed: the rest,
    // £15,000, still reaches the cap, so nothing after the cap is in doubt.
    let (c, mut ev) = three_failing();
    ev.disputes = vec![dispute(1, level_month("a"), DisputeStatus::Disputed)];
    let e = evaluate_month(&c, oct(), &ev, t(LATER));
    assert_eq!(e.credits.total_minor, 1_500_000);
    assert_eq!(e.credits_undisputed.total_minor, 1_500_000);
    // a and b disputed: £7,500 undisputed, so £7,500 of the £15,000 is.
    ev.disputes
        .push(dispute(2, level_month("b"), DisputeStatus::Disputed));
    let e = evaluate_month(&c, oct(), &ev, t(LATER));
    assert_eq!(e.credits_undisputed.total_minor, 750_000);
}

fn disputed_outage(id: &str) -> DisputeSubject {
    DisputeSubject::Outage { outage: id.into() }
}

fn outage_month(disputes: Vec<Dispute>) -> MonthEvaluation {
    let c = contract(vec![email_availability()]);
    let ev = Evidence {
        outages: vec![
            outage("OUT1", "2026-10-09T08:00:00Z", "2026-10-09T12:30:00Z"),
            outage("OUT2", "2026-10-20T10:00:00Z", "2026-10-20T11:00:00Z"),
        ],
        disputes,
        ..Default::default()
    };
    evaluate_month(&c, oct(), &ev, t(LATER))
}

#[test]
fn a_disputed_outage_sets_its_part_of_the_credit_apart() {
    // As in an_excused_outage_is_not_downtime: both outages, 19,800 s of
    // 2,682,000 s → 99.262 %: 3 % = £3,750.00. Without OUT1 (the supplier's
    // case): 3,600 s → 99.866 %, met, no credit. So all £3,750 is disputed;
    // the downtime still counts while the dispute is open.
    let open = outage_month(vec![dispute(
        1,
        disputed_outage("OUT1"),
        DisputeStatus::Disputed,
    )]);
    let l = &open.levels[0];
    let Figures::Availability(f) = &l.figures else {
        panic!()
    };
    assert_eq!(f.downtime_millionths, 19_800 * 1_000_000);
    assert_eq!(
        (l.credit_minor, l.credit_disputed_minor),
        (375_000, 375_000)
    );
    assert_eq!(open.credits_undisputed.total_minor, 0);
    assert_eq!(open.disputes.len(), 1, "the dispute bears on October");

    // Disputing OUT2 instead: without it 16,200 s → 99.396 %, still under
    // 99.5 → still 3 %: nothing of the credit rests on OUT2.
    let small = outage_month(vec![dispute(
        1,
        disputed_outage("OUT2"),
        DisputeStatus::Disputed,
    )]);
    assert_eq!(small.levels[0].credit_disputed_minor, 0);
    assert_eq!(small.credits_undisputed.total_minor, 375_000);
}

#[test]
fn a_rejected_outage_dispute_counts_and_an_accepted_one_is_not_downtime() {
    let rejected = outage_month(vec![dispute(
        1,
        disputed_outage("OUT1"),
        DisputeStatus::Rejected,
    )]);
    assert_eq!(
        (
            rejected.levels[0].credit_minor,
            rejected.levels[0].credit_disputed_minor
        ),
        (375_000, 0)
    );
    // Accepted: the claim of OUT1 is withdrawn, its 4 h 30 m no longer
    // downtime: 3,600 s → 99.866 %, met.
    let accepted = outage_month(vec![dispute(
        1,
        disputed_outage("OUT1"),
        DisputeStatus::Accepted,
    )]);
    let l = &accepted.levels[0];
    let Figures::Availability(f) = &l.figures else {
        panic!()
    };
    assert_eq!(f.downtime_millionths, 3_600 * 1_000_000);
    assert_eq!((l.status, l.credit_minor), (Status::Met, 0));
}
