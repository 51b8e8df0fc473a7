//! What each manager of a contract wants to hear about and when: per kind of
//! alert, at once, in the daily digest, or not at all; and hours in which
//! nothing that can wait should arrive.

use std::collections::BTreeMap;

use chrono::{Duration as Span, NaiveTime};
use chrono_tz::Tz;

use crate::domain::Instant;
use crate::domain::time::{Side, local_boundary, local_date};

/// How a manager takes one kind of alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// On its own, as soon as it is detected.
    Immediate,
    /// In the daily digest.
    Digest,
    /// Not at all.
    Off,
}

impl Delivery {
    /// Reads `immediate`, `digest` or `off`.
    pub fn parse(text: &str) -> Result<Delivery, String> {
        match text {
            "immediate" => Ok(Delivery::Immediate),
            "digest" => Ok(Delivery::Digest),
            "off" => Ok(Delivery::Off),
            other => Err(format!(
                "'{other}' is not a delivery (expected immediate, digest or off)"
            )),
        }
    }
}

/// A local window, such as 20:00 to 07:00, in which mail that can wait is
/// held until the window ends. `from` after `until` spans midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    /// When the window opens (local).
    pub from: NaiveTime,
    /// When it closes (local).
    pub until: NaiveTime,
}

impl QuietHours {
    /// Reads `HH:MM-HH:MM`.
    pub fn parse(text: &str) -> Result<QuietHours, String> {
        let bad = || {
            format!("'{text}' is not a window of local times such as \"20:00-07:00\" (HH:MM-HH:MM)")
        };
        let (from, until) = text.split_once('-').ok_or_else(bad)?;
        let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| bad());
        let (from, until) = (time(from)?, time(until)?);
        if from == until {
            return Err(format!(
                "'{text}' is an empty window: its start and end are the same"
            ));
        }
        Ok(QuietHours { from, until })
    }

    /// When the window ends, if `now` (told in `tz`) is inside it.
    pub fn ends_after(&self, now: Instant, tz: Tz) -> Option<Instant> {
        let local = now.with_timezone(&tz).time();
        let today = local_date(tz, now);
        let inside = if self.from < self.until {
            local >= self.from && local < self.until
        } else {
            local >= self.from || local < self.until
        };
        if !inside {
            return None;
        }
        // Past midnight (or a window within one day) it ends today; before
        // midnight in a window spanning it, tomorrow.
        let day = if local >= self.until && self.from > self.until {
            today + Span::days(1)
        } else {
            today
        };
        Some(local_boundary(tz, day.and_time(self.until), Side::Start))
    }
}

/// One manager's preferences for one contract (`[[contracts.managers]]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The manager's email address.
    pub address: String,
    /// Per alert kind, how it is delivered; a kind not listed follows the
    /// default policy (at once when it needs a decision today, else digest).
    pub kinds: BTreeMap<String, Delivery>,
    /// Hours in which mail that can wait is held.
    pub quiet_hours: Option<QuietHours>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use chrono_tz::Europe::London;

    fn utc(s: &str) -> Instant {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_window_over_midnight_ends_the_next_morning_in_local_time() {
        let q = QuietHours::parse("20:00-07:00").unwrap();
        // Sat 24 Oct 2026 21:00 BST = 20:00 UTC: inside; it ends Sun 25 Oct
        // 07:00, by then GMT = 07:00 UTC (the clocks went back at 01:00 UTC).
        assert_eq!(
            q.ends_after(utc("2026-10-24T20:00:00Z"), London),
            Some(utc("2026-10-25T07:00:00Z"))
        );
        // Sun 25 Oct 06:30 GMT: inside, ends at 07:00 GMT the same day.
        assert_eq!(
            q.ends_after(utc("2026-10-25T06:30:00Z"), London),
            Some(utc("2026-10-25T07:00:00Z"))
        );
        // 07:00 GMT exactly is outside; so is 19:59 GMT.
        assert_eq!(q.ends_after(utc("2026-10-25T07:00:00Z"), London), None);
        assert_eq!(q.ends_after(utc("2026-10-25T19:59:00Z"), London), None);
    }

    #[test]
    fn a_window_within_a_day_and_bad_windows() {
        let q = QuietHours::parse("12:00-13:30").unwrap();
        // 12:15 GMT in December.
        assert_eq!(
            q.ends_after(utc("2026-12-04T12:15:00Z"), London),
            Some(utc("2026-12-04T13:30:00Z"))
        );
        assert_eq!(q.ends_after(utc("2026-12-04T13:30:00Z"), London), None);
        assert!(QuietHours::parse("20:00").is_err());
        assert!(QuietHours::parse("25:00-07:00").is_err());
        assert!(QuietHours::parse("07:00-07:00").is_err());
        assert_eq!(Delivery::parse("digest"), Ok(Delivery::Digest));
        assert!(Delivery::parse("weekly").is_err());
    }
}
