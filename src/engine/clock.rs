//! Incident clocks (see docs/book/src/reference/measures.md): elapsed
//! business time, the deadline, and whether the incident met, breached or is
//! still pending.

use std::ops::ControlFlow;

use chrono::Duration;

use super::spans::Span;
use crate::contract::calendar::Calendar;
use crate::domain::Instant;

/// Where an incident stands against one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockStatus {
    /// Stopped at or before its deadline.
    Met,
    /// Its deadline passed before it stopped (stopped since or not).
    Breached,
    /// Neither yet.
    Pending,
}

/// The result of running one clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockOutcome {
    /// Met, breached or pending.
    pub status: ClockStatus,
    /// The instant elapsed time reaches the target; `None` when the clock
    /// stopped first or is paused with no end in sight.
    pub deadline: Option<Instant>,
    /// Business seconds elapsed when the clock stopped, or by `now`.
    pub elapsed_seconds: i64,
    /// When the clock stopped, if it has by `now`.
    pub stopped_at: Option<Instant>,
}

/// Runs a clock from `start` on `calendar`, paused during `pauses` (merged and
/// sorted; a pause with no end runs to `None`), until `stop`, as seen at `now`:
/// evidence after `now` (a stop, a pause) is not yet known.
pub fn run_clock(
    calendar: &Calendar,
    start: Instant,
    stop: Option<Instant>,
    pauses: &[(Instant, Option<Instant>)],
    target_seconds: i64,
    now: Instant,
) -> ClockOutcome {
    let stop = stop.filter(|s| *s <= now).map(|s| s.max(start));
    let limit = stop.unwrap_or(now);
    let pauses: Vec<(Instant, Option<Instant>)> = pauses
        .iter()
        .filter(|(p, _)| *p <= now)
        .map(|&(p, e)| (p, e.filter(|e| *e <= now)))
        .collect();
    // Once an open-ended pause begins, no more time can elapse.
    let frozen_from = pauses
        .iter()
        .filter(|(_, e)| e.is_none())
        .map(|(p, _)| *p)
        .min();

    let mut accumulated: i64 = 0;
    let mut elapsed: i64 = 0;
    let mut deadline = None;
    calendar.walk_open(start, stop, |a, b| {
        let mut cursor = a;
        let mut pieces = Vec::new();
        for &(p, e) in &pauses {
            let e = e.unwrap_or(b);
            if e <= cursor || p >= b {
                continue;
            }
            if p > cursor {
                pieces.push(Span {
                    start: cursor,
                    end: p,
                });
            }
            cursor = cursor.max(e);
        }
        if cursor < b {
            pieces.push(Span {
                start: cursor,
                end: b,
            });
        }
        for piece in pieces {
            let len = (piece.end - piece.start).num_seconds();
            if piece.start < limit {
                elapsed += (piece.end.min(limit) - piece.start).num_seconds();
            }
            if deadline.is_none() && accumulated + len >= target_seconds {
                deadline = Some(piece.start + Duration::seconds(target_seconds - accumulated));
            }
            accumulated += len;
        }
        let measured = b >= limit;
        let nothing_more = frozen_from.is_some_and(|f| b >= f);
        if measured && (deadline.is_some() || stop.is_some() || nothing_more) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });

    let status = match (stop, deadline) {
        (Some(s), Some(d)) if s > d => ClockStatus::Breached,
        (Some(_), _) => ClockStatus::Met,
        (None, Some(d)) if d < now => ClockStatus::Breached,
        (None, _) => ClockStatus::Pending,
    };
    // A deadline after the stop never arrived: the clock stopped first.
    let deadline = match (stop, deadline) {
        (Some(s), Some(d)) if d > s => None,
        _ => deadline,
    };
    ClockOutcome {
        status,
        deadline,
        elapsed_seconds: elapsed,
        stopped_at: stop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::calendar::Window;
    use chrono::{DateTime, Utc};
    use chrono_tz::Europe::London;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn t(s: &str) -> Instant {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn office() -> Calendar {
        let day = vec![Window::parse("08:00-18:00").unwrap()];
        Calendar::weekly(
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
            ["2026-12-25", "2026-12-28"]
                .iter()
                .map(|d| d.parse().unwrap())
                .collect::<BTreeSet<_>>(),
        )
        .unwrap()
    }

    const H: i64 = 3_600;
    const LATER: &str = "2027-06-01T00:00:00Z";

    #[test]
    fn met_when_stopped_at_the_deadline() {
        let c = Calendar::always_open();
        let o = run_clock(
            &c,
            t("2026-10-07T09:00:00Z"),
            Some(t("2026-10-07T13:00:00Z")),
            &[],
            4 * H,
            t(LATER),
        );
        assert_eq!(o.status, ClockStatus::Met);
        assert_eq!(o.elapsed_seconds, 4 * H);
        assert_eq!(o.deadline, Some(t("2026-10-07T13:00:00Z")));
    }

    #[test]
    fn breached_one_second_late() {
        let c = Calendar::always_open();
        let o = run_clock(
            &c,
            t("2026-10-07T09:00:00Z"),
            Some(t("2026-10-07T13:00:01Z")),
            &[],
            4 * H,
            t(LATER),
        );
        assert_eq!(o.status, ClockStatus::Breached);
        assert_eq!(o.deadline, Some(t("2026-10-07T13:00:00Z")));
        assert_eq!(o.elapsed_seconds, 4 * H + 1);
    }

    #[test]
    fn open_incident_is_pending_until_its_deadline_passes() {
        let c = Calendar::always_open();
        let start = t("2026-10-07T09:00:00Z");
        let before = run_clock(&c, start, None, &[], 4 * H, t("2026-10-07T12:00:00Z"));
        assert_eq!(before.status, ClockStatus::Pending);
        assert_eq!(before.elapsed_seconds, 3 * H);
        assert_eq!(before.deadline, Some(t("2026-10-07T13:00:00Z")));
        let after = run_clock(&c, start, None, &[], 4 * H, t("2026-10-07T13:00:01Z"));
        assert_eq!(after.status, ClockStatus::Breached);
    }

    #[test]
    fn a_stop_after_now_is_not_yet_known() {
        let c = Calendar::always_open();
        let o = run_clock(
            &c,
            t("2026-10-07T09:00:00Z"),
            Some(t("2026-10-07T10:00:00Z")),
            &[],
            4 * H,
            t("2026-10-07T09:30:00Z"),
        );
        assert_eq!(o.status, ClockStatus::Pending);
        assert_eq!(o.elapsed_seconds, 1_800);
    }

    #[test]
    fn office_clock_runs_only_in_office_hours() {
        // Opened Friday 2 Oct 2026 16:00 BST with a 4 business-hour target:
        // 2 hours on Friday, 2 on Monday → deadline Monday 10:00 BST.
        let o = run_clock(
            &office(),
            t("2026-10-02T16:00:00+01:00"),
            None,
            &[],
            4 * H,
            t(LATER),
        );
        assert_eq!(o.deadline, Some(t("2026-10-05T10:00:00+01:00")));
        assert_eq!(o.status, ClockStatus::Breached);
    }

    #[test]
    fn opened_outside_hours_starts_at_the_next_opening() {
        // Opened Saturday; 30 business minutes → Monday 08:30 BST.
        let o = run_clock(
            &office(),
            t("2026-10-03T11:00:00+01:00"),
            Some(t("2026-10-05T08:30:00+01:00")),
            &[],
            1_800,
            t(LATER),
        );
        assert_eq!(o.status, ClockStatus::Met);
        assert_eq!(o.elapsed_seconds, 1_800);
    }

    #[test]
    fn holidays_push_the_deadline() {
        // Thursday 24 Dec 2026 17:00 GMT, 2 business hours: 1 on the 24th, then
        // the 25th (holiday), weekend, 28th (holiday) → Tuesday 29th 09:00.
        let o = run_clock(
            &office(),
            t("2026-12-24T17:00:00Z"),
            None,
            &[],
            2 * H,
            t(LATER),
        );
        assert_eq!(o.deadline, Some(t("2026-12-29T09:00:00Z")));
    }

    #[test]
    fn awaiting_customer_hold_pauses_the_clock() {
        // 24x7, 4h target, opened 09:00, hold 10:00-12:00, resolved 14:30:
        // elapsed = 1h + 2.5h = 3.5h → met; deadline would have been 15:00.
        let c = Calendar::always_open();
        let pauses = [(t("2026-10-07T10:00:00Z"), Some(t("2026-10-07T12:00:00Z")))];
        let o = run_clock(
            &c,
            t("2026-10-07T09:00:00Z"),
            Some(t("2026-10-07T14:30:00Z")),
            &pauses,
            4 * H,
            t(LATER),
        );
        assert_eq!(o.status, ClockStatus::Met);
        assert_eq!(o.elapsed_seconds, 3 * H + 1_800);
        let open = run_clock(
            &c,
            t("2026-10-07T09:00:00Z"),
            None,
            &pauses,
            4 * H,
            t(LATER),
        );
        assert_eq!(open.deadline, Some(t("2026-10-07T15:00:00Z")));
    }

    #[test]
    fn hold_straddling_closed_hours_only_removes_open_time() {
        // Office calendar, opened Tue 6 Oct 16:00 BST, hold from 17:00 Tue to
        // 09:00 Wed (only 1 open hour of it: Wed 08:00-09:00), 4h target:
        // Tue 16-17 (1h), paused, Wed 09:00 + 3h → deadline Wed 12:00 BST.
        let pauses = [(
            t("2026-10-06T17:00:00+01:00"),
            Some(t("2026-10-07T09:00:00+01:00")),
        )];
        let o = run_clock(
            &office(),
            t("2026-10-06T16:00:00+01:00"),
            None,
            &pauses,
            4 * H,
            t(LATER),
        );
        assert_eq!(o.deadline, Some(t("2026-10-07T12:00:00+01:00")));
    }

    #[test]
    fn open_ended_hold_freezes_the_clock() {
        let c = Calendar::always_open();
        let pauses = [(t("2026-10-07T10:00:00Z"), None)];
        let o = run_clock(
            &c,
            t("2026-10-07T09:00:00Z"),
            None,
            &pauses,
            4 * H,
            t("2026-10-20T00:00:00Z"),
        );
        assert_eq!(o.status, ClockStatus::Pending);
        assert_eq!(o.deadline, None);
        assert_eq!(o.elapsed_seconds, H);
    }

    #[test]
    fn hold_after_the_stop_changes_nothing() {
        let c = Calendar::always_open();
        let pauses = [(t("2026-10-07T20:00:00Z"), Some(t("2026-10-07T22:00:00Z")))];
        let o = run_clock(
            &c,
            t("2026-10-07T09:00:00Z"),
            Some(t("2026-10-07T15:00:00Z")),
            &pauses,
            4 * H,
            t(LATER),
        );
        assert_eq!(o.status, ClockStatus::Breached);
        assert_eq!(o.deadline, Some(t("2026-10-07T13:00:00Z")));
        assert_eq!(o.elapsed_seconds, 6 * H);
    }

    proptest! {
        #[test]
        fn elapsed_at_the_deadline_equals_the_target(start in 0i64..20_000_000, target in 60i64..200_000) {
            let cal = office();
            let s = t("2026-01-01T00:00:00Z") + Duration::seconds(start);
            let o = run_clock(&cal, s, None, &[], target, t("2030-01-01T00:00:00Z"));
            let d = o.deadline.unwrap();
            prop_assert_eq!(cal.business_seconds(s, d), target);
            // …and is the earliest such instant.
            prop_assert!(cal.business_seconds(s, d - Duration::seconds(1)) < target);
        }
    }
}
