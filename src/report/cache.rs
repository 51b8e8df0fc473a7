//! The daemon's cache of month reports, as rendered for the month API: a
//! report is assembled again only when something it rests on has changed.
//!
//! A cached report is found by its [`MonthKey`], everything that can change
//! it apart from time: the contract and month, the `known_at` asked for,
//! the contract's revision in the store (moved by every import that stored
//! or changed its evidence and by every record, register entry, issue or
//! mark written for it) and a fingerprint of the definitions in force (the
//! contract's terms and calendars as configured). Time is handled by how
//! long an entry may be served ([`Freshness`]): a month that is over and
//! has nothing still open is served until the contract's next midnight
//! (commitments, the DR register and the recovery of claims are dated in
//! days); a month still running, or one with an incident or outage still
//! open (whose clock still runs), until the next minute; a report "as known
//! at" an instant for as long as the revision stands. The report's
//! `evaluated_at` says which instant it was assembled at.
//!
//! Entries are kept within a budget of bytes, the least recently used
//! dropped first.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;

use bytes::Bytes;
use chrono::{Days, Duration, DurationRound};
use chrono_tz::Tz;

use crate::config::Config;
use crate::contract::Contract;
use crate::domain::{Instant, Period};

/// Everything but time that can change a month's report.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MonthKey {
    /// The contract's id.
    pub contract: String,
    /// The month.
    pub period: Period,
    /// The instant the store is read as at (Unix seconds), when asked for.
    pub known_at: Option<i64>,
    /// The contract's revision in the store, read before the report was assembled.
    pub revision: i64,
    /// [`definitions`] of the contract.
    pub definitions: u64,
}

/// How long a cached report may be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Until this instant (exclusive).
    Until(Instant),
    /// As long as its key stands: a report as known at a past instant.
    WhileUnchanged,
}

impl Freshness {
    /// How long a report assembled at `now` may be served: `known_at` when
    /// it was asked as known at an instant, `settled` when its month is
    /// over and nothing bearing on it is still open; `tz` is the contract's.
    pub fn of(tz: Tz, known_at: bool, settled: bool, now: Instant) -> Freshness {
        if known_at {
            return Freshness::WhileUnchanged;
        }
        let next_minute = now
            .duration_trunc(Duration::minutes(1))
            .map_or(now, |m| m + Duration::minutes(1));
        if !settled {
            return Freshness::Until(next_minute);
        }
        let midnight = now
            .with_timezone(&tz)
            .date_naive()
            .checked_add_days(Days::new(1))
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|d| d.and_local_timezone(tz).earliest())
            .map(|d| d.to_utc());
        Freshness::Until(midnight.unwrap_or(next_minute))
    }

    fn serves(self, at: Instant, now: Instant) -> bool {
        match self {
            // A clock set back (tests, a corrected host clock) is not served
            // a report from its future.
            Freshness::Until(until) => at <= now && now < until,
            Freshness::WhileUnchanged => true,
        }
    }
}

/// A fingerprint of what `contract`'s reports are measured against as
/// configured: its own terms, the calendars and the settings reports use.
/// The daemon reads its configuration once, so within one daemon it only
/// separates contracts; it keeps a cache shared by configurations honest.
pub fn definitions(config: &Config, contract: &Contract) -> u64 {
    let mut hasher = DefaultHasher::new();
    format!(
        "{contract:?}{:?}{:?}{:?}",
        config.calendars, config.reconciliation, config.alerts.at_risk_share
    )
    .hash(&mut hasher);
    hasher.finish()
}

struct Entry {
    body: Bytes,
    at: Instant,
    freshness: Freshness,
    used: u64,
}

#[derive(Default)]
struct Entries {
    map: HashMap<MonthKey, Entry>,
    bytes: usize,
    clock: u64,
}

/// Rendered month reports by [`MonthKey`], within a byte budget.
pub struct MonthCache {
    budget: usize,
    entries: Mutex<Entries>,
}

impl std::fmt::Debug for MonthCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MonthCache")
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

impl MonthCache {
    /// An empty cache holding at most `budget` bytes of reports (0: none).
    pub fn new(budget: usize) -> MonthCache {
        MonthCache {
            budget,
            entries: Mutex::new(Entries::default()),
        }
    }

    /// The report cached under `key`, if it may still be served at `now`.
    pub fn get(&self, key: &MonthKey, now: Instant) -> Option<Bytes> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.clock += 1;
        let clock = entries.clock;
        let entry = entries.map.get_mut(key)?;
        if !entry.freshness.serves(entry.at, now) {
            return None;
        }
        entry.used = clock;
        Some(entry.body.clone())
    }

    /// Keeps `body`, the report assembled at `at`, under `key`; drops the
    /// least recently used reports beyond the budget, and stale ones of
    /// the same month.
    pub fn put(&self, key: MonthKey, body: Bytes, at: Instant, freshness: Freshness) {
        if body.len() > self.budget {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.clock += 1;
        let used = entries.clock;
        // An older revision of the same month will never be asked for again.
        let stale: Vec<MonthKey> = entries
            .map
            .keys()
            .filter(|k| {
                k.contract == key.contract && k.period == key.period && k.known_at == key.known_at
            })
            .cloned()
            .collect();
        for k in stale {
            if let Some(old) = entries.map.remove(&k) {
                entries.bytes -= old.body.len();
            }
        }
        while entries.bytes + body.len() > self.budget {
            let Some(oldest) = entries
                .map
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(old) = entries.map.remove(&oldest) {
                entries.bytes -= old.body.len();
            }
        }
        entries.bytes += body.len();
        entries.map.insert(
            key,
            Entry {
                body,
                at,
                freshness,
                used,
            },
        );
    }

    /// Bytes of reports held.
    pub fn bytes(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(contract: &str, month: &str, revision: i64) -> MonthKey {
        MonthKey {
            contract: contract.to_string(),
            period: month.parse().unwrap(),
            known_at: None,
            revision,
            definitions: 7,
        }
    }

    fn at(s: &str) -> Instant {
        s.parse().unwrap()
    }

    #[test]
    fn a_report_is_served_until_it_goes_stale() {
        let cache = MonthCache::new(1000);
        let k = key("acme", "2026-10", 3);
        let until = Freshness::Until(at("2026-11-06T00:00:00Z"));
        cache.put(
            k.clone(),
            Bytes::from_static(b"{}"),
            at("2026-11-05T09:00:00Z"),
            until,
        );
        assert!(cache.get(&k, at("2026-11-05T23:59:59Z")).is_some());
        assert!(cache.get(&k, at("2026-11-06T00:00:00Z")).is_none());
        // Not before it was assembled either.
        assert!(cache.get(&k, at("2026-11-05T08:59:59Z")).is_none());
        // Another revision, another contract: not this report.
        assert!(
            cache
                .get(&key("acme", "2026-10", 4), at("2026-11-05T10:00:00Z"))
                .is_none()
        );
        assert!(
            cache
                .get(&key("other", "2026-10", 3), at("2026-11-05T10:00:00Z"))
                .is_none()
        );
    }

    /// A settled month is served until the contract's next midnight (in
    /// London: 00:00 GMT in winter, 23:00 UTC the day before in summer,
    /// and across the clock change of 25 October 2026); one still running
    /// until the next minute; one known at an instant while unchanged.
    #[test]
    fn freshness_follows_the_contracts_days() {
        let london = chrono_tz::Europe::London;
        let until = |s: &str| Freshness::Until(at(s));
        assert_eq!(
            Freshness::of(london, false, true, at("2026-07-01T12:00:00Z")),
            until("2026-07-01T23:00:00Z")
        );
        // 25 October: BST until 01:00 UTC, then GMT; its midnight is 00:00 UTC on the 26th.
        assert_eq!(
            Freshness::of(london, false, true, at("2026-10-25T00:30:00Z")),
            until("2026-10-26T00:00:00Z")
        );
        assert_eq!(
            Freshness::of(london, false, false, at("2026-11-05T09:14:59Z")),
            until("2026-11-05T09:15:00Z")
        );
        assert_eq!(
            Freshness::of(london, true, false, at("2026-11-05T09:14:59Z")),
            Freshness::WhileUnchanged
        );
    }

    #[test]
    fn the_budget_drops_the_least_recently_used_and_older_revisions() {
        let cache = MonthCache::new(10);
        let now = at("2026-11-05T09:00:00Z");
        let f = Freshness::WhileUnchanged;
        let (a, b, c) = (
            key("a", "2026-10", 1),
            key("b", "2026-10", 1),
            key("c", "2026-10", 1),
        );
        cache.put(a.clone(), Bytes::from_static(b"aaaa"), now, f);
        cache.put(b.clone(), Bytes::from_static(b"bbbb"), now, f);
        // a used since b: b is the one dropped for c (4 + 4 + 4 > 10).
        assert!(cache.get(&a, now).is_some());
        cache.put(c.clone(), Bytes::from_static(b"cccc"), now, f);
        assert!(cache.get(&b, now).is_none());
        assert!(cache.get(&a, now).is_some() && cache.get(&c, now).is_some());
        assert_eq!(cache.bytes(), 8);
        // A new revision of a replaces the old one.
        cache.put(key("a", "2026-10", 2), Bytes::from_static(b"a2"), now, f);
        assert!(cache.get(&a, now).is_none());
        assert_eq!(cache.bytes(), 6);
        // Too big for the budget: not kept.
        cache.put(key("d", "2026-10", 1), Bytes::from(vec![0; 11]), now, f);
        assert!(cache.get(&key("d", "2026-10", 1), now).is_none());
    }
}
