//! Issued committee packs, one row per version with its documents' bytes:
//! insert-only (a reissue adds the next version), so the pack a committee
//! read can always be shown again and any daemon on the store can email it.

use sqlx::{Any, Row as _, Transaction};

use super::row::col;
use super::{Store, StoreError, failed};

/// Which pack: its scope (`*` for every contract, else one contract's id)
/// and its months, inclusive.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PackKey {
    /// `*` or a contract's id.
    pub scope: String,
    /// The first month, `YYYY-MM`.
    pub from: String,
    /// The last month, `YYYY-MM`.
    pub to: String,
    /// The issued version.
    pub version: i64,
}

/// One issued version of a pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedPack {
    /// Which pack and version.
    pub key: PackKey,
    /// When it was issued (epoch seconds).
    pub issued_at: i64,
    /// SHA-256 of `json`, lowercase hex.
    pub sha256: String,
    /// The pack's JSON as issued.
    pub json: String,
    /// The HTML document.
    pub html: String,
    /// The PDF document.
    pub pdf: Vec<u8>,
}

/// The stored scope of a pack over every contract.
pub const EVERY_CONTRACT: &str = "*";

/// Records an issued version inside `tx`; false when that version exists
/// already (another issuer got there first), so issuing is idempotent.
pub async fn insert(
    tx: &mut Transaction<'static, Any>,
    pack: &IssuedPack,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO packs (scope, period_from, period_to, version, issued_at, sha256, json, html, pdf)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (scope, period_from, period_to, version) DO NOTHING",
    )
    .bind(pack.key.scope.clone())
    .bind(pack.key.from.clone())
    .bind(pack.key.to.clone())
    .bind(pack.key.version)
    .bind(pack.issued_at)
    .bind(pack.sha256.clone())
    .bind(pack.json.clone())
    .bind(pack.html.clone())
    .bind(pack.pdf.clone())
    .execute(&mut **tx)
    .await
    .map_err(failed("recording an issued pack"))?;
    Ok(done.rows_affected() == 1)
}

const COLUMNS: &str = "scope, period_from, period_to, version, issued_at, sha256, json, html, pdf";

fn read(row: &sqlx::any::AnyRow) -> Result<IssuedPack, StoreError> {
    Ok(IssuedPack {
        key: PackKey {
            scope: col(row, 0)?,
            from: col(row, 1)?,
            to: col(row, 2)?,
            version: col(row, 3)?,
        },
        issued_at: col(row, 4)?,
        sha256: col(row, 5)?,
        json: col(row, 6)?,
        html: col(row, 7)?,
        pdf: row
            .try_get::<Vec<u8>, _>(8)
            .map_err(failed("reading an issued pack's PDF"))?,
    })
}

impl Store {
    /// The latest issued version of the pack of `scope` over `from..=to`.
    pub async fn latest_pack(
        &self,
        scope: &str,
        from: &str,
        to: &str,
    ) -> Result<Option<IssuedPack>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM packs
             WHERE scope = $1 AND period_from = $2 AND period_to = $3
             ORDER BY version DESC LIMIT 1"
        )))
        .bind(scope)
        .bind(from)
        .bind(to)
        .fetch_optional(self.pool())
        .await
        .map_err(failed("reading an issued pack"))?;
        row.as_ref().map(read).transpose()
    }

    /// The pack of `scope` issued last over months ending before `from`:
    /// what "changed since the last pack" compares with.
    pub async fn pack_before(
        &self,
        scope: &str,
        from: &str,
    ) -> Result<Option<IssuedPack>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM packs WHERE scope = $1 AND period_to < $2
             ORDER BY period_to DESC, period_from DESC, version DESC LIMIT 1"
        )))
        .bind(scope)
        .bind(from)
        .fetch_optional(self.pool())
        .await
        .map_err(failed("reading the last issued pack"))?;
        row.as_ref().map(read).transpose()
    }

    /// Every issued version of every pack, newest months first: each key
    /// with when it was issued (epoch seconds); the documents left unread.
    pub async fn packs(&self) -> Result<Vec<(PackKey, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT scope, period_from, period_to, version, issued_at FROM packs
             ORDER BY period_to DESC, period_from DESC, scope, version DESC",
        )
        .fetch_all(self.pool())
        .await
        .map_err(failed("listing issued packs"))?;
        rows.iter()
            .map(|row| {
                Ok((
                    PackKey {
                        scope: col(row, 0)?,
                        from: col(row, 1)?,
                        to: col(row, 2)?,
                        version: col(row, 3)?,
                    },
                    col(row, 4)?,
                ))
            })
            .collect()
    }

    /// One issued version, by its key.
    pub async fn issued_pack(&self, key: &PackKey) -> Result<Option<IssuedPack>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM packs
             WHERE scope = $1 AND period_from = $2 AND period_to = $3 AND version = $4"
        )))
        .bind(key.scope.clone())
        .bind(key.from.clone())
        .bind(key.to.clone())
        .bind(key.version)
        .fetch_optional(self.pool())
        .await
        .map_err(failed("reading an issued pack"))?;
        row.as_ref().map(read).transpose()
    }
}
