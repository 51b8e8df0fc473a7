//! Commitments (SPEC §2.7): dated deliverables and their status.

use chrono::{Months as ChronoMonths, NaiveDate};
use serde::Serialize;

use crate::config::Commitment;
use crate::domain::Period;

/// Where one occurrence of a commitment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitmentStatus {
    /// Not yet due and not delivered.
    Pending,
    /// Delivered on time, not yet accepted.
    Delivered,
    /// Delivered and accepted.
    Accepted,
    /// Delivered after its due date.
    Late,
    /// Due date passed, not delivered: a breach.
    Overdue,
}

/// One occurrence of a (possibly recurring) commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Occurrence {
    /// The commitment's id.
    pub id: String,
    /// What is owed.
    pub name: String,
    /// When this occurrence is due.
    pub due: NaiveDate,
    /// Its status.
    pub status: CommitmentStatus,
}

/// The `k`-th due date (0 = the first), counted from the first due date so
/// that a month-end date comes back after a short month (31 Jan, 28 Feb, 31 Mar).
pub fn nth_due(c: &Commitment, k: u32) -> Option<NaiveDate> {
    match (k, c.every) {
        (0, _) => Some(c.due),
        (_, None) => None,
        (_, Some(every)) => c
            .due
            .checked_add_months(ChronoMonths::new(every.0.checked_mul(k)?)),
    }
}

/// The occurrences to show for `period`, as of local date `today`: every
/// earlier occurrence still undelivered (an overdue commitment stays in every
/// report until delivered), those due in the month, or else the next one due.
/// With no delivery on record, an occurrence is pending until its due date
/// has passed, then overdue.
pub fn occurrences_for(c: &Commitment, period: Period, today: NaiveDate) -> Vec<Occurrence> {
    let next_month = period.next().first_day();
    let mut dues = (0u32..).map_while(|k| nth_due(c, k)).peekable();
    let mut shown = Vec::new();
    while let Some(due) = dues.next_if(|due| *due < next_month) {
        shown.push(due);
    }
    if !shown.iter().any(|due| period.contains_date(*due)) {
        shown.extend(dues.next());
    }
    shown
        .into_iter()
        .map(|due| Occurrence {
            id: c.id.clone(),
            name: c.name.clone(),
            due,
            status: if due < today {
                CommitmentStatus::Overdue
            } else {
                CommitmentStatus::Pending
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Months;

    fn dr(due: &str, every: Option<u32>) -> Commitment {
        Commitment {
            id: "dr-test".into(),
            name: "DR test".into(),
            due: due.parse().unwrap(),
            every: every.map(Months),
        }
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn recurrence_keeps_month_ends() {
        let c = dr("2026-01-31", Some(1));
        assert_eq!(nth_due(&c, 1), Some(d("2026-02-28")));
        assert_eq!(nth_due(&c, 2), Some(d("2026-03-31")));
        let annual = dr("2026-11-30", Some(12));
        assert_eq!(nth_due(&annual, 1), Some(d("2027-11-30")));
        assert_eq!(nth_due(&dr("2026-11-30", None), 1), None);
    }

    #[test]
    fn shows_the_next_occurrence_when_none_falls_in_the_month() {
        let c = dr("2026-11-30", Some(12));
        let shown = occurrences_for(&c, "2026-10".parse().unwrap(), d("2026-11-01"));
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].due, d("2026-11-30"));
        assert_eq!(shown[0].status, CommitmentStatus::Pending);
    }

    #[test]
    fn due_date_itself_is_not_overdue_the_day_after_is() {
        let c = dr("2026-11-30", Some(12));
        let nov: Period = "2026-11".parse().unwrap();
        assert_eq!(
            occurrences_for(&c, nov, d("2026-11-30"))[0].status,
            CommitmentStatus::Pending
        );
        assert_eq!(
            occurrences_for(&c, nov, d("2026-12-01"))[0].status,
            CommitmentStatus::Overdue
        );
        // Undelivered, it stays in every later report: December 2027 shows the
        // 2026 and 2027 tests overdue and the next, November 2028, pending.
        let dec27: Period = "2027-12".parse().unwrap();
        let shown = occurrences_for(&c, dec27, d("2028-01-01"));
        let dues: Vec<_> = shown.iter().map(|o| (o.due, o.status)).collect();
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
    fn monthly_commitment_shows_the_month_occurrence() {
        let c = dr("2026-08-05", Some(1));
        let shown = occurrences_for(&c, "2026-10".parse().unwrap(), d("2026-11-01"));
        // August, September and October are all undelivered.
        assert_eq!(shown.len(), 3);
        assert_eq!(shown[2].due, d("2026-10-05"));
        assert!(shown.iter().all(|o| o.status == CommitmentStatus::Overdue));
    }
}
