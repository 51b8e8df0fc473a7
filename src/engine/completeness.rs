//! Gaps in the feeds for one month (pure): what the measurement may be
//! missing, shown in the report's data-quality section.
//!
//! - **A configured source with no data in the month**: a ServiceNow, inbox
//!   or webhook source of the contract that delivered no record dated in the
//!   month (an incident or work item opened, an outage started, a supplier
//!   figure for the month). Probes and Alertmanager are left out: silence
//!   from them means no outage. With no such source configured (files
//!   imported by hand), the month is flagged when nothing at all is dated in it.
//! - **An incident closed without a resolution time**: the interchange
//!   records carry no "closed" state, so slawatch knows an incident has
//!   closed when the supplier's own resolution SLA record for it (ServiceNow
//!   `task_sla`) has stopped — completed, or with an end time — while the
//!   incident has no `resolved_at`. Its resolution clock runs on as if open.
//! - **A hold without an end on a resolved incident**: the hold must have
//!   ended by the resolution; without an end slawatch counts it up to the
//!   resolution (an `awaiting_customer` hold then stops the clock throughout).
//!   A hold still open on an open incident is simply on hold, not a gap.

use std::collections::BTreeMap;

use crate::domain::SlaVerdict;
use crate::domain::{Incident, Instant};

/// One gap kind, as the metric labels it.
pub const KINDS: [&str; 3] = [
    "source_month_without_data",
    "incident_closed_without_resolution",
    "hold_without_end",
];

/// A source that delivered nothing dated in the month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SilentSource {
    /// The source's id (`any` when no source is configured).
    pub source: String,
    /// Its kind.
    pub kind: String,
}

/// An incident the supplier's records show closed, with no resolution time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedUnresolved {
    /// The incident.
    pub incident: String,
    /// The supplier SLA record that stopped.
    pub supplier_sla: Option<String>,
    /// When it stopped, when known.
    pub supplier_end: Option<Instant>,
}

/// A hold with no end on a resolved incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenHold {
    /// The incident.
    pub incident: String,
    /// When the hold began.
    pub start: Instant,
    /// Its reason.
    pub reason: String,
    /// When the incident was resolved.
    pub resolved_at: Instant,
}

/// The month's feed gaps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedGaps {
    /// Sources with no data dated in the month.
    pub sources_without_data: Vec<SilentSource>,
    /// Incidents closed without a resolution time.
    pub closed_without_resolution: Vec<ClosedUnresolved>,
    /// Holds without an end on resolved incidents.
    pub holds_without_end: Vec<OpenHold>,
}

impl FeedGaps {
    /// How many of each kind, in [`KINDS`] order.
    pub fn counts(&self) -> [(&'static str, usize); 3] {
        [
            (KINDS[0], self.sources_without_data.len()),
            (KINDS[1], self.closed_without_resolution.len()),
            (KINDS[2], self.holds_without_end.len()),
        ]
    }

    /// True when there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.counts().iter().all(|(_, n)| *n == 0)
    }
}

/// Finds a month's gaps. `sources` are the contract's data sources
/// (id, kind) that should deliver every month; `delivered` the records dated
/// in the month by the import source that stored them; `incidents` the
/// month's incidents and `verdicts` the supplier's SLA records.
pub fn gaps(
    sources: &[(String, String)],
    delivered: &BTreeMap<String, u64>,
    incidents: &[Incident],
    verdicts: &[SlaVerdict],
) -> FeedGaps {
    let mut out = FeedGaps::default();
    if sources.is_empty() {
        if delivered.values().all(|n| *n == 0) {
            out.sources_without_data.push(SilentSource {
                source: "any".into(),
                kind: "any".into(),
            });
        }
    } else {
        for (id, kind) in sources {
            if delivered.get(id).copied().unwrap_or(0) == 0 {
                out.sources_without_data.push(SilentSource {
                    source: id.clone(),
                    kind: kind.clone(),
                });
            }
        }
    }
    for i in incidents.iter().filter(|i| i.resolved_at.is_none()) {
        let stopped = verdicts.iter().find(|v| {
            v.incident_id == i.id
                && !v.times_response()
                && (v.stage.as_deref() == Some("completed") || v.end_at.is_some())
        });
        if let Some(v) = stopped {
            out.closed_without_resolution.push(ClosedUnresolved {
                incident: i.id.clone(),
                supplier_sla: v.sla_name.clone(),
                supplier_end: v
                    .end_at
                    .and_then(|s| chrono::DateTime::from_timestamp(s, 0)),
            });
        }
    }
    for i in incidents {
        let Some(resolved_at) = i.resolved_at else {
            continue;
        };
        for h in i.holds.iter().filter(|h| h.end.is_none()) {
            out.holds_without_end.push(OpenHold {
                incident: i.id.clone(),
                start: h.start,
                reason: h.reason.clone(),
                resolved_at,
            });
        }
    }
    out.closed_without_resolution
        .sort_by(|a, b| a.incident.cmp(&b.incident));
    out.holds_without_end
        .sort_by(|a, b| (&a.incident, a.start).cmp(&(&b.incident, b.start)));
    out
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::domain::{Hold, Priority};

    fn t(s: &str) -> Instant {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn incident(id: &str, resolved: Option<&str>, open_hold: bool) -> Incident {
        Incident {
            id: id.into(),
            priority: Priority::P2,
            service: None,
            opened_at: t("2026-10-05T09:00:00Z"),
            responded_at: None,
            resolved_at: resolved.map(t),
            title: None,
            excused_reason: None,
            unknown: Default::default(),
            holds: match open_hold {
                true => vec![Hold {
                    start: t("2026-10-05T10:00:00Z"),
                    end: None,
                    reason: "awaiting_customer".into(),
                }],
                false => vec![],
            },
        }
    }

    fn stopped(incident: &str, name: &str) -> SlaVerdict {
        SlaVerdict {
            sys_id: format!("{incident}/{name}"),
            incident_id: incident.into(),
            sla_name: Some(name.into()),
            stage: Some("completed".into()),
            has_breached: Some(false),
            start_at: None,
            end_at: None,
            planned_end_at: None,
            business_duration_seconds: None,
            pause_duration_seconds: None,
            business_pause_seconds: None,
            target: None,
            updated_at: 0,
        }
    }

    #[test]
    fn finds_each_kind_of_gap() {
        let sources = vec![
            ("snow".to_string(), "servicenow".to_string()),
            ("packs".to_string(), "inbox".to_string()),
        ];
        let delivered = BTreeMap::from([("snow".to_string(), 12), ("cli".to_string(), 3)]);
        let incidents = [
            // Open, on hold: simply on hold.
            incident("OPEN", None, true),
            // Resolved with its hold never ended.
            incident("HELD", Some("2026-10-05T12:00:00Z"), true),
            // Open, but the supplier's resolution SLA has stopped.
            incident("CLOSED", None, false),
            // Open; only its response SLA has stopped (that is not closure).
            incident("RESPONDED", None, false),
        ];
        let verdicts = [
            stopped("CLOSED", "P2 resolution"),
            stopped("RESPONDED", "P2 response"),
        ];
        let g = gaps(&sources, &delivered, &incidents, &verdicts);
        assert_eq!(
            g.sources_without_data,
            [SilentSource {
                source: "packs".into(),
                kind: "inbox".into()
            }]
        );
        let closed: Vec<&str> = g
            .closed_without_resolution
            .iter()
            .map(|c| c.incident.as_str())
            .collect();
        assert_eq!(closed, ["CLOSED"]);
        let held: Vec<&str> = g
            .holds_without_end
            .iter()
            .map(|h| h.incident.as_str())
            .collect();
        assert_eq!(held, ["HELD"]);
        assert_eq!(
            g.counts(),
            [
                ("source_month_without_data", 1),
                ("incident_closed_without_resolution", 1),
                ("hold_without_end", 1)
            ]
        );
    }

    #[test]
    fn without_sources_only_a_month_with_nothing_is_a_gap() {
        let empty = BTreeMap::new();
        let g = gaps(&[], &empty, &[], &[]);
        assert_eq!(g.sources_without_data[0].source, "any");
        let some = BTreeMap::from([("cli".to_string(), 1)]);
        assert!(gaps(&[], &some, &[], &[]).is_empty());
    }
}
