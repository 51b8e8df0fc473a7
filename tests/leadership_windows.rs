//! The window between a leader losing its lock and noticing, end to end on
//! a real PostgreSQL lock and a real SMTP server (PostgreSQL only: on SQLite
//! one daemon runs).
//!
//! Leader A's lock session is ended from outside while A is in the middle of
//! sending (the relay takes 2 s over each message), and A has not noticed
//! yet (its heartbeat is set far apart here, as a leader paused or slow to
//! check is). Daemon B takes the lock at once. Two guards must then hold:
//! - A sends nothing more: before each message it confirms on the lock's
//!   own connection that it still leads, and that check fails at once;
//! - B does not send what A still has in hand: alerts queued before B's
//!   term wait out the takeover grace, by when A has recorded the message
//!   it was finishing.
//!
//! Without the first, A goes on delivering after its term; without the
//! second, the message A was finishing arrives twice.

mod smtp_sink;

use std::time::{Duration, Instant};

use slawatch::alerts::sender::{self, Sender, SenderSettings};
use slawatch::domain::WallClock;
use slawatch::leader::{self, LeaderSettings, Role};
use slawatch::store::outbox::{NewAlert, Severity};
use slawatch::store::{Backend, Store};
use smtp_sink::{Handler, SmtpSink, free_port, python_or_skip};
use tokio_util::sync::CancellationToken;

const ALERTS: usize = 4;

fn config(url: &str, smtp: u16, from: &str) -> slawatch::config::Config {
    let text = format!(
        r#"[daemon]
database_url = "{url}"

[email]
smtp_url = "smtp://127.0.0.1:{smtp}"
from = "{from}"

[[contracts]]
id = "acme"
supplier = "Acme Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "1000.00"
managers = ["contracts@council.example"]
"#
    );
    slawatch::config::parse(&text, "test.toml").expect("valid configuration")
}

fn alert(n: usize) -> NewAlert {
    NewAlert {
        dedup_key: format!("breached/acme/INC{n}"),
        kind: "breached".into(),
        severity: Severity::Critical,
        contract: Some("acme".into()),
        recipients: vec!["contracts@council.example".into()],
        subject: format!("INC{n} breached"),
        body_text: "Breached.".into(),
        body_html: "<p>Breached.</p>".into(),
        digest: false,
        attachments: Vec::new(),
    }
}

/// Ends the session holding the leader lock, as an administrator (or a
/// failing network) would; returns how many sessions were ended.
async fn end_lock_session(url: &str) -> i64 {
    use sqlx::Connection;
    let mut conn = sqlx::postgres::PgConnection::connect(url)
        .await
        .expect("connect to the test database");
    sqlx::query_scalar(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND objsubid = 1
            AND classid::bigint = ($1 >> 32) AND objid::bigint = ($1 & 4294967295)
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .bind(slawatch::store::leader::LEADER_LOCK_KEY)
    .fetch_one(&mut conn)
    .await
    .expect("end the lock's session")
}

async fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_deposed_leader_mid_send_delivers_nothing_more_and_its_successor_nothing_twice() {
    if !slawatch::store::testing::postgres_or_skip("a_deposed_leader_mid_send") {
        return;
    }
    let Some(python) = python_or_skip("a_deposed_leader_mid_send") else {
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let url = slawatch::store::testing::database_url(&dir.path().join("windows"));
    let smtp = free_port();
    let sink = SmtpSink::start(&python, smtp, &dir.path().join("mail"), Handler::Stalling);
    let store = Store::open(&url).await.expect("the store");
    for n in 1..=ALERTS {
        assert!(store.enqueue_alert(&alert(n), 0).await.unwrap());
    }
    let shutdown = CancellationToken::new();
    let settings = SenderSettings {
        poll_interval: Duration::from_millis(100),
        ..SenderSettings::default()
    };

    // A leads. Its heartbeat is a minute apart: it will not notice its
    // lock is gone while this test runs.
    let slow = LeaderSettings {
        retry: Duration::from_millis(100),
        heartbeat: Duration::from_secs(60),
        heartbeat_timeout: Duration::from_secs(2),
    };
    let (a, a_elector) = leader::establish(&url, Backend::Postgres, slow).unwrap();
    tokio::spawn(a_elector.run(shutdown.clone(), CancellationToken::new()));
    tokio::time::timeout(Duration::from_secs(10), a.acquired())
        .await
        .expect("A leads");
    let a_config = config(&url, smtp, "a@council.example");
    let a_sender = Sender::new(
        &a_config,
        store.clone(),
        a,
        settings.clone(),
        WallClock::system(),
    )
    .expect("A's sender");
    let a_round = tokio::spawn({
        let shutdown = shutdown.clone();
        async move { a_sender.deliver_due(&shutdown).await }
    });

    // A's first message is at the relay, which takes its time over it.
    wait_for(
        "A's first message at the relay",
        Duration::from_secs(10),
        || sink.arrivals() == 1,
    )
    .await;
    assert_eq!(end_lock_session(&url).await, 1);

    // B takes the lock and starts sending, as a daemon taking over does.
    let quick = LeaderSettings {
        retry: Duration::from_millis(100),
        heartbeat: Duration::from_secs(1),
        heartbeat_timeout: Duration::from_secs(2),
    };
    let (b, b_elector) = leader::establish(&url, Backend::Postgres, quick).unwrap();
    tokio::spawn(b_elector.run(shutdown.clone(), CancellationToken::new()));
    tokio::time::timeout(Duration::from_secs(10), b.acquired())
        .await
        .expect("B leads");
    assert!(matches!(b.role(), Role::Leader(_)));
    let b_config = config(&url, smtp, "b@council.example");
    tokio::spawn({
        let (store, shutdown) = (store.clone(), shutdown.clone());
        async move { sender::run(&b_config, store, b, settings, WallClock::system(), shutdown).await }
    });

    // A's round ends: it finished the message it had in hand, then found
    // it no longer leads.
    let round = a_round.await.unwrap().expect("A's round");
    assert_eq!(round.sent, 1, "A sent only the message it was finishing");

    // Everything is delivered in the end.
    let counts = || async { store.outbox_counts().await.unwrap() };
    let deadline = Instant::now() + Duration::from_secs(40);
    while counts().await.pending > 0 {
        assert!(Instant::now() < deadline, "alerts still waiting");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shutdown.cancel();

    let mails = sink.messages();
    let from = |m: &smtp_sink::Mail| m.header("From").unwrap_or_default();
    let from_a: Vec<_> = mails.iter().filter(|m| from(m).contains("a@")).collect();
    assert_eq!(
        from_a.len(),
        1,
        "A delivered after losing its lock: {:?}",
        from_a
            .iter()
            .map(|m| m.header("Subject"))
            .collect::<Vec<_>>()
    );
    let mut subjects: Vec<String> = mails.iter().filter_map(|m| m.header("Subject")).collect();
    subjects.sort();
    let mut expected: Vec<String> = (1..=ALERTS).map(|n| format!("INC{n} breached")).collect();
    expected.sort();
    assert_eq!(subjects, expected, "every alert once, none twice");
}
