//! Leadership and failover with the real binary. On SQLite the one daemon
//! leads and a second on the same file refuses to start. On PostgreSQL (when
//! `SLAWATCH_TEST_POSTGRES` holds an admin URL) two daemons share a fresh
//! database and a real SMTP server: alerts flow, the leader is killed with
//! SIGKILL while it is retrying deliveries, the standby takes over within
//! 15 s, and every alert reaches the mail server exactly once.

mod smtp_sink;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use smtp_sink::{Handler, SmtpSink, free_port, python_or_skip};

const PUSH_TOKEN: &str = "failover-test-push-token";
/// The viewer token `/metrics` is read with (its SHA-256 is in the configuration).
const SCRAPE_TOKEN: &str = "failover-test-scrape-token";

fn config(dir: &Path, name: &str, database_url: &str, listen: u16, smtp: Option<u16>) -> PathBuf {
    let email = smtp.map_or(String::new(), |port| {
        format!(
            "[email]\nsmtp_url = \"smtp://127.0.0.1:{port}\"\nfrom = \"SLA Watch <slawatch@council.example>\"\n"
        )
    });
    let text = format!(
        r#"
[daemon]
database_url = "{database_url}"
data_dir = "{data}"
listen = "127.0.0.1:{listen}"

{email}
# Delivery is under test, not the daily digest: every alert goes at once.
[alerts]
digest_at = "off"

[[contracts]]
id = "acme"
supplier = "Acme Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "125000.00"
managers = ["contracts@council.example"]

  [[contracts.service_levels]]
  id = "p1-resolution"
  name = "P1 resolved in 4 hours"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  target_percent = 95.0

[[sources]]
id = "acme-push"
contract = "acme"
kind = "webhook"
token_env = "FAILOVER_TEST_PUSH_TOKEN"

[[api_tokens]]
name = "prometheus"
role = "viewer"
token_sha256 = "{scrape}"
"#,
        data = dir.join(format!("data-{name}")).display(),
        scrape = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(SCRAPE_TOKEN.as_bytes()))
        },
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).expect("write the configuration");
    path
}

/// A `slawatch run` process.
struct Daemon {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Daemon {
    fn spawn(config: &Path, log: PathBuf, listen: u16) -> Daemon {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let out = std::fs::File::create(&log).expect("create the daemon log");
        let child = Command::new(env!("CARGO_BIN_EXE_slawatch"))
            .args(["run", "--config"])
            .arg(config)
            .env("FAILOVER_TEST_PUSH_TOKEN", PUSH_TOKEN)
            .stdout(Stdio::null())
            .stderr(out)
            .spawn()
            .expect("start slawatch run");
        Daemon {
            child,
            base: format!("http://127.0.0.1:{listen}"),
            log,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `/readyz`'s body once it answers 200, waiting up to 30 s.
    fn ready(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(r) = reqwest::blocking::get(format!("{}/readyz", self.base))
                && r.status().is_success()
            {
                return r.text().unwrap_or_default();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{} did not become ready:\n{}", self.base, self.log());
    }

    fn is_leader(&self) -> bool {
        reqwest::blocking::get(format!("{}/readyz", self.base))
            .and_then(|r| r.text())
            .is_ok_and(|t| t.contains("(leader)"))
    }

    fn leader_metric(&self) -> Option<String> {
        let text = reqwest::blocking::Client::new()
            .get(format!("{}/metrics", self.base))
            .bearer_auth(SCRAPE_TOKEN)
            .send()
            .and_then(|r| r.text())
            .ok()?;
        text.lines()
            .find(|l| l.starts_with("slawatch_leader "))
            .map(str::to_string)
    }

    fn push(&self, records: serde_json::Value) {
        let res = reqwest::blocking::Client::new()
            .post(format!("{}/api/v1/records", self.base))
            .bearer_auth(PUSH_TOKEN)
            .body(records.to_string())
            .send()
            .expect("push records");
        assert!(res.status().is_success(), "push failed: {}", res.status());
    }

    /// SIGTERM, then the exit status (within 15 s).
    fn terminate(&mut self) -> std::process::ExitStatus {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{} did not stop within 15 s of SIGTERM", self.base);
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill();
    }
}

#[test]
fn on_sqlite_the_daemon_leads_and_a_second_on_the_same_file_refuses() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    let port = free_port();
    let first = Daemon::spawn(
        &config(dir.path(), "one", &url, port, None),
        dir.path().join("one.log"),
        port,
    );
    assert_eq!(first.ready(), "ready (leader)\n");
    assert_eq!(first.leader_metric().as_deref(), Some("slawatch_leader 1"));

    let second_port = free_port();
    let second = Command::new(env!("CARGO_BIN_EXE_slawatch"))
        .args(["run", "--config"])
        .arg(config(dir.path(), "two", &url, second_port, None))
        .env("FAILOVER_TEST_PUSH_TOKEN", PUSH_TOKEN)
        .output()
        .expect("run a second daemon");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("another slawatch daemon is running on this SQLite store"),
        "{stderr}"
    );
    // The first one carries on.
    assert!(first.is_leader());
}

/// Whether the PostgreSQL tests run: only when `SLAWATCH_TEST_POSTGRES`
/// names a server. `scripts/test.sh` (and so CI) runs the suite a second
/// time with it set, and fails when that server cannot be started; with it
/// set and the server unreachable, making the database panics.
fn postgres_configured(test: &str) -> bool {
    slawatch::store::testing::postgres_or_skip(test)
}

fn breached(id: &str) -> serde_json::Value {
    // Opened 5 hours ago and still open: breached its 4 h target an hour ago.
    let opened = chrono::Utc::now() - chrono::Duration::hours(5);
    json!({
        "type": "incident", "id": id, "contract": "acme", "priority": "P1",
        "opened_at": opened.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "title": format!("{id} payroll down")
    })
}

/// Waits (up to 45 s) until every alert queued in the store at `url` has
/// been sent; returns how many were.
fn outbox_drained(url: &str) -> i64 {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = slawatch::store::Store::open(url).await.expect("the store");
        let deadline = Instant::now() + Duration::from_secs(45);
        loop {
            let counts = store.outbox_counts().await.expect("outbox counts");
            if counts.pending == 0 {
                store.close().await;
                return counts.sent;
            }
            assert!(
                Instant::now() < deadline,
                "alerts still waiting: {counts:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
}

/// The `X-Slawatch-Alert` keys of every message received, in order.
fn alert_keys(sink: &SmtpSink) -> Vec<String> {
    sink.messages()
        .iter()
        .filter_map(|m| m.header("X-Slawatch-Alert"))
        .collect()
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_standby_takes_over_within_15_s_of_the_leader_being_killed_and_no_alert_is_lost_or_sent_twice()
 {
    let test = "failover";
    if !postgres_configured(test) {
        return;
    }
    let Some(python) = python_or_skip(test) else {
        return;
    };
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = slawatch::store::testing::database_url(&dir.path().join("failover"));
    let smtp_port = free_port();
    let maildir = dir.path().join("maildir");
    let mut sink = SmtpSink::start(&python, smtp_port, &maildir, Handler::Mailbox);

    let (port_a, port_b) = (free_port(), free_port());
    let mut a = Daemon::spawn(
        &config(dir.path(), "a", &url, port_a, Some(smtp_port)),
        dir.path().join("a.log"),
        port_a,
    );
    a.ready();
    wait_until("daemon a to lead", Duration::from_secs(15), || {
        a.is_leader()
    });
    let mut b = Daemon::spawn(
        &config(dir.path(), "b", &url, port_b, Some(smtp_port)),
        dir.path().join("b.log"),
        port_b,
    );
    assert_eq!(b.ready(), "ready (standby)\n");
    assert_eq!(b.leader_metric().as_deref(), Some("slawatch_leader 0"));
    assert_eq!(a.leader_metric().as_deref(), Some("slawatch_leader 1"));

    // Wave 1, pushed to the standby: the leader hears of it and alerts.
    b.push(json!(
        (1..=4)
            .map(|n| breached(&format!("INC-A{n}")))
            .collect::<Vec<_>>()
    ));
    wait_until("wave 1 delivered", Duration::from_secs(20), || {
        alert_keys(&sink)
            .iter()
            .filter(|k| k.starts_with("breached/"))
            .count()
            == 4
    });

    // Wave 2 while the mail server is down: queued by the leader, which is
    // retrying its deliveries when it is killed.
    drop(sink);
    a.push(json!(
        (1..=4)
            .map(|n| breached(&format!("INC-B{n}")))
            .collect::<Vec<_>>()
    ));
    wait_until("a failed delivery attempt", Duration::from_secs(20), || {
        a.log().contains("alert not delivered; it stays queued")
    });
    a.kill();
    let killed = Instant::now();
    sink = SmtpSink::start(&python, smtp_port, &maildir, Handler::Mailbox);

    wait_until("daemon b to lead", Duration::from_secs(15), || {
        b.is_leader()
    });
    let takeover = killed.elapsed();
    println!(
        "the standby led {:.1} s after the leader was killed",
        takeover.as_secs_f64()
    );
    assert!(takeover < Duration::from_secs(15), "took {takeover:?}");
    assert_eq!(b.leader_metric().as_deref(), Some("slawatch_leader 1"));

    // Wave 3 after the handover.
    b.push(json!(
        (1..=4)
            .map(|n| breached(&format!("INC-C{n}")))
            .collect::<Vec<_>>()
    ));
    wait_until("every breach delivered", Duration::from_secs(45), || {
        alert_keys(&sink)
            .iter()
            .filter(|k| k.starts_with("breached/"))
            .count()
            >= 12
    });
    // Once nothing waits in the outbox, b is stopped as in production (a
    // message being sent is finished and recorded): what arrived then is
    // final, and each alert the store says was sent arrived once.
    let sent = outbox_drained(&url);
    assert!(b.terminate().success(), "{}", b.log());
    let keys = alert_keys(&sink);
    assert_eq!(
        Some(keys.len()),
        usize::try_from(sent).ok(),
        "mails received against alerts sent: {keys:#?}"
    );
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        keys.len(),
        unique.len(),
        "an alert arrived twice: {keys:#?}"
    );
    let mut breaches: Vec<&String> = unique
        .iter()
        .filter(|k| k.starts_with("breached/"))
        .collect();
    breaches.sort();
    let expected: Vec<String> = ["A", "B", "C"]
        .iter()
        .flat_map(|w| (1..=4).map(move |n| format!("breached/acme/p1-resolution/INC-{w}{n}")))
        .collect();
    assert_eq!(breaches, expected.iter().collect::<Vec<_>>(), "{}", b.log());
    assert!(
        b.log().contains("became the leader"),
        "the standby never logged taking over:\n{}",
        b.log()
    );
}

/// Ends the leader lock's session from outside, as a network cut or a
/// database administrator would; returns how many sessions were ended.
fn terminate_lock_session(database_url: &str) -> i64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::postgres::PgConnection::connect(database_url)
            .await
            .expect("connect to the test database");
        let key = slawatch::store::leader::LEADER_LOCK_KEY;
        let ended: i64 = sqlx::query_scalar(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_locks
              WHERE locktype = 'advisory' AND granted AND objsubid = 1
                AND classid::bigint = ($1 >> 32) AND objid::bigint = ($1 & 4294967295)
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .bind(key)
        .fetch_one(&mut conn)
        .await
        .expect("end the lock's session");
        ended
    })
}

#[test]
fn a_leader_that_loses_its_lock_stops_at_once_one_leads_again_and_sigterm_hands_over() {
    let test = "fencing";
    if !postgres_configured(test) {
        return;
    }
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = slawatch::store::testing::database_url(&dir.path().join("fencing"));
    let (port_a, port_b) = (free_port(), free_port());
    let a = Daemon::spawn(
        &config(dir.path(), "a", &url, port_a, None),
        dir.path().join("a.log"),
        port_a,
    );
    a.ready();
    wait_until("daemon a to lead", Duration::from_secs(15), || {
        a.is_leader()
    });
    let b = Daemon::spawn(
        &config(dir.path(), "b", &url, port_b, None),
        dir.path().join("b.log"),
        port_b,
    );
    assert_eq!(b.ready(), "ready (standby)\n");

    assert_eq!(terminate_lock_session(&url), 1);
    let cut = Instant::now();
    wait_until(
        "daemon a to stop its leader work",
        Duration::from_secs(5),
        || {
            let log = a.log();
            log.contains("leadership lost: leader work stopped")
                && log.contains("leader work stopped for this term")
        },
    );
    println!(
        "the leader stopped leading {:.1} s after its lock's session was ended",
        cut.elapsed().as_secs_f64()
    );
    // Someone leads again soon, and never both at once.
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut led_again = None;
    while Instant::now() < deadline {
        let (la, lb) = (a.is_leader(), b.is_leader());
        assert!(!(la && lb), "both daemons lead at once");
        if la || lb {
            led_again.get_or_insert(cut.elapsed());
        }
        std::thread::sleep(Duration::from_millis(100));
        if led_again.is_some_and(|t| cut.elapsed() > t + Duration::from_secs(3)) {
            break;
        }
    }
    let took = led_again.expect("nobody led again within 15 s");
    println!(
        "a daemon led again {:.1} s after the cut",
        took.as_secs_f64()
    );
    assert_eq!(
        u8::from(a.is_leader()) + u8::from(b.is_leader()),
        1,
        "exactly one leader:\n--- a\n{}\n--- b\n{}",
        a.log(),
        b.log()
    );

    // A leader stopped with SIGTERM hands over on its way out.
    let (mut leader, other) = if a.is_leader() { (a, b) } else { (b, a) };
    assert!(leader.terminate().success(), "{}", leader.log());
    let stopped = Instant::now();
    wait_until("the other daemon to lead", Duration::from_secs(5), || {
        other.is_leader()
    });
    println!(
        "the other daemon led {:.1} s after the leader stopped",
        stopped.elapsed().as_secs_f64()
    );
    assert!(
        leader.log().contains("leadership released"),
        "{}",
        leader.log()
    );
}
