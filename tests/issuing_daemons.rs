//! Closing a month with the real daemon, held for its feeds and a manager's
//! approval: across restarts of one daemon (on the store under test), and
//! across failovers between two daemons on one PostgreSQL database. The
//! month is drafted once, only when the supplier's pack has arrived, and
//! issued once, only after the approval — whichever daemon is running.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn config(dir: &Path, name: &str, database_url: &str, listen: u16) -> PathBuf {
    let text = format!(
        r#"
[daemon]
database_url = "{database_url}"
data_dir = "{data}"
listen = "127.0.0.1:{listen}"

[[contracts]]
id = "acme"
supplier = "Acme Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "125000.00"
managers = ["contracts@council.example"]
issue_when = "feeds_complete"
issue_deadline_days = 10

  [[contracts.service_levels]]
  id = "p1-resolution"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  target_percent = 95.0
"#,
        data = dir.join(format!("data-{name}")).display(),
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).expect("write the configuration");
    path
}

/// A `slawatch run --now NOW` process logging at debug level to a file.
struct Daemon {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Daemon {
    fn start(config: &Path, log: PathBuf, listen: u16, now: &str) -> Daemon {
        let out = std::fs::File::create(&log).expect("create the daemon log");
        let child = Command::new(env!("CARGO_BIN_EXE_slawatch"))
            .args(["run", "--now", now, "--config"])
            .arg(config)
            .env("RUST_LOG", "slawatch=debug")
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

    /// Waits (up to `secs`) for `text` in the log.
    fn logged(&self, text: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !self.log().contains(text) {
            assert!(
                Instant::now() < deadline,
                "{} never logged '{text}':\n{}",
                self.base,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn is_leader(&self) -> bool {
        reqwest::blocking::get(format!("{}/readyz", self.base))
            .and_then(|r| r.text())
            .is_ok_and(|t| t.contains("(leader)"))
    }

    /// SIGTERM, and waits for it to exit.
    fn stop(&mut self) {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.child.try_wait().expect("wait").is_none() {
            assert!(Instant::now() < deadline, "{} did not stop", self.base);
            std::thread::sleep(Duration::from_millis(50));
        }
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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Runs `slawatch --now NOW --config CONFIG ARGS`, which must succeed.
fn cli(config: &Path, now: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_slawatch"))
        .args(["--now", now, "--config"])
        .arg(config)
        .args(args)
        .output()
        .expect("run slawatch");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The supplier's monthly pack for October: one P1, met.
fn import_pack(dir: &Path, config: &Path) {
    let pack = dir.join("pack.csv");
    std::fs::write(
        &pack,
        "id,contract,priority,opened_at,service,resolved_at,title\n\
         INC1,acme,P1,2026-10-01T09:00:00Z,email,2026-10-01T10:00:00Z,Fault\n",
    )
    .expect("write the pack");
    cli(
        config,
        "2026-11-06T09:00:00Z",
        &["import", pack.to_str().expect("a UTF-8 path")],
    );
}

/// October's drafts, approvals, issued versions, and the draft and issue
/// emails queued, as the store holds them.
#[derive(Debug, PartialEq, Eq)]
struct Closed {
    drafts: i64,
    approvals: i64,
    issued: i64,
    draft_emails: i64,
    issue_emails: i64,
}

fn closed(url: &str) -> Closed {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(url).await.expect("the store");
        let count = |sql: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>(sql)
                    .fetch_one(&pool)
                    .await
                    .expect(sql)
            }
        };
        let c = Closed {
            drafts: count("SELECT COUNT(*) FROM report_drafts WHERE period = '2026-10'").await,
            approvals: count("SELECT COUNT(*) FROM report_approvals WHERE period = '2026-10'")
                .await,
            issued: count("SELECT COUNT(*) FROM issued_reports WHERE period = '2026-10'").await,
            draft_emails: count("SELECT COUNT(*) FROM outbox WHERE kind = 'report_draft'").await,
            issue_emails: count("SELECT COUNT(*) FROM outbox WHERE kind = 'report_issued'").await,
        };
        pool.close().await;
        c
    })
}

fn state(drafts: i64, approvals: i64, issued: i64) -> Closed {
    // One email per draft and per issue.
    Closed {
        drafts,
        approvals,
        issued,
        draft_emails: drafts,
        issue_emails: issued,
    }
}

const WAITING: &str = "waiting for the month's feeds";
const DRAFTED: &str = "monthly report drafted";
const AWAITING: &str = "draft awaiting approval";
const ISSUED: &str = "monthly report issued";
const ALREADY: &str = "month already issued";

#[test]
fn one_daemon_restarted_drafts_when_the_pack_arrives_and_issues_once_after_approval() {
    let dir = tempfile::tempdir().unwrap();
    let url = slawatch::store::testing::database_url(&dir.path().join("s.db"));
    let port = free_port();
    let cfg = config(dir.path(), "a", &url, port);
    let run = |n: u32, now: &str, expect: &str| {
        let mut d = Daemon::start(&cfg, dir.path().join(format!("run{n}.log")), port, now);
        d.logged(expect, 30);
        d.stop();
    };
    // 2 November, past the 07:00 schedule: no pack yet, so no draft.
    run(1, "2026-11-02T08:00:00Z", WAITING);
    assert_eq!(closed(&url), state(0, 0, 0));
    // The pack arrives on the 6th while the daemon is down; started again,
    // it drafts October once and emails it.
    import_pack(dir.path(), &cfg);
    run(2, "2026-11-06T10:00:00Z", DRAFTED);
    assert_eq!(closed(&url), state(1, 0, 0));
    // Restarted without an approval: the draft waits, nothing is issued or
    // drafted again.
    run(3, "2026-11-06T11:00:00Z", AWAITING);
    assert_eq!(closed(&url), state(1, 0, 0));
    // Approved; the next start issues version 1, once.
    let out = cli(
        &cfg,
        "2026-11-06T12:00:00Z",
        &[
            "approve",
            "--contract",
            "acme",
            "--month",
            "2026-10",
            "--by",
            "Jo Bloggs",
        ],
    );
    assert!(out.contains("draft 1 approved by Jo Bloggs"), "{out}");
    run(4, "2026-11-06T13:00:00Z", ISSUED);
    assert_eq!(closed(&url), state(1, 1, 1));
    run(5, "2026-11-07T07:00:00Z", ALREADY);
    assert_eq!(closed(&url), state(1, 1, 1));
    let issued = cli(
        &cfg,
        "2026-11-07T08:00:00Z",
        &["issued", "--contract", "acme", "--month", "2026-10"],
    );
    assert!(
        issued.contains("v1") || issued.contains("version 1"),
        "{issued}"
    );
}

#[test]
fn two_daemons_on_postgres_draft_and_issue_the_month_once_across_failovers() {
    if !slawatch::store::testing::postgres_or_skip("two_daemons_on_postgres…") {
        return;
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let url = slawatch::store::testing::database_url(&dir.path().join("s.db"));
    let (port_a, port_b) = (free_port(), free_port());
    let cfg_a = config(dir.path(), "a", &url, port_a);
    let cfg_b = config(dir.path(), "b", &url, port_b);
    let now = "2026-11-06T10:00:00Z";
    let log = |name: &str| dir.path().join(format!("{name}.log"));
    let wait_leader = |d: &Daemon| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !d.is_leader() {
            assert!(
                Instant::now() < deadline,
                "{} never led:\n{}",
                d.base,
                d.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };

    // A leads, B stands by; the pack has not come: nothing is drafted.
    let mut a = Daemon::start(&cfg_a, log("a1"), port_a, now);
    wait_leader(&a);
    a.logged(WAITING, 30);
    let mut b = Daemon::start(&cfg_b, log("b1"), port_b, now);
    std::thread::sleep(Duration::from_secs(1));
    assert!(!b.is_leader());
    assert_eq!(closed(&url), state(0, 0, 0));

    // The pack arrives; A is killed: B takes over and drafts October, once.
    import_pack(dir.path(), &cfg_a);
    a.kill();
    wait_leader(&b);
    b.logged(DRAFTED, 30);
    assert_eq!(closed(&url), state(1, 0, 0));

    // A comes back as the standby; the manager approves; B is killed: A
    // takes over and issues version 1, once.
    let mut a = Daemon::start(&cfg_a, log("a2"), port_a, now);
    std::thread::sleep(Duration::from_secs(1));
    assert!(!a.is_leader());
    cli(
        &cfg_a,
        "2026-11-06T10:30:00Z",
        &[
            "approve",
            "--contract",
            "acme",
            "--month",
            "2026-10",
            "--by",
            "Jo Bloggs",
        ],
    );
    b.kill();
    wait_leader(&a);
    a.logged(ISSUED, 30);
    assert_eq!(closed(&url), state(1, 1, 1));

    // B comes back and takes over from A (stopped): nothing more.
    let b = Daemon::start(&cfg_b, log("b2"), port_b, now);
    std::thread::sleep(Duration::from_secs(1));
    a.stop();
    wait_leader(&b);
    b.logged(ALREADY, 30);
    assert_eq!(closed(&url), state(1, 1, 1));
}
