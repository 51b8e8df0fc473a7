//! The alert sender against real parts on loopback: a SQLite store in a
//! temporary folder, the configuration parser, and aiosmtpd as the SMTP relay
//! (or `.eml` files without `[email]`). Each test runs the sender task as the
//! daemon does and stops it through its shutdown token.

mod common;
mod smtp_sink;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use slawatch::alerts::sender::{SenderSettings, run};
use slawatch::daemon::Deps;
use slawatch::store::Store;
use slawatch::store::outbox::{NewAlert, Severity};
use smtp_sink::{Handler, Mail, SmtpSink, free_port, python_or_skip};
use tempfile::TempDir;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const FROM: &str = "SLA Watch <slawatch@council.example>";

/// The SMTP password the tests configure, and the variable holding it.
const SMTP_PASSWORD: &str = "smtp-Pa55word-never-in-clear";
const SMTP_PASSWORD_ENV: &str = "SLAWATCH_TEST_SMTP_PASSWORD";

/// The OAuth client secret the XOAUTH2 tests configure, and its variable.
const OAUTH_SECRET: &str = "oauth-client-S3cret";
const OAUTH_SECRET_ENV: &str = "SLAWATCH_TEST_SMTP_OAUTH_SECRET";

/// Sets the test password once, before any sender reads the environment.
fn environment() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: done once, under `Once`, first thing in every test's set-up;
        // nothing else in this binary writes the environment.
        unsafe {
            std::env::set_var(SMTP_PASSWORD_ENV, SMTP_PASSWORD);
            std::env::set_var(OAUTH_SECRET_ENV, OAUTH_SECRET);
        };
    });
}

/// A temporary installation: folder, configuration, store.
struct Env {
    dir: TempDir,
    deps: Deps,
}

impl Env {
    /// With `[email]` on `smtp_port` when given, and `[alerts] digest_interval`.
    async fn new(smtp_port: Option<u16>, digest_interval: Option<&str>) -> Env {
        Env::with_email(smtp_port, "", digest_interval).await
    }

    /// As [`Env::new`], with more `[email]` keys.
    async fn with_email(
        smtp_port: Option<u16>,
        email_keys: &str,
        digest_interval: Option<&str>,
    ) -> Env {
        Env::with_contracts(smtp_port, email_keys, digest_interval, common::CONTRACT).await
    }

    /// As [`Env::with_email`], with these contracts instead of the usual ones.
    async fn with_contracts(
        smtp_port: Option<u16>,
        email_keys: &str,
        digest_interval: Option<&str>,
        contracts: &str,
    ) -> Env {
        environment();
        // The binary installs the rustls provider at start; tests do it here.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("slawatch=debug")
            .with_test_writer()
            .with_ansi(false)
            .try_init();
        let dir = tempfile::tempdir().expect("temporary folder");
        let data = dir.path().join("data");
        let mut text = format!(
            "[daemon]\ndatabase_url = \"{}\"\ndata_dir = \"{}\"\n",
            slawatch::store::testing::database_url(&data.join("slawatch.db")),
            data.display()
        );
        if let Some(port) = smtp_port {
            text += &format!(
                "[email]\nsmtp_url = \"smtp://127.0.0.1:{port}\"\nfrom = \"{FROM}\"\n{email_keys}\n"
            );
        }
        // Without an interval these tests send every alert on its own.
        match digest_interval {
            Some(interval) => text += &format!("[alerts]\ndigest_interval = \"{interval}\"\n"),
            None => text += "[alerts]\ndigest_at = \"off\"\n",
        }
        text += contracts;
        let config = slawatch::config::parse(&text, "test.toml").expect("valid configuration");
        let store = Store::open(&config.daemon.database_url)
            .await
            .expect("open the store");
        let deps = Deps::new(config, store).expect("daemon parts");
        Env { dir, deps }
    }

    fn store(&self) -> &Store {
        &self.deps.store
    }

    fn data_dir(&self) -> PathBuf {
        self.deps.config.daemon.data_dir.clone()
    }

    fn maildir(&self) -> PathBuf {
        self.dir.path().join("maildir")
    }

    async fn enqueue(&self, alert: &NewAlert) {
        let queued = self
            .store()
            .enqueue_alert(alert, now())
            .await
            .expect("queue an alert");
        assert!(queued, "{} was queued before", alert.dedup_key);
    }

    /// Starts the sender as the daemon does, with quick test pacing.
    fn start_sender(&self) -> Running {
        let settings = SenderSettings {
            poll_interval: Duration::from_millis(100),
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(2),
            smtp_timeout: Duration::from_secs(10),
            ..SenderSettings::default()
        };
        let shutdown = CancellationToken::new();
        let deps = self.deps.clone();
        let stop = shutdown.clone();
        let task = tokio::spawn(async move {
            run(
                &deps.config,
                deps.store.clone(),
                deps.leadership.clone(),
                settings,
                deps.clock.clone(),
                stop,
            )
            .await
        });
        Running { shutdown, task }
    }

    /// Waits (up to 15 s) until nothing is left to deliver.
    async fn wait_until_delivered(&self) {
        self.wait_for("the outbox to empty", |rows| {
            rows.iter().all(|r| r.sent_at.is_some())
        })
        .await;
    }

    /// Waits (up to 15 s) until `done` holds for the outbox rows.
    async fn wait_for(&self, what: &str, done: impl Fn(&[Row]) -> bool) -> Vec<Row> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let rows = self.rows().await;
            if done(&rows) {
                return rows;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {rows:#?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Every outbox row, straight from the database.
    async fn rows(&self) -> Vec<Row> {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.deps.config.daemon.database_url)
            .await
            .expect("open the store");
        let rows: Vec<RowTuple> = sqlx::query_as(
            "SELECT id, dedup_key, attempts, last_error, created_at, sent_at FROM outbox ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .expect("read the outbox");
        pool.close().await;
        rows.into_iter()
            .map(
                |(id, dedup_key, attempts, last_error, created_at, sent_at)| Row {
                    id,
                    dedup_key,
                    attempts,
                    last_error,
                    created_at,
                    sent_at,
                },
            )
            .collect()
    }
}

type RowTuple = (i64, String, i64, Option<String>, i64, Option<i64>);

/// One outbox row, as the tests look at it.
#[derive(Debug, Clone)]
struct Row {
    id: i64,
    dedup_key: String,
    attempts: i64,
    last_error: Option<String>,
    created_at: i64,
    sent_at: Option<i64>,
}

/// A sender task and its shutdown token.
struct Running {
    shutdown: CancellationToken,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Asks it to stop and waits (up to 15 s) for it to return cleanly.
    async fn stop(self) {
        assert!(!self.task.is_finished(), "the sender stopped on its own");
        self.shutdown.cancel();
        let result = tokio::time::timeout(Duration::from_secs(15), self.task)
            .await
            .expect("the sender stops promptly")
            .expect("the sender task did not panic");
        result.expect("the sender returns Ok");
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn alert(key: &str, subject: &str, recipients: &[&str], digest: bool) -> NewAlert {
    NewAlert {
        dedup_key: key.to_string(),
        kind: if digest { "at_risk" } else { "breached" }.to_string(),
        severity: if digest {
            Severity::Warning
        } else {
            Severity::Critical
        },
        contract: Some("acme-managed-it".to_string()),
        recipients: recipients.iter().map(|r| r.to_string()).collect(),
        subject: subject.to_string(),
        body_text: format!("Text body of {key}."),
        body_html: format!("<p>HTML body of <b>{key}</b>.</p>"),
        digest,
        attachments: Vec::new(),
    }
}

/// The message carrying exactly this dedup key.
fn by_key<'a>(mails: &'a [Mail], key: &str) -> &'a Mail {
    let found = copies(mails, key);
    assert_eq!(found.len(), 1, "one message for {key} in {mails:#?}");
    found[0]
}

/// Every message carrying exactly this dedup key, as received.
fn copies<'a>(mails: &'a [Mail], key: &str) -> Vec<&'a Mail> {
    mails
        .iter()
        .filter(|m| m.header("X-Slawatch-Alert").as_deref() == Some(key))
        .collect()
}

/// One more delivery round, as a restarted sender would run: it must find
/// nothing due (proof, without waiting, that nothing else will be sent).
async fn nothing_more_due(env: &Env) {
    let settings = SenderSettings {
        smtp_timeout: Duration::from_secs(10),
        ..SenderSettings::default()
    };
    let round = env
        .deps
        .sender(settings)
        .expect("a sender")
        .deliver_due(&CancellationToken::new())
        .await
        .expect("a delivery round");
    assert_eq!(
        (round.sent, round.failed),
        (0, 0),
        "a round found more to send"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_alerts_arrive_once_with_text_and_html_and_a_restart_sends_nothing_more() {
    let Some(python) = python_or_skip("queued_alerts_arrive_once…") else {
        return;
    };
    let port = free_port();
    let env = Env::new(Some(port), None).await;
    let sink = SmtpSink::start(&python, port, &env.maildir(), Handler::Mailbox);
    let one = alert(
        "breached/acme-managed-it/INC0001/p1-resolution",
        "Breached: INC0001 P1 resolution",
        &["contracts@council.example"],
        false,
    );
    let two = alert(
        "critical/acme-managed-it/p1-resolution/2026-03",
        "Critical: P1 resolution below 80%",
        &["contracts@council.example", "cio@council.example"],
        false,
    );
    env.enqueue(&one).await;
    env.enqueue(&two).await;

    let sender = env.start_sender();
    let rows = env
        .wait_for("both sent", |rows| {
            rows.len() == 2 && rows.iter().all(|r| r.sent_at.is_some())
        })
        .await;
    assert!(
        rows.iter()
            .all(|r| r.attempts == 1 && r.last_error.is_none())
    );
    // One message per recipient: the second alert went to two.
    let mails = sink.messages();
    assert_eq!(mails.len(), 3, "{mails:#?}");

    let first = by_key(&mails, &one.dedup_key);
    assert_eq!(first.header("Subject").unwrap(), one.subject);
    assert_eq!(
        first.header("X-RcptTo").unwrap(),
        "contracts@council.example"
    );
    let from = first.header("From").unwrap();
    assert!(
        from.contains("SLA Watch") && from.ends_with("<slawatch@council.example>"),
        "{from}"
    );
    assert_eq!(
        first.header("X-MailFrom").unwrap(),
        "slawatch@council.example"
    );
    // Out-of-office replies are held back both ways: RFC 3834's header, and
    // Exchange's own, which Exchange and Outlook honour instead.
    assert_eq!(
        first.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert_eq!(
        first.header("X-Auto-Response-Suppress").as_deref(),
        Some("All")
    );
    assert_eq!(
        first.header("Message-ID").unwrap(),
        format!(
            "<{}.breached-acme-managed-it-INC0001-p1-resolution@council.example>",
            rows[0].id
        )
    );
    assert!(
        first
            .header("Content-Type")
            .unwrap()
            .starts_with("multipart/alternative")
    );
    assert!(first.part("text/plain").unwrap().contains(&one.body_text));
    assert!(first.part("text/html").unwrap().contains(&one.body_html));

    let second = copies(&mails, &two.dedup_key);
    let mut envelopes: Vec<String> = second
        .iter()
        .map(|m| m.header("X-RcptTo").unwrap())
        .collect();
    envelopes.sort();
    assert_eq!(
        envelopes,
        ["cio@council.example", "contracts@council.example"]
    );
    for copy in &second {
        assert_eq!(copy.header("Subject").unwrap(), two.subject);
        assert_eq!(
            copy.header("To").unwrap(),
            "contracts@council.example, cio@council.example"
        );
        assert_eq!(
            copy.header("Message-ID").unwrap(),
            format!(
                "<{}.critical-acme-managed-it-p1-resolution-2026-03@council.example>",
                rows[1].id
            )
        );
        assert!(copy.part("text/plain").unwrap().contains(&two.body_text));
        assert!(copy.part("text/html").unwrap().contains(&two.body_html));
    }
    let counts = env.store().outbox_counts().await.unwrap();
    assert_eq!((counts.pending, counts.sent), (0, 2));
    sender.stop().await;

    // A restart finds nothing to send.
    nothing_more_due(&env).await;
    assert_eq!(sink.messages().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_wait_while_the_relay_is_down_and_arrive_once_when_it_is_back() {
    let Some(python) = python_or_skip("alerts_wait_while_the_relay_is_down…") else {
        return;
    };
    let port = free_port();
    let env = Env::new(Some(port), None).await;
    let keys = ["breached/acme/INC1/p1", "source_failing/servicenow"];
    for key in keys {
        env.enqueue(&alert(
            key,
            &format!("About {key}"),
            &["it@council.example"],
            false,
        ))
        .await;
    }

    let sender = env.start_sender();
    let rows = env
        .wait_for("failed attempts on every alert", |rows| {
            rows.iter().all(|r| r.attempts >= 1)
        })
        .await;
    for row in &rows {
        assert_eq!(row.sent_at, None);
        let error = row.last_error.as_deref().expect("the failure is recorded");
        assert!(error.contains("SMTP"), "{error}");
    }
    assert_eq!(env.store().outbox_counts().await.unwrap().failing, 2);

    // The relay comes up on the configured port: each alert arrives once.
    let sink = SmtpSink::start(&python, port, &env.maildir(), Handler::Mailbox);
    let rows = env
        .wait_for("every alert sent", |rows| {
            rows.iter().all(|r| r.sent_at.is_some())
        })
        .await;
    assert!(
        rows.iter()
            .all(|r| r.attempts >= 2 && r.last_error.is_none())
    );
    sender.stop().await;
    nothing_more_due(&env).await;
    let mails = sink.messages();
    assert_eq!(mails.len(), 2, "{mails:#?}");
    for key in keys {
        by_key(&mails, key);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_risk_warnings_arrive_as_one_digest_and_breaches_are_not_held() {
    let Some(python) = python_or_skip("at_risk_warnings_arrive_as_one_digest…") else {
        return;
    };
    let port = free_port();
    let env = Env::new(Some(port), Some("2s")).await;
    let sink = SmtpSink::start(&python, port, &env.maildir(), Handler::Mailbox);
    let to = ["contracts@council.example"];
    let warnings: Vec<NewAlert> = (1..=3)
        .map(|n| {
            alert(
                &format!("at_risk/acme/INC000{n}/p1"),
                &format!("At risk: INC000{n}"),
                &to,
                true,
            )
        })
        .collect();
    for w in &warnings {
        env.enqueue(w).await;
    }
    let breach = alert("breached/acme/INC0009/p1", "Breached: INC0009", &to, false);
    env.enqueue(&breach).await;

    let sender = env.start_sender();
    env.wait_until_delivered().await;
    sender.stop().await;
    nothing_more_due(&env).await;

    let rows = env.rows().await;
    let mails = sink.messages();
    assert_eq!(mails.len(), 2, "{mails:#?}");
    by_key(&mails, &breach.dedup_key);
    let digest = mails
        .iter()
        .find(|m| m.header("X-Slawatch-Alert").as_deref() != Some(&breach.dedup_key))
        .unwrap();
    let keys: Vec<&str> = warnings.iter().map(|w| w.dedup_key.as_str()).collect();
    assert_eq!(digest.header("X-Slawatch-Alert").unwrap(), keys.join(", "));
    // The three at-risk warnings of one contract, told in London time.
    let subject = digest.header("Subject").unwrap();
    assert!(
        subject.starts_with("[slawatch] acme-managed-it ")
            && subject.contains(" incident at risk digest: 3 alerts since ")
            && (subject.ends_with(" GMT") || subject.ends_with(" BST")),
        "{subject}"
    );
    assert_eq!(digest.header("X-RcptTo").unwrap(), to[0]);
    let text = digest.part("text/plain").unwrap();
    let html = digest.part("text/html").unwrap();
    for w in &warnings {
        assert!(
            text.contains(&w.subject) && text.contains(&w.body_text),
            "{text}"
        );
        assert!(
            html.contains(&w.subject) && html.contains(&w.body_html),
            "{html}"
        );
    }
    // The breach went at once; the digest waited out its window.
    let sent = |key: &str| {
        rows.iter()
            .find(|r| r.dedup_key == key)
            .unwrap()
            .sent_at
            .unwrap()
    };
    let opened = rows.iter().map(|r| r.created_at).min().unwrap();
    assert!(sent(keys[0]) >= opened + 2, "{rows:#?}");
    assert!(sent(&breach.dedup_key) < sent(keys[0]), "{rows:#?}");
    assert!(keys.iter().all(|k| sent(k) == sent(keys[0])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_recipient_does_not_hold_up_other_alerts() {
    let Some(python) = python_or_skip("a_refused_recipient_does_not_hold_up…") else {
        return;
    };
    let port = free_port();
    let env = Env::new(Some(port), None).await;
    let sink = SmtpSink::start(&python, port, &env.maildir(), Handler::Rejecting);
    let refused = alert(
        "breached/a/1/p1",
        "Refused",
        &["reject@council.example"],
        false,
    );
    let fine = alert("breached/a/2/p1", "Fine", &["ok@council.example"], false);
    env.enqueue(&refused).await;
    env.enqueue(&fine).await;

    let sender = env.start_sender();
    let rows = env
        .wait_for("the good alert sent and the refused one failed", |rows| {
            rows[0].attempts >= 1 && rows[1].sent_at.is_some()
        })
        .await;
    sender.stop().await;
    assert_eq!(rows[0].sent_at, None, "the refused alert stays queued");
    let error = rows[0].last_error.as_deref().unwrap();
    assert!(error.contains("550"), "{error}");
    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "{mails:#?}");
    by_key(&mails, &fine.dedup_key);
}

const DEAD: &str = "reject.deputy@council.example";
const ALIVE: &str = "contracts@council.example";

/// One outbox row's deliveries, recipient by recipient, as the tests look at
/// them: (recipient, delivered, permanent refusals, given up).
async fn recipient_rows(env: &Env, outbox_id: i64) -> Vec<(String, bool, i64, bool)> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&env.deps.config.daemon.database_url)
        .await
        .expect("open the store");
    let rows: Vec<(String, Option<i64>, i64, Option<i64>)> = sqlx::query_as(
        "SELECT recipient, delivered_at, refusals, given_up_at FROM outbox_recipients
          WHERE outbox_id = $1 ORDER BY recipient",
    )
    .bind(outbox_id)
    .fetch_all(&pool)
    .await
    .expect("read the outbox's recipients");
    pool.close().await;
    rows.into_iter()
        .map(|(r, delivered, refusals, given_up)| {
            (r, delivered.is_some(), refusals, given_up.is_some())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_mailbox_never_holds_up_the_other_managers_and_is_reported_once() {
    let Some(python) = python_or_skip("a_dead_mailbox_never_holds_up…") else {
        return;
    };
    let port = free_port();
    // acme-managed-it has two managers; the relay refuses the deputy for good.
    let contracts = common::CONTRACT.replacen(
        &format!("managers = [\"{ALIVE}\"]"),
        &format!("managers = [\"{ALIVE}\", \"{DEAD}\"]"),
        1,
    );
    let env = Env::with_contracts(Some(port), "", None, &contracts).await;
    let sink = SmtpSink::start(&python, port, &env.maildir(), Handler::Rejecting);
    let first = alert(
        "breached/acme-managed-it/INC0001/p1-resolution",
        "Breached: INC0001",
        &[ALIVE, DEAD],
        false,
    );
    env.enqueue(&first).await;

    // The other manager has it from the first attempt.
    let sender = env.start_sender();
    let deadline = Instant::now() + Duration::from_secs(15);
    while copies(&sink.messages(), &first.dedup_key).is_empty() {
        assert!(
            Instant::now() < deadline,
            "{ALIVE} never received the alert: {:#?}",
            env.rows().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(env.rows().await[0].attempts <= 1, "{:#?}", env.rows().await);

    // The dead mailbox is tried three times (the backoff cap apart), then
    // given up on, and the other manager is told once.
    let rows = env
        .wait_for("the alert settled and the notice sent", |rows| {
            rows.len() == 2 && rows.iter().all(|r| r.sent_at.is_some())
        })
        .await;
    let (alert_row, notice_row) = (&rows[0], &rows[1]);
    assert_eq!(alert_row.attempts, 3, "{rows:#?}");
    let note = alert_row.last_error.as_deref().unwrap_or_default();
    assert!(note.contains(DEAD) && note.contains("550"), "{note}");
    assert_eq!(
        recipient_rows(&env, alert_row.id).await,
        [
            (ALIVE.to_string(), true, 0, false),
            (DEAD.to_string(), false, 3, true)
        ]
    );
    assert_eq!(
        notice_row.dedup_key,
        format!("recipient_refused/acme-managed-it/{DEAD}/{}", alert_row.id)
    );

    let mails = sink.messages();
    assert_eq!(mails.len(), 2, "{mails:#?}");
    let delivered = by_key(&mails, &first.dedup_key);
    assert_eq!(delivered.header("X-RcptTo").unwrap(), ALIVE);
    assert_eq!(delivered.header("To").unwrap(), format!("{ALIVE}, {DEAD}"));
    let notice = by_key(&mails, &notice_row.dedup_key);
    assert_eq!(notice.header("X-RcptTo").unwrap(), ALIVE);
    assert_eq!(
        notice.header("Subject").unwrap(),
        format!(
            "[slawatch] acme-managed-it recipient refused: Alerts to {DEAD} are refused by the mail server"
        )
    );
    // Quoted-printable: soft line breaks undone.
    let text = notice.part("text/plain").unwrap().replace("=\n", "");
    assert!(
        text.contains(&format!(
            "Refused with         the SMTP relay 127.0.0.1:{port} refused the message: 550 \
             5.1.1 <{DEAD}>: mailbox unavailable\n"
        )),
        "{text}"
    );
    assert!(
        text.contains("Alert not delivered  Breached: INC0001\n"),
        "{text}"
    );

    // A later alert still reaches the other manager at once; the dead
    // mailbox is tried once and given up on without a second notice.
    let second = alert(
        "breached/acme-managed-it/INC0002/p1-resolution",
        "Breached: INC0002",
        &[ALIVE, DEAD],
        false,
    );
    env.enqueue(&second).await;
    let rows = env
        .wait_for("the second alert settled", |rows| {
            rows.len() == 3 && rows[2].sent_at.is_some()
        })
        .await;
    sender.stop().await;
    assert_eq!(rows.len(), 3, "no second notice: {rows:#?}");
    assert_eq!(rows[2].attempts, 1, "{rows:#?}");
    assert_eq!(
        recipient_rows(&env, rows[2].id).await,
        [
            (ALIVE.to_string(), true, 0, false),
            (DEAD.to_string(), false, 1, true)
        ]
    );
    nothing_more_due(&env).await;
    let mails = sink.messages();
    assert_eq!(mails.len(), 3, "{mails:#?}");
    assert_eq!(
        by_key(&mails, &second.dedup_key)
            .header("X-RcptTo")
            .unwrap(),
        ALIVE
    );

    // Counted once, for its contract.
    let now = chrono::Utc::now();
    env.deps
        .metrics
        .publish(&env.deps.config, env.store(), now)
        .await;
    let text = env
        .deps
        .metrics
        .render(&env.deps.config, env.store(), true, now)
        .await;
    assert!(
        text.contains("slawatch_alert_recipients_refused_total{contract=\"acme-managed-it\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("slawatch_alert_recipients_refused_total{contract=\"beta-hosting\"} 0\n"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_password_variable_keeps_alerts_queued_and_says_which() {
    // No server is needed: the password is read before connecting.
    let keys = "username = \"slawatch\"\npassword_env = \"SLAWATCH_TEST_UNSET_PASSWORD\"";
    let env = Env::with_email(Some(free_port()), keys, None).await;
    env.enqueue(&alert(
        "breached/a/1/p1",
        "Breached",
        &["a@council.example"],
        false,
    ))
    .await;
    let sender = env.start_sender();
    let rows = env
        .wait_for("a failed attempt", |rows| rows[0].attempts >= 1)
        .await;
    sender.stop().await;
    assert_eq!(rows[0].sent_at, None);
    let error = rows[0].last_error.as_deref().unwrap();
    assert!(error.contains("SLAWATCH_TEST_UNSET_PASSWORD"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_credentials_a_relay_without_starttls_gets_no_password_and_the_alert_waits() {
    let Some(python) = python_or_skip("with_credentials_a_relay_without_starttls…") else {
        return;
    };
    let port = free_port();
    let keys = format!("username = \"slawatch\"\npassword_env = \"{SMTP_PASSWORD_ENV}\"");
    let env = Env::with_email(Some(port), &keys, None).await;
    // No STARTTLS, yet AUTH offered in clear: what a relay looks like when
    // someone on the way strips the STARTTLS offer.
    let sink = SmtpSink::start(&python, port, &env.maildir(), Handler::PlainAuth);
    env.enqueue(&alert(
        "breached/acme/INC1/p1",
        "Breached: INC1",
        &["contracts@council.example"],
        false,
    ))
    .await;

    let sender = env.start_sender();
    let rows = env
        .wait_for("two attempts", |rows| {
            rows[0].attempts >= 2 || rows[0].sent_at.is_some()
        })
        .await;
    sender.stop().await;
    assert_eq!(sink.auth_received(), Vec::<String>::new());
    assert_eq!(rows[0].sent_at, None, "the alert stays queued");
    let error = rows[0].last_error.as_deref().unwrap();
    assert!(
        error.contains("TLS is required") && error.contains("does not offer STARTTLS"),
        "{error}"
    );
    assert!(!error.contains(SMTP_PASSWORD), "{error}");
    assert_eq!(sink.messages().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_credentials_a_relay_without_starttls_still_gets_the_alert() {
    let Some(python) = python_or_skip("without_credentials_a_relay_without_starttls…") else {
        return;
    };
    let port = free_port();
    let env = Env::new(Some(port), None).await;
    let sink = SmtpSink::start(&python, port, &env.maildir(), Handler::PlainAuth);
    let one = alert(
        "breached/acme/INC1/p1",
        "Breached: INC1",
        &["contracts@council.example"],
        false,
    );
    env.enqueue(&one).await;

    let sender = env.start_sender();
    let rows = env
        .wait_for("the alert sent", |rows| rows[0].sent_at.is_some())
        .await;
    sender.stop().await;
    assert_eq!((rows[0].attempts, rows[0].last_error.as_deref()), (1, None));
    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert_eq!(
        by_key(&mails, &one.dedup_key).header("Subject").unwrap(),
        one.subject
    );
    assert_eq!(sink.auth_received(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_email_each_alert_is_written_once_as_an_eml_file() {
    let env = Env::new(None, None).await;
    let alerts = [
        alert(
            "breached/acme/INC1/p1",
            "Breached: INC1",
            &["a@council.example"],
            false,
        ),
        alert(
            "at_risk/acme/INC2/p1",
            "At risk: INC2",
            &["a@council.example"],
            true,
        ),
    ];
    for a in &alerts {
        env.enqueue(a).await;
    }
    let sender = env.start_sender();
    env.wait_until_delivered().await;
    sender.stop().await;

    let outbox = env.data_dir().join("outbox");
    let files = eml_files(&outbox);
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["1-breached.eml", "2-at_risk.eml"]);
    for (file, a) in files.iter().zip(&alerts) {
        let mail = Mail::new(std::fs::read_to_string(file).unwrap());
        assert_eq!(mail.header("Subject").unwrap(), a.subject);
        assert_eq!(mail.header("To").unwrap(), "a@council.example");
        assert_eq!(mail.header("X-Slawatch-Alert").unwrap(), a.dedup_key);
        assert!(mail.header("Message-ID").is_some());
        assert!(mail.part("text/plain").unwrap().contains(&a.body_text));
        assert!(mail.part("text/html").unwrap().contains(&a.body_html));
    }
    let modified: Vec<_> = files
        .iter()
        .map(|f| f.metadata().unwrap().modified().unwrap())
        .collect();

    // A second run writes nothing.
    nothing_more_due(&env).await;
    assert_eq!(eml_files(&outbox), files);
    let after: Vec<_> = files
        .iter()
        .map(|f| f.metadata().unwrap().modified().unwrap())
        .collect();
    assert_eq!(after, modified);
    let entries = std::fs::read_dir(&outbox).unwrap().count();
    assert_eq!(entries, 2, "no temporary files are left behind");
}

/// The `.eml` files in `dir`, by name.
fn eml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the outbox folder exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_digest_alert_is_sent_past_a_long_queue_of_alerts_not_yet_due() {
    // With a one-hour window, 150 warnings queued just now for one manager
    // are not due; one warning for another manager queued two hours ago is.
    // A round reads at most 100 alerts of each sort (the default batch).
    let env = Env::new(None, Some("1h")).await;
    let t = now();
    for n in 1..=150 {
        let waiting = alert(
            &format!("at_risk/acme/INC{n:04}/p1"),
            &format!("At risk: INC{n:04}"),
            &["contracts@council.example"],
            true,
        );
        assert!(env.store().enqueue_alert(&waiting, t).await.unwrap());
    }
    let due = alert(
        "at_risk/beta/INC9999/p1",
        "At risk: INC9999",
        &["it@council.example"],
        true,
    );
    assert!(env.store().enqueue_alert(&due, t - 7_200).await.unwrap());

    let round = env
        .deps
        .sender(SenderSettings::default())
        .expect("a sender")
        .deliver_due(&CancellationToken::new())
        .await
        .expect("a delivery round");
    assert_eq!((round.sent, round.failed), (1, 0));
    let files = eml_files(&env.data_dir().join("outbox"));
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with("151-at_risk.eml"), "{files:?}");
    let mail = Mail::new(std::fs::read_to_string(&files[0]).unwrap());
    assert_eq!(mail.header("Subject").unwrap(), "At risk: INC9999");
    assert_eq!(mail.header("To").unwrap(), "it@council.example");
    let counts = env.store().outbox_counts().await.unwrap();
    assert_eq!((counts.pending, counts.sent), (150, 1));
}

/// A token endpoint on loopback speaking the OAuth 2.0 client-credentials
/// grant as Entra ID does (`POST` of a form, JSON answer): it issues
/// `tok-1`, `tok-2`, … each lasting `expires_in` seconds, and keeps every
/// request's form.
struct TokenEndpoint {
    url: String,
    requests: std::sync::Arc<std::sync::Mutex<Vec<std::collections::HashMap<String, String>>>>,
    task: JoinHandle<()>,
}

impl TokenEndpoint {
    async fn start(expires_in: u64) -> TokenEndpoint {
        use axum::routing::post;
        use std::collections::HashMap;
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = requests.clone();
        let app = axum::Router::new().route(
            "/tenant-id/oauth2/v2.0/token",
            post(
                move |axum::Form(form): axum::Form<HashMap<String, String>>| {
                    let seen = seen.clone();
                    async move {
                        let n = {
                            let mut seen = seen.lock().expect("requests");
                            seen.push(form);
                            seen.len()
                        };
                        axum::Json(serde_json::json!({
                            "token_type": "Bearer",
                            "expires_in": expires_in,
                            "ext_expires_in": expires_in,
                            "access_token": format!("tok-{n}"),
                        }))
                    }
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the token endpoint");
        let port = listener.local_addr().expect("its port").port();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve tokens");
        });
        TokenEndpoint {
            url: format!("http://127.0.0.1:{port}/tenant-id/oauth2/v2.0/token"),
            requests,
            task,
        }
    }

    fn requests(&self) -> Vec<std::collections::HashMap<String, String>> {
        self.requests.lock().expect("requests").clone()
    }
}

impl Drop for TokenEndpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The `[email]` keys for XOAUTH2 against `endpoint`, trusting `ca`.
fn xoauth2_keys(endpoint: &TokenEndpoint, ca: &Path) -> String {
    format!(
        "username = \"alerts@council.example\"\nauth = \"xoauth2\"\n\
         oauth_token_url = \"{}\"\noauth_client_id = \"slawatch-app-id\"\n\
         oauth_client_secret_env = \"{OAUTH_SECRET_ENV}\"\nca_file = \"{}\"",
        endpoint.url,
        ca.display()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_with_a_certificate_from_the_councils_own_ca_is_trusted_through_ca_file() {
    let Some(python) = python_or_skip("a_relay_with_a_certificate_from_the_councils_own_ca…")
    else {
        return;
    };
    let certs = tempfile::tempdir().expect("a folder for certificates");
    let ca = smtp_sink::test_ca::make(certs.path());
    let port = free_port();
    // The same relay, first without the council's CA, then with it.
    let without = Env::new(Some(port), None).await;
    let with = Env::with_email(
        Some(port),
        &format!("ca_file = \"{}\"", ca.ca_cert.display()),
        None,
    )
    .await;
    let sink = SmtpSink::start_tls(
        &python,
        port,
        &with.maildir(),
        &ca.relay_cert,
        &ca.relay_key,
        "open",
    );
    let one = alert(
        "breached/acme/INC1/p1",
        "Breached: INC1",
        &["contracts@council.example"],
        false,
    );

    without.enqueue(&one).await;
    let sender = without.start_sender();
    let rows = without
        .wait_for("a failed attempt", |rows| rows[0].attempts >= 1)
        .await;
    sender.stop().await;
    assert_eq!(rows[0].sent_at, None, "an unknown CA is not trusted");
    let error = rows[0].last_error.as_deref().unwrap();
    assert!(error.contains("certificate"), "{error}");
    assert_eq!(sink.messages().len(), 0);

    with.enqueue(&one).await;
    let sender = with.start_sender();
    let rows = with
        .wait_for("the alert sent", |rows| rows[0].sent_at.is_some())
        .await;
    sender.stop().await;
    assert_eq!((rows[0].attempts, rows[0].last_error.as_deref()), (1, None));
    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert_eq!(
        by_key(&mails, &one.dedup_key).header("Subject").unwrap(),
        one.subject
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xoauth2_sends_a_client_credentials_token_and_fetches_a_new_one_before_it_expires() {
    let Some(python) = python_or_skip("xoauth2_sends_a_client_credentials_token…") else {
        return;
    };
    let certs = tempfile::tempdir().expect("a folder for certificates");
    let ca = smtp_sink::test_ca::make(certs.path());
    // Tokens lasting 2 s are renewed once half their life is gone:
    // 2 s − min(5 min, 2 s / 2) = 1 s after they were fetched.
    let endpoint = TokenEndpoint::start(2).await;
    let port = free_port();
    let env = Env::with_email(Some(port), &xoauth2_keys(&endpoint, &ca.ca_cert), None).await;
    let sink = SmtpSink::start_tls(
        &python,
        port,
        &env.maildir(),
        &ca.relay_cert,
        &ca.relay_key,
        "xoauth2",
    );
    let one = alert(
        "breached/acme/INC1/p1",
        "Breached: INC1",
        &["contracts@council.example"],
        false,
    );
    env.enqueue(&one).await;
    let sender = env.start_sender();
    env.wait_for("the first alert sent", |rows| rows[0].sent_at.is_some())
        .await;
    // Past the renewal point of the first token (1 s), well short of the
    // relay's patience: the second alert needs a second token.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let two = alert(
        "breached/acme/INC2/p1",
        "Breached: INC2",
        &["contracts@council.example"],
        false,
    );
    env.enqueue(&two).await;
    let rows = env
        .wait_for("both alerts sent", |rows| {
            rows.len() == 2 && rows.iter().all(|r| r.sent_at.is_some())
        })
        .await;
    sender.stop().await;
    assert!(rows.iter().all(|r| r.attempts == 1), "{rows:#?}");

    let requests = endpoint.requests();
    assert_eq!(requests.len(), 2, "one token per alert: {requests:#?}");
    for form in &requests {
        assert_eq!(form["grant_type"], "client_credentials");
        assert_eq!(form["client_id"], "slawatch-app-id");
        assert_eq!(form["client_secret"], OAUTH_SECRET);
        assert_eq!(form["scope"], "https://outlook.office365.com/.default");
    }
    assert_eq!(
        sink.auth_received(),
        [
            "XOAUTH2 user=alerts@council.example token=tok-1",
            "XOAUTH2 user=alerts@council.example token=tok-2",
        ]
    );
    let mails = sink.messages();
    assert_eq!(mails.len(), 2, "{mails:#?}");
    by_key(&mails, &one.dedup_key);
    by_key(&mails, &two.dedup_key);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchange_refusing_the_tenants_authentication_holds_every_alert_and_refuses_no_recipient() {
    let Some(python) = python_or_skip("exchange_refusing_the_tenants_authentication…") else {
        return;
    };
    let certs = tempfile::tempdir().expect("a folder for certificates");
    let ca = smtp_sink::test_ca::make(certs.path());
    let endpoint = TokenEndpoint::start(3600).await;
    let port = free_port();
    let env = Env::with_email(Some(port), &xoauth2_keys(&endpoint, &ca.ca_cert), None).await;
    // Authentication is accepted, then every MAIL FROM gets Exchange
    // Online's `550 5.7.30`: a tenant setting, not one recipient.
    let sink = SmtpSink::start_tls(
        &python,
        port,
        &env.maildir(),
        &ca.relay_cert,
        &ca.relay_key,
        "basic-off",
    );
    let one = alert("breached/acme/INC1/p1", "Breached: INC1", &[ALIVE], false);
    env.enqueue(&one).await;
    let sender = env.start_sender();
    // A recipient refused for good is given up on at its third refusal
    // (REFUSALS_BEFORE_GIVING_UP); four rounds are past that.
    let rows = env
        .wait_for("four attempts", |rows| rows[0].attempts >= 4)
        .await;
    sender.stop().await;
    assert_eq!(rows.len(), 1, "no recipient_refused notice: {rows:#?}");
    assert_eq!(rows[0].sent_at, None, "the alert waits for the relay");
    let error = rows[0].last_error.as_deref().unwrap();
    assert!(error.contains("5.7.30"), "{error}");
    for (recipient, delivered, refusals, given_up) in recipient_rows(&env, rows[0].id).await {
        assert_eq!(
            (delivered, refusals, given_up),
            (false, 0, false),
            "{recipient} is not refused: the relay is"
        );
    }
    // A refused authentication drops the token: each round asks anew.
    assert!(endpoint.requests().len() >= 4, "{:#?}", endpoint.requests());
    assert_eq!(sink.messages().len(), 0);
}

/// The error recorded for one alert sent to a relay on `port`, after its
/// first failed attempt.
async fn first_failure(port: u16) -> String {
    let env = Env::new(Some(port), None).await;
    env.enqueue(&alert(
        "breached/acme/INC1/p1",
        "Breached: INC1",
        &["it@council.example"],
        false,
    ))
    .await;
    let sender = env.start_sender();
    let rows = env
        .wait_for("a failed attempt", |rows| rows[0].attempts >= 1)
        .await;
    sender.stop().await;
    assert_eq!(rows[0].sent_at, None);
    rows[0].last_error.clone().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_refusing_the_connection_is_named_once_with_the_cause() {
    // Nothing listens there: the kernel refuses the connection.
    let port = free_port();
    assert_eq!(
        first_failure(port).await,
        format!(
            "not delivered to it@council.example: could not connect to the SMTP relay \
             127.0.0.1:{port}: connection refused"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_closing_the_connection_unanswered_is_named_once_with_the_cause() {
    // Accepts each connection and closes it before any greeting.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("its address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            drop(stream);
        }
    });
    assert_eq!(
        first_failure(port).await,
        format!(
            "not delivered to it@council.example: the SMTP relay 127.0.0.1:{port} closed the \
             connection without answering"
        )
    );
}
