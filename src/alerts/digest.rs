//! Batching what can wait: alerts queued with `digest` (incidents at risk,
//! P3 and lower breaches, months at risk, partial outages, feed and
//! supplier-figure warnings) go as one message per recipients, contract and
//! kind. By default a group goes at the contract's daily digest time
//! (`[alerts] digest_at`, local to the contract's timezone); with
//! `digest_interval` it goes that long after its oldest alert instead. Pure:
//! the sender reads the outbox and passes "now" in.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{Duration as Span, NaiveTime};
use chrono_tz::Tz;

use super::compose::kind_words;
use super::message::Outgoing;
use crate::domain::display::local_time;
use crate::domain::time::{Side, local_boundary, local_date};
use crate::domain::{Instant, Period};
use crate::store::outbox::QueuedAlert;
use crate::store::outbox_pending::PendingAlert;

/// When a waiting alert's digest falls due.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// No digests: every alert goes on its own as soon as it is queued.
    Off,
    /// `seconds` after the group's oldest alert was queued.
    Interval {
        /// The window.
        seconds: i64,
        /// Each contract's timezone, for the times a digest tells.
        zones: BTreeMap<String, Tz>,
    },
    /// At this local time of day, in each contract's timezone (UTC for an
    /// alert of no contract, or of a contract no longer configured): the
    /// first such moment at or after the alert was queued.
    Daily {
        /// The time of day.
        at: NaiveTime,
        /// Each contract's timezone.
        zones: BTreeMap<String, Tz>,
    },
}

impl Schedule {
    /// The timezone `contract`'s digests are told in.
    pub fn zone(&self, contract: Option<&str>) -> Tz {
        match self {
            Schedule::Daily { zones, .. } | Schedule::Interval { zones, .. } => contract
                .and_then(|c| zones.get(c))
                .copied()
                .unwrap_or(Tz::UTC),
            Schedule::Off => Tz::UTC,
        }
    }

    /// When an alert queued at `created_at` (epoch seconds) for `contract`
    /// may go in a digest (epoch seconds).
    pub fn due_at(&self, contract: Option<&str>, created_at: i64) -> i64 {
        match self {
            Schedule::Off => created_at,
            Schedule::Interval { seconds, .. } => created_at.saturating_add(*seconds),
            Schedule::Daily { at, .. } => {
                let tz = self.zone(contract);
                let Some(queued) = Instant::from_timestamp(created_at, 0) else {
                    return created_at;
                };
                let today = local_date(tz, queued);
                // A digest time the clocks skip that day goes at the jump.
                let slot = |date: chrono::NaiveDate| {
                    local_boundary(tz, date.and_time(*at), Side::Start).timestamp()
                };
                let first = slot(today);
                if first >= created_at {
                    first
                } else {
                    slot(today + Span::days(1))
                }
            }
        }
    }
}

/// The waiting digest alerts whose time has come, one message per
/// recipients, contract and kind, oldest group first. A group of one goes
/// as that alert itself.
///
/// A group is due once its oldest alert's digest time has passed and no
/// alert in it is still backing off from a failed attempt; alerts queued
/// later join it until then.
pub fn due_digests(pending: &[PendingAlert], schedule: &Schedule, now: i64) -> Vec<Outgoing> {
    type Key = (Vec<String>, Option<String>, String);
    let mut groups: BTreeMap<Key, Vec<&PendingAlert>> = BTreeMap::new();
    for p in pending {
        let a = &p.queued.alert;
        let mut recipients = a.recipients.clone();
        recipients.sort();
        recipients.dedup();
        groups
            .entry((recipients, a.contract.clone(), a.kind.clone()))
            .or_default()
            .push(p);
    }
    let mut due: Vec<Outgoing> = groups
        .into_values()
        .filter_map(|mut group| {
            group.sort_by_key(|p| p.queued.id);
            let contract = group.first()?.queued.alert.contract.clone();
            let opened = group
                .iter()
                .map(|p| schedule.due_at(contract.as_deref(), p.queued.created_at))
                .min()?;
            let backoff = group.iter().map(|p| p.next_attempt_at).max()?;
            if now < opened || now < backoff {
                return None;
            }
            let alerts: Vec<&QueuedAlert> = group.iter().map(|p| &p.queued).collect();
            Some(match alerts.as_slice() {
                [one] => Outgoing::single(one),
                many => digest(many, schedule.zone(contract.as_deref())),
            })
        })
        .collect();
    due.sort_by_key(|o| o.ids.first().copied());
    due
}

/// One message listing `alerts` (at least two, same recipients, contract
/// and kind, oldest first), its times told in `tz`.
pub fn digest(alerts: &[&QueuedAlert], tz: Tz) -> Outgoing {
    let count = alerts.len();
    let oldest = alerts
        .iter()
        .map(|a| a.created_at)
        .min()
        .and_then(|t| Instant::from_timestamp(t, 0));
    let since = oldest.map_or_else(String::new, |t| local_time(t, tz));
    let contract = common_contract(alerts);
    let kind = alerts[0].alert.kind.clone();
    let what = kind_words(&kind);
    let mut subject = "[slawatch]".to_string();
    if let Some(c) = &contract {
        subject.push_str(&format!(" {c}"));
    }
    if let Some(t) = oldest {
        subject.push_str(&format!(" {}", Period::of(t, tz)));
    }
    subject.push_str(&format!(" {what} digest: {count} alerts since {since}"));

    let mut text = format!(
        "{count} {what} alerts since {since}, oldest first. None needs a decision today; \
         each says what to do next.\n"
    );
    let mut html = format!(
        "<!DOCTYPE html>\n<html><body>\n<p>{count} {} alerts since {}, oldest first. \
         None needs a decision today; each says what to do next.</p>\n<ol>\n",
        escape(&what),
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
        contract,
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

    /// An interval schedule; `acme` is not configured, so times are in UTC.
    fn interval(seconds: i64) -> Schedule {
        Schedule::Interval {
            seconds,
            zones: BTreeMap::new(),
        }
    }

    const A: &[&str] = &["a@council.example"];
    const B: &[&str] = &["b@council.example"];

    #[test]
    fn a_group_waits_for_its_window_from_the_oldest_alert() {
        let waiting = [pending(1, A, 1000, 1000), pending(2, A, 1500, 1500)];
        assert!(due_digests(&waiting, &interval(3600), 4599).is_empty());
        let due = due_digests(&waiting, &interval(3600), 4600);
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
        let due = due_digests(&waiting, &interval(60), 2000);
        assert_eq!(due.len(), 2);
        assert_eq!(due[0].ids, vec![1, 3]);
        assert_eq!(due[1].ids, vec![2]);
        assert_eq!(due[1].kind, "at_risk");
        assert_eq!(due[1].subject, "INC2 at risk <P1>");
    }

    #[test]
    fn a_group_backing_off_waits_for_its_next_attempt() {
        let waiting = [pending(1, A, 1000, 5000), pending(2, A, 4000, 4000)];
        assert!(due_digests(&waiting, &interval(60), 4999).is_empty());
        assert_eq!(
            due_digests(&waiting, &interval(60), 5000)[0].ids,
            vec![1, 2]
        );
    }

    #[test]
    fn a_digest_lists_every_alert_in_text_and_html() {
        let waiting = [pending(1, A, 0, 0), pending(2, A, 60, 60)];
        let out = &due_digests(&waiting, &interval(60), 120)[0];
        // An interval schedule tells times in UTC; epoch 0 is Thu 1 Jan 1970.
        assert_eq!(
            out.subject,
            "[slawatch] acme 1970-01 incident at risk digest: 2 alerts since Thu 1 Jan 1970 00:00 UTC"
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

    fn london() -> Schedule {
        Schedule::Daily {
            at: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            zones: [("acme".to_string(), chrono_tz::Europe::London)].into(),
        }
    }

    fn epoch(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    #[test]
    fn the_daily_digest_goes_at_local_time_across_the_clocks_going_back() {
        let daily = london();
        // Sat 24 Oct 2026 07:30 BST (06:30 UTC) waits for 08:00 BST = 07:00 UTC.
        assert_eq!(
            daily.due_at(Some("acme"), epoch("2026-10-24T06:30:00Z")),
            epoch("2026-10-24T07:00:00Z")
        );
        // 08:30 BST (07:30 UTC) has missed that day's: the next is Sun 25 Oct
        // 08:00, by then GMT, = 08:00 UTC (24 h 30 min later, not 23 h 30 min).
        assert_eq!(
            daily.due_at(Some("acme"), epoch("2026-10-24T07:30:00Z")),
            epoch("2026-10-25T08:00:00Z")
        );
        // Queued exactly at the digest time: it goes in that digest.
        assert_eq!(
            daily.due_at(Some("acme"), epoch("2026-10-25T08:00:00Z")),
            epoch("2026-10-25T08:00:00Z")
        );
        // No contract (or one no longer configured): UTC.
        assert_eq!(
            daily.due_at(None, epoch("2026-10-24T07:30:00Z")),
            epoch("2026-10-24T08:00:00Z")
        );
    }

    #[test]
    fn a_daily_digest_is_one_message_per_kind_told_in_local_time() {
        let daily = london();
        let mut breach = pending(3, A, epoch("2026-10-24T23:30:00Z"), 0);
        breach.queued.alert.kind = "breached".into();
        let waiting = [
            pending(1, A, epoch("2026-10-24T09:00:00Z"), 0),
            pending(2, A, epoch("2026-10-25T02:00:00Z"), 0),
            breach,
        ];
        // All were queued after Sat's 08:00 BST: due Sun 08:00 GMT = 08:00 UTC.
        assert!(due_digests(&waiting, &daily, epoch("2026-10-25T07:59:59Z")).is_empty());
        let due = due_digests(&waiting, &daily, epoch("2026-10-25T08:00:00Z"));
        assert_eq!(due.len(), 2);
        assert_eq!(due[0].ids, vec![1, 2]);
        // 09:00 UTC on 24 Oct is 10:00 BST.
        assert_eq!(
            due[0].subject,
            "[slawatch] acme 2026-10 incident at risk digest: 2 alerts since Sat 24 Oct 2026 10:00 BST"
        );
        // The lone breach goes as itself.
        assert_eq!(due[1].ids, vec![3]);
        assert_eq!(due[1].kind, "breached");
    }

    #[test]
    fn a_digest_reads_in_local_time_either_side_of_the_clocks_going_back() {
        use super::super::compose::{Facts, alert};
        use crate::domain::Currency;
        use crate::domain::display::money;
        use chrono_tz::Europe::London;
        let gbp = Currency::parse("GBP").unwrap();
        let queued = |id: i64, at: &str, credit: i64| {
            let at = chrono::DateTime::parse_from_rfc3339(at)
                .unwrap()
                .with_timezone(&chrono::Utc);
            let facts = Facts {
                headline: format!("INC{id} breached P3 resolved in 8 hours (8 h target)"),
                lines: vec![
                    ("Deadline", local_time(at, London)),
                    ("Credit", money(credit, &gbp)),
                ],
                evidence: "Evidence: the incident record.".into(),
                month: Some("2026-10".parse().unwrap()),
                next_step: Some("record it for the monthly service review.".into()),
                link: None,
            };
            QueuedAlert {
                id,
                alert: alert(
                    format!("breached/acme/INC{id}"),
                    "breached",
                    Severity::Warning,
                    Some("acme"),
                    &["m@council.example".into()],
                    &facts,
                    true,
                ),
                created_at: at.timestamp(),
                attempts: 0,
            }
        };
        // 00:30 UTC on Sun 25 Oct 2026 is 01:30 BST; the clocks go back at
        // 01:00 UTC, so 01:30 UTC is 01:30 GMT: the same wall-clock time, an
        // hour apart, told apart by the zone's abbreviation.
        let first = queued(1, "2026-10-25T00:30:00Z", 1_234_567);
        let second = queued(2, "2026-10-25T01:30:00Z", 100_000_000);
        let out = digest(&[&first, &second], London);
        assert_eq!(
            out.subject,
            "[slawatch] acme 2026-10 breach digest: 2 alerts since Sun 25 Oct 2026 01:30 BST"
        );
        // Each item's body is indented by three spaces, blank lines too.
        assert_eq!(
            out.body_text,
            "2 breach alerts since Sun 25 Oct 2026 01:30 BST, oldest first. None needs a \
             decision today; each says what to do next.\n\
             \n\
             1. [slawatch] acme 2026-10 breach: INC1 breached P3 resolved in 8 hours (8 h target)\n   \
             INC1 breached P3 resolved in 8 hours (8 h target)\n   \
             For attention.\n   \
             \n   \
             What to do next: record it for the monthly service review.\n   \
             \n   \
             Deadline  Sun 25 Oct 2026 01:30 BST\n   \
             Credit    £12,345.67\n   \
             \n   \
             Evidence: the incident record.\n\
             \n\
             2. [slawatch] acme 2026-10 breach: INC2 breached P3 resolved in 8 hours (8 h target)\n   \
             INC2 breached P3 resolved in 8 hours (8 h target)\n   \
             For attention.\n   \
             \n   \
             What to do next: record it for the monthly service review.\n   \
             \n   \
             Deadline  Sun 25 Oct 2026 01:30 GMT\n   \
             Credit    £1,000,000.00\n   \
             \n   \
             Evidence: the incident record.\n"
        );
        assert!(
            out.body_html
                .contains("<p>2 breach alerts since Sun 25 Oct 2026 01:30 BST, oldest first."),
            "{}",
            out.body_html
        );
        for cell in [
            "<td>Sun 25 Oct 2026 01:30 BST</td>",
            "<td>£12,345.67</td>",
            "<td>Sun 25 Oct 2026 01:30 GMT</td>",
            "<td>£1,000,000.00</td>",
        ] {
            assert_eq!(out.body_html.matches(cell).count(), 1, "{cell}");
        }
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
