//! A deterministic, seeded generator of synthetic evidence in the interchange
//! CSV interchange formats (docs/book/src/integrators/formats.md), for tests, the demo
//! and benchmarks.
//!
//! The same seed and options give byte-identical files. All randomness comes
//! from ChaCha8 streams seeded from [`GenerateOptions::seed`], which are the
//! same on every platform; one stream per file, so the outages and supplier
//! KPIs do not change when only the number of incidents does. (Times pass
//! through `exp` and `powf`, whose last bit may differ between C libraries;
//! after rounding to whole seconds that almost never shows.) Rows are written
//! one at a time, so memory does not grow with the number of incidents: a
//! million incidents take about 0.6 s and 5 MB in a release build.
//!
//! The data is meant to look like a supplier's real exports: incidents spread
//! uniformly over the months and written in the order they were opened, most
//! resolved within target and some not, a few still open at the end of the
//! generated period, holds, outages, work items and the supplier's own
//! (rosier) figures. Titles include text that needs escaping and one that
//! starts with `=`, to exercise the defences of whatever displays them.
//!
//! # Layout
//! - [`shapes`]: what to generate for each contract ([`ContractShape`]).
//! - `incidents`: `incidents.csv` and `holds.csv`, streamed together.
//! - `outages`: `outages.csv`.
//! - `work`: `work_items.csv` and `supplier_kpis.csv`.
//! - `config_file`: a slawatch configuration for the synthetic contracts.

mod config_file;
mod incidents;
mod outages;
pub mod shapes;
mod work;

use std::fs::File;
use std::io;
use std::path::PathBuf;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::domain::Period;

pub use config_file::write_config;
pub use shapes::{ContractShape, PriorityTarget, ServiceLevelShape, synthetic_contracts};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Seeds every random choice: the same seed gives the same files.
    pub seed: u64,
    /// Incidents in total, shared out evenly between the contracts.
    pub incidents: u64,
    /// The first month generated (in each contract's timezone).
    pub first_month: Period,
    /// How many months, from `first_month` on.
    pub months: u32,
    /// Where the CSV files are written (created if missing).
    pub out_dir: PathBuf,
}

/// How many rows each file received (header rows not counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GenerateSummary {
    /// Rows in `incidents.csv`.
    pub incidents: u64,
    /// Rows in `holds.csv`.
    pub holds: u64,
    /// Rows in `outages.csv`.
    pub outages: u64,
    /// Rows in `work_items.csv`.
    pub work_items: u64,
    /// Rows in `supplier_kpis.csv`.
    pub supplier_kpis: u64,
}

/// The file names written into [`GenerateOptions::out_dir`].
pub const FILES: [&str; 5] = [
    "incidents.csv",
    "holds.csv",
    "outages.csv",
    "work_items.csv",
    "supplier_kpis.csv",
];

/// Writes `incidents.csv`, `holds.csv`, `outages.csv`, `work_items.csv` and
/// `supplier_kpis.csv` into `opts.out_dir` for these contracts, replacing any
/// files of those names, and returns how many rows each received.
pub fn generate(shapes: &[ContractShape], opts: &GenerateOptions) -> io::Result<GenerateSummary> {
    check(shapes, opts)?;
    std::fs::create_dir_all(&opts.out_dir)?;
    let windows: Vec<MonthBounds> = shapes
        .iter()
        .map(|s| MonthBounds::new(opts.first_month, opts.months, s.timezone))
        .collect();

    let mut summary = GenerateSummary::default();
    let per_month = incidents::write(shapes, &windows, opts, &mut summary)?;
    summary.outages = outages::write(shapes, &windows, opts)?;
    summary.work_items = work::write_work_items(shapes, &windows, &per_month, opts)?;
    summary.supplier_kpis = work::write_supplier_kpis(shapes, opts)?;
    Ok(summary)
}

fn check(shapes: &[ContractShape], opts: &GenerateOptions) -> io::Result<()> {
    let invalid = |msg: String| Err(io::Error::new(io::ErrorKind::InvalidInput, msg));
    if opts.incidents > 0 && (shapes.is_empty() || opts.months == 0) {
        return invalid(format!(
            "cannot generate {} incidents over {} contracts and {} months",
            opts.incidents,
            shapes.len(),
            opts.months
        ));
    }
    if let Some(s) = shapes.iter().find(|s| s.services.is_empty()) {
        return invalid(format!("contract '{}' has no services", s.id));
    }
    Ok(())
}

/// The rng streams, one per file, so that each file depends only on the
/// inputs it uses.
#[derive(Debug, Clone, Copy)]
enum Stream {
    Incidents = 1,
    Outages = 2,
    WorkItems = 3,
    SupplierKpis = 4,
}

fn rng(seed: u64, stream: Stream) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream as u64);
    rng
}

/// A CSV writer over a new file in the output directory, with the header row.
fn create_csv(
    opts: &GenerateOptions,
    name: &str,
    header: &[&str],
) -> io::Result<csv::Writer<File>> {
    let file = File::create(opts.out_dir.join(name))?;
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(1 << 16)
        .from_writer(file);
    w.write_record(header)?;
    Ok(w)
}

/// A contract's generated months as Unix seconds: `bounds[m]..bounds[m + 1]`
/// is month `m`, in the contract's timezone.
#[derive(Debug, Clone)]
struct MonthBounds {
    bounds: Vec<i64>,
}

impl MonthBounds {
    fn new(first: Period, months: u32, tz: chrono_tz::Tz) -> MonthBounds {
        let mut bounds = Vec::with_capacity(months as usize + 1);
        let mut p = first;
        for _ in 0..months {
            bounds.push(p.start(tz).timestamp());
            p = p.next();
        }
        bounds.push(p.start(tz).timestamp());
        MonthBounds { bounds }
    }

    fn months(&self) -> usize {
        self.bounds.len() - 1
    }

    fn start(&self) -> i64 {
        self.bounds[0]
    }

    /// The end of the generated period (exclusive): the instant the data is
    /// "exported", so anything later has not happened yet.
    fn end(&self) -> i64 {
        self.bounds[self.bounds.len() - 1]
    }

    fn month(&self, m: usize) -> (i64, i64) {
        (self.bounds[m], self.bounds[m + 1])
    }
}

/// Sorted uniform instants over `[start, end)`, drawn one at a time: each is
/// the minimum of the uniforms still to come, so `n` draws have the
/// distribution of `n` independent uniforms, sorted, in constant memory.
struct SortedUniform {
    start: i64,
    span: f64,
    position: f64,
    remaining: u64,
}

impl SortedUniform {
    fn new(start: i64, end: i64, n: u64) -> SortedUniform {
        SortedUniform {
            start,
            span: (end - start) as f64,
            position: 0.0,
            remaining: n,
        }
    }

    fn next(&mut self, rng: &mut ChaCha8Rng) -> i64 {
        use rand::RngExt;
        let v: f64 = rng.random();
        let k = self.remaining.max(1) as f64;
        self.remaining = self.remaining.saturating_sub(1);
        self.position += (1.0 - self.position) * (1.0 - (1.0 - v).powf(1.0 / k));
        let offset = (self.position * self.span) as i64;
        self.start + offset.min(self.span as i64 - 1).max(0)
    }
}

/// Formats Unix seconds as RFC 3339 UTC, `YYYY-MM-DDTHH:MM:SSZ`, without
/// allocating (it runs several million times in a large run). Years 0 to 9999.
fn stamp(secs: i64) -> [u8; 20] {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let mut out = *b"0000-00-00T00:00:00Z";
    let mut put = |at: usize, value: i64, width: usize| {
        let mut v = value;
        for i in (0..width).rev() {
            out[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, y, 4);
    put(5, m, 2);
    put(8, d, 2);
    put(11, sod / 3600, 2);
    put(14, sod / 60 % 60, 2);
    put(17, sod % 60, 2);
    out
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A sample of a lognormal variable with this median and log-space sigma.
fn lognormal(rng: &mut ChaCha8Rng, median: f64, sigma: f64) -> f64 {
    use rand_distr::{Distribution, StandardNormal};
    let z: f64 = StandardNormal.sample(rng);
    median * (sigma * z).exp()
}

#[cfg(test)]
mod tests;
