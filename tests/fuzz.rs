//! Every parser of outside input takes arbitrary bytes without panicking and
//! answers bad input with a clear error: interchange files (CSV and JSON
//! Lines, through the real importer into a real store), XLSX workbooks, the
//! configuration, ServiceNow's answers (through a real poll of a fake
//! instance that answers with the bytes given), and the bodies pushed to the
//! webhook and the Alertmanager receiver (through the daemon's real router). Inputs are random bytes, and real files with random
//! edits (bytes replaced, inserted, deleted), which reach far deeper than
//! random bytes do.
//!
//! The normal suite runs a few hundred cases per parser; the long run sets
//! `SLAWATCH_FUZZ_CASES` (docs/book/src/contributors/testing.md gives the command and its
//! figures).

mod common;
mod fake_servicenow;

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use slawatch::config::{Config, ImportLimits};
use slawatch::import::{FileInput, ImportError, Writer};
use slawatch::sources::inbox::xlsx;
use slawatch::store::Store;

/// Cases per parser: `SLAWATCH_FUZZ_CASES`, or 256.
fn cases() -> u32 {
    std::env::var("SLAWATCH_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

fn runner() -> TestRunner {
    TestRunner::new(ProptestConfig {
        cases: cases(),
        // A failure is reported as found; shrinking a store-backed case is slow.
        max_shrink_iters: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })
}

/// One edit of a seed file.
#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    /// The bytes cut off at this point (a half-written file).
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    // Bytes that matter to the formats come up more often than chance gives.
    let byte = prop_oneof![
        any::<u8>(),
        prop::sample::select(b",\"\n\r{}[]:\\-T Z0129.".to_vec()),
    ];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(at, b)| Edit::Replace(at, b)),
        (any::<usize>(), byte).prop_map(|(at, b)| Edit::Insert(at, b)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for e in edits {
        let len = bytes.len().max(1);
        match *e {
            Edit::Replace(at, b) if !bytes.is_empty() => bytes[at % len] = b,
            Edit::Insert(at, b) => bytes.insert(at % (bytes.len() + 1), b),
            Edit::Delete(at) if !bytes.is_empty() => {
                bytes.remove(at % len);
            }
            Edit::Truncate(at) => bytes.truncate(at % len),
            _ => {}
        }
    }
    bytes
}

/// Random bytes, or one of `seeds` with a few random edits.
fn input(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..600),
        4 => (prop::sample::select(seeds), prop::collection::vec(edit(), 1..6))
            .prop_map(|(seed, edits)| apply(&seed, &edits)),
    ]
}

const CSV_SEEDS: [&str; 5] = [
    "id,contract,priority,opened_at,responded_at,resolved_at,service,title\n\
     INC1,acme-managed-it,P1,2026-10-05T09:00:00Z,2026-10-05T09:10:00Z,2026-10-05T10:00:00Z,email,\"Mail, down\"\n\
     INC2,acme-managed-it,P3,2026-10-05 11:00,,2026-10-06 12:00,,\n",
    "incident_id,contract,start,end,reason\nINC1,acme-managed-it,2026-10-05T09:10:00Z,2026-10-05T09:20:00Z,awaiting_customer\n",
    "id,contract,service,start,end,impact,planned\nOUT1,acme-managed-it,email,2026-10-09T08:00:00Z,2026-10-09T11:00:00Z,full,false\n",
    "id,contract,kind,opened_at,change_type\nW1,acme-managed-it,change,2026-10-02T10:00:00Z,standard\n",
    "contract,service_level,period,attainment_percent\nacme-managed-it,p1-resolution,2026-10,97.5\n",
];

const JSON_LINES_SEED: &str = "\u{feff}{\"type\":\"incident\",\"id\":\"INC9\",\"contract\":\"acme-managed-it\",\"priority\":\"P1\",\"opened_at\":\"2026-10-05T09:00:00Z\"}\n\
{\"type\":\"hold\",\"incident_id\":\"INC9\",\"contract\":\"acme-managed-it\",\"start\":\"2026-10-05T09:10:00Z\",\"end\":\"2026-10-05T09:20:00Z\"}\n\
{\"type\":\"outage\",\"id\":\"O9\",\"contract\":\"acme-managed-it\",\"service\":\"email\",\"start\":\"2026-10-09T08:00:00Z\",\"impact\":\"partial\"}\n\
{\"type\":\"work_item\",\"id\":\"W9\",\"contract\":\"acme-managed-it\",\"kind\":\"problem\",\"opened_at\":\"2026-10-02T10:00:00Z\"}\n";

struct Importer {
    runtime: tokio::runtime::Runtime,
    store: Store,
    config: Config,
    limits: ImportLimits,
    _dir: tempfile::TempDir,
}

impl Importer {
    fn new() -> Importer {
        let dir = tempfile::tempdir().unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let url = slawatch::store::testing::database_url(&dir.path().join("fuzz.db"));
        let text = format!("[daemon]\ndatabase_url = \"{url}\"\n{}", common::CONTRACT);
        let config = slawatch::config::parse(&text, "fuzz.toml").unwrap();
        let store = runtime.block_on(Store::open(&url)).unwrap();
        Importer {
            runtime,
            store,
            config,
            // Small, so the bounded paths are reached too.
            limits: ImportLimits {
                max_record_bytes: 300,
                ..ImportLimits::default()
            },
            _dir: dir,
        }
    }

    /// Imports `bytes` as the file `name`; checks what came back is an
    /// answer a person could act on.
    fn import(&self, name: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
        let mut rejections = Vec::new();
        let mut on_reject = |r: &slawatch::import::Rejection| rejections.push(r.clone());
        let input = FileInput {
            label: name,
            path: Path::new(name),
            reader: bytes,
        };
        let outcome = self.runtime.block_on(slawatch::import::import_read(
            &self.store,
            &self.config.contracts,
            input,
            &Writer::source("fuzz"),
            &self.limits,
            1_791_190_800,
            &mut on_reject,
        ));
        match outcome {
            Ok(_) => {}
            Err(e @ ImportError::Unrecognised { .. }) => {
                let text = e.to_string();
                prop_assert!(
                    text.starts_with(name) && text.len() > name.len() + 2,
                    "{text}"
                );
            }
            Err(e) => prop_assert!(false, "not a clear refusal: {e}"),
        }
        for r in &rejections {
            prop_assert_eq!(&r.file, name);
            prop_assert!(r.line >= 1, "{r}");
            prop_assert!(!r.reason.trim().is_empty(), "{r}");
        }
        Ok(())
    }
}

#[test]
fn csv_files_of_any_bytes_are_imported_or_refused_clearly() {
    let importer = Importer::new();
    let seeds = CSV_SEEDS.iter().map(|s| s.as_bytes().to_vec()).collect();
    runner()
        .run(&input(seeds), |bytes| importer.import("pack.csv", &bytes))
        .unwrap();
}

#[test]
fn json_lines_of_any_bytes_are_imported_or_refused_clearly() {
    let importer = Importer::new();
    let seeds = vec![JSON_LINES_SEED.as_bytes().to_vec()];
    runner()
        .run(&input(seeds), |bytes| importer.import("feed.jsonl", &bytes))
        .unwrap();
}

/// A real workbook (as Excel and rust_xlsxwriter write it: deflated parts).
fn workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let rows = [
        ["id", "contract", "priority", "opened_at"],
        ["INC1", "acme-managed-it", "P1", "2026-10-05T09:00:00Z"],
        ["INC2", "acme-managed-it", "P3", "2026-10-06 09:00"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *text).unwrap();
        }
    }
    sheet.write_number(3, 0, 42.5).unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn workbooks_of_any_bytes_are_read_or_refused_clearly() {
    let seeds = vec![workbook()];
    let columns = BTreeMap::new();
    runner()
        .run(&input(seeds), |bytes| {
            match xlsx::read(
                Cursor::new(bytes),
                Path::new("pack.xlsx"),
                &columns,
                1 << 20,
            ) {
                Ok(records) => {
                    for r in records {
                        prop_assert!(r.line >= 2);
                    }
                }
                Err(xlsx::ReadError::Refused(reason)) => {
                    prop_assert!(!reason.trim().is_empty())
                }
                Err(xlsx::ReadError::Io(e)) => prop_assert!(false, "reading memory failed: {e}"),
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn configurations_of_any_text_are_loaded_or_refused_with_every_problem_named() {
    let seeds = vec![
        include_bytes!("../config/slawatch.toml").to_vec(),
        common::CONTRACT.as_bytes().to_vec(),
    ];
    runner()
        .run(&input(seeds), |bytes| {
            let text = String::from_utf8_lossy(&bytes);
            if let Err(e) = slawatch::config::parse(&text, "fuzz.toml") {
                prop_assert!(!e.problems.is_empty());
                for p in &e.problems {
                    prop_assert!(!p.key.trim().is_empty(), "{p:?}");
                    prop_assert!(!p.message.trim().is_empty(), "{p:?}");
                }
            }
            Ok(())
        })
        .unwrap();
}

/// A page of the Table API as an instance sends it, for each table a poll
/// reads: incidents, their audit history, and SLA records.
const SERVICENOW_SEEDS: [(&str, &str); 3] = [
    (
        "incident",
        r#"{"result":[{"sys_id":"a1","number":"INC0010001","priority":"1","state":"6","opened_at":"2026-10-05 09:00:00","resolved_at":"2026-10-05 12:00:00","closed_at":"","short_description":"Mail down","business_service":"e9f0","business_service.name":"Email","sys_updated_on":"2026-10-05 12:00:01","assignment_group.name":"Acme Service Desk"}]}"#,
    ),
    (
        "sys_audit",
        r#"{"result":[{"documentkey":"a1","fieldname":"state","oldvalue":"1","newvalue":"3","sys_created_on":"2026-10-05 09:10:00","record_checkpoint":"2"},{"documentkey":"a1","fieldname":"hold_reason","oldvalue":"","newvalue":"4","sys_created_on":"2026-10-05 09:10:00","record_checkpoint":"2"},{"documentkey":"a1","fieldname":"state","oldvalue":"3","newvalue":"2","sys_created_on":"2026-10-05 10:00:00","record_checkpoint":"3"}]}"#,
    ),
    (
        "task_sla",
        r#"{"result":[{"sys_id":"t1","task":"a1","task.number":"INC0010001","sla":"s9","sla.name":"P1 resolution","stage":"completed","has_breached":"true","start_time":"2026-10-05 09:00:00","end_time":"2026-10-05 12:00:00","planned_end_time":"2026-10-05 13:00:00","business_duration":"1970-01-01 03:00:00","pause_duration":"1970-01-01 00:00:00","sys_updated_on":"2026-10-05 12:00:02"}]}"#,
    ),
];

#[test]
fn servicenow_answers_of_any_bytes_are_stored_or_refused_clearly() {
    use fake_servicenow::{FakeServiceNow, Scripted};
    use slawatch::sources::servicenow::{self, Options};

    const PASSWORD_ENV: &str = "SLAWATCH_FUZZ_SNOW_PASSWORD";
    const SECRET: &str = "Fuzz-Secret-9876";
    // SAFETY: this binary's only test that reads the environment after
    // start, and it sets the variable before reading it.
    unsafe { std::env::set_var(PASSWORD_ENV, SECRET) };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let fake = runtime.block_on(FakeServiceNow::start("slawatch", SECRET));
    let url = slawatch::store::testing::database_url(&dir.path().join("snow.db"));
    let text = format!(
        "[daemon]\ndatabase_url = \"{url}\"\n{}\n\
         [[sources]]\nid = \"snow\"\ncontract = \"acme-managed-it\"\nkind = \"servicenow\"\n\
         base_url = \"{}\"\nusername = \"slawatch\"\npassword_env = \"{PASSWORD_ENV}\"\nschedule = \"0 */5 * * * *\"\n\
         priority_map = {{ \"1\" = \"P1\", \"3\" = \"P3\" }}\nservice_field = \"business_service\"\n\
         service_map = {{ \"Email\" = \"email\" }}\n",
        common::CONTRACT,
        fake.url
    );
    let config = slawatch::config::parse(&text, "fuzz.toml").unwrap();
    let store = runtime.block_on(Store::open(&url)).unwrap();
    let deps = slawatch::daemon::Deps::new(config, store).unwrap();
    let source = deps.config.sources[0].clone();
    let slawatch::config::SourceKind::ServiceNow(cfg) = source.kind.clone() else {
        panic!("a ServiceNow source")
    };
    let options = Options {
        attempts: 1,
        request_timeout: std::time::Duration::from_secs(5),
        ..Options::default()
    };
    // The incident the audit history and SLA records belong to.
    fake.put_json(
        "incident",
        &SERVICENOW_SEEDS[0]
            .1
            .replace("{\"result\":", "")
            .replace("]}", "]"),
    );
    let strategy = (0..SERVICENOW_SEEDS.len()).prop_flat_map(|table| {
        let seed = SERVICENOW_SEEDS[table].1.as_bytes().to_vec();
        (Just(table), input(vec![seed]))
    });
    let now = std::sync::atomic::AtomicI64::new(1_791_190_800);
    let (stored, refused) = (AtomicUsize::new(0), AtomicUsize::new(0));
    runner()
        .run(&strategy, |(table, body)| {
            fake.script(SERVICENOW_SEEDS[table].0, &[Scripted::Body(body)]);
            let at = now.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let polled = runtime.block_on(servicenow::poll_once(
                &deps.for_sources(),
                &source,
                &cfg,
                &options,
                chrono::DateTime::from_timestamp(at, 0).unwrap(),
            ));
            // A poll that did not reach the scripted table leaves its answer
            // queued: cleared, so each case answers its own.
            fake.clear_script();
            match &polled {
                Ok(_) => stored.fetch_add(1, Ordering::Relaxed),
                Err(_) => refused.fetch_add(1, Ordering::Relaxed),
            };
            if let Err(e) = polled {
                let text = e.to_string();
                prop_assert!(!text.trim().is_empty());
                prop_assert!(!text.contains(SECRET), "the secret in an error: {text}");
            }
            Ok(())
        })
        .unwrap();
    // Both ways were taken: the edits reach past the JSON parser.
    assert!(stored.into_inner() > 0 && refused.into_inner() > 0);
}

const WEBHOOK_SEED: &str = r#"[{"type":"incident","id":"W1","contract":"acme-managed-it","priority":"P1","opened_at":"2026-10-05T09:00:00Z","resolved_at":"2026-10-05T10:00:00Z"},{"type":"outage","id":"O1","contract":"acme-managed-it","service":"email","start":"2026-10-05T09:00:00Z","impact":"full"}]"#;

const ALERTMANAGER_SEED: &str = r#"{"version":"4","status":"resolved","receiver":"slawatch","alerts":[{"status":"resolved","labels":{"alertname":"EmailDown","service":"email","severity":"critical"},"annotations":{},"startsAt":"2026-10-12T10:00:00.123456789Z","endsAt":"2026-10-12T11:30:00Z","generatorURL":"http://127.0.0.1:9090/graph","fingerprint":"a1b2c3d4e5f60718"}]}"#;

#[test]
fn pushed_bodies_of_any_bytes_are_stored_or_refused_clearly() {
    use tower::ServiceExt as _;

    const PUSH: &str = "fuzz-push-token-1234";
    const NOC: &str = "fuzz-noc-token-5678";
    // SAFETY: set before any thread of this test reads them; the other
    // tests of this binary read no variable of these names.
    unsafe {
        std::env::set_var("SLAWATCH_FUZZ_PUSH_TOKEN", PUSH);
        std::env::set_var("SLAWATCH_FUZZ_NOC_TOKEN", NOC);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "{}\n[[sources]]\nid = \"push\"\ncontract = \"acme-managed-it\"\nkind = \"webhook\"\n\
         token_env = \"SLAWATCH_FUZZ_PUSH_TOKEN\"\n\n[[sources]]\nid = \"noc\"\n\
         contract = \"acme-managed-it\"\nkind = \"alertmanager\"\ntoken_env = \"SLAWATCH_FUZZ_NOC_TOKEN\"\n\
         service_label = \"service\"\n",
        common::CONTRACT
    );
    let deps = runtime.block_on(common::daemon_deps(&dir, &config));
    let router = slawatch::http::router(deps);
    let endpoints = [
        ("/api/v1/records", PUSH, WEBHOOK_SEED),
        ("/api/v1/alertmanager/noc", NOC, ALERTMANAGER_SEED),
    ];
    let strategy = (0..endpoints.len()).prop_flat_map(move |e| {
        let seed = endpoints[e].2.as_bytes().to_vec();
        (Just(e), input(vec![seed]))
    });
    let (stored, refused) = (AtomicUsize::new(0), AtomicUsize::new(0));
    runner()
        .run(&strategy, |(e, body)| {
            let (path, token, _) = endpoints[e];
            let request = axum::http::Request::post(path)
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body))
                .unwrap();
            let (status, answer) = runtime.block_on(async {
                let response = router.clone().oneshot(request).await.unwrap();
                let status = response.status().as_u16();
                let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                    .await
                    .unwrap();
                (status, serde_json::from_slice::<serde_json::Value>(&bytes))
            });
            // Stored (with its refused lines listed), or refused with a reason.
            let answer =
                answer.map_err(|e| TestCaseError::fail(format!("{status}: not JSON: {e}")))?;
            match status {
                200 => {
                    stored.fetch_add(1, Ordering::Relaxed);
                    for line in answer["rejections"].as_array().into_iter().flatten() {
                        prop_assert!(line["line"].as_i64().is_some_and(|l| l >= 1), "{line}");
                        prop_assert!(
                            line["reason"]
                                .as_str()
                                .is_some_and(|r| !r.trim().is_empty()),
                            "{line}"
                        );
                    }
                }
                400 | 413 | 422 => {
                    refused.fetch_add(1, Ordering::Relaxed);
                    prop_assert!(
                        answer["error"]
                            .as_str()
                            .is_some_and(|r| !r.trim().is_empty()),
                        "{answer}"
                    );
                }
                other => prop_assert!(false, "{path} answered {other}: {answer}"),
            }
            Ok(())
        })
        .unwrap();
    // Both ways were taken: the edits reach past the JSON parser.
    assert!(stored.into_inner() > 0 && refused.into_inner() > 0);
}
