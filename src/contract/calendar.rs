//! Business-hours calendars (see docs/book/src/reference/measures.md).
//!
//! A calendar is a set of weekly local windows minus whole-day holidays, in an
//! IANA timezone. Business time is the overlap of an interval of real
//! instants with the open intervals, so a 00:00–24:00 window lasts 23 hours on
//! the spring-forward day and 25 hours in autumn.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use chrono_tz::Tz;

use crate::domain::time::{Instant, Side, local_boundary, local_date};

/// Minutes in a local day; a window may end at `24:00`.
pub const MINUTES_PER_DAY: u32 = 24 * 60;

/// The name of the built-in always-open calendar.
pub const ALWAYS_OPEN: &str = "24x7";

/// How far ahead a deadline search walks before giving up (ten years): only a
/// calendar that is closed for a decade could reach it.
const WALK_LIMIT_DAYS: i64 = 3_660;

/// One open window of a weekday, in minutes since local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Window {
    /// First open minute.
    pub start: u32,
    /// End minute (exclusive), at most [`MINUTES_PER_DAY`].
    pub end: u32,
}

impl Window {
    /// Parses `HH:MM-HH:MM` (`24:00` allowed as the end).
    pub fn parse(text: &str) -> Result<Window, String> {
        let err = || format!("'{text}' is not a window (expected HH:MM-HH:MM, e.g. 08:00-18:00)");
        let (a, b) = text.trim().split_once('-').ok_or_else(err)?;
        let start = parse_hhmm(a).ok_or_else(err)?;
        let end = parse_hhmm(b).ok_or_else(err)?;
        if start >= MINUTES_PER_DAY {
            return Err(format!("'{text}': a window cannot start at 24:00"));
        }
        if end <= start {
            return Err(format!("'{text}': the window ends before it starts"));
        }
        Ok(Window { start, end })
    }
}

fn parse_hhmm(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let h: u32 = h.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

/// A business-hours calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    name: String,
    hours: Hours,
}

#[derive(Debug, Clone, PartialEq)]
enum Hours {
    AlwaysOpen,
    Weekly {
        tz: Tz,
        /// Windows per weekday, Monday first, sorted and disjoint.
        days: [Vec<Window>; 7],
        holidays: BTreeSet<NaiveDate>,
    },
}

impl Calendar {
    /// The built-in `24x7` calendar.
    pub fn always_open() -> Calendar {
        Calendar {
            name: ALWAYS_OPEN.to_string(),
            hours: Hours::AlwaysOpen,
        }
    }

    /// A weekly calendar. `days` lists each weekday's windows, Monday first.
    /// Refuses overlapping windows and a calendar that is never open.
    pub fn weekly(
        name: &str,
        tz: Tz,
        mut days: [Vec<Window>; 7],
        holidays: BTreeSet<NaiveDate>,
    ) -> Result<Calendar, String> {
        for (i, windows) in days.iter_mut().enumerate() {
            windows.sort();
            if let Some(pair) = windows.windows(2).find(|p| p[1].start < p[0].end) {
                return Err(format!(
                    "{} windows overlap: {} and {}",
                    WEEKDAYS[i],
                    fmt_window(pair[0]),
                    fmt_window(pair[1])
                ));
            }
        }
        if days.iter().all(|d| d.is_empty()) {
            return Err("the calendar is never open (no weekday has a window)".to_string());
        }
        Ok(Calendar {
            name: name.to_string(),
            hours: Hours::Weekly { tz, days, holidays },
        })
    }

    /// The calendar's name in configuration.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The service hours in words, consecutive weekdays with the same
    /// windows grouped: `Monday–Friday 08:00–18:00; closed Saturday–Sunday`.
    pub fn hours_in_words(&self) -> String {
        let Hours::Weekly { days, .. } = &self.hours else {
            return "every hour of every day (24x7)".to_string();
        };
        let day = |i: usize| {
            let name = WEEKDAYS[i];
            let mut c = name.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        };
        let mut parts = Vec::new();
        let mut i = 0;
        while i < 7 {
            let mut j = i;
            while j + 1 < 7 && days[j + 1] == days[i] {
                j += 1;
            }
            let span = match j == i {
                true => day(i),
                false => format!("{}–{}", day(i), day(j)),
            };
            parts.push(match days[i].is_empty() {
                true => format!("closed {span}"),
                false => format!(
                    "{span} {}",
                    days[i]
                        .iter()
                        .map(|w| fmt_window(*w).replace('-', "–"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
            i = j + 1;
        }
        parts.join("; ")
    }

    /// The calendar's holidays from `from` to `to` inclusive (none for 24x7).
    pub fn holidays_between(&self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        match &self.hours {
            Hours::AlwaysOpen => Vec::new(),
            Hours::Weekly { holidays, .. } => holidays.range(from..=to).copied().collect(),
        }
    }

    /// Calls `visit` with each open interval that overlaps `[from, to)`, clipped
    /// to it, in order. With `to = None` it walks forward until `visit` breaks
    /// (or ten years pass).
    pub fn walk_open(
        &self,
        from: Instant,
        to: Option<Instant>,
        mut visit: impl FnMut(Instant, Instant) -> ControlFlow<()>,
    ) {
        if to.is_some_and(|t| t <= from) {
            return;
        }
        let (tz, days, holidays) = match &self.hours {
            Hours::AlwaysOpen => {
                let end = to.unwrap_or(from + Duration::days(WALK_LIMIT_DAYS));
                let _ = visit(from, end);
                return;
            }
            Hours::Weekly { tz, days, holidays } => (*tz, days, holidays),
        };
        // A window never crosses local midnight, so the day `from` falls on is
        // the first that can contain it; the day before covers DST edge cases.
        let mut date = local_date(tz, from).pred_opt().unwrap_or(NaiveDate::MIN);
        let last = match to {
            Some(t) => local_date(tz, t),
            None => local_date(tz, from) + Duration::days(WALK_LIMIT_DAYS),
        };
        // Where the last visited interval ended: windows that meet at an
        // ambiguous local time (the autumn repeat) would otherwise overlap by
        // the repeated hour and count it twice.
        let mut covered_to = from;
        while date <= last {
            if !holidays.contains(&date) {
                for w in &days[date.weekday().num_days_from_monday() as usize] {
                    let open = window_instant(tz, date, w.start, Side::Start);
                    let close = window_instant(tz, date, w.end, Side::End);
                    let a = open.max(covered_to);
                    let b = match to {
                        Some(t) => close.min(t),
                        None => close,
                    };
                    if a < b {
                        covered_to = b;
                        if visit(a, b).is_break() {
                            return;
                        }
                    }
                }
            }
            date = match date.succ_opt() {
                Some(d) => d,
                None => return,
            };
        }
    }

    /// Whether `date` is a working day: not a holiday, and its weekday has a
    /// window. Every day is a working day on `24x7`.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match &self.hours {
            Hours::AlwaysOpen => true,
            Hours::Weekly { days, holidays, .. } => {
                !holidays.contains(&date)
                    && !days[date.weekday().num_days_from_monday() as usize].is_empty()
            }
        }
    }

    /// Business seconds in `[from, to)`.
    pub fn business_seconds(&self, from: Instant, to: Instant) -> i64 {
        let mut total = 0;
        self.walk_open(from, Some(to), |a, b| {
            total += (b - a).num_seconds();
            ControlFlow::Continue(())
        });
        total
    }
}

/// Weekday names as configuration spells them, Monday first.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

fn fmt_window(w: Window) -> String {
    format!(
        "{:02}:{:02}-{:02}:{:02}",
        w.start / 60,
        w.start % 60,
        w.end / 60,
        w.end % 60
    )
}

fn window_instant(tz: Tz, date: NaiveDate, minute: u32, side: Side) -> Instant {
    if minute >= MINUTES_PER_DAY {
        let next = date.succ_opt().unwrap_or(date);
        return local_boundary(tz, next.and_time(NaiveTime::MIN), side);
    }
    let time = NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).unwrap_or(NaiveTime::MIN);
    local_boundary(tz, date.and_time(time), side)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use chrono_tz::{America::New_York, Europe::London};
    use proptest::prelude::*;

    fn t(s: &str) -> Instant {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn open_intervals(c: &Calendar, from: Instant, to: Instant) -> Vec<(Instant, Instant)> {
        let mut out = Vec::new();
        c.walk_open(from, Some(to), |a, b| {
            out.push((a, b));
            ControlFlow::Continue(())
        });
        out
    }

    fn w(s: &str) -> Window {
        Window::parse(s).unwrap()
    }

    fn office(tz: Tz, holidays: &[&str]) -> Calendar {
        let day = vec![w("08:00-18:00")];
        Calendar::weekly(
            "office",
            tz,
            [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day,
                vec![],
                vec![],
            ],
            holidays.iter().map(|d| d.parse().unwrap()).collect(),
        )
        .unwrap()
    }

    fn all_day(tz: Tz) -> Calendar {
        let day = vec![w("00:00-24:00")];
        Calendar::weekly(
            "allday",
            tz,
            std::array::from_fn(|_| day.clone()),
            BTreeSet::new(),
        )
        .unwrap()
    }

    #[test]
    fn parses_windows() {
        assert_eq!(
            w("08:00-18:00"),
            Window {
                start: 480,
                end: 1080
            }
        );
        assert_eq!(
            w("00:00-24:00"),
            Window {
                start: 0,
                end: 1440
            }
        );
        for bad in [
            "8-18",
            "08:00-07:00",
            "08:00-08:00",
            "24:00-24:00",
            "08:60-09:00",
            "25:00-26:00",
        ] {
            assert!(Window::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_overlaps_and_a_closed_calendar() {
        let err = Calendar::weekly(
            "x",
            London,
            [
                vec![w("08:00-12:00"), w("11:00-13:00")],
                vec![],
                vec![],
                vec![],
                vec![],
                vec![],
                vec![],
            ],
            BTreeSet::new(),
        )
        .unwrap_err();
        assert!(err.contains("monday windows overlap"), "{err}");
        assert!(Calendar::weekly("x", London, Default::default(), BTreeSet::new()).is_err());
    }

    #[test]
    fn always_open_counts_every_second() {
        let c = Calendar::always_open();
        assert_eq!(
            c.business_seconds(t("2026-10-01T00:00:00Z"), t("2026-10-01T04:00:00Z")),
            14_400
        );
    }

    #[test]
    fn office_hours_count_only_weekday_windows() {
        let c = office(London, &[]);
        // Friday 2026-10-02 17:00 BST to Monday 2026-10-05 09:00 BST:
        // one hour on Friday, one hour on Monday.
        assert_eq!(
            c.business_seconds(
                t("2026-10-02T17:00:00+01:00"),
                t("2026-10-05T09:00:00+01:00")
            ),
            2 * 3_600
        );
        // A whole week is five ten-hour days.
        assert_eq!(
            c.business_seconds(
                t("2026-10-05T00:00:00+01:00"),
                t("2026-10-12T00:00:00+01:00")
            ),
            50 * 3_600
        );
    }

    #[test]
    fn holidays_are_closed_all_day() {
        let c = office(London, &["2026-12-25", "2026-12-28"]);
        // Thursday 24th to Tuesday 29th December (GMT): only the 24th is open
        // (25th holiday, 26th/27th weekend, 28th holiday).
        assert_eq!(
            c.business_seconds(t("2026-12-24T00:00:00Z"), t("2026-12-29T00:00:00Z")),
            10 * 3_600
        );
    }

    #[test]
    fn lunch_break_is_closed() {
        let day = vec![w("09:00-12:30"), w("13:30-17:00")];
        let c = Calendar::weekly(
            "lunch",
            London,
            std::array::from_fn(|_| day.clone()),
            BTreeSet::new(),
        )
        .unwrap();
        // 12:00 to 14:00 BST: half an hour before lunch, half an hour after.
        assert_eq!(
            c.business_seconds(
                t("2026-10-06T12:00:00+01:00"),
                t("2026-10-06T14:00:00+01:00")
            ),
            3_600
        );
        assert_eq!(
            c.business_seconds(
                t("2026-10-06T00:00:00+01:00"),
                t("2026-10-07T00:00:00+01:00")
            ),
            7 * 3_600
        );
    }

    #[test]
    fn whole_day_windows_follow_daylight_saving() {
        let london = all_day(London);
        // Spring forward, Sunday 29 March 2026: 23 hours. Autumn, 25 October: 25 hours.
        assert_eq!(
            london.business_seconds(t("2026-03-29T00:00:00Z"), t("2026-03-30T00:00:00+01:00")),
            23 * 3_600
        );
        assert_eq!(
            london.business_seconds(t("2026-10-25T00:00:00+01:00"), t("2026-10-26T00:00:00Z")),
            25 * 3_600
        );
        let ny = all_day(New_York);
        // New York springs forward on 8 March 2026 and falls back on 1 November.
        assert_eq!(
            ny.business_seconds(
                t("2026-03-08T00:00:00-05:00"),
                t("2026-03-09T00:00:00-04:00")
            ),
            23 * 3_600
        );
        assert_eq!(
            ny.business_seconds(
                t("2026-11-01T00:00:00-04:00"),
                t("2026-11-02T00:00:00-05:00")
            ),
            25 * 3_600
        );
    }

    #[test]
    fn a_window_inside_the_autumn_repeat_counts_both_passes() {
        // 01:00-02:00 local on 25 Oct 2026 in London happens twice: two real hours.
        let day = vec![w("01:00-02:00")];
        let c = Calendar::weekly(
            "night",
            London,
            std::array::from_fn(|_| day.clone()),
            BTreeSet::new(),
        )
        .unwrap();
        assert_eq!(
            c.business_seconds(t("2026-10-25T00:00:00Z"), t("2026-10-25T12:00:00Z")),
            2 * 3_600
        );
        // …and on spring-forward day it does not exist at all.
        assert_eq!(
            c.business_seconds(t("2026-03-29T00:00:00Z"), t("2026-03-29T12:00:00Z")),
            0
        );
    }

    #[test]
    fn office_hours_keep_local_time_across_the_change() {
        let c = office(New_York, &[]);
        // Friday 30 Oct 2026 (EDT) and Monday 2 Nov (EST), 08:00-18:00 local both days.
        let intervals = open_intervals(&c, t("2026-10-30T00:00:00Z"), t("2026-11-03T00:00:00Z"));
        assert_eq!(
            intervals,
            vec![
                (t("2026-10-30T12:00:00Z"), t("2026-10-30T22:00:00Z")),
                (t("2026-11-02T13:00:00Z"), t("2026-11-02T23:00:00Z")),
            ]
        );
    }

    #[test]
    fn windows_meeting_at_an_ambiguous_time_count_the_repeat_once() {
        // 00:00-01:30 and 01:30-24:00 cover every instant: October 2026 in
        // London has 745 real hours, the same as 24x7.
        let day = vec![w("00:00-01:30"), w("01:30-24:00")];
        let split = Calendar::weekly(
            "split",
            London,
            std::array::from_fn(|_| day.clone()),
            BTreeSet::new(),
        )
        .unwrap();
        assert_eq!(
            split.business_seconds(t("2026-09-30T23:00:00Z"), t("2026-11-01T00:00:00Z")),
            745 * 3_600
        );
        // Havana falls back at 01:00 to 00:00 on 1 November 2026, so midnight
        // happens twice: the whole day still has 25 real hours, not 26.
        let havana = all_day(chrono_tz::America::Havana);
        assert_eq!(
            havana.business_seconds(
                t("2026-11-01T00:00:00-04:00"),
                t("2026-11-02T00:00:00-05:00")
            ),
            25 * 3_600
        );
    }

    proptest! {
        #[test]
        fn business_time_is_additive(a in 0i64..5_000_000, b in 0i64..5_000_000, c in 0i64..5_000_000) {
            let mut v = [a, b, c];
            v.sort();
            let base = t("2026-01-01T00:00:00Z");
            let [x, y, z] = v.map(|s| base + Duration::seconds(s));
            let split = vec![w("00:00-01:30"), w("01:30-24:00")];
            let split = Calendar::weekly("split", London, std::array::from_fn(|_| split.clone()), BTreeSet::new()).unwrap();
            for cal in [office(London, &["2026-03-30"]), all_day(New_York), all_day(chrono_tz::America::Havana), split] {
                prop_assert_eq!(
                    cal.business_seconds(x, z),
                    cal.business_seconds(x, y) + cal.business_seconds(y, z)
                );
                prop_assert!(cal.business_seconds(x, z) <= (z - x).num_seconds());
            }
        }
    }
}
