//! The noise budget: how many messages a contract manager receives per day
//! with the default policy, over a typical month.
//!
//! The demo's contract (`config/slawatch.toml`, its two managers, commitments,
//! DR register and escalation ladder) and the demo's volumes (400 incidents a
//! month, with the holds, outages, work items and supplier figures the
//! generator draws alongside) for November 2026 and every month before it
//! that November's figures depend on. The evidence is fed as it would arrive,
//! in steps of [`STEP_HOURS`] hours: each record sent when it is opened and
//! again when it is responded to, resolved or ended (a hold when it starts
//! and when it ends), and the supplier's own figures for October in its
//! service report on Friday 6 November. After every step, with the clock
//! stopped at that instant, the daemon's rounds run as they would: live
//! detection, issuing, and the sender, to a real SMTP server on loopback.
//!
//! The step is three hours, not one, to keep the test near two minutes in a
//! debug build (hour by hour took nearly six). A daemon's live loop runs far
//! more often than that, so the count here can be a little lower than a real
//! month's: an incident that becomes at risk and is resolved within one step
//! is never seen at risk. Hour by hour, the same month gave each manager 66
//! messages instead of 61, with the same normal day (2) and worst day (5).
//!
//! Everything before Saturday 24 October is imported at once, and the week
//! to 1 November is fed but not counted: a daemon started on a store with
//! history sends its first burst then, as docs/book/src/operators/alerts.md says.
//! November's days
//! are counted per manager, and the test asserts the budget: at most three
//! messages on a normal day (the median day), and every critical alert sent
//! in the round that detected it, on its own.
//!
//! `cargo test --test noise_budget -- --nocapture` prints the figures quoted in
//! docs/book/src/operators/alerts.md.

mod common;
mod smtp_sink;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::daemon_deps;
use slawatch::alerts::sender::SenderSettings;
use slawatch::daemon::Deps;
use slawatch::daemon::live::detect_once;
use slawatch::domain::{Period, WallClock};
use slawatch::generate::{ContractShape, GenerateOptions, generate};
use smtp_sink::{Handler, Mail, SmtpSink, free_port, python_or_skip};
use tokio_util::sync::CancellationToken;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// How far the clock moves between two rounds of the daemon.
const STEP_HOURS: i64 = 3;

const MANAGERS: [&str; 2] = ["contracts@council.example", "it-assurance@council.example"];

/// The demo's configuration, with the store and data folder of the test and
/// mail sent to the sink on `smtp`.
fn demo_config(smtp: u16) -> String {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config/slawatch.toml"))
            .expect("the demo configuration");
    // The test's own [daemon] keys come first (see daemon_deps).
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            !(l.starts_with("[daemon]")
                || l.starts_with("database_url")
                || l.starts_with("data_dir"))
        })
        .collect();
    format!(
        "{}\n[email]\nsmtp_url = \"smtp://127.0.0.1:{smtp}\"\nfrom = \"SLA Watch <slawatch@council.example>\"\n",
        kept.join("\n")
    )
}

/// One generated file: its header and rows, with the columns holding the
/// instants that say when a row (or a change to it) becomes known.
struct Feed {
    name: &'static str,
    header: csv::StringRecord,
    rows: Vec<csv::StringRecord>,
    /// The column whose instant first makes the row known (opened, started).
    first: usize,
    /// Columns set later (responded, resolved, ended): blank until then.
    later: Vec<usize>,
}

impl Feed {
    fn read(dir: &Path, name: &'static str, first: &str, later: &[&str]) -> Feed {
        let mut reader = csv::Reader::from_path(dir.join(name)).expect("a generated file");
        let header = reader.headers().expect("its header").clone();
        let col = |c: &str| {
            header
                .iter()
                .position(|h| h == c)
                .unwrap_or_else(|| panic!("{name} has no column {c}"))
        };
        let rows = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .expect("generated rows");
        Feed {
            name,
            first: col(first),
            later: later.iter().map(|c| col(c)).collect(),
            header,
            rows,
        }
    }

    fn at(row: &csv::StringRecord, col: usize) -> Option<i64> {
        let v = row.get(col)?;
        (!v.is_empty()).then(|| t(v).timestamp())
    }

    /// The rows that became known, or changed, in `(after, until]`, each as
    /// known at `until`; `after = None` takes everything known by `until`.
    fn slice(&self, after: Option<i64>, until: i64) -> Option<String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&self.header).unwrap();
        let mut any = false;
        let within = |v: Option<i64>| v.is_some_and(|v| v <= until && after.is_none_or(|a| v > a));
        for row in &self.rows {
            let Some(first) = Feed::at(row, self.first) else {
                continue;
            };
            if first > until {
                continue;
            }
            let changed =
                within(Some(first)) || self.later.iter().any(|&c| within(Feed::at(row, c)));
            if !changed {
                continue;
            }
            let fields: Vec<&str> = row
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let later =
                        self.later.contains(&i) && Feed::at(row, i).is_some_and(|x| x > until);
                    if later { "" } else { v }
                })
                .collect();
            w.write_record(&fields).unwrap();
            any = true;
        }
        any.then(|| String::from_utf8(w.into_inner().unwrap()).unwrap())
    }
}

/// Imports `csv` as the supplier's pack received at `now`.
async fn import(deps: &Deps, dir: &Path, name: &str, csv: &str, now: i64) {
    let path = dir.join(name);
    std::fs::write(&path, csv).unwrap();
    let mut fail = |r: &slawatch::import::Rejection| panic!("rejected: {r}");
    slawatch::import::import_file(
        &deps.store,
        &deps.config.contracts,
        &path,
        &slawatch::import::Writer::source("acme-pack"),
        &deps.config.limits,
        now,
        &mut fail,
    )
    .await
    .expect("import");
}

/// The outbox: (dedup key, kind, severity, created_at, sent_at).
async fn outbox(deps: &Deps) -> Vec<(String, String, String, i64, Option<i64>)> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&deps.config.daemon.database_url)
        .await
        .expect("open the store");
    let rows = sqlx::query_as(
        "SELECT dedup_key, kind, severity, created_at, sent_at FROM outbox ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .expect("read the outbox");
    pool.close().await;
    rows
}

fn keys(mail: &Mail) -> Vec<String> {
    mail.header("X-Slawatch-Alert")
        .unwrap_or_default()
        .split(", ")
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typical_month_sends_each_manager_at_most_three_messages_on_a_normal_day() {
    let Some(python) = python_or_skip("a_typical_month_sends_each_manager…") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let start = t("2026-10-24T00:00:00Z");
    let clock = WallClock::manual(start);
    let deps = daemon_deps(&dir, &demo_config(port))
        .await
        .with_clock(clock.clone());
    let sink = SmtpSink::start(&python, port, &dir.path().join("mail"), Handler::Mailbox);
    let contract = deps.config.contracts[0].clone();
    assert_eq!(contract.managers, MANAGERS);

    // The demo's sample: 400 incidents a month from the first month
    // November's figures need (the escalation ladder's look-back) on.
    let month: Period = "2026-11".parse().unwrap();
    let first = slawatch::engine::contract_year::first_needed(&contract, month);
    let mut months = 1;
    let mut m = first;
    while m < month {
        months += 1;
        m = m.next();
    }
    let sample = dir.path().join("sample");
    generate(
        &[ContractShape::from_contract(&contract)],
        &GenerateOptions {
            seed: 2026,
            incidents: 400 * u64::from(months),
            first_month: first,
            months,
            out_dir: sample.clone(),
        },
    )
    .expect("generate the sample");
    let feeds = [
        Feed::read(
            &sample,
            "incidents.csv",
            "opened_at",
            &["responded_at", "resolved_at"],
        ),
        Feed::read(&sample, "holds.csv", "start", &["end"]),
        Feed::read(&sample, "outages.csv", "start", &["end"]),
        Feed::read(&sample, "work_items.csv", "opened_at", &[]),
    ];
    let kpis = Feed::read(&sample, "supplier_kpis.csv", "period", &[]);
    let kpis_of = |p: &str| -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&kpis.header).unwrap();
        for row in kpis.rows.iter().filter(|r| r.get(kpis.first) == Some(p)) {
            w.write_record(row).unwrap();
        }
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    };
    let feed_dir = dir.path().join("feed");
    std::fs::create_dir_all(&feed_dir).unwrap();

    let settings = SenderSettings {
        smtp_timeout: Duration::from_secs(10),
        ..SenderSettings::default()
    };
    let sender = deps.sender(settings).expect("a sender");
    let round = |now: DateTime<Utc>| {
        let deps = &deps;
        let sender = &sender;
        async move {
            detect_once(deps, now).await.expect("live detection");
            slawatch::issuing::issue_due(&deps.config, &deps.store, now)
                .await
                .expect("issuing");
            let r = sender
                .deliver_due(&CancellationToken::new())
                .await
                .expect("a delivery round");
            assert_eq!(r.failed, 0, "a delivery failed at {now}");
        }
    };

    // The history, known at the start; the supplier's figures for every
    // month before October with it.
    let mut after = None;
    for feed in &feeds {
        if let Some(csv) = feed.slice(after, start.timestamp()) {
            import(&deps, &feed_dir, feed.name, &csv, start.timestamp()).await;
        }
    }
    let mut past = first;
    while past < "2026-10".parse().unwrap() {
        import(
            &deps,
            &feed_dir,
            "supplier_kpis.csv",
            &kpis_of(&past.to_string()),
            start.timestamp(),
        )
        .await;
        past = past.next();
    }
    round(start).await;
    after = Some(start.timestamp());

    // Step by step to the end of November (GMT all month: UTC is the wall
    // clock). The days before 1 November are fed, not counted.
    let counted_from = t("2026-11-01T00:00:00Z");
    let end = t("2026-12-01T00:00:00Z");
    let kpi_day = t("2026-11-06T10:00:00Z");
    let mut per_day: BTreeMap<u32, BTreeMap<&str, Vec<String>>> = BTreeMap::new();
    let mut seen = 0;
    let mut kpis_sent = false;
    let mut now = start;
    while now < end {
        now += chrono::Duration::hours(STEP_HOURS);
        if now == end {
            break;
        }
        clock.set(now);
        for feed in &feeds {
            if let Some(csv) = feed.slice(after, now.timestamp()) {
                import(&deps, &feed_dir, feed.name, &csv, now.timestamp()).await;
            }
        }
        if now >= kpi_day && !kpis_sent {
            kpis_sent = true;
            let csv = kpis_of("2026-10");
            import(&deps, &feed_dir, "supplier_kpis.csv", &csv, now.timestamp()).await;
        }
        after = Some(now.timestamp());
        round(now).await;
        // The Maildir handler stores a message before it answers 250, so
        // what the round sent is in the sink when it returns.
        let mails = sink.messages();
        for mail in &mails[seen..] {
            if now < counted_from {
                continue;
            }
            let to = mail.header("X-RcptTo").unwrap_or_default();
            let to = MANAGERS
                .iter()
                .find(|m| **m == to)
                .unwrap_or_else(|| panic!("mail to an unexpected address {to}"));
            let subject = mail.header("Subject").unwrap_or_default();
            per_day
                .entry(chrono::Datelike::day(&now))
                .or_default()
                .entry(to)
                .or_default()
                .push(subject);
        }
        seen = mails.len();
    }

    // The figures, per manager and day.
    let days: Vec<u32> = (1..=30).collect();
    let count = |day: u32, to: &str| {
        per_day
            .get(&day)
            .and_then(|d| d.get(to))
            .map_or(0, Vec::len)
    };
    for to in MANAGERS {
        let mut counts: Vec<usize> = days.iter().map(|&d| count(d, to)).collect();
        eprintln!("{to}: per day of November {counts:?}");
        counts.sort_unstable();
        let median = counts[counts.len() / 2];
        let over_three = counts.iter().filter(|&&c| c > 3).count();
        let worst = counts[counts.len() - 1];
        eprintln!(
            "{to}: normal (median) day {median}, worst day {worst}, days over 3: {over_three}, month {}",
            counts.iter().sum::<usize>()
        );
        assert!(median <= 3, "{to}: a normal day has {median} messages");
    }
    for day in &days {
        if let Some(subjects) = per_day.get(day).and_then(|d| d.get(MANAGERS[0])) {
            eprintln!("1 Nov + {}:", day - 1);
            for s in subjects {
                eprintln!("    {s}");
            }
        }
    }

    // Every critical alert went in the round that detected it, in a message
    // of its own, to both managers.
    let rows = outbox(&deps).await;
    let mails = sink.messages();
    let critical: Vec<_> = rows
        .iter()
        .filter(|r| r.2 == "critical" && r.3 >= counted_from.timestamp())
        .collect();
    let mut kinds = BTreeSet::new();
    for (key, kind, _, created, sent) in &critical {
        assert_eq!(*sent, Some(*created), "{key} waited");
        let carrying: Vec<&Mail> = mails.iter().filter(|m| keys(m).contains(key)).collect();
        assert_eq!(carrying.len(), MANAGERS.len(), "{key}");
        for m in carrying {
            assert_eq!(keys(m), vec![key.clone()], "{key} shared a message");
        }
        kinds.insert(kind.clone());
    }
    eprintln!(
        "critical alerts in November: {} ({kinds:?}), each sent at once",
        critical.len()
    );
    assert!(
        rows.iter()
            .all(|r| r.4.is_some() || r.3 >= t("2026-11-30T08:00:00Z").timestamp()),
        "only what waits for 1 December's digest is unsent"
    );
}
