//! Delivery recipient by recipient. The sender gives each recipient of an
//! alert an envelope of its own, so one mailbox the relay refuses does not
//! hold up the rest; here it records what each recipient's attempts came to
//! (`outbox_recipients`), and which of a contract's recipients it has given
//! up on after repeated permanent refusals (`refused_recipients`, one row per
//! time it happened, open until a later alert reaches that address again).

use super::outbox::{NewAlert, enqueue};
use super::{Store, StoreError, failed};

/// One recipient of one outbox row, as far as delivery has gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientDelivery {
    /// The outbox row.
    pub outbox_id: i64,
    /// The address.
    pub recipient: String,
    /// When the relay took the message for it (epoch seconds).
    pub delivered_at: Option<i64>,
    /// Permanent (5xx) refusals so far.
    pub refusals: i64,
    /// When the sender stopped trying it.
    pub given_up_at: Option<i64>,
    /// Why its last attempt failed.
    pub last_error: Option<String>,
}

impl RecipientDelivery {
    /// Whether nothing more is to be done for it: delivered or given up on.
    pub fn settled(&self) -> bool {
        self.delivered_at.is_some() || self.given_up_at.is_some()
    }
}

/// The key `refused_recipients` files an alert's recipient under: its
/// contract, or `''` for an alert of no contract.
fn contract_key(contract: Option<&str>) -> &str {
    contract.unwrap_or("")
}

type DeliveryRow = (i64, String, Option<i64>, i64, Option<i64>, Option<String>);

impl Store {
    /// What is recorded for the recipients of these outbox rows (a recipient
    /// never tried has no entry).
    pub async fn recipient_deliveries(
        &self,
        ids: &[i64],
    ) -> Result<Vec<RecipientDelivery>, StoreError> {
        let mut all = Vec::new();
        for id in ids {
            let rows: Vec<DeliveryRow> = sqlx::query_as(
                "SELECT outbox_id, recipient, delivered_at, refusals, given_up_at, last_error
                   FROM outbox_recipients WHERE outbox_id = $1 ORDER BY recipient",
            )
            .bind(*id)
            .fetch_all(self.pool())
            .await
            .map_err(failed("reading an alert's recipients"))?;
            all.extend(rows.into_iter().map(
                |(outbox_id, recipient, delivered_at, refusals, given_up_at, last_error)| {
                    RecipientDelivery {
                        outbox_id,
                        recipient,
                        delivered_at,
                        refusals,
                        given_up_at,
                        last_error,
                    }
                },
            ));
        }
        Ok(all)
    }

    /// Records that the relay took these rows' message for `recipient`.
    /// Returns true when that address had been given up on for `contract`:
    /// it takes mail again, and a later refusal is reported anew.
    pub async fn recipient_delivered(
        &self,
        ids: &[i64],
        recipient: &str,
        contract: Option<&str>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let what = "recording a delivery to one recipient";
        let mut tx = self.begin().await?;
        for id in ids {
            sqlx::query(
                "INSERT INTO outbox_recipients (outbox_id, recipient, delivered_at) VALUES ($1, $2, $3)
                 ON CONFLICT (outbox_id, recipient) DO UPDATE SET delivered_at = $3, last_error = NULL",
            )
            .bind(*id)
            .bind(recipient.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(failed(what))?;
        }
        let recovered = sqlx::query(
            "UPDATE refused_recipients SET recovered_at = $1
              WHERE contract = $2 AND recipient = $3 AND recovered_at IS NULL",
        )
        .bind(now)
        .bind(contract_key(contract).to_string())
        .bind(recipient.to_string())
        .execute(&mut *tx)
        .await
        .map_err(failed(what))?;
        tx.commit().await.map_err(failed(what))?;
        Ok(recovered.rows_affected() > 0)
    }

    /// Records a permanent refusal of these rows' message for `recipient`;
    /// returns its refusals so far (the most among the rows).
    pub async fn recipient_refused(
        &self,
        ids: &[i64],
        recipient: &str,
        error: &str,
    ) -> Result<i64, StoreError> {
        let what = "recording a refused recipient";
        let mut tx = self.begin().await?;
        let mut most = 0;
        for id in ids {
            let (refusals,): (i64,) = sqlx::query_as(
                "INSERT INTO outbox_recipients (outbox_id, recipient, refusals, last_error) VALUES ($1, $2, 1, $3)
                 ON CONFLICT (outbox_id, recipient)
                 DO UPDATE SET refusals = outbox_recipients.refusals + 1, last_error = $3
                 RETURNING refusals",
            )
            .bind(*id)
            .bind(recipient.to_string())
            .bind(error.to_string())
            .fetch_one(&mut *tx)
            .await
            .map_err(failed(what))?;
            most = most.max(refusals);
        }
        tx.commit().await.map_err(failed(what))?;
        Ok(most)
    }

    /// The addresses currently given up on for `contract`, in order.
    pub async fn refused_recipients(
        &self,
        contract: Option<&str>,
    ) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT recipient FROM refused_recipients
              WHERE contract = $1 AND recovered_at IS NULL ORDER BY recipient",
        )
        .bind(contract_key(contract).to_string())
        .fetch_all(self.pool())
        .await
        .map_err(failed("reading refused recipients"))
    }

    /// Stops trying `recipient` for these rows. When the address was not
    /// already given up on for `contract`, this opens a new entry and queues
    /// `notice` (if any) in the same transaction, and returns true: the
    /// refusal is reported once, however many alerts it then affects.
    pub async fn give_up_recipient(
        &self,
        ids: &[i64],
        recipient: &str,
        contract: Option<&str>,
        error: &str,
        now: i64,
        notice: Option<&NewAlert>,
    ) -> Result<bool, StoreError> {
        let what = "giving up on a refused recipient";
        let mut tx = self.begin().await?;
        for id in ids {
            sqlx::query(
                "UPDATE outbox_recipients SET given_up_at = $1 WHERE outbox_id = $2 AND recipient = $3",
            )
            .bind(now)
            .bind(*id)
            .bind(recipient.to_string())
            .execute(&mut *tx)
            .await
            .map_err(failed(what))?;
        }
        // The partial unique index allows one open entry per contract and
        // address: a conflict means it has been reported already.
        let opened = sqlx::query(
            "INSERT INTO refused_recipients (contract, recipient, since, outbox_id, last_error)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(contract_key(contract).to_string())
        .bind(recipient.to_string())
        .bind(now)
        .bind(ids.first().copied().unwrap_or_default())
        .bind(error.to_string())
        .execute(&mut *tx)
        .await
        .map_err(failed(what))?
        .rows_affected()
            == 1;
        if opened && let Some(notice) = notice {
            enqueue(&mut tx, notice, now).await?;
        }
        tx.commit().await.map_err(failed(what))?;
        Ok(opened)
    }

    /// How many times each contract's recipients have been given up on
    /// (`''`: alerts of no contract), for the metrics.
    pub async fn refused_recipient_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        sqlx::query_as(
            "SELECT contract, CAST(COUNT(*) AS BIGINT) FROM refused_recipients
              GROUP BY contract ORDER BY contract",
        )
        .fetch_all(self.pool())
        .await
        .map_err(failed("counting refused recipients"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::outbox::Severity;

    fn alert(key: &str, recipients: &[&str]) -> NewAlert {
        NewAlert {
            dedup_key: key.to_string(),
            kind: "breached".into(),
            severity: Severity::Critical,
            contract: Some("acme".into()),
            recipients: recipients.iter().map(|r| r.to_string()).collect(),
            subject: key.to_string(),
            body_text: "text".into(),
            body_html: "<p>html</p>".into(),
            digest: false,
            attachments: Vec::new(),
        }
    }

    #[tokio::test]
    async fn a_recipient_is_reported_once_until_it_takes_mail_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&crate::store::testing::database_url(
            &dir.path().join("s.db"),
        ))
        .await
        .unwrap();
        let dead = "dead@council.example";
        for key in ["a", "b", "c"] {
            store
                .enqueue_alert(&alert(key, &["m@council.example", dead]), 100)
                .await
                .unwrap();
        }
        let acme = Some("acme");
        assert_eq!(
            store.recipient_refused(&[1], dead, "550 a").await.unwrap(),
            1
        );
        assert_eq!(
            store.recipient_refused(&[1], dead, "550 b").await.unwrap(),
            2
        );
        let notice = alert("notice/1", &["m@council.example"]);
        assert!(
            store
                .give_up_recipient(&[1], dead, acme, "550 b", 200, Some(&notice))
                .await
                .unwrap()
        );
        // The second alert's refusal is not a new report: no second notice.
        store.recipient_refused(&[2], dead, "550 c").await.unwrap();
        let again = alert("notice/2", &["m@council.example"]);
        assert!(
            !store
                .give_up_recipient(&[2], dead, acme, "550 c", 300, Some(&again))
                .await
                .unwrap()
        );
        assert_eq!(store.refused_recipients(acme).await.unwrap(), [dead]);
        let keys: Vec<String> = store
            .due_alerts(i64::MAX, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|q| q.alert.dedup_key)
            .collect();
        assert_eq!(keys, ["a", "b", "c", "notice/1"]);
        assert_eq!(
            store.recipient_deliveries(&[1]).await.unwrap(),
            [RecipientDelivery {
                outbox_id: 1,
                recipient: dead.into(),
                delivered_at: None,
                refusals: 2,
                given_up_at: Some(200),
                last_error: Some("550 b".into()),
            }]
        );

        // The third alert gets through: the address is no longer given up
        // on, and a later refusal would be reported again.
        assert!(
            store
                .recipient_delivered(&[3], dead, acme, 400)
                .await
                .unwrap()
        );
        assert!(
            !store
                .recipient_delivered(&[3], dead, acme, 401)
                .await
                .unwrap()
        );
        assert_eq!(
            store.refused_recipients(acme).await.unwrap(),
            Vec::<String>::new()
        );
        assert!(
            store
                .give_up_recipient(&[2], dead, acme, "550 d", 500, None)
                .await
                .unwrap()
        );
        assert_eq!(
            store.refused_recipient_counts().await.unwrap(),
            [("acme".to_string(), 2)]
        );
    }
}
