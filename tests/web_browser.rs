//! The web desk in a real headless Chromium, driven over WebDriver, against
//! the real daemon (`slawatch run`) on a real store: signing in through the
//! form and through a trusted proxy's header, recording a cost, and every
//! refusal (viewer, scope, a removed CSRF field, repeated wrong passwords),
//! with axe-core's accessibility check on every page visited and
//! screenshots of the main pages. On PostgreSQL, a session also survives
//! a failover to a second daemon on the same store.

mod browser;
mod common;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use browser::{Browser, ENTER, TAB, free_port, tools_or_skip};
use common::sha256_hex;
use serde_json::{Value, json};

const API: &str = "web-browser-api-manager";
const JANE_PASSWORD: &str = "jane's long passphrase";
const VIC_PASSWORD: &str = "vic's long passphrase";
const SAM_PASSWORD: &str = "sam's long passphrase";
/// The trusted proxy's address; the browser itself comes from 127.0.0.1.
const PROXY: &str = "127.0.0.2";
/// The daemon's clock, stopped: early November, so October is last month.
const NOW: &str = "2026-11-05T09:00:00Z";
const OCTOBER: &str = "/contracts/acme/months/2026-10";

fn contracts() -> String {
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
  name = "Email available 99.5% of the time"
  kind = "availability"
  services = ["email"]
  target_percent = 99.5
"#
        )
    };
    format!(
        "{}{}
[web]
auth_proxy_header = \"X-Remote-User\"
trusted_proxies = [\"{PROXY}\"]

[[api_tokens]]
name = \"api\"
role = \"manager\"
token_sha256 = \"{}\"
",
        contract("acme", "Acme Managed Ltd"),
        contract("beta", "Beta Hosting plc"),
        sha256_hex(API)
    )
}

/// A store with jane (manager, every contract), vic (viewer), sam (manager
/// of acme only) and pat (proxy only, viewer), October's two P1s on acme
/// (I1 met in 1 h, I2 breached in 6 h against 4 h) and an hour's email
/// outage, and a daemon on it.
struct Desk {
    dir: tempfile::TempDir,
    config: PathBuf,
    daemons: Vec<Child>,
    /// The first daemon's address, `http://127.0.0.1:PORT`.
    base: String,
}

impl Desk {
    fn new() -> Desk {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = slawatch::store::testing::database_url(&dir.path().join("s.db"));
        let config = dir.path().join("slawatch.toml");
        std::fs::write(
            &config,
            format!(
                "[daemon]\ndatabase_url = \"{url}\"\ndata_dir = \"{}\"\n{}",
                dir.path().join("data").display(),
                contracts()
            ),
        )
        .expect("write the configuration");
        let mut desk = Desk {
            dir,
            config,
            daemons: Vec::new(),
            base: String::new(),
        };
        for (args, password) in [
            (
                ["--name", "jane", "--role", "manager"].as_slice(),
                Some(JANE_PASSWORD),
            ),
            (
                ["--name", "vic", "--role", "viewer"].as_slice(),
                Some(VIC_PASSWORD),
            ),
            (
                ["--name", "sam", "--role", "manager", "--contract", "acme"].as_slice(),
                Some(SAM_PASSWORD),
            ),
            (
                ["--name", "pat", "--role", "viewer", "--no-password"].as_slice(),
                None,
            ),
        ] {
            let mut all = vec!["user", "add"];
            all.extend_from_slice(args);
            desk.cli(&all, password);
        }
        desk.base = desk.start_daemon();
        let records = json!([
            {"type": "incident", "id": "I1", "contract": "acme", "priority": "P1",
             "title": "VPN down for the housing team",
             "opened_at": "2026-10-05T09:00:00Z", "resolved_at": "2026-10-05T10:00:00Z"},
            {"type": "incident", "id": "I2", "contract": "acme", "priority": "P1",
             "title": "Mail down across the council",
             "opened_at": "2026-10-06T09:00:00Z", "resolved_at": "2026-10-06T15:00:00Z"},
            {"type": "outage", "id": "O1", "contract": "acme", "service": "email",
             "start": "2026-10-06T09:00:00Z", "end": "2026-10-06T10:00:00Z"},
        ]);
        let answer = desk.api(reqwest::Method::POST, "/api/v1/records", Some(records));
        assert_eq!(answer["stored"], 3, "{answer}");
        desk
    }

    /// `slawatch ARGS` on the desk's store, `stdin` on standard input.
    fn cli(&self, args: &[&str], stdin: Option<&str>) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_slawatch"))
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run slawatch");
        if let Some(mut input) = child.stdin.take()
            && let Some(text) = stdin
        {
            writeln!(input, "{text}").expect("write standard input");
        }
        let out = child.wait_with_output().expect("slawatch output");
        assert!(
            out.status.success(),
            "slawatch {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts one more `slawatch run` on the store, on a port of its own,
    /// and returns its address.
    fn start_daemon(&mut self) -> String {
        let port = free_port();
        let file = self
            .dir
            .path()
            .join(format!("daemon-{}.toml", self.daemons.len()));
        let text = std::fs::read_to_string(&self.config)
            .expect("read the configuration")
            .replacen(
                "[daemon]\n",
                &format!("[daemon]\nlisten = \"127.0.0.1:{port}\"\n"),
                1,
            );
        std::fs::write(&file, text).expect("write the daemon's configuration");
        let now = NOW.parse().expect("a time");
        self.daemons
            .push(common::start_daemon(&file, port, now, &[]));
        format!("http://127.0.0.1:{port}")
    }

    /// An API call with the manager token to the first daemon.
    fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = reqwest::blocking::Client::new()
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(API);
        if let Some(b) = body {
            req = req.body(b.to_string());
        }
        req.send().and_then(|r| r.json()).unwrap_or(Value::Null)
    }

    fn costs(&self, contract: &str) -> Value {
        self.api(
            reqwest::Method::GET,
            &format!("/api/v1/contracts/{contract}/costs"),
            None,
        )["costs"]
            .clone()
    }
}

impl Drop for Desk {
    fn drop(&mut self) {
        for d in &mut self.daemons {
            let _ = d.kill();
            let _ = d.wait();
        }
    }
}

/// Signs in through the form, as a person types.
fn sign_in(b: &mut Browser, base: &str, name: &str, password: &str) {
    b.goto(&format!("{base}/sign-in"));
    b.fill("#name", name);
    b.fill("#password", password);
    b.click("form[action='/sign-in'] button");
}

#[test]
fn a_local_account_signs_in_through_the_form() {
    let Some(tools) = tools_or_skip("a_local_account_signs_in_through_the_form") else {
        return;
    };
    let desk = Desk::new();
    let mut b = Browser::start(&tools);
    // Not signed in: the portfolio sends the browser to sign in.
    b.goto(&format!("{}/", desk.base));
    assert_eq!(b.url(), format!("{}/sign-in", desk.base));
    assert_eq!(b.title(), "Sign in – slawatch");

    sign_in(&mut b, &desk.base, "jane", JANE_PASSWORD);
    assert_eq!(b.url(), format!("{}/", desk.base));
    let text = b.text();
    assert!(text.contains("Signed in as jane (manager)"), "{text}");
    // October: 1 of 2 P1s met = 50 %, under 90 %: 4 % of £1,000.00 = £40.00
    // for acme; beta had nothing in October, so no credit.
    assert!(text.contains("Service credits: GBP 40.00"), "{text}");
    assert!(text.contains("Service credits: GBP 0.00"), "{text}");
    // October's assurance: acme failed a service level that is not
    // critical (amber); beta failed nothing and has nothing overdue
    // (green). No month before October has evidence, so no trend yet.
    // (The stylesheet writes a rating's tag in capitals.)
    assert!(
        text.contains("Assurance, 2026-10: AMBER, no trend yet"),
        "{text}"
    );
    assert!(
        text.contains("Assurance, 2026-10: GREEN, no trend yet"),
        "{text}"
    );
    b.screenshot("desk-portfolio.png");

    // The portfolio's link to last month opens the contract-month page.
    b.click(&format!("a[href='{OCTOBER}']"));
    assert_eq!(b.url(), format!("{}{OCTOBER}", desk.base));
    let text = b.text();
    assert!(text.contains("Acme Managed Ltd: 2026-10"), "{text}");
    assert!(text.contains("Mail down across the council"), "{text}");
    assert!(text.contains("50.0%"), "{text}");

    // Signing out: back to the sign-in page, and the portfolio is closed.
    b.click("form[action='/sign-out'] button");
    assert_eq!(b.url(), format!("{}/sign-in", desk.base));
    b.goto(&format!("{}/", desk.base));
    assert_eq!(b.url(), format!("{}/sign-in", desk.base));
    // Every page the browser was on was checked for accessibility.
    assert_eq!(
        b.checked,
        ["/sign-in", "/sign-in", "/", OCTOBER, "/sign-in", "/sign-in"]
    );

    // The check itself finds a fault: a field with no label (critical).
    b.execute(
        "const i = document.createElement('input'); i.type = 'text';
         document.querySelector('main').appendChild(i);",
        json!([]),
    );
    let found = b.accessibility_violations();
    assert!(
        found
            .iter()
            .any(|v| v["id"] == "label" && v["impact"] == "critical"),
        "{found:?}"
    );
}

#[test]
fn the_desk_is_used_with_the_keyboard_alone() {
    let Some(tools) = tools_or_skip("the_desk_is_used_with_the_keyboard_alone") else {
        return;
    };
    let desk = Desk::new();
    let mut b = Browser::start(&tools);
    b.goto(&format!("{}/sign-in", desk.base));
    // The sign-in page's tab order: the skip link, the brand (home), then
    // the form's two fields (its token is hidden) and its button.
    b.keys(&TAB.to_string());
    assert_eq!(b.focused(), "a# Skip to main content");
    b.keys(&TAB.to_string());
    assert_eq!(b.focused(), "a# slawatch contract desk");
    b.keys(&format!("{TAB}jane{TAB}{JANE_PASSWORD}"));
    assert_eq!(b.focused(), "input#password ");
    b.keys(&ENTER.to_string());
    b.wait_for_url(&format!("{}/", desk.base));
    assert!(
        b.text().contains("Signed in as jane (manager)"),
        "{}",
        b.text()
    );
    // On the portfolio the skip link takes the focus past the header.
    b.keys(&format!("{TAB}{ENTER}"));
    assert_eq!(b.url(), format!("{}/#main", desk.base));
    assert!(
        b.focused().starts_with("main#main Portfolio"),
        "{}",
        b.focused()
    );
}

/// A single sign-on proxy in miniature: it forwards every request to the
/// daemon from the address `from`, adding the header that names `user`.
fn proxy(upstream: String, from: &'static str, user: &'static str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("proxy port");
    let addr: SocketAddr = listener.local_addr().expect("proxy address");
    listener.set_nonblocking(true).expect("non-blocking");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("proxy runtime");
        runtime.block_on(async move {
            let client = reqwest::Client::builder()
                .local_address(from.parse::<std::net::IpAddr>().ok())
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("proxy client");
            let state = Arc::new((client, upstream));
            let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
                let state = state.clone();
                async move { forward(&state.0, &state.1, user, req).await }
            });
            let listener = tokio::net::TcpListener::from_std(listener).expect("proxy listener");
            let _ = axum::serve(listener, app).await;
        });
    });
    format!("http://{addr}")
}

async fn forward(
    client: &reqwest::Client,
    upstream: &str,
    user: &str,
    req: axum::extract::Request,
) -> axum::response::Response<axum::body::Body> {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut out = client.request(parts.method, format!("{upstream}{path}"));
    for (k, v) in &parts.headers {
        // The browser never names itself to the daemon: only the proxy does.
        if !matches!(
            k.as_str(),
            "host" | "connection" | "content-length" | "x-remote-user"
        ) {
            out = out.header(k, v);
        }
    }
    let Ok(res) = out.header("x-remote-user", user).body(body).send().await else {
        return axum::response::Response::builder()
            .status(502)
            .body(axum::body::Body::empty())
            .unwrap_or_default();
    };
    let mut back = axum::response::Response::builder().status(res.status());
    for (k, v) in res.headers() {
        if !matches!(
            k.as_str(),
            "connection" | "content-length" | "transfer-encoding"
        ) {
            back = back.header(k, v);
        }
    }
    let bytes = res.bytes().await.unwrap_or_default();
    back.body(axum::body::Body::from(bytes)).unwrap_or_default()
}

#[test]
fn the_proxy_header_signs_in_only_through_the_trusted_proxy() {
    let Some(tools) = tools_or_skip("the_proxy_header_signs_in_only_through_the_trusted_proxy")
    else {
        return;
    };
    let desk = Desk::new();
    let through = proxy(desk.base.clone(), PROXY, "pat");
    // The same proxy on an address the daemon does not trust.
    let untrusted = proxy(desk.base.clone(), "127.0.0.1", "pat");
    let mut b = Browser::start(&tools);
    // Through the proxy: pat, who has no password, is signed in at once.
    b.goto(&format!("{through}/"));
    assert_eq!(b.url(), format!("{through}/"));
    let text = b.text();
    assert!(text.contains("Signed in as pat (viewer)"), "{text}");
    assert!(text.contains("Service credits: GBP 40.00"), "{text}");
    // Through the untrusted one, a fresh browser is sent to sign in: the
    // header is believed for the address it comes from, not for itself.
    let mut other = Browser::start(&tools);
    other.goto(&format!("{untrusted}/"));
    assert_eq!(other.url(), format!("{untrusted}/sign-in"));
    assert_eq!(other.title(), "Sign in – slawatch");
    drop(other);
    // Another browser straight to the daemon (from 127.0.0.1, not the
    // proxy's address) is not signed in by anyone's say-so.
    let mut direct = Browser::start(&tools);
    direct.goto(&format!("{}/", desk.base));
    assert_eq!(direct.url(), format!("{}/sign-in", desk.base));
    // Nor can a page's script send the header itself: the page's content
    // security policy allows no fetch at all, so the attempt fails in the
    // browser before it leaves (and from 127.0.0.1 the daemon would not
    // believe it anyway, as tests/web_desk.rs shows over HTTP).
    let answer = direct.execute_async(
        "const done = arguments[arguments.length - 1];
         fetch('/', {headers: {'X-Remote-User': 'jane'}})
           .then(r => done('status ' + r.status + ' ' + r.url))
           .catch(e => done('blocked: ' + e));",
        json!([]),
    );
    assert!(
        answer.as_str().is_some_and(|a| a.starts_with("blocked")),
        "{answer}"
    );
    direct.goto(&format!("{}/", desk.base));
    assert_eq!(direct.url(), format!("{}/sign-in", desk.base));
}

#[test]
fn a_manager_records_a_cost_and_sees_it_in_the_claim() {
    let Some(tools) = tools_or_skip("a_manager_records_a_cost_and_sees_it_in_the_claim") else {
        return;
    };
    let desk = Desk::new();
    let mut b = Browser::start(&tools);
    sign_in(&mut b, &desk.base, "jane", JANE_PASSWORD);
    b.goto(&format!("{}{OCTOBER}", desk.base));
    // A wrong amount first: the error beside the field, nothing stored.
    b.fill("#date", "2026-10-09");
    b.fill("#amount", "24.001");
    b.fill("#description", "Temporary mail relay");
    b.fill("#evidence", "PO-1");
    b.click("#breach_service_level option[value='p1-resolution']");
    b.click("form[action$='/costs'] button");
    assert!(b.find("#amount-error").is_some(), "{}", b.text());
    assert_eq!(desk.costs("acme"), json!([]));
    // What was typed is kept: only the amount is corrected.
    b.fill("#amount", "2400.00");
    b.click("form[action$='/costs'] button");
    let text = b.text();
    assert!(text.contains("Cost 1 recorded, in your name."), "{text}");
    // The claim: £40.00 credit + £2,400.00 cost = £2,440.00.
    assert!(text.contains("Recoverable costs\nGBP 2,400.00"), "{text}");
    assert!(text.contains("Total claim\nGBP 2,440.00"), "{text}");
    assert!(text.contains("Temporary mail relay PO-1"), "{text}");
    // The book's picture of the page: a breach, a cost and the claim.
    b.screenshot("desk-contract-month.png");
    // The audit trail names the person signed in, with no name typed.
    let audit = desk.api(reqwest::Method::GET, "/api/v1/contracts/acme/audit", None);
    let entries = audit["audit"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(
        (entries[0]["action"].as_str(), entries[0]["by"].as_str()),
        (Some("cost.add"), Some("jane"))
    );
}

/// Builds a cost form in the page (as a hostile or curious script might)
/// with the page's own CSRF token and submits it.
const POST_A_COST: &str = "
    const f = document.createElement('form');
    f.method = 'post';
    f.action = arguments[0];
    const fields = {csrf: document.querySelector('input[name=csrf]').value,
                    date: '2026-10-09', amount: '1.00', description: 'd', evidence: 'e'};
    for (const [k, v] of Object.entries(fields)) {
      const i = document.createElement('input');
      i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i);
    }
    document.body.appendChild(f);
    f.submit();";

#[test]
fn a_viewer_sees_no_form_and_a_post_from_the_page_is_refused() {
    let Some(tools) = tools_or_skip("a_viewer_sees_no_form_and_a_post_from_the_page_is_refused")
    else {
        return;
    };
    let desk = Desk::new();
    let mut b = Browser::start(&tools);
    sign_in(&mut b, &desk.base, "vic", VIC_PASSWORD);
    b.goto(&format!("{}{OCTOBER}", desk.base));
    // The only form on the page is signing out.
    let forms = b.execute(
        "return [...document.forms].map(f => f.getAttribute('action'));",
        json!([]),
    );
    assert_eq!(forms, json!(["/sign-out"]));
    assert!(!b.text().contains("Record a cost"));
    // fetch from the page is stopped by the page's own policy…
    let answer = b.execute_async(
        "const done = arguments[arguments.length - 1];
         fetch(arguments[0], {method: 'POST', body: 'amount=1.00'})
           .then(r => done('status ' + r.status))
           .catch(e => done('blocked: ' + e));",
        json!([format!("{OCTOBER}/costs")]),
    );
    assert!(
        answer.as_str().is_some_and(|a| a.starts_with("blocked")),
        "{answer}"
    );
    // …and a form the script makes reaches the daemon, which refuses it.
    b.execute(POST_A_COST, json!([format!("{OCTOBER}/costs")]));
    b.wait_for_heading("Not allowed");
    assert_eq!(desk.costs("acme"), json!([]));
}

#[test]
fn a_person_scoped_to_one_contract_cannot_open_another() {
    let Some(tools) = tools_or_skip("a_person_scoped_to_one_contract_cannot_open_another") else {
        return;
    };
    let desk = Desk::new();
    let mut b = Browser::start(&tools);
    sign_in(&mut b, &desk.base, "sam", SAM_PASSWORD);
    let text = b.text();
    assert!(text.contains("Acme Managed Ltd"), "{text}");
    assert!(!text.contains("Beta") && !text.contains("beta"), "{text}");
    // Another's contract and one that does not exist read the same.
    for other in ["beta", "nope"] {
        b.goto(&format!("{}/contracts/{other}/months/2026-10", desk.base));
        assert_eq!(b.title(), "Page not found – slawatch");
        assert!(!b.source().contains(other), "{}", b.source());
    }
    // Nor can a form of acme's page be pointed at beta.
    b.goto(&format!("{}{OCTOBER}", desk.base));
    b.execute(POST_A_COST, json!(["/contracts/beta/months/2026-10/costs"]));
    b.wait_for_heading("Page not found");
    assert_eq!(desk.costs("beta"), json!([]));
}

#[test]
fn a_form_whose_csrf_field_is_removed_is_refused() {
    let Some(tools) = tools_or_skip("a_form_whose_csrf_field_is_removed_is_refused") else {
        return;
    };
    let desk = Desk::new();
    let mut b = Browser::start(&tools);
    sign_in(&mut b, &desk.base, "jane", JANE_PASSWORD);
    b.goto(&format!("{}{OCTOBER}", desk.base));
    b.fill("#date", "2026-10-09");
    b.fill("#amount", "1.00");
    b.fill("#description", "d");
    b.fill("#evidence", "e");
    let removed = b.execute(
        "const i = document.querySelector('form[action$=\"/costs\"] input[name=csrf]');
         i.remove(); return true;",
        json!([]),
    );
    assert_eq!(removed, json!(true));
    b.click("form[action$='/costs'] button");
    assert_eq!(b.title(), "Not allowed – slawatch");
    assert!(
        b.text()
            .contains("This form has expired or did not come from this site"),
        "{}",
        b.text()
    );
    assert_eq!(desk.costs("acme"), json!([]));
}

#[test]
fn a_wrong_password_repeated_is_slowed() {
    let Some(tools) = tools_or_skip("a_wrong_password_repeated_is_slowed") else {
        return;
    };
    let desk = Desk::new();
    let mut b = Browser::start(&tools);
    // Three wrong are answered as wrong; the daemon's clock is stopped, so
    // the fourth try (even with the right password) waits the first 5 s.
    for _ in 0..3 {
        sign_in(&mut b, &desk.base, "jane", "not her password");
        assert!(
            b.text().contains("The name or the password is wrong."),
            "{}",
            b.text()
        );
    }
    sign_in(&mut b, &desk.base, "jane", JANE_PASSWORD);
    assert_eq!(b.title(), "Too many failed sign-ins – slawatch");
    assert!(
        b.text()
            .contains("Too many failed sign-ins: try again in 5 seconds."),
        "{}",
        b.text()
    );
    b.goto(&format!("{}/", desk.base));
    assert_eq!(b.url(), format!("{}/sign-in", desk.base));
}

#[test]
fn a_session_survives_a_failover_to_a_second_daemon() {
    let Some(tools) = tools_or_skip("a_session_survives_a_failover_to_a_second_daemon") else {
        return;
    };
    // Two daemons on one SQLite file is no deployment: PostgreSQL only.
    if !slawatch::store::testing::postgres_or_skip("a_session_survives_a_failover…") {
        return;
    }
    let mut desk = Desk::new();
    let second = desk.start_daemon();
    let mut b = Browser::start(&tools);
    sign_in(&mut b, &desk.base, "jane", JANE_PASSWORD);
    assert_eq!(b.url(), format!("{}/", desk.base));
    // The first daemon goes; cookies are per host, not port, so the same
    // browser carries its session to the second.
    let mut first = desk.daemons.remove(0);
    let _ = first.kill();
    let _ = first.wait();
    b.goto(&format!("{second}{OCTOBER}"));
    assert_eq!(b.url(), format!("{second}{OCTOBER}"));
    assert!(
        b.text().contains("Signed in as jane (manager)"),
        "{}",
        b.text()
    );
    // A cost recorded there is jane's.
    b.fill("#date", "2026-10-09");
    b.fill("#amount", "10.00");
    b.fill("#description", "Courier");
    b.fill("#evidence", "INV-7");
    b.click("form[action$='/costs'] button");
    assert!(
        b.text().contains("Cost 1 recorded, in your name."),
        "{}",
        b.text()
    );
}

#[test]
fn every_desk_page_passes_the_accessibility_check() {
    let Some(tools) = tools_or_skip("every_desk_page_passes_the_accessibility_check") else {
        return;
    };
    let desk = Desk::new();
    // October issued, so its issued files have a page; and a committee
    // pack over August–October, so the packs page lists one.
    desk.cli(
        &[
            "issue",
            "--contract",
            "acme",
            "--month",
            "2026-10",
            &format!("--now={NOW}"),
        ],
        None,
    );
    desk.cli(
        &[
            "pack",
            "--from",
            "2026-08",
            "--to",
            "2026-10",
            "--format",
            "json",
            "--issue",
            &format!("--now={NOW}"),
        ],
        None,
    );
    let mut b = Browser::start(&tools);
    sign_in(&mut b, &desk.base, "jane", JANE_PASSWORD);
    // The breached incident from the month's breaches: its clock, 6 h
    // against the 4 h target.
    b.goto(&format!("{}{OCTOBER}", desk.base));
    b.click("a[href='/contracts/acme/incidents/I2']");
    let text = b.text();
    assert!(text.contains("Mail down across the council"), "{text}");
    b.screenshot("desk-incident.png");
    let pages = [
        "/contracts/acme/months/2026-10/outages",
        "/contracts/acme/outages/O1",
        "/contracts/acme/records",
        "/contracts/acme/audit",
        "/contracts/acme/audit?month=2026-10",
        "/contracts/acme/commitments",
        "/contracts/acme/dr",
        "/contracts/acme/months/2026-10/issued",
        "/contracts/acme/outbox",
        "/contracts/acme/sources",
        "/contracts/acme/actions",
        "/packs",
    ];
    for page in pages {
        b.goto(&format!("{}{page}", desk.base));
    }
    let text = b.text();
    assert!(
        text.contains("2026-08"),
        "the packs page lists the pack: {text}"
    );
    // Every page, the incident's included, was checked by axe-core.
    assert!(
        b.checked
            .iter()
            .any(|p| p == "/contracts/acme/incidents/I2"),
        "{:?}",
        b.checked
    );
    for page in pages {
        assert!(
            b.checked.iter().any(|p| p == page),
            "{page} not checked: {:?}",
            b.checked
        );
    }
}

#[test]
fn a_month_prints_its_figures_without_the_desks_controls() {
    let Some(tools) = tools_or_skip("a_month_prints_its_figures_without_the_desks_controls") else {
        return;
    };
    let desk = Desk::new();
    let mut b = Browser::start(&tools);
    sign_in(&mut b, &desk.base, "jane", JANE_PASSWORD);
    b.goto(&format!("{}{OCTOBER}", desk.base));
    let pdf = b.print_pdf();
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
    // Kept beside the screenshots, to look at.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    let file = dir.join("desk-month-printed.pdf");
    std::fs::write(&file, &pdf).expect("write the PDF");
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (Debian's poppler-utils) is installed by scripts/test.sh");
    let text = String::from_utf8_lossy(&out.stdout);
    // The figures a contract meeting reads: P1 resolution 1 of 2 met
    // (50 %, below 90 %: 4 % of the £1,000.00 charge), and email's hour
    // down in October's 745 hours (99.866 %).
    for figure in [
        "P1 incidents resolved within 4 hours",
        "GBP 40.00",
        "Email available",
    ] {
        assert!(text.contains(figure), "{figure} not printed:\n{text}");
    }
    // The desk's own controls are not: who is signed in, sign-out, the
    // skip link, the cost form.
    for control in [
        "Sign out",
        "Signed in as",
        "Skip to main content",
        "Record a cost",
        "For example 2400.00",
        "previous month",
    ] {
        assert!(!text.contains(control), "{control} printed:\n{text}");
    }
}
