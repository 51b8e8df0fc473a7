//! `slawatch demo`: the product on its embedded default in one command. It
//! generates a realistic sample month (last month, and the months before it
//! that its figures depend on, such as an annual cap's contract year) for the configured
//! contracts, imports it into the SQLite store, prints each contract's
//! evaluation, writes the month's report in every format under
//! `data_dir/reports/`, records what the audit committee reads
//! (`committee`: an audit's actions, outages' causes, the quarter's pack
//! under `data_dir/packs/`), adds a few incidents and an outage happening today,
//! and then runs the daemon: its live detection alerts on today's incidents
//! (written as `.eml` files under `data_dir/outbox/` without `[email]`), and
//! its API and metrics answer on the listen address.

mod committee;

use std::path::Path;

use std::collections::HashMap;

use chrono::{Datelike, Utc};

use super::generate::last_month;
use super::{Failure, evaluate};
use crate::config::Config;
use crate::domain::WallClock;
use crate::engine::commitments::{Action, AsOf, Register};
use crate::engine::contract_year::first_needed;
use crate::engine::dr::EvidenceKind;
use crate::generate::{ContractShape, FILES, GenerateOptions, generate};
use crate::import::fields::RecordKind;
use crate::import::{Incoming, Writer, import_file};
use crate::report::assemble;
use crate::store::Store;
use crate::store::commitments::EventRequest;
use crate::store::dr::NewDrTest;

/// The seed of the sample data, so every demo shows the same month.
const DEMO_SEED: u64 = 2026;
/// Incidents per contract in the sample month.
const DEMO_INCIDENTS_PER_CONTRACT: u64 = 400;

/// Runs the demo; with `daemon`, carries on as `slawatch run`.
/// The sample month is the one before `clock`'s now, and the daemon reads it too.
pub async fn run(
    config: Config,
    store: Store,
    daemon: bool,
    clock: WallClock,
) -> Result<(), Failure> {
    prepare(&config, &store, &clock).await?;
    if !daemon {
        return Ok(());
    }
    println!(
        "\nstarting the daemon on http://{} (Ctrl-C to stop); alerts go to {}",
        config.daemon.listen,
        config.daemon.data_dir.join("outbox").display()
    );
    super::run::run(config, store, clock).await
}

/// Everything before the daemon starts.
async fn prepare(config: &Config, store: &Store, clock: &WallClock) -> Result<(), Failure> {
    let period = last_month(clock);
    let sample = config
        .daemon
        .data_dir
        .join("sample")
        .join(period.to_string());
    let shapes: Vec<ContractShape> = config
        .contracts
        .iter()
        .map(ContractShape::from_contract)
        .collect();
    // The month's figures may depend on earlier months (an annual cap's
    // contract year, a repeat multiplier, an escalation's look-back): those
    // are generated too, so the demo shows them at work.
    let first_month = config
        .contracts
        .iter()
        .map(|c| first_needed(c, period))
        .min()
        .unwrap_or(period);
    let mut months = 1;
    let mut month = first_month;
    while month < period {
        months += 1;
        month = month.next();
    }
    let options = GenerateOptions {
        seed: DEMO_SEED,
        incidents: DEMO_INCIDENTS_PER_CONTRACT * shapes.len() as u64 * u64::from(months),
        first_month,
        months,
        out_dir: sample.clone(),
    };
    generate(&shapes, &options).map_err(Failure::runtime)?;
    match months {
        1 => println!("sample data for {period}: {}", sample.display()),
        _ => println!(
            "sample data for {first_month} to {period}: {}",
            sample.display()
        ),
    }
    if months > 1 {
        // The supplier's own figures of the sample month only: earlier
        // months' would each raise their discrepancy alerts at once.
        keep_month(&sample.join("supplier_kpis.csv"), period).map_err(Failure::runtime)?;
    }
    let now = clock.now();
    for name in FILES {
        let path = sample.join(name);
        let mut report = |r: &crate::import::Rejection| eprintln!("rejected: {r}");
        let s = import_file(
            store,
            &config.contracts,
            &path,
            &Writer::source("demo"),
            &config.limits,
            now.timestamp(),
            &mut report,
        )
        .await
        .map_err(Failure::runtime)?;
        println!(
            "imported {name}: {} stored, {} updated, {} unchanged",
            s.counts.stored, s.counts.updated, s.counts.unchanged
        );
    }
    evidence_security_programme(config, store, now).await?;
    assure_vendor_systems(config, store, now).await?;
    for contract in &config.contracts {
        let report = assemble::with_trends(store, config, contract, period, now, None)
            .await
            .map_err(Failure::runtime)?;
        println!("\n{}\n", evaluate::table(&report));
        committee::classify_outages(store, &report, now).await?;
        let dir = config
            .daemon
            .data_dir
            .join("reports")
            .join(&contract.id)
            .join(period.to_string());
        write_reports(&dir, &report)?;
        println!("reports: {}", dir.display());
    }
    committee::record_actions(config, store, now).await?;
    committee::issue_the_pack(config, store, period, now).await?;
    today(config, store, now).await
}

/// The security activities the demo leaves without evidence: the latest
/// occurrence due of each, so the report shows activities committed to and
/// not evidenced beside those that were.
const DEMO_UNEVIDENCED: [&str; 2] = ["penetration-test", "patch-compliance"];

/// Evidence for the first contract's `security` commitments: each
/// occurrence due by today is delivered three days before its due date and
/// accepted five days after that (if that day has come), except the latest
/// of those in [`DEMO_UNEVIDENCED`]. An occurrence already delivered (a
/// demo run again on the same store) is left as it is.
async fn evidence_security_programme(
    config: &Config,
    store: &Store,
    now: chrono::DateTime<Utc>,
) -> Result<(), Failure> {
    let Some(contract) = config.contracts.first() else {
        return Ok(());
    };
    let as_of = AsOf::new(now, contract.timezone);
    let register = store
        .commitment_register(contract, &config.calendars)
        .await
        .map_err(Failure::runtime)?;
    let mut delivered = 0;
    for c in register
        .commitments
        .iter()
        .filter(|c| c.category.as_str() == "security")
    {
        let mut dues: Vec<_> = Register::dues_to_date(c, as_of.today)
            .into_iter()
            .filter(|d| d.date <= as_of.today)
            .collect();
        if DEMO_UNEVIDENCED.contains(&c.id.as_str()) {
            dues.pop();
        }
        for due in dues {
            if register.state(&c.id, &due.key, now).delivery.is_some() {
                continue;
            }
            let on = due.date - chrono::Duration::days(3);
            let request =
                |action, on, evidence: Option<String>, person: Option<&str>| EventRequest {
                    commitment: c.id.clone(),
                    selector: Some(due.date.to_string()),
                    action,
                    on: Some(on),
                    evidence,
                    person: person.map(str::to_string),
                    reason: None,
                    recorded_by: "demo".to_string(),
                };
            let evidence = format!("{}-{}.pdf", c.id, due.key);
            store
                .record_commitment_event(
                    contract,
                    &config.calendars,
                    request(Action::Delivered, on, Some(evidence), None),
                    now,
                )
                .await
                .map_err(Failure::runtime)?;
            delivered += 1;
            let accepted_on = on + chrono::Duration::days(5);
            if accepted_on <= as_of.today {
                store
                    .record_commitment_event(
                        contract,
                        &config.calendars,
                        request(
                            Action::Accepted,
                            accepted_on,
                            None,
                            Some("Council information security officer"),
                        ),
                        now,
                    )
                    .await
                    .map_err(Failure::runtime)?;
            }
        }
    }
    if delivered > 0 {
        println!(
            "recorded {delivered} security deliveries for {}; left without evidence: {}",
            contract.id,
            DEMO_UNEVIDENCED.join(", ")
        );
    }
    Ok(())
}

/// The vendor's SOC 2 Type II report for each system of the first contract
/// that a SaaS vendor or cloud provider runs: for the year to the last 30
/// September, current for a year after it. So the register shows a system
/// resting on third-party assurance rather than flagged as never tested. A
/// system already holding an assurance (a demo run again) is left alone.
async fn assure_vendor_systems(
    config: &Config,
    store: &Store,
    now: chrono::DateTime<Utc>,
) -> Result<(), Failure> {
    let Some(contract) = config.contracts.first() else {
        return Ok(());
    };
    let today = crate::domain::time::local_date(contract.timezone, now);
    let Some(period_end) = (0..2)
        .filter_map(|back| chrono::NaiveDate::from_ymd_opt(today.year() - back, 9, 30))
        .find(|d| *d <= today)
    else {
        return Ok(());
    };
    let recorded = store
        .dr_tests(&contract.id)
        .await
        .map_err(Failure::runtime)?;
    for system in contract
        .dr_systems
        .iter()
        .filter(|s| s.hosted_by.is_third_party())
    {
        if recorded
            .iter()
            .any(|t| t.system == system.id && t.kind != EvidenceKind::Test)
        {
            continue;
        }
        let vendor = system.vendor.as_deref().unwrap_or("the vendor");
        let assurance = NewDrTest {
            system: system.id.clone(),
            kind: EvidenceKind::Soc2,
            date: period_end,
            expires: period_end.checked_add_months(chrono::Months::new(12)),
            achieved_rto_seconds: None,
            achieved_rpo_seconds: None,
            evidence: Some(format!(
                "{vendor} SOC 2 Type II report to {period_end}, section on business continuity and DR"
            )),
            note: None,
        };
        store
            .record_dr_test(contract, &assurance, "demo", now)
            .await
            .map_err(|e| Failure::runtime(anyhow::anyhow!("{e}")))?;
        println!(
            "recorded {vendor}'s SOC 2 report to {period_end} for {} ({})",
            system.id, contract.id
        );
    }
    Ok(())
}

/// Incidents and an outage happening now, so live detection has something
/// to say: a P1 at risk, a P1 already breached, and an email outage.
async fn today(config: &Config, store: &Store, now: chrono::DateTime<Utc>) -> Result<(), Failure> {
    let Some(contract) = config.contracts.first() else {
        return Ok(());
    };
    let at = |minutes_ago: i64| {
        crate::domain::time::format_utc(now - chrono::Duration::minutes(minutes_ago))
    };
    let incident = |id: &str, minutes_ago: i64, title: &str| Incoming {
        kind: RecordKind::Incident,
        fields: HashMap::from([
            ("id".to_string(), id.to_string()),
            ("contract".to_string(), contract.id.clone()),
            ("priority".to_string(), "P1".to_string()),
            ("service".to_string(), "email".to_string()),
            ("opened_at".to_string(), at(minutes_ago)),
            ("title".to_string(), title.to_string()),
        ]),
        line: 0,
    };
    let day = now.format("%Y%m%d");
    let records = vec![
        incident(
            &format!("DEMO-{day}-1"),
            190,
            "Mailboxes not syncing on mobile devices",
        ),
        incident(
            &format!("DEMO-{day}-2"),
            300,
            "Outlook <crash> & \"sync\" error for finance team",
        ),
        Incoming {
            kind: RecordKind::Outage,
            fields: HashMap::from([
                ("id".to_string(), format!("DEMO-{day}-OUT")),
                ("contract".to_string(), contract.id.clone()),
                ("service".to_string(), "email".to_string()),
                ("start".to_string(), at(20)),
                ("source".to_string(), "demo".to_string()),
            ]),
            line: 0,
        },
    ];
    let mut report = |r: &crate::import::Rejection| eprintln!("rejected: {r}");
    crate::import::ingest(
        store,
        &config.contracts,
        "demo",
        "demo: today's incidents",
        now.timestamp(),
        records,
        &mut report,
    )
    .await
    .map_err(Failure::runtime)?;
    println!(
        "\nadded two open P1 incidents and an email outage happening now for {}",
        contract.id
    );
    Ok(())
}

fn write_reports(dir: &Path, report: &crate::report::MonthReport<'_>) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::runtime(anyhow::anyhow!("cannot create {}: {e}", dir.display())))?;
    let files = [
        (
            "report.json",
            crate::report::json::render(report).map_err(Failure::runtime)?,
        ),
        (
            "report.csv",
            crate::report::csv::render(report).map_err(Failure::runtime)?,
        ),
        (
            "report.html",
            crate::report::html::render(report).map_err(Failure::runtime)?,
        ),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| {
            Failure::runtime(anyhow::anyhow!("cannot write {}: {e}", path.display()))
        })?;
    }
    Ok(())
}

/// Keeps only the rows of the generated `supplier_kpis.csv` for `period`.
fn keep_month(path: &Path, period: crate::domain::Period) -> anyhow::Result<()> {
    let mut reader = csv::Reader::from_path(path)?;
    let headers = reader.headers()?.clone();
    let column = headers
        .iter()
        .position(|h| h == "period")
        .ok_or_else(|| anyhow::anyhow!("{} has no period column", path.display()))?;
    let month = period.to_string();
    let mut kept = Vec::new();
    for row in reader.records() {
        let row = row?;
        if row.get(column) == Some(month.as_str()) {
            kept.push(row);
        }
    }
    let mut writer = csv::Writer::from_path(path)?;
    writer.write_record(&headers)?;
    for row in &kept {
        writer.write_record(row)?;
    }
    writer.flush()?;
    Ok(())
}
