//! The actions register's JSON, one shape for the command line's
//! `--format json` and the API: an action with its history, and the
//! follow-up summary (counts as numbers, and the cells as a follow-up
//! review prints them, a zero as `-`).

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::time::format_utc;
use crate::domain::{Action, ActionStatus, StatusChange};
use crate::engine::follow_up::{FollowUp, FollowUpRow};

/// An action as the API and `--format json` give it.
#[derive(Debug, Clone, Serialize)]
pub struct ActionJson {
    /// The contract.
    pub contract: String,
    /// The action's id.
    pub id: String,
    /// Where it comes from.
    pub origin: String,
    /// Its reference within the origin.
    pub reference: Option<String>,
    /// What is to be done.
    pub title: String,
    /// More words.
    pub description: Option<String>,
    /// Who answers for it.
    pub owner: String,
    /// The date first agreed.
    pub agreed_due: NaiveDate,
    /// The date in force (a revised one, if agreed).
    pub due: NaiveDate,
    /// Where it stands.
    pub status: &'static str,
    /// Past its due date and neither fully implemented nor closed.
    pub overdue: bool,
    /// Whole days overdue (0 when not).
    pub days_overdue: i64,
    /// Why it was closed, when it is.
    pub closed_reason: Option<String>,
    /// A service level it bears on.
    pub service_level: Option<String>,
    /// A DR system it bears on.
    pub dr_system: Option<String>,
    /// A commitment it bears on.
    pub commitment: Option<String>,
    /// Every status it has had, oldest first.
    pub history: Vec<ChangeJson>,
}

/// One status change.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeJson {
    /// Its number in the store.
    pub seq: i64,
    /// The status after it.
    pub status: &'static str,
    /// Who reviewed it.
    pub by: String,
    /// Why.
    pub reason: String,
    /// The evidence reviewed.
    pub evidence: Option<String>,
    /// A revised due date agreed with it.
    pub revised_due: Option<NaiveDate>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When, RFC 3339 UTC.
    pub recorded_at: String,
}

impl ChangeJson {
    fn new(c: &StatusChange) -> ChangeJson {
        ChangeJson {
            seq: c.seq,
            status: c.status.as_str(),
            by: c.by.clone(),
            reason: c.reason.clone(),
            evidence: c.evidence.clone(),
            revised_due: c.revised_due,
            recorded_by: c.recorded_by.clone(),
            recorded_at: format_utc(c.recorded_at),
        }
    }
}

impl ActionJson {
    /// `a` as it stands on `today` (in its contract's timezone).
    pub fn new(a: &Action, today: NaiveDate) -> ActionJson {
        ActionJson {
            contract: a.contract.clone(),
            id: a.id.clone(),
            origin: a.origin.clone(),
            reference: a.reference.clone(),
            title: a.title.clone(),
            description: a.description.clone(),
            owner: a.owner.clone(),
            agreed_due: a.agreed_due,
            due: a.due(),
            status: a.status().as_str(),
            overdue: a.is_overdue(today),
            days_overdue: a.days_overdue(today),
            closed_reason: a.closed_reason().map(str::to_string),
            service_level: a.links.service_level.clone(),
            dr_system: a.links.dr_system.clone(),
            commitment: a.links.commitment.clone(),
            history: a.history.iter().map(ChangeJson::new).collect(),
        }
    }
}

/// One line of the follow-up summary.
#[derive(Debug, Clone, Serialize)]
pub struct FollowUpRowJson {
    /// The origin (`Total` for the total).
    pub origin: String,
    /// Fully implemented.
    pub fully_implemented: u64,
    /// Substantially implemented.
    pub substantially_implemented: u64,
    /// Partially implemented.
    pub partially_implemented: u64,
    /// Not implemented.
    pub not_implemented: u64,
    /// Closed.
    pub closed: u64,
    /// Every action of the origin.
    pub total: u64,
    /// Of those, overdue.
    pub overdue: u64,
    /// The five counts as a follow-up review prints them, in its order
    /// (fully, substantially, partially, not implemented, closed), a zero as `-`.
    pub cells: [String; 5],
}

impl FollowUpRowJson {
    fn new(r: &FollowUpRow) -> FollowUpRowJson {
        FollowUpRowJson {
            origin: r.origin.clone(),
            fully_implemented: r.count(ActionStatus::FullyImplemented),
            substantially_implemented: r.count(ActionStatus::SubstantiallyImplemented),
            partially_implemented: r.count(ActionStatus::PartiallyImplemented),
            not_implemented: r.count(ActionStatus::NotImplemented),
            closed: r.count(ActionStatus::Closed),
            total: r.total(),
            overdue: r.overdue,
            cells: r.cells(),
        }
    }
}

/// The follow-up summary.
#[derive(Debug, Clone, Serialize)]
pub struct FollowUpJson {
    /// The column headings of `cells`, in order.
    pub columns: [&'static str; 5],
    /// One line per origin, alphabetical.
    pub origins: Vec<FollowUpRowJson>,
    /// Every origin together.
    pub total: FollowUpRowJson,
}

impl FollowUpJson {
    /// The summary's JSON.
    pub fn new(f: &FollowUp) -> FollowUpJson {
        FollowUpJson {
            columns: ActionStatus::FOLLOW_UP_ORDER.map(ActionStatus::label),
            origins: f.rows.iter().map(FollowUpRowJson::new).collect(),
            total: FollowUpRowJson::new(&f.total),
        }
    }
}

/// The summary as a plain-text table: origin, the five columns, the total
/// and how many are overdue; a total line when there is more than one origin.
pub fn follow_up_table(f: &FollowUp) -> String {
    let mut rows: Vec<Vec<String>> = vec![
        std::iter::once("ORIGIN")
            .chain(ActionStatus::FOLLOW_UP_ORDER.map(ActionStatus::label))
            .chain(["Total", "Overdue"])
            .map(str::to_string)
            .collect(),
    ];
    let line = |r: &FollowUpRow| -> Vec<String> {
        std::iter::once(r.origin.clone())
            .chain(r.cells())
            .chain([r.total().to_string(), r.overdue.to_string()])
            .collect()
    };
    rows.extend(f.rows.iter().map(line));
    if f.rows.len() > 1 {
        rows.push(line(&f.total));
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, w))| match i {
                0 => format!("{cell:<w$}"),
                _ => format!("{cell:>w$}"),
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    if f.rows.is_empty() {
        out.push_str("(no actions)\n");
    }
    out.trim_end().to_string()
}
