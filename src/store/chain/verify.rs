//! Recomputing a chain from the stored rows and links, in one consistent
//! read, and naming its first break.
//!
//! The links are walked in seq order. At each link, in this order: its seq
//! follows the previous one, its previous hash is the previous link's hash
//! (the first link's is [`GENESIS`]), its own hash matches what it records,
//! it seals a row no other link sealed, that row is still in the table, and
//! the row's hash (recomputed from its stored key and content) is the one
//! sealed. The first link that fails is the break. When every link holds,
//! a row of the contract that no link seals is the break (the first in key
//! order), and then a head that does not match the last link.

use std::collections::{BTreeSet, HashMap};

use futures_util::TryStreamExt;
use sqlx::{AnyPool, AssertSqlSafe};

use super::super::{Backend, Store, StoreError, failed};
use super::Head;
use super::hash::{GENESIS, LinkFields, link_hash, row_hash, row_key};
use super::registry::{CHAINED, ChainedTable};

/// What is wrong where a chain breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The row is still there but its content is not what its link sealed.
    ContentChanged,
    /// A link seals a row the table no longer has.
    RowMissing,
    /// The table has a row that no link seals.
    RowWithoutLink,
    /// The links do not follow each other: one is missing, one names
    /// another previous hash, or a row is sealed twice.
    LinkOrderBroken,
    /// A link's own hash does not match what the link records.
    LinkAltered,
    /// The chain's head does not match its last link: links (and their
    /// rows) removed at the end, or the head rewritten.
    HeadMismatch,
}

impl Problem {
    /// A stable code for machines (`content_changed`, …).
    pub fn code(self) -> &'static str {
        match self {
            Problem::ContentChanged => "content_changed",
            Problem::RowMissing => "row_missing",
            Problem::RowWithoutLink => "row_without_link",
            Problem::LinkOrderBroken => "link_order_broken",
            Problem::LinkAltered => "link_altered",
            Problem::HeadMismatch => "head_mismatch",
        }
    }

    /// The same in words (`content changed`, …).
    pub fn words(self) -> &'static str {
        match self {
            Problem::ContentChanged => "content changed",
            Problem::RowMissing => "row missing",
            Problem::RowWithoutLink => "row without a link",
            Problem::LinkOrderBroken => "link order broken",
            Problem::LinkAltered => "link altered",
            Problem::HeadMismatch => "head does not match the last link",
        }
    }
}

/// Where a chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// What is wrong.
    pub problem: Problem,
    /// The seq of the link concerned, if any (none for a row without a link).
    pub seq: Option<i64>,
    /// The key of the row concerned, as a link stores it (a JSON array; see
    /// [`ChainedTable::describe_key`]); none when the break names no row.
    pub row_key: Option<String>,
    /// What was found, in words.
    pub detail: String,
}

/// What verifying one chain found.
#[derive(Debug, Clone)]
pub struct ChainReport {
    /// The chained table.
    pub table: &'static ChainedTable,
    /// Whose chain.
    pub contract: String,
    /// The links checked and found sound before the break (every link when
    /// the chain is intact): the rows the chain vouches for.
    pub rows: i64,
    /// The chain's head as stored; none for a chain never written.
    pub head: Option<Head>,
    /// The first break; none when the chain is intact.
    pub broken: Option<Break>,
}

/// One stored link.
#[derive(Debug, Clone)]
struct StoredLink {
    seq: i64,
    row_key: String,
    row_hash: String,
    prev_hash: String,
    hash: String,
}

impl Store {
    /// Every contract that has rows in a chained table, links or a head,
    /// sorted.
    pub async fn chained_contracts(&self) -> Result<Vec<String>, StoreError> {
        let mut found = BTreeSet::new();
        let mut sources: Vec<String> = CHAINED
            .iter()
            .map(|t| format!("SELECT DISTINCT {} FROM {}", t.contract, t.name))
            .collect();
        sources.push("SELECT DISTINCT contract FROM chain_links".into());
        sources.push("SELECT DISTINCT contract FROM chain_heads".into());
        for sql in sources {
            let contracts: Vec<String> = sqlx::query_scalar(AssertSqlSafe(sql))
                .fetch_all(self.pool())
                .await
                .map_err(failed("listing the contracts of the chains"))?;
            found.extend(contracts);
        }
        Ok(found.into_iter().collect())
    }

    /// Recomputes `contract`'s chain of `table` from the stored rows, links
    /// and head, read in one snapshot (a writer committing meanwhile is not
    /// half seen), and says how far it holds.
    pub async fn verify_chain(
        &self,
        table: &'static ChainedTable,
        contract: &str,
    ) -> Result<ChainReport, StoreError> {
        let mut tx = begin_snapshot(self.pool(), self.backend())
            .await
            .map_err(failed("starting to read a chain"))?;
        let head: Option<(i64, String)> = sqlx::query_as(
            "SELECT seq, hash FROM chain_heads WHERE table_name = $1 AND contract = $2",
        )
        .bind(table.name)
        .bind(contract)
        .fetch_optional(&mut *tx)
        .await
        .map_err(failed("reading a chain's head"))?;
        let head = head.map(|(seq, hash)| Head { seq, hash });
        let links: Vec<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT seq, row_key, row_hash, prev_hash, hash FROM chain_links
              WHERE table_name = $1 AND contract = $2 ORDER BY seq",
        )
        .bind(table.name)
        .bind(contract)
        .fetch_all(&mut *tx)
        .await
        .map_err(failed("reading a chain's links"))?;
        let links: Vec<StoredLink> = links
            .into_iter()
            .map(|(seq, row_key, row_hash, prev_hash, hash)| StoredLink {
                seq,
                row_key,
                row_hash,
                prev_hash,
                hash,
            })
            .collect();
        let mut rows = Vec::new();
        {
            let mut stream = sqlx::query(AssertSqlSafe(table.select_rows()))
                .bind(contract)
                .fetch(&mut *tx);
            while let Some(row) = stream
                .try_next()
                .await
                .map_err(failed("reading a chained table's rows"))?
            {
                let (key, content) = table.read_row(&row)?;
                rows.push((
                    row_key(&key),
                    row_hash(table.name, contract, &key, &content),
                ));
            }
        }
        tx.rollback()
            .await
            .map_err(failed("ending the read of a chain"))?;
        let (checked, broken) = walk(table.name, contract, &links, &rows, head.as_ref());
        Ok(ChainReport {
            table,
            contract: contract.to_string(),
            rows: checked,
            head,
            broken,
        })
    }
}

/// A read-only transaction that sees one snapshot: SQLite's deferred
/// transaction does (from its first read); PostgreSQL needs REPEATABLE READ.
async fn begin_snapshot(
    pool: &AnyPool,
    backend: Backend,
) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    match backend {
        Backend::Sqlite => pool.begin().await,
        Backend::Postgres => {
            pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .await
        }
    }
}

/// Walks `links` (in seq order) against `rows` (row key and recomputed row
/// hash, in key order) and `head`: how many links hold, and the first break.
fn walk(
    table: &str,
    contract: &str,
    links: &[StoredLink],
    rows: &[(String, String)],
    head: Option<&Head>,
) -> (i64, Option<Break>) {
    let by_key: HashMap<&str, &str> = rows.iter().map(|(k, h)| (k.as_str(), h.as_str())).collect();
    let mut sealed: HashMap<&str, i64> = HashMap::new();
    let (mut last_seq, mut last_hash) = (0i64, GENESIS);
    for link in links {
        let at = |problem, detail: String| {
            Some(Break {
                problem,
                seq: Some(link.seq),
                row_key: Some(link.row_key.clone()),
                detail,
            })
        };
        let expected = last_seq + 1;
        if link.seq != expected {
            let detail = if link.seq > expected {
                format!(
                    "link {expected} is missing: the chain goes from link {last_seq} to link {}",
                    link.seq
                )
            } else {
                format!("link {} appears twice", link.seq)
            };
            return (last_seq, at(Problem::LinkOrderBroken, detail));
        }
        if link.prev_hash != last_hash {
            let detail = if last_seq == 0 {
                "the first link does not start the chain (its previous hash is not the genesis hash)"
                    .to_string()
            } else {
                format!(
                    "link {} does not follow link {last_seq}: it names another previous hash",
                    link.seq
                )
            };
            return (last_seq, at(Problem::LinkOrderBroken, detail));
        }
        let recomputed = link_hash(&LinkFields {
            table,
            contract,
            seq: link.seq,
            prev_hash: &link.prev_hash,
            row_key: &link.row_key,
            row_hash: &link.row_hash,
        });
        if recomputed != link.hash {
            let detail = format!(
                "link {}'s hash does not match what the link records",
                link.seq
            );
            return (last_seq, at(Problem::LinkAltered, detail));
        }
        if let Some(first) = sealed.insert(link.row_key.as_str(), link.seq) {
            let detail = format!(
                "the row is sealed twice, by link {first} and link {}",
                link.seq
            );
            return (last_seq, at(Problem::LinkOrderBroken, detail));
        }
        match by_key.get(link.row_key.as_str()) {
            None => {
                let detail = format!("the row link {} seals is no longer in {table}", link.seq);
                return (last_seq, at(Problem::RowMissing, detail));
            }
            Some(hash) if *hash != link.row_hash => {
                let detail = format!(
                    "the row's stored content is not what link {} sealed",
                    link.seq
                );
                return (last_seq, at(Problem::ContentChanged, detail));
            }
            Some(_) => {}
        }
        (last_seq, last_hash) = (link.seq, link.hash.as_str());
    }
    if let Some((key, _)) = rows.iter().find(|(k, _)| !sealed.contains_key(k.as_str())) {
        let broken = Break {
            problem: Problem::RowWithoutLink,
            seq: None,
            row_key: Some(key.clone()),
            detail: format!("no link seals this row of {table}: it was stored past slawatch"),
        };
        return (last_seq, Some(broken));
    }
    let mismatch = |detail: String| Break {
        problem: Problem::HeadMismatch,
        seq: None,
        row_key: None,
        detail,
    };
    let broken = match head {
        None if last_seq == 0 => None,
        None => Some(mismatch(format!(
            "the chain has {last_seq} links but no head"
        ))),
        Some(h) if h.seq == last_seq && h.hash == last_hash => None,
        Some(h) if h.seq > last_seq => Some(mismatch(format!(
            "the head records {} links but the chain ends at link {last_seq}: the last {} were removed with their rows",
            h.seq,
            h.seq - last_seq
        ))),
        Some(h) => Some(mismatch(format!(
            "the head (link {}, {}) is not the last link (link {last_seq}, {last_hash})",
            h.seq, h.hash
        ))),
    };
    (last_seq, broken)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chain of `n` audit rows for "acme", built as [`super::super::seal`]
    /// would: (links, rows).
    fn chain(n: i64) -> (Vec<StoredLink>, Vec<(String, String)>) {
        let mut links = Vec::new();
        let mut rows = Vec::new();
        let mut prev = GENESIS.to_string();
        for seq in 1..=n {
            let key = format!("[{seq}]");
            let row = format!("row{seq}");
            let hash = link_hash(&LinkFields {
                table: "audit",
                contract: "acme",
                seq,
                prev_hash: &prev,
                row_key: &key,
                row_hash: &row,
            });
            links.push(StoredLink {
                seq,
                row_key: key.clone(),
                row_hash: row.clone(),
                prev_hash: prev,
                hash: hash.clone(),
            });
            rows.push((key, row));
            prev = hash;
        }
        (links, rows)
    }

    fn head(links: &[StoredLink]) -> Head {
        let last = links.last().unwrap();
        Head {
            seq: last.seq,
            hash: last.hash.clone(),
        }
    }

    /// The problem, link and row of a break.
    type Found = (Problem, Option<i64>, Option<String>);

    fn run(
        links: &[StoredLink],
        rows: &[(String, String)],
        head: Option<&Head>,
    ) -> (i64, Option<Found>) {
        let (n, b) = walk("audit", "acme", links, rows, head);
        (n, b.map(|b| (b.problem, b.seq, b.row_key)))
    }

    #[test]
    fn an_intact_chain_holds_to_its_head() {
        let (links, rows) = chain(3);
        assert_eq!(run(&links, &rows, Some(&head(&links))), (3, None));
        assert_eq!(run(&[], &[], None), (0, None));
    }

    #[test]
    fn a_changed_row_is_named() {
        let (links, mut rows) = chain(3);
        rows[1].1 = "edited".into();
        assert_eq!(
            run(&links, &rows, Some(&head(&links))),
            (
                1,
                Some((Problem::ContentChanged, Some(2), Some("[2]".into())))
            )
        );
    }

    #[test]
    fn a_deleted_row_is_named() {
        let (links, mut rows) = chain(3);
        rows.remove(1);
        assert_eq!(
            run(&links, &rows, Some(&head(&links))),
            (1, Some((Problem::RowMissing, Some(2), Some("[2]".into()))))
        );
    }

    #[test]
    fn a_row_without_a_link_is_named() {
        let (links, mut rows) = chain(3);
        rows.push(("[4]".into(), "slipped in".into()));
        assert_eq!(
            run(&links, &rows, Some(&head(&links))),
            (3, Some((Problem::RowWithoutLink, None, Some("[4]".into()))))
        );
    }

    #[test]
    fn links_out_of_order_are_named() {
        let (mut links, rows) = chain(3);
        let h = head(&links);
        links.remove(1);
        assert_eq!(
            run(&links, &rows, Some(&h)),
            (
                1,
                Some((Problem::LinkOrderBroken, Some(3), Some("[3]".into())))
            )
        );
        // A link rewritten to seal other content no longer matches its hash.
        let (mut links, rows) = chain(3);
        links[1].row_hash = "forged".into();
        assert_eq!(
            run(&links, &rows, Some(&h)).1.map(|b| b.0),
            Some(Problem::LinkAltered)
        );
    }

    #[test]
    fn rows_removed_at_the_end_are_seen_by_the_head() {
        let (links, rows) = chain(3);
        let h = head(&links);
        assert_eq!(
            run(&links[..2], &rows[..2], Some(&h)),
            (2, Some((Problem::HeadMismatch, None, None)))
        );
        assert_eq!(
            run(&links, &rows, None).1.map(|b| b.0),
            Some(Problem::HeadMismatch)
        );
    }
}
