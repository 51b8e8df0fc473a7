//! How the supplier stops its clocks, for one contract-month (pure): hold
//! time by reason and priority and its share of resolution time, holds
//! added after the fact, priority changes, reopened incidents, and how many
//! met incidents stopped in the last 5 % of their target against what the
//! month's own stop times predict.
//!
//! For each resolution-time level, the incidents it assesses in the month
//! (met or breached there) are measured on the level's calendar: an
//! incident's resolution time is the business time from its opening to its
//! resolution (or the evaluation instant), and its hold time the business
//! time of its holds within that (overlapping holds counted once in the
//! total; by reason, each hold in full).
//!
//! Deadline clustering: of the met incidents, the share whose elapsed time
//! was at least 95 % of the target, set against the share expected if stop
//! times near the deadline were as dense as just before it — half the share
//! stopped between 85 % and 95 % of the target (a band twice as wide).

use std::collections::{BTreeMap, HashSet};

use super::clock::ClockStatus;
use super::incidents::{applies, assessment_month, clock_for};
use super::spans::{Span, union};
use crate::contract::{Contract, ServiceLevelKind};
use crate::domain::{Incident, Instant, Period, Priority};

/// An earlier version of an incident, as the history keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastVersion {
    /// The incident.
    pub id: String,
    /// Its priority then.
    pub priority: Priority,
    /// Its resolution then.
    pub resolved_at: Option<Instant>,
    /// When the store received that version (epoch seconds), to order them.
    pub received_at: i64,
}

/// Hold time for one reason and priority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldTime {
    /// The hold's reason (`awaiting_customer` stops the clock).
    pub reason: String,
    /// The incidents' priority.
    pub priority: Priority,
    /// Business seconds on hold.
    pub seconds: i64,
    /// Holds counted.
    pub holds: u64,
}

/// One resolution-time level's clock stops in the month.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelClockStops {
    /// The service level.
    pub service_level: String,
    /// Incidents it assesses in the month.
    pub assessed: u64,
    /// Hold time by reason and priority.
    pub holds: Vec<HoldTime>,
    /// Business seconds on hold (overlaps once).
    pub hold_seconds: i64,
    /// Business seconds from opening to resolution.
    pub resolution_seconds: i64,
    /// Met incidents.
    pub met: u64,
    /// Of them, stopped at 95 % of the target or later.
    pub met_in_last_5_percent: u64,
    /// Of them, stopped between 85 % and 95 % of the target.
    pub met_between_85_and_95_percent: u64,
}

impl LevelClockStops {
    /// Hold time as a share of resolution time, in percent.
    pub fn hold_share_percent(&self) -> Option<f64> {
        (self.resolution_seconds > 0)
            .then(|| self.hold_seconds as f64 * 100.0 / self.resolution_seconds as f64)
    }

    /// The share of met incidents stopped in the last 5 % of the target, in percent.
    pub fn last_5_percent_share(&self) -> Option<f64> {
        (self.met > 0).then(|| self.met_in_last_5_percent as f64 * 100.0 / self.met as f64)
    }

    /// The share expected there from the band before it, in percent.
    pub fn expected_last_5_percent_share(&self) -> Option<f64> {
        (self.met > 0).then(|| self.met_between_85_and_95_percent as f64 * 50.0 / self.met as f64)
    }
}

/// Every clock-stop figure of a contract-month.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockStops {
    /// Per resolution-time level.
    pub levels: Vec<LevelClockStops>,
    /// Holds added to incidents the store already held, after the grace.
    pub holds_added_after_the_fact: u64,
    /// Incidents whose priority was lowered since first stored.
    pub priority_downgrades: u64,
    /// Incidents whose priority was raised since first stored.
    pub priority_upgrades: u64,
    /// Incidents whose resolution was cleared or moved later.
    pub reopened: u64,
}

/// Measures the month's clock stops over the month's `incidents` (as held
/// now) but the `excused` ones, their earlier versions `past`, and the
/// holds added after the fact.
pub fn measure(
    contract: &Contract,
    period: Period,
    incidents: &[Incident],
    excused: &HashSet<&str>,
    past: &[PastVersion],
    holds_added_after_the_fact: u64,
    now: Instant,
) -> ClockStops {
    let mut levels = Vec::new();
    let mut in_month: BTreeMap<&str, &Incident> = BTreeMap::new();
    for level in contract.levels_in_force(period) {
        if level.kind != ServiceLevelKind::ResolutionTime {
            continue;
        }
        let Some(target) = level.target_seconds else {
            continue;
        };
        let mut by_reason: BTreeMap<(String, Priority), (i64, u64)> = BTreeMap::new();
        let mut line = LevelClockStops {
            service_level: level.id.clone(),
            assessed: 0,
            holds: Vec::new(),
            hold_seconds: 0,
            resolution_seconds: 0,
            met: 0,
            met_in_last_5_percent: 0,
            met_between_85_and_95_percent: 0,
        };
        for incident in incidents
            .iter()
            .filter(|i| applies(level, i) && !excused.contains(i.id.as_str()))
        {
            let Some(outcome) = clock_for(level, incident, now) else {
                continue;
            };
            if assessment_month(&outcome, contract.timezone) != Some(period) {
                continue;
            }
            in_month.insert(&incident.id, incident);
            line.assessed += 1;
            let stop = incident.resolved_at.unwrap_or(now).min(now);
            let calendar = &level.calendar;
            line.resolution_seconds += calendar.business_seconds(incident.opened_at, stop);
            let mut spans = Vec::new();
            for h in &incident.holds {
                let Some(span) = Span::new(h.start, h.end.unwrap_or(stop))
                    .and_then(|s| s.clip(incident.opened_at, stop))
                else {
                    continue;
                };
                let seconds = calendar.business_seconds(span.start, span.end);
                let entry = by_reason
                    .entry((h.reason.clone(), incident.priority))
                    .or_default();
                entry.0 += seconds;
                entry.1 += 1;
                spans.push(span);
            }
            line.hold_seconds += union(spans)
                .iter()
                .map(|s| calendar.business_seconds(s.start, s.end))
                .sum::<i64>();
            if outcome.status == ClockStatus::Met {
                line.met += 1;
                // elapsed / target ≥ 0.95, in integers.
                if outcome.elapsed_seconds * 100 >= target * 95 {
                    line.met_in_last_5_percent += 1;
                } else if outcome.elapsed_seconds * 100 >= target * 85 {
                    line.met_between_85_and_95_percent += 1;
                }
            }
        }
        line.holds = by_reason
            .into_iter()
            .map(|((reason, priority), (seconds, holds))| HoldTime {
                reason,
                priority,
                seconds,
                holds,
            })
            .collect();
        levels.push(line);
    }

    // Priority and resolution changes of the incidents the month assesses.
    let mut history: BTreeMap<&str, Vec<&PastVersion>> = BTreeMap::new();
    for v in past {
        if in_month.contains_key(v.id.as_str()) {
            history.entry(&v.id).or_default().push(v);
        }
    }
    let (mut downgrades, mut upgrades, mut reopened) = (0, 0, 0);
    for (id, mut versions) in history {
        let Some(current) = in_month.get(id) else {
            continue;
        };
        versions.sort_by_key(|v| v.received_at);
        let first = versions[0].priority;
        if current.priority > first {
            downgrades += 1;
        } else if current.priority < first {
            upgrades += 1;
        }
        // Each version against the next (the current one last).
        let resolutions: Vec<Option<Instant>> = versions
            .iter()
            .map(|v| v.resolved_at)
            .chain([current.resolved_at])
            .collect();
        if resolutions
            .windows(2)
            .any(|w| matches!((w[0], w[1]), (Some(a), b) if b.is_none_or(|b| b > a)))
        {
            reopened += 1;
        }
    }
    ClockStops {
        levels,
        holds_added_after_the_fact,
        priority_downgrades: downgrades,
        priority_upgrades: upgrades,
        reopened,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Hold;
    use crate::engine::evaluate::tests::{contract, incident, level, oct, p1_resolution, t};

    fn hold(start: &str, end: &str, reason: &str) -> Hold {
        Hold {
            start: t(start),
            end: Some(t(end)),
            reason: reason.into(),
        }
    }

    fn past(id: &str, priority: Priority, resolved: Option<&str>) -> PastVersion {
        PastVersion {
            id: id.into(),
            priority,
            resolved_at: resolved.map(t),
            received_at: 1,
        }
    }

    /// A hand-built October on a 24x7 calendar, P1 resolution in 4 h:
    /// A 09:00–12:00 with an hour awaiting the customer (2 h elapsed, met);
    /// B 09:00–13:50 with an hour awaiting the customer (3 h 50 m = 95.8 %
    /// of the target: met in the last 5 %); C 09:00–12:36 (3 h 36 m = 90 %);
    /// D 09:00–15:00 with two hours awaiting a vendor (no pause: 6 h,
    /// breached); E 09:00–11:00 (met), first sent as a P3 resolved at 10:30.
    /// F is a P3 (20 h) 09:00–10:00, first sent as a P1.
    #[test]
    fn a_hand_built_month() {
        let p3 = crate::contract::ServiceLevel {
            priorities: vec![Priority::P3],
            target_seconds: Some(20 * 3_600),
            ..level("p3-resolution", ServiceLevelKind::ResolutionTime)
        };
        let c = contract(vec![p1_resolution(), p3]);
        let mut a = incident("A", "2026-10-05T09:00:00Z", Some("2026-10-05T12:00:00Z"));
        a.holds = vec![hold(
            "2026-10-05T10:00:00Z",
            "2026-10-05T11:00:00Z",
            "awaiting_customer",
        )];
        let mut b = incident("B", "2026-10-06T09:00:00Z", Some("2026-10-06T13:50:00Z"));
        b.holds = vec![hold(
            "2026-10-06T09:30:00Z",
            "2026-10-06T10:30:00Z",
            "awaiting_customer",
        )];
        let c_ = incident("C", "2026-10-07T09:00:00Z", Some("2026-10-07T12:36:00Z"));
        let mut d = incident("D", "2026-10-08T09:00:00Z", Some("2026-10-08T15:00:00Z"));
        d.holds = vec![hold(
            "2026-10-08T10:00:00Z",
            "2026-10-08T12:00:00Z",
            "awaiting_vendor",
        )];
        let e = incident("E", "2026-10-09T09:00:00Z", Some("2026-10-09T11:00:00Z"));
        let mut f = incident("F", "2026-10-10T09:00:00Z", Some("2026-10-10T10:00:00Z"));
        f.priority = Priority::P3;
        let history = [
            past("E", Priority::P3, Some("2026-10-09T10:30:00Z")),
            past("F", Priority::P1, Some("2026-10-10T10:00:00Z")),
        ];
        let stops = measure(
            &c,
            oct(),
            &[a, b, c_, d, e, f],
            &HashSet::new(),
            &history,
            2,
            t("2026-11-05T00:00:00Z"),
        );
        let p1 = &stops.levels[0];
        assert_eq!(p1.assessed, 5);
        // Holds: A 1 h + B 1 h + D 2 h = 14,400 s; resolution 3 h + 4 h 50 m
        // + 3 h 36 m + 6 h + 2 h = 69,960 s; 20.58 % on hold.
        assert_eq!((p1.hold_seconds, p1.resolution_seconds), (14_400, 69_960));
        assert!((p1.hold_share_percent().unwrap() - 14_400.0 * 100.0 / 69_960.0).abs() < 1e-9);
        assert_eq!(
            p1.holds,
            vec![
                HoldTime {
                    reason: "awaiting_customer".into(),
                    priority: Priority::P1,
                    seconds: 7_200,
                    holds: 2
                },
                HoldTime {
                    reason: "awaiting_vendor".into(),
                    priority: Priority::P1,
                    seconds: 7_200,
                    holds: 1
                },
            ]
        );
        // Met: A, B, C, E. B in the last 5 %, C between 85 and 95 %: 25 %
        // against an expected 12.5 %.
        assert_eq!(
            (
                p1.met,
                p1.met_in_last_5_percent,
                p1.met_between_85_and_95_percent
            ),
            (4, 1, 1)
        );
        assert_eq!(p1.last_5_percent_share(), Some(25.0));
        assert_eq!(p1.expected_last_5_percent_share(), Some(12.5));
        let p3 = &stops.levels[1];
        assert_eq!(
            (p3.assessed, p3.met, p3.hold_seconds, p3.resolution_seconds),
            (1, 1, 0, 3_600)
        );
        // E was raised from P3 and reopened (10:30 → 11:00); F lowered from P1.
        assert_eq!(
            (
                stops.priority_upgrades,
                stops.priority_downgrades,
                stops.reopened
            ),
            (1, 1, 1)
        );
        assert_eq!(stops.holds_added_after_the_fact, 2);
    }
}
