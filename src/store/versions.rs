//! Every version of an evidence record. The evidence tables hold each
//! record's current version with its owner (the source that first stored it)
//! and the instant it was received; when a record changes, the version it
//! replaces is copied into the table's `_versions` twin, which the database
//! keeps insert-only. A first import stores no history: a version is kept
//! only when a record changes.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::{Any, AssertSqlSafe, Row as _, Transaction};

use super::write::{HOLDS, INCIDENTS, OUTAGES, Param, Row, Table, WORK_ITEMS, placeholder};
use super::{Backend, StoreError, chain, failed};

/// A record's version as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Values of the table's key columns.
    pub key: Vec<Param>,
    /// Values of the table's value columns.
    pub values: Vec<Param>,
    /// The source that owns the record.
    pub owner: String,
    /// The import that stored this version.
    pub import_id: i64,
    /// Its line in that import.
    pub line: i64,
    /// When the store received it (epoch seconds).
    pub received_at: i64,
    /// The hash of its values.
    pub row_hash: i64,
}

/// A record's key for messages, without its contract: `INC1`, a hold's
/// `INC1 from 2026-10-07T10:00:00Z`, a supplier figure's `p1-resolution 2026-10`.
pub fn describe_key(key: &[Param]) -> String {
    key.iter()
        .map(|p| match p {
            Param::Text(Some(t)) => t.clone(),
            // The only integer in a key is a hold's start.
            Param::Int(Some(secs)) => format!("from {}", instant_text(*secs)),
            Param::Text(None) | Param::Int(None) => "(none)".to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One value for people: instants (columns named `…_at`) in RFC 3339.
pub fn describe_value(column: &str, value: &Param) -> String {
    match value {
        Param::Int(Some(secs)) if column.ends_with("_at") => instant_text(*secs),
        Param::Int(Some(n)) => n.to_string(),
        Param::Text(Some(t)) => t.clone(),
        Param::Int(None) | Param::Text(None) => "(none)".to_string(),
    }
}

/// The columns whose values differ, as `column old → new; …`.
pub fn describe_change(table: &Table, before: &[Param], after: &[Param]) -> String {
    let changed: Vec<String> = table
        .values
        .iter()
        .zip(before.iter().zip(after))
        .filter(|(_, (b, a))| b != a)
        .map(|(column, (b, a))| {
            format!(
                "{column} {} → {}",
                describe_value(column, b),
                describe_value(column, a)
            )
        })
        .collect();
    changed.join("; ")
}

/// An instant in epoch seconds as RFC 3339 UTC (the number itself if out of range).
pub fn instant_text(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| secs.to_string())
}

/// The stored versions of those of `rows` whose records exist, by key.
/// Looked up per first key (the contract) with `IN` on the second, which
/// uses the primary-key index, and matched on the whole key here.
pub(super) async fn existing(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    table: &Table,
    rows: &[Row],
) -> Result<HashMap<Vec<Param>, Stored>, StoreError> {
    // A file rarely holds more than a few contracts: a list beats a map.
    let mut groups: Vec<(&Param, Vec<&Row>)> = Vec::new();
    for row in rows {
        match groups.iter_mut().find(|(first, _)| *first == &row.key[0]) {
            Some((_, group)) => group.push(row),
            None => groups.push((&row.key[0], vec![row])),
        }
    }
    let columns: Vec<&str> = table
        .keys
        .iter()
        .chain(table.values)
        .copied()
        .chain(["owner", "import_id", "line", "received_at", "row_hash"])
        .collect();
    let mut found = HashMap::new();
    for (first, group) in groups {
        let mut sql = format!(
            "SELECT {} FROM {} WHERE {} = {} AND {} IN (",
            columns.join(", "),
            table.name,
            table.keys[0],
            placeholder(backend, 1),
            table.keys[1]
        );
        for i in 0..group.len() {
            sql.push_str(if i == 0 { "" } else { ", " });
            sql.push_str(&placeholder(backend, i + 2));
        }
        sql.push(')');
        let mut q = bind(sqlx::query(AssertSqlSafe(sql)), first);
        for row in &group {
            q = bind(q, &row.key[1]);
        }
        let rows = q
            .fetch_all(&mut **tx)
            .await
            .map_err(failed("looking up existing records"))?;
        let template = group[0];
        for r in &rows {
            let stored = decode(r, template).map_err(failed("reading existing records"))?;
            found.insert(stored.key.clone(), stored);
        }
    }
    Ok(found)
}

/// Decodes a row of keys, values, owner, import, line, received and hash,
/// typed like `template`'s keys and values.
fn decode(r: &sqlx::any::AnyRow, template: &Row) -> Result<Stored, sqlx::Error> {
    let mut i = 0;
    let mut take = |kind: &Param| {
        let p = match kind {
            Param::Int(_) => r.try_get::<Option<i64>, _>(i).map(Param::Int),
            Param::Text(_) => r.try_get::<Option<String>, _>(i).map(Param::Text),
        };
        i += 1;
        p
    };
    let key = template
        .key
        .iter()
        .map(&mut take)
        .collect::<Result<_, _>>()?;
    let values = template
        .values
        .iter()
        .map(&mut take)
        .collect::<Result<_, _>>()?;
    Ok(Stored {
        key,
        values,
        owner: r.try_get(i)?,
        import_id: r.try_get(i + 1)?,
        line: r.try_get(i + 2)?,
        received_at: r.try_get(i + 3)?,
        row_hash: r.try_get(i + 4)?,
    })
}

/// Keeps `superseded` versions in `table`'s history: replaced at `at` by
/// import `by_import`.
pub(super) async fn keep(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    table: &Table,
    superseded: &[Stored],
    at: i64,
    by_import: i64,
) -> Result<(), StoreError> {
    if superseded.is_empty() {
        return Ok(());
    }
    let columns: Vec<&str> = table
        .keys
        .iter()
        .chain(table.values)
        .copied()
        .chain([
            "owner",
            "import_id",
            "line",
            "received_at",
            "superseded_at",
            "superseded_by",
        ])
        .collect();
    let mut sql = format!(
        "INSERT INTO {}_versions ({}) VALUES ",
        table.name,
        columns.join(", ")
    );
    let mut n = 0;
    for (r, _) in superseded.iter().enumerate() {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns.len() {
            n += 1;
            sql.push_str(if c == 0 { "" } else { ", " });
            sql.push_str(&placeholder(backend, n));
        }
        sql.push(')');
    }
    // The order RETURNING hands rows back in is not promised: each id comes
    // with its record's key (distinct within a batch).
    let _ = write!(sql, " RETURNING version_id, {}", table.keys.join(", "));
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for old in superseded {
        for p in old.key.iter().chain(&old.values) {
            q = bind(q, p);
        }
        q = q
            .bind(old.owner.clone())
            .bind(old.import_id)
            .bind(old.line)
            .bind(old.received_at)
            .bind(at)
            .bind(by_import);
    }
    let returned = q
        .fetch_all(&mut **tx)
        .await
        .map_err(failed("keeping the previous versions of changed records"))?;
    let mut ids: HashMap<Vec<Param>, i64> = HashMap::with_capacity(returned.len());
    for r in &returned {
        let key = superseded[0]
            .key
            .iter()
            .enumerate()
            .map(|(i, kind)| match kind {
                Param::Int(_) => r.try_get::<Option<i64>, _>(i + 1).map(Param::Int),
                Param::Text(_) => r.try_get::<Option<String>, _>(i + 1).map(Param::Text),
            })
            .collect::<Result<Vec<Param>, _>>()
            .map_err(failed("reading kept versions' ids"))?;
        let id: i64 = r.try_get(0).map_err(failed("reading kept versions' ids"))?;
        ids.insert(key, id);
    }
    let ids = superseded
        .iter()
        .map(|old| {
            ids.get(&old.key).copied().ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "no id came back for the kept version of {}",
                    describe_key(&old.key)
                ))
            })
        })
        .collect::<Result<Vec<i64>, _>>()?;
    seal(tx, table, superseded, &ids, at, by_import).await
}

/// Seals the versions just kept into their contracts' chains, so an
/// alteration of the history made past slawatch is found by `verify`.
async fn seal(
    tx: &mut Transaction<'static, Any>,
    table: &Table,
    superseded: &[Stored],
    ids: &[i64],
    at: i64,
    by_import: i64,
) -> Result<(), StoreError> {
    let chained = chain::CHAINED
        .iter()
        .copied()
        .find(|c| c.name.strip_suffix("_versions") == Some(table.name))
        .ok_or_else(|| StoreError::Corrupt(format!("{}_versions is not chained", table.name)))?;
    let keys: Vec<[Param; 1]> = ids.iter().map(|id| [Param::Int(Some(*id))]).collect();
    let contents: Vec<Vec<Param>> = superseded
        .iter()
        .map(|old| {
            old.key[1..]
                .iter()
                .chain(&old.values)
                .cloned()
                .chain([
                    Param::Text(Some(old.owner.clone())),
                    Param::Int(Some(old.import_id)),
                    Param::Int(Some(old.line)),
                    Param::Int(Some(old.received_at)),
                    Param::Int(Some(at)),
                    Param::Int(Some(by_import)),
                ])
                .collect()
        })
        .collect();
    let mut contracts: Vec<&Param> = Vec::new();
    for old in superseded {
        if !contracts.contains(&&old.key[0]) {
            contracts.push(&old.key[0]);
        }
    }
    for contract in contracts {
        let Param::Text(Some(name)) = contract else {
            return Err(StoreError::Corrupt("a record without a contract".into()));
        };
        let rows: Vec<chain::NewRow> = superseded
            .iter()
            .enumerate()
            .filter(|(_, old)| &old.key[0] == contract)
            .map(|(i, _)| chain::NewRow {
                key: &keys[i],
                content: &contents[i],
            })
            .collect();
        chain::seal(tx, chained, name, &rows).await?;
    }
    Ok(())
}

type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>;

/// Binds one value.
pub(super) fn bind<'q>(q: AnyQuery<'q>, p: &Param) -> AnyQuery<'q> {
    match p {
        Param::Int(v) => q.bind(*v),
        Param::Text(v) => q.bind(v.clone()),
    }
}

/// Which record's history to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// An incident and its holds.
    Incident(String),
    /// An outage.
    Outage(String),
    /// A work item.
    WorkItem(String),
}

impl Record {
    /// The table it is in.
    pub fn table(&self) -> &'static Table {
        match self {
            Record::Incident(_) => &INCIDENTS,
            Record::Outage(_) => &OUTAGES,
            Record::WorkItem(_) => &WORK_ITEMS,
        }
    }

    /// Its id.
    pub fn id(&self) -> &str {
        match self {
            Record::Incident(id) | Record::Outage(id) | Record::WorkItem(id) => id,
        }
    }
}

impl super::Store {
    /// The versions of `record` and, for an incident, of its holds.
    pub async fn record_history(
        &self,
        contract: &str,
        record: &Record,
    ) -> Result<(Vec<Version>, Vec<Version>), StoreError> {
        let key = [Param::Text(Some(record.id().to_string()))];
        let versions = self.history(contract, record.table(), &key).await?;
        let holds = match record {
            Record::Incident(_) => self.history(contract, &HOLDS, &key).await?,
            _ => Vec::new(),
        };
        Ok((versions, holds))
    }
}

/// One version of a record, as `slawatch history` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// The record's key columns after the contract, with their values.
    pub key: Vec<(&'static str, Param)>,
    /// Its value columns with their values.
    pub values: Vec<(&'static str, Param)>,
    /// The source that owns the record.
    pub owner: String,
    /// The import that stored this version: its id, source, file and line.
    pub import_id: i64,
    /// The source named by that import (the owner, or `cli` for a person's correction).
    pub import_source: String,
    /// The file, URL or request of that import.
    pub import_file: String,
    /// The person who corrected, when this version is a correction.
    pub corrected_by: Option<String>,
    /// Their reason.
    pub correction_reason: Option<String>,
    /// Its line in that import.
    pub line: i64,
    /// When the store received it (epoch seconds).
    pub received_at: i64,
    /// When a later version replaced it; none for the current version.
    pub superseded_at: Option<i64>,
}

impl super::Store {
    /// Every version of the records of `table` for `contract` whose key
    /// (after the contract) starts with `prefix`, oldest first per record:
    /// `["INC1"]` gives an incident's versions, or on holds every version of
    /// each of its holds.
    pub async fn history(
        &self,
        contract: &str,
        table: &'static Table,
        prefix: &[Param],
    ) -> Result<Vec<Version>, StoreError> {
        let kinds = column_kinds(table)?;
        let names: Vec<&str> = table.keys[1..]
            .iter()
            .chain(table.values)
            .copied()
            .collect();
        let mut filter = String::from("v.contract = $1");
        for (i, column) in table.keys[1..=prefix.len()].iter().enumerate() {
            filter.push_str(&format!(" AND v.{column} = ${}", i + 2));
        }
        // Each arm ends with whether it is the current version and the
        // version's id, so the union sorts by key, then oldest first.
        let select = |from: &str, tail: &str| {
            format!(
                "SELECT {}, v.owner, v.import_id, i.source, i.file, i.corrected_by, i.reason, v.line,
                        v.received_at, {tail}
                   FROM {from} v LEFT JOIN imports i ON i.id = v.import_id
                  WHERE {filter}",
                names
                    .iter()
                    .map(|c| format!("v.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let n = names.len();
        let key_positions: Vec<String> = (1..table.keys.len()).map(|i| i.to_string()).collect();
        let sql = format!(
            "{} UNION ALL {} ORDER BY {}, {}, {}",
            select(
                &format!("{}_versions", table.name),
                "v.superseded_at, 0, v.version_id"
            ),
            select(table.name, "NULL, 1, 0"),
            key_positions.join(", "),
            n + 10,
            n + 11
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(contract.to_string());
        for p in prefix {
            q = bind(q, p);
        }
        let rows = q
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading a record's history"))?;
        rows.iter()
            .map(|r| decode_version(r, table, &names, &kinds))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(failed("reading a record's history"))
    }
}

/// Whether each of `table`'s columns after the contract holds integers.
pub(super) fn column_kinds(table: &Table) -> Result<Vec<bool>, StoreError> {
    let listed = super::tables::TABLES
        .iter()
        .find(|t| t.name == table.name)
        .ok_or_else(|| StoreError::Corrupt(format!("no table {} in the list", table.name)))?;
    table.keys[1..]
        .iter()
        .chain(table.values)
        .map(|c| {
            listed
                .columns
                .iter()
                .find(|(name, _)| name == c)
                .map(|(_, kind)| *kind == super::tables::Kind::Int)
                .ok_or_else(|| StoreError::Corrupt(format!("no column {c} in {}", table.name)))
        })
        .collect()
}

fn decode_version(
    r: &sqlx::any::AnyRow,
    table: &Table,
    names: &[&'static str],
    ints: &[bool],
) -> Result<Version, sqlx::Error> {
    let mut columns = Vec::with_capacity(names.len());
    for (i, (name, int)) in names.iter().zip(ints).enumerate() {
        let value = if *int {
            Param::Int(r.try_get(i)?)
        } else {
            Param::Text(r.try_get(i)?)
        };
        columns.push((*name, value));
    }
    let n = names.len();
    let values = columns.split_off(table.keys.len() - 1);
    Ok(Version {
        key: columns,
        values,
        owner: r.try_get(n)?,
        import_id: r.try_get(n + 1)?,
        import_source: r.try_get::<Option<String>, _>(n + 2)?.unwrap_or_default(),
        import_file: r.try_get::<Option<String>, _>(n + 3)?.unwrap_or_default(),
        corrected_by: r.try_get(n + 4)?,
        correction_reason: r.try_get(n + 5)?,
        line: r.try_get(n + 6)?,
        received_at: r.try_get(n + 7)?,
        superseded_at: r.try_get(n + 8)?,
    })
}
