//! The chained tables: the one list [`CHAINED`] that sealing checks against
//! and `slawatch verify` walks. Adding a table is one entry here (see the
//! module doc of [`super`] for the rest).

use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::super::StoreError;
use super::super::tables::Kind::{self, Bytes, Int, Text};
use super::super::write::Param;
use super::hash::bytes_param;

/// A table whose rows are sealed into one chain per contract.
#[derive(Debug)]
pub struct ChainedTable {
    /// The table (a fixed identifier, never from input).
    pub name: &'static str,
    /// The column naming the contract whose chain a row belongs to.
    pub contract: &'static str,
    /// The primary key's columns, in order: a row is found by them, and
    /// rows stored before chains existed are sealed in this order.
    /// [`Kind::Int`] or [`Kind::Text`] only.
    pub key: &'static [(&'static str, Kind)],
    /// Every other column (but the contract column when it is not part of
    /// the key), in schema order: what the seal protects.
    pub content: &'static [(&'static str, Kind)],
}

/// The audit trail of costs, excusals and disputes (0003).
pub const AUDIT: ChainedTable = ChainedTable {
    name: "audit",
    contract: "contract",
    key: &[("id", Int)],
    content: &[
        ("at", Int),
        ("actor", Text),
        ("action", Text),
        ("kind", Text),
        ("subject", Text),
        ("period", Text),
        ("detail", Text),
        ("reason", Text),
    ],
};

/// Issued monthly reports, one row per version (0005).
pub const ISSUED_REPORTS: ChainedTable = ChainedTable {
    name: "issued_reports",
    contract: "contract",
    key: &[("contract", Text), ("period", Text), ("version", Int)],
    content: &[("issued_at", Int), ("sha256", Text), ("json", Text)],
};

/// The files of each issued version, byte for byte (0008): a chain of their
/// own, sealed in the transaction that issues the version.
pub const ISSUED_FILES: ChainedTable = ChainedTable {
    name: "issued_files",
    contract: "contract",
    key: &[
        ("contract", Text),
        ("period", Text),
        ("version", Int),
        ("filename", Text),
    ],
    content: &[("content_type", Text), ("sha256", Text), ("bytes", Bytes)],
};

/// Superseded versions of incidents (0011): the evidence history.
pub const INCIDENTS_VERSIONS: ChainedTable = ChainedTable {
    name: "incidents_versions",
    contract: "contract",
    key: &[("version_id", Int)],
    content: &[
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
};

/// Superseded versions of holds (0011): the evidence history.
pub const HOLDS_VERSIONS: ChainedTable = ChainedTable {
    name: "holds_versions",
    contract: "contract",
    key: &[("version_id", Int)],
    content: &[
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
};

/// Superseded versions of outages (0011): the evidence history.
pub const OUTAGES_VERSIONS: ChainedTable = ChainedTable {
    name: "outages_versions",
    contract: "contract",
    key: &[("version_id", Int)],
    content: &[
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
};

/// Superseded versions of work items (0011): the evidence history.
pub const WORK_ITEMS_VERSIONS: ChainedTable = ChainedTable {
    name: "work_items_versions",
    contract: "contract",
    key: &[("version_id", Int)],
    content: &[
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
};

/// Superseded versions of supplier kpis (0011): the evidence history.
pub const SUPPLIER_KPIS_VERSIONS: ChainedTable = ChainedTable {
    name: "supplier_kpis_versions",
    contract: "contract",
    key: &[("version_id", Int)],
    content: &[
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
};

/// What the supplier credited or refused against the issued claims (0016).
pub const CREDIT_NOTES: ChainedTable = ChainedTable {
    name: "credit_notes",
    contract: "contract",
    key: &[("id", Int)],
    content: &[
        ("kind", Text),
        ("reference", Text),
        ("dated", Text),
        ("amount_minor", Int),
        ("months", Text),
        ("note", Text),
        ("recorded_by", Text),
        ("recorded_at", Int),
    ],
};

/// Gates recorded on recoverable costs, and their withdrawals (0016).
pub const COST_GATES: ChainedTable = ChainedTable {
    name: "cost_gates",
    contract: "contract",
    key: &[("id", Int)],
    content: &[
        ("cost_id", Int),
        ("gate", Text),
        ("withdrawn", Int),
        ("reason", Text),
        ("recorded_by", Text),
        ("recorded_at", Int),
    ],
};

/// Evidence files behind costs, excusals, disputes, deliveries and DR
/// tests (0023), byte for byte.
pub const EVIDENCE_FILES: ChainedTable = ChainedTable {
    name: "evidence_files",
    contract: "contract",
    key: &[("id", Int)],
    content: &[
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
};

/// The actions register's actions (0024): their particulars, recorded once.
pub const ACTIONS: ChainedTable = ChainedTable {
    name: "actions",
    contract: "contract",
    key: &[("contract", Text), ("id", Text)],
    content: &[
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
};

/// Every status each action has had (0024).
pub const ACTION_CHANGES: ChainedTable = ChainedTable {
    name: "action_changes",
    contract: "contract",
    key: &[("id", Int)],
    content: &[
        ("action", Text),
        ("status", Text),
        ("decided_by", Text),
        ("reason", Text),
        ("evidence", Text),
        ("revised_due", Text),
        ("recorded_by", Text),
        ("recorded_at", Int),
    ],
};

/// People's classifications of outages' and incidents' causes (0028).
pub const CAUSES: ChainedTable = ChainedTable {
    name: "causes",
    contract: "contract",
    key: &[("id", Int)],
    content: &[
        ("subject", Text),
        ("subject_id", Text),
        ("cause", Text),
        ("decided_by", Text),
        ("reason", Text),
        ("recorded_by", Text),
        ("recorded_at", Int),
    ],
};

/// Every chained table, in the order `verify` reports them.
pub const CHAINED: &[&ChainedTable] = &[
    &AUDIT,
    &ISSUED_REPORTS,
    &ISSUED_FILES,
    &INCIDENTS_VERSIONS,
    &HOLDS_VERSIONS,
    &OUTAGES_VERSIONS,
    &WORK_ITEMS_VERSIONS,
    &SUPPLIER_KPIS_VERSIONS,
    &CREDIT_NOTES,
    &COST_GATES,
    &EVIDENCE_FILES,
    &ACTIONS,
    &ACTION_CHANGES,
    &CAUSES,
];

impl ChainedTable {
    /// The registered table of this name.
    pub fn named(name: &str) -> Option<&'static ChainedTable> {
        CHAINED.iter().copied().find(|t| t.name == name)
    }

    /// `SELECT key…, content… FROM table WHERE contract = $1 ORDER BY key…`.
    pub(super) fn select_rows(&self) -> String {
        let key: Vec<&str> = self.key.iter().map(|(c, _)| *c).collect();
        let all: Vec<&str> = self
            .key
            .iter()
            .chain(self.content)
            .map(|(c, _)| *c)
            .collect();
        format!(
            "SELECT {} FROM {} WHERE {} = $1 ORDER BY {}",
            all.join(", "),
            self.name,
            self.contract,
            key.join(", ")
        )
    }

    /// A row read by [`Self::select_rows`]: its key and content values, a
    /// [`Kind::Bytes`] column as [`bytes_param`] of its bytes.
    pub(super) fn read_row(&self, row: &AnyRow) -> Result<(Vec<Param>, Vec<Param>), StoreError> {
        let columns: Vec<&(&str, Kind)> = self.key.iter().chain(self.content).collect();
        let mut values = Vec::with_capacity(columns.len());
        for (i, (column, kind)) in columns.into_iter().enumerate() {
            let unreadable =
                |e: sqlx::Error| StoreError::Corrupt(format!("{}.{column}: {e}", self.name));
            values.push(match kind {
                Int => Param::Int(row.try_get(i).map_err(unreadable)?),
                Text => Param::Text(row.try_get(i).map_err(unreadable)?),
                Bytes => match row.try_get::<Option<Vec<u8>>, _>(i).map_err(unreadable)? {
                    Some(bytes) => bytes_param(&bytes),
                    None => Param::Text(None),
                },
            });
        }
        let content = values.split_off(self.key.len());
        Ok((values, content))
    }

    /// Checks that `key` and `content` fit this table's columns, in number
    /// and kind (a text for [`Kind::Bytes`]).
    pub(super) fn check(&self, key: &[Param], content: &[Param]) -> Result<(), StoreError> {
        let problem = |problem: String| StoreError::Seal {
            table: self.name,
            problem,
        };
        for (what, values, columns) in [("key", key, self.key), ("content", content, self.content)]
        {
            if values.len() != columns.len() {
                return Err(problem(format!(
                    "a row has {} {what} values; the registry lists {} columns",
                    values.len(),
                    columns.len()
                )));
            }
            for (value, (column, kind)) in values.iter().zip(columns) {
                let fits = matches!(
                    (value, kind),
                    (Param::Int(_), Int) | (Param::Text(_), Text | Bytes)
                );
                if !fits {
                    return Err(problem(format!(
                        "the value given for {column} is not of its kind ({kind:?})"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The key columns' names with the values of a stored row key (a JSON
    /// array): `id 17`, `contract acme, period 2026-10, version 1`; the
    /// stored text itself when it is not such an array.
    pub fn describe_key(&self, row_key: &str) -> String {
        match self.key_values(row_key) {
            Some(values) => values
                .iter()
                .map(|(column, value)| match value {
                    serde_json::Value::String(s) => format!("{column} {s}"),
                    other => format!("{column} {other}"),
                })
                .collect::<Vec<_>>()
                .join(", "),
            None => format!("key {row_key}"),
        }
    }

    /// A stored row key as (column, value) pairs, when it is a JSON array of
    /// as many values as the key has columns.
    pub fn key_values(&self, row_key: &str) -> Option<Vec<(&'static str, serde_json::Value)>> {
        let parsed: Vec<serde_json::Value> = serde_json::from_str(row_key).ok()?;
        (parsed.len() == self.key.len())
            .then(|| self.key.iter().map(|(c, _)| *c).zip(parsed).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::tables::TABLES;
    use super::*;

    /// Each entry is its table: every column is key, contract or content,
    /// with the schema's kinds, and the key columns are not bytes. A column
    /// added to a chained table without being sealed fails here.
    #[test]
    fn every_chained_table_seals_all_its_columns() {
        for chained in CHAINED {
            let table = TABLES
                .iter()
                .find(|t| t.name == chained.name)
                .unwrap_or_else(|| panic!("{} is not a table of the store", chained.name));
            let mut listed: Vec<(&str, Kind)> =
                chained.key.iter().chain(chained.content).copied().collect();
            if !chained.key.iter().any(|(c, _)| *c == chained.contract) {
                listed.push((chained.contract, Text));
            }
            let mut schema: Vec<(&str, Kind)> = table.columns.to_vec();
            listed.sort_by_key(|(c, _)| *c);
            schema.sort_by_key(|(c, _)| *c);
            assert_eq!(listed, schema, "columns of {}", chained.name);
            assert!(
                chained.key.iter().all(|(_, k)| *k != Bytes),
                "{}: a key column holds bytes",
                chained.name
            );
        }
        let mut names: Vec<&str> = CHAINED.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CHAINED.len(), "a table is listed twice");
    }

    #[test]
    fn rows_are_selected_in_key_order() {
        assert_eq!(
            ISSUED_REPORTS.select_rows(),
            "SELECT contract, period, version, issued_at, sha256, json FROM issued_reports \
             WHERE contract = $1 ORDER BY contract, period, version"
        );
    }

    #[test]
    fn rows_that_do_not_fit_are_refused() {
        let id = [Param::Int(Some(1))];
        let text = Param::Text(Some("x".into()));
        assert!(AUDIT.check(&id, &[]).is_err(), "too few values");
        let mut content = vec![text.clone(); 8];
        assert!(
            AUDIT.check(std::slice::from_ref(&text), &content).is_err(),
            "id is an integer"
        );
        assert!(AUDIT.check(&id, &content).is_err(), "at is an integer");
        content[0] = Param::Int(Some(1_000));
        assert!(AUDIT.check(&id, &content).is_ok());
    }

    #[test]
    fn keys_are_described_with_their_columns() {
        assert_eq!(AUDIT.describe_key("[17]"), "id 17");
        assert_eq!(
            ISSUED_REPORTS.describe_key(r#"["acme","2026-10",1]"#),
            "contract acme, period 2026-10, version 1"
        );
        assert_eq!(AUDIT.describe_key("17"), "key 17");
    }
}
