//! Alert messages in a contract manager's words: a headline, the facts as
//! labelled lines, and where the evidence is. Plain text plus an HTML
//! alternative rendered with auto-escaping, so supplier text (titles,
//! service names) can never become markup.

use minijinja::{AutoEscape, Environment, context};

use crate::store::outbox::{NewAlert, Severity};

/// What an alert says.
#[derive(Debug, Clone)]
pub struct Facts {
    /// One line saying what happened.
    pub headline: String,
    /// Label → value, in reading order.
    pub lines: Vec<(&'static str, String)>,
    /// Where to look next.
    pub evidence: String,
}

const HTML: &str = r#"<!DOCTYPE html>
<html lang="en"><body style="font-family: Arial, sans-serif; color: #1d2733">
<h2 style="color: {{ colour }}">{{ headline }}</h2>
<table style="border-collapse: collapse">
{% for line in lines %}<tr><th style="text-align: left; padding: 2px 12px 2px 0">{{ line[0] }}</th><td>{{ line[1] }}</td></tr>
{% endfor %}</table>
<p style="color: #4a5866">{{ evidence }}</p>
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
    let label = match severity {
        Severity::Critical => "ACTION",
        Severity::Warning => "WARNING",
        Severity::Info => "INFO",
    };
    let subject = match contract {
        Some(c) => format!("[slawatch] {label} {c}: {}", facts.headline),
        None => format!("[slawatch] {label}: {}", facts.headline),
    };
    let width = facts.lines.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    let mut body_text = format!("{}\n\n", facts.headline);
    for (label, value) in &facts.lines {
        body_text.push_str(&format!("{label:<width$}  {value}\n"));
    }
    body_text.push_str(&format!("\n{}\n", facts.evidence));
    NewAlert {
        dedup_key,
        kind: kind.to_string(),
        severity,
        contract: contract.map(str::to_string),
        recipients: recipients.to_vec(),
        subject,
        body_html: html(facts, severity),
        body_text,
        digest,
        attachments: Vec::new(),
    }
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
    fn supplier_text_is_escaped_in_html_and_kept_in_text() {
        let facts = Facts {
            headline: "INC1 breached".into(),
            lines: vec![("Title", "<script>alert(1)</script> & co".into())],
            evidence: "slawatch report".into(),
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
        assert_eq!(a.subject, "[slawatch] ACTION acme: INC1 breached");
        assert!(
            a.body_text
                .contains("Title  <script>alert(1)</script> & co")
        );
        assert!(a.body_html.contains("&lt;script&gt;"));
        assert!(!a.body_html.contains("<script>"));
    }
}
