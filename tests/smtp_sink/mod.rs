//! A real SMTP server for the alert tests: aiosmtpd on a loopback port,
//! writing each message it accepts into a Maildir (`MAILDIR/new/`) with the
//! envelope in `X-MailFrom` / `X-RcptTo` headers.
//!
//! Python is found in this order: `$SLAWATCH_TEST_PYTHON` (set by
//! `scripts/test.sh`), the venv `scripts/test.sh` creates at
//! `target/test-venv`, then `python3` if it can import aiosmtpd.

#![allow(dead_code)]

pub mod test_ca;

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A Python that can run aiosmtpd, or `None` after saying loudly why the
/// calling test is skipped.
pub fn python_or_skip(test: &str) -> Option<PathBuf> {
    static PYTHON: OnceLock<Option<PathBuf>> = OnceLock::new();
    let found = PYTHON.get_or_init(find_python).clone();
    // In CI the server must be there (scripts/test.sh installs it): a skip
    // would let a test pass that never ran.
    assert!(
        found.is_some() || std::env::var_os("CI").is_none(),
        "{test}: no Python with aiosmtpd in CI; scripts/test.sh should have created target/test-venv"
    );
    if found.is_none() {
        eprintln!(
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
             !! SKIPPED {test}: no Python with aiosmtpd (the SMTP test server).\n\
             !! Run scripts/test.sh, which creates target/test-venv, or set\n\
             !! SLAWATCH_TEST_PYTHON to a python that can `import aiosmtpd`.\n\
             !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
    }
    found
}

fn find_python() -> Option<PathBuf> {
    if let Some(python) = std::env::var_os("SLAWATCH_TEST_PYTHON") {
        return Some(PathBuf::from(python));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python");
    [venv, PathBuf::from("python3")].into_iter().find(|python| {
        Command::new(python)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// A loopback port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// What the server does with a message.
#[derive(Debug, Clone, Copy)]
pub enum Handler {
    /// Accepts everything.
    Mailbox,
    /// Refuses recipients starting with `reject` with a 550.
    Rejecting,
    /// Stores every message at once, but answers the first one's data only
    /// 30 s later: a message the relay has while its sender does not know.
    SlowAcknowledge,
    /// Takes 2 s over every message, noting its arrival at once
    /// ([`SmtpSink::arrivals`]), and stores it only if the sender is still
    /// connected then.
    Stalling,
    /// Offers no STARTTLS yet offers AUTH on the plain connection (a relay
    /// whose STARTTLS was stripped), accepts any credentials and notes each
    /// AUTH it receives ([`SmtpSink::auth_received`]).
    PlainAuth,
}

/// A running aiosmtpd; killed when dropped.
pub struct SmtpSink {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    /// Its Maildir.
    pub maildir: PathBuf,
}

impl SmtpSink {
    /// Starts aiosmtpd on `port` and waits until it accepts connections.
    pub fn start(python: &Path, port: u16, maildir: &Path, handler: Handler) -> SmtpSink {
        let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_sink");
        let listen = format!("127.0.0.1:{port}");
        let mut command = Command::new(python);
        match handler {
            Handler::Mailbox
            | Handler::Rejecting
            | Handler::SlowAcknowledge
            | Handler::Stalling => {
                let class = match handler {
                    Handler::Rejecting => "rejecting.Rejecting",
                    Handler::SlowAcknowledge => "slow_ack.SlowAcknowledge",
                    Handler::Stalling => "stalling.Stalling",
                    _ => "aiosmtpd.handlers.Mailbox",
                };
                command
                    .args(["-m", "aiosmtpd", "-n", "-l", &listen, "-c", class])
                    .arg(maildir);
            }
            Handler::PlainAuth => {
                command
                    .arg(here.join("plain_auth.py"))
                    .arg(&listen)
                    .arg(maildir)
                    .arg(maildir.with_extension("auth"));
            }
        }
        SmtpSink::spawn(command, port, maildir)
    }

    /// Starts `tls_relay.py` on `port`: STARTTLS with the certificate
    /// `cert` (key `key`), in `mode` (`open`, `xoauth2` or `basic-off`, see
    /// the script). XOAUTH2 attempts are noted ([`SmtpSink::auth_received`]).
    pub fn start_tls(
        python: &Path,
        port: u16,
        maildir: &Path,
        cert: &Path,
        key: &Path,
        mode: &str,
    ) -> SmtpSink {
        let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_sink");
        let mut command = Command::new(python);
        command
            .arg(here.join("tls_relay.py"))
            .arg(format!("127.0.0.1:{port}"))
            .arg(maildir)
            .arg(cert)
            .arg(key)
            .arg(maildir.with_extension("auth"))
            .arg(mode);
        SmtpSink::spawn(command, port, maildir)
    }

    fn spawn(mut command: Command, port: u16, maildir: &Path) -> SmtpSink {
        let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_sink");
        let log_path = maildir.with_extension("log");
        let log = std::fs::File::create(&log_path).expect("create the SMTP server log");
        let child = command
            .env("PYTHONPATH", &here)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start aiosmtpd");
        let mut sink = SmtpSink {
            child,
            port,
            maildir: maildir.to_path_buf(),
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                return sink;
            }
            if let Ok(Some(status)) = sink.child.try_wait() {
                panic!(
                    "aiosmtpd exited ({status}): {}",
                    std::fs::read_to_string(&log_path).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not listen on port {port} within 15 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Each AUTH command received so far, as `AUTH <mechanism> login=… password=…`
    /// (only [`Handler::PlainAuth`] notes them).
    pub fn auth_received(&self) -> Vec<String> {
        std::fs::read_to_string(self.maildir.with_extension("auth"))
            .map(|text| text.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// How many messages have arrived at a [`Handler::Stalling`] server,
    /// stored or not.
    pub fn arrivals(&self) -> usize {
        std::fs::read_to_string(self.maildir.with_extension("arrivals"))
            .map_or(0, |text| text.lines().count())
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Mail> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        let mut mails: Vec<(std::time::SystemTime, Mail)> = entries
            .filter_map(Result::ok)
            .map(|e| {
                let modified = e.metadata().and_then(|m| m.modified()).expect("mtime");
                let text = std::fs::read_to_string(e.path()).expect("read a message");
                (modified, Mail::new(text))
            })
            .collect();
        mails.sort_by_key(|(modified, _)| *modified);
        mails.into_iter().map(|(_, mail)| mail).collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One received message, as text.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The whole message, line ends as `\n`.
    pub text: String,
}

impl Mail {
    /// Wraps a message's text.
    pub fn new(text: String) -> Mail {
        Mail {
            text: text.replace("\r\n", "\n"),
        }
    }

    /// A top-level header's value, unfolded; `None` when absent.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.text.split("\n\n").next().unwrap_or("");
        let mut value: Option<String> = None;
        for line in head.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some(v) = value.as_mut() {
                    v.push(' ');
                    v.push_str(line.trim());
                }
                continue;
            }
            if value.is_some() {
                break;
            }
            if let Some((key, rest)) = line.split_once(':')
                && key.eq_ignore_ascii_case(name)
            {
                value = Some(rest.trim().to_string());
            }
        }
        value
    }

    /// The body of the first MIME part with this content type.
    pub fn part(&self, content_type: &str) -> Option<String> {
        let at = self.text.find(&format!("Content-Type: {content_type}"))?;
        let rest = &self.text[at..];
        let body = &rest[rest.find("\n\n")? + 2..];
        let end = body.find("\n--").unwrap_or(body.len());
        Some(body[..end].to_string())
    }

    /// As [`Mail::part`], decoded when the part is quoted-printable (as
    /// lettre sends text with long lines or non-ASCII characters).
    pub fn decoded_part(&self, content_type: &str) -> Option<String> {
        let at = self.text.find(&format!("Content-Type: {content_type}"))?;
        let headers = &self.text[at..];
        let headers = &headers[..headers.find("\n\n").unwrap_or(headers.len())];
        let body = self.part(content_type)?;
        if !headers.contains("quoted-printable") {
            return Some(body);
        }
        Some(quoted_printable(&body))
    }
}

/// Decodes a quoted-printable body (soft line breaks and `=XX` escapes).
pub fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
