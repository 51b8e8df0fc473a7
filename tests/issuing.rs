//! Issuing a closed month against a real SQLite store: once per month per
//! contract across restarts, emailed to the managers, and amended when late
//! evidence changes the figures.

mod common;
mod smtp_sink;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use common::{daemon_deps, push};
use slawatch::alerts::sender::SenderSettings;
use slawatch::commands::report::ReportFormat;
use slawatch::daemon::Deps;
use slawatch::issuing::issue_due;
use slawatch::store::issued::IssuedKey;
use slawatch::store::outbox::Attachment;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn deps(dir: &tempfile::TempDir) -> Deps {
    deps_with(dir, "").await
}

/// As [`deps`], with `extra` (an `[email]` section) added to the configuration.
async fn deps_with(dir: &tempfile::TempDir, extra: &str) -> Deps {
    daemon_deps(dir, &format!("{CONTRACTS}\n{extra}")).await
}

const CONTRACTS: &str = r#"
[[contracts]]
id = "acme"
supplier = "Acme Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "125000.00"
managers = ["contracts@council.example", "finance@council.example"]
auto_issue = true

  [[contracts.service_levels]]
  id = "p1-resolution"
  name = "P1 resolved in 4 hours"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  target_percent = 95.0
  service_credits = [ { below = 95.0, percent = 2.0 } ]

[[contracts]]
id = "bravo"
supplier = "Bravo plc"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "10000.00"
managers = ["it@council.example"]
auto_issue = true

  [[contracts.service_levels]]
  id = "p1-resolution"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  target_percent = 95.0
"#;

/// `slawatch report --format json` for acme's October, as parsed JSON.
async fn report(deps: &Deps, dir: &tempfile::TempDir, reissue: bool) -> serde_json::Value {
    let out = dir.path().join("report.json");
    slawatch::commands::report::run(
        &deps.config,
        &deps.store,
        "acme",
        "2026-10",
        ReportFormat::Json,
        Some(&out),
        &slawatch::commands::month::Seen {
            as_of: Some("2026-11-05T00:00:00Z".into()),
            known_at: None,
        },
        reissue,
        &deps.clock,
    )
    .await
    .map_err(|f| f.message)
    .unwrap();
    serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
}

const HEADER: &str = "id,contract,priority,opened_at,service,resolved_at,title\n";

#[tokio::test]
async fn october_is_issued_once_then_amended_and_reissued() {
    let dir = tempfile::tempdir().unwrap();
    let deps = deps(&dir).await;
    // Three P1s in October, each resolved in an hour: 100 %, met, no credit.
    let mut csv = String::from(HEADER);
    for day in 1..=3 {
        csv.push_str(&format!(
            "INC{day},acme,P1,2026-10-0{day}T09:00:00Z,email,2026-10-0{day}T10:00:00Z,Fault\n"
        ));
    }
    push(&deps, &csv, "october.csv", &dir).await;

    // Before the scheduled time (07:00 GMT on 1 November) nothing is due.
    assert!(
        issue_due(&deps.config, &deps.store, t("2026-11-01T06:59:59Z"))
            .await
            .unwrap()
            .is_empty()
    );

    let issued = issue_due(&deps.config, &deps.store, t("2026-11-01T07:00:00Z"))
        .await
        .unwrap();
    let names: Vec<(String, String, i64)> = issued
        .iter()
        .map(|i| (i.contract.clone(), i.period.to_string(), i.version))
        .collect();
    assert_eq!(
        names,
        [
            ("acme".to_string(), "2026-10".to_string(), 1),
            ("bravo".to_string(), "2026-10".to_string(), 1)
        ]
    );
    let folder = dir.path().join("data/reports/acme/2026-10");
    for ext in ["json", "csv", "html", "pdf", "xlsx"] {
        let file = folder.join(format!("acme-2026-10-v1.{ext}"));
        assert!(file.metadata().unwrap().len() > 0, "{}", file.display());
    }
    common::report_schema::assert_valid_report_file(&folder.join("acme-2026-10-v1.json"));
    assert!(
        dir.path()
            .join("data/reports/bravo/2026-10/bravo-2026-10-v1.pdf")
            .exists()
    );

    // One summary per contract, to its managers.
    let alerts = deps.store.due_alerts(i64::MAX, 100).await.unwrap();
    let mut summaries: Vec<(String, Vec<String>)> = alerts
        .iter()
        .filter(|a| a.alert.kind == "report_issued")
        .map(|a| (a.alert.dedup_key.clone(), a.alert.recipients.clone()))
        .collect();
    summaries.sort();
    assert_eq!(
        summaries,
        [
            (
                "report_issued/acme/2026-10/v1".to_string(),
                vec![
                    "contracts@council.example".to_string(),
                    "finance@council.example".to_string()
                ]
            ),
            (
                "report_issued/bravo/2026-10/v1".to_string(),
                vec!["it@council.example".to_string()]
            )
        ]
    );
    let acme = alerts
        .iter()
        .find(|a| a.alert.dedup_key.starts_with("report_issued/acme"))
        .unwrap();
    assert!(acme.alert.body_text.contains("acme-2026-10-v1.pdf"));
    assert!(acme.alert.body_text.contains("acme-2026-10-v1.xlsx"));

    // Later checks, and a restart on the same store, issue nothing new.
    assert!(
        issue_due(&deps.config, &deps.store, t("2026-11-01T07:00:01Z"))
            .await
            .unwrap()
            .is_empty()
    );
    let restarted = self::deps(&dir).await;
    assert!(
        issue_due(
            &restarted.config,
            &restarted.store,
            t("2026-11-02T09:00:00Z")
        )
        .await
        .unwrap()
        .is_empty()
    );
    assert_eq!(
        restarted
            .store
            .due_alerts(i64::MAX, 100)
            .await
            .unwrap()
            .len(),
        2
    );

    // As issued, nothing is amended.
    let r = report(&restarted, &dir, false).await;
    assert!(r.get("amendment").is_none(), "{r:#}");

    // A late import: INC4 took 6 hours. 3 of 4 met = 75 %: failed, below
    // 95 % → 2 % of £125,000.00 = £2,500.00 (250,000 pence).
    let late =
        format!("{HEADER}INC4,acme,P1,2026-10-15T09:00:00Z,email,2026-10-15T15:00:00Z,Late\n");
    push(&restarted, &late, "late.csv", &dir).await;
    let r = report(&restarted, &dir, false).await;
    let level = &r["service_levels"][0];
    assert_eq!(level["attainment_percent"], 75.0);
    assert_eq!(level["credit_minor"], 250_000);
    let amendment = &r["amendment"];
    assert_eq!(amendment["issued_version"], 1);
    assert_eq!(amendment["issued_at"], "2026-11-01T07:00:00Z");
    assert_eq!(
        amendment["changes"],
        serde_json::json!([
            {"what": "p1-resolution attainment_percent", "issued": 100.0, "now": 75.0,
             "records": ["incident INC4"]},
            {"what": "p1-resolution status", "issued": "met", "now": "failed",
             "records": ["incident INC4"]},
            {"what": "p1-resolution credit_minor", "issued": 0, "now": 250_000,
             "records": ["incident INC4"]},
            {"what": "service_credits.total_minor", "issued": 0, "now": 250_000},
            {"what": "total_claim_minor", "issued": 0, "now": 250_000}
        ])
    );
    // The issued files are untouched; the monthly check does not reissue.
    assert!(
        issue_due(
            &restarted.config,
            &restarted.store,
            t("2026-11-06T07:00:00Z")
        )
        .await
        .unwrap()
        .is_empty()
    );

    // --reissue issues version 2 and the amendment disappears.
    let r = report(&restarted, &dir, true).await;
    assert!(r.get("amendment").is_none(), "{r:#}");
    assert_eq!(r["service_levels"][0]["credit_minor"], 250_000);
    let latest = restarted
        .store
        .latest_issued("acme", "2026-10".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.version, 2);
    assert!(folder.join("acme-2026-10-v2.pdf").exists());
    assert!(folder.join("acme-2026-10-v1.pdf").exists());
    let keys: Vec<String> = restarted
        .store
        .due_alerts(i64::MAX, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.alert.dedup_key)
        .collect();
    assert!(
        keys.contains(&"report_issued/acme/2026-10/v2".to_string()),
        "{keys:?}"
    );
    // Reissuing again with nothing changed does nothing.
    report(&restarted, &dir, true).await;
    let latest = restarted
        .store
        .latest_issued("acme", "2026-10".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.version, 2);
}

/// The part of `mail` attaching `filename`: its headers and decoded bytes.
fn attached(mail: &smtp_sink::Mail, filename: &str) -> (String, Vec<u8>) {
    let at = mail
        .text
        .find(&format!("filename=\"{filename}\""))
        .unwrap_or_else(|| panic!("no attachment {filename} in {}", mail.text));
    let start = mail.text[..at].rfind("\n--").unwrap();
    let part = &mail.text[start + 1..];
    let part = &part[part.find('\n').unwrap() + 1..];
    let (headers, rest) = part.split_once("\n\n").unwrap();
    let body: String = rest[..rest.find("\n--").unwrap()]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(
        headers.contains("Content-Transfer-Encoding: base64"),
        "{headers}"
    );
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    (headers.to_string(), bytes)
}

/// Delivers what is due in one sender round, as the daemon's sender does.
async fn deliver_once(deps: &Deps) -> slawatch::alerts::sender::Round {
    let settings = SenderSettings {
        smtp_timeout: std::time::Duration::from_secs(10),
        ..SenderSettings::default()
    };
    deps.sender(settings)
        .unwrap()
        .deliver_due(&tokio_util::sync::CancellationToken::new())
        .await
        .unwrap()
}

/// October for acme: three P1s met, one (INC4) resolved in six hours. 3 of 4
/// = 75 %, below 95 % → 2 % of £125,000.00 = £2,500.00.
const OCTOBER: &str = "id,contract,priority,opened_at,service,resolved_at,title\n\
    INC1,acme,P1,2026-10-01T09:00:00Z,email,2026-10-01T10:00:00Z,Fault\n\
    INC2,acme,P1,2026-10-02T09:00:00Z,email,2026-10-02T10:00:00Z,Fault\n\
    INC3,acme,P1,2026-10-03T09:00:00Z,email,2026-10-03T10:00:00Z,Fault\n\
    INC4,acme,P1,2026-10-15T09:00:00Z,email,2026-10-15T15:00:00Z,Late\n";

/// A daemon in `dir` mailing through a real SMTP server (aiosmtpd run by
/// `python`) that has issued October: the daemon, the server and the
/// `[email]` section that points at it.
async fn october_issued_with_a_mail_server(
    dir: &tempfile::TempDir,
    python: &std::path::Path,
) -> (Deps, smtp_sink::SmtpSink, String) {
    let port = smtp_sink::free_port();
    let email = format!(
        "[email]\nsmtp_url = \"smtp://127.0.0.1:{port}\"\nfrom = \"slawatch@council.example\"\n"
    );
    let deps = deps_with(dir, &email).await;
    let sink = smtp_sink::SmtpSink::start(
        python,
        port,
        &dir.path().join("maildir"),
        smtp_sink::Handler::Mailbox,
    );
    push(&deps, OCTOBER, "october.csv", dir).await;
    issue_due(&deps.config, &deps.store, t("2026-11-01T07:00:00Z"))
        .await
        .unwrap();
    (deps, sink, email)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_issued_summary_arrives_with_the_issued_pdf_and_xlsx_attached() {
    let Some(python) = smtp_sink::python_or_skip("the_issued_summary_arrives…") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (deps, sink, _) = october_issued_with_a_mail_server(&dir, &python).await;

    let round = deliver_once(&deps).await;
    assert_eq!((round.sent, round.failed), (2, 0));
    let mails = sink.messages();
    let acme = mails
        .iter()
        .find(|m| m.header("X-Slawatch-Alert").as_deref() == Some("report_issued/acme/2026-10/v1"))
        .unwrap_or_else(|| panic!("no acme summary in {mails:#?}"));
    assert!(
        acme.header("Content-Type")
            .unwrap()
            .starts_with("multipart/mixed"),
        "{}",
        acme.text
    );
    // The summary itself is still text with an HTML alternative.
    assert!(acme.text.contains("multipart/alternative"));
    let plain = acme.decoded_part("text/plain").unwrap();
    assert!(
        plain.contains("Total claim            £2,500.00"),
        "{plain}"
    );

    let folder = dir.path().join("data/reports/acme/2026-10");
    let (headers, pdf) = attached(acme, "acme-2026-10-v1.pdf");
    assert!(
        headers.contains("Content-Type: application/pdf"),
        "{headers}"
    );
    assert!(
        headers.contains("Content-Disposition: attachment"),
        "{headers}"
    );
    assert_eq!(
        pdf,
        std::fs::read(folder.join("acme-2026-10-v1.pdf")).unwrap()
    );
    // And it is a PDF showing the month's total claim.
    let sent = dir.path().join("sent.pdf");
    std::fs::write(&sent, &pdf).unwrap();
    let text = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&sent)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("2,500.00"),
        "{}",
        String::from_utf8_lossy(&text.stdout)
    );

    let (headers, xlsx) = attached(acme, "acme-2026-10-v1.xlsx");
    assert!(
        headers.contains(
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ),
        "{headers}"
    );
    assert_eq!(
        xlsx,
        std::fs::read(folder.join("acme-2026-10-v1.xlsx")).unwrap()
    );
    // Only the PDF and the XLSX travel; the other formats stay on disk.
    assert!(!acme.text.contains("filename=\"acme-2026-10-v1.json\""));
}

/// Another daemon on `issuer`'s store (the same `database_url`) with its
/// own, empty data directory in `dir`, configured with `extra`.
async fn other_daemon(issuer: &Deps, dir: &tempfile::TempDir, extra: &str) -> Deps {
    let text = format!(
        "[daemon]\ndatabase_url = \"{}\"\ndata_dir = \"{}\"\n{CONTRACTS}\n{extra}",
        issuer.config.daemon.database_url,
        dir.path().join("data").display()
    );
    let config = slawatch::config::parse(&text, "other.toml").unwrap();
    let store = slawatch::store::Store::open(&config.daemon.database_url)
        .await
        .unwrap();
    Deps::new(config, store).unwrap()
}

/// A new leader on another machine sends what its predecessor queued: the
/// issued files are read from the store, not from a data directory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_without_the_issuers_files_sends_the_issued_attachments_from_the_store() {
    let Some(python) = smtp_sink::python_or_skip("a_daemon_without_the_issuers_files…") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let (issuer, sink, email) = october_issued_with_a_mail_server(&dir, &python).await;

    let sender = other_daemon(&issuer, &elsewhere, &email).await;
    let round = deliver_once(&sender).await;
    assert_eq!((round.sent, round.failed), (2, 0));
    assert!(!elsewhere.path().join("data/reports").exists());
    let mails = sink.messages();
    for contract in ["acme", "bravo"] {
        let key = format!("report_issued/{contract}/2026-10/v1");
        let mail = mails
            .iter()
            .find(|m| m.header("X-Slawatch-Alert").as_deref() == Some(key.as_str()))
            .unwrap_or_else(|| panic!("no {key} in {mails:#?}"));
        let folder = dir
            .path()
            .join("data/reports")
            .join(contract)
            .join("2026-10");
        for ext in ["pdf", "xlsx"] {
            let name = format!("{contract}-2026-10-v1.{ext}");
            let (_, bytes) = attached(mail, &name);
            assert_eq!(bytes, std::fs::read(folder.join(&name)).unwrap(), "{name}");
        }
    }

    // The store holds every format of the issued version, byte for byte as
    // written, so the documents can be had from the database alone.
    let key = slawatch::store::issued::IssuedKey {
        contract: "acme".into(),
        period: "2026-10".into(),
        version: 1,
    };
    let names = sender.store.issued_filenames(&key).await.unwrap();
    assert_eq!(
        names,
        ["csv", "html", "json", "pdf", "xlsx"].map(|e| format!("acme-2026-10-v1.{e}"))
    );
    let folder = dir.path().join("data/reports/acme/2026-10");
    for name in &names {
        let file = sender.store.issued_file(&key, name).await.unwrap().unwrap();
        assert_eq!(
            file.bytes,
            std::fs::read(folder.join(name)).unwrap(),
            "{name}"
        );
    }
    // Kept as issued: the store refuses to change or remove them.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&issuer.config.daemon.database_url)
        .await
        .unwrap();
    let refused = |r: Result<sqlx::any::AnyQueryResult, sqlx::Error>| {
        let e = r.expect_err("an issued file was changed").to_string();
        assert!(
            e.contains("issued files are recorded once and never changed"),
            "{e}"
        );
    };
    refused(
        sqlx::query("UPDATE issued_files SET bytes = $1")
            .bind(b"forged".to_vec())
            .execute(&pool)
            .await,
    );
    refused(sqlx::query("DELETE FROM issued_files").execute(&pool).await);
    pool.close().await;
}

/// Alerts queued before issued files were kept in the store name their
/// files by path only: those are read from the data directory, and one whose
/// file is gone fails on its own row, as does a stored file that is missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_attachment_is_an_error_on_its_outbox_row_and_others_still_go() {
    let Some(python) = smtp_sink::python_or_skip("a_missing_attachment…") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (deps, sink, _) = october_issued_with_a_mail_server(&dir, &python).await;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&deps.config.daemon.database_url)
        .await
        .unwrap();
    // Both summaries as an earlier version queued them: paths, no store key.
    for queued in deps.store.due_alerts(i64::MAX, 100).await.unwrap() {
        let old_style: Vec<Attachment> = queued
            .alert
            .attachments
            .into_iter()
            .map(|a| Attachment { issued: None, ..a })
            .collect();
        let json = serde_json::to_string(&old_style).unwrap();
        assert!(!json.contains("issued"), "{json}");
        sqlx::query("UPDATE outbox SET attachments = $1 WHERE id = $2")
            .bind(json)
            .bind(queued.id)
            .execute(&pool)
            .await
            .unwrap();
    }
    // And an alert naming a stored file the store does not have.
    let mut unknown = deps.store.due_alerts(i64::MAX, 100).await.unwrap()[0]
        .alert
        .clone();
    unknown.dedup_key = "report_issued/acme/2026-10/v9".into();
    unknown.attachments = vec![Attachment {
        filename: "acme-2026-10-v9.pdf".into(),
        content_type: "application/pdf".into(),
        path: "reports/acme/2026-10/acme-2026-10-v9.pdf".into(),
        issued: Some(IssuedKey {
            contract: "acme".into(),
            period: "2026-10".into(),
            version: 9,
        }),
        evidence_file: None,
        pack: None,
    }];
    assert!(deps.store.enqueue_alert(&unknown, 0).await.unwrap());
    let gone = dir
        .path()
        .join("data/reports/acme/2026-10/acme-2026-10-v1.xlsx");
    std::fs::remove_file(&gone).unwrap();

    let round = deliver_once(&deps).await;
    assert_eq!((round.sent, round.failed), (1, 2));
    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert_eq!(
        mails[0].header("X-Slawatch-Alert").as_deref(),
        Some("report_issued/bravo/2026-10/v1")
    );
    let (error, sent_at): (Option<String>, Option<i64>) = sqlx::query_as(
        "SELECT last_error, sent_at FROM outbox WHERE dedup_key = 'report_issued/acme/2026-10/v1'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(sent_at, None);
    let error = error.unwrap();
    assert!(
        error.contains("cannot read the attachment") && error.contains(&gone.display().to_string()),
        "{error}"
    );
    let (error, sent_at): (Option<String>, Option<i64>) = sqlx::query_as(
        "SELECT last_error, sent_at FROM outbox WHERE dedup_key = 'report_issued/acme/2026-10/v9'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!(sent_at, None);
    assert!(
        error.as_deref().is_some_and(|e| e.contains(
            "the attachment acme-2026-10-v9.pdf of the issued report acme 2026-10 version 9 is not in the store"
        )),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_attach_evidence_files_the_issued_email_carries_the_months_evidence() {
    let Some(python) = smtp_sink::python_or_skip("with_attach_evidence_files…") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = smtp_sink::free_port();
    let email = format!(
        "[email]\nsmtp_url = \"smtp://127.0.0.1:{port}\"\nfrom = \"slawatch@council.example\"\n"
    );
    // acme asks for its evidence files; bravo does not.
    let contracts = CONTRACTS.replacen(
        "auto_issue = true",
        "auto_issue = true\nattach_evidence_files = true",
        1,
    );
    let deps = daemon_deps(&dir, &format!("{contracts}\n{email}")).await;
    let sink = smtp_sink::SmtpSink::start(
        &python,
        port,
        &dir.path().join("maildir"),
        smtp_sink::Handler::Mailbox,
    );
    push(&deps, OCTOBER, "october.csv", &dir).await;
    let acme = deps.config.contract("acme").unwrap();
    let cost = slawatch::domain::NewCost {
        date: "2026-10-16".parse().unwrap(),
        amount: slawatch::domain::Money::parse("240.00", &acme.currency).unwrap(),
        description: "Courier".into(),
        evidence: "Invoice 7781".into(),
        breach: None,
    };
    let recorded_at = t("2026-10-20T12:00:00Z").timestamp();
    let cost = deps
        .store
        .record_cost("acme", &cost, "J. Smith", recorded_at)
        .await
        .unwrap();
    let file = slawatch::domain::NewEvidenceFile {
        subject: slawatch::domain::EvidenceSubject::Cost(cost.id),
        filename: "Invoice 7781.pdf".into(),
        media_type: "application/pdf".into(),
        // A PDF's binary marker line, as real PDFs carry.
        bytes: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\ninvoice".to_vec(),
    };
    deps.store
        .add_evidence_file("acme", acme.timezone, &file, "J. Smith", recorded_at)
        .await
        .unwrap();
    issue_due(&deps.config, &deps.store, t("2026-11-01T07:00:00Z"))
        .await
        .unwrap();

    let round = deliver_once(&deps).await;
    assert_eq!((round.sent, round.failed), (2, 0));
    let mails = sink.messages();
    let summary = |key: &str| {
        mails
            .iter()
            .find(|m| m.header("X-Slawatch-Alert").as_deref() == Some(key))
            .unwrap_or_else(|| panic!("no {key} in {mails:#?}"))
    };
    let acme_mail = summary("report_issued/acme/2026-10/v1");
    // Named for its id, its space made plain: evidence-1-Invoice_7781.pdf.
    let (headers, bytes) = attached(acme_mail, "evidence-1-Invoice_7781.pdf");
    assert!(
        headers.contains("Content-Type: application/pdf"),
        "{headers}"
    );
    assert_eq!(bytes, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\ninvoice");
    // Quoted-printable: soft line breaks joined.
    let plain = acme_mail.part("text/plain").unwrap().replace("=\n", "");
    assert!(
        plain.contains("Evidence files attached: evidence-1-Invoice_7781.pdf"),
        "{plain}"
    );
    // The issued files still travel beside it.
    attached(acme_mail, "acme-2026-10-v1.pdf");
    let bravo_mail = summary("report_issued/bravo/2026-10/v1");
    assert!(
        !bravo_mail.text.contains("evidence-"),
        "{}",
        bravo_mail.text
    );
}
