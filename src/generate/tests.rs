//! Checks over the written files: determinism, headers, counts and the
//! invariants every importer relies on.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::DateTime;

use super::incidents::{HOLD_HEADER, INCIDENT_HEADER};
use super::outages::OUTAGE_HEADER;
use super::work::{SUPPLIER_KPI_HEADER, WORK_ITEM_HEADER};
use super::*;
use crate::domain::time::format_utc;

fn options(seed: u64, incidents: u64, out_dir: &Path) -> GenerateOptions {
    GenerateOptions {
        seed,
        incidents,
        first_month: "2026-09".parse().unwrap(),
        months: 3,
        out_dir: out_dir.to_path_buf(),
    }
}

fn run(seed: u64, incidents: u64, contracts: usize) -> (tempfile::TempDir, GenerateSummary) {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(
        &synthetic_contracts(contracts),
        &options(seed, incidents, dir.path()),
    )
    .unwrap();
    (dir, summary)
}

/// The header and rows of a generated file, as maps from column to value.
fn read(dir: &Path, name: &str) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut r = csv::Reader::from_path(dir.join(name)).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect();
    (header, rows)
}

/// Parses a generated instant, insisting on the `YYYY-MM-DDTHH:MM:SSZ` form.
fn instant(text: &str) -> i64 {
    let t = DateTime::parse_from_rfc3339(text).unwrap().to_utc();
    assert_eq!(format_utc(t), text, "not whole-second UTC");
    t.timestamp()
}

fn optional_instant(text: &str) -> Option<i64> {
    (!text.is_empty()).then(|| instant(text))
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    let (a, _) = run(7, 2_000, 3);
    let (b, _) = run(7, 2_000, 3);
    let (c, _) = run(8, 2_000, 3);
    for name in FILES {
        let bytes = |d: &tempfile::TempDir| std::fs::read(d.path().join(name)).unwrap();
        assert_eq!(bytes(&a), bytes(&b), "{name} differs for the same seed");
        assert_ne!(bytes(&a), bytes(&c), "{name} is the same for another seed");
    }
}

#[test]
fn headers_are_those_of_the_spec_and_counts_match_the_summary() {
    let (dir, summary) = run(1, 2_000, 4);
    let expected: [(&str, &[&str], u64); 5] = [
        ("incidents.csv", &INCIDENT_HEADER, summary.incidents),
        ("holds.csv", &HOLD_HEADER, summary.holds),
        ("outages.csv", &OUTAGE_HEADER, summary.outages),
        ("work_items.csv", &WORK_ITEM_HEADER, summary.work_items),
        (
            "supplier_kpis.csv",
            &SUPPLIER_KPI_HEADER,
            summary.supplier_kpis,
        ),
    ];
    for (name, header, count) in expected {
        let (h, rows) = read(dir.path(), name);
        assert_eq!(h, header, "{name}");
        assert_eq!(rows.len() as u64, count, "{name}");
        assert!(count > 0, "{name} is empty");
    }
    assert_eq!(
        INCIDENT_HEADER.join(","),
        "id,contract,priority,opened_at,service,responded_at,resolved_at,title,excused_reason"
    );
    assert_eq!(
        HOLD_HEADER.join(","),
        "incident_id,contract,start,end,reason"
    );
    assert_eq!(
        OUTAGE_HEADER.join(","),
        "id,contract,service,start,end,impact,planned,source"
    );
    assert_eq!(
        WORK_ITEM_HEADER.join(","),
        "id,contract,kind,opened_at,change_type,proactive"
    );
    assert_eq!(
        SUPPLIER_KPI_HEADER.join(","),
        "contract,service_level,period,attainment_percent"
    );
    assert_eq!(summary.incidents, 2_000);
    // 4 contracts × 3 months × 7 service levels.
    assert_eq!(summary.supplier_kpis, 84);
}

#[test]
fn incidents_and_holds_are_consistent_and_inside_the_period() {
    let shapes = synthetic_contracts(4);
    let (dir, _) = run(3, 2_000, 4);
    let opts = options(3, 2_000, dir.path());
    let windows: HashMap<&str, MonthBounds> = shapes
        .iter()
        .map(|s| {
            (
                s.id.as_str(),
                MonthBounds::new(opts.first_month, opts.months, s.timezone),
            )
        })
        .collect();

    let (_, incidents) = read(dir.path(), "incidents.csv");
    let mut seen = HashSet::new();
    let mut spans = HashMap::new();
    let (mut open, mut breached, mut p1, mut excused, mut tricky) = (0, 0, 0, 0, 0);
    for row in &incidents {
        let contract = row["contract"].as_str();
        let shape = shapes.iter().find(|s| s.id == contract).unwrap();
        assert!(
            seen.insert((contract, row["id"].clone())),
            "duplicate {}",
            row["id"]
        );
        assert!(row["id"].starts_with("INC") && row["id"].len() >= 10);
        let priority: crate::domain::Priority = row["priority"].parse().unwrap();
        assert!(shape.services.contains(&row["service"]));
        let w = &windows[contract];
        let opened = instant(&row["opened_at"]);
        assert!(w.start() <= opened && opened < w.end(), "{row:?}");
        let responded = optional_instant(&row["responded_at"]);
        let resolved = optional_instant(&row["resolved_at"]);
        if let Some(r) = responded {
            assert!(opened <= r && r < w.end(), "{row:?}");
            assert!(resolved.is_none_or(|v| r <= v), "{row:?}");
        }
        match resolved {
            Some(v) => {
                assert!(opened <= v && v < w.end(), "{row:?}");
                if v - opened > shape.target(priority).resolution_seconds {
                    breached += 1;
                }
            }
            None => open += 1,
        }
        p1 += usize::from(priority == crate::domain::Priority::P1);
        excused += usize::from(!row["excused_reason"].is_empty());
        tricky += usize::from(row["title"].starts_with('=') || row["title"].contains('"'));
        spans.insert(
            (contract.to_string(), row["id"].clone()),
            (opened, resolved),
        );
    }
    let n = incidents.len();
    let share = |k: usize| k as f64 / n as f64;
    assert!((0.005..0.05).contains(&share(open)), "open {open} of {n}");
    assert!(
        (0.03..0.25).contains(&share(breached)),
        "breached {breached} of {n}"
    );
    assert!((0.01..0.06).contains(&share(p1)), "P1 {p1} of {n}");
    assert!(excused > 0 && share(excused) < 0.02, "excused {excused}");
    assert!(tricky > 0);

    let (_, holds) = read(dir.path(), "holds.csv");
    assert!(
        (0.08..0.25).contains(&share(holds.len())),
        "holds {}",
        holds.len()
    );
    let mut awaiting_customer = 0;
    for row in &holds {
        let (opened, resolved) = spans[&(row["contract"].clone(), row["incident_id"].clone())];
        let start = instant(&row["start"]);
        let end = optional_instant(&row["end"]);
        assert!(opened <= start, "{row:?}");
        if let Some(e) = end {
            assert!(start <= e, "{row:?}");
        }
        if let Some(r) = resolved {
            let e = end.expect("a resolved incident's hold has ended");
            assert!(e <= r, "{row:?}");
        }
        assert!(["awaiting_customer", "awaiting_vendor"].contains(&row["reason"].as_str()));
        awaiting_customer += usize::from(row["reason"] == "awaiting_customer");
    }
    assert!(awaiting_customer * 2 > holds.len());
}

#[test]
fn outages_work_items_and_supplier_figures_are_well_formed() {
    let shapes = synthetic_contracts(2);
    let (dir, _) = run(5, 2_000, 2);
    let first: Period = "2026-09".parse().unwrap();
    let windows: HashMap<&str, MonthBounds> = shapes
        .iter()
        .map(|s| (s.id.as_str(), MonthBounds::new(first, 3, s.timezone)))
        .collect();

    let (_, outages) = read(dir.path(), "outages.csv");
    let mut ids = HashSet::new();
    for row in &outages {
        let w = &windows[row["contract"].as_str()];
        let (start, end) = (instant(&row["start"]), instant(&row["end"]));
        assert!(
            w.start() <= start && start < w.end() && start <= end,
            "{row:?}"
        );
        assert!(ids.insert(row["id"].clone()));
        assert!(row["id"].starts_with("OUT-0"));
        assert!(["full", "partial"].contains(&row["impact"].as_str()));
        assert!(["true", "false"].contains(&row["planned"].as_str()));
        assert!(["supplier-pack", "noc"].contains(&row["source"].as_str()));
    }
    // 2 contracts × 4 services × 3 months × 1.5 on average.
    assert!((20..=60).contains(&outages.len()), "{}", outages.len());

    let (_, items) = read(dir.path(), "work_items.csv");
    let mut kinds: HashMap<&str, usize> = HashMap::new();
    for row in &items {
        let w = &windows[row["contract"].as_str()];
        let opened = instant(&row["opened_at"]);
        assert!(w.start() <= opened && opened < w.end());
        *kinds.entry(row["kind"].as_str()).or_default() += 1;
        let change_type = row["change_type"].as_str();
        if row["kind"] == "change" {
            assert!(["standard", "normal", "emergency"].contains(&change_type));
        } else {
            assert_eq!(change_type, "");
        }
    }
    // About 0.3, 0.1 and 0.2–0.6 × the 2,000 incidents.
    assert!((550..=650).contains(&kinds["incident"]), "{kinds:?}");
    assert!((180..=220).contains(&kinds["problem"]), "{kinds:?}");
    assert!((400..=1_200).contains(&kinds["change"]), "{kinds:?}");

    let (_, kpis) = read(dir.path(), "supplier_kpis.csv");
    for row in &kpis {
        let shape = shapes.iter().find(|s| s.id == row["contract"]).unwrap();
        let level = shape
            .service_levels
            .iter()
            .find(|l| l.id == row["service_level"])
            .unwrap();
        let figure: f64 = row["attainment_percent"].parse().unwrap();
        assert!(level.target_percent <= figure && figure <= 100.0, "{row:?}");
        assert_eq!(
            row["attainment_percent"].split('.').nth(1).unwrap().len(),
            2
        );
        assert!(["2026-09", "2026-10", "2026-11"].contains(&row["period"].as_str()));
    }
}

#[test]
fn nothing_to_generate_writes_headers_only() {
    let (dir, summary) = run(1, 0, 0);
    assert_eq!(summary, GenerateSummary::default());
    for name in FILES {
        let (header, rows) = read(dir.path(), name);
        assert!(!header.is_empty() && rows.is_empty(), "{name}");
    }
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(1, 10, dir.path());
    opts.months = 0;
    assert!(generate(&synthetic_contracts(1), &opts).is_err());
}

#[test]
fn stamps_match_chrono() {
    let mut t = -86_400 * 400;
    while t < 4_200_000_000 {
        let expected = format_utc(DateTime::from_timestamp(t, 0).unwrap());
        assert_eq!(std::str::from_utf8(&stamp(t)).unwrap(), expected);
        t += 86_399 * 7 + 12_345;
    }
    assert_eq!(&stamp(0), b"1970-01-01T00:00:00Z");
    assert_eq!(&stamp(951_782_400), b"2000-02-29T00:00:00Z");
}

#[test]
fn sorted_uniform_draws_are_sorted_and_in_range() {
    let mut rng = rng(9, Stream::Incidents);
    for n in [1, 2, 10, 10_000] {
        let mut draws = SortedUniform::new(1_000, 2_000, n);
        let values: Vec<i64> = (0..n).map(|_| draws.next(&mut rng)).collect();
        assert!(values.windows(2).all(|p| p[0] <= p[1]));
        assert!(values.iter().all(|v| (1_000..2_000).contains(v)));
        if n == 10_000 {
            let below_half = values.iter().filter(|&&v| v < 1_500).count();
            assert!((4_700..5_300).contains(&below_half), "{below_half}");
        }
    }
}

/// `cargo test --release --lib generate::tests::million -- --ignored --nocapture`
#[test]
#[ignore = "benchmark: a million incidents"]
fn million() {
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let summary = generate(
        &synthetic_contracts(10),
        &options(42, 1_000_000, dir.path()),
    )
    .unwrap();
    let elapsed = started.elapsed();
    let bytes: u64 = FILES
        .iter()
        .map(|f| std::fs::metadata(dir.path().join(f)).unwrap().len())
        .sum();
    println!("{summary:?}\n{bytes} bytes in {elapsed:?}");
}
