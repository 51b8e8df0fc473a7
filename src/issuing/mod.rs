//! Issuing: closing a month. On the `[reports] schedule` (cron with seconds,
//! read in each contract's timezone; default 07:00 on the 1st) the previous
//! month is drafted: its report is recorded as a draft and emailed to the
//! contract's managers marked DRAFT. Once a manager approves the latest draft
//! (`slawatch approve`), the next check issues it, naming the approver; a
//! contract with `auto_issue = true` skips the draft and issues at once.
//! With `issue_when = "feeds_complete"` the draft (or the issue) waits until
//! every expected source has delivered the month, or its deadline passed
//! ([`feed_gate`]), and the document says which.
//! Issuing generates the month's report in every format, written under
//! `data_dir/reports/CONTRACT/YYYY-MM/`, recorded as an issued version in the
//! store (insert-only) with every file's bytes, and its summary queued for the
//! contract's managers in the same transaction, so it is emailed once. The
//! email's PDF and XLSX are read back from the store when it is sent, so any
//! daemon on the store can send it, whichever machine issued the report.
//!
//! **Once per month per contract, across restarts**: every check asks the
//! store whether the previous month has an issued version; the schedule only
//! decides when the first attempt of the month may happen, so a daemon that
//! was down at 07:00 on the 1st issues as soon as it starts, and one started
//! again issues nothing. A reissue (`slawatch report --reissue`) adds the
//! next version when figures changed since the latest.

pub mod pack;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use anyhow::Context;
use chrono::Duration;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use crate::alerts::compose::{Facts, alert};
use crate::config::Config;
use crate::contract::Contract;
use crate::contract::IssueWhen;
use crate::domain::display::{local_time, money};
use crate::domain::{EvidenceFile, Instant, Period, WallClock};
use crate::engine::completeness::FeedGaps;
use crate::report::amendment::{amendment, changes};
use crate::report::{FeedGate, IssueState, MonthReport, ReportApproval};
use crate::shutdown::sleep_or_stop;
use crate::store::Store;
use crate::store::approvals::{self, Draft};
use crate::store::issued::{self, IssuedFile, IssuedKey, IssuedReport};
use crate::store::outbox::{Attachment, EvidenceFileKey, NewAlert, Severity, enqueue};

/// One version issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The contract.
    pub contract: String,
    /// The month closed.
    pub period: Period,
    /// Its version (1 for the first issue).
    pub version: i64,
    /// The files written, one per format.
    pub files: Vec<PathBuf>,
}

/// Issues the month's report unless it was issued before; with `reissue`,
/// issues the next version if any compared figure changed since the latest.
/// Returns what was issued, or `None` when there was nothing to do.
pub async fn issue_month(
    config: &Config,
    store: &Store,
    contract: &Contract,
    period: Period,
    now: Instant,
    reissue: bool,
) -> anyhow::Result<Option<Issued>> {
    issue_approved(
        config,
        store,
        contract,
        period,
        now,
        reissue,
        Closing::default(),
    )
    .await
}

/// What the issued document says of how its month was closed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Closing {
    /// The manager's approval (JSON `approval`, the HTML and PDF control line).
    pub approval: Option<ReportApproval>,
    /// Why a month held for its feeds was closed when it was (JSON `issue_gate`).
    pub feed_gate: Option<FeedGate>,
}

/// As [`issue_month`], saying on the issued document how the month was
/// closed ([`Closing`]).
pub async fn issue_approved(
    config: &Config,
    store: &Store,
    contract: &Contract,
    period: Period,
    now: Instant,
    reissue: bool,
    closing: Closing,
) -> anyhow::Result<Option<Issued>> {
    let latest = store
        .latest_issued(&contract.id, period)
        .await
        .context("Failed to read the issued report")?;
    if latest.is_some() && !reissue {
        return Ok(None);
    }
    let report = crate::report::assemble::with_trends(store, config, contract, period, now, None)
        .await
        .with_context(|| format!("Failed to build the {} report for {period}", contract.id))?;
    issue_report(config, store, report, latest, now, closing).await
}

/// Issues `report` as the version after `latest` (the first when `None`)
/// unless no compared figure changed since `latest`.
async fn issue_report(
    config: &Config,
    store: &Store,
    mut report: MonthReport<'_>,
    latest: Option<IssuedReport>,
    now: Instant,
    closing: Closing,
) -> anyhow::Result<Option<Issued>> {
    let (contract, period) = (report.contract, report.evaluation.period);
    report.approval = closing.approval;
    report.feed_gate = closing.feed_gate;
    let version = latest.as_ref().map_or(1, |l| l.version + 1);
    report.issue = Some(IssueState::Issued { version, at: now });
    let json = crate::report::json::render(&report).context("Failed to render the report JSON")?;
    if let Some(latest) = &latest {
        let value: serde_json::Value = serde_json::from_str(&json)?;
        if amendment(latest, &value).is_none() {
            return Ok(None);
        }
    }
    let documents = documents(&report, &json, version)?;
    let files = write_files(config, &report, &documents)?;
    let record = IssuedReport {
        contract: contract.id.clone(),
        period,
        version,
        issued_at: now.timestamp(),
        sha256: hex::encode(Sha256::digest(json.as_bytes())),
        json,
    };
    let key = IssuedKey {
        contract: contract.id.clone(),
        period: period.to_string(),
        version,
    };
    let mut tx = store.begin().await?;
    if !issued::insert(&mut tx, &record).await? {
        // Another issuer recorded this version first; its files are the same month's.
        return Ok(None);
    }
    issued::insert_files(&mut tx, &key, &documents).await?;
    let summary = summary_alert(&report, &key, &files, &config.daemon.data_dir)?;
    enqueue(&mut tx, &summary, now.timestamp()).await?;
    tx.commit()
        .await
        .context("Failed to record the issued report")?;
    tracing::info!(contract = %contract.id, %period, version, "monthly report issued");
    Ok(Some(Issued {
        contract: contract.id.clone(),
        period,
        version,
        files,
    }))
}

/// Issues the previous month (in each contract's timezone) for every
/// contract whose first scheduled attempt this month has come and which has
/// no issued version yet. A contract that fails is logged and tried again
/// at the next check; the others carry on.
pub async fn issue_due(
    config: &Config,
    store: &Store,
    now: Instant,
) -> anyhow::Result<Vec<Issued>> {
    let schedule = cron::Schedule::from_str(&config.reports.schedule)
        .context("Failed to read [reports] schedule")?;
    let mut issued = Vec::new();
    for contract in &config.contracts {
        let Some(period) = due_period(&schedule, contract.timezone, now) else {
            continue;
        };
        match close_month(config, store, contract, period, now).await {
            Ok(Some(done)) => issued.push(done),
            Ok(None) => {}
            Err(e) => tracing::warn!(
                contract = %contract.id, %period, error = format!("{e:#}"),
                "monthly report not issued; trying again at the next check"
            ),
        }
    }
    Ok(issued)
}

/// One scheduled step of closing a month: nothing once it is issued; for
/// a month held for its feeds, nothing until they are in or the deadline
/// passed; then with `auto_issue` the issue itself, otherwise the month's
/// first draft, and once that draft is approved, its issue.
async fn close_month(
    config: &Config,
    store: &Store,
    contract: &Contract,
    period: Period,
    now: Instant,
) -> anyhow::Result<Option<Issued>> {
    if contract.auto_issue && contract.issue_when == IssueWhen::Schedule {
        return issue_month(config, store, contract, period, now, false).await;
    }
    if store.latest_issued(&contract.id, period).await?.is_some() {
        tracing::debug!(contract = %contract.id, %period, "month already issued");
        return Ok(None);
    }
    if !contract.auto_issue
        && let Some(draft) = store.latest_draft(&contract.id, period).await?
    {
        let Some(approved) = store.approval(&contract.id, period, draft.draft).await? else {
            tracing::debug!(contract = %contract.id, %period, draft = draft.draft, "draft awaiting approval");
            return Ok(None);
        };
        // The approval is of the figures the manager was sent: if they
        // changed since (late evidence, a new cost or dispute), the month
        // is drafted again and waits for that draft's approval, rather than
        // issuing figures nobody approved over their name.
        let report =
            crate::report::assemble::with_trends(store, config, contract, period, now, None)
                .await
                .with_context(|| {
                    format!("Failed to build the {} report for {period}", contract.id)
                })?;
        let gate = draft.gate.as_deref().and_then(FeedGate::parse);
        let mut current = report;
        current.feed_gate = gate;
        let now_json: serde_json::Value =
            serde_json::from_str(&crate::report::json::render(&current)?)?;
        let approved_json: serde_json::Value =
            serde_json::from_str(&draft.json).context("the approved draft's JSON is unreadable")?;
        if !changes(&approved_json, &now_json).is_empty() {
            record_draft(store, current, gate, now, Some(draft.draft)).await?;
            return Ok(None);
        }
        let closing = Closing {
            approval: Some(ReportApproval {
                by: approved.by,
                at: chrono::DateTime::from_timestamp(approved.at, 0)
                    .context("the approval's time is out of range")?,
            }),
            feed_gate: gate,
        };
        // The report just compared is the one issued: no second assembly.
        return issue_report(config, store, current, None, now, closing).await;
    }
    let report = crate::report::assemble::with_trends(store, config, contract, period, now, None)
        .await
        .with_context(|| format!("Failed to build the {} report for {period}", contract.id))?;
    let Some(feed_gate) = feed_gate(contract, period, &report.feed_gaps, now) else {
        tracing::debug!(contract = %contract.id, %period, "waiting for the month's feeds");
        return Ok(None);
    };
    if contract.auto_issue {
        let closing = Closing {
            approval: None,
            feed_gate,
        };
        return issue_report(config, store, report, None, now, closing).await;
    }
    record_draft(store, report, feed_gate, now, None).await?;
    Ok(None)
}

/// Whether a month may be drafted (or issued) at `now`: `Some(None)` on
/// the schedule alone; for a month held for its feeds, `Some(Some(why))`
/// once every expected source has delivered data dated in it or the
/// deadline (calendar days after the month's end, in the contract's
/// timezone) has passed, and `None` while it waits.
pub fn feed_gate(
    contract: &Contract,
    period: Period,
    gaps: &FeedGaps,
    now: Instant,
) -> Option<Option<FeedGate>> {
    match contract.issue_when {
        IssueWhen::Schedule => Some(None),
        IssueWhen::FeedsComplete { deadline_days } => {
            if gaps.sources_without_data.is_empty() {
                return Some(Some(FeedGate::Complete));
            }
            let end = period
                .end(contract.timezone)
                .with_timezone(&contract.timezone);
            let deadline = end.checked_add_days(chrono::Days::new(deadline_days.into()))?;
            (now >= deadline).then_some(Some(FeedGate::DeadlinePassed))
        }
    }
}

/// Records the month's next draft after `after` (the first when `None`)
/// and queues it for the contract's managers, marked DRAFT, in one
/// transaction, so it is emailed once. Returns the draft's number, or
/// `None` when another daemon drafted first.
async fn record_draft(
    store: &Store,
    report: MonthReport<'_>,
    feed_gate: Option<FeedGate>,
    now: Instant,
    after: Option<i64>,
) -> anyhow::Result<Option<i64>> {
    let (contract, period) = (report.contract, report.evaluation.period);
    // A draft recorded meanwhile (by another daemon around a change of
    // leader) stands, rather than a second one emailed beside it and the
    // first one's approval left pointing at an older draft.
    if store
        .latest_draft(&contract.id, period)
        .await?
        .map(|d| d.draft)
        != after
    {
        return Ok(None);
    }
    let number = after.map_or(1, |n| n + 1);
    let mut report = report;
    report.feed_gate = feed_gate;
    report.issue = Some(IssueState::Draft { number, at: now });
    let json = crate::report::json::render(&report).context("Failed to render the draft JSON")?;
    let draft = Draft {
        contract: contract.id.clone(),
        period,
        draft: number,
        drafted_at: now.timestamp(),
        sha256: hex::encode(Sha256::digest(json.as_bytes())),
        json,
        gate: feed_gate.map(|g| g.as_str().to_string()),
    };
    let mut tx = store.begin().await?;
    if !approvals::insert_draft(&mut tx, &draft).await? {
        return Ok(None);
    }
    enqueue(&mut tx, &draft_alert(&report, number), now.timestamp()).await?;
    tx.commit()
        .await
        .context("Failed to record the report draft")?;
    tracing::info!(contract = %contract.id, %period, draft = number, "monthly report drafted; awaiting approval");
    Ok(Some(number))
}

/// The month to close at `now`: the previous one, once the schedule's first
/// time in the current month (in `tz`) has passed.
pub fn due_period(schedule: &cron::Schedule, tz: chrono_tz::Tz, now: Instant) -> Option<Period> {
    let current = Period::of(now, tz);
    let month_start = current.start(tz) - Duration::seconds(1);
    let first = schedule.after(&month_start.with_timezone(&tz)).next()?;
    (first.with_timezone(&chrono::Utc) <= now).then(|| current.prev())
}

/// As [`due_period`] for a schedule that does not fire every month (the
/// committee pack's quarterly one): the previous month only when the
/// schedule's first time after the current month began is in the current
/// month and has passed.
pub fn due_period_in_month(
    schedule: &cron::Schedule,
    tz: chrono_tz::Tz,
    now: Instant,
) -> Option<Period> {
    let current = Period::of(now, tz);
    let month_start = current.start(tz) - Duration::seconds(1);
    let first = schedule.after(&month_start.with_timezone(&tz)).next()?;
    let first = first.with_timezone(&chrono::Utc);
    (first <= now && Period::of(first, tz) == current).then(|| current.prev())
}

/// The daemon part: checks at start, at each scheduled time, and at least
/// hourly (to catch a time missed while the machine slept).
pub async fn run(
    config: Arc<Config>,
    store: Store,
    clock: WallClock,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let schedule = cron::Schedule::from_str(&config.reports.schedule)
        .context("Failed to read [reports] schedule")?;
    let pack_schedule = cron::Schedule::from_str(&config.pack.schedule)
        .context("Failed to read [pack] schedule")?;
    while !shutdown.is_cancelled() {
        let now = clock.now();
        if let Err(e) = issue_due(&config, &store, now).await {
            tracing::warn!(error = format!("{e:#}"), "issuing check failed");
        }
        // After the months, so the pack reads months just issued.
        if let Err(e) = pack::issue_due(&config, &store, now).await {
            tracing::warn!(
                error = format!("{e:#}"),
                "committee pack not issued; trying again at the next check"
            );
        }
        let next = [&schedule, &pack_schedule]
            .iter()
            .filter_map(|s| s.after(&now).next())
            .min()
            .map_or(3_600, |t| (t - now).num_seconds().clamp(1, 3_600));
        let wait = std::time::Duration::from_secs(u64::try_from(next).unwrap_or(3_600));
        if !sleep_or_stop(wait, &shutdown).await {
            break;
        }
    }
    Ok(())
}

/// The PDF's MIME type.
const PDF: &str = "application/pdf";
/// The XLSX's MIME type.
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The issued version's files, one per format, named `CONTRACT-YYYY-MM-vN.EXT`.
fn documents(
    report: &MonthReport<'_>,
    json: &str,
    version: i64,
) -> anyhow::Result<Vec<IssuedFile>> {
    let stem = format!(
        "{}-{}-v{version}",
        report.contract.id, report.evaluation.period
    );
    // Laid out once, so every format shows the same document.
    let doc = crate::report::document::build(report);
    let formats: Vec<(&str, &str, Vec<u8>)> = vec![
        ("json", "application/json", json.as_bytes().to_vec()),
        (
            "csv",
            "text/csv; charset=utf-8",
            crate::report::csv::render_document(report, &doc)?.into_bytes(),
        ),
        (
            "html",
            "text/html; charset=utf-8",
            crate::report::html::render_document(report, &doc)?.into_bytes(),
        ),
        (
            "pdf",
            PDF,
            crate::report::pdf::render_document(report, &doc),
        ),
        (
            "xlsx",
            XLSX,
            crate::report::xlsx::render_document(report, &doc)?,
        ),
    ];
    Ok(formats
        .into_iter()
        .map(|(ext, content_type, bytes)| IssuedFile {
            filename: format!("{stem}.{ext}"),
            content_type: content_type.to_string(),
            bytes,
        })
        .collect())
}

/// Writes every document under `data_dir/reports/CONTRACT/YYYY-MM/`, each
/// through a temporary file renamed into place.
fn write_files(
    config: &Config,
    report: &MonthReport<'_>,
    documents: &[IssuedFile],
) -> anyhow::Result<Vec<PathBuf>> {
    let dir = config
        .daemon
        .data_dir
        .join("reports")
        .join(&report.contract.id)
        .join(report.evaluation.period.to_string());
    std::fs::create_dir_all(&dir).with_context(|| format!("Failed to create {}", dir.display()))?;
    documents
        .iter()
        .map(|d| write_file(&dir.join(&d.filename), &d.bytes))
        .collect()
}

pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<PathBuf> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("Failed to write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("Failed to write {}", path.display()))?;
    Ok(path.to_path_buf())
}

/// The summary emailed to the contract's managers, naming the files, with
/// the PDF and XLSX attached.
fn summary_alert(
    report: &MonthReport<'_>,
    key: &IssuedKey,
    files: &[PathBuf],
    data_dir: &Path,
) -> anyhow::Result<NewAlert> {
    let c = report.contract;
    let period = report.evaluation.period;
    let version = key.version;
    let headline = if version == 1 {
        format!("{period} report issued")
    } else {
        format!("{period} report reissued as version {version} (amended)")
    };
    let mut lines = figures(report);
    if let Some(a) = &report.approval {
        lines.push((
            "Approved by",
            format!("{} on {}", a.by, local_time(a.at, c.timezone)),
        ));
    }
    let (evidence, left) = match c.attach_evidence_files {
        true => evidence_attachments(&c.id, &report.evidence_files),
        false => (Vec::new(), Vec::new()),
    };
    let mut evidence_note = String::new();
    if !evidence.is_empty() {
        let names: Vec<&str> = evidence.iter().map(|a| a.filename.as_str()).collect();
        evidence_note = format!(" Evidence files attached: {}.", names.join(", "));
    }
    if !left.is_empty() {
        // Named so the manager knows what to fetch by hand.
        evidence_note.push_str(&format!(
            " Not attached (over {} MiB of evidence files in one email): {}; each is kept \
             with the record it supports, among the contract's evidence.",
            EVIDENCE_EMAIL_BYTES / (1024 * 1024),
            left.join(", "),
        ));
    }
    let facts = Facts {
        headline,
        lines,
        evidence: format!(
            "Attached: {}. Every format is kept in {}.{evidence_note}",
            files
                .iter()
                .filter(|f| f.extension().is_some_and(|e| e == "pdf" || e == "xlsx"))
                .filter_map(|f| f.file_name().map(|n| n.to_string_lossy()))
                .collect::<Vec<_>>()
                .join(", "),
            files
                .first()
                .and_then(|f| f.parent())
                .map_or_else(String::new, |d| d.display().to_string())
        ),
        ..Facts::default()
    };
    let mut summary = alert(
        format!("report_issued/{}/{period}/v{version}", c.id),
        "report_issued",
        Severity::Info,
        Some(&c.id),
        &c.managers,
        &facts,
        false,
    );
    summary.attachments = attachments(files, key, data_dir)?;
    summary.attachments.extend(evidence);
    Ok(summary)
}

/// The most evidence files' bytes one issued email carries (20 MiB): mail
/// servers commonly refuse messages over 25 MB, and the PDF, XLSX and the
/// encoding's overhead come on top.
const EVIDENCE_EMAIL_BYTES: i64 = 20 * 1024 * 1024;

/// The month's evidence files as attachments, in id order, while they fit
/// in [`EVIDENCE_EMAIL_BYTES`]; and the names of those left out.
fn evidence_attachments(contract: &str, files: &[EvidenceFile]) -> (Vec<Attachment>, Vec<String>) {
    let mut total = 0i64;
    let mut attached = Vec::new();
    let mut left = Vec::new();
    for f in files {
        // The recipient sees the record it supports and a plain-ASCII name
        // (the stored name is a person's text).
        let safe: String = f
            .filename
            .chars()
            .map(|ch| {
                if ch.is_ascii_alphanumeric() || ".-_".contains(ch) {
                    ch
                } else {
                    '_'
                }
            })
            .collect();
        let filename = format!("evidence-{}-{}", f.id, safe);
        if total + f.size > EVIDENCE_EMAIL_BYTES {
            left.push(format!("{filename} ({})", f.subject));
            continue;
        }
        total += f.size;
        attached.push(Attachment {
            filename,
            content_type: f.media_type.clone(),
            path: String::new(),
            issued: None,
            evidence_file: Some(EvidenceFileKey {
                contract: contract.to_string(),
                id: f.id,
            }),
            pack: None,
        });
    }
    (attached, left)
}

/// The draft emailed to the contract's managers: the headline figures,
/// marked DRAFT in the subject and the body, and how to approve it.
fn draft_alert(report: &MonthReport<'_>, draft: i64) -> NewAlert {
    let c = report.contract;
    let period = report.evaluation.period;
    let changed = match draft {
        1 => String::new(),
        _ => format!(
            "The figures changed since draft {} was approved, so this draft needs an approval of its own. ",
            draft - 1
        ),
    };
    let facts = Facts {
        headline: format!("DRAFT {period} report (draft {draft}), awaiting approval"),
        lines: figures(report),
        evidence: format!(
            "{changed}DRAFT: this report is not issued yet. Once a manager has checked \
             the figures and approved the month, naming who approved it, it is issued, in \
             every format, and emailed again."
        ),
        ..Facts::default()
    };
    alert(
        format!("report_draft/{}/{period}/d{draft}", c.id),
        "report_draft",
        Severity::Info,
        Some(&c.id),
        &c.managers,
        &facts,
        false,
    )
}

/// The headline figures of a month, for the issue and draft emails.
fn figures(report: &MonthReport<'_>) -> Vec<(&'static str, String)> {
    let c = report.contract;
    let money = |minor: i64| money(minor, &c.currency);
    let mut out = vec![
        ("Supplier", c.supplier.clone()),
        (
            "Service levels failed",
            format!(
                "{} of {}",
                report.failed_count(),
                report.evaluation.levels.len()
            ),
        ),
        ("Critical failures", report.critical_count().to_string()),
        (
            "Service credits",
            money(report.evaluation.credits.total_minor),
        ),
        ("Total claim", money(report.total_claim_minor())),
    ];
    if let Some(a) = &report.assurance {
        let trend = a.trend.map_or("no trend yet", |t| t.as_str());
        out.push((
            "Assurance",
            format!("{}, {trend}", a.rating.rating.as_str()),
        ));
    }
    out
}

/// The PDF and XLSX among `files`, as the issued version's stored files
/// (read from the store when sent, by whichever daemon sends), with where
/// they were written relative to `data_dir`.
fn attachments(
    files: &[PathBuf],
    key: &IssuedKey,
    data_dir: &Path,
) -> anyhow::Result<Vec<Attachment>> {
    let mut out = Vec::new();
    for file in files {
        let content_type = match file.extension().and_then(|e| e.to_str()) {
            Some("pdf") => PDF,
            Some("xlsx") => XLSX,
            _ => continue,
        };
        let relative = file
            .strip_prefix(data_dir)
            .with_context(|| format!("{} is not under the data directory", file.display()))?;
        let (Some(filename), Some(path)) =
            (file.file_name().and_then(|n| n.to_str()), relative.to_str())
        else {
            anyhow::bail!("{} is not a UTF-8 path", file.display());
        };
        out.push(Attachment {
            filename: filename.to_string(),
            content_type: content_type.to_string(),
            path: path.to_string(),
            issued: Some(key.clone()),
            evidence_file: None,
            pack: None,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Instant {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    }

    /// September's report of a contract with no service levels, its credits
    /// set by hand, approved by Jo Bloggs at `approved`.
    fn september<'a>(
        contract: &'a Contract,
        credits_minor: i64,
        approved: &str,
    ) -> MonthReport<'a> {
        let period: Period = "2026-09".parse().unwrap();
        let evaluation = crate::engine::evaluate_month(
            contract,
            period,
            &crate::engine::Evidence::default(),
            t("2026-10-01T00:00:00Z"),
        );
        let mut report = MonthReport::new(contract, evaluation, Default::default());
        report.evaluation.credits.total_minor = credits_minor;
        report.approval = Some(ReportApproval {
            by: "Jo Bloggs".into(),
            at: t(approved),
        });
        report
    }

    #[test]
    fn the_report_mails_read_in_local_time_either_side_of_the_clocks_going_back() {
        let text = "[[contracts]]\nid = \"acme\"\nsupplier = \"Acme Ltd\"\n\
                    timezone = \"Europe/London\"\ncurrency = \"GBP\"\n\
                    monthly_charge = \"1000.00\"\nmanagers = [\"m@council.example\"]\n";
        let config = crate::config::parse(text, "t.toml").unwrap();
        let c = &config.contracts[0];
        let data = Path::new("/srv/slawatch");
        let folder = data.join("reports/acme/2026-09");
        let issued = |version: i64, report: &MonthReport<'_>| {
            let files = [
                folder.join(format!("acme-2026-09-v{version}.pdf")),
                folder.join(format!("acme-2026-09-v{version}.xlsx")),
            ];
            let key = IssuedKey {
                contract: "acme".into(),
                period: "2026-09".into(),
                version,
            };
            summary_alert(report, &key, &files, data).unwrap()
        };
        // Approved at 00:30 UTC on Sun 25 Oct 2026, 01:30 BST; version 2 at
        // 01:30 UTC, after the clocks went back at 01:00 UTC: 01:30 GMT.
        // 1 234 567 pence is £12,345.67; 100 000 000 is £1,000,000.00.
        let v1 = issued(1, &september(c, 1_234_567, "2026-10-25T00:30:00Z"));
        assert_eq!(
            v1.subject,
            "[slawatch] acme report issued: 2026-09 report issued"
        );
        assert_eq!(
            v1.body_text,
            "2026-09 report issued\n\
             For information.\n\
             \n\
             Supplier               Acme Ltd\n\
             Service levels failed  0 of 0\n\
             Critical failures      0\n\
             Service credits        £12,345.67\n\
             Total claim            £12,345.67\n\
             Approved by            Jo Bloggs on Sun 25 Oct 2026 01:30 BST\n\
             \n\
             Attached: acme-2026-09-v1.pdf, acme-2026-09-v1.xlsx. Every format is kept in \
             /srv/slawatch/reports/acme/2026-09.\n"
        );
        let v2 = issued(2, &september(c, 100_000_000, "2026-10-25T01:30:00Z"));
        assert_eq!(
            v2.body_text,
            "2026-09 report reissued as version 2 (amended)\n\
             For information.\n\
             \n\
             Supplier               Acme Ltd\n\
             Service levels failed  0 of 0\n\
             Critical failures      0\n\
             Service credits        £1,000,000.00\n\
             Total claim            £1,000,000.00\n\
             Approved by            Jo Bloggs on Sun 25 Oct 2026 01:30 GMT\n\
             \n\
             Attached: acme-2026-09-v2.pdf, acme-2026-09-v2.xlsx. Every format is kept in \
             /srv/slawatch/reports/acme/2026-09.\n"
        );
        assert!(
            v2.body_html.contains("<td>£1,000,000.00</td>"),
            "{}",
            v2.body_html
        );
        // The draft: the same figures, and what happens next in words.
        let draft = draft_alert(&september(c, 1_234_567, "2026-10-25T00:30:00Z"), 2);
        assert_eq!(
            draft.body_text,
            "DRAFT 2026-09 report (draft 2), awaiting approval\n\
             For information.\n\
             \n\
             Supplier               Acme Ltd\n\
             Service levels failed  0 of 0\n\
             Critical failures      0\n\
             Service credits        £12,345.67\n\
             Total claim            £12,345.67\n\
             \n\
             The figures changed since draft 1 was approved, so this draft needs an approval \
             of its own. DRAFT: this report is not issued yet. Once a manager has checked the \
             figures and approved the month, naming who approved it, it is issued, in every \
             format, and emailed again.\n"
        );
    }

    #[test]
    fn the_previous_month_is_due_from_the_first_scheduled_time() {
        let s = cron::Schedule::from_str("0 0 7 1 * *").unwrap();
        let london = chrono_tz::Europe::London;
        // 07:00 GMT on 1 November; British Summer Time ended on 25 October.
        assert_eq!(due_period(&s, london, t("2026-11-01T06:59:59Z")), None);
        assert_eq!(
            due_period(&s, london, t("2026-11-01T07:00:00Z")),
            Some("2026-10".parse().unwrap())
        );
        assert_eq!(
            due_period(&s, london, t("2026-11-20T00:00:00Z")),
            Some("2026-10".parse().unwrap())
        );
        // 07:00 BST on 1 October is 06:00 UTC.
        assert_eq!(
            due_period(&s, london, t("2026-10-01T06:00:00Z")),
            Some("2026-09".parse().unwrap())
        );
    }
}
