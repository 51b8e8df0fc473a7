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
    /// What kind of deliverable (a configured word; default `other`).
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

/// What kind of deliverable a commitment is: a free lower-case word chosen
/// in the configuration (`security`, `dr`, `reporting`, `governance`, …), so
/// a programme can be grouped the way its assurance lead reads it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Category(String);

/// The longest category word accepted (a label, not a sentence).
const CATEGORY_MAX_LEN: usize = 32;

impl Category {
    /// The category of a commitment that names none.
    pub fn other() -> Category {
        Category("other".to_string())
    }

    /// The configuration and report spelling.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses the configuration spelling: one lower-case word of ASCII
    /// letters, digits, `-` or `_`, starting with a letter. One spelling per
    /// category keeps "Security" and "security" from becoming two rows.
    pub fn parse(text: &str) -> Result<Category, String> {
        let word = text.trim();
        let mut chars = word.chars();
        let starts = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        let rest =
            chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        match starts && rest && word.len() <= CATEGORY_MAX_LEN {
            true => Ok(Category(word.to_string())),
            false => Err(format!(
                "'{text}' is not a category: one lower-case word of at most \
                 {CATEGORY_MAX_LEN} letters, digits, '-' or '_', starting with a letter \
                 (e.g. security, dr, reporting, governance)"
            )),
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
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

#[cfg(test)]
mod tests {
    use super::Category;

    #[test]
    fn a_category_is_one_lower_case_word() {
        for ok in [
            "security",
            "dr",
            "reporting",
            "iso-27001",
            "third_party",
            "q4",
        ] {
            assert_eq!(
                Category::parse(ok).map(|c| c.to_string()),
                Ok(ok.to_string())
            );
        }
        assert_eq!(
            Category::parse(" dr ").map(|c| c.to_string()),
            Ok("dr".to_string())
        );
        for bad in [
            "",
            "Security",
            "two words",
            "4dr",
            "-dr",
            "sécurité",
            &"a".repeat(33),
        ] {
            assert!(Category::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Category::parse(&"a".repeat(32)).is_ok());
    }
}
