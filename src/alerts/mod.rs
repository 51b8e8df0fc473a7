//! Alerts: deciding what to tell contract managers, and delivering it.
//!
//! # Layout
//! - [`detect`]: live detection of at-risk and breached incidents, months
//!   certain to fail, outages and failing sources.
//! - [`compose`]: the words of an alert, as text and HTML.
//! - [`sender`]: delivers the outbox by SMTP, or as `.eml` files without `[email]`.

pub mod compose;
pub mod detect;
pub mod sender;
