//! How the claim document writes figures, the same in every format: money
//! with its sign and thousands grouped, attainment to three decimals,
//! durations with their seconds (so a 919 s response never reads as the
//! 900 s target), and instants in the contract's timezone with the offset.

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

use crate::domain::money::{Currency, with_symbol};
use crate::domain::{Instant, Period};

/// The contract's currency and timezone, which every figure is written in.
#[derive(Debug, Clone)]
pub struct Style {
    /// The contract's currency.
    pub currency: Currency,
    /// The contract's timezone.
    pub tz: Tz,
}

impl Style {
    /// `£1,250.00`.
    pub fn money(&self, minor: i64) -> String {
        with_symbol(minor, &self.currency)
    }

    /// `2026-10-25 01:30:00 +01:00`: local time with its offset from UTC,
    /// so a reader can check it and two instants across a clock change
    /// never look the same.
    pub fn instant(&self, t: Instant) -> String {
        t.with_timezone(&self.tz)
            .format("%Y-%m-%d %H:%M:%S %:z")
            .to_string()
    }

    /// `5 December 2026, 09:00 GMT`: an instant in words, for control data.
    pub fn instant_words(&self, t: Instant) -> String {
        let local = t.with_timezone(&self.tz);
        format!(
            "{} {} {}, {}",
            local.day(),
            month_name(local.month()),
            local.year(),
            local.format("%H:%M %Z (UTC%:z)")
        )
    }
}

/// `1–30 November 2026`: a month as a contract manager writes its period.
pub fn period_words(p: Period) -> String {
    let last = p.next().first_day().pred_opt().map_or(28, |d| d.day());
    format!("1–{last} {} {}", month_name(p.month()), p.year())
}

/// `30 November 2026`.
pub fn date_words(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), month_name(d.month()), d.year())
}

/// The English name of month `m` (1–12).
pub fn month_name(m: u32) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES
        .get(m.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("")
}

/// Attainment as the report decides it: three decimals, `95.455 %`, as
/// the alerts write it too.
pub use crate::domain::display::percent_value as attainment;

/// A configured figure without trailing zeros: `95`, `99.5`, `0.25`.
pub fn figure(x: f64) -> String {
    let text = format!("{x:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// A configured percentage: `95 %`.
pub fn percent(x: f64) -> String {
    format!("{} %", figure(x))
}

/// A duration with its seconds: `20h00m00s`, `15m19s`, `7m42.5s`, `0s`.
/// Tenths of a second appear only when a partial outage's weight split one.
pub fn duration(seconds: f64) -> String {
    let tenths = (seconds.abs() * 10.0).round() as i64;
    let sign = if seconds < 0.0 && tenths > 0 { "-" } else { "" };
    let (whole, tenth) = (tenths / 10, tenths % 10);
    let (h, m, s) = (whole / 3_600, (whole % 3_600) / 60, whole % 60);
    let secs = |padded: bool| {
        let whole = if padded {
            format!("{s:02}")
        } else {
            s.to_string()
        };
        match tenth {
            0 => format!("{whole}s"),
            t => format!("{whole}.{t}s"),
        }
    };
    match (h, m) {
        (0, 0) => format!("{sign}{}", secs(false)),
        (0, m) => format!("{sign}{m}m{}", secs(true)),
        (h, m) => format!("{sign}{h}h{m:02}m{}", secs(true)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_rfc3339;

    fn london() -> Style {
        Style {
            currency: Currency::parse("GBP").unwrap(),
            tz: chrono_tz::Europe::London,
        }
    }

    #[test]
    fn durations_keep_their_seconds() {
        assert_eq!(duration(919.0), "15m19s");
        assert_eq!(duration(900.0), "15m00s");
        assert_eq!(duration(72_000.0), "20h00m00s");
        assert_eq!(duration(462.5), "7m42.5s");
        assert_eq!(duration(19.0), "19s");
        assert_eq!(duration(0.0), "0s");
        assert_eq!(duration(0.5), "0.5s");
        assert_eq!(duration(5.0), "5s");
        // 100 business hours stay in hours: a contract counts them so.
        assert_eq!(duration(360_005.0), "100h00m05s");
    }

    #[test]
    fn instants_are_local_with_their_offset_across_the_clock_change() {
        let s = london();
        // 25 October 2026: BST ends at 02:00 BST (01:00 UTC).
        let before = parse_rfc3339("2026-10-25T00:30:00Z").unwrap();
        let after = parse_rfc3339("2026-10-25T01:30:00Z").unwrap();
        assert_eq!(s.instant(before), "2026-10-25 01:30:00 +01:00");
        assert_eq!(s.instant(after), "2026-10-25 01:30:00 +00:00");
        // A summer 18:00 deadline reads 18:00, not 17:00.
        let summer = parse_rfc3339("2026-07-01T17:00:00Z").unwrap();
        assert_eq!(s.instant(summer), "2026-07-01 18:00:00 +01:00");
        assert_eq!(
            s.instant_words(summer),
            "1 July 2026, 18:00 BST (UTC+01:00)"
        );
    }

    #[test]
    fn periods_and_figures_read_as_written() {
        assert_eq!(
            period_words(Period::new(2026, 11).unwrap()),
            "1–30 November 2026"
        );
        assert_eq!(
            period_words(Period::new(2028, 2).unwrap()),
            "1–29 February 2028"
        );
        assert_eq!(figure(95.0), "95");
        assert_eq!(figure(99.5), "99.5");
        assert_eq!(attainment(100.0), "100.000 %");
        assert_eq!(attainment(90.909), "90.909 %");
        assert_eq!(london().money(12_500_000), "£125,000.00");
    }
}
