//! Migrations reworded after stores applied them. sqlx records each applied
//! migration's checksum (SHA-384 of its text) and refuses to open a store
//! whose recorded checksum differs from the text it is given, so a comment
//! corrected in an applied migration would lock every existing store out.
//! Before migrating, the store moves the recorded checksum of each reworded
//! migration from its old text's to its new text's — only when it still
//! equals the old text's, so a store holding any other text (a migration
//! really changed by hand) is still refused.
//!
//! Only comments may be reworded this way: a store that ran the old text
//! must hold exactly the schema the new text makes.

use sha2::{Digest, Sha384};

use super::{Backend, Store, StoreError};

/// One reworded migration: the backend, its version, and the SHA-384 (hex)
/// of the text stores applied before it was reworded.
struct Reworded {
    backend: Backend,
    version: i64,
    old_sha384: &'static str,
}

/// Every text of a reworded migration that stores applied, oldest first.
/// Version 4 (the commitments register) lost its citation of an outside
/// document in its first comment line; then versions 4, 13 (rewrites) and
/// 15 (each recipient's delivery) had their citations of README sections
/// turned into the book pages that now hold them. Nothing else changed.
const REWORDED: &[Reworded] = &[
    Reworded {
        backend: Backend::Sqlite,
        version: 4,
        old_sha384: "56952532a3d1f69649019e5855a4ade2613cf45a31d12de3510ca4de5754d78b4ff67bac5ac473463cd8c5fb47c6bf83",
    },
    Reworded {
        backend: Backend::Postgres,
        version: 4,
        old_sha384: "f505ba78f7a048525b4e3fbb3b615eb6ee649c9fe1a9ccac687987bda30ddd4110c2e598c048970d2ed9fadd51378661",
    },
    Reworded {
        backend: Backend::Sqlite,
        version: 4,
        old_sha384: "a2149a3b1a4dc63aa588af6dea29772b1cfdfe861dffefc9fedbb6b3267c4cd5a6c0b815c9477f49a33f41f2a6dd490e",
    },
    Reworded {
        backend: Backend::Postgres,
        version: 4,
        old_sha384: "ff11738b09eae5f27c665d7f090d27db36cbf21abe1b6ab3a90fdf6857d225e11c578279d0ca141409fbb2e0b9fe0e40",
    },
    Reworded {
        backend: Backend::Sqlite,
        version: 13,
        old_sha384: "e124f3c93f51cc7554d9b45ee982bbf810a31463a618f3fab1c6b6afc3142e6cf8a061c4507b715e4dcdfd2e48cec0fe",
    },
    Reworded {
        backend: Backend::Postgres,
        version: 13,
        old_sha384: "aa5a6fd5f02c973b44ab5ac8cfb7fa97f8e5f1d10d8ee1e7fc71d64902f562fb1c8a8e1b8d94a614d3187c201f7750c3",
    },
    Reworded {
        backend: Backend::Sqlite,
        version: 15,
        old_sha384: "81cd53a7909ab6905766c0daac6480e39c0af47c8a8a84e65c3c1cbf1a8c9018acd01c0e696dc1b7856a8dd7c6fb1dc6",
    },
    Reworded {
        backend: Backend::Postgres,
        version: 15,
        old_sha384: "868508476d4b1c94259917eb73c7b754e1ce97736c6261726d0ffeb23b713703cccc8dbdc643c0ef73301a8c228ffb5b",
    },
];

/// The checksum sqlx records for a migration's text.
pub(super) fn checksum(sql: &str) -> Vec<u8> {
    Sha384::digest(sql.as_bytes()).to_vec()
}

/// Moves the recorded checksums of the reworded migrations to their
/// current text's, on a store that has applied them.
pub(super) async fn accept_old_texts(store: &Store) -> Result<(), StoreError> {
    if !has_migrations_table(store).await? {
        return Ok(());
    }
    for r in REWORDED.iter().filter(|r| r.backend == store.backend) {
        let Some(&(_, _, sql)) = store
            .backend
            .migrations()
            .iter()
            .find(|(version, _, _)| *version == r.version)
        else {
            continue;
        };
        let old = hex::decode(r.old_sha384).map_err(|e| {
            StoreError::Corrupt(format!("old checksum of migration {}: {e}", r.version))
        })?;
        sqlx::query(
            "UPDATE _sqlx_migrations SET checksum = $1 WHERE version = $2 AND checksum = $3",
        )
        .bind(checksum(sql))
        .bind(r.version)
        .bind(old)
        .execute(store.pool())
        .await
        .map_err(|source| StoreError::Query {
            what: "accepting a reworded migration",
            source,
        })?;
    }
    Ok(())
}

/// Whether sqlx's bookkeeping table exists (not on a new store).
async fn has_migrations_table(store: &Store) -> Result<bool, StoreError> {
    let sql = match store.backend {
        Backend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
        }
        Backend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
        }
    };
    let n: i64 = sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .map_err(|source| StoreError::Query {
            what: "looking for the applied migrations",
            source,
        })?;
    Ok(n > 0)
}
