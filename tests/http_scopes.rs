//! API tokens scoped to contracts, over every route of the router: a token
//! with `contracts = ["acme"]` can do on acme what its role allows, and
//! nothing on beta (nor on a contract that does not exist): refused 403
//! with nothing of beta in the answer, beta's records unchanged, a record
//! for beta in a push refused. The table of routes is checked against the
//! routes `src/http/mod.rs` and `src/web/mod.rs` declare, so a new route
//! must join it. The web desk's routes take no token (a token there is no
//! session); people of the desk scoped to acme are held to it the same way,
//! except that another contract's page is "not found".

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;

use common::{daemon_deps, sha256_hex};
use serde_json::{Value, json};

const ROOT: &str = "scopes-root-manager";
const VIEWER_A: &str = "scopes-viewer-acme";
const MANAGER_A: &str = "scopes-manager-acme";
const INGEST_A: &str = "scopes-ingest-acme";
const NOC_A: &str = "scopes-noc-acme";
const NOC_B: &str = "scopes-noc-beta";

fn contract(id: &str) -> String {
    format!(
        r#"
[[contracts]]
id = "{id}"
supplier = "Supplier of {id}"
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
  service_credits = [ {{ below = 95.0, percent = 2.0 }} ]

  [[contracts.service_levels]]
  id = "email-availability"
  kind = "availability"
  services = ["email"]
  target_percent = 99.5

  [[contracts.commitments]]
  id = "dr-test"
  name = "Annual DR test"
  due = "2026-11-30"
  every = "12 months"

  [[contracts.dr_systems]]
  id = "payroll"
  name = "Payroll"
  criticality = "critical"
  hosted_by = "supplier"

  [[contracts.dr_systems]]
  id = "email"
  name = "Email"
  criticality = "high"
  hosted_by = "saas"
  vendor = "Microsoft"
"#
    )
}

struct Api {
    base: String,
    client: reqwest::Client,
    /// The daemon's parts, for what no endpoint does (the scheduled draft).
    deps: slawatch::daemon::Deps,
    _dir: tempfile::TempDir,
}

impl Api {
    async fn start() -> Api {
        let _ = rustls::crypto::ring::default_provider().install_default();
        // Unique to this test file; set before any thread reads the environment.
        unsafe {
            std::env::set_var("HTTP_SCOPES_TEST_NOC_A", NOC_A);
            std::env::set_var("HTTP_SCOPES_TEST_NOC_B", NOC_B);
        }
        let dir = tempfile::tempdir().unwrap();
        let token = |name: &str, role: &str, secret: &str, scoped: bool| {
            let scope = if scoped {
                "contracts = [\"acme\"]\n"
            } else {
                ""
            };
            format!(
                "\n[[api_tokens]]\nname = \"{name}\"\nrole = \"{role}\"\ntoken_sha256 = \"{}\"\n{scope}",
                sha256_hex(secret)
            )
        };
        let config = format!(
            "{}{}
[[sources]]
id = \"noc-acme\"
contract = \"acme\"
kind = \"alertmanager\"
token_env = \"HTTP_SCOPES_TEST_NOC_A\"
service_label = \"service\"

[[sources]]
id = \"noc-beta\"
contract = \"beta\"
kind = \"alertmanager\"
token_env = \"HTTP_SCOPES_TEST_NOC_B\"
service_label = \"service\"
{}{}{}{}",
            contract("acme"),
            contract("beta"),
            token("root", "manager", ROOT, false),
            token("viewer-a", "viewer", VIEWER_A, true),
            token("manager-a", "manager", MANAGER_A, true),
            token("ingest-a", "ingest", INGEST_A, true),
        );
        let deps =
            daemon_deps(&dir, &config)
                .await
                .with_clock(slawatch::domain::WallClock::manual(
                    "2026-11-05T09:00:00Z".parse().unwrap(),
                ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        // The daemon's whole router: the API and the web desk.
        let app = slawatch::web::router(deps.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Api {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            deps,
            _dir: dir,
        }
    }

    async fn call(&self, method: &str, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .client
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(token);
        if method != reqwest::Method::GET {
            req = req.body(body.to_string());
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A call that must succeed; its answer.
    async fn ok(&self, method: &str, path: &str, body: Value) -> Value {
        let (status, answer) = self.call(method, path, ROOT, &body).await;
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status} {answer}"
        );
        answer
    }
}

/// The ids of one contract's records that the routes act on: two of each,
/// so a route can be tried once by the scoped manager and once more.
struct Ids {
    costs: Vec<i64>,
    excusals: Vec<i64>,
    disputes: Vec<i64>,
    dr_tests: Vec<i64>,
    evidence: Vec<i64>,
    actions: Vec<String>,
}

/// Records, costs, excusals, disputes and DR tests for `c`, by the unscoped manager.
async fn seed(api: &Api, c: &str) -> Ids {
    let records: Vec<Value> = (1..=6)
        .map(|i| {
            json!({"type": "incident", "id": format!("{c}-I{i}"), "contract": c, "priority": "P1",
                   "opened_at": "2026-10-05T09:00:00Z", "resolved_at": "2026-10-05T15:00:00Z"})
        })
        .chain([
            json!({"type": "outage", "id": format!("{c}-O1"), "contract": c, "service": "email",
                       "start": "2026-10-06T09:00:00Z", "end": "2026-10-06T10:00:00Z"}),
        ])
        .collect();
    let pushed = api.ok("POST", "/api/v1/records", json!(records)).await;
    assert_eq!(pushed["stored"], 7, "{pushed}");
    // October drafted on schedule, so a manager has a draft to approve.
    let deps = &api.deps;
    slawatch::issuing::issue_due(&deps.config, &deps.store, deps.clock.now())
        .await
        .unwrap();
    let mut ids = Ids {
        costs: vec![],
        excusals: vec![],
        disputes: vec![],
        dr_tests: vec![],
        evidence: vec![],
        actions: vec![],
    };
    let id = |v: &Value| v["id"].as_i64().unwrap();
    for i in 1..=2 {
        let cost = json!({"date": "2026-10-09", "amount": "10.00", "description": format!("{c} cost {i}"), "evidence": "inv"});
        ids.costs.push(id(&api
            .ok("POST", &format!("/api/v1/contracts/{c}/costs"), cost)
            .await));
        // An evidence file of that cost (the body is the file).
        let cost_id = ids.costs[i - 1];
        ids.evidence.push(id(&api
            .ok(
                "POST",
                &format!("/api/v1/contracts/{c}/evidence?cost={cost_id}&name=invoice-{i}.json"),
                json!({"invoice": i}),
            )
            .await));
        let excusal = json!({"incident": format!("{c}-I{i}"), "reason": "r"});
        ids.excusals.push(id(&api
            .ok("POST", &format!("/api/v1/contracts/{c}/excusals"), excusal)
            .await));
        // Four disputes, one for each way of deciding one.
        for n in [i + 2, i + 4] {
            let dispute = json!({"incident": format!("{c}-I{n}"), "note": "n"});
            ids.disputes.push(id(&api
                .ok("POST", &format!("/api/v1/contracts/{c}/disputes"), dispute)
                .await));
        }
        let test = json!({"system": "payroll", "date": format!("2026-10-0{i}")});
        ids.dr_tests.push(id(&api
            .ok("POST", &format!("/api/v1/contracts/{c}/dr-tests"), test)
            .await));
        let action = json!({"id": format!("{c}-A{i}"), "origin": "IT DR audit", "title": "t",
                            "owner": "o", "due": "2027-01-31"});
        let added = api
            .ok("POST", &format!("/api/v1/contracts/{c}/actions"), action)
            .await;
        ids.actions.push(added["id"].as_str().unwrap().to_string());
    }
    ids
}

/// Everything beta holds, as the unscoped manager reads it.
async fn everything(api: &Api, c: &str) -> Value {
    let mut all = serde_json::Map::new();
    for part in [
        "costs",
        "excusals",
        "disputes",
        "audit",
        "commitments",
        "dr",
        "actions",
        "follow-up",
        "open-incidents",
        "months/2026-10",
        "months/2026-11",
    ] {
        let (status, v) = api
            .call(
                "GET",
                &format!("/api/v1/contracts/{c}/{part}"),
                ROOT,
                &Value::Null,
            )
            .await;
        assert_eq!(status, 200, "{part}: {v}");
        all.insert(part.to_string(), v);
    }
    Value::Object(all)
}

/// The routes over every contract a token may read (no contract in the
/// path): a scoped token sees its own contracts in the answer.
const PORTFOLIO: [&str; 2] = ["/api/v1/contracts", "/api/v1/follow-up"];

/// Who may make a call, by role, on a contract the token covers.
#[derive(Clone, Copy, PartialEq)]
enum Who {
    /// Viewer and manager tokens.
    Readers,
    /// Manager tokens.
    Managers,
    /// Ingest and manager tokens (`/api/v1/records`).
    Pushers,
    /// No API token: a source's own token only.
    Sources,
    /// Anyone, no token needed (`/healthz`, `/readyz`).
    Anyone,
    /// Tokens for every contract only (`/metrics` shows them all).
    Unscoped,
    /// The web desk's people signed in, viewers and managers (no token).
    DeskReaders,
    /// The web desk's managers signed in (no token).
    DeskManagers,
    /// The web desk's sign-in and sign-out forms (no token).
    DeskSession,
    /// The web desk's people who see every contract (committee packs span
    /// contracts): anyone scoped is told "not found".
    DeskUnscoped,
}

/// One route of the router: its template as `src/http/mod.rs` writes it,
/// the call on a contract (`{c}`), the body, and who may make it.
struct Route {
    method: &'static str,
    template: &'static str,
    who: Who,
    path: fn(&str, &Ids, usize) -> String,
    body: fn(&str, usize) -> Value,
}

fn none(_: &str, _: usize) -> Value {
    Value::Null
}

fn routes() -> Vec<Route> {
    vec![
        Route {
            method: "GET",
            template: "/healthz",
            who: Who::Anyone,
            path: |_, _, _| "/healthz".into(),
            body: none,
        },
        Route {
            method: "GET",
            template: "/readyz",
            who: Who::Anyone,
            path: |_, _, _| "/readyz".into(),
            body: none,
        },
        Route {
            method: "GET",
            template: "/metrics",
            who: Who::Unscoped,
            path: |_, _, _| "/metrics".into(),
            body: none,
        },
        Route {
            method: "POST",
            template: "/api/v1/records",
            who: Who::Pushers,
            path: |_, _, _| "/api/v1/records".into(),
            body: |c, n| json!([{"type": "incident", "id": format!("pushed-{n}"), "contract": c, "priority": "P1", "opened_at": "2026-10-20T09:00:00Z"}]),
        },
        Route {
            method: "POST",
            template: "/api/v1/alertmanager/{source_id}",
            who: Who::Sources,
            path: |c, _, _| format!("/api/v1/alertmanager/noc-{c}"),
            body: |_, n| {
                json!({"version": "4", "alerts": [{"status": "firing", "labels": {"service": "email"},
                "startsAt": "2026-10-12T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "fingerprint": format!("f{n}")}]})
            },
        },
        Route {
            method: "GET",
            template: "/api/v1/contracts",
            who: Who::Readers,
            path: |_, _, _| "/api/v1/contracts".into(),
            body: none,
        },
        Route {
            method: "GET",
            template: "/api/v1/contracts/{contract}/months/{month}",
            who: Who::Readers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/months/2026-10"),
            body: none,
        },
        Route {
            method: "POST",
            template: "/api/v1/contracts/{contract}/months/{month}/approve",
            who: Who::Managers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/months/2026-10/approve"),
            body: none,
        },
        Route {
            method: "GET",
            template: "/api/v1/contracts/{contract}/history/{kind}/{id}",
            who: Who::Readers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/history/incidents/{c}-I1"),
            body: none,
        },
        Route {
            method: "GET",
            template: "/api/v1/contracts/{contract}/open-incidents",
            who: Who::Readers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/open-incidents"),
            body: none,
        },
        Route {
            method: "GET",
            template: "/api/v1/contracts/{contract}/commitments",
            who: Who::Readers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/commitments"),
            body: none,
        },
        Route {
            method: "POST",
            template: "/api/v1/contracts/{contract}/commitments",
            who: Who::Managers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/commitments"),
            body: |_, n| json!({"id": format!("adhoc-{n}"), "name": "Ad hoc", "due": "2026-12-31"}),
        },
        Route {
            method: "POST",
            template: "/api/v1/contracts/{contract}/commitments/{id}/{action}",
            who: Who::Managers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/commitments/dr-test/deliver"),
            body: |_, _| json!({"evidence": "DR report", "on": "2026-11-02"}),
        },
        Route {
            method: "GET",
            template: "/api/v1/contracts/{contract}/causes",
            who: Who::Readers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/causes"),
            body: none,
        },
        Route {
            method: "POST",
            template: "/api/v1/contracts/{contract}/causes",
            who: Who::Managers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/causes"),
            body: |c, _| {
                json!({"incident": format!("{c}-I1"), "cause": "malware", "by": "J. Smith",
                       "reason": "Supplier's root-cause report"})
            },
        },
        Route {
            method: "GET",
            template: "/api/v1/contracts/{contract}/dr",
            who: Who::Readers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/dr"),
            body: none,
        },
        Route {
            method: "POST",
            template: "/api/v1/contracts/{contract}/dr-tests",
            who: Who::Managers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/dr-tests"),
            body: |_, _| json!({"system": "payroll", "date": "2026-10-20"}),
        },
        Route {
            method: "DELETE",
            template: "/api/v1/contracts/{contract}/dr-tests/{id}",
            who: Who::Managers,
            path: |c, ids, n| format!("/api/v1/contracts/{c}/dr-tests/{}", ids.dr_tests[n]),
            body: |_, _| json!({"reason": "recorded by mistake"}),
        },
        Route {
            method: "POST",
            template: "/api/v1/contracts/{contract}/dr-assurances",
            who: Who::Managers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/dr-assurances"),
            body: |_, _| {
                json!({"system": "email", "kind": "soc2", "period_end": "2026-09-30",
                       "expires": "2027-09-30", "evidence": "SOC 2 Type II FY2026"})
            },
        },
        Route {
            method: "GET",
            template: "/api/v1/follow-up",
            who: Who::Readers,
            path: |_, _, _| "/api/v1/follow-up".into(),
            body: none,
        },
        Route {
            method: "GET",
            template: "/api/v1/contracts/{contract}/follow-up",
            who: Who::Readers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/follow-up"),
            body: none,
        },
        Route {
            method: "GET",
            template: "/api/v1/contracts/{contract}/actions",
            who: Who::Readers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/actions"),
            body: none,
        },
        Route {
            method: "POST",
            template: "/api/v1/contracts/{contract}/actions",
            who: Who::Managers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/actions"),
            body: |_, n| {
                json!({"id": format!("new-{n}"), "origin": "Committee resolution", "title": "t",
                       "owner": "o", "due": "2027-01-31"})
            },
        },
        Route {
            method: "GET",
            template: "/api/v1/contracts/{contract}/actions/{id}",
            who: Who::Readers,
            path: |c, ids, n| format!("/api/v1/contracts/{c}/actions/{}", ids.actions[n]),
            body: none,
        },
        Route {
            method: "POST",
            template: "/api/v1/contracts/{contract}/actions/{id}/status",
            who: Who::Managers,
            path: |c, ids, n| format!("/api/v1/contracts/{c}/actions/{}/status", ids.actions[n]),
            body: |_, _| json!({"status": "partially_implemented", "reason": "plan drafted"}),
        },
        Route {
            method: "GET",
            template: "/api/v1/contracts/{contract}/costs",
            who: Who::Readers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/costs"),
            body: none,
        },
        Route {
            method: "POST",
            template: "/api/v1/contracts/{contract}/costs",
            who: Who::Managers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/costs"),
            body: |_, _| json!({"date": "2026-10-09", "amount": "5.00", "description": "d", "evidence": "e"}),
        },
        Route {
            method: "DELETE",
            template: "/api/v1/contracts/{contract}/costs/{id}",
            who: Who::Managers,
            path: |c, ids, n| format!("/api/v1/contracts/{c}/costs/{}", ids.costs[n]),
            body: |_, _| json!({"reason": "r"}),
        },
        Route {
            method: "GET",
            template: "/api/v1/contracts/{contract}/excusals",
            who: Who::Readers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/excusals"),
            body: none,
        },
        Route {
            method: "POST",
            template: "/api/v1/contracts/{contract}/excusals",
            who: Who::Managers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/excusals"),
            body: |_, _| json!({"service_level": "p1-resolution", "month": "2026-09", "reason": "r"}),
        },
        Route {
            method: "DELETE",
            template: "/api/v1/contracts/{contract}/excusals/{id}",
            who: Who::Managers,
            path: |c, ids, n| format!("/api/v1/contracts/{c}/excusals/{}", ids.excusals[n]),
            body: |_, _| json!({"reason": "r"}),
        },
        Route {
            method: "GET",
            template: "/api/v1/contracts/{contract}/disputes",
            who: Who::Readers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/disputes"),
            body: none,
        },
        Route {
            method: "POST",
            template: "/api/v1/contracts/{contract}/disputes",
            who: Who::Managers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/disputes"),
            body: |_, _| json!({"service_level": "p1-resolution", "month": "2026-10", "note": "n"}),
        },
        Route {
            method: "POST",
            template: "/api/v1/contracts/{contract}/disputes/{id}/reject",
            who: Who::Managers,
            path: |c, ids, _| format!("/api/v1/contracts/{c}/disputes/{}/reject", ids.disputes[0]),
            body: |_, _| json!({"note": "n"}),
        },
        Route {
            method: "POST",
            template: "/api/v1/contracts/{contract}/disputes/{id}/accept",
            who: Who::Managers,
            path: |c, ids, _| format!("/api/v1/contracts/{c}/disputes/{}/accept", ids.disputes[1]),
            body: |_, _| json!({"note": "n"}),
        },
        Route {
            method: "POST",
            template: "/api/v1/contracts/{contract}/disputes/{id}/uphold",
            who: Who::Managers,
            path: |c, ids, _| format!("/api/v1/contracts/{c}/disputes/{}/uphold", ids.disputes[2]),
            body: |_, _| json!({"note": "n"}),
        },
        Route {
            method: "POST",
            template: "/api/v1/contracts/{contract}/disputes/{id}/withdraw",
            who: Who::Managers,
            path: |c, ids, _| {
                format!(
                    "/api/v1/contracts/{c}/disputes/{}/withdraw",
                    ids.disputes[3]
                )
            },
            body: |_, _| json!({"note": "n"}),
        },
        Route {
            method: "GET",
            template: "/api/v1/contracts/{contract}/audit",
            who: Who::Readers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/audit"),
            body: none,
        },
        Route {
            method: "GET",
            template: "/api/v1/contracts/{contract}/evidence",
            who: Who::Readers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/evidence"),
            body: none,
        },
        Route {
            method: "POST",
            template: "/api/v1/contracts/{contract}/evidence",
            who: Who::Managers,
            path: |c, ids, n| {
                format!(
                    "/api/v1/contracts/{c}/evidence?cost={}&name=receipt.json",
                    ids.costs[n]
                )
            },
            body: |_, n| json!({"receipt": n}),
        },
        Route {
            method: "GET",
            template: "/api/v1/contracts/{contract}/evidence/{id}",
            who: Who::Readers,
            path: |c, ids, n| format!("/api/v1/contracts/{c}/evidence/{}", ids.evidence[n]),
            body: none,
        },
        Route {
            method: "GET",
            template: "/api/v1/contracts/{contract}/recovery",
            who: Who::Readers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/recovery"),
            body: none,
        },
        Route {
            method: "POST",
            template: "/api/v1/contracts/{contract}/credit-notes",
            who: Who::Managers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/credit-notes"),
            body: |_, n| json!({"reference": format!("CN-{n}"), "date": "2026-11-20", "amount": "5.00", "months": "2026-10"}),
        },
        Route {
            method: "POST",
            template: "/api/v1/contracts/{contract}/refusals",
            who: Who::Managers,
            path: |c, _, _| format!("/api/v1/contracts/{c}/refusals"),
            body: |_, n| json!({"reference": format!("L-{n}"), "date": "2026-11-20", "amount": "1.00", "months": "2026-10", "reason": "r"}),
        },
        Route {
            method: "POST",
            template: "/api/v1/contracts/{contract}/costs/{id}/gates",
            who: Who::Managers,
            path: |c, ids, n| format!("/api/v1/contracts/{c}/costs/{}/gates", ids.costs[n]),
            body: |_, _| json!({"gate": "data_loss", "reason": "r"}),
        },
        Route {
            method: "GET",
            template: "/",
            who: Who::DeskReaders,
            path: |_, _, _| "/".into(),
            body: none,
        },
        Route {
            method: "GET",
            template: "/sign-in",
            who: Who::Anyone,
            path: |_, _, _| "/sign-in".into(),
            body: none,
        },
        Route {
            method: "POST",
            template: "/sign-in",
            who: Who::DeskSession,
            path: |_, _, _| "/sign-in".into(),
            body: none,
        },
        Route {
            method: "POST",
            template: "/sign-out",
            who: Who::DeskSession,
            path: |_, _, _| "/sign-out".into(),
            body: none,
        },
        Route {
            method: "GET",
            template: "/contracts/{contract}/months/{month}",
            who: Who::DeskReaders,
            path: |c, _, _| format!("/contracts/{c}/months/2026-10"),
            body: none,
        },
        Route {
            method: "POST",
            template: "/contracts/{contract}/months/{month}/costs",
            who: Who::DeskManagers,
            path: |c, _, _| format!("/contracts/{c}/months/2026-10/costs"),
            body: |_, n| json!({"date": "2026-10-09", "amount": format!("{n}.00"), "description": "d", "evidence": "e"}),
        },
        Route {
            method: "GET",
            template: "/contracts/{contract}/months/{month}/outages",
            who: Who::DeskReaders,
            path: |c, _, _| format!("/contracts/{c}/months/2026-10/outages"),
            body: none,
        },
        Route {
            method: "GET",
            template: "/contracts/{contract}/outages/{outage}",
            who: Who::DeskReaders,
            path: |c, _, _| format!("/contracts/{c}/outages/{c}-O1"),
            body: none,
        },
        Route {
            method: "GET",
            template: "/contracts/{contract}/incidents/{incident}",
            who: Who::DeskReaders,
            path: |c, _, _| format!("/contracts/{c}/incidents/{c}-I1"),
            body: none,
        },
        Route {
            method: "GET",
            template: "/contracts/{contract}/records",
            who: Who::DeskReaders,
            path: |c, _, _| format!("/contracts/{c}/records"),
            body: none,
        },
        Route {
            method: "GET",
            template: "/contracts/{contract}/audit",
            who: Who::DeskReaders,
            path: |c, _, _| format!("/contracts/{c}/audit?month=2026-10"),
            body: none,
        },
        Route {
            method: "POST",
            template: "/contracts/{contract}/excusals",
            who: Who::DeskManagers,
            path: |c, _, _| format!("/contracts/{c}/excusals"),
            body: |c, _| json!({"incident": format!("{c}-I6"), "reason": "r"}),
        },
        Route {
            method: "POST",
            template: "/contracts/{contract}/excusals/{id}/revoke",
            who: Who::DeskManagers,
            // The desk's table names no records: acme's first is number 1.
            path: |c, ids, _| {
                format!(
                    "/contracts/{c}/excusals/{}/revoke",
                    ids.excusals.first().copied().unwrap_or(1)
                )
            },
            body: |_, _| json!({"reason": "r"}),
        },
        Route {
            method: "POST",
            template: "/contracts/{contract}/disputes",
            who: Who::DeskManagers,
            path: |c, _, _| format!("/contracts/{c}/disputes"),
            body: |c, _| json!({"incident": format!("{c}-I1"), "note": "n"}),
        },
        Route {
            method: "POST",
            template: "/contracts/{contract}/disputes/{id}/decide",
            who: Who::DeskManagers,
            path: |c, ids, _| {
                format!(
                    "/contracts/{c}/disputes/{}/decide",
                    ids.disputes.first().copied().unwrap_or(1)
                )
            },
            body: |_, _| json!({"outcome": "reject", "note": "n"}),
        },
        Route {
            method: "GET",
            template: "/contracts/{contract}/commitments",
            who: Who::DeskReaders,
            path: |c, _, _| format!("/contracts/{c}/commitments"),
            body: none,
        },
        Route {
            method: "POST",
            template: "/contracts/{contract}/commitments/{id}",
            who: Who::DeskManagers,
            path: |c, _, _| format!("/contracts/{c}/commitments/dr-test"),
            body: |_, _| json!({"action": "deliver", "evidence": "DR report"}),
        },
        Route {
            method: "GET",
            template: "/contracts/{contract}/dr",
            who: Who::DeskReaders,
            path: |c, _, _| format!("/contracts/{c}/dr"),
            body: none,
        },
        Route {
            method: "POST",
            template: "/contracts/{contract}/dr-tests",
            who: Who::DeskManagers,
            path: |c, _, _| format!("/contracts/{c}/dr-tests"),
            body: |_, _| json!({"system": "payroll", "date": "2026-10-03"}),
        },
        Route {
            method: "POST",
            template: "/contracts/{contract}/dr-tests/{id}/withdraw",
            who: Who::DeskManagers,
            path: |c, ids, _| {
                format!(
                    "/contracts/{c}/dr-tests/{}/withdraw",
                    ids.dr_tests.first().copied().unwrap_or(1)
                )
            },
            body: |_, _| json!({"reason": "r"}),
        },
        Route {
            method: "GET",
            template: "/contracts/{contract}/months/{month}/issued",
            who: Who::DeskReaders,
            path: |c, _, _| format!("/contracts/{c}/months/2026-10/issued"),
            body: none,
        },
        Route {
            method: "GET",
            template: "/contracts/{contract}/months/{month}/issued/{version}/{file}",
            who: Who::DeskReaders,
            path: |c, _, _| format!("/contracts/{c}/months/2026-10/issued/1/{c}-2026-10-v1.json"),
            body: none,
        },
        Route {
            method: "GET",
            template: "/packs",
            who: Who::DeskUnscoped,
            path: |_, _, _| "/packs".into(),
            body: none,
        },
        Route {
            method: "GET",
            template: "/packs/{scope}/{from}/{to}/{version}/{format}",
            who: Who::DeskUnscoped,
            path: |c, _, _| format!("/packs/{c}/2026-10/2026-10/1/pdf"),
            body: none,
        },
        Route {
            method: "GET",
            template: "/contracts/{contract}/outbox",
            who: Who::DeskReaders,
            path: |c, _, _| format!("/contracts/{c}/outbox"),
            body: none,
        },
        Route {
            method: "GET",
            template: "/contracts/{contract}/sources",
            who: Who::DeskReaders,
            path: |c, _, _| format!("/contracts/{c}/sources"),
            body: none,
        },
        Route {
            method: "GET",
            template: "/contracts/{contract}/actions",
            who: Who::DeskReaders,
            path: |c, _, _| format!("/contracts/{c}/actions"),
            body: none,
        },
        Route {
            method: "GET",
            template: "/static/desk.css",
            who: Who::Anyone,
            path: |_, _, _| "/static/desk.css".into(),
            body: none,
        },
    ]
}

/// Every `.route("…"` of the router, with its methods.
fn declared_routes() -> BTreeSet<(String, String)> {
    let mut text = String::new();
    for file in ["src/http/mod.rs", "src/web/mod.rs"] {
        text.push_str(
            &std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap(),
        );
    }
    let mut out = BTreeSet::new();
    for part in text.split(".route(").skip(1) {
        let path = part.split('"').nth(1).unwrap().to_string();
        let handlers = &part[..part.find("\n        .").unwrap_or(part.len())];
        for (word, method) in [("get(", "GET"), ("post(", "POST"), ("delete(", "DELETE")] {
            if handlers.contains(word) {
                out.insert((method.to_string(), path.clone()));
            }
        }
    }
    out
}

#[test]
fn the_table_covers_every_route_of_the_router() {
    let table: BTreeSet<(String, String)> = routes()
        .iter()
        .map(|r| (r.method.to_string(), r.template.to_string()))
        .collect();
    let declared = declared_routes();
    assert!(declared.len() >= 25, "{declared:?}");
    assert_eq!(table, declared);
}

#[tokio::test]
async fn a_token_scoped_to_one_contract_acts_on_it_and_on_no_other() {
    let api = Api::start().await;
    let acme = seed(&api, "acme").await;
    let beta = seed(&api, "beta").await;
    let beta_before = everything(&api, "beta").await;
    let tokens = [
        ("viewer", VIEWER_A, [Who::Readers].as_slice()),
        (
            "manager",
            MANAGER_A,
            [Who::Readers, Who::Managers, Who::Pushers].as_slice(),
        ),
        ("ingest", INGEST_A, [Who::Pushers].as_slice()),
    ];
    let mut n = 0;
    for route in routes() {
        for (role, token, may) in tokens {
            n += 1;
            let place = format!("{role} {} {}", route.method, route.template);
            // Another contract's, or one that does not exist: the same 403.
            for other in ["beta", "nope"] {
                let path = (route.path)(other, &beta, 0);
                let (status, answer) = api
                    .call(route.method, &path, token, &(route.body)(other, n))
                    .await;
                let text = answer.to_string();
                match route.who {
                    Who::Anyone => assert_eq!(status, 200, "{place}"),
                    // A token is no session: a page is the sign-in form
                    // (the redirect followed), a form is refused.
                    Who::DeskReaders | Who::DeskManagers | Who::DeskSession | Who::DeskUnscoped => {
                        if route.method == "GET" {
                            assert_eq!(status, 200, "{place}");
                            assert!(text.contains("action=\\\"/sign-in\\\""), "{place}: {text}");
                        } else {
                            assert!((400..500).contains(&status), "{place}: {status}");
                        }
                        assert!(
                            !text.contains("beta") && !text.contains("nope"),
                            "{place}: {text}"
                        );
                    }
                    Who::Pushers if may.contains(&Who::Pushers) => {
                        // The push is taken, the other contract's line refused.
                        assert_eq!(status, 200, "{place}: {answer}");
                        assert_eq!(
                            (answer["stored"].as_u64(), answer["rejected"].as_u64()),
                            (Some(0), Some(1)),
                            "{place}: {answer}"
                        );
                        let reason = answer["rejections"][0]["reason"].as_str().unwrap();
                        assert!(!reason.contains(other), "{place}: {reason}");
                    }
                    Who::Readers
                        if PORTFOLIO.contains(&route.template) && may.contains(&Who::Readers) =>
                    {
                        // The list holds the token's contracts only.
                        assert_eq!(status, 200, "{place}");
                        let ids: Vec<&str> = answer["contracts"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|c| c["id"].as_str().or(c.as_str()).unwrap())
                            .collect();
                        assert_eq!(ids, ["acme"], "{place}");
                    }
                    _ => {
                        assert_eq!(status, 403, "{place} on {other}: {answer}");
                        assert!(
                            !text.contains("beta") && !text.contains("nope"),
                            "{place}: {text}"
                        );
                    }
                }
            }
            // Its own contract: what the role allows.
            let path = (route.path)("acme", &acme, 0);
            let (status, answer) = api
                .call(route.method, &path, token, &(route.body)("acme", n))
                .await;
            if matches!(
                route.who,
                Who::DeskReaders | Who::DeskManagers | Who::DeskSession | Who::DeskUnscoped
            ) {
                // No token opens the desk, on any contract.
                match route.method {
                    "GET" => assert!(
                        answer.to_string().contains("action=\\\"/sign-in\\\""),
                        "{place}"
                    ),
                    _ => assert!((400..500).contains(&status), "{place}: {status}"),
                }
                continue;
            }
            let allowed = match route.who {
                Who::Anyone => true,
                Who::Unscoped | Who::Sources => false,
                who => may.contains(&who),
            };
            if allowed {
                assert!(
                    (200..300).contains(&status),
                    "{place} on acme: {status} {answer}"
                );
                if route.who == Who::Pushers {
                    assert_eq!(answer["stored"], 1, "{place}: {answer}");
                }
            } else {
                assert_eq!(status, 403, "{place} on acme: {answer}");
            }
        }
        // A record of beta's reached through acme's path is not found.
        if route.template.ends_with("/{id}") || route.template.contains("/{id}/") {
            // The desk's forms need a session, not a token (tested apart).
            if route.template.contains("commitments")
                || route.template.contains("history")
                || !route.template.starts_with("/api/")
            {
                continue;
            }
            let path = (route.path)("acme", &beta, 1);
            let (status, answer) = api
                .call(route.method, &path, MANAGER_A, &(route.body)("acme", 0))
                .await;
            assert_eq!(status, 404, "{} {path}: {answer}", route.method);
        }
    }
    // The sources' own tokens: each pushes to its own source only.
    let alert = (routes()
        .iter()
        .find(|r| r.who == Who::Sources)
        .unwrap()
        .body)("", 999);
    assert_eq!(
        api.call("POST", "/api/v1/alertmanager/noc-beta", NOC_A, &alert)
            .await
            .0,
        403
    );
    assert_eq!(
        api.call("POST", "/api/v1/alertmanager/noc-acme", NOC_A, &alert)
            .await
            .0,
        200
    );
    // None of it changed anything of beta's.
    assert_eq!(everything(&api, "beta").await, beta_before);
}

/// A browser signed in to the web desk as `name`: cookies kept, redirects
/// shown; and its session's CSRF token.
async fn desk_browser(api: &Api, name: &str, password: &str) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let field = |body: &str, name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        let start = body.find(&marker).unwrap() + marker.len();
        body[start..].split('"').next().unwrap().to_string()
    };
    let form = client
        .get(format!("{}/sign-in", api.base))
        .send()
        .await
        .unwrap();
    let token = field(&form.text().await.unwrap(), "form_token");
    let signed = client
        .post(format!("{}/sign-in", api.base))
        .form(&[
            ("name", name),
            ("password", password),
            ("form_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 303, "{name} signs in");
    let home = client.get(format!("{}/", api.base)).send().await.unwrap();
    let csrf = field(&home.text().await.unwrap(), "csrf");
    (client, csrf)
}

#[tokio::test]
async fn a_desk_user_scoped_to_one_contract_acts_on_it_and_on_no_other() {
    let api = Api::start().await;
    seed(&api, "acme").await;
    seed(&api, "beta").await;
    // October issued, so the issued files' routes have a file to serve.
    let deps = &api.deps;
    for c in &deps.config.contracts {
        slawatch::issuing::issue_month(
            &deps.config,
            &deps.store,
            c,
            "2026-10".parse().unwrap(),
            deps.clock.now(),
            false,
        )
        .await
        .unwrap();
    }
    let beta_before = everything(&api, "beta").await;
    let password = "a long enough passphrase";
    for (name, role) in [("desk-viewer-a", "viewer"), ("desk-manager-a", "manager")] {
        let user = slawatch::store::web::WebUser {
            name: name.into(),
            role: role.into(),
            contracts: Some(vec!["acme".into()]),
            password_hash: Some(slawatch::web::password::hash(password).unwrap()),
            created_at: 0,
            disabled_at: None,
        };
        assert!(api.deps.store.add_web_user(&user).await.unwrap());
    }
    let people = [
        ("desk-viewer-a", [Who::DeskReaders].as_slice()),
        (
            "desk-manager-a",
            [Who::DeskReaders, Who::DeskManagers].as_slice(),
        ),
    ];
    let mut n = 0;
    for (name, may) in people {
        let (client, csrf) = desk_browser(&api, name, password).await;
        for route in routes() {
            if route.who == Who::DeskUnscoped {
                // Whichever it names: not found for someone scoped.
                for c in ["acme", "beta"] {
                    let path = (route.path)(c, &Ids::none(), 0);
                    let res = client
                        .get(format!("{}{path}", api.base))
                        .send()
                        .await
                        .unwrap();
                    let status = res.status().as_u16();
                    let text = res.text().await.unwrap();
                    assert_eq!(status, 404, "{name} {path}");
                    assert!(!text.contains("beta"), "{name} {path}: {text}");
                }
                continue;
            }
            if !matches!(route.who, Who::DeskReaders | Who::DeskManagers) {
                continue;
            }
            n += 1;
            let place = format!("{name} {} {}", route.method, route.template);
            let send = |c: &str| {
                let path = (route.path)(c, &Ids::none(), 0);
                let url = format!("{}{path}", api.base);
                let mut form: Vec<(String, String)> = vec![("csrf".into(), csrf.clone())];
                if let Value::Object(fields) = (route.body)(c, n) {
                    form.extend(
                        fields
                            .into_iter()
                            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string())),
                    );
                }
                let request = match route.method {
                    "GET" => client.get(url),
                    _ => client.post(url).form(&form),
                };
                async move {
                    let res = request.send().await.unwrap();
                    (res.status().as_u16(), res.text().await.unwrap())
                }
            };
            // Another contract's page, or one that does not exist: the
            // same 404, naming neither; the portfolio lists acme alone.
            for other in ["beta", "nope"] {
                let (status, text) = send(other).await;
                // A form the role may not post is refused before the
                // contract is looked at: 403 whichever it names.
                let expected = if !may.contains(&route.who) {
                    403
                } else if route.template.contains("{contract}") {
                    404
                } else {
                    200
                };
                assert_eq!(status, expected, "{place} on {other}: {text}");
                assert!(!text.contains(other), "{place}: {text}");
            }
            let (status, text) = send("acme").await;
            match (may.contains(&route.who), route.method) {
                (true, "GET") => assert_eq!(status, 200, "{place}: {text}"),
                (true, _) => assert_eq!(status, 303, "{place}: {text}"),
                (false, _) => assert_eq!(status, 403, "{place}: {text}"),
            }
        }
    }
    assert_eq!(everything(&api, "beta").await, beta_before);
}

impl Ids {
    /// No records: the desk's routes name none.
    fn none() -> Ids {
        Ids {
            costs: vec![],
            excusals: vec![],
            disputes: vec![],
            dr_tests: vec![],
            evidence: vec![],
            actions: vec![],
        }
    }
}
