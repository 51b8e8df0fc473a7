//! Durations written the way contracts write them.

use std::fmt;

/// Parses `30m`, `4h`, `1h30m`, `45s`, `2d` into seconds (a `d` is 24 hours
/// of business time on the service level's calendar, not a calendar day).
pub fn parse_duration_seconds(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let err = || format!("'{text}' is not a duration (expected e.g. 30m, 4h, 1h30m)");
    if t.is_empty() {
        return Err(err());
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    let mut seen_unit = false;
    for c in t.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return Err(err()),
        };
        if digits.is_empty() {
            return Err(err());
        }
        let n: i64 = digits.parse().map_err(|_| err())?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(err)?;
        digits.clear();
        seen_unit = true;
    }
    if !digits.is_empty() || !seen_unit {
        return Err(err());
    }
    Ok(total)
}

/// A recurrence in whole calendar months (`every = "12 months"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Months(pub u32);

impl Months {
    /// Parses `1 month`, `3 months`, `12 months`, `1 year`, `2 years`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let err =
            || format!("'{text}' is not a recurrence (expected e.g. \"12 months\" or \"1 year\")");
        let mut parts = text.split_whitespace();
        let n: u32 = parts.next().ok_or_else(err)?.parse().map_err(|_| err())?;
        let unit = parts.next().ok_or_else(err)?;
        if parts.next().is_some() || n == 0 {
            return Err(err());
        }
        match unit {
            "month" | "months" => Ok(Months(n)),
            "year" | "years" => n.checked_mul(12).map(Months).ok_or_else(err),
            _ => Err(err()),
        }
    }
}

impl fmt::Display for Months {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} months", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_contract_durations() {
        assert_eq!(parse_duration_seconds("30m"), Ok(1_800));
        assert_eq!(parse_duration_seconds("4h"), Ok(14_400));
        assert_eq!(parse_duration_seconds("1h30m"), Ok(5_400));
        assert_eq!(parse_duration_seconds("20h"), Ok(72_000));
        assert_eq!(parse_duration_seconds("2d"), Ok(172_800));
        for bad in ["", "4", "h", "4x", "4 h", "-4h", "1.5h"] {
            assert!(
                parse_duration_seconds(bad).is_err(),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn parses_recurrences() {
        assert_eq!(Months::parse("12 months"), Ok(Months(12)));
        assert_eq!(Months::parse("1 month"), Ok(Months(1)));
        assert_eq!(Months::parse("2 years"), Ok(Months(24)));
        assert!(Months::parse("0 months").is_err());
        assert!(Months::parse("fortnightly").is_err());
        assert!(Months::parse("400000000 years").is_err());
    }
}
