//! Evidence files as stored: the bytes of a document behind a cost, an
//! excusal, a dispute, a commitment's delivery or a DR test, with its
//! SHA-256, name, media type, size and who added it when. Insert-only (the
//! schema's triggers refuse anything else); each row is sealed into its
//! contract's `evidence_files` chain and audited (`evidence.add`) in the
//! transaction that stores it.

use chrono::NaiveDate;
use chrono_tz::Tz;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;

use super::chain::{self, NewRow};
use super::records::{Change, RecordError, Tx, audit_and_commit, month_of};
use super::row::{col, instant, period};
use super::write::Param;
use super::{Store, StoreError, failed};
use crate::domain::evidence_file::{check_file, check_media_type};
use crate::domain::{EvidenceFile, EvidenceSubject, NewEvidenceFile, Period};

const FILE_COLUMNS: &str =
    "id, kind, subject, period, filename, media_type, size, sha256, added_by, added_at";

impl Store {
    /// Stores an evidence file for `contract` once its subject is found;
    /// `tz` is the contract's timezone (an incident's or outage's month is
    /// read in it), `by` who adds it, `now` the instant (epoch seconds).
    pub async fn add_evidence_file(
        &self,
        contract: &str,
        tz: Tz,
        file: &NewEvidenceFile,
        by: &str,
        now: i64,
    ) -> Result<EvidenceFile, RecordError> {
        check_file(&file.filename, file.bytes.len()).map_err(RecordError::Invalid)?;
        check_media_type(&file.media_type).map_err(RecordError::Invalid)?;
        let filename = file.filename.trim().to_string();
        let mut tx = self.begin_record().await?;
        let month = subject_month(&mut tx, contract, tz, file.subject).await?;
        let sha256 = hex::encode(Sha256::digest(&file.bytes));
        let size = i64::try_from(file.bytes.len())
            .map_err(|_| RecordError::Invalid("the file is too large".into()))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO evidence_files (contract, kind, subject, period, filename, media_type, size,
                 sha256, bytes, added_by, added_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(contract)
        .bind(file.subject.kind())
        .bind(file.subject.id())
        .bind(month.map(|p| p.to_string()))
        .bind(filename.clone())
        .bind(file.media_type.clone())
        .bind(size)
        .bind(sha256.clone())
        .bind(file.bytes.clone())
        .bind(by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(failed("storing an evidence file"))?;
        let text = |s: &str| Param::Text(Some(s.to_string()));
        let key = [Param::Int(Some(id))];
        let content = [
            text(file.subject.kind()),
            Param::Int(Some(file.subject.id())),
            Param::Text(month.map(|p| p.to_string())),
            text(&filename),
            text(&file.media_type),
            Param::Int(Some(size)),
            text(&sha256),
            chain::bytes_param(&file.bytes),
            text(by),
            Param::Int(Some(now)),
        ];
        chain::seal(
            &mut tx,
            &chain::EVIDENCE_FILES,
            contract,
            &[NewRow {
                key: &key,
                content: &content,
            }],
        )
        .await?;
        audit_and_commit(
            tx,
            contract,
            by,
            now,
            Change {
                action: "evidence.add",
                kind: "evidence_file",
                subject: id.to_string(),
                period: month,
                detail: format!(
                    "added evidence file {id} to {}: {filename} ({}, {size} bytes, SHA-256 {sha256})",
                    file.subject, file.media_type
                ),
                reason: None,
            },
        )
        .await?;
        Ok(EvidenceFile {
            id,
            subject: file.subject,
            period: month,
            filename,
            media_type: file.media_type.clone(),
            size,
            sha256,
            added_by: by.to_string(),
            added_at: instant(now)?,
        })
    }

    /// The contract's evidence files, oldest first: every one, or those of
    /// one subject.
    pub async fn evidence_files(
        &self,
        contract: &str,
        subject: Option<EvidenceSubject>,
    ) -> Result<Vec<EvidenceFile>, StoreError> {
        let rows = match subject {
            None => {
                let sql = format!(
                    "SELECT {FILE_COLUMNS} FROM evidence_files WHERE contract = $1 ORDER BY id"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(contract)
                    .fetch_all(self.pool())
                    .await
            }
            Some(s) => {
                let sql = format!(
                    "SELECT {FILE_COLUMNS} FROM evidence_files
                      WHERE contract = $1 AND kind = $2 AND subject = $3 ORDER BY id"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(contract)
                    .bind(s.kind())
                    .bind(s.id())
                    .fetch_all(self.pool())
                    .await
            }
        }
        .map_err(failed("reading evidence files"))?;
        rows.iter().map(file_row).collect()
    }

    /// The id of the latest delivery recorded against an occurrence of a
    /// commitment: what `evidence add --delivery` names.
    pub async fn delivery_id(
        &self,
        contract: &str,
        commitment: &str,
        occurrence: &str,
    ) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar(
            "SELECT MAX(id) FROM commitment_events
              WHERE contract = $1 AND commitment = $2 AND occurrence = $3 AND action = 'delivered'",
        )
        .bind(contract)
        .bind(commitment)
        .bind(occurrence)
        .fetch_one(self.pool())
        .await
        .map_err(failed("reading a commitment's deliveries"))
    }

    /// The evidence files whose subject bears on `period`, oldest first.
    pub async fn evidence_files_of_month(
        &self,
        contract: &str,
        period: Period,
    ) -> Result<Vec<EvidenceFile>, StoreError> {
        let sql = format!(
            "SELECT {FILE_COLUMNS} FROM evidence_files WHERE contract = $1 AND period = $2 ORDER BY id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .bind(period.to_string())
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading evidence files"))?;
        rows.iter().map(file_row).collect()
    }

    /// One evidence file and its bytes, checked against the SHA-256 stored
    /// with them; `None` when the contract has no file of that id.
    pub async fn evidence_file_bytes(
        &self,
        contract: &str,
        id: i64,
    ) -> Result<Option<(EvidenceFile, Vec<u8>)>, StoreError> {
        let sql = format!(
            "SELECT {FILE_COLUMNS}, bytes FROM evidence_files WHERE contract = $1 AND id = $2"
        );
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(failed("reading an evidence file"))?
        else {
            return Ok(None);
        };
        let file = file_row(&row)?;
        let bytes: Vec<u8> = col(&row, 10)?;
        if hex::encode(Sha256::digest(&bytes)) != file.sha256 {
            return Err(StoreError::Corrupt(format!(
                "evidence file {id} ({}) no longer matches the SHA-256 recorded when it was added",
                file.filename
            )));
        }
        Ok(Some((file, bytes)))
    }
}

fn file_row(r: &AnyRow) -> Result<EvidenceFile, StoreError> {
    let kind: String = col(r, 1)?;
    let subject = EvidenceSubject::from_parts(&kind, col(r, 2)?)
        .ok_or_else(|| StoreError::Corrupt(format!("evidence file kind {kind}")))?;
    Ok(EvidenceFile {
        id: col(r, 0)?,
        subject,
        period: period(col(r, 3)?)?,
        filename: col(r, 4)?,
        media_type: col(r, 5)?,
        size: col(r, 6)?,
        sha256: col(r, 7)?,
        added_by: col(r, 8)?,
        added_at: instant(col(r, 9)?)?,
    })
}

/// The month `subject` bears on, once it is found for `contract`: a cost's
/// date, a service level's month, an incident's opening or an outage's
/// start (in `tz`), a delivery's date, a DR test's date. `None` for a
/// dispute of a delay payment, which may span months.
async fn subject_month(
    tx: &mut Tx,
    contract: &str,
    tz: Tz,
    subject: EvidenceSubject,
) -> Result<Option<Period>, RecordError> {
    let missing = || RecordError::NotFound(format!("no {subject} for contract '{contract}'"));
    let (sql, what) = match subject {
        EvidenceSubject::Cost(_) => (
            "SELECT 'date', date, NULL FROM recoverable_costs WHERE contract = $1 AND id = $2",
            "reading a recoverable cost",
        ),
        EvidenceSubject::Excusal(_) => (
            "SELECT kind, subject, period FROM excusals WHERE contract = $1 AND id = $2",
            "reading an excusal",
        ),
        EvidenceSubject::Dispute(_) => (
            "SELECT kind, subject, period FROM disputes WHERE contract = $1 AND id = $2",
            "reading a dispute",
        ),
        EvidenceSubject::Delivery(_) => (
            "SELECT 'date', on_date, NULL FROM commitment_events
              WHERE contract = $1 AND id = $2 AND action = 'delivered'",
            "reading a commitment's delivery",
        ),
        EvidenceSubject::DrTest(_) => (
            "SELECT 'date', tested_on, NULL FROM dr_tests WHERE contract = $1 AND id = $2",
            "reading a DR test",
        ),
    };
    let row: Option<(String, String, Option<String>)> = sqlx::query_as(sql)
        .bind(contract)
        .bind(subject.id())
        .fetch_optional(&mut **tx)
        .await
        .map_err(failed(what))?;
    let (kind, value, month) = row.ok_or_else(missing)?;
    let month = period(month)?;
    let corrupt = |e: String| RecordError::Store(StoreError::Corrupt(e));
    Ok(match kind.as_str() {
        "date" => {
            Some(month_of(value.parse::<NaiveDate>().map_err(|e| {
                corrupt(format!("{subject}: date '{value}': {e}"))
            })?))
        }
        "service_level" => month,
        "incident" => instant_month(tx, contract, tz, &value, "incidents", "opened_at").await?,
        "outage" => instant_month(tx, contract, tz, &value, "outages", "start_at").await?,
        "cost" => {
            let id: i64 = value
                .parse()
                .map_err(|_| corrupt(format!("{subject}: cost id '{value}'")))?;
            let date: Option<String> = sqlx::query_scalar(
                "SELECT date FROM recoverable_costs WHERE contract = $1 AND id = $2",
            )
            .bind(contract)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await
            .map_err(failed("reading a recoverable cost"))?;
            date.and_then(|d| d.parse::<NaiveDate>().ok()).map(month_of)
        }
        _ => None,
    })
}

/// The month (in `tz`) of an incident's or outage's instant column.
async fn instant_month(
    tx: &mut Tx,
    contract: &str,
    tz: Tz,
    id: &str,
    table: &'static str,
    column: &'static str,
) -> Result<Option<Period>, RecordError> {
    // Both names are fixed by the caller, never from input.
    let sql = format!("SELECT {column} FROM {table} WHERE contract = $1 AND id = $2");
    let at: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(contract)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(failed("reading the evidence a record names"))?;
    Ok(match at {
        Some(secs) => Some(Period::of(instant(secs)?, tz)),
        None => None,
    })
}
