//! Half-open intervals of instants and the set operations the measures need:
//! union (overlapping outages count once) and difference (partial outage time
//! already covered by a full outage, clock time covered by a hold).

use crate::domain::Instant;

/// A half-open interval `[start, end)` of instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span {
    /// First instant inside.
    pub start: Instant,
    /// First instant after.
    pub end: Instant,
}

impl Span {
    /// A span; `None` when empty.
    pub fn new(start: Instant, end: Instant) -> Option<Span> {
        (start < end).then_some(Span { start, end })
    }

    /// The part of this span inside `[from, to)`.
    pub fn clip(self, from: Instant, to: Instant) -> Option<Span> {
        Span::new(self.start.max(from), self.end.min(to))
    }
}

/// Sorts and merges spans so that no two overlap or touch.
pub fn union(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        match out.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => out.push(s),
        }
    }
    out
}

/// The parts of `spans` not covered by `minus`; both must be merged (see [`union`]).
pub fn difference(spans: &[Span], minus: &[Span]) -> Vec<Span> {
    let mut out = Vec::new();
    for s in spans {
        let mut cursor = s.start;
        for m in minus.iter().filter(|m| m.end > s.start && m.start < s.end) {
            if m.start > cursor {
                out.push(Span {
                    start: cursor,
                    end: m.start,
                });
            }
            cursor = cursor.max(m.end);
        }
        if cursor < s.end {
            out.push(Span {
                start: cursor,
                end: s.end,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    fn at(h: i64) -> Instant {
        Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap() + Duration::hours(h)
    }

    fn sp(a: i64, b: i64) -> Span {
        Span::new(at(a), at(b)).unwrap()
    }

    #[test]
    fn union_merges_overlapping_and_touching_spans() {
        assert_eq!(
            union(vec![sp(5, 7), sp(1, 3), sp(2, 4), sp(4, 5)]),
            vec![sp(1, 7)]
        );
        assert_eq!(union(vec![sp(1, 2), sp(3, 4)]), vec![sp(1, 2), sp(3, 4)]);
    }

    #[test]
    fn difference_removes_covered_time() {
        assert_eq!(
            difference(&[sp(0, 10)], &[sp(2, 3), sp(5, 12)]),
            vec![sp(0, 2), sp(3, 5)]
        );
        assert_eq!(difference(&[sp(0, 4)], &[sp(0, 4)]), vec![]);
        assert_eq!(
            difference(&[sp(0, 4), sp(6, 8)], &[]),
            vec![sp(0, 4), sp(6, 8)]
        );
    }
}
