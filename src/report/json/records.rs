//! The JSON of what people record: costs, excusals, disputes and the audit
//! trail, as the report quotes them and the API and the CLI list them.

use chrono::NaiveDate;
use serde::Serialize;

use super::Wire;
use crate::domain::{
    AuditEntry, Cost, Dispute, DisputeSubject, Excusal, ExcusalTarget, Instant, Removal, Revocation,
};

/// A recorded cost as listed: the report's cost figures with who recorded
/// it, when, and its removal.
#[derive(Debug, Serialize)]
pub struct CostJson<'a> {
    /// Its id.
    pub id: i64,
    /// When it was incurred.
    pub date: NaiveDate,
    /// The amount in minor units.
    pub amount_minor: i64,
    /// What was bought.
    pub description: &'a str,
    /// Where the proof is.
    pub evidence: &'a str,
    /// The id of the breach it arose from, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breach: Option<&'a str>,
    /// That breach's kind, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breach_kind: Option<&'static str>,
    /// That breach's month, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breach_period: Option<String>,
    /// Who recorded it, when kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<&'a str>,
    /// When it was recorded.
    #[serde(with = "crate::report::json_time")]
    pub recorded_at: Instant,
    /// Its removal, once removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed: Option<RemovalJson<'a>>,
    /// Its latest dispute, if it was ever disputed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispute: Option<DisputeJson<'a>>,
}

impl Wire for Cost {
    type Json<'a> = CostJson<'a>;

    fn json(&self) -> CostJson<'_> {
        CostJson {
            id: self.id,
            date: self.date,
            amount_minor: self.amount_minor,
            description: &self.description,
            evidence: &self.evidence,
            breach: self.breach.as_ref().map(|b| b.id()),
            breach_kind: self.breach.as_ref().and_then(|b| b.kind()),
            breach_period: self
                .breach
                .as_ref()
                .and_then(|b| b.period())
                .map(|p| p.to_string()),
            recorded_by: self.recorded_by.as_deref(),
            recorded_at: self.recorded_at,
            removed: self.removed.as_ref().map(RemovalJson::from),
            dispute: self.dispute.as_ref().map(Wire::json),
        }
    }
}

/// Who removed a cost, when and why.
#[derive(Debug, Serialize)]
pub struct RemovalJson<'a> {
    /// Who removed it.
    pub by: &'a str,
    /// When.
    #[serde(with = "crate::report::json_time")]
    pub at: Instant,
    /// Why, when kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
}

impl<'a> From<&'a Removal> for RemovalJson<'a> {
    fn from(r: &'a Removal) -> Self {
        RemovalJson {
            by: &r.by,
            at: r.at,
            reason: r.reason.as_deref(),
        }
    }
}

/// What a dispute contests, tagged with its `kind`.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DisputeSubjectJson<'a> {
    /// A service level's month.
    ServiceLevel {
        /// The service level's id.
        service_level: &'a str,
        /// The month, `YYYY-MM`.
        period: String,
    },
    /// One incident.
    Incident {
        /// The supplier's ticket number.
        incident: &'a str,
    },
    /// A recoverable cost.
    Cost {
        /// The cost's id.
        cost: i64,
    },
    /// One outage.
    Outage {
        /// The outage's id.
        outage: &'a str,
    },
    /// The delay payments of one occurrence of a commitment.
    DelayPayment {
        /// The commitment's id.
        commitment: &'a str,
        /// The occurrence: its due date or the month it covers.
        occurrence: &'a str,
    },
}

impl<'a> From<&'a DisputeSubject> for DisputeSubjectJson<'a> {
    fn from(s: &'a DisputeSubject) -> Self {
        match s {
            DisputeSubject::ServiceLevel {
                service_level,
                period,
            } => DisputeSubjectJson::ServiceLevel {
                service_level,
                period: period.to_string(),
            },
            DisputeSubject::Incident { incident } => DisputeSubjectJson::Incident { incident },
            DisputeSubject::Cost { cost } => DisputeSubjectJson::Cost { cost: *cost },
            DisputeSubject::Outage { outage } => DisputeSubjectJson::Outage { outage },
            DisputeSubject::DelayPayment {
                commitment,
                occurrence,
            } => DisputeSubjectJson::DelayPayment {
                commitment,
                occurrence,
            },
        }
    }
}

/// A dispute and, once decided, its outcome.
#[derive(Debug, Serialize)]
pub struct DisputeJson<'a> {
    /// Its id.
    pub id: i64,
    /// What is disputed (`kind` and its fields, inline).
    #[serde(flatten)]
    pub subject: DisputeSubjectJson<'a>,
    /// `disputed`, `upheld` or `withdrawn`.
    pub status: &'static str,
    /// The supplier's grounds.
    pub note: &'a str,
    /// Who recorded the dispute.
    pub opened_by: &'a str,
    /// When.
    #[serde(with = "crate::report::json_time")]
    pub opened_at: Instant,
    /// Who decided it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_by: Option<&'a str>,
    /// When.
    #[serde(
        with = "crate::report::json_time::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub resolved_at: Option<Instant>,
    /// Why it was decided that way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution_note: Option<&'a str>,
}

impl Wire for Dispute {
    type Json<'a> = DisputeJson<'a>;

    fn json(&self) -> DisputeJson<'_> {
        DisputeJson {
            id: self.id,
            subject: DisputeSubjectJson::from(&self.subject),
            status: self.status.as_str(),
            note: &self.note,
            opened_by: &self.opened_by,
            opened_at: self.opened_at,
            resolved_by: self.resolved_by.as_deref(),
            resolved_at: self.resolved_at,
            resolution_note: self.resolution_note.as_deref(),
        }
    }
}

/// What an excusal covers, tagged with its `kind`.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExcusalTargetJson<'a> {
    /// An incident.
    Incident {
        /// The supplier's ticket number.
        incident: &'a str,
    },
    /// An outage.
    Outage {
        /// The outage's id.
        outage: &'a str,
    },
    /// A service level's month.
    ServiceLevel {
        /// The service level's id.
        service_level: &'a str,
        /// The month, `YYYY-MM`.
        period: String,
    },
}

impl<'a> From<&'a ExcusalTarget> for ExcusalTargetJson<'a> {
    fn from(t: &'a ExcusalTarget) -> Self {
        match t {
            ExcusalTarget::Incident { incident } => ExcusalTargetJson::Incident { incident },
            ExcusalTarget::Outage { outage } => ExcusalTargetJson::Outage { outage },
            ExcusalTarget::ServiceLevel {
                service_level,
                period,
            } => ExcusalTargetJson::ServiceLevel {
                service_level,
                period: period.to_string(),
            },
        }
    }
}

/// A recorded excusal, in force or revoked.
#[derive(Debug, Serialize)]
pub struct ExcusalJson<'a> {
    /// Its id.
    pub id: i64,
    /// What it covers (`kind` and its fields, inline).
    #[serde(flatten)]
    pub target: ExcusalTargetJson<'a>,
    /// Why.
    pub reason: &'a str,
    /// Who excused it.
    pub by: &'a str,
    /// When it was recorded.
    #[serde(with = "crate::report::json_time")]
    pub at: Instant,
    /// For an outage excused in part, where the excused part starts (absent
    /// when the whole of what it covers is excused).
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::report::json_time::option"
    )]
    pub from: Option<Instant>,
    /// …and where it ends (exclusive).
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::report::json_time::option"
    )]
    pub until: Option<Instant>,
    /// Its revocation, once revoked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked: Option<RevocationJson<'a>>,
}

impl Wire for Excusal {
    type Json<'a> = ExcusalJson<'a>;

    fn json(&self) -> ExcusalJson<'_> {
        ExcusalJson {
            id: self.id,
            target: ExcusalTargetJson::from(&self.target),
            reason: &self.reason,
            by: &self.by,
            at: self.at,
            from: self.during.map(|p| p.from()),
            until: self.during.map(|p| p.until()),
            revoked: self.revoked.as_ref().map(RevocationJson::from),
        }
    }
}

/// Who took an excusal back, when and why.
#[derive(Debug, Serialize)]
pub struct RevocationJson<'a> {
    /// Who revoked it.
    pub by: &'a str,
    /// When.
    #[serde(with = "crate::report::json_time")]
    pub at: Instant,
    /// Why.
    pub reason: &'a str,
}

impl<'a> From<&'a Revocation> for RevocationJson<'a> {
    fn from(r: &'a Revocation) -> Self {
        RevocationJson {
            by: &r.by,
            at: r.at,
            reason: &r.reason,
        }
    }
}

/// An excused service-level month as its line shows it: why, who, when.
#[derive(Debug, Serialize)]
pub struct LevelExcusalJson<'a> {
    /// The excusal's id.
    pub id: i64,
    /// Why.
    pub reason: &'a str,
    /// Who excused it.
    pub by: &'a str,
    /// When.
    #[serde(with = "crate::report::json_time")]
    pub at: Instant,
}

impl<'a> From<&'a Excusal> for LevelExcusalJson<'a> {
    fn from(e: &'a Excusal) -> Self {
        LevelExcusalJson {
            id: e.id,
            reason: &e.reason,
            by: &e.by,
            at: e.at,
        }
    }
}

/// One change in the audit trail.
#[derive(Debug, Serialize)]
pub struct AuditJson<'a> {
    /// Its place in the trail.
    pub id: i64,
    /// When.
    #[serde(with = "crate::report::json_time")]
    pub at: Instant,
    /// Who.
    pub by: &'a str,
    /// What was done (`cost.add`, `dispute.open` …).
    pub action: &'a str,
    /// What it is about: `cost`, `incident`, `outage` or `service_level`.
    pub kind: &'a str,
    /// The cost, incident, outage or service level id.
    pub subject: &'a str,
    /// The month it bears on, when fixed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// What changed, in words.
    pub detail: &'a str,
    /// Why, as given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
}

impl Wire for AuditEntry {
    type Json<'a> = AuditJson<'a>;

    fn json(&self) -> AuditJson<'_> {
        AuditJson {
            id: self.id,
            at: self.at,
            by: &self.by,
            action: &self.action,
            kind: &self.kind,
            subject: &self.subject,
            period: self.period.map(|p| p.to_string()),
            detail: &self.detail,
            reason: self.reason.as_deref(),
        }
    }
}
