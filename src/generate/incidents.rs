//! `incidents.csv` and `holds.csv`, streamed together: each incident's hold
//! is written as the incident is drawn.
//!
//! Each contract gets an even share of the incidents, opened uniformly over
//! its months and written in the order they were opened, numbered
//! `INC0000001` on. Resolution times are lognormal around half the target
//! (sigma 0.6), so about one in eight misses it; response times likewise
//! (sigma 0.5). The data is exported at the end of the generated period:
//! anything that would happen later has not happened yet, so incidents opened
//! near the end are still open (about 2 %), some without a response.

use std::io::{self, Write};

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::{
    ContractShape, GenerateOptions, GenerateSummary, MonthBounds, SortedUniform, Stream,
    create_csv, lognormal, rng, stamp,
};
use crate::domain::Priority;

/// The incident columns of the interchange formats
/// (docs/book/src/integrators/formats.md).
pub(super) const INCIDENT_HEADER: [&str; 9] = [
    "id",
    "contract",
    "priority",
    "opened_at",
    "service",
    "responded_at",
    "resolved_at",
    "title",
    "excused_reason",
];

/// The hold columns of the interchange formats (docs/book/src/integrators/formats.md).
pub(super) const HOLD_HEADER: [&str; 5] = ["incident_id", "contract", "start", "end", "reason"];

/// Priorities with their weights in percent.
const PRIORITY_WEIGHTS: [(Priority, u32); 5] = [
    (Priority::P1, 3),
    (Priority::P2, 12),
    (Priority::P3, 40),
    (Priority::P4, 35),
    (Priority::P5, 10),
];

/// Response times: median this share of the target, log-space sigma.
const RESPONSE_MEDIAN_SHARE: f64 = 0.5;
const RESPONSE_SIGMA: f64 = 0.5;
/// Resolution times: median this share of the target, log-space sigma
/// (P(resolution > target) = P(Z > ln 2 / 0.6) ≈ 12 %, before holds).
const RESOLUTION_MEDIAN_SHARE: f64 = 0.5;
const RESOLUTION_SIGMA: f64 = 0.6;
/// Resolved incidents whose response the supplier never recorded.
const UNRECORDED_RESPONSE_SHARE: f64 = 0.01;
/// Incidents the contract does not count.
const EXCUSED_SHARE: f64 = 0.005;
/// Incidents with a hold, and the holds waiting on the customer.
const HOLD_SHARE: f64 = 0.15;
const AWAITING_CUSTOMER_SHARE: f64 = 0.7;
/// Holds on open incidents that have not ended.
const OPEN_HOLD_SHARE: f64 = 0.5;

const EXCUSE_REASONS: [&str; 4] = [
    "power cut at customer site",
    "customer change freeze in force",
    "caused by the customer's own firewall change",
    "relief event: regional flooding",
];

/// Titles for known services. Some need escaping in HTML, CSV or both.
const SERVICE_TITLES: [(&str, &str); 16] = [
    ("email", "Outlook <crash> & \"sync\" error"),
    ("email", "Shared mailbox not receiving mail"),
    ("email", "Calendar invites arrive twice"),
    ("email", "Mail stuck in outbox, large attachments"),
    ("network", "VPN drops every few minutes"),
    ("network", "Wi-Fi down in the Café (ground floor)"),
    ("network", "Switch failure in comms room B"),
    ("network", "Slow network at the depot"),
    ("hosting", "Payroll server disk 95% full"),
    ("hosting", "Planning portal returns HTTP 500"),
    ("hosting", "Nightly backup job failed"),
    ("hosting", "Certificate expired on intranet"),
    ("service-desk", "New starter account not created"),
    ("service-desk", "Password reset, user locked out"),
    ("service-desk", "+44 reception phone line dead"),
    ("service-desk", "Laptop won't boot after update"),
];

/// Titles for any service; one starts with `=` to exercise formula-injection
/// defences in spreadsheet exports.
const GENERIC_TITLES: [&str; 5] = [
    "=SUM(B2:B9) shows as text in finance export",
    "Error \"0x80070005\" & <access denied> at login",
    "Intermittent errors reported by users",
    "Performance degraded",
    "Users cannot log in",
];

/// Incidents opened per contract (outer) and month (inner).
pub(super) type PerMonth = Vec<Vec<u64>>;

/// Writes both files and returns how many incidents each contract opened in
/// each month.
pub(super) fn write(
    shapes: &[ContractShape],
    windows: &[MonthBounds],
    opts: &GenerateOptions,
    summary: &mut GenerateSummary,
) -> io::Result<PerMonth> {
    let mut incidents = create_csv(opts, "incidents.csv", &INCIDENT_HEADER)?;
    let mut holds = create_csv(opts, "holds.csv", &HOLD_HEADER)?;
    let mut rng = rng(opts.seed, Stream::Incidents);
    let mut per_month = Vec::with_capacity(shapes.len());
    let contracts = shapes.len() as u64;
    let mut id = Vec::with_capacity(16);

    for (ci, (shape, window)) in shapes.iter().zip(windows).enumerate() {
        let n = opts.incidents / contracts + u64::from((ci as u64) < opts.incidents % contracts);
        let mut counts = vec![0u64; window.months()];
        let medians = Medians::new(shape);
        let titles = titles_by_service(shape);
        let mut times = SortedUniform::new(window.start(), window.end(), n);
        let mut month = 0;
        let end = window.end();

        for number in 1..=n {
            let opened = times.next(&mut rng);
            while opened >= window.bounds[month + 1] {
                month += 1;
            }
            counts[month] += 1;
            let inc = draw(&mut rng, &medians, opened, end);
            let service = rng.random_range(0..shape.services.len());
            let choices = &titles[service];
            let title = choices[rng.random_range(0..choices.len())];
            let excused = if rng.random_bool(EXCUSED_SHARE) {
                EXCUSE_REASONS[rng.random_range(0..EXCUSE_REASONS.len())]
            } else {
                ""
            };

            id.clear();
            write!(id, "INC{number:07}")?;
            let opened_s = stamp(opened);
            let responded_s = inc.responded_at.map(stamp);
            let resolved_s = inc.resolved_at.map(stamp);
            incidents.write_record([
                &id[..],
                shape.id.as_bytes(),
                inc.priority.as_str().as_bytes(),
                &opened_s,
                shape.services[service].as_bytes(),
                optional(&responded_s),
                optional(&resolved_s),
                title.as_bytes(),
                excused.as_bytes(),
            ])?;
            summary.incidents += 1;

            if let Some(hold) = draw_hold(&mut rng, &inc, end) {
                let start_s = stamp(hold.start);
                let end_s = hold.end.map(stamp);
                holds.write_record([
                    &id[..],
                    shape.id.as_bytes(),
                    &start_s,
                    optional(&end_s),
                    hold.reason.as_bytes(),
                ])?;
                summary.holds += 1;
            }
        }
        per_month.push(counts);
    }
    incidents.flush()?;
    holds.flush()?;
    Ok(per_month)
}

fn optional(s: &Option<[u8; 20]>) -> &[u8] {
    s.as_ref().map_or(&b""[..], |s| &s[..])
}

/// Median response and resolution times per priority, in seconds.
struct Medians([(f64, f64); 5]);

impl Medians {
    fn new(shape: &ContractShape) -> Medians {
        Medians(PRIORITY_WEIGHTS.map(|(p, _)| {
            let t = shape.target(p);
            (
                t.response_seconds as f64 * RESPONSE_MEDIAN_SHARE,
                t.resolution_seconds as f64 * RESOLUTION_MEDIAN_SHARE,
            )
        }))
    }
}

/// One incident's times, as Unix seconds.
struct Drawn {
    priority: Priority,
    opened_at: i64,
    responded_at: Option<i64>,
    resolved_at: Option<i64>,
}

/// Draws an incident opened at `opened`, exported at `end`.
fn draw(rng: &mut ChaCha8Rng, medians: &Medians, opened: i64, end: i64) -> Drawn {
    let mut pick = rng.random_range(0..100u32);
    let mut index = 0;
    while pick >= PRIORITY_WEIGHTS[index].1 {
        pick -= PRIORITY_WEIGHTS[index].1;
        index += 1;
    }
    let (response_median, resolution_median) = medians.0[index];
    let resolve_after = lognormal(rng, resolution_median, RESOLUTION_SIGMA)
        .round()
        .max(60.0) as i64;
    let respond_after = (lognormal(rng, response_median, RESPONSE_SIGMA)
        .round()
        .max(30.0) as i64)
        .min(resolve_after);
    let recorded = !rng.random_bool(UNRECORDED_RESPONSE_SHARE);
    let resolved = opened + resolve_after;
    let responded = opened + respond_after;
    let resolved_at = (resolved < end).then_some(resolved);
    // A response is always recorded on an open ticket that has had one: the
    // supplier forgets to record it only when closing the ticket regardless.
    let responded_at =
        (responded < end && (recorded || resolved_at.is_none())).then_some(responded);
    Drawn {
        priority: PRIORITY_WEIGHTS[index].0,
        opened_at: opened,
        responded_at,
        resolved_at,
    }
}

struct DrawnHold {
    start: i64,
    end: Option<i64>,
    reason: &'static str,
}

/// A hold for some incidents: it starts once the supplier has responded and
/// ends by the resolution, or for an open incident may not have ended.
fn draw_hold(rng: &mut ChaCha8Rng, inc: &Drawn, export: i64) -> Option<DrawnHold> {
    if !rng.random_bool(HOLD_SHARE) {
        return None;
    }
    let reason = if rng.random_bool(AWAITING_CUSTOMER_SHARE) {
        "awaiting_customer"
    } else {
        "awaiting_vendor"
    };
    let from = inc.responded_at.unwrap_or(inc.opened_at);
    let until = inc.resolved_at.unwrap_or(export);
    if until - from < 60 {
        return None;
    }
    let start = rng.random_range(from..until - 30);
    let end = if inc.resolved_at.is_none() && rng.random_bool(OPEN_HOLD_SHARE) {
        None
    } else {
        Some(rng.random_range(start + 1..=until))
    };
    Some(DrawnHold { start, end, reason })
}

/// For each of the shape's services, the titles an incident on it may have.
fn titles_by_service(shape: &ContractShape) -> Vec<Vec<&'static str>> {
    shape
        .services
        .iter()
        .map(|service| {
            SERVICE_TITLES
                .iter()
                .filter(|(s, _)| s == service)
                .map(|&(_, title)| title)
                .chain(GENERIC_TITLES)
                .collect()
        })
        .collect()
}
