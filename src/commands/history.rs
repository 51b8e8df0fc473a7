//! `slawatch history`: every version of an incident (with its holds), an
//! outage or a work item, with the source, import, line and instant each
//! was received — what changed, when, and by which feed.

use super::Failure;
use super::records::{ListFormat, contract};
use crate::config::Config;
use crate::store::Store;
use crate::store::versions::{Record, Version, describe_value, instant_text as instant};
use crate::store::write::Param;

/// Prints the history (exit 1 when the contract or the record is unknown).
pub async fn run(
    config: &Config,
    store: &Store,
    contract_id: &str,
    record: &Record,
    format: ListFormat,
) -> Result<(), Failure> {
    let c = contract(config, contract_id)?;
    let (versions, holds) = store
        .record_history(&c.id, record)
        .await
        .map_err(Failure::runtime)?;
    let kind = record.table().record;
    if versions.is_empty() {
        return Err(Failure::input(format!(
            "no {kind} '{}' in contract {}",
            record.id(),
            c.id
        )));
    }
    match format {
        ListFormat::Json => {
            let value =
                crate::report::json::history::history(&c.id, kind, record.id(), &versions, &holds);
            let text = serde_json::to_string_pretty(&value).map_err(Failure::runtime)?;
            println!("{text}");
        }
        ListFormat::Table => print!("{}", table(&c.id, kind, record.id(), &versions, &holds)),
    }
    Ok(())
}

/// The history for people: each version's origin, then its values (the
/// first in full, later ones as what changed).
pub fn table(
    contract: &str,
    kind: &str,
    id: &str,
    versions: &[Version],
    holds: &[Version],
) -> String {
    let mut out = format!("{kind} {id} of {contract}");
    if let Some(last) = versions.last() {
        out.push_str(&format!(" (owned by source {})", last.owner));
    }
    out.push('\n');
    list(&mut out, versions, "");
    let mut current_hold: Option<&[(&str, Param)]> = None;
    let mut group: Vec<Version> = Vec::new();
    for hold in holds {
        if current_hold != Some(hold.key.as_slice()) {
            flush_hold(&mut out, &mut group);
            current_hold = Some(hold.key.as_slice());
        }
        group.push(hold.clone());
    }
    flush_hold(&mut out, &mut group);
    out
}

fn flush_hold(out: &mut String, group: &mut Vec<Version>) {
    let Some(first) = group.first() else {
        return;
    };
    let start = first
        .key
        .iter()
        .find(|(c, _)| *c == "start_at")
        .map(|(c, v)| describe_value(c, v))
        .unwrap_or_default();
    out.push_str(&format!("hold from {start}\n"));
    list(out, group, "  ");
    group.clear();
}

fn list(out: &mut String, versions: &[Version], indent: &str) {
    let mut previous: Option<&Version> = None;
    for (i, v) in versions.iter().enumerate() {
        let until = match v.superseded_at {
            Some(t) => format!("until {}", instant(t)),
            None => "current".to_string(),
        };
        let by = match (&v.corrected_by, &v.correction_reason) {
            (Some(who), Some(why)) => format!(", corrected by {who}: {why}"),
            (Some(who), None) => format!(", corrected by {who}"),
            _ => String::new(),
        };
        out.push_str(&format!(
            "{indent}version {}: received {} ({until}) from source {}, import {} ({}) line {}{by}\n",
            i + 1,
            instant(v.received_at),
            v.import_source,
            v.import_id,
            v.import_file,
            v.line
        ));
        let shown: Vec<String> = v
            .values
            .iter()
            .enumerate()
            .filter(|(j, (_, value))| previous.is_none_or(|p| &p.values[*j].1 != value))
            .map(|(j, (column, value))| match previous {
                None => format!("{column} {}", describe_value(column, value)),
                Some(p) => format!(
                    "{column} {} → {}",
                    describe_value(column, &p.values[j].1),
                    describe_value(column, value)
                ),
            })
            .collect();
        if !shown.is_empty() {
            out.push_str(&format!("{indent}  {}\n", shown.join("; ")));
        }
        previous = Some(v);
    }
}
