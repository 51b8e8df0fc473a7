//! Batching at-risk warnings: alerts queued with `digest` wait until
//! `digest_interval` has passed since the oldest waiting one for the same
//! recipients, then go as one message listing them all. Pure: the sender
//! reads the outbox and passes "now" in.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::message::Outgoing;
use crate::store::outbox::QueuedAlert;
use crate::store::outbox_pending::PendingAlert;

/// The waiting digest alerts whose window has closed, one message per set of
/// recipients, oldest group first. A group of one goes as that alert itself.
///
/// A group is due once `interval` seconds have passed since its oldest alert
/// was queued and no alert in it is still backing off from a failed attempt;
/// alerts queued later join it until then.
pub fn due_digests(pending: &[PendingAlert], interval: i64, now: i64) -> Vec<Outgoing> {
    let mut groups: BTreeMap<Vec<String>, Vec<&PendingAlert>> = BTreeMap::new();
    for p in pending {
        let mut recipients = p.queued.alert.recipients.clone();
        recipients.sort();
        recipients.dedup();
        groups.entry(recipients).or_default().push(p);
    }
    let mut due: Vec<Outgoing> = groups
        .into_values()
        .filter_map(|mut group| {
            group.sort_by_key(|p| p.queued.id);
            let opened = group.iter().map(|p| p.queued.created_at).min()?;
            let backoff = group.iter().map(|p| p.next_attempt_at).max()?;
            if now < opened.saturating_add(interval) || now < backoff {
                return None;
            }
            let alerts: Vec<&QueuedAlert> = group.iter().map(|p| &p.queued).collect();
            Some(match alerts.as_slice() {
                [one] => Outgoing::single(one),
                many => digest(many),
            })
        })
        .collect();
    due.sort_by_key(|o| o.ids.first().copied());
    due
}

/// One message listing `alerts` (at least two, same recipients, oldest first).
pub fn digest(alerts: &[&QueuedAlert]) -> Outgoing {
    let count = alerts.len();
    let since = alerts
        .iter()
        .map(|a| a.created_at)
        .min()
        .map_or_else(String::new, utc);
    let subject = format!("SLA Watch digest: {count} alerts since {since}");

    let mut text = format!("{count} alerts since {since}:\n");
    let mut html = format!(
        "<!DOCTYPE html>\n<html><body>\n<p>{count} alerts since {}:</p>\n<ol>\n",
        escape(&since)
    );
    for (n, queued) in alerts.iter().enumerate() {
        let alert = &queued.alert;
        let _ = write!(text, "\n{}. {}\n", n + 1, alert.subject);
        for line in alert.body_text.lines() {
            let _ = writeln!(text, "   {line}");
        }
        let _ = write!(
            html,
            "<li>\n<h3>{}</h3>\n{}\n</li>\n",
            escape(&alert.subject),
            body_fragment(&alert.body_html)
        );
    }
    html.push_str("</ol>\n</body></html>\n");

    let mut recipients = alerts[0].alert.recipients.clone();
    recipients.sort();
    recipients.dedup();
    Outgoing {
        ids: alerts.iter().map(|a| a.id).collect(),
        dedup_keys: alerts.iter().map(|a| a.alert.dedup_key.clone()).collect(),
        kind: "digest".to_string(),
        contract: common_contract(alerts),
        recipients,
        subject,
        body_text: text,
        body_html: html,
        attempts: alerts.iter().map(|a| a.attempts).max().unwrap_or(0),
        // Digest alerts are warnings, which carry no files; any that did go along.
        attachments: alerts
            .iter()
            .flat_map(|a| a.alert.attachments.iter().cloned())
            .collect(),
    }
}

/// The contract every one of `alerts` concerns, if they agree.
fn common_contract(alerts: &[&QueuedAlert]) -> Option<String> {
    let first = alerts.first()?.alert.contract.as_ref()?;
    alerts
        .iter()
        .all(|a| a.alert.contract.as_ref() == Some(first))
        .then(|| first.clone())
}

fn utc(epoch: i64) -> String {
    chrono::DateTime::from_timestamp(epoch, 0).map_or_else(
        || epoch.to_string(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// What lies between `<body …>` and `</body>`, or all of it: an alert's HTML
/// may be a whole document, and a digest nests several.
fn body_fragment(html: &str) -> &str {
    let lower = html.to_ascii_lowercase();
    let start = lower
        .find("<body")
        .and_then(|at| lower[at..].find('>').map(|end| at + end + 1))
        .unwrap_or(0);
    let end = lower[start..]
        .find("</body>")
        .map_or(html.len(), |at| start + at);
    html[start..end].trim()
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::outbox::{NewAlert, Severity};

    fn pending(id: i64, to: &[&str], created_at: i64, next_attempt_at: i64) -> PendingAlert {
        PendingAlert {
            queued: QueuedAlert {
                id,
                alert: NewAlert {
                    dedup_key: format!("at_risk/acme/INC{id}/p1"),
                    kind: "at_risk".into(),
                    severity: Severity::Warning,
                    contract: Some("acme".into()),
                    recipients: to.iter().map(|s| s.to_string()).collect(),
                    subject: format!("INC{id} at risk <P1>"),
                    body_text: format!("INC{id} is at risk.\nAct."),
                    body_html: format!("<html><body><p>INC{id} is at risk.</p></body></html>"),
                    digest: true,
                    attachments: Vec::new(),
                },
                created_at,
                attempts: 0,
            },
            next_attempt_at,
        }
    }

    const A: &[&str] = &["a@council.example"];
    const B: &[&str] = &["b@council.example"];

    #[test]
    fn a_group_waits_for_its_window_from_the_oldest_alert() {
        let waiting = [pending(1, A, 1000, 1000), pending(2, A, 1500, 1500)];
        assert!(due_digests(&waiting, 3600, 4599).is_empty());
        let due = due_digests(&waiting, 3600, 4600);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].ids, vec![1, 2]);
        assert_eq!(due[0].kind, "digest");
        assert_eq!(due[0].recipients, vec!["a@council.example"]);
    }

    #[test]
    fn recipients_are_grouped_apart_and_a_lone_alert_goes_as_itself() {
        let waiting = [
            pending(1, A, 1000, 1000),
            pending(2, B, 1100, 1100),
            pending(3, A, 1200, 1200),
        ];
        let due = due_digests(&waiting, 60, 2000);
        assert_eq!(due.len(), 2);
        assert_eq!(due[0].ids, vec![1, 3]);
        assert_eq!(due[1].ids, vec![2]);
        assert_eq!(due[1].kind, "at_risk");
        assert_eq!(due[1].subject, "INC2 at risk <P1>");
    }

    #[test]
    fn a_group_backing_off_waits_for_its_next_attempt() {
        let waiting = [pending(1, A, 1000, 5000), pending(2, A, 4000, 4000)];
        assert!(due_digests(&waiting, 60, 4999).is_empty());
        assert_eq!(due_digests(&waiting, 60, 5000)[0].ids, vec![1, 2]);
    }

    #[test]
    fn a_digest_lists_every_alert_in_text_and_html() {
        let waiting = [pending(1, A, 0, 0), pending(2, A, 60, 60)];
        let out = &due_digests(&waiting, 60, 120)[0];
        assert_eq!(
            out.subject,
            "SLA Watch digest: 2 alerts since 1970-01-01 00:00 UTC"
        );
        assert!(
            out.body_text
                .contains("1. INC1 at risk <P1>\n   INC1 is at risk.\n   Act.")
        );
        assert!(out.body_text.contains("2. INC2 at risk <P1>"));
        assert!(
            out.body_html
                .contains("<h3>INC1 at risk &lt;P1&gt;</h3>\n<p>INC1 is at risk.</p>")
        );
        assert_eq!(out.body_html.matches("<body>").count(), 1);
        assert_eq!(
            out.dedup_keys,
            vec!["at_risk/acme/INC1/p1", "at_risk/acme/INC2/p1"]
        );
    }

    #[test]
    fn a_fragment_is_kept_whole() {
        assert_eq!(body_fragment("<p>x</p>"), "<p>x</p>");
        assert_eq!(
            body_fragment("<HTML><Body class=a>\n<p>x</p>\n</BODY>"),
            "<p>x</p>"
        );
    }
}
