//! A real headless Chromium for the desk's browser tests, driven over
//! WebDriver (plain JSON to Debian's `chromedriver`), with axe-core's
//! accessibility check and full-page screenshots.
//!
//! Found at `SLAWATCH_TEST_CHROMIUM` / `SLAWATCH_TEST_CHROMEDRIVER` /
//! `SLAWATCH_TEST_AXE`, or where `scripts/test.sh` installs them
//! (`/usr/bin/chromium`, `/usr/bin/chromedriver`,
//! `target/test-npm/node_modules/axe-core/axe.min.js`). Missing, a test
//! skips with a message; in CI it fails, since a skip there would pass a
//! test that never ran.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// What the browser tests need on the machine.
#[derive(Clone)]
pub struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
    axe: String,
}

fn path_from(var: &str, default: PathBuf) -> PathBuf {
    std::env::var_os(var).map_or(default, PathBuf::from)
}

/// The browser, its driver and axe-core, or `None` (the test skips) when
/// one is missing outside CI.
pub fn tools_or_skip(test: &str) -> Option<Tools> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chromium = path_from("SLAWATCH_TEST_CHROMIUM", "/usr/bin/chromium".into());
    let chromedriver = path_from("SLAWATCH_TEST_CHROMEDRIVER", "/usr/bin/chromedriver".into());
    let axe = path_from(
        "SLAWATCH_TEST_AXE",
        root.join("target/test-npm/node_modules/axe-core/axe.min.js"),
    );
    let missing: Vec<String> = [&chromium, &chromedriver, &axe]
        .iter()
        .filter(|p| !p.is_file())
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        missing.is_empty() || std::env::var_os("CI").is_none(),
        "{test}: missing {missing:?} in CI; scripts/test.sh installs chromium, chromium-driver and axe-core"
    );
    if !missing.is_empty() {
        eprintln!(
            "\n!! SKIPPED {test}: missing {missing:?}.\n\
             !! Run scripts/test.sh (it installs Debian's chromium and chromium-driver and\n\
             !! axe-core into target/test-npm), or set SLAWATCH_TEST_CHROMIUM,\n\
             !! SLAWATCH_TEST_CHROMEDRIVER and SLAWATCH_TEST_AXE.\n"
        );
        return None;
    }
    let axe = std::fs::read_to_string(&axe).expect("read axe-core");
    Some(Tools {
        chromium,
        chromedriver,
        axe,
    })
}

/// A loopback port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The Tab key, for [`Browser::keys`] (WebDriver's code for it).
pub const TAB: char = '\u{E004}';
/// The Enter key, for [`Browser::keys`].
pub const ENTER: char = '\u{E007}';

/// A headless Chromium with an empty profile of its own, behind its own
/// chromedriver; both end when dropped.
pub struct Browser {
    // Dropped after the session is ended (fields drop after `drop`).
    _driver: Driver,
    http: reqwest::blocking::Client,
    session: String,
    axe: String,
    _profile: tempfile::TempDir,
    /// Pages checked with axe-core so far (their paths), for the test's report.
    pub checked: Vec<String>,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a session.
    pub fn start(tools: &Tools) -> Browser {
        let port = free_port();
        let driver = Driver(
            Command::new(&tools.chromedriver)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start chromedriver"),
        );
        let profile = tempfile::tempdir().expect("profile folder");
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("http client");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = http
                .get(format!("{base}/status"))
                .send()
                .ok()
                .and_then(|r| r.json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        // Without the background-networking flags Chromium reaches out to
        // Google's services; the tests must use only loopback.
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1100,900",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": tools.chromium, "args": args},
        }}});
        let answer: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .and_then(|r| r.json())
            .expect("new WebDriver session");
        let session = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"))
            .to_string();
        Browser {
            _driver: driver,
            http,
            session: format!("{base}/session/{session}"),
            axe: tools.axe.clone(),
            _profile: profile,
            checked: Vec::new(),
        }
    }

    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.session));
        if let Some(b) = body {
            req = req.json(&b);
        } else if method == reqwest::Method::POST {
            req = req.json(&json!({}));
        }
        let answer: Value = req
            .send()
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("WebDriver {path}: {e}"));
        assert!(
            answer["value"].get("error").is_none(),
            "WebDriver {path}: {answer}"
        );
        answer["value"].clone()
    }

    /// The page as the browser prints it (its print stylesheet applied),
    /// as PDF bytes: WebDriver's Print command.
    pub fn print_pdf(&self) -> Vec<u8> {
        use base64::Engine;
        let pdf = self.call(
            reqwest::Method::POST,
            "/print",
            Some(json!({"background": false})),
        );
        base64::engine::general_purpose::STANDARD
            .decode(pdf.as_str().unwrap_or_default())
            .expect("a PDF in base64")
    }

    /// Opens `url` (waiting for it to load) and checks it with axe-core.
    pub fn goto(&mut self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})));
        self.check_accessibility();
    }

    /// The address shown in the address bar.
    pub fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The page's title.
    pub fn title(&self) -> String {
        self.call(reqwest::Method::GET, "/title", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The page's markup as the browser holds it now.
    pub fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The visible text of the whole page.
    pub fn text(&self) -> String {
        let body = self.find("body").expect("a body");
        self.call(reqwest::Method::GET, &format!("/element/{body}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The first element matching `css`, if any.
    pub fn find(&self, css: &str) -> Option<String> {
        let found = self.call(
            reqwest::Method::POST,
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        );
        found
            .as_array()
            .and_then(|all| all.first())
            // An element reference is an object of one key (W3C's long name).
            .and_then(|e| e.as_object()?.values().next()?.as_str())
            .map(str::to_string)
    }

    fn must_find(&self, css: &str) -> String {
        self.find(css)
            .unwrap_or_else(|| panic!("no {css} on {}:\n{}", self.url(), self.text()))
    }

    /// Types `text` into the field matching `css`, after emptying it.
    pub fn fill(&self, css: &str, text: &str) {
        let e = self.must_find(css);
        self.call(reqwest::Method::POST, &format!("/element/{e}/clear"), None);
        self.call(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// Clicks the element matching `css` (a button submits its form and the
    /// driver waits for the next page), then checks the page with axe-core.
    pub fn click(&mut self, css: &str) {
        let e = self.must_find(css);
        self.call(reqwest::Method::POST, &format!("/element/{e}/click"), None);
        self.check_accessibility();
    }

    /// Presses `keys` one after another on whatever has the focus, as a
    /// person at the keyboard does (`TAB` and `ENTER` below for those keys).
    pub fn keys(&self, keys: &str) {
        let presses: Vec<Value> = keys
            .chars()
            .flat_map(|c| {
                let c = c.to_string();
                [
                    json!({"type": "keyDown", "value": c}),
                    json!({"type": "keyUp", "value": c}),
                ]
            })
            .collect();
        self.call(
            reqwest::Method::POST,
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": presses}]})),
        );
    }

    /// What has the keyboard's focus: its tag, id and text, as `TAG#ID TEXT`.
    pub fn focused(&self) -> String {
        self.execute(
            "const e = document.activeElement;
             return e.tagName.toLowerCase() + '#' + e.id + ' ' + e.textContent.trim();",
            json!([]),
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Waits until the browser is at `url` (a form submitted from the
    /// keyboard or by script navigates after the driver has answered),
    /// then checks the page with axe-core.
    pub fn wait_for_url(&mut self, url: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.url() != url {
            assert!(
                Instant::now() < deadline,
                "not at {url} but {}:\n{}",
                self.url(),
                self.text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        self.check_accessibility();
    }

    /// Runs `script` (a function body) in the page with `args`.
    pub fn execute(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Runs `script` in the page; it ends by calling its last argument.
    pub fn execute_async(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Waits until the page's heading (its `h1`) reads `heading`: a form
    /// submitted by script navigates after the driver has answered.
    pub fn wait_for_heading(&mut self, heading: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let h1 = self.execute(
                "const h = document.querySelector('h1'); return h ? h.textContent : '';",
                json!([]),
            );
            if h1.as_str().is_some_and(|h| h.trim() == heading) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no heading {heading:?} on {}:\n{}",
                self.url(),
                self.text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        self.check_accessibility();
    }

    /// axe-core's serious and critical violations on the page (every
    /// violation is printed), injected through the driver, as the page's
    /// content security policy allows no script of its own.
    pub fn accessibility_violations(&self) -> Vec<Value> {
        self.execute(&format!("{}\n;return true;", self.axe), json!([]));
        let found = self.execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {resultTypes: ['violations']})
               .then(r => done({passes: r.passes.length, violations: r.violations.map(v => ({
                  id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}))}))
               .catch(e => done({passes: 0, violations: [], error: String(e)}));",
            json!([]),
        );
        // A check that ran no rule would pass anything: axe must have run.
        assert!(
            found["passes"].as_u64().is_some_and(|n| n > 0),
            "axe-core did not run: {found}"
        );
        let all = found["violations"].as_array().cloned().unwrap_or_default();
        let url = self.url();
        for v in &all {
            eprintln!("axe on {url}: {v}");
        }
        all.into_iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect()
    }

    /// Fails on any serious or critical accessibility violation on the
    /// page, listing them, and notes the page as checked.
    pub fn check_accessibility(&mut self) {
        let grave = self.accessibility_violations();
        let url = self.url();
        assert!(
            grave.is_empty(),
            "serious or critical accessibility violations on {url}: {grave:#?}"
        );
        let path = url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
            .unwrap_or(url);
        self.checked.push(path);
    }

    /// A screenshot of the whole page, written to `target/screenshots/NAME`
    /// on every run and to `docs/NAME` when `SLAWATCH_BLESS_SCREENSHOTS=1`.
    pub fn screenshot(&self, name: &str) {
        // The window as tall as the page (and the window's own frame), so
        // that the picture holds it all.
        let height = self
            .execute(
                "return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight;",
                json!([]),
            )
            .as_u64()
            .unwrap_or(900);
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": 1100, "height": height.clamp(400, 4000)})),
        );
        use base64::Engine;
        let png = self.call(reqwest::Method::GET, "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap_or_default())
            .expect("a PNG in base64");
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = root.join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        std::fs::write(dir.join(name), &png).expect("write the screenshot");
        if std::env::var("SLAWATCH_BLESS_SCREENSHOTS").is_ok_and(|v| v == "1") {
            std::fs::write(root.join("docs/book/src/images").join(name), &png)
                .expect("write docs screenshot");
        }
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": 1100, "height": 900})),
        );
    }
}

/// The chromedriver process, stopped when dropped: also when a test fails
/// before its session opens.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session closes Chromium; the driver stops after.
        let _ = self.http.delete(&self.session).send();
    }
}
