//! The report's stable JSON (SPEC §6).

use serde::Serialize;
use serde_json::Value;

use super::MonthReport;
use crate::domain::time::format_utc;
use crate::domain::{AuditEntry, Dispute, Excusal, Instant};
use crate::engine::commitments::MonthOccurrence;
use crate::engine::completeness::FeedGaps;
use crate::engine::dr::DrAssessment;
use crate::engine::incidents::{Breach, Excused};
use crate::engine::reconcile::Comparison;
use crate::engine::rulings::ExcusedOutage;
use crate::engine::verdicts::Disagreement;
use crate::engine::{Figures, LevelResult, Status};

/// The whole report document.
#[derive(Debug, Serialize)]
pub struct ReportJson<'a> {
    contract: &'a str,
    supplier: &'a str,
    period: String,
    evaluated_at: String,
    currency: &'a str,
    monthly_charge_minor: i64,
    service_levels: Vec<LevelJson<'a>>,
    service_credits: CreditsJson,
    recoverable_costs: Vec<CostJson<'a>>,
    recoverable_costs_minor: i64,
    recoverable_costs_disputed_minor: i64,
    total_claim_minor: i64,
    total_claim_undisputed_minor: i64,
    delay_payments_minor: i64,
    total_claim_with_delay_payments_minor: i64,
    commitments: &'a [MonthOccurrence],
    excused: &'a [Excused],
    excused_outages: &'a [ExcusedOutage],
    disputes: &'a [Dispute],
    audit: &'a [AuditEntry],
    data_quality: DataQualityJson<'a>,
    /// The DR register; `null` when the contract lists no DR systems.
    disaster_recovery: Option<&'a DrAssessment>,
    trends: &'a super::trends::Trends,
    /// Present only when figures changed since the month's report was issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    amendment: Option<&'a super::amendment::Amendment>,
}

/// Where the evidence and the supplier's own figures disagree.
#[derive(Debug, Serialize)]
struct DataQualityJson<'a> {
    reconciliation_tolerance_points: f64,
    discrepancies: &'a [Comparison],
    /// Incidents the supplier's own SLA records judge otherwise.
    supplier_verdicts: &'a [Disagreement],
    feed_completeness: &'a FeedGaps,
}

/// One service-level line. Kind-specific figures are present only for their kind.
#[derive(Debug, Serialize)]
pub struct LevelJson<'a> {
    id: &'a str,
    name: &'a str,
    kind: &'static str,
    calendar: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assessed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    met: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    downtime_seconds: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proactive: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reactive: Option<u64>,
    attainment_percent: Option<f64>,
    target_percent: f64,
    status: Status,
    critical: bool,
    credit_percent: f64,
    credit_minor: i64,
    credit_disputed_minor: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    excused: Option<ExcusedJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dispute: Option<&'a Dispute>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier_reported_percent: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    breaches: Option<&'a [Breach]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outages: Option<&'a [String]>,
}

/// An excused service level month: why, who, when.
#[derive(Debug, Serialize)]
struct ExcusedJson<'a> {
    id: i64,
    reason: &'a str,
    by: &'a str,
    #[serde(with = "crate::report::json_time")]
    at: Instant,
}

impl<'a> From<&'a Excusal> for ExcusedJson<'a> {
    fn from(e: &'a Excusal) -> Self {
        ExcusedJson {
            id: e.id,
            reason: &e.reason,
            by: &e.by,
            at: e.at,
        }
    }
}

#[derive(Debug, Serialize)]
struct CreditsJson {
    before_cap_minor: i64,
    cap_minor: i64,
    total_minor: i64,
    disputed_minor: i64,
}

#[derive(Debug, Serialize)]
struct CostJson<'a> {
    id: i64,
    date: String,
    amount_minor: i64,
    description: &'a str,
    evidence: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    breach: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    breach_kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    breach_period: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dispute: Option<&'a Dispute>,
}

/// Builds the JSON document for a report.
pub fn to_json<'a>(r: &'a MonthReport<'a>) -> ReportJson<'a> {
    let c = r.contract;
    let e = &r.evaluation;
    ReportJson {
        contract: &c.id,
        supplier: &c.supplier,
        period: e.period.to_string(),
        evaluated_at: format_utc(e.evaluated_at),
        currency: c.currency.code(),
        monthly_charge_minor: c.monthly_charge.minor,
        service_levels: e.levels.iter().map(level_json).collect(),
        service_credits: CreditsJson {
            before_cap_minor: e.credits.before_cap_minor,
            cap_minor: e.credits.cap_minor,
            total_minor: e.credits.total_minor,
            disputed_minor: r.service_credits_disputed_minor(),
        },
        recoverable_costs: r
            .recoverable_costs
            .iter()
            .map(|k| CostJson {
                id: k.id,
                date: k.date.to_string(),
                amount_minor: k.amount_minor,
                description: &k.description,
                evidence: &k.evidence,
                breach: k.breach.as_ref().map(|b| b.id()),
                breach_kind: k.breach.as_ref().and_then(|b| b.kind()),
                breach_period: k
                    .breach
                    .as_ref()
                    .and_then(|b| b.period())
                    .map(|p| p.to_string()),
                dispute: k.dispute.as_ref(),
            })
            .collect(),
        recoverable_costs_minor: r.recoverable_costs_minor(),
        recoverable_costs_disputed_minor: r.recoverable_costs_disputed_minor(),
        total_claim_minor: r.total_claim_minor(),
        total_claim_undisputed_minor: r.total_claim_undisputed_minor(),
        delay_payments_minor: r.delay_payments_minor(),
        total_claim_with_delay_payments_minor: r.total_claim_with_delay_payments_minor(),
        commitments: &r.commitments,
        excused: &e.excused,
        excused_outages: &e.excused_outages,
        disputes: &r.disputes,
        audit: &r.audit,
        data_quality: DataQualityJson {
            reconciliation_tolerance_points: r.tolerance_points.as_f64(),
            discrepancies: &r.discrepancies,
            supplier_verdicts: &r.verdict_disagreements,
            feed_completeness: &r.feed_gaps,
        },
        disaster_recovery: r.disaster_recovery.as_ref(),
        trends: &r.trends,
        amendment: r.amendment.as_ref(),
    }
}

/// Renders the report as pretty JSON text.
pub fn render(r: &MonthReport<'_>) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&to_json(r))
}

fn level_json(l: &LevelResult) -> LevelJson<'_> {
    let mut j = LevelJson {
        id: &l.id,
        name: &l.name,
        kind: l.kind.as_str(),
        calendar: &l.calendar,
        service: l.service.as_deref(),
        assessed: None,
        met: None,
        target_seconds: None,
        service_seconds: None,
        downtime_seconds: None,
        proactive: None,
        reactive: None,
        attainment_percent: l.attainment.map(|a| a.rounded3()),
        target_percent: l.target_percent.as_f64(),
        status: l.status,
        critical: l.critical,
        credit_percent: l.tier.map_or(0.0, |t| t.percent.as_f64()),
        credit_minor: l.credit_minor,
        credit_disputed_minor: l.credit_disputed_minor,
        excused: l.excused.as_ref().map(ExcusedJson::from),
        dispute: l.dispute.as_ref(),
        supplier_reported_percent: l.supplier_reported.map(|p| p.as_f64()),
        breaches: None,
        outages: None,
    };
    match &l.figures {
        Figures::Incidents(f) => {
            j.assessed = Some(f.assessed);
            j.met = Some(f.met);
            j.target_seconds = l.target_seconds;
            j.breaches = Some(&f.breaches);
        }
        Figures::Availability(f) => {
            j.service_seconds = Some(f.service_seconds);
            j.downtime_seconds = Some(seconds_value(f.downtime_millionths));
            j.outages = Some(&f.outages);
        }
        Figures::Proactive {
            proactive,
            reactive,
        } => {
            j.proactive = Some(*proactive);
            j.reactive = Some(*reactive);
        }
    }
    j
}

/// Whole seconds as a JSON integer, otherwise a decimal (a partial weight can
/// split a second).
fn seconds_value(millionths: i128) -> Value {
    let scale = crate::domain::percent::WEIGHT_SCALE as i128;
    if millionths % scale == 0 {
        Value::from((millionths / scale) as i64)
    } else {
        Value::from(millionths as f64 / scale as f64)
    }
}
