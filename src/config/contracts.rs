//! `[calendars.NAME]` and `[[contracts]]` with their service levels and
//! commitments (DR systems in `dr`) (see docs/book/src/reference/configuration.md): the
//! part of the file a contract manager writes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::NaiveDate;
use toml::Value;

use super::commitment::{CommitmentSpec, parse_date};
use super::load::{check_email, check_id, parse_duration, parse_timezone};
use super::reader::{
    Problems, Section, all, index, items, join, report, report_duplicates, type_name,
};
use super::terms::percent;
use crate::contract::calendar::{ALWAYS_OPEN, Calendar, WEEKDAYS, Window};
use crate::contract::commitment::Origin;
use crate::contract::subscription::{Delivery, QuietHours, Subscription};
use crate::contract::{
    Commitment, Contract, DEFAULT_ISSUE_DEADLINE_DAYS, IssueWhen, ServiceLevel, ServiceLevelKind,
};
use crate::domain::percent::PERCENT_SCALE;
use crate::domain::{Currency, Percent, Priority, Weight};

const CALENDAR_KEYS: [&str; 9] = [
    "timezone",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "holidays",
];

const CONTRACT_KEYS: [&str; 20] = [
    "id",
    "supplier",
    "timezone",
    "currency",
    "monthly_charge",
    "service_credit_cap_percent",
    "managers",
    "service_levels",
    "commitments",
    "dr_systems",
    "rewrite_grace",
    "annual_cap_percent",
    "contract_year_starts",
    "start",
    "point_value_percent",
    "repeat_multiplier",
    "auto_issue",
    "issue_when",
    "issue_deadline_days",
    "attach_evidence_files",
];

const SERVICE_LEVEL_KEYS: [&str; 20] = [
    "id",
    "name",
    "kind",
    "priorities",
    "services",
    "target",
    "calendar",
    "target_percent",
    "critical_below",
    "partial_weight",
    "service_credits",
    "from",
    "until",
    "credit_scheme",
    "shortfall_factor",
    "shortfall_max_percent",
    "points",
    "amount_per_breach",
    "minimum_volume",
    "max_breaches",
];

const COMMITMENT_KEYS: [&str; 9] = [
    "id",
    "name",
    "category",
    "owner",
    "due",
    "every",
    "first_month",
    "calendar",
    "delay_payment_per_day",
];

/// The cap when a contract sets none: credits never exceed the whole charge.
const DEFAULT_CAP: Percent = Percent::from_units(100 * PERCENT_SCALE);

/// The calendars of the file, plus the names of those defined but invalid, so
/// a service level naming one is not reported a second time.
pub(super) struct Calendars {
    /// Valid calendars by name, with the built-in `24x7`.
    pub(super) valid: BTreeMap<String, Arc<Calendar>>,
    /// Every name under `[calendars]`, valid or not.
    defined: BTreeSet<String>,
}

/// Reads `[calendars.NAME]` tables.
pub(super) fn calendars(value: Option<&Value>, p: &mut Problems) -> Calendars {
    let mut out = Calendars {
        valid: BTreeMap::from([(ALWAYS_OPEN.to_string(), Arc::new(Calendar::always_open()))]),
        defined: BTreeSet::new(),
    };
    let Some(value) = value else {
        return out;
    };
    let Value::Table(table) = value else {
        p.push(
            "calendars",
            format!(
                "expected a table of calendars ([calendars.office]), found {}",
                type_name(value)
            ),
        );
        return out;
    };
    for (name, value) in table {
        out.defined.insert(name.clone());
        if let Some(calendar) = calendar(name, value, p) {
            out.valid.insert(name.clone(), Arc::new(calendar));
        }
    }
    out
}

fn calendar(name: &str, value: &Value, p: &mut Problems) -> Option<Calendar> {
    let path = join("calendars", name);
    if name == ALWAYS_OPEN {
        p.push(
            path,
            "24x7 is the built-in always-open calendar and cannot be redefined; \
             choose another name",
        );
        return None;
    }
    let s = Section::open(value, path, &CALENDAR_KEYS, p)?;
    let before = p.0.len();
    let tz = s.req_parsed("timezone", p, parse_timezone);
    let mut days: [Vec<Window>; 7] = Default::default();
    for (day, windows) in WEEKDAYS.iter().zip(days.iter_mut()) {
        for (path, text) in s.strings(day, p).unwrap_or_default() {
            windows.extend(report(Window::parse(text), &path, p));
        }
    }
    let mut holidays = BTreeSet::new();
    let base = s.key("holidays");
    for (i, v) in s
        .array("holidays", p)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        holidays.extend(date(v, &index(&base, i), p));
    }
    // A bad window left out would make overlap and never-open checks misleading.
    if p.0.len() > before {
        return None;
    }
    report(Calendar::weekly(name, tz?, days, holidays), s.path(), p)
}

/// Reads `[[contracts]]`; returns the contracts when all are valid, and every
/// id written (valid or not) for the sources' references.
pub(super) fn contracts(
    value: Option<&Value>,
    calendars: &Calendars,
    p: &mut Problems,
) -> (Option<Vec<Contract>>, Vec<String>) {
    let entries = items(value, "contracts", p);
    if value.is_none() || matches!(value, Some(Value::Array(a)) if a.is_empty()) {
        p.push("contracts", "at least one [[contracts]] is required");
    }
    let ids = report_duplicates(&entries, "id", "contract id", p);
    let contracts = all(entries
        .iter()
        .map(|(path, v)| contract(v, path.clone(), calendars, p)));
    (contracts, ids)
}

fn contract(
    value: &Value,
    path: String,
    calendars: &Calendars,
    p: &mut Problems,
) -> Option<Contract> {
    let keys: Vec<&str> = CONTRACT_KEYS
        .iter()
        .chain(&super::recovery::KEYS)
        .chain(&super::claim::KEYS)
        .chain(&super::escalation::KEYS)
        .copied()
        .collect();
    let s = Section::open(value, path, &keys, p)?;
    let id = s.req_parsed("id", p, check_id);
    let supplier = s.req_string("supplier", p);
    let timezone = s.req_parsed("timezone", p, parse_timezone);
    let currency = s.req_parsed("currency", p, Currency::parse);
    let monthly_charge = super::terms::monthly_charge(&s, currency.as_ref(), p);
    let terms = super::terms::contract_terms(&s, p);
    let cap = match s.has("service_credit_cap_percent") {
        true => percent(&s, "service_credit_cap_percent", p),
        false => Some(DEFAULT_CAP),
    };
    let managers = managers(&s, p);
    let auto_issue = flag(&s, "auto_issue", p);
    let attach_evidence_files = flag(&s, "attach_evidence_files", p);
    let particulars = super::claim::particulars(&s, p);
    let issue_when = issue_when(&s, p);
    let rewrite_grace = match s.has("rewrite_grace") {
        true => s.parsed("rewrite_grace", p, super::load::parse_duration),
        false => Some(crate::contract::DEFAULT_REWRITE_GRACE_SECONDS),
    };

    let items = s.items("service_levels", p);
    // Versions dated with from/until may share an id (checked below, once parsed).
    let undated: Vec<(String, &Value)> = items
        .iter()
        .filter(|(_, v)| v.get("from").is_none() && v.get("until").is_none())
        .cloned()
        .collect();
    report_duplicates(&undated, "id", "service level id", p);
    let levels: Vec<(String, Option<ServiceLevel>)> = items
        .into_iter()
        .map(|(path, v)| {
            let level = service_level(v, path.clone(), currency.as_ref(), calendars, p);
            (path, level)
        })
        .collect();
    let parsed: Vec<(String, &ServiceLevel)> = levels
        .iter()
        .filter_map(|(path, l)| l.as_ref().map(|l| (path.clone(), l)))
        .collect();
    super::terms::check_variations(&parsed, p);
    if let (Some(terms), Some((path, _))) = (
        &terms,
        parsed.iter().find(|(_, l)| {
            matches!(
                l.credit_scheme,
                crate::contract::CreditScheme::ServicePoints(_)
            )
        }),
    ) && terms.point_value_percent.is_none()
    {
        p.push(
            s.key("point_value_percent"),
            format!(
                "required key is missing ({path} uses credit_scheme = \"service_points\", \
                 and a point is worth this percentage of the monthly charge)"
            ),
        );
    }
    let service_levels = all(levels.into_iter().map(|(_, l)| l));

    let items = s.items("commitments", p);
    report_duplicates(&items, "id", "commitment id", p);
    let commitments = all(items
        .into_iter()
        .map(|(path, v)| commitment(v, path, currency.as_ref(), calendars, p)));
    let dr_systems = super::dr::dr_systems(&s, p);
    let recovery = super::recovery::recovery_terms(&s, p);
    let escalations = match &service_levels {
        Some(levels) => super::escalation::escalations(&s, levels, &calendars.valid, p),
        // The default calendar comes from the levels; read the rules for
        // their own problems all the same.
        None => super::escalation::escalations(&s, &[], &calendars.valid, p).and(None),
    };

    let terms = terms?;
    Some(Contract {
        id: id?,
        supplier: supplier?.to_string(),
        timezone: timezone?,
        currency: currency?,
        monthly_charge: monthly_charge?,
        service_credit_cap_percent: cap?,
        managers: managers.as_ref()?.0.clone(),
        subscriptions: managers?.1,
        service_levels: service_levels?,
        commitments: commitments?,
        dr_systems: dr_systems?,
        rewrite_grace_seconds: rewrite_grace?,
        annual_cap_percent: terms.annual_cap_percent,
        contract_year_starts: terms.contract_year_starts,
        start: terms.start,
        point_value_percent: terms.point_value_percent,
        repeat_multiplier: terms.repeat_multiplier,
        recovery: recovery?,
        escalations: escalations?,
        auto_issue: auto_issue?,
        issue_when: issue_when?,
        particulars,
        attach_evidence_files: attach_evidence_files?,
    })
}

/// `issue_when = "schedule" | "feeds_complete"` with its
/// `issue_deadline_days` (calendar days after the month's end).
fn issue_when(s: &Section, p: &mut Problems) -> Option<IssueWhen> {
    let deadline = match s.has("issue_deadline_days") {
        true => {
            let days = s.integer("issue_deadline_days", p)?;
            match u32::try_from(days) {
                Ok(d) if (1..=62).contains(&d) => Some(d),
                _ => {
                    p.push(
                        s.key("issue_deadline_days"),
                        "must be a whole number of days from 1 to 62",
                    );
                    return None;
                }
            }
        }
        false => None,
    };
    match s.string("issue_when", p) {
        None | Some("schedule") => {
            if deadline.is_some() {
                p.push(
                    s.key("issue_deadline_days"),
                    "only applies with issue_when = \"feeds_complete\"",
                );
                return None;
            }
            Some(IssueWhen::Schedule)
        }
        Some("feeds_complete") => Some(IssueWhen::FeedsComplete {
            deadline_days: deadline.unwrap_or(DEFAULT_ISSUE_DEADLINE_DAYS),
        }),
        Some(other) => {
            p.push(
                s.key("issue_when"),
                format!("unknown value '{other}' (expected \"schedule\" or \"feeds_complete\")"),
            );
            None
        }
    }
}

/// A true/false key, false when absent: `auto_issue` (issue the month on
/// schedule without waiting for a manager's approval of its draft),
/// `attach_evidence_files` (the issued email carries the month's evidence files).
fn flag(s: &Section, key: &str, p: &mut Problems) -> Option<bool> {
    match s.value(key) {
        None => Some(false),
        Some(Value::Boolean(b)) => Some(*b),
        Some(_) => {
            p.push(s.key(key), "must be true or false");
            None
        }
    }
}

/// The keys of a `[[contracts.managers]]` table.
const MANAGER_KEYS: [&str; 3] = ["address", "kinds", "quiet_hours"];

/// The kinds of alert live detection raises, which a manager may route.
pub const ALERT_KINDS: [&str; 19] = [
    "breached",
    "at_risk",
    "month_at_risk",
    "certain_to_fail",
    "critical",
    "outage_started",
    "outage_ended",
    "source_failing",
    "source_stale",
    "evidence_rewritten",
    "evidence_refused",
    "commitment_due_soon",
    "commitment_overdue",
    "commitment_reminder",
    "discrepancy",
    "dr_flag",
    "escalation",
    "claim_unpaid",
    "weekly_summary",
];

/// `managers`: plain addresses, or `[[contracts.managers]]` tables with an
/// address and preferences (both forms may be mixed). Returns every address
/// and the preferences of those given as tables.
fn managers(s: &Section, p: &mut Problems) -> Option<(Vec<String>, Vec<Subscription>)> {
    if !s.has("managers") {
        p.push(
            s.key("managers"),
            "required key is missing (the email addresses that receive this contract's alerts)",
        );
        return None;
    }
    let items = s.array("managers", p)?;
    if items.is_empty() {
        p.push(
            s.key("managers"),
            "list at least one email address to alert",
        );
    }
    let base = s.key("managers");
    let mut addresses = Vec::with_capacity(items.len());
    let mut subscriptions = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = index(&base, i);
        if let Some(text) = item.as_str() {
            addresses.extend(report(check_email(text), &path, p).map(|()| text.trim().to_string()));
            continue;
        }
        let Some(m) = Section::open(item, path, &MANAGER_KEYS, p) else {
            continue;
        };
        let address = m.req_parsed("address", p, |t| {
            check_email(t).map(|()| t.trim().to_string())
        });
        let mut kinds = std::collections::BTreeMap::new();
        let table = match m.value("kinds") {
            None => None,
            Some(Value::Table(t)) => Some(t),
            Some(other) => {
                p.push(
                    m.key("kinds"),
                    format!(
                        "expected a table such as {{ at_risk = \"digest\" }}, found {}",
                        type_name(other)
                    ),
                );
                None
            }
        };
        for (kind, value) in table.into_iter().flatten() {
            let kind_path = join(&m.key("kinds"), kind);
            let kind = kind.clone();
            if !ALERT_KINDS.contains(&kind.as_str()) {
                p.push(
                    kind_path.clone(),
                    format!(
                        "unknown alert kind '{kind}' (expected one of {})",
                        ALERT_KINDS.join(", ")
                    ),
                );
                continue;
            }
            match value.as_str().map(Delivery::parse) {
                Some(Ok(d)) => {
                    kinds.insert(kind, d);
                }
                Some(Err(e)) => p.push(kind_path, e),
                None => p.push(kind_path, "expected \"immediate\", \"digest\" or \"off\""),
            }
        }
        let quiet_hours = match m.has("quiet_hours") {
            true => m.parsed("quiet_hours", p, QuietHours::parse).map(Some),
            false => Some(None),
        };
        // Every problem of the entry is reported before giving up on it.
        let (Some(address), Some(quiet_hours)) = (address, quiet_hours) else {
            continue;
        };
        addresses.push(address.clone());
        subscriptions.push(Subscription {
            address,
            kinds,
            quiet_hours,
        });
    }
    Some((addresses, subscriptions))
}

fn service_level(
    value: &Value,
    path: String,
    currency: Option<&Currency>,
    calendars: &Calendars,
    p: &mut Problems,
) -> Option<ServiceLevel> {
    use ServiceLevelKind::*;
    let s = Section::open(value, path, &SERVICE_LEVEL_KEYS, p)?;
    let id = s.req_parsed("id", p, check_id);
    let name = s.string("name", p);
    let kind = s.req_parsed("kind", p, |t| {
        ServiceLevelKind::parse(t).ok_or_else(|| {
            format!(
                "unknown kind '{t}' (expected response_time, resolution_time, availability \
                 or proactive_share)"
            )
        })
    });
    // Which keys a kind needs or forbids; an unknown kind checks neither.
    let needs = |k: &str| match (kind, k) {
        (Some(ResponseTime | ResolutionTime), "priorities" | "target") => Some(true),
        (Some(Availability), "services") => Some(true),
        (Some(Availability | ProactiveShare), "priorities" | "target") => Some(false),
        (Some(ProactiveShare), "services") => Some(false),
        (Some(ResponseTime | ResolutionTime | ProactiveShare), "partial_weight") => Some(false),
        _ => None,
    };
    let kind_name = kind.map_or("", |k| k.as_str());
    let mut allowed = true;
    for key in ["priorities", "target", "services", "partial_weight"] {
        match (needs(key), s.has(key)) {
            (Some(true), false) => {
                p.push(
                    s.key(key),
                    format!("required key is missing (kind = \"{kind_name}\" needs it)"),
                );
            }
            (Some(false), true) => {
                allowed = false;
                p.push(
                    s.key(key),
                    format!("does not apply to kind = \"{kind_name}\"; remove it"),
                );
            }
            _ => {}
        }
    }

    let priorities = priorities(&s, needs("priorities") == Some(true), p);
    let services = services(&s, needs("services") == Some(true), p);
    let target_seconds = s.parsed("target", p, parse_duration);
    let calendar_name = s.string("calendar", p).unwrap_or(ALWAYS_OPEN);
    let calendar = calendars.valid.get(calendar_name).cloned();
    if calendar.is_none() && !calendars.defined.contains(calendar_name) {
        let known: BTreeSet<&str> = (calendars.valid.keys())
            .chain(&calendars.defined)
            .map(String::as_str)
            .collect();
        p.push(
            s.key("calendar"),
            format!(
                "unknown calendar '{calendar_name}' (known: {})",
                Vec::from_iter(known).join(", ")
            ),
        );
    }
    let target_percent = s
        .required("target_percent", p)
        .and_then(|_| percent(&s, "target_percent", p));
    let critical_below = percent(&s, "critical_below", p);
    if let (Some(c), Some(t)) = (critical_below, target_percent)
        && c > t
    {
        p.push(
            s.key("critical_below"),
            format!("{c} is above target_percent ({t}); a critical failure must also be a failure"),
        );
    }
    let partial_weight = match s.number("partial_weight", p) {
        Some(w) => report(Weight::from_f64(w), &s.key("partial_weight"), p),
        None => Some(Weight::HALF),
    };
    let credit_scheme = super::terms::credit_scheme(&s, kind, target_percent, currency, p);
    let low_volume = super::terms::low_volume(&s, kind, p);
    let (from, until) = super::terms::dating(&s, p);

    if !allowed {
        return None;
    }
    let id = id?;
    Some(ServiceLevel {
        name: name.map_or_else(|| id.clone(), str::to_string),
        id,
        kind: kind?,
        priorities: priorities?,
        services: services?,
        target_seconds,
        calendar: calendar?,
        target_percent: target_percent?,
        critical_below,
        partial_weight: partial_weight?,
        credit_scheme: credit_scheme?,
        low_volume: low_volume?,
        from,
        until,
    })
}

fn priorities(s: &Section, required: bool, p: &mut Problems) -> Option<Vec<Priority>> {
    let Some(list) = s.strings("priorities", p) else {
        return Some(Vec::new());
    };
    if list.is_empty() && required {
        p.push(s.key("priorities"), "list at least one priority (P1 to P5)");
    }
    let mut out = Vec::with_capacity(list.len());
    for (path, text) in list {
        let Some(priority) = report(text.parse::<Priority>(), &path, p) else {
            continue;
        };
        if out.contains(&priority) {
            p.push(path, format!("{priority} is listed twice"));
        } else {
            out.push(priority);
        }
    }
    Some(out)
}

fn services(s: &Section, required: bool, p: &mut Problems) -> Option<Vec<String>> {
    let Some(list) = s.strings("services", p) else {
        return Some(Vec::new());
    };
    if list.is_empty() && required {
        p.push(
            s.key("services"),
            "list at least one service, e.g. [\"email\"]",
        );
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for (path, text) in list {
        if out.iter().any(|s| s == text) {
            p.push(path, format!("'{text}' is listed twice"));
        } else {
            out.push(text.to_string());
        }
    }
    Some(out)
}

fn commitment(
    value: &Value,
    path: String,
    currency: Option<&Currency>,
    calendars: &Calendars,
    p: &mut Problems,
) -> Option<Commitment> {
    let s = Section::open(value, path, &COMMITMENT_KEYS, p)?;
    let before = p.0.len();
    let text = |key: &str, p: &mut Problems| s.string(key, p).map(str::to_string);
    let (id, name) = (s.req_string("id", p), s.req_string("name", p));
    // `due` may be a TOML date as well as a string.
    let due = match s.required("due", p) {
        Some(Value::String(t)) => Some(t.clone()),
        Some(v) => date(v, &s.key("due"), p).map(|d| d.to_string()),
        None => None,
    };
    // Amounts are decimal strings or whole numbers, never floats (see `money`).
    let delay = match s.value("delay_payment_per_day") {
        Some(Value::Integer(n)) => Some(n.to_string()),
        Some(Value::Float(f)) => {
            p.push(
                s.key("delay_payment_per_day"),
                format!(
                    "write the amount as a string, e.g. \"{f:.2}\": a TOML decimal number is \
                     binary floating point and can lose pence"
                ),
            );
            None
        }
        _ => text("delay_payment_per_day", p),
    };
    let spec = CommitmentSpec {
        id: id?.to_string(),
        name: name?.to_string(),
        category: text("category", p),
        owner: text("owner", p),
        due: due?,
        every: text("every", p),
        first_month: text("first_month", p),
        calendar: text("calendar", p),
        delay_payment_per_day: delay,
    };
    if p.0.len() > before {
        return None;
    }
    // Without a valid currency the amount cannot be read; the currency itself
    // has been reported.
    let currency = currency?;
    match spec.build(currency, &calendars.valid, Origin::Config) {
        Ok(c) => Some(c),
        Err(problems) => {
            for (key, message) in problems {
                // A calendar defined but invalid has been reported already.
                let reported = key == "calendar"
                    && spec
                        .calendar
                        .as_ref()
                        .is_some_and(|c| calendars.defined.contains(c));
                if !reported {
                    p.push(s.key(key), message);
                }
            }
            None
        }
    }
}

/// A date: a TOML local date (`2026-11-30`) or the string `"2026-11-30"`.
fn date(value: &Value, path: &str, p: &mut Problems) -> Option<NaiveDate> {
    let parsed = match value {
        Value::String(text) => parse_date(text),
        Value::Datetime(dt) => match (dt.date, dt.time) {
            (Some(d), None) => NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
                .ok_or_else(|| format!("'{dt}' is not a date")),
            _ => Err(format!(
                "'{dt}' has a time; expected a date only (YYYY-MM-DD)"
            )),
        },
        other => Err(format!(
            "expected a date (YYYY-MM-DD), found {}",
            type_name(other)
        )),
    };
    report(parsed, path, p)
}
