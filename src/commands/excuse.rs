//! `slawatch excuse`, `unexcuse` and `excusals`: failures the contract does
//! not count (see docs/book/src/managers/recording.md) — an
//! incident, an outage (whole, or part of it with `--from` and `--until`) or a
//! service level's month — with why, who and when.

use clap::Args;

use super::Failure;
use super::records::{ListFormat, contract, now, print_list, refused, who};
use crate::config::Config;
use crate::domain::WallClock;
use crate::domain::time::format_utc;
use crate::records::{TargetRequest, excusal_target, excused_interval, required};
use crate::store::Store;

/// What to excuse: one incident, one outage, or a service level's month.
#[derive(Debug, Clone, Args)]
pub struct ExcusalTargetArgs {
    /// An incident: listed with the reason, not assessed.
    #[arg(long, value_name = "ID")]
    pub incident: Option<String>,
    /// An outage: not downtime.
    #[arg(long, value_name = "ID")]
    pub outage: Option<String>,
    /// A service level's month (with --month): reported as measured, no credit.
    #[arg(long, value_name = "ID", requires = "month")]
    pub service_level: Option<String>,
    /// The month of --service-level, YYYY-MM.
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,
}

impl ExcusalTargetArgs {
    fn request(&self) -> TargetRequest {
        TargetRequest {
            incident: self.incident.clone(),
            outage: self.outage.clone(),
            service_level: self.service_level.clone(),
            month: self.month.clone(),
            cost: None,
            commitment: None,
            due: None,
        }
    }
}

/// `--from` and `--until` of `slawatch excuse`: the part of an outage to
/// excuse, as typed (both or neither).
#[derive(Debug, Clone, Copy, Default)]
pub struct During<'a> {
    /// `--from`.
    pub from: Option<&'a str>,
    /// `--until`.
    pub until: Option<&'a str>,
}

/// `slawatch excuse`: records an excusal, of part of an outage when
/// `during` says which.
#[allow(clippy::too_many_arguments)]
pub async fn excuse(
    config: &Config,
    store: &Store,
    contract_id: &str,
    target: &ExcusalTargetArgs,
    during: During<'_>,
    reason: &str,
    by: &str,
    clock: &WallClock,
) -> Result<(), Failure> {
    let c = contract(config, contract_id)?;
    let by = who(by)?;
    let reason = required("--reason", reason).map_err(refused)?;
    let target = excusal_target(c, &target.request()).map_err(refused)?;
    let part = excused_interval(c, &target, during.from, during.until, ("--from", "--until"))
        .map_err(refused)?;
    let e = store
        .excuse(&c.id, &target, part, &reason, &by, now(clock))
        .await
        .map_err(refused)?;
    match e.during {
        Some(p) => println!(
            "excused {} from {} until {} for {} (excusal {}): the rest of it still counts",
            e.target,
            format_utc(p.from()),
            format_utc(p.until()),
            c.id,
            e.id
        ),
        None => println!("excused {} for {} (excusal {})", e.target, c.id, e.id),
    }
    Ok(())
}

/// `slawatch unexcuse`: revokes the excusal in force for a target, or the
/// excusal with this id.
#[allow(clippy::too_many_arguments)]
pub async fn unexcuse(
    config: &Config,
    store: &Store,
    contract_id: &str,
    target: &ExcusalTargetArgs,
    id: Option<i64>,
    reason: &str,
    by: &str,
    clock: &WallClock,
) -> Result<(), Failure> {
    let c = contract(config, contract_id)?;
    let by = who(by)?;
    let reason = required("--reason", reason).map_err(refused)?;
    let id = match id {
        Some(id) => id,
        None => {
            let target = excusal_target(c, &target.request()).map_err(refused)?;
            store
                .excusal_in_force(&c.id, &target)
                .await
                .map_err(Failure::runtime)?
                .ok_or_else(|| Failure::input(format!("{target} is not excused")))?
                .id
        }
    };
    let e = store
        .revoke_excusal(&c.id, id, &reason, &by, now(clock))
        .await
        .map_err(refused)?;
    println!(
        "revoked excusal {} of {} for {}: it counts again",
        e.id, e.target, c.id
    );
    Ok(())
}

/// `slawatch excusals`: every excusal of the contract, revoked ones included.
pub async fn list(
    config: &Config,
    store: &Store,
    contract_id: &str,
    format: ListFormat,
) -> Result<(), Failure> {
    let c = contract(config, contract_id)?;
    let excusals = store.excusals(&c.id).await.map_err(Failure::runtime)?;
    print_list(
        &excusals,
        format,
        &["ID", "EXCUSED", "REASON", "BY", "AT", "REVOKED"],
        |e| {
            vec![
                e.id.to_string(),
                match e.during {
                    Some(p) => format!(
                        "{} from {} until {}",
                        e.target,
                        format_utc(p.from()),
                        format_utc(p.until())
                    ),
                    None => e.target.to_string(),
                },
                e.reason.clone(),
                e.by.clone(),
                format_utc(e.at),
                e.revoked.as_ref().map_or(String::new(), |r| {
                    format!("{} by {}: {}", format_utc(r.at), r.by, r.reason)
                }),
            ]
        },
    )
}
