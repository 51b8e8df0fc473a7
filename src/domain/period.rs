//! A calendar month in a contract's timezone: the unit every service level is
//! measured over.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

use super::time::{Instant, local_date, start_of_local_day};

/// A calendar month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i32,
    month: u32,
}

impl Period {
    /// Builds a period; `None` unless `month` is 1..=12.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        ((1..=12).contains(&month) && (1..=9999).contains(&year)).then_some(Period { year, month })
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1..=12.
    pub fn month(self) -> u32 {
        self.month
    }

    /// The first day of the month.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The month after this one.
    pub fn next(self) -> Period {
        if self.month == 12 {
            Period {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Period {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The month before this one.
    pub fn prev(self) -> Period {
        if self.month == 1 {
            Period {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Period {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The first instant of the month in `tz`.
    pub fn start(self, tz: Tz) -> Instant {
        start_of_local_day(tz, self.first_day())
    }

    /// The first instant of the following month in `tz` (exclusive end).
    pub fn end(self, tz: Tz) -> Instant {
        self.next().start(tz)
    }

    /// The month (in `tz`) that contains `instant`.
    pub fn of(instant: Instant, tz: Tz) -> Period {
        let d = local_date(tz, instant);
        Period {
            year: d.year(),
            month: d.month(),
        }
    }

    /// True when the local date falls in this month.
    pub fn contains_date(self, date: NaiveDate) -> bool {
        date.year() == self.year && date.month() == self.month
    }
}

impl FromStr for Period {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || format!("'{s}' is not a month (expected YYYY-MM, e.g. 2026-10)");
        let (y, m) = s.trim().split_once('-').ok_or_else(err)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(err());
        }
        let year: i32 = y.parse().map_err(|_| err())?;
        let month: u32 = m.parse().map_err(|_| err())?;
        Period::new(year, month).ok_or_else(err)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America::New_York, Europe::London};

    #[test]
    fn parses_and_prints_months() {
        let p: Period = "2026-10".parse().unwrap();
        assert_eq!(p.to_string(), "2026-10");
        assert_eq!(p.next().to_string(), "2026-11");
        assert_eq!(
            "2026-12".parse::<Period>().unwrap().next().to_string(),
            "2027-01"
        );
        assert_eq!(
            "2026-01".parse::<Period>().unwrap().prev().to_string(),
            "2025-12"
        );
        for bad in ["2026-13", "2026-1", "26-10", "2026/10", "october"] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
    }

    #[test]
    fn month_bounds_follow_the_timezone() {
        let oct: Period = "2026-10".parse().unwrap();
        // October starts in BST (UTC+1) and November in GMT.
        assert_eq!(oct.start(London).to_rfc3339(), "2026-09-30T23:00:00+00:00");
        assert_eq!(oct.end(London).to_rfc3339(), "2026-11-01T00:00:00+00:00");
        // 31 days plus the hour given back on 25 October.
        assert_eq!(
            (oct.end(London) - oct.start(London)).num_seconds(),
            31 * 86_400 + 3_600
        );
        // New York's October: EDT all month (DST ends 1 November 2026).
        assert_eq!(
            oct.start(New_York).to_rfc3339(),
            "2026-10-01T04:00:00+00:00"
        );
        assert_eq!(oct.end(New_York).to_rfc3339(), "2026-11-01T04:00:00+00:00");
    }
}
