//! The JSON of an evidence file: what it supports and what it is, never its
//! bytes (`slawatch evidence get` and the API hand those out).

use serde::Serialize;

use super::Wire;
use crate::domain::{EvidenceFile, Instant};

/// One evidence file.
#[derive(Debug, Serialize)]
pub struct EvidenceFileJson<'a> {
    /// Its id.
    pub id: i64,
    /// What it supports: `cost`, `excusal`, `dispute`, `delivery` or `dr_test`.
    pub subject_kind: &'static str,
    /// That record's id.
    pub subject_id: i64,
    /// The same in words, e.g. `cost 3`.
    pub subject: String,
    /// The month the subject bears on, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// The file's name (escape wherever shown).
    pub name: &'a str,
    /// Its MIME type.
    pub media_type: &'a str,
    /// Its size in bytes.
    pub size: i64,
    /// The SHA-256 of its bytes, lowercase hex.
    pub sha256: &'a str,
    /// Who added it.
    pub added_by: &'a str,
    /// When.
    #[serde(with = "crate::report::json_time")]
    pub added_at: Instant,
}

impl Wire for EvidenceFile {
    type Json<'a> = EvidenceFileJson<'a>;

    fn json(&self) -> EvidenceFileJson<'_> {
        EvidenceFileJson {
            id: self.id,
            subject_kind: self.subject.kind(),
            subject_id: self.subject.id(),
            subject: self.subject.to_string(),
            period: self.period.map(|p| p.to_string()),
            name: &self.filename,
            media_type: &self.media_type,
            size: self.size,
            sha256: &self.sha256,
            added_by: &self.added_by,
            added_at: self.added_at,
        }
    }
}
