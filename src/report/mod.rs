//! The monthly breach report (see docs/book/src/managers/index.md, and
//! docs/book/src/integrators/report-json.md for its JSON): one assembled [`MonthReport`]
//! and its renderings, so every
//! format carries the same figures.
//!
//! # Layout
//! - [`assemble`]: one contract-month's report built from the store.
//! - [`assurance`]: the month's assurance rating and its trend over six months.
//! - [`json`]: the stable report JSON, built from wire types owned here
//!   (also used for the records and registers the API and CLI answer with).
//! - [`csv`]: one row per service level.
//! - [`html`]: a self-contained page.
//! - [`notice`]: a notice letter for one escalation trigger (HTML; PDF in [`pdf::notice`]).
//! - [`pdf`]: an A4 document for the supplier.
//! - [`xlsx`]: a workbook for finance, one sheet per section.
//! - [`quality`]: the DR register, supplier verdicts and feed gaps read beside the evidence.
//! - [`chart`]: a trend chart's geometry, drawn as SVG and in the PDF.
//! - [`trends`]: twelve months of each line's attainment against its target.
//! - [`typical`]: each incident level's typical volume (the last three closed months).
//! - [`amendment`]: what changed since the month's report was issued.
//! - [`recovery`]: recovery to date (claims against credit notes) and which
//!   costs a sole-remedy clause lets count.
//! - [`json_time`]: how instants are written (RFC 3339, UTC, seconds).

pub mod amendment;
pub mod assemble;
pub mod assurance;
pub mod cache;
pub mod chart;
pub mod csv;
pub mod document;
pub mod html;
pub mod json;
pub mod notice;
pub mod pack;
pub mod pdf;
pub mod quality;
pub mod recovery;
pub mod trends;
pub mod typical;
pub mod xlsx;

use std::collections::HashSet;

use crate::config::ReconciliationConfig;
use crate::contract::Contract;
use crate::domain::rewrite::{CreditMoved, Rewrite};
use crate::domain::{
    AuditEntry, Cost, CostGate, Dispute, DisputeStatus, DisputeSubject, ExcusalTarget,
    MonthRecords, Percent,
};
use crate::engine::clock_stops::ClockStops;
use crate::engine::commitment_categories::{CategoryTally, Span, tally};
use crate::engine::commitments::{AsOf, CommitmentStatus, MonthOccurrence, Register};
use crate::engine::completeness::FeedGaps;
use crate::engine::dr::DrAssessment;
use crate::engine::reconcile::{Comparison, discrepancies};
use crate::engine::standing::{LineStanding, MonthStanding};
use crate::engine::verdicts::Disagreement;
use crate::engine::{MonthEvaluation, Status};

/// Everything the monthly report shows for one contract-month.
#[derive(Debug, Clone)]
pub struct MonthReport<'a> {
    /// The contract reported on.
    pub contract: &'a Contract,
    /// The engine's figures.
    pub evaluation: MonthEvaluation,
    /// Recoverable costs dated in the month and claimed: not removed, and
    /// not withdrawn after a dispute.
    pub recoverable_costs: Vec<Cost>,
    /// Commitment occurrences due in (or next after) the month, and those
    /// still outstanding from before it.
    pub commitments: Vec<MonthOccurrence>,
    /// The month's commitments summed per category: committed, delivered
    /// with evidence, accepted, late, overdue.
    pub commitment_categories: Vec<CategoryTally>,
    /// How far the supplier's figures may be from slawatch's.
    pub tolerance_points: Percent,
    /// The supplier's figures further than that from slawatch's.
    pub discrepancies: Vec<Comparison>,
    /// Every dispute bearing on the month (breaches and costs), by id.
    pub disputes: Vec<Dispute>,
    /// The audit entries bearing on the month, oldest first.
    pub audit: Vec<AuditEntry>,
    /// What changed since the month's report was issued, when anything did.
    pub amendment: Option<amendment::Amendment>,
    /// The disaster-recovery register as of the month's end (or today while
    /// it runs); `None` when the contract lists no systems.
    pub disaster_recovery: Option<DrAssessment>,
    /// Incidents whose verdict the supplier's own SLA records contradict.
    pub verdict_disagreements: Vec<Disagreement>,
    /// What the feeds are missing for the month.
    pub feed_gaps: FeedGaps,
    /// Each line's attainment over the last twelve months.
    pub trends: trends::Trends,
    /// Evidence bearing on the month that was changed after the fact.
    pub rewrites: Vec<Rewrite>,
    /// The credit each import's rewrites moved in the month.
    pub rewrite_credits: Vec<CreditMoved>,
    /// How the supplier stopped its clocks, once read with the month's
    /// incidents and their history.
    pub clock_stops: Option<ClockStops>,
    /// While the month runs: where each line stands (failing so far, at
    /// risk, certain to fail) and the forecast credit; `None` for a closed month.
    pub standing: Option<MonthStanding>,
    /// Every gate record (opened or withdrawn) of the month's costs.
    pub cost_gates: Vec<CostGate>,
    /// Whether the month is a material breach, a gate for cost recovery:
    /// the escalation ladder's verdict, passed in (`false`, closed, until
    /// it is; see [`Self::with_material_breach`]).
    pub material_breach: bool,
    /// Recovery to date as at the evaluation instant; `None` (and no
    /// section in any format) until a credit note or refusal is recorded.
    pub recovery: Option<crate::engine::recovery::Recovery>,
    /// The escalation rules the month triggered; `None` (and no section in
    /// any format) when the contract has no escalation ladder.
    pub escalations: Option<Vec<crate::engine::escalation::Escalation>>,
    /// Who approved the issue of the month's draft, and when; `None` (and
    /// nothing in any format) for a draft, a report never issued, or one
    /// issued without an approval (`auto_issue`).
    pub approval: Option<ReportApproval>,
    /// Under `issue_when = "feeds_complete"`: whether the month was drafted
    /// (or issued) because every feed had delivered, or because the
    /// deadline passed first; `None` (and nothing in any format) otherwise.
    pub feed_gate: Option<FeedGate>,
    /// Every dispute of a commitment's delay payments (the month's
    /// `disputes` carry those of the occurrences shown).
    pub delay_payment_disputes: Vec<Dispute>,
    /// The evidence files of the month's records (costs, excusals,
    /// disputes, deliveries, DR tests), by id.
    pub evidence_files: Vec<crate::domain::EvidenceFile>,
    /// Where this rendering stands in the monthly cycle: a recorded draft
    /// or an issued version; `None` for a copy made on demand.
    pub issue: Option<IssueState>,
    /// The evidence behind each line, row by row, for the appendices;
    /// `None` (and no appendix) for a report assembled without it.
    pub appendix: Option<crate::engine::appendix::Appendix>,
    /// The month's outages whose end was inferred (their alert stopped being
    /// sent without a resolved notification) rather than seen.
    pub inferred_ends: Vec<crate::store::sightings::InferredEnd>,
    /// Whether the figures can change only with the store: the month was
    /// over and nothing bearing on it (an incident's clock, an outage) was
    /// still open when the report was assembled.
    pub settled: bool,
    /// The month's assurance rating and trend: the whole report of a closed
    /// month only.
    pub assurance: Option<assurance::Assurance>,
}

/// Where the document stands, as its control data and watermark say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentStatus {
    /// The month is still running.
    Provisional,
    /// A closed month not (or not yet) issued, or a draft recorded for approval.
    Draft,
    /// The first issued version.
    Issued,
    /// A later issued version, superseding the one before.
    Amended,
}

impl DocumentStatus {
    /// The word on the document.
    pub fn word(self) -> &'static str {
        match self {
            DocumentStatus::Provisional => "PROVISIONAL",
            DocumentStatus::Draft => "DRAFT",
            DocumentStatus::Issued => "ISSUED",
            DocumentStatus::Amended => "AMENDED",
        }
    }

    /// The watermark of a document that is not an issued version.
    pub fn watermark(self) -> Option<&'static str> {
        match self {
            DocumentStatus::Provisional | DocumentStatus::Draft => Some(self.word()),
            DocumentStatus::Issued | DocumentStatus::Amended => None,
        }
    }

    /// The word for a footer line.
    pub fn label(self) -> &'static str {
        match self {
            DocumentStatus::Provisional => "PROVISIONAL: the month is not over",
            DocumentStatus::Draft => "DRAFT: not issued",
            DocumentStatus::Issued => "ISSUED",
            DocumentStatus::Amended => "AMENDED",
        }
    }
}

/// Where a rendering of the report stands in the monthly cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueState {
    /// A draft recorded for a manager's approval.
    Draft {
        /// The draft's number (1 for the first).
        number: i64,
        /// When it was drafted.
        at: crate::domain::Instant,
    },
    /// An issued version.
    Issued {
        /// The version (1 for the first issue).
        version: i64,
        /// When it was issued.
        at: crate::domain::Instant,
    },
}

/// Why a month held for its feeds was drafted (or issued) when it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedGate {
    /// Every source expected for the month had delivered data dated in it.
    Complete,
    /// The deadline passed with a source still silent.
    DeadlinePassed,
}

impl FeedGate {
    /// As the JSON and the store write it: `feeds_complete`, `deadline`.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedGate::Complete => "feeds_complete",
            FeedGate::DeadlinePassed => "deadline",
        }
    }

    /// Reads what [`Self::as_str`] wrote.
    pub fn parse(text: &str) -> Option<FeedGate> {
        match text {
            "feeds_complete" => Some(FeedGate::Complete),
            "deadline" => Some(FeedGate::DeadlinePassed),
            _ => None,
        }
    }

    /// In words, for the HTML and PDF control line.
    pub fn words(self) -> &'static str {
        match self {
            FeedGate::Complete => "Issued once every feed had delivered the month",
            FeedGate::DeadlinePassed => "Issued at the deadline with a feed still missing",
        }
    }
}

/// A manager's approval of a month's draft, as the issued document shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportApproval {
    /// Who approved it.
    pub by: String,
    /// When.
    pub at: crate::domain::Instant,
}

impl<'a> MonthReport<'a> {
    /// The report's status: an issued version is ISSUED (version 1) or AMENDED
    /// (a later one); anything else is a DRAFT, or PROVISIONAL while the month runs.
    pub fn status(&self) -> DocumentStatus {
        match self.issue {
            Some(IssueState::Issued { version: 1, .. }) => DocumentStatus::Issued,
            Some(IssueState::Issued { .. }) => DocumentStatus::Amended,
            Some(IssueState::Draft { .. }) => DocumentStatus::Draft,
            None if self.standing.is_some() => DocumentStatus::Provisional,
            None => DocumentStatus::Draft,
        }
    }

    /// Assembles the report from the evaluation and what people recorded
    /// about the month (costs, their disputes, the audit trail), with the
    /// configured commitments (nothing recorded against them) and the
    /// default reconciliation tolerance; see [`Self::with_register`] and
    /// [`Self::with_tolerance`].
    pub fn new(contract: &'a Contract, evaluation: MonthEvaluation, records: MonthRecords) -> Self {
        let tolerance = ReconciliationConfig::default().tolerance_points;
        let audit = bearing_on_month(&evaluation, &records);
        let mut disputes: Vec<Dispute> = evaluation
            .disputes
            .iter()
            .chain(&records.cost_disputes)
            .cloned()
            .collect();
        disputes.sort_by_key(|d| d.id);
        MonthReport {
            contract,
            recoverable_costs: records.costs.into_iter().filter(Cost::is_claimed).collect(),
            commitments: Vec::new(),
            commitment_categories: Vec::new(),
            tolerance_points: tolerance,
            discrepancies: discrepancies(&evaluation, tolerance),
            disputes,
            audit,
            trends: trends::Trends::from_evaluations(&[&evaluation]),
            evaluation,
            amendment: None,
            disaster_recovery: None,
            verdict_disagreements: Vec::new(),
            feed_gaps: FeedGaps::default(),
            rewrites: Vec::new(),
            rewrite_credits: Vec::new(),
            clock_stops: None,
            standing: None,
            cost_gates: records.cost_gates,
            material_breach: false,
            recovery: None,
            escalations: None,
            approval: None,
            feed_gate: None,
            evidence_files: records.evidence_files,
            delay_payment_disputes: records.delay_payment_disputes,
            issue: None,
            appendix: None,
            inferred_ends: Vec::new(),
            settled: false,
            assurance: None,
        }
        .with_register(&Register::from_config(contract))
    }

    /// Shows the commitments of `register` (configured and ad hoc, with
    /// their deliveries) as of the evaluation instant.
    pub fn with_register(mut self, register: &Register) -> Self {
        let as_of = AsOf::new(self.evaluation.evaluated_at, self.contract.timezone);
        self.commitments = register.for_period(self.evaluation.period, as_of);
        self.commitment_categories = tally(register, Span::month(self.evaluation.period), as_of);
        // The month's disputes include those of the occurrences shown.
        self.disputes
            .retain(|d| !matches!(d.subject, DisputeSubject::DelayPayment { .. }));
        let shown: Vec<Dispute> = self
            .delay_payment_disputes
            .iter()
            .filter(|d| self.occurrence_of(d).is_some())
            .cloned()
            .collect();
        self.disputes.extend(shown);
        self.disputes.sort_by_key(|d| d.id);
        self
    }

    /// The occurrence shown that a delay payment's dispute names.
    fn occurrence_of(&self, d: &Dispute) -> Option<&MonthOccurrence> {
        let DisputeSubject::DelayPayment {
            commitment,
            occurrence,
        } = &d.subject
        else {
            return None;
        };
        self.commitments
            .iter()
            .find(|o| o.occurrence.id == *commitment && o.occurrence.occurrence == *occurrence)
    }

    /// Where the latest dispute of an occurrence's delay payments stands.
    pub fn delay_payment_dispute(&self, o: &MonthOccurrence) -> Option<&Dispute> {
        self.delay_payment_disputes
            .iter()
            .filter(|d| {
                matches!(&d.subject, DisputeSubject::DelayPayment { commitment, occurrence }
                    if *commitment == o.occurrence.id && *occurrence == o.occurrence.occurrence)
            })
            .max_by_key(|d| d.id)
    }

    /// Shows `trends` (the report's twelve months); without it the trends hold the
    /// report's month alone.
    pub fn with_trends(mut self, trends: trends::Trends) -> Self {
        self.trends = trends;
        self
    }

    /// Shows the escalation rules the month triggered; a `material_breach`
    /// among them opens cost recovery.
    pub fn with_escalations(self, triggered: Vec<crate::engine::escalation::Escalation>) -> Self {
        let breach = crate::engine::escalation::names(
            &triggered,
            crate::contract::escalation::MATERIAL_BREACH,
        );
        let mut report = self.with_material_breach(breach);
        report.escalations = Some(triggered);
        report
    }

    /// Shows the month as in progress, standing as `standing` says.
    pub fn with_standing(mut self, standing: MonthStanding) -> Self {
        self.standing = Some(standing);
        self
    }

    /// The standing of the line `id` (and `service`), while the month runs.
    pub fn line_standing(&self, id: &str, service: Option<&str>) -> Option<&LineStanding> {
        self.standing.as_ref().and_then(|s| s.line(id, service))
    }

    /// Compares the supplier's figures within `tolerance` percentage points.
    pub fn with_tolerance(mut self, tolerance: Percent) -> Self {
        self.tolerance_points = tolerance;
        self.discrepancies = discrepancies(&self.evaluation, tolerance);
        self
    }

    /// The sum of the month's recoverable costs (claimed ones, disputed
    /// included; under a sole-remedy clause, only those behind an open gate).
    pub fn recoverable_costs_minor(&self) -> i64 {
        self.recoverable_costs
            .iter()
            .filter(|c| self.cost_recoverability(c).counts())
            .map(|c| c.amount_minor)
            .sum()
    }

    /// The part of the recoverable costs in open dispute.
    pub fn recoverable_costs_disputed_minor(&self) -> i64 {
        self.recoverable_costs
            .iter()
            .filter(|c| c.is_disputed() && self.cost_recoverability(c).counts())
            .map(|c| c.amount_minor)
            .sum()
    }

    /// The part of the service credits after the cap in open dispute: the
    /// credits less what they would be if every open dispute went the
    /// supplier's way.
    pub fn service_credits_disputed_minor(&self) -> i64 {
        let e = &self.evaluation;
        e.credits.total_minor - e.credits_undisputed.total_minor
    }

    /// Service credits after the cap plus recoverable costs (see
    /// docs/book/src/reference/measures.md).
    pub fn total_claim_minor(&self) -> i64 {
        self.evaluation.credits.total_minor + self.recoverable_costs_minor()
    }

    /// The delay payments for late commitments claimed in this month (never
    /// capped: a separate contract clause).
    /// An accepted dispute withdraws an occurrence's delay payments.
    pub fn delay_payments_minor(&self) -> i64 {
        self.commitments
            .iter()
            .filter(|c| {
                self.delay_payment_dispute(c)
                    .is_none_or(|d| d.status != DisputeStatus::Accepted)
            })
            .map(|c| c.delay_payment_minor)
            .sum()
    }

    /// The part of [`Self::delay_payments_minor`] in open dispute.
    pub fn delay_payments_disputed_minor(&self) -> i64 {
        self.commitments
            .iter()
            .filter(|c| {
                self.delay_payment_dispute(c)
                    .is_some_and(|d| d.status == DisputeStatus::Disputed)
            })
            .map(|c| c.delay_payment_minor)
            .sum()
    }

    /// The total claim with the delay payments added.
    pub fn total_claim_with_delay_payments_minor(&self) -> i64 {
        self.total_claim_minor() + self.delay_payments_minor()
    }

    /// How many commitment occurrences shown are overdue (breaches).
    pub fn overdue_commitments(&self) -> usize {
        self.commitments
            .iter()
            .filter(|c| c.occurrence.status == CommitmentStatus::Overdue)
            .count()
    }

    /// What the supplier owes whatever the open disputes decide.
    pub fn total_claim_undisputed_minor(&self) -> i64 {
        self.total_claim_minor()
            - self.service_credits_disputed_minor()
            - self.recoverable_costs_disputed_minor()
    }

    /// How many lines failed and count (excused months do not).
    pub fn failed_count(&self) -> usize {
        self.evaluation
            .levels
            .iter()
            .filter(|l| l.status == Status::Failed && l.excused.is_none())
            .count()
    }

    /// How many lines are excused for the month.
    pub fn excused_count(&self) -> usize {
        self.evaluation
            .levels
            .iter()
            .filter(|l| l.excused.is_some())
            .count()
    }

    /// How many lines are critical service level failures.
    pub fn critical_count(&self) -> usize {
        self.evaluation.levels.iter().filter(|l| l.critical).count()
    }
}

/// The audit entries about the month: its costs (removed ones included),
/// its service levels' month, and the incidents and outages whose excusals
/// or disputes bear on it.
fn bearing_on_month(evaluation: &MonthEvaluation, records: &MonthRecords) -> Vec<AuditEntry> {
    let costs: HashSet<String> = records.costs.iter().map(|c| c.id.to_string()).collect();
    let mut incidents: HashSet<&str> = HashSet::new();
    let mut outages: HashSet<&str> = HashSet::new();
    for e in &evaluation.excusals {
        match &e.target {
            ExcusalTarget::Incident { incident } => incidents.insert(incident),
            ExcusalTarget::Outage { outage } => outages.insert(outage),
            ExcusalTarget::ServiceLevel { .. } => false,
        };
    }
    for d in &evaluation.disputes {
        if let DisputeSubject::Incident { incident } = &d.subject {
            incidents.insert(incident);
        }
    }
    records
        .audit
        .iter()
        .filter(|a| match a.kind.as_str() {
            "cost" => costs.contains(&a.subject),
            "service_level" => a.period == Some(evaluation.period),
            "incident" => incidents.contains(a.subject.as_str()),
            "outage" => outages.contains(a.subject.as_str()),
            _ => false,
        })
        .cloned()
        .collect()
}

/// Serde helpers writing instants as RFC 3339 UTC with whole seconds.
pub mod json_time {
    use serde::Serializer;

    use crate::domain::Instant;
    use crate::domain::time::format_utc;

    /// Serialises an instant.
    pub fn serialize<S: Serializer>(t: &Instant, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_utc(*t))
    }

    /// The same for an optional instant.
    pub mod option {
        use super::*;

        /// Serialises an optional instant (`null` when absent).
        pub fn serialize<S: Serializer>(t: &Option<Instant>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&format_utc(*t)),
                None => s.serialize_none(),
            }
        }
    }
}
