//! `slawatch run` as a user runs it: the real binary on a loopback port with
//! a fresh SQLite store; records pushed over HTTP; alerts delivered; a clean
//! stop on SIGTERM. The daemon runs with `--now` at a fixed instant
//! mid-month, so what it finds does not depend on the day the test runs.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

const PUSH_TOKEN: &str = "daemon-test-push-token";

/// The daemon's "now" (its clock stands still there): mid-October 2026, far
/// from a month's edge in Europe/London.
const NOW: &str = "2026-10-14T10:00:00Z";

fn now() -> chrono::DateTime<chrono::Utc> {
    NOW.parse().expect("an RFC 3339 instant")
}

/// A running daemon and its folder.
struct Daemon {
    child: Child,
    base: String,
    dir: tempfile::TempDir,
}

impl Daemon {
    fn config(dir: &Path, port: u16, extra: &str) -> PathBuf {
        let path = dir.join("slawatch.toml");
        let text = format!(
            r#"
[daemon]
database_url = "{db}"
data_dir = "{data}"
listen = "127.0.0.1:{port}"
{extra}

# Every alert on its own at once: this test is about delivery, not digests.
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
token_env = "DAEMON_TEST_PUSH_TOKEN"
"#,
            db = slawatch::store::testing::database_url(&dir.join("s.db")),
            data = dir.join("data").display(),
        );
        std::fs::write(&path, text).expect("config");
        path
    }

    fn start(extra: &str) -> Daemon {
        // reqwest is built without a default TLS provider (the binary installs ring).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let config = Daemon::config(dir.path(), port, extra);
        let child = Command::new(env!("CARGO_BIN_EXE_slawatch"))
            .args(["run", "--config", config.to_str().unwrap(), "--now", NOW])
            .env("DAEMON_TEST_PUSH_TOKEN", PUSH_TOKEN)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start slawatch run");
        let daemon = Daemon {
            child,
            base: format!("http://127.0.0.1:{port}"),
            dir,
        };
        daemon.wait_ready();
        daemon
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if reqwest::blocking::get(format!("{}/readyz", self.base))
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the daemon did not become ready on {}", self.base);
    }

    fn push(&self, records: serde_json::Value) -> serde_json::Value {
        let res = reqwest::blocking::Client::new()
            .post(format!("{}/api/v1/records", self.base))
            .bearer_auth(PUSH_TOKEN)
            .body(records.to_string())
            .send()
            .expect("push");
        assert!(res.status().is_success(), "push failed: {}", res.status());
        res.json().expect("push result")
    }

    fn outbox_files(&self) -> Vec<PathBuf> {
        let dir = self.dir.path().join("data").join("outbox");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }

    /// The `.eml` files whose text contains `needle`.
    fn alerts_about(&self, needle: &str) -> Vec<PathBuf> {
        self.outbox_files()
            .into_iter()
            .filter(|f| std::fs::read_to_string(f).is_ok_and(|t| t.contains(needle)))
            .collect()
    }

    /// Waits up to `limit` for an alert about `needle`.
    fn wait_for_alert(&self, needle: &str, limit: Duration) -> Option<PathBuf> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(file) = self.alerts_about(needle).into_iter().next() {
                return Some(file);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill -TERM");
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("the daemon did not stop within 15 s of SIGTERM");
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Waits until every alert queued so far has been delivered and recorded.
fn wait_for_empty_outbox(dir: &Path, limit: Duration) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the store");
    runtime.block_on(async {
        let store = slawatch::store::Store::open(&slawatch::store::testing::database_url(
            &dir.join("s.db"),
        ))
        .await
        .expect("the daemon's store");
        let deadline = Instant::now() + limit;
        loop {
            let counts = store.outbox_counts().await.expect("outbox counts");
            if counts.pending == 0 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "alerts still waiting: {counts:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        store.close().await;
    });
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[test]
fn a_breach_is_delivered_seconds_after_the_ingest_that_reveals_it() {
    let daemon = Daemon::start("");
    // Opened 5 hours ago and still open: 4 h target, so breached an hour ago.
    let late = json!({
        "type": "incident", "id": "INC-LATE", "contract": "acme", "priority": "P1",
        "opened_at": rfc3339(now() - chrono::Duration::hours(5)), "title": "Payroll <system> down"
    });
    let pushed_at = Instant::now();
    let result = daemon.push(json!([late]));
    assert_eq!(result["stored"], 1);
    // Detection follows the ingest, not its once-a-minute round: the alert
    // comes well before a minute has passed (the limit is generous, for a
    // loaded machine).
    let breach = daemon.wait_for_alert("INC-LATE breached", Duration::from_secs(30));
    let latency = pushed_at.elapsed();
    let file = breach.expect("no breach alert within 30 s of the push");
    println!(
        "breach alert delivered {:.2} s after the push",
        latency.as_secs_f64()
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("To: contracts@council.example"), "{text}");
    // Pushing the same record again does not alert again. A new breached
    // incident pushed with it marks when detection has seen that push: once
    // its alert is delivered, so would be a second one about INC-LATE.
    daemon.push(json!([late, {
        "type": "incident", "id": "INC-MARK", "contract": "acme", "priority": "P1",
        "opened_at": rfc3339(now() - chrono::Duration::hours(6)), "title": "Marker"
    }]));
    assert!(
        daemon
            .wait_for_alert("INC-MARK breached", Duration::from_secs(30))
            .is_some(),
        "no alert about the incident pushed with the same record again"
    );
    wait_for_empty_outbox(daemon.dir.path(), Duration::from_secs(30));
    assert_eq!(daemon.alerts_about("INC-LATE breached").len(), 1);
    assert!(
        daemon.stop().success(),
        "SIGTERM must stop the daemon with exit 0"
    );
}
