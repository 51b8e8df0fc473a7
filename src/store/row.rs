//! Decoding stored values back into domain types, with a clear error when a
//! value cannot be what slawatch wrote (a database edited by hand).

use chrono::{DateTime, Utc};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::StoreError;
use crate::domain::{Instant, Period};

/// Seconds since the epoch → instant.
pub(crate) fn instant(secs: i64) -> Result<Instant, StoreError> {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .ok_or_else(|| StoreError::Corrupt(format!("instant {secs}")))
}

/// [`instant`] of a nullable column.
pub(super) fn opt_instant(secs: Option<i64>) -> Result<Option<Instant>, StoreError> {
    secs.map(instant).transpose()
}

/// Column `i` of a row, as `T`.
pub(super) fn col<'r, T>(row: &'r AnyRow, i: usize) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(i)
        .map_err(|e| StoreError::Corrupt(format!("column {i}: {e}")))
}

/// Stored text parsed back into `T`; `what` names it in the error.
pub(super) fn parsed<T: std::str::FromStr<Err = String>>(
    text: &str,
    what: &str,
) -> Result<T, StoreError> {
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// A nullable `YYYY-MM` column.
pub(super) fn period(text: Option<String>) -> Result<Option<Period>, StoreError> {
    text.map(|t| parsed(&t, "period")).transpose()
}
