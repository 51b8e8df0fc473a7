//! One message to its recipients by SMTP, each in an envelope of its own.
//! lettre fails a whole transaction when the relay refuses any one RCPT, so
//! a single envelope would let one dead mailbox hold up everyone; apart,
//! each recipient's result is recorded as it comes
//! ([`crate::store::outbox_recipients`]), a retry tries only those still
//! owed the message, and a recipient refused for good is given up on after
//! [`REFUSALS_BEFORE_GIVING_UP`] refusals (see [`super::refusal`]).

use anyhow::Context;
use tracing::{error, info, warn};

use super::message::Outgoing;
use super::refusal::{REFUSALS_BEFORE_GIVING_UP, notice, notice_recipients};
use super::transport::{DeliveryError, Prepared, Reach, SmtpSession};
use crate::domain::WallClock;
use crate::leader::Leadership;
use crate::store::Store;
use crate::store::outbox_recipients::RecipientDelivery;

/// What delivering one message to its recipients came to.
pub(super) enum Outcome {
    /// Every recipient took it or has been given up on; `given_up` says who
    /// was given up on and why (empty when everyone took it).
    Settled { given_up: Vec<String> },
    /// Some recipients are owed it still: the failure that decides when to
    /// try again (a relay-wide one ends the round).
    Retry(DeliveryError),
    /// Leadership was lost while sending: left for the next leader.
    Abandoned,
}

/// What the delivery needs from the sender.
pub(super) struct Deliverer<'a> {
    pub store: &'a Store,
    pub leadership: &'a Leadership,
    pub term: u64,
    pub clock: &'a WallClock,
    /// The managers of the contract the message concerns, if configured.
    pub managers: Option<&'a [String]>,
}

impl Deliverer<'_> {
    /// Sends `prepared` (the message of `out`) to each recipient still owed
    /// it. Errors are the store's.
    pub async fn deliver(
        &self,
        smtp: &SmtpSession,
        out: &Outgoing,
        prepared: &Prepared,
    ) -> anyhow::Result<Outcome> {
        let recorded = self
            .store
            .recipient_deliveries(&out.ids)
            .await
            .context("Failed to read what an alert's recipients have had")?;
        let mut retry: Option<DeliveryError> = None;
        let mut given_up = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for recipient in &out.recipients {
            if seen.iter().any(|s| s.eq_ignore_ascii_case(recipient)) {
                continue;
            }
            seen.push(recipient);
            let mine: Vec<&RecipientDelivery> = recorded
                .iter()
                .filter(|r| r.recipient == *recipient)
                .collect();
            let settled = out
                .ids
                .iter()
                .all(|id| mine.iter().any(|r| r.outbox_id == *id && r.settled()));
            if settled {
                if let Some(r) = mine.iter().find(|r| r.given_up_at.is_some()) {
                    given_up.push(given_up_note(
                        recipient,
                        r.refusals,
                        r.last_error.as_deref(),
                    ));
                }
                continue;
            }
            let sent = tokio::select! {
                sent = smtp.deliver_to(prepared, recipient) => sent,
                () = self.leadership.lost(self.term) => {
                    warn!(ids = ?out.ids, "leadership lost while sending: abandoned, the next leader sends it");
                    return Ok(Outcome::Abandoned);
                }
            };
            let e = match sent {
                Ok(()) => {
                    self.delivered(out, recipient).await?;
                    continue;
                }
                Err(e) => e,
            };
            // The recipient's own record needs no name; the alert's does.
            let message = e.to_string();
            let e = DeliveryError {
                reach: e.reach,
                cause: e.cause.context(format!("not delivered to {recipient}")),
            };
            match e.reach {
                Reach::Relay => return Ok(Outcome::Retry(e)),
                Reach::Deferred => retry = Some(e),
                Reach::Refused => {
                    let refusals = self
                        .store
                        .recipient_refused(&out.ids, recipient, &message)
                        .await
                        .context("Failed to record a refused recipient")?;
                    if self.give_up(out, recipient, refusals, &message).await? {
                        given_up.push(given_up_note(recipient, refusals, Some(&message)));
                    } else if retry.as_ref().is_none_or(|r| r.reach != Reach::Deferred) {
                        // A deferral waits less than a refusal: keep it if there is one.
                        retry = Some(e);
                    }
                }
            }
        }
        Ok(match retry {
            Some(e) => Outcome::Retry(e),
            None => Outcome::Settled { given_up },
        })
    }

    /// Records a delivery to `recipient`; says so when it had been given up on.
    async fn delivered(&self, out: &Outgoing, recipient: &str) -> anyhow::Result<()> {
        let back = self
            .store
            .recipient_delivered(
                &out.ids,
                recipient,
                out.contract.as_deref(),
                self.clock.now().timestamp(),
            )
            .await
            .with_context(|| {
                format!(
                    "Failed to record alerts {:?} delivered to {recipient}; they will be sent to \
                     it again with the same Message-ID",
                    out.ids
                )
            })?;
        if back {
            info!(
                recipient,
                contract = out.contract.as_deref().unwrap_or("-"),
                "a recipient given up on takes mail again; a later refusal will be reported anew"
            );
        }
        Ok(())
    }

    /// Gives up on `recipient` for `out` when it has been refused often
    /// enough, or was given up on already for the contract; reports it the
    /// first time. Returns whether it was given up on.
    async fn give_up(
        &self,
        out: &Outgoing,
        recipient: &str,
        refusals: i64,
        error: &str,
    ) -> anyhow::Result<bool> {
        let contract = out.contract.as_deref();
        let dead = self
            .store
            .refused_recipients(contract)
            .await
            .context("Failed to read refused recipients")?;
        let known = dead.iter().any(|d| d.eq_ignore_ascii_case(recipient));
        if refusals < REFUSALS_BEFORE_GIVING_UP && !known {
            return Ok(false);
        }
        let to = notice_recipients(self.managers, out, recipient, &dead);
        let first_id = out.ids.first().copied().unwrap_or_default();
        let told = (!to.is_empty()).then(|| notice(out, first_id, recipient, error, &to));
        let first = self
            .store
            .give_up_recipient(
                &out.ids,
                recipient,
                contract,
                error,
                self.clock.now().timestamp(),
                told.as_ref(),
            )
            .await
            .context("Failed to record a recipient given up on")?;
        if !first {
            info!(
                recipient,
                ids = ?out.ids,
                "refused by a recipient already given up on (and reported): not tried again for this alert"
            );
        } else if to.is_empty() {
            error!(
                recipient,
                contract = contract.unwrap_or("-"),
                ids = ?out.ids,
                refusals,
                error,
                "the mail server refuses this recipient for good: given up on, and there is no other manager to tell"
            );
        } else {
            warn!(
                recipient,
                contract = contract.unwrap_or("-"),
                ids = ?out.ids,
                refusals,
                error,
                told = %to.join(", "),
                "the mail server refuses this recipient for good: given up on, the other managers are told"
            );
        }
        Ok(true)
    }
}

fn given_up_note(recipient: &str, refusals: i64, error: Option<&str>) -> String {
    format!(
        "given up on {recipient} after {refusals} refusal(s): {}",
        error.unwrap_or("refused")
    )
}
