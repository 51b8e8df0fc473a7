//! The canonical encoding of a row's values and the two hashes of a chain:
//! a row's (its key and content) and a link's (the row's hash, its place in
//! the chain and the previous link). Changing anything here breaks every
//! stored chain: the tests pin the bytes and a hash.

use sha2::{Digest, Sha256};

use super::super::write::Param;

/// The previous hash of a chain's first link (and the head of an empty
/// chain): 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The value a [`super::Kind::Bytes`] column is sealed as: the lowercase hex
/// SHA-256 of its bytes, as a text.
pub fn bytes_param(bytes: &[u8]) -> Param {
    Param::Text(Some(hex::encode(Sha256::digest(bytes))))
}

/// Feeds one value to `hash`: NULL as 0; an integer as 1 and its 8 bytes
/// little-endian; a text as 2, its length as 8 bytes little-endian, its bytes.
fn feed(hash: &mut Sha256, value: &Param) {
    match value {
        Param::Int(None) | Param::Text(None) => hash.update([0u8]),
        Param::Int(Some(n)) => {
            hash.update([1u8]);
            hash.update(n.to_le_bytes());
        }
        Param::Text(Some(s)) => feed_text(hash, s),
    }
}

fn feed_text(hash: &mut Sha256, text: &str) {
    hash.update([2u8]);
    hash.update((text.len() as u64).to_le_bytes());
    hash.update(text.as_bytes());
}

fn feed_int(hash: &mut Sha256, n: i64) {
    hash.update([1u8]);
    hash.update(n.to_le_bytes());
}

/// The hash of one row of `table` in `contract`'s chain: its key and
/// content values, each list preceded by its length.
pub(super) fn row_hash(table: &str, contract: &str, key: &[Param], content: &[Param]) -> String {
    let mut hash = Sha256::new();
    feed_text(&mut hash, "slawatch-row-v1");
    feed_text(&mut hash, table);
    feed_text(&mut hash, contract);
    for values in [key, content] {
        feed_int(&mut hash, values.len() as i64);
        for v in values {
            feed(&mut hash, v);
        }
    }
    hex::encode(hash.finalize())
}

/// What one link records, as hashed.
pub(super) struct LinkFields<'a> {
    pub(super) table: &'a str,
    pub(super) contract: &'a str,
    pub(super) seq: i64,
    pub(super) prev_hash: &'a str,
    pub(super) row_key: &'a str,
    pub(super) row_hash: &'a str,
}

/// The hash of one link.
pub(super) fn link_hash(link: &LinkFields<'_>) -> String {
    let mut hash = Sha256::new();
    feed_text(&mut hash, "slawatch-link-v1");
    feed_text(&mut hash, link.table);
    feed_text(&mut hash, link.contract);
    feed_int(&mut hash, link.seq);
    feed_text(&mut hash, link.prev_hash);
    feed_text(&mut hash, link.row_key);
    feed_text(&mut hash, link.row_hash);
    hex::encode(hash.finalize())
}

/// A row's key as the link stores it: a JSON array of its values
/// (`[17]`, `["acme","2026-10",1]`).
pub(super) fn row_key(key: &[Param]) -> String {
    let values: Vec<serde_json::Value> = key
        .iter()
        .map(|p| match p {
            Param::Int(Some(n)) => serde_json::Value::from(*n),
            Param::Text(Some(s)) => serde_json::Value::from(s.as_str()),
            Param::Int(None) | Param::Text(None) => serde_json::Value::Null,
        })
        .collect();
    serde_json::Value::Array(values).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Param {
        Param::Text(Some(s.to_string()))
    }

    /// The row hash is SHA-256 over exactly these bytes, written out by hand.
    #[test]
    fn a_row_hash_is_the_documented_bytes() {
        let mut bytes: Vec<u8> = Vec::new();
        let mut t = |s: &str| {
            bytes.push(2);
            bytes.extend((s.len() as u64).to_le_bytes());
            bytes.extend(s.as_bytes());
        };
        t("slawatch-row-v1");
        t("audit");
        t("acme");
        bytes.extend([1, 1, 0, 0, 0, 0, 0, 0, 0]); // one key value
        bytes.extend([1, 7, 0, 0, 0, 0, 0, 0, 0]); // id 7
        bytes.extend([1, 2, 0, 0, 0, 0, 0, 0, 0]); // two content values
        bytes.extend([2, 2, 0, 0, 0, 0, 0, 0, 0, b'h', b'i']); // "hi"
        bytes.push(0); // NULL
        assert_eq!(
            row_hash(
                "audit",
                "acme",
                &[Param::Int(Some(7))],
                &[text("hi"), Param::Text(None)]
            ),
            hex::encode(Sha256::digest(&bytes))
        );
    }

    /// Pinned: a stored chain must verify with every later build.
    #[test]
    fn the_link_hash_is_pinned() {
        let row = row_hash("audit", "acme", &[Param::Int(Some(1))], &[text("x")]);
        let link = link_hash(&LinkFields {
            table: "audit",
            contract: "acme",
            seq: 1,
            prev_hash: GENESIS,
            row_key: &row_key(&[Param::Int(Some(1))]),
            row_hash: &row,
        });
        assert_eq!(
            link,
            "996769df44c63ad6f74770161e02aec00a51a94fe450d2cc3c90973009de7e79"
        );
    }

    #[test]
    fn nothing_runs_together() {
        let h = |key: &[Param], content: &[Param]| row_hash("t", "c", key, content);
        // A value moved from the key to the content, NULL against "",
        // "ab","c" against "a","bc": all differ.
        assert_ne!(h(&[text("a")], &[]), h(&[], &[text("a")]));
        assert_ne!(h(&[], &[Param::Text(None)]), h(&[], &[text("")]));
        assert_ne!(
            h(&[], &[text("ab"), text("c")]),
            h(&[], &[text("a"), text("bc")])
        );
        assert_ne!(row_hash("t", "c", &[], &[]), row_hash("t", "d", &[], &[]));
    }

    #[test]
    fn row_keys_are_json_arrays() {
        assert_eq!(row_key(&[Param::Int(Some(17))]), "[17]");
        assert_eq!(
            row_key(&[text("acme \"x\""), text("2026-10"), Param::Int(Some(1))]),
            r#"["acme \"x\"","2026-10",1]"#
        );
    }

    #[test]
    fn bytes_are_sealed_as_their_sha256() {
        assert_eq!(
            bytes_param(b"abc"),
            text("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
    }
}
