//! Domain types parsed once at the edge (configuration, import) so that the
//! engine never sees a naked float of pounds or a naive time.
//!
//! # Layout
//! - [`money`]: amounts in integer minor units and exact percentage rates.
//! - [`percent`]: percentages with a fixed precision and exact ratios.
//! - [`period`]: a calendar month in a timezone.
//! - [`duration`]: `4h`, `1h30m` style durations and `12 months` recurrences.
//! - [`display`]: figures as people read them (local time with its zone, money
//!   with its symbol, durations in words, percentages at the report's precision).
//! - [`time`]: instants in UTC and the rules for reading local times.
//! - [`wall_clock`]: where "now" comes from (the system's clock, or a test's).
//! - [`evidence`]: the normalised evidence records (incidents, holds, outages, work items, supplier figures).
//! - [`rewrite`]: evidence changed after the fact, its verdict effects and direction.
//! - [`sla_verdict`]: the supplier's own SLA verdicts read from ServiceNow.
//! - [`cost`], [`excusal`], [`dispute`] and [`audit`]: what people record
//!   about a month — recoverable costs, excusals, disputes — and the trail
//!   of every such change.
//! - [`credit_note`]: what the supplier credited or refused against the
//!   issued claims.
//! - [`evidence_file`]: files (PDF, image, email) behind those records.
//! - [`cost_gate`]: gates a person records on a cost (wilful default, data
//!   loss, termination), which open cost recovery under a sole-remedy clause.
//! - [`action`]: actions agreed after an audit or a committee resolution,
//!   their status on the auditors' scale and its history.

pub mod action;
pub mod audit;
pub mod cause;
pub mod cost;
pub mod cost_gate;
pub mod credit_note;
pub mod display;
pub mod dispute;
pub mod duration;
pub mod evidence;
pub mod evidence_file;
pub mod excusal;
pub mod money;
pub mod percent;
pub mod period;
pub mod rewrite;
pub mod sla_verdict;
pub mod time;
pub mod wall_clock;

pub use action::{Action, ActionLinks, ActionStatus, NewAction, NewStatus, StatusChange};
pub use audit::{AuditEntry, MonthRecords};
pub use cause::{Cause, CauseSubject, NewCause, RecordedCause};
pub use cost::{Cost, CostBreach, NewCost, Removal};
pub use cost_gate::{CostGate, RecordedGate};
pub use credit_note::{CreditNote, NewCreditNote, NoteKind};
pub use dispute::{Dispute, DisputeStatus, DisputeSubject};
pub use duration::{Months, parse_duration_seconds};
pub use evidence::{
    ChangeType, ClockUnknown, Hold, Impact, Incident, Outage, Priority, RecoverableCost,
    SupplierKpi, WorkKind, WorkTally,
};
pub use evidence_file::{EvidenceFile, EvidenceSubject, NewEvidenceFile};
pub use excusal::{Excusal, ExcusalTarget, ExcusedInterval, Revocation};
pub use money::{Currency, Money};
pub use percent::{Percent, Ratio, Weight};
pub use period::Period;
pub use sla_verdict::SlaVerdict;
pub use time::Instant;
pub use wall_clock::WallClock;
