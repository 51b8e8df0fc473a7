//! The report's clock-stop analytics: how the supplier stopped its clocks.

use serde::Serialize;

use super::Wire;
use crate::engine::clock_stops::{ClockStops, LevelClockStops};

/// The section as a whole.
#[derive(Debug, Serialize)]
pub struct ClockStopsJson<'a> {
    /// Per resolution-time level.
    pub levels: Vec<LevelClockStopsJson<'a>>,
    /// Holds added after the fact to incidents already held.
    pub holds_added_after_the_fact: u64,
    /// Incidents whose priority was lowered since first stored.
    pub priority_downgrades: u64,
    /// Incidents whose priority was raised since first stored.
    pub priority_upgrades: u64,
    /// Incidents whose resolution was cleared or moved later.
    pub reopened: u64,
}

/// One level's clock stops.
#[derive(Debug, Serialize)]
pub struct LevelClockStopsJson<'a> {
    /// The service level.
    pub service_level: &'a str,
    /// Incidents it assesses in the month.
    pub assessed: u64,
    /// Business seconds on hold (overlaps once).
    pub hold_seconds: i64,
    /// Business seconds from opening to resolution.
    pub resolution_seconds: i64,
    /// Hold time as a share of resolution time (three decimals).
    pub hold_share_percent: Option<f64>,
    /// Hold time by reason and priority.
    pub holds: Vec<HoldTimeJson<'a>>,
    /// Met incidents.
    pub met: u64,
    /// Of them, stopped at 95 % of the target or later.
    pub met_in_last_5_percent: u64,
    /// Their share of the met incidents (three decimals).
    pub last_5_percent_share: Option<f64>,
    /// The share expected from the 85–95 % band (three decimals).
    pub expected_last_5_percent_share: Option<f64>,
}

/// Hold time for one reason and priority.
#[derive(Debug, Serialize)]
pub struct HoldTimeJson<'a> {
    /// The reason.
    pub reason: &'a str,
    /// The priority.
    pub priority: &'static str,
    /// Business seconds.
    pub seconds: i64,
    /// Holds counted.
    pub holds: u64,
}

fn three(x: Option<f64>) -> Option<f64> {
    x.map(|v| (v * 1000.0).round() / 1000.0)
}

impl Wire for ClockStops {
    type Json<'a> = ClockStopsJson<'a>;

    fn json(&self) -> ClockStopsJson<'_> {
        ClockStopsJson {
            levels: self.levels.iter().map(level).collect(),
            holds_added_after_the_fact: self.holds_added_after_the_fact,
            priority_downgrades: self.priority_downgrades,
            priority_upgrades: self.priority_upgrades,
            reopened: self.reopened,
        }
    }
}

fn level(l: &LevelClockStops) -> LevelClockStopsJson<'_> {
    LevelClockStopsJson {
        service_level: &l.service_level,
        assessed: l.assessed,
        hold_seconds: l.hold_seconds,
        resolution_seconds: l.resolution_seconds,
        hold_share_percent: three(l.hold_share_percent()),
        holds: l
            .holds
            .iter()
            .map(|h| HoldTimeJson {
                reason: &h.reason,
                priority: h.priority.as_str(),
                seconds: h.seconds,
                holds: h.holds,
            })
            .collect(),
        met: l.met,
        met_in_last_5_percent: l.met_in_last_5_percent,
        last_5_percent_share: three(l.last_5_percent_share()),
        expected_last_5_percent_share: three(l.expected_last_5_percent_share()),
    }
}
