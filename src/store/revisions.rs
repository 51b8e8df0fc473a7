//! Each contract's revision: a number that moves whenever anything the
//! contract's month reports rest on is written, so a report assembled
//! earlier can be served again exactly while the number stands still (the
//! daemon's cache of month reports, [`crate::report::cache`]).
//!
//! Two writers move it. The import moves it once per batch for each
//! contract whose evidence the batch stored or changed (`revise`); a
//! batch of unchanged rows leaves it alone. Every other table a report
//! reads moves it by a trigger on each row written (the migration
//! `0026_contract_revisions`), so no code path that writes them can forget
//! to. The lists below say which table is which; a unit test holds every
//! table with a contract column to exactly one of them, so a new table
//! must be placed before the tests pass.

use sqlx::{Any, Transaction};

use super::{Store, StoreError, failed};

/// The table holding each contract's revision.
pub const REVISIONS_TABLE: &str = "contract_revisions";

/// Tables a trigger revises on every insert, update and delete.
pub const REVISED_BY_TRIGGER: &[&str] = &[
    "recoverable_costs",
    "credit_notes",
    "cost_gates",
    "alert_sightings",
    "supplier_sla_verdicts",
    "clock_gaps",
    "excusals",
    "disputes",
    "audit",
    "commitments",
    "commitment_events",
    "dr_tests",
    "dr_test_withdrawals",
    "evidence_files",
    "issued_reports",
    "issued_files",
    "report_drafts",
    "report_approvals",
    "evidence_rewrites",
    "evidence_rewrite_months",
    "actions",
    "action_changes",
];

/// Tables the import writes, revising per batch.
pub const REVISED_BY_IMPORT: &[&str] = &[
    "incidents",
    "holds",
    "outages",
    "work_items",
    "supplier_kpis",
    "incidents_versions",
    "holds_versions",
    "outages_versions",
    "work_items_versions",
    "supplier_kpis_versions",
];

/// Tables with a contract column that no month report reads: the daemon's
/// own bookkeeping (alerts, live stages, chains), refused rows, outages'
/// causes (read by the committee pack alone, which is not cached), and the
/// revisions themselves.
pub const NOT_REPORTED: &[&str] = &[
    "rejections",
    "outbox",
    "refused_recipients",
    "incident_stages",
    "level_stages",
    "chain_links",
    "chain_heads",
    "causes",
    REVISIONS_TABLE,
];

impl Store {
    /// `contract`'s revision now: 0 before anything was written for it.
    pub async fn contract_revision(&self, contract: &str) -> Result<i64, StoreError> {
        let revision: Option<i64> =
            sqlx::query_scalar("SELECT revision FROM contract_revisions WHERE contract = $1")
                .bind(contract)
                .fetch_optional(self.pool())
                .await
                .map_err(failed("reading a contract's revision"))?;
        Ok(revision.unwrap_or(0))
    }
}

/// Moves the revision of each of `contracts` on by one, in `tx`, the
/// transaction that wrote their evidence.
pub(super) async fn revise<'a>(
    tx: &mut Transaction<'static, Any>,
    contracts: impl IntoIterator<Item = &'a str>,
) -> Result<(), StoreError> {
    for contract in contracts {
        sqlx::query(
            "INSERT INTO contract_revisions (contract, revision) VALUES ($1, 1)
             ON CONFLICT (contract) DO UPDATE SET revision = contract_revisions.revision + 1",
        )
        .bind(contract.to_string())
        .execute(&mut **tx)
        .await
        .map_err(failed("moving a contract's revision"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tables::TABLES;

    /// Every table a contract's rows live in is placed in exactly one list,
    /// and only tables of the store are listed.
    #[test]
    fn every_table_with_a_contract_is_placed_once() {
        let placed: Vec<&str> = REVISED_BY_TRIGGER
            .iter()
            .chain(REVISED_BY_IMPORT)
            .chain(NOT_REPORTED)
            .copied()
            .collect();
        for table in TABLES {
            let has_contract = table.columns.iter().any(|(c, _)| *c == "contract");
            let times = placed.iter().filter(|p| **p == table.name).count();
            if has_contract {
                assert_eq!(
                    times, 1,
                    "{} must be placed in exactly one list",
                    table.name
                );
            } else {
                assert_eq!(times, 0, "{} has no contract column", table.name);
            }
        }
    }

    /// Each table revised by a trigger has its three triggers in the schema.
    #[tokio::test]
    async fn each_revised_table_has_its_triggers() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/s.db", dir.path().display());
        let store = Store::open(&url).await.unwrap();
        let triggers: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                .fetch_all(store.pool())
                .await
                .unwrap();
        for table in REVISED_BY_TRIGGER {
            for event in ["insert", "update", "delete"] {
                let name = format!("{table}_revise_{event}");
                assert!(triggers.contains(&name), "no trigger {name}");
            }
        }
    }
}
