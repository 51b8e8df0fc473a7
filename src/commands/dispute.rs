//! `slawatch dispute open|reject|accept|list`: the supplier disputes a
//! breach (a service level's month, an incident or an outage), a
//! recoverable cost or a commitment's delay payments;
//! the customer later rejects the dispute (the claim stands) or accepts it
//! (the claim item is withdrawn). `uphold` and `withdraw`, the words of the
//! previous release, still work as aliases of `reject` and `accept`.

use clap::Subcommand;

use super::Failure;
use super::records::{ListFormat, contract, now, print_list, refused, who};
use crate::config::Config;
use crate::domain::time::format_utc;
use crate::domain::{DisputeStatus, DisputeSubject, WallClock};
use crate::engine::commitments::AsOf;
use crate::records::{TargetRequest, check_disputed_delay_payment, dispute_subject, required};
use crate::store::Store;

/// The `dispute` subcommands.
#[derive(Debug, Subcommand)]
pub enum DisputeCommand {
    /// Record that the supplier disputes a breach, an outage, a cost or a
    /// commitment's delay payments: it stays in the claim, reported as disputed.
    Open {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// A service level's failed month (with --month).
        #[arg(long, value_name = "ID", requires = "month")]
        service_level: Option<String>,
        /// The month of --service-level, YYYY-MM.
        #[arg(long, value_name = "YYYY-MM")]
        month: Option<String>,
        /// An incident counted as a breach.
        #[arg(long, value_name = "ID")]
        incident: Option<String>,
        /// A recoverable cost's id.
        #[arg(long, value_name = "ID")]
        cost: Option<i64>,
        /// An outage counted as downtime.
        #[arg(long, value_name = "ID")]
        outage: Option<String>,
        /// A commitment whose delay payments are disputed (with --due).
        #[arg(long, value_name = "ID", requires = "due")]
        commitment: Option<String>,
        /// The occurrence of --commitment: its due date or the month it covers.
        #[arg(long, value_name = "DATE|MONTH", requires = "commitment")]
        due: Option<String>,
        /// The supplier's grounds.
        #[arg(long)]
        note: String,
        /// Who is recording it.
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// Reject the supplier's dispute: the claim stands and the disputed
    /// amount is undisputed again (`uphold` is the previous release's word).
    #[command(alias = "uphold")]
    Reject {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// The dispute's id (from `dispute list`).
        #[arg(long)]
        id: i64,
        /// Why.
        #[arg(long)]
        note: String,
        /// Who decided.
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// Accept the supplier's dispute: the claim item is withdrawn and drops
    /// out of the claim (`withdraw` is the previous release's word).
    #[command(alias = "withdraw")]
    Accept {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// The dispute's id (from `dispute list`).
        #[arg(long)]
        id: i64,
        /// Why.
        #[arg(long)]
        note: String,
        /// Who decided.
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// List the contract's disputes, decided ones included.
    List {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
}

/// Runs a `dispute` subcommand.
pub async fn run(
    config: &Config,
    store: &Store,
    cmd: DisputeCommand,
    clock: &WallClock,
) -> Result<(), Failure> {
    match cmd {
        DisputeCommand::Open {
            contract: id,
            service_level,
            month,
            incident,
            cost,
            outage,
            commitment,
            due,
            note,
            by,
        } => {
            let c = contract(config, &id)?;
            let by = who(&by)?;
            let note = required("--note", &note).map_err(refused)?;
            let request = TargetRequest {
                incident,
                outage,
                service_level,
                month,
                cost,
                commitment,
                due,
            };
            let subject = dispute_subject(c, &request).map_err(refused)?;
            if matches!(subject, DisputeSubject::DelayPayment { .. }) {
                let register = store
                    .commitment_register(c, &config.calendars)
                    .await
                    .map_err(Failure::runtime)?;
                let as_of = AsOf::new(clock.now(), c.timezone);
                check_disputed_delay_payment(&register, &subject, as_of).map_err(refused)?;
            }
            let d = store
                .open_dispute(&c.id, &subject, &note, &by, now(clock))
                .await
                .map_err(refused)?;
            println!("recorded dispute {} of {} for {}", d.id, d.subject, c.id);
            Ok(())
        }
        DisputeCommand::Reject {
            contract: id,
            id: dispute,
            note,
            by,
        } => {
            decide(
                config,
                store,
                &id,
                dispute,
                DisputeStatus::Rejected,
                &note,
                &by,
                clock,
            )
            .await
        }
        DisputeCommand::Accept {
            contract: id,
            id: dispute,
            note,
            by,
        } => {
            decide(
                config,
                store,
                &id,
                dispute,
                DisputeStatus::Accepted,
                &note,
                &by,
                clock,
            )
            .await
        }
        DisputeCommand::List {
            contract: id,
            format,
        } => {
            let c = contract(config, &id)?;
            let disputes = store.disputes(&c.id).await.map_err(Failure::runtime)?;
            print_list(
                &disputes,
                format,
                &["ID", "DISPUTED", "STATUS", "NOTE", "OPENED", "DECIDED"],
                |d| {
                    vec![
                        d.id.to_string(),
                        d.subject.to_string(),
                        d.status.to_string(),
                        d.note.clone(),
                        format!("{} by {}", format_utc(d.opened_at), d.opened_by),
                        match (&d.resolved_at, &d.resolved_by) {
                            (Some(at), Some(by)) => format!(
                                "{} by {}: {}",
                                format_utc(*at),
                                by,
                                d.resolution_note.as_deref().unwrap_or("")
                            ),
                            _ => String::new(),
                        },
                    ]
                },
            )
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn decide(
    config: &Config,
    store: &Store,
    contract_id: &str,
    id: i64,
    outcome: DisputeStatus,
    note: &str,
    by: &str,
    clock: &WallClock,
) -> Result<(), Failure> {
    let c = contract(config, contract_id)?;
    let by = who(by)?;
    let note = required("--note", note).map_err(refused)?;
    let d = store
        .resolve_dispute(&c.id, id, outcome, &note, &by, now(clock))
        .await
        .map_err(refused)?;
    println!(
        "dispute {} of {} {} for {}: {}",
        d.id,
        d.subject,
        d.status.decision(),
        c.id,
        d.status.meaning()
    );
    Ok(())
}
