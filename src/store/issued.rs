//! Issued monthly reports: the JSON as it was sent to the contract's
//! managers when the month was closed, one row per version, and every file
//! written for that version, byte for byte. Insert-only — an issued version
//! is never changed; a reissue adds the next version — and each row is
//! sealed into the contract's chain of issued reports (or of issued files)
//! as it is recorded ([`super::chain`]).
//!
//! The files are kept in the store (not only under `data_dir`) so that any
//! daemon on it can send the emailed attachments, whichever machine issued
//! them, and an auditor can have the issued documents from the database alone.

use sha2::{Digest, Sha256};
use sqlx::{Any, Transaction};

use super::chain::{self, NewRow};
use super::write::Param;
use super::{Store, StoreError, failed};
use crate::domain::Period;

/// One issued version of a contract-month's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedReport {
    /// The contract.
    pub contract: String,
    /// The month.
    pub period: Period,
    /// 1 for the first issue, then 2, 3 … for amended reissues.
    pub version: i64,
    /// When it was issued (epoch seconds).
    pub issued_at: i64,
    /// SHA-256 of `json`, lowercase hex.
    pub sha256: String,
    /// The report JSON as issued.
    pub json: String,
}

/// One file of an issued version, as written under `data_dir/reports/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedFile {
    /// Its file name (`acme-2026-10-v1.pdf`), unique within the version.
    pub filename: String,
    /// Its MIME type.
    pub content_type: String,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// Which issued version a stored file belongs to: what an outbox attachment
/// names to have its bytes read from the store.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IssuedKey {
    /// The contract.
    pub contract: String,
    /// The month, `YYYY-MM`.
    pub period: String,
    /// The issued version.
    pub version: i64,
}

/// Records an issued version inside `tx`; false when that version exists
/// already (another issuer got there first), so issuing is idempotent.
pub async fn insert(
    tx: &mut Transaction<'static, Any>,
    issued: &IssuedReport,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO issued_reports (contract, period, version, issued_at, sha256, json)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (contract, period, version) DO NOTHING",
    )
    .bind(issued.contract.clone())
    .bind(issued.period.to_string())
    .bind(issued.version)
    .bind(issued.issued_at)
    .bind(issued.sha256.clone())
    .bind(issued.json.clone())
    .execute(&mut **tx)
    .await
    .map_err(failed("recording an issued report"))?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    let key = [
        text(&issued.contract),
        text(&issued.period.to_string()),
        Param::Int(Some(issued.version)),
    ];
    let content = [
        Param::Int(Some(issued.issued_at)),
        text(&issued.sha256),
        text(&issued.json),
    ];
    chain::seal(
        tx,
        &chain::ISSUED_REPORTS,
        &issued.contract,
        &[NewRow {
            key: &key,
            content: &content,
        }],
    )
    .await?;
    Ok(true)
}

fn text(s: &str) -> Param {
    Param::Text(Some(s.to_string()))
}

/// Records the files of an issued version inside `tx`, in the transaction
/// that records the version itself ([`insert`]), so the two are kept
/// together, and seals them into the contract's chain of issued files.
pub async fn insert_files(
    tx: &mut Transaction<'static, Any>,
    key: &IssuedKey,
    files: &[IssuedFile],
) -> Result<(), StoreError> {
    let mut sealed: Vec<([Param; 4], [Param; 3])> = Vec::with_capacity(files.len());
    for file in files {
        let sha256 = hex::encode(Sha256::digest(&file.bytes));
        sealed.push((
            [
                text(&key.contract),
                text(&key.period),
                Param::Int(Some(key.version)),
                text(&file.filename),
            ],
            [
                text(&file.content_type),
                text(&sha256),
                chain::bytes_param(&file.bytes),
            ],
        ));
        sqlx::query(
            "INSERT INTO issued_files (contract, period, version, filename, content_type, sha256, bytes)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(key.contract.clone())
        .bind(key.period.clone())
        .bind(key.version)
        .bind(file.filename.clone())
        .bind(file.content_type.clone())
        .bind(sha256)
        .bind(file.bytes.clone())
        .execute(&mut **tx)
        .await
        .map_err(failed("recording an issued report's file"))?;
    }
    let rows: Vec<NewRow> = sealed
        .iter()
        .map(|(key, content)| NewRow { key, content })
        .collect();
    chain::seal(tx, &chain::ISSUED_FILES, &key.contract, &rows).await?;
    Ok(())
}

impl Store {
    /// One stored file of an issued version, if the store has it. Its bytes
    /// are checked against the SHA-256 recorded with them.
    pub async fn issued_file(
        &self,
        key: &IssuedKey,
        filename: &str,
    ) -> Result<Option<IssuedFile>, StoreError> {
        let row: Option<(String, String, Vec<u8>)> = sqlx::query_as(
            "SELECT content_type, sha256, bytes FROM issued_files
              WHERE contract = $1 AND period = $2 AND version = $3 AND filename = $4",
        )
        .bind(key.contract.clone())
        .bind(key.period.clone())
        .bind(key.version)
        .bind(filename.to_string())
        .fetch_optional(self.pool())
        .await
        .map_err(failed("reading an issued report's file"))?;
        let Some((content_type, sha256, bytes)) = row else {
            return Ok(None);
        };
        if hex::encode(Sha256::digest(&bytes)) != sha256 {
            return Err(StoreError::Corrupt(format!(
                "issued file {filename} of {} {} v{}: its bytes do not match their SHA-256",
                key.contract, key.period, key.version
            )));
        }
        Ok(Some(IssuedFile {
            filename: filename.to_string(),
            content_type,
            bytes,
        }))
    }

    /// The names of the stored files of an issued version, in name order.
    pub async fn issued_filenames(&self, key: &IssuedKey) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT filename FROM issued_files
              WHERE contract = $1 AND period = $2 AND version = $3 ORDER BY filename",
        )
        .bind(key.contract.clone())
        .bind(key.period.clone())
        .bind(key.version)
        .fetch_all(self.pool())
        .await
        .map_err(failed("listing an issued report's files"))
    }

    /// Every issued version of a contract-month's report, oldest first:
    /// (version, issued at in epoch seconds, SHA-256 of its JSON).
    pub async fn issued_versions(
        &self,
        contract: &str,
        period: Period,
    ) -> Result<Vec<(i64, i64, String)>, StoreError> {
        sqlx::query_as(
            "SELECT version, issued_at, sha256 FROM issued_reports
              WHERE contract = $1 AND period = $2 ORDER BY version",
        )
        .bind(contract.to_string())
        .bind(period.to_string())
        .fetch_all(self.pool())
        .await
        .map_err(failed("listing issued reports"))
    }

    /// The latest issued version of a contract-month's report, if any.
    pub async fn latest_issued(
        &self,
        contract: &str,
        period: Period,
    ) -> Result<Option<IssuedReport>, StoreError> {
        let row: Option<(i64, i64, String, String)> = sqlx::query_as(
            "SELECT version, issued_at, sha256, json FROM issued_reports
              WHERE contract = $1 AND period = $2 ORDER BY version DESC LIMIT 1",
        )
        .bind(contract.to_string())
        .bind(period.to_string())
        .fetch_optional(self.pool())
        .await
        .map_err(failed("reading the issued report"))?;
        Ok(row.map(|(version, issued_at, sha256, json)| IssuedReport {
            contract: contract.to_string(),
            period,
            version,
            issued_at,
            sha256,
            json,
        }))
    }
}
