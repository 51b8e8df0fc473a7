//! Rewrites: evidence the store already held, changed after the fact, with
//! what each change did to the verdicts and which way it cuts.

use std::fmt;
use std::str::FromStr;

use super::{Instant, Period};

/// Which way a rewrite cuts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// It helps the supplier: a breach undone, downtime shortened, a
    /// priority lowered, a hold added in the past, reactive work made proactive.
    Favourable,
    /// It counts against the supplier: the reverse of any of those.
    Unfavourable,
    /// Neither.
    Neutral,
}

impl Direction {
    /// Every direction, in the order reports list them.
    pub const ALL: [Direction; 3] = [
        Direction::Favourable,
        Direction::Unfavourable,
        Direction::Neutral,
    ];

    /// `favourable`, `unfavourable` or `neutral` (to the supplier).
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Favourable => "favourable",
            Direction::Unfavourable => "unfavourable",
            Direction::Neutral => "neutral",
        }
    }
}

impl FromStr for Direction {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Direction::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| format!("unknown rewrite direction {s:?}"))
    }
}

/// A record's verdict against one service level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within the target (or, for a month's level, the target attained).
    Met,
    /// Outside it.
    Breached,
    /// Still running.
    Pending,
    /// The level does not measure the record.
    NotApplicable,
}

impl Verdict {
    /// Every verdict.
    pub const ALL: [Verdict; 4] = [
        Verdict::Met,
        Verdict::Breached,
        Verdict::Pending,
        Verdict::NotApplicable,
    ];

    /// `met`, `breached`, `pending` or `not_applicable`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Breached => "breached",
            Verdict::Pending => "pending",
            Verdict::NotApplicable => "not_applicable",
        }
    }
}

impl FromStr for Verdict {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Verdict::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown verdict {s:?}"))
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a rewrite did to one service level's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    /// The service level.
    pub service_level: String,
    /// The month the verdict is assessed in, when it is.
    pub period: Option<Period>,
    /// The verdict on the evidence held before the rewrite.
    pub before: Verdict,
    /// The verdict with it.
    pub after: Verdict,
}

/// A rewrite found at ingest, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// The contract.
    pub contract: String,
    /// The import that brought it.
    pub import_id: i64,
    /// The import's writer: a source id, or `cli`.
    pub source: String,
    /// A person's name, when the import was their correction.
    pub corrected_by: Option<String>,
    /// `incident`, `hold`, `outage` or `work_item`.
    pub kind: String,
    /// The record's key in words.
    pub record: String,
    /// Each changed value, before → after.
    pub change: String,
    /// Which way it cuts.
    pub direction: Direction,
    /// What makes it that direction.
    pub why: String,
    /// Its effect on each service level it bears on.
    pub effects: Vec<Effect>,
    /// The months it bears on.
    pub periods: Vec<Period>,
    /// When the store received it.
    pub received_at: Instant,
}

/// The credit of one month before and after one import's rewrites (and
/// nothing else the import brought).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditMoved {
    /// The month.
    pub period: Period,
    /// The import.
    pub import_id: i64,
    /// The month's credit, after the cap, on the evidence held before.
    pub before_minor: i64,
    /// The same with the import's rewrites applied.
    pub after_minor: i64,
}
