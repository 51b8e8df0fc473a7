//! The escalation ladder worked by hand over a contract's months: a line
//! failing twice in three months, three rectification plans in a year, a
//! chain up to the right to terminate, and months that do not count.

use super::*;
use crate::contract::calendar::Calendar;
use crate::contract::escalation::{RespondWithin, When};
use crate::contract::{CreditScheme, CreditTier, ServiceLevel, ServiceLevelKind};
use crate::domain::{
    Dispute, DisputeStatus, DisputeSubject, Excusal, ExcusalTarget, Percent, WorkKind, WorkTally,
};
use crate::engine::Evidence;
use crate::engine::contract_year::ContractHistory;
use crate::engine::evaluate::tests::{contract, level, t};
use std::sync::Arc;

fn pct(v: f64) -> Percent {
    Percent::from_f64(v).unwrap()
}

fn month(text: &str) -> Period {
    text.parse().unwrap()
}

/// A month whose work is `proactive` items in a hundred.
fn share(proactive: u64) -> Evidence {
    let tally = |flag, count| WorkTally {
        kind: WorkKind::Incident,
        change_type: None,
        proactive: Some(flag),
        count,
    };
    Evidence {
        work: vec![tally(true, proactive), tally(false, 100 - proactive)],
        ..Evidence::default()
    }
}

/// Proactive share, target 95 %, critical below 80 %.
fn proactive() -> ServiceLevel {
    ServiceLevel {
        critical_below: Some(pct(80.0)),
        credit_scheme: CreditScheme::Tiers(vec![CreditTier {
            below: pct(95.0),
            percent: pct(2.0),
        }]),
        ..level("proactive-share", ServiceLevelKind::ProactiveShare)
    }
}

fn rule(id: &str, when: When, then: &str) -> EscalationRule {
    EscalationRule {
        id: id.into(),
        when,
        then: then.into(),
        clause: format!("Clause for {id}"),
        respond_within: Some(RespondWithin {
            days: 10,
            working: true,
        }),
        calendar: Arc::new(Calendar::always_open()),
    }
}

/// The ladder of the contract: two failures of a line in three months call
/// for a rectification plan; three plans in twelve months are a material
/// breach; two material breaches in twelve months give the right to terminate.
fn ladder() -> Vec<EscalationRule> {
    vec![
        rule(
            "repeat",
            When::Failure {
                count: 2,
                within_months: 3,
            },
            "rectification_plan",
        ),
        rule(
            "plans",
            When::Escalated {
                then: "rectification_plan".into(),
                count: 3,
                within_months: 12,
            },
            "material_breach",
        ),
        rule(
            "breaches",
            When::Escalated {
                then: "material_breach".into(),
                count: 2,
                within_months: 12,
            },
            "termination_right",
        ),
    ]
}

/// Evaluates months from `first`, each with `shares[i]` proactive in a hundred.
fn months(c: &Contract, first: &str, shares: &[u64]) -> Vec<MonthEvaluation> {
    let mut history = ContractHistory::new(c);
    let mut period = month(first);
    for s in shares {
        history.push(period, &share(*s), t("2028-01-01T00:00:00Z"));
        period = period.next();
    }
    history.into_months()
}

fn refs(m: &[MonthEvaluation]) -> Vec<&MonthEvaluation> {
    m.iter().collect()
}

/// Each month's triggers as `rule@YYYY-MM`.
fn fired(all: &[Vec<Escalation>]) -> Vec<String> {
    all.iter()
        .flatten()
        .map(|e| format!("{}@{}", e.rule, e.period))
        .collect()
}

#[test]
fn a_line_failing_twice_in_three_months_calls_for_a_plan() {
    let mut c = contract(vec![proactive()]);
    c.escalations = ladder();
    // Jan fails (90 %), Feb meets (96 %), Mar fails (90 %): two failures
    // within Jan–Mar, so March triggers. April fails: Feb–Apr holds March
    // and April, two again, so April triggers too. May meets: nothing.
    let m = months(&c, "2027-01", &[90, 96, 90, 90, 96]);
    let all = escalations(&c, &refs(&m));
    assert_eq!(fired(&all), ["repeat@2027-03", "repeat@2027-04"]);
    let march = &all[2][0];
    assert_eq!(march.then, "rectification_plan");
    assert_eq!(march.months(), [month("2027-01"), month("2027-03")]);
    assert_eq!(march.lines[0].id, "proactive-share");
    assert_eq!(march.lines[0].attainment.map(|a| a.rounded3()), Some(90.0));
    assert_eq!(march.lines[0].target_percent, pct(95.0));
    // March closes on Wednesday 31 March 2027; Thursday 1 April is the
    // notice date, and ten weekdays on (2, 5–9, 12–15) is Thursday 15 April.
    assert_eq!(march.notice_date, "2027-04-01".parse().ok());
    assert_eq!(march.respond_by, "2027-04-15".parse().ok());
}

#[test]
fn a_single_failure_and_a_failure_outside_the_window_do_not_trigger() {
    let mut c = contract(vec![proactive()]);
    c.escalations = ladder();
    // Jan and Apr fail: April's window is Feb–Apr, with one failure.
    let m = months(&c, "2027-01", &[90, 96, 96, 90]);
    assert!(fired(&escalations(&c, &refs(&m))).is_empty());
}

#[test]
fn three_plans_within_twelve_months_are_a_material_breach_and_two_reach_termination() {
    let mut c = contract(vec![proactive()]);
    c.escalations = ladder();
    // A failure every month from January: each month from February has two
    // failures in its window, so a plan every month. The third plan
    // (April) makes a material breach; so does every plan after it (each
    // with at least three in twelve months). The second material breach
    // (May) gives the right to terminate.
    let m = months(&c, "2027-01", &[90, 90, 90, 90, 90]);
    let all = escalations(&c, &refs(&m));
    assert_eq!(
        fired(&all),
        [
            "repeat@2027-02",
            "repeat@2027-03",
            "repeat@2027-04",
            "plans@2027-04",
            "repeat@2027-05",
            "plans@2027-05",
            "breaches@2027-05",
        ]
    );
    let breach = &all[3][1];
    assert_eq!(breach.then, "material_breach");
    assert_eq!(
        breach.counted,
        [
            (month("2027-02"), "repeat".to_string()),
            (month("2027-03"), "repeat".to_string()),
            (month("2027-04"), "repeat".to_string()),
        ]
    );
    // The lines behind those plans: January to April.
    assert_eq!(
        breach.months(),
        ["2027-01", "2027-02", "2027-03", "2027-04"].map(month)
    );
    assert!(names(&all[4], "termination_right"));
    assert!(!names(&all[3], "termination_right"));
}

#[test]
fn excused_and_withdrawn_months_are_not_counted() {
    let mut c = contract(vec![proactive()]);
    c.escalations = ladder();
    let mut m = months(&c, "2027-01", &[90, 90, 90]);
    // January is excused; February's failure was disputed and the dispute
    // of the claim withdrawn. March alone counts: no trigger.
    m[0].levels[0].excused = Some(Excusal {
        id: 1,
        target: ExcusalTarget::ServiceLevel {
            service_level: "proactive-share".into(),
            period: month("2027-01"),
        },
        reason: "agreed change freeze".into(),
        by: "J. Smith".into(),
        at: t("2027-02-02T09:00:00Z"),
        during: None,
        revoked: None,
    });
    m[1].levels[0].dispute = Some(Dispute {
        id: 1,
        subject: DisputeSubject::ServiceLevel {
            service_level: "proactive-share".into(),
            period: month("2027-02"),
        },
        status: DisputeStatus::Accepted,
        note: "supplier evidence accepted".into(),
        opened_by: "Acme".into(),
        opened_at: t("2027-03-02T09:00:00Z"),
        resolved_by: Some("J. Smith".into()),
        resolved_at: Some(t("2027-03-03T09:00:00Z")),
        resolution_note: None,
    });
    assert!(fired(&escalations(&c, &refs(&m))).is_empty());
}

#[test]
fn a_critical_failure_triggers_unless_excused() {
    let mut c = contract(vec![proactive()]);
    c.escalations = vec![rule("critical", When::CriticalFailure, "termination_right")];
    // 70 % is below the critical 80 %; 85 % fails but is not critical.
    let m = months(&c, "2027-01", &[70, 85]);
    let all = escalations(&c, &refs(&m));
    assert_eq!(fired(&all), ["critical@2027-01"]);
    assert!(all[0][0].lines[0].critical);
}

#[test]
fn the_lookback_covers_chained_rules() {
    let mut c = contract(vec![proactive()]);
    c.escalations = ladder();
    // termination (12 months) over material breach (12) over plans (3):
    // 11 + 11 + 2 = 24 months before the month.
    assert_eq!(
        crate::contract::escalation::ladder_lookback(&c.escalations),
        24
    );
    assert_eq!(
        crate::engine::contract_year::first_needed(&c, month("2027-12")),
        month("2025-12")
    );
}
