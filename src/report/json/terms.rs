//! The contract terms behind a month's credits in the report: the annual
//! cap's position, the month's service points, a month without a charge,
//! and each credit worked out in words ("how the credits were worked out"),
//! which every format shows. All of it is absent for a contract on tiers
//! with one undated charge and no annual cap, so its reports are unchanged.

use serde::Serialize;

use crate::domain::Period;
use crate::domain::money::with_code;
use crate::engine::contract_year::AnnualPosition;
use crate::engine::{LevelResult, MonthEvaluation};
use crate::report::MonthReport;

/// Where the month stands against the annual cap.
#[derive(Debug, Serialize)]
pub struct AnnualCapJson {
    /// The first month of the contract year, `YYYY-MM`.
    pub contract_year_start: String,
    /// The annual cap in minor units.
    pub cap_minor: i64,
    /// Credits of the earlier months of the contract year, after both caps.
    pub credits_earlier_minor: i64,
    /// The cap left before this month.
    pub headroom_before_minor: i64,
    /// This month's credits after the monthly cap, before the annual one.
    pub after_monthly_cap_minor: i64,
    /// What the monthly cap cut.
    pub monthly_cap_cut_minor: i64,
    /// What the annual cap cut.
    pub annual_cap_cut_minor: i64,
    /// The cap left after this month.
    pub headroom_after_minor: i64,
}

impl AnnualCapJson {
    /// The wire form of `a`, with the monthly cap's cut from `e`.
    pub fn new(a: &AnnualPosition, e: &MonthEvaluation) -> Self {
        AnnualCapJson {
            contract_year_start: a.year_start.to_string(),
            cap_minor: a.cap_minor,
            credits_earlier_minor: a.used_before_minor,
            headroom_before_minor: a.headroom_before_minor,
            after_monthly_cap_minor: a.after_monthly_cap_minor,
            monthly_cap_cut_minor: monthly_cut(e),
            annual_cap_cut_minor: a.annual_cut_minor,
            headroom_after_minor: a.headroom_after_minor,
        }
    }
}

fn monthly_cut(e: &MonthEvaluation) -> i64 {
    (e.credits.before_cap_minor - e.credits.cap_minor).max(0)
}

/// Why a month has no charge, in words; `None` when it has one.
pub fn charge_note(r: &MonthReport<'_>) -> Option<String> {
    let e = &r.evaluation;
    if e.charge_minor.is_some() {
        return None;
    }
    let c = r.contract;
    let why = match (
        c.start,
        c.monthly_charge.entries().first().and_then(|d| d.from),
    ) {
        (Some(start), _) if e.period < start => format!("the contract starts in {start}"),
        (_, Some(first)) => format!("the first monthly charge is from {first}"),
        _ => "no charge is in force".to_string(),
    };
    Some(format!(
        "No monthly charge is in force in {} ({why}): its service credits are 0.",
        e.period
    ))
}

/// True when the report shows how its credits were worked out: the
/// contract uses a scheme other than tiers, the low-volume rule, service
/// points, an annual cap or a dated charge.
pub fn shows_workings(r: &MonthReport<'_>) -> bool {
    let e = &r.evaluation;
    e.levels.iter().any(|l| l.scheme != "tiers" || l.low_volume)
        || r.contract
            .service_levels
            .iter()
            .any(|l| l.low_volume.is_some())
        || e.points.is_some()
        || e.annual.is_some()
        || !r.contract.monthly_charge.is_fixed()
        || r.contract.start.is_some()
}

/// Each credit worked out in words, for every format.
pub fn workings(r: &MonthReport<'_>) -> Vec<String> {
    if !shows_workings(r) {
        return Vec::new();
    }
    let e = &r.evaluation;
    let money = |minor: i64| with_code(minor, &r.contract.currency);
    let mut out = Vec::new();
    match e.charge_minor {
        Some(charge) => out.push(format!(
            "Monthly charge in force in {}: {}.",
            e.period,
            money(charge)
        )),
        None => out.extend(charge_note(r)),
    }
    for l in &e.levels {
        out.extend(
            line_working(l, e.charge_minor.unwrap_or(0), r, &money)
                .map(|text| format!("{}: {text}", line_name(l))),
        );
    }
    if let Some(points) = e.points {
        out.push(format!("Service points this month: {points}."));
    }
    let c = &e.credits;
    if c.before_cap_minor > c.cap_minor {
        out.push(format!(
            "Monthly cap: the lines' {} are limited to {} ({} cut).",
            money(c.before_cap_minor),
            money(c.cap_minor),
            money(c.before_cap_minor - c.cap_minor)
        ));
    }
    if let Some(a) = &e.annual {
        out.push(format!(
            "Annual cap for the contract year from {}: {}; credits earlier this year {}; \
             headroom before this month {}, after it {}.",
            a.year_start,
            money(a.cap_minor),
            money(a.used_before_minor),
            money(a.headroom_before_minor),
            money(a.headroom_after_minor)
        ));
        if a.annual_cut_minor > 0 {
            out.push(format!(
                "The annual cap cut this month's {} to {} ({} cut).",
                money(a.after_monthly_cap_minor),
                money(a.after_monthly_cap_minor - a.annual_cut_minor),
                money(a.annual_cut_minor)
            ));
        }
    }
    out
}

/// A line's name in the workings: its id, with its service for availability.
fn line_name(l: &LevelResult) -> String {
    match &l.service {
        Some(s) => format!("{} ({s})", l.id),
        None => l.id.clone(),
    }
}

/// One line's credit worked out in words (without the line's name), with
/// money written by `money`; `None` for a line with no credit and nothing
/// to explain.
pub fn line_working(
    l: &LevelResult,
    charge: i64,
    r: &MonthReport<'_>,
    money: &dyn Fn(i64) -> String,
) -> Option<String> {
    let low = match (
        l.low_volume,
        low_volume_rule(r, &l.id, r.evaluation.period),
        &l.figures,
    ) {
        (true, Some((minimum, max)), crate::engine::Figures::Incidents(f)) => format!(
            " Low volume: {} assessed, fewer than {minimum}, so the month fails only on more \
             than {max} breached; {} breached: {}{}.",
            f.assessed,
            f.assessed - f.met,
            l.status.as_str(),
            match l.credit_minor {
                0 => "",
                _ => ", on the mildest band",
            }
        ),
        _ => String::new(),
    };
    if l.excused.is_some() {
        return Some("the month is excused: no credit.".to_string());
    }
    if l.dispute
        .as_ref()
        .is_some_and(|d| d.status == crate::domain::DisputeStatus::Accepted)
    {
        return Some(
            "the claim for the month was withdrawn after the supplier's dispute: no credit."
                .to_string(),
        );
    }
    let percent = l
        .credit_percent
        .map(|p| crate::report::document::format::figure(p.rounded3()));
    let text = match l.scheme {
        "per_breach" => {
            let breaches = l.breaches_credited.unwrap_or(0);
            let each = match r
                .contract
                .service_level_in(&l.id, r.evaluation.period)
                .map(|level| &level.credit_scheme)
            {
                Some(crate::contract::CreditScheme::PerBreach(amount)) => amount.minor,
                _ => 0,
            };
            format!(
                "per breach, {breaches} breached × {} = {}.",
                money(each),
                money(l.credit_minor)
            )
        }
        _ if l.credit_minor == 0 && low.is_empty() => return None,
        _ if l.credit_minor == 0 => "no credit.".to_string(),
        "shortfall" => format!(
            "shortfall below the {} % target, {} % × {} monthly charge = {}.",
            crate::report::document::format::figure(l.target_percent.as_f64()),
            percent.unwrap_or_default(),
            money(charge),
            money(l.credit_minor)
        ),
        "service_points" => {
            let points = l.points.unwrap_or(0);
            let repeat = match l.repeat_multiplier {
                Some(m) => format!(
                    " ({} × {m}: the line also failed the month before)",
                    points / m.max(1)
                ),
                None => String::new(),
            };
            format!(
                "{points} service points{repeat} × {} % = {} % × {} monthly charge = {}.",
                r.contract.point_value_percent.map_or("0".into(), |v| {
                    crate::report::document::format::figure(v.as_f64())
                }),
                percent.unwrap_or_default(),
                money(charge),
                money(l.credit_minor)
            )
        }
        _ => format!(
            "{} % × {} monthly charge = {}.",
            percent.unwrap_or_else(|| "0".into()),
            money(charge),
            money(l.credit_minor)
        ),
    };
    Some(format!("{text}{low}"))
}

fn low_volume_rule(r: &MonthReport<'_>, id: &str, period: Period) -> Option<(u64, u64)> {
    r.contract
        .service_level_in(id, period)
        .and_then(|l| l.low_volume)
        .map(|v| (v.minimum, v.max_breaches))
}
