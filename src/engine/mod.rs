//! The measures (see docs/book/src/reference/measures.md), pure:
//! evidence in, figures out, "now" passed in. The CLI, the daemon and the
//! report all call [`evaluate_month`], so they can never disagree.
//!
//! # Layout
//! - [`spans`]: union and difference of intervals.
//! - [`clock`]: an incident clock, its deadline and verdict (§2.2).
//! - [`clock_stops`]: how the supplier stops its clocks in a month: holds, priority changes, reopenings, deadline clustering.
//! - [`incidents`]: threshold service levels and the assessment month (§2.2–2.3).
//! - [`availability`]: downtime in service hours (§2.4).
//! - [`credits`]: each line's credit under its scheme, the low-volume rule, the monthly cap.
//! - [`contract_year`]: a month in its history: the repeat multiplier and the annual cap.
//! - [`commitments`]: the commitments register: occurrences, status, delay payments (§2.7).
//! - [`commitment_categories`]: commitments summed per category and month or quarter: committed, delivered, accepted, late, overdue.
//! - [`assurance`]: a closed month's assurance rating (green, amber, red) with its reasons, and the trend over six months.
//! - [`follow_up`]: the actions register summed per origin, as a follow-up review tabulates it.
//! - [`records`]: what people recorded (excusals and disputes), as the engine applies it.
//! - [`evaluate`]: one contract-month, every service level.
//! - [`live`]: the month in progress: its figures so far and each open incident's stage.
//! - [`standing`]: where each line of the month in progress stands: failing so far, at risk (and what would rescue it) or certain to fail.
//! - [`reconcile`]: the supplier's own figures against slawatch's (discrepancies).
//! - [`verdicts`]: the supplier's per-incident SLA verdicts against slawatch's.
//! - [`completeness`]: gaps in the feeds (months without data, open ends).
//! - [`dr`]: the disaster-recovery register: flags per system, the supplier's DR risk rating.
//! - [`escalation`]: the escalation ladder: which rules each month triggers, and on what grounds.
//! - [`gates`]: the gates that open cost recovery under a sole-remedy clause.
//! - [`recovery`]: money actually recovered: issued claims against credit notes and refusals.

pub mod appendix;
pub mod assurance;
pub mod availability;
pub mod clock;
pub mod clock_stops;
pub mod commitment_categories;
pub mod commitments;
pub mod completeness;
pub mod contract_year;
pub mod credits;
pub mod dr;
pub mod escalation;
pub mod evaluate;
pub mod follow_up;
pub mod gates;
pub mod incidents;
pub mod live;
pub mod reconcile;
pub mod records;
pub mod recovery;
pub mod spans;
pub mod standing;
pub mod verdicts;

pub use evaluate::{
    Evidence, Figures, LevelResult, MonthEvaluation, Preceding, Status, evaluate_month,
    evaluate_month_after,
};
