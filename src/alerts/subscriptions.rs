//! Applies each manager's preferences (`[[contracts.managers]]`) to the
//! alerts of a detection round: a kind turned off drops the manager, a kind
//! asked for at once or in the digest moves the manager to a copy of the
//! alert sent that way, and quiet hours hold what can wait until they end.
//! A critical alert is never held.
//!
//! Each copy has a dedup key of its own that depends only on the
//! configuration (`…#digest`, `…#immediate`, `…#quiet`), never on the time,
//! so detecting the same thing again queues nothing twice.

use std::collections::BTreeMap;

use crate::contract::Contract;
use crate::contract::subscription::{Delivery, Subscription};
use crate::domain::Instant;
use crate::store::outbox::{NewAlert, Severity};

/// An alert to queue and when it may first be sent (epoch seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// The alert.
    pub alert: NewAlert,
    /// Not before this: `now`, or the end of its recipients' quiet hours.
    pub not_before: i64,
}

/// The alerts of one round after the managers' preferences, detected at `now`.
pub fn apply(contracts: &[Contract], alerts: Vec<NewAlert>, now: Instant) -> Vec<Held> {
    let mut out = Vec::with_capacity(alerts.len());
    for alert in alerts {
        let contract = alert
            .contract
            .as_deref()
            .and_then(|id| contracts.iter().find(|c| c.id == id));
        match contract {
            Some(c) if !c.subscriptions.is_empty() => out.extend(split(c, alert, now)),
            _ => out.push(Held {
                alert,
                not_before: now.timestamp(),
            }),
        }
    }
    out
}

/// How one recipient takes an alert: in the digest or not, and held by quiet hours or not.
type Bucket = (bool, bool);

fn split(contract: &Contract, alert: NewAlert, now: Instant) -> Vec<Held> {
    let mut buckets: BTreeMap<Bucket, Vec<String>> = BTreeMap::new();
    for recipient in &alert.recipients {
        let sub = contract
            .subscriptions
            .iter()
            .find(|s| s.address.eq_ignore_ascii_case(recipient));
        let Some(digest) = delivery(sub, &alert) else {
            continue;
        };
        let quiet =
            alert.severity != Severity::Critical && sub.is_some_and(|s| s.quiet_hours.is_some());
        buckets
            .entry((digest, quiet))
            .or_default()
            .push(recipient.clone());
    }
    buckets
        .into_iter()
        .map(|((digest, quiet), recipients)| {
            let mut key = alert.dedup_key.clone();
            if digest != alert.digest {
                key.push_str(if digest { "#digest" } else { "#immediate" });
            }
            // The window ends at the same time for every quiet recipient of a
            // contract only if they share it; the latest end holds them all,
            // so nobody in the bucket is woken.
            let not_before = recipients
                .iter()
                .filter_map(|r| {
                    contract
                        .subscriptions
                        .iter()
                        .find(|s| s.address.eq_ignore_ascii_case(r))
                        .and_then(|s| s.quiet_hours)
                        .and_then(|q| q.ends_after(now, contract.timezone))
                })
                .max()
                .map_or(now.timestamp(), |end| end.timestamp());
            if quiet {
                key.push_str("#quiet");
            }
            Held {
                alert: NewAlert {
                    dedup_key: key,
                    recipients,
                    digest,
                    ..alert.clone()
                },
                not_before: if quiet { not_before } else { now.timestamp() },
            }
        })
        .collect()
}

/// Whether `sub` takes `alert` in the digest (`Some(true)`), at once
/// (`Some(false)`) or not at all (`None`); without a preference for its
/// kind, as the alert was raised.
fn delivery(sub: Option<&Subscription>, alert: &NewAlert) -> Option<bool> {
    match sub.and_then(|s| s.kinds.get(&alert.kind)) {
        None => Some(alert.digest),
        Some(Delivery::Immediate) => Some(false),
        Some(Delivery::Digest) => Some(true),
        Some(Delivery::Off) => None,
    }
}
