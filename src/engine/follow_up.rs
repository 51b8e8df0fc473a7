//! The follow-up summary of the actions register, as internal auditors
//! tabulate a follow-up review: for each origin (an audit, a committee
//! resolution, a plan), how many of its actions are fully implemented,
//! substantially implemented, partially implemented, not implemented and
//! closed, in that order, a zero shown as `-`.
//!
//! Origins are listed in alphabetical order so the table reads the same
//! every time; the total is over every origin shown.

use chrono::NaiveDate;

use crate::domain::{Action, ActionStatus};

/// One origin's line of the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpRow {
    /// The origin (or `Total`).
    pub origin: String,
    /// Actions per status, in [`ActionStatus::FOLLOW_UP_ORDER`].
    pub counts: [u64; 5],
    /// Of those, overdue on the day the summary was taken.
    pub overdue: u64,
}

impl FollowUpRow {
    fn new(origin: &str) -> FollowUpRow {
        FollowUpRow {
            origin: origin.to_string(),
            counts: [0; 5],
            overdue: 0,
        }
    }

    fn add(&mut self, status: ActionStatus, overdue: bool) {
        if let Some(i) = ActionStatus::FOLLOW_UP_ORDER
            .iter()
            .position(|s| *s == status)
        {
            self.counts[i] += 1;
        }
        self.overdue += u64::from(overdue);
    }

    /// The number of actions with `status`.
    pub fn count(&self, status: ActionStatus) -> u64 {
        ActionStatus::FOLLOW_UP_ORDER
            .iter()
            .position(|s| *s == status)
            .map_or(0, |i| self.counts[i])
    }

    /// Every action of the origin.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The five cells as a follow-up review prints them: the count, or `-`
    /// for none.
    pub fn cells(&self) -> [String; 5] {
        self.counts.map(|n| match n {
            0 => "-".to_string(),
            n => n.to_string(),
        })
    }
}

/// The whole summary: one row per origin and their total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// One row per origin, alphabetical.
    pub rows: Vec<FollowUpRow>,
    /// Every origin together.
    pub total: FollowUpRow,
}

impl Default for FollowUp {
    fn default() -> Self {
        FollowUp {
            rows: Vec::new(),
            total: FollowUpRow::new("Total"),
        }
    }
}

impl FollowUp {
    /// Counts `action` in, overdue or not on `today` (a date in its
    /// contract's timezone, so a summary across contracts judges each by
    /// its own).
    pub fn add(&mut self, action: &Action, today: NaiveDate) {
        let status = action.status();
        let overdue = action.is_overdue(today);
        let at = match self
            .rows
            .binary_search_by(|r| r.origin.as_str().cmp(action.origin.as_str()))
        {
            Ok(i) => i,
            Err(i) => {
                self.rows.insert(i, FollowUpRow::new(&action.origin));
                i
            }
        };
        self.rows[at].add(status, overdue);
        self.total.add(status, overdue);
    }
}

/// The follow-up summary of one contract's `actions` on `today` (the date
/// overdue is judged on, in the contract's timezone).
pub fn follow_up<'a>(actions: impl IntoIterator<Item = &'a Action>, today: NaiveDate) -> FollowUp {
    let mut summary = FollowUp::default();
    for a in actions {
        summary.add(a, today);
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn action(origin: &str, id: &str, due: &str, status: ActionStatus) -> Action {
        Action::for_test(origin, id, id, due, status)
    }

    #[test]
    fn each_origin_in_the_auditors_order_with_zeros_as_dashes() {
        use ActionStatus::*;
        let dr = "IT Disaster Recovery audit 2022/23";
        let ict = "ICT strategy audit 2022/23";
        let actions = vec![
            // IT DR: 2 fully, 1 partially, 2 not implemented (the review's line).
            action(dr, "dr-1", "2023-03-31", FullyImplemented),
            action(dr, "dr-2", "2023-06-30", FullyImplemented),
            action(dr, "dr-3", "2023-09-30", PartiallyImplemented),
            action(dr, "dr-4", "2023-09-30", NotImplemented),
            action(dr, "dr-5", "2024-03-31", NotImplemented),
            // ICT strategy: 1 substantially, 1 closed.
            action(ict, "ict-1", "2023-09-30", SubstantiallyImplemented),
            action(ict, "ict-2", "2023-09-30", Closed),
        ];
        let s = follow_up(&actions, d("2023-12-01"));
        assert_eq!(s.rows.len(), 2);
        // Alphabetical: "ICT …" before "IT …" (second letters 'C' < 'T').
        let (first, second) = (&s.rows[0], &s.rows[1]);
        assert_eq!(first.origin, ict);
        assert_eq!(first.cells(), ["-", "1", "-", "-", "1"].map(String::from));
        assert_eq!(second.origin, dr);
        assert_eq!(second.cells(), ["2", "-", "1", "2", "-"].map(String::from));
        assert_eq!(second.total(), 5);
        // On 1 December 2023 the open DR actions due 30 September (dr-3,
        // dr-4) are overdue; dr-5 (due March 2024) is not; the closed and
        // fully implemented ones never are. ict-1 (due 30 September, only
        // substantially implemented) is overdue too.
        assert_eq!(second.overdue, 2);
        assert_eq!(first.overdue, 1);
        // Total: fully 2, substantially 1, partially 1, not 2, closed 1 = 7.
        assert_eq!(s.total.counts, [2, 1, 1, 2, 1]);
        assert_eq!(s.total.total(), 7);
        assert_eq!(s.total.overdue, 3);
        assert_eq!(s.total.count(Closed), 1);
    }

    #[test]
    fn no_actions_no_rows_and_a_total_of_dashes() {
        let s = follow_up(&[], d("2026-01-01"));
        assert!(s.rows.is_empty());
        assert_eq!(s.total.cells(), ["-", "-", "-", "-", "-"].map(String::from));
    }
}
