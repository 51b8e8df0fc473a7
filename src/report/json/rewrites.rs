//! The report's "Records changed after the fact": the rewrites of evidence
//! bearing on the month, and the credit each import's rewrites moved.

use serde::Serialize;

use super::Wire;
use crate::domain::rewrite::{CreditMoved, Effect, Rewrite};
use crate::domain::time::format_utc;

/// The section as a whole.
#[derive(Debug, Serialize)]
pub struct RewritesJson<'a> {
    /// Each rewrite, oldest first.
    pub records: Vec<RewriteJson<'a>>,
    /// Per import whose rewrites bear on the month: the month's credit
    /// before and after them.
    pub credit_moved: Vec<CreditMovedJson>,
}

/// One rewrite.
#[derive(Debug, Serialize)]
pub struct RewriteJson<'a> {
    /// The import that brought it.
    pub import_id: i64,
    /// When the store received it (RFC 3339, UTC).
    pub received_at: String,
    /// The import's writer: a source id, or `cli`.
    pub source: &'a str,
    /// A person's name, when it was their correction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrected_by: Option<&'a str>,
    /// `incident`, `hold`, `outage` or `work_item`.
    pub kind: &'a str,
    /// The record.
    pub record: &'a str,
    /// Each changed value, before → after.
    pub change: &'a str,
    /// `favourable`, `unfavourable` or `neutral` to the supplier.
    pub direction: &'static str,
    /// What makes it that direction.
    pub why: &'a str,
    /// Its effect on each service level it bears on.
    pub effects: Vec<EffectJson<'a>>,
}

/// A rewrite's effect on one service level.
#[derive(Debug, Serialize)]
pub struct EffectJson<'a> {
    /// The service level.
    pub service_level: &'a str,
    /// The month the verdict is assessed in, when it is.
    pub period: Option<String>,
    /// The verdict before.
    pub before: &'static str,
    /// The verdict after.
    pub after: &'static str,
}

/// What one import's rewrites did to the month's credit.
#[derive(Debug, Serialize)]
pub struct CreditMovedJson {
    /// The import.
    pub import_id: i64,
    /// The month's credit (after the cap) on the evidence held before.
    pub credit_before_minor: i64,
    /// The same with the import's rewrites applied.
    pub credit_after_minor: i64,
    /// After less before: negative when the rewrites took credit away.
    pub moved_minor: i64,
}

impl Wire for Rewrite {
    type Json<'a> = RewriteJson<'a>;

    fn json(&self) -> RewriteJson<'_> {
        RewriteJson {
            import_id: self.import_id,
            received_at: format_utc(self.received_at),
            source: &self.source,
            corrected_by: self.corrected_by.as_deref(),
            kind: &self.kind,
            record: &self.record,
            change: &self.change,
            direction: self.direction.as_str(),
            why: &self.why,
            effects: self.effects.iter().map(effect).collect(),
        }
    }
}

fn effect(e: &Effect) -> EffectJson<'_> {
    EffectJson {
        service_level: &e.service_level,
        period: e.period.map(|p| p.to_string()),
        before: e.before.as_str(),
        after: e.after.as_str(),
    }
}

impl Wire for CreditMoved {
    type Json<'a> = CreditMovedJson;

    fn json(&self) -> CreditMovedJson {
        CreditMovedJson {
            import_id: self.import_id,
            credit_before_minor: self.before_minor,
            credit_after_minor: self.after_minor,
            moved_minor: self.after_minor - self.before_minor,
        }
    }
}
