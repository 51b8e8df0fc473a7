//! `slawatch actions add|update|list|show|summary|import`: the actions
//! register from the command line. The same checks ([`crate::actions`]) and
//! store functions serve the API.

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Subcommand;

use super::Failure;
use super::evaluate::EvaluateFormat;
use crate::actions::import::{self, Outcome};
use crate::actions::wire::{ActionJson, FollowUpJson, follow_up_table};
use crate::actions::{ActionRequest, FieldError, Linkable, StatusRequest};
use crate::config::Config;
use crate::contract::Contract;
use crate::domain::time::local_date;
use crate::domain::{Action, Instant, WallClock};
use crate::engine::follow_up::FollowUp;
use crate::store::Store;
use crate::store::records::RecordError;

/// The largest tracker `actions import` reads.
const MAX_TRACKER_BYTES: u64 = 32 * 1024 * 1024;

/// `slawatch actions …`.
#[derive(Debug, Subcommand)]
pub enum ActionsCommand {
    /// Record an action agreed after an audit, a committee resolution or a plan.
    Add {
        /// The contract whose register holds it.
        #[arg(long)]
        contract: String,
        /// Its id within the contract (letters, digits, '-', '_', '.').
        #[arg(long)]
        id: String,
        /// The audit, resolution or plan it comes from (the follow-up summary groups by this).
        #[arg(long)]
        origin: String,
        /// Its reference within the origin, e.g. "management action 3".
        #[arg(long)]
        reference: Option<String>,
        /// What is to be done, in a line.
        #[arg(long)]
        title: String,
        /// More words.
        #[arg(long)]
        description: Option<String>,
        /// Who answers for it.
        #[arg(long)]
        owner: String,
        /// The agreed implementation date (in the contract's timezone).
        #[arg(long, value_name = "YYYY-MM-DD")]
        due: String,
        /// Its status now (default not_implemented).
        #[arg(long)]
        status: Option<String>,
        /// Who reviewed that status (default: you).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
        /// Why (required when the status is closed).
        #[arg(long)]
        reason: Option<String>,
        /// The evidence reviewed.
        #[arg(long)]
        evidence: Option<String>,
        /// A service level of the contract it bears on.
        #[arg(long)]
        service_level: Option<String>,
        /// A system of the contract's DR register it bears on.
        #[arg(long)]
        dr_system: Option<String>,
        /// A commitment of the contract it bears on.
        #[arg(long)]
        commitment: Option<String>,
    },
    /// Record a review of an action: its status now, who reviewed it, why and the evidence seen.
    Update {
        /// The contract.
        #[arg(long)]
        contract: String,
        /// The action's id.
        #[arg(long)]
        id: String,
        /// not_implemented, partially_implemented, substantially_implemented,
        /// fully_implemented or closed.
        #[arg(long)]
        status: String,
        /// Who reviewed it.
        #[arg(long, value_name = "NAME")]
        by: String,
        /// Why (for closed, why it is closed).
        #[arg(long)]
        reason: String,
        /// The evidence reviewed.
        #[arg(long)]
        evidence: Option<String>,
        /// A revised due date agreed with this review.
        #[arg(long, value_name = "YYYY-MM-DD")]
        due: Option<String>,
    },
    /// List the actions of a contract (or every contract) with their status.
    List {
        /// The contract (default: every configured contract).
        #[arg(long)]
        contract: Option<String>,
        /// Only the actions of this origin.
        #[arg(long)]
        origin: Option<String>,
        /// Only the overdue actions.
        #[arg(long)]
        overdue: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = EvaluateFormat::Table)]
        format: EvaluateFormat,
    },
    /// Show one action and every status it has had.
    Show {
        /// The contract.
        #[arg(long)]
        contract: String,
        /// The action's id.
        #[arg(long)]
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = EvaluateFormat::Table)]
        format: EvaluateFormat,
    },
    /// The follow-up summary: per origin, actions fully, substantially and
    /// partially implemented, not implemented and closed (a zero as '-').
    Summary {
        /// The contract (default: every configured contract).
        #[arg(long)]
        contract: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = EvaluateFormat::Table)]
        format: EvaluateFormat,
    },
    /// Import an audit tracker (CSV, or the first sheet of an XLSX workbook);
    /// its columns are in the book's actions register page.
    Import {
        /// The contract whose register takes the rows.
        #[arg(long)]
        contract: String,
        /// Who reviewed the statuses, where a row has no `by` (default: you).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
        /// The tracker.
        file: PathBuf,
    },
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

/// The contracts a command covers: the one named, or every one.
fn covered<'c>(config: &'c Config, id: Option<&str>) -> Result<Vec<&'c Contract>, Failure> {
    match id {
        Some(id) => Ok(vec![find(config, id)?]),
        None => Ok(config.contracts.iter().collect()),
    }
}

/// Each problem on its own line, named by its option.
fn options(problems: Vec<FieldError>) -> Failure {
    Failure::input(
        problems
            .iter()
            .map(|p| format!("--{}: {}", p.field.replace('_', "-"), p.message))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

fn refused(e: RecordError) -> Failure {
    match e {
        RecordError::Store(e) => Failure::runtime(e),
        other => Failure::input(other.to_string()),
    }
}

fn today(c: &Contract, now: Instant) -> NaiveDate {
    local_date(c.timezone, now)
}

/// Runs one `actions` subcommand.
pub async fn run(
    config: &Config,
    store: &Store,
    command: ActionsCommand,
    clock: &WallClock,
) -> Result<(), Failure> {
    let now = clock.now();
    let recorded_by = super::records::cli_recorder();
    match command {
        ActionsCommand::Add {
            contract,
            id,
            origin,
            reference,
            title,
            description,
            owner,
            due,
            status,
            by,
            reason,
            evidence,
            service_level,
            dr_system,
            commitment,
        } => {
            let c = find(config, &contract)?;
            let links = Linkable::read(store, c).await.map_err(Failure::runtime)?;
            let request = ActionRequest {
                id,
                origin,
                reference,
                title,
                description,
                owner,
                due,
                status,
                by,
                reason,
                evidence,
                service_level,
                dr_system,
                commitment,
            };
            let new = request.check(&links, &recorded_by).map_err(options)?;
            let a = store
                .add_action(&c.id, &new, &recorded_by, now)
                .await
                .map_err(refused)?;
            println!(
                "added action {} to {}: {}, due {}",
                a.id,
                c.id,
                a.status(),
                a.due()
            );
            Ok(())
        }
        ActionsCommand::Update {
            contract,
            id,
            status,
            by,
            reason,
            evidence,
            due,
        } => {
            let c = find(config, &contract)?;
            let request = StatusRequest {
                status,
                by: Some(by),
                reason,
                evidence,
                due,
            };
            let change = request.check(&recorded_by).map_err(options)?;
            let a = store
                .record_action_status(&c.id, &id, &change, &recorded_by, now)
                .await
                .map_err(refused)?;
            let overdue = match a.days_overdue(today(c, now)) {
                0 => String::new(),
                n => format!(" (overdue by {n} days)"),
            };
            println!(
                "action {} of {}: now {}, due {}{overdue}",
                a.id,
                c.id,
                a.status(),
                a.due()
            );
            Ok(())
        }
        ActionsCommand::List {
            contract,
            origin,
            overdue,
            format,
        } => {
            let mut shown: Vec<(Action, NaiveDate)> = Vec::new();
            for c in covered(config, contract.as_deref())? {
                let day = today(c, now);
                for a in store.actions(&c.id).await.map_err(Failure::runtime)? {
                    let keep = origin.as_deref().is_none_or(|o| a.origin == o)
                        && (!overdue || a.is_overdue(day));
                    if keep {
                        shown.push((a, day));
                    }
                }
            }
            let text = match format {
                EvaluateFormat::Json => {
                    let all: Vec<ActionJson> =
                        shown.iter().map(|(a, d)| ActionJson::new(a, *d)).collect();
                    serde_json::to_string_pretty(&serde_json::json!({ "actions": all }))
                        .map_err(Failure::runtime)?
                }
                EvaluateFormat::Table => list_table(&shown),
            };
            println!("{text}");
            Ok(())
        }
        ActionsCommand::Show {
            contract,
            id,
            format,
        } => {
            let c = find(config, &contract)?;
            let a = store
                .action(&c.id, &id)
                .await
                .map_err(Failure::runtime)?
                .ok_or_else(|| {
                    Failure::input(format!("no action '{id}' for contract '{}'", c.id))
                })?;
            let day = today(c, now);
            let text = match format {
                EvaluateFormat::Json => serde_json::to_string_pretty(&ActionJson::new(&a, day))
                    .map_err(Failure::runtime)?,
                EvaluateFormat::Table => show_text(&a, day),
            };
            println!("{text}");
            Ok(())
        }
        ActionsCommand::Summary { contract, format } => {
            let mut summary = FollowUp::default();
            for c in covered(config, contract.as_deref())? {
                let day = today(c, now);
                for a in store.actions(&c.id).await.map_err(Failure::runtime)? {
                    summary.add(&a, day);
                }
            }
            let text = match format {
                EvaluateFormat::Json => serde_json::to_string_pretty(&FollowUpJson::new(&summary))
                    .map_err(Failure::runtime)?,
                EvaluateFormat::Table => follow_up_table(&summary),
            };
            println!("{text}");
            Ok(())
        }
        ActionsCommand::Import { contract, by, file } => {
            let c = find(config, &contract)?;
            let name = file.display().to_string();
            let bytes = std::fs::File::open(&file)
                .map_err(|e| format!("cannot open it: {e}"))
                .and_then(|f| import::read_limited(f, MAX_TRACKER_BYTES))
                .map_err(|e| Failure::input(format!("{name}: {e}")))?;
            let rows =
                import::read(&file, &bytes).map_err(|e| Failure::input(format!("{name}: {e}")))?;
            let links = Linkable::read(store, c).await.map_err(Failure::runtime)?;
            let by = by.unwrap_or_else(|| recorded_by.clone());
            let outcome = import::import(store, &c.id, &links, &rows, &by, &recorded_by, now)
                .await
                .map_err(refused)?;
            report_import(&name, &outcome)
        }
    }
}

/// Prints what an import did; exit 1 when any row was refused (after
/// storing every good row).
fn report_import(name: &str, o: &Outcome) -> Result<(), Failure> {
    for r in &o.rejected {
        eprintln!("rejected: {name} {r}");
    }
    let refused_lines = {
        let mut lines: Vec<u64> = o.rejected.iter().map(|r| r.line).collect();
        lines.dedup();
        lines.len()
    };
    println!(
        "{name}: {} added, {} changed, {} unchanged, {refused_lines} rejected",
        o.added.len(),
        o.changed.len(),
        o.unchanged
    );
    match refused_lines {
        0 => Ok(()),
        n => Err(Failure::input(format!(
            "{n} row(s) rejected; every other row was stored"
        ))),
    }
}

fn list_table(shown: &[(Action, NaiveDate)]) -> String {
    let mut rows = vec![
        [
            "CONTRACT", "ACTION", "ORIGIN", "OWNER", "DUE", "STATUS", "OVERDUE", "TITLE",
        ]
        .map(String::from),
    ];
    for (a, day) in shown {
        rows.push([
            a.contract.clone(),
            a.id.clone(),
            match &a.reference {
                Some(r) => format!("{} ({r})", a.origin),
                None => a.origin.clone(),
            },
            a.owner.clone(),
            a.due().to_string(),
            a.status().to_string(),
            match a.days_overdue(*day) {
                0 => "-".into(),
                n => format!("{n} days"),
            },
            a.title.clone(),
        ]);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    if shown.is_empty() {
        out.push_str("(no actions)\n");
    }
    out.trim_end().to_string()
}

fn show_text(a: &Action, day: NaiveDate) -> String {
    let mut out = format!("{} / {}: {}\n", a.contract, a.id, a.title);
    let mut line = |k: &str, v: &str| {
        let _ = writeln!(out, "  {k:<14} {v}");
    };
    line("Origin", &a.origin);
    if let Some(r) = &a.reference {
        line("Reference", r);
    }
    if let Some(d) = &a.description {
        line("Description", d);
    }
    line("Owner", &a.owner);
    let due = match a.due() == a.agreed_due {
        true => a.due().to_string(),
        false => format!("{} (revised; first agreed {})", a.due(), a.agreed_due),
    };
    line("Due", &due);
    let status = match a.days_overdue(day) {
        0 => a.status().label().to_string(),
        n => format!("{} — overdue by {n} days", a.status().label()),
    };
    line("Status", &status);
    for (k, v) in [
        ("Service level", &a.links.service_level),
        ("DR system", &a.links.dr_system),
        ("Commitment", &a.links.commitment),
    ] {
        if let Some(v) = v {
            line(k, v);
        }
    }
    out.push_str("\n  History (oldest first):\n");
    for c in &a.history {
        let _ = writeln!(
            out,
            "  {}  {}  by {}: {}{}{}  [recorded by {}]",
            crate::domain::time::format_utc(c.recorded_at),
            c.status,
            c.by,
            c.reason,
            c.evidence
                .as_deref()
                .map_or(String::new(), |e| format!("; evidence: {e}")),
            c.revised_due
                .map_or(String::new(), |d| format!("; due revised to {d}")),
            c.recorded_by
        );
    }
    out.trim_end().to_string()
}
