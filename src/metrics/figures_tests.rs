//! One hand-worked contract-month as metric values.

use chrono::{DateTime, Utc};

use super::*;
use crate::config::Config;
use crate::domain::{Impact, Incident, Outage, Priority, WorkKind, WorkTally};
use crate::engine::evaluate_month;
use crate::engine::live::open_incident_stages;
use crate::engine::standing::{MonthStanding, TypicalVolume, TypicalVolumes};

fn t(s: &str) -> Instant {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn config() -> Config {
    crate::config::parse(
        r#"
[[contracts]]
id = "acme"
supplier = "Acme Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "1000.00"
service_credit_cap_percent = 3.0
managers = ["m@council.example"]

  [[contracts.service_levels]]
  id = "p1-resolution"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  target_percent = 95.0
  critical_below = 80.0
  service_credits = [ { below = 95.0, percent = 2.0 }, { below = 90.0, percent = 4.0 } ]

  [[contracts.service_levels]]
  id = "p2-resolution"
  kind = "resolution_time"
  priorities = ["P2"]
  target = "8h"
  target_percent = 50.0

  [[contracts.service_levels]]
  id = "availability"
  kind = "availability"
  services = ["email", "network"]
  target_percent = 99.0
  service_credits = [ { below = 99.0, percent = 3.0 } ]

  [[contracts.service_levels]]
  id = "proactive-share"
  kind = "proactive_share"
  target_percent = 60.0

  [[contracts.commitments]]
  id = "dr-test"
  name = "DR test"
  due = "2026-10-10"

  [[contracts.commitments]]
  id = "roadmap"
  name = "Roadmap"
  due = "2026-12-31"
"#,
        "metrics.toml",
    )
    .expect("config")
}

fn incident(id: &str, priority: Priority, opened: &str, resolved: Option<&str>) -> Incident {
    Incident {
        id: id.into(),
        priority,
        service: Some("email".into()),
        opened_at: t(opened),
        responded_at: None,
        resolved_at: resolved.map(t),
        title: Some("Supplier <free> text".into()),
        excused_reason: None,
        unknown: Default::default(),
        holds: vec![],
    }
}

fn outage(id: &str, service: &str, start: &str, end: Option<&str>, planned: bool) -> Outage {
    Outage {
        id: id.into(),
        service: service.into(),
        start: t(start),
        end: end.map(t),
        impact: Impact::Full,
        planned,
        source: None,
    }
}

/// 20 October 2026, 12:00 UTC: one P1 met; one P1 opened at 06:00 and still
/// open (its 4 h deadline passed at 10:00); one P1 at risk (opened 09:00, 3 of
/// 4 hours used); a P2 within target. An email outage open for 2 hours, an
/// unknown service's outage open, a planned one open, a network one ended.
fn month() -> (Config, Evidence, Instant) {
    let now = t("2026-10-20T12:00:00Z");
    let evidence = Evidence {
        incidents: vec![
            incident(
                "INC-MET",
                Priority::P1,
                "2026-10-02T10:00:00Z",
                Some("2026-10-02T11:00:00Z"),
            ),
            incident("INC-LATE", Priority::P1, "2026-10-20T06:00:00Z", None),
            incident("INC-RISK", Priority::P1, "2026-10-20T09:00:00Z", None),
            incident("INC-P2", Priority::P2, "2026-10-20T11:00:00Z", None),
        ],
        outages: vec![
            outage("O-EMAIL", "email", "2026-10-20T10:00:00Z", None, false),
            outage("O-ODD", "printers <b>", "2026-10-20T11:00:00Z", None, false),
            outage("O-PLANNED", "network", "2026-10-20T11:00:00Z", None, true),
            outage(
                "O-DONE",
                "network",
                "2026-10-05T10:00:00Z",
                Some("2026-10-05T11:00:00Z"),
                false,
            ),
        ],
        work: vec![
            WorkTally {
                kind: WorkKind::Problem,
                change_type: None,
                proactive: None,
                count: 3,
            },
            WorkTally {
                kind: WorkKind::Incident,
                change_type: None,
                proactive: None,
                count: 1,
            },
        ],
        supplier_kpis: vec![],
        ..Default::default()
    };
    (config(), evidence, now)
}

fn figures() -> ContractFigures {
    let (config, evidence, now) = month();
    let contract = &config.contracts[0];
    let period = Period::of(now, contract.timezone);
    let evaluation = evaluate_month(contract, period, &evidence, now);
    let open = open_incident_stages(contract, &evidence, 0.75, now);
    // July to September brought 12, 9 and 11 P1s: 32 / 3 = 10.667 a month.
    let typical = TypicalVolumes::from_iter([(
        "p1-resolution".to_string(),
        TypicalVolume {
            months: 3,
            assessed: 32,
        },
    )]);
    let standing = MonthStanding::new(contract, &evaluation, &open, &typical, now);
    ContractFigures::new(
        contract,
        &evaluation,
        &open,
        &standing,
        &evidence,
        &crate::engine::commitments::Register::from_config(contract),
        12_345,
        now,
    )
}

fn line<'a>(f: &'a ContractFigures, level: &str, service: &str) -> &'a LineFigures {
    f.lines
        .iter()
        .find(|l| l.key.level == level && l.key.service == service)
        .unwrap_or_else(|| panic!("no line {level}/{service}"))
}

#[test]
fn incident_levels_state_and_counts() {
    let f = figures();
    // P1: one met, one breached (deadline 10:00 passed): 50 %. Counting the
    // open one as met, 2 of 3 against 95 %: it needs ceil((95·3 − 100·2) /
    // (100 − 95)) = ceil(85 / 5) = 17 more, all met. Under the 80 % critical
    // line so far, but the month has eleven days to go: at risk, not
    // critical (nor certain to fail).
    let p1 = line(&f, "p1-resolution", "");
    assert_eq!(p1.key.kind, "resolution_time");
    assert_eq!(p1.attainment_percent, Some(50.0));
    assert_eq!(p1.incidents, Some((2, 1)));
    assert_eq!(p1.state, LevelState::AtRisk);
    assert_eq!(p1.needed_to_recover, Some(17));
    assert!((p1.typical_volume.unwrap() - 32.0 / 3.0).abs() < 1e-9);
    assert_eq!(p1.target_percent, 95.0);
    assert_eq!(p1.critical_below_percent, Some(80.0));
    // 4 % of 1000.00 = 40.00, capped at 3 % = 30.00.
    assert_eq!(p1.credit_minor, 4_000);
    assert_eq!(f.credits.before_cap_minor, 4_000);
    assert_eq!(f.credits.total_minor, 3_000);
    assert_eq!(f.major(f.credits.total_minor), 30.0);
    // P2: nothing assessed yet, one open within target.
    let p2 = line(&f, "p2-resolution", "");
    assert_eq!(p2.attainment_percent, None);
    assert_eq!(p2.state, LevelState::NoData);
    // Nothing needed, and no closed month measured it.
    assert_eq!((p2.needed_to_recover, p2.typical_volume), (Some(0), None));

    let open = |level: &str, p: &'static str, stage: &'static str| {
        f.open_incidents[&(level.to_string(), p, stage)]
    };
    assert_eq!(open("p1-resolution", "P1", "breached"), 1);
    assert_eq!(open("p1-resolution", "P1", "at_risk"), 1);
    assert_eq!(open("p1-resolution", "P1", "within"), 0);
    assert_eq!(open("p2-resolution", "P2", "within"), 1);
    // Only the configured priorities: no P3 series for P1 levels.
    assert_eq!(f.open_incidents.len(), 6);
    assert_eq!(f.breached[&("p1-resolution".to_string(), "P1")], 1);
    assert_eq!(f.breached[&("p2-resolution".to_string(), "P2")], 0);
}

#[test]
fn availability_per_service_and_open_outages() {
    let f = figures();
    let email = line(&f, "availability", "email");
    let (seconds, down) = email.availability.unwrap();
    assert_eq!(seconds, 31 * 86_400 + 3_600); // October 2026 in London: clocks go back
    assert_eq!(down, 7_200.0);
    assert_eq!(email.state, LevelState::Met);
    let network = line(&f, "availability", "network");
    assert_eq!(network.availability.unwrap().1, 3_600.0);
    // Open now: the email outage, and the unknown service's under `other`;
    // not the planned one, not the ended one.
    let out = |s: &str, i: &'static str| f.open_outages.get(&(s.to_string(), i)).copied();
    assert_eq!(out("email", "full"), Some(1));
    assert_eq!(out("network", "full"), Some(0));
    assert_eq!(out("email", "partial"), Some(0));
    assert_eq!(out(OTHER_SERVICE, "full"), Some(1));
    assert!(
        f.open_outages.keys().all(|(s, _)| !s.contains('<')),
        "supplier text became a label"
    );
}

#[test]
fn work_costs_and_commitments() {
    let f = figures();
    assert_eq!((f.proactive, f.reactive), (3, 1));
    assert_eq!(
        line(&f, "proactive-share", "").attainment_percent,
        Some(75.0)
    );
    assert_eq!(f.recoverable_minor, 12_345);
    assert_eq!(f.major(f.recoverable_minor), 123.45);
    assert_eq!(f.monthly_charge_minor, 100_000);
    assert_eq!(f.commitments["overdue"], 1);
    assert_eq!(f.commitments["pending"], 1);
    assert_eq!(f.commitments["delivered"], 0);
    // The overdue one's due day starts at midnight London time (BST).
    assert_eq!(
        f.commitment_due["dr-test"],
        t("2026-10-09T23:00:00Z").timestamp()
    );
}

#[test]
fn a_closed_month_keeps_its_verdicts() {
    let (config, evidence, now) = month();
    let contract = &config.contracts[0];
    let evaluation = evaluate_month(contract, Period::of(now, contract.timezone), &evidence, now);
    let last = LastMonthFigures::new(contract, &evaluation, 500);
    let p1 = last
        .lines
        .iter()
        .find(|(k, _, _)| k.level == "p1-resolution")
        .unwrap();
    assert_eq!((p1.1, p1.2), (Some(50.0), ClosedState::Critical));
    let p2 = last
        .lines
        .iter()
        .find(|(k, _, _)| k.level == "p2-resolution")
        .unwrap();
    assert_eq!(p2.2, ClosedState::NoData);
    assert_eq!(last.credits_minor, 3_000);
    assert_eq!(last.recoverable_minor, 500);
}

#[test]
fn the_exposition_names_only_configured_things() {
    let f = figures();
    let (config, evidence, now) = month();
    let contract = &config.contracts[0];
    let evaluation = evaluate_month(contract, Period::of(now, contract.timezone), &evidence, now);
    let last = LastMonthFigures::new(contract, &evaluation, 0);
    // Claimed 11,150.00, credited 1,250.00: 9,900.00 outstanding, the
    // oldest for 65 days (65 × 86,400 = 5,616,000 seconds).
    let recovery = super::super::recovery::RecoveryFigures {
        contract: "acme".into(),
        currency: "GBP".into(),
        exponent: 2,
        claimed_minor: 1_115_000,
        recovered_minor: 125_000,
        refused_minor: 40_000,
        outstanding_minor: 990_000,
        oldest_outstanding_age_seconds: 5_616_000,
    };
    let text = super::super::exposition::figures(
        [&f].into_iter(),
        [&last].into_iter(),
        std::iter::empty(),
        std::iter::empty(),
        [&recovery].into_iter(),
        std::iter::empty(),
        &super::super::feeds::FeedFigures::default(),
        now.timestamp(),
    )
    .unwrap();
    for needle in [
        r#"slawatch_service_level_attainment_percent{contract="acme",kind="resolution_time",service="",service_level="p1-resolution"} 50"#,
        r#"slawatch_service_level_state{contract="acme",kind="resolution_time",service="",service_level="p1-resolution",state="at_risk"} 1"#,
        r#"slawatch_service_level_state{contract="acme",kind="resolution_time",service="",service_level="p1-resolution",state="critical"} 0"#,
        r#"slawatch_service_level_needed_to_recover{contract="acme",service_level="p1-resolution"} 17"#,
        r#"slawatch_service_level_needed_to_recover{contract="acme",service_level="p2-resolution"} 0"#,
        r#"slawatch_service_level_typical_volume{contract="acme",service_level="p1-resolution"} 10.666666666666666"#,
        r#"slawatch_service_level_state{contract="acme",kind="resolution_time",service="",service_level="p1-resolution",state="met"} 0"#,
        r#"slawatch_service_credits_month_to_date{contract="acme",currency="GBP"} 30"#,
        r#"slawatch_service_credits_before_cap_month_to_date{contract="acme",currency="GBP"} 40"#,
        r#"slawatch_open_incidents{contract="acme",priority="P1",service_level="p1-resolution",stage="at_risk"} 1"#,
        r#"slawatch_open_outages{contract="acme",impact="full",service="other"} 1"#,
        r#"slawatch_service_downtime_seconds{contract="acme",service="email",service_level="availability"} 7200"#,
        r#"slawatch_proactive_share_percent{contract="acme"} 75"#,
        r#"slawatch_commitments{contract="acme",status="overdue"} 1"#,
        r#"slawatch_service_level_last_month_state{contract="acme",kind="resolution_time",service="",service_level="p1-resolution",state="critical"} 1"#,
        r#"slawatch_claim_claimed{contract="acme",currency="GBP"} 11150"#,
        r#"slawatch_claim_recovered{contract="acme",currency="GBP"} 1250"#,
        r#"slawatch_claim_refused{contract="acme",currency="GBP"} 400"#,
        r#"slawatch_claim_outstanding{contract="acme",currency="GBP"} 9900"#,
        r#"slawatch_claim_oldest_outstanding_age_seconds{contract="acme"} 5616000"#,
        "# TYPE slawatch_alerts_queued_total counter",
        "# TYPE slawatch_service_level_attainment_percent gauge",
    ] {
        assert!(text.contains(needle), "missing {needle}\n{text}");
    }
    // No attainment series for a line with nothing measured.
    assert!(!text.contains(
        r#"slawatch_service_level_attainment_percent{contract="acme",kind="resolution_time",service="",service_level="p2-resolution"}"#
    ));
    for secret in ["INC-", "Supplier", "printers", "O-EMAIL"] {
        assert!(!text.contains(secret), "{secret} in the exposition");
    }
}

#[test]
fn the_annual_cap_and_service_points_are_exported() {
    let config = crate::config::parse(
        r#"
[[contracts]]
id = "acme"
supplier = "Acme Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "1000.00"
annual_cap_percent = 10.0
point_value_percent = 10.0
managers = ["m@council.example"]

  [[contracts.service_levels]]
  id = "proactive-share"
  kind = "proactive_share"
  target_percent = 60.0
  credit_scheme = "service_points"
  points = [ { below = 60.0, points = 3 } ]
"#,
        "metrics.toml",
    )
    .expect("config");
    let contract = &config.contracts[0];
    let now = t("2026-10-20T12:00:00Z");
    let tally = |proactive, count| WorkTally {
        kind: WorkKind::Incident,
        change_type: None,
        proactive: Some(proactive),
        count,
    };
    let evidence = Evidence {
        work: vec![tally(true, 50), tally(false, 50)],
        ..Evidence::default()
    };
    // 50 % proactive, below 60: 3 points × 10 % = 30 % of £1,000 = £300.00.
    // The calendar year's cap: 10 % of 12 × £1,000 = £1,200.00; £1,000.00
    // used by January to September leaves £200.00, all of it taken now.
    let prior = crate::engine::contract_year::Prior {
        year_credits_minor: 100_000,
        ..Default::default()
    };
    let period = Period::of(now, contract.timezone);
    let evaluation =
        crate::engine::contract_year::evaluate_with_prior(contract, period, &evidence, now, &prior);
    let standing = MonthStanding::new(contract, &evaluation, &[], &TypicalVolumes::default(), now);
    let f = ContractFigures::new(
        contract,
        &evaluation,
        &[],
        &standing,
        &evidence,
        &crate::engine::commitments::Register::from_config(contract),
        0,
        now,
    );
    let text = super::super::exposition::figures(
        [&f].into_iter(),
        std::iter::empty(),
        std::iter::empty(),
        std::iter::empty(),
        std::iter::empty(),
        std::iter::empty(),
        &super::super::feeds::FeedFigures::default(),
        now.timestamp(),
    )
    .unwrap();
    for needle in [
        r#"slawatch_service_credits_before_cap_month_to_date{contract="acme",currency="GBP"} 300"#,
        r#"slawatch_service_credits_month_to_date{contract="acme",currency="GBP"} 200"#,
        r#"slawatch_annual_credit_cap{contract="acme",currency="GBP"} 1200"#,
        r#"slawatch_annual_credit_headroom{contract="acme",currency="GBP"} 0"#,
        r#"slawatch_service_points_month_to_date{contract="acme"} 3"#,
    ] {
        assert!(text.contains(needle), "missing {needle} in:\n{text}");
    }
}
