//! The daemon end to end with real peers on loopback: a fake ServiceNow
//! speaking the Table API feeds an incident that crosses 75 % then 100 % of
//! its target while a real SMTP server receives the alerts; and alerts that
//! survive the mail server being down and the daemon being killed.
//!
//! Each daemon runs with `--now` at a fixed instant mid-month (its clock
//! stands still there), so nothing depends on the date, the hour or how
//! fast the daemon starts: an incident's stage moves on only when the test
//! starts the daemon again later. "Nothing else arrived" is read from the
//! store once the daemon has stopped cleanly: every alert it queued is in
//! the outbox, so the mails received must be exactly the ones it sent.

mod common;
mod fake_servicenow;
mod smtp_sink;

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use fake_servicenow::{FakeServiceNow, row};
use smtp_sink::{Handler, Mail, SmtpSink, free_port, python_or_skip, quoted_printable};

const SNOW_USER: &str = "slawatch";
const SNOW_PASSWORD: &str = "e2e-snow-password";
const PUSH_TOKEN: &str = "e2e-push-token";

/// "Now" for the daemons: mid-October 2026, far from any month's edge in
/// Europe/London.
fn t0() -> DateTime<Utc> {
    "2026-10-14T10:00:00Z".parse().expect("an RFC 3339 instant")
}

fn config(dir: &Path, listen: u16, smtp: u16, snow_url: &str) -> std::path::PathBuf {
    let text = format!(
        r#"
[daemon]
database_url = "{db}"
data_dir = "{data}"
listen = "127.0.0.1:{listen}"

[email]
smtp_url = "smtp://127.0.0.1:{smtp}"
from = "SLA Watch <slawatch@council.example>"

# Every alert on its own at once: this test is about delivery, not digests.
[alerts]
digest_at = "off"

[[contracts]]
id = "acme"
supplier = "Acme Managed Services Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "125000.00"
managers = ["contracts@council.example"]
auto_issue = true

  [[contracts.service_levels]]
  id = "p1-fix"
  name = "P1 fixed within 20 seconds"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "20s"
  target_percent = 50.0

[[sources]]
id = "acme-snow"
contract = "acme"
kind = "servicenow"
base_url = "{snow_url}"
username = "{SNOW_USER}"
password_env = "E2E_SNOW_PASSWORD"
schedule = "*/2 * * * * *"

[[sources]]
id = "acme-push"
contract = "acme"
kind = "webhook"
token_env = "E2E_PUSH_TOKEN"
"#,
        db = slawatch::store::testing::database_url(&dir.join("s.db")),
        data = dir.join("data").display(),
    );
    let path = dir.join("slawatch.toml");
    std::fs::write(&path, text).expect("config");
    path
}

/// Starts `slawatch run` with its clock stopped at `now`, once it listens.
fn start_daemon(config: &Path, listen: u16, now: DateTime<Utc>) -> Child {
    let env = [
        ("E2E_SNOW_PASSWORD", SNOW_PASSWORD),
        ("E2E_PUSH_TOKEN", PUSH_TOKEN),
    ];
    common::start_daemon(config, listen, now, &env)
}

/// Stops the daemon as SIGTERM does in production: a message being sent is
/// finished and recorded, so what the store says afterwards is final.
fn stop_daemon(mut daemon: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = daemon.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = daemon.kill();
    let _ = daemon.wait();
    panic!("the daemon did not stop within 30 s of SIGTERM");
}

/// The test's own handle on the daemon's store.
async fn open_store(dir: &Path) -> slawatch::store::Store {
    slawatch::store::Store::open(&slawatch::store::testing::database_url(&dir.join("s.db")))
        .await
        .expect("the daemon's store")
}

/// Waits until every alert queued so far has been delivered and recorded.
async fn wait_for_empty_outbox(store: &slawatch::store::Store, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let counts = store.outbox_counts().await.expect("outbox counts");
        if counts.pending == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "alerts still waiting after {limit:?}: {counts:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every alert the daemon queued was sent once: the outbox is empty and
/// holds as many sent alerts as mails arrived (each alert is one mail here:
/// no digests are configured).
async fn assert_each_alert_sent_once(dir: &Path, mails: &[Mail]) {
    let store = open_store(dir).await;
    let counts = store.outbox_counts().await.expect("outbox counts");
    store.close().await;
    assert_eq!(counts.pending, 0, "{counts:?}");
    assert_eq!(
        usize::try_from(counts.sent).ok(),
        Some(mails.len()),
        "sent alerts against mails received: {:?}",
        subjects(mails)
    );
}

fn snow_time(t: chrono::DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn wait_for(sink: &SmtpSink, what: impl Fn(&[Mail]) -> bool, limit: Duration) -> Vec<Mail> {
    let deadline = Instant::now() + limit;
    loop {
        let mails = sink.messages();
        if what(&mails) || Instant::now() > deadline {
            return mails;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn subjects(mails: &[Mail]) -> Vec<String> {
    mails.iter().filter_map(|m| m.header("Subject")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_servicenow_incident_is_emailed_once_at_risk_and_once_breached() {
    let Some(python) =
        python_or_skip("a_servicenow_incident_is_emailed_once_at_risk_and_once_breached")
    else {
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeServiceNow::start(SNOW_USER, SNOW_PASSWORD).await;
    let now = t0();
    let opened = now - chrono::Duration::seconds(16);
    // One P1 fixed in 10 s (met), one still open: at risk 15 s after it was
    // opened (75 % of 20 s), breached at 20 s. The first daemon runs 16 s
    // after it opened (at risk), the second 5 s later (breached).
    let incident = |sys_id: &str, number: &str, opened: &str, resolved: &str| {
        row(&[
            ("sys_id", sys_id),
            ("number", number),
            ("priority", "1"),
            ("state", if resolved.is_empty() { "2" } else { "6" }),
            ("opened_at", opened),
            ("resolved_at", resolved),
            ("closed_at", ""),
            ("short_description", "Payroll <system> & \"sync\" down"),
            ("sys_updated_on", &snow_time(now)),
        ])
    };
    let earlier = now - chrono::Duration::minutes(10);
    fake.put(
        "incident",
        vec![
            incident(
                "a1",
                "INC0000001",
                &snow_time(earlier),
                &snow_time(earlier + chrono::Duration::seconds(10)),
            ),
            incident("a2", "INC0000002", &snow_time(opened), ""),
        ],
    );
    let (listen, smtp) = (free_port(), free_port());
    let maildir = dir.path().join("mail");
    let sink = SmtpSink::start(&python, smtp, &maildir, Handler::Mailbox);
    let config = config(dir.path(), listen, smtp, &fake.url);
    let daemon = start_daemon(&config, listen, now);
    let mails = wait_for(
        &sink,
        |m| subjects(m).iter().any(|s| s.contains("INC0000002 at risk")),
        Duration::from_secs(45),
    );
    assert!(
        subjects(&mails).iter().any(|s| s.contains("at risk")),
        "no at-risk alert: {:?}",
        subjects(&mails)
    );
    // Whatever else the first daemon queued (last month's report) is sent
    // before it stops, so the second daemon has nothing of it to send again.
    let store = open_store(dir.path()).await;
    wait_for_empty_outbox(&store, Duration::from_secs(45)).await;
    store.close().await;
    stop_daemon(daemon);

    let daemon = start_daemon(&config, listen, now + chrono::Duration::seconds(5));
    let breached = wait_for(
        &sink,
        |m| {
            subjects(m)
                .iter()
                .any(|s| s.contains("INC0000002 breached"))
        },
        Duration::from_secs(45),
    );
    assert!(
        subjects(&breached).iter().any(|s| s.contains("breached")),
        "no breach alert: {:?}",
        subjects(&breached)
    );
    let store = open_store(dir.path()).await;
    wait_for_empty_outbox(&store, Duration::from_secs(45)).await;
    store.close().await;
    stop_daemon(daemon);
    // The daemons have stopped: every mail they sent has arrived, and
    // nothing more can come.
    let mails = sink.messages();
    assert_each_alert_sent_once(dir.path(), &mails).await;

    let s = subjects(&mails);
    let at_risk: Vec<&Mail> = mails
        .iter()
        .filter(|m| m.header("Subject").is_some_and(|s| s.contains("at risk")))
        .collect();
    let breached: Vec<&Mail> = mails
        .iter()
        .filter(|m| m.header("Subject").is_some_and(|s| s.contains("breached")))
        .collect();
    assert_eq!(at_risk.len(), 1, "{s:?}");
    assert_eq!(breached.len(), 1, "{s:?}");
    // Besides these two, only September's report and the July–September
    // committee pack being issued (the first daemon closes the previous
    // month and, in a quarter's first month, the quarter as it starts): no
    // month alert, since 1 of 2 met is the 50 % target.
    let others: Vec<&String> = s
        .iter()
        .filter(|x| {
            !x.contains("INC0000002") && !x.contains("report issued") && !x.contains("pack issued")
        })
        .collect();
    assert!(others.is_empty(), "no other alert expected: {s:?}");
    assert_eq!(
        breached[0].header("Subject").unwrap(),
        "[slawatch] acme 2026-10 breach: INC0000002 breached P1 fixed within 20 seconds (20 s target)"
    );
    assert!(
        at_risk[0]
            .header("Subject")
            .unwrap()
            .contains("INC0000002 at risk of breaching P1 fixed within 20 seconds")
    );
    let text = breached[0].part("text/plain").expect("a text part");
    // Opened 09:59:44 UTC, 20 s target: deadline 10:00:04 UTC, which is
    // 11:00 in London (BST in mid-October), shown to the minute.
    assert!(
        text.contains("Deadline       Wed 14 Oct 2026 11:00 BST"),
        "{text}"
    );
    assert!(
        text.contains("Target         20 s on the 24x7 calendar"),
        "{text}"
    );
    assert!(text.contains("Payroll <system> & \"sync\" down"), "{text}");
    let html = quoted_printable(&breached[0].part("text/html").expect("an HTML part"));
    assert!(html.contains("Payroll &lt;system&gt; &amp;"), "{html}");
    assert!(!html.contains("<system>"), "{html}");
    assert_eq!(
        breached[0].header("X-RcptTo").as_deref(),
        Some("contracts@council.example")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_survive_the_mail_server_down_and_the_daemon_killed() {
    let Some(python) = python_or_skip("alerts_survive_the_mail_server_down_and_the_daemon_killed")
    else {
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeServiceNow::start(SNOW_USER, SNOW_PASSWORD).await;
    let (listen, smtp) = (free_port(), free_port());
    let config = config(dir.path(), listen, smtp, &fake.url);
    // No mail server yet.
    let mut daemon = start_daemon(&config, listen, t0());
    let opened = (t0() - chrono::Duration::hours(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let body = serde_json::json!([{"type": "incident", "id": "KILL1", "contract": "acme", "priority": "P1", "opened_at": opened}]);
    let pushed = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{listen}/api/v1/records"))
        .bearer_auth(PUSH_TOKEN)
        .body(body.to_string())
        .send()
        .await
        .expect("push");
    assert!(pushed.status().is_success());
    // Wait until the breach is queued and a delivery attempt has failed.
    let store = open_store(dir.path()).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while store.outbox_counts().await.unwrap().failing == 0 {
        assert!(Instant::now() < deadline, "no failed delivery recorded");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    store.close().await;
    // Killed between queuing and sending.
    Command::new("kill")
        .args(["-KILL", &daemon.id().to_string()])
        .status()
        .unwrap();
    let _ = daemon.wait();

    let maildir = dir.path().join("mail");
    let sink = SmtpSink::start(&python, smtp, &maildir, Handler::Mailbox);
    // Restarted later than any retry the failed attempts scheduled (the
    // longest backoff is 5 minutes): the queued alerts are due at once.
    let daemon = start_daemon(&config, listen, t0() + chrono::Duration::minutes(10));
    let mails = wait_for(
        &sink,
        |m| subjects(m).iter().any(|s| s.contains("KILL1 breached")),
        Duration::from_secs(60),
    );
    assert!(!mails.is_empty(), "the queued breach never arrived");
    let store = open_store(dir.path()).await;
    wait_for_empty_outbox(&store, Duration::from_secs(60)).await;
    store.close().await;
    stop_daemon(daemon);
    // Stopped: every mail sent has arrived, and nothing more can come.
    let all = sink.messages();
    assert_each_alert_sent_once(dir.path(), &all).await;
    let breaches = subjects(&all)
        .iter()
        .filter(|s| s.contains("KILL1 breached"))
        .count();
    assert_eq!(breaches, 1, "{:?}", subjects(&all));
}
