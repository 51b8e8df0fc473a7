//! Credit notes and refusals: what the supplier credited or refused against
//! the issued claims, recorded by a person. Insert-only; each row is sealed
//! into its contract's `credit_notes` chain and audited (`credit_note.add`,
//! `credit_note.refuse`) in the transaction that stores it. Also here: the
//! issued claims they are set against, read from the issued reports.

use chrono::NaiveDate;
use sqlx::any::AnyRow;

use super::chain::{self, NewRow};
use super::records::{Change, RecordError, audit_and_commit};
use super::row::{col, instant};
use super::write::Param;
use super::{Backend, Store, StoreError, failed};
use crate::domain::credit_note::{months_text, parse_months};
use crate::domain::money::format_minor;
use crate::domain::{CreditNote, Currency, NewCreditNote, NoteKind};
use crate::engine::recovery::IssuedClaim;

const NOTE_COLUMNS: &str =
    "id, kind, reference, dated, amount_minor, months, note, recorded_by, recorded_at";

impl Store {
    /// Records a credit note or a refusal for `contract`; `by` is who
    /// records it, `now` the instant (epoch seconds).
    pub async fn record_credit_note(
        &self,
        contract: &str,
        currency: &Currency,
        note: &NewCreditNote,
        by: &str,
        now: i64,
    ) -> Result<CreditNote, RecordError> {
        let months = months_text(&note.months);
        let mut tx = self.begin_record().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO credit_notes (contract, kind, reference, dated, amount_minor, months, note,
                 recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(contract)
        .bind(note.kind.as_str())
        .bind(note.reference.clone())
        .bind(note.date.to_string())
        .bind(note.amount.minor)
        .bind(months.clone())
        .bind(note.note.clone())
        .bind(by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(failed("recording a credit note"))?;
        let text = |s: &str| Param::Text(Some(s.to_string()));
        let key = [Param::Int(Some(id))];
        let content = [
            text(note.kind.as_str()),
            text(&note.reference),
            text(&note.date.to_string()),
            Param::Int(Some(note.amount.minor)),
            text(&months),
            Param::Text(note.note.clone()),
            text(by),
            Param::Int(Some(now)),
        ];
        chain::seal(
            &mut tx,
            &chain::CREDIT_NOTES,
            contract,
            &[NewRow {
                key: &key,
                content: &content,
            }],
        )
        .await?;
        let amount = format!(
            "{} {}",
            currency.code(),
            format_minor(note.amount.minor, currency.exponent())
        );
        let (action, detail) = match note.kind {
            NoteKind::Credit => (
                "credit_note.add",
                format!(
                    "recorded credit note {id}: {} dated {} credits {amount} against {months}",
                    note.reference, note.date
                ),
            ),
            NoteKind::Refusal => (
                "credit_note.refuse",
                format!(
                    "recorded refusal {id}: {} dated {} refuses {amount} of {months}",
                    note.reference, note.date
                ),
            ),
        };
        audit_and_commit(
            tx,
            contract,
            by,
            now,
            Change {
                action,
                kind: "credit_note",
                subject: id.to_string(),
                period: note.months.first().copied(),
                detail,
                reason: note.note.as_deref(),
            },
        )
        .await?;
        Ok(CreditNote {
            id,
            kind: note.kind,
            reference: note.reference.clone(),
            date: note.date,
            amount_minor: note.amount.minor,
            months: note.months.clone(),
            note: note.note.clone(),
            recorded_by: by.to_string(),
            recorded_at: instant(now)?,
        })
    }

    /// The contract's credit notes and refusals recorded up to `until`
    /// (epoch seconds, inclusive; every one when `None`), oldest first.
    pub async fn credit_notes(
        &self,
        contract: &str,
        until: Option<i64>,
    ) -> Result<Vec<CreditNote>, StoreError> {
        let sql = format!(
            "SELECT {NOTE_COLUMNS} FROM credit_notes
              WHERE contract = $1 AND recorded_at <= $2 ORDER BY id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(contract)
            .bind(until.unwrap_or(i64::MAX))
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading credit notes"))?;
        rows.iter().map(note_row).collect()
    }

    /// The claim of every month of `contract` issued before `before` (epoch
    /// seconds): the total claim of its latest version issued by then, and
    /// when the month was first issued; oldest month first. The figure is
    /// read inside the database from each version's stored JSON
    /// (`total_claim_minor`), so no report is carried over the wire.
    pub async fn issued_claims(
        &self,
        contract: &str,
        before: i64,
    ) -> Result<Vec<IssuedClaim>, StoreError> {
        let claim = match self.backend() {
            Backend::Sqlite => "CAST(json_extract(r.json, '$.total_claim_minor') AS INTEGER)",
            Backend::Postgres => "CAST(CAST(r.json AS jsonb) ->> 'total_claim_minor' AS BIGINT)",
        };
        let sql = format!(
            "SELECT r.period, r.version, f.first_at, r.issued_at, {claim}
               FROM issued_reports r
               JOIN (SELECT period, MAX(version) AS latest, MIN(issued_at) AS first_at
                       FROM issued_reports WHERE contract = $1 AND issued_at < $2
                      GROUP BY period) f
                 ON f.period = r.period AND f.latest = r.version
              WHERE r.contract = $1
              ORDER BY r.period"
        );
        let rows: Vec<(String, i64, i64, i64, Option<i64>)> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(contract)
                .bind(before)
                .fetch_all(self.pool())
                .await
                .map_err(failed("reading the issued claims"))?;
        rows.into_iter()
            .map(|(period, version, first_at, issued_at, claim)| {
                Ok(IssuedClaim {
                    period: super::row::parsed(&period, "issued period")?,
                    version,
                    first_issued_at: instant(first_at)?,
                    latest_issued_at: instant(issued_at)?,
                    claimed_minor: claim.unwrap_or(0),
                })
            })
            .collect()
    }
}

fn note_row(r: &AnyRow) -> Result<CreditNote, StoreError> {
    let kind: String = col(r, 1)?;
    let date: String = col(r, 3)?;
    let months: String = col(r, 5)?;
    Ok(CreditNote {
        id: col(r, 0)?,
        kind: NoteKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("credit note kind {kind}")))?,
        reference: col(r, 2)?,
        date: date
            .parse::<NaiveDate>()
            .map_err(|e| StoreError::Corrupt(format!("credit note date {date}: {e}")))?,
        amount_minor: col(r, 4)?,
        months: parse_months(&months).map_err(StoreError::Corrupt)?,
        note: col(r, 6)?,
        recorded_by: col(r, 7)?,
        recorded_at: instant(col(r, 8)?)?,
    })
}
