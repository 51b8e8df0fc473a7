//! The recoverable costs the metrics publish are the ones the report
//! claims: a cost removed, or withdrawn after the supplier disputed it, is
//! no longer claimed; one in open dispute still is until decided.

mod common;

use chrono::{DateTime, Utc};
use slawatch::domain::{DisputeStatus, DisputeSubject, RecoverableCost};

fn cost(date: &str, amount_minor: i64) -> RecoverableCost {
    RecoverableCost {
        date: date.parse().expect("a date"),
        amount_minor,
        description: "Agency engineer".into(),
        evidence: "invoice".into(),
        breach: None,
    }
}

/// The value of `metric` for the test contract in the exposition `text`.
fn value(text: &str, metric: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(metric) && l.contains("contract=\"acme-managed-it\""))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {metric} in:\n{text}"))
}

#[tokio::test]
async fn withdrawn_costs_are_not_published_as_claimed() {
    let dir = tempfile::tempdir().unwrap();
    let deps = common::daemon_deps(&dir, common::CONTRACT).await;
    let store = &deps.store;
    let contract = "acme-managed-it";
    // October: £100 claimed, £250 disputed then withdrawn, £40 in open dispute.
    store
        .add_recoverable_cost(contract, &cost("2026-10-09", 10_000), 0)
        .await
        .unwrap();
    let withdrawn = store
        .add_recoverable_cost(contract, &cost("2026-10-10", 25_000), 0)
        .await
        .unwrap();
    let disputed = store
        .add_recoverable_cost(contract, &cost("2026-10-11", 4_000), 0)
        .await
        .unwrap();
    // November so far: £5 claimed, £10 disputed then withdrawn.
    store
        .add_recoverable_cost(contract, &cost("2026-11-02", 500), 0)
        .await
        .unwrap();
    let withdrawn_now = store
        .add_recoverable_cost(contract, &cost("2026-11-03", 1_000), 0)
        .await
        .unwrap();
    for id in [withdrawn, disputed, withdrawn_now] {
        let d = store
            .open_dispute(
                contract,
                &DisputeSubject::Cost { cost: id },
                "not ours",
                "Acme",
                1,
            )
            .await
            .unwrap();
        if id != disputed {
            store
                .resolve_dispute(
                    contract,
                    d.id,
                    DisputeStatus::Accepted,
                    "fair",
                    "J. Smith",
                    2,
                )
                .await
                .unwrap();
        }
    }

    let now: DateTime<Utc> = "2026-11-05T09:00:00Z".parse().unwrap();
    slawatch::daemon::live::detect_once(&deps, now)
        .await
        .unwrap();
    deps.metrics.publish(&deps.config, &deps.store, now).await;
    let text = deps
        .metrics
        .render(&deps.config, &deps.store, true, now)
        .await;
    // 100 + 40 (the £250 withdrawn); 5 (the £10 withdrawn).
    assert_eq!(value(&text, "slawatch_recoverable_costs_last_month"), 140.0);
    assert_eq!(
        value(&text, "slawatch_recoverable_costs_month_to_date"),
        5.0
    );
}
