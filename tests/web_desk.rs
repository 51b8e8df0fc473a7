//! The web desk over HTTP, on the daemon's real router and a real store
//! (SQLite, or PostgreSQL in its pass): signing in with a local account
//! (added with `slawatch user add`, password on standard input) or through
//! a trusted proxy's header, the pages, the record-a-cost form on the
//! API's code path, and every refusal (viewer, scope, CSRF, repeated
//! wrong passwords). A browser is played by reqwest with a cookie store,
//! redirects not followed so that each answer is seen.

mod common;

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::process::{Command, Stdio};

use common::{daemon_deps, sha256_hex};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

const API: &str = "web-desk-api-manager";
const JANE_PASSWORD: &str = "jane's long passphrase";
const VIC_PASSWORD: &str = "vic's long passphrase";
const SAM_PASSWORD: &str = "sam's long passphrase";
/// The trusted proxy's address; the browsers come from 127.0.0.1.
const PROXY: &str = "127.0.0.2";

fn config() -> String {
    let contract = |id: &str, supplier: &str| {
        format!(
            r#"
[[contracts]]
id = "{id}"
supplier = "{supplier}"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "1000.00"
managers = ["m@council.example"]

  [[contracts.service_levels]]
  id = "p1-resolution"
  name = "P1 incidents resolved within 4 hours"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  target_percent = 95.0
  service_credits = [ {{ below = 95.0, percent = 2.0 }}, {{ below = 90.0, percent = 4.0 }} ]

  [[contracts.service_levels]]
  id = "email-availability"
  name = "Email available 99.5%"
  kind = "availability"
  services = ["email"]
  target_percent = 99.5

  [[contracts.commitments]]
  id = "dr-test"
  name = "Annual DR test <full>"
  due = "2026-11-30"
  every = "12 months"

  [[contracts.dr_systems]]
  id = "payroll"
  name = "Payroll <HR>"
  criticality = "critical"
  hosted_by = "supplier"
"#
        )
    };
    format!(
        "{}{}
[web]
auth_proxy_header = \"X-Remote-User\"
trusted_proxies = [\"{PROXY}\"]

[[sources]]
id = \"acme-push\"
contract = \"acme\"
kind = \"webhook\"
token_env = \"WEB_DESK_PUSH_TOKEN\"

[[api_tokens]]
name = \"api\"
role = \"manager\"
token_sha256 = \"{}\"
",
        contract("acme", "Acme <b>Managed</b> Ltd"),
        contract("beta", "Beta Hosting plc"),
        sha256_hex(API)
    )
}

/// One daemon's router on a port of its own.
struct Daemon {
    base: String,
    deps: slawatch::daemon::Deps,
}

async fn daemon(dir: &tempfile::TempDir) -> Daemon {
    let deps = daemon_deps(dir, &config())
        .await
        .with_clock(slawatch::domain::WallClock::manual(
            "2026-11-05T09:00:00Z".parse().unwrap(),
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let app = slawatch::web::router(deps.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    Daemon {
        base: format!("http://{addr}"),
        deps,
    }
}

/// `slawatch ARGS` on the test's store, `stdin` written to standard input.
fn slawatch(dir: &tempfile::TempDir, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let file = dir.path().join("slawatch.toml");
    let url = slawatch::store::testing::database_url(&dir.path().join("s.db"));
    if !file.exists() {
        std::fs::write(
            &file,
            format!(
                "[daemon]\ndatabase_url = \"{url}\"\ndata_dir = \"{}\"\n{}",
                dir.path().join("data").display(),
                config()
            ),
        )
        .unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_slawatch"))
        .arg("--config")
        .arg(&file)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        writeln!(input, "{text}").unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

/// `slawatch user add ARGS`, the password on standard input.
fn user_add(dir: &tempfile::TempDir, args: &[&str], password: Option<&str>) {
    let mut all = vec!["user", "add"];
    all.extend_from_slice(args);
    let out = slawatch(dir, &all, password);
    assert!(
        out.status.success(),
        "user add {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A store with jane (manager, every contract), vic (viewer), sam (manager
/// of acme only) and pat (proxy only, viewer), and October's two P1s on
/// acme: I1 met (1 h), I2 breached (6 h against 4 h).
async fn desk() -> (tempfile::TempDir, Daemon) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let d = daemon(&dir).await;
    user_add(
        &dir,
        &["--name", "jane", "--role", "manager"],
        Some(JANE_PASSWORD),
    );
    user_add(
        &dir,
        &["--name", "vic", "--role", "viewer"],
        Some(VIC_PASSWORD),
    );
    user_add(
        &dir,
        &["--name", "sam", "--role", "manager", "--contract", "acme"],
        Some(SAM_PASSWORD),
    );
    user_add(
        &dir,
        &["--name", "pat", "--role", "viewer", "--no-password"],
        None,
    );
    let records = json!([
        {"type": "incident", "id": "I1", "contract": "acme", "priority": "P1",
         "opened_at": "2026-10-05T09:00:00Z", "resolved_at": "2026-10-05T10:00:00Z"},
        {"type": "incident", "id": "I2", "contract": "acme", "priority": "P1",
         "title": "<script>alert(1)</script> mail down",
         "opened_at": "2026-10-06T09:00:00Z", "resolved_at": "2026-10-06T15:00:00Z"},
    ]);
    let (status, answer) = api(&d, reqwest::Method::POST, "/api/v1/records", Some(records)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["stored"], 2, "{answer}");
    (dir, d)
}

/// An API call with the manager token.
async fn api(d: &Daemon, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}{path}", d.base))
        .bearer_auth(API);
    if let Some(b) = body {
        req = req.body(b.to_string());
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A browser: cookies kept, redirects shown rather than followed.
struct Browser {
    client: reqwest::Client,
    base: String,
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the first hidden field `name`.
    fn field(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no field {name} in {}", self.body))
            + marker.len();
        self.body[start..].split('"').next().unwrap().to_string()
    }

    fn cookie(&self) -> String {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with("slawatch_session="))
            .unwrap_or_default()
    }
}

impl Browser {
    fn new(d: &Daemon) -> Browser {
        Browser::from(d, None, &[])
    }

    fn from(d: &Daemon, address: Option<&str>, headers: &[(&'static str, &str)]) -> Browser {
        let mut default = HeaderMap::new();
        for (k, v) in headers {
            default.insert(*k, v.parse().unwrap());
        }
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .local_address(address.map(|a| a.parse::<IpAddr>().unwrap()))
            .default_headers(default)
            .build()
            .unwrap();
        Browser {
            client,
            base: d.base.clone(),
        }
    }

    /// The same browser (its cookies) on another daemon.
    fn on(&self, d: &Daemon) -> Browser {
        Browser {
            client: self.client.clone(),
            base: d.base.clone(),
        }
    }

    async fn page(res: reqwest::Response) -> Page {
        Page {
            status: res.status(),
            headers: res.headers().clone(),
            body: res.text().await.unwrap(),
        }
    }

    async fn get(&self, path: &str) -> Page {
        Browser::page(
            self.client
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Browser::page(
            self.client
                .post(format!("{}{path}", self.base))
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    async fn sign_in(&self, name: &str, password: &str) -> Page {
        let form = self.get("/sign-in").await;
        assert_eq!(form.status, 200);
        let token = form.field("form_token");
        self.post(
            "/sign-in",
            &[
                ("name", name),
                ("password", password),
                ("form_token", &token),
            ],
        )
        .await
    }

    /// Signs in and checks it worked: off to the portfolio.
    async fn signed_in(&self, name: &str, password: &str) {
        let p = self.sign_in(name, password).await;
        assert_eq!(p.status, 303, "{}", p.body);
        assert_eq!(p.location(), "/");
    }
}

const OCTOBER: &str = "/contracts/acme/months/2026-10";
const COSTS: &str = "/contracts/acme/months/2026-10/costs";

#[tokio::test]
async fn a_local_account_signs_in_and_a_wrong_password_does_not() {
    let (_dir, d) = desk().await;
    let b = Browser::new(&d);
    // Not signed in: every page sends the browser to sign in.
    let p = b.get("/").await;
    assert_eq!((p.status.as_u16(), p.location()), (303, "/sign-in"));
    let p = b.get(OCTOBER).await;
    assert_eq!((p.status.as_u16(), p.location()), (303, "/sign-in"));

    let wrong = b.sign_in("jane", "not her password").await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("The name or the password is wrong."));
    // The name is kept in the form, the password not.
    assert!(wrong.body.contains("value=\"jane\""), "{}", wrong.body);
    assert!(!wrong.body.contains("not her password"));
    assert_eq!(b.get("/").await.status, 303);

    let ok = b.sign_in("jane", JANE_PASSWORD).await;
    assert_eq!((ok.status.as_u16(), ok.location()), (303, "/"));
    // Signed in, the sign-in page sends to the portfolio.
    assert_eq!(b.get("/sign-in").await.location(), "/");
    let cookie = ok.cookie();
    assert!(
        cookie.contains("; HttpOnly; SameSite=Lax; Path=/") && !cookie.contains("Secure"),
        "{cookie}"
    );

    let home = b.get("/").await;
    assert_eq!(home.status, 200, "{}", home.body);
    // Supplier text is escaped, never markup.
    assert!(
        home.body
            .contains("Acme &lt;b&gt;Managed&lt;&#x2f;b&gt; Ltd"),
        "{}",
        home.body
    );
    assert!(!home.body.contains("<b>Managed"));
    // October: 1 of 2 P1s met = 50 %, under 90 %: 4 % of £1,000.00 = £40.00.
    assert!(
        home.body
            .contains("Service credits: <strong>GBP 40.00</strong>"),
        "{}",
        home.body
    );
    // Beta had nothing in October: no credit.
    assert!(
        home.body
            .contains("Service credits: <strong>GBP 0.00</strong>")
    );
    let h = &home.headers;
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["cache-control"], "no-store");
    assert!(!home.body.contains("<script"), "no script on any page");
    assert!(!home.body.contains("style="), "no inline style");

    // The stylesheet: this origin, cached a year.
    let href = home
        .body
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .unwrap();
    // As a browser reads the attribute (the template escapes '/').
    let href = href.split('"').next().unwrap().replace("&#x2f;", "/");
    let css = b.get(&href).await;
    assert_eq!(css.status, 200);
    assert!(
        css.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=31536000")
    );
    assert!(
        css.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );

    // The month page: the breach, with the supplier's title escaped.
    let month = b.get(OCTOBER).await;
    assert_eq!(month.status, 200);
    assert!(
        month
            .body
            .contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt; mail down"),
        "{}",
        month.body
    );
    assert!(month.body.contains("50.0%"), "{}", month.body);
    assert!(month.body.contains("GBP 40.00"));

    // Idle 30 minutes: the session is over.
    d.deps.clock.advance(chrono::Duration::minutes(30));
    assert_eq!(b.get("/").await.location(), "/sign-in");

    // Signing out ends the session on the server, not just in the browser.
    b.signed_in("jane", JANE_PASSWORD).await;
    let csrf = b.get("/").await.field("csrf");
    let out = b.post("/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!((out.status.as_u16(), out.location()), (303, "/sign-in"));
    assert!(
        out.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(b.get("/").await.status, 303);
}

#[tokio::test]
async fn the_proxy_header_is_believed_only_from_a_trusted_proxy() {
    let (_dir, d) = desk().await;
    // From the proxy: pat (no password) is signed in by the header.
    let proxied = Browser::from(&d, Some(PROXY), &[("x-remote-user", "pat")]);
    let home = proxied.get("/").await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(
        home.body
            .contains("Signed in as <strong>pat</strong> (viewer)")
    );
    let cookie = home.cookie();
    assert!(
        cookie.starts_with("slawatch_session=") && !cookie.contains("Secure"),
        "{cookie}"
    );
    // Once the session is open, no new one each page.
    assert_eq!(proxied.get("/").await.cookie(), "");

    // The same header from anywhere else: not signed in.
    let direct = Browser::from(&d, Some("127.0.0.1"), &[("x-remote-user", "pat")]);
    assert_eq!(direct.get("/").await.location(), "/sign-in");
    // A trusted proxy naming someone with no account: not signed in.
    let stranger = Browser::from(&d, Some(PROXY), &[("x-remote-user", "mallory")]);
    assert_eq!(stranger.get("/").await.location(), "/sign-in");
    // The proxy says the browser came over TLS: the cookie is Secure.
    let tls = Browser::from(
        &d,
        Some(PROXY),
        &[("x-remote-user", "jane"), ("x-forwarded-proto", "https")],
    );
    let p = tls.get("/").await;
    assert_eq!(p.status, 200);
    assert!(p.cookie().contains("; Secure"), "{}", p.cookie());
    // …but only a trusted proxy is believed about that too.
    let claims = Browser::from(&d, Some("127.0.0.1"), &[("x-forwarded-proto", "https")]);
    let form = claims.get("/sign-in").await;
    let set: Vec<_> = form.headers.get_all("set-cookie").iter().collect();
    assert!(
        set.iter().all(|c| !c.to_str().unwrap().contains("Secure")),
        "{set:?}"
    );
}

#[tokio::test]
async fn a_manager_records_a_cost_through_the_form() {
    let (_dir, d) = desk().await;
    let b = Browser::new(&d);
    b.signed_in("jane", JANE_PASSWORD).await;
    let page = b.get(OCTOBER).await;
    assert!(page.body.contains("Record a cost"), "{}", page.body);
    let csrf = page.field("csrf");

    // A wrong amount: shown beside the field, what was typed kept, nothing stored.
    let refused = b
        .post(
            COSTS,
            &[
                ("csrf", &csrf),
                ("date", "2026-10-09"),
                ("amount", "24.001"),
                ("description", "Temporary mail relay <hired>"),
                ("evidence", "PO-1"),
                ("breach_service_level", "p1-resolution"),
                ("breach_incident", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("id=\"amount-error\""),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"24.001\""));
    assert!(
        refused
            .body
            .contains("value=\"Temporary mail relay &lt;hired&gt;\"")
    );
    assert!(refused.body.contains("value=\"p1-resolution\" selected"));
    let (_, costs) = api(
        &d,
        reqwest::Method::GET,
        "/api/v1/contracts/acme/costs",
        None,
    )
    .await;
    assert_eq!(costs["costs"], json!([]), "{costs}");
    // A NUL in a field (which PostgreSQL cannot store): refused naming the
    // field, nothing stored, on either backend alike.
    let nul = b
        .post(
            COSTS,
            &[
                ("csrf", &csrf),
                ("date", "2026-10-09"),
                ("amount", "2400.00"),
                ("description", "Temporary\u{0}relay"),
                ("evidence", "PO-1"),
                ("breach_service_level", "p1-resolution"),
                ("breach_incident", ""),
            ],
        )
        .await;
    assert_eq!(nul.status, 400, "{}", nul.body);
    assert!(
        nul.body
            .contains("The field &#x27;description&#x27; holds a NUL character"),
        "{}",
        nul.body
    );
    let (_, costs) = api(
        &d,
        reqwest::Method::GET,
        "/api/v1/contracts/acme/costs",
        None,
    )
    .await;
    assert_eq!(costs["costs"], json!([]), "{costs}");

    let done = b
        .post(
            COSTS,
            &[
                ("csrf", &csrf),
                ("date", "2026-10-09"),
                ("amount", "2400.00"),
                ("description", "Temporary mail relay <hired>"),
                ("evidence", "PO-1"),
                ("breach_service_level", "p1-resolution"),
                ("breach_incident", ""),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    // The first cost of the store: id 1.
    assert_eq!(
        done.location(),
        "/contracts/acme/months/2026-10?recorded=1#costs"
    );
    let page = b.get(done.location().split('#').next().unwrap()).await;
    assert!(page.body.contains("GBP 2,400.00"), "{}", page.body);
    assert!(
        page.body.contains("Cost 1 recorded, in your name."),
        "{}",
        page.body
    );

    // The month's claim over the API: £40.00 credit + £2,400.00 cost = £2,440.00.
    let (_, month) = api(
        &d,
        reqwest::Method::GET,
        "/api/v1/contracts/acme/months/2026-10",
        None,
    )
    .await;
    assert_eq!(month["recoverable_costs_minor"], 240_000);
    assert_eq!(month["service_credits"]["total_minor"], 4_000);
    assert_eq!(month["total_claim_minor"], 244_000);
    assert_eq!(
        month["recoverable_costs"][0]["description"],
        "Temporary mail relay <hired>"
    );
    // The audit trail names the person signed in.
    let (_, audit) = api(
        &d,
        reqwest::Method::GET,
        "/api/v1/contracts/acme/audit",
        None,
    )
    .await;
    let entries = audit["audit"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(
        (entries[0]["action"].as_str(), entries[0]["by"].as_str()),
        (Some("cost.add"), Some("jane"))
    );
}

#[tokio::test]
async fn a_viewer_sees_no_form_and_is_refused_a_post() {
    let (_dir, d) = desk().await;
    let b = Browser::new(&d);
    b.signed_in("vic", VIC_PASSWORD).await;
    let page = b.get(OCTOBER).await;
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains("Record a cost") && !page.body.contains("/costs\""),
        "{}",
        page.body
    );
    // The only form is signing out; its token does not make vic a manager.
    let csrf = page.field("csrf");
    let refused = b
        .post(
            COSTS,
            &[
                ("csrf", &csrf),
                ("date", "2026-10-09"),
                ("amount", "1.00"),
                ("description", "d"),
                ("evidence", "e"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let (_, costs) = api(
        &d,
        reqwest::Method::GET,
        "/api/v1/contracts/acme/costs",
        None,
    )
    .await;
    assert_eq!(costs["costs"], json!([]));
}

#[tokio::test]
async fn a_person_scoped_to_one_contract_sees_no_other() {
    let (_dir, d) = desk().await;
    let b = Browser::new(&d);
    b.signed_in("sam", SAM_PASSWORD).await;
    let home = b.get("/").await;
    assert!(
        home.body.contains("acme")
            && !home.body.contains("Beta Hosting")
            && !home.body.contains("beta"),
        "{}",
        home.body
    );
    assert_eq!(b.get(OCTOBER).await.status, 200);
    // Another's contract and one that does not exist: the same 404, naming neither.
    for other in ["beta", "nope"] {
        let p = b.get(&format!("/contracts/{other}/months/2026-10")).await;
        assert_eq!(p.status, 404, "{other}");
        assert!(!p.body.contains(other), "{}", p.body);
    }
    let csrf = b.get(OCTOBER).await.field("csrf");
    let p = b
        .post(
            "/contracts/beta/months/2026-10/costs",
            &[
                ("csrf", &csrf),
                ("date", "2026-10-09"),
                ("amount", "1.00"),
                ("description", "d"),
                ("evidence", "e"),
            ],
        )
        .await;
    assert_eq!(p.status, 404);
    let (_, costs) = api(
        &d,
        reqwest::Method::GET,
        "/api/v1/contracts/beta/costs",
        None,
    )
    .await;
    assert_eq!(costs["costs"], json!([]));
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused() {
    let (_dir, d) = desk().await;
    let b = Browser::new(&d);
    b.signed_in("jane", JANE_PASSWORD).await;
    let cost = [
        ("date", "2026-10-09"),
        ("amount", "1.00"),
        ("description", "d"),
        ("evidence", "e"),
    ];
    let p = b.post(COSTS, &cost).await;
    assert_eq!(p.status, 403, "{}", p.body);
    let mut forged = cost.to_vec();
    forged.push((
        "csrf",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ));
    assert_eq!(b.post(COSTS, &forged).await.status, 403);
    // Signing out needs it too.
    assert_eq!(b.post("/sign-out", &[]).await.status, 403);
    assert_eq!(b.get("/").await.status, 200);
    // A sign-in posted from elsewhere (without the form's cookie) is refused.
    let other = Browser::new(&d);
    let p = other
        .post(
            "/sign-in",
            &[
                ("name", "jane"),
                ("password", JANE_PASSWORD),
                ("form_token", "x"),
            ],
        )
        .await;
    assert_eq!(p.status, 403);
    let (_, costs) = api(
        &d,
        reqwest::Method::GET,
        "/api/v1/contracts/acme/costs",
        None,
    )
    .await;
    assert_eq!(costs["costs"], json!([]));
}

#[tokio::test]
async fn repeated_wrong_passwords_are_slowed() {
    let (_dir, d) = desk().await;
    let b = Browser::new(&d);
    // Three wrong in a row are answered; then jane waits 5 s, even with
    // the right password (it is not looked at).
    for _ in 0..3 {
        assert_eq!(b.sign_in("jane", "guess").await.status, 401);
    }
    let slowed = b.sign_in("jane", JANE_PASSWORD).await;
    assert_eq!(slowed.status, 429, "{}", slowed.body);
    assert_eq!(slowed.headers["retry-after"], "5");
    // Another account from the same address is not held up (3 < 10).
    let other = Browser::new(&d);
    other.signed_in("vic", VIC_PASSWORD).await;
    // 5 s on: one more try; wrong again, the wait doubles to 10 s.
    d.deps.clock.advance(chrono::Duration::seconds(5));
    assert_eq!(b.sign_in("jane", "guess").await.status, 401);
    assert_eq!(
        b.sign_in("jane", JANE_PASSWORD).await.headers["retry-after"],
        "10"
    );
    d.deps.clock.advance(chrono::Duration::seconds(4));
    assert_eq!(
        b.sign_in("jane", JANE_PASSWORD).await.headers["retry-after"],
        "6"
    );
    d.deps.clock.advance(chrono::Duration::seconds(6));
    b.signed_in("jane", JANE_PASSWORD).await;
    // The success cleared jane's count: three more wrong before a wait
    // (from another browser: this one is signed in now).
    let again = Browser::new(&d);
    for _ in 0..3 {
        assert_eq!(again.sign_in("jane", "guess").await.status, 401);
    }
    assert_eq!(again.sign_in("jane", "guess").await.status, 429);
}

#[tokio::test]
async fn a_session_opened_on_one_daemon_is_honoured_by_a_second() {
    let (dir, first) = desk().await;
    // A second daemon on the same store (the same PostgreSQL database in
    // the PostgreSQL pass, the same file on SQLite).
    let second = daemon(&dir).await;
    let b = Browser::new(&first);
    b.signed_in("jane", JANE_PASSWORD).await;
    let on_second = b.on(&second);
    let home = on_second.get("/").await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("Signed in as <strong>jane</strong>"));
    // Its CSRF token works there too, and the cost is recorded as jane's.
    let csrf = on_second.get(OCTOBER).await.field("csrf");
    let done = on_second
        .post(
            COSTS,
            &[
                ("csrf", &csrf),
                ("date", "2026-10-09"),
                ("amount", "1.00"),
                ("description", "d"),
                ("evidence", "e"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    // Signing out on the second ends it on the first.
    assert_eq!(
        on_second.post("/sign-out", &[("csrf", &csrf)]).await.status,
        303
    );
    assert_eq!(b.get("/").await.location(), "/sign-in");
}

#[tokio::test]
async fn the_daemon_serves_the_desk_and_believes_only_its_proxy() {
    // `slawatch run` itself: its listener tells the desk each peer's address.
    let (dir, d) = desk().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let file = dir.path().join("slawatch.toml");
    let text = std::fs::read_to_string(&file).unwrap().replacen(
        "[daemon]\n",
        &format!("[daemon]\nlisten = \"127.0.0.1:{port}\"\n"),
        1,
    );
    std::fs::write(&file, text).unwrap();
    let mut child = common::start_daemon(&file, port, "2026-11-05T09:00:00Z".parse().unwrap(), &[]);
    let real = Daemon {
        base: format!("http://127.0.0.1:{port}"),
        deps: d.deps.clone(),
    };
    let proxied = Browser::from(&real, Some(PROXY), &[("x-remote-user", "pat")]);
    let home = proxied.get("/").await;
    let direct = Browser::from(&real, Some("127.0.0.1"), &[("x-remote-user", "pat")]);
    let refused = direct.get("/").await;
    let local = Browser::new(&real);
    let signed = local.sign_in("jane", JANE_PASSWORD).await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("Signed in as <strong>pat</strong>"));
    assert_eq!(refused.location(), "/sign-in");
    assert_eq!(signed.status, 303, "{}", signed.body);
}

#[tokio::test]
async fn people_are_listed_refused_when_unsafe_and_disabled_at_once() {
    let (dir, d) = desk().await;
    let out = slawatch(&dir, &["user", "list"], None);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "jane\tmanager\tevery contract\tpassword\tenabled\n\
         pat\tviewer\tevery contract\tproxy only\tenabled\n\
         sam\tmanager\tacme\tpassword\tenabled\n\
         vic\tviewer\tevery contract\tpassword\tenabled\n"
    );
    // A short password, a taken name, an unknown role or contract: exit 1, nothing added.
    for (args, password) in [
        (["--name", "kim", "--role", "viewer"].as_slice(), "short"),
        (
            ["--name", "jane", "--role", "viewer"].as_slice(),
            JANE_PASSWORD,
        ),
        (
            ["--name", "kim", "--role", "admin"].as_slice(),
            JANE_PASSWORD,
        ),
        (
            ["--name", "kim", "--role", "viewer", "--contract", "nope"].as_slice(),
            JANE_PASSWORD,
        ),
    ] {
        let mut all = vec!["user", "add"];
        all.extend_from_slice(args);
        let out = slawatch(&dir, &all, Some(password));
        assert_eq!(out.status.code(), Some(1), "{args:?}");
    }
    assert_eq!(d.deps.store.web_users().await.unwrap().len(), 4);
    // The hash is argon2's, never the password.
    let jane = d.deps.store.web_user("jane").await.unwrap().unwrap();
    let hash = jane.password_hash.unwrap();
    assert!(
        hash.starts_with("$argon2id$") && !hash.contains(JANE_PASSWORD),
        "{hash}"
    );

    // Disabling jane ends her session at once, and she cannot sign in again.
    let b = Browser::new(&d);
    b.signed_in("jane", JANE_PASSWORD).await;
    assert_eq!(b.get("/").await.status, 200);
    let out = slawatch(&dir, &["user", "disable", "--name", "jane"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(b.get("/").await.location(), "/sign-in");
    assert_eq!(b.sign_in("jane", JANE_PASSWORD).await.status, 401);
    // Nor through the proxy.
    let proxied = Browser::from(&d, Some(PROXY), &[("x-remote-user", "jane")]);
    assert_eq!(proxied.get("/").await.location(), "/sign-in");
    assert_eq!(
        slawatch(&dir, &["user", "disable", "--name", "nobody"], None)
            .status
            .code(),
        Some(1)
    );
}

/// The position of `needle` in `page`, which must hold it.
fn at(page: &Page, needle: &str) -> usize {
    page.body
        .find(needle)
        .unwrap_or_else(|| panic!("no {needle:?} in {}", page.body))
}

#[tokio::test]
async fn an_incident_shows_its_clock_verdicts_and_versions() {
    let (_dir, d) = desk().await;
    // I3: opened 09:00, on hold awaiting the customer 10:00–12:00 (pauses
    // the clock), awaiting a vendor 13:00–14:00 (does not), resolved 16:00.
    // On the 24x7 calendar: 1 h, then from 12:00 the 3 h left of the 4 h
    // target run out at 15:00 (the deadline); elapsed 7 h − 2 h = 5 h.
    let incident = |title: &str| {
        json!({"type": "incident", "id": "I3", "contract": "acme", "priority": "P1", "title": title,
               "opened_at": "2026-10-07T09:00:00Z", "resolved_at": "2026-10-07T16:00:00Z"})
    };
    let holds = json!([
        incident("Mail <i>slow</i>"),
        {"type": "hold", "incident_id": "I3", "contract": "acme", "reason": "awaiting_customer",
         "start": "2026-10-07T10:00:00Z", "end": "2026-10-07T12:00:00Z"},
        {"type": "hold", "incident_id": "I3", "contract": "acme", "reason": "awaiting_vendor",
         "start": "2026-10-07T13:00:00Z", "end": "2026-10-07T14:00:00Z"},
    ]);
    let (status, answer) = api(&d, reqwest::Method::POST, "/api/v1/records", Some(holds)).await;
    assert_eq!((status, &answer["stored"]), (200, &json!(3)), "{answer}");
    // The supplier retitles it: a second version.
    let again = json!([incident("<script>alert(2)</script> mail slow")]);
    let (status, answer) = api(&d, reqwest::Method::POST, "/api/v1/records", Some(again)).await;
    assert_eq!((status, &answer["updated"]), (200, &json!(1)), "{answer}");

    let b = Browser::new(&d);
    b.signed_in("vic", VIC_PASSWORD).await;
    // The month's breaches link to their incidents.
    let month = b.get(OCTOBER).await;
    assert!(
        month.body.contains("href=\"/contracts/acme/incidents/I2\""),
        "{}",
        month.body
    );
    assert!(month.body.contains("href=\"/contracts/acme/incidents/I3\""));

    let p = b.get("/contracts/acme/incidents/I3").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    // The verdict: 5 h against 4 h, breached at 15:00 UTC, stopped at
    // 16:00 UTC: shown in London's summer time (UTC+1) in October.
    for text in [
        "breached",
        "5 h 00 min",
        "4 h 00 min",
        "2026-10-07 16:00:00 BST",
        "2026-10-07 17:00:00 BST",
    ] {
        at(&p, text);
    }
    // The timeline, in order, each hold saying whether it pauses the clock.
    let order = [
        "2026-10-07 10:00:00 BST</strong> Opened",
        "2026-10-07 11:00:00 BST</strong> On hold (awaiting customer): pauses the resolution clock",
        "2026-10-07 13:00:00 BST</strong> Off hold (awaiting customer): the resolution clock runs again",
        "2026-10-07 14:00:00 BST</strong> On hold (awaiting vendor): the resolution clock runs on",
        "2026-10-07 15:00:00 BST</strong> Off hold (awaiting vendor)",
        "2026-10-07 17:00:00 BST</strong> Resolved",
    ];
    let places: Vec<usize> = order.iter().map(|t| at(&p, t)).collect();
    assert!(places.windows(2).all(|w| w[0] < w[1]), "{places:?}");
    // Both versions, the supplier's text escaped in each.
    // (The escaping writes `/` as `&#x2f;` too.)
    at(&p, "title Mail &lt;i&gt;slow&lt;&#x2f;i&gt;</td>");
    at(
        &p,
        "title &lt;script&gt;alert(2)&lt;&#x2f;script&gt; mail slow</td>",
    );
    assert!(!p.body.contains("<script>") && !p.body.contains("<i>slow"));
    at(&p, "<td>1</td>");
    at(&p, "<td>2</td>");

    // I1 took 1 h: met. Excused, it is excused, whatever its clock says.
    let p = b.get("/contracts/acme/incidents/I1").await;
    at(&p, "1 h 00 min");
    at(&p, ">met<");
    let excuse = json!({"incident": "I1", "reason": "Customer's own <firewall>"});
    let (status, answer) = api(
        &d,
        reqwest::Method::POST,
        "/api/v1/contracts/acme/excusals",
        Some(excuse),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let p = b.get("/contracts/acme/incidents/I1").await;
    at(&p, ">excused<");
    at(&p, "excused: Customer&#x27;s own &lt;firewall&gt;");

    // Nothing there, another contract's, or none: the same 404.
    for path in [
        "/contracts/acme/incidents/I9",
        "/contracts/nope/incidents/I1",
    ] {
        assert_eq!(b.get(path).await.status, 404, "{path}");
    }
    let beta = json!([{"type": "incident", "id": "B1", "contract": "beta", "priority": "P1",
                        "opened_at": "2026-10-05T09:00:00Z"}]);
    api(&d, reqwest::Method::POST, "/api/v1/records", Some(beta)).await;
    let sam = Browser::new(&d);
    sam.signed_in("sam", SAM_PASSWORD).await;
    let p = sam.get("/contracts/beta/incidents/B1").await;
    assert_eq!(p.status, 404);
    assert!(
        !p.body.contains("B1") && !p.body.contains("beta"),
        "{}",
        p.body
    );
    assert_eq!(b.get("/contracts/beta/incidents/B1").await.status, 200);
}

const RECORDS: &str = "/contracts/acme/records";

#[tokio::test]
async fn excusals_and_disputes_take_the_api_path_and_land_in_the_audit_trail() {
    let (_dir, d) = desk().await;
    let b = Browser::new(&d);
    b.signed_in("jane", JANE_PASSWORD).await;
    let page = b.get(RECORDS).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("No excusals recorded."));
    let csrf = page.field("csrf");
    let audit = |d: &Daemon| {
        let d = (d.base.clone(), ());
        async move {
            let res = reqwest::Client::new()
                .get(format!("{}/api/v1/contracts/acme/audit", d.0))
                .bearer_auth(API)
                .send()
                .await
                .unwrap();
            res.json::<Value>().await.unwrap()["audit"].clone()
        }
    };

    // No reason: refused beside the field, what was typed kept, nothing stored.
    let refused = b
        .post(
            "/contracts/acme/excusals",
            &[("csrf", &csrf), ("incident", "I2"), ("reason", " ")],
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("id=\"excuse-reason-error\""),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("id=\"excuse-incident\" name=\"incident\" type=\"text\" value=\"I2\"")
    );
    // Two things named at once: the form's own error.
    let refused = b
        .post(
            "/contracts/acme/excusals",
            &[
                ("csrf", &csrf),
                ("incident", "I2"),
                ("outage", "O1"),
                ("reason", "r"),
            ],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("name exactly one of"),
        "{}",
        refused.body
    );
    assert_eq!(audit(&d).await, json!([]));

    // Excused: I2 (6 h against 4 h) no longer breaches, October's only
    // breach gone, so P1 resolution is 1 of 1 met.
    let done = b
        .post(
            "/contracts/acme/excusals",
            &[
                ("csrf", &csrf),
                ("incident", "I2"),
                ("reason", "Power cut <at site>"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location(), "/contracts/acme/records?done=excused-1");
    let page = b.get(done.location()).await;
    assert!(
        page.body.contains("Excusal 1 recorded, in your name."),
        "{}",
        page.body
    );
    assert!(page.body.contains("Power cut &lt;at site&gt;"));
    let (_, month) = api(
        &d,
        reqwest::Method::GET,
        "/api/v1/contracts/acme/months/2026-10",
        None,
    )
    .await;
    assert_eq!(month["service_levels"][0]["breaches"], json!([]), "{month}");

    // Revoked with no reason: refused on its row; then with one.
    let refused = b
        .post(
            "/contracts/acme/excusals/1/revoke",
            &[("csrf", &csrf), ("reason", "")],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("id=\"excusal-1-error\""),
        "{}",
        refused.body
    );
    let done = b
        .post(
            "/contracts/acme/excusals/1/revoke",
            &[("csrf", &csrf), ("reason", "the cut was ours to fix")],
        )
        .await;
    assert_eq!(done.location(), "/contracts/acme/records?done=revoked-1");
    // Revoked twice: a conflict, shown on the page, nothing more stored.
    let again = b
        .post(
            "/contracts/acme/excusals/1/revoke",
            &[("csrf", &csrf), ("reason", "again")],
        )
        .await;
    assert_eq!(again.status, 400);
    assert!(
        again.body.contains("already revoked by jane"),
        "{}",
        again.body
    );

    // The supplier disputes I2; jane rejects it.
    let refused = b
        .post(
            "/contracts/acme/disputes",
            &[("csrf", &csrf), ("cost", "one"), ("note", "n")],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("id=\"dispute-cost-error\""),
        "{}",
        refused.body
    );
    let done = b
        .post(
            "/contracts/acme/disputes",
            &[
                ("csrf", &csrf),
                ("incident", "I2"),
                ("note", "the clock was held"),
            ],
        )
        .await;
    assert_eq!(done.location(), "/contracts/acme/records?done=disputed-1");
    let no_outcome = b
        .post(
            "/contracts/acme/disputes/1/decide",
            &[("csrf", &csrf), ("note", "n")],
        )
        .await;
    assert_eq!(no_outcome.status, 400);
    assert!(
        no_outcome
            .body
            .contains("choose to reject the dispute or to accept it")
    );
    let done = b
        .post(
            "/contracts/acme/disputes/1/decide",
            &[
                ("csrf", &csrf),
                ("outcome", "reject"),
                ("note", "no hold was asked for"),
            ],
        )
        .await;
    assert_eq!(done.location(), "/contracts/acme/records?done=decided-1");

    // The trail: four entries, each in jane's name, in order.
    let trail = audit(&d).await;
    let actions: Vec<(&str, &str)> = trail
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["action"].as_str().unwrap(), a["by"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("excusal.add", "jane"),
            ("excusal.revoke", "jane"),
            ("dispute.open", "jane"),
            ("dispute.uphold", "jane")
        ]
    );
    let page = b.get("/contracts/acme/audit").await;
    assert_eq!(page.status, 200);
    let places: Vec<usize> = [
        "Power cut &lt;at site&gt;",
        "the cut was ours to fix",
        "the clock was held",
        "no hold was asked for",
    ]
    .iter()
    .map(|t| at(&page, t))
    .collect();
    assert!(places.windows(2).all(|w| w[0] < w[1]), "{places:?}");
    // The month's trail: October's report quotes the same entries.
    let page = b.get("/contracts/acme/audit?month=2026-10").await;
    assert_eq!(page.status, 200, "{}", page.body);
    at(&page, "audit trail of 2026-10");
    at(&page, "no hold was asked for");

    // A viewer reads the register and the trail, sees no form, is refused a post.
    let v = Browser::new(&d);
    v.signed_in("vic", VIC_PASSWORD).await;
    let page = v.get(RECORDS).await;
    assert_eq!(page.status, 200);
    assert!(
        !page
            .body
            .contains("<form method=\"post\" action=\"/contracts"),
        "{}",
        page.body
    );
    let viewer_csrf = v.get("/").await.field("csrf");
    let p = v
        .post(
            "/contracts/acme/excusals",
            &[("csrf", &viewer_csrf), ("incident", "I1"), ("reason", "r")],
        )
        .await;
    assert_eq!(p.status, 403);
    // Without its CSRF token: refused.
    let p = b
        .post(
            "/contracts/acme/excusals",
            &[("incident", "I1"), ("reason", "r")],
        )
        .await;
    assert_eq!(p.status, 403);
    // Someone scoped to acme: beta's register, trail and forms are not found.
    let sam = Browser::new(&d);
    sam.signed_in("sam", SAM_PASSWORD).await;
    let sam_csrf = sam.get("/").await.field("csrf");
    for path in ["/contracts/beta/records", "/contracts/beta/audit"] {
        let p = sam.get(path).await;
        assert_eq!(p.status, 404, "{path}");
        assert!(!p.body.contains("beta"));
    }
    let p = sam
        .post(
            "/contracts/beta/excusals",
            &[("csrf", &sam_csrf), ("incident", "I1"), ("reason", "r")],
        )
        .await;
    assert_eq!(p.status, 404);
    assert_eq!(audit(&d).await.as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn commitments_and_dr_tests_are_recorded_through_their_forms() {
    let (_dir, d) = desk().await;
    let b = Browser::new(&d);
    b.signed_in("jane", JANE_PASSWORD).await;
    let page = b.get("/contracts/acme/commitments").await;
    assert_eq!(page.status, 200, "{}", page.body);
    // The supplier's and the contract's text escaped.
    at(&page, "Annual DR test &lt;full&gt;");
    at(&page, ">pending<");
    let csrf = page.field("csrf");
    let commitments = |d: &Daemon| {
        let base = d.base.clone();
        async move {
            let res = reqwest::Client::new()
                .get(format!("{base}/api/v1/contracts/acme/commitments"))
                .bearer_auth(API)
                .send()
                .await
                .unwrap();
            res.json::<Value>().await.unwrap()["commitments"][0].clone()
        }
    };
    const DR_TEST: &str = "/contracts/acme/commitments/dr-test";
    // A delivery on a day that is no date: beside the field, nothing stored.
    let refused = b
        .post(
            DR_TEST,
            &[
                ("csrf", &csrf),
                ("due", "2026-11-30"),
                ("action", "deliver"),
                ("evidence", "DR report"),
                ("on", "2 Nov"),
            ],
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("on: &#x27;2 Nov&#x27; is not a date"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"2 Nov\""));
    assert_eq!(commitments(&d).await["status"], "pending");
    // Delivered on 2 November with its evidence, then accepted: in jane's name.
    let done = b
        .post(
            DR_TEST,
            &[
                ("csrf", &csrf),
                ("due", "2026-11-30"),
                ("action", "deliver"),
                ("evidence", "DR report <v2>"),
                ("on", "2026-11-02"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        done.location(),
        "/contracts/acme/commitments?done=delivered"
    );
    let o = commitments(&d).await;
    assert_eq!(
        (&o["status"], &o["delivered_on"], &o["evidence"]),
        (
            &json!("delivered"),
            &json!("2026-11-02"),
            &json!("DR report <v2>")
        ),
        "{o}"
    );
    let done = b
        .post(
            DR_TEST,
            &[
                ("csrf", &csrf),
                ("due", "2026-11-30"),
                ("action", "accept"),
                ("on", "2026-11-04"),
            ],
        )
        .await;
    assert_eq!(done.location(), "/contracts/acme/commitments?done=accepted");
    let o = commitments(&d).await;
    assert_eq!(
        (&o["status"], &o["accepted_by"], &o["accepted_on"]),
        (&json!("accepted"), &json!("jane"), &json!("2026-11-04")),
        "{o}"
    );
    let page = b.get("/contracts/acme/commitments?done=accepted").await;
    at(&page, "Acceptance recorded, in your name.");
    at(&page, "DR report &lt;v2&gt;");

    // The DR register: a test recorded, refusals beside their field.
    let page = b.get("/contracts/acme/dr").await;
    assert_eq!(page.status, 200, "{}", page.body);
    at(&page, "Payroll &lt;HR&gt;");
    at(&page, "never tested");
    let refused = b
        .post(
            "/contracts/acme/dr-tests",
            &[
                ("csrf", &csrf),
                ("system", "payroll"),
                ("date", "2026-10-03"),
                ("achieved_rto", "a while"),
            ],
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("id=\"dr-achieved_rto-error\""),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"a while\""));
    let refused = b
        .post(
            "/contracts/acme/dr-tests",
            &[("csrf", &csrf), ("system", "payroll"), ("date", "")],
        )
        .await;
    assert!(
        refused.body.contains("id=\"dr-date-error\""),
        "{}",
        refused.body
    );
    let (_, dr) = api(&d, reqwest::Method::GET, "/api/v1/contracts/acme/dr", None).await;
    assert_eq!(dr["tests"], json!([]), "{dr}");
    let done = b
        .post(
            "/contracts/acme/dr-tests",
            &[
                ("csrf", &csrf),
                ("system", "payroll"),
                ("date", "2026-10-03"),
                ("achieved_rto", "3h30m"),
                ("evidence", "DR-2026"),
            ],
        )
        .await;
    assert_eq!(
        done.location(),
        "/contracts/acme/dr?done=recorded",
        "{}",
        done.body
    );
    let (_, dr) = api(&d, reqwest::Method::GET, "/api/v1/contracts/acme/dr", None).await;
    let t = &dr["tests"][0];
    // 3 h 30 min = 12,600 seconds.
    assert_eq!(
        (&t["achieved_rto_seconds"], &t["recorded_by"]),
        (&json!(12_600), &json!("jane")),
        "{dr}"
    );
    let id = t["id"].as_i64().unwrap();
    let withdraw = format!("/contracts/acme/dr-tests/{id}/withdraw");
    let refused = b.post(&withdraw, &[("csrf", &csrf), ("reason", " ")]).await;
    assert_eq!(refused.status, 400);
    assert!(
        refused
            .body
            .contains(&format!("id=\"withdraw-{id}-error\"")),
        "{}",
        refused.body
    );
    let done = b
        .post(&withdraw, &[("csrf", &csrf), ("reason", "wrong system")])
        .await;
    assert_eq!(done.location(), "/contracts/acme/dr?done=withdrawn");
    let (_, dr) = api(&d, reqwest::Method::GET, "/api/v1/contracts/acme/dr", None).await;
    assert_eq!(
        dr["tests"][0]["withdrawn"]["reason"], "wrong system",
        "{dr}"
    );

    // A viewer sees both registers without a form and is refused a post.
    let v = Browser::new(&d);
    v.signed_in("vic", VIC_PASSWORD).await;
    for path in ["/contracts/acme/commitments", "/contracts/acme/dr"] {
        let p = v.get(path).await;
        assert_eq!(p.status, 200);
        assert!(
            !p.body.contains("<form method=\"post\" action=\"/contracts"),
            "{}",
            p.body
        );
    }
    let viewer_csrf = v.get("/").await.field("csrf");
    let p = v
        .post(
            "/contracts/acme/dr-tests",
            &[
                ("csrf", &viewer_csrf),
                ("system", "payroll"),
                ("date", "2026-10-04"),
            ],
        )
        .await;
    assert_eq!(p.status, 403);
    // Someone scoped to acme finds none of beta's.
    let sam = Browser::new(&d);
    sam.signed_in("sam", SAM_PASSWORD).await;
    for path in ["/contracts/beta/commitments", "/contracts/beta/dr"] {
        let p = sam.get(path).await;
        assert_eq!(p.status, 404, "{path}");
        assert!(!p.body.contains("beta"));
    }
    let sam_csrf = sam.get("/").await.field("csrf");
    let p = sam
        .post(
            "/contracts/beta/dr-tests",
            &[
                ("csrf", &sam_csrf),
                ("system", "payroll"),
                ("date", "2026-10-04"),
            ],
        )
        .await;
    assert_eq!(p.status, 404);
    let (_, dr) = api(&d, reqwest::Method::GET, "/api/v1/contracts/beta/dr", None).await;
    assert_eq!(dr["tests"], json!([]));
}

#[tokio::test]
async fn issued_reports_and_packs_are_downloaded_from_the_store() {
    let (_dir, d) = desk().await;
    let (config, store) = (&d.deps.config, &d.deps.store);
    let acme = config.contract("acme").unwrap();
    let october: slawatch::domain::Period = "2026-10".parse().unwrap();
    let now = d.deps.clock.now();
    let issued = slawatch::issuing::issue_month(config, store, acme, october, now, false)
        .await
        .unwrap()
        .expect("October issued");
    assert_eq!(issued.version, 1);
    let pack = slawatch::issuing::pack::issue_pack(config, store, None, (october, october), now)
        .await
        .unwrap()
        .expect("the pack issued");
    assert_eq!(pack.key.version, 1);

    let b = Browser::new(&d);
    b.signed_in("vic", VIC_PASSWORD).await;
    let page = b.get("/contracts/acme/months/2026-10/issued").await;
    assert_eq!(page.status, 200, "{}", page.body);
    at(&page, "Version 1");
    at(
        &page,
        "Nothing the report shows has changed since it was issued.",
    );
    // Every stored file is offered, and each downloads byte for byte.
    let key = slawatch::store::issued::IssuedKey {
        contract: "acme".into(),
        period: "2026-10".into(),
        version: 1,
    };
    let names = store.issued_filenames(&key).await.unwrap();
    assert!(names.iter().any(|n| n.ends_with(".pdf")), "{names:?}");
    assert!(names.iter().any(|n| n.ends_with(".json")), "{names:?}");
    for name in &names {
        let link = format!("/contracts/acme/months/2026-10/issued/1/{name}");
        at(&page, &format!("href=\"{link}\""));
        let res = b
            .client
            .get(format!("{}{link}", d.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{link}");
        let disposition = res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(disposition, format!("attachment; filename=\"{name}\""));
        assert!(res.headers().contains_key("content-security-policy"));
        let stored = store.issued_file(&key, name).await.unwrap().unwrap();
        assert_eq!(
            res.bytes().await.unwrap().as_ref(),
            stored.bytes.as_slice(),
            "{name}"
        );
    }
    assert_eq!(
        b.get("/contracts/acme/months/2026-10/issued/1/nope.pdf")
            .await
            .status,
        404
    );
    assert_eq!(
        b.get("/contracts/acme/months/2026-10/issued/2/x")
            .await
            .status,
        404
    );

    // I2 excused since: 2 of 2 met, the £40.00 credit gone, said as changed.
    let excuse = json!({"incident": "I2", "reason": "customer change freeze"});
    let (status, _) = api(
        &d,
        reqwest::Method::POST,
        "/api/v1/contracts/acme/excusals",
        Some(excuse),
    )
    .await;
    assert_eq!(status, 200);
    let page = b.get("/contracts/acme/months/2026-10/issued").await;
    at(&page, "Since version 1 was issued:");
    at(&page, "£40.00 → £0.00");

    // The pack: listed and downloaded for someone who sees every contract.
    let page = b.get("/packs").await;
    assert_eq!(page.status, 200, "{}", page.body);
    at(&page, "every contract");
    let stored = store.issued_pack(&pack.key).await.unwrap().unwrap();
    for (format, bytes, kind) in [
        ("pdf", stored.pdf.clone(), "application/pdf"),
        (
            "html",
            stored.html.clone().into_bytes(),
            "text/html; charset=utf-8",
        ),
    ] {
        let link = format!("/packs/%2A/2026-10/2026-10/1/{format}");
        at(&page, &format!("href=\"{link}\""));
        let res = b
            .client
            .get(format!("{}{link}", d.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{link}");
        assert_eq!(res.headers()["content-type"], kind);
        assert_eq!(res.bytes().await.unwrap().as_ref(), bytes.as_slice());
    }
    // Someone scoped to acme sees acme's issued reports but no pack, and
    // nothing of beta's.
    let sam = Browser::new(&d);
    sam.signed_in("sam", SAM_PASSWORD).await;
    assert_eq!(
        sam.get("/contracts/acme/months/2026-10/issued")
            .await
            .status,
        200
    );
    assert!(!sam.get("/").await.body.contains("href=\"/packs\""));
    for path in [
        "/packs",
        "/packs/%2A/2026-10/2026-10/1/pdf",
        "/contracts/beta/months/2026-10/issued",
        "/contracts/beta/months/2026-10/issued/1/beta-2026-10-v1.json",
    ] {
        let p = sam.get(path).await;
        assert_eq!(p.status, 404, "{path}");
        assert!(
            !p.body.contains("beta") && !p.body.contains("pack-"),
            "{}",
            p.body
        );
    }
    assert!(b.get("/").await.body.contains("href=\"/packs\""));
}

#[tokio::test]
async fn the_outbox_sources_and_actions_of_a_contract() {
    let (_dir, d) = desk().await;
    let store = &d.deps.store;
    let now = d.deps.clock.now().timestamp();
    // Two alerts to two managers: the first sent, the second refused once
    // and waiting for its next attempt an hour on.
    let alert = |key: &str, subject: &str| slawatch::store::outbox::NewAlert {
        dedup_key: key.into(),
        kind: "breached".into(),
        severity: slawatch::store::outbox::Severity::Critical,
        contract: Some("acme".into()),
        recipients: vec!["a@council.example".into(), "b@council.example".into()],
        subject: subject.into(),
        body_text: "b".into(),
        body_html: "b".into(),
        digest: false,
        attachments: vec![],
    };
    assert!(
        store
            .enqueue_alert(&alert("k1", "I2 breached <P1>"), now - 600)
            .await
            .unwrap()
    );
    assert!(
        store
            .enqueue_alert(&alert("k2", "I3 breached"), now - 60)
            .await
            .unwrap()
    );
    let page_ids: Vec<i64> = store
        .contract_outbox("acme", 10)
        .await
        .unwrap()
        .iter()
        .map(|e| e.queued.id)
        .collect();
    let (second, first) = (page_ids[0], page_ids[1]);
    store.mark_sent(&[first], now - 300, None).await.unwrap();
    store
        .mark_failed(&[second], "relay said <451> try later", now + 3_600)
        .await
        .unwrap();
    // The webhook failed twice since it last succeeded.
    store
        .source_succeeded("acme-push", "", None, now - 7_200)
        .await
        .unwrap();
    store
        .source_failed("acme-push", "", "bad token <x>", now - 3_600)
        .await
        .unwrap();
    store
        .source_failed("acme-push", "", "bad token <x>", now - 1_800)
        .await
        .unwrap();
    // Two actions: one due 1 November (4 days overdue on 5 November), one in January.
    for (id, due) in [("A1", "2026-11-01"), ("A2", "2027-01-31")] {
        let action = json!({"id": id, "origin": "IT DR audit", "title": format!("Fix <{id}>"),
                            "owner": "o", "due": due});
        let (status, answer) = api(
            &d,
            reqwest::Method::POST,
            "/api/v1/contracts/acme/actions",
            Some(action),
        )
        .await;
        assert_eq!(status, 201, "{answer}");
    }

    let b = Browser::new(&d);
    b.signed_in("vic", VIC_PASSWORD).await;
    let p = b.get("/contracts/acme/outbox").await;
    assert_eq!(p.status, 200, "{}", p.body);
    at(&p, "1 sent, 1 waiting.");
    // Each recipient has both alerts, newest first.
    let a = at(&p, ">a@council.example<");
    let b_at = at(&p, ">b@council.example<");
    assert!(a < b_at);
    let section = &p.body[a..b_at];
    let waiting = section
        // November: London is on GMT again, UTC+0.
        .find("waiting: next attempt 2026-11-05 10:00:00 GMT (1 attempt)")
        .unwrap();
    let sent = section
        .find("sent 2026-11-05 08:55:00 GMT (1 attempt)")
        .unwrap();
    assert!(waiting < sent, "{section}");
    assert!(section.contains("relay said &lt;451&gt; try later"));
    assert!(section.contains("I2 breached &lt;P1&gt;"));

    // The portfolio flags the failing source beside its contract.
    let p = b.get("/").await;
    at(
        &p,
        "<a href=\"/contracts/acme/sources\">acme-push</a>: the figures may lack their latest evidence.",
    );

    let p = b.get("/contracts/acme/sources").await;
    assert_eq!(p.status, 200, "{}", p.body);
    at(&p, "acme-push");
    at(&p, ">failing<");
    at(
        &p,
        "last success 2026-11-05 07:00:00 GMT, last attempt 2026-11-05 08:30:00 GMT; 2 failures since: bad token &lt;x&gt;",
    );

    let p = b.get("/contracts/acme/actions").await;
    assert_eq!(p.status, 200, "{}", p.body);
    at(&p, "A1: Fix &lt;A1&gt;");
    at(&p, "4 days overdue");
    // Both not implemented, one overdue: the total row says 2 and 1.
    at(
        &p,
        "<td class=\"numeric\">2</td><td class=\"numeric\">1</td></tr>",
    );

    // Someone scoped to acme sees none of beta's.
    let sam = Browser::new(&d);
    sam.signed_in("sam", SAM_PASSWORD).await;
    for page in ["outbox", "sources", "actions"] {
        assert_eq!(
            sam.get(&format!("/contracts/acme/{page}")).await.status,
            200
        );
        let p = sam.get(&format!("/contracts/beta/{page}")).await;
        assert_eq!(p.status, 404, "{page}");
        assert!(!p.body.contains("beta"));
    }
}

#[tokio::test]
async fn a_months_outages_and_one_outages_page() {
    let (_dir, d) = desk().await;
    // October on acme's email (24x7; London's summer time ends on 25
    // October, so times before then read BST, after it GMT = UTC):
    // O1 full 10:00-13:00 UTC on the 12th counts 3 h; O2 planned, never
    // downtime; O3 from 22:00 UTC on 31 October to 02:00 on 1 November
    // counts 2 h in October (the month ends at midnight GMT) and 2 h in
    // November; O4 is excused in full.
    let outage = |id: &str, start: &str, end: &str, planned: &str| {
        json!({"type": "outage", "id": id, "contract": "acme", "service": "email",
               "start": start, "end": end, "planned": planned})
    };
    let records = json!([
        outage(
            "O1",
            "2026-10-12T10:00:00Z",
            "2026-10-12T13:00:00Z",
            "false"
        ),
        outage("O2", "2026-10-14T22:00:00Z", "2026-10-14T23:00:00Z", "true"),
        outage(
            "O3",
            "2026-10-31T22:00:00Z",
            "2026-11-01T01:00:00Z",
            "false"
        ),
        outage(
            "O4",
            "2026-10-16T09:00:00Z",
            "2026-10-16T10:00:00Z",
            "false"
        ),
    ]);
    let (status, answer) = api(&d, reqwest::Method::POST, "/api/v1/records", Some(records)).await;
    assert_eq!((status, &answer["stored"]), (200, &json!(4)), "{answer}");
    // The supplier moves O3's end an hour later: a second version.
    let again = json!([outage(
        "O3",
        "2026-10-31T22:00:00Z",
        "2026-11-01T02:00:00Z",
        "false"
    )]);
    let (status, answer) = api(&d, reqwest::Method::POST, "/api/v1/records", Some(again)).await;
    assert_eq!((status, &answer["updated"]), (200, &json!(1)), "{answer}");
    for (path, body) in [
        (
            "/api/v1/contracts/acme/excusals",
            json!({"outage": "O4", "reason": "Customer's own <power> cut"}),
        ),
        (
            "/api/v1/contracts/acme/causes",
            json!({"outage": "O3", "cause": "hardware", "by": "J. Smith", "reason": "Failed <disk>"}),
        ),
    ] {
        let (status, answer) = api(&d, reqwest::Method::POST, path, Some(body)).await;
        assert!(matches!(status, 200 | 201), "{path}: {status} {answer}");
    }

    let b = Browser::new(&d);
    b.signed_in("vic", VIC_PASSWORD).await;
    let month = b.get(OCTOBER).await;
    at(&month, "href=\"/contracts/acme/months/2026-10/outages\"");
    let p = b.get("/contracts/acme/months/2026-10/outages").await;
    assert_eq!(p.status, 200, "{}", p.body);
    // In the order they began, each with what it counted for.
    let rows = [
        "/contracts/acme/outages/O1\">O1</a>",
        "/contracts/acme/outages/O2\">O2</a>",
        "/contracts/acme/outages/O4\">O4</a>",
        "/contracts/acme/outages/O3\">O3</a>",
    ];
    let places: Vec<usize> = rows.iter().map(|t| at(&p, t)).collect();
    assert!(places.windows(2).all(|w| w[0] < w[1]), "{places:?}");
    let row = |id: &str| {
        let from = at(&p, &format!("/outages/{id}\""));
        let to = p.body[from..].find("</tr>").unwrap() + from;
        p.body[from..to].to_string()
    };
    let o1 = row("O1");
    assert!(
        o1.contains("2026-10-12 11:00:00 BST") && o1.contains("2026-10-12 14:00:00 BST"),
        "{o1}"
    );
    assert!(
        o1.contains("email-availability: 3 h 00 min") && o1.contains("not recorded"),
        "{o1}"
    );
    assert!(row("O2").contains("planned"), "{}", row("O2"));
    let o4 = row("O4");
    assert!(
        o4.contains("excused") && o4.contains("Customer&#x27;s own &lt;power&gt; cut"),
        "{o4}"
    );
    assert!(!o4.contains("email-availability:"), "{o4}");
    let o3 = row("O3");
    assert!(
        o3.contains("2026-10-31 22:00:00 GMT") && o3.contains("2026-11-01 02:00:00 GMT"),
        "{o3}"
    );
    assert!(
        o3.contains("email-availability: 2 h 00 min") && o3.contains("hardware"),
        "{o3}"
    );
    assert!(!p.body.contains("<power>"));
    // November holds O3's other two hours.
    let november = b.get("/contracts/acme/months/2026-11/outages").await;
    at(&november, "email-availability: 2 h 00 min");
    assert!(
        !november.body.contains("/outages/O1\""),
        "{}",
        november.body
    );

    // O3's own page: its cause, what it counted for in October and both
    // versions the supplier sent.
    let p = b.get("/contracts/acme/outages/O3").await;
    assert_eq!(p.status, 200, "{}", p.body);
    at(&p, "<strong>hardware</strong>, recorded by J. Smith");
    at(&p, "Failed &lt;disk&gt;");
    at(&p, "Counted in 2026-10");
    at(&p, "2 h 00 min");
    at(&p, "end_at 2026-11-01T01:00:00Z");
    at(&p, "end_at 2026-11-01T02:00:00Z");
    at(&p, "<td>1</td>");
    at(&p, "<td>2</td>");
    // A viewer is not offered the records page's forms.
    assert!(!p.body.contains("Excuse it or open a dispute"));
    let jane = Browser::new(&d);
    jane.signed_in("jane", JANE_PASSWORD).await;
    at(
        &jane.get("/contracts/acme/outages/O3").await,
        "Excuse it or open a dispute",
    );
    let p = b.get("/contracts/acme/outages/O4").await;
    at(&p, "It counted for no availability line in 2026-10");
    at(&p, "Customer&#x27;s own &lt;power&gt; cut (by");

    // Unknown, or another contract's to someone scoped to acme: 404.
    let beta = json!([{"type": "outage", "id": "B1", "contract": "beta", "service": "email",
                        "start": "2026-10-05T09:00:00Z"}]);
    api(&d, reqwest::Method::POST, "/api/v1/records", Some(beta)).await;
    assert_eq!(b.get("/contracts/acme/outages/O9").await.status, 404);
    let sam = Browser::new(&d);
    sam.signed_in("sam", SAM_PASSWORD).await;
    for path in [
        "/contracts/beta/outages/B1",
        "/contracts/beta/months/2026-10/outages",
    ] {
        let p = sam.get(path).await;
        assert_eq!(p.status, 404, "{path}");
        assert!(!p.body.contains("B1"), "{}", p.body);
    }
    assert_eq!(b.get("/contracts/beta/outages/B1").await.status, 200);
}
