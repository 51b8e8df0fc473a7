//! The one list of what a store holds: every table with its columns, in an
//! order where a row's references come before it. `migrate-store` copies and
//! checks exactly these ([`super::copy`]). A unit test checks the list
//! against the schema the migrations create, so a table or column added
//! without being listed here fails the tests.

/// How a column's values are read and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A 64-bit integer (instants, money, counts, flags).
    Int,
    /// Text.
    Text,
    /// Bytes (SQLite `BLOB`, PostgreSQL `BYTEA`): an issued report's files.
    Bytes,
}

/// One table of the store.
#[derive(Debug)]
pub struct Table {
    /// Its name.
    pub name: &'static str,
    /// Its columns, in schema order.
    pub columns: &'static [(&'static str, Kind)],
    /// The key the rows are read in (every column where there is no key).
    pub order_by: &'static str,
    /// The column PostgreSQL fills from a sequence, if any.
    pub serial: Option<&'static str>,
}

use Kind::{Bytes, Int, Text};

/// Every table of the store, references first.
pub const TABLES: &[Table] = &[
    Table {
        name: "imports",
        columns: &[
            ("id", Int),
            ("source", Text),
            ("file", Text),
            ("started_at", Int),
            ("finished_at", Int),
            ("stored", Int),
            ("updated", Int),
            ("unchanged", Int),
            ("rejected", Int),
            ("corrected_by", Text),
            ("reason", Text),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "rejections",
        columns: &[
            ("import_id", Int),
            ("line", Int),
            ("contract", Text),
            ("reason", Text),
            ("owner", Text),
        ],
        order_by: "import_id, line, contract, reason",
        serial: None,
    },
    Table {
        name: "incidents",
        columns: &[
            ("contract", Text),
            ("id", Text),
            ("priority", Text),
            ("service", Text),
            ("opened_at", Int),
            ("responded_at", Int),
            ("resolved_at", Int),
            ("settled_at", Int),
            ("title", Text),
            ("excused_reason", Text),
            ("import_id", Int),
            ("line", Int),
            ("row_hash", Int),
            ("owner", Text),
            ("received_at", Int),
        ],
        order_by: "contract, id",
        serial: None,
    },
    Table {
        name: "holds",
        columns: &[
            ("contract", Text),
            ("incident_id", Text),
            ("start_at", Int),
            ("end_at", Int),
            ("reason", Text),
            ("import_id", Int),
            ("line", Int),
            ("row_hash", Int),
            ("owner", Text),
            ("received_at", Int),
        ],
        order_by: "contract, incident_id, start_at",
        serial: None,
    },
    Table {
        name: "outages",
        columns: &[
            ("contract", Text),
            ("id", Text),
            ("service", Text),
            ("start_at", Int),
            ("end_at", Int),
            ("impact", Text),
            ("planned", Int),
            ("source", Text),
            ("import_id", Int),
            ("line", Int),
            ("row_hash", Int),
            ("owner", Text),
            ("received_at", Int),
        ],
        order_by: "contract, id",
        serial: None,
    },
    Table {
        name: "work_items",
        columns: &[
            ("contract", Text),
            ("id", Text),
            ("kind", Text),
            ("opened_at", Int),
            ("change_type", Text),
            ("proactive", Int),
            ("import_id", Int),
            ("line", Int),
            ("row_hash", Int),
            ("owner", Text),
            ("received_at", Int),
        ],
        order_by: "contract, id",
        serial: None,
    },
    Table {
        name: "supplier_kpis",
        columns: &[
            ("contract", Text),
            ("service_level", Text),
            ("period", Text),
            ("attainment_units", Int),
            ("import_id", Int),
            ("line", Int),
            ("row_hash", Int),
            ("owner", Text),
            ("received_at", Int),
        ],
        order_by: "contract, service_level, period",
        serial: None,
    },
    Table {
        name: "incidents_versions",
        columns: &[
            ("version_id", Int),
            ("contract", Text),
            ("id", Text),
            ("priority", Text),
            ("service", Text),
            ("opened_at", Int),
            ("responded_at", Int),
            ("resolved_at", Int),
            ("settled_at", Int),
            ("title", Text),
            ("excused_reason", Text),
            ("owner", Text),
            ("import_id", Int),
            ("line", Int),
            ("received_at", Int),
            ("superseded_at", Int),
            ("superseded_by", Int),
        ],
        order_by: "version_id",
        serial: Some("version_id"),
    },
    Table {
        name: "holds_versions",
        columns: &[
            ("version_id", Int),
            ("contract", Text),
            ("incident_id", Text),
            ("start_at", Int),
            ("end_at", Int),
            ("reason", Text),
            ("owner", Text),
            ("import_id", Int),
            ("line", Int),
            ("received_at", Int),
            ("superseded_at", Int),
            ("superseded_by", Int),
        ],
        order_by: "version_id",
        serial: Some("version_id"),
    },
    Table {
        name: "outages_versions",
        columns: &[
            ("version_id", Int),
            ("contract", Text),
            ("id", Text),
            ("service", Text),
            ("start_at", Int),
            ("end_at", Int),
            ("impact", Text),
            ("planned", Int),
            ("source", Text),
            ("owner", Text),
            ("import_id", Int),
            ("line", Int),
            ("received_at", Int),
            ("superseded_at", Int),
            ("superseded_by", Int),
        ],
        order_by: "version_id",
        serial: Some("version_id"),
    },
    Table {
        name: "work_items_versions",
        columns: &[
            ("version_id", Int),
            ("contract", Text),
            ("id", Text),
            ("kind", Text),
            ("opened_at", Int),
            ("change_type", Text),
            ("proactive", Int),
            ("owner", Text),
            ("import_id", Int),
            ("line", Int),
            ("received_at", Int),
            ("superseded_at", Int),
            ("superseded_by", Int),
        ],
        order_by: "version_id",
        serial: Some("version_id"),
    },
    Table {
        name: "supplier_kpis_versions",
        columns: &[
            ("version_id", Int),
            ("contract", Text),
            ("service_level", Text),
            ("period", Text),
            ("attainment_units", Int),
            ("owner", Text),
            ("import_id", Int),
            ("line", Int),
            ("received_at", Int),
            ("superseded_at", Int),
            ("superseded_by", Int),
        ],
        order_by: "version_id",
        serial: Some("version_id"),
    },
    Table {
        name: "recoverable_costs",
        columns: &[
            ("id", Int),
            ("contract", Text),
            ("date", Text),
            ("amount_minor", Int),
            ("description", Text),
            ("evidence", Text),
            ("breach", Text),
            ("created_at", Int),
            ("removed_at", Int),
            ("breach_kind", Text),
            ("breach_period", Text),
            ("created_by", Text),
            ("removed_by", Text),
            ("removed_reason", Text),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "credit_notes",
        columns: &[
            ("id", Int),
            ("contract", Text),
            ("kind", Text),
            ("reference", Text),
            ("dated", Text),
            ("amount_minor", Int),
            ("months", Text),
            ("note", Text),
            ("recorded_by", Text),
            ("recorded_at", Int),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "cost_gates",
        columns: &[
            ("id", Int),
            ("contract", Text),
            ("cost_id", Int),
            ("gate", Text),
            ("withdrawn", Int),
            ("reason", Text),
            ("recorded_by", Text),
            ("recorded_at", Int),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "outbox",
        columns: &[
            ("id", Int),
            ("dedup_key", Text),
            ("kind", Text),
            ("severity", Text),
            ("contract", Text),
            ("recipients", Text),
            ("subject", Text),
            ("body_text", Text),
            ("body_html", Text),
            ("digest", Int),
            ("created_at", Int),
            ("attempts", Int),
            ("next_attempt_at", Int),
            ("last_error", Text),
            ("sent_at", Int),
            ("attachments", Text),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "outbox_recipients",
        columns: &[
            ("outbox_id", Int),
            ("recipient", Text),
            ("delivered_at", Int),
            ("refusals", Int),
            ("given_up_at", Int),
            ("last_error", Text),
        ],
        order_by: "outbox_id, recipient",
        serial: None,
    },
    Table {
        name: "alert_sightings",
        columns: &[
            ("source", Text),
            ("outage_id", Text),
            ("contract", Text),
            ("service", Text),
            ("start_at", Int),
            ("impact", Text),
            ("last_seen_at", Int),
            ("inferred_end_at", Int),
        ],
        order_by: "source, outage_id",
        serial: None,
    },
    Table {
        name: "refused_recipients",
        columns: &[
            ("id", Int),
            ("contract", Text),
            ("recipient", Text),
            ("since", Int),
            ("outbox_id", Int),
            ("last_error", Text),
            ("recovered_at", Int),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "incident_stages",
        columns: &[
            ("contract", Text),
            ("incident_id", Text),
            ("service_level", Text),
            ("stage", Text),
            ("deadline", Int),
            ("updated_at", Int),
        ],
        order_by: "contract, incident_id, service_level",
        serial: None,
    },
    Table {
        name: "level_stages",
        columns: &[
            ("contract", Text),
            ("service_level", Text),
            ("service", Text),
            ("period", Text),
            ("stage", Text),
            ("updated_at", Int),
        ],
        order_by: "contract, service_level, service, period",
        serial: None,
    },
    Table {
        name: "source_state",
        columns: &[
            ("source", Text),
            ("scope", Text),
            ("watermark", Text),
            ("last_attempt_at", Int),
            ("last_success_at", Int),
            ("last_error", Text),
            ("consecutive_failures", Int),
        ],
        order_by: "source, scope",
        serial: None,
    },
    Table {
        name: "inbox_files",
        columns: &[
            ("source", Text),
            ("sha256", Text),
            ("file", Text),
            ("import_id", Int),
            ("rejected", Int),
            ("taken_at", Int),
        ],
        order_by: "source, sha256",
        serial: None,
    },
    Table {
        name: "inbox_attempts",
        columns: &[
            ("source", Text),
            ("sha256", Text),
            ("attempts", Int),
            ("last_at", Int),
        ],
        order_by: "source, sha256",
        serial: None,
    },
    Table {
        name: "probe_state",
        columns: &[
            ("source", Text),
            ("consecutive_failures", Int),
            ("consecutive_successes", Int),
            ("run_started_at", Int),
            ("open_outage_id", Text),
            ("last_checked_at", Int),
            ("last_result", Text),
        ],
        order_by: "source",
        serial: None,
    },
    Table {
        name: "supplier_sla_verdicts",
        columns: &[
            ("contract", Text),
            ("sys_id", Text),
            ("source", Text),
            ("incident_id", Text),
            ("sla_name", Text),
            ("stage", Text),
            ("has_breached", Int),
            ("start_at", Int),
            ("end_at", Int),
            ("planned_end_at", Int),
            ("business_duration_seconds", Int),
            ("pause_duration_seconds", Int),
            ("updated_at", Int),
            ("business_pause_seconds", Int),
            ("sla_target", Text),
        ],
        order_by: "contract, sys_id",
        serial: None,
    },
    Table {
        name: "clock_gaps",
        columns: &[
            ("contract", Text),
            ("incident_id", Text),
            ("source", Text),
            ("response_unknown", Int),
            ("holds_unknown", Int),
            ("reason", Text),
            ("recorded_at", Int),
        ],
        order_by: "contract, incident_id",
        serial: None,
    },
    Table {
        name: "excusals",
        columns: &[
            ("id", Int),
            ("contract", Text),
            ("kind", Text),
            ("subject", Text),
            ("period", Text),
            ("reason", Text),
            ("created_by", Text),
            ("created_at", Int),
            ("revoked_by", Text),
            ("revoked_at", Int),
            ("revoke_reason", Text),
            ("excused_from", Int),
            ("excused_until", Int),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "disputes",
        columns: &[
            ("id", Int),
            ("contract", Text),
            ("kind", Text),
            ("subject", Text),
            ("period", Text),
            ("note", Text),
            ("status", Text),
            ("opened_by", Text),
            ("opened_at", Int),
            ("resolved_by", Text),
            ("resolved_at", Int),
            ("resolution_note", Text),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "audit",
        columns: &[
            ("id", Int),
            ("contract", Text),
            ("at", Int),
            ("actor", Text),
            ("action", Text),
            ("kind", Text),
            ("subject", Text),
            ("period", Text),
            ("detail", Text),
            ("reason", Text),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "commitments",
        columns: &[
            ("contract", Text),
            ("id", Text),
            ("name", Text),
            ("category", Text),
            ("owner", Text),
            ("due", Text),
            ("every", Text),
            ("first_month", Text),
            ("calendar", Text),
            ("delay_payment_per_day", Text),
            ("created_by", Text),
            ("created_at", Int),
        ],
        order_by: "contract, id",
        serial: None,
    },
    Table {
        name: "commitment_events",
        columns: &[
            ("id", Int),
            ("contract", Text),
            ("commitment", Text),
            ("occurrence", Text),
            ("action", Text),
            ("on_date", Text),
            ("evidence", Text),
            ("person", Text),
            ("reason", Text),
            ("recorded_by", Text),
            ("recorded_at", Int),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "actions",
        columns: &[
            ("contract", Text),
            ("id", Text),
            ("origin", Text),
            ("reference", Text),
            ("title", Text),
            ("description", Text),
            ("owner", Text),
            ("due_date", Text),
            ("service_level", Text),
            ("dr_system", Text),
            ("commitment", Text),
            ("created_by", Text),
            ("created_at", Int),
        ],
        order_by: "contract, id",
        serial: None,
    },
    Table {
        name: "action_changes",
        columns: &[
            ("id", Int),
            ("contract", Text),
            ("action", Text),
            ("status", Text),
            ("decided_by", Text),
            ("reason", Text),
            ("evidence", Text),
            ("revised_due", Text),
            ("recorded_by", Text),
            ("recorded_at", Int),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "causes",
        columns: &[
            ("id", Int),
            ("contract", Text),
            ("subject", Text),
            ("subject_id", Text),
            ("cause", Text),
            ("decided_by", Text),
            ("reason", Text),
            ("recorded_by", Text),
            ("recorded_at", Int),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "packs",
        columns: &[
            ("scope", Text),
            ("period_from", Text),
            ("period_to", Text),
            ("version", Int),
            ("issued_at", Int),
            ("sha256", Text),
            ("json", Text),
            ("html", Text),
            ("pdf", Bytes),
        ],
        order_by: "scope, period_from, period_to, version",
        serial: None,
    },
    Table {
        name: "dr_tests",
        columns: &[
            ("id", Int),
            ("contract", Text),
            ("system", Text),
            ("tested_on", Text),
            ("achieved_rto_seconds", Int),
            ("achieved_rpo_seconds", Int),
            ("evidence", Text),
            ("note", Text),
            ("recorded_by", Text),
            ("recorded_at", Int),
            ("kind", Text),
            ("expires_on", Text),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "dr_test_withdrawals",
        columns: &[
            ("test_id", Int),
            ("contract", Text),
            ("withdrawn_by", Text),
            ("withdrawn_at", Int),
            ("reason", Text),
        ],
        order_by: "test_id",
        serial: None,
    },
    Table {
        name: "evidence_files",
        columns: &[
            ("id", Int),
            ("contract", Text),
            ("kind", Text),
            ("subject", Int),
            ("period", Text),
            ("filename", Text),
            ("media_type", Text),
            ("size", Int),
            ("sha256", Text),
            ("bytes", Bytes),
            ("added_by", Text),
            ("added_at", Int),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "issued_reports",
        columns: &[
            ("contract", Text),
            ("period", Text),
            ("version", Int),
            ("issued_at", Int),
            ("sha256", Text),
            ("json", Text),
        ],
        order_by: "contract, period, version",
        serial: None,
    },
    Table {
        name: "issued_files",
        columns: &[
            ("contract", Text),
            ("period", Text),
            ("version", Int),
            ("filename", Text),
            ("content_type", Text),
            ("sha256", Text),
            ("bytes", Bytes),
        ],
        order_by: "contract, period, version, filename",
        serial: None,
    },
    Table {
        name: "report_drafts",
        columns: &[
            ("contract", Text),
            ("period", Text),
            ("draft", Int),
            ("drafted_at", Int),
            ("sha256", Text),
            ("json", Text),
            ("gate", Text),
        ],
        order_by: "contract, period, draft",
        serial: None,
    },
    Table {
        name: "report_approvals",
        columns: &[
            ("contract", Text),
            ("period", Text),
            ("draft", Int),
            ("approved_by", Text),
            ("approved_at", Int),
        ],
        order_by: "contract, period, draft",
        serial: None,
    },
    Table {
        name: "chain_links",
        columns: &[
            ("table_name", Text),
            ("contract", Text),
            ("seq", Int),
            ("row_key", Text),
            ("row_hash", Text),
            ("prev_hash", Text),
            ("hash", Text),
        ],
        order_by: "table_name, contract, seq",
        serial: None,
    },
    Table {
        name: "chain_heads",
        columns: &[
            ("table_name", Text),
            ("contract", Text),
            ("seq", Int),
            ("hash", Text),
        ],
        order_by: "table_name, contract",
        serial: None,
    },
    Table {
        name: "chain_backfill",
        columns: &[("table_name", Text)],
        order_by: "table_name",
        serial: None,
    },
    Table {
        name: "evidence_rewrites",
        columns: &[
            ("id", Int),
            ("contract", Text),
            ("import_id", Int),
            ("source", Text),
            ("corrected_by", Text),
            ("kind", Text),
            ("record", Text),
            ("change", Text),
            ("direction", Text),
            ("why", Text),
            ("effects", Text),
            ("periods", Text),
            ("received_at", Int),
        ],
        order_by: "id",
        serial: Some("id"),
    },
    Table {
        name: "evidence_rewrite_months",
        columns: &[
            ("contract", Text),
            ("period", Text),
            ("import_id", Int),
            ("credit_before_minor", Int),
            ("credit_after_minor", Int),
        ],
        order_by: "contract, period, import_id",
        serial: None,
    },
    // Last: copying the tables above moves the target's revisions by
    // trigger; the copy then replaces them with the source's.
    Table {
        name: "contract_revisions",
        columns: &[("contract", Text), ("revision", Int)],
        order_by: "contract",
        serial: None,
    },
    Table {
        name: "web_users",
        columns: &[
            ("name", Text),
            ("role", Text),
            ("contracts", Text),
            ("password_hash", Text),
            ("created_at", Int),
            ("disabled_at", Int),
        ],
        order_by: "name",
        serial: None,
    },
    Table {
        name: "web_sessions",
        columns: &[
            ("id_sha256", Text),
            ("user_name", Text),
            ("csrf", Text),
            ("created_at", Int),
            ("last_seen_at", Int),
        ],
        order_by: "id_sha256",
        serial: None,
    },
    Table {
        name: "web_sign_in_failures",
        columns: &[
            ("subject", Text),
            ("failures", Int),
            ("last_failed_at", Int),
        ],
        order_by: "subject",
        serial: None,
    },
];

#[cfg(test)]
mod tests {
    use sqlx::AssertSqlSafe;

    use super::*;
    use crate::store::Store;

    /// The list is the schema: every table and column the migrations
    /// create, and nothing else.
    #[tokio::test]
    async fn the_table_list_matches_the_schema() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/s.db", dir.path().display());
        let store = Store::open(&url).await.unwrap();
        let mut tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table'
               AND name NOT IN ('sqlite_sequence', '_sqlx_migrations') ORDER BY name",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        let mut listed: Vec<String> = TABLES.iter().map(|t| t.name.to_string()).collect();
        listed.sort();
        tables.sort();
        assert_eq!(listed, tables);
        for table in TABLES {
            let columns: Vec<(String, String)> = sqlx::query_as(AssertSqlSafe(format!(
                "SELECT name, type FROM pragma_table_info('{}') ORDER BY cid",
                table.name
            )))
            .fetch_all(store.pool())
            .await
            .unwrap();
            let expected: Vec<(String, String)> = table
                .columns
                .iter()
                .map(|(c, k)| {
                    let ty = match k {
                        Int => "INTEGER",
                        Text => "TEXT",
                        Bytes => "BLOB",
                    };
                    (c.to_string(), ty.to_string())
                })
                .collect();
            assert_eq!(columns, expected, "columns of {}", table.name);
        }
    }

    /// The same on PostgreSQL, when the tests run there: every integer a
    /// `bigint`, every text `text`, every byte string `bytea`, as the copy
    /// reads and writes them.
    #[tokio::test]
    async fn the_table_list_matches_the_postgres_schema() {
        if !crate::store::testing::postgres_or_skip("the_table_list_matches_the_postgres_schema") {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let url = crate::store::testing::database_url(&dir.path().join("s.db"));
        let store = Store::open(&url).await.unwrap();
        let columns: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT table_name::text, column_name::text, data_type::text
               FROM information_schema.columns
              WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'
              ORDER BY table_name, ordinal_position",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        let mut listed: Vec<(String, String, String)> = TABLES
            .iter()
            .flat_map(|t| {
                t.columns.iter().map(move |(c, k)| {
                    let ty = match k {
                        Int => "bigint",
                        Text => "text",
                        Bytes => "bytea",
                    };
                    (t.name.to_string(), c.to_string(), ty.to_string())
                })
            })
            .collect();
        listed.sort_by(|a, b| a.0.cmp(&b.0));
        let mut found = columns;
        found.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(found, listed);
    }
}
