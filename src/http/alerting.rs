//! The alerting webhook payloads slawatch reads: Prometheus Alertmanager's
//! (`"version": "4"`) and Grafana-managed alerting's (`"version": "1"`),
//! which carry their alerts in the same shape. Pure: the handler in
//! [`super::ingest`] stores what this reads.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::domain::duration::parse_duration_seconds;

/// The label or annotation giving a rule's `for:` period, by which the
/// outage start is moved back (Alertmanager's `startsAt` is when the rule
/// fired, after the condition had held for that long).
pub const FOR_KEY: &str = "slawatch_for";

/// A webhook payload, the parts slawatch reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertingPayload {
    /// "4" (Alertmanager) or "1" (Grafana-managed alerting).
    pub version: String,
    /// The alerts of the group.
    pub alerts: Vec<AlertingAlert>,
    /// Alerts the sender left out because of the receiver's `max_alerts`
    /// (Alertmanager 0.24 and later; Grafana too). Their outages are lost.
    #[serde(default)]
    pub truncated_alerts: u64,
}

/// One alert of a notification.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertingAlert {
    /// `firing` or `resolved`.
    pub status: String,
    /// Its labels.
    #[serde(default)]
    pub labels: HashMap<String, String>,
    /// Its annotations.
    #[serde(default)]
    pub annotations: HashMap<String, String>,
    /// When it started firing.
    pub starts_at: DateTime<Utc>,
    /// When it stopped (`0001-01-01T00:00:00Z` while firing).
    pub ends_at: Option<DateTime<Utc>>,
    /// Identifies the alert's label set.
    pub fingerprint: String,
}

/// Who sent a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// Prometheus Alertmanager.
    Alertmanager,
    /// Grafana-managed alerting.
    Grafana,
}

impl Sender {
    /// The sender's name, for labels and messages.
    pub fn name(self) -> &'static str {
        match self {
            Sender::Alertmanager => "Alertmanager",
            Sender::Grafana => "Grafana alerting",
        }
    }
}

/// Reads a webhook body, or says in words an operator can act on why not.
pub fn parse(body: &[u8]) -> Result<(Sender, AlertingPayload), String> {
    let value: Value = serde_json::from_slice(super::body::without_bom(body))
        .map_err(|e| format!("the body is not JSON: {e}"))?;
    // Grafana's legacy (dashboard) alerting posts a different document
    // altogether, with no version.
    if value.get("version").is_none()
        && (value.get("ruleName").is_some() || value.get("evalMatches").is_some())
    {
        return Err(
            "this is a legacy Grafana dashboard-alert notification, which slawatch \
                    does not read: send from Grafana-managed alerting (a webhook contact \
                    point) or from Alertmanager"
                .to_string(),
        );
    }
    let sender = match value.get("version").and_then(Value::as_str) {
        Some("4") => Sender::Alertmanager,
        Some("1") => Sender::Grafana,
        Some(other) => {
            return Err(format!(
                "unsupported webhook payload version '{other}': slawatch reads Alertmanager's \
                 version 4 and Grafana-managed alerting's version 1"
            ));
        }
        None => {
            return Err(
                "the payload has no \"version\": expected an Alertmanager (version 4) \
                        or Grafana-managed alerting (version 1) webhook notification"
                    .to_string(),
            );
        }
    };
    let payload: AlertingPayload = serde_json::from_value(value)
        .map_err(|e| format!("not a {} webhook notification: {e}", sender.name()))?;
    Ok((sender, payload))
}

impl AlertingAlert {
    /// When the outage began: `startsAt`, moved back by the rule's `for:`
    /// period when a `slawatch_for` label or annotation gives it (the label
    /// wins, as it is what Alertmanager groups and routes by).
    pub fn outage_start(&self) -> Result<DateTime<Utc>, String> {
        let Some(text) = self
            .labels
            .get(FOR_KEY)
            .or_else(|| self.annotations.get(FOR_KEY))
        else {
            return Ok(self.starts_at);
        };
        let seconds = parse_duration_seconds(text).map_err(|e| format!("{FOR_KEY}: {e}"))?;
        Ok(self.starts_at - Duration::seconds(seconds))
    }
}

/// What the source's health says while notifications are truncated.
pub fn truncation_note(sender: Sender, truncated: u64) -> String {
    format!(
        "{} left {truncated} alert(s) out of a notification (the receiver's max_alerts): \
         outages in them are not recorded; raise max_alerts or set it to 0 (no limit)",
        sender.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(labels: &[(&str, &str)], annotations: &[(&str, &str)]) -> AlertingAlert {
        let map = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        AlertingAlert {
            status: "firing".into(),
            labels: map(labels),
            annotations: map(annotations),
            starts_at: "2026-10-12T10:05:00Z".parse().unwrap(),
            ends_at: None,
            fingerprint: "f".into(),
        }
    }

    #[test]
    fn slawatch_for_moves_the_start_back() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            alert(&[], &[]).outage_start(),
            Ok(at("2026-10-12T10:05:00Z"))
        );
        // 10:05 less 5 minutes.
        assert_eq!(
            alert(&[], &[(FOR_KEY, "5m")]).outage_start(),
            Ok(at("2026-10-12T10:00:00Z"))
        );
        // The label wins over the annotation: 10:05 less 1h30m.
        assert_eq!(
            alert(&[(FOR_KEY, "1h30m")], &[(FOR_KEY, "5m")]).outage_start(),
            Ok(at("2026-10-12T08:35:00Z"))
        );
        let bad = alert(&[(FOR_KEY, "five minutes")], &[]).outage_start();
        assert!(
            bad.as_ref()
                .is_err_and(|e| e.starts_with("slawatch_for: 'five minutes' is not a duration")),
            "{bad:?}"
        );
    }

    #[test]
    fn unknown_payloads_are_refused_in_words() {
        let legacy = br#"{"title":"[Alerting] CPU","ruleId":1,"ruleName":"CPU","state":"alerting","evalMatches":[]}"#;
        assert!(
            parse(legacy)
                .unwrap_err()
                .contains("legacy Grafana dashboard-alert")
        );
        let v3 = br#"{"version":"3","alerts":[]}"#;
        assert!(
            parse(v3)
                .unwrap_err()
                .contains("unsupported webhook payload version '3'")
        );
        assert!(parse(b"{}").unwrap_err().contains("has no \"version\""));
    }
}
