//! Hand-worked commitment registers: every status transition, the months a
//! report shows, delay payments split by month, choosing an occurrence.

use chrono::{DateTime, NaiveDate, Utc};

use super::*;
use crate::contract::due_dates::{MonthEndRule, Schedule};
use crate::domain::{Currency, Money, Months};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn p(s: &str) -> Period {
    s.parse().unwrap()
}

/// Noon UTC on `day`, with `day` as the local date.
fn on(day: &str) -> AsOf {
    AsOf {
        now: DateTime::parse_from_rfc3339(&format!("{day}T12:00:00Z"))
            .unwrap()
            .with_timezone(&Utc),
        today: d(day),
    }
}

fn dated(first: &str, every: Option<u32>) -> Commitment {
    Commitment {
        id: "dr-test".into(),
        name: "DR test".into(),
        category: Category::parse("dr").unwrap(),
        owner: Some("Acme service manager".into()),
        schedule: Schedule::Dated {
            first: d(first),
            every: every.map(Months),
        },
        delay_payment_per_day: None,
        origin: Origin::Config,
    }
}

fn with_delay(mut c: Commitment, amount: &str) -> Commitment {
    c.delay_payment_per_day = Some(Money::parse(amount, &Currency::parse("GBP").unwrap()).unwrap());
    c
}

/// An event against `key`, dated and recorded on `day`.
fn event(action: Action, key: &str, day: &str) -> Event {
    Event {
        commitment: "dr-test".into(),
        occurrence: key.into(),
        action,
        on: d(day),
        evidence: (action == Action::Delivered).then(|| format!("report {day}")),
        person: (action != Action::Delivered).then(|| "Jane Smith".into()),
        reason: (action == Action::Rejected).then(|| "no test evidence".into()),
        recorded_by: "cli:test".into(),
        recorded_at: on(day).now,
    }
}

fn register(c: Commitment, events: Vec<Event>) -> Register {
    Register {
        commitments: vec![c],
        events,
    }
}

fn status_on(r: &Register, key: &str, day: &str) -> CommitmentStatus {
    let c = &r.commitments[0];
    let due = c.schedule.occurrences().find(|o| o.key == key).unwrap();
    r.occurrence(c, &due, on(day)).status
}

#[test]
fn pending_until_the_due_date_overdue_the_day_after() {
    let r = register(dated("2026-11-30", None), vec![]);
    assert_eq!(
        status_on(&r, "2026-11-30", "2026-11-01"),
        CommitmentStatus::Pending
    );
    assert_eq!(
        status_on(&r, "2026-11-30", "2026-11-30"),
        CommitmentStatus::Pending
    );
    assert_eq!(
        status_on(&r, "2026-11-30", "2026-12-01"),
        CommitmentStatus::Overdue
    );
}

#[test]
fn delivered_on_time_then_accepted() {
    let key = "2026-11-30";
    let r = register(
        dated(key, None),
        vec![
            event(Action::Delivered, key, "2026-11-30"),
            event(Action::Accepted, key, "2026-12-03"),
        ],
    );
    // Delivered on the due date itself is on time.
    assert_eq!(
        status_on(&r, key, "2026-11-30"),
        CommitmentStatus::Delivered
    );
    assert_eq!(
        status_on(&r, key, "2026-12-02"),
        CommitmentStatus::Delivered
    );
    assert_eq!(status_on(&r, key, "2026-12-03"), CommitmentStatus::Accepted);
    let c = &r.commitments[0];
    let o = r.occurrence(c, &c.schedule.nth(0).unwrap(), on("2026-12-03"));
    assert_eq!(o.accepted_by.as_deref(), Some("Jane Smith"));
    assert_eq!(o.evidence.as_deref(), Some("report 2026-11-30"));
    assert_eq!(o.days_late, 0);
}

#[test]
fn a_rejection_returns_the_occurrence_to_pending_or_overdue() {
    let key = "2026-11-30";
    let r = register(
        dated(key, None),
        vec![
            event(Action::Delivered, key, "2026-11-20"),
            event(Action::Rejected, key, "2026-11-25"),
            event(Action::Delivered, key, "2026-12-04"),
            event(Action::Accepted, key, "2026-12-07"),
        ],
    );
    assert_eq!(
        status_on(&r, key, "2026-11-21"),
        CommitmentStatus::Delivered
    );
    // Rejected before the due date: pending again, then overdue.
    assert_eq!(status_on(&r, key, "2026-11-25"), CommitmentStatus::Pending);
    assert_eq!(status_on(&r, key, "2026-12-01"), CommitmentStatus::Overdue);
    // Delivered again after the due date: late, and still late once accepted.
    assert_eq!(status_on(&r, key, "2026-12-04"), CommitmentStatus::Late);
    assert_eq!(status_on(&r, key, "2026-12-07"), CommitmentStatus::Late);
    let c = &r.commitments[0];
    let o = r.occurrence(c, &c.schedule.nth(0).unwrap(), on("2026-12-07"));
    assert_eq!(o.days_late, 4);
    assert_eq!(o.accepted_on, Some(d("2026-12-07")));
    assert_eq!(o.rejections.len(), 1);
    assert_eq!(o.rejections[0].evidence, "report 2026-11-20");
    assert_eq!(o.rejections[0].reason, "no test evidence");
}

#[test]
fn overdue_then_delivered_late() {
    let key = "2026-11-30";
    let r = register(
        with_delay(dated(key, None), "100.00"),
        vec![event(Action::Delivered, key, "2026-12-10")],
    );
    assert_eq!(status_on(&r, key, "2026-12-09"), CommitmentStatus::Overdue);
    assert_eq!(status_on(&r, key, "2026-12-10"), CommitmentStatus::Late);
    let c = &r.commitments[0];
    let overdue = r.occurrence(c, &c.schedule.nth(0).unwrap(), on("2026-12-09"));
    assert_eq!(overdue.days_late, 9);
    assert_eq!(overdue.delay_payment_to_date_minor, 90_000);
    let late = r.occurrence(c, &c.schedule.nth(0).unwrap(), on("2027-02-01"));
    assert_eq!(late.days_late, 10);
    assert_eq!(late.delay_payment_to_date_minor, 100_000);
}

#[test]
fn events_recorded_after_the_evaluation_instant_are_not_seen() {
    let key = "2026-11-30";
    let r = register(
        dated(key, None),
        vec![event(Action::Delivered, key, "2026-11-28")],
    );
    let mut before = on("2026-11-28");
    before.now -= chrono::Duration::hours(1);
    let c = &r.commitments[0];
    let due = c.schedule.nth(0).unwrap();
    assert_eq!(
        r.occurrence(c, &due, before).status,
        CommitmentStatus::Pending
    );
    assert_eq!(
        r.occurrence(c, &due, on("2026-11-28")).status,
        CommitmentStatus::Delivered
    );
}

#[test]
fn refuses_what_does_not_fit() {
    let key = "2026-11-30";
    let today = d("2026-12-10");
    let empty = OccurrenceState::default();
    let check = |s: &OccurrenceState, e: Event| s.check(&e, today).unwrap_err();
    assert!(
        check(&empty, event(Action::Accepted, key, "2026-12-01")).contains("nothing to accept")
    );
    assert!(
        check(&empty, event(Action::Rejected, key, "2026-12-01")).contains("nothing to reject")
    );
    assert!(check(&empty, event(Action::Delivered, key, "2026-12-11")).contains("after today"));
    let mut no_evidence = event(Action::Delivered, key, "2026-12-01");
    no_evidence.evidence = Some("  ".into());
    assert!(check(&empty, no_evidence).contains("evidence reference"));

    let delivered = OccurrenceState::replay(&[event(Action::Delivered, key, "2026-12-02")]);
    assert!(
        check(&delivered, event(Action::Delivered, key, "2026-12-03"))
            .contains("already delivered on 2026-12-02")
    );
    assert!(
        check(&delivered, event(Action::Accepted, key, "2026-12-01"))
            .contains("before the delivery")
    );
    let mut nobody = event(Action::Accepted, key, "2026-12-03");
    nobody.person = None;
    assert!(check(&delivered, nobody).contains("name of the person"));
    let mut no_reason = event(Action::Rejected, key, "2026-12-03");
    no_reason.reason = None;
    assert!(check(&delivered, no_reason).contains("needs a reason"));

    let accepted = OccurrenceState::replay(&[
        event(Action::Delivered, key, "2026-12-02"),
        event(Action::Accepted, key, "2026-12-03"),
    ]);
    for action in [Action::Accepted, Action::Rejected] {
        assert!(
            check(&accepted, event(action, key, "2026-12-04"))
                .contains("already accepted by Jane Smith on 2026-12-03")
        );
    }
}

#[test]
fn a_report_shows_the_next_occurrence_when_none_falls_in_the_month() {
    let r = register(dated("2026-11-30", Some(12)), vec![]);
    let shown = r.for_period(p("2026-10"), on("2026-11-01"));
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].occurrence.due, d("2026-11-30"));
    assert_eq!(shown[0].occurrence.status, CommitmentStatus::Pending);
}

#[test]
fn an_undelivered_occurrence_stays_in_every_later_report() {
    let r = register(dated("2026-11-30", Some(12)), vec![]);
    // December 2027 shows the 2026 and 2027 tests overdue and the next,
    // November 2028, pending.
    let shown = r.for_period(p("2027-12"), on("2028-01-01"));
    let dues: Vec<_> = shown
        .iter()
        .map(|o| (o.occurrence.due, o.occurrence.status))
        .collect();
    assert_eq!(
        dues,
        vec![
            (d("2026-11-30"), CommitmentStatus::Overdue),
            (d("2027-11-30"), CommitmentStatus::Overdue),
            (d("2028-11-30"), CommitmentStatus::Pending),
        ]
    );
}

#[test]
fn delay_payments_are_claimed_in_the_month_each_day_late_falls_in() {
    // Due on the 5th of each month from August, £100 a day late.
    let c = with_delay(dated("2026-08-05", Some(1)), "100.00");
    let r = register(
        c,
        vec![
            event(Action::Delivered, "2026-08-05", "2026-08-04"),
            // 28 days late: 25 in September (6th-30th), 3 in October.
            event(Action::Delivered, "2026-09-05", "2026-10-03"),
        ],
    );
    let today = on("2026-11-10");
    let october = r.for_period(p("2026-10"), today);
    let shown: Vec<_> = october
        .iter()
        .map(|o| {
            (
                o.occurrence.occurrence.as_str(),
                o.occurrence.status,
                o.days_late_in_period,
                o.delay_payment_minor,
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            // August was on time and is not shown again.
            ("2026-09-05", CommitmentStatus::Late, 3, 30_000),
            // October's is still undelivered: the 6th to the 31st.
            ("2026-10-05", CommitmentStatus::Overdue, 26, 260_000),
        ]
    );
    let september = r.for_period(p("2026-09"), today);
    assert_eq!(september.len(), 1);
    assert_eq!(september[0].days_late_in_period, 25);
    assert_eq!(september[0].occurrence.days_late, 28);
    // November: October's still overdue (10 days so far) and November's pending.
    let november = r.for_period(p("2026-11"), today);
    let shown: Vec<_> = november
        .iter()
        .map(|o| (o.occurrence.occurrence.as_str(), o.days_late_in_period))
        .collect();
    assert_eq!(shown, [("2026-10-05", 10), ("2026-11-05", 5)]);
    // Without the clause nothing is claimed, though the days are counted.
    let plain = register(dated("2026-08-05", Some(1)), vec![]);
    let oct = plain.for_period(p("2026-10"), today);
    assert!(oct.iter().all(|o| o.delay_payment_minor == 0));
    assert_eq!(oct.last().unwrap().days_late_in_period, 26);
}

#[test]
fn an_occurrence_is_chosen_by_date_month_or_what_is_open() {
    let c = dated("2026-08-05", Some(1));
    let r = register(
        c,
        vec![
            event(Action::Delivered, "2026-08-05", "2026-08-04"),
            event(Action::Accepted, "2026-08-05", "2026-08-06"),
            event(Action::Delivered, "2026-09-05", "2026-09-01"),
        ],
    );
    let today = on("2026-10-20");
    let key = |sel: Option<&str>, action| {
        r.select("dr-test", sel, action, today)
            .map(|(_, due)| due.key)
    };
    // With nothing named: the earliest with no delivery, or awaiting a decision.
    assert_eq!(key(None, Action::Delivered).unwrap(), "2026-10-05");
    assert_eq!(key(None, Action::Accepted).unwrap(), "2026-09-05");
    assert_eq!(
        key(Some("2026-12-05"), Action::Delivered).unwrap(),
        "2026-12-05"
    );
    assert_eq!(
        key(Some("2026-11"), Action::Delivered).unwrap(),
        "2026-11-05"
    );
    assert!(
        key(Some("2026-11-04"), Action::Delivered)
            .unwrap_err()
            .contains("no occurrence due on or covering 2026-11-04")
    );
    assert!(
        key(Some("soon"), Action::Delivered)
            .unwrap_err()
            .contains("neither a due date")
    );
    assert!(
        r.select("audit", None, Action::Delivered, today)
            .unwrap_err()
            .contains("no commitment 'audit' (known: dr-test)")
    );

    // A month-end rule is chosen by the month it covers.
    let mut pack = dated("2026-08-05", None);
    pack.schedule = Schedule::AfterMonthEnd {
        rule: MonthEndRule {
            days: 10,
            calendar: None,
        },
        first_month: p("2026-08"),
        every: Some(Months(1)),
    };
    let r = register(pack, vec![]);
    let (_, due) = r
        .select("dr-test", Some("2026-09"), Action::Delivered, today)
        .unwrap();
    assert_eq!((due.key.as_str(), due.date), ("2026-09", d("2026-10-10")));
    let (_, due) = r
        .select("dr-test", Some("2026-10-10"), Action::Delivered, today)
        .unwrap();
    assert_eq!(due.key, "2026-09");
    let (_, due) = r.select("dr-test", None, Action::Delivered, today).unwrap();
    assert_eq!(due.key, "2026-08");
}
