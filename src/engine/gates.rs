//! The gates that open cost recovery where service credits are the sole
//! financial remedy (`costs_recoverable = "when_gate_open"`): a recorded
//! cost counts in its month's total claim only when a gate is open — for
//! the whole month from its figures (`cap_exceeded`, `critical_failure`,
//! `material_breach`) or on the cost itself, recorded by a person
//! (`wilful_default`, `data_loss`, `termination`). A cost with no gate open
//! stays listed, outside the total claim. Under `"always"` (the default)
//! every claimed cost counts, as before.

use super::MonthEvaluation;
use crate::contract::recovery::CostsRecoverable;
use crate::domain::cost_gate::open_gates;
use crate::domain::{Cost, CostGate, RecordedGate};

/// A gate that opens cost recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// The monthly cap cut the service credits (credits before the cap
    /// were more than the cap).
    CapExceeded,
    /// A line of the month is a critical service level failure.
    CriticalFailure,
    /// The month is a material breach (decided by the escalation ladder).
    MaterialBreach,
    /// A person recorded this gate on the cost.
    Recorded(RecordedGate),
}

impl Gate {
    /// The gate's name, as configured, recorded and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Gate::CapExceeded => "cap_exceeded",
            Gate::CriticalFailure => "critical_failure",
            Gate::MaterialBreach => "material_breach",
            Gate::Recorded(g) => g.as_str(),
        }
    }
}

/// The gates open for a whole month, from its figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonthGates {
    /// The monthly cap cut the credits.
    pub cap_exceeded: bool,
    /// A line is a critical failure (an excused month is not).
    pub critical_failure: bool,
    /// The month is a material breach: an input, closed until the
    /// escalation ladder decides it.
    pub material_breach: bool,
}

impl MonthGates {
    /// The gates `evaluation` opens; `material_breach` comes from the
    /// escalation ladder (pass `false` where it is not known).
    pub fn of(evaluation: &MonthEvaluation, material_breach: bool) -> MonthGates {
        MonthGates {
            cap_exceeded: evaluation.credits.before_cap_minor > evaluation.credits.cap_minor
                || evaluation.annual.is_some_and(|a| a.annual_cut_minor > 0),
            critical_failure: evaluation.levels.iter().any(|l| l.critical),
            material_breach,
        }
    }

    /// The open gates, in the order they are named.
    pub fn open(&self) -> Vec<Gate> {
        [
            (self.cap_exceeded, Gate::CapExceeded),
            (self.critical_failure, Gate::CriticalFailure),
            (self.material_breach, Gate::MaterialBreach),
        ]
        .into_iter()
        .filter_map(|(open, gate)| open.then_some(gate))
        .collect()
    }
}

/// Whether a cost counts in its month's total claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recoverability {
    /// The contract recovers costs always: no gate is needed.
    Always,
    /// This gate is open, so the cost counts (the first open one: the
    /// month's gates in their order, then the cost's own).
    Open(Gate),
    /// No gate is open: the cost stays listed, outside the total claim.
    NoGateOpen,
}

impl Recoverability {
    /// Whether the cost counts in the total claim.
    pub fn counts(self) -> bool {
        !matches!(self, Recoverability::NoGateOpen)
    }

    /// In words, for the report: `recoverable: cap_exceeded`, or
    /// `not recoverable: no gate open`; empty under `always`.
    pub fn describe(self) -> String {
        match self {
            Recoverability::Always => String::new(),
            Recoverability::Open(g) => format!("recoverable: {}", g.as_str()),
            Recoverability::NoGateOpen => "not recoverable: no gate open".to_string(),
        }
    }
}

/// Whether `cost` counts under `terms`, with the month's gates and every
/// gate record of the month's costs.
pub fn recoverability(
    terms: CostsRecoverable,
    month: &MonthGates,
    records: &[CostGate],
    cost: &Cost,
) -> Recoverability {
    if terms == CostsRecoverable::Always {
        return Recoverability::Always;
    }
    month
        .open()
        .into_iter()
        .chain(
            open_gates(records, cost.id)
                .into_iter()
                .map(|r| Gate::Recorded(r.gate)),
        )
        .next()
        .map_or(Recoverability::NoGateOpen, Recoverability::Open)
}

/// The sum of the claimed costs among `costs` that count under `terms`
/// (not removed, not withdrawn after a dispute, and recoverable).
pub fn counted_costs_minor(
    terms: CostsRecoverable,
    month: &MonthGates,
    records: &[CostGate],
    costs: &[Cost],
) -> i64 {
    costs
        .iter()
        .filter(|c| c.is_claimed() && recoverability(terms, month, records, c).counts())
        .map(|c| c.amount_minor)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Instant;

    fn cost(id: i64, amount_minor: i64) -> Cost {
        Cost {
            id,
            date: chrono::NaiveDate::from_ymd_opt(2026, 10, 9).unwrap_or_default(),
            amount_minor,
            description: "Agency staff".into(),
            evidence: "PO 1".into(),
            breach: None,
            recorded_by: Some("J. Smith".into()),
            recorded_at: Instant::default(),
            removed: None,
            dispute: None,
        }
    }

    fn gate(id: i64, cost: i64, gate: RecordedGate, withdrawn: bool) -> CostGate {
        CostGate {
            id,
            cost,
            gate,
            withdrawn,
            reason: "r".into(),
            recorded_by: "A. Jones".into(),
            recorded_at: Instant::default(),
        }
    }

    #[test]
    fn always_needs_no_gate() {
        let costs = [cost(1, 240_000), cost(2, 10_000)];
        let closed = MonthGates::default();
        // 2,400.00 + 100.00 = 2,500.00, gates or not.
        assert_eq!(
            counted_costs_minor(CostsRecoverable::Always, &closed, &[], &costs),
            250_000
        );
        assert_eq!(
            recoverability(CostsRecoverable::Always, &closed, &[], &costs[0]),
            Recoverability::Always
        );
    }

    #[test]
    fn with_no_gate_open_a_cost_is_outside_the_claim() {
        let costs = [cost(1, 240_000), cost(2, 10_000)];
        let closed = MonthGates::default();
        let terms = CostsRecoverable::WhenGateOpen;
        assert_eq!(counted_costs_minor(terms, &closed, &[], &costs), 0);
        assert_eq!(
            recoverability(terms, &closed, &[], &costs[0]).describe(),
            "not recoverable: no gate open"
        );
        // A data-loss gate recorded on cost 2 only: 100.00 counts.
        let records = [gate(1, 2, RecordedGate::DataLoss, false)];
        assert_eq!(
            counted_costs_minor(terms, &closed, &records, &costs),
            10_000
        );
        assert_eq!(
            recoverability(terms, &closed, &records, &costs[1]).describe(),
            "recoverable: data_loss"
        );
        // Withdrawn again: nothing counts.
        let records = [
            gate(1, 2, RecordedGate::DataLoss, false),
            gate(2, 2, RecordedGate::DataLoss, true),
        ];
        assert_eq!(counted_costs_minor(terms, &closed, &records, &costs), 0);
    }

    #[test]
    fn a_month_gate_opens_every_cost_of_the_month() {
        let costs = [cost(1, 240_000), cost(2, 10_000)];
        let cap = MonthGates {
            cap_exceeded: true,
            ..MonthGates::default()
        };
        let terms = CostsRecoverable::WhenGateOpen;
        // Both costs: 2,400.00 + 100.00.
        assert_eq!(counted_costs_minor(terms, &cap, &[], &costs), 250_000);
        // The month's gate is named before a gate recorded on the cost.
        let records = [gate(1, 1, RecordedGate::Termination, false)];
        assert_eq!(
            recoverability(terms, &cap, &records, &costs[0]),
            Recoverability::Open(Gate::CapExceeded)
        );
        let breach = MonthGates {
            material_breach: true,
            ..MonthGates::default()
        };
        assert_eq!(breach.open(), [Gate::MaterialBreach]);
    }
}
