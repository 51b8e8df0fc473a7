//! A rewrite: a change to a value the store already held for a record,
//! received long after the instants it touches — a correction that can move
//! a figure after the fact, and the way an SLA is gamed.

use super::{Instant, Period};

/// Which way a rewrite moves the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// It helps the supplier: a breach turned into anything else, downtime
    /// shortened, a priority lowered, a hold added in the past, reactive work
    /// reclassified as proactive.
    Favourable,
    /// It hurts the supplier: the reverse of the above.
    Unfavourable,
    /// It moves nothing that counts.
    Neutral,
}

impl Direction {
    /// `favourable`, `unfavourable` or `neutral` (favourable to the supplier).
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Favourable => "favourable",
            Direction::Unfavourable => "unfavourable",
            Direction::Neutral => "neutral",
        }
    }

    /// The word back into a direction.
    pub fn parse(text: &str) -> Option<Direction> {
        match text {
            "favourable" => Some(Direction::Favourable),
            "unfavourable" => Some(Direction::Unfavourable),
            "neutral" => Some(Direction::Neutral),
            _ => None,
        }
    }
}

/// A verdict before or after a rewrite, for one service level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The level was met.
    Met,
    /// The level was breached.
    Breached,
    /// Not yet decided.
    Pending,
    /// The level does not apply (another priority, service or month).
    NotApplicable,
}

impl Verdict {
    /// `met`, `breached`, `pending` or `not_applicable`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Breached => "breached",
            Verdict::Pending => "pending",
            Verdict::NotApplicable => "not_applicable",
        }
    }

    /// The word back into a verdict.
    pub fn parse(text: &str) -> Option<Verdict> {
        match text {
            "met" => Some(Verdict::Met),
            "breached" => Some(Verdict::Breached),
            "pending" => Some(Verdict::Pending),
            "not_applicable" => Some(Verdict::NotApplicable),
            _ => None,
        }
    }
}

/// What a rewrite did to one service level's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    /// The service level's id.
    pub level: String,
    /// The verdict before.
    pub before: Verdict,
    /// The verdict after.
    pub after: Verdict,
}

/// One rewrite as it bears on one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// The contract.
    pub contract: String,
    /// The month it bears on.
    pub period: Period,
    /// The import that brought it.
    pub import_id: i64,
    /// The source (or `cli`) whose import it was.
    pub source: String,
    /// `customer`, `supplier` or `person` (a correction).
    pub party: String,
    /// `incident`, `hold`, `outage` or `work_item`.
    pub kind: String,
    /// The record's id (a hold's incident).
    pub record: String,
    /// What changed, before → after, in words (escape wherever shown).
    pub change: String,
    /// Which way it moves the figures.
    pub direction: Direction,
    /// Per service level it bears on in the month, the verdict before and after.
    pub effects: Vec<Effect>,
    /// When the store received it.
    pub received_at: Instant,
}
