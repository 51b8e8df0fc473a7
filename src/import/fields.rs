//! Field access shared by CSV rows and JSON Lines objects, and telling a
//! file's record kind from its header or name.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

/// The five interchange record kinds of SPEC §3.
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

    /// Tells a CSV file's kind from the columns its header names, falling
    /// back to its file name (`incidents.csv`, `acme-holds-2026-10.csv` …).
    pub fn detect(header: &[&str], path: &Path) -> Option<RecordKind> {
        let has = |c: &str| header.contains(&c);
        let by_header = if has("incident_id") {
            Some(RecordKind::Hold)
        } else if has("service_level") && has("period") {
            Some(RecordKind::SupplierKpi)
        } else if has("kind") && has("opened_at") {
            Some(RecordKind::WorkItem)
        } else if has("priority") && has("opened_at") {
            Some(RecordKind::Incident)
        } else if has("service") && has("start") {
            Some(RecordKind::Outage)
        } else {
            None
        };
        by_header.or_else(|| {
            let name = path.file_name()?.to_str()?.to_ascii_lowercase();
            [
                ("work_item", RecordKind::WorkItem),
                ("supplier_kpi", RecordKind::SupplierKpi),
                ("incident", RecordKind::Incident),
                ("hold", RecordKind::Hold),
                ("outage", RecordKind::Outage),
            ]
            .into_iter()
            .find(|(stem, _)| name.contains(stem))
            .map(|(_, kind)| kind)
        })
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
    fn detects_kind_from_header_then_name() {
        let p = Path::new("pack.csv");
        assert_eq!(
            RecordKind::detect(&["id", "contract", "priority", "opened_at"], p),
            Some(RecordKind::Incident)
        );
        assert_eq!(
            RecordKind::detect(&["incident_id", "contract", "start"], p),
            Some(RecordKind::Hold)
        );
        assert_eq!(
            RecordKind::detect(&["id", "contract", "service", "start"], p),
            Some(RecordKind::Outage)
        );
        assert_eq!(
            RecordKind::detect(&["id", "contract", "kind", "opened_at"], p),
            Some(RecordKind::WorkItem)
        );
        assert_eq!(
            RecordKind::detect(
                &["contract", "service_level", "period", "attainment_percent"],
                p
            ),
            Some(RecordKind::SupplierKpi)
        );
        assert_eq!(
            RecordKind::detect(&["a", "b"], Path::new("acme-outages-2026-10.csv")),
            Some(RecordKind::Outage)
        );
        assert_eq!(RecordKind::detect(&["a", "b"], p), None);
    }
}
