//! The contract's terms on getting money back: whether recoverable costs
//! are claimed always or only when a gate is open (a sole-remedy clause),
//! and how long an issued claim may stay unpaid before it is chased.

/// Whether a month's recoverable costs count in its total claim.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CostsRecoverable {
    /// Every claimed cost counts (the default).
    #[default]
    Always,
    /// Service credits are the sole financial remedy: a cost counts only
    /// when a gate is open for its month or on the cost itself.
    WhenGateOpen,
}

impl CostsRecoverable {
    /// `always` or `when_gate_open`, as configured.
    pub fn as_str(self) -> &'static str {
        match self {
            CostsRecoverable::Always => "always",
            CostsRecoverable::WhenGateOpen => "when_gate_open",
        }
    }

    /// Reads the configured spelling.
    pub fn parse(text: &str) -> Result<CostsRecoverable, String> {
        match text {
            "always" => Ok(CostsRecoverable::Always),
            "when_gate_open" => Ok(CostsRecoverable::WhenGateOpen),
            other => Err(format!(
                "unknown value '{other}' (expected \"always\" or \"when_gate_open\")"
            )),
        }
    }
}

/// How long an issued claim may stay outstanding before it is chased, when
/// the contract does not say: 60 days.
pub const DEFAULT_CHASE_AFTER_DAYS: i64 = 60;

/// The contract's recovery terms (`costs_recoverable`, `recovery_chase_after`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoveryTerms {
    /// Whether costs count always or only behind an open gate.
    pub costs_recoverable: CostsRecoverable,
    /// Whole days an issued claim may stay outstanding before the
    /// contract's managers are told to chase it.
    pub chase_after_days: i64,
}

impl Default for RecoveryTerms {
    fn default() -> Self {
        RecoveryTerms {
            costs_recoverable: CostsRecoverable::Always,
            chase_after_days: DEFAULT_CHASE_AFTER_DAYS,
        }
    }
}
