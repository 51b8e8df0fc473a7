//! The amendment since issue in words: one sentence per changed line and
//! total, such as "P1 response: 90.909 % → 95.455 % (met), credit £1,250.00
//! → £0.00, because INC0000014's response time was changed by source
//! servicenow, received on 11 Dec 2026 at 22:30 EST", and the causes behind
//! it: evidence received after the issue (named from the evidence history:
//! which record, which field, which source or person, when the store
//! received it) and what people recorded after it (excusals, disputes,
//! costs), with who and when, in the contract's timezone.

use chrono::DateTime;
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::Value;

use crate::domain::money::{Currency, format_minor};
use crate::domain::rewrite::Rewrite;
use crate::domain::time::format_utc;
use crate::domain::{AuditEntry, Period};

/// The source `slawatch import` writes as (the command's `CLI_SOURCE`),
/// spelt here so the report layer does not reach up into the commands.
const COMMAND_LINE: &str = "cli";

/// One changed line or total in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineWords {
    /// Which line: a service level's id (with its service in brackets when
    /// measured per service), or `service_credits`, `recoverable_costs`,
    /// `total_claim`.
    pub line: String,
    /// The sentence: the line's name, attainment issued → now with the new
    /// status, the credit issued → now, and why.
    pub summary: String,
    /// Each cause named in the sentence, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub because: Vec<Cause>,
}

/// One reason a line moved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cause {
    /// `evidence` (a source's record received after the issue) or `record`
    /// (what a person recorded: an excusal, a dispute, a cost).
    pub kind: &'static str,
    /// The record: `incident INC0000014`, `outage OUT1`, `cost 3`.
    pub record: String,
    /// For evidence that changed: the fields that changed (`responded_at`);
    /// empty when the record arrived after the issue.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// For evidence: the source whose import brought it (`cli` for the
    /// command line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The person: who corrected the evidence, or who recorded the record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// For a person's record: what they did (`excusal.add`, `dispute.uphold` …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// When the store received it (RFC 3339, UTC).
    pub at: String,
    /// The cause in words, the time in the contract's timezone.
    pub text: String,
}

/// Evidence received after the issue, from a record's history: the
/// current version of a record whose move the rewrites do not explain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    /// `incident INC4` or `outage OUT1`, as [`super::Change::records`] names it.
    pub record: String,
    /// The source whose import stored this version.
    pub source: String,
    /// The person, when the version is their correction.
    pub corrected_by: Option<String>,
    /// The value columns that differ from the version before; empty when
    /// there was none (the record arrived).
    pub fields: Vec<String>,
    /// When the store received it (epoch seconds).
    pub received_at: i64,
}

/// What the words are made from besides the two report documents.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The contract's currency.
    pub currency: &'a Currency,
    /// The contract's timezone: every time in the words is read in it.
    pub timezone: Tz,
    /// The month reported on.
    pub period: Period,
    /// When the compared version was issued (epoch seconds): causes are
    /// what came after it.
    pub issued_at: i64,
    /// The evidence bearing on the month that was changed after the fact.
    pub rewrites: &'a [Rewrite],
    /// The audit entries bearing on the month.
    pub audit: &'a [AuditEntry],
    /// Evidence behind moved records, received after the issue.
    pub arrivals: &'a [Arrival],
}

/// The sentences for every changed line, then every changed total, of
/// `now` against `issued` (two report documents).
pub fn lines(issued: &Value, now: &Value, ctx: &Context<'_>) -> Vec<LineWords> {
    let (then_lines, now_lines) = (super::lines(issued), super::lines(now));
    let mut keys: Vec<&String> = then_lines.iter().map(|(k, _)| k).collect();
    for (k, _) in &now_lines {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let mut out = Vec::new();
    let mut level_causes: Vec<Cause> = Vec::new();
    for key in keys {
        let (a, b) = (find(&then_lines, key), find(&now_lines, key));
        let figure = |l: Option<&Value>, f: &str| l.and_then(|l| l.get(f)).cloned();
        let changed = super::LEVEL_FIGURES
            .iter()
            .any(|f| figure(a, f) != figure(b, f));
        if !changed {
            continue;
        }
        let Some(line) = b.or(a) else { continue };
        let id = line.get("id").and_then(Value::as_str).unwrap_or_default();
        let because = level_causes_of(id, a, b, ctx);
        for c in &because {
            if !level_causes.contains(c) {
                level_causes.push(c.clone());
            }
        }
        let name = line.get("name").and_then(Value::as_str).unwrap_or(id);
        let name = match line.get("service").and_then(Value::as_str) {
            Some(s) => format!("{name} ({s})"),
            None => name.to_string(),
        };
        let summary = match b {
            None => format!("{name}: no longer reported"),
            Some(_) => format!(
                "{name}: {}, credit {}",
                attainment(a, b),
                moved_money(
                    figure(a, "credit_minor").as_ref(),
                    figure(b, "credit_minor").as_ref(),
                    ctx.currency
                )
            ),
        };
        out.push(with_causes(key.clone(), summary, because));
    }
    let cost_causes: Vec<Cause> = ctx
        .audit
        .iter()
        .filter(|e| e.at.timestamp() > ctx.issued_at && e.kind == "cost")
        .map(|e| record_cause(e, ctx.timezone))
        .collect();
    let claim_causes: Vec<Cause> = level_causes.iter().chain(&cost_causes).cloned().collect();
    for (line, name, pointer, because) in [
        (
            "service_credits",
            "Service credits",
            "/service_credits/total_minor",
            level_causes,
        ),
        (
            "recoverable_costs",
            "Recoverable costs",
            "/recoverable_costs_minor",
            cost_causes,
        ),
        (
            "total_claim",
            "Total claim",
            "/total_claim_minor",
            claim_causes,
        ),
    ] {
        let (a, b) = (issued.pointer(pointer), now.pointer(pointer));
        if a != b {
            let summary = format!("{name}: {}", moved_money(a, b, ctx.currency));
            out.push(with_causes(line.to_string(), summary, because));
        }
    }
    out
}

/// The line keyed `key` in `lines`.
fn find<'v>(lines: &'v [(String, Value)], key: &str) -> Option<&'v Value> {
    lines.iter().find(|(k, _)| k == key).map(|(_, l)| l)
}

/// The line with its causes named at the end of the sentence.
fn with_causes(line: String, summary: String, because: Vec<Cause>) -> LineWords {
    let texts: Vec<&str> = because.iter().map(|c| c.text.as_str()).collect();
    let summary = match texts.as_slice() {
        [] => summary,
        [one] => format!("{summary}, because {one}"),
        [first @ .., last] => format!("{summary}, because {} and {last}", first.join(", ")),
    };
    LineWords {
        line,
        summary,
        because,
    }
}

/// `85.714 % → 92.308 % (failed)`, or `92.308 % (failed)` when only the
/// status or credit moved; `no figure` for a line without attainment.
fn attainment(issued: Option<&Value>, now: Option<&Value>) -> String {
    let percent = |l: Option<&Value>| match l.and_then(|l| l.get("attainment_percent")) {
        Some(Value::Number(n)) => format!("{n} %"),
        _ => "no figure".to_string(),
    };
    let status = |l: Option<&Value>| {
        l.and_then(|l| l.get("status"))
            .and_then(Value::as_str)
            .map(|s| s.replace('_', " "))
    };
    let (pa, pb) = (percent(issued), percent(now));
    let figures = if pa == pb {
        pb
    } else {
        format!("{pa} → {pb}")
    };
    match (status(issued), status(now)) {
        (Some(sa), Some(sb)) if sa != sb && figures == percent(issued) => {
            format!("{figures} ({sa} → {sb})")
        }
        (_, Some(sb)) => format!("{figures} ({sb})"),
        (_, None) => figures,
    }
}

/// `£5,000.00 → £2,500.00`, or `unchanged at £0.00`.
fn moved_money(issued: Option<&Value>, now: Option<&Value>, currency: &Currency) -> String {
    let show = |v: Option<&Value>| match v.and_then(Value::as_i64) {
        Some(minor) => money(minor, currency),
        None => "none".to_string(),
    };
    if issued == now {
        format!("unchanged at {}", show(now))
    } else {
        format!("{} → {}", show(issued), show(now))
    }
}

/// An amount in words: the currency's sign where it has a common one
/// (`£1,250.00`), its code otherwise (`CHF 1,250.00`); thousands separated.
pub fn money(minor: i64, currency: &Currency) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let amount = super::super::html::format_thousands(&format_minor(
        minor.saturating_abs(),
        currency.exponent(),
    ));
    let symbol = match currency.code() {
        "GBP" => "£".to_string(),
        "EUR" => "€".to_string(),
        "USD" => "$".to_string(),
        code => format!("{code} "),
    };
    format!("{sign}{symbol}{amount}")
}

/// An instant in the contract's timezone: `4 Nov 2026 at 09:00 GMT`.
pub fn when(secs: i64, timezone: Tz) -> String {
    match DateTime::from_timestamp(secs, 0) {
        Some(t) => t
            .with_timezone(&timezone)
            .format("%-d %b %Y at %H:%M %Z")
            .to_string(),
        None => crate::store::versions::instant_text(secs),
    }
}

/// The causes behind one service level's line: rewrites received after the
/// issue bearing on it, then other evidence behind its moved records, then
/// what people recorded after the issue about its records or its month.
fn level_causes_of(
    id: &str,
    issued: Option<&Value>,
    now: Option<&Value>,
    ctx: &Context<'_>,
) -> Vec<Cause> {
    let mut out: Vec<Cause> = ctx
        .rewrites
        .iter()
        .filter(|r| r.received_at.timestamp() > ctx.issued_at)
        .filter(|r| {
            r.effects
                .iter()
                .any(|e| e.period == Some(ctx.period) && e.service_level == id)
        })
        .map(|r| rewrite_cause(r, ctx.timezone))
        .collect();
    let moved = super::moved_records(issued, now);
    // A record the issued line listed was held at the issue: a first
    // version of it dated later cannot be what moved the line.
    let held = super::moved_records(issued, None);
    for a in ctx.arrivals.iter().filter(|a| moved.contains(&a.record)) {
        let arrived_since = !a.fields.is_empty() || !held.contains(&a.record);
        if arrived_since && !out.iter().any(|c| c.record == a.record) {
            out.push(arrival_cause(a, ctx.timezone));
        }
    }
    // Every record the line listed, issued or now: an excusal or dispute
    // decision on any of them can move it.
    let listed: Vec<String> = [issued, now]
        .into_iter()
        .flat_map(|l| super::moved_records(l, None))
        .chain(moved)
        .collect();
    for e in ctx
        .audit
        .iter()
        .filter(|e| e.at.timestamp() > ctx.issued_at)
    {
        let bears = match e.kind.as_str() {
            "incident" | "outage" => listed.contains(&format!("{} {}", e.kind, e.subject)),
            "service_level" => e.subject == id && e.period == Some(ctx.period),
            _ => false,
        };
        let named = e.action == "evidence.correct"
            && out
                .iter()
                .any(|c| c.record == format!("{} {}", e.kind, e.subject));
        if bears && !named {
            out.push(record_cause(e, ctx.timezone));
        }
    }
    out
}

/// A record's kind and key as the sentence names it: an incident by its id
/// alone (`INC0000014`), anything else with its kind (`outage OUT1`).
fn subject(kind: &str, record: &str) -> String {
    match kind {
        "incident" => record.to_string(),
        "hold" => format!("the hold on {record}"),
        "service_level" => format!("{record} for the month"),
        k => format!("{} {record}", k.replace('_', " ")),
    }
}

/// `INC0000014's response time`, or `the end of the hold on INC1 from …`.
fn possessive(kind: &str, record: &str, fields: &[String]) -> String {
    let words: Vec<&str> = fields.iter().map(|f| field_words(f)).collect();
    let fields = words.join(" and ");
    match kind {
        "hold" => format!("the {fields} of {}", subject(kind, record)),
        _ => format!("{}'s {fields}", subject(kind, record)),
    }
}

/// A stored column in words.
fn field_words(column: &str) -> &str {
    match column {
        "responded_at" => "response time",
        "resolved_at" => "resolution time",
        "opened_at" => "opening time",
        "settled_at" => "settlement time",
        "excused_reason" => "excusal reason",
        "start_at" => "start",
        "end_at" => "end",
        "change_type" => "change type",
        "planned" => "planned flag",
        "proactive" => "proactive flag",
        other => other,
    }
}

/// Who changed evidence: the person, the command line, or the source.
fn changed_by(source: &str, corrected_by: Option<&str>) -> String {
    match (corrected_by, source) {
        (Some(person), _) => format!("corrected by {person}"),
        (None, COMMAND_LINE) => "changed by an import from the command line".to_string(),
        (None, s) => format!("changed by source {s}"),
    }
}

fn rewrite_cause(r: &Rewrite, timezone: Tz) -> Cause {
    // `column old → new; column old → new`, as the store describes it.
    let fields: Vec<String> = r
        .change
        .split("; ")
        .filter_map(|c| c.split(' ').next())
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    let secs = r.received_at.timestamp();
    let text = format!(
        "{} was {}, received on {}",
        possessive(&r.kind, &r.record, &fields),
        changed_by(&r.source, r.corrected_by.as_deref()),
        when(secs, timezone)
    );
    Cause {
        kind: "evidence",
        record: format!("{} {}", r.kind.replace('_', " "), r.record),
        fields,
        source: Some(r.source.clone()),
        by: r.corrected_by.clone(),
        action: None,
        at: format_utc(r.received_at),
        text,
    }
}

fn arrival_cause(a: &Arrival, timezone: Tz) -> Cause {
    let (kind, record) = a.record.split_once(' ').unwrap_or(("", &a.record));
    let received = when(a.received_at, timezone);
    let text = if a.fields.is_empty() {
        let from = match (a.corrected_by.as_deref(), a.source.as_str()) {
            (Some(person), _) => format!("entered by {person}"),
            (None, COMMAND_LINE) => "arrived by an import from the command line".to_string(),
            (None, s) => format!("arrived from source {s}"),
        };
        format!("{} {from}, received on {received}", subject(kind, record))
    } else {
        format!(
            "{} was {}, received on {received}",
            possessive(kind, record, &a.fields),
            changed_by(&a.source, a.corrected_by.as_deref())
        )
    };
    Cause {
        kind: "evidence",
        record: a.record.clone(),
        fields: a.fields.clone(),
        source: Some(a.source.clone()),
        by: a.corrected_by.clone(),
        action: None,
        at: crate::store::versions::instant_text(a.received_at),
        text,
    }
}

fn record_cause(e: &AuditEntry, timezone: Tz) -> Cause {
    let on = when(e.at.timestamp(), timezone);
    let (who, what) = (&e.by, subject(&e.kind, &e.subject));
    let text = match e.action.as_str() {
        "excusal.add" => match &e.reason {
            Some(reason) => format!("{what} was excused by {who} on {on} ({reason})"),
            None => format!("{what} was excused by {who} on {on}"),
        },
        "excusal.revoke" => format!("the excusal of {what} was revoked by {who} on {on}"),
        "dispute.open" => format!("{who} disputed {what} on {on}"),
        "dispute.uphold" => {
            format!("{who} decided the dispute of {what} on {on}: the claim stands")
        }
        "dispute.withdraw" => {
            format!("{who} decided the dispute of {what} on {on}: the claim item is withdrawn")
        }
        "cost.add" => format!("{what} was recorded by {who} on {on}"),
        "cost.remove" => format!("{what} was removed by {who} on {on}"),
        "evidence.correct" => format!("{what} was corrected by {who} on {on}"),
        other => format!("{what}: {other} by {who} on {on}"),
    };
    Cause {
        kind: "record",
        record: format!("{} {}", e.kind.replace('_', " "), e.subject),
        fields: Vec::new(),
        source: None,
        by: Some(e.by.clone()),
        action: Some(e.action.clone()),
        at: format_utc(e.at),
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn gbp() -> Currency {
        Currency::parse("GBP").unwrap()
    }

    #[test]
    fn money_has_its_sign_and_thousands() {
        assert_eq!(money(125_000, &gbp()), "£1,250.00");
        assert_eq!(money(0, &gbp()), "£0.00");
        assert_eq!(money(123_456_789, &gbp()), "£1,234,567.89");
        assert_eq!(money(500, &Currency::parse("CHF").unwrap()), "CHF 5.00");
    }

    #[test]
    fn times_are_read_in_the_contracts_timezone() {
        // 12 Dec 2026 03:30 UTC is still the 11th in New York (EST, UTC−5).
        let secs = 1_797_046_200;
        assert_eq!(
            when(secs, chrono_tz::America::New_York),
            "11 Dec 2026 at 22:30 EST"
        );
        assert_eq!(
            when(secs, chrono_tz::Europe::London),
            "12 Dec 2026 at 03:30 GMT"
        );
    }

    #[test]
    fn a_rewrite_after_issue_is_named_with_its_field_source_and_date() {
        let period: Period = "2026-10".parse().unwrap();
        let issued_at = 1_793_000_000;
        let rewrite = Rewrite {
            contract: "gamma".into(),
            import_id: 2,
            source: "servicenow".into(),
            corrected_by: None,
            kind: "incident".into(),
            record: "INC0000014".into(),
            change: "responded_at 2026-10-14T09:45:00Z → 2026-10-14T09:20:00Z".into(),
            direction: crate::domain::rewrite::Direction::Favourable,
            why: String::new(),
            effects: vec![crate::domain::rewrite::Effect {
                service_level: "p1-response".into(),
                period: Some(period),
                before: crate::domain::rewrite::Verdict::Breached,
                after: crate::domain::rewrite::Verdict::Met,
            }],
            periods: vec![period],
            received_at: DateTime::from_timestamp(1_797_046_200, 0).unwrap(),
        };
        let issued = json!({
            "service_levels": [{"id": "p1-response", "name": "P1 response",
                "attainment_percent": 90.909, "status": "failed", "credit_minor": 125_000}],
            "service_credits": {"total_minor": 125_000}, "recoverable_costs_minor": 0,
            "total_claim_minor": 125_000
        });
        let mut now = issued.clone();
        now["service_levels"][0]["attainment_percent"] = json!(95.455);
        now["service_levels"][0]["status"] = json!("met");
        now["service_levels"][0]["credit_minor"] = json!(0);
        now["service_credits"]["total_minor"] = json!(0);
        now["total_claim_minor"] = json!(0);
        let currency = gbp();
        let ctx = Context {
            currency: &currency,
            timezone: chrono_tz::America::New_York,
            period,
            issued_at,
            rewrites: std::slice::from_ref(&rewrite),
            audit: &[],
            arrivals: &[],
        };
        let words = lines(&issued, &now, &ctx);
        let summaries: Vec<&str> = words.iter().map(|w| w.summary.as_str()).collect();
        let because = "because INC0000014's response time was changed by source servicenow, \
                       received on 11 Dec 2026 at 22:30 EST";
        assert_eq!(
            summaries,
            [
                format!(
                    "P1 response: 90.909 % → 95.455 % (met), credit £1,250.00 → £0.00, {because}"
                ),
                format!("Service credits: £1,250.00 → £0.00, {because}"),
                format!("Total claim: £1,250.00 → £0.00, {because}"),
            ]
        );
        assert_eq!(words[0].because[0].fields, ["responded_at"]);
    }

    /// INC4 arrives from the supplier's feed after the issue and breaches
    /// P1; INC2's dispute is decided the supplier's way. P1 goes 100 % →
    /// 75 % with a £2,500.00 credit, and both causes are named, in London time.
    #[test]
    fn a_late_record_and_a_dispute_decision_are_named() {
        let period: Period = "2026-10".parse().unwrap();
        let at = |secs| DateTime::from_timestamp(secs, 0).unwrap();
        let issued = json!({
            "service_levels": [{"id": "p1", "name": "P1 resolution", "attainment_percent": 100.0,
                "status": "met", "credit_minor": 0, "breaches": [{"incident": "INC2"}]}],
            "service_credits": {"total_minor": 0}, "recoverable_costs_minor": 0,
            "total_claim_minor": 0
        });
        let now = json!({
            "service_levels": [{"id": "p1", "name": "P1 resolution", "attainment_percent": 75.0,
                "status": "failed", "credit_minor": 250_000,
                "breaches": [{"incident": "INC2"}, {"incident": "INC4"}]}],
            "service_credits": {"total_minor": 250_000}, "recoverable_costs_minor": 0,
            "total_claim_minor": 250_000
        });
        // 10 Nov 2026 09:00 UTC, and the 12th at 15:30 UTC: GMT in London.
        let arrival = Arrival {
            record: "incident INC4".into(),
            source: "snow".into(),
            corrected_by: None,
            fields: Vec::new(),
            received_at: 1_794_301_200,
        };
        let decision = AuditEntry {
            id: 7,
            at: at(1_794_497_400),
            by: "Jane Smith".into(),
            action: "dispute.withdraw".into(),
            kind: "incident".into(),
            subject: "INC2".into(),
            period: None,
            detail: String::new(),
            reason: None,
        };
        let currency = gbp();
        let ctx = Context {
            currency: &currency,
            timezone: chrono_tz::Europe::London,
            period,
            issued_at: 1_794_000_000,
            rewrites: &[],
            audit: std::slice::from_ref(&decision),
            arrivals: std::slice::from_ref(&arrival),
        };
        let words = lines(&issued, &now, &ctx);
        assert_eq!(
            words[0].summary,
            "P1 resolution: 100.0 % → 75.0 % (failed), credit £0.00 → £2,500.00, because \
             INC4 arrived from source snow, received on 10 Nov 2026 at 09:00 GMT and \
             Jane Smith decided the dispute of INC2 on 12 Nov 2026 at 15:30 GMT: \
             the claim item is withdrawn"
        );
        assert_eq!(words[0].because[1].by.as_deref(), Some("Jane Smith"));
    }
}
