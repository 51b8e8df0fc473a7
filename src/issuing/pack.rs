//! Issuing the audit committee's pack. On the `[pack] schedule` (cron with
//! seconds, read in the first contract's timezone; default 08:00 on the
//! first day of each quarter) the pack of the `[pack] months` just ended is
//! assembled over every contract, recorded in the store as version 1
//! (insert-only, with its JSON, HTML and PDF), written under
//! `data_dir/packs/`, and emailed to `[pack] recipients` (every contract's
//! managers when none are set) with the PDF attached, in one transaction so
//! it is emailed once.
//!
//! **Once per period, across restarts and daemons**: each check asks the
//! store whether the period's pack exists; a second daemon that assembles
//! the same version finds it recorded and does nothing. A reissue
//! (`slawatch pack --issue`) adds the next version only when a figure
//! changed since the latest.

use std::path::PathBuf;
use std::str::FromStr;

use anyhow::Context;
use sha2::{Digest, Sha256};

use crate::alerts::compose::{Facts, alert};
use crate::config::Config;
use crate::contract::Contract;
use crate::domain::{Instant, Period};
use crate::report::document::format::Style;
use crate::report::pack::data::{Pack, PackIssue};
use crate::report::pack::document::{build, months_words, title};
use crate::report::pack::{Assembled, assemble, changes};
use crate::store::Store;
use crate::store::outbox::{Attachment, Severity, enqueue};
use crate::store::packs::{self, EVERY_CONTRACT, IssuedPack, PackKey};

/// A pack rendered: its JSON, HTML and PDF.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The figures.
    pub pack: Pack,
    /// The JSON.
    pub json: String,
    /// The HTML page.
    pub html: String,
    /// The PDF document.
    pub pdf: Vec<u8>,
}

/// The contracts a scope covers: one by id, or every contract (`None`).
pub fn contracts<'c>(
    config: &'c Config,
    contract: Option<&str>,
) -> anyhow::Result<Vec<&'c Contract>> {
    match contract {
        None => Ok(config.contracts.iter().collect()),
        Some(id) => config
            .contract(id)
            .map(|c| vec![c])
            .with_context(|| format!("no contract '{id}' in the configuration")),
    }
}

/// The stored scope of a pack of `contract` (every contract for `None`).
pub fn scope(contract: Option<&str>) -> &str {
    contract.unwrap_or(EVERY_CONTRACT)
}

/// Assembles and renders the pack of `contract` (every contract for
/// `None`) over `from..=to` as the evidence stands at `now`, saying what
/// changed since the last pack issued before `from`. Not recorded.
pub async fn prepare(
    config: &Config,
    store: &Store,
    contract: Option<&str>,
    months: (Period, Period),
    now: Instant,
) -> anyhow::Result<Rendered> {
    render(
        config,
        &assemble_pack(config, store, contract, months, now).await?,
    )
}

/// [`prepare`] without the rendering.
async fn assemble_pack(
    config: &Config,
    store: &Store,
    contract: Option<&str>,
    (from, to): (Period, Period),
    now: Instant,
) -> anyhow::Result<Assembled> {
    let covered = contracts(config, contract)?;
    let scope = scope(contract);
    let mut assembled = assemble(store, config, &covered, scope, (from, to), now)
        .await
        .context("Failed to assemble the pack")?;
    if let Some(last) = store.pack_before(scope, &from.to_string()).await? {
        let before: Pack = serde_json::from_str(&last.json)
            .context("the last issued pack's JSON is unreadable")?;
        assembled.pack.changes = Some(changes::since(&before, last.key.version, &assembled.pack));
    }
    Ok(assembled)
}

/// Renders an assembled pack in every format.
pub fn render(config: &Config, assembled: &Assembled) -> anyhow::Result<Rendered> {
    let styles = config
        .contracts
        .iter()
        .map(|c| {
            (
                c.id.clone(),
                Style {
                    currency: c.currency.clone(),
                    tz: c.timezone,
                },
            )
        })
        .collect();
    let doc = build(assembled, &styles)
        .map_err(|e| anyhow::anyhow!("Failed to lay out the pack: {e}"))?;
    let name = title(&assembled.pack);
    let html = crate::report::html::render_page(&doc, &format!("{name} — {}", doc.status))
        .context("Failed to render the pack as HTML")?;
    let pdf = crate::report::pdf::render_pages(&doc, &name);
    let json = serde_json::to_string_pretty(&assembled.pack)?;
    Ok(Rendered {
        pack: assembled.pack.clone(),
        json,
        html,
        pdf,
    })
}

/// One version issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedPackFiles {
    /// Which pack and version.
    pub key: PackKey,
    /// The files written: HTML, PDF and JSON.
    pub files: Vec<PathBuf>,
}

/// Issues the pack of `contract` (every contract for `None`) over
/// `from..=to`: version 1 when none is recorded, else the next version when
/// a figure changed since the latest; `None` when nothing was issued.
pub async fn issue_pack(
    config: &Config,
    store: &Store,
    contract: Option<&str>,
    (from, to): (Period, Period),
    now: Instant,
) -> anyhow::Result<Option<IssuedPackFiles>> {
    let scope = scope(contract);
    let (from_s, to_s) = (from.to_string(), to.to_string());
    let latest = store.latest_pack(scope, &from_s, &to_s).await?;
    let mut assembled = assemble_pack(config, store, contract, (from, to), now).await?;
    if let Some(latest) = &latest {
        let issued: Pack = serde_json::from_str(&latest.json)
            .context("the latest issued pack's JSON is unreadable")?;
        if issued.figures() == assembled.pack.figures() {
            return Ok(None);
        }
    }
    let version = latest.as_ref().map_or(1, |l| l.key.version + 1);
    assembled.pack.issue = Some(PackIssue {
        version,
        issued_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    let rendered = render(config, &assembled)?;
    let key = PackKey {
        scope: scope.to_string(),
        from: from_s,
        to: to_s,
        version,
    };
    let record = IssuedPack {
        key: key.clone(),
        issued_at: now.timestamp(),
        sha256: hex::encode(Sha256::digest(rendered.json.as_bytes())),
        json: rendered.json.clone(),
        html: rendered.html.clone(),
        pdf: rendered.pdf.clone(),
    };
    let files = write_files(config, &key, &rendered)?;
    let mut tx = store.begin().await?;
    if !packs::insert(&mut tx, &record).await? {
        // Another daemon recorded this version first.
        return Ok(None);
    }
    enqueue(
        &mut tx,
        &pack_alert(config, &rendered.pack, &key, &files),
        now.timestamp(),
    )
    .await?;
    tx.commit()
        .await
        .context("Failed to record the issued pack")?;
    tracing::info!(scope, from = %key.from, to = %key.to, version, "committee pack issued");
    Ok(Some(IssuedPackFiles { key, files }))
}

/// The period due at `now`: the `[pack] months` months ending with the
/// month before the schedule's first time in the current month, once that
/// time has passed.
pub fn due(config: &Config, now: Instant) -> anyhow::Result<Option<(Period, Period)>> {
    let schedule = cron::Schedule::from_str(&config.pack.schedule)
        .context("Failed to read [pack] schedule")?;
    let tz = config
        .contracts
        .first()
        .map_or(chrono_tz::UTC, |c| c.timezone);
    let Some(to) = super::due_period_in_month(&schedule, tz, now) else {
        return Ok(None);
    };
    Ok(Some((first_month(config, to), to)))
}

/// The first month of a pack of `[pack] months` ending with `last`.
pub fn first_month(config: &Config, last: Period) -> Period {
    (1..config.pack.months).fold(last, |p, _| p.prev())
}

/// Issues the pack due at `now` over every contract, unless it was issued
/// before.
pub async fn issue_due(
    config: &Config,
    store: &Store,
    now: Instant,
) -> anyhow::Result<Option<IssuedPackFiles>> {
    if config.contracts.is_empty() {
        return Ok(None);
    }
    let Some((from, to)) = due(config, now)? else {
        return Ok(None);
    };
    if store
        .latest_pack(EVERY_CONTRACT, &from.to_string(), &to.to_string())
        .await?
        .is_some()
    {
        return Ok(None);
    }
    issue_pack(config, store, None, (from, to), now).await
}

/// Writes the version's HTML, PDF and JSON under
/// `data_dir/packs/SCOPE/FROM_TO/`, each through a temporary file.
fn write_files(config: &Config, key: &PackKey, r: &Rendered) -> anyhow::Result<Vec<PathBuf>> {
    let scope_dir = if key.scope == EVERY_CONTRACT {
        "all"
    } else {
        key.scope.as_str()
    };
    let dir = config
        .daemon
        .data_dir
        .join("packs")
        .join(scope_dir)
        .join(format!("{}_{}", key.from, key.to));
    std::fs::create_dir_all(&dir).with_context(|| format!("Failed to create {}", dir.display()))?;
    let stem = file_stem(key);
    [
        ("html", r.html.as_bytes()),
        ("pdf", r.pdf.as_slice()),
        ("json", r.json.as_bytes()),
    ]
    .into_iter()
    .map(|(ext, bytes)| super::write_file(&dir.join(format!("{stem}.{ext}")), bytes))
    .collect()
}

/// `pack-2026-07-2026-09-v1`.
fn file_stem(key: &PackKey) -> String {
    format!("pack-{}-{}-v{}", key.from, key.to, key.version)
}

/// The email to the pack's recipients, the PDF attached.
fn pack_alert(
    config: &Config,
    pack: &Pack,
    key: &PackKey,
    files: &[PathBuf],
) -> crate::store::outbox::NewAlert {
    let mut recipients = config.pack.recipients.clone();
    if recipients.is_empty() {
        for c in &config.contracts {
            if key.scope == EVERY_CONTRACT || key.scope == c.id {
                recipients.extend(c.managers.iter().cloned());
            }
        }
        recipients.sort();
        recipients.dedup();
    }
    let words = months_words(&key.from, &key.to);
    let headline = match key.version {
        1 => format!("Audit committee pack for {words} issued"),
        v => format!("Audit committee pack for {words} reissued as version {v} (figures changed)"),
    };
    let count = |r: &str| {
        pack.contracts
            .iter()
            .filter(|c| c.months.last().and_then(|m| m.rating.as_deref()) == Some(r))
            .count()
    };
    let overdue = pack.follow_up.last().map_or(0, |t| t.overdue);
    let facts = Facts {
        headline,
        lines: vec![
            ("Contracts", pack.contracts.len().to_string()),
            (
                "Rated at the last month",
                format!(
                    "{} red, {} amber, {} green",
                    count("red"),
                    count("amber"),
                    count("green")
                ),
            ),
            ("Actions overdue", overdue.to_string()),
        ],
        evidence: format!(
            "Attached: {}.pdf. The HTML and JSON are kept beside it in {}.",
            file_stem(key),
            files
                .first()
                .and_then(|f| f.parent())
                .map_or_else(String::new, |d| d.display().to_string())
        ),
        ..Facts::default()
    };
    let mut mail = alert(
        format!(
            "pack_issued/{}/{}_{}/v{}",
            key.scope, key.from, key.to, key.version
        ),
        "pack_issued",
        Severity::Info,
        None,
        &recipients,
        &facts,
        false,
    );
    mail.attachments = vec![Attachment {
        filename: format!("{}.pdf", file_stem(key)),
        content_type: "application/pdf".to_string(),
        path: String::new(),
        issued: None,
        evidence_file: None,
        pack: Some(key.clone()),
    }];
    mail
}
