//! The report's stable JSON (see docs/book/src/integrators/report-json.md and
//! docs/book/src/reference/decisions.md), and the JSON of every record and register the
//! API and the CLI
//! answer with.
//!
//! The JSON is owned here: each domain or engine value is copied into a wire
//! type of this module before it is serialised, so renaming a field in the
//! engine cannot change the published JSON (it fails to compile here
//! instead). The PDF and XLSX renderers read the same wire types.
//!
//! - [`assurance`]: the month's assurance rating, its reasons and trend.
//! - [`records`]: costs, excusals, disputes, the audit trail.
//! - [`findings`]: breaches, excused incidents and outages, data quality, trends.
//! - [`registers`]: commitment occurrences, the DR register and its tests.
//! - [`rewrites`]: records changed after the fact.
//! - [`clock_stops`]: how the supplier stopped its clocks.
//! - [`escalation`]: the escalation rules the month triggered.
//! - [`recovery`]: credit notes, gates on costs, recovery to date.
//! - [`evidence_files`]: the files behind costs, excusals, disputes, deliveries and DR tests.

pub mod appendix;
pub mod assurance;
pub mod clock_stops;
pub mod escalation;
pub mod evidence_files;
pub mod findings;
pub mod history;
pub mod records;
pub mod recovery;
pub mod registers;
pub mod rewrites;
pub mod terms;

use serde::Serialize;

use self::clock_stops::ClockStopsJson;
use self::findings::{
    BreachJson, ComparisonJson, DisagreementJson, ExcusedJson, ExcusedOutageJson, FeedGapsJson,
    TrendsJson,
};
use self::records::{AuditJson, DisputeJson, LevelExcusalJson};
use self::recovery::{CostsRecoverableJson, RecoveryJson};
use self::registers::{DrAssessmentJson, MonthOccurrenceJson};
use self::rewrites::RewritesJson;
use super::MonthReport;
use super::amendment::Amendment;
use crate::domain::time::format_utc;
use crate::engine::gates::Recoverability;
use crate::engine::standing::LineStanding;
use crate::engine::{Figures, LevelResult, Status};

/// A domain or engine value's JSON form, a wire type of this module.
pub trait Wire {
    /// The wire type, borrowing from the value.
    type Json<'a>: Serialize
    where
        Self: 'a;

    /// The value as its wire type.
    fn json(&self) -> Self::Json<'_>;
}

/// Every item of `items` as its wire type, in order.
pub fn all<T: Wire>(items: &[T]) -> Vec<T::Json<'_>> {
    items.iter().map(Wire::json).collect()
}

/// The version of the report's JSON, `MAJOR.MINOR`, written into every
/// report and pinned by the published schema (`docs/schema/report.schema.json`).
/// A new field or a new value of an enumeration raises MINOR; a field
/// removed or renamed, or a type or meaning changed, raises MAJOR (see
/// docs/book/src/integrators/report-json.md).
pub const SCHEMA_VERSION: &str = "1.0";

/// The whole report document.
#[derive(Debug, Serialize)]
pub struct ReportJson<'a> {
    /// [`SCHEMA_VERSION`]: which published schema the document follows.
    pub schema_version: &'static str,
    /// The contract's id.
    pub contract: &'a str,
    /// The document's control data: status, version, the contract's
    /// particulars.
    pub control: appendix::ControlJson<'a>,
    /// The supplier's name.
    pub supplier: &'a str,
    /// The month, `YYYY-MM`.
    pub period: String,
    /// The evaluation instant (RFC 3339, UTC).
    pub evaluated_at: String,
    /// The currency's code.
    pub currency: &'a str,
    /// The monthly charge in minor units.
    pub monthly_charge_minor: i64,
    /// One line per service level (per service for availability).
    pub service_levels: Vec<LevelJson<'a>>,
    /// Why the month has no monthly charge, when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charge_note: Option<String>,
    /// The service credits, capped.
    pub service_credits: CreditsJson,
    /// The month's service points, when a line uses that scheme.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_points: Option<u32>,
    /// Where the month stands against the annual cap, when the contract has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annual_cap: Option<terms::AnnualCapJson>,
    /// Each credit worked out in words, when the contract uses more than
    /// credit tiers on one undated charge.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub credit_workings: Vec<String>,
    /// The month's claimed recoverable costs.
    pub recoverable_costs: Vec<ReportCostJson<'a>>,
    /// Their sum.
    pub recoverable_costs_minor: i64,
    /// The part of it in open dispute.
    pub recoverable_costs_disputed_minor: i64,
    /// Service credits after the cap plus recoverable costs.
    pub total_claim_minor: i64,
    /// While the month runs: the service credits if it ended as it stands
    /// now (after the caps); absent for a closed month.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forecast_credit_minor: Option<i64>,
    /// What the supplier owes whatever the open disputes decide.
    pub total_claim_undisputed_minor: i64,
    /// Delay payments for late commitments claimed in the month (those
    /// withdrawn after an accepted dispute left out).
    pub delay_payments_minor: i64,
    /// The part of it in open dispute (absent when none is, so reports
    /// without such a dispute read as before).
    #[serde(skip_serializing_if = "is_zero")]
    pub delay_payments_disputed_minor: i64,
    /// The total claim with the delay payments added.
    pub total_claim_with_delay_payments_minor: i64,
    /// Commitment occurrences due in the month or still outstanding.
    pub commitments: Vec<MonthOccurrenceJson<'a>>,
    /// The month's commitments per category (absent when none fell due, so
    /// reports without commitments read as before).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub commitment_categories: Vec<registers::CategoryTallyJson<'a>>,
    /// Excused incidents.
    pub excused: Vec<ExcusedJson<'a>>,
    /// Excused outages.
    pub excused_outages: Vec<ExcusedOutageJson<'a>>,
    /// Every dispute bearing on the month.
    pub disputes: Vec<DisputeJson<'a>>,
    /// The audit entries bearing on the month.
    pub audit: Vec<AuditJson<'a>>,
    /// The evidence files of the month's records (name, size, SHA-256, who
    /// added them when), never their bytes; absent when there are none, so
    /// reports without files read as before.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence_files: Vec<evidence_files::EvidenceFileJson<'a>>,
    /// Where the evidence and the supplier's own figures disagree.
    pub data_quality: DataQualityJson<'a>,
    /// The DR register; `null` when the contract lists no DR systems.
    pub disaster_recovery: Option<DrAssessmentJson<'a>>,
    /// Each line's attainment over the last twelve months.
    pub trends: TrendsJson<'a>,
    /// Evidence bearing on the month that was changed after the fact.
    pub records_changed_after_the_fact: RewritesJson<'a>,
    /// How the supplier stopped its clocks (absent from a report assembled
    /// without the month's incidents).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock_stops: Option<ClockStopsJson<'a>>,
    /// Present only when figures changed since the month's report was issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amendment: Option<&'a Amendment>,
    /// Under a sole-remedy clause only: the gates open and the costs left
    /// outside the claim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub costs_recoverable: Option<CostsRecoverableJson>,
    /// Recovery to date, once a credit note or refusal is recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery: Option<RecoveryJson<'a>>,
    /// The escalation rules the month triggered; present only when the
    /// contract has an escalation ladder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalations: Option<Vec<escalation::EscalationJson<'a>>>,
    /// The month's assurance rating, its reasons and its trend; present
    /// only in the whole report of a closed month.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assurance: Option<assurance::AssuranceJson<'a>>,
    /// Who approved the issue and when; present only on a report issued
    /// after a manager's approval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalJson<'a>>,
    /// Under `issue_when = "feeds_complete"` only: `feeds_complete` when
    /// every feed had delivered the month, `deadline` when the deadline
    /// passed first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_gate: Option<&'static str>,
    /// The same in words, for the HTML and PDF control line.
    #[serde(skip)]
    pub issue_gate_words: Option<&'static str>,
    /// The evidence behind each line, row by row; absent from a report
    /// assembled without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appendix: Option<appendix::AppendixJson<'a>>,
}

/// A manager's approval of the issue.
#[derive(Debug, Serialize)]
pub struct ApprovalJson<'a> {
    /// Who approved it.
    pub approved_by: &'a str,
    /// When (RFC 3339, UTC).
    pub approved_at: String,
}

/// Where the evidence and the supplier's own figures disagree.
#[derive(Debug, Serialize)]
pub struct DataQualityJson<'a> {
    /// How far the supplier's figures may be from slawatch's.
    pub reconciliation_tolerance_points: f64,
    /// The supplier's figures further than that.
    pub discrepancies: Vec<ComparisonJson<'a>>,
    /// Incidents the supplier's own SLA records judge otherwise.
    pub supplier_verdicts: Vec<DisagreementJson<'a>>,
    /// What the feeds are missing for the month.
    pub feed_completeness: FeedGapsJson<'a>,
    /// Clocks not judged because their source could not read what decides
    /// them (they would breach on what is known); present only when any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_clocks: Vec<UnknownClockJson<'a>>,
    /// Per alerting source, the outages whose end was inferred (the alert
    /// stopped being sent without a resolved notification) rather than
    /// seen; present only when any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inferred_outage_ends: Vec<InferredEndsJson<'a>>,
}

/// One source's outages whose end was inferred.
#[derive(Debug, Serialize)]
pub struct InferredEndsJson<'a> {
    /// The alerting source.
    pub source: &'a str,
    /// How many.
    pub count: usize,
    /// Their ids.
    pub outages: Vec<&'a str>,
}

/// `ends` grouped by source (they come ordered by source).
fn inferred_by_source(ends: &[crate::store::sightings::InferredEnd]) -> Vec<InferredEndsJson<'_>> {
    let mut out: Vec<InferredEndsJson<'_>> = Vec::new();
    for end in ends {
        match out.last_mut() {
            Some(last) if last.source == end.source => last.outages.push(&end.outage),
            _ => out.push(InferredEndsJson {
                source: &end.source,
                count: 0,
                outages: vec![&end.outage],
            }),
        }
    }
    for group in &mut out {
        group.count = group.outages.len();
    }
    out
}

/// One clock not judged: its response instant or holds are not known.
#[derive(Debug, Serialize)]
pub struct UnknownClockJson<'a> {
    /// The service level's id.
    pub service_level: &'a str,
    /// The supplier's ticket number.
    pub incident: &'a str,
    /// What is not known: `response` or `holds`.
    pub missing: &'static str,
    /// Why, as the source recorded it.
    pub reason: &'a str,
}

/// Every level's unknown clocks, level by level.
fn unknown_clocks(e: &crate::engine::MonthEvaluation) -> Vec<UnknownClockJson<'_>> {
    e.levels
        .iter()
        .flat_map(|l| {
            let unknown = match &l.figures {
                Figures::Incidents(f) => f.unknown.as_slice(),
                _ => &[],
            };
            unknown.iter().map(move |u| UnknownClockJson {
                service_level: &l.id,
                incident: &u.incident,
                missing: u.missing,
                reason: &u.reason,
            })
        })
        .collect()
}

/// One service-level line. Kind-specific figures are present only for their kind.
#[derive(Debug, Serialize)]
pub struct LevelJson<'a> {
    /// The service level's id.
    pub id: &'a str,
    /// Its name.
    pub name: &'a str,
    /// The level's kind.
    pub kind: &'static str,
    /// The service calendar it is measured over.
    pub calendar: &'a str,
    /// The service, for a per-service line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<&'a str>,
    /// Incidents assessed (incident levels).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessed: Option<u64>,
    /// Of those, how many met the target (incident levels).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub met: Option<u64>,
    /// The target in business seconds (incident levels).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_seconds: Option<i64>,
    /// The service seconds in the month (availability).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_seconds: Option<i64>,
    /// The weighted downtime (availability).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downtime_seconds: Option<Seconds>,
    /// Proactive work items (proactive levels).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proactive: Option<u64>,
    /// Reactive work items (proactive levels).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reactive: Option<u64>,
    /// Attainment to three decimals; `null` with nothing to measure.
    pub attainment_percent: Option<f64>,
    /// The target (percent).
    pub target_percent: f64,
    /// `met`, `failed` or `no_data`; while the month runs, `failing` instead
    /// of `failed` (only a closed month has failed).
    pub status: &'static str,
    /// A critical service level failure; while the month runs, one in
    /// waiting: certain to fail with its best possible attainment under
    /// `critical_below`.
    pub critical: bool,
    /// While the month runs: `met`, `failing` (so far), `at_risk`,
    /// `certain_to_fail` or `no_data`; absent for a closed month.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standing: Option<&'static str>,
    /// While the month runs, incident levels: how many more incidents, all
    /// met, bring it to target; `null` when it cannot recover.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needed_to_recover: Option<Option<u64>>,
    /// While the month runs, incident levels: the mean number assessed in
    /// the last three closed months (three decimals); `null` before any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typical_volume: Option<Option<f64>>,
    /// The credit tier's percentage (0 with no credit).
    pub credit_percent: f64,
    /// The credit scheme, when not `tiers`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_scheme: Option<&'static str>,
    /// The service points scored (`service_points`), after any multiplier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<u32>,
    /// The multiplier applied because the line also failed the month before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_multiplier: Option<u32>,
    /// The breaches credited (`per_breach`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breaches_credited: Option<u64>,
    /// Present (true) when the low-volume rule decided the verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low_volume: Option<bool>,
    /// The credit in minor units.
    pub credit_minor: i64,
    /// The part of the credit in open dispute.
    pub credit_disputed_minor: i64,
    /// The month's excusal, when excused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excused: Option<LevelExcusalJson<'a>>,
    /// The month's dispute, when disputed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispute: Option<DisputeJson<'a>>,
    /// The supplier's own figure, when reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier_reported_percent: Option<f64>,
    /// The incidents that missed the target (incident levels).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breaches: Option<Vec<BreachJson<'a>>>,
    /// The outages counted (availability).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outages: Option<&'a [String]>,
}

/// Seconds written as a JSON integer when whole, otherwise as a decimal (a
/// partial weight can split a second).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Seconds {
    /// Whole seconds.
    Whole(i64),
    /// A fraction of a second included.
    Part(f64),
}

impl Seconds {
    /// From millionths of a second.
    fn from_millionths(millionths: i128) -> Seconds {
        let scale = crate::domain::percent::WEIGHT_SCALE as i128;
        if millionths % scale == 0 {
            Seconds::Whole((millionths / scale) as i64)
        } else {
            Seconds::Part(millionths as f64 / scale as f64)
        }
    }

    /// The seconds as a float.
    pub fn as_f64(self) -> f64 {
        match self {
            Seconds::Whole(s) => s as f64,
            Seconds::Part(s) => s,
        }
    }
}

/// The month's service credits.
#[derive(Debug, Serialize)]
pub struct CreditsJson {
    /// Before the cap.
    pub before_cap_minor: i64,
    /// The cap.
    pub cap_minor: i64,
    /// After the cap.
    pub total_minor: i64,
    /// The part after the cap in open dispute.
    pub disputed_minor: i64,
}

/// A recoverable cost as the report claims it.
#[derive(Debug, Serialize)]
pub struct ReportCostJson<'a> {
    /// Its id.
    pub id: i64,
    /// When it was incurred, `YYYY-MM-DD`.
    pub date: String,
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
    /// Its latest dispute, if it was ever disputed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispute: Option<DisputeJson<'a>>,
    /// Under a sole-remedy clause only: whether it counts in the total claim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recoverable: Option<bool>,
    /// The gate that makes it recoverable (absent when none is open).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<&'static str>,
}

/// Builds the JSON document for a report.
pub fn to_json<'a>(r: &'a MonthReport<'a>) -> ReportJson<'a> {
    let c = r.contract;
    let e = &r.evaluation;
    ReportJson {
        schema_version: SCHEMA_VERSION,
        contract: &c.id,
        control: appendix::ControlJson::new(r),
        supplier: &c.supplier,
        period: e.period.to_string(),
        evaluated_at: format_utc(e.evaluated_at),
        currency: c.currency.code(),
        monthly_charge_minor: e.charge_minor.unwrap_or(0),
        service_levels: e
            .levels
            .iter()
            .map(|l| level_json(l, r.line_standing(&l.id, l.service.as_deref())))
            .collect(),
        charge_note: terms::charge_note(r),
        service_credits: CreditsJson {
            before_cap_minor: e.credits.before_cap_minor,
            cap_minor: e.credits.cap_minor,
            total_minor: e.credits.total_minor,
            disputed_minor: r.service_credits_disputed_minor(),
        },
        service_points: e.points,
        annual_cap: e.annual.as_ref().map(|a| terms::AnnualCapJson::new(a, e)),
        credit_workings: terms::workings(r),
        recoverable_costs: r
            .recoverable_costs
            .iter()
            .map(|k| ReportCostJson {
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
                dispute: k.dispute.as_ref().map(Wire::json),
                recoverable: match r.cost_recoverability(k) {
                    Recoverability::Always => None,
                    other => Some(other.counts()),
                },
                gate: match r.cost_recoverability(k) {
                    Recoverability::Open(g) => Some(g.as_str()),
                    _ => None,
                },
            })
            .collect(),
        recoverable_costs_minor: r.recoverable_costs_minor(),
        recoverable_costs_disputed_minor: r.recoverable_costs_disputed_minor(),
        total_claim_minor: r.total_claim_minor(),
        forecast_credit_minor: r.standing.as_ref().map(|s| s.forecast_credit_minor),
        total_claim_undisputed_minor: r.total_claim_undisputed_minor(),
        delay_payments_minor: r.delay_payments_minor(),
        delay_payments_disputed_minor: r.delay_payments_disputed_minor(),
        total_claim_with_delay_payments_minor: r.total_claim_with_delay_payments_minor(),
        commitments: all(&r.commitments),
        commitment_categories: all(&r.commitment_categories),
        excused: all(&e.excused),
        excused_outages: all(&e.excused_outages),
        disputes: all(&r.disputes),
        audit: all(&r.audit),
        evidence_files: all(&r.evidence_files),
        data_quality: DataQualityJson {
            reconciliation_tolerance_points: r.tolerance_points.as_f64(),
            discrepancies: all(&r.discrepancies),
            supplier_verdicts: all(&r.verdict_disagreements),
            feed_completeness: r.feed_gaps.json(),
            unknown_clocks: unknown_clocks(e),
            inferred_outage_ends: inferred_by_source(&r.inferred_ends),
        },
        disaster_recovery: r.disaster_recovery.as_ref().map(Wire::json),
        trends: r.trends.json(),
        records_changed_after_the_fact: RewritesJson {
            records: all(&r.rewrites),
            credit_moved: all(&r.rewrite_credits),
        },
        clock_stops: r.clock_stops.as_ref().map(Wire::json),
        amendment: r.amendment.as_ref(),
        costs_recoverable: recovery::costs_recoverable(r),
        recovery: r.recovery.as_ref().map(Wire::json),
        escalations: r.escalations.as_deref().map(all),
        assurance: r.assurance.as_ref().map(Wire::json),
        approval: r.approval.as_ref().map(|a| ApprovalJson {
            approved_by: &a.by,
            approved_at: format_utc(a.at),
        }),
        issue_gate: r.feed_gate.map(super::FeedGate::as_str),
        issue_gate_words: r.feed_gate.map(super::FeedGate::words),
        appendix: r
            .appendix
            .as_ref()
            .map(|a| appendix::AppendixJson::new(a, &r.inferred_ends)),
    }
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// A figure as the JSON writes it (`99.9`, `5.0`), for renderers that show
/// targets, tiers and differences exactly as the report's JSON does.
pub fn number_text(x: f64) -> String {
    serde_json::Number::from_f64(x).map_or_else(|| "null".to_string(), |n| n.to_string())
}

/// Renders the report as pretty JSON text.
pub fn render(r: &MonthReport<'_>) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&to_json(r))
}

fn level_json<'a>(l: &'a LevelResult, standing: Option<&LineStanding>) -> LevelJson<'a> {
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
        status: l.status.as_str(),
        critical: l.critical,
        // A tier's percent as configured; another scheme's to three decimals.
        credit_percent: l.tier.map_or_else(
            || l.credit_percent.map_or(0.0, |p| p.rounded3()),
            |t| t.percent.as_f64(),
        ),
        credit_scheme: (l.scheme != "tiers").then_some(l.scheme),
        points: l.points,
        repeat_multiplier: l.repeat_multiplier,
        breaches_credited: l.breaches_credited,
        low_volume: l.low_volume.then_some(true),
        credit_minor: l.credit_minor,
        credit_disputed_minor: l.credit_disputed_minor,
        excused: l.excused.as_ref().map(LevelExcusalJson::from),
        dispute: l.dispute.as_ref().map(Wire::json),
        supplier_reported_percent: l.supplier_reported.map(|p| p.as_f64()),
        breaches: None,
        outages: None,
        standing: None,
        needed_to_recover: None,
        typical_volume: None,
    };
    if let Some(s) = standing {
        // A month in progress has not failed: it is failing so far.
        if l.status == Status::Failed {
            j.status = "failing";
        }
        j.critical = s.critical;
        j.standing = Some(s.standing.as_str());
        if matches!(l.figures, Figures::Incidents(_)) {
            j.needed_to_recover = Some(s.needed_to_recover);
            j.typical_volume = Some(s.typical_volume.map(|v| v.mean_rounded3()));
        }
    }
    match &l.figures {
        Figures::Incidents(f) => {
            j.assessed = Some(f.assessed);
            j.met = Some(f.met);
            j.target_seconds = l.target_seconds;
            j.breaches = Some(all(&f.breaches));
        }
        Figures::Availability(f) => {
            j.service_seconds = Some(f.service_seconds);
            j.downtime_seconds = Some(Seconds::from_millionths(f.downtime_millionths));
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
