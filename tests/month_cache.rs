//! The month API's cache, on a real port with a real store: a closed month
//! asked for again is served as assembled (its `evaluated_at` unchanged,
//! `X-Slawatch-Cache: hit`) until something it rests on changes — new or
//! changed evidence, a person's record, an issue, the contract's next day,
//! a clock still running — and then assembled again with the new figures.

mod common;

use std::net::SocketAddr;

use common::{daemon_deps, sha256_hex};
use serde_json::{Value, json};
use slawatch::daemon::Deps;
use slawatch::domain::{Instant, WallClock};

const VIEWER: &str = "cache-viewer-secret";
const MANAGER: &str = "cache-manager-secret";

/// One contract: P1 resolution in 4 h, 95 % (2 % credit below 95, 4 %
/// below 90) of a £1,000.00 monthly charge.
fn config(target: &str) -> String {
    format!(
        r#"
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
  target = "{target}"
  target_percent = 95.0
  service_credits = [ {{ below = 95.0, percent = 2.0 }}, {{ below = 90.0, percent = 4.0 }} ]

[[api_tokens]]
name = "grafana"
role = "viewer"
token_sha256 = "{viewer}"

[[api_tokens]]
name = "jane.smith"
role = "manager"
token_sha256 = "{manager}"
"#,
        viewer = sha256_hex(VIEWER),
        manager = sha256_hex(MANAGER),
    )
}

struct Api {
    base: String,
    client: reqwest::Client,
    clock: WallClock,
    deps: Deps,
    _dir: tempfile::TempDir,
}

fn at(s: &str) -> Instant {
    s.parse().unwrap()
}

impl Api {
    /// The daemon's router with its clock standing at 09:00 on 5 November 2026.
    async fn start() -> Api {
        let dir = tempfile::tempdir().unwrap();
        let clock = WallClock::manual(at("2026-11-05T09:00:00Z"));
        let deps = daemon_deps(&dir, &config("4h"))
            .await
            .with_clock(clock.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let app = slawatch::http::router(deps.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Api {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            clock,
            deps,
            _dir: dir,
        }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(MANAGER)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 200, "POST {path}: {body}");
        body
    }

    /// October's report: whether it was served from the cache, and its JSON.
    async fn october(&self, query: &str) -> (bool, Value) {
        let res = self
            .client
            .get(format!(
                "{}/api/v1/contracts/acme/months/2026-10{query}",
                self.base
            ))
            .bearer_auth(VIEWER)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let hit = match res.headers().get("x-slawatch-cache").map(|v| v.to_str()) {
            Some(Ok("hit")) => true,
            Some(Ok("miss")) => false,
            other => panic!("X-Slawatch-Cache: {other:?}"),
        };
        let month = res.json().await.unwrap();
        common::report_schema::assert_valid_report(&month);
        (hit, month)
    }
}

fn p1(month: &Value) -> &Value {
    &month["service_levels"][0]
}

/// Two P1s in October: I1 in 1 h (met), I2 in 6 h (breached): 1 of 2 =
/// 50 %, below 90 → 4 % of £1,000.00 = 4,000 pence.
fn two_p1s() -> Value {
    json!([
        {"type": "incident", "id": "I1", "contract": "acme", "priority": "P1",
         "opened_at": "2026-10-05T09:00:00Z", "resolved_at": "2026-10-05T10:00:00Z"},
        {"type": "incident", "id": "I2", "contract": "acme", "priority": "P1",
         "opened_at": "2026-10-06T09:00:00Z", "resolved_at": "2026-10-06T15:00:00Z"},
    ])
}

#[tokio::test]
async fn a_closed_month_is_served_as_assembled_until_what_it_rests_on_changes() {
    let api = Api::start().await;
    api.post("/api/v1/records", two_p1s()).await;
    let (hit, month) = api.october("").await;
    assert!(!hit);
    assert_eq!(month["evaluated_at"], "2026-11-05T09:00:00Z");
    assert_eq!(p1(&month)["attainment_percent"], 50.0);
    assert_eq!(month["total_claim_minor"], 4_000);

    // An hour later, nothing changed: the same report, as assembled at 09:00.
    api.clock.set(at("2026-11-05T10:00:00Z"));
    let (hit, again) = api.october("").await;
    assert!(hit);
    assert_eq!(again, month);

    // New evidence: I3 met → 2 of 3 = 66.667 %, still below 90: 4,000.
    api.post(
        "/api/v1/records",
        json!([{"type": "incident", "id": "I3", "contract": "acme", "priority": "P1",
                "opened_at": "2026-10-07T09:00:00Z", "resolved_at": "2026-10-07T09:30:00Z"}]),
    )
    .await;
    let (hit, month) = api.october("").await;
    assert!(!hit);
    assert_eq!(month["evaluated_at"], "2026-11-05T10:00:00Z");
    assert_eq!(p1(&month)["met"], 2);
    assert_eq!(p1(&month)["assessed"], 3);
    assert!(api.october("").await.0, "served again once assembled");

    // Evidence changed (a new version of I2, resolved in 2 h): 3 of 3 met,
    // 100 %, no credit.
    api.post(
        "/api/v1/records",
        json!([{"type": "incident", "id": "I2", "contract": "acme", "priority": "P1",
                "opened_at": "2026-10-06T09:00:00Z", "resolved_at": "2026-10-06T11:00:00Z"}]),
    )
    .await;
    let (hit, month) = api.october("").await;
    assert!(!hit);
    assert_eq!(p1(&month)["attainment_percent"], 100.0);
    assert_eq!(month["total_claim_minor"], 0);

    // A person's record: a recoverable cost of £120.50 → 12,050.
    let cost = api
        .post(
            "/api/v1/contracts/acme/costs",
            json!({"date": "2026-10-09", "amount": "120.50", "description": "Courier",
                   "evidence": "Invoice 7781", "breach_service_level": "p1-resolution"}),
        )
        .await;
    let (hit, month) = api.october("").await;
    assert!(!hit);
    assert_eq!(month["total_claim_minor"], 12_050);
    assert!(api.october("").await.0);

    // Another: the cost disputed → 12,050 disputed, nothing undisputed.
    api.post(
        "/api/v1/contracts/acme/disputes",
        json!({"cost": cost["id"], "note": "another site's courier"}),
    )
    .await;
    let (hit, month) = api.october("").await;
    assert!(!hit);
    assert_eq!(month["recoverable_costs_disputed_minor"], 12_050);
    assert_eq!(month["total_claim_undisputed_minor"], 0);

    // Another: I3 excused → 2 assessed, both met.
    api.post(
        "/api/v1/contracts/acme/excusals",
        json!({"incident": "I3", "reason": "customer asked to wait"}),
    )
    .await;
    let (hit, month) = api.october("").await;
    assert!(!hit);
    assert_eq!(p1(&month)["assessed"], 2);
    assert_eq!(month["excused"][0]["by"], "jane.smith");

    // Issued: the next answer is assembled again (no amendment yet); a
    // change after issue shows as the amendment.
    let contract = api.deps.config.contract("acme").unwrap();
    let issued = slawatch::issuing::issue_month(
        &api.deps.config,
        &api.deps.store,
        contract,
        "2026-10".parse().unwrap(),
        api.clock.now(),
        false,
    )
    .await
    .unwrap();
    assert_eq!(issued.map(|i| i.version), Some(1));
    let (hit, month) = api.october("").await;
    assert!(!hit);
    assert!(month.get("amendment").is_none(), "{month:#}");
    api.post(
        "/api/v1/records",
        json!([{"type": "incident", "id": "I4", "contract": "acme", "priority": "P1",
                "opened_at": "2026-10-08T09:00:00Z", "resolved_at": "2026-10-08T19:00:00Z"}]),
    )
    .await;
    let (hit, month) = api.october("").await;
    assert!(!hit);
    assert_eq!(month["amendment"]["issued_version"], 1);

    // The contract's next day (midnight in London, GMT in November):
    // assembled again, though nothing was written.
    api.clock.set(at("2026-11-05T23:59:59Z"));
    assert!(api.october("").await.0);
    api.clock.set(at("2026-11-06T00:00:00Z"));
    let (hit, month) = api.october("").await;
    assert!(!hit);
    assert_eq!(month["evaluated_at"], "2026-11-06T00:00:00Z");
}

#[tokio::test]
async fn a_month_with_a_clock_still_running_is_served_for_the_minute_only() {
    let api = Api::start().await;
    api.post("/api/v1/records", two_p1s()).await;
    // I5 opened on 30 October, still open on 5 November: its clock runs.
    api.post(
        "/api/v1/records",
        json!([{"type": "incident", "id": "I5", "contract": "acme", "priority": "P1",
                "opened_at": "2026-10-30T09:00:00Z"}]),
    )
    .await;
    assert!(!api.october("").await.0);
    api.clock.set(at("2026-11-05T09:00:59Z"));
    assert!(api.october("").await.0, "within the minute");
    api.clock.set(at("2026-11-05T09:01:00Z"));
    let (hit, month) = api.october("").await;
    assert!(!hit, "the next minute");
    assert_eq!(month["evaluated_at"], "2026-11-05T09:01:00Z");
}

#[tokio::test]
async fn a_month_as_known_at_an_instant_is_served_while_nothing_changes() {
    let api = Api::start().await;
    api.post("/api/v1/records", two_p1s()).await;
    let query = "?known_at=2026-11-05T09:00:00Z";
    let (hit, month) = api.october(query).await;
    assert!(!hit);
    assert_eq!(p1(&month)["assessed"], 2);
    api.clock.set(at("2026-12-01T09:00:00Z"));
    assert!(api.october(query).await.0, "days later");
    // Anything written for the contract, even after that instant, moves
    // its revision: assembled again, with the same figures as then.
    api.post(
        "/api/v1/records",
        json!([{"type": "incident", "id": "I6", "contract": "acme", "priority": "P1",
                "opened_at": "2026-10-09T09:00:00Z", "resolved_at": "2026-10-09T10:00:00Z"}]),
    )
    .await;
    let (hit, month) = api.october(query).await;
    assert!(!hit);
    assert_eq!(p1(&month)["assessed"], 2);
}

/// The definitions in force are part of what a cached report is found by:
/// the same configuration gives the same fingerprint, a changed target
/// another.
#[test]
fn the_definitions_in_force_are_part_of_the_key() {
    let parse = |target: &str| slawatch::config::parse(&config(target), "t.toml").unwrap();
    let (a, b, c) = (parse("4h"), parse("4h"), parse("8h"));
    let definitions = |cfg: &slawatch::config::Config| {
        slawatch::report::cache::definitions(cfg, cfg.contract("acme").unwrap())
    };
    assert_eq!(definitions(&a), definitions(&b));
    assert_ne!(definitions(&a), definitions(&c));
}
