//! A slawatch configuration (see docs/book/src/operators/configuration.md) for
//! generated contracts, so a demo or a benchmark can load, evaluate and report
//! on the generated data.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use super::ContractShape;

/// One service level of the synthetic contracts.
pub(super) struct LevelSpec {
    pub id: &'static str,
    name: &'static str,
    kind: &'static str,
    priorities: &'static [&'static str],
    services: &'static [&'static str],
    target: Option<&'static str>,
    calendar: &'static str,
    pub target_percent: f64,
    critical_below: Option<f64>,
    /// Credit tiers as (below, percent).
    credits: &'static [(f64, f64)],
}

/// The service levels every synthetic contract gets.
pub(super) const SYNTHETIC_LEVELS: [LevelSpec; 7] = [
    LevelSpec {
        id: "p1-response",
        name: "P1 incidents responded to within 15 minutes",
        kind: "response_time",
        priorities: &["P1"],
        services: &[],
        target: Some("15m"),
        calendar: "24x7",
        target_percent: 95.0,
        critical_below: None,
        credits: &[],
    },
    LevelSpec {
        id: "p1-resolution",
        name: "P1 incidents resolved within 4 hours",
        kind: "resolution_time",
        priorities: &["P1"],
        services: &[],
        target: Some("4h"),
        calendar: "24x7",
        target_percent: 95.0,
        critical_below: Some(80.0),
        credits: &[(95.0, 2.0), (90.0, 4.0)],
    },
    LevelSpec {
        id: "p2-resolution",
        name: "P2 incidents resolved within 8 hours",
        kind: "resolution_time",
        priorities: &["P2"],
        services: &[],
        target: Some("8h"),
        calendar: "24x7",
        target_percent: 90.0,
        critical_below: None,
        credits: &[(90.0, 1.0)],
    },
    LevelSpec {
        id: "p3-resolution",
        name: "P3 incidents resolved within two office days",
        kind: "resolution_time",
        priorities: &["P3"],
        services: &[],
        target: Some("20h"),
        calendar: "office",
        target_percent: 90.0,
        critical_below: None,
        credits: &[(90.0, 1.0)],
    },
    LevelSpec {
        id: "email-availability",
        name: "Email available 99.5% of the time",
        kind: "availability",
        priorities: &[],
        services: &["email"],
        target: None,
        calendar: "24x7",
        target_percent: 99.5,
        critical_below: None,
        credits: &[(99.5, 3.0), (99.0, 6.0)],
    },
    LevelSpec {
        id: "network-availability",
        name: "Network available 99% of the time",
        kind: "availability",
        priorities: &[],
        services: &["network"],
        target: None,
        calendar: "24x7",
        target_percent: 99.0,
        critical_below: None,
        credits: &[(99.0, 2.0)],
    },
    LevelSpec {
        id: "proactive-share",
        name: "At least 60% of work is proactive",
        kind: "proactive_share",
        priorities: &[],
        services: &[],
        target: None,
        calendar: "24x7",
        target_percent: 60.0,
        critical_below: None,
        credits: &[(60.0, 1.0)],
    },
];

/// Writes a slawatch configuration for these contracts to `path`: the
/// database and files under `data_dir`, an `office` calendar (Europe/London,
/// 08:00-18:00 Monday to Friday) and, for each contract, the service levels of
/// the synthetic contracts (P1 response, P1/P2/P3 resolution, email and
/// network availability, proactive share) with credit tiers. Paths are
/// written with forward slashes.
pub fn write_config(shapes: &[ContractShape], path: &Path, data_dir: &Path) -> io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, render(shapes, data_dir))
}

fn render(shapes: &[ContractShape], data_dir: &Path) -> String {
    let data_dir = data_dir.to_string_lossy().replace('\\', "/");
    let data_dir = data_dir.trim_end_matches('/');
    let mut t = String::new();
    // Writing to a String cannot fail.
    let _ = write_all(&mut t, shapes, data_dir);
    t
}

fn write_all(t: &mut String, shapes: &[ContractShape], data_dir: &str) -> std::fmt::Result {
    writeln!(
        t,
        "# slawatch configuration for synthetic contracts (written by the generator)."
    )?;
    writeln!(t)?;
    writeln!(t, "[daemon]")?;
    writeln!(
        t,
        "database_url = {}",
        quote(&format!("sqlite://{data_dir}/slawatch.db"))
    )?;
    writeln!(t, "data_dir = {}", quote(data_dir))?;
    writeln!(t)?;
    writeln!(t, "[calendars.office]")?;
    writeln!(t, "timezone = \"Europe/London\"")?;
    for day in ["monday", "tuesday", "wednesday", "thursday", "friday"] {
        writeln!(t, "{day} = [\"08:00-18:00\"]")?;
    }
    for (i, shape) in shapes.iter().enumerate() {
        writeln!(t)?;
        writeln!(t, "[[contracts]]")?;
        writeln!(t, "id = {}", quote(&shape.id))?;
        writeln!(t, "supplier = \"Supplier {:02} Ltd\"", i + 1)?;
        writeln!(t, "timezone = {}", quote(shape.timezone.name()))?;
        writeln!(t, "currency = \"GBP\"")?;
        writeln!(t, "monthly_charge = \"100000.00\"")?;
        writeln!(t, "service_credit_cap_percent = 12.0")?;
        writeln!(t, "managers = [\"contracts@customer.example\"]")?;
        for level in &SYNTHETIC_LEVELS {
            write_level(t, level)?;
        }
    }
    Ok(())
}

fn write_level(t: &mut String, l: &LevelSpec) -> std::fmt::Result {
    let list = |items: &[&str]| {
        let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
        format!("[{}]", quoted.join(", "))
    };
    writeln!(t)?;
    writeln!(t, "  [[contracts.service_levels]]")?;
    writeln!(t, "  id = {}", quote(l.id))?;
    writeln!(t, "  name = {}", quote(l.name))?;
    writeln!(t, "  kind = {}", quote(l.kind))?;
    if !l.priorities.is_empty() {
        writeln!(t, "  priorities = {}", list(l.priorities))?;
    }
    if !l.services.is_empty() {
        writeln!(t, "  services = {}", list(l.services))?;
    }
    if let Some(target) = l.target {
        writeln!(t, "  target = {}", quote(target))?;
    }
    writeln!(t, "  calendar = {}", quote(l.calendar))?;
    writeln!(t, "  target_percent = {:.1}", l.target_percent)?;
    if let Some(critical) = l.critical_below {
        writeln!(t, "  critical_below = {critical:.1}")?;
    }
    if !l.credits.is_empty() {
        let tiers: Vec<String> = l
            .credits
            .iter()
            .map(|(below, percent)| format!("{{ below = {below:.1}, percent = {percent:.1} }}"))
            .collect();
        writeln!(t, "  service_credits = [ {} ]", tiers.join(", "))?;
    }
    Ok(())
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::synthetic_contracts;

    #[test]
    fn writes_valid_toml_with_every_contract_and_level() {
        let text = render(&synthetic_contracts(2), Path::new("C:\\demo\\data\\"));
        let doc: toml::Table = toml::from_str(&text).expect(&text);
        let daemon = doc["daemon"].as_table().unwrap();
        assert_eq!(
            daemon["database_url"].as_str(),
            Some("sqlite://C:/demo/data/slawatch.db")
        );
        assert_eq!(daemon["data_dir"].as_str(), Some("C:/demo/data"));
        assert_eq!(
            doc["calendars"]["office"]["friday"][0].as_str(),
            Some("08:00-18:00")
        );
        let contracts = doc["contracts"].as_array().unwrap();
        assert_eq!(contracts.len(), 2);
        assert_eq!(contracts[1]["id"].as_str(), Some("contract-02"));
        assert_eq!(contracts[1]["supplier"].as_str(), Some("Supplier 02 Ltd"));
        assert_eq!(contracts[1]["timezone"].as_str(), Some("America/New_York"));
        let levels = contracts[0]["service_levels"].as_array().unwrap();
        let ids: Vec<&str> = levels.iter().map(|l| l["id"].as_str().unwrap()).collect();
        assert_eq!(ids, SYNTHETIC_LEVELS.map(|l| l.id));
        let p1 = &levels[1];
        assert_eq!(p1["target"].as_str(), Some("4h"));
        assert_eq!(p1["critical_below"].as_float(), Some(80.0));
        assert_eq!(p1["service_credits"][1]["percent"].as_float(), Some(4.0));
        assert_eq!(levels[3]["calendar"].as_str(), Some("office"));
        assert_eq!(levels[4]["services"][0].as_str(), Some("email"));
    }

    #[test]
    fn quotes_toml_strings() {
        assert_eq!(quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000A\"");
    }
}
