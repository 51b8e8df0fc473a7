//! The files each inbox source has taken, known by content (SHA-256), so the
//! same file dropped in twice, under any name, is imported once.

use super::{Store, StoreError, failed};

/// A file an inbox source has taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxFile {
    /// The path it was taken from.
    pub file: String,
    /// The import that stored its rows (none when the file was refused whole).
    pub import_id: Option<i64>,
    /// The problems listed in its `.errors.txt`: refused rows, or one for a
    /// file refused whole. Zero when it went to `processed/`.
    pub rejected: i64,
    /// When it was taken (epoch seconds).
    pub taken_at: i64,
}

impl Store {
    /// The file `source` took with this content hash, if any.
    pub async fn inbox_file(
        &self,
        source: &str,
        sha256: &str,
    ) -> Result<Option<InboxFile>, StoreError> {
        let row: Option<(String, Option<i64>, i64, i64)> = sqlx::query_as(
            "SELECT file, import_id, rejected, taken_at
               FROM inbox_files WHERE source = $1 AND sha256 = $2",
        )
        .bind(source)
        .bind(sha256)
        .fetch_optional(self.pool())
        .await
        .map_err(failed("reading an inbox file's record"))?;
        Ok(row.map(|(file, import_id, rejected, taken_at)| InboxFile {
            file,
            import_id,
            rejected,
            taken_at,
        }))
    }

    /// Records that `source` took `file` (content `sha256`) at `taken_at`.
    /// The import is found by what the importer records: the newest import of
    /// this source and file started at `taken_at` (none if the file was
    /// refused before an import began). A hash already recorded keeps its
    /// first record.
    pub async fn record_inbox_file(
        &self,
        source: &str,
        sha256: &str,
        file: &str,
        rejected: i64,
        taken_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO inbox_files (source, sha256, file, import_id, rejected, taken_at)
             VALUES ($1, $2, $3,
                     (SELECT MAX(id) FROM imports WHERE source = $1 AND file = $3 AND started_at = $5),
                     $4, $5)
             ON CONFLICT (source, sha256) DO NOTHING",
        )
        .bind(source)
        .bind(sha256)
        .bind(file)
        .bind(rejected)
        .bind(taken_at)
        .execute(self.pool())
        .await
        .map_err(failed("recording an inbox file"))?;
        Ok(())
    }

    /// Counts one more import begun of the content `sha256` by `source` at
    /// `now`; returns how many have begun without finishing, this one
    /// included.
    pub async fn begin_inbox_attempt(
        &self,
        source: &str,
        sha256: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "INSERT INTO inbox_attempts (source, sha256, attempts, last_at) VALUES ($1, $2, 1, $3)
             ON CONFLICT (source, sha256) DO UPDATE
                 SET attempts = inbox_attempts.attempts + 1, last_at = excluded.last_at
             RETURNING attempts",
        )
        .bind(source)
        .bind(sha256)
        .bind(now)
        .fetch_one(self.pool())
        .await
        .map_err(failed("counting an inbox file's import"))
    }

    /// Says the import of `sha256` by `source` ended (however it ended).
    pub async fn end_inbox_attempt(&self, source: &str, sha256: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM inbox_attempts WHERE source = $1 AND sha256 = $2")
            .bind(source)
            .bind(sha256)
            .execute(self.pool())
            .await
            .map_err(failed("clearing an inbox file's import"))?;
        Ok(())
    }
}
