//! One message to deliver — a single alert or a digest of several — and its
//! RFC 5322 form: plain text with an HTML alternative, a `Message-ID` derived
//! from the outbox, so a copy sent again after a crash is recognisable as the
//! same message, and `X-Slawatch-Alert` naming the alerts it carries. A
//! message with attachments is `multipart/mixed`: the text/HTML alternative
//! first, then each file.

use std::path::{Component, Path};

use anyhow::Context;
use lettre::Message;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment as MimeAttachment, Mailbox, MultiPart};

use crate::store::Store;
use crate::store::outbox::{Attachment, QueuedAlert};

/// An attachment with its bytes, read at send time.
#[derive(Debug, Clone)]
pub struct LoadedAttachment {
    /// What the outbox row names.
    pub attachment: Attachment,
    /// The file's content.
    pub bytes: Vec<u8>,
}

/// A message for one set of recipients, covering one or more outbox rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The outbox ids it delivers, oldest first; all are marked together.
    pub ids: Vec<i64>,
    /// Their dedup keys, in the same order.
    pub dedup_keys: Vec<String>,
    /// The alert kind, or `digest`.
    pub kind: String,
    /// The contract its alerts concern, when they all concern the same one.
    pub contract: Option<String>,
    /// Who gets it.
    pub recipients: Vec<String>,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body_text: String,
    /// The HTML alternative.
    pub body_html: String,
    /// The most failed attempts among its alerts, for the next backoff.
    pub attempts: i64,
    /// Files to send with it.
    pub attachments: Vec<Attachment>,
}

impl Outgoing {
    /// One alert, as queued.
    pub fn single(queued: &QueuedAlert) -> Outgoing {
        let alert = &queued.alert;
        Outgoing {
            ids: vec![queued.id],
            dedup_keys: vec![alert.dedup_key.clone()],
            kind: alert.kind.clone(),
            contract: alert.contract.clone(),
            recipients: alert.recipients.clone(),
            subject: alert.subject.clone(),
            body_text: alert.body_text.clone(),
            body_html: alert.body_html.clone(),
            attempts: queued.attempts,
            attachments: alert.attachments.clone(),
        }
    }

    /// Reads the attachments: an issued report's file from the store, so
    /// the daemon sending needs no copy of the issuer's `data_dir`; an
    /// attachment queued before files were kept in the store from its path
    /// under `data_dir`. A file that is missing or unreadable is an error
    /// naming it, which the sender records on the outbox row: only a person
    /// can put the file back.
    pub async fn read_attachments(
        &self,
        store: &Store,
        data_dir: &Path,
    ) -> anyhow::Result<Vec<LoadedAttachment>> {
        let mut loaded = Vec::with_capacity(self.attachments.len());
        for attachment in &self.attachments {
            if let Some(key) = &attachment.issued {
                let what = || {
                    format!(
                        "the attachment {} of the issued report {} {} version {}",
                        attachment.filename, key.contract, key.period, key.version
                    )
                };
                let file = store
                    .issued_file(key, &attachment.filename)
                    .await
                    .with_context(|| format!("cannot read {}", what()))?
                    .with_context(|| format!("{} is not in the store", what()))?;
                loaded.push(LoadedAttachment {
                    attachment: attachment.clone(),
                    bytes: file.bytes,
                });
                continue;
            }
            if let Some(key) = &attachment.pack {
                let pack = store
                    .issued_pack(key)
                    .await
                    .with_context(|| format!("cannot read the pack {}", attachment.filename))?
                    .with_context(|| {
                        format!("the pack {} is not in the store", attachment.filename)
                    })?;
                loaded.push(LoadedAttachment {
                    attachment: attachment.clone(),
                    bytes: pack.pdf,
                });
                continue;
            }
            if let Some(key) = &attachment.evidence_file {
                let (_, bytes) = store
                    .evidence_file_bytes(&key.contract, key.id)
                    .await
                    .with_context(|| format!("cannot read the evidence file {}", key.id))?
                    .with_context(|| {
                        format!(
                            "the evidence file {} of contract {} is not in the store",
                            key.id, key.contract
                        )
                    })?;
                loaded.push(LoadedAttachment {
                    attachment: attachment.clone(),
                    bytes,
                });
                continue;
            }
            let relative = Path::new(&attachment.path);
            if !relative
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
            {
                anyhow::bail!(
                    "attachment '{}' is not a path inside the data directory",
                    attachment.path
                );
            }
            let path = data_dir.join(relative);
            let bytes = tokio::fs::read(&path)
                .await
                .with_context(|| format!("cannot read the attachment {}", path.display()))?;
            loaded.push(LoadedAttachment {
                attachment: attachment.clone(),
                bytes,
            });
        }
        Ok(loaded)
    }

    /// Whether it batches several alerts.
    pub fn is_digest(&self) -> bool {
        self.ids.len() > 1
    }

    /// A stable name for it: the same alerts always get the same name, so a
    /// file written twice overwrites itself rather than duplicating.
    pub fn file_stem(&self) -> String {
        let first = self.ids.first().copied().unwrap_or_default();
        if self.is_digest() {
            format!("{first}-digest")
        } else {
            format!("{first}-{}", slug(&self.kind))
        }
    }

    /// `<id.dedup-key@domain>` for one alert, `<first-last.count.digest@domain>`
    /// for a digest: the same on every attempt.
    pub fn message_id(&self, domain: &str) -> String {
        let first = self.ids.first().copied().unwrap_or_default();
        let last = self.ids.last().copied().unwrap_or_default();
        if self.is_digest() {
            format!("<{first}-{last}.{}.digest@{domain}>", self.ids.len())
        } else {
            let key = self.dedup_keys.first().map_or("", String::as_str);
            format!("<{first}.{}@{domain}>", slug(key))
        }
    }

    /// The full message with `files` (its attachments, as read). Fails when
    /// an address or a content type does not parse, which no later attempt
    /// can fix.
    pub fn to_message(
        &self,
        from: &Mailbox,
        files: &[LoadedAttachment],
    ) -> anyhow::Result<Message> {
        let domain = from.email.domain().to_string();
        let mut builder = Message::builder()
            .from(from.clone())
            .subject(self.subject.clone())
            .message_id(Some(self.message_id(&domain)))
            .header(SlawatchAlert(self.dedup_keys.join(", ")))
            .header(AutoSubmitted)
            .header(AutoResponseSuppress);
        if let Some(contract) = &self.contract {
            builder = builder.header(ListId(format!(
                "slawatch alerts for {contract} <{}.alerts.{domain}>",
                slug(contract)
            )));
        }
        if self.recipients.is_empty() {
            anyhow::bail!("the alert has no recipients");
        }
        for recipient in &self.recipients {
            let mailbox: Mailbox = recipient
                .parse()
                .map_err(|e| anyhow::anyhow!("recipient '{recipient}' is not an address: {e}"))?;
            builder = builder.to(mailbox);
        }
        let body =
            MultiPart::alternative_plain_html(self.body_text.clone(), self.body_html.clone());
        let body = if files.is_empty() {
            body
        } else {
            let mut mixed = MultiPart::mixed().multipart(body);
            for file in files {
                let a = &file.attachment;
                let content_type = ContentType::parse(&a.content_type).map_err(|e| {
                    anyhow::anyhow!(
                        "attachment {} has an unusable content type '{}': {e}",
                        a.filename,
                        a.content_type
                    )
                })?;
                mixed = mixed.singlepart(
                    MimeAttachment::new(a.filename.clone()).body(file.bytes.clone(), content_type),
                );
            }
            mixed
        };
        let message = builder
            .multipart(body)
            .map_err(|e| anyhow::anyhow!("cannot build the message: {e}"))?;
        Ok(message)
    }
}

/// Letters, digits, `-` and `_` kept; anything else becomes `-`. Safe in a
/// file name and in a `Message-ID`.
fn slug(text: &str) -> String {
    text.chars()
        .take(100)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// `X-Slawatch-Alert`: the dedup keys of the alerts a message carries.
#[derive(Debug, Clone)]
struct SlawatchAlert(String);

impl Header for SlawatchAlert {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Slawatch-Alert")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(SlawatchAlert(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834), so out-of-office replies stay away.
#[derive(Debug, Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_string())
    }
}

/// `X-Auto-Response-Suppress: All`: Exchange and Outlook ignore
/// `Auto-Submitted` and honour only this for out-of-office and other
/// automatic replies.
#[derive(Debug, Clone)]
struct AutoResponseSuppress;

impl Header for AutoResponseSuppress {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Auto-Response-Suppress")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoResponseSuppress)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "All".to_string())
    }
}

/// `List-Id` (RFC 2919), one per contract, so a mail rule can file a
/// contract's alerts in a folder of their own.
#[derive(Debug, Clone)]
struct ListId(String);

impl Header for ListId {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Id")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListId(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::outbox::{NewAlert, Severity};

    fn queued(id: i64, key: &str) -> QueuedAlert {
        QueuedAlert {
            id,
            alert: NewAlert {
                dedup_key: key.to_string(),
                kind: "breached".into(),
                severity: Severity::Critical,
                contract: Some("acme".into()),
                recipients: vec!["a@council.example".into(), "b@council.example".into()],
                subject: "P1 breached — INC0001".into(),
                body_text: "Resolve it.".into(),
                body_html: "<p>Resolve it.</p>".into(),
                digest: false,
                attachments: Vec::new(),
            },
            created_at: 1_700_000_000,
            attempts: 2,
        }
    }

    #[test]
    fn the_message_id_and_file_name_follow_the_outbox() {
        let out = Outgoing::single(&queued(42, "breached/acme/INC0001 p1"));
        assert_eq!(
            out.message_id("council.example"),
            "<42.breached-acme-INC0001-p1@council.example>"
        );
        assert_eq!(out.file_stem(), "42-breached");
        assert_eq!(out.attempts, 2);
    }

    #[test]
    fn a_message_has_both_parts_and_the_alert_header() {
        let from: Mailbox = "SLA Watch <slawatch@council.example>".parse().unwrap();
        let out = Outgoing::single(&queued(7, "breached/acme/INC0001/p1"));
        let text = String::from_utf8(out.to_message(&from, &[]).unwrap().formatted()).unwrap();
        assert!(text.contains("Message-ID: <7.breached-acme-INC0001-p1@council.example>"));
        assert!(text.contains("X-Slawatch-Alert: breached/acme/INC0001/p1"));
        assert!(text.contains("Auto-Submitted: auto-generated"));
        assert!(
            text.contains("List-Id: slawatch alerts for acme <acme.alerts.council.example>"),
            "{text}"
        );
        assert!(text.contains("multipart/alternative"));
        assert!(text.contains("Content-Type: text/plain"));
        assert!(text.contains("Content-Type: text/html"));
        assert!(text.contains("To: a@council.example, b@council.example"));
    }

    #[test]
    fn supplier_text_cannot_add_a_header() {
        // An incident id or title is the supplier's text, and reaches the
        // subject and the alert header.
        let from: Mailbox = "slawatch@council.example".parse().unwrap();
        let injected = "INC1\r\nBcc: spy@supplier.example\r\n\r\nforged body";
        let mut q = queued(3, &format!("breached/acme/{injected}"));
        q.alert.subject = format!("P1 breached — {injected}");
        let text = String::from_utf8(
            Outgoing::single(&q)
                .to_message(&from, &[])
                .unwrap()
                .formatted(),
        )
        .unwrap();
        let headers = text.split("\r\n\r\n").next().unwrap();
        assert!(
            !headers
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
            "{headers}"
        );
        assert!(
            !text.contains("spy@supplier.example\r\n\r\nforged"),
            "{text}"
        );
    }

    #[test]
    fn a_bad_recipient_is_an_error() {
        let from: Mailbox = "slawatch@council.example".parse().unwrap();
        let mut q = queued(1, "k");
        q.alert.recipients = vec!["not an address".into()];
        let err = Outgoing::single(&q).to_message(&from, &[]).unwrap_err();
        assert!(err.to_string().contains("not an address"));
    }
}
