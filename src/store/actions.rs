//! The actions register: actions and every status change, insert-only.
//!
//! Recording an action writes its particulars and its first status in one
//! transaction; recording a change writes one row. Each row is sealed into
//! its contract's `actions` or `action_changes` chain in the transaction
//! that stores it, so `slawatch verify` finds a row altered past slawatch,
//! and the schema's triggers refuse updates and deletes.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sqlx::any::AnyRow;

use super::chain::{self, NewRow};
use super::records::{RecordError, Tx, commit};
use super::row::{col, instant};
use super::write::Param;
use super::{Store, StoreError, failed};
use crate::domain::{
    Action, ActionLinks, ActionStatus, Instant, NewAction, NewStatus, StatusChange,
};

const ACTION_COLUMNS: &str = "contract, id, origin, reference, title, description, owner, due_date, \
     service_level, dr_system, commitment";
const CHANGE_COLUMNS: &str = "id, action, status, decided_by, reason, evidence, revised_due, \
     recorded_by, recorded_at";

impl Store {
    /// Records a new action of `contract` with its first status; an id the
    /// contract already has is a conflict.
    pub async fn add_action(
        &self,
        contract: &str,
        action: &NewAction,
        recorded_by: &str,
        now: Instant,
    ) -> Result<Action, RecordError> {
        let mut tx = self.begin_record().await?;
        let text = |s: &str| Param::Text(Some(s.to_string()));
        let opt = |s: &Option<String>| Param::Text(s.clone());
        let links = &action.links;
        let content = [
            text(&action.origin),
            opt(&action.reference),
            text(&action.title),
            opt(&action.description),
            text(&action.owner),
            text(&action.due.to_string()),
            opt(&links.service_level),
            opt(&links.dr_system),
            opt(&links.commitment),
            text(recorded_by),
            Param::Int(Some(now.timestamp())),
        ];
        let done = sqlx::query(
            "INSERT INTO actions (contract, id, origin, reference, title, description, owner, due_date,
                                  service_level, dr_system, commitment, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             ON CONFLICT (contract, id) DO NOTHING",
        )
        .bind(contract)
        .bind(action.id.clone())
        .bind(action.origin.clone())
        .bind(action.reference.clone())
        .bind(action.title.clone())
        .bind(action.description.clone())
        .bind(action.owner.clone())
        .bind(action.due.to_string())
        .bind(links.service_level.clone())
        .bind(links.dr_system.clone())
        .bind(links.commitment.clone())
        .bind(recorded_by)
        .bind(now.timestamp())
        .execute(&mut *tx)
        .await
        .map_err(failed("recording an action"))?;
        if done.rows_affected() == 0 {
            return Err(RecordError::Conflict(format!(
                "contract '{contract}' already has an action '{}'",
                action.id
            )));
        }
        let key = [text(contract), text(&action.id)];
        chain::seal(
            &mut tx,
            &chain::ACTIONS,
            contract,
            &[NewRow {
                key: &key,
                content: &content,
            }],
        )
        .await?;
        insert_change(
            &mut tx,
            contract,
            &action.id,
            &action.initial,
            recorded_by,
            now,
        )
        .await?;
        let stored = action_in(&mut tx, contract, &action.id).await?;
        commit(tx).await?;
        stored.ok_or_else(|| {
            RecordError::Store(StoreError::Corrupt(format!(
                "action '{}' of {contract} not found after it was recorded",
                action.id
            )))
        })
    }

    /// Records a status change of action `id` of `contract` (a review, a
    /// revised due date); an unknown action is not found.
    pub async fn record_action_status(
        &self,
        contract: &str,
        id: &str,
        change: &NewStatus,
        recorded_by: &str,
        now: Instant,
    ) -> Result<Action, RecordError> {
        let mut tx = self.begin_record().await?;
        if action_in(&mut tx, contract, id).await?.is_none() {
            return Err(RecordError::NotFound(format!(
                "no action '{id}' for contract '{contract}'"
            )));
        }
        insert_change(&mut tx, contract, id, change, recorded_by, now).await?;
        let stored = action_in(&mut tx, contract, id).await?;
        commit(tx).await?;
        stored.ok_or_else(|| {
            RecordError::Store(StoreError::Corrupt(format!(
                "action '{id}' of {contract} not found after its change was recorded"
            )))
        })
    }

    /// Every action of `contract` with its history, by id.
    pub async fn actions(&self, contract: &str) -> Result<Vec<Action>, StoreError> {
        let sql = format!("SELECT {ACTION_COLUMNS} FROM actions WHERE contract = $1 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading the actions register"))?;
        let mut actions: BTreeMap<String, Action> = BTreeMap::new();
        for r in &rows {
            let a = action_row(r)?;
            actions.insert(a.id.clone(), a);
        }
        let sql =
            format!("SELECT {CHANGE_COLUMNS} FROM action_changes WHERE contract = $1 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading the actions' status history"))?;
        for r in &rows {
            let (action, change) = change_row(r)?;
            let a = actions.get_mut(&action).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "status change {} of {contract} names no action '{action}'",
                    change.seq
                ))
            })?;
            a.history.push(change);
        }
        Ok(actions.into_values().collect())
    }

    /// Action `id` of `contract` with its history, if recorded.
    pub async fn action(&self, contract: &str, id: &str) -> Result<Option<Action>, StoreError> {
        let mut conn = self
            .pool()
            .acquire()
            .await
            .map_err(failed("reading an action"))?;
        read_action(&mut conn, contract, id).await
    }
}

async fn insert_change(
    tx: &mut Tx,
    contract: &str,
    action: &str,
    change: &NewStatus,
    recorded_by: &str,
    now: Instant,
) -> Result<(), StoreError> {
    let revised = change.revised_due.map(|d| d.to_string());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO action_changes (contract, action, status, decided_by, reason, evidence, revised_due,
                                     recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(contract)
    .bind(action)
    .bind(change.status.as_str())
    .bind(change.by.clone())
    .bind(change.reason.clone())
    .bind(change.evidence.clone())
    .bind(revised.clone())
    .bind(recorded_by)
    .bind(now.timestamp())
    .fetch_one(&mut **tx)
    .await
    .map_err(failed("recording an action's status"))?;
    let text = |s: &str| Param::Text(Some(s.to_string()));
    let key = [Param::Int(Some(id))];
    let content = [
        text(action),
        text(change.status.as_str()),
        text(&change.by),
        text(&change.reason),
        Param::Text(change.evidence.clone()),
        Param::Text(revised),
        text(recorded_by),
        Param::Int(Some(now.timestamp())),
    ];
    chain::seal(
        tx,
        &chain::ACTION_CHANGES,
        contract,
        &[NewRow {
            key: &key,
            content: &content,
        }],
    )
    .await?;
    Ok(())
}

async fn action_in(tx: &mut Tx, contract: &str, id: &str) -> Result<Option<Action>, StoreError> {
    read_action(tx, contract, id).await
}

async fn read_action(
    conn: &mut sqlx::AnyConnection,
    contract: &str,
    id: &str,
) -> Result<Option<Action>, StoreError> {
    let sql = format!("SELECT {ACTION_COLUMNS} FROM actions WHERE contract = $1 AND id = $2");
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(contract)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(failed("reading an action"))?
    else {
        return Ok(None);
    };
    let mut action = action_row(&row)?;
    let sql = format!(
        "SELECT {CHANGE_COLUMNS} FROM action_changes WHERE contract = $1 AND action = $2 ORDER BY id"
    );
    for r in sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(contract)
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .map_err(failed("reading an action's status history"))?
    {
        action.history.push(change_row(&r)?.1);
    }
    Ok(Some(action))
}

fn date(text: &str, what: &str) -> Result<NaiveDate, StoreError> {
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("{what} '{text}': {e}")))
}

fn action_row(r: &AnyRow) -> Result<Action, StoreError> {
    let due: String = col(r, 7)?;
    Ok(Action {
        contract: col(r, 0)?,
        id: col(r, 1)?,
        origin: col(r, 2)?,
        reference: col(r, 3)?,
        title: col(r, 4)?,
        description: col(r, 5)?,
        owner: col(r, 6)?,
        agreed_due: date(&due, "an action's due date")?,
        links: ActionLinks {
            service_level: col(r, 8)?,
            dr_system: col(r, 9)?,
            commitment: col(r, 10)?,
        },
        history: Vec::new(),
    })
}

fn change_row(r: &AnyRow) -> Result<(String, StatusChange), StoreError> {
    let status: String = col(r, 2)?;
    let revised: Option<String> = col(r, 6)?;
    Ok((
        col(r, 1)?,
        StatusChange {
            seq: col(r, 0)?,
            status: ActionStatus::parse(&status).map_err(StoreError::Corrupt)?,
            by: col(r, 3)?,
            reason: col(r, 4)?,
            evidence: col(r, 5)?,
            revised_due: revised
                .map(|d| date(&d, "a revised due date"))
                .transpose()?,
            recorded_by: col(r, 7)?,
            recorded_at: instant(col(r, 8)?)?,
        },
    ))
}
