//! `slawatch pack`: the audit committee's pack over a run of months, in
//! HTML, PDF or JSON, as the evidence stands now (marked PROVISIONAL);
//! `--issue` records it (the next version only when figures changed),
//! emails it, and writes the version issued.

use std::path::Path;

use clap::ValueEnum;

use super::Failure;
use super::records::contract;
use crate::config::Config;
use crate::domain::{Period, WallClock};
use crate::issuing::pack::{issue_pack, prepare, scope};
use crate::store::Store;

/// The pack's output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PackFormat {
    /// A self-contained page.
    Html,
    /// An A4 document (binary: needs `--out`).
    Pdf,
    /// The pack's figures.
    Json,
}

/// What `slawatch pack` was asked.
#[derive(Debug)]
pub struct PackRequest<'a> {
    /// The first month, `YYYY-MM`.
    pub from: &'a str,
    /// The last month, `YYYY-MM`.
    pub to: &'a str,
    /// One contract, or every contract.
    pub contract: Option<&'a str>,
    /// The format written.
    pub format: PackFormat,
    /// Where; standard output when absent.
    pub out: Option<&'a Path>,
    /// Record and email it first.
    pub issue: bool,
}

/// Writes the pack; with `issue`, records and emails it first.
pub async fn run(
    config: &Config,
    store: &Store,
    req: PackRequest<'_>,
    clock: &WallClock,
) -> Result<(), Failure> {
    if req.format == PackFormat::Pdf && req.out.is_none() {
        return Err(Failure::input(
            "--format pdf: a binary format needs --out FILE",
        ));
    }
    let month = |flag: &str, text: &str| {
        text.parse::<Period>()
            .map_err(|e| Failure::input(format!("{flag} '{text}': {e}")))
    };
    let (from, to) = (month("--from", req.from)?, month("--to", req.to)?);
    if from > to {
        return Err(Failure::input(format!(
            "--from {from} is after --to {to}: give the first month, then the last"
        )));
    }
    if let Some(id) = req.contract {
        contract(config, id)?;
    }
    let now = clock.now();
    let bytes = if req.issue {
        match issue_pack(config, store, req.contract, (from, to), now)
            .await
            .map_err(Failure::runtime)?
        {
            Some(done) => eprintln!(
                "issued the pack for {}..{} version {}",
                done.key.from, done.key.to, done.key.version
            ),
            None => eprintln!("nothing changed since the last issue; not reissued"),
        }
        // The document written is the version issued, as emailed.
        let issued = store
            .latest_pack(scope(req.contract), &from.to_string(), &to.to_string())
            .await
            .map_err(Failure::runtime)?
            .ok_or_else(|| {
                Failure::runtime(anyhow::anyhow!("the issued pack is not in the store"))
            })?;
        match req.format {
            PackFormat::Html => issued.html.into_bytes(),
            PackFormat::Pdf => issued.pdf,
            PackFormat::Json => issued.json.into_bytes(),
        }
    } else {
        let rendered = prepare(config, store, req.contract, (from, to), now)
            .await
            .map_err(Failure::runtime)?;
        match req.format {
            PackFormat::Html => rendered.html.into_bytes(),
            PackFormat::Pdf => rendered.pdf,
            PackFormat::Json => rendered.json.into_bytes(),
        }
    };
    match req.out {
        Some(path) => std::fs::write(path, bytes)
            .map_err(|e| Failure::runtime(anyhow::anyhow!("cannot write {}: {e}", path.display()))),
        None => {
            println!("{}", String::from_utf8_lossy(&bytes));
            Ok(())
        }
    }
}
