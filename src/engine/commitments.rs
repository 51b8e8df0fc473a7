//! Commitments (see docs/book/src/managers/commitments.md): dated
//! deliverables, what happened to each occurrence, and where it stands.
//!
//! A [`Register`] holds a contract's commitments (from the configuration and
//! recorded ad hoc) and the events recorded against their occurrences:
//! deliveries with an evidence reference, acceptances and rejections by a
//! named person. Everything here is pure: "now" and the local "today" come
//! in as an [`AsOf`], and events recorded after `now` are not seen, so a
//! report as of an instant is the same whenever it is run.
//!
//! Status of one occurrence, as of `today`:
//! - no delivery standing: **pending** until its due date, **overdue** from the day after;
//! - delivered after the due date: **late** (accepted or not; the acceptance is shown);
//! - delivered by the due date: **delivered**, then **accepted** once accepted.
//!
//! A rejected delivery no longer stands: the occurrence is pending or
//! overdue again until a new delivery is recorded.

use chrono::{Days, NaiveDate};

use crate::contract::commitment::{Category, Origin};
use crate::contract::due_dates::Due;
use crate::contract::{Commitment, Contract};
use crate::domain::{Instant, Period};

/// Where one occurrence of a commitment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitmentStatus {
    /// Not yet due and not delivered.
    Pending,
    /// Delivered on time, not yet accepted.
    Delivered,
    /// Delivered on time and accepted.
    Accepted,
    /// Delivered after its due date.
    Late,
    /// Due date passed, not delivered: a breach.
    Overdue,
}

impl CommitmentStatus {
    /// The report spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CommitmentStatus::Pending => "pending",
            CommitmentStatus::Delivered => "delivered",
            CommitmentStatus::Accepted => "accepted",
            CommitmentStatus::Late => "late",
            CommitmentStatus::Overdue => "overdue",
        }
    }
}

/// What an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The supplier delivered, with an evidence reference.
    Delivered,
    /// A named person accepted the delivery.
    Accepted,
    /// A named person rejected the delivery, with a reason.
    Rejected,
}

impl Action {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Delivered => "delivered",
            Action::Accepted => "accepted",
            Action::Rejected => "rejected",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Result<Action, String> {
        match text {
            "delivered" => Ok(Action::Delivered),
            "accepted" => Ok(Action::Accepted),
            "rejected" => Ok(Action::Rejected),
            _ => Err(format!("unknown commitment action '{text}'")),
        }
    }
}

/// One thing recorded against an occurrence. Events are never changed or
/// removed; a later event supersedes an earlier one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The commitment's id.
    pub commitment: String,
    /// The occurrence's key ([`Due::key`]).
    pub occurrence: String,
    /// What happened.
    pub action: Action,
    /// The date it happened (local).
    pub on: NaiveDate,
    /// Delivered: the evidence reference (document, ticket, link).
    pub evidence: Option<String>,
    /// Accepted or rejected: who (a named person).
    pub person: Option<String>,
    /// Rejected: why.
    pub reason: Option<String>,
    /// Who recorded it (`cli:<user>`, `api:<token>`).
    pub recorded_by: String,
    /// When it was recorded.
    pub recorded_at: Instant,
}

/// The delivery standing for an occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// When it was delivered.
    pub on: NaiveDate,
    /// The evidence reference.
    pub evidence: String,
}

/// A named person's acceptance of the standing delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    /// When.
    pub on: NaiveDate,
    /// Who.
    pub by: String,
}

/// A delivery that was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// When it was rejected.
    pub on: NaiveDate,
    /// Who rejected it.
    pub by: String,
    /// Why.
    pub reason: String,
    /// The rejected delivery's date.
    pub delivered_on: NaiveDate,
    /// The rejected delivery's evidence.
    pub evidence: String,
}

/// What the events of one occurrence add up to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OccurrenceState {
    /// The delivery standing, if any.
    pub delivery: Option<Delivery>,
    /// Its acceptance, if accepted.
    pub acceptance: Option<Acceptance>,
    /// Earlier deliveries rejected, oldest first.
    pub rejections: Vec<Rejection>,
}

impl OccurrenceState {
    /// Replays `events` (oldest first). An event that does not fit (it could
    /// only come from a hand-edited store) is skipped.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> OccurrenceState {
        let mut state = OccurrenceState::default();
        for e in events {
            let _ = state.apply(e, NaiveDate::MAX);
        }
        state
    }

    /// Whether `e` may be recorded now: a delivery needs none standing, an
    /// acceptance or rejection needs a delivery not yet accepted; dates may
    /// not be after `today`, nor an acceptance or rejection before the delivery.
    pub fn check(&self, e: &Event, today: NaiveDate) -> Result<(), String> {
        if e.on > today {
            return Err(format!(
                "{} cannot be dated {}, after today ({today})",
                e.action.as_str(),
                e.on
            ));
        }
        let text = |v: &Option<String>| v.as_deref().is_some_and(|t| !t.trim().is_empty());
        match (e.action, &self.delivery, &self.acceptance) {
            (Action::Delivered, Some(d), _) => Err(format!(
                "already delivered on {} (evidence {}); reject that delivery first to record another",
                d.on, d.evidence
            )),
            (Action::Delivered, None, _) if !text(&e.evidence) => {
                Err("a delivery needs an evidence reference".into())
            }
            (Action::Delivered, None, _) => Ok(()),
            (_, None, _) => Err(format!(
                "nothing to {}: no delivery is recorded",
                if e.action == Action::Accepted {
                    "accept"
                } else {
                    "reject"
                }
            )),
            (_, Some(_), Some(a)) => Err(format!(
                "the delivery was already accepted by {} on {}",
                a.by, a.on
            )),
            (_, Some(d), None) if e.on < d.on => Err(format!(
                "{} on {} is before the delivery on {}",
                e.action.as_str(),
                e.on,
                d.on
            )),
            (_, Some(_), None) if !text(&e.person) => Err(format!(
                "{} needs the name of the person who decided",
                e.action.as_str()
            )),
            (Action::Rejected, Some(_), None) if !text(&e.reason) => {
                Err("a rejection needs a reason".into())
            }
            (_, Some(_), None) => Ok(()),
        }
    }

    /// Checks `e` and applies it.
    pub fn apply(&mut self, e: &Event, today: NaiveDate) -> Result<(), String> {
        self.check(e, today)?;
        let person = e.person.clone().unwrap_or_default();
        match e.action {
            Action::Delivered => {
                self.delivery = Some(Delivery {
                    on: e.on,
                    evidence: e.evidence.clone().unwrap_or_default(),
                });
            }
            Action::Accepted => {
                self.acceptance = Some(Acceptance {
                    on: e.on,
                    by: person,
                });
            }
            Action::Rejected => {
                if let Some(d) = self.delivery.take() {
                    self.rejections.push(Rejection {
                        on: e.on,
                        by: person,
                        reason: e.reason.clone().unwrap_or_default(),
                        delivered_on: d.on,
                        evidence: d.evidence,
                    });
                }
            }
        }
        Ok(())
    }

    /// The status of an occurrence due on `due`, as of `today`.
    pub fn status(&self, due: NaiveDate, today: NaiveDate) -> CommitmentStatus {
        match (&self.delivery, &self.acceptance) {
            (None, _) if today > due => CommitmentStatus::Overdue,
            (None, _) => CommitmentStatus::Pending,
            (Some(d), _) if d.on > due => CommitmentStatus::Late,
            (Some(_), Some(_)) => CommitmentStatus::Accepted,
            (Some(_), None) => CommitmentStatus::Delivered,
        }
    }

    /// The last day counted late: the delivery date when late, `today` while
    /// overdue; `None` when not late.
    fn late_until(&self, due: NaiveDate, today: NaiveDate) -> Option<NaiveDate> {
        match &self.delivery {
            Some(d) => (d.on > due).then_some(d.on),
            None => (today > due).then_some(today),
        }
    }
}

/// The instant figures are taken at, and that instant's local date in the
/// contract's timezone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsOf {
    /// Events recorded after this are not seen.
    pub now: Instant,
    /// Due dates are compared with this date.
    pub today: NaiveDate,
}

impl AsOf {
    /// `now` with its local date in `tz`.
    pub fn new(now: Instant, tz: chrono_tz::Tz) -> AsOf {
        AsOf {
            now,
            today: crate::domain::time::local_date(tz, now),
        }
    }
}

/// One occurrence of a commitment and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// The commitment's id.
    pub id: String,
    /// What is owed.
    pub name: String,
    /// What kind of deliverable.
    pub category: Category,
    /// Who answers for it at the supplier.
    pub owner: Option<String>,
    /// Configuration or ad hoc.
    pub origin: Origin,
    /// The key deliveries are recorded against (due date or covered month).
    pub occurrence: String,
    /// The month it covers (month-end rules only), `YYYY-MM`.
    pub covers: Option<String>,
    /// When it is due.
    pub due: NaiveDate,
    /// Where it stands.
    pub status: CommitmentStatus,
    /// The standing delivery's date.
    pub delivered_on: Option<NaiveDate>,
    /// The standing delivery's evidence reference.
    pub evidence: Option<String>,
    /// Who accepted it.
    pub accepted_by: Option<String>,
    /// When it was accepted.
    pub accepted_on: Option<NaiveDate>,
    /// Deliveries rejected before.
    pub rejections: Vec<Rejection>,
    /// Days after the due date until delivery (late) or until today (overdue).
    pub days_late: i64,
    /// The contract's delay payment per day late, if it has that clause.
    pub delay_payment_per_day_minor: Option<i64>,
    /// Delay payments accrued over all `days_late`.
    pub delay_payment_to_date_minor: i64,
}

/// An occurrence in a month's report, with the part of its delay payments
/// that falls in the month (each day late is claimed in its own month).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthOccurrence {
    /// The occurrence.
    pub occurrence: Occurrence,
    /// Days late that fall in the month.
    pub days_late_in_period: i64,
    /// The delay payment claimed in this month.
    pub delay_payment_minor: i64,
}

/// A contract's commitments and everything recorded against them.
#[derive(Debug, Clone, Default)]
pub struct Register {
    /// Configured commitments first (file order), then ad hoc ones.
    pub commitments: Vec<Commitment>,
    /// Events, oldest first.
    pub events: Vec<Event>,
}

impl Register {
    /// The configured commitments, with nothing recorded.
    pub fn from_config(contract: &Contract) -> Register {
        Register {
            commitments: contract.commitments.clone(),
            events: Vec::new(),
        }
    }

    /// The commitment with this id.
    pub fn get(&self, id: &str) -> Option<&Commitment> {
        self.commitments.iter().find(|c| c.id == id)
    }

    /// The state of one occurrence from the events recorded by `now`.
    pub fn state(&self, id: &str, key: &str, now: Instant) -> OccurrenceState {
        OccurrenceState::replay(
            self.events
                .iter()
                .filter(|e| e.commitment == id && e.occurrence == key && e.recorded_at <= now),
        )
    }

    /// One occurrence and where it stands.
    pub fn occurrence(&self, c: &Commitment, due: &Due, as_of: AsOf) -> Occurrence {
        let state = self.state(&c.id, &due.key, as_of.now);
        let status = state.status(due.date, as_of.today);
        let days_late = state
            .late_until(due.date, as_of.today)
            .map_or(0, |end| (end - due.date).num_days());
        let per_day = c.delay_payment_per_day.as_ref().map(|m| m.minor);
        Occurrence {
            id: c.id.clone(),
            name: c.name.clone(),
            category: c.category.clone(),
            owner: c.owner.clone(),
            origin: c.origin,
            occurrence: due.key.clone(),
            covers: due.covers.map(|p| p.to_string()),
            due: due.date,
            status,
            delivered_on: state.delivery.as_ref().map(|d| d.on),
            evidence: state.delivery.as_ref().map(|d| d.evidence.clone()),
            accepted_by: state.acceptance.as_ref().map(|a| a.by.clone()),
            accepted_on: state.acceptance.as_ref().map(|a| a.on),
            rejections: state.rejections,
            days_late,
            delay_payment_per_day_minor: per_day,
            delay_payment_to_date_minor: per_day.unwrap_or(0).saturating_mul(days_late),
        }
    }

    /// Every occurrence due by `today`, plus the next one due after it.
    pub fn dues_to_date(c: &Commitment, today: NaiveDate) -> Vec<Due> {
        let mut out = Vec::new();
        for due in c.schedule.occurrences() {
            let past = due.date <= today;
            out.push(due);
            if !past {
                break;
            }
        }
        out
    }

    /// The register as of `as_of`: for each commitment every occurrence due
    /// by today and the next one.
    pub fn listing(&self, as_of: AsOf) -> Vec<Occurrence> {
        self.commitments
            .iter()
            .flat_map(|c| {
                Self::dues_to_date(c, as_of.today)
                    .into_iter()
                    .map(move |due| self.occurrence(c, &due, as_of))
            })
            .collect()
    }

    /// The occurrences a month's report shows: those due in the month, every
    /// earlier one still outstanding at some point in the month (undelivered,
    /// or delivered late on or after its first day: an overdue commitment
    /// stays in every report until delivered), or else the next one due.
    pub fn for_period(&self, period: Period, as_of: AsOf) -> Vec<MonthOccurrence> {
        let first = period.first_day();
        let next_month = period.next().first_day();
        let mut out = Vec::new();
        for c in &self.commitments {
            let mut any_in_month = false;
            for due in c.schedule.occurrences() {
                if due.date >= next_month {
                    if !any_in_month {
                        out.push(self.month_occurrence(c, &due, period, as_of));
                    }
                    break;
                }
                let in_month = due.date >= first;
                let shown = self.month_occurrence(c, &due, period, as_of);
                let outstanding = shown.occurrence.delivered_on.is_none_or(|d| d >= first);
                any_in_month |= in_month;
                if in_month || outstanding {
                    out.push(shown);
                }
            }
        }
        out
    }

    fn month_occurrence(
        &self,
        c: &Commitment,
        due: &Due,
        period: Period,
        as_of: AsOf,
    ) -> MonthOccurrence {
        let occurrence = self.occurrence(c, due, as_of);
        let days = match occurrence.days_late {
            0 => 0,
            n => late_days_within(due.date, n, period),
        };
        MonthOccurrence {
            delay_payment_minor: occurrence
                .delay_payment_per_day_minor
                .unwrap_or(0)
                .saturating_mul(days),
            days_late_in_period: days,
            occurrence,
        }
    }

    /// The occurrence an action is aimed at. `selector` is a due date
    /// (`2026-11-30`) or a month (`2026-11`: the occurrence covering it, or
    /// due in it). Without one: for a delivery the earliest occurrence with
    /// no delivery standing; for an acceptance or rejection the earliest
    /// delivery awaiting a decision.
    pub fn select(
        &self,
        id: &str,
        selector: Option<&str>,
        action: Action,
        as_of: AsOf,
    ) -> Result<(&Commitment, Due), String> {
        let c = self.get(id).ok_or_else(|| {
            let known: Vec<&str> = self.commitments.iter().map(|c| c.id.as_str()).collect();
            format!(
                "no commitment '{id}' (known: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )
        })?;
        let found = match selector.map(str::trim) {
            Some(text) => select_by_text(c, text)?,
            None => Self::dues_to_date(c, as_of.today).into_iter().find(|due| {
                let state = self.state(id, &due.key, as_of.now);
                match action {
                    Action::Delivered => state.delivery.is_none(),
                    _ => state.delivery.is_some() && state.acceptance.is_none(),
                }
            }),
        };
        found.map(|due| (c, due)).ok_or_else(|| match (selector, action) {
            (Some(text), _) => format!("'{id}' has no occurrence due on or covering {text}"),
            (None, Action::Delivered) => {
                format!("every occurrence of '{id}' due so far is delivered; name one with its due date")
            }
            (None, _) => format!("no delivery of '{id}' is awaiting acceptance"),
        })
    }
}

fn select_by_text(c: &Commitment, text: &str) -> Result<Option<Due>, String> {
    if let Ok(date) = text.parse::<NaiveDate>() {
        return Ok(c
            .schedule
            .occurrences()
            .take_while(|o| o.date <= date)
            .find(|o| o.date == date));
    }
    let month: Period = text.parse().map_err(|_| {
        format!("'{text}' is neither a due date (YYYY-MM-DD) nor a month (YYYY-MM)")
    })?;
    let next_month = month.next().first_day();
    Ok(c.schedule
        .occurrences()
        .take_while(|o| o.covers.map_or(o.date < next_month, |p| p <= month))
        .find(|o| o.covers.map_or(month.contains_date(o.date), |p| p == month)))
}

/// How many of the `days_late` days after `due` fall in `period`.
fn late_days_within(due: NaiveDate, days_late: i64, period: Period) -> i64 {
    let Some(first_late) = due.checked_add_days(Days::new(1)) else {
        return 0;
    };
    let last_late = due + chrono::Duration::days(days_late);
    let from = first_late.max(period.first_day());
    let to = last_late.min(period.next().first_day().pred_opt().unwrap_or(last_late));
    if to < from {
        0
    } else {
        (to - from).num_days() + 1
    }
}

#[cfg(test)]
#[path = "commitments_tests.rs"]
mod tests;
