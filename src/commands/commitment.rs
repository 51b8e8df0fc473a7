//! `slawatch commitment add|deliver|accept|reject|list`: the commitments
//! register from the command line. The same store functions serve the API.

use std::fmt::Write as _;

use chrono::{NaiveDate, Utc};

use clap::Subcommand;

use super::Failure;
use super::evaluate::EvaluateFormat;
use crate::config::{CommitmentSpec, Config};
use crate::contract::Contract;
use crate::domain::{Money, WallClock};
use crate::engine::commitments::{Action, AsOf, Occurrence};
use crate::report::json::all;
use crate::store::Store;
use crate::store::commitments::{EventRequest, RegisterError};

/// `slawatch commitment …`. An occurrence is named with `--due`: its due
/// date, or a month (the month a rule covers, or the month it is due in);
/// without it the open one is taken (the earliest not delivered, or the
/// earliest delivery awaiting a decision).
#[derive(Debug, Subcommand)]
pub enum CommitmentCommand {
    /// Add a commitment to the register, beside those in the configuration.
    Add {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// The commitment's id (letters, digits, '-', '_', '.').
        #[arg(long)]
        id: String,
        /// What is owed.
        #[arg(long)]
        name: String,
        /// dr, security, governance, staffing or other (default).
        #[arg(long)]
        category: Option<String>,
        /// Who answers for it at the supplier.
        #[arg(long)]
        owner: Option<String>,
        /// The first due date (YYYY-MM-DD) or a rule ("5 working days after month end").
        #[arg(long, value_name = "DATE|RULE")]
        due: String,
        /// A recurrence ("1 month", "12 months", "1 year").
        #[arg(long)]
        every: Option<String>,
        /// With a rule: the first month covered.
        #[arg(long, value_name = "YYYY-MM")]
        first_month: Option<String>,
        /// With working days: the configured calendar whose working days count.
        #[arg(long)]
        calendar: Option<String>,
        /// The contract's delay payment per day late, e.g. "250.00".
        #[arg(long, value_name = "AMOUNT")]
        delay_payment_per_day: Option<String>,
    },
    /// Record a delivery, with its evidence reference.
    Deliver {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// The commitment's id.
        #[arg(long)]
        id: String,
        /// The occurrence: its due date or month (default: the earliest not delivered).
        #[arg(long, value_name = "DATE|MONTH")]
        due: Option<String>,
        /// Where the deliverable is (document, ticket, link).
        #[arg(long)]
        evidence: String,
        /// The delivery date (default today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<String>,
    },
    /// Record that a named person accepted the delivery.
    Accept {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// The commitment's id.
        #[arg(long)]
        id: String,
        /// The occurrence: its due date or month (default: the earliest awaiting a decision).
        #[arg(long, value_name = "DATE|MONTH")]
        due: Option<String>,
        /// Who accepted it.
        #[arg(long, value_name = "NAME")]
        by: String,
        /// The acceptance date (default today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<String>,
    },
    /// Record that a named person rejected the delivery: the occurrence is open again.
    Reject {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// The commitment's id.
        #[arg(long)]
        id: String,
        /// The occurrence: its due date or month (default: the earliest awaiting a decision).
        #[arg(long, value_name = "DATE|MONTH")]
        due: Option<String>,
        /// Who rejected it.
        #[arg(long, value_name = "NAME")]
        by: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// The rejection date (default today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<String>,
    },
    /// List every occurrence due so far and the next of each commitment, with its status.
    List {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = EvaluateFormat::Table)]
        format: EvaluateFormat,
        /// The register as it stood at this instant (RFC 3339) instead of now.
        #[arg(long, value_name = "INSTANT")]
        as_of: Option<String>,
    },
}

/// Runs one `commitment` subcommand.
pub async fn run(
    config: &Config,
    store: &Store,
    command: CommitmentCommand,
    clock: &WallClock,
) -> Result<(), Failure> {
    let now = clock.now();
    let recorded_by = super::records::cli_recorder();
    match command {
        CommitmentCommand::Add {
            contract,
            id,
            name,
            category,
            owner,
            due,
            every,
            first_month,
            calendar,
            delay_payment_per_day,
        } => {
            let c = find(config, &contract)?;
            let spec = CommitmentSpec {
                id,
                name,
                category,
                owner,
                due,
                every,
                first_month,
                calendar,
                delay_payment_per_day,
            };
            store
                .add_commitment(c, &config.calendars, &spec, &recorded_by, now)
                .await
                .map_err(|e| failure(e, true))?;
            let register = store
                .commitment_register(c, &config.calendars)
                .await
                .map_err(Failure::runtime)?;
            let added = register.get(&spec.id).map(|a| a.schedule.describe());
            println!(
                "added commitment {} to {}: due {}",
                spec.id,
                c.id,
                added.unwrap_or_default()
            );
            Ok(())
        }
        CommitmentCommand::Deliver {
            contract,
            id,
            due,
            evidence,
            on,
        } => {
            let request = EventRequest {
                commitment: id,
                selector: due,
                action: Action::Delivered,
                on: date(on.as_deref())?,
                evidence: Some(evidence),
                person: None,
                reason: None,
                recorded_by,
            };
            record(config, store, &contract, request, now).await
        }
        CommitmentCommand::Accept {
            contract,
            id,
            due,
            by,
            on,
        } => {
            let request = EventRequest {
                commitment: id,
                selector: due,
                action: Action::Accepted,
                on: date(on.as_deref())?,
                evidence: None,
                person: Some(by),
                reason: None,
                recorded_by,
            };
            record(config, store, &contract, request, now).await
        }
        CommitmentCommand::Reject {
            contract,
            id,
            due,
            by,
            reason,
            on,
        } => {
            let request = EventRequest {
                commitment: id,
                selector: due,
                action: Action::Rejected,
                on: date(on.as_deref())?,
                evidence: None,
                person: Some(by),
                reason: Some(reason),
                recorded_by,
            };
            record(config, store, &contract, request, now).await
        }
        CommitmentCommand::List {
            contract,
            format,
            as_of,
        } => {
            let c = find(config, &contract)?;
            let now = match as_of.as_deref() {
                None => now,
                Some(t) => crate::domain::time::parse_rfc3339(t)
                    .map_err(|e| Failure::input(format!("--as-of: {e}")))?,
            };
            let register = store
                .commitment_register(c, &config.calendars)
                .await
                .map_err(Failure::runtime)?;
            let as_of = AsOf::new(now, c.timezone);
            let listing = register.listing(as_of);
            let text = match format {
                EvaluateFormat::Json => serde_json::to_string_pretty(&serde_json::json!({
                    "contract": c.id,
                    "as_of": crate::domain::time::format_utc(now),
                    "today": as_of.today,
                    "commitments": all(&listing),
                }))
                .map_err(Failure::runtime)?,
                EvaluateFormat::Table => table(c, &listing),
            };
            println!("{text}");
            Ok(())
        }
    }
}

fn find<'c>(config: &'c Config, id: &str) -> Result<&'c Contract, Failure> {
    config.contract(id).ok_or_else(|| {
        let known: Vec<&str> = config.contracts.iter().map(|c| c.id.as_str()).collect();
        Failure::input(format!(
            "unknown contract '{id}' (configured: {})",
            known.join(", ")
        ))
    })
}

fn date(text: Option<&str>) -> Result<Option<NaiveDate>, Failure> {
    text.map(|t| {
        t.parse::<NaiveDate>()
            .map_err(|_| Failure::input(format!("--on: '{t}' is not a date (expected YYYY-MM-DD)")))
    })
    .transpose()
}

/// Refusals are bad input (exit 1); store failures are runtime (exit 2).
/// An `add` refusal lists each problem by its option.
fn failure(e: RegisterError, options: bool) -> Failure {
    match e {
        RegisterError::Store(e) => Failure::runtime(e),
        RegisterError::Invalid(m) if options => Failure::input(
            m.lines()
                .map(|l| match l.split_once(": ") {
                    Some((key, rest)) => format!("--{}: {rest}", key.replace('_', "-")),
                    None => l.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        RegisterError::NotFound(m) | RegisterError::Invalid(m) => Failure::input(m),
    }
}

async fn record(
    config: &Config,
    store: &Store,
    contract: &str,
    request: EventRequest,
    now: chrono::DateTime<Utc>,
) -> Result<(), Failure> {
    let c = find(config, contract)?;
    let action = request.action;
    let o = store
        .record_commitment_event(c, &config.calendars, request, now)
        .await
        .map_err(|e| failure(e, false))?;
    println!(
        "{} {} (due {}): {} — now {}",
        o.id,
        o.occurrence,
        o.due,
        action.as_str(),
        o.status.as_str()
    );
    if action == Action::Delivered
        && let Some(delivery) = store
            .delivery_id(&c.id, &o.id, &o.occurrence)
            .await
            .map_err(Failure::runtime)?
    {
        // What `evidence add --delivery` names, to attach the document.
        println!("delivery {delivery}");
    }
    Ok(())
}

/// The register as a plain-text table.
pub fn table(c: &Contract, listing: &[Occurrence]) -> String {
    let money = |minor: i64| {
        Money {
            minor,
            currency: c.currency.clone(),
        }
        .to_string()
    };
    let mut rows = vec![
        [
            "COMMITMENT",
            "CATEGORY",
            "OCCURRENCE",
            "DUE",
            "STATUS",
            "DELIVERED",
            "EVIDENCE",
            "ACCEPTED BY",
            "DAYS LATE",
            "DELAY PAYMENT",
        ]
        .map(String::from),
    ];
    for o in listing {
        rows.push([
            o.id.clone(),
            o.category.as_str().to_string(),
            o.occurrence.clone(),
            o.due.to_string(),
            o.status.as_str().to_string(),
            o.delivered_on.map_or("-".into(), |d| d.to_string()),
            o.evidence.clone().unwrap_or_else(|| "-".into()),
            o.accepted_by.clone().unwrap_or_else(|| "-".into()),
            match o.days_late {
                0 => "-".into(),
                n => n.to_string(),
            },
            match (o.delay_payment_per_day_minor, o.delay_payment_to_date_minor) {
                (Some(_), n) if n > 0 => money(n),
                _ => "-".into(),
            },
        ]);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = format!("{} ({}): commitments register\n\n", c.id, c.supplier);
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    if listing.is_empty() {
        out.push_str("(no commitments)\n");
    }
    out.trim_end().to_string()
}
