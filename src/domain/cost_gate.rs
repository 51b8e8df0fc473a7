//! Gates a person records on a recoverable cost. Where the contract makes
//! service credits the sole financial remedy (`costs_recoverable =
//! "when_gate_open"`), a cost is claimed only when a gate is open: some
//! open for the whole month from the figures (the cap cut the credits, a
//! critical failure, a material breach), and these three only a person can
//! know and records on the cost itself, with the reason. Insert-only: a gate
//! recorded by mistake is withdrawn by a later record, and the latest record
//! of a gate on a cost decides whether it is open.

use super::time::Instant;

/// A gate only a person can open, on one cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordedGate {
    /// The supplier's wilful default caused the cost.
    WilfulDefault,
    /// The cost arose from a loss of the customer's data.
    DataLoss,
    /// The cost arose from the contract's termination.
    Termination,
}

impl RecordedGate {
    /// Every recorded gate, in the order they are shown.
    pub const ALL: [RecordedGate; 3] = [
        RecordedGate::WilfulDefault,
        RecordedGate::DataLoss,
        RecordedGate::Termination,
    ];

    /// `wilful_default`, `data_loss` or `termination`, as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordedGate::WilfulDefault => "wilful_default",
            RecordedGate::DataLoss => "data_loss",
            RecordedGate::Termination => "termination",
        }
    }

    /// Reads the stored (and command-line) spelling; the error lists the
    /// choices.
    pub fn parse(text: &str) -> Result<RecordedGate, String> {
        RecordedGate::ALL
            .into_iter()
            .find(|g| g.as_str() == text.trim())
            .ok_or_else(|| {
                format!(
                    "'{text}' is not a gate (expected wilful_default, data_loss or termination)"
                )
            })
    }
}

impl std::fmt::Display for RecordedGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One record of a gate on a cost: opened, or withdrawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostGate {
    /// Its id.
    pub id: i64,
    /// The cost it is recorded on.
    pub cost: i64,
    /// Which gate.
    pub gate: RecordedGate,
    /// True when this record withdraws the gate opened earlier.
    pub withdrawn: bool,
    /// Why (escape wherever shown).
    pub reason: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: Instant,
}

/// The gates open on `cost` after every record of `records` (the latest
/// record of each gate decides), in [`RecordedGate::ALL`] order, each with
/// the record that opened it.
pub fn open_gates(records: &[CostGate], cost: i64) -> Vec<&CostGate> {
    RecordedGate::ALL
        .iter()
        .filter_map(|gate| {
            records
                .iter()
                .filter(|r| r.cost == cost && r.gate == *gate)
                .max_by_key(|r| r.id)
                .filter(|r| !r.withdrawn)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: i64, cost: i64, gate: RecordedGate, withdrawn: bool) -> CostGate {
        CostGate {
            id,
            cost,
            gate,
            withdrawn,
            reason: "r".into(),
            recorded_by: "J. Smith".into(),
            recorded_at: Instant::from_timestamp(0, 0).unwrap_or_default(),
        }
    }

    #[test]
    fn the_latest_record_of_a_gate_decides() {
        use RecordedGate::*;
        let records = [
            record(1, 7, DataLoss, false),
            record(2, 7, WilfulDefault, false),
            record(3, 7, DataLoss, true),     // data loss withdrawn
            record(4, 8, Termination, false), // another cost
        ];
        let open: Vec<RecordedGate> = open_gates(&records, 7).iter().map(|g| g.gate).collect();
        assert_eq!(open, [WilfulDefault]);
        assert!(open_gates(&records, 9).is_empty());
        assert_eq!(RecordedGate::parse("data_loss"), Ok(DataLoss));
        assert!(
            RecordedGate::parse("cap_exceeded")
                .unwrap_err()
                .contains("wilful_default")
        );
    }
}
