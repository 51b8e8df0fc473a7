//! Metrics of the disaster-recovery register (as of today) and of the last
//! closed month's data quality: the supplier's figures and SLA verdicts that
//! disagree with the evidence, and the gaps in the feeds.
//!
//! Labels are configuration ids (contract, DR system) and fixed words
//! (flags, ratings, directions, gap kinds): never supplier text.

use std::collections::BTreeMap;

use prometheus::GaugeVec;

use super::exposition::Families;
use crate::engine::clock_stops::ClockStops;
use crate::engine::completeness::{FeedGaps, KINDS};
use crate::engine::dr::{DrAssessment, Flag, Rating};
use crate::engine::verdicts::{Direction, Disagreement};

/// One contract's DR register as exported.
#[derive(Debug, Clone, PartialEq)]
pub struct DrFigures {
    /// The contract's id.
    pub contract: String,
    /// The worst system's score.
    pub score: u32,
    /// Its band.
    pub rating: Rating,
    /// Each system: id, score, and whether each flag of [`Flag::ALL`] is raised.
    pub systems: Vec<(String, u32, [bool; Flag::ALL.len()])>,
}

impl DrFigures {
    /// Takes a contract's assessed register.
    pub fn new(contract: &str, a: &DrAssessment) -> DrFigures {
        DrFigures {
            contract: contract.to_string(),
            score: a.score,
            rating: a.rating,
            systems: a
                .systems
                .iter()
                .map(|s| (s.id.clone(), s.score, Flag::ALL.map(|f| s.has(f))))
                .collect(),
        }
    }
}

/// One contract's last closed month of data quality.
#[derive(Debug, Clone, PartialEq)]
pub struct QualityFigures {
    /// The contract's id.
    pub contract: String,
    /// Supplier figures beyond the reconciliation tolerance.
    pub discrepancies: usize,
    /// Verdict disagreements by direction, in [`Direction::ALL`] order.
    pub disagreements: [usize; 2],
    /// Feed gaps by kind, in [`KINDS`] order.
    pub gaps: [usize; 3],
    /// How the clocks were stopped, when the report measured it.
    pub clock_stops: Option<ClockStops>,
}

impl QualityFigures {
    /// Counts a month's findings.
    pub fn new(
        contract: &str,
        discrepancies: usize,
        disagreements: &[Disagreement],
        gaps: &FeedGaps,
        clock_stops: Option<&ClockStops>,
    ) -> QualityFigures {
        QualityFigures {
            clock_stops: clock_stops.cloned(),
            contract: contract.to_string(),
            discrepancies,
            disagreements: Direction::ALL
                .map(|d| disagreements.iter().filter(|x| x.direction == d).count()),
            gaps: gaps.counts().map(|(_, n)| n),
        }
    }
}

fn gauge(f: &Families, name: &str, help: &str, labels: &[&str]) -> prometheus::Result<GaugeVec> {
    f.gauge(name, help, labels)
}

/// Writes the DR and data-quality families.
pub(super) fn write<'a>(
    f: &Families,
    dr: impl Iterator<Item = &'a DrFigures>,
    quality: impl Iterator<Item = &'a QualityFigures>,
) -> prometheus::Result<()> {
    let score = gauge(
        f,
        "slawatch_dr_risk_score",
        "The supplier's DR risk score today: its worst DR system's criticality weight times the points of its flags (see the disaster-recovery register in the book).",
        &["contract"],
    )?;
    let rating = gauge(
        f,
        "slawatch_dr_risk_rating",
        "1 for the supplier's DR risk rating today: low (score 0), medium (1-6), high (7-14) or severe (15 and over).",
        &["contract", "rating"],
    )?;
    let system = gauge(
        f,
        "slawatch_dr_system_score",
        "Each DR system's score today: criticality weight times the points of its flags.",
        &["contract", "system"],
    )?;
    let flag = gauge(
        f,
        "slawatch_dr_flag",
        "1 when the DR flag is raised on the system today: no_recent_test, worse_than_agreed, no_rto_rpo_agreed, no_third_party_evidence.",
        &["contract", "system", "flag"],
    )?;
    for d in dr {
        let c = d.contract.as_str();
        score.with_label_values(&[c]).set(f64::from(d.score));
        for r in Rating::ALL {
            let v = if r == d.rating { 1.0 } else { 0.0 };
            rating.with_label_values(&[c, r.as_str()]).set(v);
        }
        for (id, s, raised) in &d.systems {
            system.with_label_values(&[c, id]).set(f64::from(*s));
            for (fl, on) in Flag::ALL.iter().zip(raised) {
                flag.with_label_values(&[c, id, fl.as_str()])
                    .set(if *on { 1.0 } else { 0.0 });
            }
        }
    }

    let discrepancies = gauge(
        f,
        "slawatch_supplier_figure_discrepancies_last_month",
        "Supplier figures (supplier_kpi) for the last closed month further from slawatch's measurement than the reconciliation tolerance.",
        &["contract"],
    )?;
    let verdicts = gauge(
        f,
        "slawatch_supplier_verdict_disagreements_last_month",
        "Incidents assessed in the last closed month whose verdict the supplier's own SLA records (ServiceNow task_sla) contradict, by direction.",
        &["contract", "direction"],
    )?;
    let gaps = gauge(
        f,
        "slawatch_feed_gaps_last_month",
        "Gaps in the feeds for the last closed month: sources without data, incidents closed without a resolution time, holds without an end on resolved incidents.",
        &["contract", "kind"],
    )?;
    for q in quality {
        let c = q.contract.as_str();
        discrepancies
            .with_label_values(&[c])
            .set(q.discrepancies as f64);
        for (d, n) in Direction::ALL.iter().zip(q.disagreements) {
            verdicts.with_label_values(&[c, d.as_str()]).set(n as f64);
        }
        for (k, n) in KINDS.iter().zip(q.gaps) {
            gaps.with_label_values(&[c, k]).set(n as f64);
        }
    }
    Ok(())
}

/// Writes the last closed month's clock-stop families. A hold's reason is
/// supplier text, so the label says only whether it stops the clock.
pub(super) fn write_clock_stops<'a>(
    f: &Families,
    quality: impl Iterator<Item = &'a QualityFigures>,
) -> prometheus::Result<()> {
    let hold = gauge(
        f,
        "slawatch_hold_seconds_last_month",
        "Business seconds on hold in the last closed month, for the incidents each resolution level assessed, by priority and whether the hold stops the clock (awaiting_customer) or not (other).",
        &["contract", "service_level", "priority", "reason"],
    )?;
    let share = gauge(
        f,
        "slawatch_hold_share_last_month_percent",
        "Hold time as a share of resolution time in the last closed month (business time on the level's calendar).",
        &["contract", "service_level"],
    )?;
    let last5 = gauge(
        f,
        "slawatch_met_in_last_5_percent_last_month_percent",
        "Of the incidents met in the last closed month, the share stopped at 95 % of the target or later (observed), and the share the 85-95 % band predicts (expected).",
        &["contract", "service_level", "share"],
    )?;
    let changes = gauge(
        f,
        "slawatch_clock_changes_last_month",
        "In the last closed month: holds added after the fact, priorities lowered or raised since first stored, incidents reopened.",
        &["contract", "change"],
    )?;
    for q in quality {
        let (c, Some(cs)) = (q.contract.as_str(), &q.clock_stops) else {
            continue;
        };
        for l in &cs.levels {
            let sl = l.service_level.as_str();
            let mut by: BTreeMap<(&str, &str), i64> = BTreeMap::new();
            for h in &l.holds {
                let reason = if h.reason == crate::domain::Hold::AWAITING_CUSTOMER {
                    "awaiting_customer"
                } else {
                    "other"
                };
                *by.entry((h.priority.as_str(), reason)).or_default() += h.seconds;
            }
            for ((priority, reason), seconds) in by {
                hold.with_label_values(&[c, sl, priority, reason])
                    .set(seconds as f64);
            }
            share
                .with_label_values(&[c, sl])
                .set(l.hold_share_percent().unwrap_or(0.0));
            last5
                .with_label_values(&[c, sl, "observed"])
                .set(l.last_5_percent_share().unwrap_or(0.0));
            last5
                .with_label_values(&[c, sl, "expected"])
                .set(l.expected_last_5_percent_share().unwrap_or(0.0));
        }
        for (change, n) in [
            ("holds_added_after_the_fact", cs.holds_added_after_the_fact),
            ("priority_downgrades", cs.priority_downgrades),
            ("priority_upgrades", cs.priority_upgrades),
            ("reopened", cs.reopened),
        ] {
            changes.with_label_values(&[c, change]).set(n as f64);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::contract::dr::{Criticality, DrSystem, Host};
    use crate::engine::dr::assess;

    #[test]
    fn every_flag_and_rating_is_a_series() {
        let system = DrSystem {
            id: "payroll".into(),
            name: "Payroll".into(),
            criticality: Criticality::Critical,
            rto_seconds: Some(14_400),
            rpo_seconds: None,
            hosted_by: Host::Supplier,
            vendor: None,
            third_party_evidence: None,
        };
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let a = assess(&[system], &[], day).unwrap();
        let dr = DrFigures::new("acme", &a);
        let gaps = FeedGaps::default();
        let q = QualityFigures::new("acme", 2, &[], &gaps, None);
        let f = Families::new();
        write(&f, [&dr].into_iter(), [&q].into_iter()).unwrap();
        let text = f.encode().unwrap();
        // Never tested (3) and no RPO (2): 5 × 5 = 25, severe.
        for line in [
            "slawatch_dr_risk_score{contract=\"acme\"} 25",
            "slawatch_dr_risk_rating{contract=\"acme\",rating=\"severe\"} 1",
            "slawatch_dr_risk_rating{contract=\"acme\",rating=\"low\"} 0",
            "slawatch_dr_system_score{contract=\"acme\",system=\"payroll\"} 25",
            "slawatch_dr_flag{contract=\"acme\",flag=\"no_recent_test\",system=\"payroll\"} 1",
            "slawatch_dr_flag{contract=\"acme\",flag=\"worse_than_agreed\",system=\"payroll\"} 0",
            "slawatch_supplier_figure_discrepancies_last_month{contract=\"acme\"} 2",
            "slawatch_supplier_verdict_disagreements_last_month{contract=\"acme\",direction=\"supplier_met_evidence_breached\"} 0",
            "slawatch_feed_gaps_last_month{contract=\"acme\",kind=\"hold_without_end\"} 0",
        ] {
            assert!(text.contains(line), "{line} missing from:\n{text}");
        }
    }
}
