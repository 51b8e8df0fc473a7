//! How people read figures: a local time with its zone's abbreviation, money
//! with its symbol and thousands grouped, a short duration in words, a
//! percentage at the report's precision. One of each, so an alert and a
//! report never show the same figure two ways.

use chrono_tz::Tz;

use super::Instant;
use super::percent::Ratio;

/// `Sat 5 Dec 2026 04:29 GMT`: the wall-clock time in `tz`, with the
/// abbreviation that says whether summer time applied (`BST` or `GMT`).
pub fn local_time(instant: Instant, tz: Tz) -> String {
    instant
        .with_timezone(&tz)
        .format("%a %-d %b %Y %H:%M %Z")
        .to_string()
}

/// `£1,250.00`: the currency's symbol where it is unambiguous to a UK or
/// European reader (GBP, EUR, USD), otherwise its code (`CHF 1,250.00`).
/// A negative amount reads `-£12.50`.
pub use super::money::with_symbol as money;

/// A duration as a person says it: `45 s`, `15 min 19 s`, `4 h`, `4 h 5 min`,
/// `2 d 3 h`. Below a minute seconds count; from an hour on, seconds are
/// noise and are dropped, and from a day on so are minutes.
pub fn duration(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60, s % 60);
    let words = if s < 60 {
        format!("{sec} s")
    } else if s < 3_600 {
        if sec == 0 {
            format!("{m} min")
        } else {
            format!("{m} min {sec} s")
        }
    } else if s < 86_400 {
        if m == 0 {
            format!("{h} h")
        } else {
            format!("{h} h {m} min")
        }
    } else if h == 0 {
        format!("{d} d")
    } else {
        format!("{d} d {h} h")
    };
    format!("{sign}{words}")
}

/// `99.512 %`: three decimals, as the monthly report shows attainment.
pub fn percent(ratio: &Ratio) -> String {
    percent_value(ratio.rounded3())
}

/// A percentage already rounded (a target, a credit rate) at the report's
/// precision: `95.000 %`.
pub fn percent_value(value: f64) -> String {
    format!("{value:.3} %")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;
    use chrono::{DateTime, Utc};
    use chrono_tz::Europe::London;

    fn utc(s: &str) -> Instant {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn local_time_names_the_zone_either_side_of_the_clocks_going_back() {
        // London leaves BST (UTC+1) at 01:00 UTC on 25 Oct 2026.
        // 00:30 UTC is 01:30 BST; 01:30 UTC is 01:30 GMT: the same wall
        // clock, told apart only by the abbreviation.
        assert_eq!(
            local_time(utc("2026-10-25T00:30:00Z"), London),
            "Sun 25 Oct 2026 01:30 BST"
        );
        assert_eq!(
            local_time(utc("2026-10-25T01:30:00Z"), London),
            "Sun 25 Oct 2026 01:30 GMT"
        );
        // Winter: UTC is the wall clock.
        assert_eq!(
            local_time(utc("2026-12-05T04:29:10Z"), London),
            "Sat 5 Dec 2026 04:29 GMT"
        );
    }

    #[test]
    fn money_has_its_symbol_and_separators() {
        let gbp = Currency::parse("GBP").unwrap();
        assert_eq!(money(125_000, &gbp), "£1,250.00");
        assert_eq!(money(12_345_678_901, &gbp), "£123,456,789.01");
        assert_eq!(money(-1_250, &gbp), "-£12.50");
        assert_eq!(money(5, &gbp), "£0.05");
        let chf = Currency::parse("CHF").unwrap();
        assert_eq!(money(125_000, &chf), "CHF 1,250.00");
        let jpy = Currency::parse("JPY").unwrap();
        // JPY has no minor unit and is shown by code: 1250000 yen.
        assert_eq!(money(1_250_000, &jpy), "JPY 1,250,000");
    }

    #[test]
    fn durations_read_as_words() {
        assert_eq!(duration(45), "45 s");
        // 919 s = 15 × 60 + 19.
        assert_eq!(duration(919), "15 min 19 s");
        assert_eq!(duration(1_200), "20 min");
        assert_eq!(duration(14_400), "4 h");
        // 14 700 s = 4 h + 300 s.
        assert_eq!(duration(14_700), "4 h 5 min");
        // 183 600 s = 2 × 86 400 + 3 × 3 600.
        assert_eq!(duration(183_600), "2 d 3 h");
        assert_eq!(duration(172_800), "2 d");
        assert_eq!(duration(-90), "-1 min 30 s");
    }

    #[test]
    fn percentages_have_three_decimals() {
        // 199 of 200 = 99.5 %.
        assert_eq!(percent(&Ratio::percent_of(199, 200)), "99.500 %");
        // 2 of 3 = 66.666… % → 66.667 % (half up).
        assert_eq!(percent(&Ratio::percent_of(2, 3)), "66.667 %");
        assert_eq!(percent_value(95.0), "95.000 %");
    }
}
