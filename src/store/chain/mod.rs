//! Hash chains over insert-only tables: alterations made past slawatch become
//! detectable.
//!
//! The schema's triggers keep the audit trail and the issued reports
//! insert-only, but an administrator can drop a trigger and edit, delete or
//! add rows. A chain makes that visible: every new row of a chained table
//! is sealed, in the transaction that inserts it, by one link in
//! `chain_links` holding the SHA-256 of the row's key and content and of the
//! previous link of the same chain; `chain_heads` keeps each chain's last
//! link. `slawatch verify` recomputes every chain ([`Store::verify_chain`](super::Store::verify_chain))
//! and names the first row that no longer fits. The links are insert-only
//! too, so rewriting history means recomputing every later link and the
//! head — which then no longer matches a head quoted earlier (`verify`
//! prints them; keep them).
//!
//! A **chain** is one chained table's rows for one contract. The chained
//! tables are listed once, in [`CHAINED`]: their key and content columns.
//! That list is what `verify` walks.
//!
//! # Chaining a new insert-only table (e.g. `incident_versions`)
//! 1. In its migration (both backends): the table with a `contract` column
//!    and a primary key, insert-only triggers as in `0012_chains.sql`. A
//!    table created empty needs nothing else; one that already holds rows
//!    also inserts its name into `chain_backfill`, and its rows are sealed,
//!    each contract's in key order, the next time a store is opened.
//! 2. One entry in [`CHAINED`] (`registry.rs`): a `const` [`ChainedTable`]
//!    naming the table, its contract column, its key columns and every other
//!    column as content, each with its [`Kind`], in schema order. A unit test
//!    checks the entry against the schema ([`super::tables::TABLES`]), so a
//!    column left out fails the tests.
//! 3. Where the rows are inserted, in the same write transaction (from
//!    [`Store::begin`](super::Store::begin)), after the inserts: one call to [`seal`](fn@seal) per contract
//!    with that contract's new rows, each as a [`NewRow`] of its key and
//!    content values in the entry's column order (a [`Kind::Bytes`] column as
//!    [`bytes_param`] of its bytes). A row the insert skipped (`ON CONFLICT DO
//!    NOTHING`) must not be sealed: it was sealed when it was first stored.
//!
//! ```ignore
//! // registry.rs
//! pub const INCIDENT_VERSIONS: ChainedTable = ChainedTable {
//!     name: "incident_versions",
//!     contract: "contract",
//!     key: &[("contract", Text), ("id", Text), ("version", Int)],
//!     content: &[("recorded_at", Int), ("priority", Text), ("resolved_at", Int)],
//! };
//! pub const CHAINED: &[&ChainedTable] = &[&AUDIT, &ISSUED_REPORTS, &ISSUED_FILES, &INCIDENT_VERSIONS];
//!
//! // where the versions are written, inside `tx`, after inserting them
//! let keys: Vec<[Param; 3]> = todo!("contract, id, version of each new row");
//! let contents: Vec<[Param; 3]> = todo!("recorded_at, priority, resolved_at of each");
//! let rows: Vec<NewRow> = keys
//!     .iter()
//!     .zip(&contents)
//!     .map(|(key, content)| NewRow { key, content })
//!     .collect();
//! chain::seal(&mut tx, &INCIDENT_VERSIONS, contract, &rows).await?;
//! ```
//!
//! [`seal`](fn@seal) reads and locks the chain's head once, writes the batch's links
//! and moves the head once. Two writers on one PostgreSQL database take
//! turns on that head row (and slawatch's write transactions already take
//! the store's write lock); SQLite runs one write transaction at a time.
//!
//! # What is hashed
//! Values are encoded without ambiguity and the same on both backends: NULL
//! as byte 0; an integer as byte 1 and its 8 bytes little-endian; a text as
//! byte 2, its length in bytes as 8 bytes little-endian, then its UTF-8
//! bytes; bytes are sealed as the lowercase hex SHA-256 of their content (a
//! text). Then, as lowercase hex SHA-256:
//! - a row's hash: the texts `slawatch-row-v1`, the table and the contract,
//!   the number of key values (an integer), the key values, the number of
//!   content values, the content values;
//! - a link's hash: the texts `slawatch-link-v1`, the table and the
//!   contract, the seq (an integer), the texts previous hash, row key (a
//!   JSON array of the key values) and row hash. The first link's previous
//!   hash is [`GENESIS`].
//!
//! # Layout
//! - [`registry`]: the chained tables and their columns.
//! - `hash`: the encoding and the two hashes.
//! - [`seal`](mod@seal): sealing new rows, and the one-time backfill of rows stored
//!   before their table was chained.
//! - [`verify`]: recomputing a chain and naming its first break.

mod hash;
pub mod registry;
pub mod seal;
#[cfg(test)]
mod tests;
pub mod verify;

pub use hash::{GENESIS, bytes_param};
pub use registry::{
    ACTION_CHANGES, ACTIONS, AUDIT, CAUSES, CHAINED, COST_GATES, CREDIT_NOTES, ChainedTable,
    EVIDENCE_FILES, HOLDS_VERSIONS, INCIDENTS_VERSIONS, ISSUED_FILES, ISSUED_REPORTS,
    OUTAGES_VERSIONS, SUPPLIER_KPIS_VERSIONS, WORK_ITEMS_VERSIONS,
};
pub use seal::{NewRow, seal};
pub use verify::{Break, ChainReport, Problem};

pub use super::tables::Kind;
pub use super::write::Param;

/// The head of a chain: its last link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// How many links the chain has (the last link's seq; 0 when empty).
    pub seq: i64,
    /// The last link's hash, lowercase hex ([`GENESIS`] when empty).
    pub hash: String,
}
