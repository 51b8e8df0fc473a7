//! Where the month in progress stands for each line, and what it would take
//! to recover (pure).
//!
//! A month in progress has not failed: it is *failing so far*, *at risk* or
//! *certain to fail*. An incident level below target can still be rescued
//! by incidents not yet raised, so it is at risk, with the number of further
//! incidents (all met) it needs and how many a typical month brings. It is
//! certain to fail only when nothing can lift it: a 100 % target already
//! missed, or the month over. An availability level below target is certain
//! to fail at once: its attainment is measured against the whole month's
//! service time, so more time can only add downtime.
//!
//! The standing is read from the engine's own verdict (`status`,
//! `attainment`, the counts), so whatever decides a line's verdict decides
//! its standing too.

use std::collections::BTreeMap;

use super::live::{OpenStage, Stage};
use super::{Figures, LevelResult, MonthEvaluation, Status};
use crate::contract::{Contract, ServiceLevel};
use crate::domain::percent::PERCENT_SCALE;
use crate::domain::{Instant, Percent, Ratio};

/// How many closed months a typical volume is the mean of.
pub const TYPICAL_MONTHS: usize = 3;

/// Where a line of the month in progress stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// At or above target so far.
    Met,
    /// Below target so far, and it can recover: for incident levels the
    /// incidents still open would bring it back if they meet their targets;
    /// for the proactive share, more proactive work may.
    Failing,
    /// Below target, and only incidents not yet raised (all met) can bring
    /// it back: see [`LineStanding::needed_to_recover`].
    AtRisk,
    /// Nothing can bring it back: a 100 % target already missed, the
    /// availability downtime budget spent, or the month over.
    CertainToFail,
    /// Nothing to measure yet.
    NoData,
}

impl Standing {
    /// `met`, `failing`, `at_risk`, `certain_to_fail` or `no_data`.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Met => "met",
            Standing::Failing => "failing",
            Standing::AtRisk => "at_risk",
            Standing::CertainToFail => "certain_to_fail",
            Standing::NoData => "no_data",
        }
    }

    /// The words a contract manager reads: `failing so far`, `at risk` …
    pub fn words(self) -> &'static str {
        match self {
            Standing::Met => "met so far",
            Standing::Failing => "failing so far",
            Standing::AtRisk => "at risk",
            Standing::CertainToFail => "certain to fail",
            Standing::NoData => "no data yet",
        }
    }
}

/// The mean number of incidents assessed against a level over the closed
/// months that had any evidence (at most [`TYPICAL_MONTHS`]), held exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypicalVolume {
    /// The months counted.
    pub months: u64,
    /// The incidents assessed over them.
    pub assessed: u64,
}

impl TypicalVolume {
    /// The mean of `counts` (one per closed month); `None` with no month.
    pub fn of(counts: &[u64]) -> Option<TypicalVolume> {
        (!counts.is_empty()).then(|| TypicalVolume {
            months: counts.len() as u64,
            assessed: counts.iter().sum(),
        })
    }

    /// The mean, for display and metrics.
    pub fn mean(&self) -> f64 {
        self.assessed as f64 / self.months as f64
    }

    /// The mean to three decimals, rounded half up (as attainments are).
    pub fn mean_rounded3(&self) -> f64 {
        // 100 × assessed / (100 × months) percent is the mean itself.
        Ratio::percent_of(self.assessed as i128, 100 * self.months as i128).rounded3()
    }

    /// The mean rounded half up to a whole number of incidents.
    pub fn rounded(&self) -> u64 {
        (2 * self.assessed + self.months) / (2 * self.months)
    }
}

/// Each incident level's typical volume, by service level id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypicalVolumes(BTreeMap<String, TypicalVolume>);

impl TypicalVolumes {
    /// From the evaluations of the closed months to count (the caller picks
    /// the last [`TYPICAL_MONTHS`] that had any evidence). A level counts
    /// only the months it was measured in.
    pub fn from_months(months: &[&MonthEvaluation]) -> TypicalVolumes {
        let mut counts: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for month in months {
            for line in &month.levels {
                if let Figures::Incidents(f) = &line.figures {
                    counts.entry(line.id.clone()).or_default().push(f.assessed);
                }
            }
        }
        TypicalVolumes(
            counts
                .into_iter()
                .filter_map(|(id, c)| TypicalVolume::of(&c).map(|v| (id, v)))
                .collect(),
        )
    }

    /// The typical volume of the level `id`, when any month measured it.
    pub fn get(&self, id: &str) -> Option<TypicalVolume> {
        self.0.get(id).copied()
    }
}

impl FromIterator<(String, TypicalVolume)> for TypicalVolumes {
    fn from_iter<I: IntoIterator<Item = (String, TypicalVolume)>>(iter: I) -> Self {
        TypicalVolumes(iter.into_iter().collect())
    }
}

/// How many more incidents, all met, bring `m` met of `n` up to `target`:
/// the smallest `k` with `100 × (m + k) ≥ target × (n + k)`, that is
/// `max(0, ceil((target·n − 100·m) / (100 − target)))`. `None` when no
/// number can: a 100 % target with an incident missed.
pub fn needed_to_recover(target: Percent, n: u64, m: u64) -> Option<u64> {
    // In ten-thousandths of a percent, exactly.
    let t = target.units() as i128;
    let whole = 100 * PERCENT_SCALE as i128;
    let shortfall = t * n as i128 - whole * m as i128;
    if shortfall <= 0 {
        return Some(0);
    }
    let room = whole - t;
    if room <= 0 {
        return None;
    }
    Some(((shortfall + room - 1) / room) as u64)
}

/// One line's standing in the month in progress.
#[derive(Debug, Clone)]
pub struct LineStanding {
    /// The service level's id.
    pub id: String,
    /// For availability: the service measured.
    pub service: Option<String>,
    /// Where it stands.
    pub standing: Standing,
    /// Incident levels: how many more incidents, all met, bring it to target
    /// (0 when it is on target, or the open ones would bring it back);
    /// `None` when it cannot recover, and for other kinds of level.
    pub needed_to_recover: Option<u64>,
    /// Incident levels: the typical month's volume, when a closed month
    /// measured the level.
    pub typical_volume: Option<TypicalVolume>,
    /// The best attainment the month can still end on, when it can be
    /// known: incident levels with every open incident meeting its target
    /// and no new one; availability its attainment so far.
    pub best_possible: Option<Ratio>,
    /// Certain to fail with its best possible attainment under
    /// `critical_below` (and not excused): a critical failure in waiting.
    pub critical: bool,
}

/// The month in progress's standing, line by line, and its forecast credit.
#[derive(Debug, Clone)]
pub struct MonthStanding {
    /// One per line of the evaluation, in its order.
    pub lines: Vec<LineStanding>,
    /// The service credits if the month ended as it stands now (after the
    /// caps), in minor units.
    pub forecast_credit_minor: i64,
}

impl MonthStanding {
    /// Reads `evaluation` (of `contract`'s month, as seen at `now`) with its
    /// open incidents' stages and each level's typical volume.
    pub fn new(
        contract: &Contract,
        evaluation: &MonthEvaluation,
        open: &[OpenStage],
        typical: &TypicalVolumes,
        now: Instant,
    ) -> MonthStanding {
        let ended = now >= evaluation.period.end(contract.timezone);
        let lines = evaluation
            .levels
            .iter()
            .map(|line| {
                let pending = open
                    .iter()
                    .filter(|s| s.level == line.id && s.stage != Stage::Breached)
                    .count() as u64;
                let level = contract.service_level_in(&line.id, evaluation.period);
                let mut s = line_standing(line, pending, level, ended);
                if matches!(line.figures, Figures::Incidents(_)) {
                    s.typical_volume = typical.get(&line.id);
                }
                s
            })
            .collect();
        MonthStanding {
            lines,
            forecast_credit_minor: evaluation.credits.total_minor,
        }
    }

    /// The standing of the line `id` (and `service`, for availability).
    pub fn line(&self, id: &str, service: Option<&str>) -> Option<&LineStanding> {
        self.lines
            .iter()
            .find(|l| l.id == id && l.service.as_deref() == service)
    }
}

/// One line's standing, from its verdict so far, the incidents still open
/// and not breached (`pending`, counted as if met), its service `level`
/// (`critical_below`, the low-volume rule) and whether the month has
/// `ended`. The typical volume is left to the caller.
pub fn line_standing(
    line: &LevelResult,
    pending: u64,
    level: Option<&ServiceLevel>,
    ended: bool,
) -> LineStanding {
    let critical_below = level.and_then(|l| l.critical_below);
    let mut out = LineStanding {
        id: line.id.clone(),
        service: line.service.clone(),
        standing: match line.status {
            Status::Met => Standing::Met,
            Status::NoData => Standing::NoData,
            Status::Failed => Standing::Failing,
        },
        needed_to_recover: None,
        typical_volume: None,
        best_possible: None,
        critical: false,
    };
    match &line.figures {
        Figures::Incidents(f) => {
            let (n, m) = (f.assessed + pending, f.met + pending);
            out.best_possible = if ended {
                line.attainment
            } else {
                (n > 0).then(|| Ratio::percent_of(m as i128, n as i128))
            };
            if line.status == Status::Failed {
                out.needed_to_recover = if ended {
                    None
                } else {
                    let needed = needed_to_recover(line.target_percent, n, m);
                    // Failed on the low-volume rule: only a month that
                    // reaches the minimum volume is judged on attainment.
                    match level.and_then(|l| l.low_volume) {
                        Some(v) if line.low_volume => {
                            needed.map(|x| x.max(v.minimum.saturating_sub(n)))
                        }
                        _ => needed,
                    }
                };
                out.standing = match out.needed_to_recover {
                    None => Standing::CertainToFail,
                    Some(0) => Standing::Failing,
                    Some(_) => Standing::AtRisk,
                };
            } else {
                out.needed_to_recover = Some(0);
            }
        }
        Figures::Availability(_) => {
            out.best_possible = line.attainment;
            if line.status == Status::Failed {
                // Measured against the whole month: it can only fall.
                out.standing = Standing::CertainToFail;
            }
        }
        Figures::Proactive { .. } => {
            if ended && line.status == Status::Failed {
                out.standing = Standing::CertainToFail;
                out.best_possible = line.attainment;
            }
        }
    }
    out.critical = out.standing == Standing::CertainToFail
        && line.excused.is_none()
        && matches!((out.best_possible, critical_below), (Some(b), Some(c)) if b.is_below(c));
    out
}

#[cfg(test)]
#[path = "standing_tests.rs"]
mod tests;
