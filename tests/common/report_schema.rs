//! The published schema of the month report's JSON
//! (`docs/schema/report.schema.json`), and the check every test that
//! produces a report JSON runs on it: whatever the suite makes the program
//! write, an integrator validating against the schema accepts.

use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

/// The schema file, relative to the crate root.
pub const SCHEMA_FILE: &str = "docs/schema/report.schema.json";

/// The schema as JSON.
pub fn schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SCHEMA_FILE);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{SCHEMA_FILE} is not JSON: {e}"))
}

/// The validator for the schema, built once per test binary. Formats
/// (`date`, `date-time`) are checked too: draft 2020-12 leaves them as mere
/// annotations unless asked.
fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&schema())
            .unwrap_or_else(|e| panic!("{SCHEMA_FILE} is not a usable schema: {e}"))
    })
}

/// Every way `report` breaks the schema, as `path: message`.
pub fn schema_errors(report: &Value) -> Vec<String> {
    validator()
        .iter_errors(report)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Fails the test, naming each problem, when `report` breaks the schema.
pub fn assert_valid_report(report: &Value) {
    let errors = schema_errors(report);
    assert!(
        errors.is_empty(),
        "the report JSON breaks {SCHEMA_FILE}:\n{}",
        errors.join("\n")
    );
}

/// The report JSON a successful `slawatch ARGS` wrote, when `args` asked for
/// one: `report` or `evaluate` with `--format json`, from `--out FILE` when
/// given, else from standard output. `None` for any other command.
pub fn report_written(args: &[&str], output: &std::process::Output) -> Option<Value> {
    let command = args.iter().find(|a| !a.starts_with('-'))?;
    let value_of = |option: &str| {
        args.windows(2)
            .find(|pair| pair[0] == option)
            .map(|pair| pair[1])
    };
    if !matches!(*command, "report" | "evaluate")
        || value_of("--format") != Some("json")
        || !output.status.success()
    {
        return None;
    }
    let bytes = match value_of("--out") {
        Some(file) => {
            std::fs::read(file).unwrap_or_else(|e| panic!("reading the report {file}: {e}"))
        }
        None => output.stdout.clone(),
    };
    Some(serde_json::from_slice(&bytes).expect("the report's JSON"))
}

/// Whether `path` (an API path or URL, with or without a query) is the
/// month endpoint, `/api/v1/contracts/{id}/months/{YYYY-MM}`, whose answer is
/// the report JSON.
pub fn is_month_endpoint(path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    let Some((before, month)) = path.rsplit_once("/months/") else {
        return false;
    };
    month.len() == 7
        && month.as_bytes()[4] == b'-'
        && before
            .rsplit_once("/api/v1/contracts/")
            .is_some_and(|(_, contract)| !contract.is_empty() && !contract.contains('/'))
}

/// Checks an HTTP answer against the schema when it is a month report: a
/// 200 from the month endpoint.
pub fn check_api_answer(path: &str, status: u16, body: &Value) {
    if status == 200 && is_month_endpoint(path) {
        assert_valid_report(body);
    }
}

/// Checks a report JSON file (an issued version's `.json`) against the schema.
pub fn assert_valid_report_file(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let report: Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    assert_valid_report(&report);
}
