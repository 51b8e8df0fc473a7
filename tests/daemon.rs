//! `slawatch run` as a user runs it: the real binary on a loopback port with
//! a fresh SQLite store; records pushed over HTTP; alerts delivered; a clean
//! stop on SIGTERM.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

const PUSH_TOKEN: &str = "daemon-test-push-token";

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
            .args(["run", "--config", config.to_str().unwrap()])
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

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[test]
fn a_breach_is_delivered_seconds_after_the_ingest_that_reveals_it() {
    let daemon = Daemon::start("");
    let now = chrono::Utc::now();
    // Opened 5 hours ago and still open: 4 h target, so breached an hour ago.
    let pushed_at = Instant::now();
    let result = daemon.push(json!([{
        "type": "incident", "id": "INC-LATE", "contract": "acme", "priority": "P1",
        "opened_at": rfc3339(now - chrono::Duration::hours(5)), "title": "Payroll <system> down"
    }]));
    assert_eq!(result["stored"], 1);
    let deadline = pushed_at + Duration::from_secs(10);
    let mut breach = None;
    while Instant::now() < deadline && breach.is_none() {
        breach = daemon
            .outbox_files()
            .into_iter()
            .find(|f| std::fs::read_to_string(f).is_ok_and(|t| t.contains("INC-LATE breached")));
        std::thread::sleep(Duration::from_millis(50));
    }
    let latency = pushed_at.elapsed();
    let file = breach.expect("no breach alert within 10 s");
    println!(
        "breach alert delivered {:.2} s after the push",
        latency.as_secs_f64()
    );
    assert!(latency < Duration::from_secs(5), "took {latency:?}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("To: contracts@council.example"), "{text}");
    // Pushing the same record again does not alert again.
    daemon.push(json!([{
        "type": "incident", "id": "INC-LATE", "contract": "acme", "priority": "P1",
        "opened_at": rfc3339(now - chrono::Duration::hours(5)), "title": "Payroll <system> down"
    }]));
    std::thread::sleep(Duration::from_secs(2));
    let breaches = daemon
        .outbox_files()
        .into_iter()
        .filter(|f| std::fs::read_to_string(f).is_ok_and(|t| t.contains("INC-LATE breached")))
        .count();
    assert_eq!(breaches, 1);
    assert!(
        daemon.stop().success(),
        "SIGTERM must stop the daemon with exit 0"
    );
}
