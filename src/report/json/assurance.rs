//! The JSON of the month's assurance rating: the report's `assurance`
//! object, present only in the whole report of a closed month.

use serde::Serialize;

use super::Wire;
use crate::engine::assurance::Reason;
use crate::report::assurance::Assurance;

/// The rating, its reasons and the trend.
#[derive(Debug, Serialize)]
pub struct AssuranceJson<'a> {
    /// `green`, `amber` or `red`.
    pub rating: &'static str,
    /// `improving`, `steady` or `worsening`; `null` unless all six months
    /// the trend reads were rated.
    pub trend: Option<&'static str>,
    /// What made the month amber or red, the red findings first.
    pub reasons: Vec<ReasonJson<'a>>,
    /// The six months the trend reads, oldest first.
    pub months: Vec<RatedMonthJson>,
}

/// One finding.
#[derive(Debug, Serialize)]
pub struct ReasonJson<'a> {
    /// The rating this finding alone gives: `amber` or `red`.
    pub makes: &'static str,
    /// `critical_failure`, `dr_risk`, `overdue_action`, `overdue_commitment`,
    /// `failed_level` or `supplier_figure`.
    pub kind: &'static str,
    /// In words.
    pub detail: &'a str,
}

/// One month the trend reads.
#[derive(Debug, Serialize)]
pub struct RatedMonthJson {
    /// `YYYY-MM`.
    pub period: String,
    /// Its rating; `null` for a month without evidence (not rated).
    pub rating: Option<&'static str>,
}

impl Wire for Reason {
    type Json<'a> = ReasonJson<'a>;

    fn json(&self) -> ReasonJson<'_> {
        ReasonJson {
            makes: self.makes.as_str(),
            kind: self.kind.as_str(),
            detail: &self.detail,
        }
    }
}

impl Wire for Assurance {
    type Json<'a> = AssuranceJson<'a>;

    fn json(&self) -> AssuranceJson<'_> {
        AssuranceJson {
            rating: self.rating.rating.as_str(),
            trend: self.trend.map(|t| t.as_str()),
            reasons: self.rating.reasons.iter().map(Wire::json).collect(),
            months: self
                .months
                .iter()
                .map(|(p, r)| RatedMonthJson {
                    period: p.to_string(),
                    rating: r.map(|r| r.as_str()),
                })
                .collect(),
        }
    }
}
