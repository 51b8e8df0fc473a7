//! Helpers for the metrics tests: processes that stop with the test, HTTP
//! polling, Prometheus's query API, and a small reading of PromQL so a
//! dashboard naming a metric or label the daemon does not export fails even
//! where the expression would still return something.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A loopback port free at the time of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed when the test ends (pass or fail), its output in a log file.
pub struct Process {
    child: Child,
    log: std::path::PathBuf,
}

impl Process {
    /// Starts `cmd` with stdout and stderr going to `log`.
    pub fn spawn(cmd: &mut Command, log: &Path) -> Process {
        let file = std::fs::File::create(log).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        Process {
            child,
            log: log.to_path_buf(),
        }
    }

    /// What it has written so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- {} ---\n{}", self.log.display(), self.log());
        }
    }
}

/// GET `url`; the body when the status is a success.
pub async fn get(client: &reqwest::Client, url: &str) -> Result<String, String> {
    let r = client.get(url).send().await.map_err(|e| e.to_string())?;
    let status = r.status();
    let body = r.text().await.map_err(|e| e.to_string())?;
    if status.is_success() {
        Ok(body)
    } else {
        Err(format!("{status}: {body}"))
    }
}

/// Polls `check` every 250 ms until it holds; panics after `timeout`.
pub async fn wait_for<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Runs an instant query through Prometheus's HTTP API; the result series.
pub async fn promql(
    client: &reqwest::Client,
    prometheus: &str,
    expr: &str,
) -> Result<Vec<Value>, String> {
    let url = format!("{prometheus}/api/v1/query?query={}", url_encode(expr));
    let body = get(client, &url).await?;
    let v: Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
    if v["status"] != "success" {
        return Err(body);
    }
    match &v["data"]["result"] {
        Value::Array(series) => Ok(series.clone()),
        // A scalar or string result: one value.
        other if !other.is_null() => Ok(vec![json_scalar(other)]),
        _ => Err(body),
    }
}

fn json_scalar(v: &Value) -> Value {
    serde_json::json!({ "metric": {}, "value": v })
}

/// Replaces `$name` and `${name}` with the variables' values.
pub fn substitute(text: &str, vars: &BTreeMap<String, String>) -> String {
    let mut names: Vec<&String> = vars.keys().collect();
    // Longest first, so `$contract` never eats the start of `$contract_x`.
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut out = text.to_string();
    for n in names {
        out = out.replace(&format!("${{{n}}}"), &vars[n]);
        out = out.replace(&format!("${n}"), &vars[n]);
    }
    out
}

/// Every `{{label}}` of a legend appears on at least one result series.
pub fn check_legend(legend: &str, result: &[Value]) -> Result<(), String> {
    let mut rest = legend;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or("unclosed {{ in legend")?;
        let label = after[..end].trim();
        if !result.iter().any(|s| s["metric"].get(label).is_some()) {
            return Err(format!("legend names label {label}, which no series has"));
        }
        rest = &after[end + 2..];
    }
    Ok(())
}

/// The metrics and label names a `/metrics` text exports.
#[derive(Debug, Default)]
pub struct Exposition {
    pub labels: BTreeMap<String, BTreeSet<String>>,
}

impl Exposition {
    /// Reads the text exposition format (sample lines only).
    pub fn parse(text: &str) -> Exposition {
        let mut e = Exposition::default();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let end = line.find(['{', ' ']).unwrap_or(line.len());
            let name = &line[..end];
            let labels = e.labels.entry(name.to_string()).or_default();
            if line[end..].starts_with('{') {
                let body = &line[end + 1..line.rfind('}').unwrap()];
                let mut chars = body.chars().peekable();
                loop {
                    let label: String = chars.by_ref().take_while(|c| *c != '=').collect();
                    if label.is_empty() {
                        break;
                    }
                    labels.insert(label.trim_start_matches(',').to_string());
                    // The quoted value.
                    assert_eq!(chars.next(), Some('"'), "{line}");
                    while let Some(c) = chars.next() {
                        match c {
                            '\\' => {
                                chars.next();
                            }
                            '"' => break,
                            _ => {}
                        }
                    }
                    if chars.peek() == Some(&',') {
                        chars.next();
                    }
                }
            }
        }
        e
    }

    /// Every `slawatch_*` metric an expression names is exported, with every
    /// label its selectors and grouping clauses name.
    pub fn check_expr(&self, expr: &str) -> Result<(), String> {
        let tokens = tokens(expr);
        let mut metrics = Vec::new();
        let mut grouping = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                Token::Ident(name) if name.starts_with("slawatch_") => {
                    let labels = self
                        .labels
                        .get(name)
                        .ok_or_else(|| format!("the daemon exports no metric {name}"))?;
                    metrics.push(name.clone());
                    if tokens.get(i + 1) == Some(&Token::Punct('{')) {
                        i += 2;
                        while i < tokens.len() && tokens[i] != Token::Punct('}') {
                            if let Token::Ident(label) = &tokens[i]
                                && tokens.get(i + 1).is_some_and(|t| matches!(t, Token::Op))
                                && !labels.contains(label)
                            {
                                return Err(format!("{name} has no label {label}"));
                            }
                            i += 1;
                        }
                    }
                }
                Token::Ident(word)
                    if [
                        "by",
                        "without",
                        "on",
                        "ignoring",
                        "group_left",
                        "group_right",
                    ]
                    .contains(&word.as_str())
                        && tokens.get(i + 1) == Some(&Token::Punct('(')) =>
                {
                    i += 2;
                    while i < tokens.len() && tokens[i] != Token::Punct(')') {
                        if let Token::Ident(label) = &tokens[i] {
                            grouping.push(label.clone());
                        }
                        i += 1;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        for label in grouping {
            if !metrics
                .iter()
                .any(|m| self.labels.get(m).is_some_and(|l| l.contains(&label)))
            {
                return Err(format!("groups by {label}, which none of {metrics:?} has"));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    /// `=`, `!=`, `=~`, `!~`.
    Op,
    Str,
    Punct(char),
}

fn tokens(expr: &str) -> Vec<Token> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
            {
                i += 1;
            }
            out.push(Token::Ident(chars[start..i].iter().collect()));
            continue;
        }
        if c.is_ascii_digit() {
            // Numbers and durations (1m) are not names.
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => {
                i += 1;
                while i < chars.len() && chars[i] != c {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                out.push(Token::Str);
            }
            '=' | '!' => {
                if matches!(chars.get(i + 1), Some('~') | Some('=')) {
                    i += 1;
                }
                out.push(Token::Op);
            }
            c if c.is_whitespace() => {}
            c => out.push(Token::Punct(c)),
        }
        i += 1;
    }
    out
}

/// Grafana's `label_values(selector, label)`: the label's values among the
/// selector's series, sorted.
pub async fn label_values(
    client: &reqwest::Client,
    prometheus: &str,
    definition: &str,
    exported: &Exposition,
) -> Vec<String> {
    let inner = definition
        .trim()
        .strip_prefix("label_values(")
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or_else(|| panic!("not label_values(…): {definition}"));
    let (selector, label) = inner
        .rsplit_once(',')
        .unwrap_or_else(|| panic!("label_values needs a selector: {definition}"));
    let label = label.trim();
    exported
        .check_expr(&format!("sum by ({label}) ({selector})"))
        .unwrap_or_else(|e| panic!("{definition}: {e}"));
    let series = promql(client, prometheus, selector)
        .await
        .unwrap_or_else(|e| panic!("{definition}: {e}"));
    let values: BTreeSet<String> = series
        .iter()
        .filter_map(|s| s["metric"][label].as_str().map(str::to_string))
        .collect();
    values.into_iter().collect()
}
