//! What the supplier actually paid back, as recorded by a person: a credit
//! note against one or more months' claims, or the supplier's refusal (or
//! dispute) of part of them. A claim is not money back; these records are
//! what turns the issued claims into figures of money recovered and money
//! still outstanding. Insert-only: a note recorded by mistake is corrected
//! by recording another (a negative credit is never accepted).

use chrono::NaiveDate;

use super::money::Money;
use super::period::Period;
use super::time::Instant;

/// Whether a note credits money or refuses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoteKind {
    /// The supplier credited this amount against the months' claims.
    Credit,
    /// The supplier refuses (or disputes) this amount of the months' claims.
    Refusal,
}

impl NoteKind {
    /// `credit` or `refusal`, as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::Credit => "credit",
            NoteKind::Refusal => "refusal",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(text: &str) -> Option<NoteKind> {
        match text {
            "credit" => Some(NoteKind::Credit),
            "refusal" => Some(NoteKind::Refusal),
            _ => None,
        }
    }
}

impl std::fmt::Display for NoteKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A credit note or refusal about to be recorded, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCreditNote {
    /// Credit or refusal.
    pub kind: NoteKind,
    /// The supplier's reference (credit note number, letter reference).
    pub reference: String,
    /// The date on the supplier's document.
    pub date: NaiveDate,
    /// The amount credited or refused (above zero).
    pub amount: Money,
    /// The months whose claims it answers, oldest first, without repeats.
    pub months: Vec<Period>,
    /// Anything worth saying (a refusal's reason is required).
    pub note: Option<String>,
}

/// A recorded credit note or refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditNote {
    /// Its id.
    pub id: i64,
    /// Credit or refusal.
    pub kind: NoteKind,
    /// The supplier's reference (escape wherever shown).
    pub reference: String,
    /// The date on the supplier's document.
    pub date: NaiveDate,
    /// The amount in minor units.
    pub amount_minor: i64,
    /// The months whose claims it answers, oldest first.
    pub months: Vec<Period>,
    /// The note, or the refusal's reason.
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When it was recorded.
    pub recorded_at: Instant,
}

/// Months written as the store and the command line write them:
/// `2026-10,2026-11`.
pub fn months_text(months: &[Period]) -> String {
    months
        .iter()
        .map(Period::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads `2026-10,2026-11` (spaces allowed): oldest first, each month once;
/// an empty list or a bad month is an error naming it.
pub fn parse_months(text: &str) -> Result<Vec<Period>, String> {
    let mut months = Vec::new();
    for part in text.split(',').map(str::trim) {
        if part.is_empty() {
            continue;
        }
        months.push(part.parse::<Period>()?);
    }
    if months.is_empty() {
        return Err(format!(
            "'{text}' names no month (expected YYYY-MM[,YYYY-MM…])"
        ));
    }
    months.sort();
    months.dedup();
    Ok(months)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_sorted_and_named_once() {
        let months = parse_months("2026-11, 2026-10,2026-11").unwrap();
        assert_eq!(months_text(&months), "2026-10,2026-11");
        assert!(parse_months("").is_err());
        assert!(parse_months("2026-13").unwrap_err().contains("2026-13"));
    }
}
