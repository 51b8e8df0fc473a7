//! What to generate for each contract: its services, the targets incident
//! times are drawn around, and the service levels the supplier reports on.

use chrono::{DateTime, Duration};
use chrono_tz::Tz;

use crate::contract::{Contract, ServiceLevel, ServiceLevelKind};
use crate::domain::Priority;

/// The services used when a contract's service levels name none.
pub const DEFAULT_SERVICES: [&str; 3] = ["email", "network", "service-desk"];

/// The services of [`synthetic_contracts`].
pub const SYNTHETIC_SERVICES: [&str; 4] = ["email", "network", "hosting", "service-desk"];

/// A contract to generate data for.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractShape {
    /// The contract id written in every row.
    pub id: String,
    /// The timezone its months are taken in.
    pub timezone: Tz,
    /// The services incidents and outages are spread over (never empty).
    pub services: Vec<String>,
    /// Targets by priority; a priority not listed uses [`PriorityTarget::default_for`].
    pub targets: Vec<PriorityTarget>,
    /// The service levels the supplier reports figures for in `supplier_kpis.csv`.
    pub service_levels: Vec<ServiceLevelShape>,
}

/// The response and resolution targets incident times are drawn around.
///
/// These are wall-clock seconds: a business-hours target is stretched by the
/// share of the week its calendar is open (see [`ContractShape::from_contract`]).
/// The data is synthetic, so an approximation gives realistic breach rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriorityTarget {
    /// The priority.
    pub priority: Priority,
    /// The response target, in wall-clock seconds.
    pub response_seconds: i64,
    /// The resolution target, in wall-clock seconds.
    pub resolution_seconds: i64,
}

impl PriorityTarget {
    /// The targets used when a contract has none for a priority:
    /// P1 15m/4h, P2 30m/8h, P3 2h/3d, P4 4h/5d, P5 8h/10d.
    pub fn default_for(priority: Priority) -> PriorityTarget {
        const MIN: i64 = 60;
        const HOUR: i64 = 3_600;
        const DAY: i64 = 86_400;
        let (response_seconds, resolution_seconds) = match priority {
            Priority::P1 => (15 * MIN, 4 * HOUR),
            Priority::P2 => (30 * MIN, 8 * HOUR),
            Priority::P3 => (2 * HOUR, 3 * DAY),
            Priority::P4 => (4 * HOUR, 5 * DAY),
            Priority::P5 => (8 * HOUR, 10 * DAY),
        };
        PriorityTarget {
            priority,
            response_seconds,
            resolution_seconds,
        }
    }
}

/// A service level the supplier reports its own attainment for.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceLevelShape {
    /// The service level id.
    pub id: String,
    /// Its target: the supplier always reports a figure at or above it.
    pub target_percent: f64,
}

impl ServiceLevelShape {
    fn new(id: &str, target_percent: f64) -> ServiceLevelShape {
        ServiceLevelShape {
            id: id.to_string(),
            target_percent,
        }
    }
}

impl ContractShape {
    /// The shape of a configured contract.
    ///
    /// Services are those its availability and incident service levels name
    /// (in order of first mention), or [`DEFAULT_SERVICES`] when none do.
    /// Each priority's targets are the tightest of its `response_time` and
    /// `resolution_time` levels, converted to wall-clock time by dividing by
    /// the share of a reference month the level's calendar is open; a
    /// priority no level covers gets [`PriorityTarget::default_for`].
    pub fn from_contract(c: &Contract) -> ContractShape {
        let mut services: Vec<String> = Vec::new();
        for name in c.service_levels.iter().flat_map(|sl| &sl.services) {
            if !services.contains(name) {
                services.push(name.clone());
            }
        }
        if services.is_empty() {
            services = DEFAULT_SERVICES.iter().map(|s| s.to_string()).collect();
        }
        let tightest = |p: Priority, kind: ServiceLevelKind| {
            c.service_levels
                .iter()
                .filter(|sl| sl.kind == kind && sl.priorities.contains(&p))
                .filter_map(wall_clock_target)
                .min()
        };
        let targets = Priority::ALL
            .iter()
            .map(|&p| {
                let default = PriorityTarget::default_for(p);
                PriorityTarget {
                    priority: p,
                    response_seconds: tightest(p, ServiceLevelKind::ResponseTime)
                        .unwrap_or(default.response_seconds),
                    resolution_seconds: tightest(p, ServiceLevelKind::ResolutionTime)
                        .unwrap_or(default.resolution_seconds),
                }
            })
            .collect();
        ContractShape {
            id: c.id.clone(),
            timezone: c.timezone,
            services,
            targets,
            service_levels: c
                .service_levels
                .iter()
                .map(|sl| ServiceLevelShape::new(&sl.id, sl.target_percent.as_f64()))
                .collect(),
        }
    }

    /// The targets for a priority (the listed ones, else the defaults).
    pub fn target(&self, priority: Priority) -> PriorityTarget {
        self.targets
            .iter()
            .find(|t| t.priority == priority)
            .copied()
            .unwrap_or_else(|| PriorityTarget::default_for(priority))
    }
}

/// A level's target in wall-clock seconds: business seconds divided by the
/// share of four reference weeks its calendar is open (1 for `24x7`).
fn wall_clock_target(sl: &ServiceLevel) -> Option<i64> {
    let target = sl.target_seconds?;
    // Four weeks from Monday 2 February 2026: no public holidays in the
    // usual calendars, so the share reflects the ordinary week.
    let from = DateTime::from_timestamp(1_769_990_400, 0)?;
    let span = Duration::weeks(4);
    let open = sl.calendar.business_seconds(from, from + span);
    if open <= 0 {
        return Some(target);
    }
    let share = open as f64 / span.num_seconds() as f64;
    Some((target as f64 / share).round() as i64)
}

/// `n` synthetic contracts, `contract-01`, `contract-02`…, alternately in
/// Europe/London and America/New_York, each with the services
/// [`SYNTHETIC_SERVICES`], the default targets (P3's two 10-hour office days
/// are about the default three wall-clock days) and the service levels of
/// [`super::write_config`].
pub fn synthetic_contracts(n: usize) -> Vec<ContractShape> {
    (1..=n)
        .map(|i| ContractShape {
            id: format!("contract-{i:02}"),
            timezone: if i % 2 == 1 {
                Tz::Europe__London
            } else {
                Tz::America__New_York
            },
            services: SYNTHETIC_SERVICES.iter().map(|s| s.to_string()).collect(),
            targets: Priority::ALL
                .iter()
                .map(|&p| PriorityTarget::default_for(p))
                .collect(),
            service_levels: super::config_file::SYNTHETIC_LEVELS
                .iter()
                .map(|sl| ServiceLevelShape::new(sl.id, sl.target_percent))
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use super::*;
    use crate::contract::calendar::{Calendar, Window};
    use crate::contract::{ChargeSchedule, CreditScheme, CreditTier};
    use crate::domain::{Currency, Money, Percent, Weight};

    fn level(
        id: &str,
        kind: ServiceLevelKind,
        priorities: &[Priority],
        services: &[&str],
        target_seconds: Option<i64>,
        calendar: &Arc<Calendar>,
    ) -> ServiceLevel {
        ServiceLevel {
            id: id.to_string(),
            name: id.to_string(),
            kind,
            priorities: priorities.to_vec(),
            services: services.iter().map(|s| s.to_string()).collect(),
            target_seconds,
            calendar: calendar.clone(),
            target_percent: Percent::from_f64(95.0).unwrap(),
            critical_below: None,
            partial_weight: Weight::HALF,
            credit_scheme: CreditScheme::Tiers(vec![CreditTier {
                below: Percent::from_f64(95.0).unwrap(),
                percent: Percent::from_f64(2.0).unwrap(),
            }]),
            low_volume: None,
            from: None,
            until: None,
        }
    }

    fn contract(service_levels: Vec<ServiceLevel>) -> Contract {
        let gbp = Currency::parse("GBP").unwrap();
        Contract {
            id: "acme".to_string(),
            supplier: "Acme Ltd".to_string(),
            timezone: Tz::Europe__London,
            monthly_charge: ChargeSchedule::fixed(Money::parse("1000.00", &gbp).unwrap()),
            annual_cap_percent: None,
            contract_year_starts: 1,
            start: None,
            point_value_percent: None,
            repeat_multiplier: 2,
            currency: gbp,
            service_credit_cap_percent: Percent::from_f64(12.0).unwrap(),
            managers: vec![],
            subscriptions: vec![],
            service_levels,
            commitments: vec![],
            dr_systems: vec![],
            rewrite_grace_seconds: crate::contract::DEFAULT_REWRITE_GRACE_SECONDS,
            recovery: Default::default(),
            escalations: Vec::new(),
            auto_issue: false,
            issue_when: Default::default(),
            particulars: Default::default(),
            attach_evidence_files: false,
        }
    }

    #[test]
    fn takes_services_targets_and_levels_from_the_contract() {
        let always = Arc::new(Calendar::always_open());
        let office_hours = Window::parse("08:00-18:00").unwrap();
        let mut days: [Vec<Window>; 7] = Default::default();
        for day in days.iter_mut().take(5) {
            day.push(office_hours);
        }
        let office = Arc::new(
            Calendar::weekly("office", Tz::Europe__London, days, BTreeSet::new()).unwrap(),
        );
        let c = contract(vec![
            level(
                "p1-res",
                ServiceLevelKind::ResolutionTime,
                &[Priority::P1],
                &[],
                Some(14_400),
                &always,
            ),
            level(
                "p1-res-email",
                ServiceLevelKind::ResolutionTime,
                &[Priority::P1],
                &["email"],
                Some(7_200),
                &always,
            ),
            level(
                "p2-resp",
                ServiceLevelKind::ResponseTime,
                &[Priority::P2],
                &[],
                Some(600),
                &always,
            ),
            level(
                "p3-res",
                ServiceLevelKind::ResolutionTime,
                &[Priority::P3],
                &[],
                Some(20 * 3_600),
                &office,
            ),
            level(
                "web",
                ServiceLevelKind::Availability,
                &[],
                &["web", "email"],
                None,
                &always,
            ),
        ]);
        let shape = ContractShape::from_contract(&c);
        assert_eq!(shape.services, ["email", "web"]);
        assert_eq!(shape.target(Priority::P1).resolution_seconds, 7_200);
        assert_eq!(shape.target(Priority::P1).response_seconds, 15 * 60);
        assert_eq!(shape.target(Priority::P2).response_seconds, 600);
        // 20 office hours, open 50 of 168 hours a week: 67.2 wall-clock hours.
        assert_eq!(shape.target(Priority::P3).resolution_seconds, 241_920);
        assert_eq!(
            shape.target(Priority::P5),
            PriorityTarget::default_for(Priority::P5)
        );
        let ids: Vec<&str> = shape.service_levels.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["p1-res", "p1-res-email", "p2-resp", "p3-res", "web"]);
    }

    #[test]
    fn a_contract_naming_no_services_gets_the_defaults() {
        let shape = ContractShape::from_contract(&contract(vec![]));
        assert_eq!(shape.services, DEFAULT_SERVICES);
        assert!(shape.service_levels.is_empty());
    }

    #[test]
    fn synthetic_contracts_alternate_timezones() {
        let shapes = synthetic_contracts(3);
        let ids: Vec<&str> = shapes.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["contract-01", "contract-02", "contract-03"]);
        assert_eq!(shapes[0].timezone, Tz::Europe__London);
        assert_eq!(shapes[1].timezone, Tz::America__New_York);
        assert_eq!(shapes[2].timezone, Tz::Europe__London);
        assert_eq!(shapes[0].services, SYNTHETIC_SERVICES);
        assert!(
            shapes[0]
                .service_levels
                .iter()
                .any(|s| s.id == "email-availability")
        );
    }
}
