//! DR tests recorded against the systems of a contract's disaster-recovery
//! register. Rows are only ever inserted; the engine ([`crate::engine::dr`])
//! works out flags and the risk rating from them as of any date.
//!
//! Recording goes through [`Store::record_dr_test`], which checks the test
//! against the configuration (a known system, no date in the future, no
//! negative figures) so the CLI and the API obey the same rules.

use chrono::NaiveDate;

use super::records::RecordError;
use super::row::instant;
use super::{Store, StoreError, failed};
use crate::config::Contract;
use crate::domain::Instant;
use crate::domain::time::local_date;
use crate::engine::dr::DrTest;

/// A DR test about to be recorded.
#[derive(Debug, Clone)]
pub struct NewDrTest {
    /// The system tested (a `dr_systems` id).
    pub system: String,
    /// When the test took place (contract's local date).
    pub date: NaiveDate,
    /// The recovery time achieved, in seconds.
    pub achieved_rto_seconds: Option<i64>,
    /// The recovery point achieved, in seconds.
    pub achieved_rpo_seconds: Option<i64>,
    /// A reference to the test report or vendor evidence.
    pub evidence: Option<String>,
    /// Anything else worth saying.
    pub note: Option<String>,
}

/// id, system, date, RTO, RPO, evidence, note, recorded by, recorded at.
type TestColumns = (
    i64,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    String,
    i64,
);

impl Store {
    /// Records a DR test of one of `contract`'s systems; `by` is who records it.
    pub async fn record_dr_test(
        &self,
        contract: &Contract,
        test: &NewDrTest,
        by: &str,
        now: Instant,
    ) -> Result<DrTest, RecordError> {
        if !contract.dr_systems.iter().any(|s| s.id == test.system) {
            let known: Vec<&str> = contract.dr_systems.iter().map(|s| s.id.as_str()).collect();
            return Err(RecordError::NotFound(format!(
                "no DR system '{}' in contract '{}' (configured: {})",
                test.system,
                contract.id,
                match known.is_empty() {
                    true => "none; add [[contracts.dr_systems]]".to_string(),
                    false => known.join(", "),
                }
            )));
        }
        let today = local_date(contract.timezone, now);
        if test.date > today {
            return Err(RecordError::Invalid(format!(
                "the test date {} is after today ({today}): record a test once it has taken place",
                test.date
            )));
        }
        for (what, v) in [
            ("achieved RTO", test.achieved_rto_seconds),
            ("achieved RPO", test.achieved_rpo_seconds),
        ] {
            if v.is_some_and(|s| s < 0) {
                return Err(RecordError::Invalid(format!("{what} must not be negative")));
            }
        }
        let by = by.trim();
        if by.is_empty() {
            return Err(RecordError::Invalid(
                "who records the test is required".into(),
            ));
        }
        let trimmed = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO dr_tests (contract, system, tested_on, achieved_rto_seconds, achieved_rpo_seconds,
                                   evidence, note, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(contract.id.clone())
        .bind(test.system.clone())
        .bind(test.date.to_string())
        .bind(test.achieved_rto_seconds)
        .bind(test.achieved_rpo_seconds)
        .bind(trimmed(&test.evidence))
        .bind(trimmed(&test.note))
        .bind(by.to_string())
        .bind(now.timestamp())
        .fetch_one(self.pool())
        .await
        .map_err(failed("recording a DR test"))?;
        Ok(DrTest {
            id,
            system: test.system.clone(),
            date: test.date,
            achieved_rto_seconds: test.achieved_rto_seconds,
            achieved_rpo_seconds: test.achieved_rpo_seconds,
            evidence: trimmed(&test.evidence),
            note: trimmed(&test.note),
            recorded_by: by.to_string(),
            recorded_at: instant(now.timestamp())?,
        })
    }

    /// Every DR test recorded for `contract`, by system then date.
    pub async fn dr_tests(&self, contract: &str) -> Result<Vec<DrTest>, StoreError> {
        let rows: Vec<TestColumns> = sqlx::query_as(
            "SELECT id, system, tested_on, achieved_rto_seconds, achieved_rpo_seconds, evidence, note,
                    recorded_by, recorded_at
               FROM dr_tests WHERE contract = $1 ORDER BY system, tested_on, id",
        )
        .bind(contract)
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading DR tests"))?;
        rows.into_iter()
            .map(|(id, system, date, rto, rpo, evidence, note, by, at)| {
                Ok(DrTest {
                    id,
                    system,
                    date: NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                        .map_err(|_| StoreError::Corrupt(format!("DR test {id}: date '{date}'")))?,
                    achieved_rto_seconds: rto,
                    achieved_rpo_seconds: rpo,
                    evidence,
                    note,
                    recorded_by: by,
                    recorded_at: instant(at)?,
                })
            })
            .collect()
    }
}
