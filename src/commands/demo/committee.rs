//! What the demo adds for the audit committee: an IT DR audit's follow-up
//! with one action in each status on the auditors' scale, the causes of the
//! month's two longest outages as a manager classified them, and the pack
//! for the months just ended, issued and emailed beside the monthly reports.

use chrono::{Days, NaiveDate};

use super::super::Failure;
use crate::config::Config;
use crate::domain::{
    ActionLinks, ActionStatus, Cause, CauseSubject, Instant, NewAction, NewCause, NewStatus, Period,
};
use crate::issuing::pack::{first_month, issue_pack};
use crate::report::MonthReport;
use crate::store::Store;

/// Who the demo records as.
const DEMO: &str = "demo";

/// The IT DR audit's management actions: id, what, owner, days from today
/// to the agreed date (negative: past), status, why.
const ACTIONS: [(&str, &str, &str, i64, ActionStatus, &str); 5] = [
    (
        "DR-1",
        "Write and approve an IT disaster recovery plan",
        "Head of IT",
        -120,
        ActionStatus::FullyImplemented,
        "DR plan v2 approved by the IT steering group",
    ),
    (
        "DR-2",
        "Agree RTO and RPO for every critical system with the service owners",
        "Head of IT",
        60,
        ActionStatus::SubstantiallyImplemented,
        "Agreed for 5 of 6 systems; payroll outstanding",
    ),
    (
        "DR-3",
        "Run a full failover test of the data centre with the supplier",
        "Acme service delivery manager",
        -20,
        ActionStatus::PartiallyImplemented,
        "Test booked; the supplier's plan not yet seen",
    ),
    (
        "DR-4",
        "Keep an offline copy of backups outside the supplier's estate",
        "Acme service delivery manager",
        -45,
        ActionStatus::NotImplemented,
        "No evidence offered at the review",
    ),
    (
        "DR-5",
        "Build a second on-premises data centre",
        "CIO",
        -200,
        ActionStatus::Closed,
        "Superseded by the move to the cloud agreed by cabinet",
    ),
];

/// Records the audit's actions for the first contract (those it has
/// already are left as they are).
pub(super) async fn record_actions(
    config: &Config,
    store: &Store,
    now: Instant,
) -> Result<(), Failure> {
    let Some(contract) = config.contracts.first() else {
        return Ok(());
    };
    let today = crate::domain::time::local_date(contract.timezone, now);
    let mut added = 0;
    for (n, (id, title, owner, days, status, reason)) in ACTIONS.iter().enumerate() {
        if store
            .action(&contract.id, id)
            .await
            .map_err(Failure::runtime)?
            .is_some()
        {
            continue;
        }
        let action = NewAction {
            id: (*id).to_string(),
            origin: "IT Disaster Recovery audit 2025/26".to_string(),
            reference: Some(format!("management action {}", n + 1)),
            title: (*title).to_string(),
            description: None,
            owner: (*owner).to_string(),
            due: shift(today, *days),
            links: ActionLinks::default(),
            initial: NewStatus {
                status: *status,
                by: "Internal Audit".to_string(),
                reason: (*reason).to_string(),
                evidence: None,
                revised_due: None,
            },
        };
        store
            .add_action(&contract.id, &action, DEMO, now)
            .await
            .map_err(|e| Failure::runtime(anyhow::anyhow!("{e}")))?;
        added += 1;
    }
    if added > 0 {
        println!(
            "recorded the IT DR audit's {added} management actions for {}",
            contract.id
        );
    }
    Ok(())
}

fn shift(today: NaiveDate, days: i64) -> NaiveDate {
    let by = Days::new(days.unsigned_abs());
    let moved = if days < 0 {
        today.checked_sub_days(by)
    } else {
        today.checked_add_days(by)
    };
    moved.unwrap_or(today)
}

/// Classifies the month's two longest outages, malware then hardware,
/// unless the contract has causes recorded already.
pub(super) async fn classify_outages(
    store: &Store,
    report: &MonthReport<'_>,
    now: Instant,
) -> Result<(), Failure> {
    let contract = &report.contract.id;
    if !store
        .causes(contract)
        .await
        .map_err(Failure::runtime)?
        .is_empty()
    {
        return Ok(());
    }
    let Some(appendix) = &report.appendix else {
        return Ok(());
    };
    let mut outages: Vec<(i64, String)> = appendix
        .outages
        .iter()
        .filter_map(|o| {
            o.end
                .map(|end| ((end - o.start).num_seconds(), o.outage.clone()))
        })
        .collect();
    // Longest first; an outage counted against two lines once.
    outages.sort_by(|a, b| b.cmp(a));
    outages.dedup_by(|a, b| a.1 == b.1);
    for ((_, id), (cause, why)) in outages.iter().zip([
        (
            "malware",
            "Supplier's root-cause report: ransomware on a mail relay",
        ),
        (
            "hardware",
            "Supplier's root-cause report: a failed storage controller",
        ),
    ]) {
        let cause = NewCause {
            subject: CauseSubject::Outage,
            subject_id: id.clone(),
            cause: Cause::parse(cause).map_err(|e| Failure::runtime(anyhow::anyhow!(e)))?,
            by: "Contract manager".to_string(),
            reason: why.to_string(),
        };
        store
            .record_cause(contract, &cause, DEMO, now)
            .await
            .map_err(|e| Failure::runtime(anyhow::anyhow!("{e}")))?;
        println!("classified outage {id} of {contract} as {}", cause.cause);
    }
    Ok(())
}

/// Issues the pack of the `[pack] months` ending with `last` (a new version
/// only when figures changed since the last issue) and says where it is.
pub(super) async fn issue_the_pack(
    config: &Config,
    store: &Store,
    last: Period,
    now: Instant,
) -> Result<(), Failure> {
    let first = first_month(config, last);
    match issue_pack(config, store, None, (first, last), now)
        .await
        .map_err(Failure::runtime)?
    {
        Some(done) => println!(
            "committee pack for {first} to {last} (version {}): {}",
            done.key.version,
            done.files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => println!("committee pack for {first} to {last}: unchanged since its last issue"),
    }
    Ok(())
}
