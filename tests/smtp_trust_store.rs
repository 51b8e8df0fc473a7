//! The relay's certificate is checked against the operating system's trust
//! store, as every HTTPS client on the host does: a council CA the
//! administrator installed system-wide needs no `ca_file`. A binary of its
//! own, because it points `SSL_CERT_FILE` (where the system's roots are
//! read from, as `update-ca-certificates` writes them) at a test CA for the
//! whole process.

mod smtp_sink;

use std::time::Duration;

use slawatch::alerts::message::Outgoing;
use slawatch::alerts::transport::{Session, Transport};
use slawatch::store::outbox::{NewAlert, QueuedAlert, Severity};
use smtp_sink::{SmtpSink, free_port, python_or_skip};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_certificate_from_a_ca_in_the_system_trust_store_is_trusted() {
    let Some(python) = python_or_skip("a_relay_certificate_from_a_ca_in_the_system_trust_store…")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let ca = smtp_sink::test_ca::make(dir.path());
    // SAFETY: the only test in this binary, before anything reads the
    // environment or builds a TLS client.
    unsafe { std::env::set_var("SSL_CERT_FILE", &ca.ca_cert) };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = free_port();
    let maildir = dir.path().join("maildir");
    let sink = SmtpSink::start_tls(
        &python,
        port,
        &maildir,
        &ca.relay_cert,
        &ca.relay_key,
        "open",
    );
    // No ca_file: only the system's trust store vouches for the relay.
    let text = format!(
        r#"[daemon]
database_url = "sqlite://{db}"
data_dir = "{data}"

[email]
smtp_url = "smtp://127.0.0.1:{port}"
from = "SLA Watch <slawatch@council.example>"

[[contracts]]
id = "acme"
supplier = "Acme Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "1000.00"
managers = ["contracts@council.example"]

  [[contracts.service_levels]]
  id = "p1-resolution"
  kind = "resolution_time"
  priorities = ["P1"]
  target = "4h"
  target_percent = 95.0
"#,
        db = dir.path().join("s.db").display(),
        data = dir.path().join("data").display(),
    );
    let config = slawatch::config::parse(&text, "test.toml").expect("a valid configuration");
    let transport = Transport::from_config(&config, Duration::from_secs(10)).expect("a transport");
    let session = transport.session().await.expect("a session");
    let queued = QueuedAlert {
        id: 1,
        alert: NewAlert {
            dedup_key: "breached/acme/INC1/p1".into(),
            kind: "breached".into(),
            severity: Severity::Critical,
            contract: Some("acme".into()),
            recipients: vec!["contracts@council.example".into()],
            subject: "Breached: INC1".into(),
            body_text: "Resolve it.".into(),
            body_html: "<p>Resolve it.</p>".into(),
            digest: false,
            attachments: Vec::new(),
        },
        created_at: 1_700_000_000,
        attempts: 0,
    };
    let out = Outgoing::single(&queued);
    let prepared = session.prepare(&out, &[]).expect("a message");
    let Session::Smtp(smtp) = &session else {
        panic!("an SMTP session");
    };
    smtp.deliver_to(&prepared, "contracts@council.example")
        .await
        .unwrap_or_else(|e| panic!("the relay's certificate was not trusted: {e}"));
    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert_eq!(
        mails[0].header("Subject").as_deref(),
        Some("Breached: INC1")
    );
}
