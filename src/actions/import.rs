//! Audit trackers into the actions register: a CSV file, or the first sheet
//! of an XLSX workbook, whose first row names the columns (see
//! docs/book/src/assurance/actions.md). Each row is one action, checked and stored on
//! its own: a bad row is reported by its line (the spreadsheet's own row
//! number) and column and stored rows are kept, so fixing the tracker and
//! importing it again adds only what was refused.
//!
//! A row whose id the contract already has is a follow-up of that action:
//! a different status, or a different due date (a revised date), is
//! recorded as a status change with the row's reason, reviewer and
//! evidence; the same status and date leave it unchanged, so importing one
//! file twice changes nothing. The particulars of an action (origin, title,
//! owner, links) are those of its first import.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};

use super::{ActionRequest, FieldError, Linkable, StatusRequest, parse_date};
use crate::domain::{Action, Instant};
use crate::store::Store;
use crate::store::records::RecordError;

/// The columns a tracker may have; `id`, `origin`, `title`, `owner` and
/// `due` are required.
pub const COLUMNS: &[&str] = &[
    "id",
    "origin",
    "reference",
    "title",
    "description",
    "owner",
    "due",
    "status",
    "by",
    "reason",
    "evidence",
    "service_level",
    "dr_system",
    "commitment",
];

const REQUIRED: &[&str] = &["id", "origin", "title", "owner", "due"];

/// One row of a tracker: its line and its non-blank cells by column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The line (CSV) or row number (XLSX), counting the header as 1.
    pub line: u64,
    /// Cell text by column name.
    pub cells: HashMap<String, String>,
}

/// A row refused: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The row's line.
    pub line: u64,
    /// The column at fault, when one is.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(f, "line {}, column {c}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Actions recorded for the first time, by id.
    pub added: Vec<String>,
    /// Actions whose status (or due date) changed, by id.
    pub changed: Vec<String>,
    /// Rows that matched what was already recorded.
    pub unchanged: usize,
    /// Rows refused, in line order.
    pub rejected: Vec<Rejection>,
}

/// Reads a tracker's rows: XLSX when the name ends in `.xlsx`, CSV
/// otherwise. A file that cannot be read at all (no header, an unknown
/// column, a required column missing) is refused whole, naming why.
pub fn read(path: &Path, bytes: &[u8]) -> Result<Vec<Row>, String> {
    let xlsx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let (header, rows) = match xlsx {
        true => read_xlsx(bytes)?,
        false => read_csv(bytes)?,
    };
    let names: Vec<String> = header.iter().map(|h| column_name(h)).collect();
    for (i, n) in names.iter().enumerate() {
        if !n.is_empty() && !COLUMNS.contains(&n.as_str()) {
            return Err(format!(
                "column {} of the header, '{}', is not a column of the actions register \
                 (expected {})",
                i + 1,
                header[i].trim(),
                COLUMNS.join(", ")
            ));
        }
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|r| !names.iter().any(|n| n == r))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the header has no {} column{}",
            missing.join(", "),
            if missing.len() == 1 { "" } else { "s" }
        ));
    }
    Ok(rows
        .into_iter()
        .filter_map(|(line, values)| {
            let cells: HashMap<String, String> = names
                .iter()
                .zip(values)
                .filter(|(n, v)| !n.is_empty() && !v.trim().is_empty())
                .map(|(n, v)| (n.clone(), v))
                .collect();
            (!cells.is_empty()).then_some(Row { line, cells })
        })
        .collect())
}

/// `Due date` and `due_date` read as `due`; `Service level` as `service_level`.
fn column_name(header: &str) -> String {
    let n = header
        .trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase()
        .replace([' ', '-'], "_");
    match n.as_str() {
        "due_date" => "due".into(),
        "reviewed_by" => "by".into(),
        _ => n,
    }
}

type Table = (Vec<String>, Vec<(u64, Vec<String>)>);

fn read_csv(bytes: &[u8]) -> Result<Table, String> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header = reader
        .headers()
        .map_err(|e| format!("not a readable CSV file: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("not a readable CSV file: {e}"))?;
        // The reader's position is where it began looking for the record,
        // before any blank lines it skipped: the record's own line is past them.
        let start = record.position().map_or(0, |p| p.byte() as usize);
        let skipped = bytes
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
        let before = bytes.get(..start + skipped).unwrap_or(bytes);
        let line = 1 + before.iter().filter(|b| **b == b'\n').count() as u64;
        rows.push((line, record.iter().map(str::to_string).collect()));
    }
    Ok((header, rows))
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, String> {
    let refused = |e: &dyn std::fmt::Display| format!("not a readable XLSX file: {e}");
    let mut book = Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| refused(&e))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| "the workbook has no sheet".to_string())?
        .map_err(|e| refused(&e))?;
    // The range starts at the first used cell; rows are numbered from 1.
    let first_row = u64::from(range.start().map_or(0, |(row, _)| row)) + 1;
    let mut rows = range.rows();
    let header = rows
        .next()
        .ok_or_else(|| "the first sheet is empty".to_string())?
        .iter()
        .map(cell_text)
        .collect();
    let rows = rows
        .enumerate()
        .map(|(i, r)| (first_row + 1 + i as u64, r.iter().map(cell_text).collect()))
        .collect();
    Ok((header, rows))
}

/// A cell as the text a CSV would hold; a date cell as `YYYY-MM-DD` (with
/// its time when it has one, which a date column then refuses).
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            match (h, mi, s) {
                (0, 0, 0) => format!("{y:04}-{mo:02}-{d:02}"),
                _ => format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"),
            }
        }
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// Reads the whole of `reader` (a tracker of at most `limit` bytes).
pub fn read_limited(reader: impl Read, limit: u64) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!("the file is larger than {limit} bytes"));
    }
    Ok(bytes)
}

fn cell(row: &Row, column: &str) -> Option<String> {
    row.cells.get(column).cloned()
}

/// A row with a NUL character in a cell, refused naming the cell's column:
/// PostgreSQL's text cannot hold one, and the person fixing the tracker
/// should hear where it is, not of a database failure. (The command line's
/// arguments cannot carry a NUL; a tracker's cells can.)
fn nul_cell(row: &Row) -> Option<Rejection> {
    let mut columns: Vec<&String> = row
        .cells
        .iter()
        .filter(|(_, text)| text.contains('\0'))
        .map(|(column, _)| column)
        .collect();
    // The cells are a map: the first column by name, the same every run.
    columns.sort();
    columns.first().map(|column| Rejection {
        line: row.line,
        column: Some((*column).clone()),
        message: "holds a NUL character (U+0000), which no text may contain".into(),
    })
}

fn rejections(line: u64, problems: Vec<FieldError>) -> Vec<Rejection> {
    problems
        .into_iter()
        .map(|p| Rejection {
            line,
            column: Some(p.field.to_string()),
            message: p.message,
        })
        .collect()
}

/// What a row asks of the register, given what it already holds.
enum Step {
    Add(Box<crate::domain::NewAction>),
    Change(crate::domain::NewStatus),
    Unchanged,
}

fn step(
    row: &Row,
    existing: Option<&Action>,
    links: &Linkable,
    by: &str,
) -> Result<Step, Vec<FieldError>> {
    let Some(a) = existing else {
        let request = ActionRequest {
            id: cell(row, "id").unwrap_or_default(),
            origin: cell(row, "origin").unwrap_or_default(),
            reference: cell(row, "reference"),
            title: cell(row, "title").unwrap_or_default(),
            description: cell(row, "description"),
            owner: cell(row, "owner").unwrap_or_default(),
            due: cell(row, "due").unwrap_or_default(),
            status: cell(row, "status"),
            by: cell(row, "by"),
            reason: cell(row, "reason"),
            evidence: cell(row, "evidence"),
            service_level: cell(row, "service_level"),
            dr_system: cell(row, "dr_system"),
            commitment: cell(row, "commitment"),
        };
        return request.check(links, by).map(|n| Step::Add(Box::new(n)));
    };
    let status = cell(row, "status").unwrap_or_else(|| a.status().as_str().to_string());
    // A due date other than the one in force is a revised date.
    let revised = match cell(row, "due") {
        Some(d) => match parse_date(&d) {
            Ok(d) if d == a.due() => None,
            Ok(_) => Some(d),
            Err(message) => {
                return Err(vec![FieldError {
                    field: "due",
                    message,
                }]);
            }
        },
        None => None,
    };
    let request = StatusRequest {
        status,
        by: cell(row, "by"),
        reason: cell(row, "reason").unwrap_or_default(),
        evidence: cell(row, "evidence"),
        due: revised,
    };
    let same_status = crate::domain::ActionStatus::parse(&request.status) == Ok(a.status());
    if same_status && request.due.is_none() {
        return Ok(Step::Unchanged);
    }
    request.check(by).map(Step::Change)
}

/// Stores `rows` into `contract`'s register one by one; `by` names the
/// reviewer where a row has no `by`, `recorded_by` who imports.
pub async fn import(
    store: &Store,
    contract: &str,
    links: &Linkable,
    rows: &[Row],
    by: &str,
    recorded_by: &str,
    now: Instant,
) -> Result<Outcome, RecordError> {
    let mut known: BTreeMap<String, Action> = store
        .actions(contract)
        .await?
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect();
    let mut out = Outcome::default();
    for row in rows {
        if let Some(refused) = nul_cell(row) {
            out.rejected.push(refused);
            continue;
        }
        let id = cell(row, "id").unwrap_or_default().trim().to_string();
        match step(row, known.get(&id), links, by) {
            Err(problems) => out.rejected.extend(rejections(row.line, problems)),
            Ok(Step::Unchanged) => out.unchanged += 1,
            Ok(Step::Add(new)) => match store.add_action(contract, &new, recorded_by, now).await {
                Ok(a) => {
                    out.added.push(a.id.clone());
                    known.insert(a.id.clone(), a);
                }
                Err(RecordError::Store(e)) => return Err(RecordError::Store(e)),
                Err(e) => out.rejected.push(Rejection {
                    line: row.line,
                    column: Some("id".into()),
                    message: e.to_string(),
                }),
            },
            Ok(Step::Change(change)) => {
                let a = store
                    .record_action_status(contract, &id, &change, recorded_by, now)
                    .await?;
                out.changed.push(a.id.clone());
                known.insert(a.id.clone(), a);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_keep_their_lines_and_headers_read_as_people_write_them() {
        let csv = "ID,Origin,Title,Owner,Due date,Status\n\
                   a-1,IT DR,Test the plan,Head of IT,2026-03-31,Fully implemented\n\
                   \n\
                   a-2,IT DR,\"Write the\nrunbook\",Head of IT,2026-06-30,\n";
        let rows = read(Path::new("tracker.csv"), csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].cells["due"], "2026-03-31");
        assert_eq!(rows[0].cells["status"], "Fully implemented");
        // The blank line 3 is skipped; the second record starts on line 4
        // (its title spans lines 4 and 5) and has no status cell.
        assert_eq!(rows[1].line, 4);
        assert!(!rows[1].cells.contains_key("status"));
    }

    #[test]
    fn a_header_that_does_not_fit_is_refused_whole() {
        let e = read(Path::new("t.csv"), b"id,origin,title,owner,due,stauts\n").unwrap_err();
        assert!(
            e.starts_with("column 6 of the header, 'stauts', is not a column"),
            "{e}"
        );
        let e = read(Path::new("t.csv"), b"id,origin,title\n").unwrap_err();
        assert_eq!(e, "the header has no owner, due columns");
    }
}
