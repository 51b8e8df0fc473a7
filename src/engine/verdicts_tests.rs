//! Hand-worked disagreements on a P1 resolution level (4 h, 24x7) and a P1
//! response level (30 m), October 2026, Europe/London.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::*;
use crate::contract::CreditScheme;
use crate::domain::{Priority, Weight};

fn t(s: &str) -> Instant {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn level(id: &str, kind: ServiceLevelKind, target: i64) -> ServiceLevel {
    ServiceLevel {
        id: id.into(),
        name: id.into(),
        kind,
        priorities: vec![Priority::P1],
        services: vec![],
        target_seconds: Some(target),
        calendar: Arc::new(Calendar::always_open()),
        target_percent: crate::domain::Percent::from_f64(95.0).unwrap(),
        critical_below: None,
        partial_weight: Weight::HALF,
        credit_scheme: CreditScheme::Tiers(vec![]),
        low_volume: None,
        from: None,
        until: None,
    }
}

fn contract() -> Contract {
    let text = "[[contracts]]\nid = \"acme\"\nsupplier = \"Acme\"\ntimezone = \"Europe/London\"\n\
                currency = \"GBP\"\nmonthly_charge = \"1000.00\"\nmanagers = [\"m@council.example\"]\n";
    let mut c = crate::config::parse(text, "t.toml").unwrap().contracts[0].clone();
    c.service_levels = vec![
        level("p1-resolution", ServiceLevelKind::ResolutionTime, 4 * 3_600),
        level("p1-response", ServiceLevelKind::ResponseTime, 30 * 60),
    ];
    c
}

fn incident(
    id: &str,
    opened: &str,
    responded: &str,
    resolved: &str,
    holds: &[(&str, &str, &str)],
) -> Incident {
    Incident {
        id: id.into(),
        priority: Priority::P1,
        service: None,
        opened_at: t(opened),
        responded_at: Some(t(responded)),
        resolved_at: Some(t(resolved)),
        title: None,
        excused_reason: None,
        unknown: Default::default(),
        holds: holds
            .iter()
            .map(|(s, e, r)| Hold {
                start: t(s),
                end: Some(t(e)),
                reason: r.to_string(),
            })
            .collect(),
    }
}

fn verdict(incident: &str, name: &str, breached: bool) -> SlaVerdict {
    SlaVerdict {
        sys_id: format!("{incident}/{name}"),
        incident_id: incident.into(),
        sla_name: Some(name.into()),
        stage: Some("completed".into()),
        has_breached: Some(breached),
        start_at: None,
        end_at: None,
        planned_end_at: None,
        business_duration_seconds: None,
        pause_duration_seconds: None,
        business_pause_seconds: None,
        target: None,
        updated_at: 0,
    }
}

fn october() -> Period {
    Period::new(2026, 10).unwrap()
}

#[test]
fn both_directions_with_their_reasons() {
    let incidents = [
        // 10:00-15:00 with 11:00-13:00 awaiting a vendor: 5h, breached at 14:00.
        incident(
            "A",
            "2026-10-05T10:00:00Z",
            "2026-10-05T10:10:00Z",
            "2026-10-05T15:00:00Z",
            &[(
                "2026-10-05T11:00:00Z",
                "2026-10-05T13:00:00Z",
                "awaiting_vendor",
            )],
        ),
        // 10:00-15:00 with 11:00-13:00 awaiting the customer: 3h, met.
        incident(
            "B",
            "2026-10-06T10:00:00Z",
            "2026-10-06T10:10:00Z",
            "2026-10-06T15:00:00Z",
            &[(
                "2026-10-06T11:00:00Z",
                "2026-10-06T13:00:00Z",
                "awaiting_customer",
            )],
        ),
        // Responded after 45 minutes: the response level is breached at 10:30.
        incident(
            "C",
            "2026-10-07T10:00:00Z",
            "2026-10-07T10:45:00Z",
            "2026-10-07T11:00:00Z",
            &[],
        ),
    ];
    let mut a = verdict("A", "P1 resolution", false);
    a.pause_duration_seconds = Some(7_200);
    let mut b = verdict("B", "P1 resolution", true);
    b.pause_duration_seconds = Some(0);
    let verdicts = [
        a,
        b,
        verdict("C", "P1 Response", false),
        // Agrees: C resolved in 1h, met.
        verdict("C", "P1 resolution", false),
    ];
    let got = compare(
        &contract(),
        october(),
        &incidents,
        &HashSet::new(),
        &verdicts,
        t("2026-11-01T00:00:00Z"),
    );
    let rows: Vec<(&str, &str, Direction, Reason)> = got
        .iter()
        .map(|d| {
            (
                d.incident.as_str(),
                d.service_level.as_str(),
                d.direction,
                d.reason,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "A",
                "p1-resolution",
                Direction::SupplierMetEvidenceBreached,
                Reason::NonCustomerHold
            ),
            (
                "C",
                "p1-response",
                Direction::SupplierMetEvidenceBreached,
                Reason::Unexplained
            ),
            (
                "B",
                "p1-resolution",
                Direction::SupplierBreachedEvidenceMet,
                Reason::CustomerHoldNotPaused
            ),
        ]
    );
    assert_eq!(
        (got[0].elapsed_seconds, got[0].deadline),
        (18_000, Some(t("2026-10-05T14:00:00Z")))
    );
    assert_eq!(got[2].elapsed_seconds, 10_800);
    assert_eq!(
        got[1].detail,
        "nothing in the evidence explains it: the clock stopped at 2026-10-07T10:45:00Z with 45m \
         elapsed against a 30m target"
    );
}

#[test]
fn a_supplier_that_did_not_pause_is_not_blamed_on_holds() {
    // A's vendor hold, but the supplier reports no pause and a different
    // business time: the calendar, not the hold, explains it.
    let incidents = [incident(
        "A",
        "2026-10-05T10:00:00Z",
        "2026-10-05T10:10:00Z",
        "2026-10-05T15:00:00Z",
        &[(
            "2026-10-05T11:00:00Z",
            "2026-10-05T13:00:00Z",
            "awaiting_vendor",
        )],
    )];
    let mut a = verdict("A", "P1 resolution", false);
    a.pause_duration_seconds = Some(0);
    a.business_duration_seconds = Some(3 * 3_600);
    let got = compare(
        &contract(),
        october(),
        &incidents,
        &HashSet::new(),
        &[a.clone()],
        t("2026-11-01T00:00:00Z"),
    );
    assert_eq!(got[0].reason, Reason::DifferentCalendar);
    // Within a minute of ours and no deadline given: unexplained.
    a.business_duration_seconds = Some(18_000 + 60);
    let got = compare(
        &contract(),
        october(),
        &incidents,
        &HashSet::new(),
        &[a.clone()],
        t("2026-11-01T00:00:00Z"),
    );
    assert_eq!(got[0].reason, Reason::Unexplained);
    // Excused, or assessed in another month: not compared.
    let excused = HashSet::from(["A"]);
    assert!(
        compare(
            &contract(),
            october(),
            &incidents,
            &excused,
            &[a.clone()],
            t("2026-11-01T00:00:00Z")
        )
        .is_empty()
    );
    let september = Period::new(2026, 9).unwrap();
    assert!(
        compare(
            &contract(),
            september,
            &incidents,
            &HashSet::new(),
            &[a],
            t("2026-11-01T00:00:00Z")
        )
        .is_empty()
    );
}
