//! Where messages go: an SMTP relay (`[email]`), or `.eml` files under
//! `data_dir/outbox/` when there is none.
//!
//! [`Transport`] is built once from the configuration, so a bad `smtp_url` or
//! `from` stops the sender at start; each delivery round opens a [`Session`],
//! which reads the SMTP password from its environment variable then, so a
//! rotated secret is picked up without a restart.
//!
//! The relay's certificate is checked against the operating system's trust
//! store (as for every other HTTPS connection), plus the certificate
//! authorities in `[email] ca_file` for a council's internal CA.
//!
//! With `auth = "xoauth2"` the session authenticates with an OAuth access
//! token (see [`super::oauth`]) instead of a password. A relay refusing the
//! authentication (535, or Exchange Online's `5.7.30`/`5.7.139` refusals of
//! basic authentication) fails the whole round, never one message.
//!
//! With credentials, `smtp://` requires STARTTLS: a relay that does not offer
//! it (or someone on the way who strips the offer) gets no password, and the
//! alerts wait. Only without credentials is TLS opportunistic, since then
//! nothing secret crosses the connection.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, anyhow};
use lettre::address::{Address, Envelope};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tokio::io::AsyncWriteExt;

use super::message::{LoadedAttachment, Outgoing};
use super::oauth::TokenSource;
use crate::config::Config;

/// The From of `.eml` files when there is no `[email]` section.
const FILE_FROM: &str = "SLA Watch <slawatch@localhost>";

/// Where the sender delivers, as configured.
#[derive(Debug, Clone)]
pub enum Transport {
    /// An SMTP relay (boxed: it is large, the folder small).
    Smtp(Box<SmtpRelay>),
    /// `.eml` files in a folder.
    Files {
        /// `data_dir/outbox`.
        dir: PathBuf,
        /// The From header written into each file.
        from: Mailbox,
    },
}

/// An SMTP relay from `[email]`.
#[derive(Debug, Clone)]
pub struct SmtpRelay {
    host: String,
    port: u16,
    /// `smtps://`: TLS from the first byte; otherwise STARTTLS (required
    /// with a `username`, else when offered).
    implicit_tls: bool,
    username: Option<String>,
    /// The name of the variable holding the password, never its value.
    password_env: Option<String>,
    from: Mailbox,
    timeout: Duration,
    /// `[email] ca_file`'s certificates (PEM), read at start.
    ca_pem: Option<Vec<u8>>,
    /// With `auth = "xoauth2"`: where the access token comes from.
    oauth: Option<TokenSource>,
}

/// How far a failed delivery reaches, which decides what the sender does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The relay (or folder) could not be used at all — unreachable, TLS,
    /// credentials, a full disk: every message in the round waits.
    Relay,
    /// The relay deferred this message (4xx): try it again soon.
    Deferred,
    /// This message was refused for good (5xx, an unusable address): it is
    /// kept and tried again rarely, since only a person can fix it; other
    /// messages go on.
    Refused,
}

/// A failed delivery and why.
#[derive(Debug)]
pub struct DeliveryError {
    /// Who else it affects.
    pub reach: Reach,
    /// The cause chain.
    pub cause: anyhow::Error,
}

impl DeliveryError {
    fn new(reach: Reach, cause: anyhow::Error) -> DeliveryError {
        DeliveryError { reach, cause }
    }
}

/// The cause chain, `: `-separated. Some errors write their source into
/// their own message, so a cause the text so far ends with is not repeated.
impl std::fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut text = String::new();
        for cause in self.cause.chain() {
            let part = cause.to_string();
            if !text.ends_with(&part) {
                if !text.is_empty() {
                    text.push_str(": ");
                }
                text.push_str(&part);
            }
        }
        f.write_str(&text)
    }
}

impl Transport {
    /// The transport `config` asks for; `timeout` bounds each SMTP command.
    pub fn from_config(config: &Config, timeout: Duration) -> anyhow::Result<Transport> {
        let Some(email) = &config.email else {
            return Ok(Transport::Files {
                dir: config.daemon.data_dir.join("outbox"),
                from: FILE_FROM.parse().context("the built-in From address")?,
            });
        };
        let (implicit_tls, host, port) = parse_smtp_url(&email.smtp_url)
            .with_context(|| format!("[email] smtp_url '{}'", email.smtp_url))?;
        let from: Mailbox = email
            .from
            .parse()
            .map_err(|e| anyhow!("[email] from '{}' is not a mailbox: {e}", email.from))?;
        let ca_pem = match &email.ca_file {
            Some(path) => {
                let pem = std::fs::read(path)
                    .with_context(|| format!("[email] ca_file '{}'", path.display()))?;
                // Parsed now, so a wrong file stops the daemon at start
                // rather than failing every round.
                let found = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                    anyhow!(
                        "[email] ca_file '{}' holds no PEM certificate: {e}",
                        path.display()
                    )
                })?;
                if found.is_empty() {
                    anyhow::bail!(
                        "[email] ca_file '{}' holds no PEM certificate",
                        path.display()
                    );
                }
                Some(pem)
            }
            None => None,
        };
        let oauth = match &email.oauth {
            Some(settings) => Some(TokenSource::new(
                settings.clone(),
                timeout,
                ca_pem.as_deref(),
            )?),
            None => None,
        };
        Ok(Transport::Smtp(Box::new(SmtpRelay {
            host,
            port,
            implicit_tls,
            username: email.username.clone(),
            password_env: email.password_env.clone(),
            from,
            timeout,
            ca_pem,
            oauth,
        })))
    }

    /// Where messages go, for logs (no secrets).
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(relay) => format!(
                "{}://{}:{} ({})",
                if relay.implicit_tls { "smtps" } else { "smtp" },
                relay.host,
                relay.port,
                relay.tls_rule().describe()
            ),
            Transport::Files { dir, .. } => format!(".eml files in {}", dir.display()),
        }
    }

    /// Opens a session for one delivery round, reading the password (or
    /// obtaining the access token) now.
    pub async fn session(&self) -> Result<Session, DeliveryError> {
        match self {
            Transport::Smtp(relay) => relay
                .transport()
                .await
                .map(|transport| {
                    Session::Smtp(SmtpSession {
                        transport,
                        from: relay.from.clone(),
                        tls: relay.tls_rule(),
                        oauth: relay.oauth.clone(),
                        relay: relay.address(),
                    })
                })
                .map_err(|cause| DeliveryError::new(Reach::Relay, cause)),
            Transport::Files { dir, from } => Ok(Session::Files(FileSession {
                dir: dir.clone(),
                from: from.clone(),
            })),
        }
    }
}

/// How a connection to the relay is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsRule {
    /// `smtps://`: TLS from the first byte.
    Implicit,
    /// `smtp://` with credentials: STARTTLS or nothing is sent.
    StartTlsRequired,
    /// `smtp://` without credentials: STARTTLS when the relay offers it.
    StartTlsWhenOffered,
}

impl TlsRule {
    /// The rule for a relay: TLS can be left to chance only when there is
    /// no password to protect.
    pub fn for_relay(implicit_tls: bool, has_credentials: bool) -> TlsRule {
        match (implicit_tls, has_credentials) {
            (true, _) => TlsRule::Implicit,
            (false, true) => TlsRule::StartTlsRequired,
            (false, false) => TlsRule::StartTlsWhenOffered,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            TlsRule::Implicit => "TLS",
            TlsRule::StartTlsRequired => "STARTTLS required",
            TlsRule::StartTlsWhenOffered => "STARTTLS when offered",
        }
    }
}

impl SmtpRelay {
    /// `host:port`, an IPv6 address in brackets.
    fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    fn tls_rule(&self) -> TlsRule {
        TlsRule::for_relay(self.implicit_tls, self.username.is_some())
    }

    async fn transport(&self) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
        let mut tls_builder = TlsParameters::builder(self.host.clone());
        if let Some(pem) = &self.ca_pem {
            // One `Certificate` holds every certificate of the bundle.
            let cert = Certificate::from_pem(pem).context("[email] ca_file")?;
            tls_builder = tls_builder.add_root_certificate(cert);
        }
        let tls_parameters = tls_builder
            .build()
            .with_context(|| format!("TLS settings for {}", self.host))?;
        let tls = match self.tls_rule() {
            TlsRule::Implicit => Tls::Wrapper(tls_parameters),
            TlsRule::StartTlsRequired => Tls::Required(tls_parameters),
            TlsRule::StartTlsWhenOffered => Tls::Opportunistic(tls_parameters),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            .port(self.port)
            .tls(tls)
            .timeout(Some(self.timeout));
        if let (Some(username), Some(oauth)) = (&self.username, &self.oauth) {
            let token = oauth.token().await?;
            return Ok(builder
                .credentials(Credentials::new(username.clone(), token))
                .authentication(vec![Mechanism::Xoauth2])
                .build());
        }
        if let Some(username) = &self.username {
            let password = match &self.password_env {
                Some(var) => std::env::var(var).map_err(|_| {
                    anyhow!("the SMTP password variable {var} (password_env) is not set")
                })?,
                None => String::new(),
            };
            builder = builder.credentials(Credentials::new(username.clone(), password));
        }
        Ok(builder.build())
    }
}

/// A transport ready for one round of deliveries.
pub enum Session {
    /// An SMTP relay: each recipient in an envelope of its own.
    Smtp(SmtpSession),
    /// A folder of `.eml` files: each message written once, whole.
    Files(FileSession),
}

/// Connections to the relay, reused within the round.
pub struct SmtpSession {
    /// lettre's pooled transport.
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// The From header and envelope sender.
    from: Mailbox,
    /// How the connection is encrypted, to explain a refusal to connect.
    tls: TlsRule,
    /// The token source, told when the relay refuses its token.
    oauth: Option<TokenSource>,
    /// `host:port`, to name the relay in errors.
    relay: String,
}

/// A folder of `.eml` files.
pub struct FileSession {
    /// The folder.
    dir: PathBuf,
    /// The From header.
    from: Mailbox,
}

/// A message built once for all its recipients, so each gets the same
/// bytes and the same `Message-ID`.
pub struct Prepared {
    bytes: Vec<u8>,
}

impl Session {
    /// Builds `out`'s message with its attachments (as read). Fails when an
    /// address or a content type does not parse, which no later attempt can fix.
    pub fn prepare(
        &self,
        out: &Outgoing,
        files: &[LoadedAttachment],
    ) -> Result<Prepared, DeliveryError> {
        let from = match self {
            Session::Smtp(s) => &s.from,
            Session::Files(f) => &f.from,
        };
        let message = out
            .to_message(from, files)
            .map_err(|cause| DeliveryError::new(Reach::Refused, cause))?;
        Ok(Prepared {
            bytes: message.formatted(),
        })
    }
}

impl SmtpSession {
    /// Delivers `prepared` to `recipient` alone: a refusal of that address
    /// (even a 5xx, which lettre turns into a failure of the whole
    /// transaction) then touches no other recipient.
    pub async fn deliver_to(
        &self,
        prepared: &Prepared,
        recipient: &str,
    ) -> Result<(), DeliveryError> {
        let to: Address = recipient.parse().map_err(|e| {
            DeliveryError::new(
                Reach::Refused,
                anyhow!("recipient '{recipient}' is not an address: {e}"),
            )
        })?;
        let envelope = Envelope::new(Some(self.from.email.clone()), vec![to])
            .map_err(|e| DeliveryError::new(Reach::Refused, anyhow!("no envelope: {e}")))?;
        let result = self.transport.send_raw(&envelope, &prepared.bytes).await;
        let failure = match result {
            Ok(_) => return Ok(()),
            Err(e) => smtp_failure(&e, self.tls, &self.relay),
        };
        if failure.reach == Reach::Relay
            && let Some(oauth) = &self.oauth
        {
            // Perhaps revoked or expired early: the next round asks anew.
            oauth.forget();
        }
        Err(failure)
    }
}

impl FileSession {
    /// Writes `prepared` as `out`'s `.eml` file.
    pub async fn write(&self, out: &Outgoing, prepared: &Prepared) -> Result<(), DeliveryError> {
        write_eml(&self.dir, &out.file_stem(), &prepared.bytes)
            .await
            .map_err(|cause| DeliveryError::new(Reach::Relay, cause))
    }
}

/// Sorts an SMTP error by how far it reaches, and says it once, plainly,
/// naming the relay: lettre's own text repeats its source and names neither
/// the relay nor, in words a person uses, what went wrong.
fn smtp_failure(
    error: &lettre::transport::smtp::Error,
    tls: TlsRule,
    relay: &str,
) -> DeliveryError {
    let cause = lettre_cause(error);
    // lettre says so only in words: a client error about STARTTLS means the
    // relay did not offer it, which no message can get round.
    if tls == TlsRule::StartTlsRequired && error.is_client() && cause.contains("STARTTLS") {
        return DeliveryError::new(
            Reach::Relay,
            anyhow!(
                "TLS is required because SMTP credentials are configured, and the SMTP relay \
                 {relay} does not offer STARTTLS: neither the password nor the alert was sent \
                 (use smtps:// or a relay that offers STARTTLS)"
            ),
        );
    }
    let code = error.status().map(|c| c.to_string());
    let reach = match code.as_deref() {
        // Service closing, authentication required/failed: the relay, not the message.
        Some("421" | "454" | "530" | "534" | "535" | "538") => Reach::Relay,
        // Exchange Online refuses a mailbox or tenant's authentication with
        // 5xx replies of its own (e.g. `550 5.7.30 Basic authentication is
        // not supported for Client Submission`): every message would get
        // the same answer.
        Some(_) if is_authentication_refusal(&cause) => Reach::Relay,
        Some(_) if error.is_transient() => Reach::Deferred,
        Some(_) => Reach::Refused,
        // A message the relay cannot take as written (e.g. 8-bit without 8BITMIME).
        None if error.is_client() => Reach::Refused,
        None => Reach::Relay,
    };
    DeliveryError::new(
        reach,
        anyhow!(describe_smtp_error(error, code.as_deref(), &cause, relay)),
    )
}

/// What went wrong, in one sentence naming `relay`.
fn describe_smtp_error(
    error: &lettre::transport::smtp::Error,
    code: Option<&str>,
    cause: &str,
    relay: &str,
) -> String {
    if let Some(code) = code {
        let verb = if error.is_transient() {
            "deferred the message"
        } else {
            "refused the message"
        };
        return format!("the SMTP relay {relay} {verb}: {code} {cause}");
    }
    if error.is_timeout() {
        return format!("the SMTP relay {relay} did not answer in time");
    }
    if error.is_tls() {
        return format!("TLS with the SMTP relay {relay} failed: {cause}");
    }
    if error.is_response() {
        // lettre's words for a connection closed before a full reply.
        if cause == "incomplete response" {
            return format!("the SMTP relay {relay} closed the connection without answering");
        }
        return format!("the SMTP relay {relay} answered what is not SMTP: {cause}");
    }
    if error.is_client() {
        return format!("the message cannot be sent through the SMTP relay {relay}: {cause}");
    }
    if error.is_transport_shutdown() {
        return format!("the connections to the SMTP relay {relay} were shut down");
    }
    // lettre tells a failed connection (including its TLS handshake) from a
    // connection that broke later only by its words.
    if error.to_string().starts_with("Connection error") {
        format!("could not connect to the SMTP relay {relay}: {cause}")
    } else {
        format!("the connection to the SMTP relay {relay} broke: {cause}")
    }
}

/// The innermost useful words of a lettre error: its source's, an operating
/// system error as a person says it ("connection refused", without
/// "(os error 111)").
fn lettre_cause(error: &lettre::transport::smtp::Error) -> String {
    use std::error::Error as _;
    let Some(source) = error.source() else {
        return String::new();
    };
    let mut inner: &(dyn std::error::Error + 'static) = source;
    loop {
        if let Some(io) = inner.downcast_ref::<std::io::Error>() {
            return io_words(io);
        }
        match inner.source() {
            Some(next) => inner = next,
            None => return source.to_string(),
        }
    }
}

/// An I/O error as a person says it.
fn io_words(io: &std::io::Error) -> String {
    use std::io::ErrorKind;
    let words = match io.kind() {
        ErrorKind::ConnectionRefused => "connection refused",
        ErrorKind::ConnectionReset => "connection reset",
        ErrorKind::ConnectionAborted => "connection aborted",
        ErrorKind::TimedOut => "timed out",
        ErrorKind::HostUnreachable => "host unreachable",
        ErrorKind::NetworkUnreachable => "network unreachable",
        ErrorKind::AddrNotAvailable => "address not available",
        ErrorKind::BrokenPipe => "connection closed",
        ErrorKind::UnexpectedEof => "connection closed",
        _ => {
            // The system's own words, without "(os error N)".
            let text = io.to_string();
            return match text.rsplit_once(" (os error ") {
                Some((words, _)) => words.to_lowercase(),
                None => text,
            };
        }
    };
    words.to_string()
}

/// Enhanced status codes (RFC 3463 class 5.7, "security or policy") that
/// refuse the sender's authentication rather than a recipient: 5.7.8
/// (credentials invalid, RFC 4954), 5.7.30 (basic authentication not supported), 5.7.57 (client not
/// authenticated to send mail), 5.7.139 (SMTP AUTH disabled for the mailbox
/// or tenant), 5.7.60 (not allowed to send as the From address).
fn is_authentication_refusal(text: &str) -> bool {
    const AUTH_CODES: [&str; 5] = ["5.7.8", "5.7.30", "5.7.57", "5.7.139", "5.7.60"];
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .any(|word| AUTH_CODES.contains(&word))
}

/// Writes `stem.eml` through a temporary name, so a reader never sees half a
/// message and writing the same alert again replaces rather than duplicates.
async fn write_eml(dir: &Path, stem: &str, bytes: &[u8]) -> anyhow::Result<()> {
    tokio::fs::create_dir_all(dir)
        .await
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(format!("{stem}.eml"));
    let temp = dir.join(format!(".{stem}.eml.tmp"));
    let mut file = tokio::fs::File::create(&temp)
        .await
        .with_context(|| format!("cannot create {}", temp.display()))?;
    file.write_all(bytes)
        .await
        .with_context(|| format!("cannot write {}", temp.display()))?;
    file.sync_all()
        .await
        .with_context(|| format!("cannot write {}", temp.display()))?;
    drop(file);
    tokio::fs::rename(&temp, &path)
        .await
        .with_context(|| format!("cannot rename {} to {}", temp.display(), path.display()))?;
    Ok(())
}

/// `smtp://host[:port]` or `smtps://host[:port]` (IPv6 in brackets) →
/// (implicit TLS, host, port). Ports default to 587 and 465.
fn parse_smtp_url(url: &str) -> anyhow::Result<(bool, String, u16)> {
    let (implicit_tls, rest) = if let Some(rest) = url.strip_prefix("smtps://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("smtp://") {
        (false, rest)
    } else {
        anyhow::bail!("expected smtp://host:port or smtps://host:port");
    };
    let rest = rest.trim_end_matches('/');
    if rest.contains(['@', '/', '?', '#']) {
        anyhow::bail!(
            "expected only host and port (put the user in `username`, the password in the \
             variable named by `password_env`)"
        );
    }
    let default_port = if implicit_tls { 465 } else { 587 };
    let (host, port) = match rest.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6
                .split_once(']')
                .ok_or_else(|| anyhow!("an IPv6 address must end with ]"))?;
            match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None if after.is_empty() => (host, None),
                None => anyhow::bail!("unexpected '{after}' after the address"),
            }
        }
        None => match rest.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        },
    };
    if host.is_empty() {
        anyhow::bail!("the host is missing");
    }
    let port = match port {
        Some(port) => port
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| anyhow!("'{port}' is not a port"))?,
        None => default_port,
    };
    Ok((implicit_tls, host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let cause = anyhow::Error::new(Wrapper(io)).context("the relay did not take it");
        let error = DeliveryError::new(Reach::Relay, cause);
        assert_eq!(
            error.to_string(),
            "the relay did not take it: Connection error: refused"
        );
    }

    /// Like lettre's errors: writes its source into its own message.
    #[derive(Debug)]
    struct Wrapper(std::io::Error);

    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "Connection error: {}", self.0)
        }
    }

    impl std::error::Error for Wrapper {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn tls_is_left_to_the_relay_only_without_credentials() {
        assert_eq!(TlsRule::for_relay(true, true), TlsRule::Implicit);
        assert_eq!(TlsRule::for_relay(true, false), TlsRule::Implicit);
        assert_eq!(TlsRule::for_relay(false, true), TlsRule::StartTlsRequired);
        assert_eq!(
            TlsRule::for_relay(false, false),
            TlsRule::StartTlsWhenOffered
        );
    }

    #[test]
    fn authentication_refusals_are_told_from_recipient_refusals() {
        // Exchange Online's replies, as its documentation quotes them.
        assert!(is_authentication_refusal(
            "permanent error (550): 5.7.30 Basic authentication is not supported for Client Submission"
        ));
        assert!(is_authentication_refusal(
            "permanent error (535): 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."
        ));
        assert!(is_authentication_refusal(
            "permanent error (550): 5.7.60 SMTP; Client does not have permissions to send as this sender"
        ));
        // Recipients and policy on one message: not the relay.
        assert!(!is_authentication_refusal(
            "permanent error (550): 5.1.1 User unknown"
        ));
        assert!(!is_authentication_refusal(
            "permanent error (550): 5.7.1 Unable to relay"
        ));
        assert!(!is_authentication_refusal(
            "permanent error (550): 5.7.1390 Not a code Exchange uses"
        ));
    }

    #[test]
    fn smtp_urls_parse() {
        let p = |u: &str| parse_smtp_url(u).map_err(|e| e.to_string());
        assert_eq!(
            p("smtp://127.0.0.1:2525"),
            Ok((false, "127.0.0.1".into(), 2525))
        );
        assert_eq!(
            p("smtps://mail.example/"),
            Ok((true, "mail.example".into(), 465))
        );
        assert_eq!(
            p("smtp://mail.example"),
            Ok((false, "mail.example".into(), 587))
        );
        assert_eq!(p("smtp://[::1]:25"), Ok((false, "::1".into(), 25)));
        assert!(p("smtp://user:pw@mail.example").is_err());
        assert!(p("smtp://mail.example:x").is_err());
        assert!(p("smtp://:25").is_err());
        assert!(p("http://mail.example").is_err());
    }
}
