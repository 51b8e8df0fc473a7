//! Instants and local times.
//!
//! Every instant is stored and computed in UTC; local times are read in a
//! contract's or calendar's IANA timezone with the rules of the interchange formats
//! (docs/book/src/integrators/formats.md): an ambiguous local time takes the earlier
//! instant and
//! a local time that does not exist is an error.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// An instant in UTC.
pub type Instant = DateTime<Utc>;

/// Parses an RFC 3339 instant with an offset, or a naive
/// `YYYY-MM-DD HH:MM[:SS]` read in `tz`.
pub fn parse_instant(text: &str, tz: Tz) -> Result<Instant, String> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    let naive = parse_naive(t).ok_or_else(|| {
        format!("'{t}' is not a time (expected RFC 3339 such as 2026-10-04T09:15:00+01:00, or YYYY-MM-DD HH:MM[:SS])")
    })?;
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(dt) => Ok(dt.with_timezone(&Utc)),
        LocalResult::Ambiguous(earliest, _) => Ok(earliest.with_timezone(&Utc)),
        LocalResult::None => Err(format!(
            "'{t}' does not exist in {} (the clocks skip it)",
            tz.name()
        )),
    }
}

fn parse_naive(t: &str) -> Option<NaiveDateTime> {
    const FORMATS: [&str; 4] = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ];
    FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
}

/// Which side of an interval a local time bounds, to resolve daylight-saving
/// oddities so that an interval covers every real instant whose local time
/// lies inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// An ambiguous start takes the earlier instant.
    Start,
    /// An ambiguous end takes the later instant.
    End,
}

/// The UTC instant of a local boundary. A local time the clocks skip maps to
/// the instant of the jump (no real instant has a local time inside the gap).
pub fn local_boundary(tz: Tz, naive: NaiveDateTime, side: Side) -> Instant {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(dt) => dt.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => match side {
            Side::Start => a.min(b).with_timezone(&Utc),
            Side::End => a.max(b).with_timezone(&Utc),
        },
        LocalResult::None => {
            // Walk back to the last local minute that exists; the jump happens
            // one minute after it. Gaps are whole minutes in every IANA zone.
            let mut minutes = 1;
            loop {
                let probe = naive - Duration::minutes(minutes);
                let found = match tz.from_local_datetime(&probe) {
                    LocalResult::Single(dt) => Some(dt),
                    LocalResult::Ambiguous(_, later) => Some(later),
                    LocalResult::None => None,
                };
                if let Some(dt) = found {
                    return dt.with_timezone(&Utc) + Duration::minutes(1);
                }
                minutes += 1;
            }
        }
    }
}

/// The instant a local day starts (its first real instant).
pub fn start_of_local_day(tz: Tz, date: NaiveDate) -> Instant {
    local_boundary(tz, date.and_time(NaiveTime::MIN), Side::Start)
}

/// The local calendar date of an instant in `tz`.
pub fn local_date(tz: Tz, instant: Instant) -> NaiveDate {
    instant.with_timezone(&tz).date_naive()
}

/// Reads an RFC 3339 instant given by a person (`--now`, `--as-of`,
/// `--known-at`, `?known_at=`): `'TEXT' is not an RFC 3339 instant …` when
/// it is not one.
pub fn parse_rfc3339(text: &str) -> Result<Instant, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            format!("'{text}' is not an RFC 3339 instant (e.g. 2026-10-12T09:00:00Z): {e}")
        })
}

/// Formats an instant as RFC 3339 in UTC with a `Z`, seconds precision.
pub fn format_utc(instant: Instant) -> String {
    instant.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::London;

    fn utc(s: &str) -> Instant {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn reads_rfc3339_and_naive_local_times() {
        assert_eq!(
            parse_instant("2026-10-04T09:15:00+01:00", London).unwrap(),
            utc("2026-10-04T08:15:00Z")
        );
        // Naive times are local: BST in October before the 25th.
        assert_eq!(
            parse_instant("2026-10-04 09:15", London).unwrap(),
            utc("2026-10-04T08:15:00Z")
        );
        assert_eq!(
            parse_instant("2026-12-04 09:15:30", London).unwrap(),
            utc("2026-12-04T09:15:30Z")
        );
        assert!(parse_instant("04/10/2026 09:15", London).is_err());
    }

    #[test]
    fn ambiguous_local_time_takes_the_earlier_instant() {
        // 2026-10-25 01:30 happens twice in London: first in BST (00:30Z).
        assert_eq!(
            parse_instant("2026-10-25 01:30", London).unwrap(),
            utc("2026-10-25T00:30:00Z")
        );
    }

    #[test]
    fn skipped_local_time_is_an_error() {
        // 2026-03-29 01:30 does not exist in London.
        let err = parse_instant("2026-03-29 01:30", London).unwrap_err();
        assert!(err.contains("does not exist"), "{err}");
    }

    #[test]
    fn boundaries_in_a_gap_map_to_the_jump() {
        let gap = NaiveDate::from_ymd_opt(2026, 3, 29)
            .unwrap()
            .and_hms_opt(1, 30, 0)
            .unwrap();
        assert_eq!(
            local_boundary(London, gap, Side::Start),
            utc("2026-03-29T01:00:00Z")
        );
        assert_eq!(
            local_boundary(London, gap, Side::End),
            utc("2026-03-29T01:00:00Z")
        );
    }

    #[test]
    fn ambiguous_boundaries_cover_both_passes() {
        let t = NaiveDate::from_ymd_opt(2026, 10, 25)
            .unwrap()
            .and_hms_opt(1, 30, 0)
            .unwrap();
        assert_eq!(
            local_boundary(London, t, Side::Start),
            utc("2026-10-25T00:30:00Z")
        );
        assert_eq!(
            local_boundary(London, t, Side::End),
            utc("2026-10-25T01:30:00Z")
        );
    }
}
