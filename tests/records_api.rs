//! Costs, excusals, disputes and the audit trail over the HTTP API, on a
//! real port with a real SQLite store: managers write (their token's name is
//! who), viewers read, and every refusal answers as a JSON error.

mod common;

use std::net::SocketAddr;

use common::{daemon_deps, sha256_hex};
use serde_json::{Value, json};

const VIEWER: &str = "records-viewer-secret";
const MANAGER: &str = "records-manager-secret";

struct Api {
    base: String,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Api {
    /// The daemon's router on port 0 with one contract: a P1 resolution
    /// level (2 % below 95, 4 % below 90) of a £1,000.00 monthly charge.
    async fn start() -> Api {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
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
  target = "4h"
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
        );
        let deps = daemon_deps(&dir, &config).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let app = slawatch::http::router(deps);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Api {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            _dir: dir,
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.body(b.to_string());
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(token), Some(body))
            .await
    }

    async fn delete(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::DELETE, path, Some(token), Some(body))
            .await
    }

    /// Two P1s in October 2026: I1 met (1 h), I2 breached (6 h). 1/2 = 50 %
    /// → 4 % of £1,000 = 4,000 pence.
    async fn october(&self) {
        let records = json!([
            {"type": "incident", "id": "I1", "contract": "acme", "priority": "P1",
             "opened_at": "2026-10-05T09:00:00Z", "resolved_at": "2026-10-05T10:00:00Z"},
            {"type": "incident", "id": "I2", "contract": "acme", "priority": "P1",
             "opened_at": "2026-10-06T09:00:00Z", "resolved_at": "2026-10-06T15:00:00Z"},
            {"type": "outage", "id": "O1", "contract": "acme", "service": "email",
             "start": "2026-10-09T08:00:00Z", "end": "2026-10-09T09:00:00Z"},
        ]);
        let (status, result) = self.post("/api/v1/records", MANAGER, records).await;
        assert_eq!(status, 200, "{result}");
        assert_eq!(result["stored"], 3);
    }

    async fn month(&self) -> Value {
        let (status, month) = self
            .get("/api/v1/contracts/acme/months/2026-10", VIEWER)
            .await;
        assert_eq!(status, 200, "{month}");
        common::report_schema::assert_valid_report(&month);
        month
    }
}

fn cost() -> Value {
    json!({"date": "2026-10-09", "amount": "120.50", "description": "Courier for replacement laptops",
           "evidence": "Invoice 7781", "breach_service_level": "p1-resolution"})
}

#[tokio::test]
async fn viewers_read_managers_write_and_unknown_contracts_are_404() {
    let api = Api::start().await;
    let costs = "/api/v1/contracts/acme/costs";
    assert_eq!(
        api.send(reqwest::Method::POST, costs, None, Some(cost()))
            .await
            .0,
        401
    );
    let (status, body) = api.post(costs, VIEWER, cost()).await;
    assert_eq!(status, 403);
    assert!(
        body["error"].as_str().unwrap().contains("manager token"),
        "{body}"
    );
    for (path, body) in [
        (
            "/api/v1/contracts/acme/excusals",
            json!({"incident": "I1", "reason": "r"}),
        ),
        (
            "/api/v1/contracts/acme/disputes",
            json!({"cost": 1, "note": "n"}),
        ),
        (
            "/api/v1/contracts/acme/disputes/1/reject",
            json!({"note": "n"}),
        ),
        (
            "/api/v1/contracts/acme/disputes/1/accept",
            json!({"note": "n"}),
        ),
    ] {
        assert_eq!(api.post(path, VIEWER, body).await.0, 403, "{path}");
    }
    assert_eq!(
        api.delete(
            "/api/v1/contracts/acme/costs/1",
            VIEWER,
            json!({"reason": "r"})
        )
        .await
        .0,
        403
    );
    let (status, created) = api.post(costs, MANAGER, cost()).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["id"], 1);
    assert_eq!(created["amount_minor"], 12_050);
    assert_eq!(created["recorded_by"], "jane.smith");
    assert_eq!(created["breach_period"], "2026-10");
    for path in ["costs", "excusals", "disputes", "audit"] {
        let (status, list) = api
            .get(&format!("/api/v1/contracts/acme/{path}"), VIEWER)
            .await;
        assert_eq!(status, 200, "{path}: {list}");
        assert_eq!(
            api.get(&format!("/api/v1/contracts/nope/{path}"), VIEWER)
                .await
                .0,
            404,
            "{path}"
        );
    }
    let (status, body) = api
        .post("/api/v1/contracts/nope/costs", MANAGER, cost())
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "no contract 'nope'");
}

#[tokio::test]
async fn costs_over_the_api_change_the_month_and_removal_is_kept() {
    let api = Api::start().await;
    api.october().await;
    assert_eq!(api.month().await["total_claim_minor"], 4_000);
    let (_, c) = api
        .post("/api/v1/contracts/acme/costs", MANAGER, cost())
        .await;
    let month = api.month().await;
    assert_eq!(month["recoverable_costs_minor"], 12_050);
    assert_eq!(month["total_claim_minor"], 16_050);
    let (status, d) = api
        .post(
            "/api/v1/contracts/acme/disputes",
            MANAGER,
            json!({"cost": c["id"], "note": "the courier was for another site"}),
        )
        .await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(
        (d["kind"].as_str(), d["cost"].as_i64()),
        (Some("cost"), Some(1))
    );
    let month = api.month().await;
    assert_eq!(month["recoverable_costs_disputed_minor"], 12_050);
    assert_eq!(month["total_claim_undisputed_minor"], 4_000);

    let path = format!("/api/v1/contracts/acme/costs/{}", c["id"]);
    let (status, removed) = api
        .delete(&path, MANAGER, json!({"reason": "paid by the insurer"}))
        .await;
    assert_eq!(status, 200, "{removed}");
    assert_eq!(removed["removed"]["by"], "jane.smith");
    assert_eq!(removed["removed"]["reason"], "paid by the insurer");
    assert_eq!(api.month().await["total_claim_minor"], 4_000);
    let (status, again) = api.delete(&path, MANAGER, json!({"reason": "again"})).await;
    assert_eq!(status, 409, "{again}");
    let (_, list) = api
        .get("/api/v1/contracts/acme/costs?month=2026-10", VIEWER)
        .await;
    assert_eq!(
        list["costs"].as_array().unwrap().len(),
        1,
        "still on record"
    );
    assert_eq!(
        api.delete(
            "/api/v1/contracts/acme/costs/99",
            MANAGER,
            json!({"reason": "x"})
        )
        .await
        .0,
        404
    );

    // Bad bodies are 400 with a JSON error naming the problem.
    let mut float = cost();
    float["amount"] = json!(120.5);
    let (status, body) = api
        .post("/api/v1/contracts/acme/costs", MANAGER, float)
        .await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("amount"), "{body}");
    let mut pennies = cost();
    pennies["amount"] = json!("1.005");
    let (status, body) = api
        .post("/api/v1/contracts/acme/costs", MANAGER, pennies)
        .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("not a decimal amount of GBP"),
        "{body}"
    );
    let (status, _) = api
        .get("/api/v1/contracts/acme/costs?month=2026-13", VIEWER)
        .await;
    assert_eq!(status, 400);
    let (status, _) = api
        .delete("/api/v1/contracts/acme/costs/1", MANAGER, json!({}))
        .await;
    assert_eq!(status, 400, "a removal needs a reason");
}

#[tokio::test]
async fn excusals_and_disputes_over_the_api() {
    let api = Api::start().await;
    api.october().await;
    // Excusing the breach: 1 of 1 met, no credit.
    let (status, e) = api
        .post(
            "/api/v1/contracts/acme/excusals",
            MANAGER,
            json!({"incident": "I2", "reason": "customer asked to wait"}),
        )
        .await;
    assert_eq!(status, 200, "{e}");
    assert_eq!(
        (e["kind"].as_str(), e["by"].as_str()),
        (Some("incident"), Some("jane.smith"))
    );
    let month = api.month().await;
    assert_eq!(month["total_claim_minor"], 0);
    assert_eq!(month["excused"][0]["by"], "jane.smith");
    let (status, _) = api
        .post(
            "/api/v1/contracts/acme/excusals",
            MANAGER,
            json!({"incident": "I2", "reason": "again"}),
        )
        .await;
    assert_eq!(status, 409);
    let (status, _) = api
        .post(
            "/api/v1/contracts/acme/excusals",
            MANAGER,
            json!({"incident": "I404", "reason": "r"}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, revoked) = api
        .delete(
            &format!("/api/v1/contracts/acme/excusals/{}", e["id"]),
            MANAGER,
            json!({"reason": "the supplier's own delay"}),
        )
        .await;
    assert_eq!(status, 200, "{revoked}");
    assert_eq!(revoked["revoked"]["by"], "jane.smith");
    assert_eq!(api.month().await["total_claim_minor"], 4_000);

    // The month disputed, then upheld: in dispute, then undisputed.
    let (status, d) = api
        .post(
            "/api/v1/contracts/acme/disputes",
            MANAGER,
            json!({"service_level": "p1-resolution", "month": "2026-10", "note": "I2 was a P2"}),
        )
        .await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["status"], "disputed");
    let month = api.month().await;
    assert_eq!(month["service_credits"]["disputed_minor"], 4_000);
    assert_eq!(month["total_claim_undisputed_minor"], 0);
    let reject = format!("/api/v1/contracts/acme/disputes/{}/reject", d["id"]);
    let (status, upheld) = api
        .post(
            &reject,
            MANAGER,
            json!({"note": "P1 by the contract's definition"}),
        )
        .await;
    assert_eq!(status, 200, "{upheld}");
    assert_eq!(upheld["status"], "upheld");
    assert_eq!(upheld["resolved_by"], "jane.smith");
    assert_eq!(api.month().await["total_claim_undisputed_minor"], 4_000);
    assert_eq!(
        api.post(&reject, MANAGER, json!({"note": "again"})).await.0,
        409
    );
    // The previous release's word reaches the same decision: already taken.
    let uphold = format!("/api/v1/contracts/acme/disputes/{}/uphold", d["id"]);
    let (status, again) = api.post(&uphold, MANAGER, json!({"note": "again"})).await;
    assert_eq!(status, 409, "{again}");
    assert!(
        again.to_string().contains("already rejected by jane.smith"),
        "{again}"
    );
    assert_eq!(
        api.post(
            "/api/v1/contracts/acme/disputes/99/withdraw",
            MANAGER,
            json!({"note": "n"})
        )
        .await
        .0,
        404
    );
    // An outage can be disputed too; one that does not exist is not found.
    let (status, body) = api
        .post(
            "/api/v1/contracts/acme/disputes",
            MANAGER,
            json!({"outage": "O9", "note": "n"}),
        )
        .await;
    assert_eq!(status, 404, "{body}");

    // Who did what, when and why.
    let (_, audit) = api.get("/api/v1/contracts/acme/audit", VIEWER).await;
    let entries: Vec<(String, String)> = audit["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["action"].as_str().unwrap().to_string(),
                a["by"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        "excusal.add",
        "excusal.revoke",
        "dispute.open",
        "dispute.uphold",
    ];
    assert_eq!(entries.len(), expected.len());
    for ((action, by), want) in entries.iter().zip(expected) {
        assert_eq!((action.as_str(), by.as_str()), (want, "jane.smith"));
    }
    assert_eq!(audit["audit"][1]["reason"], "the supplier's own delay");
    assert_eq!(api.month().await["audit"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn an_outage_is_excused_in_part_over_the_api() {
    let api = Api::start().await;
    api.october().await;
    let excuse = |body: Value| api.post("/api/v1/contracts/acme/excusals", MANAGER, body);
    // O1 ran 08:00-09:00Z on 9 October: an interval ending after it is
    // refused with when it ran, and so is half an interval.
    let (status, e) = excuse(json!({"outage": "O1", "from": "2026-10-09T08:30:00Z",
                                    "until": "2026-10-09T09:30:00Z", "reason": "r"}))
    .await;
    assert_eq!(status, 400, "{e}");
    assert!(
        e.to_string()
            .contains("which ran from 2026-10-09T08:00:00Z until 2026-10-09T09:00:00Z"),
        "{e}"
    );
    let (status, e) =
        excuse(json!({"outage": "O1", "from": "2026-10-09T08:30:00Z", "reason": "r"})).await;
    assert_eq!(status, 400, "{e}");
    assert!(e.to_string().contains("with both from and until"), "{e}");
    // Only an outage is excused in part.
    let (status, e) = excuse(json!({"incident": "I2", "from": "2026-10-06T09:00:00Z",
                                    "until": "2026-10-06T10:00:00Z", "reason": "r"}))
    .await;
    assert_eq!(status, 400, "{e}");
    // 09:15 London (BST) is 08:15Z: 08:15-08:45Z excused, the rest counts.
    let (status, e) = excuse(json!({"outage": "O1", "from": "2026-10-09 09:15",
                                    "until": "2026-10-09T08:45:00Z", "reason": "council's change"}))
    .await;
    assert_eq!(status, 200, "{e}");
    assert_eq!(
        (e["kind"].as_str(), e["from"].as_str(), e["until"].as_str()),
        (
            Some("outage"),
            Some("2026-10-09T08:15:00Z"),
            Some("2026-10-09T08:45:00Z")
        )
    );
    let (_, listed) = api.get("/api/v1/contracts/acme/excusals", VIEWER).await;
    assert_eq!(listed["excusals"][0]["from"], "2026-10-09T08:15:00Z");
}

#[tokio::test]
async fn a_byte_order_mark_before_a_json_body_is_skipped() {
    let api = Api::start().await;
    let res = api
        .client
        .post(format!("{}/api/v1/contracts/acme/costs", api.base))
        .bearer_auth(MANAGER)
        .header("content-type", "application/json")
        .body(format!("\u{feff}{}", cost()))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["amount_minor"], 12_050);
}

/// `POST …/evidence?QUERY` with `bytes` as the body.
async fn upload(
    api: &Api,
    query: &str,
    token: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let res = api
        .client
        .post(format!(
            "{}/api/v1/contracts/acme/evidence?{query}",
            api.base
        ))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn evidence_files_go_up_as_the_body_and_come_back_byte_for_byte() {
    let api = Api::start().await;
    let (status, created) = api
        .post("/api/v1/contracts/acme/costs", MANAGER, cost())
        .await;
    assert_eq!(status, 200, "{created}");
    // A viewer may not add one.
    let (status, _) = upload(
        &api,
        "cost=1&name=invoice.pdf",
        VIEWER,
        "application/pdf",
        b"abc".to_vec(),
    )
    .await;
    assert_eq!(status, 403);
    let (status, file) = upload(
        &api,
        "cost=1&name=Invoice%207781.pdf",
        MANAGER,
        "application/pdf",
        b"abc".to_vec(),
    )
    .await;
    assert_eq!(status, 200, "{file}");
    assert_eq!(file["id"], 1);
    assert_eq!(file["subject"], "cost 1");
    assert_eq!(file["name"], "Invoice 7781.pdf");
    assert_eq!(file["added_by"], "jane.smith");
    assert_eq!(file["period"], "2026-10");
    // The FIPS 180-2 test vector for "abc".
    assert_eq!(
        file["sha256"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    // Over 10 MiB (10,485,760 bytes): 413, naming the limit; nothing stored.
    let (status, body) = upload(
        &api,
        "cost=1&name=scan.pdf",
        MANAGER,
        "application/pdf",
        vec![b'x'; 10_485_761],
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("over the limit of 10485760 bytes (10 MiB)"),
        "{body}"
    );
    // Naming nothing, or an unknown cost.
    let (status, body) = upload(
        &api,
        "name=a.pdf",
        MANAGER,
        "application/pdf",
        b"a".to_vec(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = upload(
        &api,
        "cost=9&name=a.pdf",
        MANAGER,
        "application/pdf",
        b"a".to_vec(),
    )
    .await;
    assert_eq!(status, 404, "{body}");

    let (status, list) = api.get("/api/v1/contracts/acme/evidence", VIEWER).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["evidence_files"].as_array().map(Vec::len), Some(1));
    let res = api
        .client
        .get(format!("{}/api/v1/contracts/acme/evidence/1", api.base))
        .bearer_auth(VIEWER)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"Invoice 7781.pdf\""
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"abc");
    assert_eq!(
        api.get("/api/v1/contracts/acme/evidence/2", VIEWER).await.0,
        404
    );
    // The month's report lists it.
    let month = api.month().await;
    assert_eq!(month["evidence_files"][0]["name"], "Invoice 7781.pdf");
}

/// A NUL in what a person records is refused naming the field, on either
/// backend (PostgreSQL's text cannot hold one), and nothing is stored.
#[tokio::test]
async fn a_nul_in_a_cost_or_an_excusal_is_refused_naming_the_field() {
    let api = Api::start().await;
    let mut nul_cost = cost();
    nul_cost["description"] = json!("Courier\u{0}for laptops");
    let (status, body) = api
        .post("/api/v1/contracts/acme/costs", MANAGER, nul_cost)
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"],
        "description: holds a NUL character (U+0000), which no text may contain"
    );
    let (status, body) = api
        .post(
            "/api/v1/contracts/acme/excusals",
            MANAGER,
            json!({"incident": "INC1", "reason": "agreed\u{0}"}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"],
        "reason: holds a NUL character (U+0000), which no text may contain"
    );
    let (status, list) = api.get("/api/v1/contracts/acme/costs", VIEWER).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["costs"], json!([]));
}
