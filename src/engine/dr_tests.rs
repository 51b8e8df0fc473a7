use chrono::{NaiveDate, TimeZone, Utc};

use super::*;

fn d(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn system(id: &str, criticality: Criticality, host: Host) -> DrSystem {
    DrSystem {
        id: id.into(),
        name: format!("System {id}"),
        criticality,
        rto_seconds: Some(4 * 3600),
        rpo_seconds: Some(15 * 60),
        hosted_by: host,
        vendor: None,
        third_party_evidence: None,
    }
}

fn test(system: &str, date: &str, rto: Option<i64>, rpo: Option<i64>) -> DrTest {
    DrTest {
        id: 1,
        system: system.into(),
        kind: EvidenceKind::Test,
        date: d(date),
        expires: None,
        achieved_rto_seconds: rto,
        achieved_rpo_seconds: rpo,
        evidence: None,
        note: None,
        recorded_by: "J. Smith".into(),
        recorded_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        withdrawn: None,
    }
}

fn flags(a: &SystemAssessment) -> Vec<Flag> {
    a.flags.iter().map(|r| r.flag).collect()
}

#[test]
fn nothing_configured_is_not_rated() {
    assert_eq!(assess(&[], &[], d("2026-11-23")), None);
}

#[test]
fn twelve_month_window_includes_its_first_day() {
    let s = [system("erp", Criticality::High, Host::Supplier)];
    let t = [test("erp", "2025-11-23", Some(3600), Some(600))];
    // Exactly 12 months after the test: still within.
    let a = assess(&s, &t, d("2026-11-23")).unwrap();
    assert_eq!(flags(&a.systems[0]), []);
    assert_eq!((a.score, a.rating), (0, Rating::Low));
    // The day after: the test is too old. High (3) × no recent test (3) = 9.
    let a = assess(&s, &t, d("2026-11-24")).unwrap();
    assert_eq!(flags(&a.systems[0]), [Flag::NoRecentTest]);
    assert!(a.systems[0].flags[0].detail.contains("2025-11-23"));
    assert_eq!((a.score, a.rating), (9, Rating::High));
    // A test dated after the as-of date is not yet known.
    let t = [test("erp", "2026-12-01", Some(3600), Some(600))];
    let a = assess(&s, &t, d("2026-11-30")).unwrap();
    assert_eq!(flags(&a.systems[0]), [Flag::NoRecentTest]);
    assert_eq!(a.systems[0].last_test, None);
}

#[test]
fn month_end_windows_clamp_like_the_calendar() {
    // 12 months before 2025-02-28 is 2024-02-28: a test on 2024-02-28 counts,
    // one on 2024-02-27 does not.
    let s = [system("erp", Criticality::Low, Host::Supplier)];
    let a = assess(
        &s,
        &[test("erp", "2024-02-28", None, None)],
        d("2025-02-28"),
    )
    .unwrap();
    assert_eq!(flags(&a.systems[0]), []);
    let a = assess(
        &s,
        &[test("erp", "2024-02-27", None, None)],
        d("2025-02-28"),
    )
    .unwrap();
    assert_eq!(flags(&a.systems[0]), [Flag::NoRecentTest]);
    // From a leap day: 12 months before 2024-02-29 is 2023-02-28.
    let a = assess(
        &s,
        &[test("erp", "2023-02-28", None, None)],
        d("2024-02-29"),
    )
    .unwrap();
    assert_eq!(flags(&a.systems[0]), []);
}

#[test]
fn the_last_test_is_compared_with_what_was_agreed() {
    let s = [system("erp", Criticality::Medium, Host::Supplier)];
    // An old test that failed, a later one that passed: only the last counts.
    let tests = [
        test("erp", "2026-03-01", Some(6 * 3600), None),
        test("erp", "2026-09-01", Some(4 * 3600), Some(15 * 60)),
    ];
    let a = assess(&s, &tests, d("2026-10-31")).unwrap();
    assert_eq!(flags(&a.systems[0]), []);
    assert_eq!(
        a.systems[0].last_test.as_ref().unwrap().date,
        d("2026-09-01")
    );
    // One second over the RTO, the RPO missed too: one flag naming both.
    let tests = [test("erp", "2026-09-01", Some(4 * 3600 + 1), Some(30 * 60))];
    let a = assess(&s, &tests, d("2026-10-31")).unwrap();
    assert_eq!(flags(&a.systems[0]), [Flag::WorseThanAgreed]);
    assert_eq!(
        a.systems[0].flags[0].detail,
        "test on 2026-09-01: RTO achieved 4h1s against 4h agreed; RPO achieved 30m against 15m agreed"
    );
    // Medium (2) × worse than agreed (3) = 6: medium.
    assert_eq!((a.score, a.rating), (6, Rating::Medium));
    // Nothing measured: nothing to compare.
    let a = assess(
        &s,
        &[test("erp", "2026-09-01", None, None)],
        d("2026-10-31"),
    )
    .unwrap();
    assert_eq!(flags(&a.systems[0]), []);
}

#[test]
fn critical_systems_need_an_rto_and_rpo() {
    let mut crit = system("payroll", Criticality::Critical, Host::Supplier);
    crit.rpo_seconds = None;
    let mut high = system("intranet", Criticality::High, Host::Supplier);
    high.rto_seconds = None;
    high.rpo_seconds = None;
    let tests = [
        test("payroll", "2026-06-01", Some(3600), Some(60)),
        test("intranet", "2026-06-01", None, None),
    ];
    let a = assess(&[crit, high], &tests, d("2026-10-31")).unwrap();
    assert_eq!(flags(&a.systems[0]), [Flag::NoRtoRpoAgreed]);
    assert_eq!(
        a.systems[0].flags[0].detail,
        "critical system with no RPO agreed"
    );
    assert_eq!(flags(&a.systems[1]), []);
    // Critical (5) × no RTO/RPO (2) = 10: high.
    assert_eq!((a.score, a.rating), (10, Rating::High));
}

#[test]
fn third_parties_must_provide_evidence() {
    let mut saas = system("crm", Criticality::Medium, Host::Saas);
    saas.vendor = Some("CloudCRM Inc".into());
    let cloud = system("files", Criticality::Low, Host::Cloud);
    let mut evidenced = system("mail", Criticality::High, Host::Cloud);
    evidenced.third_party_evidence = Some("SOC 2 Type II 2026".into());
    let supplier = system("erp", Criticality::High, Host::Supplier);
    let mut tests = vec![
        test("crm", "2026-06-01", None, None),
        test("files", "2026-06-01", None, None),
        test("mail", "2026-06-01", None, None),
        test("erp", "2026-06-01", None, None),
    ];
    let systems = [saas, cloud, evidenced, supplier];
    let a = assess(&systems, &tests, d("2026-10-31")).unwrap();
    let got: Vec<Vec<Flag>> = a.systems.iter().map(flags).collect();
    assert_eq!(
        got,
        [
            vec![Flag::NoThirdPartyEvidence],
            vec![Flag::NoThirdPartyEvidence],
            vec![],
            vec![]
        ]
    );
    assert_eq!(
        a.systems[0].flags[0].detail,
        "hosted by CloudCRM Inc: no DR evidence obtained from them"
    );
    // Medium (2) × 2 = 4 beats low (1) × 2 = 2.
    assert_eq!((a.score, a.rating), (4, Rating::Medium));
    // A recorded test with an evidence reference is evidence obtained.
    tests[1].evidence = Some("Vendor DR report 2026".into());
    let a = assess(&systems, &tests, d("2026-10-31")).unwrap();
    assert!(!a.systems[1].has(Flag::NoThirdPartyEvidence));
}

#[test]
fn worst_system_sets_the_rating() {
    // Critical, never tested, no RPO, a SaaS vendor without evidence:
    // 5 × (3 + 2 + 2) = 35: severe.
    let mut s = system("payroll", Criticality::Critical, Host::Saas);
    s.rpo_seconds = None;
    let low = system("wiki", Criticality::Low, Host::Supplier);
    let a = assess(&[low, s], &[], d("2026-10-31")).unwrap();
    assert_eq!(a.systems[0].score, 3);
    assert_eq!(
        flags(&a.systems[1]),
        [
            Flag::NoRecentTest,
            Flag::NoRtoRpoAgreed,
            Flag::NoThirdPartyEvidence
        ]
    );
    assert_eq!((a.score, a.rating), (35, Rating::Severe));
}

#[test]
fn bands() {
    let got: Vec<Rating> = [0, 1, 6, 7, 14, 15, 50].map(Rating::of).to_vec();
    assert_eq!(
        got,
        [
            Rating::Low,
            Rating::Medium,
            Rating::Medium,
            Rating::High,
            Rating::High,
            Rating::Severe,
            Rating::Severe
        ]
    );
    assert_eq!(words(5400), "1h30m");
    assert_eq!(words(86_400 + 61), "24h1m1s");
}

#[test]
fn a_withdrawn_test_counts_for_nothing() {
    let withdrawn = |mut t: DrTest| {
        t.withdrawn = Some(Withdrawal {
            by: "A. Jones".into(),
            at: Utc.with_ymd_and_hms(2026, 10, 2, 9, 0, 0).unwrap(),
            reason: "RTO typed as 6h, the report says 3h".into(),
        });
        t
    };
    let s = [
        system("payroll", Criticality::Critical, Host::Supplier),
        system("crm", Criticality::Medium, Host::Saas),
    ];
    let passed = test("payroll", "2026-03-01", Some(3 * 3600), Some(10 * 60));
    let mistyped = test("payroll", "2026-09-01", Some(6 * 3600), Some(10 * 60));
    let mut crm = test("crm", "2026-09-15", Some(3600), Some(60));
    crm.evidence = Some("vendor DR attestation".into());

    // Before: payroll's last test (2026-09-01) took 6h against 4h agreed:
    // critical (5) × worse than agreed (3) = 15; crm tested with evidence: 0.
    // Severe.
    let before = [passed.clone(), mistyped.clone(), crm.clone()];
    let a = assess(&s, &before, d("2026-10-31")).unwrap();
    assert_eq!(flags(&a.systems[0]), [Flag::WorseThanAgreed]);
    assert_eq!((a.score, a.rating), (15, Rating::Severe));

    // The mistyped test withdrawn: payroll's last test is 2026-03-01 again,
    // within 12 months and as agreed: 0. Low.
    let after = [passed.clone(), withdrawn(mistyped.clone()), crm.clone()];
    let a = assess(&s, &after, d("2026-10-31")).unwrap();
    assert_eq!(flags(&a.systems[0]), []);
    assert_eq!(
        a.systems[0].last_test.as_ref().map(|t| t.date),
        Some(d("2026-03-01"))
    );
    assert_eq!((a.score, a.rating), (0, Rating::Low));

    // crm's only test withdrawn too, and with it the vendor's evidence:
    // medium (2) × (no recent test 3 + no third-party evidence 2) = 10. High.
    let after = [passed, withdrawn(mistyped), withdrawn(crm)];
    let a = assess(&s, &after, d("2026-10-31")).unwrap();
    assert_eq!(
        flags(&a.systems[1]),
        [Flag::NoRecentTest, Flag::NoThirdPartyEvidence]
    );
    assert_eq!(a.systems[1].last_test, None);
    assert_eq!((a.score, a.rating), (10, Rating::High));
}

fn assurance(system: &str, kind: EvidenceKind, date: &str, expires: &str) -> DrTest {
    DrTest {
        kind,
        expires: Some(d(expires)),
        evidence: Some("SOC 2 Type II report FY2026, section 7".into()),
        ..test(system, date, None, None)
    }
}

#[test]
fn a_current_assurance_stands_for_a_test_of_a_vendor_run_system_until_it_expires() {
    // A high-criticality SaaS system never tested by the council, with a
    // SOC 2 report for the period to 30 September 2026, expiring a year on.
    let s = [system("email", Criticality::High, Host::Saas)];
    let a = [assurance(
        "email",
        EvidenceKind::Soc2,
        "2026-09-30",
        "2027-09-30",
    )];
    // Before its own date it is not yet known: untested (3) and no
    // evidence (2), high (3): 15, severe.
    let r = assess(&s, &a, d("2026-09-29")).unwrap();
    assert_eq!(
        flags(&r.systems[0]),
        [Flag::NoRecentTest, Flag::NoThirdPartyEvidence]
    );
    assert_eq!((r.score, r.rating), (15, Rating::Severe));
    // From its date to its expiry, both included: nothing flagged, and the
    // system rests on the assurance.
    for day in ["2026-09-30", "2027-09-30"] {
        let r = assess(&s, &a, d(day)).unwrap();
        assert_eq!(flags(&r.systems[0]), [], "{day}");
        assert!(r.systems[0].rests_on_assurance(), "{day}");
        assert_eq!(
            r.systems[0].assurance.as_ref().map(|x| x.date),
            Some(d("2026-09-30"))
        );
    }
    // The day after: untested (3) and expired (2), high (3): 15.
    let r = assess(&s, &a, d("2027-10-01")).unwrap();
    assert_eq!(
        flags(&r.systems[0]),
        [Flag::NoRecentTest, Flag::AssuranceExpired]
    );
    assert!(
        r.systems[0].flags[1]
            .detail
            .contains("expired on 2027-09-30")
    );
    assert_eq!(r.score, 15);
    assert!(!r.systems[0].rests_on_assurance());
}

#[test]
fn a_test_seen_within_the_year_is_not_resting_on_assurance_and_a_withdrawn_assurance_counts_for_nothing()
 {
    let s = [system("email", Criticality::Medium, Host::Cloud)];
    let mut withdrawn = assurance("email", EvidenceKind::Iso22301, "2026-06-30", "2027-06-30");
    withdrawn.withdrawn = Some(Withdrawal {
        by: "J. Smith".into(),
        at: Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap(),
        reason: "wrong system".into(),
    });
    let r = assess(&s, &[withdrawn.clone()], d("2026-11-30")).unwrap();
    // Medium (2) × (untested 3 + no evidence 2) = 10.
    assert_eq!(r.score, 10);
    assert_eq!(r.systems[0].assurance, None);
    let seen = test("email", "2026-03-01", Some(3600), Some(600));
    let current = assurance(
        "email",
        EvidenceKind::VendorTestReport,
        "2026-08-31",
        "2027-08-31",
    );
    let r = assess(&s, &[seen, current, withdrawn], d("2026-11-30")).unwrap();
    assert_eq!(flags(&r.systems[0]), []);
    assert!(r.systems[0].assurance.is_some());
    assert!(!r.systems[0].rests_on_assurance());
}

#[test]
fn an_assurance_does_not_count_for_a_system_the_supplier_runs() {
    let s = [system("payroll", Criticality::Critical, Host::Supplier)];
    let a = [assurance(
        "payroll",
        EvidenceKind::Other,
        "2026-09-30",
        "2027-09-30",
    )];
    let r = assess(&s, &a, d("2026-11-30")).unwrap();
    assert_eq!(flags(&r.systems[0]), [Flag::NoRecentTest]);
    assert_eq!(r.systems[0].assurance, None);
}
