//! Alerts: deciding what to tell contract managers, and delivering it.
//! Live detection (the daemon's loop) hands each contract's month in
//! progress to [`detect::contract_alerts`]; what it returns is queued once.
//!
//! # Layout
//! - [`detect`]: at-risk and breached incidents and months certain to fail,
//!   and every other part of a contract's alerts gathered in one call.
//! - [`feeds`]: outages starting and ending, sources failing or gone stale.
//! - [`evidence`]: records changed after the fact in the supplier's favour;
//!   rows refused because another source owns their record.
//! - [`actions`]: actions of the actions register due soon, overdue and overdue
//!   again each week.
//! - [`commitments`]: commitments due soon, overdue and overdue again each
//!   week; the supplier's figures that disagree with slawatch's.
//! - [`dr`]: a disaster-recovery flag newly raised on a system.
//! - [`escalation`]: an escalation trigger of a closed month, and the rectification plan it makes due.
//! - [`recovery`]: an issued claim still unpaid after `recovery_chase_after` days.
//! - [`subscriptions`]: each manager's kinds, at once or in the digest, and quiet hours.
//! - `weekly`: each Monday, a contract's month to date.
//! - [`compose`]: the words of an alert, as text and HTML.
//! - [`sender`]: delivers the outbox, retrying with backoff until each alert is sent.
//! - `per_recipient`: one message by SMTP, each recipient in an envelope of its own.
//! - [`refusal`]: a recipient refused for good: when to give up on it, and who to tell.
//! - [`digest`]: batches at-risk warnings into one message per interval and recipients.
//! - [`message`]: one message (an alert or a digest) and its RFC 5322 form.
//! - [`transport`]: an SMTP relay (`[email]`), or `.eml` files under `data_dir/outbox/`.

pub mod actions;
pub mod commitments;
pub mod compose;
pub mod detect;
pub mod digest;
pub mod dr;
pub mod escalation;
pub mod evidence;
pub mod feeds;
pub mod message;
pub mod oauth;
mod per_recipient;
pub mod recovery;
pub mod refusal;
pub mod sender;
pub mod subscriptions;
pub mod transport;
mod weekly;
