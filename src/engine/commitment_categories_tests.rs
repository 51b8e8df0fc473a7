//! Hand-worked tallies: a small security programme and one reporting
//! commitment, summed for a quarter, a closed month and a month in progress.

use chrono::{DateTime, NaiveDate, Utc};

use super::*;
use crate::contract::Commitment;
use crate::contract::commitment::Origin;
use crate::contract::due_dates::Schedule;
use crate::domain::Months;
use crate::engine::commitments::{Action, Event};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn p(s: &str) -> Period {
    s.parse().unwrap()
}

fn on(day: &str) -> AsOf {
    AsOf {
        now: DateTime::parse_from_rfc3339(&format!("{day}T12:00:00Z"))
            .unwrap()
            .with_timezone(&Utc),
        today: d(day),
    }
}

fn commitment(id: &str, category: &str, first: &str, every: Option<u32>) -> Commitment {
    Commitment {
        id: id.into(),
        name: id.into(),
        category: Category::parse(category).unwrap(),
        owner: None,
        schedule: Schedule::Dated {
            first: d(first),
            every: every.map(Months),
        },
        delay_payment_per_day: None,
        origin: Origin::Config,
    }
}

/// `action` on the occurrence due `key`, dated `day` and recorded that day.
fn event(id: &str, key: &str, action: Action, day: &str) -> Event {
    Event {
        commitment: id.into(),
        occurrence: key.into(),
        action,
        on: d(day),
        evidence: (action == Action::Delivered).then(|| format!("{id} evidence")),
        person: (action != Action::Delivered).then(|| "Jane Smith".into()),
        reason: (action == Action::Rejected).then(|| "incomplete".into()),
        recorded_by: "cli:test".into(),
        recorded_at: on(day).now,
    }
}

/// Due in the first quarter of 2027:
/// - `scan` (security, quarterly from 15 January): 15 Jan, delivered 14 Jan,
///   accepted 20 Jan: on time and accepted;
/// - `patch` (security, monthly from 10 January): 10 Jan delivered 9 Jan
///   (not accepted); 10 Feb delivered 15 Feb (late), accepted 20 Feb;
///   10 Mar never delivered;
/// - `pentest` (security, once, 28 February): a first delivery on 25 Feb
///   rejected on 26 Feb, then delivered again only on 2 April, after the
///   quarter;
/// - `report` (reporting, monthly from 31 March): due on the quarter's last
///   day and not delivered.
fn register() -> Register {
    Register {
        commitments: vec![
            commitment("scan", "security", "2027-01-15", Some(3)),
            commitment("patch", "security", "2027-01-10", Some(1)),
            commitment("pentest", "security", "2027-02-28", None),
            commitment("report", "reporting", "2027-03-31", Some(1)),
        ],
        events: vec![
            event("patch", "2027-01-10", Action::Delivered, "2027-01-09"),
            event("scan", "2027-01-15", Action::Delivered, "2027-01-14"),
            event("scan", "2027-01-15", Action::Accepted, "2027-01-20"),
            event("patch", "2027-02-10", Action::Delivered, "2027-02-15"),
            event("patch", "2027-02-10", Action::Accepted, "2027-02-20"),
            event("pentest", "2027-02-28", Action::Delivered, "2027-02-25"),
            event("pentest", "2027-02-28", Action::Rejected, "2027-02-26"),
            event("pentest", "2027-02-28", Action::Delivered, "2027-04-02"),
        ],
    }
}

fn row(category: &str, counts: [u32; 5]) -> CategoryTally {
    CategoryTally {
        category: Category::parse(category).unwrap(),
        committed: counts[0],
        delivered: counts[1],
        accepted: counts[2],
        late: counts[3],
        overdue: counts[4],
    }
}

#[test]
fn a_quarter_is_judged_at_its_last_day() {
    // Security: scan 1 + patch 3 + pentest 1 = 5 committed. Delivered by
    // 31 March: scan, patch January, patch February = 3 (the pentest's
    // standing delivery is dated 2 April). Accepted: scan and patch
    // February = 2. Late: patch February = 1. Overdue on 31 March: patch
    // March (due 10 Mar) and the pentest (due 28 Feb) = 2.
    // Reporting: the report due 31 March is still pending that day.
    let tally = tally(
        &register(),
        Span::parse("2027-Q1").unwrap(),
        on("2027-04-10"),
    );
    assert_eq!(
        tally,
        [
            row("reporting", [1, 0, 0, 0, 0]),
            row("security", [5, 3, 2, 1, 2])
        ]
    );
    assert_eq!(tally[1].unevidenced(), 2);
}

#[test]
fn a_closed_month_counts_only_what_fell_due_in_it() {
    // February: patch (10 Feb, delivered late on the 15th, accepted the
    // 20th) and the pentest, due on the month's last day: on 28 February it
    // is not yet overdue. Nothing of the reporting category falls due.
    let feb = tally(&register(), Span::month(p("2027-02")), on("2027-04-10"));
    assert_eq!(feb, [row("security", [2, 1, 1, 1, 0])]);
    // March: patch (10 Mar) overdue on the 31st; the report pending.
    let mar = tally(&register(), Span::month(p("2027-03")), on("2027-04-10"));
    assert_eq!(
        mar,
        [
            row("reporting", [1, 0, 0, 0, 0]),
            row("security", [1, 0, 0, 0, 1])
        ]
    );
}

#[test]
fn a_month_in_progress_is_judged_today() {
    // On 10 April: scan due 15 Apr and patch due today are pending; the
    // report due 30 April too. The pentest's delivery of 2 April belongs to
    // its February occurrence, not to April.
    let apr = tally(&register(), Span::month(p("2027-04")), on("2027-04-10"));
    assert_eq!(
        apr,
        [
            row("reporting", [1, 0, 0, 0, 0]),
            row("security", [2, 0, 0, 0, 0])
        ]
    );
    // A day later the patch of 10 April is overdue.
    let apr = tally(&register(), Span::month(p("2027-04")), on("2027-04-11"));
    assert_eq!(apr[1], row("security", [2, 0, 0, 0, 1]));
}

#[test]
fn events_recorded_after_now_are_not_seen() {
    // As of 1 March the January patch report (recorded 9 Jan) counts; the
    // February acceptance (recorded 20 Feb) too; nothing later exists yet.
    let q = tally(
        &register(),
        Span::parse("2027-Q1").unwrap(),
        on("2027-03-01"),
    );
    // Judged on 1 March: patch March not yet due; pentest (28 Feb) overdue.
    assert_eq!(q[0], row("reporting", [1, 0, 0, 0, 0]));
    assert_eq!(q[1], row("security", [5, 3, 2, 1, 1]));
}

#[test]
fn spans_parse_and_read_back() {
    let q = Span::parse("2026-Q4").unwrap();
    assert_eq!((q.from, q.to), (p("2026-10"), p("2026-12")));
    assert_eq!(
        (q.first_day(), q.last_day()),
        (d("2026-10-01"), d("2026-12-31"))
    );
    assert_eq!(q.label(), "2026-Q4");
    assert_eq!(Span::quarter_of(p("2027-05")).label(), "2027-Q2");
    assert_eq!(Span::parse("2027-02").unwrap().last_day(), d("2027-02-28"));
    assert_eq!(Span::parse("2027-02").unwrap().label(), "2027-02");
    for bad in ["2027-Q5", "2027-Q0", "Q1", "2027-13", "2027"] {
        assert!(Span::parse(bad).is_err(), "{bad}");
    }
}
