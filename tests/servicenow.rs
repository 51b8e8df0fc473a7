//! The ServiceNow source against a fake instance speaking the Table API's
//! wire format, with a real SQLite store: paging, incremental polls, the
//! mapping of incidents, holds, work and SLA verdicts, and every failure
//! the connector must live through.

mod fake_servicenow;

use std::sync::Once;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use fake_servicenow::{FakeServiceNow, Row, Scripted, row};
use slawatch::config::{ServiceNowSource, SourceConfig, SourceKind};
use slawatch::contract::Contract;
use slawatch::daemon::Deps;
use slawatch::domain::{Period, Priority};
use slawatch::engine::{Evidence, Figures, evaluate_month};
use slawatch::sources::servicenow::{self, Options, PollError, PollSummary};
use slawatch::store::Store;
use slawatch::store::servicenow::SlaVerdict;
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;

const USER: &str = "slawatch";
const PASSWORD: &str = "s3cret-Pa55word";
const PASSWORD_ENV: &str = "SLAWATCH_TEST_SNOW_PASSWORD";
const WRONG_PASSWORD: &str = "not-the-Pa55word";
const WRONG_PASSWORD_ENV: &str = "SLAWATCH_TEST_SNOW_WRONG_PASSWORD";
const UNSET_ENV: &str = "SLAWATCH_TEST_SNOW_NEVER_SET";
const CLIENT_SECRET: &str = "cl1ent-s3cret";
const CLIENT_SECRET_ENV: &str = "SLAWATCH_TEST_SNOW_CLIENT_SECRET";
const REFRESH_TOKEN: &str = "admin-issued-refresh";
const REFRESH_TOKEN_ENV: &str = "SLAWATCH_TEST_SNOW_REFRESH_TOKEN";
const CONTRACT: &str = "acme-managed-it";
const GROUP: &str = "Acme Service Desk";

/// Sets the test passwords once, before any test reads the environment.
fn environment() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
        // SAFETY: done once, under `Once`, before any test of this binary
        // reads these variables; no other code here writes the environment.
        unsafe {
            std::env::set_var(PASSWORD_ENV, PASSWORD);
            std::env::set_var(WRONG_PASSWORD_ENV, WRONG_PASSWORD);
            std::env::set_var(CLIENT_SECRET_ENV, CLIENT_SECRET);
            std::env::set_var(REFRESH_TOKEN_ENV, REFRESH_TOKEN);
        }
    });
}

fn config_text(dir: &TempDir, url: &str, password_env: &str, schedule: &str) -> String {
    format!(
        r#"
[daemon]
database_url = "{db}"
data_dir = "{dir}"

[[contracts]]
id = "{CONTRACT}"
supplier = "Acme Managed Services Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "125000.00"
service_credit_cap_percent = 12.0
managers = ["contracts@council.example"]

  [[contracts.service_levels]]
  id = "p1-resolution"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  calendar = "24x7"
  target_percent = 95.0

  [[contracts.service_levels]]
  id = "p1-response"
  kind = "response_time"
  priorities = ["P1"]
  target = "30m"
  calendar = "24x7"
  target_percent = 95.0

  [[contracts.service_levels]]
  id = "proactive-share"
  kind = "proactive_share"
  target_percent = 60.0

[[sources]]
id = "acme-snow"
contract = "{CONTRACT}"
kind = "servicenow"
base_url = "{url}"
username = "{USER}"
password_env = "{password_env}"
schedule = "{schedule}"
query = "assignment_group.name={GROUP}"
priority_map = {{ "1" = "P1", "2" = "P2", "3" = "P3", "4" = "P4" }}
service_field = "business_service"
service_map = {{ "Email" = "email", "Corporate Network" = "network" }}
stale_after = "2h"
"#,
        dir = dir.path().display(),
        db = slawatch::store::testing::database_url(&dir.path().join("x.db"))
    )
}

/// A fake instance, a fresh store and the source configured against them.
struct Harness {
    fake: FakeServiceNow,
    deps: Deps,
    source: SourceConfig,
    cfg: ServiceNowSource,
    options: Options,
    _dir: TempDir,
}

impl Harness {
    async fn new() -> Harness {
        Harness::with(PASSWORD_ENV, "0 */5 * * * *").await
    }

    async fn with(password_env: &str, schedule: &str) -> Harness {
        environment();
        let fake = FakeServiceNow::start(USER, PASSWORD).await;
        let dir = tempfile::tempdir().unwrap();
        let text = config_text(&dir, &fake.url, password_env, schedule);
        let config = slawatch::config::parse(&text, "test.toml").expect("valid test config");
        let store = Store::open(&config.daemon.database_url).await.unwrap();
        let deps = Deps::new(config, store).unwrap();
        let source = deps.config.sources[0].clone();
        let SourceKind::ServiceNow(cfg) = source.kind.clone() else {
            panic!("not a ServiceNow source")
        };
        let options = Options {
            page_size: 100,
            request_timeout: Duration::from_secs(5),
            backoff: Duration::from_millis(20),
            ..Options::default()
        };
        Harness {
            fake,
            deps,
            source,
            cfg: *cfg,
            options,
            _dir: dir,
        }
    }

    async fn poll(&self) -> Result<PollSummary, PollError> {
        self.poll_with(&self.cfg).await
    }

    async fn poll_with(&self, cfg: &ServiceNowSource) -> Result<PollSummary, PollError> {
        servicenow::poll_once(
            &self.deps.for_sources(),
            &self.source,
            cfg,
            &self.options,
            now(),
        )
        .await
    }

    fn contract(&self) -> &Contract {
        self.deps.config.contract(CONTRACT).unwrap()
    }

    async fn october(&self) -> Evidence {
        let period: Period = "2026-10".parse().unwrap();
        self.deps
            .store
            .month_evidence(CONTRACT, period, self.contract().timezone, now(), None)
            .await
            .unwrap()
    }

    async fn state(&self, scope: &str) -> slawatch::store::sources::SourceState {
        self.deps
            .store
            .source_state(&self.source.id, scope)
            .await
            .unwrap()
    }
}

/// The instant the tests' polls happen at.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 20, 0, 0, 0).unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// An Acme incident for the Email service as the Table API returns it:
/// every value a string, `resolved` empty while open.
fn inc(
    sys_id: &str,
    number: &str,
    priority: &str,
    opened: &str,
    resolved: &str,
    updated: &str,
) -> Row {
    row(&[
        ("sys_id", sys_id),
        ("number", number),
        ("priority", priority),
        ("state", if resolved.is_empty() { "2" } else { "6" }),
        ("opened_at", opened),
        ("resolved_at", resolved),
        ("closed_at", ""),
        ("short_description", &format!("{number} title")),
        ("business_service", "svc-email"),
        ("business_service.name", "Email"),
        ("sys_updated_on", updated),
        ("assignment_group.name", GROUP),
    ])
}

/// Six plain P2 incidents updated an hour apart.
fn six_incidents() -> Vec<Row> {
    (1..=6)
        .map(|n| {
            let (opened, updated) = (
                format!("2026-10-0{n} 09:00:00"),
                format!("2026-10-0{n} 10:00:00"),
            );
            inc(
                &format!("s{n}"),
                &format!("INC000000{n}"),
                "2",
                &opened,
                "",
                &updated,
            )
        })
        .collect()
}

fn ids(evidence: &Evidence) -> Vec<String> {
    let mut ids: Vec<String> = evidence.incidents.iter().map(|i| i.id.clone()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn pages_on_the_total_past_a_page_shortened_by_access_control() {
    let mut h = Harness::new().await;
    h.options.page_size = 2;
    h.fake.put("incident", six_incidents());
    // The fourth is hidden from the API user: the middle page has one record.
    h.fake.hide("s4");

    let summary = h.poll().await.unwrap();

    // Each page asks for what follows the last record received: s1 s2,
    // then s3 (s4's slot taken by s4 hidden), then s5 (s4 hidden again),
    // then s6.
    let pages: Vec<String> = h
        .fake
        .seen_for("incident")
        .iter()
        .map(|s| s.query().to_string())
        .collect();
    assert_eq!(pages.len(), 4, "{pages:?}");
    assert!(
        pages[1].starts_with("sys_updated_on>2026-10-02 10:00:00^assignment_group.name="),
        "{pages:?}"
    );
    assert!(
        pages[2].starts_with("sys_updated_on>2026-10-03 10:00:00^"),
        "{pages:?}"
    );
    assert!(
        pages[3].starts_with("sys_updated_on>2026-10-05 10:00:00^"),
        "{pages:?}"
    );
    assert_eq!(summary.fetched["incident"], 5);
    let evidence = h.october().await;
    assert_eq!(
        ids(&evidence),
        [
            "INC0000001",
            "INC0000002",
            "INC0000003",
            "INC0000005",
            "INC0000006"
        ]
    );
    // Each incident is also one reactive work item.
    assert_eq!(summary.counts.stored, 10);
}

#[tokio::test]
async fn pages_on_the_link_header_without_a_total() {
    let mut h = Harness::new().await;
    h.options.page_size = 2;
    h.fake.put("incident", six_incidents());
    h.fake.hide("s4");
    h.fake.without_total_count();

    let summary = h.poll().await.unwrap();

    assert_eq!(h.fake.seen_for("incident").len(), 4);
    assert_eq!(summary.fetched["incident"], 5);
}

#[tokio::test]
async fn a_page_wholly_hidden_by_access_control_is_stepped_over() {
    let mut h = Harness::new().await;
    h.options.page_size = 2;
    h.fake.put("incident", six_incidents());
    // The second page's two records are both hidden: it comes back empty
    // with more to follow, and there is no last record to page after.
    h.fake.hide("s3");
    h.fake.hide("s4");

    let summary = h.poll().await.unwrap();

    assert_eq!(summary.fetched["incident"], 4);
    assert_eq!(
        ids(&h.october().await),
        ["INC0000001", "INC0000002", "INC0000005", "INC0000006"]
    );
    let offsets: Vec<u64> = h
        .fake
        .seen_for("incident")
        .iter()
        .map(|s| s.offset())
        .collect();
    assert_eq!(offsets, [0, 0, 2]);
}

#[tokio::test]
async fn a_record_updated_mid_read_skips_no_other_record() {
    let mut h = Harness::new().await;
    h.options.page_size = 2;
    h.fake.put("incident", six_incidents());
    // After the first page (s1, s2), the supplier resolves INC0000001: it
    // is now the most recently updated. Paging by offset, the second page
    // (offset 2 of s2 s3 s4 s5 s6 s1) would be s4, s5 and INC0000003 would
    // never be read: the watermark moves past it.
    h.fake.change_after(
        "incident",
        1,
        vec![inc(
            "s1",
            "INC0000001",
            "2",
            "2026-10-01 09:00:00",
            "2026-10-07 09:00:00",
            "2026-10-07 12:00:00",
        )],
    );

    let summary = h.poll().await.unwrap();

    assert_eq!(
        ids(&h.october().await),
        [
            "INC0000001",
            "INC0000002",
            "INC0000003",
            "INC0000004",
            "INC0000005",
            "INC0000006"
        ]
    );
    // INC0000001 read twice: as it was, then resolved.
    assert_eq!(summary.fetched["incident"], 7);
    let first = h
        .october()
        .await
        .incidents
        .into_iter()
        .find(|i| i.id == "INC0000001")
        .unwrap();
    assert_eq!(first.resolved_at, Some(utc("2026-10-07T09:00:00Z")));
}

#[tokio::test]
async fn a_new_query_in_the_configured_filter_stays_within_the_watermark() {
    let h = Harness::new().await;
    h.fake.put("incident", six_incidents());
    h.poll().await.unwrap();
    // `^NQ` starts an OR'd query: unless each gets the watermark, every
    // P2 of the instance is read again on every poll.
    let mut cfg = h.cfg.clone();
    cfg.query = Some(format!("assignment_group.name={GROUP}^NQpriority=2"));
    h.poll_with(&cfg).await.unwrap();
    h.fake.put(
        "incident",
        vec![inc(
            "s7",
            "INC0000007",
            "2",
            "2026-10-07 09:00:00",
            "",
            "2026-10-07 10:00:00",
        )],
    );
    let again = h.poll_with(&cfg).await.unwrap();
    // The newest (s6, overlapping the watermark) and the new one only.
    assert_eq!(again.fetched["incident"], 2);
}

/// The month of the mapping test, as the fake instance serves it.
fn october_instance(fake: &FakeServiceNow) {
    let group = r#""assignment_group.name":"Acme Service Desk""#;
    let other = r#""assignment_group.name":"Other Desk""#;
    fake.put_json("incident", &format!(r#"[
        {{"sys_id":"s1","number":"INC0010001","priority":"1","state":"6","opened_at":"2026-10-05 09:00:00","resolved_at":"2026-10-05 14:00:00","closed_at":"","short_description":"Mail down","business_service":"svc-email","business_service.name":"Email","sys_updated_on":"2026-10-05 14:00:05",{group}}},
        {{"sys_id":"s2","number":"INC0010002","priority":"1","state":"6","opened_at":"2026-10-06 08:00:00","resolved_at":"2026-10-06 13:00:00","closed_at":"","short_description":"WAN down","business_service":"svc-net","business_service.name":"Corporate Network","sys_updated_on":"2026-10-06 13:00:02",{group}}},
        {{"sys_id":"s3","number":"INC0010003","priority":"5","state":"1","opened_at":"2026-10-07 09:00:00","resolved_at":"","closed_at":"","short_description":"Printer","business_service":"svc-email","business_service.name":"Email","sys_updated_on":"2026-10-07 09:30:00",{group}}},
        {{"sys_id":"s4","number":"INC0010004","priority":"3","state":"3","opened_at":"2026-10-07 10:00:00","resolved_at":"","closed_at":"","short_description":"Payslips","business_service":"svc-pay","business_service.name":"Payroll","sys_updated_on":"2026-10-07 10:30:00",{group}}},
        {{"sys_id":"s9","number":"INC0099999","priority":"1","state":"2","opened_at":"2026-10-05 09:00:00","resolved_at":"","closed_at":"","short_description":"Not ours","business_service":"svc-email","business_service.name":"Email","sys_updated_on":"2026-10-05 09:00:00",{other}}}
    ]"#));
    // INC0010001: responded after 20 min, on hold for the caller 10:00-11:30.
    // INC0010002: responded after 45 min, on hold for a vendor 09:00-10:00.
    // INC0010004: on hold for a vendor since 10:30.
    fake.put_json("sys_audit", r#"[
        {"tablename":"incident","documentkey":"s1","fieldname":"state","oldvalue":"","newvalue":"1","sys_created_on":"2026-10-05 09:00:00","record_checkpoint":"1"},
        {"tablename":"incident","documentkey":"s1","fieldname":"state","oldvalue":"1","newvalue":"2","sys_created_on":"2026-10-05 09:20:00","record_checkpoint":"2"},
        {"tablename":"incident","documentkey":"s1","fieldname":"priority","oldvalue":"2","newvalue":"1","sys_created_on":"2026-10-05 09:25:00","record_checkpoint":"3"},
        {"tablename":"incident","documentkey":"s1","fieldname":"hold_reason","oldvalue":"","newvalue":"1","sys_created_on":"2026-10-05 10:00:00","record_checkpoint":"4"},
        {"tablename":"incident","documentkey":"s1","fieldname":"state","oldvalue":"2","newvalue":"3","sys_created_on":"2026-10-05 10:00:00","record_checkpoint":"4"},
        {"tablename":"incident","documentkey":"s1","fieldname":"state","oldvalue":"3","newvalue":"2","sys_created_on":"2026-10-05 11:30:00","record_checkpoint":"5"},
        {"tablename":"incident","documentkey":"s1","fieldname":"hold_reason","oldvalue":"1","newvalue":"","sys_created_on":"2026-10-05 11:30:00","record_checkpoint":"5"},
        {"tablename":"incident","documentkey":"s1","fieldname":"state","oldvalue":"2","newvalue":"6","sys_created_on":"2026-10-05 14:00:00","record_checkpoint":"6"},
        {"tablename":"incident","documentkey":"s2","fieldname":"state","oldvalue":"","newvalue":"1","sys_created_on":"2026-10-06 08:00:00","record_checkpoint":"1"},
        {"tablename":"incident","documentkey":"s2","fieldname":"state","oldvalue":"1","newvalue":"2","sys_created_on":"2026-10-06 08:45:00","record_checkpoint":"2"},
        {"tablename":"incident","documentkey":"s2","fieldname":"state","oldvalue":"2","newvalue":"3","sys_created_on":"2026-10-06 09:00:00","record_checkpoint":"3"},
        {"tablename":"incident","documentkey":"s2","fieldname":"hold_reason","oldvalue":"","newvalue":"5","sys_created_on":"2026-10-06 09:00:00","record_checkpoint":"3"},
        {"tablename":"incident","documentkey":"s2","fieldname":"state","oldvalue":"3","newvalue":"2","sys_created_on":"2026-10-06 10:00:00","record_checkpoint":"4"},
        {"tablename":"incident","documentkey":"s2","fieldname":"hold_reason","oldvalue":"5","newvalue":"","sys_created_on":"2026-10-06 10:00:00","record_checkpoint":"4"},
        {"tablename":"incident","documentkey":"s2","fieldname":"state","oldvalue":"2","newvalue":"6","sys_created_on":"2026-10-06 13:00:00","record_checkpoint":"5"},
        {"tablename":"incident","documentkey":"s3","fieldname":"state","oldvalue":"","newvalue":"1","sys_created_on":"2026-10-07 09:00:00","record_checkpoint":"1"},
        {"tablename":"incident","documentkey":"s4","fieldname":"state","oldvalue":"","newvalue":"1","sys_created_on":"2026-10-07 10:00:00","record_checkpoint":"1"},
        {"tablename":"incident","documentkey":"s4","fieldname":"state","oldvalue":"1","newvalue":"3","sys_created_on":"2026-10-07 10:30:00","record_checkpoint":"2"},
        {"tablename":"incident","documentkey":"s4","fieldname":"hold_reason","oldvalue":"","newvalue":"5","sys_created_on":"2026-10-07 10:30:00","record_checkpoint":"2"},
        {"tablename":"incident","documentkey":"s9","fieldname":"state","oldvalue":"","newvalue":"1","sys_created_on":"2026-10-05 09:00:00","record_checkpoint":"1"}
    ]"#);
    fake.put_json("sys_choice", r#"[
        {"name":"incident","element":"hold_reason","value":"1","label":"Awaiting Caller","language":"en","sequence":"1"},
        {"name":"incident","element":"hold_reason","value":"5","label":"Awaiting Vendor","language":"en","sequence":"5"},
        {"name":"incident","element":"hold_reason","value":"5","label":"En attente du fournisseur","language":"fr","sequence":"6"}
    ]"#);
    fake.put_json("problem", &format!(r#"[
        {{"sys_id":"p1","number":"PRB0040001","opened_at":"2026-10-08 10:00:00","sys_updated_on":"2026-10-08 10:00:00",{group}}},
        {{"sys_id":"p9","number":"PRB0049999","opened_at":"2026-10-08 10:00:00","sys_updated_on":"2026-10-08 10:00:00",{other}}}
    ]"#));
    fake.put_json("change_request", &format!(r#"[
        {{"sys_id":"c1","number":"CHG0030001","type":"standard","opened_at":"2026-10-09 10:00:00","sys_updated_on":"2026-10-09 10:00:00",{group}}},
        {{"sys_id":"c2","number":"CHG0030002","type":"emergency","opened_at":"2026-10-10 10:00:00","sys_updated_on":"2026-10-10 10:00:00",{group}}}
    ]"#));
    // The supplier says INC0010002 met its SLA; the evidence says otherwise.
    let sla = r#""sla":"def-p1","sla.name":"P1 resolution (4h)","stage":"completed""#;
    fake.put_json("task_sla", &format!(r#"[
        {{"sys_id":"t1","task":"s1","task.number":"INC0010001","task.sys_class_name":"incident","task.assignment_group.name":"Acme Service Desk",{sla},"has_breached":"false","start_time":"2026-10-05 09:00:00","end_time":"2026-10-05 14:00:00","planned_end_time":"2026-10-05 14:30:00","business_duration":"1970-01-01 03:30:00","pause_duration":"1970-01-01 01:30:00","sys_updated_on":"2026-10-05 14:00:06"}},
        {{"sys_id":"t2","task":"s2","task.number":"INC0010002","task.sys_class_name":"incident","task.assignment_group.name":"Acme Service Desk",{sla},"has_breached":"false","start_time":"2026-10-06 08:00:00","end_time":"2026-10-06 13:00:00","planned_end_time":"2026-10-06 13:00:00","business_duration":"1970-01-01 04:00:00","pause_duration":"1970-01-01 01:00:00","sys_updated_on":"2026-10-06 13:00:06"}},
        {{"sys_id":"t9","task":"s9","task.number":"INC0099999","task.sys_class_name":"incident","task.assignment_group.name":"Other Desk",{sla},"has_breached":"true","start_time":"2026-10-05 09:00:00","end_time":"","planned_end_time":"2026-10-05 13:00:00","business_duration":"1970-01-01 05:00:00","pause_duration":"1970-01-01 00:00:00","sys_updated_on":"2026-10-06 13:00:06"}},
        {{"sys_id":"t10","task":"p1","task.number":"PRB0040001","task.sys_class_name":"problem","task.assignment_group.name":"Acme Service Desk",{sla},"has_breached":"false","start_time":"2026-10-08 10:00:00","end_time":"","planned_end_time":"","business_duration":"1970-01-01 00:00:00","pause_duration":"1970-01-01 00:00:00","sys_updated_on":"2026-10-08 10:00:00"}}
    ]"#));
}

#[tokio::test]
async fn maps_incidents_holds_work_and_supplier_verdicts() {
    let h = Harness::new().await;
    october_instance(&h.fake);

    let summary = h.poll().await.unwrap();

    // What was read: the other customer's records never come.
    assert_eq!(summary.fetched["incident"], 4);
    assert_eq!(summary.fetched["sys_audit"], 18);
    assert_eq!(summary.fetched["problem"], 1);
    assert_eq!(summary.fetched["change_request"], 2);
    assert_eq!(summary.fetched["task_sla"], 2);
    // 3 incidents + 4 incident work items + 3 holds, 1 problem, 2 changes.
    assert_eq!(summary.holds, 3);
    assert_eq!(summary.counts.stored, 13);
    assert_eq!(summary.verdicts, 2);
    // Priority 5 is not in priority_map: refused, naming the value.
    assert_eq!(summary.rejected.len(), 1);
    assert_eq!(summary.rejected[0].number, "INC0010003");
    assert!(
        summary.rejected[0]
            .reason
            .contains("'5 (not in priority_map)'"),
        "{}",
        summary.rejected[0].reason
    );

    let evidence = h.october().await;
    assert_eq!(ids(&evidence), ["INC0010001", "INC0010002", "INC0010004"]);
    let by_id = |id: &str| evidence.incidents.iter().find(|i| i.id == id).unwrap();

    let inc1 = by_id("INC0010001");
    assert_eq!(inc1.priority, Priority::P1);
    assert_eq!(inc1.service.as_deref(), Some("email"));
    assert_eq!(inc1.title.as_deref(), Some("Mail down"));
    assert_eq!(inc1.opened_at, utc("2026-10-05T09:00:00Z"));
    assert_eq!(inc1.responded_at, Some(utc("2026-10-05T09:20:00Z")));
    assert_eq!(inc1.resolved_at, Some(utc("2026-10-05T14:00:00Z")));
    assert_eq!(inc1.holds.len(), 1);
    assert_eq!(inc1.holds[0].start, utc("2026-10-05T10:00:00Z"));
    assert_eq!(inc1.holds[0].end, Some(utc("2026-10-05T11:30:00Z")));
    assert_eq!(inc1.holds[0].reason, "awaiting_customer");

    let inc2 = by_id("INC0010002");
    assert_eq!(inc2.service.as_deref(), Some("network"));
    assert_eq!(inc2.responded_at, Some(utc("2026-10-06T08:45:00Z")));
    assert_eq!(inc2.holds[0].reason, "awaiting_vendor");
    assert_eq!(inc2.holds[0].end, Some(utc("2026-10-06T10:00:00Z")));

    let inc4 = by_id("INC0010004");
    assert_eq!(inc4.priority, Priority::P3);
    // Not in service_map: kept as ServiceNow names it.
    assert_eq!(inc4.service.as_deref(), Some("Payroll"));
    assert_eq!(inc4.responded_at, Some(utc("2026-10-07T10:30:00Z")));
    assert_eq!(inc4.resolved_at, None);
    assert_eq!(inc4.holds.len(), 1);
    assert_eq!(inc4.holds[0].start, utc("2026-10-07T10:30:00Z"));
    assert_eq!(inc4.holds[0].end, None);
    assert_eq!(inc4.holds[0].reason, "awaiting_vendor");

    // The figures by hand. P1 resolution: INC0010001 took 5 h less 1.5 h
    // waiting on the caller = 3.5 h (met); INC0010002 took 5 h, the vendor
    // hour not excluded (breached). P1 response: 20 min met, 45 min breached.
    // Work: proactive PRB0040001 and the standard change; reactive the four
    // incidents (the refused one is still reactive work) and the emergency change.
    let month = evaluate_month(h.contract(), "2026-10".parse().unwrap(), &evidence, now());
    let figures = |id: &str| &month.levels.iter().find(|l| l.id == id).unwrap().figures;
    match figures("p1-resolution") {
        Figures::Incidents(f) => assert_eq!((f.assessed, f.met), (2, 1)),
        other => panic!("{other:?}"),
    }
    match figures("p1-response") {
        Figures::Incidents(f) => assert_eq!((f.assessed, f.met), (2, 1)),
        other => panic!("{other:?}"),
    }
    match figures("proactive-share") {
        Figures::Proactive {
            proactive,
            reactive,
        } => assert_eq!((*proactive, *reactive), (2, 5)),
        other => panic!("{other:?}"),
    }

    let verdicts = h.deps.store.sla_verdicts(CONTRACT).await.unwrap();
    assert_eq!(
        verdicts[1],
        SlaVerdict {
            sys_id: "t2".into(),
            incident_id: "INC0010002".into(),
            sla_name: Some("P1 resolution (4h)".into()),
            stage: Some("completed".into()),
            has_breached: Some(false),
            start_at: Some(utc("2026-10-06T08:00:00Z").timestamp()),
            end_at: Some(utc("2026-10-06T13:00:00Z").timestamp()),
            planned_end_at: Some(utc("2026-10-06T13:00:00Z").timestamp()),
            business_duration_seconds: Some(4 * 3600),
            pause_duration_seconds: Some(3600),
            business_pause_seconds: None,
            target: None,
            updated_at: utc("2026-10-06T13:00:06Z").timestamp(),
        }
    );
    assert_eq!(verdicts[0].incident_id, "INC0010001");
    assert_eq!(verdicts[0].business_duration_seconds, Some(12_600));
    assert_eq!(verdicts.len(), 2);

    // The requests: raw values, no reference links, the configured query,
    // task_sla scoped through its task.
    let first = &h.fake.seen_for("incident")[0];
    assert_eq!(first.params["sysparm_display_value"], "false");
    assert_eq!(first.params["sysparm_exclude_reference_link"], "true");
    assert_eq!(
        first.query(),
        format!("assignment_group.name={GROUP}^ORDERBYsys_updated_on^ORDERBYsys_id")
    );
    assert_eq!(
        h.fake.seen_for("task_sla")[0].query(),
        format!(
            "task.sys_class_name=incident^task.assignment_group.name={GROUP}^ORDERBYsys_updated_on^ORDERBYsys_id"
        )
    );

    // Polling the same instance again changes nothing.
    let again = h.poll().await.unwrap();
    assert_eq!((again.counts.stored, again.counts.updated), (0, 0));
    assert_eq!(
        ids(&h.october().await),
        ["INC0010001", "INC0010002", "INC0010004"]
    );
}

#[tokio::test]
async fn a_second_poll_reads_only_what_changed_and_updates_in_place() {
    let h = Harness::new().await;
    h.fake.put(
        "incident",
        vec![
            inc(
                "s1",
                "INC1",
                "1",
                "2026-10-05 09:00:00",
                "",
                "2026-10-05 09:00:00",
            ),
            inc(
                "s2",
                "INC2",
                "2",
                "2026-10-05 09:30:00",
                "",
                "2026-10-05 10:00:00",
            ),
        ],
    );
    let first = h.poll().await.unwrap();
    assert_eq!(first.counts.stored, 4);
    assert_eq!(
        h.state("incident").await.watermark.as_deref(),
        Some("2026-10-05 10:00:00")
    );

    // INC1 is resolved and INC3 opened after the first poll.
    h.fake.put(
        "incident",
        vec![
            inc(
                "s1",
                "INC1",
                "1",
                "2026-10-05 09:00:00",
                "2026-10-05 12:00:00",
                "2026-10-05 12:00:00",
            ),
            inc(
                "s3",
                "INC3",
                "3",
                "2026-10-05 12:10:00",
                "",
                "2026-10-05 12:30:00",
            ),
        ],
    );
    h.fake.forget_seen();
    let second = h.poll().await.unwrap();

    // From the watermark less the minute's overlap: INC2 (at the
    // watermark) comes again, unchanged.
    let query = h.fake.seen_for("incident")[0].query().to_string();
    assert_eq!(
        query,
        format!(
            "sys_updated_on>=2026-10-05 09:59:00^assignment_group.name={GROUP}^ORDERBYsys_updated_on^ORDERBYsys_id"
        )
    );
    assert_eq!(second.fetched["incident"], 3);
    // New: INC3 and its work item. Updated: INC1. Unchanged: INC2, its work
    // item and INC1's work item.
    assert_eq!(
        (
            second.counts.stored,
            second.counts.updated,
            second.counts.unchanged
        ),
        (2, 1, 3)
    );
    assert_eq!(
        h.state("incident").await.watermark.as_deref(),
        Some("2026-10-05 12:30:00")
    );

    let evidence = h.october().await;
    assert_eq!(ids(&evidence), ["INC1", "INC2", "INC3"]);
    let inc1 = evidence.incidents.iter().find(|i| i.id == "INC1").unwrap();
    assert_eq!(inc1.resolved_at, Some(utc("2026-10-05T12:00:00Z")));
}

#[tokio::test]
async fn changed_settings_read_everything_again() {
    let h = Harness::new().await;
    h.fake.put(
        "incident",
        vec![inc(
            "s1",
            "INC5",
            "5",
            "2026-10-05 09:00:00",
            "",
            "2026-10-05 09:00:00",
        )],
    );
    let first = h.poll().await.unwrap();
    assert_eq!(first.rejected.len(), 1);

    // The operator maps priority 5; the incident has not changed since.
    let mut fixed = h.cfg.clone();
    fixed.priority_map.insert("5".into(), Priority::P5);
    h.fake.forget_seen();
    let second = h.poll_with(&fixed).await.unwrap();
    assert_eq!(
        h.fake.seen_for("incident")[0].query(),
        format!("assignment_group.name={GROUP}^ORDERBYsys_updated_on^ORDERBYsys_id")
    );
    assert!(second.rejected.is_empty());
    assert_eq!(ids(&h.october().await), ["INC5"]);

    // And then incrementally again.
    h.fake.forget_seen();
    h.poll_with(&fixed).await.unwrap();
    assert!(
        h.fake.seen_for("incident")[0]
            .query()
            .starts_with("sys_updated_on>=2026-10-05 08:59:00^")
    );
}

#[tokio::test]
async fn waits_out_a_rate_limit() {
    let h = Harness::new().await;
    h.fake.put("incident", six_incidents());
    h.fake.script(
        "incident",
        &[Scripted::Status {
            code: 429,
            retry_after: Some(1),
        }],
    );

    let started = Instant::now();
    let summary = h.poll().await.unwrap();

    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(h.fake.seen_for("incident").len(), 2);
    assert_eq!(summary.fetched["incident"], 6);
    assert_eq!(h.state("").await.consecutive_failures, 0);
}

#[tokio::test]
async fn retries_a_server_error() {
    let h = Harness::new().await;
    h.fake.put("incident", six_incidents());
    h.fake.script(
        "problem",
        &[Scripted::Status {
            code: 500,
            retry_after: None,
        }],
    );

    let summary = h.poll().await.unwrap();

    assert_eq!(h.fake.seen_for("problem").len(), 2);
    assert_eq!(summary.fetched["incident"], 6);
    assert!(h.state("").await.last_success_at.is_some());
}

#[tokio::test]
async fn a_failing_server_is_recorded_and_the_next_poll_carries_on() {
    let h = Harness::new().await;
    h.fake.put("incident", six_incidents());
    let error_500 = Scripted::Status {
        code: 503,
        retry_after: None,
    };
    h.fake.script(
        "incident",
        &[error_500.clone(), error_500.clone(), error_500],
    );

    let error = h.poll().await.unwrap_err();

    assert!(matches!(error, PollError::Unavailable { .. }), "{error:?}");
    assert!(!error.needs_a_human());
    let message = error.to_string();
    assert!(
        message.contains("incident")
            && message.contains("503")
            && message.contains("tried 3 times"),
        "{message}"
    );
    assert_eq!(h.fake.seen_for("incident").len(), 3);
    let state = h.state("").await;
    assert_eq!(state.consecutive_failures, 1);
    assert_eq!(state.last_error.as_deref(), Some(message.as_str()));
    assert_eq!(state.last_success_at, None);
    assert_eq!(h.state("incident").await.watermark, None);
    assert!(h.october().await.incidents.is_empty());

    // The next scheduled poll finds the instance back.
    let summary = h.poll().await.unwrap();
    assert_eq!(summary.fetched["incident"], 6);
    let state = h.state("").await;
    assert_eq!((state.consecutive_failures, state.last_error), (0, None));
    assert_eq!(h.october().await.incidents.len(), 6);
}

#[tokio::test]
async fn retries_a_slow_answer_and_records_one_that_never_comes() {
    let mut h = Harness::new().await;
    h.options.request_timeout = Duration::from_millis(300);
    h.fake.put("incident", six_incidents());
    let slow = Scripted::Delay(Duration::from_secs(2));
    h.fake.script("incident", std::slice::from_ref(&slow));

    let summary = h.poll().await.unwrap();
    assert_eq!(summary.fetched["incident"], 6);
    assert_eq!(h.fake.seen_for("incident").len(), 2);

    h.fake
        .script("change_request", &[slow.clone(), slow.clone(), slow]);
    let error = h.poll().await.unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("change_request") && message.contains("no answer within 0.3 s"),
        "{message}"
    );
    assert_eq!(h.state("").await.consecutive_failures, 1);
    assert!(h.state("change_request").await.last_error.is_some());
}

#[tokio::test]
async fn refused_credentials_are_recorded_without_the_secret() {
    let h = Harness::with(WRONG_PASSWORD_ENV, "0 */5 * * * *").await;
    h.fake.put("incident", six_incidents());

    let error = h.poll().await.unwrap_err();

    assert!(error.needs_a_human());
    let message = error.to_string();
    assert!(message.starts_with("authentication failed"), "{message}");
    assert!(message.contains(WRONG_PASSWORD_ENV), "{message}");
    assert!(!message.contains(WRONG_PASSWORD), "{message}");
    let state = h.state("").await;
    assert_eq!(state.consecutive_failures, 1);
    assert!(
        state
            .last_error
            .unwrap()
            .starts_with("authentication failed")
    );
    assert_eq!(state.last_success_at, None);
}

#[tokio::test]
async fn a_missing_password_variable_is_an_authentication_failure() {
    let h = Harness::with(UNSET_ENV, "0 */5 * * * *").await;

    let error = h.poll().await.unwrap_err();

    let message = error.to_string();
    assert!(
        message.starts_with("authentication failed") && message.contains(UNSET_ENV),
        "{message}"
    );
    assert!(h.fake.seen().is_empty());
}

#[tokio::test]
async fn access_denied_stops_before_the_table_is_stored() {
    let h = Harness::new().await;
    h.fake.put("incident", six_incidents());
    // The incidents themselves are refused (a missing audit role is not a
    // stop: see the audit tests below).
    h.fake.script(
        "incident",
        &[Scripted::Status {
            code: 403,
            retry_after: None,
        }],
    );

    let error = h.poll().await.unwrap_err();

    assert!(error.needs_a_human());
    assert!(
        error
            .to_string()
            .starts_with("access denied reading incident"),
        "{error}"
    );
    assert_eq!(h.state("incident").await.watermark, None);
    assert!(h.october().await.incidents.is_empty());
    assert!(h.state("incident").await.last_error.is_some());
}

#[tokio::test]
async fn an_empty_table_answered_404_is_empty() {
    let h = Harness::new().await;
    h.fake.put("incident", six_incidents());
    h.fake.empty_as_404();

    let summary = h.poll().await.unwrap();

    assert_eq!(summary.fetched["problem"], 0);
    assert_eq!(summary.fetched["task_sla"], 0);
    assert_eq!(summary.fetched["incident"], 6);
}

/// Waits up to five seconds for `check`.
async fn eventually(mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn runs_on_its_schedule_until_cancelled() {
    let h = Harness::with(PASSWORD_ENV, "* * * * * *").await;
    h.fake.put("incident", six_incidents());
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(servicenow::run_with(
        h.deps.for_sources(),
        h.source.clone(),
        h.cfg.clone(),
        h.options.clone(),
        shutdown.clone(),
    ));

    // The first poll at start stores and says so; the schedule brings the next.
    tokio::time::timeout(Duration::from_secs(5), h.deps.ingested.notified())
        .await
        .expect("told of the ingest");
    eventually(|| h.fake.seen_for("incident").len() >= 2).await;
    shutdown.cancel();
    let outcome = tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .expect("stops when cancelled");
    outcome.unwrap().unwrap();
    assert_eq!(h.october().await.incidents.len(), 6);
    assert!(h.state("").await.last_success_at.is_some());
}

#[tokio::test]
async fn stops_polling_on_refused_credentials_until_shutdown() {
    let h = Harness::with(WRONG_PASSWORD_ENV, "* * * * * *").await;
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(servicenow::run_with(
        h.deps.for_sources(),
        h.source.clone(),
        h.cfg.clone(),
        h.options.clone(),
        shutdown.clone(),
    ));

    eventually(|| !h.fake.seen().is_empty()).await;
    // Two scheduled polls would have come by now.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_eq!(h.fake.seen().len(), 1);
    assert!(!task.is_finished(), "the daemon keeps running");
    assert!(
        h.state("")
            .await
            .last_error
            .unwrap()
            .starts_with("authentication failed")
    );

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .expect("stops when cancelled")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn an_instance_sending_more_history_than_any_incident_has_is_refused() {
    let mut h = Harness::new().await;
    h.options.max_held_records = 3;
    h.fake.put("incident", six_incidents());
    // Four audit rows for one incident: more than this poll will hold.
    let audit: Vec<Row> = (0..4)
        .map(|n| {
            row(&[
                ("sys_id", &format!("a{n}")),
                ("tablename", "incident"),
                ("documentkey", "s1"),
                ("fieldname", "state"),
                ("oldvalue", "1"),
                ("newvalue", "2"),
                ("sys_created_on", &format!("2026-10-01 09:0{n}:00")),
                ("record_checkpoint", &n.to_string()),
            ])
        })
        .collect();
    h.fake.put("sys_audit", audit);
    let e = h.poll().await.unwrap_err();
    assert!(
        e.to_string()
            .contains("more than 3 records for one query (a short list was expected)"),
        "{e}"
    );
}

#[tokio::test]
async fn pages_are_stored_as_they_come_and_a_failure_keeps_them() {
    let mut h = Harness::new().await;
    h.options.page_size = 2;
    h.options.attempts = 1;
    h.fake.put("incident", six_incidents());
    // Two pages answered, then the instance fails for good.
    h.fake.script(
        "incident",
        &[
            Scripted::Delay(Duration::ZERO),
            Scripted::Delay(Duration::ZERO),
            Scripted::Status {
                code: 500,
                retry_after: None,
            },
        ],
    );
    assert!(h.poll().await.is_err());
    // The four incidents read are stored, and the watermark is past them:
    // a first sync of a large instance holds one page at a time, and what
    // it read before a failure is kept.
    assert_eq!(
        ids(&h.october().await),
        ["INC0000001", "INC0000002", "INC0000003", "INC0000004"]
    );
    assert_eq!(
        h.state("incident").await.watermark.as_deref(),
        Some("2026-10-04 10:00:00")
    );
    // The next poll reads on from there.
    h.poll().await.unwrap();
    assert_eq!(ids(&h.october().await).len(), 6);
}

/// The October figures of one incident level: (assessed, met, unknown ids).
fn level(month: &slawatch::engine::MonthEvaluation, id: &str) -> (u64, u64, Vec<String>) {
    match &month.levels.iter().find(|l| l.id == id).unwrap().figures {
        Figures::Incidents(f) => (
            f.assessed,
            f.met,
            f.unknown.iter().map(|u| u.incident.clone()).collect(),
        ),
        other => panic!("{other:?}"),
    }
}

/// Polls an instance whose API user cannot read `sys_audit` (as `how`
/// says), then again once the role is granted.
async fn audit_unreadable_then_granted(how: fake_servicenow::Restriction, says: &str) {
    let h = Harness::new().await;
    october_instance(&h.fake);
    h.fake.restrict("sys_audit", how);

    let summary = h.poll().await.unwrap();

    // The other tables are read all the same.
    assert_eq!(summary.fetched["incident"], 4);
    assert_eq!(summary.fetched["problem"], 1);
    assert_eq!(summary.fetched["change_request"], 2);
    assert_eq!(summary.fetched["task_sla"], 2);
    assert_eq!(summary.holds, 0);
    // All four incidents read have unknown clocks (INC0010003 is then
    // refused for its priority, as before).
    assert_eq!(summary.unknown_clocks, 4);
    let reason = summary
        .audit_blocked
        .clone()
        .expect("the audit is unreadable");
    assert!(reason.contains("audit_viewer"), "{reason}");
    assert!(reason.contains(says), "{reason}");
    // The source as a whole polled; its audit scope failed, naming the role.
    assert_eq!(h.state("").await.consecutive_failures, 0);
    let audit = h.state("sys_audit").await;
    assert_eq!(audit.consecutive_failures, 1);
    assert!(audit.last_error.unwrap().contains("audit_viewer"));
    let mut alerts = Vec::new();
    slawatch::alerts::feeds::source_alerts(&h.deps.config, &h.deps.store, now(), &mut alerts)
        .await
        .unwrap();
    let kinds: Vec<&str> = alerts.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(kinds, ["source_audit_unreadable"]);

    // No response and no hold is known. By hand: INC0010001 (09:00-14:00)
    // and INC0010002 (08:00-13:00) each took 5 h to resolve, so on what is
    // known each breaches both P1 levels (response capped at the 5 h
    // resolution > 30 min; resolution 5 h > 4 h). Neither is counted: both
    // are listed as unknown instead of two false breaches per level.
    let evidence = h.october().await;
    let month = evaluate_month(h.contract(), "2026-10".parse().unwrap(), &evidence, now());
    let both = vec!["INC0010001".to_string(), "INC0010002".to_string()];
    assert_eq!(level(&month, "p1-response"), (0, 0, both.clone()));
    assert_eq!(level(&month, "p1-resolution"), (0, 0, both));
    // The report's data-quality section lists them, level by level.
    let report = slawatch::report::MonthReport::new(h.contract(), month, Default::default());
    let json = serde_json::to_value(slawatch::report::json::to_json(&report)).unwrap();
    let listed: Vec<(&str, &str, &str)> = json["data_quality"]["unknown_clocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["service_level"].as_str().unwrap(),
                u["incident"].as_str().unwrap(),
                u["missing"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("p1-resolution", "INC0010001", "holds"),
            ("p1-resolution", "INC0010002", "holds"),
            ("p1-response", "INC0010001", "response"),
            ("p1-response", "INC0010002", "response"),
        ]
    );
    assert!(
        json["data_quality"]["unknown_clocks"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("audit_viewer")
    );

    // The role is granted: the next poll reads the incidents again from the
    // start, with their history, and the clocks are known again.
    h.fake.grant("sys_audit");
    let again = h.poll().await.unwrap();
    assert_eq!(again.audit_blocked, None);
    assert_eq!(again.unknown_clocks, 0);
    assert_eq!(again.fetched["incident"], 4);
    assert_eq!(again.holds, 3);
    assert_eq!(h.state("sys_audit").await.consecutive_failures, 0);
    let evidence = h.october().await;
    let month = evaluate_month(h.contract(), "2026-10".parse().unwrap(), &evidence, now());
    // As in the mapping test: response 20 min met, 45 min breached;
    // resolution 3.5 h met, 5 h breached.
    assert_eq!(level(&month, "p1-response"), (2, 1, vec![]));
    assert_eq!(level(&month, "p1-resolution"), (2, 1, vec![]));
}

#[tokio::test]
async fn an_audit_answered_403_marks_clocks_unknown_and_polls_the_rest() {
    audit_unreadable_then_granted(fake_servicenow::Restriction::Forbidden, "HTTP 403").await;
}

#[tokio::test]
async fn an_audit_filtered_by_access_control_marks_clocks_unknown() {
    audit_unreadable_then_granted(fake_servicenow::Restriction::Filtered, "hidden").await;
}

/// An instance as shipped: inserts are not audited
/// (`glide.sys.audit_inserts` false), so INC0020001, logged by the service
/// desk straight into In Progress at 09:00, has no audited move away from
/// New; its only audited state change is the resolution at 12:00.
fn unaudited_insert_instance(fake: &FakeServiceNow) {
    fake.put_json("incident", &format!(r#"[
        {{"sys_id":"s1","number":"INC0020001","priority":"1","state":"6","opened_at":"2026-10-12 09:00:00","resolved_at":"2026-10-12 12:00:00","closed_at":"","short_description":"Phones","business_service":"svc-email","business_service.name":"Email","sys_updated_on":"2026-10-12 12:00:01","assignment_group.name":"{GROUP}","work_start":"2026-10-12 09:10:00","caller_id.user_name":"jbloggs"}}
    ]"#));
    fake.put_json("sys_audit", r#"[
        {"tablename":"incident","documentkey":"s1","fieldname":"assigned_to","oldvalue":"","newvalue":"u-agent","sys_created_on":"2026-10-12 09:40:00","record_checkpoint":"2"},
        {"tablename":"incident","documentkey":"s1","fieldname":"state","oldvalue":"2","newvalue":"6","sys_created_on":"2026-10-12 12:00:00","record_checkpoint":"3"}
    ]"#);
    // The caller comments first; the supplier's agent writes at 09:25.
    fake.put_json("sys_journal_field", r#"[
        {"sys_id":"j1","name":"incident","element":"comments","element_id":"s1","sys_created_on":"2026-10-12 09:02:00","sys_created_by":"jbloggs","value":"Still down"},
        {"sys_id":"j2","name":"incident","element":"work_notes","element_id":"s1","sys_created_on":"2026-10-12 09:25:00","sys_created_by":"acme.agent","value":"Looking"},
        {"sys_id":"j3","name":"incident","element":"work_notes","element_id":"s9","sys_created_on":"2026-10-12 09:01:00","sys_created_by":"acme.agent","value":"Another incident"}
    ]"#);
}

#[tokio::test]
async fn the_response_instant_is_read_where_the_source_says() {
    use slawatch::config::ResponseFrom;
    let h = Harness::new().await;
    unaudited_insert_instance(&h.fake);
    let h = &h;
    let responded = |from: ResponseFrom| {
        let mut cfg = h.cfg.clone();
        cfg.response_from = from;
        async move {
            h.poll_with(&cfg).await.unwrap();
            let evidence = h.october().await;
            let month = evaluate_month(h.contract(), "2026-10".parse().unwrap(), &evidence, now());
            (
                evidence.incidents[0].responded_at,
                level(&month, "p1-response"),
            )
        }
    };

    // By default (state): created past New, so answered as it was logged,
    // 09:00: met. Taking the 12:00 resolution as the first move away from
    // New would breach the 30 min response by 2.5 h.
    assert_eq!(
        responded(ResponseFrom::StateChange).await,
        (Some(utc("2026-10-12T09:00:00Z")), (1, 1, vec![]))
    );
    // work_start 09:10: 10 min, met.
    assert_eq!(
        responded(ResponseFrom::WorkStart).await,
        (Some(utc("2026-10-12T09:10:00Z")), (1, 1, vec![]))
    );
    // The first journal entry not by the caller (jbloggs at 09:02): the
    // agent's work note at 09:25, 25 min, met.
    assert_eq!(
        responded(ResponseFrom::Journal).await,
        (Some(utc("2026-10-12T09:25:00Z")), (1, 1, vec![]))
    );
    // The first assignment at 09:40: 40 min > 30 min, breached.
    assert_eq!(
        responded(ResponseFrom::Assignment).await,
        (Some(utc("2026-10-12T09:40:00Z")), (1, 0, vec![]))
    );
    let journal = &h.fake.seen_for("sys_journal_field")[0];
    assert_eq!(
        journal.query(),
        "name=incident^elementINwork_notes,comments^element_idINs1^ORDERBYsys_created_on"
    );
}

#[tokio::test]
async fn an_old_state_model_is_mapped_as_configured() {
    use slawatch::config::StateModel;
    let h = Harness::new().await;
    // Before On Hold and hold_reason: Awaiting Problem (3), Awaiting User
    // Info (4), Awaiting Evidence (5) are states of their own.
    h.fake.put_json("incident", &format!(r#"[
        {{"sys_id":"s1","number":"INC0030001","priority":"1","state":"6","opened_at":"2026-10-13 09:00:00","resolved_at":"2026-10-13 14:00:00","closed_at":"","short_description":"Old","business_service":"svc-email","business_service.name":"Email","sys_updated_on":"2026-10-13 14:00:01","assignment_group.name":"{GROUP}"}}
    ]"#));
    h.fake.put_json("sys_audit", r#"[
        {"tablename":"incident","documentkey":"s1","fieldname":"state","oldvalue":"","newvalue":"1","sys_created_on":"2026-10-13 09:00:00","record_checkpoint":"1"},
        {"tablename":"incident","documentkey":"s1","fieldname":"state","oldvalue":"1","newvalue":"2","sys_created_on":"2026-10-13 09:10:00","record_checkpoint":"2"},
        {"tablename":"incident","documentkey":"s1","fieldname":"state","oldvalue":"2","newvalue":"4","sys_created_on":"2026-10-13 10:00:00","record_checkpoint":"3"},
        {"tablename":"incident","documentkey":"s1","fieldname":"state","oldvalue":"4","newvalue":"2","sys_created_on":"2026-10-13 11:30:00","record_checkpoint":"4"},
        {"tablename":"incident","documentkey":"s1","fieldname":"state","oldvalue":"2","newvalue":"3","sys_created_on":"2026-10-13 12:00:00","record_checkpoint":"5"},
        {"tablename":"incident","documentkey":"s1","fieldname":"state","oldvalue":"3","newvalue":"2","sys_created_on":"2026-10-13 12:30:00","record_checkpoint":"6"},
        {"tablename":"incident","documentkey":"s1","fieldname":"state","oldvalue":"2","newvalue":"6","sys_created_on":"2026-10-13 14:00:00","record_checkpoint":"7"}
    ]"#);
    let mut cfg = h.cfg.clone();
    cfg.states = StateModel {
        new_states: vec!["1".into()],
        hold_states: [
            ("3", "awaiting_problem"),
            ("4", "awaiting_customer"),
            ("5", "awaiting_evidence"),
        ]
        .into_iter()
        .map(|(s, r)| (s.to_string(), Some(r.to_string())))
        .collect(),
        hold_reasons: Default::default(),
    };

    let summary = h.poll_with(&cfg).await.unwrap();

    assert_eq!(summary.holds, 2);
    let evidence = h.october().await;
    let holds: Vec<_> = evidence.incidents[0]
        .holds
        .iter()
        .map(|h| (h.start, h.end, h.reason.as_str()))
        .collect();
    assert_eq!(
        holds,
        [
            (
                utc("2026-10-13T10:00:00Z"),
                Some(utc("2026-10-13T11:30:00Z")),
                "awaiting_customer"
            ),
            (
                utc("2026-10-13T12:00:00Z"),
                Some(utc("2026-10-13T12:30:00Z")),
                "awaiting_problem"
            ),
        ]
    );
    // By hand: 09:00-14:00 is 5 h, less 1.5 h awaiting the user = 3.5 h,
    // within the 4 h P1 resolution (the current model would see no wait on
    // the user and breach it by an hour). Response at 09:10: met.
    let month = evaluate_month(h.contract(), "2026-10".parse().unwrap(), &evidence, now());
    assert_eq!(level(&month, "p1-resolution"), (1, 1, vec![]));
    assert_eq!(level(&month, "p1-response"), (1, 1, vec![]));
    assert_eq!(
        evidence.incidents[0].responded_at,
        Some(utc("2026-10-13T09:10:00Z"))
    );
}

/// The dictionary of the tables the October instance serves: from then on
/// the fake, as a real instance, ignores a term naming a field a table lacks.
fn october_dictionary(fake: &FakeServiceNow) {
    let task = [
        "sys_id",
        "number",
        "opened_at",
        "sys_updated_on",
        "assignment_group",
        "short_description",
        "priority",
        "state",
        "business_service",
    ];
    fake.define("task", &task);
    fake.define("incident", &["resolved_at", "closed_at", "hold_reason"]);
    fake.define("problem", &["known_error"]);
    fake.define("change_request", &["type"]);
}

#[tokio::test]
async fn a_mistyped_query_is_refused_before_it_widens_the_read() {
    let h = Harness::new().await;
    october_instance(&h.fake);
    october_dictionary(&h.fake);
    let mut cfg = h.cfg.clone();
    cfg.query = Some(format!("assigment_group.name={GROUP}"));

    let error = h.poll_with(&cfg).await.unwrap_err();

    // Unchecked, the instance would drop the term and send every incident,
    // the other desk's INC0099999 among them.
    assert!(error.needs_a_human());
    let text = error.to_string();
    assert!(
        text.starts_with("invalid query for incident: incident has no field assigment_group"),
        "{text}"
    );
    assert!(h.fake.seen_for("incident").is_empty());
    assert!(h.october().await.incidents.is_empty());
    assert!(h.state("incident").await.last_error.is_some());
}

#[tokio::test]
async fn each_table_may_have_its_own_query() {
    let h = Harness::new().await;
    october_instance(&h.fake);
    october_dictionary(&h.fake);
    let mut cfg = h.cfg.clone();
    cfg.queries
        .insert("problem".into(), "assignment_group.name=Other Desk".into());

    let summary = h.poll_with(&cfg).await.unwrap();

    // Problems by their own query (the other desk's PRB0049999 only);
    // incidents and changes by the common one.
    assert_eq!(summary.fetched["problem"], 1);
    assert_eq!(summary.fetched["incident"], 4);
    assert_eq!(summary.fetched["change_request"], 2);
    assert!(
        h.fake.seen_for("problem")[0]
            .query()
            .starts_with("assignment_group.name=Other Desk^ORDERBY"),
        "{:?}",
        h.fake.seen_for("problem")[0].query()
    );

    // A table's own query is checked against that table.
    cfg.queries
        .insert("change_request".into(), "tpye=emergency".into());
    let error = h.poll_with(&cfg).await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("change_request has no field tpye"),
        "{error}"
    );
    assert!(
        error.to_string().contains("queries.change_request"),
        "{error}"
    );
}

#[tokio::test]
async fn task_sla_definitions_say_which_clock_and_olas_are_left_out() {
    let h = Harness::new().await;
    october_instance(&h.fake);
    // INC0010001's response SLA, named without the word "response"; an OLA
    // of the supplier's network team and an underpinning contract with its
    // carrier, which bind the supplier's own teams, not the supplier.
    let row = |sys_id: &str,
               task: &str,
               number: &str,
               name: &str,
               target: &str,
               kind: &str,
               breached: &str| {
        format!(
            r#"{{"sys_id":"{sys_id}","task":"{task}","task.number":"{number}","task.sys_class_name":"incident","task.assignment_group.name":"{GROUP}","sla":"def-{sys_id}","sla.name":"{name}","sla.target":"{target}","sla.type":"{kind}","stage":"completed","has_breached":"{breached}","start_time":"2026-10-05 09:00:00","end_time":"2026-10-05 09:20:00","planned_end_time":"2026-10-05 09:15:00","business_duration":"1970-01-01 00:20:00","pause_duration":"1970-01-01 00:00:00","business_pause_duration":"1970-01-01 00:00:00","sys_updated_on":"2026-10-05 14:00:07"}}"#
        )
    };
    h.fake.put_json(
        "task_sla",
        &format!(
            "[{},{},{}]",
            row(
                "t3",
                "s1",
                "INC0010001",
                "P1 first touch",
                "response",
                "SLA",
                "true"
            ),
            row(
                "t4",
                "s1",
                "INC0010001",
                "Network team OLA",
                "resolution",
                "OLA",
                "true"
            ),
            row(
                "t5",
                "s2",
                "INC0010002",
                "Carrier UC",
                "resolution",
                "Underpinning contract",
                "true"
            ),
        ),
    );
    // t1's definition runs the resolution clock; 1.5 h of business time paused.
    h.fake.put_json(
        "task_sla",
        &format!(
            r#"[{{"sys_id":"t1","task":"s1","task.number":"INC0010001","task.sys_class_name":"incident","task.assignment_group.name":"{GROUP}","sla":"def-p1","sla.name":"P1 resolution (4h)","sla.target":"resolution","sla.type":"SLA","stage":"completed","has_breached":"false","start_time":"2026-10-05 09:00:00","end_time":"2026-10-05 14:00:00","planned_end_time":"2026-10-05 14:30:00","business_duration":"1970-01-01 03:30:00","pause_duration":"1970-01-01 01:30:00","business_pause_duration":"1970-01-01 01:30:00","sys_updated_on":"2026-10-05 14:00:06"}}]"#
        ),
    );

    let summary = h.poll().await.unwrap();

    // t1, t2 and t3 are the supplier's SLAs; t4 and t5 are read, not kept.
    assert_eq!(summary.fetched["task_sla"], 5);
    assert_eq!(summary.verdicts, 3);
    let verdicts = h.deps.store.sla_verdicts(CONTRACT).await.unwrap();
    let ids: Vec<&str> = verdicts.iter().map(|v| v.sys_id.as_str()).collect();
    // By incident, then SLA name ("P1 first touch" before "P1 resolution").
    assert_eq!(ids, ["t3", "t1", "t2"]);
    assert_eq!(verdicts[0].target.as_deref(), Some("response"));
    assert_eq!(verdicts[1].target.as_deref(), Some("resolution"));
    // 01:30:00 as a duration: 1.5 h = 5,400 s.
    assert_eq!(verdicts[1].business_pause_seconds, Some(5_400));

    // The supplier says INC0010001's response breached; the evidence has it
    // 20 min after the opening, within 30 min: a disagreement on the
    // response level (by its name alone it would have been compared with
    // the resolution level). INC0010002: supplier met, evidence 5 h > 4 h.
    let evidence = h.october().await;
    let found = slawatch::engine::verdicts::compare(
        h.contract(),
        "2026-10".parse().unwrap(),
        &evidence.incidents,
        &Default::default(),
        &verdicts,
        now(),
    );
    let found: Vec<(&str, &str)> = found
        .iter()
        .map(|d| (d.incident.as_str(), d.service_level.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("INC0010002", "p1-resolution"),
            ("INC0010001", "p1-response")
        ]
    );
}

fn oauth_client(secret_env: &str, refresh_env: Option<&str>) -> slawatch::config::OAuthClient {
    slawatch::config::OAuthClient {
        client_id: "slawatch-client".into(),
        client_secret_env: secret_env.into(),
        refresh_token_env: refresh_env.map(str::to_string),
    }
}

#[tokio::test]
async fn oauth_tokens_are_renewed_before_they_expire_and_when_refused() {
    let mut h = Harness::new().await;
    // Tokens last 3 s here (30 min on an instance), renewed 1 s before.
    h.options.token_margin = Duration::from_secs(1);
    h.fake
        .oauth("slawatch-client", CLIENT_SECRET, Duration::from_secs(3));
    h.fake.put("incident", six_incidents());
    let mut cfg = h.cfg.clone();
    cfg.oauth = Some(oauth_client(CLIENT_SECRET_ENV, None));

    let first = h.poll_with(&cfg).await.unwrap();
    assert_eq!(first.fetched["incident"], 6);
    assert_eq!(h.fake.grants(), ["client_credentials"]);
    // The next poll at once: the token has about 3 s left, kept.
    h.poll_with(&cfg).await.unwrap();
    assert_eq!(h.fake.grants(), ["client_credentials"]);
    // 2.2 s on, under 1 s is left: renewed by its refresh token first.
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    h.poll_with(&cfg).await.unwrap();
    assert_eq!(h.fake.grants(), ["client_credentials", "refresh_token"]);
    // The instance revokes the token: the 401 gets a new one, the poll
    // goes on.
    h.fake.revoke_access_tokens();
    h.poll_with(&cfg).await.unwrap();
    assert_eq!(
        h.fake.grants(),
        ["client_credentials", "refresh_token", "refresh_token"]
    );
    assert_eq!(h.state("").await.consecutive_failures, 0);
}

#[tokio::test]
async fn an_administrators_refresh_token_starts_the_oauth_flow() {
    let h = Harness::new().await;
    h.fake
        .oauth("slawatch-client", CLIENT_SECRET, Duration::from_secs(1_800));
    h.fake.issue_refresh_token(REFRESH_TOKEN);
    h.fake.put("incident", six_incidents());
    let mut cfg = h.cfg.clone();
    cfg.oauth = Some(oauth_client(CLIENT_SECRET_ENV, Some(REFRESH_TOKEN_ENV)));

    h.poll_with(&cfg).await.unwrap();

    assert_eq!(h.fake.grants(), ["refresh_token"]);
    let sent = &h.fake.seen_for("oauth_token.do")[0];
    assert_eq!(sent.params["refresh_token"], REFRESH_TOKEN);
}

#[tokio::test]
async fn a_refused_oauth_client_is_an_authentication_failure_without_the_secret() {
    let h = Harness::new().await;
    h.fake
        .oauth("slawatch-client", CLIENT_SECRET, Duration::from_secs(1_800));
    let mut cfg = h.cfg.clone();
    cfg.oauth = Some(oauth_client(WRONG_PASSWORD_ENV, None));

    let error = h.poll_with(&cfg).await.unwrap_err();

    assert!(error.needs_a_human());
    let text = error.to_string();
    assert!(
        text.starts_with(
            "authentication failed: oauth_token.do refused the client_credentials grant (HTTP 401"
        ),
        "{text}"
    );
    assert!(text.contains(WRONG_PASSWORD_ENV), "{text}");
    assert!(!text.contains(WRONG_PASSWORD), "{text}");
    assert!(h.fake.seen_for("incident").is_empty());
}

/// A first sync that runs into the instance's hourly rate limit (with or
/// without `Retry-After`): the poll stops at once instead of waiting most
/// of an hour, keeps the pages it stored, and the next poll resumes there.
async fn resumes_after_an_hourly_rate_limit(retry_after: bool) {
    let mut h = Harness::new().await;
    h.options.page_size = 2;
    h.fake.put("incident", six_incidents());
    // Pages: s1 s2, s3 s4, then the limit is spent for the next 55 min.
    h.fake.script(
        "incident",
        &[
            Scripted::Delay(Duration::ZERO),
            Scripted::Delay(Duration::ZERO),
            Scripted::RateLimitSpent {
                limit: 1_000,
                reset_in: 3_300,
                retry_after,
            },
        ],
    );

    let started = Instant::now();
    let error = tokio::time::timeout(Duration::from_secs(10), h.poll())
        .await
        .expect("the poll stops at once rather than waiting out the hour")
        .unwrap_err();

    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!error.needs_a_human());
    let text = error.to_string();
    assert!(
        text.contains("rate limited (HTTP 429) for another 3"),
        "{text}"
    );
    // Four incidents stored, the watermark at the fourth (s4, 10:00 on the 4th).
    assert_eq!(h.october().await.incidents.len(), 4);
    assert_eq!(
        h.state("incident").await.watermark.as_deref(),
        Some("2026-10-04 10:00:00")
    );

    // The poll asked once more than it could: no waiting, no retries.
    assert_eq!(h.fake.seen_for("incident").len(), 3);

    // The hour is up. The next poll reads from there (less the 60 s
    // overlap): s4, s5, s6.
    h.fake.rate_limit_resets();
    h.fake.forget_seen();
    let summary = h.poll().await.unwrap();
    assert_eq!(summary.fetched["incident"], 3);
    assert!(
        h.fake.seen_for("incident")[0]
            .query()
            .starts_with("sys_updated_on>=2026-10-04 09:59:00^"),
        "{:?}",
        h.fake.seen_for("incident")[0].query()
    );
    assert_eq!(h.october().await.incidents.len(), 6);
}

#[tokio::test]
async fn an_hourly_rate_limit_stops_the_poll_and_the_next_resumes() {
    resumes_after_an_hourly_rate_limit(true).await;
}

#[tokio::test]
async fn an_hourly_rate_limit_without_retry_after_is_read_from_its_reset() {
    resumes_after_an_hourly_rate_limit(false).await;
}
