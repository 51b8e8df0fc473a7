//! Alerts from the commitments register and from reconciling the supplier's
//! own figures, queued by live detection like every other alert.
//!
//! For each occurrence not delivered:
//! - **due soon** once it is due within `alerts.commitment_lead_time`
//!   (default 14 days), once;
//! - **overdue** the day after its due date, at once (critical: a breach);
//! - a **reminder** each week after that while it stays overdue: the dedup
//!   key carries the number of whole weeks since the first overdue day, so
//!   each reminder is queued once, however often detection runs.
//!
//! Discrepancies are looked for in months that have ended: last month, and
//! any month whose supplier figures were imported in the last
//! [`RECENT_DAYS`] days; each supplier figure is alerted once (a corrected
//! figure that still disagrees is alerted again).

use chrono::{Days, NaiveDate};

use super::compose::{Facts, alert};
use super::detect::{RECENT_DAYS, contract_link};
use crate::config::Config;
use crate::contract::{Commitment, Contract};
use crate::domain::{Instant, Period};
use crate::engine::commitments::{AsOf, CommitmentStatus, Occurrence, Register};
use crate::engine::evaluate_month;
use crate::engine::reconcile::{Comparison, discrepancies};
use crate::store::Store;
use crate::store::outbox::{NewAlert, Severity};

/// Which alert an occurrence calls for on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Due within the lead time and not delivered.
    DueSoon,
    /// Overdue, in its `n`-th week (0: the first seven days overdue).
    Overdue(i64),
}

impl Stage {
    /// The stage of `o` on `today` with a lead time of `lead_days`.
    pub fn of(o: &Occurrence, today: NaiveDate, lead_days: i64) -> Option<Stage> {
        match o.status {
            CommitmentStatus::Pending => {
                ((o.due - today).num_days() <= lead_days).then_some(Stage::DueSoon)
            }
            CommitmentStatus::Overdue => {
                let days_overdue = (today - o.due).num_days();
                Some(Stage::Overdue((days_overdue - 1) / 7))
            }
            _ => None,
        }
    }

    /// The outbox key: one alert per occurrence and stage (and week).
    pub fn dedup_key(self, contract: &str, o: &Occurrence) -> String {
        let base = format!("commitment/{contract}/{}/{}", o.id, o.occurrence);
        match self {
            Stage::DueSoon => format!("{base}/due_soon"),
            Stage::Overdue(week) => format!("{base}/overdue/{week}"),
        }
    }
}

/// The alerts `register` calls for as of `as_of`: every occurrence due by
/// today or within the lead time, each linking to `link` (the contract's
/// commitments page).
pub fn commitment_alerts(
    contract: &Contract,
    register: &Register,
    as_of: AsOf,
    lead_days: i64,
    link: &str,
) -> Vec<NewAlert> {
    let horizon = as_of
        .today
        .checked_add_days(Days::new(lead_days.max(0) as u64))
        .unwrap_or(NaiveDate::MAX);
    let mut out = Vec::new();
    for c in &register.commitments {
        for due in c.schedule.occurrences().take_while(|d| d.date <= horizon) {
            let o = register.occurrence(c, &due, as_of);
            if let Some(stage) = Stage::of(&o, as_of.today, lead_days) {
                out.push(commitment_alert(contract, c, &o, stage, as_of.today, link));
            }
        }
    }
    out
}

fn money(contract: &Contract, minor: i64) -> String {
    crate::domain::display::money(minor, &contract.currency)
}

fn commitment_alert(
    contract: &Contract,
    c: &Commitment,
    o: &Occurrence,
    stage: Stage,
    today: NaiveDate,
    link: &str,
) -> NewAlert {
    let headline = match stage {
        Stage::DueSoon => match (o.due - today).num_days() {
            0 => format!("{} is due today", o.name),
            1 => format!("{} is due tomorrow ({})", o.name, o.due),
            n => format!("{} is due in {n} days ({})", o.name, o.due),
        },
        Stage::Overdue(0) => format!("{} is overdue: due {}, not delivered", o.name, o.due),
        Stage::Overdue(_) => format!(
            "reminder: {} is {} days overdue (due {})",
            o.name, o.days_late, o.due
        ),
    };
    let mut lines = vec![
        (
            "Contract",
            format!("{} ({})", contract.id, contract.supplier),
        ),
        ("Commitment", format!("{} ({})", o.name, o.id)),
        ("Category", o.category.as_str().to_string()),
        ("Schedule", c.schedule.describe()),
        ("Due", o.due.to_string()),
    ];
    if let Some(owner) = &o.owner {
        lines.insert(3, ("Owner", owner.clone()));
    }
    if let Some(month) = &o.covers {
        lines.push(("Covers", month.clone()));
    }
    if o.status == CommitmentStatus::Overdue {
        lines.push(("Days overdue", o.days_late.to_string()));
    }
    if let Some(per_day) = o.delay_payment_per_day_minor {
        lines.push((
            "Delay payment",
            format!(
                "{} a day late; {} so far",
                money(contract, per_day),
                money(contract, o.delay_payment_to_date_minor)
            ),
        ));
    }
    if let Some(r) = o.rejections.last() {
        lines.push((
            "Last rejected",
            format!(
                "{} by {}: {} (evidence {})",
                r.on, r.by, r.reason, r.evidence
            ),
        ));
    }
    let next_step = match stage {
        Stage::DueSoon => format!(
            "remind {} that {} is due on {}; when it arrives, record its delivery with the \
             evidence reference in the commitments register.",
            contract.supplier, o.name, o.due
        ),
        Stage::Overdue(_) => format!(
            "ask {} for {} now and record the delivery with its evidence reference in the \
             commitments register when it arrives{}.",
            contract.supplier,
            o.name,
            match o.delay_payment_per_day_minor {
                Some(per_day) => format!(
                    "; delay payments of {} a day are claimed with the monthly report",
                    money(contract, per_day)
                ),
                None => String::new(),
            }
        ),
    };
    let facts = Facts {
        headline,
        lines,
        evidence: format!(
            "Evidence: the commitments register of {} (occurrence {} of {}, due {}), \
             where every delivery and rejection is kept.",
            contract.id, o.occurrence, o.id, o.due
        ),
        next_step: Some(next_step),
        link: Some(link.to_string()),
        ..Facts::default()
    };
    let (kind, severity, digest) = match stage {
        Stage::DueSoon => ("commitment_due_soon", Severity::Warning, true),
        Stage::Overdue(0) => ("commitment_overdue", Severity::Critical, false),
        Stage::Overdue(_) => ("commitment_reminder", Severity::Warning, true),
    };
    alert(
        stage.dedup_key(&contract.id, o),
        kind,
        severity,
        Some(&contract.id),
        &contract.managers,
        &facts,
        digest,
    )
}

/// The alert for one discrepancy, linking to `link` (the month's page).
pub fn discrepancy_alert(contract: &Contract, d: &Comparison, link: &str) -> NewAlert {
    let name = match &d.service {
        Some(s) => format!("{} ({s})", d.name),
        None => d.name.clone(),
    };
    let mut lines = vec![
        (
            "Contract",
            format!("{} ({})", contract.id, contract.supplier),
        ),
        ("Service level", format!("{name} [{}]", d.service_level)),
        ("Month", d.period.clone()),
        (
            "Supplier reported",
            format!("{} %", d.supplier_reported_percent),
        ),
        ("slawatch measured", format!("{:.3} %", d.measured_percent)),
        (
            "Difference",
            format!(
                "{:+.3} percentage points (tolerance {})",
                d.difference_points, d.tolerance_points
            ),
        ),
    ];
    if d.status != d.supplier_status {
        lines.push((
            "Verdict",
            format!(
                "the supplier's figure says {}, the evidence says {}",
                d.supplier_status.as_str(),
                d.status.as_str()
            ),
        ));
    }
    let facts = Facts {
        headline: format!(
            "supplier reported {} % for {name} in {}; slawatch measured {:.3} %",
            d.supplier_reported_percent, d.period, d.measured_percent
        ),
        lines,
        evidence: format!(
            "Evidence: the data-quality section of the {} report, which sets the supplier's \
             figures beside those measured from the incident and outage records.",
            d.period
        ),
        next_step: Some(
            "ask the supplier to explain the difference and correct its service report, and \
             put it on the service review's agenda; the service credit follows the measured \
             figure, not the reported one."
                .to_string(),
        ),
        link: Some(link.to_string()),
        ..Facts::default()
    };
    alert(
        format!(
            "discrepancy/{}/{}/{}/{}/{}",
            contract.id,
            d.service_level,
            d.service.as_deref().unwrap_or(""),
            d.period,
            d.supplier_reported_percent
        ),
        "discrepancy",
        Severity::Warning,
        Some(&contract.id),
        &contract.managers,
        &facts,
        true,
    )
}

/// Looks at `contract`'s commitments `register` (`None` when it cannot be
/// read) and its recently reported months as at `now`.
pub async fn detect(
    config: &Config,
    store: &Store,
    contract: &Contract,
    register: Option<&Register>,
    now: Instant,
    out: &mut Vec<NewAlert>,
) -> anyhow::Result<()> {
    if let Some(register) = register {
        out.extend(commitment_alerts(
            contract,
            register,
            AsOf::new(now, contract.timezone),
            config.alerts.commitment_lead_days,
            &contract_link(config, contract, "commitments"),
        ));
    }
    let current = Period::of(now, contract.timezone);
    let since = now - chrono::Duration::days(RECENT_DAYS);
    for period in store
        .months_to_reconcile(&contract.id, current, since)
        .await?
    {
        let evidence = store
            .month_evidence(&contract.id, period, contract.timezone, now, None)
            .await?;
        let evaluation = evaluate_month(contract, period, &evidence, now);
        for d in discrepancies(&evaluation, config.reconciliation.tolerance_points) {
            let link = contract_link(config, contract, &format!("months/{}", d.period));
            out.push(discrepancy_alert(contract, &d, &link));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::commitment::{Category, Origin};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn occurrence(due: &str, status: CommitmentStatus) -> Occurrence {
        Occurrence {
            id: "dr-test".into(),
            name: "DR test".into(),
            category: Category::parse("dr").unwrap(),
            owner: None,
            origin: Origin::Config,
            occurrence: due.into(),
            covers: None,
            due: d(due),
            status,
            delivered_on: None,
            evidence: None,
            accepted_by: None,
            accepted_on: None,
            rejections: vec![],
            days_late: 0,
            delay_payment_per_day_minor: None,
            delay_payment_to_date_minor: 0,
        }
    }

    #[test]
    fn due_soon_within_the_lead_time_only_while_undelivered() {
        let pending = occurrence("2026-11-30", CommitmentStatus::Pending);
        assert_eq!(Stage::of(&pending, d("2026-11-15"), 14), None);
        assert_eq!(
            Stage::of(&pending, d("2026-11-16"), 14),
            Some(Stage::DueSoon)
        );
        assert_eq!(
            Stage::of(&pending, d("2026-11-30"), 14),
            Some(Stage::DueSoon)
        );
        for status in [
            CommitmentStatus::Delivered,
            CommitmentStatus::Accepted,
            CommitmentStatus::Late,
        ] {
            let done = occurrence("2026-11-30", status);
            assert_eq!(Stage::of(&done, d("2026-11-20"), 14), None);
        }
    }

    #[test]
    fn overdue_at_once_then_a_new_key_each_week() {
        let o = occurrence("2026-11-30", CommitmentStatus::Overdue);
        let key = |day: &str| {
            Stage::of(&o, d(day), 14)
                .map(|s| s.dedup_key("acme", &o))
                .unwrap()
        };
        let base = "commitment/acme/dr-test/2026-11-30/overdue";
        // The first week overdue is 1–7 December; reminders follow on the
        // 8th, the 15th, … and across the year end.
        for (day, week) in [
            ("2026-12-01", 0),
            ("2026-12-07", 0),
            ("2026-12-08", 1),
            ("2026-12-14", 1),
            ("2026-12-15", 2),
            ("2027-01-05", 5),
        ] {
            assert_eq!(key(day), format!("{base}/{week}"), "{day}");
        }
    }
}
