//! Writing figures as Prometheus metric families: a fresh registry for each
//! rendering, so a series that no longer applies (an incident closed, an
//! outage ended) disappears rather than keeping its last value.

use prometheus::core::Collector;
use prometheus::{Encoder as _, GaugeVec, IntCounterVec, Opts, Registry, TextEncoder};

use super::feeds::{FeedFigures, LiveFeeds};
use super::figures::{ClosedState, ContractFigures, LastMonthFigures, LevelState, major};
use super::quality::{DrFigures, QualityFigures};
use super::recovery::RecoveryFigures;

/// A registry being filled.
pub(super) struct Families(Registry);

impl Families {
    pub fn new() -> Families {
        Families(Registry::new())
    }

    fn register<C: Collector + Clone + 'static>(&self, c: C) -> prometheus::Result<C> {
        self.0.register(Box::new(c.clone()))?;
        Ok(c)
    }

    /// A gauge family.
    pub fn gauge(&self, name: &str, help: &str, labels: &[&str]) -> prometheus::Result<GaugeVec> {
        self.register(GaugeVec::new(Opts::new(name, help), labels)?)
    }

    /// A counter family (names end in `_total`).
    pub fn counter(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
    ) -> prometheus::Result<IntCounterVec> {
        self.register(IntCounterVec::new(Opts::new(name, help), labels)?)
    }

    /// The text exposition format.
    pub fn encode(&self) -> prometheus::Result<String> {
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.0.gather(), &mut out)?;
        String::from_utf8(out).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}

const LINE: &[&str] = &["contract", "service_level", "service", "kind"];
const LINE_STATE: &[&str] = &["contract", "service_level", "service", "kind", "state"];
const MONEY: &[&str] = &["contract", "currency"];

/// The figures detection computed: contracts, their last closed months, and
/// the feed and alert totals. Rendered once per detection run, not per scrape.
#[allow(clippy::too_many_arguments)]
pub(super) fn figures<'a>(
    contracts: impl Iterator<Item = &'a ContractFigures> + Clone,
    last_months: impl Iterator<Item = &'a LastMonthFigures> + Clone,
    dr: impl Iterator<Item = &'a DrFigures>,
    quality: impl Iterator<Item = &'a QualityFigures> + Clone,
    recovery: impl Iterator<Item = &'a RecoveryFigures>,
    actions: impl Iterator<Item = &'a super::actions::ActionFigures>,
    feeds: &FeedFigures,
    computed_at: i64,
) -> prometheus::Result<String> {
    let f = Families::new();
    month_to_date(&f, contracts)?;
    last_month(&f, last_months)?;
    super::recovery::write(&f, recovery)?;
    super::actions::write(&f, actions)?;
    super::quality::write(&f, dr, quality.clone())?;
    super::quality::write_clock_stops(&f, quality)?;
    feeds.write(&f)?;
    f.gauge(
        "slawatch_figures_computed_timestamp_seconds",
        "When live detection last computed the figures below (Unix time).",
        &[],
    )?
    .with_label_values(&[] as &[&str])
    .set(computed_at as f64);
    f.encode()
}

fn month_to_date<'a>(
    f: &Families,
    contracts: impl Iterator<Item = &'a ContractFigures> + Clone,
) -> prometheus::Result<()> {
    let attainment = f.gauge(
        "slawatch_service_level_attainment_percent",
        "Attainment of the service level so far this month (percent; absent while there is nothing to measure).",
        LINE,
    )?;
    let target = f.gauge(
        "slawatch_service_level_target_percent",
        "The service level's monthly target (percent).",
        LINE,
    )?;
    let critical = f.gauge(
        "slawatch_service_level_critical_below_percent",
        "Attainment under which the month is a critical service level failure (percent; only where configured).",
        LINE,
    )?;
    let state = f.gauge(
        "slawatch_service_level_state",
        "1 for where the service level's month in progress stands: met, failing (below target so far; the open incidents would bring it back), at_risk (only more incidents, all met, would), certain_to_fail (nothing can: a 100 % target missed, an availability budget spent), critical (certain to fail under critical_below) or no_data.",
        LINE_STATE,
    )?;
    let needed = f.gauge(
        "slawatch_service_level_needed_to_recover",
        "More incidents, all met, the incident service level needs this month to reach its target (0 on target, or when the open incidents meeting their targets would bring it back; absent when it cannot recover).",
        &["contract", "service_level"],
    )?;
    let typical = f.gauge(
        "slawatch_service_level_typical_volume",
        "Incidents assessed against the service level in a typical month: the mean of the last three closed months with evidence (absent before any).",
        &["contract", "service_level"],
    )?;
    let line_credit = f.gauge(
        "slawatch_service_level_credit_month_to_date",
        "The service credit this line would earn if the month ended now, before the contract's cap (major units of the currency).",
        &["contract", "service_level", "service", "currency"],
    )?;
    let assessed = f.gauge(
        "slawatch_service_level_assessed_incidents",
        "Incidents assessed against the service level so far this month.",
        &["contract", "service_level"],
    )?;
    let met = f.gauge(
        "slawatch_service_level_met_incidents",
        "Incidents that met the service level's target so far this month.",
        &["contract", "service_level"],
    )?;
    let breached = f.gauge(
        "slawatch_breached_incidents",
        "Incidents assessed as breached this month (deadline passed in the month), by service level and priority.",
        &["contract", "service_level", "priority"],
    )?;
    let open = f.gauge(
        "slawatch_open_incidents",
        "Open incidents by service level, priority and stage (within, at_risk, breached).",
        &["contract", "service_level", "priority", "stage"],
    )?;
    let service_time = f.gauge(
        "slawatch_service_time_seconds",
        "Business seconds of this month in the availability level's service hours.",
        &["contract", "service_level", "service"],
    )?;
    let downtime = f.gauge(
        "slawatch_service_downtime_seconds",
        "Downtime counted so far this month in service hours (partial outages weighted).",
        &["contract", "service_level", "service"],
    )?;
    let outages = f.gauge(
        "slawatch_open_outages",
        "Unplanned outages open now, by service and impact (full, partial).",
        &["contract", "service", "impact"],
    )?;
    let work = f.gauge(
        "slawatch_work_items_month_to_date",
        "Work items opened this month, by class (proactive, reactive).",
        &["contract", "class"],
    )?;
    let share = f.gauge(
        "slawatch_proactive_share_percent",
        "Share of this month's work items that are proactive (percent; absent with no work items).",
        &["contract"],
    )?;
    let credits = f.gauge(
        "slawatch_service_credits_month_to_date",
        "Service credits accrued so far this month, after the cap: the forecast, what the month would earn if it ended as it stands now (major units of the currency).",
        MONEY,
    )?;
    let before_cap = f.gauge(
        "slawatch_service_credits_before_cap_month_to_date",
        "Service credits accrued so far this month, before the cap (major units of the currency).",
        MONEY,
    )?;
    let cap = f.gauge(
        "slawatch_service_credit_cap",
        "The most service credits one month can take (major units of the currency).",
        MONEY,
    )?;
    let charge = f.gauge(
        "slawatch_monthly_charge",
        "The contract's monthly charge (major units of the currency).",
        MONEY,
    )?;
    let annual_cap = f.gauge(
        "slawatch_annual_credit_cap",
        "The contract year's cap on service credits (major units of the currency; only where an annual cap is configured).",
        MONEY,
    )?;
    let headroom = f.gauge(
        "slawatch_annual_credit_headroom",
        "What the annual cap leaves after this month's credits so far: the cap less the contract year's credits (major units of the currency; only where an annual cap is configured).",
        MONEY,
    )?;
    let points = f.gauge(
        "slawatch_service_points_month_to_date",
        "Service points scored so far this month, repeat multipliers applied (only where a service level uses service points).",
        &["contract"],
    )?;
    let costs = f.gauge(
        "slawatch_recoverable_costs_month_to_date",
        "Recoverable costs claimed with a date in this month: not removed, not withdrawn after a dispute (major units of the currency).",
        MONEY,
    )?;
    let commitments = f.gauge(
        "slawatch_commitments",
        "Commitment occurrences due this month or still outstanding, by status.",
        &["contract", "status"],
    )?;
    let due = f.gauge(
        "slawatch_commitment_due_timestamp_seconds",
        "The earliest outstanding (or next) due date of each commitment: the start of that day in the contract's timezone (Unix time).",
        &["contract", "commitment"],
    )?;

    for c in contracts {
        let id = c.contract.as_str();
        for l in &c.lines {
            let k = [id, &l.key.level, &l.key.service, l.key.kind];
            if let Some(a) = l.attainment_percent {
                attainment.with_label_values(&k).set(a);
            }
            target.with_label_values(&k).set(l.target_percent);
            if let Some(cb) = l.critical_below_percent {
                critical.with_label_values(&k).set(cb);
            }
            for s in LevelState::ALL {
                let v = if s == l.state { 1.0 } else { 0.0 };
                state
                    .with_label_values(&[id, &l.key.level, &l.key.service, l.key.kind, s.as_str()])
                    .set(v);
            }
            line_credit
                .with_label_values(&[id, &l.key.level, &l.key.service, &c.currency])
                .set(c.major(l.credit_minor));
            if let Some((a, m)) = l.incidents {
                assessed
                    .with_label_values(&[id, &l.key.level])
                    .set(a as f64);
                met.with_label_values(&[id, &l.key.level]).set(m as f64);
            }
            if let Some(n) = l.needed_to_recover {
                needed.with_label_values(&[id, &l.key.level]).set(n as f64);
            }
            if let Some(v) = l.typical_volume {
                typical.with_label_values(&[id, &l.key.level]).set(v);
            }
            if let Some((seconds, down)) = l.availability {
                let k = [id, &l.key.level, &l.key.service];
                service_time.with_label_values(&k).set(seconds as f64);
                downtime.with_label_values(&k).set(down);
            }
        }
        for ((level, priority, stage), n) in &c.open_incidents {
            open.with_label_values(&[id, level, priority, stage])
                .set(*n as f64);
        }
        for ((level, priority), n) in &c.breached {
            breached
                .with_label_values(&[id, level, priority])
                .set(*n as f64);
        }
        for ((service, impact), n) in &c.open_outages {
            outages
                .with_label_values(&[id, service, impact])
                .set(*n as f64);
        }
        work.with_label_values(&[id, "proactive"])
            .set(c.proactive as f64);
        work.with_label_values(&[id, "reactive"])
            .set(c.reactive as f64);
        let all = c.proactive + c.reactive;
        if all > 0 {
            share
                .with_label_values(&[id])
                .set(100.0 * c.proactive as f64 / all as f64);
        }
        let money = [id, c.currency.as_str()];
        credits
            .with_label_values(&money)
            .set(c.major(c.credits.total_minor));
        before_cap
            .with_label_values(&money)
            .set(c.major(c.credits.before_cap_minor));
        cap.with_label_values(&money)
            .set(c.major(c.credits.cap_minor));
        charge
            .with_label_values(&money)
            .set(c.major(c.monthly_charge_minor));
        if let Some(a) = &c.annual {
            annual_cap
                .with_label_values(&money)
                .set(c.major(a.cap_minor));
            headroom
                .with_label_values(&money)
                .set(c.major(a.headroom_after_minor));
        }
        if let Some(p) = c.points {
            points.with_label_values(&[id]).set(f64::from(p));
        }
        costs
            .with_label_values(&money)
            .set(c.major(c.recoverable_minor));
        for (status, n) in &c.commitments {
            commitments.with_label_values(&[id, status]).set(*n as f64);
        }
        for (commitment, at) in &c.commitment_due {
            due.with_label_values(&[id, commitment]).set(*at as f64);
        }
    }
    Ok(())
}

fn last_month<'a>(
    f: &Families,
    months: impl Iterator<Item = &'a LastMonthFigures>,
) -> prometheus::Result<()> {
    let attainment = f.gauge(
        "slawatch_service_level_last_month_attainment_percent",
        "Attainment of the service level in the last closed month (percent; absent when nothing was measured).",
        LINE,
    )?;
    let state = f.gauge(
        "slawatch_service_level_last_month_state",
        "1 for the last closed month's verdict: met, failed, critical (a critical service level failure) or no_data.",
        LINE_STATE,
    )?;
    let credits = f.gauge(
        "slawatch_service_credits_last_month",
        "Service credits for the last closed month, after the cap (major units of the currency).",
        MONEY,
    )?;
    let costs = f.gauge(
        "slawatch_recoverable_costs_last_month",
        "Recoverable costs claimed with a date in the last closed month: not removed, not withdrawn after a dispute (major units of the currency).",
        MONEY,
    )?;
    let escalations = f.gauge(
        "slawatch_escalation_triggered_last_month",
        "1 for each escalation rule the last closed month triggered, with its consequence (absent when none was).",
        &["contract", "rule", "then"],
    )?;
    let rating = f.gauge(
        "slawatch_assurance_rating",
        "The last closed month's assurance rating: 0 green, 1 amber, 2 red.",
        &["contract"],
    )?;
    let trend = f.gauge(
        "slawatch_assurance_trend",
        "The assurance trend, the last three closed months against the three before: -1 improving, 0 steady, 1 worsening (NaN with fewer than six months rated: no trend yet).",
        &["contract"],
    )?;
    for m in months {
        let id = m.contract.as_str();
        if let Some((score, direction)) = m.assurance {
            rating.with_label_values(&[id]).set(f64::from(score));
            // NaN rather than absent: the dashboard's row stays whole and
            // reads "no trend yet".
            trend
                .with_label_values(&[id])
                .set(direction.map_or(f64::NAN, |d| d as f64));
        }
        for (rule, then) in &m.escalations {
            escalations.with_label_values(&[id, rule, then]).set(1.0);
        }
        for (key, a, verdict) in &m.lines {
            let k = [id, &key.level, &key.service, key.kind];
            if let Some(a) = a {
                attainment.with_label_values(&k).set(*a);
            }
            for s in ClosedState::ALL {
                let v = if s == *verdict { 1.0 } else { 0.0 };
                state
                    .with_label_values(&[id, &key.level, &key.service, key.kind, s.as_str()])
                    .set(v);
            }
        }
        let money = [id, m.currency.as_str()];
        credits
            .with_label_values(&money)
            .set(major(m.credits_minor, m.exponent));
        costs
            .with_label_values(&money)
            .set(major(m.recoverable_minor, m.exponent));
    }
    Ok(())
}

/// What is read at scrape time: the build, the sources' health and the
/// alert queue.
pub(super) fn live(feeds: &LiveFeeds) -> prometheus::Result<String> {
    let f = Families::new();
    own(&f, feeds.leader)?;
    feeds.write(&f)?;
    f.encode()
}

/// What a standby exports: its build and its leadership, nothing read from
/// the store (the leader exports that, once).
pub(super) fn standby() -> prometheus::Result<String> {
    let f = Families::new();
    own(&f, false)?;
    f.encode()
}

/// The daemon's own series: its build and whether it leads.
fn own(f: &Families, leader: bool) -> prometheus::Result<()> {
    f.gauge(
        "slawatch_build_info",
        "Always 1; the slawatch version in a label.",
        &["version"],
    )?
    .with_label_values(&[env!("CARGO_PKG_VERSION")])
    .set(1.0);
    f.gauge(
        "slawatch_leader",
        "1 while this daemon is the leader (runs sources, issuing and alert delivery), 0 while it stands by.",
        &[],
    )?
    .with_label_values::<&str>(&[])
    .set(if leader { 1.0 } else { 0.0 });
    Ok(())
}
