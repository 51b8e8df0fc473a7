//! The daemon's HTTP API on a real port with a real SQLite store: tokens and
//! roles, pushed records, Alertmanager notifications, body limits, figures.

mod common;

use std::net::SocketAddr;

use common::{daemon_deps, sha256_hex};
use serde_json::{Value, json};
use slawatch::daemon::Deps;

const VIEWER: &str = "viewer-secret-123";
const WEBHOOK: &str = "webhook-secret-456";
const NOC: &str = "noc-secret-789";

struct Api {
    base: String,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
    deps: Deps,
}

/// When the API's daemon runs (its clock stands still there).
const NOW: &str = "2026-11-05T09:00:00Z";

impl Api {
    async fn start() -> Api {
        let _ = rustls::crypto::ring::default_provider().install_default();
        // Each token variable is unique to this test file; set before any
        // thread reads the environment.
        unsafe {
            std::env::set_var("HTTP_API_TEST_WEBHOOK_TOKEN", WEBHOOK);
            std::env::set_var("HTTP_API_TEST_NOC_TOKEN", NOC);
        }
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
            r#"max_request_bytes = 4096

[[contracts]]
id = "acme"
supplier = "Acme Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "1000.00"
managers = ["m@council.example"]

  [[contracts.service_levels]]
  id = "p1-resolution"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  target_percent = 95.0

  [[contracts.service_levels]]
  id = "email-availability"
  kind = "availability"
  services = ["email"]
  target_percent = 99.5

[[contracts]]
id = "other"
supplier = "Other plc"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "10.00"
managers = ["m@council.example"]

[[sources]]
id = "acme-push"
contract = "acme"
kind = "webhook"
token_env = "HTTP_API_TEST_WEBHOOK_TOKEN"

[[sources]]
id = "noc"
contract = "acme"
kind = "alertmanager"
token_env = "HTTP_API_TEST_NOC_TOKEN"
service_label = "service"
partial_when = {{ severity = "warning" }}
repeat_interval = "1h"
watchdog_alert = "Watchdog"

[[api_tokens]]
name = "grafana"
role = "viewer"
token_sha256 = "{viewer}"
"#,
            viewer = sha256_hex(VIEWER),
        );
        // The API's "now": after October (issued in a test below), whatever
        // day the suite runs.
        let now = NOW.parse().unwrap();
        let deps = daemon_deps(&dir, &config)
            .await
            .with_clock(slawatch::domain::WallClock::manual(now));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let app = slawatch::http::router(deps.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Api {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            _dir: dir,
            deps,
        }
    }

    async fn post(&self, path: &str, token: Option<&str>, body: String) -> (u16, Value) {
        let mut req = self.client.post(format!("{}{path}", self.base)).body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.json().await.unwrap_or(Value::Null);
        common::report_schema::check_api_answer(path, status, &body);
        (status, body)
    }
}

#[tokio::test]
async fn health_and_readiness() {
    let api = Api::start().await;
    let res = api
        .client
        .get(format!("{}/healthz", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = api
        .client
        .get(format!("{}/readyz", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn tokens_and_roles_are_enforced() {
    let api = Api::start().await;
    let record = json!([{"type": "incident", "id": "I1", "contract": "acme", "priority": "P1", "opened_at": "2026-10-05T09:00:00Z"}]).to_string();
    assert_eq!(
        api.post("/api/v1/records", None, record.clone()).await.0,
        401
    );
    assert_eq!(
        api.post("/api/v1/records", Some("wrong"), record.clone())
            .await
            .0,
        401
    );
    // A viewer may read but not push; a source token may push but not read.
    assert_eq!(
        api.post("/api/v1/records", Some(VIEWER), record.clone())
            .await
            .0,
        403
    );
    assert_eq!(api.get("/api/v1/contracts", Some(WEBHOOK)).await.0, 403);
    assert_eq!(api.get("/api/v1/contracts", Some(VIEWER)).await.0, 200);
    // One source's token cannot push to another source.
    assert_eq!(
        api.post("/api/v1/alertmanager/noc", Some(WEBHOOK), "{}".into())
            .await
            .0,
        403
    );
}

#[tokio::test]
async fn pushed_records_are_stored_line_by_line() {
    let api = Api::start().await;
    let body = [
        json!({"type": "incident", "id": "I1", "contract": "acme", "priority": "P1", "opened_at": "2026-10-05T09:00:00Z", "resolved_at": "2026-10-05T10:00:00Z"}),
        json!({"type": "incident", "id": "I2", "contract": "acme", "priority": "P7", "opened_at": "2026-10-05T09:00:00Z"}),
        json!({"type": "incident", "id": "I3", "contract": "other", "priority": "P1", "opened_at": "2026-10-05T09:00:00Z"}),
        json!({"type": "outage", "id": "O1", "contract": "acme", "service": "email", "start": "2026-10-09T08:00:00Z", "end": "2026-10-09T09:00:00Z"}),
    ]
    .iter()
    .map(|v| v.to_string())
    .collect::<Vec<_>>()
    .join("\n");
    let (status, result) = api
        .post("/api/v1/records", Some(WEBHOOK), body.clone())
        .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(
        (result["stored"].as_u64(), result["rejected"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(
        result["rejections"][0],
        json!({"line": 2, "reason": "unknown priority 'P7' (expected P1 to P5)"})
    );
    assert_eq!(result["rejections"][1]["line"], 3);
    assert!(
        result["rejections"][1]["reason"]
            .as_str()
            .unwrap()
            .contains("only send records for contract 'acme'")
    );
    // Sent again: nothing new.
    let (_, again) = api.post("/api/v1/records", Some(WEBHOOK), body).await;
    assert_eq!(
        (again["stored"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(2))
    );
    // The viewer sees them in the month's figures: 1 h of email downtime.
    let (status, month) = api
        .get("/api/v1/contracts/acme/months/2026-10", Some(VIEWER))
        .await;
    assert_eq!(status, 200);
    let email = month["service_levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "email-availability")
        .unwrap();
    assert_eq!(email["downtime_seconds"], 3_600);
    let p1 = month["service_levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "p1-resolution")
        .unwrap();
    assert_eq!(
        (p1["assessed"].as_u64(), p1["met"].as_u64()),
        (Some(1), Some(1))
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let api = Api::start().await;
    let big = format!("[{}]", vec!["{}"; 2_000].join(","));
    assert!(big.len() > 4096);
    let res = api
        .client
        .post(format!("{}/api/v1/records", api.base))
        .bearer_auth(WEBHOOK)
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
}

fn notification(status: &str, ends_at: &str, severity: &str) -> String {
    json!({
        "version": "4", "groupKey": "{}:{}", "status": status, "receiver": "slawatch",
        "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://127.0.0.1:9093",
        "alerts": [{
            "status": status,
            "labels": {"alertname": "MailDown", "service": "email", "severity": severity},
            "annotations": {},
            "startsAt": "2026-10-12T10:00:00.123456789Z",
            "endsAt": ends_at,
            "generatorURL": "http://127.0.0.1:9090/graph",
            "fingerprint": "a1b2c3d4e5f60718"
        }]
    })
    .to_string()
}

#[tokio::test]
async fn a_firing_notification_arriving_after_the_resolution_never_reopens_the_outage() {
    let api = Api::start().await;
    let firing = notification("firing", "0001-01-01T00:00:00Z", "critical");
    api.post("/api/v1/alertmanager/noc", Some(NOC), firing.clone())
        .await;
    api.post(
        "/api/v1/alertmanager/noc",
        Some(NOC),
        notification("resolved", "2026-10-12T11:30:00Z", "critical"),
    )
    .await;
    // The other Alertmanager of an HA pair delivers its firing late.
    let (status, stale) = api
        .post("/api/v1/alertmanager/noc", Some(NOC), firing)
        .await;
    assert_eq!(status, 200, "{stale}");
    assert_eq!(
        (stale["updated"].as_u64(), stale["unchanged"].as_u64()),
        (Some(0), Some(1)),
        "{stale}"
    );
    // Still 10:00 to 11:30: 5,400 s, not open to the end of the month.
    let (_, month) = api
        .get("/api/v1/contracts/acme/months/2026-10", Some(VIEWER))
        .await;
    let email = month["service_levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "email-availability")
        .unwrap();
    assert_eq!(email["downtime_seconds"], 5_400);
}

#[tokio::test]
async fn alertmanager_notifications_open_and_close_one_outage() {
    let api = Api::start().await;
    let firing = notification("firing", "0001-01-01T00:00:00Z", "critical");
    let (status, first) = api
        .post("/api/v1/alertmanager/noc", Some(NOC), firing.clone())
        .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["stored"], 1);
    // Repeats (repeat_interval, an HA pair) change nothing.
    let (_, repeat) = api
        .post("/api/v1/alertmanager/noc", Some(NOC), firing)
        .await;
    assert_eq!(
        (repeat["stored"].as_u64(), repeat["unchanged"].as_u64()),
        (Some(0), Some(1))
    );
    let (_, resolved) = api
        .post(
            "/api/v1/alertmanager/noc",
            Some(NOC),
            notification("resolved", "2026-10-12T11:30:00Z", "critical"),
        )
        .await;
    assert_eq!(
        (resolved["stored"].as_u64(), resolved["updated"].as_u64()),
        (Some(0), Some(1))
    );
    // 10:00 to 11:30 full outage of email: 5,400 s.
    let (_, month) = api
        .get("/api/v1/contracts/acme/months/2026-10", Some(VIEWER))
        .await;
    let email = month["service_levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "email-availability")
        .unwrap();
    assert_eq!(email["downtime_seconds"], 5_400);
    // A warning-severity alert is a partial outage: half weight.
    let partial = notification("resolved", "2026-10-13T11:00:00Z", "warning")
        .replace("a1b2c3d4e5f60718", "ffff")
        .replace("2026-10-12T10:00", "2026-10-13T10:00");
    api.post("/api/v1/alertmanager/noc", Some(NOC), partial)
        .await;
    let (_, month) = api
        .get("/api/v1/contracts/acme/months/2026-10", Some(VIEWER))
        .await;
    let email = month["service_levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "email-availability")
        .unwrap();
    assert_eq!(email["downtime_seconds"], 5_400 + 1_800);
    let state = api.deps.store.source_state("noc", "").await.unwrap();
    assert!(state.last_success_at.is_some());
}

#[tokio::test]
async fn open_incidents_show_their_stage() {
    let api = Api::start().await;
    let now = api.deps.clock.now();
    let opened = now - chrono::Duration::hours(3) - chrono::Duration::minutes(30);
    let record = json!([{"type": "incident", "id": "LIVE1", "contract": "acme", "priority": "P1",
        "opened_at": opened.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)}]);
    let (status, _) = api
        .post("/api/v1/records", Some(WEBHOOK), record.to_string())
        .await;
    assert_eq!(status, 200);
    let (status, open) = api
        .get("/api/v1/contracts/acme/open-incidents", Some(VIEWER))
        .await;
    assert_eq!(status, 200);
    let entry = &open["open_incidents"][0];
    assert_eq!(entry["incident"], "LIVE1");
    // 3 h 30 m of a 4 h target: past the 75 % at-risk share.
    assert_eq!(entry["stage"], "at_risk");
}

#[tokio::test]
async fn the_month_carries_its_amendment_since_issue_and_its_trends() {
    let api = Api::start().await;
    let push = |lines: Vec<Value>| {
        lines
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    // One P1 resolved in an hour: 100 %, met.
    let body = push(vec![
        json!({"type": "incident", "id": "I1", "contract": "acme", "priority": "P1", "service": "email", "opened_at": "2026-10-05T09:00:00Z", "resolved_at": "2026-10-05T10:00:00Z"}),
    ]);
    let (status, result) = api.post("/api/v1/records", Some(WEBHOOK), body).await;
    assert_eq!(status, 200, "{result}");
    let contract = api.deps.config.contract("acme").unwrap();
    let issued = slawatch::issuing::issue_month(
        &api.deps.config,
        &api.deps.store,
        contract,
        "2026-10".parse().unwrap(),
        api.deps.clock.now(),
        false,
    )
    .await
    .unwrap();
    assert_eq!(issued.map(|i| i.version), Some(1));
    let (_, month) = api
        .get("/api/v1/contracts/acme/months/2026-10", Some(VIEWER))
        .await;
    assert!(month.get("amendment").is_none(), "{month:#}");
    assert_eq!(month["trends"]["months"].as_array().unwrap().len(), 12);

    // Late: a second P1 resolved in six hours → 1 of 2 = 50 %, failed.
    let body = push(vec![
        json!({"type": "incident", "id": "I2", "contract": "acme", "priority": "P1", "service": "email", "opened_at": "2026-10-06T09:00:00Z", "resolved_at": "2026-10-06T15:00:00Z"}),
    ]);
    api.post("/api/v1/records", Some(WEBHOOK), body).await;
    let (status, month) = api
        .get("/api/v1/contracts/acme/months/2026-10", Some(VIEWER))
        .await;
    assert_eq!(status, 200);
    assert_eq!(month["amendment"]["issued_version"], 1);
    assert_eq!(
        month["amendment"]["changes"],
        json!([
            {"what": "p1-resolution attainment_percent", "issued": 100.0, "now": 50.0,
             "records": ["incident I2"]},
            {"what": "p1-resolution status", "issued": "met", "now": "failed",
             "records": ["incident I2"]}
        ])
    );
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let api = Api::start().await;
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let res = api
            .client
            .get(format!("{}/api/v1/contracts", api.base))
            .header("authorization", format!("{scheme} {VIEWER}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "scheme {scheme}");
    }
    // Another scheme, or the token alone, is no bearer token.
    for header in [format!("Basic {VIEWER}"), VIEWER.to_string()] {
        let res = api
            .client
            .get(format!("{}/api/v1/contracts", api.base))
            .header("authorization", header.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{header}");
    }
}

#[tokio::test]
async fn json_bodies_may_start_with_a_byte_order_mark() {
    let api = Api::start().await;
    let array = json!([{"type": "incident", "id": "BOM1", "contract": "acme", "priority": "P1",
        "opened_at": "2026-10-05T09:00:00Z"}]);
    let (status, result) = api
        .post("/api/v1/records", Some(WEBHOOK), format!("\u{feff}{array}"))
        .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(
        (result["stored"].as_u64(), result["rejected"].as_u64()),
        (Some(1), Some(0))
    );
    let line = json!({"type": "incident", "id": "BOM2", "contract": "acme", "priority": "P1",
        "opened_at": "2026-10-05T09:00:00Z"});
    let (status, result) = api
        .post(
            "/api/v1/records",
            Some(WEBHOOK),
            format!("\u{feff}{line}\n"),
        )
        .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(
        (result["stored"].as_u64(), result["rejected"].as_u64()),
        (Some(1), Some(0))
    );
    let firing = notification("firing", "0001-01-01T00:00:00Z", "critical");
    let (status, result) = api
        .post(
            "/api/v1/alertmanager/noc",
            Some(NOC),
            format!("\u{feff}{firing}"),
        )
        .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["stored"], 1);
}

/// A fixture payload as the real sender writes it.
fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/alerting")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The October downtime of email-availability, in seconds.
async fn email_downtime(api: &Api) -> Value {
    let (_, month) = api
        .get("/api/v1/contracts/acme/months/2026-10", Some(VIEWER))
        .await;
    month["service_levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "email-availability")
        .unwrap()["downtime_seconds"]
        .clone()
}

/// The alerts live detection raises about the sources now, by kind.
async fn source_alert_kinds(api: &Api) -> Vec<String> {
    let mut out = Vec::new();
    slawatch::alerts::feeds::source_alerts(
        &api.deps.config,
        &api.deps.store,
        NOW.parse().unwrap(),
        &mut out,
    )
    .await
    .unwrap();
    out.into_iter().map(|a| a.kind).collect()
}

#[tokio::test]
async fn a_truncated_alertmanager_notification_is_stored_and_marks_the_source_until_a_complete_one()
{
    let api = Api::start().await;
    // Recorded from a real Alertmanager 0.25 (a receiver with max_alerts: 2,
    // five alerts in the group): two sent, "truncatedAlerts": 3.
    let (status, result) = api
        .post(
            "/api/v1/alertmanager/noc",
            Some(NOC),
            fixture("alertmanager-v4-truncated.json"),
        )
        .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["stored"], 2, "{result}");
    let state = api
        .deps
        .store
        .source_state("noc", "truncated_alerts")
        .await
        .unwrap();
    assert_eq!(source_up(&api).await, "0", "the source's health shows it");
    assert_eq!(state.consecutive_failures, 1);
    let note = state.last_error.unwrap();
    assert!(
        note.contains("Alertmanager left 3 alert(s) out of a notification")
            && note.contains("max_alerts"),
        "{note}"
    );
    assert_eq!(source_alert_kinds(&api).await, ["source_truncated"]);
    // The same alert once per episode: the dedup key stays the same while
    // truncated notifications keep coming.
    let mut keys = Vec::new();
    for _ in 0..2 {
        api.post(
            "/api/v1/alertmanager/noc",
            Some(NOC),
            fixture("alertmanager-v4-truncated.json"),
        )
        .await;
        let mut out = Vec::new();
        slawatch::alerts::feeds::source_alerts(
            &api.deps.config,
            &api.deps.store,
            NOW.parse().unwrap(),
            &mut out,
        )
        .await
        .unwrap();
        keys.push(out[0].dedup_key.clone());
    }
    assert_eq!(keys[0], keys[1]);

    // A complete notification ends the episode.
    let complete = notification("firing", "0001-01-01T00:00:00Z", "critical");
    let (status, _) = api
        .post("/api/v1/alertmanager/noc", Some(NOC), complete)
        .await;
    assert_eq!(status, 200);
    let state = api
        .deps
        .store
        .source_state("noc", "truncated_alerts")
        .await
        .unwrap();
    assert_eq!((state.consecutive_failures, state.last_error), (0, None));
    assert_eq!(source_alert_kinds(&api).await, Vec::<String>::new());
}

#[tokio::test]
async fn grafana_managed_alerting_notifications_record_outages() {
    let api = Api::start().await;
    let (status, result) = api
        .post(
            "/api/v1/alertmanager/noc",
            Some(NOC),
            fixture("grafana-v1-resolved.json"),
        )
        .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["stored"], 2, "{result}");
    // 12:00–13:00 +02:00 is 10:00–11:00 UTC: 3,600 s; 14 October
    // 08:00–08:30 UTC: 1,800 s. 3,600 + 1,800 = 5,400.
    assert_eq!(email_downtime(&api).await, 5_400);
}

#[tokio::test]
async fn an_unreadable_notification_is_refused_in_words_and_shows_in_the_sources_health() {
    let api = Api::start().await;
    let legacy = json!({"title": "[Alerting] Mail", "ruleId": 3, "ruleName": "Mail",
        "state": "alerting", "evalMatches": [], "message": "down"})
    .to_string();
    let (status, body) = api
        .post("/api/v1/alertmanager/noc", Some(NOC), legacy)
        .await;
    assert_eq!(status, 400, "{body}");
    let state = api.deps.store.source_state("noc", "").await.unwrap();
    assert_eq!(state.consecutive_failures, 1);
    let error = state.last_error.unwrap();
    assert!(
        error.starts_with("refused a notification: this is a legacy Grafana dashboard-alert"),
        "{error}"
    );
    let future = notification("firing", "0001-01-01T00:00:00Z", "critical")
        .replace("\"version\":\"4\"", "\"version\":\"5\"");
    assert!(future.contains("\"version\":\"5\""), "{future}");
    for _ in 0..2 {
        let (status, _) = api
            .post("/api/v1/alertmanager/noc", Some(NOC), future.clone())
            .await;
        assert_eq!(status, 400);
    }
    let state = api.deps.store.source_state("noc", "").await.unwrap();
    assert!(
        state
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("unsupported webhook payload version '5'")),
        "{state:?}"
    );
    // Three refusals in a row: the source is failing, and the managers hear.
    assert_eq!(state.consecutive_failures, 3);
    assert_eq!(source_alert_kinds(&api).await, ["source_failing"]);
}

#[tokio::test]
async fn slawatch_for_moves_the_outage_start_back_by_the_rules_for_period() {
    let api = Api::start().await;
    let with_for = |status: &str, ends_at: &str| {
        notification(status, ends_at, "critical").replace(
            "\"service\":\"email\"",
            "\"service\":\"email\",\"slawatch_for\":\"5m\"",
        )
    };
    let firing = with_for("firing", "0001-01-01T00:00:00Z");
    assert!(firing.contains("slawatch_for"), "{firing}");
    api.post("/api/v1/alertmanager/noc", Some(NOC), firing)
        .await;
    let (status, result) = api
        .post(
            "/api/v1/alertmanager/noc",
            Some(NOC),
            with_for("resolved", "2026-10-12T11:30:00Z"),
        )
        .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["updated"], 1, "{result}");
    // Fired at 10:00 after 5 minutes of failing: down from 09:55 to 11:30,
    // 5,400 + 300 = 5,700 s.
    assert_eq!(email_downtime(&api).await, 5_700);
    // A period that is not a duration refuses that alert, saying why.
    let bad = notification("firing", "0001-01-01T00:00:00Z", "critical")
        .replace(
            "\"service\":\"email\"",
            "\"service\":\"email\",\"slawatch_for\":\"5 min\"",
        )
        .replace("a1b2c3d4e5f60718", "0badf00d");
    let (_, result) = api.post("/api/v1/alertmanager/noc", Some(NOC), bad).await;
    assert_eq!(result["rejected"], 1, "{result}");
    assert!(
        result["rejections"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("slawatch_for: '5 min' is not a duration"),
        "{result}"
    );
}

#[tokio::test]
async fn an_alert_no_longer_sent_is_ended_at_its_last_sighting_and_reopened_if_it_fires_again() {
    let api = Api::start().await;
    let clock = api.deps.clock.clone();
    let at = |t: &str| t.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    let source = api
        .deps
        .config
        .sources
        .iter()
        .find(|s| s.id == "noc")
        .unwrap()
        .clone();
    let slawatch::config::SourceKind::Alertmanager(cfg) = source.kind.clone() else {
        panic!("noc is an Alertmanager source");
    };
    let infer = |now: &str| {
        let (api, source, cfg) = (&api, &source, &cfg);
        let now = at(now).timestamp();
        async move {
            slawatch::sources::alerting::infer_ends(
                &api.deps.store,
                &api.deps.config.contracts,
                source,
                cfg,
                now,
            )
            .await
            .unwrap()
        }
    };
    // Fired at 08:00 on 5 November, sent at 09:00 (the API's clock) and
    // again at 10:00; the receiver has no send_resolved, so nothing more.
    let firing = notification("firing", "0001-01-01T00:00:00Z", "critical")
        .replace("2026-10-12T10:00:00.123456789Z", "2026-11-05T08:00:00Z");
    let id = format!(
        "am-a1b2c3d4e5f60718-{}",
        at("2026-11-05T08:00:00Z").timestamp()
    );
    api.post("/api/v1/alertmanager/noc", Some(NOC), firing.clone())
        .await;
    // Firing notifications, never a resolved one: the health says so.
    assert_eq!(resolved_seen(&api).await, "0");
    clock.set(at("2026-11-05T10:00:00Z"));
    api.post("/api/v1/alertmanager/noc", Some(NOC), firing.clone())
        .await;
    let end = || async { api.deps.store.outage_end("acme", &id).await.unwrap() };
    // repeat_interval 1h + 30 min margin after the last sighting (10:00)
    // is 11:30: at 11:29 it is still open.
    assert_eq!(infer("2026-11-05T11:29:00Z").await, 0);
    assert_eq!(end().await, None);
    // At 11:31 it has been unseen too long: ended at 10:00, its last sighting.
    assert_eq!(infer("2026-11-05T11:31:00Z").await, 1);
    assert_eq!(end().await, Some(at("2026-11-05T10:00:00Z").timestamp()));
    let health = api
        .deps
        .store
        .source_state("noc", "unresolved_alerts")
        .await
        .unwrap();
    assert_eq!(health.consecutive_failures, 1);
    let note = health.last_error.unwrap();
    assert!(
        note.contains("end inferred") && note.contains("send_resolved: true"),
        "{note}"
    );
    assert_eq!(source_up(&api).await, "0", "the source's health shows it");
    // Only once: the next look finds nothing more to end.
    assert_eq!(infer("2026-11-05T11:32:00Z").await, 0);
    // The month's report says the end was inferred, in its data quality
    // (per source) and beside the outage in the appendix.
    let inferred =
        |month: &serde_json::Value| month["data_quality"]["inferred_outage_ends"].clone();
    let end_mark = |month: &serde_json::Value| {
        month["appendix"]["outages"]
            .as_array()
            .and_then(|all| all.iter().find(|o| o["outage"] == id.as_str()))
            .map(|o| o["end_mark"].clone())
    };
    let (status, month) = api
        .get("/api/v1/contracts/acme/months/2026-11", Some(VIEWER))
        .await;
    assert_eq!(status, 200, "{month}");
    assert_eq!(
        inferred(&month),
        serde_json::json!([{ "source": "noc", "count": 1, "outages": [id.clone()] }])
    );
    if month.get("appendix").is_some() {
        assert_eq!(end_mark(&month), Some(serde_json::json!("inferred")));
    }
    // The whole report, with its appendix, as the documents show it.
    let whole = whole_report(&api, "2026-11").await;
    assert_eq!(end_mark(&whole.0), Some(serde_json::json!("inferred")));
    assert!(
        whole.1.contains("Outage ends inferred")
            && whole.1.contains(&format!(
                "Source noc: 1 outage(s) with an inferred end ({id})."
            ))
            && whole.1.contains("(inferred)"),
        "{}",
        whole.1
    );

    // Sent again as firing (Alertmanager was down, not the alert over):
    // the outage is open again.
    clock.set(at("2026-11-05T11:40:00Z"));
    let (status, result) = api
        .post("/api/v1/alertmanager/noc", Some(NOC), firing)
        .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(end().await, None);
    // A resolved notification gives the real end and clears the health note.
    let resolved = notification("resolved", "2026-11-05T11:45:00Z", "critical")
        .replace("2026-10-12T10:00:00.123456789Z", "2026-11-05T08:00:00Z");
    clock.set(at("2026-11-05T11:46:00Z"));
    api.post("/api/v1/alertmanager/noc", Some(NOC), resolved)
        .await;
    assert_eq!(end().await, Some(at("2026-11-05T11:45:00Z").timestamp()));
    let health = api
        .deps
        .store
        .source_state("noc", "unresolved_alerts")
        .await
        .unwrap();
    assert_eq!((health.consecutive_failures, health.last_error), (0, None));
    // The end is seen now: the report no longer calls it inferred.
    let (_, month) = api
        .get("/api/v1/contracts/acme/months/2026-11", Some(VIEWER))
        .await;
    assert_eq!(inferred(&month), serde_json::Value::Null);
    if month.get("appendix").is_some() {
        assert_eq!(end_mark(&month), Some(serde_json::json!("observed")));
    }
    let whole = whole_report(&api, "2026-11").await;
    assert_eq!(end_mark(&whole.0), Some(serde_json::json!("observed")));
    assert!(!whole.1.contains("Outage ends inferred"), "{}", whole.1);
    assert_eq!(source_up(&api).await, "1");
    assert_eq!(resolved_seen(&api).await, "1");
    // Nothing left to infer.
    assert_eq!(infer("2026-11-06T12:00:00Z").await, 0);
}

/// The whole report of `acme` for `month` as it stands: its JSON and its HTML.
async fn whole_report(api: &Api, month: &str) -> (serde_json::Value, String) {
    let contract = api
        .deps
        .config
        .contracts
        .iter()
        .find(|c| c.id == "acme")
        .expect("the acme contract");
    let report = slawatch::report::assemble::as_it_stands(
        &api.deps.store,
        &api.deps.config,
        contract,
        month.parse().expect("a month"),
        api.deps.clock.now(),
        None,
    )
    .await
    .expect("the report");
    let json = slawatch::report::json::render(&report).expect("JSON");
    let html = slawatch::report::html::render(&report).expect("HTML");
    (serde_json::from_str(&json).expect("JSON parses"), html)
}

/// `slawatch_source_resolved_seen` of the Alertmanager source `noc`.
async fn resolved_seen(api: &Api) -> String {
    let text = api
        .deps
        .metrics
        .render(
            &api.deps.config,
            &api.deps.store,
            true,
            api.deps.clock.now(),
        )
        .await;
    text.lines()
        .find(|l| l.starts_with("slawatch_source_resolved_seen{") && l.contains("source=\"noc\""))
        .and_then(|l| l.rsplit(' ').next())
        .unwrap_or_else(|| panic!("no slawatch_source_resolved_seen for noc in {text}"))
        .to_string()
}

/// `slawatch_source_up` of the Alertmanager source `noc`, as scraped.
async fn source_up(api: &Api) -> String {
    let text = api
        .deps
        .metrics
        .render(
            &api.deps.config,
            &api.deps.store,
            true,
            api.deps.clock.now(),
        )
        .await;
    text.lines()
        .find(|l| l.starts_with("slawatch_source_up{") && l.contains("source=\"noc\""))
        .and_then(|l| l.rsplit(' ').next())
        .unwrap_or_else(|| panic!("no slawatch_source_up for noc in {text}"))
        .to_string()
}

/// Prometheus's always-firing `Watchdog` alert, as Alertmanager sends it.
fn watchdog(status: &str, ends_at: &str) -> String {
    json!({
        "version": "4", "groupKey": "{}:{alertname=\"Watchdog\"}", "status": status,
        "receiver": "slawatch", "groupLabels": {"alertname": "Watchdog"}, "commonLabels": {},
        "commonAnnotations": {}, "externalURL": "http://127.0.0.1:9093", "truncatedAlerts": 0,
        "alerts": [{
            "status": status,
            "labels": {"alertname": "Watchdog", "severity": "none"},
            "annotations": {},
            "startsAt": "2026-10-01T00:00:00Z",
            "endsAt": ends_at,
            "generatorURL": "http://127.0.0.1:9090/graph",
            "fingerprint": "00000000deadbeef"
        }]
    })
    .to_string()
}

#[tokio::test]
async fn ends_received_while_prometheuss_watchdog_is_down_are_kept_and_flagged_once() {
    let api = Api::start().await;
    let post = |body: String| api.post("/api/v1/alertmanager/noc", Some(NOC), body);
    // The watchdog is not an outage.
    let (status, result) = post(watchdog("firing", "0001-01-01T00:00:00Z")).await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(
        (result["stored"].as_u64(), result["rejected"].as_u64()),
        (Some(0), Some(0))
    );
    // Mail down from 10:00 (alert A) and 10:30 (alert B).
    let b = |n: String| {
        n.replace("a1b2c3d4e5f60718", "b0b0b0b0b0b0b0b0")
            .replace("2026-10-12T10:00:00.123456789Z", "2026-10-12T10:30:00Z")
    };
    post(notification("firing", "0001-01-01T00:00:00Z", "critical")).await;
    post(b(notification(
        "firing",
        "0001-01-01T00:00:00Z",
        "critical",
    )))
    .await;
    // Prometheus stops: Alertmanager resolves everything it had at about
    // 11:04. B's resolution arrives before the watchdog's, A's after.
    post(b(notification(
        "resolved",
        "2026-10-12T11:03:30Z",
        "critical",
    )))
    .await;
    post(watchdog("resolved", "2026-10-12T11:04:00Z")).await;
    post(notification("resolved", "2026-10-12T11:04:00Z", "critical")).await;

    // The ends are kept: A 10:00–11:04 (3,840 s) and B 10:30–11:03:30
    // (2,010 s), overlapping, so email was down 10:00–11:04: 3,840 s.
    assert_eq!(email_downtime(&api).await, 3_840);
    // … and flagged, naming both outages, in the health and once to the managers.
    let a_id = format!(
        "am-a1b2c3d4e5f60718-{}",
        "2026-10-12T10:00:00Z"
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
            .timestamp()
    );
    let b_id = format!(
        "am-b0b0b0b0b0b0b0b0-{}",
        "2026-10-12T10:30:00Z"
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
            .timestamp()
    );
    let flag = api
        .deps
        .store
        .source_state("noc", "early_ends")
        .await
        .unwrap();
    let note = flag.last_error.unwrap();
    assert!(
        note.contains(&a_id) && note.contains(&b_id) && note.contains("watchdog"),
        "{note}"
    );
    assert_eq!(source_up(&api).await, "0");
    let kinds = source_alert_kinds(&api).await;
    assert_eq!(kinds, ["source_early_ends"], "{kinds:?}");

    // Prometheus is back: the episode ends.
    post(watchdog("firing", "0001-01-01T00:00:00Z")).await;
    assert_eq!(source_up(&api).await, "1");
    assert_eq!(source_alert_kinds(&api).await, Vec::<String>::new());
    // A resolution now is trusted as it comes.
    let c = notification("resolved", "2026-10-13T11:00:00Z", "critical")
        .replace("a1b2c3d4e5f60718", "c0c0c0c0c0c0c0c0")
        .replace("2026-10-12T10:00:00.123456789Z", "2026-10-13T10:00:00Z");
    post(c).await;
    assert_eq!(source_up(&api).await, "1");
    assert_eq!(email_downtime(&api).await, 3_840 + 3_600);
}
