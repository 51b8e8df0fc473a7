//! A run of months read in one pass gives each month exactly the incidents
//! a read of that month alone gives: those opened in it, and those opened
//! before it and not settled before it began, carried from month to month
//! (months in the contract's timezone), as the store knew them at an instant.

mod common;

use std::collections::BTreeSet;

use common::{TestEnv, stderr};
use slawatch::domain::{Instant, Period};
use slawatch::store::Store;
use slawatch::store::read::Seen;

const C: &str = "acme-managed-it";
const HEADER: &str = "id,contract,priority,opened_at,service,resolved_at\n";

/// Europe/London months: September and October begin at 23:00 UTC the day
/// before (summer time), November at 00:00 UTC (summer time ends on 25
/// October).
/// - A: opened 10 Aug, resolved 5 Oct: August, September, October.
/// - B: opened 20 Aug, never resolved: every month from August.
/// - C: opened and resolved in early September: September only.
/// - D: opened 30 Sep 23:30 London, resolved 1 Oct 00:00 London exactly:
///   settled as October begins, so October still assesses it.
/// - E: opened 31 Oct 23:30 London (GMT), resolved 1 Nov 01:00: October and November.
/// - F: opened and resolved in early November: November only.
const INCIDENTS: &str = "\
A,acme-managed-it,P1,2026-08-10T09:00:00Z,email,2026-10-05T09:00:00Z
B,acme-managed-it,P1,2026-08-20T09:00:00Z,email,
C,acme-managed-it,P1,2026-09-05T09:00:00Z,email,2026-09-06T09:00:00Z
D,acme-managed-it,P1,2026-09-30T22:30:00Z,email,2026-09-30T23:00:00Z
E,acme-managed-it,P1,2026-10-31T23:30:00Z,email,2026-11-01T01:00:00Z
F,acme-managed-it,P1,2026-11-03T09:00:00Z,email,2026-11-04T09:00:00Z
";

fn at(s: &str) -> Instant {
    s.parse().expect("instant")
}

fn month(s: &str) -> Period {
    s.parse().expect("month")
}

fn ids(incidents: &[slawatch::domain::Incident]) -> BTreeSet<String> {
    incidents.iter().map(|i| i.id.clone()).collect()
}

fn set(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Reads the months of `expected` from `first` in one pass, and each
/// month alone, and checks both against `expected`.
async fn check(store: &Store, first: &str, seen: Option<Seen>, expected: &[(&str, &[&str])]) {
    let tz = chrono_tz::Europe::London;
    let now = at("2026-12-01T00:00:00Z");
    let mut reader = store.months_evidence(C, month(first), tz, now, seen);
    for (name, want) in expected {
        let (period, evidence) = reader.next().await.expect("read the next month");
        assert_eq!(period, month(name));
        assert_eq!(
            ids(&evidence.incidents),
            set(want),
            "{name} in one pass from {first}"
        );
        let alone = store
            .month_evidence_seen(C, period, tz, now, seen)
            .await
            .expect("read the month alone");
        assert_eq!(ids(&alone.incidents), set(want), "{name} alone");
    }
}

#[tokio::test]
async fn each_month_of_a_run_holds_what_it_would_alone() {
    let env = TestEnv::new();
    let path = env.file("incidents.csv", &format!("{HEADER}{INCIDENTS}"));
    let out = env.run(&[
        "--now",
        "2026-11-20T00:00:00Z",
        "import",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The supplier later resolves B on 15 September.
    let fix = env.file(
        "fix.csv",
        &format!("{HEADER}B,{C},P1,2026-08-20T09:00:00Z,email,2026-09-15T09:00:00Z\n"),
    );
    let out = env.run(&[
        "--now",
        "2026-11-25T00:00:00Z",
        "import",
        fix.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let store = Store::open(&env.database_url)
        .await
        .expect("open the store");

    // Now B settles in September: it is no longer carried into October.
    let now_known: &[(&str, &[&str])] = &[
        ("2026-07", &[]),
        ("2026-08", &["A", "B"]),
        ("2026-09", &["A", "B", "C", "D"]),
        ("2026-10", &["A", "D", "E"]),
        ("2026-11", &["E", "F"]),
        ("2026-12", &[]),
    ];
    check(&store, "2026-07", None, now_known).await;
    // Starting in the middle: October's carried-in incidents read at once.
    check(&store, "2026-10", None, &now_known[3..]).await;

    // As known before the fix, B is still open and in every month from August.
    let before_fix = Some(Seen::At(at("2026-11-21T00:00:00Z").timestamp()));
    let then_known: &[(&str, &[&str])] = &[
        ("2026-08", &["A", "B"]),
        ("2026-09", &["A", "B", "C", "D"]),
        ("2026-10", &["A", "B", "D", "E"]),
        ("2026-11", &["B", "E", "F"]),
        ("2026-12", &["B"]),
    ];
    check(&store, "2026-08", before_fix, then_known).await;
    check(&store, "2026-11", before_fix, &then_known[3..]).await;
    store.close().await;
}
