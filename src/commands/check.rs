//! `slawatch check`: validate the configuration, and list which definitions
//! apply in which months for contracts that vary them over time.

use std::path::Path;

use super::Failure;
use crate::contract::{Contract, CreditScheme, ServiceLevel};
use crate::domain::money::with_code;

/// Loads the configuration and says what it holds, or fails with every
/// problem; lists the dated definitions of each contract that has any, or
/// of `contract` whatever it has.
pub fn run(path: &Path, contract: Option<&str>) -> Result<(), Failure> {
    let config = crate::config::load(path).map_err(Failure::config)?;
    if let Some(id) = contract
        && config.contract(id).is_none()
    {
        return Err(Failure::input(format!(
            "--contract: no contract '{id}' in {}",
            path.display()
        )));
    }
    let levels: usize = config
        .contracts
        .iter()
        .map(|c| c.service_levels.len())
        .sum();
    println!(
        "{}: ok ({} contract(s), {} service level(s), {} source(s))",
        path.display(),
        config.contracts.len(),
        levels,
        config.sources.len()
    );
    for c in &config.contracts {
        if contract == Some(c.id.as_str()) || (contract.is_none() && is_dated(c)) {
            print!("{}", definitions(c));
        }
    }
    Ok(())
}

/// True when the contract dates a charge or a service level, or starts on a date.
fn is_dated(c: &Contract) -> bool {
    !c.monthly_charge.is_fixed()
        || c.start.is_some()
        || c.service_levels
            .iter()
            .any(|l| l.from.is_some() || l.until.is_some())
}

/// The contract's definitions and the months each is in force, in words.
pub fn definitions(c: &Contract) -> String {
    let money = |minor: i64| with_code(minor, &c.currency);
    let mut out = format!("\n{}: definitions by month\n", c.id);
    let charges: Vec<String> = c
        .monthly_charge
        .entries()
        .iter()
        .map(|e| match e.from {
            Some(from) => format!("{} from {from}", money(e.amount.minor)),
            None => format!("{} every month", money(e.amount.minor)),
        })
        .collect();
    out.push_str(&format!("  monthly charge: {}\n", charges.join("; ")));
    if let Some(start) = c.start {
        out.push_str(&format!("  contract starts: {start} (no charge before)\n"));
    }
    let cap = format!(
        "  monthly cap: {} % of the charge",
        c.service_credit_cap_percent
    );
    match c.annual_cap_percent {
        Some(a) => out.push_str(&format!(
            "{cap}; annual cap: {a} % of the contract year's charges, the year starting in month {:02}\n",
            c.contract_year_starts
        )),
        None => out.push_str(&format!("{cap}\n")),
    }
    for level in &c.service_levels {
        out.push_str(&format!(
            "  {}: {} — {}\n",
            level.id,
            level.in_force_text(),
            describe(level)
        ));
    }
    out
}

fn describe(l: &ServiceLevel) -> String {
    let target = match l.target_seconds {
        Some(s) => format!(
            "{} % within {}",
            l.target_percent,
            crate::engine::dr::words(s)
        ),
        None => format!("{} %", l.target_percent),
    };
    let scheme = match &l.credit_scheme {
        CreditScheme::Tiers(t) if t.is_empty() => "no credit".to_string(),
        CreditScheme::Tiers(t) => format!("{} credit tier(s)", t.len()),
        CreditScheme::Shortfall { .. } => "shortfall credit".to_string(),
        CreditScheme::ServicePoints(b) => format!("{} service-point band(s)", b.len()),
        CreditScheme::PerBreach(m) => format!("{} per breach", m.major_string()),
    };
    let low = l.low_volume.map_or(String::new(), |v| {
        format!(
            "; low volume under {} assessed (at most {} breaches)",
            v.minimum, v.max_breaches
        )
    });
    format!("{}, {target}, {scheme}{low}", l.kind.as_str())
}
