//! The probe source against a real HTTP service on loopback whose answer the
//! test flips, with a real SQLite store, one check at a time. Checks are 30 s
//! apart from 2026-10-05T09:00:00Z; the probe opens an outage after 3
//! failures in a row and closes it after 2 successes.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use chrono::DateTime;
use slawatch::config::{Config, ProbeSource, SourceConfig, SourceKind};
use slawatch::daemon::Deps;
use slawatch::domain::Outage;
use slawatch::sources::probe::{OutageChange, ProbeOutcome, check_once};
use slawatch::store::Store;
use tempfile::TempDir;

/// 2026-10-05T09:00:00Z.
const T0: i64 = 1_791_190_800;

/// The time of check `n` (0-based).
fn at(n: i64) -> i64 {
    T0 + 30 * n
}

/// The service's answer, set by the test.
#[derive(Clone, Default)]
struct Service {
    status: Arc<AtomicU16>,
    delay_ms: Arc<AtomicU64>,
}

impl Service {
    fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
        self.delay_ms.store(0, Ordering::SeqCst);
    }

    fn hang(&self) {
        self.delay_ms.store(3_000, Ordering::SeqCst);
    }
}

async fn healthz(State(service): State<Service>) -> (StatusCode, &'static str) {
    let delay = service.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    (
        StatusCode::from_u16(service.status.load(Ordering::SeqCst)).unwrap(),
        "mail ok",
    )
}

struct Env {
    /// Holds the store's folder for the test's lifetime.
    _dir: TempDir,
    service: Service,
    config: Config,
    deps: Deps,
    source: SourceConfig,
    probe: ProbeSource,
}

impl Env {
    async fn new() -> Env {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let service = Service::default();
        service.answer(200);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let app = Router::new()
            .route("/healthz", get(healthz))
            // 8 MiB of filler, then the expected text.
            .route(
                "/endless",
                get(|| async {
                    let mut body = vec![b'x'; 8 << 20];
                    body.extend_from_slice(b"mail ok");
                    body
                }),
            )
            .with_state(service.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });

        let dir = tempfile::tempdir().expect("temporary folder");
        let text = format!(
            "[daemon]\ndatabase_url = \"{}\"\n{}\n\
             [[sources]]\nid = \"email-probe\"\ncontract = \"acme-managed-it\"\nkind = \"probe\"\n\
             service = \"email\"\nurl = \"http://127.0.0.1:{port}/healthz\"\ninterval = \"30s\"\n\
             timeout = \"1s\"\nexpect_status = 200\nfail_after = 3\nrecover_after = 2\n",
            slawatch::store::testing::database_url(&dir.path().join("slawatch.db")),
            common::CONTRACT,
        );
        let config = slawatch::config::parse(&text, "test.toml").expect("valid config");
        let source = config.sources[0].clone();
        let SourceKind::Probe(probe) = source.kind.clone() else {
            panic!("a probe source");
        };
        let deps = open(&config).await;
        Env {
            _dir: dir,
            service,
            config,
            deps,
            source,
            probe,
        }
    }

    async fn check(&self, n: i64) -> ProbeOutcome {
        check_once(&self.deps.for_sources(), &self.source, &self.probe, at(n))
            .await
            .expect("check")
    }

    /// Checks `n` onwards with these statuses; returns the changes with the
    /// check that made them.
    async fn checks(&self, from: i64, statuses: &[u16]) -> Vec<(i64, OutageChange)> {
        let mut changes = Vec::new();
        for (i, &status) in statuses.iter().enumerate() {
            let n = from + i as i64;
            self.service.answer(status);
            let outcome = self.check(n).await;
            assert_eq!(outcome.up, status == 200, "check {n}: {outcome:?}");
            changes.extend(outcome.change.map(|c| (n, c)));
        }
        changes
    }

    /// A restart: the store opened again, with fresh shared parts.
    async fn restart(&mut self) {
        self.deps.store.close().await;
        self.deps = open(&self.config).await;
    }

    async fn outages(&self) -> Vec<Outage> {
        self.deps
            .store
            .month_evidence(
                "acme-managed-it",
                "2026-10".parse().unwrap(),
                chrono_tz::Europe::London,
                DateTime::from_timestamp(at(100), 0).unwrap(),
                None,
            )
            .await
            .expect("evidence")
            .outages
    }
}

async fn open(config: &Config) -> Deps {
    let store = Store::open(&config.daemon.database_url)
        .await
        .expect("store");
    Deps::new(config.clone(), store).expect("deps")
}

fn opened(start: i64) -> OutageChange {
    OutageChange::Opened {
        id: format!("email-probe-{start}"),
        start,
    }
}

fn closed(start: i64, end: i64) -> OutageChange {
    OutageChange::Closed {
        id: format!("email-probe-{start}"),
        end,
    }
}

#[tokio::test]
async fn flapping_never_opens_an_outage() {
    let env = Env::new().await;
    // Never three failures in a row.
    let changes = env
        .checks(0, &[500, 200, 500, 200, 503, 503, 200, 500])
        .await;
    assert_eq!(changes, vec![]);
    assert!(env.outages().await.is_empty());
    let state = env.deps.store.probe_state("email-probe").await.unwrap();
    assert_eq!(state.consecutive_failures, 1);
    assert_eq!(state.open_outage_id, None);
    assert_eq!(
        state.last_result.as_deref(),
        Some("down: status 500 Internal Server Error (expected 200)")
    );
}

#[tokio::test]
async fn three_failures_open_from_the_first_and_two_successes_close_from_the_first() {
    let env = Env::new().await;
    // 0 up; 1, 2, 3 down → opens at check 3, starting at check 1.
    // 4 up, 5 down (the recovery starts over), 6, 7 up → closes at 7, ending at 6.
    let changes = env
        .checks(0, &[200, 500, 502, 503, 200, 500, 200, 200, 200])
        .await;
    assert_eq!(changes, vec![(3, opened(at(1))), (7, closed(at(1), at(6)))]);

    let outages = env.outages().await;
    assert_eq!(outages.len(), 1, "{outages:?}");
    let o = &outages[0];
    assert_eq!(o.id, format!("email-probe-{}", at(1)));
    assert_eq!(o.service, "email");
    assert_eq!(o.start.timestamp(), T0 + 30); // 09:00:30Z
    assert_eq!(o.end.map(|e| e.timestamp()), Some(T0 + 180)); // 09:03:00Z
    assert!(!o.planned);
    assert_eq!(o.source.as_deref(), Some("email-probe"));

    // Each check's health is the probe's own: recorded, so a success.
    let health = env
        .deps
        .store
        .source_state("email-probe", "")
        .await
        .unwrap();
    assert_eq!(health.last_success_at, Some(at(8)));
    assert_eq!(health.consecutive_failures, 0);
}

#[tokio::test]
async fn a_timeout_counts_as_a_failure() {
    let env = Env::new().await;
    env.service.hang();
    let outcome = env.check(0).await;
    assert!(!outcome.up);
    assert_eq!(outcome.detail, "no answer within 1s");
    // Two refusals more: the outage starts at the timed-out check.
    let changes = env.checks(1, &[503, 503]).await;
    assert_eq!(changes, vec![(2, opened(T0))]);
    let outages = env.outages().await;
    assert_eq!(outages[0].start.timestamp(), T0);
    assert_eq!(outages[0].end, None);
}

#[tokio::test]
async fn the_state_survives_a_restart() {
    let mut env = Env::new().await;
    // Two failures, a restart, a third: the outage starts at the first.
    assert_eq!(env.checks(0, &[500, 500]).await, vec![]);
    env.restart().await;
    assert_eq!(env.checks(2, &[500]).await, vec![(2, opened(at(0)))]);

    // One success, a restart, another: closed, ending at the first success.
    assert_eq!(env.checks(3, &[200]).await, vec![]);
    env.restart().await;
    assert_eq!(env.checks(4, &[200]).await, vec![(4, closed(at(0), at(3)))]);
    let outages = env.outages().await;
    assert_eq!(outages.len(), 1);
    assert_eq!(
        (
            outages[0].start.timestamp(),
            outages[0].end.map(|e| e.timestamp())
        ),
        (at(0), Some(at(3)))
    );

    // A new run of failures opens a second outage of its own.
    env.restart().await;
    assert_eq!(
        env.checks(5, &[500, 500, 500]).await,
        vec![(7, opened(at(5)))]
    );
    assert_eq!(env.outages().await.len(), 2);
}

#[tokio::test]
async fn an_expected_body_must_be_there_to_count_as_up() {
    let mut env = Env::new().await;
    env.probe.expect_body = Some("mail ok".into());
    let up = env.check(0).await;
    assert!(up.up, "{}", up.detail);
    env.probe.expect_body = Some("database ok".into());
    let down = env.check(1).await;
    assert!(!down.up);
    assert!(
        down.detail.contains("the body lacks 'database ok'"),
        "{}",
        down.detail
    );
}

#[tokio::test]
async fn a_probe_reads_at_most_a_mebibyte_of_an_answer() {
    let mut env = Env::new().await;
    // The service may be the supplier's: an answer of any length must not
    // fill the daemon's memory. The text comes after 8 MiB: not read.
    env.probe.url = env.probe.url.replace("/healthz", "/endless");
    env.probe.expect_body = Some("mail ok".into());
    let down = env.check(0).await;
    assert!(!down.up);
    assert!(
        down.detail
            .contains("the body lacks 'mail ok' (in its first 1048576 bytes, the most read)"),
        "{}",
        down.detail
    );
    // Found at once, it counts without the rest being read.
    env.probe.expect_body = Some("xxxx".into());
    assert!(env.check(1).await.up);
}
