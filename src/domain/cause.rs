//! What caused an outage or an incident, as a person classified it from the
//! supplier's root-cause report: the committee asks how many outages were
//! malware, how many a failed change.

use std::fmt;

/// What a cause is recorded against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CauseSubject {
    /// An outage of a service.
    Outage,
    /// An incident.
    Incident,
}

impl CauseSubject {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CauseSubject::Outage => "outage",
            CauseSubject::Incident => "incident",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(text: &str) -> Option<CauseSubject> {
        match text {
            "outage" => Some(CauseSubject::Outage),
            "incident" => Some(CauseSubject::Incident),
            _ => None,
        }
    }
}

/// A cause: one lower-case word (letters, digits, `-`, `_`; at most 40
/// characters), so `malware` is counted with `malware` and not beside
/// `Malware attack`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cause(String);

impl Cause {
    /// Checks and keeps a cause.
    pub fn parse(text: &str) -> Result<Cause, String> {
        let text = text.trim();
        let word = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
        if text.is_empty() || text.len() > 40 || !text.chars().all(word) {
            return Err(format!(
                "'{}' is not a cause: give one lower-case word of at most 40 characters \
                 (letters, digits, - or _), such as malware, hardware or change",
                text.escape_debug()
            ));
        }
        Ok(Cause(text.to_string()))
    }

    /// The word.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A classification to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCause {
    /// What it is recorded against.
    pub subject: CauseSubject,
    /// The outage's or incident's id within the contract.
    pub subject_id: String,
    /// The cause.
    pub cause: Cause,
    /// The named person who classified it.
    pub by: String,
    /// Why: the root-cause report read.
    pub reason: String,
}

/// A classification as stored: the latest for a record is its cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCause {
    /// Its row id.
    pub id: i64,
    /// What it is recorded against.
    pub subject: CauseSubject,
    /// The outage's or incident's id.
    pub subject_id: String,
    /// The cause.
    pub cause: Cause,
    /// Who classified it.
    pub by: String,
    /// Why.
    pub reason: String,
    /// When it was recorded (Unix seconds).
    pub recorded_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_is_one_lower_case_word() {
        assert_eq!(Cause::parse(" malware ").unwrap().as_str(), "malware");
        assert!(Cause::parse("failed-change_2").is_ok());
        for bad in [
            "",
            "Malware",
            "malware attack",
            "mal\u{0}ware",
            &"x".repeat(41),
        ] {
            assert!(Cause::parse(bad).is_err(), "{bad:?}");
        }
    }
}
