//! Shared set-up for the integration tests: a temporary folder with its own
//! store (SQLite, or a fresh PostgreSQL database when
//! `SLAWATCH_TEST_POSTGRES` is set) and configuration, and a way to run the
//! real binary on it.

#![allow(dead_code)]

pub mod report_schema;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// A contract with an office calendar and the service levels of the guided example
/// (docs/book/src/operators/configuration.md).
pub const CONTRACT: &str = r#"
[calendars.office]
timezone = "Europe/London"
monday = ["08:00-18:00"]
tuesday = ["08:00-18:00"]
wednesday = ["08:00-18:00"]
thursday = ["08:00-18:00"]
friday = ["08:00-18:00"]
holidays = ["2026-12-25", "2026-12-28"]

[[contracts]]
id = "acme-managed-it"
supplier = "Acme Managed Services Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "125000.00"
service_credit_cap_percent = 12.0
managers = ["contracts@council.example"]

  [[contracts.service_levels]]
  id = "p1-resolution"
  name = "P1 incidents resolved within 4 hours"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  calendar = "24x7"
  target_percent = 95.0
  critical_below = 80.0
  service_credits = [ { below = 95.0, percent = 2.0 }, { below = 90.0, percent = 4.0 } ]

  [[contracts.service_levels]]
  id = "p3-resolution"
  name = "P3 incidents resolved within two office days"
  kind = "resolution_time"
  priorities = ["P3"]
  target = "20h"
  calendar = "office"
  target_percent = 90.0

  [[contracts.service_levels]]
  id = "email-availability"
  kind = "availability"
  services = ["email"]
  calendar = "24x7"
  target_percent = 99.5
  partial_weight = 0.5
  service_credits = [ { below = 99.5, percent = 3.0 }, { below = 99.0, percent = 6.0 } ]

  [[contracts.service_levels]]
  id = "proactive-share"
  kind = "proactive_share"
  target_percent = 60.0

  [[contracts.commitments]]
  id = "dr-test"
  name = "Annual IT disaster recovery test with report"
  due = "2026-11-30"
  every = "12 months"

[[contracts]]
id = "beta-hosting"
supplier = "Beta Hosting plc"
timezone = "America/New_York"
currency = "GBP"
monthly_charge = "10000.00"
service_credit_cap_percent = 10.0
managers = ["it@council.example"]

  [[contracts.service_levels]]
  id = "p1-response"
  kind = "response_time"
  priorities = ["P1"]
  target = "30m"
  target_percent = 90.0
"#;

/// A temporary slawatch installation.
pub struct TestEnv {
    /// Holds the folder for the test's lifetime.
    pub dir: TempDir,
    /// The configuration file.
    pub config: PathBuf,
    /// The store's `database_url`.
    pub database_url: String,
}

impl TestEnv {
    /// A fresh folder and store with the contracts above.
    pub fn new() -> TestEnv {
        TestEnv::with_store(slawatch::store::testing::database_url)
    }

    /// The same on SQLite whatever backend the run tests, to compare the
    /// two backends' answers.
    pub fn sqlite() -> TestEnv {
        TestEnv::with_store(|file| format!("sqlite://{}", file.display()))
    }

    fn with_store(url: impl FnOnce(&Path) -> String) -> TestEnv {
        let dir = tempfile::tempdir().expect("temporary folder");
        let data = dir.path().join("data");
        let config = dir.path().join("slawatch.toml");
        let database_url = url(&data.join("slawatch.db"));
        let text = format!(
            "[daemon]\ndatabase_url = \"{database_url}\"\ndata_dir = \"{}\"\n{CONTRACT}",
            data.display()
        );
        std::fs::write(&config, text).expect("write config");
        TestEnv {
            dir,
            config,
            database_url,
        }
    }

    /// Writes a file in the test folder and returns its path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write test file");
        path
    }

    /// Runs `slawatch --config … ARGS`. A report JSON it writes is checked
    /// against the published schema on the way, so every test that asks
    /// for one checks it.
    pub fn run(&self, args: &[&str]) -> Output {
        let output = Command::new(env!("CARGO_BIN_EXE_slawatch"))
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .output()
            .expect("run slawatch");
        if let Some(report) = report_schema::report_written(args, &output) {
            report_schema::assert_valid_report(&report);
        }
        output
    }

    /// Runs `slawatch import FILES…`.
    pub fn import(&self, files: &[&Path]) -> Output {
        let mut args = vec!["import".to_string()];
        args.extend(files.iter().map(|f| f.display().to_string()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run(&refs)
    }

    /// The month's report JSON, evidence seen at `as_of`.
    pub fn report_json(&self, contract: &str, month: &str, as_of: &str) -> serde_json::Value {
        let out = self.run(&[
            "report",
            "--contract",
            contract,
            "--month",
            month,
            "--format",
            "json",
            "--as-of",
            as_of,
        ]);
        assert!(out.status.success(), "report failed: {}", stderr(&out));
        // `run` has checked it against the schema.
        serde_json::from_slice(&out.stdout).expect("report JSON")
    }

    /// Runs `slawatch report --format FORMAT --out FILE` for acme-managed-it's
    /// October as at `as_of` and returns the file (written, nothing printed).
    pub fn october_report_file(&self, format: &str, as_of: &str) -> PathBuf {
        let path = self.dir.path().join(format!("report.{format}"));
        let out = self.run(&[
            "report",
            "--contract",
            "acme-managed-it",
            "--month",
            "2026-10",
            "--format",
            format,
            "--as-of",
            as_of,
            "--out",
            path.to_str().expect("a UTF-8 temporary path"),
        ]);
        assert!(out.status.success(), "report failed: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{}", stdout(&out));
        path
    }
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The service level entry with this id (and service, for availability).
pub fn level<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["service_levels"]
        .as_array()
        .and_then(|a| a.iter().find(|l| l["id"] == id))
        .unwrap_or_else(|| panic!("no service level {id} in {report}"))
}

/// A daemon's shared parts on a fresh store in `dir` (the backend under
/// test), configured with `config` after the store's own `[daemon]` keys:
/// more daemon keys first, then any tables (contracts, sources, `[email]` …).
pub async fn daemon_deps(dir: &TempDir, config: &str) -> slawatch::daemon::Deps {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let text = format!(
        "[daemon]\ndatabase_url = \"{}\"\ndata_dir = \"{}\"\n{config}",
        slawatch::store::testing::database_url(&dir.path().join("s.db")),
        dir.path().join("data").display()
    );
    let config = slawatch::config::parse(&text, "test.toml").expect("test configuration");
    let store = slawatch::store::Store::open(&config.daemon.database_url)
        .await
        .expect("test store");
    slawatch::daemon::Deps::new(config, store).expect("daemon parts")
}

/// Imports `csv` into the daemon's store as the file `name`, as a pushed
/// file would be; a rejected row fails the test.
pub async fn push(deps: &slawatch::daemon::Deps, csv: &str, name: &str, dir: &TempDir) {
    let path = dir.path().join(name);
    std::fs::write(&path, csv).expect("write the pushed file");
    let mut fail = |r: &slawatch::import::Rejection| panic!("rejected: {r}");
    slawatch::import::import_file(
        &deps.store,
        &deps.config.contracts,
        &path,
        &slawatch::import::Writer::source("test"),
        &deps.config.limits,
        0,
        &mut fail,
    )
    .await
    .expect("import");
}

/// A token's SHA-256 in hex, as `[[api_tokens]] token_sha256` holds it.
pub fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

/// Starts `slawatch run --config CONFIG` with its clock stopped at `now` and
/// the variables `env` set, and returns once it listens on `listen`.
pub fn start_daemon(
    config: &Path,
    listen: u16,
    now: chrono::DateTime<chrono::Utc>,
    env: &[(&str, &str)],
) -> std::process::Child {
    use std::time::{Duration, Instant};
    let now = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut child = Command::new(env!("CARGO_BIN_EXE_slawatch"))
        .args(["run", "--config", config.to_str().unwrap(), "--now", &now])
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start slawatch run");
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", listen)).is_ok() {
            return child;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the daemon did not listen on {listen}");
}
