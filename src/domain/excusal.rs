//! Excusals (see docs/book/src/managers/recording.md): failures
//! the contract does not count — a relief event, something the customer caused
//! — always with a reason, who excused it and when. Recorded by a contract
//! manager; the engine applies them.
//!
//! An outage may be excused whole or for part of its interval
//! ([`ExcusedInterval`]): only the excused part stops being downtime.

use super::period::Period;
use super::time::Instant;

/// What an excusal covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExcusalTarget {
    /// An incident: listed with its reason, not assessed against any level.
    Incident {
        /// The supplier's ticket number.
        incident: String,
    },
    /// An outage: not downtime.
    Outage {
        /// The outage's id.
        outage: String,
    },
    /// A service level's month: reported as measured, marked excused, no credit.
    ServiceLevel {
        /// The service level's id.
        service_level: String,
        /// The month.
        period: Period,
    },
}

impl ExcusalTarget {
    /// `incident`, `outage` or `service_level`, as stored.
    pub fn kind(&self) -> &'static str {
        match self {
            ExcusalTarget::Incident { .. } => "incident",
            ExcusalTarget::Outage { .. } => "outage",
            ExcusalTarget::ServiceLevel { .. } => "service_level",
        }
    }

    /// The id of what is excused.
    pub fn subject(&self) -> &str {
        match self {
            ExcusalTarget::Incident { incident } => incident,
            ExcusalTarget::Outage { outage } => outage,
            ExcusalTarget::ServiceLevel { service_level, .. } => service_level,
        }
    }

    /// The month, for a service level's month.
    pub fn period(&self) -> Option<Period> {
        match self {
            ExcusalTarget::ServiceLevel { period, .. } => Some(*period),
            _ => None,
        }
    }

    /// Rebuilds a target from its stored kind, subject and period.
    pub fn from_parts(kind: &str, subject: String, period: Option<Period>) -> Option<Self> {
        match (kind, period) {
            ("incident", None) => Some(ExcusalTarget::Incident { incident: subject }),
            ("outage", None) => Some(ExcusalTarget::Outage { outage: subject }),
            ("service_level", Some(period)) => Some(ExcusalTarget::ServiceLevel {
                service_level: subject,
                period,
            }),
            _ => None,
        }
    }
}

impl std::fmt::Display for ExcusalTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExcusalTarget::Incident { incident } => write!(f, "incident {incident}"),
            ExcusalTarget::Outage { outage } => write!(f, "outage {outage}"),
            ExcusalTarget::ServiceLevel {
                service_level,
                period,
            } => write!(f, "service level {service_level} for {period}"),
        }
    }
}

/// One recorded excusal, in force or revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excusal {
    /// Its id.
    pub id: i64,
    /// What it covers.
    pub target: ExcusalTarget,
    /// Why (escape wherever shown).
    pub reason: String,
    /// Who excused it.
    pub by: String,
    /// When it was recorded.
    pub at: Instant,
    /// For an outage excused in part, the part excused; `None` when the
    /// whole of what it covers is excused.
    pub during: Option<ExcusedInterval>,
    /// Set once revoked: the excusal no longer applies.
    pub revoked: Option<Revocation>,
}

impl Excusal {
    /// True while not revoked.
    pub fn in_force(&self) -> bool {
        self.revoked.is_none()
    }
}

/// Who took an excusal back, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// Who revoked it.
    pub by: String,
    /// When.
    pub at: Instant,
    /// Why.
    pub reason: String,
}

/// The part `[from, until)` of an outage an excusal covers: the rest of the
/// outage still counts. Built by [`ExcusedInterval::new`], so `from` is
/// always before `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExcusedInterval {
    from: Instant,
    until: Instant,
}

impl ExcusedInterval {
    /// The interval `[from, until)`; refused unless `from` is before `until`.
    pub fn new(from: Instant, until: Instant) -> Result<Self, String> {
        if from >= until {
            return Err(format!(
                "the excused interval must end after it starts (from {} until {})",
                super::time::format_utc(from),
                super::time::format_utc(until)
            ));
        }
        Ok(ExcusedInterval { from, until })
    }

    /// Where the excused part starts.
    pub fn from(&self) -> Instant {
        self.from
    }

    /// Where it ends (exclusive).
    pub fn until(&self) -> Instant {
        self.until
    }

    /// Checks that the interval lies within the outage `id` that ran from
    /// `start` to `end` (`None` while it is still going on, when only its
    /// start bounds the interval).
    pub fn check_within(
        &self,
        id: &str,
        start: Instant,
        end: Option<Instant>,
    ) -> Result<(), String> {
        let fmt = super::time::format_utc;
        let outside = self.from < start || end.is_some_and(|end| self.until > end);
        if outside {
            let ran = match end {
                Some(end) => format!("from {} until {}", fmt(start), fmt(end)),
                None => format!("from {} and is still going on", fmt(start)),
            };
            return Err(format!(
                "the excused interval {} to {} is not within outage {id}, which ran {ran}",
                fmt(self.from),
                fmt(self.until)
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn t(s: &str) -> Instant {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn an_interval_must_end_after_it_starts() {
        let e =
            ExcusedInterval::new(t("2026-10-05T11:00:00Z"), t("2026-10-05T10:30:00Z")).unwrap_err();
        assert!(e.contains("must end after it starts"), "{e}");
        assert!(
            ExcusedInterval::new(t("2026-10-05T11:00:00Z"), t("2026-10-05T11:00:00Z")).is_err()
        );
    }

    #[test]
    fn an_interval_outside_the_outage_is_refused() {
        // The outage ran 10:00-12:00.
        let (start, end) = (t("2026-10-05T10:00:00Z"), Some(t("2026-10-05T12:00:00Z")));
        let within = |from: &str, until: &str| {
            ExcusedInterval::new(t(from), t(until))
                .unwrap()
                .check_within("OUT1", start, end)
        };
        assert_eq!(
            within("2026-10-05T10:30:00Z", "2026-10-05T11:00:00Z"),
            Ok(())
        );
        // The whole outage, edge to edge, is within it.
        assert_eq!(
            within("2026-10-05T10:00:00Z", "2026-10-05T12:00:00Z"),
            Ok(())
        );
        // Ending after it, or starting before it: refused, saying when it ran.
        let e = within("2026-10-05T11:30:00Z", "2026-10-05T12:30:00Z").unwrap_err();
        assert_eq!(
            e,
            "the excused interval 2026-10-05T11:30:00Z to 2026-10-05T12:30:00Z is not within \
             outage OUT1, which ran from 2026-10-05T10:00:00Z until 2026-10-05T12:00:00Z"
        );
        assert!(within("2026-10-05T09:00:00Z", "2026-10-05T10:30:00Z").is_err());
        // Wholly outside: refused too.
        assert!(within("2026-10-06T10:00:00Z", "2026-10-06T11:00:00Z").is_err());
        // An outage still going on bounds the interval by its start only.
        let open = ExcusedInterval::new(t("2026-10-05T10:30:00Z"), t("2026-10-09T00:00:00Z"))
            .unwrap()
            .check_within("OUT2", start, None);
        assert_eq!(open, Ok(()));
    }
}
