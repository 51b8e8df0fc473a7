//! How the contract is named on the claim document: its title and
//! reference, the clauses the claim rests on, and who prepares it.

/// The contract's particulars for the report's control data. Each is
/// optional: a report without them names the contract by its id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimParticulars {
    /// The contract's title (e.g. "Managed IT services").
    pub name: Option<String>,
    /// The contract's reference (e.g. a framework call-off number).
    pub reference: Option<String>,
    /// The clause service credits are claimed under.
    pub credit_clause: Option<String>,
    /// The clause recoverable costs are claimed under.
    pub costs_clause: Option<String>,
    /// Who prepares the report (a name or a team).
    pub prepared_by: Option<String>,
}
