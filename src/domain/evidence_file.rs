//! Evidence files: the documents (a PDF invoice, a photo, an email) behind
//! what people record — a recoverable cost, an excusal, a dispute's
//! decision, a commitment's delivery, a DR test. Kept in the store byte for
//! byte with their SHA-256, insert-only.

use std::fmt;

use super::period::Period;
use super::time::Instant;

/// The largest evidence file taken, in bytes (10 MiB): big enough for a
/// scanned invoice or an email with its attachments, small enough to travel
/// as an attachment of the issued report's email.
pub const MAX_EVIDENCE_FILE_BYTES: usize = 10 * 1024 * 1024;

/// What an evidence file supports: a record by its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvidenceSubject {
    /// A recoverable cost.
    Cost(i64),
    /// An excusal.
    Excusal(i64),
    /// A dispute (its grounds or its decision).
    Dispute(i64),
    /// A commitment's delivery (the event's id).
    Delivery(i64),
    /// A DR test.
    DrTest(i64),
}

impl EvidenceSubject {
    /// `cost`, `excusal`, `dispute`, `delivery` or `dr_test`, as stored.
    pub fn kind(self) -> &'static str {
        match self {
            EvidenceSubject::Cost(_) => "cost",
            EvidenceSubject::Excusal(_) => "excusal",
            EvidenceSubject::Dispute(_) => "dispute",
            EvidenceSubject::Delivery(_) => "delivery",
            EvidenceSubject::DrTest(_) => "dr_test",
        }
    }

    /// The record's id.
    pub fn id(self) -> i64 {
        match self {
            EvidenceSubject::Cost(id)
            | EvidenceSubject::Excusal(id)
            | EvidenceSubject::Dispute(id)
            | EvidenceSubject::Delivery(id)
            | EvidenceSubject::DrTest(id) => id,
        }
    }

    /// Rebuilds a subject from its stored kind and id.
    pub fn from_parts(kind: &str, id: i64) -> Option<Self> {
        Some(match kind {
            "cost" => EvidenceSubject::Cost(id),
            "excusal" => EvidenceSubject::Excusal(id),
            "dispute" => EvidenceSubject::Dispute(id),
            "delivery" => EvidenceSubject::Delivery(id),
            "dr_test" => EvidenceSubject::DrTest(id),
            _ => return None,
        })
    }
}

impl fmt::Display for EvidenceSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            EvidenceSubject::Cost(_) => "cost",
            EvidenceSubject::Excusal(_) => "excusal",
            EvidenceSubject::Dispute(_) => "dispute",
            EvidenceSubject::Delivery(_) => "delivery",
            EvidenceSubject::DrTest(_) => "DR test",
        };
        write!(f, "{name} {}", self.id())
    }
}

/// A file about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvidenceFile {
    /// What it supports.
    pub subject: EvidenceSubject,
    /// Its name, without any directory.
    pub filename: String,
    /// Its MIME type.
    pub media_type: String,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// A stored evidence file, without its bytes (see `Store::evidence_file_bytes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceFile {
    /// Its id.
    pub id: i64,
    /// What it supports.
    pub subject: EvidenceSubject,
    /// The month the subject bears on, when it has one.
    pub period: Option<Period>,
    /// Its name.
    pub filename: String,
    /// Its MIME type.
    pub media_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// The SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
    /// Who added it.
    pub added_by: String,
    /// When.
    pub added_at: Instant,
}

/// The MIME type of a file by its name's extension, for the common kinds
/// of evidence; `application/octet-stream` otherwise.
pub fn media_type_of(filename: &str) -> &'static str {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "tif" | "tiff" => "image/tiff",
        "eml" => "message/rfc822",
        "msg" => "application/vnd.ms-outlook",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

/// Checks a file's name (no directory, no control characters, not blank)
/// and size (not empty, at most [`MAX_EVIDENCE_FILE_BYTES`]); the error
/// names the file and what is wrong.
pub fn check_file(filename: &str, size: usize) -> Result<(), String> {
    let name = filename.trim();
    if name.is_empty() {
        return Err("the file name must not be empty".into());
    }
    if name.contains(['/', '\\']) || name.chars().any(char::is_control) || name.len() > 255 {
        return Err(format!(
            "the file name '{}' must be a plain name (no directory, no control characters, at most 255 bytes)",
            name.escape_debug()
        ));
    }
    if size == 0 {
        return Err(format!("the file '{name}' is empty"));
    }
    if size > MAX_EVIDENCE_FILE_BYTES {
        return Err(format!(
            "the file '{name}' is {size} bytes, over the limit of {MAX_EVIDENCE_FILE_BYTES} bytes (10 MiB) for an evidence file"
        ));
    }
    Ok(())
}

/// Checks a media type is a plain `type/subtype` (RFC 6838 characters, no
/// parameters), as an email attachment's header needs it.
pub fn check_media_type(media_type: &str) -> Result<(), String> {
    let token = |t: &str| {
        !t.is_empty()
            && t.len() <= 127
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c))
    };
    match media_type.split_once('/') {
        Some((kind, sub)) if token(kind) && token(sub) => Ok(()),
        _ => Err(format!(
            "the media type '{}' is not a type/subtype such as application/pdf",
            media_type.escape_debug()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_sizes_are_checked() {
        assert!(check_file("invoice.pdf", 1).is_ok());
        assert!(check_file("invoice.pdf", MAX_EVIDENCE_FILE_BYTES).is_ok());
        let over = check_file("invoice.pdf", MAX_EVIDENCE_FILE_BYTES + 1).unwrap_err();
        assert!(
            over.contains("invoice.pdf") && over.contains("10485761 bytes"),
            "{over}"
        );
        assert!(check_file("../etc/passwd", 3).is_err());
        assert!(check_file(" ", 3).is_err());
        assert!(check_file("a.pdf", 0).unwrap_err().contains("empty"));
    }

    #[test]
    fn media_types_follow_the_extension() {
        assert_eq!(media_type_of("Invoice.PDF"), "application/pdf");
        assert_eq!(media_type_of("reply.eml"), "message/rfc822");
        assert_eq!(media_type_of("photo.jpeg"), "image/jpeg");
        assert_eq!(media_type_of("noextension"), "application/octet-stream");
        assert!(check_media_type("application/pdf").is_ok());
        assert!(check_media_type("pdf").is_err());
        assert!(check_media_type("text/plain; charset=utf-8").is_err());
    }
}
