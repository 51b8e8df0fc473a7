//! Crash safety under repetition: the real daemon is SIGKILLed at random
//! moments, again and again, while files arrive in its inbox, pushes hit its
//! webhook and alerts go to a real SMTP server. Afterwards every record is
//! stored exactly once, every inbox file taken once, and every alert
//! delivered at least once; a duplicate can only come from the one window
//! docs/book/src/operators/email.md documents (the relay accepted a message, the daemon
//! died
//! before recording it), and is then the same message: same `Message-ID`.

mod common;
mod smtp_sink;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use rand::{RngExt as _, SeedableRng};
use smtp_sink::{Handler, SmtpSink, free_port, python_or_skip};

const PUSH_TOKEN: &str = "crash-push-token";
/// Kills at least this many times.
const KILLS: usize = 20;

fn t0() -> DateTime<Utc> {
    "2026-10-14T10:00:00Z".parse().expect("an RFC 3339 instant")
}

fn config(dir: &Path, listen: u16, smtp: u16) -> std::path::PathBuf {
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

  [[contracts.service_levels]]
  id = "p1-fix"
  name = "P1 fixed within 20 seconds"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "20s"
  target_percent = 50.0

[[sources]]
id = "acme-push"
contract = "acme"
kind = "webhook"
token_env = "CRASH_PUSH_TOKEN"

[[sources]]
id = "acme-pack"
contract = "acme"
kind = "inbox"
path = "{inbox}"
"#,
        db = slawatch::store::testing::database_url(&dir.join("s.db")),
        data = dir.join("data").display(),
        inbox = dir.join("inbox").display(),
    );
    let path = dir.join("slawatch.toml");
    std::fs::write(&path, text).expect("config");
    path
}

fn start_daemon(config: &Path, listen: u16) -> Child {
    common::start_daemon(config, listen, t0(), &[("CRASH_PUSH_TOKEN", PUSH_TOKEN)])
}

fn signal(daemon: &Child, signal: &str) {
    Command::new("kill")
        .args([signal, &daemon.id().to_string()])
        .status()
        .expect("kill");
}

/// An open P1 incident, opened an hour before the daemons' now: breached.
fn incident(id: &str) -> serde_json::Value {
    let opened = (t0() - chrono::Duration::hours(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    serde_json::json!({"type": "incident", "id": id, "contract": "acme", "priority": "P1", "opened_at": opened})
}

/// Whether `mail` is the breach alert of incident `id`.
fn is_breach_of(mail: &smtp_sink::Mail, id: &str) -> bool {
    mail.header("Subject")
        .is_some_and(|s| s.contains(&format!("{id} breached")))
}

/// Pushes a batch; `true` once the daemon answered that it stored it.
fn push(listen: u16, batch: &[serde_json::Value]) -> bool {
    reqwest::blocking::Client::new()
        .post(format!("http://127.0.0.1:{listen}/api/v1/records"))
        .bearer_auth(PUSH_TOKEN)
        .timeout(Duration::from_secs(5))
        .json(batch)
        .send()
        .is_ok_and(|r| r.status().is_success())
}

/// Drops a CSV of `ids` into the inbox the way a writer should: under a
/// `.part` name, renamed when complete.
fn drop_file(inbox: &Path, name: &str, ids: &[String]) {
    let opened = (t0() - chrono::Duration::hours(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut text = String::from("id,contract,priority,opened_at\n");
    for id in ids {
        text += &format!("{id},acme,P1,{opened}\n");
    }
    let part = inbox.join(format!("{name}.part"));
    std::fs::write(&part, text).expect("write the file");
    std::fs::rename(&part, inbox.join(name)).expect("rename it complete");
}

#[test]
fn sigkilled_at_random_moments_nothing_is_lost_and_nothing_stored_twice() {
    let Some(python) = python_or_skip("sigkilled_at_random_moments") else {
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (listen, smtp) = (free_port(), free_port());
    let config = config(dir.path(), listen, smtp);
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let sink = SmtpSink::start(&python, smtp, &dir.path().join("mail"), Handler::Mailbox);
    let seed = 20_261_205;
    let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(seed);

    let mut expected: Vec<String> = Vec::new();
    // Batches not yet answered: a client pushes them again, as any would.
    let mut unanswered: Vec<Vec<serde_json::Value>> = Vec::new();
    for round in 0..KILLS {
        let daemon = start_daemon(&config, listen);
        let batch: Vec<serde_json::Value> = (0..3)
            .map(|n| {
                let id = format!("PUSH{round}-{n}");
                expected.push(id.clone());
                incident(&id)
            })
            .collect();
        unanswered.push(batch);
        let files: Vec<String> = (0..2).map(|n| format!("FILE{round}-{n}")).collect();
        expected.extend(files.iter().cloned());
        drop_file(&inbox, &format!("pack-{round}.csv"), &files);
        // Killed anywhere from mid-push to after a scan took the file
        // (scans are 5 s apart) and alerts went out.
        let kill_after = Duration::from_millis(random.random_range(0..7_000));
        let started = Instant::now();
        unanswered.retain(|batch| !push(listen, batch));
        std::thread::sleep(kill_after.saturating_sub(started.elapsed()));
        signal(&daemon, "-KILL");
        let mut daemon = daemon;
        let _ = daemon.wait();
    }

    // Started once more and left to finish: every push answered, every
    // file taken, every alert sent.
    let daemon = start_daemon(&config, listen);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !unanswered.is_empty() {
        assert!(Instant::now() < deadline, "pushes never answered");
        unanswered.retain(|batch| !push(listen, batch));
    }
    let store = runtime
        .block_on(slawatch::store::Store::open(
            &slawatch::store::testing::database_url(&dir.path().join("s.db")),
        ))
        .expect("the daemon's store");
    let left = |inbox: &Path| {
        std::fs::read_dir(inbox)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let counts = runtime
            .block_on(store.outbox_counts())
            .expect("outbox counts");
        // Detection queues a breach just after its file is taken, so an
        // empty outbox alone is not the end: every breach must have arrived.
        let mails = sink.messages();
        let unalerted: Vec<&String> = expected
            .iter()
            .filter(|id| !mails.iter().any(|m| is_breach_of(m, id)))
            .collect();
        if left(&inbox) == 0 && counts.pending == 0 && unalerted.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not finished: {} files in the inbox, {counts:?}, no breach alert yet for {unalerted:?}",
            left(&inbox)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    signal(&daemon, "-TERM");
    let mut daemon = daemon;
    let _ = daemon.wait();

    // Every record stored, once (an id is stored once or not at all, so
    // the count says none is missing and none is extra).
    let evidence = runtime
        .block_on(store.month_evidence(
            "acme",
            "2026-10".parse().unwrap(),
            chrono_tz::Europe::London,
            t0(),
            None,
        ))
        .expect("evidence");
    let mut stored: Vec<String> = evidence.incidents.iter().map(|i| i.id.clone()).collect();
    stored.sort();
    expected.sort();
    assert_eq!(stored, expected);
    // Every file moved to processed/ under its own name: taken once.
    let processed = std::fs::read_dir(inbox.join("processed")).unwrap().count();
    assert_eq!(processed, KILLS);

    // Every alert delivered at least once; any duplicate is the same
    // message again (same Message-ID), from a kill between the relay's
    // acceptance and the store's record of it, so at most one a kill.
    let counts = runtime
        .block_on(store.outbox_counts())
        .expect("outbox counts");
    runtime.block_on(store.close());
    let mails = sink.messages();
    let mut by_alert: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for mail in &mails {
        let key = mail.header("X-Slawatch-Alert").expect("an alert header");
        let id = mail.header("Message-ID").expect("a Message-ID");
        by_alert.entry(key).or_default().push(id);
    }
    assert_eq!(
        by_alert.len() as i64,
        counts.sent,
        "alerts received against alerts the store says were sent"
    );
    let duplicates = mails.len() - by_alert.len();
    for ids in by_alert.values() {
        assert!(ids.iter().all(|id| id == &ids[0]), "{ids:?}");
    }
    assert!(
        duplicates <= KILLS,
        "{duplicates} duplicates in {KILLS} kills"
    );
    // Every incident breached: each has its alert.
    for id in &expected {
        assert!(
            mails.iter().any(|m| is_breach_of(m, id)),
            "no breach alert for {id}"
        );
    }
    eprintln!(
        "{KILLS} kills (seed {seed}): {} records, {} files, {} alerts, {duplicates} delivered twice",
        expected.len(),
        processed,
        by_alert.len()
    );
}

/// The one window a duplicate can come from, made to happen: the relay has
/// the message (it stored it) but has not answered yet when the daemon is
/// killed. The daemon started again sends it again, and it is the same
/// message: the same `Message-ID`, so the recipient's mail program shows
/// it once.
#[test]
fn killed_after_the_relay_took_a_message_the_same_message_id_is_sent_again() {
    let Some(python) = python_or_skip("killed_after_the_relay_took_a_message") else {
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let (listen, smtp) = (free_port(), free_port());
    let config = config(dir.path(), listen, smtp);
    let sink = SmtpSink::start(
        &python,
        smtp,
        &dir.path().join("mail"),
        Handler::SlowAcknowledge,
    );
    let mut daemon = start_daemon(&config, listen);
    assert!(push(listen, &[incident("ONCE1")]));
    // The relay stores the breach alert and keeps the daemon waiting.
    let deadline = Instant::now() + Duration::from_secs(20);
    while sink.messages().is_empty() {
        assert!(Instant::now() < deadline, "no message reached the relay");
        std::thread::sleep(Duration::from_millis(50));
    }
    signal(&daemon, "-KILL");
    let _ = daemon.wait();

    // The one the relay took before the kill (other alerts may follow it).
    let first = sink.messages().remove(0);
    let key = first.header("X-Slawatch-Alert").expect("an alert header");
    let copies = |sink: &SmtpSink| -> Vec<smtp_sink::Mail> {
        sink.messages()
            .into_iter()
            .filter(|m| m.header("X-Slawatch-Alert").as_ref() == Some(&key))
            .collect()
    };

    let daemon = start_daemon(&config, listen);
    let deadline = Instant::now() + Duration::from_secs(30);
    while copies(&sink).len() < 2 {
        assert!(Instant::now() < deadline, "the alert was not sent again");
        std::thread::sleep(Duration::from_millis(50));
    }
    signal(&daemon, "-TERM");
    let mut daemon = daemon;
    let _ = daemon.wait();
    let mails = copies(&sink);
    assert_eq!(mails.len(), 2, "sent once before the kill, once after");
    let header = |m: &smtp_sink::Mail, name: &str| m.header(name).expect(name);
    assert_eq!(
        header(&mails[0], "Message-ID"),
        header(&mails[1], "Message-ID")
    );
    // Which alert the relay held (the breach, or a warning queued just
    // before it) does not matter: whichever it was came again unchanged.
    assert_eq!(header(&mails[0], "Subject"), header(&mails[1], "Subject"));
}
