//! The commitments register: ad hoc commitments and the deliveries,
//! acceptances and rejections recorded against occurrences. Rows are only
//! ever inserted; the engine replays them ([`Register`]).
//!
//! Recording goes through [`Store::record_commitment_event`], which checks
//! the event against the occurrence as it stands (no second delivery, no
//! acceptance without one) so the CLI and the API obey the same rules.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use sqlx::Row as _;

use super::row::instant;
use super::{Store, StoreError, failed};
use crate::config::CommitmentSpec;
use crate::contract::Contract;
use crate::contract::calendar::Calendar;
use crate::contract::commitment::Origin;
use crate::domain::Instant;
use crate::engine::commitments::{Action, AsOf, Event, Occurrence, Register};

/// Why a register change was refused.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// No such commitment in the contract.
    #[error("{0}")]
    NotFound(String),
    /// The change does not fit (invalid keys, a second delivery, …).
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A delivery, acceptance or rejection to record.
#[derive(Debug, Clone)]
pub struct EventRequest {
    /// The commitment's id.
    pub commitment: String,
    /// The occurrence: a due date or month; `None` picks the open one.
    pub selector: Option<String>,
    /// What happened.
    pub action: Action,
    /// When (local date); `None` is today.
    pub on: Option<NaiveDate>,
    /// Delivered: the evidence reference.
    pub evidence: Option<String>,
    /// Accepted or rejected: who decided.
    pub person: Option<String>,
    /// Rejected: why.
    pub reason: Option<String>,
    /// Who is recording it (`cli:<user>`, `api:<token>`).
    pub recorded_by: String,
}

fn text(row: &sqlx::any::AnyRow, i: usize) -> Result<Option<String>, StoreError> {
    row.try_get(i)
        .map_err(|e| StoreError::Corrupt(format!("commitments column {i}: {e}")))
}

fn required(row: &sqlx::any::AnyRow, i: usize) -> Result<String, StoreError> {
    text(row, i)?.ok_or_else(|| StoreError::Corrupt(format!("commitments column {i} is empty")))
}

impl Store {
    /// The ad hoc commitments of `contract`, as written, oldest first.
    pub async fn commitment_specs(
        &self,
        contract: &str,
    ) -> Result<Vec<CommitmentSpec>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, category, owner, due, every, first_month, calendar, delay_payment_per_day
               FROM commitments WHERE contract = $1 ORDER BY created_at, id",
        )
        .bind(contract)
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading ad hoc commitments"))?;
        rows.iter()
            .map(|r| {
                Ok(CommitmentSpec {
                    id: required(r, 0)?,
                    name: required(r, 1)?,
                    category: text(r, 2)?,
                    owner: text(r, 3)?,
                    due: required(r, 4)?,
                    every: text(r, 5)?,
                    first_month: text(r, 6)?,
                    calendar: text(r, 7)?,
                    delay_payment_per_day: text(r, 8)?,
                })
            })
            .collect()
    }

    /// Every event recorded for `contract`'s commitments, oldest first.
    pub async fn commitment_events(&self, contract: &str) -> Result<Vec<Event>, StoreError> {
        let rows = sqlx::query(
            "SELECT commitment, occurrence, action, on_date, evidence, person, reason, recorded_by, recorded_at
               FROM commitment_events WHERE contract = $1 ORDER BY id",
        )
        .bind(contract)
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading commitment events"))?;
        rows.iter()
            .map(|r| {
                let action = required(r, 2)?;
                let on = required(r, 3)?;
                let recorded_at: i64 = r
                    .try_get(8)
                    .map_err(|e| StoreError::Corrupt(format!("recorded_at: {e}")))?;
                Ok(Event {
                    commitment: required(r, 0)?,
                    occurrence: required(r, 1)?,
                    action: Action::parse(&action).map_err(StoreError::Corrupt)?,
                    on: on
                        .parse()
                        .map_err(|e| StoreError::Corrupt(format!("event date {on}: {e}")))?,
                    evidence: text(r, 4)?,
                    person: text(r, 5)?,
                    reason: text(r, 6)?,
                    recorded_by: required(r, 7)?,
                    recorded_at: instant(recorded_at)?,
                })
            })
            .collect()
    }

    /// `contract`'s whole register: its configured commitments, those added
    /// ad hoc (validated against today's configuration) and every event.
    pub async fn commitment_register(
        &self,
        contract: &Contract,
        calendars: &BTreeMap<String, Arc<Calendar>>,
    ) -> Result<Register, StoreError> {
        let mut register = Register::from_config(contract);
        for spec in self.commitment_specs(&contract.id).await? {
            if register.get(&spec.id).is_some() {
                return Err(StoreError::Corrupt(format!(
                    "ad hoc commitment '{}' of {} has the id of a commitment now in the \
                     configuration file; rename one of them",
                    spec.id, contract.id
                )));
            }
            let c = spec
                .build(&contract.currency, calendars, Origin::AdHoc)
                .map_err(|problems| {
                    let what: Vec<String> =
                        problems.iter().map(|(k, m)| format!("{k}: {m}")).collect();
                    StoreError::Corrupt(format!(
                        "ad hoc commitment '{}' of {} no longer fits the configuration: {}",
                        spec.id,
                        contract.id,
                        what.join("; ")
                    ))
                })?;
            register.commitments.push(c);
        }
        register.events = self.commitment_events(&contract.id).await?;
        Ok(register)
    }

    /// Adds an ad hoc commitment to `contract` after validating it as the
    /// configuration file would; its id must be new to the contract.
    pub async fn add_commitment(
        &self,
        contract: &Contract,
        calendars: &BTreeMap<String, Arc<Calendar>>,
        spec: &CommitmentSpec,
        created_by: &str,
        now: Instant,
    ) -> Result<(), RegisterError> {
        spec.build(&contract.currency, calendars, Origin::AdHoc)
            .map_err(|problems| {
                let what: Vec<String> = problems.iter().map(|(k, m)| format!("{k}: {m}")).collect();
                RegisterError::Invalid(what.join("\n"))
            })?;
        let exists = |id: &str| {
            RegisterError::Invalid(format!(
                "contract {} already has a commitment '{id}'",
                contract.id
            ))
        };
        if contract.commitments.iter().any(|c| c.id == spec.id) {
            return Err(exists(&spec.id));
        }
        let done = sqlx::query(
            "INSERT INTO commitments (contract, id, name, category, owner, due, every, first_month, calendar,
                                      delay_payment_per_day, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (contract, id) DO NOTHING",
        )
        .bind(contract.id.clone())
        .bind(spec.id.clone())
        .bind(spec.name.trim().to_string())
        .bind(spec.category.clone())
        .bind(spec.owner.clone())
        .bind(spec.due.trim().to_string())
        .bind(spec.every.clone())
        .bind(spec.first_month.clone())
        .bind(spec.calendar.clone())
        .bind(spec.delay_payment_per_day.clone())
        .bind(created_by.to_string())
        .bind(now.timestamp())
        .execute(self.pool())
        .await
        .map_err(failed("adding a commitment"))?;
        if done.rows_affected() == 0 {
            return Err(exists(&spec.id));
        }
        Ok(())
    }

    /// Records a delivery, acceptance or rejection against the occurrence
    /// `request` names (or the open one), if it fits the occurrence as it
    /// stands at `now`; returns the occurrence afterwards.
    pub async fn record_commitment_event(
        &self,
        contract: &Contract,
        calendars: &BTreeMap<String, Arc<Calendar>>,
        request: EventRequest,
        now: Instant,
    ) -> Result<Occurrence, RegisterError> {
        let as_of = AsOf::new(now, contract.timezone);
        // Two people recording against the same occurrence at the same
        // moment could both pass the check; replaying skips whichever event
        // does not fit, so the register still reads as one of them.
        let mut register = self.commitment_register(contract, calendars).await?;
        let (commitment, due) = register
            .select(
                &request.commitment,
                request.selector.as_deref(),
                request.action,
                as_of,
            )
            .map_err(|e| match register.get(&request.commitment) {
                None => RegisterError::NotFound(e),
                Some(_) => RegisterError::Invalid(e),
            })?;
        let commitment = commitment.clone();
        let trimmed = |v: Option<String>| v.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        let event = Event {
            commitment: commitment.id.clone(),
            occurrence: due.key.clone(),
            action: request.action,
            on: request.on.unwrap_or(as_of.today),
            evidence: trimmed(request.evidence),
            person: trimmed(request.person),
            reason: trimmed(request.reason),
            recorded_by: request.recorded_by,
            recorded_at: now,
        };
        register
            .state(&commitment.id, &due.key, now)
            .check(&event, as_of.today)
            .map_err(|e| {
                RegisterError::Invalid(format!("{} due {}: {e}", commitment.id, due.date))
            })?;
        sqlx::query(
            "INSERT INTO commitment_events (contract, commitment, occurrence, action, on_date, evidence, person,
                                            reason, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(contract.id.clone())
        .bind(event.commitment.clone())
        .bind(event.occurrence.clone())
        .bind(event.action.as_str())
        .bind(event.on.to_string())
        .bind(event.evidence.clone())
        .bind(event.person.clone())
        .bind(event.reason.clone())
        .bind(event.recorded_by.clone())
        .bind(now.timestamp())
        .execute(self.pool())
        .await
        .map_err(failed("recording a commitment event"))?;
        register.events.push(event);
        Ok(register.occurrence(&commitment, &due, as_of))
    }
}
