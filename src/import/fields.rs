//! Field access shared by CSV rows and JSON Lines objects, and telling a
//! file's record kind from its header or name.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

/// The five interchange record kinds of the interchange formats
/// (docs/book/src/integrators/formats.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// `incident`.
    Incident,
    /// `hold`.
    Hold,
    /// `outage`.
    Outage,
    /// `work_item`.
    WorkItem,
    /// `supplier_kpi`.
    SupplierKpi,
}

impl RecordKind {
    /// Parses the JSON Lines `type` value.
    pub fn parse(text: &str) -> Option<RecordKind> {
        match text {
            "incident" => Some(RecordKind::Incident),
            "hold" => Some(RecordKind::Hold),
            "outage" => Some(RecordKind::Outage),
            "work_item" => Some(RecordKind::WorkItem),
            "supplier_kpi" => Some(RecordKind::SupplierKpi),
            _ => None,
        }
    }

    /// The interchange spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Incident => "incident",
            RecordKind::Hold => "hold",
            RecordKind::Outage => "outage",
            RecordKind::WorkItem => "work_item",
            RecordKind::SupplierKpi => "supplier_kpi",
        }
    }

    /// The columns every record of this kind must have.
    pub fn required_columns(self) -> &'static [&'static str] {
        match self {
            RecordKind::Incident => &["id", "contract", "priority", "opened_at"],
            RecordKind::Hold => &["incident_id", "contract", "start"],
            RecordKind::Outage => &["id", "contract", "service", "start"],
            RecordKind::WorkItem => &["id", "contract", "kind", "opened_at"],
            RecordKind::SupplierKpi => {
                &["contract", "service_level", "period", "attainment_percent"]
            }
        }
    }

    /// Every kind, in the order file names are matched.
    const ALL: [RecordKind; 5] = [
        RecordKind::WorkItem,
        RecordKind::SupplierKpi,
        RecordKind::Incident,
        RecordKind::Hold,
        RecordKind::Outage,
    ];

    /// The kind whose name the file name contains (`acme-outages-2026-10.csv`).
    fn from_file_name(path: &Path) -> Option<RecordKind> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        RecordKind::ALL
            .into_iter()
            .find(|k| name.contains(k.as_str()))
    }

    /// Tells a CSV file's kind: the one kind whose required columns the header
    /// all has. When several fit (extra columns are allowed and ignored), the
    /// file name decides; when none or the name does not, an error says why.
    pub fn detect(header: &[&str], path: &Path) -> Result<RecordKind, String> {
        let fitting: Vec<RecordKind> = RecordKind::ALL
            .into_iter()
            .filter(|k| k.required_columns().iter().all(|c| header.contains(c)))
            .collect();
        let names = |kinds: &[RecordKind]| {
            kinds
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match fitting.as_slice() {
            [one] => Ok(*one),
            [] => match RecordKind::from_file_name(path) {
                Some(kind) => Err(format!(
                    "the name says {} but the header lacks the column(s) {}",
                    kind.as_str(),
                    kind.required_columns().iter().filter(|c| !header.contains(c)).copied().collect::<Vec<_>>().join(", ")
                )),
                None => Err(format!(
                    "cannot tell the record kind from the header ({}): no kind has all its required columns",
                    header.join(", ")
                )),
            },
            several => RecordKind::from_file_name(path).filter(|k| several.contains(k)).ok_or_else(|| {
                format!(
                    "the header fits several record kinds ({}); name the file after one of them (e.g. incidents.csv)",
                    names(several)
                )
            }),
        }
    }
}

/// Named fields of one input record. Empty values count as absent.
pub trait Fields {
    /// The trimmed value of a field, `None` when missing or empty.
    fn get(&self, name: &str) -> Option<String>;
}

/// A CSV row with its header's column positions.
pub struct CsvFields<'a> {
    /// Column name → index.
    pub columns: &'a HashMap<String, usize>,
    /// The row.
    pub record: &'a csv::StringRecord,
}

impl Fields for CsvFields<'_> {
    fn get(&self, name: &str) -> Option<String> {
        let v = self.record.get(*self.columns.get(name)?)?.trim();
        (!v.is_empty()).then(|| v.to_string())
    }
}

/// A JSON object; numbers and booleans are read as their text.
pub struct JsonFields<'a>(pub &'a Map<String, Value>);

impl Fields for JsonFields<'_> {
    fn get(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::String(s) => {
                let t = s.trim();
                (!t.is_empty()).then(|| t.to_string())
            }
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null | Value::Array(_) | Value::Object(_) => None,
        }
    }
}

/// Fields a connector has already named: interchange column → value.
impl Fields for HashMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        let v = HashMap::get(self, name)?.trim();
        (!v.is_empty()).then(|| v.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_kind_from_required_columns_then_name() {
        let p = Path::new("pack.csv");
        let kind = |h: &[&str], p: &Path| RecordKind::detect(h, p);
        assert_eq!(
            kind(&["id", "contract", "priority", "opened_at"], p),
            Ok(RecordKind::Incident)
        );
        assert_eq!(
            kind(&["incident_id", "contract", "start"], p),
            Ok(RecordKind::Hold)
        );
        assert_eq!(
            kind(&["id", "contract", "service", "start"], p),
            Ok(RecordKind::Outage)
        );
        assert_eq!(
            kind(&["id", "contract", "kind", "opened_at"], p),
            Ok(RecordKind::WorkItem)
        );
        assert_eq!(
            kind(
                &["contract", "service_level", "period", "attainment_percent"],
                p
            ),
            Ok(RecordKind::SupplierKpi)
        );
        // An extra column that another kind also uses does not change the kind…
        let h = [
            "id",
            "contract",
            "priority",
            "opened_at",
            "resolved_at",
            "kind",
        ];
        assert_eq!(
            kind(&h, Path::new("incidents.csv")),
            Ok(RecordKind::Incident)
        );
        // …but when two kinds fit and the name does not say, the file is refused.
        assert!(kind(&h, p).unwrap_err().contains("several record kinds"));
        let err = kind(&["id", "contract"], Path::new("acme-outages-2026-10.csv")).unwrap_err();
        assert!(err.contains("lacks the column(s) service, start"), "{err}");
        assert!(kind(&["a", "b"], p).is_err());
    }
}
