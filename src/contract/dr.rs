//! The systems the contract's disaster-recovery register covers: how
//! critical each is, the recovery objectives agreed and who hosts it. The
//! register's flags and rating are worked out by `engine::dr`.

/// How much the customer depends on a system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Criticality {
    /// The customer cannot operate without it.
    Critical,
    /// Serious disruption without it.
    High,
    /// Workarounds exist.
    Medium,
    /// Little effect.
    Low,
}

impl Criticality {
    /// Parses the configuration spelling.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "critical" => Ok(Criticality::Critical),
            "high" => Ok(Criticality::High),
            "medium" => Ok(Criticality::Medium),
            "low" => Ok(Criticality::Low),
            _ => Err(format!(
                "'{text}' is not a criticality (expected critical, high, medium or low)"
            )),
        }
    }

    /// The configuration and report spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Criticality::Critical => "critical",
            Criticality::High => "high",
            Criticality::Medium => "medium",
            Criticality::Low => "low",
        }
    }

    /// The weight of its flags in the risk score.
    pub fn weight(self) -> u32 {
        match self {
            Criticality::Critical => 5,
            Criticality::High => 3,
            Criticality::Medium => 2,
            Criticality::Low => 1,
        }
    }
}

/// Who runs a system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// The supplier itself.
    Supplier,
    /// A SaaS vendor (a third party).
    Saas,
    /// A cloud provider (a third party).
    Cloud,
}

impl Host {
    /// Parses the configuration spelling.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "supplier" => Ok(Host::Supplier),
            "saas" => Ok(Host::Saas),
            "cloud" => Ok(Host::Cloud),
            _ => Err(format!(
                "'{text}' is not a host (expected supplier, saas or cloud)"
            )),
        }
    }

    /// The configuration and report spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Host::Supplier => "supplier",
            Host::Saas => "saas",
            Host::Cloud => "cloud",
        }
    }

    /// True for a SaaS vendor or a cloud provider: DR evidence has to be
    /// obtained from them.
    pub fn is_third_party(self) -> bool {
        self != Host::Supplier
    }
}

/// One system in `[[contracts.dr_systems]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrSystem {
    /// Its id within the contract.
    pub id: String,
    /// A readable name.
    pub name: String,
    /// How much the customer depends on it.
    pub criticality: Criticality,
    /// The agreed recovery time objective, in seconds.
    pub rto_seconds: Option<i64>,
    /// The agreed recovery point objective, in seconds.
    pub rpo_seconds: Option<i64>,
    /// Who runs it.
    pub hosted_by: Host,
    /// The SaaS vendor's or cloud provider's name (or the supplier's team).
    pub vendor: Option<String>,
    /// DR evidence obtained from the third party: `Some` (with its reference,
    /// possibly empty) when obtained.
    pub third_party_evidence: Option<String>,
}
