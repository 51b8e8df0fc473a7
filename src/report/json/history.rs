//! A record's versions as JSON, for `slawatch history --format json` and the
//! history API: every version with where it came from and when the store
//! received it, and for an incident the versions of its holds.

use serde_json::{Map, Value, json};

use crate::domain::time::format_utc;
use crate::store::versions::Version;
use crate::store::write::Param;

/// One record's history: `kind` and `id` name it; `holds` are its holds'
/// versions (an incident's), empty otherwise.
pub fn history(
    contract: &str,
    kind: &str,
    id: &str,
    versions: &[Version],
    holds: &[Version],
) -> Value {
    json!({
        "contract": contract,
        "kind": kind,
        "id": id,
        "owner": versions.last().map(|v| v.owner.as_str()),
        "versions": versions.iter().enumerate().map(|(i, v)| version(i + 1, v)).collect::<Vec<_>>(),
        "holds": holds.iter().map(|v| version(0, v)).collect::<Vec<_>>(),
    })
}

fn version(number: usize, v: &Version) -> Value {
    let mut values = Map::new();
    for (column, value) in v.key.iter().chain(&v.values) {
        values.insert(column.to_string(), param(column, value));
    }
    let mut out = json!({
        "received_at": instant(v.received_at),
        "superseded_at": v.superseded_at.map(instant),
        "owner": v.owner,
        "import": {
            "id": v.import_id,
            "source": v.import_source,
            "file": v.import_file,
            "line": v.line,
            "corrected_by": v.corrected_by,
            "reason": v.correction_reason,
        },
        "values": values,
    });
    if number > 0
        && let Value::Object(o) = &mut out
    {
        o.insert("version".into(), json!(number));
    }
    out
}

fn param(column: &str, value: &Param) -> Value {
    match value {
        Param::Int(Some(secs)) if column.ends_with("_at") => json!(instant(*secs)),
        Param::Int(Some(n)) => json!(n),
        Param::Text(Some(t)) => json!(t),
        Param::Int(None) | Param::Text(None) => Value::Null,
    }
}

fn instant(secs: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(secs, 0).map(format_utc)
}
