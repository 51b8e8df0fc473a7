//! `slawatch cause`: records what caused an outage or an incident, as a
//! contract manager read it in the supplier's root-cause report.

use super::Failure;
use super::records::{cli_recorder, contract, refused, who};
use crate::config::Config;
use crate::domain::{Cause, CauseSubject, NewCause, WallClock};
use crate::store::Store;

/// What `slawatch cause` was asked.
#[derive(Debug)]
pub struct CauseRequest<'a> {
    /// The contract.
    pub contract: &'a str,
    /// An outage's id.
    pub outage: Option<&'a str>,
    /// An incident's id.
    pub incident: Option<&'a str>,
    /// The cause, one lower-case word.
    pub cause: &'a str,
    /// Who classified it.
    pub by: &'a str,
    /// Why: the report read.
    pub why: &'a str,
}

/// Records the classification.
pub async fn run(
    config: &Config,
    store: &Store,
    req: CauseRequest<'_>,
    clock: &WallClock,
) -> Result<(), Failure> {
    let c = contract(config, req.contract)?;
    let (subject, id) = match (req.outage, req.incident) {
        (Some(id), None) => (CauseSubject::Outage, id),
        (None, Some(id)) => (CauseSubject::Incident, id),
        _ => return Err(Failure::input("give one of --outage ID or --incident ID")),
    };
    let cause = NewCause {
        subject,
        subject_id: id.to_string(),
        cause: Cause::parse(req.cause).map_err(|e| Failure::input(format!("--cause: {e}")))?,
        by: who(req.by)?,
        reason: req.why.to_string(),
    };
    let stored = store
        .record_cause(&c.id, &cause, &cli_recorder(), clock.now())
        .await
        .map_err(refused)?;
    println!(
        "recorded: {} {} of {} caused by {} (classified by {})",
        stored.subject.as_str(),
        stored.subject_id,
        c.id,
        stored.cause,
        stored.by
    );
    Ok(())
}
