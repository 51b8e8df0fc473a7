//! Money in integer minor units (see docs/book/src/reference/measures.md).

use std::fmt;

use super::percent::{PERCENT_SCALE, Percent};

/// An ISO 4217 currency code with the number of decimals of its minor unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency {
    code: String,
    exponent: u32,
}

impl Currency {
    /// Accepts a three-letter upper-case ISO 4217 code.
    pub fn parse(code: &str) -> Result<Self, String> {
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(format!(
                "'{code}' is not an ISO 4217 currency code (three capital letters such as GBP)"
            ));
        }
        // Most currencies have two decimals; these are the exceptions in use.
        let exponent = match code {
            "JPY" | "KRW" | "ISK" | "CLP" | "VND" | "XAF" | "XOF" | "UGX" | "PYG" => 0,
            "BHD" | "KWD" | "OMR" | "JOD" | "TND" | "LYD" | "IQD" => 3,
            _ => 2,
        };
        Ok(Currency {
            code: code.to_string(),
            exponent,
        })
    }

    /// The ISO code, e.g. `GBP`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// Decimals of the minor unit (2 for GBP: pence).
    pub fn exponent(&self) -> u32 {
        self.exponent
    }

    /// The sign written before an amount (`£`), for the few currencies
    /// whose sign no reader can mistake; `None` for the rest, which are
    /// written with their code.
    pub fn symbol(&self) -> Option<&'static str> {
        match self.code.as_str() {
            "GBP" => Some("£"),
            "EUR" => Some("€"),
            "USD" => Some("$"),
            _ => None,
        }
    }
}

/// An amount of money in integer minor units of a currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    /// The amount in minor units (pence for GBP).
    pub minor: i64,
    /// The currency the amount is in.
    pub currency: Currency,
}

impl Money {
    /// Parses a decimal amount such as `"125000.00"` in the given currency,
    /// refusing more decimals than the currency's minor unit has.
    pub fn parse(text: &str, currency: &Currency) -> Result<Self, String> {
        let minor = parse_decimal(text.trim(), currency.exponent()).ok_or_else(|| {
            format!(
                "'{text}' is not a decimal amount of {} (expected e.g. \"125000.00\", at most {} decimals)",
                currency.code(),
                currency.exponent()
            )
        })?;
        Ok(Money {
            minor,
            currency: currency.clone(),
        })
    }

    /// Formats the amount in major units, e.g. `125000.00`.
    pub fn major_string(&self) -> String {
        format_minor(self.minor, self.currency.exponent())
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency.code(), self.major_string())
    }
}

/// `minor × percent / 100`, rounded half up to a whole minor unit.
pub fn percent_of_minor(minor: i64, percent: Percent) -> i64 {
    let num = minor as i128 * percent.units() as i128;
    let den = 100 * PERCENT_SCALE as i128;
    div_round_half_up(num, den) as i64
}

/// Integer division rounding half away from zero ("half up" for amounts).
pub fn div_round_half_up(num: i128, den: i128) -> i128 {
    debug_assert!(den > 0, "rounding needs a positive divisor");
    if num >= 0 {
        (2 * num + den) / (2 * den)
    } else {
        -((-2 * num + den) / (2 * den))
    }
}

/// Groups the whole part of a decimal amount in thousands: `1234567.89` → `1,234,567.89`.
pub fn group_thousands(amount: &str) -> String {
    let (sign, rest) = amount.strip_prefix('-').map_or(("", amount), |r| ("-", r));
    let (whole, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// An amount with its currency code and thousands grouped, as reports and
/// messages show it: `GBP 1,250.00`.
pub fn with_code(minor: i64, currency: &Currency) -> String {
    format!(
        "{} {}",
        currency.code(),
        group_thousands(&format_minor(minor, currency.exponent()))
    )
}

/// An amount as a reader expects it on a claim: `£1,250.00`, `-£20.00`,
/// or `CHF 1,250.00` for a currency without an unmistakable sign.
pub fn with_symbol(minor: i64, currency: &Currency) -> String {
    let amount = group_thousands(&format_minor(minor.abs(), currency.exponent()));
    let sign = if minor < 0 { "-" } else { "" };
    match currency.symbol() {
        Some(symbol) => format!("{sign}{symbol}{amount}"),
        None => format!("{sign}{} {amount}", currency.code()),
    }
}

/// Formats minor units as a decimal string with `exponent` decimals.
pub fn format_minor(minor: i64, exponent: u32) -> String {
    if exponent == 0 {
        return minor.to_string();
    }
    let scale = 10i64.pow(exponent);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        abs / scale as u64,
        abs % scale as u64,
        width = exponent as usize
    )
}

/// Parses `[-]digits[.digits]` exactly into an integer scaled by `10^scale`;
/// `None` for anything else or more than `scale` decimals.
pub fn parse_decimal(text: &str, scale: u32) -> Option<i64> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, frac) = match body.split_once('.') {
        Some((w, f)) => (w, f),
        None => (body, ""),
    };
    if whole.is_empty() || frac.len() > scale as usize {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if body.contains('.') && frac.is_empty() {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let mut frac_value: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    frac_value *= 10i64.checked_pow(scale - frac.len() as u32)?;
    let value = whole
        .checked_mul(10i64.checked_pow(scale)?)?
        .checked_add(frac_value)?;
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbp() -> Currency {
        Currency::parse("GBP").unwrap()
    }

    #[test]
    fn writes_amounts_with_their_sign() {
        let gbp = gbp();
        assert_eq!(with_symbol(12_500_000, &gbp), "£125,000.00");
        assert_eq!(with_symbol(-2_000, &gbp), "-£20.00");
        let chf = Currency::parse("CHF").unwrap();
        assert_eq!(with_symbol(125_000, &chf), "CHF 1,250.00");
    }

    #[test]
    fn parses_amounts_into_pence() {
        assert_eq!(Money::parse("125000.00", &gbp()).unwrap().minor, 12_500_000);
        assert_eq!(Money::parse("125000", &gbp()).unwrap().minor, 12_500_000);
        assert_eq!(Money::parse("0.5", &gbp()).unwrap().minor, 50);
        assert!(Money::parse("12.345", &gbp()).is_err());
        assert!(Money::parse("1,000.00", &gbp()).is_err());
        assert!(Money::parse("£100", &gbp()).is_err());
        assert!(Money::parse("", &gbp()).is_err());
        assert!(Money::parse("1.", &gbp()).is_err());
    }

    #[test]
    fn currency_code_is_checked() {
        assert!(Currency::parse("gbp").is_err());
        assert!(Currency::parse("POUND").is_err());
        assert_eq!(Currency::parse("JPY").unwrap().exponent(), 0);
    }

    #[test]
    fn percent_of_charge_rounds_half_up() {
        // 2 % of £125,000.00 = £2,500.00.
        assert_eq!(
            percent_of_minor(12_500_000, Percent::from_f64(2.0).unwrap()),
            250_000
        );
        // 2.5 % of 1.01 = 0.02525 → 2.525 pence → 3 pence.
        assert_eq!(percent_of_minor(101, Percent::from_f64(2.5).unwrap()), 3);
        // 12 % of 0.99 = 11.88 pence → 12 pence.
        assert_eq!(percent_of_minor(99, Percent::from_f64(12.0).unwrap()), 12);
        // 50 % of 0.01 = 0.5 pence → 1 penny (half up).
        assert_eq!(percent_of_minor(1, Percent::from_f64(50.0).unwrap()), 1);
        // 3.333 % of 0.10 = 0.3333 pence → 0.
        assert_eq!(percent_of_minor(10, Percent::from_f64(3.333).unwrap()), 0);
    }

    #[test]
    fn formats_minor_units() {
        assert_eq!(format_minor(12_500_000, 2), "125000.00");
        assert_eq!(format_minor(-5, 2), "-0.05");
        assert_eq!(format_minor(7, 0), "7");
    }
}
