//! The parts of the report read beside the month's evidence: the
//! disaster-recovery register, the supplier's per-incident SLA verdicts set
//! against slawatch's, and the gaps in the feeds.

use std::collections::{BTreeMap, HashSet};

use chrono::{Days, NaiveDate};

use super::MonthReport;
use crate::config::{Config, SourceKind};
use crate::contract::Contract;
use crate::domain::SlaVerdict;
use crate::domain::rewrite::{CreditMoved, Rewrite};
use crate::domain::time::local_date;
use crate::domain::{Incident, Instant, Period};
use crate::engine::clock_stops::{self, PastVersion};
use crate::engine::completeness::gaps;
use crate::engine::dr::{DrTest, assess};
use crate::engine::verdicts::compare;
use crate::store::sightings::InferredEnd;
use crate::store::{Store, StoreError};

/// What the store holds for the data-quality and DR sections of a month.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// Every DR test recorded for the contract.
    pub dr_tests: Vec<DrTest>,
    /// The supplier's SLA verdicts for the contract.
    pub verdicts: Vec<SlaVerdict>,
    /// Records dated in the month, by import source.
    pub delivered: BTreeMap<String, u64>,
    /// The contract's sources that should deliver data every month (id, kind).
    pub sources: Vec<(String, String)>,
    /// Rewrites of evidence bearing on the month.
    pub rewrites: Vec<Rewrite>,
    /// The credit each import's rewrites moved in the month.
    pub rewrite_credits: Vec<CreditMoved>,
    /// Earlier versions of the month's incidents.
    pub past_versions: Vec<PastVersion>,
    /// The month's outages whose end was inferred, not seen.
    pub inferred_ends: Vec<InferredEnd>,
}

impl Extras {
    /// Reads them for `contract`'s `period`; with `known_at`, the rewrites
    /// the store had found by then.
    pub async fn load(
        store: &Store,
        config: &Config,
        contract: &Contract,
        period: Period,
        known_at: Option<Instant>,
    ) -> Result<Extras, StoreError> {
        let tz = contract.timezone;
        let (rewrites, rewrite_credits) = store
            .rewrites_for_month(&contract.id, period, known_at)
            .await?;
        let past_versions = store
            .past_incident_versions(
                &contract.id,
                period.start(tz).timestamp(),
                period.end(tz).timestamp(),
                known_at,
            )
            .await?;
        let inferred_ends = store
            .inferred_outage_ends(
                &contract.id,
                period.start(tz).timestamp(),
                period.end(tz).timestamp(),
            )
            .await?;
        Ok(Extras {
            inferred_ends,
            past_versions,
            rewrites,
            rewrite_credits,
            dr_tests: store.dr_tests(&contract.id).await?,
            verdicts: store.sla_verdicts(&contract.id).await?,
            delivered: store
                .records_by_source(
                    &contract.id,
                    period.start(tz).timestamp(),
                    period.end(tz).timestamp(),
                    &period.to_string(),
                )
                .await?,
            sources: feeding_sources(config, &contract.id),
        })
    }
}

/// The contract's sources that deliver the supplier's records, so a month
/// without any is a gap (probes and Alertmanager are silent when all is well).
pub fn feeding_sources(config: &Config, contract: &str) -> Vec<(String, String)> {
    config
        .sources
        .iter()
        .filter(|s| s.contract == contract)
        .filter_map(|s| {
            let kind = match s.kind {
                SourceKind::ServiceNow(_) => "servicenow",
                SourceKind::Inbox { .. } => "inbox",
                SourceKind::Webhook { .. } => "webhook",
                SourceKind::Alertmanager(_) | SourceKind::Probe(_) => return None,
            };
            Some((s.id.clone(), kind.to_string()))
        })
        .collect()
}

/// The date the DR register is assessed on for `period`: its last day, or
/// the evaluation's date while the month is still running.
pub fn dr_as_of(period: Period, today: NaiveDate) -> NaiveDate {
    let last = period
        .next()
        .first_day()
        .checked_sub_days(Days::new(1))
        .unwrap_or(today);
    last.min(today)
}

impl<'a> MonthReport<'a> {
    /// Adds the DR register, the verdict comparison and the feed gaps, from
    /// the month's `incidents` and what the store holds.
    pub fn with_extras(mut self, incidents: &[Incident], extras: &Extras) -> Self {
        let c = self.contract;
        let e = &self.evaluation;
        let today = local_date(c.timezone, e.evaluated_at);
        self.disaster_recovery = assess(&c.dr_systems, &extras.dr_tests, dr_as_of(e.period, today));
        let excused: HashSet<&str> = e.excused.iter().map(|x| x.incident.as_str()).collect();
        self.verdict_disagreements = compare(
            c,
            e.period,
            incidents,
            &excused,
            &extras.verdicts,
            e.evaluated_at,
        );
        self.feed_gaps = gaps(
            &extras.sources,
            &extras.delivered,
            incidents,
            &extras.verdicts,
        );
        let holds_added = extras
            .rewrites
            .iter()
            .map(|r| r.change.matches("hold added").count() as u64)
            .sum();
        self.clock_stops = Some(clock_stops::measure(
            c,
            e.period,
            incidents,
            &excused,
            &extras.past_versions,
            holds_added,
            e.evaluated_at,
        ));
        self.inferred_ends = extras.inferred_ends.clone();
        self.rewrites = extras.rewrites.clone();
        self.rewrite_credits = extras.rewrite_credits.clone();
        self
    }
}
