//! A contract's escalation ladder, `[[contracts.escalations]]`: each rule
//! with what triggers it (`when`), the consequence (`then`), the clause to
//! quote and how long the supplier has to respond. Chained rules (a `when`
//! naming another rule's `then`) must name a consequence some rule has, and
//! may not loop back on themselves.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use toml::Value;

use super::load::check_id;
use super::reader::{Problems, Section, report_duplicates};
use crate::contract::ServiceLevel;
use crate::contract::calendar::{ALWAYS_OPEN, Calendar};
use crate::contract::escalation::{
    EscalationRule, MAX_LOOKBACK_MONTHS, RespondWithin, When, lookback,
};

/// The keys this part reads, added to the contract's allowed keys.
pub(super) const KEYS: [&str; 1] = ["escalations"];

const RULE_KEYS: [&str; 9] = [
    "id",
    "when",
    "count",
    "within_months",
    "at_least",
    "then",
    "clause",
    "respond_within",
    "calendar",
];

/// The `when` values that are not another rule's consequence.
const BUILT_IN: [&str; 3] = ["critical_failure", "failure", "service_points"];

/// Reads the contract's escalation rules. A rule's calendar defaults to the
/// calendar of the contract's first service level not on `24x7` (the
/// business days the contract works to), else `24x7`, whose working days
/// are Monday to Friday for a deadline.
pub(super) fn escalations(
    s: &Section,
    levels: &[ServiceLevel],
    calendars: &BTreeMap<String, Arc<Calendar>>,
    p: &mut Problems,
) -> Option<Vec<EscalationRule>> {
    let items = s.items("escalations", p);
    if items.is_empty() {
        return Some(Vec::new());
    }
    let before = p.0.len();
    report_duplicates(&items, "id", "escalation id", p);
    // Every consequence written, so a chained `when` can be checked even
    // when the rule that names it has problems of its own.
    let consequences: BTreeSet<&str> = items
        .iter()
        .filter_map(|(_, v)| v.get("then").and_then(Value::as_str))
        .collect();
    let default_calendar = levels
        .iter()
        .map(|l| &l.calendar)
        .find(|c| c.name() != ALWAYS_OPEN)
        .cloned()
        .or_else(|| calendars.get(ALWAYS_OPEN).cloned())
        .unwrap_or_else(|| Arc::new(Calendar::always_open()));
    let mut rules = Vec::new();
    for (path, value) in &items {
        let Some(r) = Section::open(value, path.clone(), &RULE_KEYS, p) else {
            continue;
        };
        if let Some(rule) = rule(&r, &consequences, &default_calendar, calendars, p) {
            rules.push((path.clone(), rule));
        }
    }
    check_chains(&rules, p);
    (p.0.len() == before).then(|| rules.into_iter().map(|(_, r)| r).collect())
}

fn rule(
    r: &Section,
    consequences: &BTreeSet<&str>,
    default_calendar: &Arc<Calendar>,
    calendars: &BTreeMap<String, Arc<Calendar>>,
    p: &mut Problems,
) -> Option<EscalationRule> {
    let id = r.req_parsed("id", p, check_id);
    let then = r.req_parsed("then", p, |t| {
        check_id(t.trim()).map_err(|_| {
            format!("'{t}' is not one word (e.g. rectification_plan, material_breach)")
        })
    });
    let clause = r.req_string("clause", p).map(|c| c.trim().to_string());
    let respond_within = r.parsed("respond_within", p, RespondWithin::parse);
    let calendar = match r.string("calendar", p) {
        None => Some(default_calendar.clone()),
        Some(name) => {
            let found = calendars.get(name).cloned();
            if found.is_none() {
                let known: Vec<&str> = calendars.keys().map(String::as_str).collect();
                p.push(
                    r.key("calendar"),
                    format!("unknown calendar '{name}' (known: {})", known.join(", ")),
                );
            }
            found
        }
    };
    let when = when(r, consequences, p);
    Some(EscalationRule {
        id: id?,
        when: when?,
        then: then?,
        clause: clause?,
        respond_within,
        calendar: calendar?,
    })
}

/// `when` with the keys it needs (`count` and `within_months`, or `at_least`).
fn when(r: &Section, consequences: &BTreeSet<&str>, p: &mut Problems) -> Option<When> {
    let name = r.req_string("when", p)?.trim();
    let chained = !BUILT_IN.contains(&name);
    if chained && !consequences.contains(name) {
        let known: Vec<&str> = consequences.iter().copied().collect();
        p.push(
            r.key("when"),
            format!(
                "unknown when '{name}' (expected critical_failure, failure, service_points or \
                 the then of a rule: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
        );
        return None;
    }
    let counted = name == "failure" || chained;
    let needs = |key: &str| match key {
        "count" | "within_months" => counted,
        _ => name == "service_points",
    };
    let mut ok = true;
    for key in ["count", "within_months", "at_least"] {
        match (needs(key), r.has(key)) {
            (true, false) => {
                ok = false;
                p.push(
                    r.key(key),
                    format!("required key is missing (when = \"{name}\" needs it)"),
                );
            }
            (false, true) => {
                ok = false;
                p.push(
                    r.key(key),
                    format!("does not apply to when = \"{name}\"; remove it"),
                );
            }
            _ => {}
        }
    }
    let whole = |key: &str, p: &mut Problems| match r.integer(key, p) {
        Some(n) if (1..=1_000).contains(&n) => Some(n as u32),
        Some(n) => {
            p.push(
                r.key(key),
                format!("{n} is not a whole number from 1 to 1000"),
            );
            None
        }
        None => None,
    };
    if !ok {
        return None;
    }
    match name {
        "critical_failure" => Some(When::CriticalFailure),
        "service_points" => whole("at_least", p).map(|at_least| When::ServicePoints { at_least }),
        _ => {
            let count = whole("count", p);
            let within_months = whole("within_months", p);
            let (count, within_months) = (count?, within_months?);
            if within_months > MAX_LOOKBACK_MONTHS {
                p.push(
                    r.key("within_months"),
                    format!("{within_months} is more than {MAX_LOOKBACK_MONTHS} months"),
                );
                return None;
            }
            Some(match name {
                "failure" => When::Failure {
                    count,
                    within_months,
                },
                then => When::Escalated {
                    then: then.to_string(),
                    count,
                    within_months,
                },
            })
        }
    }
}

/// Refuses chains that loop (a rule triggered, however indirectly, by its
/// own consequence) or that look back further than [`MAX_LOOKBACK_MONTHS`].
fn check_chains(rules: &[(String, EscalationRule)], p: &mut Problems) {
    let only: Vec<EscalationRule> = rules.iter().map(|(_, r)| r.clone()).collect();
    for (path, rule) in rules {
        match lookback(rule, &only, &mut Vec::new()) {
            Err(cycle) => p.push(
                format!("{path}.when"),
                format!(
                    "the escalation rules loop: {} (a rule cannot be triggered by its own \
                     consequence)",
                    cycle.join(" → ")
                ),
            ),
            Ok(months) if months >= MAX_LOOKBACK_MONTHS => p.push(
                format!("{path}.within_months"),
                format!(
                    "the chain of rules under '{}' looks back {} months; at most \
                     {MAX_LOOKBACK_MONTHS} are allowed",
                    rule.id,
                    months + 1
                ),
            ),
            Ok(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::super::tests::{CONTRACT, assert_problem, problems};
    use crate::contract::escalation::{RespondWithin, When};

    const LEVEL: &str = r#"
[[contracts.service_levels]]
id = "p1-resolution"
kind = "resolution_time"
priorities = ["P1"]
target = "4h"
target_percent = 95.0
"#;

    fn with(rules: &str) -> String {
        format!("{CONTRACT}{LEVEL}{rules}")
    }

    const LADDER: &str = r#"
[[contracts.escalations]]
id = "repeat-failure"
when = "failure"
count = 2
within_months = 3
then = "rectification_plan"
clause = "Clause 12.1: two failures of one service level in three months"
respond_within = "10 working days"

[[contracts.escalations]]
id = "plans"
when = "rectification_plan"
count = 3
within_months = 12
then = "material_breach"
clause = "Clause 12.4"

[[contracts.escalations]]
id = "critical"
when = "critical_failure"
then = "termination_right"
clause = "Clause 20.2"
respond_within = "15 days"
"#;

    #[test]
    fn a_ladder_is_read_in_order() {
        let config = parse(&with(LADDER), "test.toml").unwrap();
        let rules = &config.contracts[0].escalations;
        assert_eq!(rules.len(), 3);
        assert_eq!(
            rules[0].when,
            When::Failure {
                count: 2,
                within_months: 3
            }
        );
        assert_eq!(rules[0].then, "rectification_plan");
        assert_eq!(
            rules[0].respond_within,
            Some(RespondWithin {
                days: 10,
                working: true
            })
        );
        assert_eq!(
            rules[1].when,
            When::Escalated {
                then: "rectification_plan".into(),
                count: 3,
                within_months: 12
            }
        );
        assert_eq!(rules[2].when, When::CriticalFailure);
        // No calendar of its own and only 24x7 levels: the built-in calendar.
        assert_eq!(rules[2].calendar.name(), "24x7");
    }

    #[test]
    fn a_contract_without_a_ladder_has_no_rules() {
        let config = parse(&with(""), "test.toml").unwrap();
        assert!(config.contracts[0].escalations.is_empty());
    }

    #[test]
    fn an_unknown_when_is_refused_naming_what_is_known() {
        let all = problems(&with(
            r#"
[[contracts.escalations]]
id = "x"
when = "outage"
then = "rectification_plan"
clause = "c"
"#,
        ));
        assert_problem(
            &all,
            "contracts[0].escalations[0].when",
            "unknown when 'outage' (expected critical_failure, failure, service_points or the \
             then of a rule: rectification_plan)",
        );
    }

    #[test]
    fn failure_needs_count_and_within_months() {
        let all = problems(&with(
            r#"
[[contracts.escalations]]
id = "x"
when = "failure"
then = "rectification_plan"
clause = "c"
at_least = 3
"#,
        ));
        assert_problem(
            &all,
            "contracts[0].escalations[0].count",
            "required key is missing",
        );
        assert_problem(
            &all,
            "contracts[0].escalations[0].within_months",
            "required key is missing (when = \"failure\" needs it)",
        );
        assert_problem(
            &all,
            "contracts[0].escalations[0].at_least",
            "does not apply to when = \"failure\"",
        );
    }

    #[test]
    fn a_chained_when_must_name_a_consequence() {
        let all = problems(&with(
            r#"
[[contracts.escalations]]
id = "x"
when = "rectification_plans"
count = 3
within_months = 12
then = "material_breach"
clause = "c"
"#,
        ));
        assert_problem(
            &all,
            "contracts[0].escalations[0].when",
            "unknown when 'rectification_plans'",
        );
    }

    #[test]
    fn loops_are_refused() {
        let all = problems(&with(
            r#"
[[contracts.escalations]]
id = "a"
when = "material_breach"
count = 1
within_months = 1
then = "rectification_plan"
clause = "c"

[[contracts.escalations]]
id = "b"
when = "rectification_plan"
count = 2
within_months = 6
then = "material_breach"
clause = "c"
"#,
        ));
        assert_problem(
            &all,
            "contracts[0].escalations[0].when",
            "the escalation rules loop: a → b → a",
        );
    }

    #[test]
    fn bad_values_are_named() {
        let all = problems(&with(
            r#"
[[contracts.escalations]]
id = "x"
when = "service_points"
at_least = 0
then = "two words"
respond_within = "a fortnight"
calendar = "office"
"#,
        ));
        let at = |k: &str| format!("contracts[0].escalations[0].{k}");
        assert_problem(
            &all,
            &at("at_least"),
            "0 is not a whole number from 1 to 1000",
        );
        assert_problem(&all, &at("then"), "'two words' is not one word");
        assert_problem(&all, &at("clause"), "required key is missing");
        assert_problem(
            &all,
            &at("respond_within"),
            "'a fortnight' is not a time to respond",
        );
        assert_problem(&all, &at("calendar"), "unknown calendar 'office'");
    }
}
