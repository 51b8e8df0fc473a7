//! Reading a supplier's file one record at a time without letting one record
//! grow without bound. An unclosed quote in a CSV makes the rest of the file
//! one field, and a JSON Lines file without line ends is one line: either
//! would be held in memory whole. Both stop at the configured
//! `max_record_bytes` instead.

use std::fmt;
use std::io::{self, BufRead, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A CSV row or JSON Lines line longer than the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordTooLong {
    /// The limit, in bytes.
    pub limit: u64,
}

impl fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "longer than {} bytes, the most a record may hold ([limits] max_record_bytes)",
            self.limit
        )
    }
}

impl std::error::Error for RecordTooLong {}

/// What the CSV reader may hold beyond the record it is reading: its own
/// read-ahead buffer (8 KiB by default), with room to spare.
const READ_AHEAD: u64 = 64 * 1024;

/// Passes reads through, failing with [`RecordTooLong`] once more than the
/// limit has been read since the current record began. The CSV reader runs
/// over it; the import loop marks where each record begins.
pub(super) struct RecordBound<R> {
    inner: R,
    /// Bytes handed out so far.
    read: u64,
    /// Where the record being read begins (bytes into the file).
    record_start: Arc<AtomicU64>,
    limit: u64,
}

impl<R: Read> RecordBound<R> {
    /// Wraps `inner`; the returned handle is told where each record begins.
    pub fn new(inner: R, limit: u64) -> (RecordBound<R>, Arc<AtomicU64>) {
        let record_start = Arc::new(AtomicU64::new(0));
        let bound = RecordBound {
            inner,
            read: 0,
            record_start: Arc::clone(&record_start),
            limit,
        };
        (bound, record_start)
    }
}

impl<R: Read> Read for RecordBound<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let start = self.record_start.load(Ordering::Relaxed);
        if self.read.saturating_sub(start) > self.limit.saturating_add(READ_AHEAD) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                RecordTooLong { limit: self.limit },
            ));
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// The [`RecordTooLong`] inside an I/O error, if that is what it is.
pub(super) fn too_long(e: &io::Error) -> Option<RecordTooLong> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<RecordTooLong>())
        .copied()
}

/// One line of a JSON Lines file.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Line {
    /// The line, without its line end, in the buffer given.
    Read,
    /// Longer than the limit: skipped to its end, nothing kept.
    TooLong,
}

/// Reads the next line into `line` (without its `\n`), keeping at most
/// `limit` bytes; `None` at the end of the input.
pub(super) fn read_line(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    limit: u64,
) -> io::Result<Option<Line>> {
    line.clear();
    let mut too_long = false;
    let mut any = false;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(any.then_some(if too_long { Line::TooLong } else { Line::Read }));
        }
        any = true;
        let end = buf.iter().position(|&b| b == b'\n');
        let chunk = &buf[..end.unwrap_or(buf.len())];
        if !too_long {
            if (line.len() + chunk.len()) as u64 > limit {
                too_long = true;
                line.clear();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        let used = end.map_or(buf.len(), |i| i + 1);
        reader.consume(used);
        if end.is_some() {
            return Ok(Some(if too_long { Line::TooLong } else { Line::Read }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], limit: u64) -> Vec<Result<String, Line>> {
        // A tiny buffer, so lines cross buffer boundaries.
        let mut reader = io::BufReader::with_capacity(3, input);
        let mut line = Vec::new();
        let mut out = Vec::new();
        while let Some(read) = read_line(&mut reader, &mut line, limit).unwrap() {
            out.push(match read {
                Line::Read => Ok(String::from_utf8(line.clone()).unwrap()),
                Line::TooLong => Err(Line::TooLong),
            });
        }
        out
    }

    #[test]
    fn lines_over_the_limit_are_skipped_and_the_next_ones_read() {
        assert_eq!(
            lines(b"ab\n0123456789\ncd", 5),
            vec![Ok("ab".into()), Err(Line::TooLong), Ok("cd".into())]
        );
        assert_eq!(lines(b"12345\n", 5), vec![Ok("12345".into())]);
        assert_eq!(lines(b"123456", 5), vec![Err(Line::TooLong)]);
        assert_eq!(lines(b"", 5), Vec::new());
    }

    #[test]
    fn a_csv_reader_stops_at_a_record_over_the_limit() {
        // An unclosed quote: the rest of a 1 MB input is one field.
        let mut input = b"id,title\n1,\"never closed\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 1_000_000));
        let (bound, _start) = RecordBound::new(&input[..], 1000);
        let mut csv = csv::Reader::from_reader(bound);
        let mut record = csv::StringRecord::new();
        let e = csv.read_record(&mut record).unwrap_err();
        let csv::ErrorKind::Io(io) = e.kind() else {
            panic!("an I/O error: {e}");
        };
        assert_eq!(too_long(io), Some(RecordTooLong { limit: 1000 }));
    }
}
