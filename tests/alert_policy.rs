//! What a contract manager's mailbox receives over a day, through real
//! parts: live detection on a SQLite/PostgreSQL store queues the alerts,
//! the sender delivers them to aiosmtpd on loopback, and a stopped clock
//! stands in for the day passing. What needs a decision today goes at once;
//! the rest waits for the contract's digest time and goes as one message per
//! kind, every alert in exactly one message.

mod common;
mod smtp_sink;

use std::time::Duration;

use chrono::{DateTime, Utc};
use common::{daemon_deps, push};
use slawatch::alerts::sender::SenderSettings;
use slawatch::daemon::Deps;
use slawatch::daemon::live::detect_once;
use slawatch::domain::WallClock;
use smtp_sink::{Handler, Mail, SmtpSink, free_port, python_or_skip};
use tokio_util::sync::CancellationToken;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

const MANAGER: &str = "contracts@council.example";

fn config(smtp: u16) -> String {
    format!(
        r#"
[email]
smtp_url = "smtp://127.0.0.1:{smtp}"
from = "SLA Watch <slawatch@council.example>"

[alerts]
digest_at = "08:00"
public_url = "https://slawatch.council.example/"

[[contracts]]
id = "acme"
supplier = "Acme Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "125000.00"
managers = ["{MANAGER}"]

  [[contracts.service_levels]]
  id = "p1-resolution"
  name = "P1 resolved in 4 hours"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  target_percent = 95.0
  service_credits = [ {{ below = 95.0, percent = 2.0 }} ]

  [[contracts.service_levels]]
  id = "p3-resolution"
  name = "P3 resolved in 8 hours"
  kind = "resolution_time"
  priorities = ["P3"]
  target = "8h"
  target_percent = 90.0
"#
    )
}

/// One delivery round at the clock's time; returns the rows it sent.
async fn round(deps: &Deps) -> usize {
    let settings = SenderSettings {
        smtp_timeout: Duration::from_secs(10),
        ..SenderSettings::default()
    };
    let r = deps
        .sender(settings)
        .expect("a sender")
        .deliver_due(&CancellationToken::new())
        .await
        .expect("a delivery round");
    assert_eq!(r.failed, 0, "a delivery failed");
    r.sent
}

/// Every undelivered or delivered outbox row: (dedup key, kind, severity, sent_at).
async fn outbox(deps: &Deps) -> Vec<(String, String, String, Option<i64>)> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&deps.config.daemon.database_url)
        .await
        .expect("open the store");
    let rows = sqlx::query_as("SELECT dedup_key, kind, severity, sent_at FROM outbox ORDER BY id")
        .fetch_all(&pool)
        .await
        .expect("read the outbox");
    pool.close().await;
    rows
}

fn keys(mail: &Mail) -> Vec<String> {
    mail.header("X-Slawatch-Alert")
        .unwrap_or_default()
        .split(", ")
        .map(str::to_string)
        .collect()
}

/// Waits (up to 10 s) until the sink holds `count` messages.
async fn received(sink: &SmtpSink, count: usize) -> Vec<Mail> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mails = sink.messages();
        if mails.len() >= count || std::time::Instant::now() > deadline {
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_sends_what_needs_a_decision_at_once_and_the_rest_in_one_digest_per_kind() {
    let Some(python) = python_or_skip("a_day_sends_what_needs_a_decision…") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let clock = WallClock::manual(t("2026-12-04T12:00:00Z"));
    let deps = daemon_deps(&dir, &config(port))
        .await
        .with_clock(clock.clone());
    let sink = SmtpSink::start(&python, port, &dir.path().join("mail"), Handler::Mailbox);
    // Fri 4 Dec 2026 (GMT, so UTC is the wall clock): a P1 opened at 09:00
    // and still open; two P3s opened at 01:00 and resolved at 10:00, 9 h
    // against an 8 h target, so both breached.
    push(
        &deps,
        "id,contract,priority,opened_at,resolved_at,title\n\
         INC1,acme,P1,2026-12-04T09:00:00Z,,Payroll down\n\
         INC3A,acme,P3,2026-12-04T01:00:00Z,2026-12-04T10:00:00Z,Printer\n\
         INC3B,acme,P3,2026-12-04T01:00:00Z,2026-12-04T10:00:00Z,Laptop\n",
        "incidents.csv",
        &dir,
    )
    .await;

    // 12:00: INC1 has used 3 h of 4 h (at risk); the P3 breaches are known.
    detect_once(&deps, clock.now()).await.unwrap();
    let sent_at_noon = round(&deps).await;
    // 13:30: INC1 is past its 13:00 deadline: a P1 breach, sent at once.
    clock.set(t("2026-12-04T13:30:00Z"));
    detect_once(&deps, clock.now()).await.unwrap();
    let sent_after_breach = round(&deps).await;
    assert_eq!(sent_at_noon, 0, "nothing at noon needs a decision today");
    assert_eq!(sent_after_breach, 1, "{:#?}", outbox(&deps).await);
    let mails = received(&sink, 1).await;
    assert_eq!(mails.len(), 1, "{mails:#?}");
    let breach = &mails[0];
    assert_eq!(keys(breach), vec!["breached/acme/p1-resolution/INC1"]);
    assert_eq!(
        breach.header("Subject").unwrap(),
        "[slawatch] acme 2026-12 breach: INC1 breached P1 resolved in 4 hours (4 h target)"
    );
    assert_eq!(
        breach.header("List-Id").unwrap(),
        "slawatch alerts for acme <acme.alerts.council.example>"
    );
    assert_eq!(breach.header("Auto-Submitted").unwrap(), "auto-generated");
    let text = breach.decoded_part("text/plain").unwrap();
    for line in [
        // Opened 09:00 GMT + 4 h.
        "Deadline       Fri 4 Dec 2026 13:00 GMT",
        "Stopped        still open",
        // 0 of 1 P1 met: 0 % < 95 %, 2 % of £125,000.00 = £2,500.00.
        "This month     0.000 % against a target of 95 %",
        "credit 2 % = £2,500.00",
        "What to do next: INC1 is still open: ask the supplier's service manager when it will be resolved;",
        "Open: https://slawatch.council.example/api/v1/contracts/acme/months/2026-12",
    ] {
        assert!(text.contains(line), "{line:?} not in:\n{text}");
    }
    assert!(!text.contains("slawatch report --"), "{text}");

    // Through the evening and night nothing more goes: the rest waits for
    // Sat 5 Dec 08:00 in London (GMT: 08:00 UTC).
    clock.set(t("2026-12-05T07:59:59Z"));
    assert_eq!(round(&deps).await, 0);
    clock.set(t("2026-12-05T08:00:00Z"));
    let digest_rows = round(&deps).await;
    let rows = outbox(&deps).await;
    let mails = received(&sink, 1 + 1).await;
    assert!(
        rows.iter().all(|r| r.3.is_some()),
        "all delivered: {rows:#?}"
    );
    assert_eq!(digest_rows, rows.len() - 1, "{rows:#?}");

    // Each alert's key is in exactly one message.
    for (key, ..) in &rows {
        let carrying = mails.iter().filter(|m| keys(m).contains(key)).count();
        assert_eq!(carrying, 1, "{key} in {carrying} messages");
    }
    // Only critical alerts went before the digest time; every message after
    // it carries one kind, and no kind is split over two messages.
    let kind_of = |key: &str| rows.iter().find(|r| r.0 == key).unwrap().1.clone();
    let severity_of = |key: &str| rows.iter().find(|r| r.0 == key).unwrap().2.clone();
    let mut kinds_seen = Vec::new();
    for mail in &mails[1..] {
        let ks = keys(mail);
        let kind = kind_of(&ks[0]);
        assert!(ks.iter().all(|k| kind_of(k) == kind), "{ks:?} mixes kinds");
        assert!(ks.iter().all(|k| severity_of(k) != "critical"), "{ks:?}");
        assert!(
            !kinds_seen.contains(&kind),
            "{kind} split over two messages"
        );
        kinds_seen.push(kind);
    }
    // The two P3 breaches are one digest, queued at the noon detection.
    let p3 = mails
        .iter()
        .find(|m| keys(m).contains(&"breached/acme/p3-resolution/INC3A".to_string()))
        .unwrap();
    assert_eq!(
        keys(p3),
        vec![
            "breached/acme/p3-resolution/INC3A",
            "breached/acme/p3-resolution/INC3B"
        ]
    );
    assert_eq!(
        p3.header("Subject").unwrap(),
        "[slawatch] acme 2026-12 breach digest: 2 alerts since Fri 4 Dec 2026 12:00 GMT"
    );
    let text = p3.decoded_part("text/plain").unwrap();
    for item in [
        "1. [slawatch] acme 2026-12 breach: INC3A breached P3 resolved in 8 hours (8 h target)",
        "2. [slawatch] acme 2026-12 breach: INC3B breached P3 resolved in 8 hours (8 h target)",
        // 9 h elapsed; deadline 01:00 + 8 h; resolved at 10:00.
        "Elapsed        9 h",
        "Deadline       Fri 4 Dec 2026 09:00 GMT",
        "Stopped        Fri 4 Dec 2026 10:00 GMT",
    ] {
        assert!(text.contains(item), "{item:?} not in:\n{text}");
    }
    // The incident at risk is alone of its kind, so it goes as itself.
    let at_risk = mails
        .iter()
        .find(|m| keys(m) == vec!["at_risk/acme/p1-resolution/INC1".to_string()])
        .expect("the at-risk warning, at the digest time");
    assert!(
        at_risk
            .header("Subject")
            .unwrap()
            .starts_with("[slawatch] acme 2026-12 incident at risk: INC1 at risk"),
        "{:?}",
        at_risk.header("Subject")
    );
}

const NIGHT: &str = "night@council.example";

/// `MANAGER` with the defaults, and `NIGHT` who turned incidents at risk
/// off, wants breaches at once, and keeps 20:00 to 07:00 quiet.
fn subscribed(smtp: u16) -> String {
    config(smtp).replace(
        &format!("managers = [\"{MANAGER}\"]"),
        &format!(
            "managers = [\"{MANAGER}\", {{ address = \"{NIGHT}\", kinds = {{ at_risk = \"off\", \
             breached = \"immediate\" }}, quiet_hours = \"20:00-07:00\" }}]"
        ),
    )
}

/// The messages `to` has received so far.
fn mail_to(sink: &SmtpSink, to: &str) -> Vec<Mail> {
    sink.messages()
        .into_iter()
        .filter(|m| m.header("X-RcptTo").as_deref() == Some(to))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsubscribed_kind_never_arrives_and_quiet_hours_hold_a_warning_but_not_a_breach_of_p1()
{
    let Some(python) = python_or_skip("an_unsubscribed_kind_never_arrives…") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let clock = WallClock::manual(t("2026-12-04T21:00:00Z"));
    let deps = daemon_deps(&dir, &subscribed(port))
        .await
        .with_clock(clock.clone());
    let sink = SmtpSink::start(&python, port, &dir.path().join("mail"), Handler::Mailbox);
    // Fri 4 Dec 2026, GMT. At 21:00: INC1 (P1, opened 16:00, due 20:00) is
    // breached; INC2 (P1, opened 18:00) has used 3 h of 4 h, at risk; INC3
    // (P3, 10:00 to 19:00: 9 h of 8 h) breached.
    push(
        &deps,
        "id,contract,priority,opened_at,resolved_at,title\n\
         INC1,acme,P1,2026-12-04T16:00:00Z,,Payroll down\n\
         INC2,acme,P1,2026-12-04T18:00:00Z,,Email slow\n\
         INC3,acme,P3,2026-12-04T10:00:00Z,2026-12-04T19:00:00Z,Printer\n",
        "incidents.csv",
        &dir,
    )
    .await;
    detect_once(&deps, clock.now()).await.unwrap();
    round(&deps).await;
    let p1 = || vec![vec!["breached/acme/p1-resolution/INC1".to_string()]];
    // The P1 breach is critical: both managers get it at once, quiet hours or not.
    let lead = received(&sink, 2).await;
    assert_eq!(lead.len(), 2, "{lead:#?}");
    assert_eq!(
        mail_to(&sink, MANAGER).iter().map(keys).collect::<Vec<_>>(),
        p1()
    );
    assert_eq!(
        mail_to(&sink, NIGHT).iter().map(keys).collect::<Vec<_>>(),
        p1()
    );

    // NIGHT wants breaches at once, but the P3 breach is a warning: held
    // until the quiet hours end at 07:00 (GMT = UTC in December).
    clock.set(t("2026-12-05T06:59:59Z"));
    round(&deps).await;
    assert_eq!(mail_to(&sink, NIGHT).len(), 1);
    clock.set(t("2026-12-05T07:00:00Z"));
    round(&deps).await;
    let night = received(&sink, 3).await;
    let night: Vec<&Mail> = night
        .iter()
        .filter(|m| m.header("X-RcptTo").as_deref() == Some(NIGHT))
        .collect();
    assert_eq!(night.len(), 2, "{night:#?}");
    assert_eq!(
        keys(night[1]),
        vec!["breached/acme/p3-resolution/INC3#immediate#quiet"]
    );
    // MANAGER has had nothing more: the rest waits for the 08:00 digest.
    assert_eq!(mail_to(&sink, MANAGER).len(), 1);

    clock.set(t("2026-12-05T08:00:00Z"));
    round(&deps).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let at_risk = "at_risk/acme/p1-resolution/INC2".to_string();
    let lead = mail_to(&sink, MANAGER);
    assert!(
        lead.iter().any(|m| keys(m).contains(&at_risk)),
        "the lead gets the incident at risk in the digest: {lead:#?}"
    );
    assert!(
        lead.iter()
            .any(|m| keys(m).contains(&"breached/acme/p3-resolution/INC3".to_string())),
        "the lead gets the P3 breach at the digest time: {lead:#?}"
    );
    let night = mail_to(&sink, NIGHT);
    assert!(
        night
            .iter()
            .all(|m| !keys(m).iter().any(|k| k.starts_with("at_risk/"))),
        "an unsubscribed kind arrived: {night:#?}"
    );
    // Nothing is left to send, and nothing reached anyone twice.
    let rows = outbox(&deps).await;
    assert!(rows.iter().all(|r| r.3.is_some()), "{rows:#?}");
    for to in [MANAGER, NIGHT] {
        let mut seen: Vec<String> = mail_to(&sink, to).iter().flat_map(keys).collect();
        let all = seen.len();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), all, "{to} had a key twice");
    }
}

#[tokio::test]
async fn a_weekly_summary_comes_on_monday_at_the_digest_time_once() {
    let dir = tempfile::tempdir().unwrap();
    let text = config(free_port()).replace(
        "digest_at = \"08:00\"",
        "digest_at = \"08:00\"\nweekly_summary = true",
    );
    let deps = daemon_deps(&dir, &text).await;
    // December 2026 so far: INC1 (P1) 09:00 to 14:00 on Fri 4 Dec, 5 h
    // against 4 h: breached, deadline 13:00; INC3 (P3) 2 h against 8 h: met.
    push(
        &deps,
        "id,contract,priority,opened_at,resolved_at,title\n\
         INC1,acme,P1,2026-12-04T09:00:00Z,2026-12-04T14:00:00Z,Payroll down\n\
         INC3,acme,P3,2026-12-01T00:00:00Z,2026-12-01T02:00:00Z,Printer\n",
        "incidents.csv",
        &dir,
    )
    .await;
    let weekly = |deps: &Deps| {
        let store = deps.store.clone();
        async move {
            store
                .due_alerts(i64::MAX, 100)
                .await
                .unwrap()
                .into_iter()
                .filter(|a| a.alert.kind == "weekly_summary")
                .collect::<Vec<_>>()
        }
    };
    // Sunday, and Monday before 08:00 (GMT): nothing.
    for at in ["2026-12-06T09:00:00Z", "2026-12-07T07:59:00Z"] {
        detect_once(&deps, t(at)).await.unwrap();
        assert!(weekly(&deps).await.is_empty(), "at {at}");
    }
    detect_once(&deps, t("2026-12-07T08:00:00Z")).await.unwrap();
    detect_once(&deps, t("2026-12-07T15:00:00Z")).await.unwrap();
    let found = weekly(&deps).await;
    assert_eq!(found.len(), 1, "once a week");
    let a = &found[0].alert;
    // 7 Dec 2026 is in ISO week 50.
    assert_eq!(a.dedup_key, "weekly/acme/2026-W50");
    assert_eq!(
        a.subject,
        "[slawatch] acme 2026-12 weekly summary: week 50 summary of 2026-12 to date"
    );
    for line in [
        // 0 of 1 P1 met; 1 of 1 P3 met.
        "Service level    P1 resolved in 4 hours: 0.000 % against 95 %, ",
        "Service level    P3 resolved in 8 hours: 100.000 % against 90 %, met so far",
        // 2 % of £125,000.00 for P1 under 95 %; P3 has no credits.
        "If it ended now  service credit £2,500.00",
        // INC1's deadline (4 Dec 13:00) is within the 7 days before Monday 08:00.
        "Last 7 days      1 breach(es) of incident targets",
    ] {
        assert!(
            a.body_text.contains(line),
            "{line:?} not in:\n{}",
            a.body_text
        );
    }
}
