//! The measures of SPEC §2, pure: evidence in, figures out, "now" passed in.
//!
//! # Layout
//! - [`calendar`]: business hours and business time.

pub mod calendar;
