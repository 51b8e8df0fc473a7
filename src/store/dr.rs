//! DR tests recorded against the systems of a contract's disaster-recovery
//! register. Rows are only ever inserted; the engine ([`crate::engine::dr`])
//! works out flags and the risk rating from them as of any date.
//!
//! Recording goes through [`Store::record_dr_test`], which checks the test
//! against the configuration (a known system, no date in the future, no
//! negative figures) so the CLI and the API obey the same rules. A test
//! recorded by mistake is withdrawn ([`Store::withdraw_dr_test`]): a row of
//! its own says who withdrew it, when and why, and the test stays listed.

use chrono::NaiveDate;

use super::records::RecordError;
use super::records::required;
use super::row::instant;
use super::{Store, StoreError, failed};
use crate::contract::Contract;
use crate::domain::Instant;
use crate::domain::time::local_date;
use crate::engine::dr::{DrTest, EvidenceKind, Withdrawal};

/// A DR test, or a third-party assurance, about to be recorded.
#[derive(Debug, Clone)]
pub struct NewDrTest {
    /// The system tested (a `dr_systems` id).
    pub system: String,
    /// A test, or the kind of third-party assurance.
    pub kind: EvidenceKind,
    /// When the test took place (contract's local date); for an assurance,
    /// the end of the period it covers or the date it was issued.
    pub date: NaiveDate,
    /// The last day an assurance counts (required for an assurance, refused
    /// for a test).
    pub expires: Option<NaiveDate>,
    /// The recovery time achieved, in seconds.
    pub achieved_rto_seconds: Option<i64>,
    /// The recovery point achieved, in seconds.
    pub achieved_rpo_seconds: Option<i64>,
    /// A reference to the test report or vendor evidence.
    pub evidence: Option<String>,
    /// Anything else worth saying.
    pub note: Option<String>,
}

/// id, system, kind, date, expiry, RTO, RPO, evidence, note, recorded by,
/// recorded at, then the withdrawal's by, at and reason (NULL when not
/// withdrawn).
type TestColumns = (
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    String,
    i64,
    Option<String>,
    Option<i64>,
    Option<String>,
);

/// Every test with its withdrawal, if any; callers add the `WHERE`.
const SELECT_TESTS: &str =
    "SELECT t.id, t.system, t.kind, t.tested_on, t.expires_on, t.achieved_rto_seconds, t.achieved_rpo_seconds,
        t.evidence, t.note, t.recorded_by, t.recorded_at, w.withdrawn_by, w.withdrawn_at, w.reason
   FROM dr_tests t LEFT JOIN dr_test_withdrawals w ON w.test_id = t.id";

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
        check_kind(contract, test)?;
        if test.date > today {
            return Err(RecordError::Invalid(format!(
                "the {} date {} is after today ({today}): record it once it exists",
                test.kind.words(),
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
            "INSERT INTO dr_tests (contract, system, kind, tested_on, expires_on, achieved_rto_seconds,
                                   achieved_rpo_seconds, evidence, note, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(contract.id.clone())
        .bind(test.system.clone())
        .bind(test.kind.as_str())
        .bind(test.date.to_string())
        .bind(test.expires.map(|d| d.to_string()))
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
            kind: test.kind,
            date: test.date,
            expires: test.expires,
            achieved_rto_seconds: test.achieved_rto_seconds,
            achieved_rpo_seconds: test.achieved_rpo_seconds,
            evidence: trimmed(&test.evidence),
            note: trimmed(&test.note),
            recorded_by: by.to_string(),
            recorded_at: instant(now.timestamp())?,
            withdrawn: None,
        })
    }

    /// Withdraws DR test `id` of `contract`, recorded by mistake: it stays
    /// on record with who withdrew it (`by`), when and why, and no longer
    /// counts in the register. An unknown id is not found; a test already
    /// withdrawn is a conflict naming who withdrew it and when.
    pub async fn withdraw_dr_test(
        &self,
        contract: &str,
        id: i64,
        reason: &str,
        by: &str,
        now: Instant,
    ) -> Result<DrTest, RecordError> {
        let reason = required("the reason", reason)?;
        let by = required("who withdraws the test", by)?;
        // The check and the insert in one write transaction, so two
        // withdrawals of one test cannot both pass the check.
        let mut tx = self
            .begin_write()
            .await
            .map_err(failed("starting a transaction"))?;
        let test = test_in(&mut tx, contract, id).await?.ok_or_else(|| {
            RecordError::NotFound(format!("no DR test {id} for contract '{contract}'"))
        })?;
        if let Some(w) = &test.withdrawn {
            return Err(RecordError::Conflict(format!(
                "DR test {id} was already withdrawn by {} on {}",
                w.by,
                crate::domain::time::format_utc(w.at)
            )));
        }
        sqlx::query(
            "INSERT INTO dr_test_withdrawals (test_id, contract, withdrawn_by, withdrawn_at, reason)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(contract)
        .bind(by.clone())
        .bind(now.timestamp())
        .bind(reason.clone())
        .execute(&mut *tx)
        .await
        .map_err(failed("withdrawing a DR test"))?;
        tx.commit()
            .await
            .map_err(failed("committing a DR test's withdrawal"))?;
        Ok(DrTest {
            withdrawn: Some(Withdrawal {
                by,
                at: instant(now.timestamp())?,
                reason,
            }),
            ..test
        })
    }

    /// Every DR test recorded for `contract`, withdrawn ones included (each
    /// with its withdrawal), by system then date.
    pub async fn dr_tests(&self, contract: &str) -> Result<Vec<DrTest>, StoreError> {
        let sql =
            format!("{SELECT_TESTS} WHERE t.contract = $1 ORDER BY t.system, t.tested_on, t.id");
        let rows: Vec<TestColumns> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading DR tests"))?;
        rows.into_iter().map(test_row).collect()
    }
}

/// DR test `id` of `contract`, read inside a transaction.
async fn test_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    contract: &str,
    id: i64,
) -> Result<Option<DrTest>, StoreError> {
    let sql = format!("{SELECT_TESTS} WHERE t.contract = $1 AND t.id = $2");
    let row: Option<TestColumns> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(contract)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(failed("reading a DR test"))?;
    row.map(test_row).transpose()
}

/// Refuses what a record of `test.kind` cannot be: an assurance of a system
/// the supplier itself runs (the council can ask to see a test), an
/// assurance without the document's whereabouts, without an expiry or
/// expiring before its own date, a test with an expiry, or an assurance
/// claiming measured recovery figures.
fn check_kind(contract: &Contract, test: &NewDrTest) -> Result<(), RecordError> {
    let invalid = |m: String| Err(RecordError::Invalid(m));
    match (test.kind, test.expires) {
        (EvidenceKind::Test, Some(_)) => {
            invalid("a DR test has no expiry; an expiry belongs to a third-party assurance".into())
        }
        (EvidenceKind::Test, None) => Ok(()),
        (kind, expires) => {
            let hosted_by = contract
                .dr_systems
                .iter()
                .find(|s| s.id == test.system)
                .map(|s| s.hosted_by);
            if let Some(host) = hosted_by.filter(|h| !h.is_third_party()) {
                return invalid(format!(
                    "DR system '{}' is run by {}: a third-party assurance is for a system a SaaS \
                     vendor or cloud provider runs; record a DR test instead",
                    test.system,
                    host.as_str()
                ));
            }
            if test.achieved_rto_seconds.is_some() || test.achieved_rpo_seconds.is_some() {
                return invalid(format!(
                    "a {} records no achieved RTO or RPO: those are measured in a test",
                    kind.words()
                ));
            }
            if test.evidence.as_deref().is_none_or(|e| e.trim().is_empty()) {
                return invalid(format!(
                    "a {} needs where the document is (--evidence / \"evidence\")",
                    kind.words()
                ));
            }
            match expires {
                None => invalid(format!(
                    "a {} needs the date it expires (--expires / \"expires\")",
                    kind.words()
                )),
                Some(e) if e < test.date => invalid(format!(
                    "the {} expires on {e}, before its own date {}",
                    kind.words(),
                    test.date
                )),
                Some(_) => Ok(()),
            }
        }
    }
}

fn test_row(
    (id, system, kind, date, expires, rto, rpo, evidence, note, by, at, w_by, w_at, w_reason): TestColumns,
) -> Result<DrTest, StoreError> {
    let withdrawn = match (w_by, w_at, w_reason) {
        (Some(by), Some(at), Some(reason)) => Some(Withdrawal {
            by,
            at: instant(at)?,
            reason,
        }),
        (None, None, None) => None,
        _ => {
            return Err(StoreError::Corrupt(format!(
                "DR test {id}: an incomplete withdrawal"
            )));
        }
    };
    let day = |text: &str| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| StoreError::Corrupt(format!("DR test {id}: date '{text}'")))
    };
    Ok(DrTest {
        id,
        system,
        kind: EvidenceKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("DR test {id}: kind '{kind}'")))?,
        date: day(&date)?,
        expires: expires.as_deref().map(day).transpose()?,
        achieved_rto_seconds: rto,
        achieved_rpo_seconds: rpo,
        evidence,
        note,
        recorded_by: by,
        recorded_at: instant(at)?,
        withdrawn,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    /// A withdrawal is kept as recorded: the database refuses to change or
    /// delete it, on either backend, and the test keeps its withdrawal.
    #[tokio::test]
    async fn withdrawals_are_never_changed_or_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&crate::store::testing::database_url(
            &dir.path().join("s.db"),
        ))
        .await
        .unwrap();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO dr_tests (contract, system, tested_on, recorded_by, recorded_at)
             VALUES ('acme', 'payroll', '2026-09-01', 'J. Smith', 0) RETURNING id",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        let now = Utc.with_ymd_and_hms(2026, 10, 2, 9, 0, 0).unwrap();
        let missing = store.withdraw_dr_test("beta", id, "typo", "A. Jones", now);
        assert!(matches!(missing.await, Err(RecordError::NotFound(_))));
        let t = store
            .withdraw_dr_test("acme", id, " typo ", "A. Jones", now)
            .await
            .unwrap();
        let expected = Withdrawal {
            by: "A. Jones".into(),
            at: now,
            reason: "typo".into(),
        };
        assert_eq!(t.withdrawn.as_ref(), Some(&expected));
        for sql in [
            "UPDATE dr_test_withdrawals SET reason = 'changed'",
            "DELETE FROM dr_test_withdrawals",
        ] {
            let refused = sqlx::query(sql).execute(store.pool()).await.unwrap_err();
            assert!(
                refused.to_string().contains("never changed"),
                "{sql}: {refused}"
            );
        }
        let tests = store.dr_tests("acme").await.unwrap();
        assert_eq!(tests[0].withdrawn, Some(expected));
        store.close().await;
    }
}
