//! `slawatch dr-test add|withdraw|list`: DR tests recorded against the
//! systems of the disaster-recovery register (and withdrawn when recorded by
//! mistake), and the register as it stands (flags per system, the
//! supplier's DR risk rating); `slawatch dr-assurance add`: a vendor's dated
//! DR assurance for a system it runs (withdrawn like a test). The same store
//! functions serve the API.

use chrono::NaiveDate;
use clap::Subcommand;
use serde_json::json;

use super::Failure;
use super::records::{ListFormat, contract, print_list, refused, who};
use crate::config::Config;
use crate::contract::Contract;
use crate::domain::time::{format_utc, local_date};
use crate::domain::{WallClock, parse_duration_seconds};
use crate::engine::dr::{DrAssessment, EvidenceKind, assess, words};
use crate::records::required;
use crate::report::json::{Wire, all};
use crate::store::Store;
use crate::store::dr::NewDrTest;

/// The `dr-test` subcommands.
#[derive(Debug, Subcommand)]
pub enum DrTestCommand {
    /// Record a DR test of one of the contract's systems.
    Add {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// The system tested (an id from `[[contracts.dr_systems]]`).
        #[arg(long)]
        system: String,
        /// When the test took place, YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// The recovery time achieved, e.g. 3h30m.
        #[arg(long, value_name = "DURATION")]
        rto: Option<String>,
        /// The recovery point achieved (data lost), e.g. 10m.
        #[arg(long, value_name = "DURATION")]
        rpo: Option<String>,
        /// Where the proof is (test report, vendor's DR attestation).
        #[arg(long)]
        evidence: Option<String>,
        /// Anything else worth saying.
        #[arg(long)]
        note: Option<String>,
        /// Who is recording it.
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// Withdraw a DR test recorded by mistake: it stays listed, with who
    /// withdrew it, when and why, and no longer counts in the register.
    Withdraw {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// The test's id (from `dr-test list`).
        #[arg(long)]
        id: i64,
        /// Why it is withdrawn.
        #[arg(long)]
        reason: String,
        /// Who is withdrawing it.
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// The register: each system's last test, flags and score, the
    /// supplier's DR risk rating, and every test recorded.
    List {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// The register as it stood on this date (default today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
}

/// The `dr-assurance` subcommands.
#[derive(Debug, Subcommand)]
pub enum DrAssuranceCommand {
    /// Record a vendor's DR assurance for a system it runs (a SOC 2 Type II
    /// report, an ISO 22301 certificate, the vendor's DR test report); withdraw
    /// one recorded by mistake with `dr-test withdraw`.
    Add {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// The system (an id from `[[contracts.dr_systems]]` hosted by a SaaS vendor or cloud provider).
        #[arg(long)]
        system: String,
        /// soc2, iso22301, vendor_test_report or other.
        #[arg(long)]
        kind: String,
        /// The end of the period it covers, or the date it was issued, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        period_end: String,
        /// The last day it counts, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        expires: String,
        /// Where the document is (its reference or file).
        #[arg(long)]
        evidence: String,
        /// Anything else worth saying.
        #[arg(long)]
        note: Option<String>,
        /// Who is recording it.
        #[arg(long, value_name = "NAME")]
        by: String,
    },
}

/// Runs a `dr-assurance` subcommand.
pub async fn run_assurance(
    config: &Config,
    store: &Store,
    cmd: DrAssuranceCommand,
    clock: &WallClock,
) -> Result<(), Failure> {
    let DrAssuranceCommand::Add {
        contract: id,
        system,
        kind,
        period_end,
        expires,
        evidence,
        note,
        by,
    } = cmd;
    let c = contract(config, &id)?;
    let by = who(&by)?;
    let record = NewDrTest {
        system,
        kind: EvidenceKind::assurance(&kind).map_err(Failure::input)?,
        date: parse_date("--period-end", &period_end)?,
        expires: Some(parse_date("--expires", &expires)?),
        achieved_rto_seconds: None,
        achieved_rpo_seconds: None,
        evidence: Some(evidence),
        note,
    };
    let stored = store
        .record_dr_test(c, &record, &by, clock.now())
        .await
        .map_err(refused)?;
    println!(
        "recorded {} {} of {} for {}: dated {}, current until {}",
        stored.kind.words(),
        stored.id,
        stored.system,
        c.id,
        stored.date,
        expires
    );
    Ok(())
}

/// Runs a `dr-test` subcommand.
pub async fn run(
    config: &Config,
    store: &Store,
    cmd: DrTestCommand,
    clock: &WallClock,
) -> Result<(), Failure> {
    let now = clock.now();
    match cmd {
        DrTestCommand::Add {
            contract: id,
            system,
            date,
            rto,
            rpo,
            evidence,
            note,
            by,
        } => {
            let c = contract(config, &id)?;
            let by = who(&by)?;
            let test = NewDrTest {
                system,
                kind: EvidenceKind::Test,
                date: parse_date("--date", &date)?,
                expires: None,
                achieved_rto_seconds: duration("--rto", rto.as_deref())?,
                achieved_rpo_seconds: duration("--rpo", rpo.as_deref())?,
                evidence,
                note,
            };
            let stored = store
                .record_dr_test(c, &test, &by, now)
                .await
                .map_err(refused)?;
            println!(
                "recorded DR test {} of {} for {} on {}",
                stored.id, stored.system, c.id, stored.date
            );
            Ok(())
        }
        DrTestCommand::Withdraw {
            contract: id,
            id: test_id,
            reason,
            by,
        } => {
            let c = contract(config, &id)?;
            let by = who(&by)?;
            let reason = required("--reason", &reason).map_err(refused)?;
            let withdrawn = store
                .withdraw_dr_test(&c.id, test_id, &reason, &by, now)
                .await
                .map_err(refused)?;
            println!(
                "withdrew DR test {} of {} on {} for {}: it no longer counts (kept on record)",
                withdrawn.id, withdrawn.system, withdrawn.date, c.id
            );
            Ok(())
        }
        DrTestCommand::List {
            contract: id,
            as_of,
            format,
        } => {
            let c = contract(config, &id)?;
            let as_of = match as_of.as_deref() {
                Some(t) => parse_date("--as-of", t)?,
                None => local_date(c.timezone, now),
            };
            let tests = store.dr_tests(&c.id).await.map_err(Failure::runtime)?;
            let register = assess(&c.dr_systems, &tests, as_of);
            match format {
                ListFormat::Json => {
                    let value = json!({
                        "contract": c.id,
                        "register": register.as_ref().map(Wire::json),
                        "tests": all(&tests),
                    });
                    let text = serde_json::to_string_pretty(&value).map_err(Failure::runtime)?;
                    println!("{text}");
                    Ok(())
                }
                ListFormat::Table => print_table(c, register.as_ref(), &tests),
            }
        }
    }
}

fn print_table(
    c: &Contract,
    register: Option<&DrAssessment>,
    tests: &[crate::engine::dr::DrTest],
) -> Result<(), Failure> {
    let Some(r) = register else {
        println!(
            "{}: no DR systems configured (add [[contracts.dr_systems]])",
            c.id
        );
        return Ok(());
    };
    println!(
        "{}: DR risk {} (score {}) as of {}",
        c.id,
        r.rating.as_str(),
        r.score,
        r.as_of
    );
    let opt = |v: Option<i64>| v.map_or("-".to_string(), words);
    print_list(
        &r.systems,
        ListFormat::Table,
        &[
            "SYSTEM",
            "CRITICALITY",
            "HOSTED BY",
            "RTO",
            "RPO",
            "LAST TEST",
            "ACHIEVED RTO/RPO",
            "SCORE",
            "FLAGS",
        ],
        |s| {
            let host = match &s.vendor {
                Some(v) => format!("{} ({v})", s.hosted_by.as_str()),
                None => s.hosted_by.as_str().to_string(),
            };
            let last = s.last_test.as_ref();
            vec![
                s.id.clone(),
                s.criticality.as_str().to_string(),
                host,
                opt(s.rto_seconds),
                opt(s.rpo_seconds),
                last.map_or("never".into(), |t| t.date.to_string()),
                last.map_or("-".into(), |t| {
                    format!(
                        "{}/{}",
                        opt(t.achieved_rto_seconds),
                        opt(t.achieved_rpo_seconds)
                    )
                }),
                s.score.to_string(),
                s.flags
                    .iter()
                    .map(|f| f.flag.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        },
    )?;
    if tests.is_empty() {
        return Ok(());
    }
    println!();
    print_list(
        tests,
        ListFormat::Table,
        &[
            "ID",
            "SYSTEM",
            "DATE",
            "RTO",
            "RPO",
            "EVIDENCE",
            "BY",
            "NOTE",
            "WITHDRAWN",
        ],
        |t| {
            vec![
                t.id.to_string(),
                t.system.clone(),
                t.date.to_string(),
                opt(t.achieved_rto_seconds),
                opt(t.achieved_rpo_seconds),
                t.evidence.clone().unwrap_or_default(),
                t.recorded_by.clone(),
                t.note.clone().unwrap_or_default(),
                t.withdrawn.as_ref().map_or(String::new(), |w| {
                    format!(
                        "withdrawn by {} at {}: {}",
                        w.by,
                        format_utc(w.at),
                        w.reason
                    )
                }),
            ]
        },
    )
}

fn parse_date(flag: &str, text: &str) -> Result<NaiveDate, Failure> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        Failure::input(format!(
            "{flag}: '{text}' is not a date (expected YYYY-MM-DD)"
        ))
    })
}

fn duration(flag: &str, text: Option<&str>) -> Result<Option<i64>, Failure> {
    text.map(|t| parse_duration_seconds(t).map_err(|e| Failure::input(format!("{flag}: {e}"))))
        .transpose()
}
