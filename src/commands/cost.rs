//! `slawatch cost add|list|remove|gate`: recoverable costs. A removal is
//! recorded with who and why; the cost is never deleted. `gate` records
//! (or withdraws) a gate that opens the cost's recovery under a sole-remedy
//! clause: wilful default, data loss or termination.

use clap::Subcommand;

use super::Failure;
use super::records::{ListFormat, contract, now, print_list, refused, who};
use crate::config::Config;
use crate::domain::money::format_minor;
use crate::domain::{Cost, DisputeStatus, Period, RecordedGate, WallClock};
use crate::records::{CostRequest, new_cost, required};
use crate::store::Store;

/// The `cost` subcommands.
#[derive(Debug, Subcommand)]
pub enum CostCommand {
    /// Record money the customer spent because of a breach.
    Add {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// When it was incurred, YYYY-MM-DD: it is claimed in that month.
        #[arg(long)]
        date: String,
        /// The amount in the contract's currency, e.g. 2400.00.
        #[arg(long)]
        amount: String,
        /// What was bought.
        #[arg(long)]
        description: String,
        /// Where the proof is (purchase order, invoice).
        #[arg(long)]
        evidence: String,
        /// The service level whose failure caused it.
        #[arg(long, value_name = "ID", conflicts_with = "breach_incident")]
        breach_level: Option<String>,
        /// That failure's month, YYYY-MM (default: the cost's month).
        #[arg(long, value_name = "YYYY-MM", requires = "breach_level")]
        breach_month: Option<String>,
        /// Or the incident whose breach caused it.
        #[arg(long, value_name = "ID")]
        breach_incident: Option<String>,
        /// Who is recording it (kept in the audit trail).
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// List the contract's costs, removed ones included.
    List {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// Only costs dated in this month, YYYY-MM.
        #[arg(long)]
        month: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Record that a cost is no longer claimed (it stays on record).
    Remove {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// The cost's id (from `cost list`).
        #[arg(long)]
        id: i64,
        /// Why it is removed.
        #[arg(long)]
        reason: String,
        /// Who is removing it.
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// Record a gate on a cost (wilful_default, data_loss, termination) that makes it
    /// recoverable where service credits are otherwise the sole remedy; or withdraw one.
    Gate {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// The cost's id (from `cost list`).
        #[arg(long, value_name = "COST_ID")]
        cost: i64,
        /// wilful_default, data_loss or termination.
        #[arg(long)]
        gate: String,
        /// Why the gate is open (or, with --withdraw, why it is withdrawn).
        #[arg(long)]
        reason: String,
        /// Who is recording it (kept in the audit trail).
        #[arg(long, value_name = "NAME")]
        by: String,
        /// Withdraw the gate recorded earlier instead (it stays on record).
        #[arg(long)]
        withdraw: bool,
    },
}

/// Runs a `cost` subcommand.
pub async fn run(
    config: &Config,
    store: &Store,
    cmd: CostCommand,
    clock: &WallClock,
) -> Result<(), Failure> {
    match cmd {
        CostCommand::Add {
            contract: id,
            date,
            amount,
            description,
            evidence,
            breach_level,
            breach_month,
            breach_incident,
            by,
        } => {
            let c = contract(config, &id)?;
            let by = who(&by)?;
            let request = CostRequest {
                date,
                amount,
                description,
                evidence,
                breach_service_level: breach_level,
                breach_month,
                breach_incident,
            };
            let cost = new_cost(c, &request).map_err(refused)?;
            let stored = store
                .record_cost(&c.id, &cost, &by, now(clock))
                .await
                .map_err(refused)?;
            println!(
                "recorded cost {} for {}: {} dated {}",
                stored.id, c.id, cost.amount, stored.date
            );
            Ok(())
        }
        CostCommand::List {
            contract: id,
            month,
            format,
        } => {
            let c = contract(config, &id)?;
            let period = month
                .map(|m| {
                    m.parse::<Period>()
                        .map_err(|e| Failure::input(format!("--month: {e}")))
                })
                .transpose()?;
            let costs = store.costs(&c.id, period).await.map_err(Failure::runtime)?;
            let exponent = c.currency.exponent();
            print_list(
                &costs,
                format,
                &[
                    "ID",
                    "DATE",
                    "AMOUNT",
                    "STATUS",
                    "DESCRIPTION",
                    "EVIDENCE",
                    "BREACH",
                ],
                |k| {
                    vec![
                        k.id.to_string(),
                        k.date.to_string(),
                        format!(
                            "{} {}",
                            c.currency.code(),
                            format_minor(k.amount_minor, exponent)
                        ),
                        status(k).to_string(),
                        k.description.clone(),
                        k.evidence.clone(),
                        k.breach.as_ref().map_or(String::new(), |b| b.to_string()),
                    ]
                },
            )
        }
        CostCommand::Remove {
            contract: id,
            id: cost_id,
            reason,
            by,
        } => {
            let c = contract(config, &id)?;
            let by = who(&by)?;
            let reason = required("--reason", &reason).map_err(refused)?;
            let removed = store
                .remove_cost(&c.id, cost_id, &c.currency, &reason, &by, now(clock))
                .await
                .map_err(refused)?;
            println!(
                "removed cost {} for {}: it is no longer claimed (kept on record)",
                removed.id, c.id
            );
            Ok(())
        }
        CostCommand::Gate {
            contract: id,
            cost,
            gate,
            reason,
            by,
            withdraw,
        } => {
            let c = contract(config, &id)?;
            let by = who(&by)?;
            let reason = required("--reason", &reason).map_err(refused)?;
            let gate =
                RecordedGate::parse(&gate).map_err(|e| Failure::input(format!("--gate: {e}")))?;
            let recorded = store
                .record_cost_gate(&c.id, cost, gate, withdraw, &reason, &by, now(clock))
                .await
                .map_err(refused)?;
            match recorded.withdrawn {
                false => println!(
                    "recorded the gate {gate} on cost {cost} for {} (record {})",
                    c.id, recorded.id
                ),
                true => println!(
                    "withdrew the gate {gate} on cost {cost} for {} (record {})",
                    c.id, recorded.id
                ),
            }
            Ok(())
        }
    }
}

/// Where a cost stands in the claim.
pub fn status(c: &Cost) -> &'static str {
    if c.removed.is_some() {
        return "removed";
    }
    match c.dispute.as_ref().map(|d| d.status) {
        Some(DisputeStatus::Disputed) => "disputed",
        Some(DisputeStatus::Rejected) => "claimed (upheld)",
        Some(DisputeStatus::Accepted) => "withdrawn",
        None => "claimed",
    }
}
