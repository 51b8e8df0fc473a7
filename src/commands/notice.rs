//! `slawatch notice`: the notice letter for one escalation trigger of a
//! month, in HTML or PDF. Writing a rectification plan's notice also adds
//! the plan to the commitments register, due on the deadline (once: the
//! daemon adds the same commitment when the month closes).

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::{Failure, month};
use crate::config::Config;
use crate::domain::{Period, WallClock};
use crate::report::notice::Notice;
use crate::store::Store;
use crate::store::commitments::RegisterError;

/// The notice's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NoticeFormat {
    /// A self-contained page.
    Html,
    /// An A4 letter (binary: needs `--out`).
    Pdf,
}

/// What `slawatch notice` is asked for.
#[derive(Debug)]
pub struct NoticeArgs {
    /// The contract id.
    pub contract: String,
    /// The escalation rule's id.
    pub trigger: String,
    /// The month, `YYYY-MM` (default: the last closed month).
    pub month: Option<String>,
    /// The format.
    pub format: NoticeFormat,
    /// Where to write it (default: standard output, HTML only).
    pub out: Option<PathBuf>,
}

/// Writes the notice, or says why there is none.
pub async fn run(
    config: &Config,
    store: &Store,
    args: NoticeArgs,
    clock: &WallClock,
) -> Result<(), Failure> {
    if args.format == NoticeFormat::Pdf && args.out.is_none() {
        return Err(Failure::input(
            "--format pdf: a binary format needs --out FILE",
        ));
    }
    let now = clock.now();
    let month_text = match &args.month {
        Some(m) => m.clone(),
        None => match config.contract(&args.contract) {
            Some(c) => Period::of(now, c.timezone).prev().to_string(),
            None => String::new(),
        },
    };
    let (contract, period) = month::arguments(config, &args.contract, &month_text)?;
    if !contract.escalations.iter().any(|r| r.id == args.trigger) {
        let known: Vec<&str> = contract.escalations.iter().map(|r| r.id.as_str()).collect();
        return Err(Failure::input(format!(
            "--trigger: contract {} has no escalation rule '{}' (configured: {})",
            contract.id,
            args.trigger,
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )));
    }
    let report = crate::report::assemble::month_alone(store, config, contract, period, now, None)
        .await
        .map_err(Failure::runtime)?;
    let Some(e) = report
        .escalations
        .iter()
        .flatten()
        .find(|e| e.rule == args.trigger)
    else {
        return Err(Failure::input(format!(
            "rule '{}' of contract {} was not triggered in {period}",
            args.trigger, contract.id
        )));
    };
    if let Some(spec) = crate::alerts::escalation::rectification_commitment(e) {
        let added = store
            .add_commitment(contract, &config.calendars, &spec, "escalation", now)
            .await;
        match added {
            Ok(()) => {}
            // Already in the register: added by the daemon or an earlier notice.
            Err(RegisterError::Invalid(m)) if m.contains("already has a commitment") => {}
            Err(other) => return Err(Failure::runtime(other)),
        }
    }
    let notice = Notice::new(contract, e);
    let bytes = match args.format {
        NoticeFormat::Html => notice.html().map_err(Failure::runtime)?.into_bytes(),
        NoticeFormat::Pdf => crate::report::pdf::notice::render(&notice),
    };
    write(args.out.as_deref(), &bytes)
}

fn write(out: Option<&Path>, bytes: &[u8]) -> Result<(), Failure> {
    match out {
        Some(path) => std::fs::write(path, bytes)
            .map_err(|e| Failure::runtime(anyhow::anyhow!("cannot write {}: {e}", path.display()))),
        None => {
            println!("{}", String::from_utf8_lossy(bytes));
            Ok(())
        }
    }
}
