//! `slawatch bench-webhook`: the load benchmark of the push API. It starts a
//! real daemon (this binary's `run`, on a fresh SQLite store on loopback),
//! pushes authenticated batches of incidents to `POST /api/v1/records` from
//! several clients at once for a set time, and reports records stored per
//! second, request latency (median, 99th percentile, worst), errors, and the
//! daemon's memory over the run (resident after the first tenth, at the end,
//! and its peak), so a leak shows as memory that keeps growing.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::Failure;
use super::bench::{io_failure, memory_mb};

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchWebhookArgs {
    /// How long to push, in seconds.
    pub seconds: u64,
    /// Clients pushing at once.
    pub clients: usize,
    /// Records per request.
    pub batch: usize,
    /// Working folder (emptied first); default a folder under the system temp dir.
    pub dir: Option<PathBuf>,
}

/// The environment variable the benchmark's webhook token is passed in.
const TOKEN_ENV: &str = "SLAWATCH_BENCH_WEBHOOK_TOKEN";

/// What one client saw.
#[derive(Default)]
struct ClientTally {
    latencies: Vec<Duration>,
    stored: u64,
    errors: u64,
    first_error: Option<String>,
}

/// Runs the benchmark and prints its figures.
pub async fn run(args: &BenchWebhookArgs) -> Result<(), Failure> {
    let dir = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("slawatch-bench-webhook-{}", std::process::id()))
    });
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| io_failure(&dir, e))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| io_failure(&dir, e))?;
    let port = free_port().map_err(Failure::runtime)?;
    let config = dir.join("slawatch.toml");
    std::fs::write(&config, config_text(&dir, port)).map_err(|e| io_failure(&config, e))?;
    let token = format!("bench-{}", std::process::id());

    let exe = std::env::current_exe().map_err(Failure::runtime)?;
    let log = std::fs::File::create(dir.join("daemon.log")).map_err(|e| io_failure(&dir, e))?;
    let mut daemon = tokio::process::Command::new(exe)
        .arg("--config")
        .arg(&config)
        .arg("run")
        .env(TOKEN_ENV, &token)
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .map_err(Failure::runtime)?;
    let pid = daemon.id().unwrap_or(0);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let measured = measure(args, &http, &base, &token, pid).await;
    let _ = daemon.start_kill();
    let _ = daemon.wait().await;
    let figures = measured?;
    figures.print(args);
    println!("work folder: {}", dir.display());
    Ok(())
}

/// The figures of one run.
struct Figures {
    elapsed: Duration,
    tally: ClientTally,
    rss_early_mb: Option<f64>,
    rss_end_mb: Option<f64>,
    peak_mb: Option<f64>,
}

impl Figures {
    fn print(&self, args: &BenchWebhookArgs) {
        let t = &self.tally;
        let mut latencies = t.latencies.clone();
        latencies.sort();
        let at = |q: f64| {
            latencies
                .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        let secs = self.elapsed.as_secs_f64();
        println!(
            "pushed for {secs:.1} s from {} clients, {} records a request",
            args.clients, args.batch
        );
        println!(
            "records stored   {:>10} ({:.0} records/s)",
            t.stored,
            t.stored as f64 / secs
        );
        println!(
            "requests         {:>10} ({:.0} requests/s)",
            latencies.len(),
            latencies.len() as f64 / secs
        );
        println!(
            "latency          median {:.1} ms, p99 {:.1} ms, worst {:.1} ms",
            at(0.5),
            at(0.99),
            at(1.0)
        );
        println!(
            "errors           {:>10}{}",
            t.errors,
            t.first_error
                .as_ref()
                .map(|e| format!(" (first: {e})"))
                .unwrap_or_default()
        );
        let mb = |v: Option<f64>| v.map_or("unknown".to_string(), |v| format!("{v:.1} MB"));
        println!(
            "daemon memory    resident {} after the first tenth, {} at the end; peak {} (VmHWM)",
            mb(self.rss_early_mb),
            mb(self.rss_end_mb),
            mb(self.peak_mb)
        );
    }
}

async fn measure(
    args: &BenchWebhookArgs,
    http: &reqwest::Client,
    base: &str,
    token: &str,
    pid: u32,
) -> Result<Figures, Failure> {
    wait_until_up(http, base).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for client in 0..args.clients {
        let (http, stop) = (http.clone(), stop.clone());
        let (url, token, batch) = (
            format!("{base}/api/v1/records"),
            token.to_string(),
            args.batch,
        );
        clients.spawn(async move { push(&http, &url, &token, client, batch, &stop).await });
    }
    let duration = Duration::from_secs(args.seconds.max(1));
    tokio::time::sleep(duration / 10).await;
    let rss_early_mb = memory_mb(pid, "VmRSS");
    tokio::time::sleep(duration - duration / 10).await;
    stop.store(true, Ordering::Relaxed);
    let rss_end_mb = memory_mb(pid, "VmRSS");
    let peak_mb = memory_mb(pid, "VmHWM");
    let mut tally = ClientTally::default();
    while let Some(done) = clients.join_next().await {
        let t = done.map_err(Failure::runtime)?;
        tally.latencies.extend(t.latencies);
        tally.stored += t.stored;
        tally.errors += t.errors;
        tally.first_error = tally.first_error.or(t.first_error);
    }
    Ok(Figures {
        elapsed: started.elapsed(),
        tally,
        rss_early_mb,
        rss_end_mb,
        peak_mb,
    })
}

/// One client: pushes batches of new incidents until told to stop.
async fn push(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    client: usize,
    batch: usize,
    stop: &AtomicBool,
) -> ClientTally {
    let mut tally = ClientTally::default();
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let records: Vec<serde_json::Value> = (0..batch)
            .map(|_| {
                n += 1;
                // Spread over October, a minute apart per record.
                let opened = 1_790_812_800 + (n % 40_000) as i64 * 60;
                serde_json::json!({
                    "type": "incident",
                    "id": format!("B{client}-{n}"),
                    "contract": "bench",
                    "priority": "P3",
                    "opened_at": utc(opened),
                    "resolved_at": utc(opened + 3_600),
                    "service": "email",
                })
            })
            .collect();
        let sent = Instant::now();
        let answer = http
            .post(url)
            .bearer_auth(token)
            .json(&records)
            .send()
            .await
            .and_then(|r| r.error_for_status());
        let answer = match answer {
            Ok(r) => r.json::<serde_json::Value>().await,
            Err(e) => Err(e),
        };
        tally.latencies.push(sent.elapsed());
        match answer {
            Ok(body) => tally.stored += body["stored"].as_u64().unwrap_or(0),
            Err(e) => {
                tally.errors += 1;
                tally
                    .first_error
                    .get_or_insert_with(|| e.without_url().to_string());
            }
        }
    }
    tally
}

/// Epoch seconds as RFC 3339 UTC.
fn utc(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(crate::domain::time::format_utc)
        .unwrap_or_default()
}

async fn wait_until_up(http: &reqwest::Client, base: &str) -> Result<(), Failure> {
    for _ in 0..300 {
        if http
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(Failure::runtime(anyhow::anyhow!(
        "the daemon did not answer at {base} within 30 s (see daemon.log in the work folder)"
    )))
}

/// A port free on loopback now.
fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn config_text(dir: &Path, port: u16) -> String {
    format!(
        r#"[daemon]
database_url = "sqlite://{dir}/slawatch.db"
listen = "127.0.0.1:{port}"
data_dir = "{dir}/data"

[[contracts]]
id = "bench"
supplier = "Bench Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "10000.00"
managers = ["contracts@council.example"]

  [[contracts.service_levels]]
  id = "p3-resolution"
  kind = "resolution_time"
  priorities = ["P3"]
  target = "8h"
  target_percent = 90.0

[[sources]]
id = "bench-webhook"
contract = "bench"
kind = "webhook"
token_env = "{TOKEN_ENV}"
"#,
        dir = dir.display()
    )
}
