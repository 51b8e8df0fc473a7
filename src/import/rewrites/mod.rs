//! Rewrites found at ingest: after an import is stored, the values it
//! changed and the holds it added are compared with what the store held
//! before. A change received more than the contract's `rewrite_grace` after
//! the instants it touches is a rewrite; each is kept with its verdict
//! before and after on every service level it bears on, and whether it
//! favours the supplier. Each month the rewrites bear on keeps its credit
//! on the evidence held before the import, and with the import's rewrites
//! (nothing else it brought) applied.
//!
//! # Layout
//! - [`candidates`]: which changes are rewrites, from values alone.

pub mod candidates;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use candidates::{IncidentRewrite, OutageRewrite, WorkRewrite};

use crate::contract::{Contract, ServiceLevelKind};
use crate::domain::rewrite::{CreditMoved, Direction, Effect, Verdict};
use crate::domain::{Impact, Incident, Instant, Outage, Period, WorkTally};
use crate::engine::clock::ClockStatus;
use crate::engine::evaluate::{MonthEvaluation, Status};
use crate::engine::incidents::{applies, assessment_month, clock_for};
use crate::engine::{Evidence, evaluate_month};
use crate::store::read::Seen;
use crate::store::rewrites::NewRewrite;
use crate::store::write::{Finished, HOLDS, INCIDENTS, OUTAGES, WORK_ITEMS};
use crate::store::{Store, StoreError};

/// The most months one outage's rewrite is assessed in.
const MAX_OUTAGE_MONTHS: usize = 24;

/// What the detection found in one import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Found {
    /// Rewrites found.
    pub rewrites: u64,
    /// Of them, favourable to the supplier.
    pub favourable: u64,
}

/// Finds and keeps the rewrites a finished import made, contract by contract.
pub async fn detect(
    store: &Store,
    contracts: &[Contract],
    finished: &Finished,
) -> Result<Found, StoreError> {
    let mut found = Found::default();
    for contract in contracts {
        let (rewrites, credits) = for_contract(store, contract, finished).await?;
        if rewrites.is_empty() {
            continue;
        }
        found.rewrites += rewrites.len() as u64;
        found.favourable += rewrites
            .iter()
            .filter(|r| r.direction == Direction::Favourable)
            .count() as u64;
        store
            .record_rewrites(&contract.id, &finished.writer, &rewrites, &credits)
            .await?;
    }
    Ok(found)
}

fn instant(secs: i64) -> Result<Instant, StoreError> {
    chrono::DateTime::from_timestamp(secs, 0)
        .ok_or_else(|| StoreError::Corrupt(format!("instant {secs}")))
}

async fn for_contract(
    store: &Store,
    contract: &Contract,
    finished: &Finished,
) -> Result<(Vec<NewRewrite>, Vec<CreditMoved>), StoreError> {
    let (import_id, at) = (finished.writer.import_id, finished.writer.received_at);
    let grace = contract.rewrite_grace_seconds;
    let changed = |table| store.changed_by_import(&contract.id, table, import_id, at);
    // A hold is added after the fact only to an incident the store had held
    // for longer than the grace: holds sent with (or just after) their
    // incident, as a monthly pack's holds file is, are its first telling.
    let late_holds: Vec<&crate::store::write::NewHold> = finished
        .new_holds
        .iter()
        .filter(|h| h.contract == contract.id && at - h.start > grace)
        .collect();
    let ids: Vec<&str> = late_holds.iter().map(|h| h.incident.as_str()).collect();
    let first_received = match ids.is_empty() {
        true => HashMap::new(),
        false => store.incidents_first_received(&contract.id, &ids).await?,
    };
    let new_holds: Vec<(String, i64, i64)> = late_holds
        .into_iter()
        .filter(|h| {
            first_received
                .get(&h.incident)
                .is_some_and(|first| at - first > grace)
        })
        .map(|h| (h.incident.clone(), h.start, h.end))
        .collect();
    let incident_rewrites = candidates::incidents(
        &changed(&INCIDENTS).await?,
        &changed(&HOLDS).await?,
        &new_holds,
        grace,
        at,
    );
    let outage_rewrites = candidates::outages(&changed(&OUTAGES).await?, grace, at);
    let work_rewrites = candidates::work_items(&changed(&WORK_ITEMS).await?, grace, at);
    if incident_rewrites.is_empty() && outage_rewrites.is_empty() && work_rewrites.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let now = instant(at)?;
    let ids: Vec<&str> = incident_rewrites.keys().map(String::as_str).collect();
    let by_id = |list: Vec<Incident>| -> HashMap<String, Incident> {
        list.into_iter().map(|i| (i.id.clone(), i)).collect()
    };
    let before = by_id(
        store
            .incidents_seen(&contract.id, &ids, Seen::BeforeImport(import_id))
            .await?,
    );
    let after = by_id(
        store
            .incidents_seen(&contract.id, &ids, Seen::ThroughImport(import_id))
            .await?,
    );

    let mut rewrites = Vec::new();
    let mut changed_incidents = Vec::new();
    for (id, rewrite) in &incident_rewrites {
        // A hold that came with an incident the store did not yet hold is
        // part of its first telling, not a rewrite.
        let (Some(b), Some(a)) = (before.get(id), after.get(id)) else {
            continue;
        };
        rewrites.push(incident_rewrite(contract, id, rewrite, b, a, now));
        changed_incidents.push(a.clone());
    }
    let mut periods: BTreeSet<Period> = rewrites.iter().flat_map(|r| r.periods.clone()).collect();
    let tz = contract.timezone;
    let outage_months: Vec<Vec<Period>> = outage_rewrites
        .iter()
        .map(|o| {
            let mut months: BTreeSet<Period> = months_of(&o.before, now, tz);
            months.extend(months_of(&o.after, now, tz));
            months.into_iter().collect()
        })
        .collect();
    let work_months: Vec<Vec<Period>> = work_rewrites
        .iter()
        .map(|w| -> Result<Vec<Period>, StoreError> {
            let months: BTreeSet<Period> = [w.before.opened_at, w.after.opened_at]
                .into_iter()
                .map(|t| instant(t).map(|t| Period::of(t, tz)))
                .collect::<Result<_, _>>()?;
            Ok(months.into_iter().collect())
        })
        .collect::<Result<_, _>>()?;
    periods.extend(outage_months.iter().flatten());
    periods.extend(work_months.iter().flatten());

    // Each month once: its evaluation before the import, and with only
    // this import's rewrites applied.
    let mut months: BTreeMap<Period, (MonthEvaluation, MonthEvaluation)> = BTreeMap::new();
    let mut credits = Vec::new();
    for period in periods {
        let held = store
            .month_evidence_seen(
                &contract.id,
                period,
                tz,
                now,
                Some(Seen::BeforeImport(import_id)),
            )
            .await?;
        let rewritten = apply(
            held.clone(),
            &changed_incidents,
            &outage_rewrites,
            &work_rewrites,
            period,
            tz,
        );
        let was = evaluate_month(contract, period, &held, now);
        let is = evaluate_month(contract, period, &rewritten, now);
        credits.push(CreditMoved {
            period,
            import_id,
            before_minor: was.credits.total_minor,
            after_minor: is.credits.total_minor,
        });
        months.insert(period, (was, is));
    }
    for (o, periods) in outage_rewrites.iter().zip(outage_months) {
        rewrites.push(outage_rewrite(o, periods, &months, now));
    }
    for (w, periods) in work_rewrites.iter().zip(work_months) {
        rewrites.push(work_rewrite(w, periods, &months));
    }
    Ok((rewrites, credits))
}

/// An incident's verdict against one level as seen at `now`.
fn verdict(
    level: &crate::contract::ServiceLevel,
    incident: &Incident,
    now: Instant,
) -> (Verdict, Option<crate::engine::clock::ClockOutcome>) {
    if !applies(level, incident) {
        return (Verdict::NotApplicable, None);
    }
    match clock_for(level, incident, now) {
        None => (Verdict::NotApplicable, None),
        Some(o) => {
            let v = match o.status {
                ClockStatus::Met => Verdict::Met,
                ClockStatus::Breached => Verdict::Breached,
                ClockStatus::Pending => Verdict::Pending,
            };
            (v, Some(o))
        }
    }
}

fn incident_rewrite(
    contract: &Contract,
    id: &str,
    rewrite: &IncidentRewrite,
    before: &Incident,
    after: &Incident,
    now: Instant,
) -> NewRewrite {
    let tz = contract.timezone;
    let mut effects = Vec::new();
    for level in &contract.service_levels {
        if !matches!(
            level.kind,
            ServiceLevelKind::ResponseTime | ServiceLevelKind::ResolutionTime
        ) {
            continue;
        }
        let (b, b_clock) = verdict(level, before, now);
        let (a, a_clock) = verdict(level, after, now);
        if b == Verdict::NotApplicable && a == Verdict::NotApplicable {
            continue;
        }
        let period = a_clock
            .as_ref()
            .and_then(|o| assessment_month(o, tz))
            .or_else(|| b_clock.as_ref().and_then(|o| assessment_month(o, tz)));
        // A level varied over time: only the version in force in the
        // month the clock is assessed in judges it.
        if period.is_some_and(|p| !level.in_force(p)) {
            continue;
        }
        effects.push(Effect {
            service_level: level.id.clone(),
            period,
            before: b,
            after: a,
        });
    }
    let mut favourable = breaches_undone(&effects);
    let mut unfavourable = breaches_made(&effects);
    if after.priority > before.priority {
        favourable.push(format!(
            "lowers the priority {} → {}",
            before.priority, after.priority
        ));
    } else if after.priority < before.priority {
        unfavourable.push(format!(
            "raises the priority {} → {}",
            before.priority, after.priority
        ));
    }
    if !rewrite.holds_added.is_empty() {
        favourable.push("adds a hold in the past".to_string());
    }
    if rewrite.hold_seconds_moved > 0 {
        favourable.push("lengthens a hold in the past".to_string());
    } else if rewrite.hold_seconds_moved < 0 {
        unfavourable.push("shortens a hold in the past".to_string());
    }
    let (direction, why) = direction(favourable, unfavourable);
    let mut periods: BTreeSet<Period> = effects.iter().filter_map(|e| e.period).collect();
    if periods.is_empty()
        && let Some(t) = chrono::DateTime::from_timestamp(rewrite.touched, 0)
    {
        periods.insert(Period::of(t, tz));
    }
    NewRewrite {
        kind: if rewrite.own { "incident" } else { "hold" },
        record: id.to_string(),
        change: rewrite.changes.join("; "),
        direction,
        why,
        effects,
        periods: periods.into_iter().collect(),
    }
}

fn outage_rewrite(
    o: &OutageRewrite,
    periods: Vec<Period>,
    months: &BTreeMap<Period, (MonthEvaluation, MonthEvaluation)>,
    now: Instant,
) -> NewRewrite {
    let effects = month_effects(&periods, months, |l| {
        l.kind == ServiceLevelKind::Availability
            && l.service
                .as_deref()
                .is_some_and(|s| s == o.before.service || s == o.after.service)
    });
    let mut favourable = breaches_undone(&effects);
    let mut unfavourable = breaches_made(&effects);
    let (was, is) = (
        counted_seconds(&o.before, now),
        counted_seconds(&o.after, now),
    );
    if is < was {
        favourable.push("shortens downtime".to_string());
    } else if is > was {
        unfavourable.push("lengthens downtime".to_string());
    } else if is > 0 && o.before.impact != o.after.impact {
        match o.after.impact {
            Impact::Partial => favourable.push("lowers the impact to partial".to_string()),
            Impact::Full => unfavourable.push("raises the impact to full".to_string()),
        }
    }
    let (direction, why) = direction(favourable, unfavourable);
    NewRewrite {
        kind: "outage",
        record: o.after.id.clone(),
        change: o.change.clone(),
        direction,
        why,
        effects,
        periods,
    }
}

fn work_rewrite(
    w: &WorkRewrite,
    periods: Vec<Period>,
    months: &BTreeMap<Period, (MonthEvaluation, MonthEvaluation)>,
) -> NewRewrite {
    let effects = month_effects(&periods, months, |l| {
        l.kind == ServiceLevelKind::ProactiveShare
    });
    let mut favourable = breaches_undone(&effects);
    let mut unfavourable = breaches_made(&effects);
    match (w.before.is_proactive(), w.after.is_proactive()) {
        (false, true) => favourable.push("reclassifies reactive work as proactive".to_string()),
        (true, false) => unfavourable.push("reclassifies proactive work as reactive".to_string()),
        _ => {}
    }
    let (direction, why) = direction(favourable, unfavourable);
    NewRewrite {
        kind: "work_item",
        record: w.id.clone(),
        change: w.change.clone(),
        direction,
        why,
        effects,
        periods,
    }
}

/// The month verdicts, before and after, of the levels `bears` picks.
fn month_effects(
    periods: &[Period],
    months: &BTreeMap<Period, (MonthEvaluation, MonthEvaluation)>,
    bears: impl Fn(&crate::engine::evaluate::LevelResult) -> bool,
) -> Vec<Effect> {
    let as_verdict = |s: Status| match s {
        Status::Met => Verdict::Met,
        Status::Failed => Verdict::Breached,
        Status::NoData => Verdict::NotApplicable,
    };
    let mut effects = Vec::new();
    for period in periods {
        let Some((was, is)) = months.get(period) else {
            continue;
        };
        for (b, a) in was.levels.iter().zip(&is.levels) {
            if bears(b) {
                effects.push(Effect {
                    service_level: b.id.clone(),
                    period: Some(*period),
                    before: as_verdict(b.status),
                    after: as_verdict(a.status),
                });
            }
        }
    }
    effects
}

fn breaches_undone(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter(|e| e.before == Verdict::Breached && e.after != Verdict::Breached)
        .map(|e| format!("turns the {} breach into {}", e.service_level, e.after))
        .collect()
}

fn breaches_made(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter(|e| e.before != Verdict::Breached && e.after == Verdict::Breached)
        .map(|e| format!("turns {} {} into a breach", e.service_level, e.before))
        .collect()
}

/// Favourable when anything in it favours the supplier: a rewrite that
/// also costs it something is still one it had reason to make.
fn direction(favourable: Vec<String>, unfavourable: Vec<String>) -> (Direction, String) {
    let direction = match (favourable.is_empty(), unfavourable.is_empty()) {
        (false, _) => Direction::Favourable,
        (true, false) => Direction::Unfavourable,
        (true, true) => Direction::Neutral,
    };
    let why: Vec<String> = favourable.into_iter().chain(unfavourable).collect();
    let why = match why.is_empty() {
        true => "changes no verdict".to_string(),
        false => why.join("; "),
    };
    (direction, why)
}

/// An outage's downtime in wall-clock seconds as seen at `now`: none when planned.
fn counted_seconds(o: &Outage, now: Instant) -> i64 {
    if o.planned {
        return 0;
    }
    (o.end.unwrap_or(now) - o.start).num_seconds().max(0)
}

/// The months (in `tz`) an outage overlaps, as seen at `now`.
fn months_of(o: &Outage, now: Instant, tz: chrono_tz::Tz) -> BTreeSet<Period> {
    let mut months = BTreeSet::new();
    let mut month = Period::of(o.start, tz);
    let last = Period::of(o.end.unwrap_or(now).max(o.start), tz);
    while month <= last && months.len() < MAX_OUTAGE_MONTHS {
        months.insert(month);
        month = month.next();
    }
    months
}

/// `held` with the import's rewritten records in place of the versions
/// held before: incidents and outages by id, work items moved between
/// classes when opened in `period`.
fn apply(
    mut held: Evidence,
    incidents: &[Incident],
    outages: &[OutageRewrite],
    work: &[WorkRewrite],
    period: Period,
    tz: chrono_tz::Tz,
) -> Evidence {
    for incident in incidents {
        match held.incidents.iter_mut().find(|i| i.id == incident.id) {
            Some(slot) => *slot = incident.clone(),
            None => held.incidents.push(incident.clone()),
        }
    }
    for o in outages {
        match held.outages.iter_mut().find(|h| h.id == o.after.id) {
            Some(slot) => *slot = o.after.clone(),
            None => held.outages.push(o.after.clone()),
        }
    }
    let (start, end) = (period.start(tz).timestamp(), period.end(tz).timestamp());
    let in_month = |t: i64| t >= start && t < end;
    for w in work {
        if in_month(w.before.opened_at)
            && let Some(tally) = held.work.iter_mut().find(|t| {
                t.kind == w.before.kind
                    && t.change_type == w.before.change_type
                    && t.proactive == w.before.proactive
            })
        {
            tally.count = tally.count.saturating_sub(1);
        }
        if in_month(w.after.opened_at) {
            match held.work.iter_mut().find(|t| {
                t.kind == w.after.kind
                    && t.change_type == w.after.change_type
                    && t.proactive == w.after.proactive
            }) {
                Some(tally) => tally.count += 1,
                None => held.work.push(WorkTally {
                    kind: w.after.kind,
                    change_type: w.after.change_type,
                    proactive: w.after.proactive,
                    count: 1,
                }),
            }
        }
    }
    held
}
