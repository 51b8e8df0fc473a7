//! The actions register as people state it: a new action or a status change
//! checked against the contract (a real service level, DR system or
//! commitment; a date; a status on the auditors' scale) before the store
//! keeps it. The command line (`slawatch actions`), the API
//! (`/api/v1/contracts/{id}/actions`) and spreadsheet imports share these,
//! so all three obey the same rules.
//!
//! Every problem names the field it is about, so an import can say which
//! line and column of a tracker to fix.
//!
//! # Layout
//! - this module: [`ActionRequest`] and [`StatusRequest`] and their checks.
//! - [`import`]: an audit tracker in CSV or XLSX, row by row.
//! - [`wire`]: the register's JSON and the follow-up table.

pub mod import;
pub mod wire;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::contract::Contract;
use crate::domain::{ActionLinks, ActionStatus, NewAction, NewStatus};

/// One thing wrong with a request: the field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field (as the API, the command line's `--flag` and the import's
    /// column name it).
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A new action as stated by a person (all text, checked by [`ActionRequest::check`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// Its id within the contract (letters, digits, `-`, `_`, `.`).
    pub id: String,
    /// The audit, resolution or plan it comes from.
    pub origin: String,
    /// Its reference within the origin (`management action 3`).
    #[serde(default)]
    pub reference: Option<String>,
    /// What is to be done.
    pub title: String,
    /// More words.
    #[serde(default)]
    pub description: Option<String>,
    /// Who answers for it.
    pub owner: String,
    /// The agreed date, `YYYY-MM-DD`.
    pub due: String,
    /// Its status now (default `not_implemented`).
    #[serde(default)]
    pub status: Option<String>,
    /// Who reviewed that status (default: who records it).
    #[serde(default)]
    pub by: Option<String>,
    /// Why (default `recorded`; required when closed).
    #[serde(default)]
    pub reason: Option<String>,
    /// The evidence reviewed.
    #[serde(default)]
    pub evidence: Option<String>,
    /// A service level of the contract it bears on.
    #[serde(default)]
    pub service_level: Option<String>,
    /// A DR system of the contract it bears on.
    #[serde(default)]
    pub dr_system: Option<String>,
    /// A commitment of the contract it bears on.
    #[serde(default)]
    pub commitment: Option<String>,
}

/// A status change as stated by a person.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// The status after the review.
    pub status: String,
    /// Who reviewed it (default: who records it).
    #[serde(default)]
    pub by: Option<String>,
    /// Why.
    pub reason: String,
    /// The evidence reviewed.
    #[serde(default)]
    pub evidence: Option<String>,
    /// A revised due date agreed, `YYYY-MM-DD`.
    #[serde(default)]
    pub due: Option<String>,
}

/// A text kept only when not blank, trimmed.
fn present(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

fn required(field: &'static str, v: &str, problems: &mut Vec<FieldError>) -> String {
    let t = v.trim();
    if t.is_empty() {
        problems.push(FieldError {
            field,
            message: "must not be empty".into(),
        });
    }
    t.to_string()
}

/// Reads `YYYY-MM-DD`; a spreadsheet's date cell (`YYYY-MM-DD 00:00:00`)
/// is read as its date.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    let day = t.strip_suffix(" 00:00:00").unwrap_or(t);
    day.parse()
        .map_err(|_| format!("'{t}' is not a date (expected YYYY-MM-DD)"))
}

fn date(field: &'static str, text: &str, problems: &mut Vec<FieldError>) -> Option<NaiveDate> {
    match parse_date(text) {
        Ok(d) => Some(d),
        Err(message) => {
            problems.push(FieldError { field, message });
            None
        }
    }
}

fn status(field: &'static str, text: &str, problems: &mut Vec<FieldError>) -> ActionStatus {
    ActionStatus::parse(text).unwrap_or_else(|message| {
        problems.push(FieldError { field, message });
        ActionStatus::NotImplemented
    })
}

/// The ids of what an action may link to in one contract: its service
/// levels and DR systems (from the contract) and its commitments (those
/// configured and those added to the register).
#[derive(Debug, Clone, Default)]
pub struct Linkable {
    service_levels: Vec<String>,
    dr_systems: Vec<String>,
    commitments: Vec<String>,
}

impl Linkable {
    /// What `contract` offers, reading the commitments added to its
    /// register from `store`.
    pub async fn read(
        store: &crate::store::Store,
        contract: &Contract,
    ) -> Result<Linkable, crate::store::StoreError> {
        let ad_hoc = store.commitment_specs(&contract.id).await?;
        Ok(Linkable::new(contract, ad_hoc.into_iter().map(|s| s.id)))
    }

    /// What `contract` offers, with `ad_hoc_commitments` added to the
    /// register beside the configured ones.
    pub fn new(contract: &Contract, ad_hoc_commitments: impl IntoIterator<Item = String>) -> Self {
        Linkable {
            service_levels: contract
                .service_levels
                .iter()
                .map(|s| s.id.clone())
                .collect(),
            dr_systems: contract.dr_systems.iter().map(|s| s.id.clone()).collect(),
            commitments: contract
                .commitments
                .iter()
                .map(|c| c.id.clone())
                .chain(ad_hoc_commitments)
                .collect(),
        }
    }
}

fn link(
    field: &'static str,
    what: &str,
    value: &Option<String>,
    known: &[String],
    problems: &mut Vec<FieldError>,
) -> Option<String> {
    let v = present(value)?;
    if !known.contains(&v) {
        problems.push(FieldError {
            field,
            message: format!("the contract has no {what} '{v}'"),
        });
    }
    Some(v)
}

impl ActionRequest {
    /// Checks the request against what the contract offers to link to;
    /// `recorded_by` stands in for a reviewer not named. Every problem is
    /// returned, each naming its field.
    pub fn check(&self, links: &Linkable, recorded_by: &str) -> Result<NewAction, Vec<FieldError>> {
        let mut problems = Vec::new();
        let id = required("id", &self.id, &mut problems);
        if !id.is_empty()
            && !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            problems.push(FieldError {
                field: "id",
                message: format!(
                    "'{id}' is not a valid id (use letters, digits, '-', '_' and '.')"
                ),
            });
        }
        let origin = required("origin", &self.origin, &mut problems);
        let title = required("title", &self.title, &mut problems);
        let owner = required("owner", &self.owner, &mut problems);
        let due = date("due", &self.due, &mut problems);
        let initial = StatusRequest {
            status: present(&self.status).unwrap_or_else(|| "not_implemented".into()),
            by: self.by.clone(),
            reason: present(&self.reason).unwrap_or_default(),
            evidence: self.evidence.clone(),
            due: None,
        };
        let initial = initial.check_into(recorded_by, true, &mut problems);
        let links = ActionLinks {
            service_level: link(
                "service_level",
                "service level",
                &self.service_level,
                &links.service_levels,
                &mut problems,
            ),
            dr_system: link(
                "dr_system",
                "DR system",
                &self.dr_system,
                &links.dr_systems,
                &mut problems,
            ),
            commitment: link(
                "commitment",
                "commitment",
                &self.commitment,
                &links.commitments,
                &mut problems,
            ),
        };
        match (due, problems.is_empty()) {
            (Some(due), true) => Ok(NewAction {
                id,
                origin,
                reference: present(&self.reference),
                title,
                description: present(&self.description),
                owner,
                due,
                links,
                initial,
            }),
            _ => Err(problems),
        }
    }
}

impl StatusRequest {
    /// Checks the change; `recorded_by` stands in for a reviewer not named.
    pub fn check(&self, recorded_by: &str) -> Result<NewStatus, Vec<FieldError>> {
        let mut problems = Vec::new();
        let change = self.check_into(recorded_by, false, &mut problems);
        match problems.is_empty() {
            true => Ok(change),
            false => Err(problems),
        }
    }

    /// With `first`, a blank reason reads `recorded` unless the action is
    /// recorded closed (a closure always needs its reason).
    fn check_into(
        &self,
        recorded_by: &str,
        first: bool,
        problems: &mut Vec<FieldError>,
    ) -> NewStatus {
        let status = status("status", &self.status, problems);
        let reason = match self.reason.trim() {
            "" if first && status != ActionStatus::Closed => "recorded".to_string(),
            "" if status == ActionStatus::Closed => {
                problems.push(FieldError {
                    field: "reason",
                    message: "a closed action needs the reason it is closed".into(),
                });
                String::new()
            }
            r => required("reason", r, problems),
        };
        let revised_due = self
            .due
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .and_then(|d| date("due", d, problems));
        NewStatus {
            status,
            by: present(&self.by).unwrap_or_else(|| recorded_by.to_string()),
            reason,
            evidence: present(&self.evidence),
            revised_due,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linkable() -> Linkable {
        Linkable {
            service_levels: vec!["p1-resolution".into()],
            dr_systems: vec!["finance".into()],
            commitments: vec!["dr-test".into()],
        }
    }

    fn request() -> ActionRequest {
        ActionRequest {
            id: "itdr-1".into(),
            origin: "IT DR audit 2022/23".into(),
            title: "Test the DR plan yearly".into(),
            owner: "Head of IT".into(),
            due: "2026-03-31".into(),
            ..ActionRequest::default()
        }
    }

    #[test]
    fn a_plain_action_starts_not_implemented_recorded_by_its_recorder() {
        let a = request().check(&linkable(), "cli:jo").unwrap();
        assert_eq!(a.initial.status, ActionStatus::NotImplemented);
        assert_eq!(a.initial.by, "cli:jo");
        assert_eq!(a.initial.reason, "recorded");
        assert_eq!(a.due, "2026-03-31".parse::<NaiveDate>().unwrap());
    }

    #[test]
    fn every_problem_named_by_its_field() {
        let r = ActionRequest {
            id: "it dr 1".into(),
            due: "31/03/2026".into(),
            status: Some("closed".into()),
            dr_system: Some("payroll".into()),
            commitment: Some("dr-test".into()),
            owner: " ".into(),
            ..request()
        };
        let problems = r.check(&linkable(), "cli:jo").unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["id", "owner", "due", "reason", "dr_system"]);
        assert_eq!(
            problems[2].to_string(),
            "due: '31/03/2026' is not a date (expected YYYY-MM-DD)"
        );
        assert_eq!(
            problems[4].to_string(),
            "dr_system: the contract has no DR system 'payroll'"
        );
    }

    #[test]
    fn a_change_needs_its_reason_and_a_spreadsheet_date_cell_reads_as_its_date() {
        let blank = StatusRequest {
            status: "partially_implemented".into(),
            reason: " ".into(),
            ..StatusRequest::default()
        };
        let problems = blank.check("api:ops").unwrap_err();
        assert_eq!(problems[0].to_string(), "reason: must not be empty");
        let revised = StatusRequest {
            status: "Partially implemented".into(),
            reason: "plan written, not yet tested".into(),
            due: Some("2026-09-30 00:00:00".into()),
            by: Some("A. Auditor".into()),
            ..StatusRequest::default()
        };
        let c = revised.check("api:ops").unwrap();
        assert_eq!(c.status, ActionStatus::PartiallyImplemented);
        assert_eq!(c.by, "A. Auditor");
        assert_eq!(c.revised_due, Some("2026-09-30".parse().unwrap()));
    }
}
