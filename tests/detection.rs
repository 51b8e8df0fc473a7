//! Live detection against a real store (SQLite or PostgreSQL): what is alerted, when, and
//! only once.

mod common;

use chrono::{DateTime, Utc};
use common::{daemon_deps, push};
use slawatch::daemon::Deps;
use slawatch::daemon::live::detect_once;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

const CONFIG: &str = r#"
[[contracts]]
id = "acme"
supplier = "Acme Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "125000.00"
managers = ["contracts@council.example"]

  [[contracts.service_levels]]
  id = "p1-resolution"
  name = "P1 resolved in 4 hours"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  target_percent = 95.0
  service_credits = [ { below = 95.0, percent = 2.0 } ]

  [[contracts.service_levels]]
  id = "email-availability"
  kind = "availability"
  services = ["email"]
  target_percent = 99.5
"#;

async fn subjects(deps: &Deps) -> Vec<String> {
    let mut s: Vec<String> = deps
        .store
        .due_alerts(i64::MAX, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.alert.subject)
        .collect();
    s.sort();
    s
}

#[tokio::test]
async fn an_incident_is_alerted_at_risk_then_breached_once_each() {
    let dir = tempfile::tempdir().unwrap();
    let deps = daemon_deps(&dir, CONFIG).await;
    push(
        &deps,
        "id,contract,priority,opened_at,title\nINC1,acme,P1,2026-10-12T09:00:00Z,Mail <down>\n",
        "incidents.csv",
        &dir,
    )
    .await;
    // 2 h in: within target, nothing to say; at risk at 12:00 (3 h = 75 %).
    let first = detect_once(&deps, t("2026-10-12T11:00:00Z")).await.unwrap();
    assert_eq!(
        (first.queued, first.next_change),
        (0, Some(t("2026-10-12T12:00:00Z")))
    );
    // 3 h in: at risk, and breached at 13:00.
    let at_risk = detect_once(&deps, t("2026-10-12T12:00:00Z")).await.unwrap();
    assert_eq!(
        (at_risk.queued, at_risk.next_change),
        (1, Some(t("2026-10-12T13:00:00Z")))
    );
    assert_eq!(
        detect_once(&deps, t("2026-10-12T12:30:00Z"))
            .await
            .unwrap()
            .queued,
        0,
        "never twice"
    );
    // Past 13:00: breached; and with 0 of 1 met and nothing else open, the
    // month is at risk: it needs ceil((95·1 − 100·0) / (100 − 95)) = 19 more
    // P1s, all met, to be back at 95 % (19 of 20). Not certain to fail: the
    // month has eighteen days to go.
    assert_eq!(
        detect_once(&deps, t("2026-10-12T13:00:01Z"))
            .await
            .unwrap()
            .queued,
        2
    );
    assert_eq!(
        detect_once(&deps, t("2026-10-12T14:00:00Z"))
            .await
            .unwrap()
            .queued,
        0
    );
    let s = subjects(&deps).await;
    assert_eq!(
        s,
        vec![
            "[slawatch] acme 2026-10 breach: INC1 breached P1 resolved in 4 hours (4 h target)",
            "[slawatch] acme 2026-10 incident at risk: INC1 at risk of breaching P1 resolved in 4 hours: 3 h of 4 h used",
            "[slawatch] acme 2026-10 month at risk: P1 resolved in 4 hours is at risk for 2026-10: needs 19 more P1 incidents, all met; no closed month yet to compare with",
        ]
    );
    let breach = deps
        .store
        .due_alerts(i64::MAX, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.alert.kind == "breached")
        .unwrap();
    assert_eq!(breach.alert.recipients, vec!["contracts@council.example"]);
    assert!(
        breach
            .alert
            .body_text
            // 13:00 UTC on 12 Oct is 14:00 in London (BST until the 25th).
            .contains("Deadline       Mon 12 Oct 2026 14:00 BST"),
        "{}",
        breach.alert.body_text
    );
    assert!(breach.alert.body_text.contains("Mail <down>"));
    assert!(breach.alert.body_html.contains("Mail &lt;down&gt;"));
    assert!(
        breach.alert.body_text.contains("credit 2 % = £2,500.00"),
        "{}",
        breach.alert.body_text
    );
}

#[tokio::test]
async fn a_late_resolution_revealed_by_an_ingest_is_alerted_but_old_history_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let deps = daemon_deps(&dir, CONFIG).await;
    push(
        &deps,
        "id,contract,priority,opened_at,resolved_at\n\
         LATE,acme,P1,2026-10-12T08:00:00Z,2026-10-12T14:00:00Z\n\
         OLD,acme,P1,2026-10-01T08:00:00Z,2026-10-01T14:00:00Z\n",
        "incidents.csv",
        &dir,
    )
    .await;
    // OLD's deadline (1 Oct) is more than a week before "now": history, not news.
    detect_once(&deps, t("2026-10-12T15:00:00Z")).await.unwrap();
    let s = subjects(&deps).await;
    assert!(s.iter().any(|x| x.contains("LATE breached")), "{s:?}");
    assert!(!s.iter().any(|x| x.contains("OLD")), "{s:?}");
}

#[tokio::test]
async fn outages_are_alerted_when_they_start_and_end() {
    let dir = tempfile::tempdir().unwrap();
    let deps = daemon_deps(&dir, CONFIG).await;
    push(
        &deps,
        "id,contract,service,start\nO1,acme,email,2026-10-12T10:00:00Z\n",
        "outages.csv",
        &dir,
    )
    .await;
    detect_once(&deps, t("2026-10-12T10:05:00Z")).await.unwrap();
    push(
        &deps,
        "id,contract,service,start,end\nO1,acme,email,2026-10-12T10:00:00Z,2026-10-12T10:45:00Z\n",
        "outages2.csv",
        &dir,
    )
    .await;
    detect_once(&deps, t("2026-10-12T10:50:00Z")).await.unwrap();
    let s = subjects(&deps).await;
    assert!(
        s.contains(
            &"[slawatch] acme 2026-10 outage started: full outage of email started".to_string()
        ),
        "{s:?}"
    );
    assert!(
        s.contains(&"[slawatch] acme 2026-10 outage ended: outage of email ended".to_string()),
        "{s:?}"
    );
    // 45 minutes down in October's 745 hours: 2,700 s of 2,682,000 s is
    // 99.899 %, above 99.5 %, so no level alert.
    assert!(!s.iter().any(|x| x.contains("certain to fail")), "{s:?}");
}

#[tokio::test]
async fn a_failing_source_is_alerted_once_per_episode() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"
[[sources]]
id = "acme-pack"
contract = "acme"
kind = "inbox"
path = "inbox"
"#;
    let base = daemon_deps(&dir, CONFIG).await;
    let mut config = (*base.config).clone();
    config.sources = slawatch::config::parse(&format!("{}\n{text}", minimal_contract()), "t.toml")
        .unwrap()
        .sources;
    let deps = Deps::new(config, base.store.clone()).unwrap();
    for _ in 0..3 {
        deps.store
            .source_failed(
                "acme-pack",
                "",
                "cannot read folder: permission denied",
                100,
            )
            .await
            .unwrap();
    }
    assert_eq!(
        detect_once(&deps, t("2026-10-12T10:00:00Z"))
            .await
            .unwrap()
            .queued,
        1
    );
    assert_eq!(
        detect_once(&deps, t("2026-10-12T10:01:00Z"))
            .await
            .unwrap()
            .queued,
        0
    );
    let s = subjects(&deps).await;
    assert_eq!(
        s,
        vec!["[slawatch] acme source failing: source acme-pack is failing"]
    );
}

fn minimal_contract() -> &'static str {
    r#"
[[contracts]]
id = "acme"
supplier = "Acme Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "1.00"
managers = ["contracts@council.example"]
"#
}

#[tokio::test]
async fn severity_routes_add_recipients() {
    let dir = tempfile::tempdir().unwrap();
    let base = daemon_deps(&dir, CONFIG).await;
    let mut config = (*base.config).clone();
    config
        .alerts
        .routes
        .insert("critical".into(), vec!["oncall@council.example".into()]);
    let deps = Deps::new(config, base.store.clone()).unwrap();
    push(
        &deps,
        "id,contract,priority,opened_at\nR1,acme,P1,2026-10-12T08:00:00Z\n",
        "incidents.csv",
        &dir,
    )
    .await;
    detect_once(&deps, t("2026-10-12T12:30:00Z")).await.unwrap();
    let alerts = deps.store.due_alerts(i64::MAX, 10).await.unwrap();
    let breach = alerts
        .iter()
        .find(|a| a.alert.kind == "breached")
        .expect("a breach alert");
    assert_eq!(
        breach.alert.recipients,
        vec!["contracts@council.example", "oncall@council.example"]
    );
}
