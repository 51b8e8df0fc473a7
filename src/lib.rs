//! slawatch: the customer's independent monitor of an outsourced IT supplier.
//!
//! It ingests the supplier's incident, outage and work data, measures every
//! service level against the contract with business-hours calendars, works out
//! service credits and recoverable costs, and writes the monthly breach report.
//!
//! # Layout
//! A module only uses the modules before it in this line, so no two reach
//! each other:
//!
//! `domain → contract → config, engine → store → import, records, actions,
//! report, alerts → issuing, metrics, sources, leader → daemon → http → web → commands → cli`
//!
//! - [`domain`]: money, percentages, months, instants, the wall clock,
//!   evidence records and what people record.
//! - [`contract`]: the contract as written: service levels, calendars,
//!   commitments, the DR register's systems.
//! - [`config`]: the TOML configuration, validated with key paths.
//! - [`engine`]: the pure measures (no I/O; "now" is an argument), and the
//!   month in progress as live detection sees it.
//! - [`store`]: the evidence store (all SQL lives here).
//! - [`import`]: CSV and JSON Lines files into the store.
//! - [`records`]: costs, excusals and disputes stated by people, checked
//!   against the contract (the store keeps them with an audit trail).
//! - [`actions`]: the actions register as people state it (audit actions and
//!   their status on the auditors' scale), and audit trackers imported.
//! - [`report`]: the monthly report, assembled once, in JSON, CSV, HTML, PDF and XLSX.
//! - [`alerts`]: what to tell contract managers, and delivering it.
//! - [`issuing`]: closing a month: the report issued once and emailed.
//! - [`metrics`]: the Prometheus metrics the daemon serves.
//! - [`sources`]: the daemon's polled and watched sources.
//! - [`leader`]: which of several daemons on one database leads.
//! - [`daemon`]: `slawatch run`: its shared parts, supervision and live detection.
//! - [`http`]: the HTTP API, `/metrics` and `/healthz`.
//! - [`web`]: the contract manager's web desk: sign-in, pages and forms.
//! - [`commands`] and [`cli`]: the subcommands, their arguments and dispatch.
//! - [`generate`]: seeded synthetic evidence in the interchange formats, for
//!   tests, the demo and benchmarks.
//! - [`logging`] and [`shutdown`]: log set-up, and waits that end when the
//!   daemon stops.

#![warn(missing_docs)]

pub mod actions;
pub mod alerts;
pub mod cli;
pub mod commands;
pub mod config;
pub mod contract;
pub mod daemon;
pub mod domain;
pub mod engine;
pub mod generate;
pub mod http;
pub mod import;
pub mod issuing;
pub mod leader;
pub mod logging;
pub mod metrics;
pub mod records;
pub mod report;
pub mod shutdown;
pub mod sources;
pub mod store;
pub mod web;
