//! Alert messages in a contract manager's words: a headline, what to do
//! next under the contract, the facts as labelled lines, what evidence they
//! rest on and a link to it. Plain text plus an HTML alternative rendered
//! with auto-escaping, so supplier text (titles, service names) can never
//! become markup.
//!
//! Subjects read `[slawatch] <contract> <month> <kind>: <headline>`, so a
//! mail client sorting by subject keeps a contract's month together and
//! threads each kind of alert.

use minijinja::{AutoEscape, Environment, context};

use crate::domain::Period;
use crate::store::outbox::{NewAlert, Severity};

/// What an alert says.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// One line saying what happened.
    pub headline: String,
    /// Label → value, in reading order.
    pub lines: Vec<(&'static str, String)>,
    /// What the facts rest on.
    pub evidence: String,
    /// The contract month concerned, for a subject that sorts and threads.
    pub month: Option<Period>,
    /// What to do next under the contract, when there is something to do.
    pub next_step: Option<String>,
    /// Where to see it: a page of the web desk (or the API).
    pub link: Option<String>,
}

/// A kind of alert as the subject names it.
pub fn kind_words(kind: &str) -> String {
    match kind {
        "breached" => "breach".to_string(),
        "at_risk" => "incident at risk".to_string(),
        "month_at_risk" => "month at risk".to_string(),
        "certain_to_fail" => "month failing".to_string(),
        "critical" => "critical failure".to_string(),
        other => other.replace('_', " "),
    }
}

const HTML: &str = r#"<!DOCTYPE html>
<html lang="en"><body style="font-family: Arial, sans-serif; color: #1d2733">
<h2 style="color: {{ colour }}">{{ headline }}</h2>
<p><strong>{{ urgency }}</strong></p>
{% if next_step %}<p><strong>What to do next:</strong> {{ next_step }}</p>
{% endif %}<table style="border-collapse: collapse">
{% for line in lines %}<tr><th style="text-align: left; padding: 2px 12px 2px 0">{{ line[0] }}</th><td>{{ line[1] }}</td></tr>
{% endfor %}</table>
<p style="color: #4a5866">{{ evidence }}</p>
{% if link %}<p><a href="{{ link }}">{{ link }}</a></p>
{% endif %}
</body></html>"#;

/// Builds the alert for `recipients` from its facts.
pub fn alert(
    dedup_key: String,
    kind: &str,
    severity: Severity,
    contract: Option<&str>,
    recipients: &[String],
    facts: &Facts,
    digest: bool,
) -> NewAlert {
    let body_text = text(facts, severity);
    NewAlert {
        dedup_key,
        kind: kind.to_string(),
        severity,
        contract: contract.map(str::to_string),
        recipients: recipients.to_vec(),
        subject: subject(contract, kind, facts),
        body_html: html(facts, severity),
        body_text,
        digest,
        attachments: Vec::new(),
    }
}

/// `[slawatch] acme 2026-12 breach: INC1 breached …`; the parts that are
/// unknown (no contract, no month) are left out.
fn subject(contract: Option<&str>, kind: &str, facts: &Facts) -> String {
    let mut s = "[slawatch]".to_string();
    if let Some(c) = contract {
        s.push(' ');
        s.push_str(c);
    }
    if let Some(m) = facts.month {
        s.push_str(&format!(" {m}"));
    }
    format!("{s} {}: {}", kind_words(kind), facts.headline)
}

/// The first line says how urgent it is in words, since a mail client shows
/// no colour in its preview.
fn urgency(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "Needs a decision today.",
        Severity::Warning => "For attention.",
        Severity::Info => "For information.",
    }
}

fn text(facts: &Facts, severity: Severity) -> String {
    let width = facts.lines.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    let mut body = format!("{}\n{}\n\n", facts.headline, urgency(severity));
    if let Some(next) = &facts.next_step {
        body.push_str(&format!("What to do next: {next}\n\n"));
    }
    for (label, value) in &facts.lines {
        body.push_str(&format!("{label:<width$}  {value}\n"));
    }
    body.push_str(&format!("\n{}\n", facts.evidence));
    if let Some(link) = &facts.link {
        body.push_str(&format!("Open: {link}\n"));
    }
    body
}

fn html(facts: &Facts, severity: Severity) -> String {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    let colour = match severity {
        Severity::Critical => "#a4161a",
        Severity::Warning => "#b35c00",
        Severity::Info => "#1d4f91",
    };
    let rendered = env.add_template("alert.html", HTML).and_then(|()| {
        env.get_template("alert.html")?.render(context! {
            headline => &facts.headline,
            lines => &facts.lines,
            evidence => &facts.evidence,
            next_step => &facts.next_step,
            link => &facts.link,
            urgency => urgency(severity),
            colour => colour,
        })
    });
    // The template is fixed; should rendering ever fail, the plain text still goes.
    rendered.unwrap_or_else(|e| {
        tracing::error!(error = %e, "alert HTML could not be rendered");
        String::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alert_reads_in_local_time_either_side_of_the_clocks_going_back() {
        use crate::domain::display::{duration, local_time, money};
        use crate::domain::{Currency, Instant};
        use chrono_tz::Europe::London;
        let at = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .with_timezone(&chrono::Utc)
        };
        let (deadline, stopped): (Instant, Instant) =
            (at("2026-10-25T00:30:00Z"), at("2026-10-25T01:45:00Z"));
        let gbp = Currency::parse("GBP").unwrap();
        let facts = Facts {
            headline: "INC9 breached P2 resolved in 8 hours (8 h target)".into(),
            lines: vec![
                ("Deadline", local_time(deadline, London)),
                ("Stopped", local_time(stopped, London)),
                (
                    "Elapsed",
                    duration(stopped.timestamp() - deadline.timestamp() + 8 * 3_600),
                ),
                ("Credit", money(1_234_567, &gbp)),
            ],
            evidence: "Evidence: the incident record.".into(),
            month: Some("2026-10".parse().unwrap()),
            next_step: Some("raise it at the service review.".into()),
            link: Some(
                "https://slawatch.council.example/api/v1/contracts/acme/months/2026-10".into(),
            ),
        };
        let a = alert(
            "k".into(),
            "breached",
            Severity::Critical,
            Some("acme"),
            &["m@x.example".into()],
            &facts,
            false,
        );
        assert_eq!(
            a.subject,
            "[slawatch] acme 2026-10 breach: INC9 breached P2 resolved in 8 hours (8 h target)"
        );
        // 00:30 UTC is 01:30 BST; the clocks go back at 01:00 UTC, so 01:45
        // UTC is 01:45 GMT: 1 h 15 min later though the wall clock moved 15
        // min. Elapsed: 8 h + 1 h 15 min. £12,345.67 from 1 234 567 pence.
        assert_eq!(
            a.body_text,
            "INC9 breached P2 resolved in 8 hours (8 h target)\n\
             Needs a decision today.\n\
             \n\
             What to do next: raise it at the service review.\n\
             \n\
             Deadline  Sun 25 Oct 2026 01:30 BST\n\
             Stopped   Sun 25 Oct 2026 01:45 GMT\n\
             Elapsed   9 h 15 min\n\
             Credit    £12,345.67\n\
             \n\
             Evidence: the incident record.\n\
             Open: https://slawatch.council.example/api/v1/contracts/acme/months/2026-10\n"
        );
        assert!(
            a.body_html.contains("<td>Sun 25 Oct 2026 01:45 GMT</td>"),
            "{}",
            a.body_html
        );
        assert!(a.body_html.contains("<td>£12,345.67</td>"));
        // The HTML escaper writes `/` as `&#x2f;`, which a mail client reads as `/`.
        assert!(
            a.body_html.replace("&#x2f;", "/").contains(
                "<a href=\"https://slawatch.council.example/api/v1/contracts/acme/months/2026-10\">"
            ),
            "{}",
            a.body_html
        );
    }

    #[test]
    fn supplier_text_is_escaped_in_html_and_kept_in_text() {
        let facts = Facts {
            headline: "INC1 breached".into(),
            lines: vec![("Title", "<script>alert(1)</script> & co".into())],
            evidence: "Evidence: the incident record.".into(),
            ..Facts::default()
        };
        let a = alert(
            "k".into(),
            "breached",
            Severity::Critical,
            Some("acme"),
            &["m@x.example".into()],
            &facts,
            false,
        );
        assert_eq!(a.subject, "[slawatch] acme breach: INC1 breached");
        assert!(
            a.body_text
                .contains("Title  <script>alert(1)</script> & co")
        );
        assert!(a.body_html.contains("&lt;script&gt;"));
        assert!(!a.body_html.contains("<script>"));
    }
}
