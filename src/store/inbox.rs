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
}
