//! `work_items.csv` and `supplier_kpis.csv`.
//!
//! Work items follow the incidents: each contract-month gets about 0.3 ×
//! its incidents as `incident` items, 0.1 × as problems and between 0.2 and
//! 0.6 × (drawn per month) as changes, 50 % standard, 35 % normal, 15 %
//! emergency. So the proactive share hovers around 50 to 60 % and a 60 %
//! target is sometimes met. A few incident items are marked proactive (raised
//! by the supplier's own monitoring), to exercise the `proactive` override.
//!
//! The supplier's own figures are rosier than the evidence: every reported
//! attainment lies between the target and 60 % of the way to 100.

use std::io::{self, Write};

use rand::RngExt;

use super::incidents::PerMonth;
use super::{
    ContractShape, GenerateOptions, MonthBounds, SortedUniform, Stream, create_csv, rng, stamp,
};

/// The work item columns of the interchange formats
/// (docs/book/src/integrators/formats.md).
pub(super) const WORK_ITEM_HEADER: [&str; 6] = [
    "id",
    "contract",
    "kind",
    "opened_at",
    "change_type",
    "proactive",
];

/// The supplier KPI columns of the interchange formats
/// (docs/book/src/integrators/formats.md).
pub(super) const SUPPLIER_KPI_HEADER: [&str; 4] =
    ["contract", "service_level", "period", "attainment_percent"];

const INCIDENT_ITEMS_PER_INCIDENT: f64 = 0.3;
const PROBLEMS_PER_INCIDENT: f64 = 0.1;
const CHANGES_PER_INCIDENT: std::ops::Range<f64> = 0.2..0.6;
/// Change types with their weights in percent.
const CHANGE_TYPES: [(&str, u32); 3] = [("standard", 50), ("normal", 35), ("emergency", 15)];
/// Incident items the supplier's own monitoring raised, marked proactive.
const PROACTIVE_INCIDENT_SHARE: f64 = 0.05;

/// Writes `work_items.csv` and returns its row count.
pub(super) fn write_work_items(
    shapes: &[ContractShape],
    windows: &[MonthBounds],
    per_month: &PerMonth,
    opts: &GenerateOptions,
) -> io::Result<u64> {
    let mut out = create_csv(opts, "work_items.csv", &WORK_ITEM_HEADER)?;
    let mut rng = rng(opts.seed, Stream::WorkItems);
    let mut rows = 0;
    let mut id = Vec::with_capacity(16);
    for ((shape, window), counts) in shapes.iter().zip(windows).zip(per_month) {
        let mut number: u64 = 0;
        for (m, &incidents) in counts.iter().enumerate() {
            let scaled = |share: f64| (incidents as f64 * share).round() as u64;
            // Remaining items of each kind, drawn without replacement so the
            // counts are exact and the kinds interleave.
            let mut left = [
                scaled(INCIDENT_ITEMS_PER_INCIDENT),
                scaled(PROBLEMS_PER_INCIDENT),
                scaled(rng.random_range(CHANGES_PER_INCIDENT)),
            ];
            let total: u64 = left.iter().sum();
            let (from, until) = window.month(m);
            let mut times = SortedUniform::new(from, until, total);
            for remaining in (1..=total).rev() {
                let opened = times.next(&mut rng);
                let mut pick = rng.random_range(0..remaining);
                let mut kind = 0;
                while pick >= left[kind] {
                    pick -= left[kind];
                    kind += 1;
                }
                left[kind] -= 1;
                let (kind, change_type, proactive) = match kind {
                    0 => {
                        let own = rng.random_bool(PROACTIVE_INCIDENT_SHARE);
                        ("incident", "", if own { "true" } else { "" })
                    }
                    1 => ("problem", "", ""),
                    _ => ("change", change_type(rng.random_range(0..100)), ""),
                };
                number += 1;
                id.clear();
                write!(id, "WI{number:07}")?;
                out.write_record([
                    &id[..],
                    shape.id.as_bytes(),
                    kind.as_bytes(),
                    &stamp(opened),
                    change_type.as_bytes(),
                    proactive.as_bytes(),
                ])?;
                rows += 1;
            }
        }
    }
    out.flush()?;
    Ok(rows)
}

fn change_type(mut pick: u32) -> &'static str {
    for (name, weight) in CHANGE_TYPES {
        if pick < weight {
            return name;
        }
        pick -= weight;
    }
    CHANGE_TYPES[0].0
}

/// Writes `supplier_kpis.csv` and returns its row count.
pub(super) fn write_supplier_kpis(
    shapes: &[ContractShape],
    opts: &GenerateOptions,
) -> io::Result<u64> {
    let mut out = create_csv(opts, "supplier_kpis.csv", &SUPPLIER_KPI_HEADER)?;
    let mut rng = rng(opts.seed, Stream::SupplierKpis);
    let mut rows = 0;
    for shape in shapes {
        let mut period = opts.first_month;
        for _ in 0..opts.months {
            let period_s = period.to_string();
            for level in &shape.service_levels {
                // In hundredths of a percent, so the figure has two decimals.
                let low = (level.target_percent * 100.0).round().clamp(0.0, 10_000.0) as u32;
                let high = low + (10_000 - low) * 6 / 10;
                let reported = rng.random_range(low..=high);
                let figure = format!("{}.{:02}", reported / 100, reported % 100);
                out.write_record([&shape.id, &level.id, &period_s, &figure])?;
                rows += 1;
            }
            period = period.next();
        }
    }
    out.flush()?;
    Ok(rows)
}
