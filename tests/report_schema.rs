//! The month report's JSON against its published schema
//! (`docs/schema/report.schema.json`). Every test that makes the program
//! write a report JSON checks it against the schema through
//! `common::TestEnv::run`; this file shows the schema is strict enough for
//! that check to mean something: the October report (the pinned fixture, a
//! real report) passes, and the same report with a required field taken
//! away, a field the schema does not know, money as a decimal, an unknown
//! status or a malformed date fails.

mod common;

use common::report_schema::{SCHEMA_FILE, assert_valid_report, schema, schema_errors};
use serde_json::{Value, json};

/// The pinned October report, with the instants it records at run time (a
/// placeholder in the fixture) put back as a real instant.
fn october() -> Value {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report-october.json");
    let text = std::fs::read_to_string(path).expect("the October fixture");
    let text = text.replace("<recorded at run time>", "2026-11-04T10:15:00Z");
    serde_json::from_str(&text).expect("the fixture is JSON")
}

/// The report with `edit` applied, and the schema's complaints about it.
fn errors_after(edit: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut report = october();
    edit(&mut report);
    schema_errors(&report)
}

fn object(v: &mut Value) -> &mut serde_json::Map<String, Value> {
    v.as_object_mut().expect("a JSON object")
}

#[test]
fn the_schema_is_a_2020_12_schema_that_pins_the_program_s_version() {
    let schema = schema();
    if let Err(e) = jsonschema::meta::validate(&schema) {
        panic!("{SCHEMA_FILE} is not a valid JSON Schema: {e}");
    }
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    // The schema and the program move together: a report claims the
    // version of the schema that describes it.
    assert_eq!(
        schema["properties"]["schema_version"]["const"],
        slawatch::report::json::SCHEMA_VERSION
    );
    let major = slawatch::report::json::SCHEMA_VERSION
        .split('.')
        .next()
        .expect("a major version");
    assert_eq!(schema["$id"], format!("urn:slawatch:schema:report:{major}"));
}

#[test]
fn the_october_report_satisfies_the_schema() {
    let report = october();
    assert_eq!(report["schema_version"], "1.0");
    assert_valid_report(&report);
}

#[test]
fn a_report_without_any_one_required_field_fails() {
    let schema = schema();
    let required: Vec<String> = schema["required"]
        .as_array()
        .expect("the top level's required fields")
        .iter()
        .map(|f| f.as_str().expect("a field name").to_string())
        .collect();
    // Every field the document always has is required: the October report
    // carries exactly these 26 plus its 3 optional sections present that
    // month (clock_stops, assurance, appendix).
    assert_eq!(required.len(), 26, "{required:?}");
    assert_eq!(object(&mut october()).len(), 29);
    for field in &required {
        let errors = errors_after(|r| {
            object(r).remove(field).expect("the October report has it");
        });
        assert_eq!(
            errors,
            vec![format!(": \"{field}\" is a required property")],
            "removing {field}"
        );
    }
}

#[test]
fn a_nested_required_field_removed_fails_with_its_path() {
    let errors = errors_after(|r| {
        object(&mut r["service_levels"][0]).remove("credit_minor");
    });
    assert_eq!(
        errors,
        vec!["/service_levels/0: \"credit_minor\" is a required property".to_string()]
    );
    let errors = errors_after(|r| {
        object(&mut r["disputes"][1]).remove("status");
    });
    assert_eq!(
        errors,
        vec!["/disputes/1: \"status\" is a required property".to_string()]
    );
}

#[test]
fn a_field_the_schema_does_not_know_fails_at_any_depth() {
    let errors = errors_after(|r| {
        object(r).insert("total_claim".into(), json!(1115000));
    });
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(": Additional properties"),
        "{errors:?}"
    );
    assert!(errors[0].contains("'total_claim'"), "{errors:?}");

    // A misspelt field inside a line: the real one missing and the
    // stranger unknown, both reported.
    let errors = errors_after(|r| {
        let line = object(&mut r["service_levels"][0]);
        let v = line.remove("credit_minor").expect("credit_minor");
        line.insert("credit_minr".into(), v);
    });
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().all(|e| e.starts_with("/service_levels/0:")));
    assert!(errors.iter().any(|e| e.contains("'credit_minr'")));
    assert!(
        errors
            .iter()
            .any(|e| e.contains("\"credit_minor\" is a required"))
    );
}

#[test]
fn money_figures_must_be_whole_minor_units() {
    // £125,000.00 is 12500000 pence; half a penny more is no amount.
    let errors = errors_after(|r| r["monthly_charge_minor"] = json!(12500000.5));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("/monthly_charge_minor:"),
        "{errors:?}"
    );
    let errors = errors_after(|r| r["service_credits"]["total_minor"] = json!("875000"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("/service_credits/total_minor:"),
        "{errors:?}"
    );
}

#[test]
fn statuses_dates_and_months_are_checked() {
    let errors = errors_after(|r| r["service_levels"][0]["status"] = json!("breached"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("/service_levels/0/status:"),
        "{errors:?}"
    );

    let errors = errors_after(|r| r["control"]["status"] = json!("draft"));
    assert_eq!(errors.len(), 1, "{errors:?}");

    // An instant must be RFC 3339 in UTC; a date a real calendar date.
    let errors = errors_after(|r| r["evaluated_at"] = json!("2026-11-05 00:00:00"));
    assert!(
        errors.iter().all(|e| e.starts_with("/evaluated_at:")),
        "{errors:?}"
    );
    assert!(!errors.is_empty());
    let errors = errors_after(|r| r["evaluated_at"] = json!("2026-11-05T00:00:00+01:00"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    let errors = errors_after(|r| r["recoverable_costs"][0]["date"] = json!("2026-02-30"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("/recoverable_costs/0/date:"),
        "{errors:?}"
    );
    let errors = errors_after(|r| r["period"] = json!("2026-13"));
    assert_eq!(errors.len(), 1, "{errors:?}");
}

#[test]
fn a_report_of_another_schema_version_fails() {
    let errors = errors_after(|r| r["schema_version"] = json!("2.0"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("/schema_version:"), "{errors:?}");
}

/// The wire types in `src/report/json` that the month report does not
/// carry (the JSON of the records the API and the command line list).
const NOT_IN_THE_REPORT: &[&str] = &[
    "CostJson",
    "RemovalJson",
    "ExcusalTargetJson",
    "ExcusalJson",
    "RevocationJson",
    "CostGateJson",
];

/// The report's source files: its wire types and the amendment's.
const WIRE_SOURCES: &[&str] = &[
    "src/report/json",
    "src/report/amendment/mod.rs",
    "src/report/amendment/words.rs",
];

/// The field names of every serialised struct and enum variant in `text`
/// (a Rust source file), by type: `(type, field)`. Fields serde skips or
/// flattens into their parent are left out (a flattened type's own fields
/// are counted under it).
fn serialised_fields(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut serialised = false;
    let mut current: Option<String> = None;
    let mut pending_skip = false;
    for line in text.lines() {
        if line.starts_with("#[derive(") {
            serialised = line.contains("Serialize");
            continue;
        }
        if current.is_none() {
            for lead in ["pub struct ", "pub enum "] {
                if let Some(rest) = line.strip_prefix(lead) {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if serialised && rest.trim_end().ends_with('{') {
                        current = Some(name);
                    }
                    serialised = false;
                }
            }
            continue;
        }
        if line == "}" {
            current = None;
            continue;
        }
        let trimmed = line.trim();
        if trimmed == "#[serde(skip)]" || trimmed == "#[serde(flatten)]" {
            pending_skip = true;
            continue;
        }
        let field = trimmed.strip_prefix("pub ").unwrap_or(trimmed);
        let name: String = field
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        if !name.is_empty() && field[name.len()..].starts_with(": ") {
            if !pending_skip && let Some(ty) = &current {
                out.push((ty.clone(), name));
            }
            pending_skip = false;
        }
    }
    out
}

/// Every property name the schema lists anywhere.
fn schema_property_names(schema: &Value, out: &mut std::collections::BTreeSet<String>) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "properties"
                    && let Some(props) = value.as_object()
                {
                    out.extend(props.keys().cloned());
                }
                schema_property_names(value, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| schema_property_names(v, out)),
        _ => {}
    }
}

#[test]
fn the_schema_and_the_wire_types_name_the_same_fields() {
    // A field added to or removed from the report's wire types without the
    // schema, even one no test's report happens to carry (present only
    // under some contract clause), fails here by name.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for source in WIRE_SOURCES {
        let path = root.join(source);
        if path.is_dir() {
            let mut entries: Vec<_> = std::fs::read_dir(&path)
                .expect("the wire types' folder")
                .map(|e| e.expect("folder entry").path())
                .collect();
            entries.sort();
            files.extend(entries);
        } else {
            files.push(path);
        }
    }
    let mut in_code = std::collections::BTreeSet::new();
    let mut types = 0;
    let mut seen_types = std::collections::BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a wire type source");
        for (ty, field) in serialised_fields(&text) {
            if NOT_IN_THE_REPORT.contains(&ty.as_str()) {
                continue;
            }
            if seen_types.insert(ty) {
                types += 1;
            }
            in_code.insert(field);
        }
    }
    // The parse found the wire types (about sixty), not a handful.
    assert!(types >= 50, "only {types} wire types found");
    let mut in_schema = std::collections::BTreeSet::new();
    schema_property_names(&schema(), &mut in_schema);
    let missing: Vec<_> = in_code.difference(&in_schema).collect();
    let stale: Vec<_> = in_schema.difference(&in_code).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "fields the code writes that {SCHEMA_FILE} does not list: {missing:?}\n\
         fields {SCHEMA_FILE} lists that no wire type writes: {stale:?}"
    );
}

#[test]
fn the_field_parse_reads_structs_variants_and_skips() {
    let source = "\
#[derive(Debug, Serialize)]
pub struct AJson<'a> {
    /// Doc: not a field.
    pub id: i64,
    #[serde(skip_serializing_if = \"Option::is_none\")]
    pub note: Option<&'a str>,
    #[serde(skip)]
    pub words: &'static str,
    #[serde(flatten)]
    pub inner: BJson,
}

#[derive(Debug, Serialize)]
#[serde(tag = \"kind\")]
pub enum BJson {
    One {
        /// A variant's field.
        first: i64,
    },
}

#[derive(Debug)]
pub struct NotSerialised {
    pub hidden: i64,
}
";
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(
        serialised_fields(source),
        pairs(&[("AJson", "id"), ("AJson", "note"), ("BJson", "first")])
    );
}
