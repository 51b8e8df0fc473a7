//! What each service level means and how the month's credits were worked
//! out, step by step, so the supplier can check every figure from the
//! contract's own terms.

use super::format::{self, Style, date_words, figure, percent};
use super::{Block, Cell, Section, Table, Tone};
use crate::contract::{CreditScheme, ServiceLevel, ServiceLevelKind};
use crate::report::MonthReport;
use crate::report::json::ReportJson;
use crate::report::json::terms::line_working;

/// Each service level in force in the month with its definition in words,
/// the calendars it is measured on (hours and the month's holidays), and
/// the cap rule.
pub fn definitions(r: &MonthReport<'_>) -> Section {
    let c = r.contract;
    let period = r.evaluation.period;
    let mut s = Section::new("definitions", "Definitions", "Definitions");
    let mut table = Table::new(&[
        ("Service level", false, 1.2),
        ("What is measured", false, 2.6),
        ("Target", false, 1.1),
        ("Service credits", false, 1.6),
    ]);
    let mut calendars: Vec<&crate::contract::Calendar> = Vec::new();
    for level in c.levels_in_force(period) {
        if !calendars.iter().any(|k| k.name() == level.calendar.name()) {
            calendars.push(&level.calendar);
        }
        table.row(vec![
            Cell::text(format!("{}\n{}", level.name, level.id)),
            Cell::text(measure(level)),
            Cell::text(target(level)),
            Cell::text(scheme(level, c.point_value_percent.map(|p| p.as_f64()))),
        ]);
    }
    s.push(Block::Table(table));
    s.push(Block::Heading("Service calendars".to_string()));
    let mut cal = Table::new(&[
        ("Calendar", false, 1.0),
        ("Service hours", false, 2.4),
        ("Holidays in the month (closed)", false, 1.8),
    ]);
    let (first, last) = (
        period.first_day(),
        period
            .next()
            .first_day()
            .pred_opt()
            .unwrap_or(period.first_day()),
    );
    for k in calendars {
        let holidays = k.holidays_between(first, last);
        cal.row(vec![
            Cell::text(k.name()),
            Cell::text(format!("{} ({})", k.hours_in_words(), c.timezone.name())),
            Cell::text(match holidays.is_empty() {
                true => "none".to_string(),
                false => holidays
                    .iter()
                    .map(|d| date_words(*d))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        ]);
    }
    s.push(Block::Table(cal));
    let mut caps = format!(
        "Monthly cap: the month's service credits are limited to {} of the monthly charge.",
        percent(c.service_credit_cap_percent.as_f64())
    );
    if let Some(annual) = c.annual_cap_percent {
        caps.push_str(&format!(
            " Annual cap: the credits of a contract year (from the first of {}) are limited to {} of \
             that year's charges; a month's credits are cut to the headroom left.",
            format::month_name(c.contract_year_starts),
            percent(annual.as_f64())
        ));
    }
    s.push(Block::Note(caps));
    s.push(Block::Note(
        "A clock that is already past its deadline stays breached even when the incident is \
         resolved outside service hours: business time stops counting when service hours \
         close, so the elapsed time can read exactly the target while the incident was resolved \
         after the deadline. ServiceNow's SLA engine applies the same rule."
            .to_string(),
    ));
    s
}

/// The measure in words.
fn measure(level: &ServiceLevel) -> String {
    let which = match level.priorities.as_slice() {
        [] => "every incident".to_string(),
        ps => format!(
            "each {} incident",
            ps.iter().map(|p| p.as_str()).collect::<Vec<_>>().join("/")
        ),
    };
    let services = match level.services.is_empty() {
        true => String::new(),
        false => format!(" on {}", level.services.join(", ")),
    };
    let calendar = level.calendar.name();
    match level.kind {
        ServiceLevelKind::ResponseTime => format!(
            "Response time of {which}{services}: business time on calendar {calendar} from when the \
             incident was opened to the supplier's first response (or its resolution, if sooner)."
        ),
        ServiceLevelKind::ResolutionTime => format!(
            "Resolution time of {which}{services}: business time on calendar {calendar} from when the \
             incident was opened to its resolution, paused only while the supplier was waiting on \
             the customer. An incident is counted in the month its clock stopped if it met the \
             target, or in the month its deadline fell if it did not."
        ),
        ServiceLevelKind::Availability => format!(
            "Availability of {}: the share of service hours on calendar {calendar} without \
             an unplanned outage. Overlapping outages count once; a partial outage counts at {} \
             of its duration; planned maintenance is not downtime.",
            level.services.join(", "),
            percent(level.partial_weight.millionths() as f64 / 10_000.0)
        ),
        ServiceLevelKind::ProactiveShare => {
            "Proactive share: the share of the supplier's work items \
             opened in the month that were proactive (problems, changes, improvements) rather than \
             reactive (incidents)."
                .to_string()
        }
    }
}

/// The target in words.
fn target(level: &ServiceLevel) -> String {
    match level.target_seconds {
        Some(t) => format!(
            "{} of incidents within {}",
            percent(level.target_percent.as_f64()),
            format::duration(t as f64)
        ),
        None => format!("at least {}", percent(level.target_percent.as_f64())),
    }
}

/// The credit scheme and the critical threshold in words.
fn scheme(level: &ServiceLevel, point_value: Option<f64>) -> String {
    let mut text = match &level.credit_scheme {
        CreditScheme::Tiers(tiers) => {
            let bands: Vec<String> = tiers
                .iter()
                .map(|t| {
                    format!(
                        "below {}: {}",
                        percent(t.below.as_f64()),
                        percent(t.percent.as_f64())
                    )
                })
                .collect();
            format!("Tiers of the monthly charge: {}.", bands.join("; "))
        }
        CreditScheme::Shortfall { factor, max } => format!(
            "Shortfall: {} × the points below target, as a percentage of the monthly charge{}.",
            figure(factor.as_f64()),
            max.map_or(String::new(), |m| format!(
                ", at most {}",
                percent(m.as_f64())
            ))
        ),
        CreditScheme::ServicePoints(bands) => {
            let bands: Vec<String> = bands
                .iter()
                .map(|b| format!("below {}: {} points", percent(b.below.as_f64()), b.points))
                .collect();
            format!(
                "Service points: {}; each point is worth {} of the monthly charge.",
                bands.join("; "),
                point_value.map_or("0 %".to_string(), percent)
            )
        }
        CreditScheme::PerBreach(amount) => format!(
            "{} per breached incident.",
            crate::domain::money::with_symbol(amount.minor, &amount.currency)
        ),
    };
    if let Some(v) = level.low_volume {
        text.push_str(&format!(
            " With fewer than {} incidents assessed, the month fails only on more than {} breached.",
            v.minimum, v.max_breaches
        ));
    }
    if let Some(critical) = level.critical_below {
        text.push_str(&format!(
            " Below {}: a critical service level failure.",
            percent(critical.as_f64())
        ));
    }
    text
}

/// Each line's credit and then the caps, step by step.
pub fn credits(r: &MonthReport<'_>, json: &ReportJson<'_>, style: &Style) -> Section {
    let e = &r.evaluation;
    let mut s = Section::new(
        "credits",
        "How the service credits were worked out",
        "Credit workings",
    );
    let charge = e.charge_minor.unwrap_or(0);
    let mut table = Table::new(&[
        ("Service level", false, 1.3),
        ("Attainment", true, 0.8),
        ("Working", false, 2.8),
        ("Credit", true, 0.9),
    ]);
    let money = |minor: i64| style.money(minor);
    for (l, j) in e.levels.iter().zip(&json.service_levels) {
        let name = match &l.service {
            Some(service) => format!("{} ({service})", l.name),
            None => l.name.clone(),
        };
        let working = line_working(l, charge, r, &money).unwrap_or_else(|| match j.status {
            "met" => "met: no credit.".to_string(),
            "no_data" => "nothing to measure: no credit.".to_string(),
            _ => "no credit.".to_string(),
        });
        table.row(vec![
            Cell::text(name),
            Cell::attainment(j.attainment_percent),
            Cell::text(working),
            Cell::money(style, l.credit_minor).tone(if l.credit_minor > 0 {
                Tone::Bad
            } else {
                Tone::Plain
            }),
        ]);
    }
    s.push(Block::Table(table));
    let c = &e.credits;
    let cap_percent = r.contract.service_credit_cap_percent.as_f64();
    let mut steps = vec![
        (
            "1. Credits of the lines, before the caps".to_string(),
            Cell::money(style, c.before_cap_minor),
        ),
        (
            format!(
                "2. Monthly cap: {} × {} monthly charge",
                percent(cap_percent),
                money(charge)
            ),
            Cell::money(style, c.cap_minor),
        ),
    ];
    let after_monthly = c.before_cap_minor.min(c.cap_minor);
    steps.push((
        format!(
            "3. After the monthly cap (the lesser of 1 and 2{})",
            match c.before_cap_minor > c.cap_minor {
                true => format!("; {} cut", money(c.before_cap_minor - c.cap_minor)),
                false => String::new(),
            }
        ),
        Cell::money(style, after_monthly),
    ));
    if let Some(a) = &json.annual_cap {
        steps.push((
            format!(
                "4. Annual cap for the contract year from {}",
                a.contract_year_start
            ),
            Cell::money(style, a.cap_minor),
        ));
        steps.push((
            "5. Credits earlier in the contract year".to_string(),
            Cell::money(style, a.credits_earlier_minor),
        ));
        steps.push((
            "6. Headroom before this month (4 less 5)".to_string(),
            Cell::money(style, a.headroom_before_minor),
        ));
        steps.push((
            format!(
                "7. After the annual cap (the lesser of 3 and 6{})",
                match a.annual_cap_cut_minor {
                    0 => String::new(),
                    cut => format!("; {} cut", money(cut)),
                }
            ),
            Cell::money(style, c.total_minor),
        ));
        steps.push((
            "8. Headroom left after this month".to_string(),
            Cell::money(style, a.headroom_after_minor),
        ));
    }
    steps.push((
        "Service credits claimed".to_string(),
        Cell::money(style, c.total_minor),
    ));
    s.fields(steps);
    if let Some(Block::Fields(fields)) = s.blocks.last_mut()
        && let Some(last) = fields.last_mut()
    {
        last.total = true;
    }
    if let Some(points) = e.points {
        s.push(Block::Note(format!("Service points this month: {points}.")));
    }
    s
}

/// How every figure is measured, in one paragraph.
pub fn method() -> Section {
    let mut s = Section::new("method", "Method", "Method");
    s.push(Block::Note(
        "Each service level is measured per calendar month in the contract's timezone from the \
         evidence stored by slawatch. Incident clocks run in business time on the service level's \
         calendar; resolution clocks pause only while the supplier was waiting on the customer. \
         An incident is counted once: in the month its clock stopped if it met its target, or in \
         the month its deadline fell if it did not. Availability counts unplanned outages in \
         service hours, overlapping outages once and partial outages at the configured weight. \
         A failed month earns the credit its scheme sets, as a percentage of the monthly charge, \
         rounded half up to a whole minor unit; the month's credits are capped, recoverable costs \
         are not. Attainment is shown to three decimals; pass or fail is decided on the exact \
         figure. Excused incidents are not assessed, excused outages are not downtime, and an \
         excused service level month earns no credit."
            .to_string(),
    ));
    s
}
