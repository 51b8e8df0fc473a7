//! A commitment as the contract (or a person, ad hoc) defines it: what is
//! owed, of what kind, and when its occurrences fall due.

use super::due_dates::Schedule;
use crate::domain::Money;

/// A dated deliverable the supplier owes (from the file, or recorded ad hoc;
/// both are validated by `config::CommitmentSpec`).
#[derive(Debug, Clone)]
pub struct Commitment {
    /// Its id within the contract.
    pub id: String,
    /// What is owed.
    pub name: String,
    /// What kind of deliverable (default `other`).
    pub category: Category,
    /// Who answers for it at the supplier.
    pub owner: Option<String>,
    /// When its occurrences fall due.
    pub schedule: Schedule,
    /// The contract's delay payment for each day an occurrence is late.
    pub delay_payment_per_day: Option<Money>,
    /// In the configuration file, or recorded ad hoc.
    pub origin: Origin,
}

/// What kind of deliverable a commitment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Disaster recovery (tests, plans).
    Dr,
    /// Security (audits, certifications, penetration tests).
    Security,
    /// Governance (reports, roadmaps, reviews).
    Governance,
    /// Staffing (named appointments, key people).
    Staffing,
    /// Anything else (the default).
    Other,
}

impl Category {
    /// The configuration and report spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Dr => "dr",
            Category::Security => "security",
            Category::Governance => "governance",
            Category::Staffing => "staffing",
            Category::Other => "other",
        }
    }

    /// Parses the configuration spelling.
    pub fn parse(text: &str) -> Result<Category, String> {
        match text.trim() {
            "dr" => Ok(Category::Dr),
            "security" => Ok(Category::Security),
            "governance" => Ok(Category::Governance),
            "staffing" => Ok(Category::Staffing),
            "other" => Ok(Category::Other),
            _ => Err(format!(
                "unknown category '{text}' (expected dr, security, governance, staffing or other)"
            )),
        }
    }
}

/// Where a commitment was written down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `[[contracts.commitments]]` in the configuration file.
    Config,
    /// Added with `slawatch commitment add` or the API.
    AdHoc,
}
