//! The metrics and dashboards against a real Prometheus server: the daemon
//! (the real binary) runs on generated data plus incidents happening now, a
//! Prometheus started here scrapes it every second, `promtool check metrics`
//! lints the exposition, and every panel expression of every dashboard in
//! `dashboards/` (template variables resolved through Prometheus as Grafana
//! would) must return at least one series and name only metrics and labels
//! the daemon exports.
//!
//! Needs `prometheus` and `promtool` on the PATH (the Debian `prometheus`
//! package, which `scripts/test.sh` installs).

mod metrics_support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use serde_json::{Value, json};

use metrics_support::{Exposition, Process, free_port, get, promql, substitute, wait_for};

const PUSH_TOKEN: &str = "metrics-test-push-token-1234";
/// The viewer token Prometheus scrapes with.
const SCRAPE_TOKEN: &str = "metrics-test-scrape-token-5678";

/// "Now" for the generator, the import and the daemon (`--now`): mid-October
/// 2026, so the generated last month and the incidents happening now fall in
/// the months they are meant to whatever day the test runs.
const NOW: &str = "2026-10-14T10:00:00Z";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_slawatch")
}

fn require_tool(name: &str) {
    let found = Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "`{name}` is not installed: run scripts/test.sh, which installs the Debian `prometheus` package \
         (or `apt-get install -y --no-install-recommends prometheus`)"
    );
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run a command");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The generated configuration, listening on `port`, with commitments and a
/// DR system (never tested, no RPO agreed) for the first contract and a webhook source that pushes to it.
fn configure(path: &Path, port: u16) {
    let text = std::fs::read_to_string(path).expect("generated configuration");
    let text = text.replacen(
        "[daemon]\n",
        &format!("[daemon]\nlisten = \"127.0.0.1:{port}\"\n"),
        1,
    );
    // The first contract has an annual cap, for the panel showing its headroom.
    let text = text.replacen(
        "monthly_charge = ",
        "annual_cap_percent = 10.0\nmonthly_charge = ",
        1,
    );
    // Commitments belong to the contract above them: put them before the second.
    let second = text
        .match_indices("\n[[contracts]]\n")
        .nth(1)
        .map(|(i, _)| i)
        .expect("a second contract");
    let commitments = r#"
  [[contracts.commitments]]
  id = "dr-test"
  name = "Annual disaster recovery test"
  due = "2020-06-30"

  [[contracts.commitments]]
  id = "iso-audit"
  name = "ISO 27001 surveillance audit"
  due = "2099-01-31"
  every = "12 months"

  [[contracts.dr_systems]]
  id = "payroll"
  name = "Payroll"
  criticality = "critical"
  rto = "4h"
  hosted_by = "supplier"
"#;
    let mut text = format!("{}{commitments}{}", &text[..second], &text[second..]);
    text.push_str(
        r#"
[[sources]]
id = "test-push"
contract = "contract-01"
kind = "webhook"
token_env = "METRICS_TEST_PUSH_TOKEN"

[[api_tokens]]
name = "prometheus"
role = "viewer"
token_env = "METRICS_TEST_SCRAPE_TOKEN"
"#,
    );
    std::fs::write(path, text).expect("write the configuration");
}

/// Records happening at [`NOW`]: P1 incidents breached and at risk, a P2
/// met, an email outage open, work items, and one bad record (rejected).
fn records_now() -> String {
    let now: chrono::DateTime<Utc> = NOW.parse().expect("an RFC 3339 instant");
    let ago = |minutes: i64| {
        (now - chrono::Duration::minutes(minutes)).to_rfc3339_opts(SecondsFormat::Secs, true)
    };
    let lines = [
        json!({"type": "incident", "id": "NOW-P1-A", "contract": "contract-01", "priority": "P1",
               "opened_at": ago(300), "service": "email", "title": "Mail <down> SECRET-TITLE"}),
        json!({"type": "incident", "id": "NOW-P1-B", "contract": "contract-01", "priority": "P1",
               "opened_at": ago(210), "service": "email"}),
        json!({"type": "incident", "id": "NOW-P2-A", "contract": "contract-01", "priority": "P2",
               "opened_at": ago(120), "responded_at": ago(110), "resolved_at": ago(60), "service": "network"}),
        json!({"type": "outage", "id": "NOW-OUT-1", "contract": "contract-01", "service": "email",
               "start": ago(30), "impact": "full"}),
        json!({"type": "work_item", "id": "NOW-W-1", "contract": "contract-01", "kind": "problem", "opened_at": ago(50)}),
        json!({"type": "work_item", "id": "NOW-W-2", "contract": "contract-01", "kind": "incident", "opened_at": ago(50)}),
        json!({"type": "incident", "id": "NOW-BAD", "contract": "contract-01", "priority": "P9", "opened_at": ago(50)}),
    ];
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// A correction of the first resolved contract-01 incident in the
/// generated `incidents.csv`: resolved one minute after it opened. Returns
/// its id and the correction's CSV text.
fn resolved_earlier(incidents: &Path) -> (String, String) {
    let mut reader = csv::Reader::from_path(incidents).expect("generated incidents");
    let header = reader.headers().expect("a header").clone();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (id, contract, opened, resolved) = (
        col("id"),
        col("contract"),
        col("opened_at"),
        col("resolved_at"),
    );
    for row in reader.records() {
        let row = row.expect("a generated row");
        if row[contract] != *"contract-01" || row[resolved].is_empty() {
            continue;
        }
        let opened_at: chrono::DateTime<Utc> = row[opened].parse().expect("an instant");
        let earlier =
            (opened_at + chrono::Duration::minutes(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
        let mut fields: Vec<String> = row.iter().map(str::to_string).collect();
        fields[resolved] = earlier;
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&header).unwrap();
        w.write_record(&fields).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        return (row[id].to_string(), text);
    }
    panic!("no resolved contract-01 incident was generated");
}

/// A scrape job as docs/book/src/integrators/metrics.md shows it: the viewer token read
/// from a file.
fn prometheus_config(dir: &Path, target: &str) -> std::path::PathBuf {
    let token_file = dir.join("slawatch-token");
    std::fs::write(&token_file, SCRAPE_TOKEN).unwrap();
    let path = dir.join("prometheus.yml");
    std::fs::write(
        &path,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: slawatch\n    authorization:\n      credentials_file: {}\n    static_configs:\n      - targets: [\"{target}\"]\n",
            token_file.display()
        ),
    )
    .unwrap();
    path
}

fn dashboards() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .expect("dashboards/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let value: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", p.display()));
            (p.file_name().unwrap().to_string_lossy().into_owned(), value)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        out.len() >= 3,
        "expected the three dashboards, found {}",
        out.len()
    );
    out
}

/// Every panel, rows' nested panels included.
fn panels(dashboard: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for p in dashboard["panels"].as_array().expect("panels") {
        out.push(p);
        if let Some(nested) = p["panels"].as_array() {
            out.extend(nested);
        }
    }
    out
}

/// The datasource provisioning file's uid, which the dashboards default to.
const DATASOURCE_UID: &str = "slawatch-prometheus";

/// What Grafana needs to load a dashboard: uid, schema, layout, datasource.
fn check_structure(name: &str, d: &Value, uids: &mut BTreeSet<String>) {
    let uid = d["uid"].as_str().unwrap_or_default();
    assert!(!uid.is_empty() && uid.len() <= 40, "{name}: uid");
    assert!(uids.insert(uid.to_string()), "{name}: uid {uid} used twice");
    assert!(
        d["schemaVersion"].as_i64().unwrap_or(0) >= 39,
        "{name}: schemaVersion"
    );
    assert!(d["title"].as_str().is_some_and(|t| !t.is_empty()));
    let vars = d["templating"]["list"].as_array().expect("templating");
    let ds = vars
        .iter()
        .find(|v| v["type"] == "datasource")
        .unwrap_or_else(|| panic!("{name}: no datasource variable"));
    assert_eq!(
        ds["query"], "prometheus",
        "{name}: datasource variable type"
    );
    assert_eq!(ds["current"]["value"], DATASOURCE_UID, "{name}");
    let ds_ref = format!("${{{}}}", ds["name"].as_str().unwrap());
    let mut ids = BTreeSet::new();
    for p in panels(d) {
        let title = p["title"].as_str().unwrap_or_default();
        assert!(
            ids.insert(p["id"].as_i64().expect("panel id")),
            "{name}: panel id twice"
        );
        let g = &p["gridPos"];
        for k in ["h", "w", "x", "y"] {
            assert!(g[k].as_i64().is_some(), "{name}/{title}: gridPos.{k}");
        }
        assert!(
            g["x"].as_i64().unwrap() + g["w"].as_i64().unwrap() <= 24,
            "{name}/{title}: wider than 24"
        );
        if p["type"] == "row" {
            continue;
        }
        assert_eq!(
            p["datasource"]["uid"],
            ds_ref.as_str(),
            "{name}/{title}: datasource"
        );
        let targets = p["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{name}/{title}: no targets");
        for t in targets {
            assert_eq!(
                t["datasource"]["uid"],
                ds_ref.as_str(),
                "{name}/{title}: target datasource"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_panel_returns_series_from_a_real_prometheus() {
    require_tool("prometheus");
    require_tool("promtool");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    // A daemon on generated data: last month for three contracts.
    let gen_dir = dir.path().join("gen");
    run_ok(
        Command::new(bin())
            .args(["--now", NOW, "generate", "--out"])
            .arg(&gen_dir)
            .args(["--contracts", "3", "--incidents", "1500"]),
    );
    let config = gen_dir.join("slawatch.toml");
    let port = free_port();
    configure(&config, port);
    let csvs: Vec<_> = [
        "incidents",
        "holds",
        "outages",
        "work_items",
        "supplier_kpis",
    ]
    .iter()
    .map(|f| gen_dir.join(format!("{f}.csv")))
    .collect();
    run_ok(
        Command::new(bin())
            .arg("--config")
            .arg(&config)
            .args(["--now", NOW, "import"])
            .args(&csvs),
    );
    // The supplier moves one of last month's resolutions a minute after
    // opening: a change of evidence already held, after the fact.
    let (rewritten, correction) = resolved_earlier(&gen_dir.join("incidents.csv"));
    std::fs::write(dir.path().join("correction.csv"), correction).unwrap();
    run_ok(
        Command::new(bin())
            .arg("--config")
            .arg(&config)
            .args(["--now", NOW, "import"])
            .arg(dir.path().join("correction.csv")),
    );
    let daemon = Process::spawn(
        Command::new(bin())
            .arg("--config")
            .arg(&config)
            .args(["--now", NOW, "run"])
            .env("METRICS_TEST_PUSH_TOKEN", PUSH_TOKEN)
            .env("METRICS_TEST_SCRAPE_TOKEN", SCRAPE_TOKEN)
            .current_dir(dir.path()),
        &dir.path().join("daemon.log"),
    );
    let base = format!("http://127.0.0.1:{port}");
    wait_for("the daemon", Duration::from_secs(30), || async {
        get(&client, &format!("{base}/healthz")).await.is_ok()
    })
    .await;

    // The metrics carry every contract's money: no token, no metrics; nor
    // for the supplier's push token.
    for token in [None, Some("wrong-token"), Some(PUSH_TOKEN)] {
        let mut req = client.get(format!("{base}/metrics"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        let expected = if token == Some(PUSH_TOKEN) { 403 } else { 401 };
        assert_eq!(status, expected, "GET /metrics with {token:?}: {body}");
        assert!(!body.contains("slawatch_monthly_charge"), "{body}");
    }

    // Incidents happening at NOW, pushed through the webhook source.
    let pushed = client
        .post(format!("{base}/api/v1/records"))
        .bearer_auth(PUSH_TOKEN)
        .header("content-type", "application/x-ndjson")
        .body(records_now())
        .send()
        .await
        .unwrap();
    let status = pushed.status();
    let body = pushed.text().await.unwrap();
    assert!(status.is_success(), "push: {status} {body}");

    // The webhook source tries to change the same incident: refused, it
    // belongs to the command line's import.
    let refused = client
        .post(format!("{base}/api/v1/records"))
        .bearer_auth(PUSH_TOKEN)
        .header("content-type", "application/x-ndjson")
        .body(format!(
            "{}\n",
            json!({"type": "incident", "id": rewritten, "contract": "contract-01", "priority": "P5",
                   "opened_at": "2020-01-01T00:00:00Z"})
        ))
        .send()
        .await
        .unwrap();
    let body = refused.text().await.unwrap();
    assert!(body.contains("belongs to source cli"), "{body}");

    // A real Prometheus scraping it every second.
    let prom_port = free_port();
    let prom_cfg = prometheus_config(dir.path(), &format!("127.0.0.1:{port}"));
    let _prometheus = Process::spawn(
        Command::new("prometheus")
            .arg(format!("--config.file={}", prom_cfg.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .arg("--log.level=warn"),
        &dir.path().join("prometheus.log"),
    );
    let prom = format!("http://127.0.0.1:{prom_port}");
    wait_for(
        "Prometheus to be ready",
        Duration::from_secs(30),
        || async { get(&client, &format!("{prom}/-/ready")).await.is_ok() },
    )
    .await;
    // Several scrapes taken after detection has seen the pushed records.
    wait_for("scrapes with the pushed records", Duration::from_secs(90), || async {
        let q = r#"count_over_time(slawatch_build_info[1m]) >= 3 and on () (sum(slawatch_open_incidents{stage="at_risk"}) > 0) and on () (sum(slawatch_source_records_total{source="test-push",result="rejected"}) > 0) and on () (sum(slawatch_evidence_refused_total) > 0) and on () (sum(slawatch_evidence_rewrites_total) > 0)"#;
        promql(&client, &prom, q).await.is_ok_and(|r| !r.is_empty())
    })
    .await;

    // Prometheus scrapes with its token: the target is up.
    let targets = get(&client, &format!("{prom}/api/v1/targets"))
        .await
        .unwrap();
    let targets: Value = serde_json::from_str(&targets).unwrap();
    let target = &targets["data"]["activeTargets"][0];
    assert_eq!(target["health"], "up", "{target}");

    // promtool lints the exposition.
    let text = client
        .get(format!("{base}/metrics"))
        .bearer_auth(SCRAPE_TOKEN)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .expect("/metrics")
        .text()
        .await
        .expect("/metrics");
    let mut lint = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    lint.stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let lint = lint.wait_with_output().unwrap();
    assert!(
        lint.status.success(),
        "promtool check metrics failed:\n{}{}",
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr)
    );
    // Supplier text and record ids never become labels.
    for secret in ["SECRET-TITLE", "NOW-P1-A", "NOW-OUT-1", "INC0", "OUT-0"] {
        assert!(!text.contains(secret), "/metrics contains {secret}");
    }
    let exported = Exposition::parse(&text);

    // Every panel of every dashboard.
    let mut uids = BTreeSet::new();
    let mut checked = 0;
    for (name, d) in dashboards() {
        check_structure(&name, &d, &mut uids);
        // Template variables, resolved in order as Grafana does.
        let mut vars: BTreeMap<String, String> = [
            ("__rate_interval", "1m"),
            ("__interval", "1m"),
            ("__range", "1h"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for v in d["templating"]["list"].as_array().unwrap() {
            if v["type"] != "query" {
                continue;
            }
            let var = v["name"].as_str().unwrap();
            let query = v["query"]
                .as_str()
                .or_else(|| v["query"]["query"].as_str())
                .or_else(|| v["definition"].as_str())
                .unwrap_or_else(|| panic!("{name}: variable {var} has no query"));
            let def = substitute(query, &vars);
            let values = metrics_support::label_values(&client, &prom, &def, &exported).await;
            let first = values
                .first()
                .unwrap_or_else(|| panic!("{name}: variable {var} ({def}) has no values"));
            vars.insert(var.to_string(), first.clone());
        }
        for p in panels(&d) {
            let Some(targets) = p["targets"].as_array() else {
                continue;
            };
            let title = substitute(p["title"].as_str().unwrap_or_default(), &vars);
            for t in targets {
                let raw = t["expr"].as_str().expect("expr");
                let expr = substitute(raw, &vars);
                let place = format!("{name} / {title} / {}: {expr}", t["refId"]);
                exported
                    .check_expr(&expr)
                    .unwrap_or_else(|e| panic!("{place}: {e}"));
                let result = promql(&client, &prom, &expr)
                    .await
                    .unwrap_or_else(|e| panic!("{place}: {e}"));
                assert!(!result.is_empty(), "{place}: no series");
                if let Some(legend) = t["legendFormat"].as_str() {
                    metrics_support::check_legend(legend, &result)
                        .unwrap_or_else(|e| panic!("{place}: {e}"));
                }
                checked += 1;
            }
        }
    }
    eprintln!("checked {checked} panel expressions");
    assert!(checked >= 60, "only {checked} panel expressions");
    drop(daemon);

    // The provisioning files point at the uid the dashboards default to.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards/provisioning");
    let ds = std::fs::read_to_string(root.join("datasources/slawatch.yaml")).unwrap();
    assert!(ds.contains(&format!("uid: {DATASOURCE_UID}")) && ds.contains("type: prometheus"));
    let provider = std::fs::read_to_string(root.join("dashboards/slawatch.yaml")).unwrap();
    assert!(provider.contains("type: file") && provider.contains("path:"));
}

/// A configuration of `contracts` contracts with 15 service levels each
/// (P1–P5 response and resolution, four availability levels, proactive
/// share), two commitments and a webhook source each.
fn fifteen_level_config(dir: &Path, contracts: usize) -> String {
    let mut t = format!(
        "[daemon]\ndatabase_url = \"{}\"\ndata_dir = \"{}\"\n\n[calendars.office]\ntimezone = \"Europe/London\"\nmonday = [\"08:00-18:00\"]\ntuesday = [\"08:00-18:00\"]\nwednesday = [\"08:00-18:00\"]\nthursday = [\"08:00-18:00\"]\nfriday = [\"08:00-18:00\"]\n",
        slawatch::store::testing::database_url(&dir.join("bench.db")),
        dir.join("data").display()
    );
    let response = ["15m", "30m", "2h", "4h", "8h"];
    let resolution = ["4h", "8h", "20h", "40h", "80h"];
    for i in 1..=contracts {
        let tz = if i % 2 == 1 {
            "Europe/London"
        } else {
            "America/New_York"
        };
        t.push_str(&format!(
            "\n[[contracts]]\nid = \"contract-{i:02}\"\nsupplier = \"Supplier {i:02}\"\ntimezone = \"{tz}\"\ncurrency = \"GBP\"\nmonthly_charge = \"100000.00\"\nservice_credit_cap_percent = 12.0\nmanagers = [\"m@council.example\"]\n"
        ));
        for p in 1..=5 {
            t.push_str(&format!(
                "\n  [[contracts.service_levels]]\n  id = \"p{p}-response\"\n  kind = \"response_time\"\n  priorities = [\"P{p}\"]\n  target = \"{}\"\n  target_percent = 95.0\n  service_credits = [ {{ below = 95.0, percent = 1.0 }} ]\n",
                response[p - 1]
            ));
            let calendar = if p >= 3 { "office" } else { "24x7" };
            t.push_str(&format!(
                "\n  [[contracts.service_levels]]\n  id = \"p{p}-resolution\"\n  kind = \"resolution_time\"\n  priorities = [\"P{p}\"]\n  target = \"{}\"\n  calendar = \"{calendar}\"\n  target_percent = 90.0\n  critical_below = 75.0\n  service_credits = [ {{ below = 90.0, percent = 2.0 }}, {{ below = 80.0, percent = 4.0 }} ]\n",
                resolution[p - 1]
            ));
        }
        for service in ["email", "network", "hosting", "service-desk"] {
            t.push_str(&format!(
                "\n  [[contracts.service_levels]]\n  id = \"{service}-availability\"\n  kind = \"availability\"\n  services = [\"{service}\"]\n  target_percent = 99.5\n  service_credits = [ {{ below = 99.5, percent = 3.0 }} ]\n"
            ));
        }
        t.push_str("\n  [[contracts.service_levels]]\n  id = \"proactive-share\"\n  kind = \"proactive_share\"\n  target_percent = 60.0\n");
        t.push_str("\n  [[contracts.commitments]]\n  id = \"dr-test\"\n  name = \"DR test\"\n  due = \"2026-01-31\"\n  every = \"12 months\"\n\n  [[contracts.commitments]]\n  id = \"iso-audit\"\n  name = \"ISO audit\"\n  due = \"2026-06-30\"\n");
    }
    for i in 1..=contracts {
        t.push_str(&format!(
            "\n[[sources]]\nid = \"push-{i:02}\"\ncontract = \"contract-{i:02}\"\nkind = \"webhook\"\ntoken_env = \"METRICS_BENCH_TOKEN\"\n"
        ));
    }
    let scrape = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(SCRAPE_TOKEN.as_bytes()))
    };
    t.push_str(&format!(
        "\n[[api_tokens]]\nname = \"prometheus\"\nrole = \"viewer\"\ntoken_sha256 = \"{scrape}\"\n"
    ));
    t
}

/// The scrape benchmark: 20 contracts × 15 service levels, a month and a
/// half of generated evidence, figures computed by live detection; then
/// `GET /metrics` timed at the daemon's HTTP server. Run it with
/// `cargo test --release --test metrics_prometheus -- --ignored --nocapture scrape_benchmark`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run in release with --ignored"]
async fn scrape_benchmark() {
    use slawatch::generate::{ContractShape, GenerateOptions, generate};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let config =
        slawatch::config::parse(&fifteen_level_config(dir.path(), 20), "bench.toml").unwrap();
    let levels: usize = config
        .contracts
        .iter()
        .map(|c| c.service_levels.len())
        .sum();
    assert_eq!((config.contracts.len(), levels), (20, 300));
    let now = Utc::now();
    let this_month = slawatch::domain::Period::of(now, chrono_tz::Europe::London);
    let shapes: Vec<ContractShape> = config
        .contracts
        .iter()
        .map(ContractShape::from_contract)
        .collect();
    let csv = dir.path().join("csv");
    generate(
        &shapes,
        &GenerateOptions {
            seed: 7,
            incidents: 60_000,
            first_month: this_month.prev(),
            months: 2,
            out_dir: csv.clone(),
        },
    )
    .unwrap();
    let store = slawatch::store::Store::open(&config.daemon.database_url)
        .await
        .unwrap();
    let mut ignore = |_: &slawatch::import::Rejection| {};
    for f in slawatch::generate::FILES {
        slawatch::import::import_file(
            &store,
            &config.contracts,
            &csv.join(f),
            &slawatch::import::Writer::source("cli"),
            &config.limits,
            now.timestamp(),
            &mut ignore,
        )
        .await
        .unwrap();
    }
    let deps = slawatch::daemon::Deps::new(config, store).unwrap();
    let clock = std::time::Instant::now();
    slawatch::daemon::live::detect_once(&deps, now)
        .await
        .unwrap();
    let detection = clock.elapsed();
    // The second run evaluates the current months only (last months are cached).
    let clock = std::time::Instant::now();
    slawatch::daemon::live::detect_once(&deps, now)
        .await
        .unwrap();
    let detection_again = clock.elapsed();
    let clock = std::time::Instant::now();
    deps.metrics.publish(&deps.config, &deps.store, now).await;
    let publish = clock.elapsed();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn(slawatch::http::serve(
        listener,
        slawatch::web::router(deps.clone()),
        deps.clone(),
        shutdown.clone(),
    ));
    let mut auth = reqwest::header::HeaderMap::new();
    auth.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {SCRAPE_TOKEN}").parse().unwrap(),
    );
    let client = reqwest::Client::builder()
        .default_headers(auth)
        .build()
        .unwrap();
    let url = format!("http://{addr}/metrics");
    let text = get(&client, &url).await.unwrap();
    let series = text.lines().filter(|l| !l.starts_with('#')).count();
    let mut in_process = Vec::new();
    let mut over_http = Vec::new();
    let mut store_reads = Vec::new();
    for _ in 0..200 {
        let clock = std::time::Instant::now();
        deps.store.all_source_states().await.unwrap();
        store_reads.push(clock.elapsed());
        let clock = std::time::Instant::now();
        let body = deps
            .metrics
            .render(
                &deps.config,
                &deps.store,
                deps.leadership.is_leader(),
                Utc::now(),
            )
            .await;
        in_process.push(clock.elapsed());
        assert!(!body.is_empty());
        let clock = std::time::Instant::now();
        let body = get(&client, &url).await.unwrap();
        over_http.push(clock.elapsed());
        assert!(!body.is_empty());
    }
    shutdown.cancel();
    server.await.unwrap().unwrap();
    let stats = |v: &mut Vec<Duration>| {
        v.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        (
            ms(v[v.len() / 2]),
            ms(v[v.len() * 99 / 100]),
            ms(v[v.len() - 1]),
        )
    };
    let (p50, p99, max) = stats(&mut in_process);
    let (h50, h99, hmax) = stats(&mut over_http);
    let (s50, s99, smax) = stats(&mut store_reads);
    eprintln!(
        "scrape benchmark: 20 contracts × 15 service levels, {series} series, {} KiB\n  \
         render at the daemon: median {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms\n  \
         GET /metrics over loopback HTTP: median {h50:.2} ms, p99 {h99:.2} ms, max {hmax:.2} ms\n  \
         of which the live store read (source states): median {s50:.2} ms, p99 {s99:.2} ms, max {smax:.2} ms\n  \
         live detection (20 contracts): first run {:.0} ms (with last months), then {:.0} ms, \
         of which rendering the figures for scrapes {:.0} ms",
        text.len() / 1024,
        detection.as_secs_f64() * 1000.0,
        detection_again.as_secs_f64() * 1000.0,
        publish.as_secs_f64() * 1000.0,
    );
    if !cfg!(debug_assertions) {
        assert!(h50 < 20.0, "a scrape took {h50:.2} ms (median)");
    }
}

/// Two daemons on one PostgreSQL store, as the high-availability set-up of
/// docs/book/src/operators/postgresql.md runs them, both scraped by one real Prometheus:
/// every contract
/// and feed figure is counted once (the leader's), while each daemon still
/// exports its own build and leadership.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_daemons_scraped_by_a_real_prometheus_count_each_figure_once() {
    if !slawatch::store::testing::postgres_or_skip("two_daemons_scraped…") {
        return;
    }
    require_tool("prometheus");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let url = slawatch::store::testing::database_url(&dir.path().join("two.db"));
    let config = |name: &str, port: u16| {
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(
            &path,
            format!(
                r#"[daemon]
database_url = "{url}"
data_dir = "{data}"
listen = "127.0.0.1:{port}"

[[contracts]]
id = "acme"
supplier = "Acme Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "125000.00"
managers = ["contracts@council.example"]

  [[contracts.service_levels]]
  id = "p1-resolution"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  target_percent = 95.0

[[sources]]
id = "acme-push"
contract = "acme"
kind = "webhook"
token_env = "METRICS_TEST_PUSH_TOKEN"

[[api_tokens]]
name = "prometheus"
role = "viewer"
token_env = "METRICS_TEST_SCRAPE_TOKEN"
"#,
                data = dir.path().join(format!("data-{name}")).display(),
            ),
        )
        .unwrap();
        path
    };
    let daemon = |name: &str, port: u16| {
        Process::spawn(
            Command::new(bin())
                .arg("--config")
                .arg(config(name, port))
                .arg("run")
                .env("METRICS_TEST_PUSH_TOKEN", PUSH_TOKEN)
                .env("METRICS_TEST_SCRAPE_TOKEN", SCRAPE_TOKEN),
            &dir.path().join(format!("{name}.log")),
        )
    };
    let ready = |port: u16| {
        let client = client.clone();
        async move {
            get(&client, &format!("http://127.0.0.1:{port}/readyz"))
                .await
                .unwrap_or_default()
        }
    };
    let (port_a, port_b) = (free_port(), free_port());
    let _a = daemon("a", port_a);
    wait_for("daemon a to lead", Duration::from_secs(30), || async {
        ready(port_a).await == "ready (leader)\n"
    })
    .await;
    let _b = daemon("b", port_b);
    wait_for("daemon b to stand by", Duration::from_secs(30), || async {
        ready(port_b).await == "ready (standby)\n"
    })
    .await;

    // One P1 incident, opened 5 hours ago and still open: breached.
    let opened =
        (Utc::now() - chrono::Duration::hours(5)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let pushed = client
        .post(format!("http://127.0.0.1:{port_b}/api/v1/records"))
        .bearer_auth(PUSH_TOKEN)
        .header("content-type", "application/x-ndjson")
        .body(format!(
            "{}\n",
            json!({"type": "incident", "id": "INC-1", "contract": "acme", "priority": "P1",
                   "opened_at": opened})
        ))
        .send()
        .await
        .unwrap();
    assert!(
        pushed.status().is_success(),
        "{}",
        pushed.text().await.unwrap()
    );

    let prom_port = free_port();
    let token_file = dir.path().join("slawatch-token");
    std::fs::write(&token_file, SCRAPE_TOKEN).unwrap();
    let prom_cfg = dir.path().join("prometheus.yml");
    std::fs::write(
        &prom_cfg,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: slawatch\n    authorization:\n      credentials_file: {}\n    static_configs:\n      - targets: [\"127.0.0.1:{port_a}\", \"127.0.0.1:{port_b}\"]\n",
            token_file.display()
        ),
    )
    .unwrap();
    let _prometheus = Process::spawn(
        Command::new("prometheus")
            .arg(format!("--config.file={}", prom_cfg.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .arg("--log.level=warn"),
        &dir.path().join("prometheus.log"),
    );
    let prom = format!("http://127.0.0.1:{prom_port}");
    let value = |expr: &'static str| {
        let client = client.clone();
        let prom = prom.clone();
        async move {
            let series = promql(&client, &prom, expr).await.ok()?;
            let [one] = series.as_slice() else {
                return None;
            };
            one["value"][1].as_str()?.parse::<f64>().ok()
        }
    };
    // Both daemons scraped, each at least twice, after detection saw the incident.
    wait_for(
        "two targets scraped with the incident",
        Duration::from_secs(90),
        || async {
            value("count(count_over_time(slawatch_build_info[1m]) >= 2)").await == Some(2.0)
                && value("count(slawatch_open_incidents > 0)").await.is_some()
        },
    )
    .await;

    // Each daemon's own series: two builds, one leader.
    assert_eq!(value("count(slawatch_build_info)").await, Some(2.0));
    assert_eq!(value("sum(slawatch_leader)").await, Some(1.0));
    // The one contract's charge, GBP 125,000.00, once — not 250,000.
    assert_eq!(value("sum(slawatch_monthly_charge)").await, Some(125_000.0));
    // The one open P1 incident, once.
    assert_eq!(value("sum(slawatch_open_incidents)").await, Some(1.0));
    // The one configured source's health, once.
    assert_eq!(value("count(slawatch_source_up)").await, Some(1.0));
    // And all of it from the leader, a.
    let series = promql(&client, &prom, "slawatch_monthly_charge")
        .await
        .unwrap();
    assert_eq!(series.len(), 1, "{series:?}");
    assert_eq!(
        series[0]["metric"]["instance"],
        format!("127.0.0.1:{port_a}")
    );
}
