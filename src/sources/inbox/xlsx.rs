//! XLSX packs: the first sheet, whose first row names interchange columns
//! (see docs/book/src/integrators/formats.md) as a CSV header would; the record
//! kind comes from those names, or failing that from the file name. Other
//! sheets are ignored.
//!
//! Cells become the text an interchange file would hold. A date cell carries
//! no timezone, so it becomes a naive `YYYY-MM-DD HH:MM:SS`, read in the
//! contract's timezone exactly as a naive time in a CSV is. Rejections name
//! the spreadsheet's own row numbers.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use calamine::{Data, Reader, Xlsx};

use crate::import::Incoming;
use crate::import::fields::RecordKind;

/// Why a spreadsheet could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The file could not be opened: worth another try.
    Io(std::io::Error),
    /// The file is not a spreadsheet slawatch can read, for good.
    Refused(String),
}

/// Reads the first sheet's rows of the workbook in `file` (named `path`) as
/// interchange records. `columns` renames the header's columns to
/// interchange names first. A workbook that would unpack to more than
/// `max_unpacked_bytes` is refused before any of it is held.
pub fn read<R: Read + Seek>(
    mut file: R,
    path: &Path,
    columns: &BTreeMap<String, String>,
    max_unpacked_bytes: u64,
) -> Result<Vec<Incoming>, ReadError> {
    check_unpacked_size(&mut file, max_unpacked_bytes)?;
    let mut book = Xlsx::new(BufReader::new(file)).map_err(|e| refused(&e))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| ReadError::Refused("the workbook has no sheet".into()))?
        .map_err(|e| refused(&e))?;
    // The range starts at the first used cell; rows are numbered from 1.
    let first_row = i64::from(range.start().map_or(0, |(row, _)| row)) + 1;
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .ok_or_else(|| ReadError::Refused("the first sheet is empty".into()))?
        .iter()
        .map(|c| {
            let name = cell_text(c)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string();
            columns.get(&name).cloned().unwrap_or(name)
        })
        .collect();
    let names: Vec<&str> = header.iter().map(String::as_str).collect();
    let kind = RecordKind::detect(&names, path)
        .map_err(|reason| ReadError::Refused(format!("first sheet: {reason}")))?;
    let mut records = Vec::new();
    for (i, row) in rows.enumerate() {
        let fields: HashMap<String, String> = header
            .iter()
            .zip(row)
            .filter(|(name, _)| !name.is_empty())
            .map(|(name, cell)| (name.clone(), cell_text(cell)))
            .filter(|(_, text)| !text.trim().is_empty())
            .collect();
        if fields.is_empty() {
            continue;
        }
        records.push(Incoming {
            kind,
            fields,
            line: first_row + 1 + i as i64,
        });
    }
    Ok(records)
}

fn refused(e: &dyn std::fmt::Display) -> ReadError {
    ReadError::Refused(format!("not a readable XLSX file: {e}"))
}

/// Unpacks every part of the workbook without keeping any, refusing it once
/// more than `limit` bytes come out. The sizes a zip declares are the
/// sender's word, so what is counted is what actually unpacks.
fn check_unpacked_size<R: Read + Seek>(file: &mut R, limit: u64) -> Result<(), ReadError> {
    let mut archive = zip::ZipArchive::new(&mut *file).map_err(|e| refused(&e))?;
    let mut unpacked = 0u64;
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(|e| refused(&e))?;
        let room = limit.saturating_sub(unpacked).saturating_add(1);
        unpacked += io::copy(&mut entry.take(room), &mut io::sink()).map_err(|e| refused(&e))?;
        if unpacked > limit {
            return Err(ReadError::Refused(format!(
                "the workbook unpacks to more than {limit} bytes, the most slawatch reads \
                 ([limits] max_unpacked_bytes)"
            )));
        }
    }
    file.seek(SeekFrom::Start(0)).map_err(ReadError::Io)?;
    Ok(())
}

/// A cell as interchange text.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
        }
        Data::Empty => String::new(),
        // Numbers print without a needless ".0"; errors as Excel shows them
        // (#N/A), which a typed column then refuses.
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{ExcelDateTime, ExcelDateTimeType};

    #[test]
    fn cells_read_as_interchange_text() {
        // 46304.375 is 2026-10-09 09:00 (days since 1899-12-30, plus 9/24).
        let date = ExcelDateTime::new(46304.375, ExcelDateTimeType::DateTime, false);
        assert_eq!(cell_text(&Data::DateTime(date)), "2026-10-09 09:00:00");
        assert_eq!(cell_text(&Data::Float(97.0)), "97");
        assert_eq!(cell_text(&Data::Float(99.25)), "99.25");
        assert_eq!(cell_text(&Data::Int(42)), "42");
        assert_eq!(cell_text(&Data::Bool(false)), "false");
        assert_eq!(cell_text(&Data::String(" P1 ".into())), " P1 ");
        assert_eq!(cell_text(&Data::Empty), "");
    }
}
