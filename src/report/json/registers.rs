//! The JSON of the contract's registers: commitment occurrences and the
//! disaster-recovery register with its tests.

use chrono::NaiveDate;
use serde::Serialize;

use super::Wire;
use crate::contract::commitment::Origin;
use crate::domain::Instant;
use crate::engine::commitment_categories::CategoryTally;
use crate::engine::commitments::{MonthOccurrence, Occurrence, Rejection};
use crate::engine::dr::{DrAssessment, DrTest, Raised, SystemAssessment, Withdrawal};

/// One occurrence of a commitment and where it stands.
#[derive(Debug, Serialize)]
pub struct OccurrenceJson<'a> {
    /// The commitment's id.
    pub id: &'a str,
    /// What is owed.
    pub name: &'a str,
    /// What kind of deliverable.
    pub category: &'a str,
    /// Who answers for it at the supplier.
    pub owner: Option<&'a str>,
    /// `config` or `ad_hoc`.
    pub origin: &'static str,
    /// The key deliveries are recorded against.
    pub occurrence: &'a str,
    /// The month it covers (month-end rules only), `YYYY-MM`.
    pub covers: Option<&'a str>,
    /// When it is due.
    pub due: NaiveDate,
    /// Where it stands.
    pub status: &'static str,
    /// The standing delivery's date.
    pub delivered_on: Option<NaiveDate>,
    /// The standing delivery's evidence reference.
    pub evidence: Option<&'a str>,
    /// Who accepted it.
    pub accepted_by: Option<&'a str>,
    /// When it was accepted.
    pub accepted_on: Option<NaiveDate>,
    /// Deliveries rejected before.
    pub rejections: Vec<RejectionJson<'a>>,
    /// Days after the due date until delivery or until today.
    pub days_late: i64,
    /// The delay payment per day late, if the contract has that clause.
    pub delay_payment_per_day_minor: Option<i64>,
    /// Delay payments accrued over all `days_late`.
    pub delay_payment_to_date_minor: i64,
}

impl Wire for Occurrence {
    type Json<'a> = OccurrenceJson<'a>;

    fn json(&self) -> OccurrenceJson<'_> {
        OccurrenceJson {
            id: &self.id,
            name: &self.name,
            category: self.category.as_str(),
            owner: self.owner.as_deref(),
            origin: match self.origin {
                Origin::Config => "config",
                Origin::AdHoc => "ad_hoc",
            },
            occurrence: &self.occurrence,
            covers: self.covers.as_deref(),
            due: self.due,
            status: self.status.as_str(),
            delivered_on: self.delivered_on,
            evidence: self.evidence.as_deref(),
            accepted_by: self.accepted_by.as_deref(),
            accepted_on: self.accepted_on,
            rejections: self.rejections.iter().map(RejectionJson::from).collect(),
            days_late: self.days_late,
            delay_payment_per_day_minor: self.delay_payment_per_day_minor,
            delay_payment_to_date_minor: self.delay_payment_to_date_minor,
        }
    }
}

/// A delivery that was rejected.
#[derive(Debug, Serialize)]
pub struct RejectionJson<'a> {
    /// When it was rejected.
    pub on: NaiveDate,
    /// Who rejected it.
    pub by: &'a str,
    /// Why.
    pub reason: &'a str,
    /// The rejected delivery's date.
    pub delivered_on: NaiveDate,
    /// The rejected delivery's evidence.
    pub evidence: &'a str,
}

impl<'a> From<&'a Rejection> for RejectionJson<'a> {
    fn from(r: &'a Rejection) -> Self {
        RejectionJson {
            on: r.on,
            by: &r.by,
            reason: &r.reason,
            delivered_on: r.delivered_on,
            evidence: &r.evidence,
        }
    }
}

/// An occurrence in a month's report, with the delay payments that fall
/// in the month.
#[derive(Debug, Serialize)]
pub struct MonthOccurrenceJson<'a> {
    /// The occurrence (its fields inline).
    #[serde(flatten)]
    pub occurrence: OccurrenceJson<'a>,
    /// Days late that fall in the month.
    pub days_late_in_period: i64,
    /// The delay payment claimed in this month.
    pub delay_payment_minor: i64,
}

impl Wire for MonthOccurrence {
    type Json<'a> = MonthOccurrenceJson<'a>;

    fn json(&self) -> MonthOccurrenceJson<'_> {
        MonthOccurrenceJson {
            occurrence: self.occurrence.json(),
            days_late_in_period: self.days_late_in_period,
            delay_payment_minor: self.delay_payment_minor,
        }
    }
}

/// A contract's DR register as of a date.
#[derive(Debug, Serialize)]
pub struct DrAssessmentJson<'a> {
    /// The date assessed (contract timezone).
    pub as_of: NaiveDate,
    /// The worst system's score.
    pub score: u32,
    /// Its band: `low`, `medium`, `high` or `severe`.
    pub rating: &'static str,
    /// Each system in configuration order.
    pub systems: Vec<SystemJson<'a>>,
}

impl Wire for DrAssessment {
    type Json<'a> = DrAssessmentJson<'a>;

    fn json(&self) -> DrAssessmentJson<'_> {
        DrAssessmentJson {
            as_of: self.as_of,
            score: self.score,
            rating: self.rating.as_str(),
            systems: self.systems.iter().map(Wire::json).collect(),
        }
    }
}

/// One system assessed.
#[derive(Debug, Serialize)]
pub struct SystemJson<'a> {
    /// The system's id.
    pub id: &'a str,
    /// Its name.
    pub name: &'a str,
    /// How critical it is.
    pub criticality: &'static str,
    /// Who runs it.
    pub hosted_by: &'static str,
    /// The vendor's name, when given.
    pub vendor: Option<&'a str>,
    /// The agreed RTO, in seconds.
    pub rto_seconds: Option<i64>,
    /// The agreed RPO, in seconds.
    pub rpo_seconds: Option<i64>,
    /// The third-party DR evidence obtained, when any.
    pub third_party_evidence: Option<&'a str>,
    /// The last test counted.
    pub last_test: Option<DrTestJson<'a>>,
    /// The third-party assurance current on the date (vendor-run systems).
    pub assurance: Option<DrTestJson<'a>>,
    /// True when the system counts as recently tested only through that
    /// assurance, not a test the council saw.
    pub rests_on_third_party_assurance: bool,
    /// The flags raised.
    pub flags: Vec<RaisedJson<'a>>,
    /// Criticality weight × the flags' points.
    pub score: u32,
}

impl Wire for SystemAssessment {
    type Json<'a> = SystemJson<'a>;

    fn json(&self) -> SystemJson<'_> {
        SystemJson {
            id: &self.id,
            name: &self.name,
            criticality: self.criticality.as_str(),
            hosted_by: self.hosted_by.as_str(),
            vendor: self.vendor.as_deref(),
            rto_seconds: self.rto_seconds,
            rpo_seconds: self.rpo_seconds,
            third_party_evidence: self.third_party_evidence.as_deref(),
            last_test: self.last_test.as_ref().map(Wire::json),
            assurance: self.assurance.as_ref().map(Wire::json),
            rests_on_third_party_assurance: self.rests_on_assurance(),
            flags: self.flags.iter().map(RaisedJson::from).collect(),
            score: self.score,
        }
    }
}

/// One flag raised, with what raised it in words.
#[derive(Debug, Serialize)]
pub struct RaisedJson<'a> {
    /// Which flag.
    pub flag: &'static str,
    /// Why, in words.
    pub detail: &'a str,
}

impl<'a> From<&'a Raised> for RaisedJson<'a> {
    fn from(r: &'a Raised) -> Self {
        RaisedJson {
            flag: r.flag.as_str(),
            detail: &r.detail,
        }
    }
}

/// One DR test, or third-party assurance, recorded against a system.
#[derive(Debug, Serialize)]
pub struct DrTestJson<'a> {
    /// Its id in the store.
    pub id: i64,
    /// The system tested.
    pub system: &'a str,
    /// `test`, or the kind of assurance (`soc2`, `iso22301`,
    /// `vendor_test_report`, `other`).
    pub kind: &'static str,
    /// When the test took place; for an assurance, the end of the period it
    /// covers or the date it was issued.
    pub date: NaiveDate,
    /// The last day an assurance counts (null for a test).
    pub expires: Option<NaiveDate>,
    /// The recovery time achieved, in seconds.
    pub achieved_rto_seconds: Option<i64>,
    /// The recovery point achieved, in seconds.
    pub achieved_rpo_seconds: Option<i64>,
    /// A reference to the evidence.
    pub evidence: Option<&'a str>,
    /// Anything else worth saying.
    pub note: Option<&'a str>,
    /// Who recorded it.
    pub recorded_by: &'a str,
    /// When it was recorded.
    #[serde(with = "crate::report::json_time")]
    pub recorded_at: Instant,
    /// Its withdrawal, once withdrawn (absent until then).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<WithdrawalJson<'a>>,
}

impl Wire for DrTest {
    type Json<'a> = DrTestJson<'a>;

    fn json(&self) -> DrTestJson<'_> {
        DrTestJson {
            id: self.id,
            system: &self.system,
            kind: self.kind.as_str(),
            date: self.date,
            expires: self.expires,
            achieved_rto_seconds: self.achieved_rto_seconds,
            achieved_rpo_seconds: self.achieved_rpo_seconds,
            evidence: self.evidence.as_deref(),
            note: self.note.as_deref(),
            recorded_by: &self.recorded_by,
            recorded_at: self.recorded_at,
            withdrawn: self.withdrawn.as_ref().map(WithdrawalJson::from),
        }
    }
}

/// Who withdrew a DR test, when and why.
#[derive(Debug, Serialize)]
pub struct WithdrawalJson<'a> {
    /// Who withdrew it.
    pub by: &'a str,
    /// When.
    #[serde(with = "crate::report::json_time")]
    pub at: Instant,
    /// Why.
    pub reason: &'a str,
}

impl<'a> From<&'a Withdrawal> for WithdrawalJson<'a> {
    fn from(w: &'a Withdrawal) -> Self {
        WithdrawalJson {
            by: &w.by,
            at: w.at,
            reason: &w.reason,
        }
    }
}

/// One category's occurrences due in a period.
#[derive(Debug, Serialize)]
pub struct CategoryTallyJson<'a> {
    /// The category (a configured word).
    pub category: &'a str,
    /// Occurrences due in the period.
    pub committed: u32,
    /// Of those, delivered with evidence by the period's end.
    pub delivered: u32,
    /// Of those delivered, accepted by the period's end.
    pub accepted: u32,
    /// Of those delivered, delivered after the due date.
    pub late: u32,
    /// Not delivered by the period's end and past due then.
    pub overdue: u32,
    /// Due in the period with no evidence delivered by its end.
    pub unevidenced: u32,
}

impl Wire for CategoryTally {
    type Json<'a> = CategoryTallyJson<'a>;

    fn json(&self) -> CategoryTallyJson<'_> {
        CategoryTallyJson {
            category: self.category.as_str(),
            committed: self.committed,
            delivered: self.delivered,
            accepted: self.accepted,
            late: self.late,
            overdue: self.overdue,
            unevidenced: self.unevidenced(),
        }
    }
}
