//! Reconciling the supplier's own figures on generated evidence: a month of
//! seeded synthetic data is imported and measured, then supplier figures are
//! planted at known distances from each measurement. Exactly those further
//! than the tolerance (0.5 points) must come out as discrepancies, in the
//! report's data-quality section and as alerts, once.

mod common;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use common::{TestEnv, stderr};
use serde_json::Value;
use slawatch::daemon::Deps;
use slawatch::daemon::live::detect_once;
use slawatch::store::Store;

const AS_OF: &str = "2026-11-05T09:00:00Z";
/// Planted distances from the measurement, in percentage points, in turn.
const OFFSETS: [f64; 8] = [0.7, -0.3, -2.5, 0.0, 0.45, -0.9, 12.0, 0.55];

/// (contract, service level) → the planted offset.
type Planted = BTreeMap<(String, String), f64>;

#[tokio::test]
async fn planted_differences_beyond_the_tolerance_are_the_discrepancies() {
    let mut env = TestEnv::new();
    let out_dir = env.dir.path().join("generated");
    let out = env.run(&[
        "generate",
        "--out",
        out_dir.to_str().unwrap(),
        "--seed",
        "11",
        "--incidents",
        "6000",
        "--from",
        "2026-10",
        "--contracts",
        "3",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // From here on, the generated contracts' configuration.
    env.config = out_dir.join("slawatch.toml");
    let contracts: Vec<String> = slawatch::config::load(&env.config)
        .expect("generated config")
        .contracts
        .iter()
        .map(|c| c.id.clone())
        .collect();
    // Everything but the generator's own supplier figures: ours are planted.
    let files: Vec<std::path::PathBuf> = [
        "incidents.csv",
        "holds.csv",
        "outages.csv",
        "work_items.csv",
    ]
    .iter()
    .map(|f| out_dir.join(f))
    .collect();
    let paths: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
    let out = env.import(&paths);
    assert!(out.status.success(), "{}", stderr(&out));

    let mut kpis = String::from("contract,service_level,period,attainment_percent\n");
    let mut planted = Planted::new();
    let mut i = 0;
    for contract in &contracts {
        let r = env.report_json(contract, "2026-10", AS_OF);
        assert!(
            r["data_quality"]["discrepancies"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        for line in r["service_levels"].as_array().unwrap() {
            let Some(measured) = line["attainment_percent"].as_f64() else {
                continue;
            };
            let offset = OFFSETS[i % OFFSETS.len()];
            i += 1;
            let mut reported = measured + offset;
            let mut planted_offset = offset;
            if !(0.0..=100.0).contains(&reported) {
                reported = measured - offset;
                planted_offset = -offset;
            }
            let id = line["id"].as_str().unwrap().to_string();
            kpis.push_str(&format!("{contract},{id},2026-10,{reported:.3}\n"));
            planted.insert((contract.to_string(), id), planted_offset);
        }
    }
    assert!(planted.len() >= 15, "too few measured lines: {planted:?}");
    let kpi_file = env.file("supplier_kpis.csv", &kpis);
    let out = env.import(&[kpi_file.as_path()]);
    assert!(out.status.success(), "{}", stderr(&out));

    let beyond: Planted = planted
        .iter()
        .filter(|(_, off)| off.abs() > 0.5)
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    assert!(!beyond.is_empty() && beyond.len() < planted.len());

    // The report's data-quality section lists exactly the planted ones beyond
    // the tolerance, each with the planted difference.
    let mut found = Planted::new();
    for contract in &contracts {
        let r = env.report_json(contract, "2026-10", AS_OF);
        assert_eq!(r["data_quality"]["reconciliation_tolerance_points"], 0.5);
        for d in r["data_quality"]["discrepancies"].as_array().unwrap() {
            let key = (
                contract.to_string(),
                d["service_level"].as_str().unwrap().to_string(),
            );
            found.insert(key, d["difference_points"].as_f64().unwrap());
            // The line carries the supplier's figure too.
            assert_eq!(
                common::level(&r, d["service_level"].as_str().unwrap())["supplier_reported_percent"],
                d["supplier_reported_percent"]
            );
        }
    }
    assert_eq!(
        found.keys().collect::<Vec<_>>(),
        beyond.keys().collect::<Vec<_>>()
    );
    for (key, difference) in &found {
        assert!(
            (difference - beyond[key]).abs() < 0.0015,
            "{key:?}: {difference} against planted {}",
            beyond[key]
        );
    }

    // Live detection in November alerts each discrepancy of October once.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = slawatch::config::load(&env.config).expect("config");
    let store = Store::open(&config.daemon.database_url)
        .await
        .expect("store");
    let deps = Deps::new(config, store).expect("deps");
    let now: DateTime<Utc> = AS_OF.parse().unwrap();
    detect_once(&deps, now).await.unwrap();
    detect_once(&deps, now + chrono::Duration::minutes(1))
        .await
        .unwrap();
    let alerts: Vec<Value> = deps
        .store
        .due_alerts(i64::MAX, 1_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.alert.kind == "discrepancy")
        .map(|a| Value::String(a.alert.subject))
        .collect();
    assert_eq!(alerts.len(), beyond.len(), "{alerts:?}");
    assert!(alerts.iter().all(|s| {
        s.as_str()
            .unwrap()
            .contains("in 2026-10; slawatch measured")
    }));
}
