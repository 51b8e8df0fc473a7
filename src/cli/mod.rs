//! The command line (see docs/book/src/reference/commands.md): one binary, a subcommand
//! per job, every
//! command taking `--config FILE`. Exit codes: 0 success, 1 bad input or
//! configuration, 2 runtime failure, 3 (`verify` only) a hash chain broken.

mod dispatch;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::commands;
use crate::commands::actions::ActionsCommand;
use crate::commands::commitment::CommitmentCommand;
use crate::commands::evaluate::EvaluateFormat;
use crate::commands::month::Seen;
use crate::commands::pack::PackFormat;
use crate::commands::report::ReportFormat;
use crate::commands::user::UserCommand;
use crate::domain::{Instant, WallClock};

/// slawatch: the customer's independent monitor of an outsourced IT supplier.
#[derive(Debug, Parser)]
#[command(name = "slawatch", version, about, long_about = None)]
pub struct Cli {
    /// The configuration file.
    #[arg(
        long,
        global = true,
        default_value = "config/slawatch.toml",
        value_name = "FILE"
    )]
    pub config: PathBuf,
    /// Run as if it were this instant (RFC 3339), for tests and for re-running
    /// a past day: the clock stands still there for the whole run.
    #[arg(long, global = true, value_name = "INSTANT", value_parser = parse_instant)]
    pub now: Option<Instant>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The clock every command reads: stopped at `--now` when given, else the system's.
    pub fn clock(&self) -> WallClock {
        self.now.map_or_else(WallClock::system, WallClock::manual)
    }
}

/// `--now`: an RFC 3339 instant (clap names the option in the error and exits 1).
fn parse_instant(text: &str) -> Result<Instant, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("not an RFC 3339 instant (e.g. 2026-10-12T09:00:00Z): {e}"))
}

/// How the daemon writes its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object a line.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: sources, live detection, alerts, HTTP API and metrics, until SIGINT/SIGTERM.
    Run {
        /// Log lines for people (`text`) or for a log collector (`json`).
        #[arg(long, value_enum, default_value_t = LogFormat::Text)]
        log_format: LogFormat,
    },
    /// Validate the configuration: exit 0, or print every problem and exit 1.
    /// Lists which definitions (service levels, charges, caps) apply in
    /// which months for contracts that date them, or for `--contract`.
    Check {
        /// List this contract's definitions by month even if it dates none.
        #[arg(long)]
        contract: Option<String>,
    },
    /// Import CSV or JSON Lines files (kind from the header, the `type` field or the file name).
    Import {
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Correct records whatever source owns them (a person's correction,
        /// audited record by record); needs --by and --reason.
        #[arg(long, requires_all = ["by", "reason"])]
        correct: bool,
        /// Who corrects (kept in the audit trail).
        #[arg(long, value_name = "NAME", requires = "correct")]
        by: Option<String>,
        /// Why (kept in the audit trail).
        #[arg(long, value_name = "TEXT", requires = "correct")]
        reason: Option<String>,
    },
    /// Measure every service level of a contract for a month.
    Evaluate {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = EvaluateFormat::Table)]
        format: EvaluateFormat,
        /// The instants the month is seen at.
        #[command(flatten)]
        seen: Seen,
    },
    /// Write the monthly breach report.
    Report {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// Output format.
        #[arg(long, value_enum)]
        format: ReportFormat,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// The instants the month is seen at.
        #[command(flatten)]
        seen: Seen,
        /// Issue the month (the next, amended version if figures changed
        /// since the last issue) before writing the report.
        #[arg(long)]
        reissue: bool,
    },
    /// Write the audit committee's pack over a run of months: the assurance
    /// map, service levels, outages by cause, money claimed and recovered,
    /// commitments, DR risk, actions, and what changed since the last pack.
    Pack {
        /// The first month, YYYY-MM.
        #[arg(long)]
        from: String,
        /// The last month, YYYY-MM.
        #[arg(long)]
        to: String,
        /// One contract only (every contract by default).
        #[arg(long)]
        contract: Option<String>,
        /// Output format.
        #[arg(long, value_enum)]
        format: PackFormat,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Record and email the pack (the next version only when figures
        /// changed since the last issue) before writing it.
        #[arg(long)]
        issue: bool,
    },
    /// Record what caused an outage or an incident (malware, hardware,
    /// change, …), read from the supplier's root-cause report.
    Cause {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// The outage's id.
        #[arg(
            long,
            conflicts_with = "incident",
            required_unless_present = "incident"
        )]
        outage: Option<String>,
        /// The incident's id.
        #[arg(long)]
        incident: Option<String>,
        /// The cause: one lower-case word.
        #[arg(long)]
        cause: String,
        /// Who classified it.
        #[arg(long)]
        by: String,
        /// Why: the report read.
        #[arg(long)]
        why: String,
    },
    /// Write the notice letter for an escalation rule a month triggered:
    /// the clause, the evidence, the consequence and the supplier's deadline.
    Notice {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// The escalation rule's id.
        #[arg(long, value_name = "RULE_ID")]
        trigger: String,
        /// The month, YYYY-MM (default: the last closed month).
        #[arg(long)]
        month: Option<String>,
        /// Output format.
        #[arg(long, value_enum)]
        format: crate::commands::notice::NoticeFormat,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Issue a closed month's report by hand, as the daemon does on its
    /// schedule: every format written, recorded and emailed once.
    Issue {
        /// Only this contract (default: every contract).
        #[arg(long)]
        contract: Option<String>,
        /// The month, YYYY-MM (default: the previous month in each contract's timezone).
        #[arg(long)]
        month: Option<String>,
        /// Issue the next, amended version if figures changed since the last issue.
        #[arg(long)]
        reissue: bool,
        /// Who issues it: recorded as the manager's approval on the issued
        /// document (without it the document names no approver).
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// Approve the latest draft of a month's report, so the daemon issues it.
    Approve {
        /// The contract.
        #[arg(long)]
        contract: String,
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// Who approves it: shown on the issued document.
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// The issued versions of a month's report as the store keeps them; with
    /// `--out`, write one version's documents (PDF, XLSX, HTML, CSV, JSON) there.
    Issued {
        /// The contract.
        #[arg(long)]
        contract: String,
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// With `--out`: this version (default: the latest).
        #[arg(long, requires = "out")]
        version: Option<i64>,
        /// Write the version's stored documents into this folder.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Every version of an incident (with its holds), an outage or a work
    /// item: what changed, when the store received it, from which source,
    /// import and line.
    #[command(group(clap::ArgGroup::new("record").required(true).args(["incident", "outage", "work_item"])))]
    History {
        /// The contract.
        #[arg(long)]
        contract: String,
        /// An incident's id.
        #[arg(long, value_name = "KEY")]
        incident: Option<String>,
        /// An outage's id.
        #[arg(long, value_name = "KEY")]
        outage: Option<String>,
        /// A work item's id.
        #[arg(long, value_name = "KEY")]
        work_item: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = commands::records::ListFormat::Table)]
        format: commands::records::ListFormat,
    },
    /// Record, list or remove recoverable costs (money the customer spent because of a breach).
    Cost {
        /// What to do.
        #[command(subcommand)]
        action: commands::cost::CostCommand,
    },
    /// Money actually recovered: record the supplier's credit notes and refusals against the
    /// issued claims, and see what is still outstanding and for how long.
    CreditNote {
        /// What to do.
        #[command(subcommand)]
        action: commands::credit_note::CreditNoteCommand,
    },
    /// The disaster-recovery register: record DR tests of the contract's systems (withdraw one
    /// recorded by mistake), list the register with its flags and the supplier's DR risk rating.
    DrTest {
        /// What to do.
        #[command(subcommand)]
        action: commands::dr::DrTestCommand,
    },
    /// Third-party DR assurance: a vendor's SOC 2 report, ISO 22301 certificate or DR test
    /// report for a system it runs, dated and with an expiry.
    DrAssurance {
        /// What to do.
        #[command(subcommand)]
        action: commands::dr::DrAssuranceCommand,
    },
    /// Evidence files (PDF, image, email) behind a cost, an excusal, a dispute, a commitment's
    /// delivery or a DR test: add one, list them, get one back byte for byte.
    Evidence {
        /// What to do.
        #[command(subcommand)]
        action: commands::evidence::EvidenceCommand,
    },
    /// Excuse an incident, an outage (whole, or part of it with --from and
    /// --until) or a service level's month (a relief event).
    Excuse {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// What to excuse.
        #[command(flatten)]
        target: commands::excuse::ExcusalTargetArgs,
        /// Excuse only part of --outage, from this instant (RFC 3339, or
        /// `YYYY-MM-DD HH:MM` in the contract's timezone; with --until).
        #[arg(long, value_name = "INSTANT", requires_all = ["outage", "until"])]
        from: Option<String>,
        /// …until this instant (exclusive; with --from). The rest of the
        /// outage still counts as downtime.
        #[arg(long, value_name = "INSTANT", requires_all = ["outage", "from"])]
        until: Option<String>,
        /// Why the contract does not count it.
        #[arg(long)]
        reason: String,
        /// Who is excusing it (kept in the audit trail).
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// Revoke an excusal: what it covered counts again.
    Unexcuse {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// What was excused (or give --id).
        #[command(flatten)]
        target: commands::excuse::ExcusalTargetArgs,
        /// The excusal's id (from `excusals`), instead of what it covers.
        #[arg(long, conflicts_with_all = ["incident", "outage", "service_level"])]
        id: Option<i64>,
        /// Why it counts again.
        #[arg(long)]
        reason: String,
        /// Who is revoking it.
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// List a contract's excusals, revoked ones included.
    Excusals {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = commands::records::ListFormat::Table)]
        format: commands::records::ListFormat,
    },
    /// Record and decide the supplier's disputes of breaches and costs.
    Dispute {
        /// What to do.
        #[command(subcommand)]
        action: commands::dispute::DisputeCommand,
    },
    /// Show the audit trail of costs, excusals and disputes.
    Audit {
        /// The contract id.
        #[arg(long)]
        contract: String,
        /// Only what the month's report quotes, YYYY-MM.
        #[arg(long)]
        month: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = commands::records::ListFormat::Table)]
        format: commands::records::ListFormat,
    },
    /// Recompute the hash chains sealing the audit trail and the issued
    /// reports: per chain, the rows it vouches for and its head, or the first
    /// row that breaks it (then exit 3).
    Verify {
        /// Only this contract's chains (default: every contract).
        #[arg(long)]
        contract: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = commands::records::ListFormat::Table)]
        format: commands::records::ListFormat,
    },
    /// Write seeded synthetic evidence as interchange CSV files.
    Generate {
        /// The folder to write into.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The random seed: the same seed gives the same files.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Incidents in total.
        #[arg(long, default_value_t = 2_000)]
        incidents: u64,
        /// The first month, YYYY-MM (default: last month).
        #[arg(long)]
        from: Option<String>,
        /// How many months.
        #[arg(long, default_value_t = 1)]
        months: u32,
        /// Invent this many contracts (and write their configuration to DIR/slawatch.toml)
        /// instead of using the configured ones.
        #[arg(long)]
        contracts: Option<usize>,
    },
    /// Show the product on its embedded default: a sample month imported, evaluated and
    /// reported, a few incidents happening now, then the daemon.
    Demo {
        /// Stop after preparing the data and reports; do not start the daemon.
        #[arg(long)]
        no_daemon: bool,
    },
    /// The web desk's people: add (password on standard input), disable, list.
    User {
        /// What to do.
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The commitments register: add commitments, record deliveries, acceptances and rejections, list.
    Commitment {
        /// What to do.
        #[command(subcommand)]
        command: CommitmentCommand,
    },
    /// The actions register: actions agreed after audits, committee resolutions and plans,
    /// their status on the auditors' scale, the follow-up summary, tracker imports.
    Actions {
        /// What to do.
        #[command(subcommand)]
        command: ActionsCommand,
    },
    /// Measure import and evaluation speed and peak memory on generated data.
    Bench {
        /// Incidents in total.
        #[arg(long, default_value_t = 1_000_000)]
        incidents: u64,
        /// Synthetic contracts.
        #[arg(long, default_value_t = 10)]
        contracts: usize,
        /// Working folder (emptied first).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Measure on this PostgreSQL server (`postgres://…`, a role that may
        /// create databases) instead of a SQLite file: the benchmark works in
        /// a fresh database of its own there and drops it afterwards.
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
    },
    /// Load-test the push API: a real daemon on loopback, authenticated
    /// batches of incidents from several clients for a set time; prints
    /// records per second, latency and the daemon's memory.
    BenchWebhook {
        /// How long to push, in seconds.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Clients pushing at once.
        #[arg(long, default_value_t = 4)]
        clients: usize,
        /// Records per request.
        #[arg(long, default_value_t = 100)]
        batch: usize,
        /// Working folder (emptied first).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Copy a whole store to another database (e.g. SQLite to PostgreSQL) and check the copy.
    MigrateStore {
        /// The store to copy (`sqlite://…` or `postgres://…`); left unchanged.
        #[arg(long, value_name = "URL")]
        from: String,
        /// The store to fill; it must be empty unless `--replace`.
        #[arg(long, value_name = "URL")]
        to: String,
        /// Empty the target first (a SQLite target file is removed and created again).
        #[arg(long)]
        replace: bool,
    },
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    // Bad arguments are bad input: exit 1 (see docs/book/src/reference/commands.md), not
    // clap's 2.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let (level, json) = match &cli.command {
        Command::Run { log_format } => ("info", *log_format == LogFormat::Json),
        Command::Demo { no_daemon: false } => ("info", false),
        _ => ("warn", false),
    };
    crate::logging::init(level, json);
    // reqwest and lettre share rustls with the ring provider; it must be
    // chosen once before the first TLS client is built.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(dispatch::dispatch(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
