//! Availability service levels (see docs/book/src/reference/measures.md): downtime in
//! service hours.

use super::spans::{Span, difference, union};
use crate::contract::calendar::Calendar;
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
/// count once, and partial time under a full outage counts as full. Pieces
/// of one outage (what is left of it after an excusal of part of it) share
/// its id and are listed once.
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
    // An outage excused in part comes as pieces sharing its id: list it once.
    let mut seen = std::collections::HashSet::new();
    counted.retain(|o| seen.insert(o.id.as_str()));
    AvailabilityFigures {
        service_seconds: calendar.business_seconds(month_start, month_end),
        full_seconds,
        partial_seconds,
        downtime_millionths: full_seconds as i128 * WEIGHT_SCALE as i128
            + partial_seconds as i128 * partial_weight.millionths() as i128,
        outages: counted.into_iter().map(|o| o.id.clone()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::calendar::Window;
    use chrono::{DateTime, Utc};
    use chrono_tz::Europe::London;
    use std::collections::BTreeSet;

    fn t(s: &str) -> Instant {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn outage(id: &str, start: &str, end: Option<&str>, impact: Impact, planned: bool) -> Outage {
        Outage {
            id: id.into(),
            service: "email".into(),
            start: t(start),
            end: end.map(t),
            impact,
            planned,
            source: None,
        }
    }

    // October 2026 in London: 2026-09-30T23:00Z to 2026-11-01T00:00Z.
    const OCT_START: &str = "2026-09-30T23:00:00Z";
    const OCT_END: &str = "2026-11-01T00:00:00Z";
    const LATER: &str = "2027-01-01T00:00:00Z";

    fn measure_24x7(outages: &[Outage], now: &str) -> AvailabilityFigures {
        measure(
            &Calendar::always_open(),
            Weight::HALF,
            "email",
            t(OCT_START),
            t(OCT_END),
            outages,
            t(now),
        )
    }

    #[test]
    fn october_has_745_hours_in_london() {
        // 31 days × 24 h + 1 h given back when BST ends on 25 October.
        assert_eq!(measure_24x7(&[], LATER).service_seconds, 745 * 3_600);
    }

    #[test]
    fn overlapping_full_outages_count_once() {
        let o = [
            outage(
                "a",
                "2026-10-05T10:00:00Z",
                Some("2026-10-05T12:00:00Z"),
                Impact::Full,
                false,
            ),
            outage(
                "b",
                "2026-10-05T11:00:00Z",
                Some("2026-10-05T13:00:00Z"),
                Impact::Full,
                false,
            ),
        ];
        let f = measure_24x7(&o, LATER);
        assert_eq!(f.full_seconds, 3 * 3_600);
        assert_eq!(f.downtime_millionths, 3 * 3_600 * 1_000_000);
    }

    #[test]
    fn partial_outage_counts_half_except_under_a_full_one() {
        // Partial 10:00-14:00, full 11:00-12:00: 3 h partial left, 1 h full.
        // Downtime = 1 h + 0.5 × 3 h = 2.5 h = 9,000 s.
        let o = [
            outage(
                "p",
                "2026-10-05T10:00:00Z",
                Some("2026-10-05T14:00:00Z"),
                Impact::Partial,
                false,
            ),
            outage(
                "f",
                "2026-10-05T11:00:00Z",
                Some("2026-10-05T12:00:00Z"),
                Impact::Full,
                false,
            ),
        ];
        let f = measure_24x7(&o, LATER);
        assert_eq!((f.full_seconds, f.partial_seconds), (3_600, 3 * 3_600));
        assert_eq!(f.downtime_seconds(), 9_000.0);
    }

    #[test]
    fn planned_outages_are_not_downtime() {
        let o = [outage(
            "m",
            "2026-10-05T01:00:00Z",
            Some("2026-10-05T05:00:00Z"),
            Impact::Full,
            true,
        )];
        let f = measure_24x7(&o, LATER);
        assert_eq!(f.downtime_millionths, 0);
        assert!(f.outages.is_empty());
    }

    #[test]
    fn outages_are_clipped_to_the_month() {
        // 30 Sep 22:00Z to 1 Oct 01:00Z: only 23:00Z onwards is October (2 h).
        // 31 Oct 23:00Z to 1 Nov 02:00Z: only the first hour is October.
        let o = [
            outage(
                "s",
                "2026-09-30T22:00:00Z",
                Some("2026-10-01T01:00:00Z"),
                Impact::Full,
                false,
            ),
            outage(
                "e",
                "2026-10-31T23:00:00Z",
                Some("2026-11-01T02:00:00Z"),
                Impact::Full,
                false,
            ),
        ];
        assert_eq!(measure_24x7(&o, LATER).full_seconds, 3 * 3_600);
    }

    #[test]
    fn an_open_outage_runs_to_now() {
        let o = [outage(
            "o",
            "2026-10-10T08:00:00Z",
            None,
            Impact::Full,
            false,
        )];
        assert_eq!(measure_24x7(&o, "2026-10-10T09:30:00Z").full_seconds, 5_400);
        // …and to the month's end when now is later.
        assert_eq!(
            measure_24x7(&o, LATER).full_seconds,
            (t(OCT_END) - t("2026-10-10T08:00:00Z")).num_seconds()
        );
    }

    #[test]
    fn only_service_hours_count() {
        let day = vec![Window::parse("08:00-18:00").unwrap()];
        let office = Calendar::weekly(
            "office",
            London,
            [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day,
                vec![],
                vec![],
            ],
            BTreeSet::new(),
        )
        .unwrap();
        // Tuesday 6 Oct 17:00 BST to Wednesday 7 Oct 09:00 BST: 1 h + 1 h in hours.
        let o = [outage(
            "n",
            "2026-10-06T16:00:00Z",
            Some("2026-10-07T08:00:00Z"),
            Impact::Full,
            false,
        )];
        let f = measure(
            &office,
            Weight::HALF,
            "email",
            t(OCT_START),
            t(OCT_END),
            &o,
            t(LATER),
        );
        assert_eq!(f.full_seconds, 2 * 3_600);
        // October 2026 has 22 weekdays of 10 hours.
        assert_eq!(f.service_seconds, 22 * 10 * 3_600);
    }

    #[test]
    fn other_services_do_not_count() {
        let mut o = outage(
            "x",
            "2026-10-05T10:00:00Z",
            Some("2026-10-05T12:00:00Z"),
            Impact::Full,
            false,
        );
        o.service = "network".into();
        assert_eq!(measure_24x7(&[o], LATER).downtime_millionths, 0);
    }
}
