//! The commercial terms of `[[contracts]]` and their service levels: the
//! dated `monthly_charge`, the contract year and annual cap, credit schemes,
//! the low-volume rule and `from`/`until` variations.

use toml::Value;

use super::reader::{Problems, Section, as_str, index, report, type_name};
use crate::contract::{
    ChargeSchedule, CreditScheme, CreditTier, DatedCharge, LowVolume, PointBand, ServiceLevel,
    ServiceLevelKind,
};
use crate::domain::percent::PERCENT_SCALE;
use crate::domain::{Currency, Money, Percent, Period};

/// The contract-level terms, read together.
pub(super) struct ContractTerms {
    pub(super) annual_cap_percent: Option<Percent>,
    pub(super) contract_year_starts: u32,
    pub(super) start: Option<Period>,
    pub(super) point_value_percent: Option<Percent>,
    pub(super) repeat_multiplier: u32,
}

/// Reads the contract-level keys of [`CONTRACT_KEYS`].
pub(super) fn contract_terms(s: &Section, p: &mut Problems) -> Option<ContractTerms> {
    let before = p.0.len();
    let annual_cap_percent = percent(s, "annual_cap_percent", p);
    let contract_year_starts = match s.value("contract_year_starts") {
        None => 1,
        Some(v) => {
            let text = match v {
                Value::String(t) => t.clone(),
                Value::Integer(n) => n.to_string(),
                other => {
                    p.push(
                        s.key("contract_year_starts"),
                        format!(
                            "expected a month number such as \"04\", found {}",
                            type_name(other)
                        ),
                    );
                    String::new()
                }
            };
            match text.trim().parse::<u32>() {
                Ok(m) if (1..=12).contains(&m) => m,
                _ => {
                    if !text.is_empty() {
                        p.push(
                            s.key("contract_year_starts"),
                            format!("'{text}' is not a month number from \"01\" to \"12\""),
                        );
                    }
                    1
                }
            }
        }
    };
    let start = s.parsed("start", p, parse_month);
    let point_value_percent = percent(s, "point_value_percent", p);
    let repeat_multiplier = match s.integer("repeat_multiplier", p) {
        None => 2,
        Some(n) if (1..=100).contains(&n) => n as u32,
        Some(n) => {
            p.push(
                s.key("repeat_multiplier"),
                format!("{n} is not a whole number from 1 to 100"),
            );
            1
        }
    };
    (p.0.len() == before).then_some(ContractTerms {
        annual_cap_percent,
        contract_year_starts,
        start,
        point_value_percent,
        repeat_multiplier,
    })
}

/// `monthly_charge`: one amount, or `[ { from = "2026-04", amount = "125000.00" }, … ]`
/// listed oldest first.
pub(super) fn monthly_charge(
    s: &Section,
    currency: Option<&Currency>,
    p: &mut Problems,
) -> Option<ChargeSchedule> {
    let key = "monthly_charge";
    let Some(Value::Array(entries)) = s.value(key) else {
        return money(s, key, currency, p).map(ChargeSchedule::fixed);
    };
    let base = s.key(key);
    if entries.is_empty() {
        p.push(
            &base,
            "list at least one { from = \"YYYY-MM\", amount = \"…\" }",
        );
        return None;
    }
    let mut out: Vec<DatedCharge> = Vec::new();
    let mut complete = true;
    for (i, value) in entries.iter().enumerate() {
        let Some(e) = Section::open(value, index(&base, i), &["from", "amount"], p) else {
            complete = false;
            continue;
        };
        let from = e.req_parsed("from", p, parse_month);
        let amount = money(&e, "amount", currency, p);
        let (Some(from), Some(amount)) = (from, amount) else {
            complete = false;
            continue;
        };
        if let Some(prev) = out.last().and_then(|d| d.from)
            && from <= prev
        {
            p.push(
                e.key("from"),
                format!("charges must be listed oldest first: {from} is not after {prev}"),
            );
            complete = false;
        }
        out.push(DatedCharge {
            from: Some(from),
            amount,
        });
    }
    complete.then(|| ChargeSchedule::dated(out))
}

/// An amount of money: a decimal string, or a whole number of major units.
/// Floats are refused because binary fractions cannot hold every amount of
/// pence exactly.
pub(super) fn money(
    s: &Section,
    key: &str,
    currency: Option<&Currency>,
    p: &mut Problems,
) -> Option<Money> {
    let path = s.key(key);
    let text = match s.required(key, p)? {
        Value::Integer(n) => n.to_string(),
        Value::Float(f) => {
            p.push(
                path,
                format!(
                    "write the amount as a string, e.g. \"{f:.2}\": a TOML decimal number is \
                     binary floating point and can lose pence"
                ),
            );
            return None;
        }
        other => as_str(other, &path, p)?.to_string(),
    };
    // Without a valid currency the decimals allowed are unknown; the currency
    // itself has been reported.
    let money = report(Money::parse(&text, currency?), &path, p)?;
    if money.minor <= 0 {
        p.push(path, format!("'{text}' must be more than zero"));
        return None;
    }
    Some(money)
}

/// A percentage in `0..=100`, read from a TOML number.
pub(super) fn percent(s: &Section, key: &str, p: &mut Problems) -> Option<Percent> {
    let value = s.number(key, p)?;
    let percent = report(Percent::from_f64(value), &s.key(key), p)?;
    if !(0..=100 * PERCENT_SCALE).contains(&percent.units()) {
        p.push(s.key(key), format!("{value} is not between 0 and 100"));
        return None;
    }
    Some(percent)
}

/// A month written `YYYY-MM`.
pub(super) fn parse_month(text: &str) -> Result<Period, String> {
    text.trim()
        .parse::<Period>()
        .map_err(|_| format!("'{text}' is not a month (expected YYYY-MM, e.g. \"2027-01\")"))
}

/// A level's `from`/`until`, checked to be in order.
pub(super) fn dating(s: &Section, p: &mut Problems) -> (Option<Period>, Option<Period>) {
    let from = s.parsed("from", p, parse_month);
    let until = s.parsed("until", p, parse_month);
    if let (Some(f), Some(u)) = (from, until)
        && u < f
    {
        p.push(
            s.key("until"),
            format!("{u} is before from ({f}); a version must be in force at least one month"),
        );
    }
    (from, until)
}

/// `credit_scheme` and the keys of its scheme; `tiers` reads `service_credits`.
pub(super) fn credit_scheme(
    s: &Section,
    kind: Option<ServiceLevelKind>,
    target: Option<Percent>,
    currency: Option<&Currency>,
    p: &mut Problems,
) -> Option<CreditScheme> {
    let name = s.string("credit_scheme", p).unwrap_or("tiers");
    let own_keys: &[&str] = match name {
        "tiers" => &["service_credits"],
        "shortfall" => &["shortfall_factor", "shortfall_max_percent"],
        "service_points" => &["points"],
        "per_breach" => &["amount_per_breach"],
        other => {
            p.push(
                s.key("credit_scheme"),
                format!(
                    "unknown credit scheme '{other}' (expected tiers, shortfall, service_points \
                     or per_breach)"
                ),
            );
            return None;
        }
    };
    let mut misplaced = false;
    for key in [
        "service_credits",
        "shortfall_factor",
        "shortfall_max_percent",
        "points",
        "amount_per_breach",
    ] {
        if s.has(key) && !own_keys.contains(&key) {
            misplaced = true;
            p.push(
                s.key(key),
                format!("does not apply to credit_scheme = \"{name}\"; remove it"),
            );
        }
    }
    let incident_kind = matches!(
        kind,
        Some(ServiceLevelKind::ResponseTime | ServiceLevelKind::ResolutionTime)
    );
    let scheme = match name {
        "tiers" => tiers(s, target, p).map(CreditScheme::Tiers),
        "shortfall" => {
            let factor = match s.number("shortfall_factor", p) {
                None => Some(Percent::from_units(PERCENT_SCALE)),
                Some(f) => match Percent::from_f64(f) {
                    Ok(v) if v.units() > 0 => Some(v),
                    _ => {
                        p.push(
                            s.key("shortfall_factor"),
                            format!("{f} is not a positive number"),
                        );
                        None
                    }
                },
            };
            let max = percent(s, "shortfall_max_percent", p);
            factor.map(|factor| CreditScheme::Shortfall { factor, max })
        }
        "service_points" => points(s, target, p).map(CreditScheme::ServicePoints),
        _ => {
            if kind.is_some() && !incident_kind {
                p.push(
                    s.key("credit_scheme"),
                    "per_breach applies to response_time and resolution_time levels only",
                );
                return None;
            }
            money(s, "amount_per_breach", currency, p).map(CreditScheme::PerBreach)
        }
    };
    if misplaced {
        return None;
    }
    scheme
}

/// `service_credits = [{ below, percent }, …]`, listed from the highest
/// `below` down, each lower tier crediting more (the tier chosen is the one
/// with the smallest `below` above the attainment, so the order must be strict).
fn tiers(s: &Section, target: Option<Percent>, p: &mut Problems) -> Option<Vec<CreditTier>> {
    let bands = bands(s, "service_credits", "percent", target, p)?;
    Some(
        bands
            .into_iter()
            .map(|(below, percent)| CreditTier { below, percent })
            .collect(),
    )
}

/// `points = [{ below, points }, …]`, ordered as tiers are.
fn points(s: &Section, target: Option<Percent>, p: &mut Problems) -> Option<Vec<PointBand>> {
    if !s.has("points") {
        p.push(
            s.key("points"),
            "required key is missing (credit_scheme = \"service_points\" needs its bands, e.g. \
             [ { below = 95.0, points = 1 } ])",
        );
        return None;
    }
    let bands = bands(s, "points", "points", target, p)?;
    Some(
        bands
            .into_iter()
            .map(|(below, points)| PointBand {
                below,
                points: (points.units() / PERCENT_SCALE) as u32,
            })
            .collect(),
    )
}

/// Bands `[{ below, VALUE }, …]` from the highest `below` down, each lower
/// band worth strictly more. Points are whole numbers, read as percents of
/// whole units so both kinds share the checks.
fn bands(
    s: &Section,
    key: &str,
    value_key: &str,
    target: Option<Percent>,
    p: &mut Problems,
) -> Option<Vec<(Percent, Percent)>> {
    let (noun, worth_verb) = match value_key {
        "points" => ("band", "score"),
        _ => ("tier", "credit"),
    };
    let mut out: Vec<(Percent, Percent)> = Vec::new();
    let mut complete = true;
    for (path, value) in s.items(key, p) {
        let Some(t) = Section::open(value, path, &["below", value_key], p) else {
            complete = false;
            continue;
        };
        let below = t.required("below", p).and_then(|_| percent(&t, "below", p));
        let worth = t.required(value_key, p).and_then(|_| match value_key {
            "points" => match t.integer("points", p) {
                Some(n) if (1..=1_000_000).contains(&n) => {
                    Some(Percent::from_units(n * PERCENT_SCALE))
                }
                Some(n) => {
                    p.push(
                        t.key("points"),
                        format!("{n} is not a whole number of points above 0"),
                    );
                    None
                }
                None => None,
            },
            _ => percent(&t, value_key, p),
        });
        let (Some(below), Some(worth)) = (below, worth) else {
            complete = false;
            continue;
        };
        if below.units() == 0 {
            p.push(
                t.key("below"),
                "must be more than 0 (no attainment is below 0%)",
            );
        } else if let Some(target) = target
            && below > target
        {
            p.push(
                t.key("below"),
                format!(
                    "{below} is above target_percent ({target}); credits apply only to a \
                     failed month"
                ),
            );
        }
        if worth.units() == 0 {
            p.push(t.key(value_key), "must be more than 0");
        }
        if let Some((prev_below, prev_worth)) = out.last() {
            if below >= *prev_below {
                p.push(
                    t.key("below"),
                    format!(
                        "{noun}s must be listed from the highest below down: {below} is not below \
                         the previous {noun}'s {prev_below}"
                    ),
                );
            }
            if worth <= *prev_worth {
                p.push(
                    t.key(value_key),
                    format!(
                        "a lower {noun} must {worth_verb} more: {} is not more than the previous \
                         {noun}'s {}",
                        show(worth, value_key),
                        show(*prev_worth, value_key)
                    ),
                );
            }
        }
        out.push((below, worth));
    }
    complete.then_some(out)
}

fn show(worth: Percent, value_key: &str) -> String {
    match value_key {
        "points" => (worth.units() / PERCENT_SCALE).to_string(),
        _ => worth.to_string(),
    }
}

/// `minimum_volume` with `max_breaches` (incident levels only).
pub(super) fn low_volume(
    s: &Section,
    kind: Option<ServiceLevelKind>,
    p: &mut Problems,
) -> Option<Option<LowVolume>> {
    let (has_min, has_max) = (s.has("minimum_volume"), s.has("max_breaches"));
    if !has_min && !has_max {
        return Some(None);
    }
    if kind.is_some_and(|k| {
        !matches!(
            k,
            ServiceLevelKind::ResponseTime | ServiceLevelKind::ResolutionTime
        )
    }) {
        let key = if has_min {
            "minimum_volume"
        } else {
            "max_breaches"
        };
        p.push(
            s.key(key),
            "the low-volume rule applies to response_time and resolution_time levels only",
        );
        return None;
    }
    if has_min != has_max {
        let missing = if has_min {
            "max_breaches"
        } else {
            "minimum_volume"
        };
        p.push(
            s.key(missing),
            "required key is missing (minimum_volume and max_breaches go together)",
        );
        return None;
    }
    let count = |key: &str, least: i64, p: &mut Problems| match s.integer(key, p) {
        Some(n) if n >= least => Some(n as u64),
        Some(n) => {
            p.push(s.key(key), format!("{n} must be at least {least}"));
            None
        }
        None => None,
    };
    let minimum = count("minimum_volume", 1, p);
    let max_breaches = count("max_breaches", 0, p);
    Some(Some(LowVolume {
        minimum: minimum?,
        max_breaches: max_breaches?,
    }))
}

/// Refuses two versions of one service level in force in the same month,
/// or versions of one id measuring different things; `levels` pairs each
/// parsed level with its key path.
pub(super) fn check_variations(levels: &[(String, &ServiceLevel)], p: &mut Problems) {
    for (i, (path, level)) in levels.iter().enumerate() {
        let Some((first, earlier)) = levels[..i].iter().find(|(_, e)| e.id == level.id) else {
            continue;
        };
        if earlier.kind != level.kind {
            p.push(
                format!("{path}.kind"),
                format!(
                    "'{}' is {} at {first}; a variation of a service level must measure the same \
                     kind (give the new measure its own id)",
                    level.id,
                    earlier.kind.as_str()
                ),
            );
            continue;
        }
        let undated = |l: &ServiceLevel| l.from.is_none() && l.until.is_none();
        for (other_path, other) in levels[..i]
            .iter()
            // Two undated versions are reported as a duplicate id already.
            .filter(|(_, e)| e.id == level.id && !(undated(e) && undated(level)))
        {
            let overlaps = level
                .from
                .is_none_or(|f| other.until.is_none_or(|u| f <= u))
                && other
                    .from
                    .is_none_or(|f| level.until.is_none_or(|u| f <= u));
            if overlaps {
                p.push(
                    format!("{path}.from"),
                    format!(
                        "'{}' is already in force in {} ({other_path}); versions of one service \
                         level need from/until ranges that do not overlap",
                        level.id,
                        other.in_force_text()
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{CONTRACT, assert_problem, problems};

    const LEVEL: &str = "contracts[0].service_levels";

    #[test]
    fn the_terms_are_checked_and_every_problem_named() {
        let text = format!(
            r#"{}
contract_year_starts = "13"
repeat_multiplier = 0

  [[contracts.service_levels]]
  id = "p1"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  target_percent = 95.0
  until = "2026-12"

  [[contracts.service_levels]]
  id = "p1"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "2h"
  target_percent = 95.0
  from = "2026-06"

  [[contracts.service_levels]]
  id = "share"
  kind = "proactive_share"
  target_percent = 60.0
  credit_scheme = "service_points"
  points = [ {{ below = 60.0, points = 2 }}, {{ below = 50.0, points = 1 }} ]
  service_credits = [ {{ below = 60.0, percent = 1.0 }} ]

  [[contracts.service_levels]]
  id = "email"
  kind = "availability"
  services = ["email"]
  target_percent = 99.5
  credit_scheme = "per_breach"
  amount_per_breach = "10.00"
  minimum_volume = 10
  max_breaches = 1

  [[contracts.service_levels]]
  id = "p2"
  kind = "resolution_time"
  priorities = ["P2"]
  target = "8h"
  target_percent = 90.0
  credit_scheme = "sliding"
  minimum_volume = 10
  from = "2027-05"
  until = "2027-01"
"#,
            CONTRACT.replace(
                "monthly_charge = \"1000.00\"",
                "monthly_charge = [ { from = \"2027-04\", amount = \"10.00\" }, \
                 { from = \"2026-04\", amount = \"9.00\" } ]"
            )
        );
        let all = problems(&text);
        assert_problem(&all, "contracts[0].monthly_charge[1].from", "oldest first");
        assert_problem(
            &all,
            "contracts[0].contract_year_starts",
            "'13' is not a month number",
        );
        assert_problem(
            &all,
            "contracts[0].repeat_multiplier",
            "0 is not a whole number from 1",
        );
        // December 2026 is in both versions of p1.
        assert_problem(
            &all,
            &format!("{LEVEL}[1].from"),
            "'p1' is already in force in every month until 2026-12",
        );
        assert_problem(
            &all,
            &format!("{LEVEL}[2].service_credits"),
            "does not apply to credit_scheme = \"service_points\"",
        );
        assert_problem(
            &all,
            &format!("{LEVEL}[2].points[1].points"),
            "a lower band must score more",
        );
        assert_problem(
            &all,
            &format!("{LEVEL}[3].credit_scheme"),
            "per_breach applies to response_time and resolution_time",
        );
        assert_problem(
            &all,
            &format!("{LEVEL}[3].minimum_volume"),
            "low-volume rule applies to response_time",
        );
        assert_problem(
            &all,
            &format!("{LEVEL}[4].credit_scheme"),
            "unknown credit scheme 'sliding'",
        );
        assert_problem(
            &all,
            &format!("{LEVEL}[4].max_breaches"),
            "minimum_volume and max_breaches go together",
        );
        assert_problem(
            &all,
            &format!("{LEVEL}[4].until"),
            "2027-01 is before from (2027-05)",
        );
    }

    #[test]
    fn service_points_need_a_point_value_and_versions_one_kind() {
        let text = format!(
            r#"{CONTRACT}
  [[contracts.service_levels]]
  id = "share"
  kind = "proactive_share"
  target_percent = 60.0
  credit_scheme = "service_points"
  points = [ {{ below = 60.0, points = 2 }} ]
  until = "2026-12"

  [[contracts.service_levels]]
  id = "share"
  kind = "availability"
  services = ["email"]
  target_percent = 60.0
  from = "2027-01"
"#
        );
        let all = problems(&text);
        assert_problem(
            &all,
            "contracts[0].point_value_percent",
            "uses credit_scheme = \"service_points\"",
        );
        assert_problem(
            &all,
            &format!("{LEVEL}[1].kind"),
            "must measure the same kind",
        );
    }
}
