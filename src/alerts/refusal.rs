//! A recipient the relay refuses for good (a 5xx: a mailbox closed, an
//! address mistyped). The sender tries such a recipient a few times in case
//! the refusal was a relay's passing mistake, then gives up on it for that
//! alert; the first time an address is given up on it tells the contract's
//! other managers, who can correct the configuration or have the mailbox
//! restored. Pure: the sender decides when, this says to whom and what.

use super::compose::{Facts, alert};
use super::message::Outgoing;
use crate::store::outbox::{NewAlert, Severity};

/// Permanent refusals of one recipient of one alert before the sender stops
/// trying it. With the longest backoff between attempts (5 minutes by
/// default) an address refused three times has been refused for about ten
/// minutes. An address already given up on for the contract is given up on
/// at its first refusal of each later alert.
pub const REFUSALS_BEFORE_GIVING_UP: i64 = 3;

/// The alert kind of the notice.
pub const KIND: &str = "recipient_refused";

/// Who hears that `refused` is given up on: the `managers` of the contract
/// `out` concerns (or, for an alert of no configured contract, its other
/// recipients), less every address given up on already (`dead`).
pub fn notice_recipients(
    managers: Option<&[String]>,
    out: &Outgoing,
    refused: &str,
    dead: &[String],
) -> Vec<String> {
    let candidates = managers.unwrap_or(&out.recipients);
    let mut to: Vec<String> = Vec::new();
    for address in candidates {
        let gone = address.eq_ignore_ascii_case(refused)
            || dead.iter().any(|d| d.eq_ignore_ascii_case(address));
        if !gone && !to.contains(address) {
            to.push(address.clone());
        }
    }
    to
}

/// The notice that `refused` no longer gets `out` (the alert given up on
/// for it, outbox row `outbox_id`), refused with `error`, for `to`.
pub fn notice(
    out: &Outgoing,
    outbox_id: i64,
    refused: &str,
    error: &str,
    to: &[String],
) -> NewAlert {
    let contract = out.contract.as_deref();
    let facts = Facts {
        headline: format!("Alerts to {refused} are refused by the mail server"),
        lines: vec![
            ("Address", refused.to_string()),
            ("Refused with", error.to_string()),
            ("Alert not delivered", out.subject.clone()),
            (
                "From now on",
                "each later alert tries this address once and goes to everyone else \
                 regardless; mail accepted for it again ends this"
                    .to_string(),
            ),
        ],
        evidence: "Correct or remove the address in the contract's `managers` (or under \
                   `[alerts] routes`) in slawatch.toml, or have the mailbox restored."
            .to_string(),
        ..Facts::default()
    };
    alert(
        format!("{KIND}/{}/{refused}/{outbox_id}", contract.unwrap_or("-")),
        KIND,
        Severity::Critical,
        contract,
        to,
        &facts,
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn managers() -> Vec<String> {
        [
            "a@council.example",
            "dead@council.example",
            "b@council.example",
        ]
        .map(str::to_string)
        .to_vec()
    }

    fn outgoing(contract: Option<&str>) -> Outgoing {
        Outgoing {
            ids: vec![7],
            dedup_keys: vec!["breached/acme/INC1/p1".into()],
            kind: "breached".into(),
            contract: contract.map(str::to_string),
            recipients: vec!["dead@council.example".into(), "x@council.example".into()],
            subject: "Breached: INC1".into(),
            body_text: String::new(),
            body_html: String::new(),
            attempts: 2,
            attachments: Vec::new(),
        }
    }

    #[test]
    fn the_other_managers_hear_less_any_address_already_given_up_on() {
        let managers = managers();
        let acme = Some(managers.as_slice());
        let dead = "dead@council.example";
        assert_eq!(
            notice_recipients(acme, &outgoing(Some("acme")), dead, &[]),
            ["a@council.example", "b@council.example"]
        );
        assert_eq!(
            notice_recipients(
                acme,
                &outgoing(Some("acme")),
                "DEAD@council.example",
                &["b@council.example".into()]
            ),
            ["a@council.example"]
        );
        // No configured contract: the alert's other recipients.
        assert_eq!(
            notice_recipients(None, &outgoing(None), dead, &[]),
            ["x@council.example"]
        );
    }

    #[test]
    fn the_notice_names_the_address_the_refusal_and_the_alert() {
        let to = vec!["a@council.example".to_string()];
        let n = notice(
            &outgoing(Some("acme")),
            7,
            "dead@council.example",
            "550 5.1.1 mailbox unavailable",
            &to,
        );
        assert_eq!(n.dedup_key, "recipient_refused/acme/dead@council.example/7");
        assert_eq!(n.kind, "recipient_refused");
        assert_eq!(
            n.subject,
            "[slawatch] acme recipient refused: Alerts to dead@council.example are refused by the mail server"
        );
        assert_eq!(n.recipients, to);
        assert!(!n.digest);
        assert!(
            n.body_text
                .contains("Refused with         550 5.1.1 mailbox unavailable\n"),
            "{}",
            n.body_text
        );
        assert!(
            n.body_text
                .contains("Alert not delivered  Breached: INC1\n"),
            "{}",
            n.body_text
        );
    }
}
