//! Gates recorded on recoverable costs (wilful default, data loss,
//! termination) and their withdrawals. Insert-only: each record is a row,
//! sealed into its contract's `cost_gates` chain and audited (`cost.gate`,
//! `cost.gate_withdraw`, under the cost, so the cost's month's report
//! quotes it) in the transaction that stores it.

use sqlx::any::AnyRow;

use super::chain::{self, NewRow};
use super::records::{Change, RecordError, audit_and_commit, cost_in, month_of};
use super::row::{col, instant};
use super::write::Param;
use super::{Store, StoreError, failed};
use crate::domain::cost_gate::open_gates;
use crate::domain::{CostGate, RecordedGate};

const GATE_COLUMNS: &str = "id, cost_id, gate, withdrawn, reason, recorded_by, recorded_at";

impl Store {
    /// Records that `gate` is open on cost `cost` of `contract` (or, with
    /// `withdraw`, that the gate opened earlier is withdrawn), with the
    /// reason and who. An unknown cost is not found; opening a gate already
    /// open, or withdrawing one that is not, is a conflict.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_cost_gate(
        &self,
        contract: &str,
        cost: i64,
        gate: RecordedGate,
        withdraw: bool,
        reason: &str,
        by: &str,
        now: i64,
    ) -> Result<CostGate, RecordError> {
        let mut tx = self.begin_record().await?;
        let recorded = cost_in(&mut tx, contract, cost).await?.ok_or_else(|| {
            RecordError::NotFound(format!("no cost {cost} for contract '{contract}'"))
        })?;
        let sql = format!(
            "SELECT {GATE_COLUMNS} FROM cost_gates WHERE contract = $1 AND cost_id = $2 ORDER BY id"
        );
        let earlier = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .bind(cost)
            .fetch_all(&mut *tx)
            .await
            .map_err(failed("reading a cost's gates"))?
            .iter()
            .map(gate_row)
            .collect::<Result<Vec<_>, _>>()?;
        let is_open = open_gates(&earlier, cost).iter().any(|g| g.gate == gate);
        match (withdraw, is_open) {
            (false, true) => {
                return Err(RecordError::Conflict(format!(
                    "the gate {gate} is already open on cost {cost}"
                )));
            }
            (true, false) => {
                return Err(RecordError::Conflict(format!(
                    "the gate {gate} is not open on cost {cost}: nothing to withdraw"
                )));
            }
            _ => {}
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO cost_gates (contract, cost_id, gate, withdrawn, reason, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(contract)
        .bind(cost)
        .bind(gate.as_str())
        .bind(i64::from(withdraw))
        .bind(reason)
        .bind(by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(failed("recording a cost's gate"))?;
        let text = |s: &str| Param::Text(Some(s.to_string()));
        let key = [Param::Int(Some(id))];
        let content = [
            Param::Int(Some(cost)),
            text(gate.as_str()),
            Param::Int(Some(i64::from(withdraw))),
            text(reason),
            text(by),
            Param::Int(Some(now)),
        ];
        chain::seal(
            &mut tx,
            &chain::COST_GATES,
            contract,
            &[NewRow {
                key: &key,
                content: &content,
            }],
        )
        .await?;
        let (action, detail) = match withdraw {
            false => (
                "cost.gate",
                format!(
                    "opened the gate {gate} on cost {cost}: its recovery is not cut off by the sole-remedy clause"
                ),
            ),
            true => (
                "cost.gate_withdraw",
                format!("withdrew the gate {gate} on cost {cost}"),
            ),
        };
        audit_and_commit(
            tx,
            contract,
            by,
            now,
            Change {
                action,
                kind: "cost",
                subject: cost.to_string(),
                period: Some(month_of(recorded.date)),
                detail,
                reason: Some(reason),
            },
        )
        .await?;
        Ok(CostGate {
            id,
            cost,
            gate,
            withdrawn: withdraw,
            reason: reason.to_string(),
            recorded_by: by.to_string(),
            recorded_at: instant(now)?,
        })
    }

    /// Every gate record of the contract's costs (of `costs` only, when
    /// given), oldest first.
    pub async fn cost_gates(
        &self,
        contract: &str,
        costs: Option<&[i64]>,
    ) -> Result<Vec<CostGate>, StoreError> {
        let sql = format!("SELECT {GATE_COLUMNS} FROM cost_gates WHERE contract = $1 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading the costs' gates"))?;
        let mut gates = rows.iter().map(gate_row).collect::<Result<Vec<_>, _>>()?;
        if let Some(costs) = costs {
            gates.retain(|g| costs.contains(&g.cost));
        }
        Ok(gates)
    }
}

fn gate_row(r: &AnyRow) -> Result<CostGate, StoreError> {
    let gate: String = col(r, 2)?;
    Ok(CostGate {
        id: col(r, 0)?,
        cost: col(r, 1)?,
        gate: RecordedGate::parse(&gate).map_err(StoreError::Corrupt)?,
        withdrawn: col::<i64>(r, 3)? != 0,
        reason: col(r, 4)?,
        recorded_by: col(r, 5)?,
        recorded_at: instant(col(r, 6)?)?,
    })
}
