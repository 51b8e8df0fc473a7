//! `outages.csv`: for each contract, service and month, 0 to 3 outages
//! starting uniformly in the month, lasting a lognormal time (median 30
//! minutes, sigma 1, between 1 minute and 3 days). About 20 % are partial and
//! 10 % planned; each was reported by the supplier's pack or the customer's
//! own monitoring (`noc`). Within a contract they are numbered
//! `OUT-<contract>-<n>` in the order they started.

use std::io::{self, Write};

use rand::RngExt;

use super::{
    ContractShape, GenerateOptions, MonthBounds, Stream, create_csv, lognormal, rng, stamp,
};

/// The outage columns of the interchange formats (docs/book/src/integrators/formats.md).
pub(super) const OUTAGE_HEADER: [&str; 8] = [
    "id", "contract", "service", "start", "end", "impact", "planned", "source",
];

const MAX_PER_SERVICE_MONTH: u32 = 3;
const MEDIAN_SECONDS: f64 = 1_800.0;
const SIGMA: f64 = 1.0;
const MIN_SECONDS: f64 = 60.0;
const MAX_SECONDS: f64 = 3.0 * 86_400.0;
const PARTIAL_SHARE: f64 = 0.2;
const PLANNED_SHARE: f64 = 0.1;
const SOURCES: [&str; 2] = ["supplier-pack", "noc"];

struct Drawn {
    start: i64,
    end: i64,
    service: usize,
    partial: bool,
    planned: bool,
    source: &'static str,
}

/// Writes the file and returns its row count.
pub(super) fn write(
    shapes: &[ContractShape],
    windows: &[MonthBounds],
    opts: &GenerateOptions,
) -> io::Result<u64> {
    let mut out = create_csv(opts, "outages.csv", &OUTAGE_HEADER)?;
    let mut rng = rng(opts.seed, Stream::Outages);
    let mut rows = 0;
    let mut id = Vec::with_capacity(16);
    for (ci, (shape, window)) in shapes.iter().zip(windows).enumerate() {
        let mut number = 0;
        for m in 0..window.months() {
            let (from, until) = window.month(m);
            let mut month: Vec<Drawn> = Vec::new();
            for service in 0..shape.services.len() {
                for _ in 0..rng.random_range(0..=MAX_PER_SERVICE_MONTH) {
                    let start = rng.random_range(from..until);
                    let seconds = lognormal(&mut rng, MEDIAN_SECONDS, SIGMA)
                        .clamp(MIN_SECONDS, MAX_SECONDS)
                        .round() as i64;
                    month.push(Drawn {
                        start,
                        end: start + seconds,
                        service,
                        partial: rng.random_bool(PARTIAL_SHARE),
                        planned: rng.random_bool(PLANNED_SHARE),
                        source: SOURCES[rng.random_range(0..SOURCES.len())],
                    });
                }
            }
            month.sort_by_key(|o| (o.start, o.service));
            for o in &month {
                number += 1;
                id.clear();
                write!(id, "OUT-{:02}-{number:04}", ci + 1)?;
                out.write_record([
                    &id[..],
                    shape.id.as_bytes(),
                    shape.services[o.service].as_bytes(),
                    &stamp(o.start),
                    &stamp(o.end),
                    if o.partial { &b"partial"[..] } else { b"full" },
                    if o.planned { &b"true"[..] } else { b"false" },
                    o.source.as_bytes(),
                ])?;
                rows += 1;
            }
        }
    }
    out.flush()?;
    Ok(rows)
}
