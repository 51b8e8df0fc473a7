//! `slawatch bench`: the core benchmark. It generates synthetic evidence for
//! several contracts, imports it into a fresh store (a SQLite file, or a
//! database of its own on a PostgreSQL server), compares the incident import
//! with the database's own bulk loader (the `sqlite3` shell's `.import`, or
//! `psql`'s `\copy`) of the same CSV into a table with the same primary key,
//! evaluates one month for every contract, assembles the first contract's
//! report of that month with its twelve months of trends, asks the month API
//! for it twice, and reports each case's peak memory.

use std::future::IntoFuture;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant as Clock;

use sha2::{Digest, Sha256};

use super::Failure;
use crate::config::database_url::redact;
use crate::config::{ApiToken, Config, Role, TokenSecret};
use crate::daemon::Deps;
use crate::domain::{Instant, Period, WallClock};
use crate::engine::evaluate_month;
use crate::generate::{FILES, GenerateOptions, generate, synthetic_contracts, write_config};
use crate::import::{Writer, import_file};
use crate::store::server::{create_postgres_database, drop_postgres_database};
use crate::store::{Backend, Store};

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchArgs {
    /// Incidents in total.
    pub incidents: u64,
    /// Synthetic contracts.
    pub contracts: usize,
    /// Working folder (emptied first); default a folder under the system temp dir.
    pub dir: Option<PathBuf>,
    /// A PostgreSQL server to measure on instead of a SQLite file.
    pub database_url: Option<String>,
}

/// The generated months: September to November 2026; October is evaluated.
const FIRST_MONTH: &str = "2026-09";
const EVALUATED_MONTH: &str = "2026-10";

/// Runs the benchmark and prints its figures. On PostgreSQL it works in a
/// fresh database of its own, dropped afterwards whatever happened.
/// The import and evaluation instant is `wall_clock`'s now.
pub async fn run(args: &BenchArgs, wall_clock: &WallClock) -> Result<(), Failure> {
    let Some(server) = &args.database_url else {
        return measure(args, None, wall_clock).await;
    };
    if Backend::of_url(server) != Some(Backend::Postgres) {
        return Err(Failure::input(format!(
            "--database-url {}: expected postgres://… (SQLite is the default, in the work folder)",
            redact(server)
        )));
    }
    let name = format!("slawatch_bench_{}", std::process::id());
    // The second database takes the rows out of time order, from empty.
    let unordered = format!("{name}_unordered");
    let mut urls = Vec::new();
    for db in [&name, &unordered] {
        // A run killed earlier with the same process id may have left it behind.
        drop_postgres_database(server, db)
            .await
            .map_err(Failure::runtime)?;
        urls.push(
            create_postgres_database(server, db)
                .await
                .map_err(Failure::runtime)?,
        );
    }
    let measured = measure(args, Some((&urls[0], &urls[1])), wall_clock).await;
    let mut dropped = Ok(());
    for db in [&name, &unordered] {
        dropped = dropped.and(drop_postgres_database(server, db).await);
    }
    measured?;
    dropped.map_err(Failure::runtime)
}

/// The benchmark itself, on the first of `database_urls` when given (else
/// the SQLite file of the generated configuration), the import of rows out
/// of time order on the second (else a SQLite file beside it).
async fn measure(
    args: &BenchArgs,
    database_urls: Option<(&str, &str)>,
    wall_clock: &WallClock,
) -> Result<(), Failure> {
    let database_url = database_urls.map(|(main, _)| main);
    let dir = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("slawatch-bench-{}", std::process::id()))
    });
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| io_failure(&dir, e))?;
    }
    let csv_dir = dir.join("csv");
    let shapes = synthetic_contracts(args.contracts);
    let config_path = dir.join("slawatch.toml");
    write_config(&shapes, &config_path, &dir.join("data"))
        .map_err(|e| io_failure(&config_path, e))?;
    let first: Period = FIRST_MONTH.parse().map_err(Failure::input)?;
    let options = GenerateOptions {
        seed: 1,
        incidents: args.incidents,
        first_month: first,
        months: 3,
        out_dir: csv_dir.clone(),
    };

    let clock = Clock::now();
    let summary = generate(&shapes, &options).map_err(|e| io_failure(&csv_dir, e))?;
    let generate_secs = clock.elapsed().as_secs_f64();

    let mut config = crate::config::load(&config_path).map_err(Failure::config)?;
    if let Some(url) = database_url {
        config.daemon.database_url = url.to_string();
    }
    let store = Store::open(&config.daemon.database_url)
        .await
        .map_err(Failure::runtime)?;
    let now = wall_clock.now();
    let mut ignore = |_: &crate::import::Rejection| {};
    let incidents_csv = csv_dir.join(FILES[0]);
    reset_peak();
    let clock = Clock::now();
    let imported = import_file(
        &store,
        &config.contracts,
        &incidents_csv,
        &Writer::source("bench"),
        &config.limits,
        now.timestamp(),
        &mut ignore,
    )
    .await
    .map_err(Failure::runtime)?;
    let incident_secs = clock.elapsed().as_secs_f64();
    let incident_peak = peak();
    reset_peak();
    let clock = Clock::now();
    for name in &FILES[1..] {
        import_file(
            &store,
            &config.contracts,
            &csv_dir.join(name),
            &Writer::source("bench"),
            &config.limits,
            now.timestamp(),
            &mut ignore,
        )
        .await
        .map_err(Failure::runtime)?;
    }
    let other_secs = clock.elapsed().as_secs_f64();
    let other_peak = peak();

    // The cost of keeping versions: the same file again (nothing changes,
    // nothing kept), then with one row in ten retitled (a version kept for
    // each), then with one in a thousand resolved a minute earlier weeks
    // later (each a rewrite, assessed).
    let mut reimports = Vec::new();
    // Each variant is made from the one before, so only its own rows change.
    let mut previous = incidents_csv.clone();
    for (label, every, column, later) in [
        ("same file again", 0, "", 0),
        ("1 in 10 retitled", 10, "title", 86_400),
        (
            "1 in 1,000 resolved earlier",
            1_000,
            "resolved_at",
            2 * 86_400,
        ),
    ] {
        let path = dir.join(format!("reimport-{every}.csv"));
        let changed = match every {
            0 => {
                std::fs::copy(&incidents_csv, &path).map_err(|e| io_failure(&path, e))?;
                0
            }
            n => vary(&previous, &path, n, column).map_err(Failure::runtime)?,
        };
        previous = path.clone();
        reset_peak();
        let clock = Clock::now();
        let again = import_file(
            &store,
            &config.contracts,
            &path,
            &Writer::source("bench"),
            &config.limits,
            now.timestamp() + later,
            &mut ignore,
        )
        .await
        .map_err(Failure::runtime)?;
        let secs = clock.elapsed().as_secs_f64();
        reimports.push((label, changed, again, secs, peak()));
    }

    let backend = store.backend();
    let shell_secs = match database_url {
        None => sqlite_shell_import(&dir.join("shell.db"), &incidents_csv),
        Some(url) => psql_copy_import(url, &incidents_csv, "bench_copy"),
    };

    // The same incidents as a full export sorted by ticket number would
    // give them: not in time order (here scrambled by the id's digits
    // read backwards), into an empty store, beside the database's own load
    // of that file.
    let unordered_csv = dir.join("incidents-unordered.csv");
    scramble(&incidents_csv, &unordered_csv).map_err(|e| io_failure(&unordered_csv, e))?;
    let unordered_url = match database_urls {
        Some((_, url)) => url.to_string(),
        None => format!("sqlite://{}", dir.join("unordered.db").display()),
    };
    let unordered_store = Store::open(&unordered_url)
        .await
        .map_err(Failure::runtime)?;
    reset_peak();
    let clock = Clock::now();
    let unordered = import_file(
        &unordered_store,
        &config.contracts,
        &unordered_csv,
        &Writer::source("bench"),
        &config.limits,
        now.timestamp(),
        &mut ignore,
    )
    .await
    .map_err(Failure::runtime)?;
    let unordered_secs = clock.elapsed().as_secs_f64();
    let unordered_peak = peak();
    unordered_store.close().await;
    let unordered_shell_secs = match database_url {
        None => sqlite_shell_import(&dir.join("shell-unordered.db"), &unordered_csv),
        Some(_) => psql_copy_import(&unordered_url, &unordered_csv, "bench_copy_unordered"),
    };

    let period: Period = EVALUATED_MONTH.parse().map_err(Failure::input)?;
    reset_peak();
    let clock = Clock::now();
    // Contracts are independent: evaluate them side by side, as the daemon does.
    let mut tasks = tokio::task::JoinSet::new();
    for contract in config.contracts.iter().cloned() {
        let store = store.clone();
        tasks.spawn(async move {
            let evidence = store
                .month_evidence(&contract.id, period, contract.timezone, now, None)
                .await?;
            let engine_clock = Clock::now();
            let evaluation = evaluate_month(&contract, period, &evidence, now);
            let assessed: u64 = evaluation
                .levels
                .iter()
                .map(|l| match &l.figures {
                    crate::engine::Figures::Incidents(f) => f.assessed,
                    _ => 0,
                })
                .sum();
            Ok::<_, crate::store::StoreError>((assessed, engine_clock.elapsed().as_secs_f64()))
        });
    }
    let (mut assessed, mut engine_secs) = (0u64, 0.0);
    while let Some(joined) = tasks.join_next().await {
        let (a, e) = joined
            .map_err(Failure::runtime)?
            .map_err(Failure::runtime)?;
        assessed += a;
        engine_secs += e;
    }
    let evaluate_secs = clock.elapsed().as_secs_f64();
    let evaluate_peak = peak();

    // The issued report of the first contract: October with its twelve
    // months of trends (November 2025 on, mostly empty) and what its credits
    // depend on, read in one pass, rendered as JSON.
    let mut report_secs = None;
    if let Some(contract) = config.contracts.first() {
        reset_peak();
        let clock = Clock::now();
        let report =
            crate::report::assemble::with_trends(&store, &config, contract, period, now, None)
                .await
                .map_err(Failure::runtime)?;
        let json = crate::report::json::render(&report).map_err(Failure::runtime)?;
        let secs = clock.elapsed().as_secs_f64();
        report_secs = Some((contract.id.clone(), secs, json.len(), peak()));
    }
    // The month API asked for the same closed month twice, as a dashboard
    // or the web desk would: assembled, then served again.
    reset_peak();
    let api_secs = match config.contracts.first() {
        Some(contract) => Some(month_api(&config, &store, &contract.id, period, now).await?),
        None => None,
    };
    let api_peak = peak();
    store.close().await;

    let rate = |rows: u64, secs: f64| {
        if secs > 0.0 {
            rows as f64 / secs
        } else {
            f64::INFINITY
        }
    };
    println!(
        "slawatch bench: {} incidents, {} contracts, 3 months from {FIRST_MONTH}",
        summary.incidents, args.contracts
    );
    println!("store             {}", redact(&config.daemon.database_url));
    println!(
        "generate          {generate_secs:>8.2} s  ({} holds, {} outages, {} work items)",
        summary.holds, summary.outages, summary.work_items
    );
    println!(
        "import incidents  {incident_secs:>8.2} s  {:>10.0} rows/s  ({} stored, {} rejected; {incident_peak})",
        rate(imported.counts.stored, incident_secs),
        imported.counts.stored,
        imported.rejected
    );
    let (loader, missing) = match backend {
        Backend::Sqlite => ("sqlite3 .import ", "no sqlite3 shell on PATH"),
        Backend::Postgres => ("psql \\copy      ", "no psql on PATH"),
    };
    match shell_secs {
        Some(s) => println!(
            "{loader}  {s:>8.2} s  {:>10.0} rows/s  (same CSV, same primary key; ratio {:.1})",
            rate(summary.incidents, s),
            incident_secs / s
        ),
        None => println!("{loader}  not measured ({missing})"),
    }
    println!(
        "import unordered  {unordered_secs:>8.2} s  {:>10.0} rows/s  ({} stored, rows out of time order, into an empty store; {unordered_peak})",
        rate(unordered.counts.stored, unordered_secs),
        unordered.counts.stored
    );
    match unordered_shell_secs {
        Some(s) => println!(
            "{loader}  {s:>8.2} s  {:>10.0} rows/s  (the same unordered CSV; ratio {:.1})",
            rate(summary.incidents, s),
            unordered_secs / s
        ),
        None => println!("{loader}  not measured ({missing})"),
    }
    println!("import the rest   {other_secs:>8.2} s  ({other_peak})");
    for (label, changed, again, secs, peak) in &reimports {
        println!(
            "re-import: {label:<28} {secs:>8.2} s  {:>10.0} rows/s  ({changed} changed: {} updated, each keeping its previous version; {} rewrites; {peak})",
            rate(summary.incidents, *secs),
            again.counts.updated,
            again.rewrites.rewrites
        );
    }
    println!(
        "evaluate {EVALUATED_MONTH}  {evaluate_secs:>8.3} s  for {} contract-months ({assessed} incident assessments; engine {engine_secs:.3} s of CPU; {evaluate_peak})",
        config.contracts.len()
    );
    if let Some((id, secs, bytes, peak)) = &report_secs {
        println!(
            "report {EVALUATED_MONTH}    {secs:>8.3} s  with twelve-month trends, as JSON, for {id} ({bytes} bytes; {peak})"
        );
    }
    if let Some((first, second)) = api_secs {
        println!(
            "month API         {first:>8.3} s  first GET of {EVALUATED_MONTH}, {:.1} ms the second (served again; {api_peak})",
            second * 1000.0
        );
    }
    match memory_mb(std::process::id(), "VmHWM") {
        Some(mb) => {
            println!("peak memory       {mb:>8.1} MB (VmHWM: the month API's case and after)")
        }
        None => println!("peak memory       unknown (no /proc/self/status)"),
    }
    println!("work folder: {}", dir.display());
    Ok(())
}

/// Seconds for the first and the second `GET` of `contract`'s `period`
/// from the month API of a daemon on loopback over `store`, its clock
/// standing at `now`.
async fn month_api(
    config: &Config,
    store: &Store,
    contract: &str,
    period: Period,
    now: Instant,
) -> Result<(f64, f64), Failure> {
    let token = format!("bench-{}-{}", std::process::id(), now.timestamp());
    let mut config = config.clone();
    config.api_tokens.push(ApiToken {
        name: "bench".to_string(),
        role: Role::Viewer,
        secret: TokenSecret::Sha256(hex::encode(Sha256::digest(token.as_bytes()))),
        contracts: None,
    });
    let deps = Deps::new(config, store.clone())
        .map_err(Failure::runtime)?
        .with_clock(WallClock::manual(now));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(Failure::runtime)?;
    let addr = listener.local_addr().map_err(Failure::runtime)?;
    let server = tokio::spawn(axum::serve(listener, crate::http::router(deps)).into_future());
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/api/v1/contracts/{contract}/months/{period}");
    let mut secs = Vec::new();
    for _ in 0..2 {
        let clock = Clock::now();
        let res = client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .map_err(Failure::runtime)?;
        let status = res.status();
        let body = res.bytes().await.map_err(Failure::runtime)?;
        if !status.is_success() {
            server.abort();
            return Err(Failure::runtime(anyhow::anyhow!(
                "the month API answered {status}: {}",
                String::from_utf8_lossy(&body)
            )));
        }
        secs.push(clock.elapsed().as_secs_f64());
    }
    server.abort();
    Ok((secs[0], secs[1]))
}

/// Copies the incidents CSV `from` to `to` with `column` changed on every
/// `every`-th row that has it: a title gains a mark, a resolution moves a
/// minute earlier (never before the opening). Returns how many rows changed.
fn vary(from: &Path, to: &Path, every: usize, column: &str) -> Result<u64, csv::Error> {
    let mut reader = csv::Reader::from_path(from)?;
    let header = reader.headers()?.clone();
    let mut writer = csv::Writer::from_path(to)?;
    writer.write_record(&header)?;
    let at = header.iter().position(|h| h == column);
    let opened = header.iter().position(|h| h == "opened_at");
    let mut changed = 0;
    for (i, row) in reader.records().enumerate() {
        let mut fields: Vec<String> = row?.iter().map(str::to_string).collect();
        if let (Some(c), Some(o)) = (at, opened)
            && i % every == 0
            && !fields[c].is_empty()
        {
            let moved = match column {
                "resolved_at" => chrono::DateTime::parse_from_rfc3339(&fields[c])
                    .ok()
                    .map(|t| t - chrono::Duration::minutes(1))
                    .filter(|t| {
                        fields[o]
                            .parse::<chrono::DateTime<chrono::Utc>>()
                            .is_ok_and(|open| *t >= open)
                    })
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                _ => Some(format!("{} (retitled)", fields[c])),
            };
            if let Some(value) = moved {
                fields[c] = value;
                changed += 1;
            }
        }
        writer.write_record(&fields)?;
    }
    writer.flush()?;
    Ok(changed)
}

/// Copies the incidents CSV `from` to `to` with its rows out of time order:
/// sorted by their id read backwards, so neighbours in the file are far
/// apart in time, as in an export sorted by another column. The generated
/// file has one record per line, its id first.
fn scramble(from: &Path, to: &Path) -> std::io::Result<()> {
    let text = std::fs::read(from)?;
    let mut lines = text.split(|b| *b == b'\n').filter(|l| !l.is_empty());
    let header = lines.next().unwrap_or_default();
    let mut rows: Vec<&[u8]> = lines.collect();
    let id = |line: &[u8]| {
        line.split(|b| *b == b',')
            .next()
            .unwrap_or_default()
            .to_vec()
    };
    rows.sort_by_cached_key(|line| {
        let mut key = id(line);
        key.reverse();
        key
    });
    let mut out = std::io::BufWriter::new(std::fs::File::create(to)?);
    use std::io::Write as _;
    for line in std::iter::once(header).chain(rows) {
        out.write_all(line)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// Times the `sqlite3` shell importing the same CSV into a table with the
/// same primary key; `None` when the shell is not installed or fails.
fn sqlite_shell_import(db: &Path, csv: &Path) -> Option<f64> {
    let script = format!(
        "CREATE TABLE incidents (id TEXT NOT NULL, contract TEXT NOT NULL, priority TEXT, opened_at TEXT, \
         service TEXT, responded_at TEXT, resolved_at TEXT, title TEXT, excused_reason TEXT, \
         PRIMARY KEY (contract, id));\n.import --csv --skip 1 {} incidents\n",
        csv.display()
    );
    let clock = Clock::now();
    let mut child = Command::new("sqlite3")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    use std::io::Write as _;
    child.stdin.take()?.write_all(script.as_bytes()).ok()?;
    let status = child.wait().ok()?;
    status.success().then(|| clock.elapsed().as_secs_f64())
}

/// Times `psql` loading the same CSV with `\copy` into a table with the same
/// primary key, in the benchmark's own database; `None` when `psql` is not
/// installed or fails.
fn psql_copy_import(url: &str, csv: &Path, table: &str) -> Option<f64> {
    let create = format!(
        "CREATE TABLE {table} (id TEXT NOT NULL, contract TEXT NOT NULL, priority TEXT, \
         opened_at TEXT, service TEXT, responded_at TEXT, resolved_at TEXT, title TEXT, \
         excused_reason TEXT, PRIMARY KEY (contract, id))"
    );
    let copy = format!(
        "\\copy {table} FROM '{}' WITH (FORMAT csv, HEADER true)",
        csv.display().to_string().replace('\'', "''")
    );
    let clock = Clock::now();
    let status = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            url,
            "-c",
            &create,
            "-c",
        ])
        .arg(copy)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    status.success().then(|| clock.elapsed().as_secs_f64())
}

/// Resets this process's peak resident memory (`VmHWM`) to what it holds
/// now, so the next [`peak`] is one case's own (Linux; where the reset is
/// refused the figures are the run's peak so far).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// This process's peak resident memory since the last [`reset_peak`], as
/// the benchmark prints it.
fn peak() -> String {
    memory_mb(std::process::id(), "VmHWM")
        .map_or_else(|| "peak unknown".into(), |mb| format!("peak {mb:.0} MB"))
}

/// A Linux process's memory figure (`VmRSS`, `VmHWM` for its peak) in MB.
pub(super) fn memory_mb(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

pub(super) fn io_failure(path: &Path, e: std::io::Error) -> Failure {
    Failure::runtime(anyhow::anyhow!("{}: {e}", path.display()))
}
