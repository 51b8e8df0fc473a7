//! Alerts: deciding what to tell contract managers, and delivering it.
//!
//! # Layout
//! - [`sender`]: delivers the outbox by SMTP, or as `.eml` files without `[email]`.

pub mod sender;
