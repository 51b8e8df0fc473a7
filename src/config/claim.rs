//! A contract's particulars for the claim document: `name`, `reference`,
//! `credit_clause`, `costs_clause` and `prepared_by`, each an optional
//! non-empty string.

use super::reader::{Problems, Section};
use crate::contract::claim::ClaimParticulars;

/// The keys this part reads, added to the contract's allowed keys.
pub(super) const KEYS: [&str; 5] = [
    "name",
    "reference",
    "credit_clause",
    "costs_clause",
    "prepared_by",
];

/// Reads the contract's particulars; a key of the wrong type is reported
/// with its key path.
pub(super) fn particulars(s: &Section, p: &mut Problems) -> ClaimParticulars {
    let mut read = |key: &str| s.string(key, p).map(str::to_string);
    ClaimParticulars {
        name: read("name"),
        reference: read("reference"),
        credit_clause: read("credit_clause"),
        costs_clause: read("costs_clause"),
        prepared_by: read("prepared_by"),
    }
}
