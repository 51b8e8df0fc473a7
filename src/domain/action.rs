//! Actions: what management agreed to do after an internal audit, a
//! committee resolution, a rectification plan or a maturity assessment, and
//! where each stands on the auditors' scale.
//!
//! An action is recorded once (its particulars never change) and every
//! status change after that is a new [`StatusChange`] naming who reviewed it,
//! when, why and the evidence they looked at; the first change is the status
//! the action was recorded with. The status, and the due date (which a
//! change may revise, as auditors agree revised implementation dates), are
//! read from the latest change, so the history is the record.

use chrono::NaiveDate;

use super::time::Instant;

/// Where an action stands, on the scale internal auditors use in a
/// follow-up review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionStatus {
    /// Nothing done yet.
    NotImplemented,
    /// Some of it done.
    PartiallyImplemented,
    /// Most of it done.
    SubstantiallyImplemented,
    /// Done, and the evidence seen.
    FullyImplemented,
    /// No longer pursued (superseded, risk accepted): needs a reason.
    Closed,
}

impl ActionStatus {
    /// Every status, in the order a follow-up review tabulates them:
    /// fully, substantially, partially, not implemented, closed.
    pub const FOLLOW_UP_ORDER: [ActionStatus; 5] = [
        ActionStatus::FullyImplemented,
        ActionStatus::SubstantiallyImplemented,
        ActionStatus::PartiallyImplemented,
        ActionStatus::NotImplemented,
        ActionStatus::Closed,
    ];

    /// The stored and command-line spelling, e.g. `partially_implemented`.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::NotImplemented => "not_implemented",
            ActionStatus::PartiallyImplemented => "partially_implemented",
            ActionStatus::SubstantiallyImplemented => "substantially_implemented",
            ActionStatus::FullyImplemented => "fully_implemented",
            ActionStatus::Closed => "closed",
        }
    }

    /// The words a follow-up review uses, e.g. `Partially implemented`.
    pub fn label(self) -> &'static str {
        match self {
            ActionStatus::NotImplemented => "Not implemented",
            ActionStatus::PartiallyImplemented => "Partially implemented",
            ActionStatus::SubstantiallyImplemented => "Substantially implemented",
            ActionStatus::FullyImplemented => "Fully implemented",
            ActionStatus::Closed => "Closed",
        }
    }

    /// Reads a status as stored (`fully_implemented`) or as a spreadsheet
    /// writes it (`Fully implemented`, `FULLY IMPLEMENTED`); the error lists
    /// the choices.
    pub fn parse(text: &str) -> Result<ActionStatus, String> {
        let key = text.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        Self::FOLLOW_UP_ORDER
            .into_iter()
            .find(|s| s.as_str() == key)
            .ok_or_else(|| {
                format!(
                    "'{}' is not a status (expected not_implemented, partially_implemented, \
                     substantially_implemented, fully_implemented or closed)",
                    text.trim()
                )
            })
    }

    /// Fully implemented or closed: nothing more is owed, so never overdue.
    pub fn is_settled(self) -> bool {
        matches!(self, ActionStatus::FullyImplemented | ActionStatus::Closed)
    }
}

impl std::fmt::Display for ActionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an action bears on within its contract, each optional: a service
/// level, a system of the DR register, a commitment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionLinks {
    /// A service level's id.
    pub service_level: Option<String>,
    /// A DR system's id.
    pub dr_system: Option<String>,
    /// A commitment's id.
    pub commitment: Option<String>,
}

/// A new action as checked at the edge, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAction {
    /// Its id within the contract.
    pub id: String,
    /// Where it comes from: the audit, resolution or plan (what the
    /// follow-up summary groups by), e.g. `IT Disaster Recovery audit 2022/23`.
    pub origin: String,
    /// Its reference within the origin, e.g. `management action 3`.
    pub reference: Option<String>,
    /// What is to be done, in a line.
    pub title: String,
    /// More words, if any.
    pub description: Option<String>,
    /// Who answers for it.
    pub owner: String,
    /// The agreed implementation date (a date in the contract's timezone).
    pub due: NaiveDate,
    /// What it bears on.
    pub links: ActionLinks,
    /// The status it is recorded with, and why.
    pub initial: NewStatus,
}

/// A status change as checked at the edge, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStatus {
    /// The status after the change.
    pub status: ActionStatus,
    /// The named person who reviewed it.
    pub by: String,
    /// Why (for `closed`, the reason it is closed).
    pub reason: String,
    /// The evidence reviewed, if any.
    pub evidence: Option<String>,
    /// A revised due date, if one was agreed.
    pub revised_due: Option<NaiveDate>,
}

/// One recorded status (the first is the status the action was recorded with).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// Its number in the store (rising with each change).
    pub seq: i64,
    /// The status after the change.
    pub status: ActionStatus,
    /// The named person who reviewed it.
    pub by: String,
    /// Why.
    pub reason: String,
    /// The evidence reviewed, if any.
    pub evidence: Option<String>,
    /// A revised due date agreed with this change, if any.
    pub revised_due: Option<NaiveDate>,
    /// Who recorded it (`cli:<user>`, `api:<token>`, `import:<file>`).
    pub recorded_by: String,
    /// When it was recorded.
    pub recorded_at: Instant,
}

/// An action with its whole history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// The contract whose register holds it.
    pub contract: String,
    /// Its id within the contract.
    pub id: String,
    /// Where it comes from (the follow-up summary groups by this).
    pub origin: String,
    /// Its reference within the origin.
    pub reference: Option<String>,
    /// What is to be done.
    pub title: String,
    /// More words, if any.
    pub description: Option<String>,
    /// Who answers for it.
    pub owner: String,
    /// The due date first agreed.
    pub agreed_due: NaiveDate,
    /// What it bears on.
    pub links: ActionLinks,
    /// Every status change, oldest first; never empty once stored.
    pub history: Vec<StatusChange>,
}

impl Action {
    /// The latest status (`not_implemented` before any is recorded).
    pub fn status(&self) -> ActionStatus {
        self.history
            .last()
            .map_or(ActionStatus::NotImplemented, |c| c.status)
    }

    /// The due date now in force: the latest revised one, else the agreed one.
    pub fn due(&self) -> NaiveDate {
        self.history
            .iter()
            .rev()
            .find_map(|c| c.revised_due)
            .unwrap_or(self.agreed_due)
    }

    /// Why it was closed, when it is.
    pub fn closed_reason(&self) -> Option<&str> {
        match self.history.last() {
            Some(c) if c.status == ActionStatus::Closed => Some(&c.reason),
            _ => None,
        }
    }

    /// Overdue on `today` (a date in the contract's timezone): past its due
    /// date and neither fully implemented nor closed. An action due today
    /// is not overdue until tomorrow.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        today > self.due() && !self.status().is_settled()
    }

    /// Whole days overdue on `today` (0 when not overdue): due yesterday is 1.
    pub fn days_overdue(&self, today: NaiveDate) -> i64 {
        match self.is_overdue(today) {
            true => (today - self.due()).num_days(),
            false => 0,
        }
    }
}

#[cfg(test)]
impl Action {
    /// An action of contract `acme` with one review (`status`, by Internal
    /// Audit), due on `due` (`YYYY-MM-DD`), for unit tests.
    pub(crate) fn for_test(
        origin: &str,
        id: &str,
        title: &str,
        due: &str,
        status: ActionStatus,
    ) -> Action {
        Action {
            contract: "acme".into(),
            id: id.into(),
            origin: origin.into(),
            reference: None,
            title: title.into(),
            description: None,
            owner: "Head of IT".into(),
            agreed_due: due.parse().expect("a test date"),
            links: ActionLinks::default(),
            history: vec![StatusChange {
                seq: 1,
                status,
                by: "Internal Audit".into(),
                reason: "follow-up review".into(),
                evidence: None,
                revised_due: None,
                recorded_by: "cli:test".into(),
                recorded_at: chrono::DateTime::UNIX_EPOCH,
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn change(seq: i64, status: ActionStatus, revised_due: Option<&str>) -> StatusChange {
        StatusChange {
            seq,
            status,
            by: "Internal Audit".into(),
            reason: "follow-up review".into(),
            evidence: None,
            revised_due: revised_due.map(d),
            recorded_by: "cli:test".into(),
            recorded_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    fn action(due: &str, history: Vec<StatusChange>) -> Action {
        Action {
            contract: "acme".into(),
            id: "itdr-3".into(),
            origin: "IT DR audit".into(),
            reference: None,
            title: "Test the DR plan".into(),
            description: None,
            owner: "Head of IT".into(),
            agreed_due: d(due),
            links: ActionLinks::default(),
            history,
        }
    }

    #[test]
    fn statuses_read_as_stored_and_as_spreadsheets_write_them() {
        for s in ActionStatus::FOLLOW_UP_ORDER {
            assert_eq!(ActionStatus::parse(s.as_str()), Ok(s));
            assert_eq!(ActionStatus::parse(s.label()), Ok(s));
        }
        assert_eq!(
            ActionStatus::parse(" SUBSTANTIALLY IMPLEMENTED "),
            Ok(ActionStatus::SubstantiallyImplemented)
        );
        let e = ActionStatus::parse("done").unwrap_err();
        assert!(e.starts_with("'done' is not a status"), "{e}");
    }

    #[test]
    fn overdue_from_the_day_after_the_due_date_until_settled() {
        let open = action(
            "2026-11-30",
            vec![change(1, ActionStatus::PartiallyImplemented, None)],
        );
        // Due 30 November: still in time that day, overdue from 1 December.
        assert!(!open.is_overdue(d("2026-11-29")));
        assert!(!open.is_overdue(d("2026-11-30")));
        assert!(open.is_overdue(d("2026-12-01")));
        assert_eq!(open.days_overdue(d("2026-11-30")), 0);
        assert_eq!(open.days_overdue(d("2026-12-01")), 1);
        // 30 November + 31 days = 31 December.
        assert_eq!(open.days_overdue(d("2026-12-31")), 31);
        for settled in [ActionStatus::FullyImplemented, ActionStatus::Closed] {
            let done = action("2026-11-30", vec![change(1, settled, None)]);
            assert!(!done.is_overdue(d("2027-06-01")));
            assert_eq!(done.days_overdue(d("2027-06-01")), 0);
        }
    }

    #[test]
    fn the_latest_change_decides_the_status_and_a_revised_due_date_stands() {
        let a = action(
            "2026-06-30",
            vec![
                change(1, ActionStatus::NotImplemented, None),
                change(2, ActionStatus::PartiallyImplemented, Some("2026-12-31")),
                change(3, ActionStatus::SubstantiallyImplemented, None),
            ],
        );
        assert_eq!(a.status(), ActionStatus::SubstantiallyImplemented);
        assert_eq!(a.due(), d("2026-12-31"));
        assert!(!a.is_overdue(d("2026-12-31")));
        assert!(a.is_overdue(d("2027-01-01")));
        assert_eq!(a.closed_reason(), None);
    }
}
