//! Availability service levels (SPEC §2.4): downtime in service hours.

use super::calendar::Calendar;
use super::spans::{Span, difference, union};
use crate::domain::percent::WEIGHT_SCALE;
use crate::domain::{Impact, Instant, Outage, Weight};

/// One service's availability figures for one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailabilityFigures {
    /// Business seconds of the month on the level's calendar.
    pub service_seconds: i64,
    /// Business seconds under a full outage.
    pub full_seconds: i64,
    /// Business seconds under a partial outage and no full one.
    pub partial_seconds: i64,
    /// `full + weight × partial`, in millionths of a second (exact).
    pub downtime_millionths: i128,
    /// The outages that counted, by id, in start order.
    pub outages: Vec<String>,
}

impl AvailabilityFigures {
    /// Downtime in seconds (fractional when a partial weight splits a second).
    pub fn downtime_seconds(&self) -> f64 {
        self.downtime_millionths as f64 / WEIGHT_SCALE as f64
    }
}

/// Measures `service` in `[month_start, month_end)` as seen at `now`: planned
/// outages are excluded, outages with no end run to `now`, overlapping ones
/// count once, and partial time under a full outage counts as full.
pub fn measure(
    calendar: &Calendar,
    partial_weight: Weight,
    service: &str,
    month_start: Instant,
    month_end: Instant,
    outages: &[Outage],
    now: Instant,
) -> AvailabilityFigures {
    let visible_end = month_end.min(now);
    let mut full = Vec::new();
    let mut partial = Vec::new();
    let mut counted: Vec<&Outage> = Vec::new();
    for o in outages
        .iter()
        .filter(|o| o.service == service && !o.planned && o.start <= now)
    {
        let end = o.end.filter(|e| *e <= now).unwrap_or(now);
        let Some(span) = Span::new(o.start, end).and_then(|s| s.clip(month_start, visible_end))
        else {
            continue;
        };
        counted.push(o);
        match o.impact {
            Impact::Full => full.push(span),
            Impact::Partial => partial.push(span),
        }
    }
    let full = union(full);
    let partial = difference(&union(partial), &full);
    let on_calendar = |spans: &[Span]| -> i64 {
        spans
            .iter()
            .map(|s| calendar.business_seconds(s.start, s.end))
            .sum()
    };
    let full_seconds = on_calendar(&full);
    let partial_seconds = on_calendar(&partial);
    counted.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));
    AvailabilityFigures {
        service_seconds: calendar.business_seconds(month_start, month_end),
        full_seconds,
        partial_seconds,
        downtime_millionths: full_seconds as i128 * WEIGHT_SCALE as i128
            + partial_seconds as i128 * partial_weight.millionths() as i128,
        outages: counted.into_iter().map(|o| o.id.clone()).collect(),
    }
}
