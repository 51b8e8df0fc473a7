//! What may be said about a database URL: whether it carries a password,
//! and the URL with the password hidden, for messages and logs.
//!
//! A password can sit in two places: the user information
//! (`postgres://user:password@host/db`) and the query
//! (`postgres://user@host/db?password=…`, which the PostgreSQL driver reads
//! too). Both count, and both are hidden.

use reqwest::Url;

/// Query parameters that carry a secret.
const SECRET_PARAMETERS: [&str; 2] = ["password", "sslpassword"];

fn is_secret_parameter(name: &str) -> bool {
    SECRET_PARAMETERS
        .iter()
        .any(|secret| name.eq_ignore_ascii_case(secret))
}

/// A database URL with any password removed, for messages.
pub fn redact(url: &str) -> String {
    if !has_password(url) {
        return url.to_string();
    }
    let Ok(mut parsed) = Url::parse(url) else {
        // Not a URL slawatch can take apart: say nothing of it.
        return "(a database URL holding a password)".to_string();
    };
    if parsed.password().is_some() {
        // Setting a password can only fail on URLs without a host, which
        // have none to hide.
        let _ = parsed.set_password(Some("***"));
    }
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(name, value)| {
            let value = if is_secret_parameter(&name) {
                "***".to_string()
            } else {
                value.into_owned()
            };
            (name.into_owned(), value)
        })
        .collect();
    if !pairs.is_empty() {
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

/// Whether a database URL carries a password, in its user information
/// (`scheme://user:password@host`) or its query (`?password=…`).
pub fn has_password(url: &str) -> bool {
    match Url::parse(url) {
        Ok(parsed) => {
            parsed.password().is_some()
                || parsed
                    .query_pairs()
                    .any(|(name, _)| is_secret_parameter(&name))
        }
        // Unparsed, the text itself is judged.
        Err(_) => {
            let lower = url.to_ascii_lowercase();
            let userinfo = match (url.find("://"), url.rfind('@')) {
                (Some(scheme_end), Some(at)) if at > scheme_end => {
                    url[scheme_end + 3..at].contains(':')
                }
                _ => false,
            };
            userinfo
                || SECRET_PARAMETERS
                    .iter()
                    .any(|p| lower.contains(&format!("{p}=")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://sw:secret@127.0.0.1/db"),
            "postgres://sw:***@127.0.0.1/db"
        );
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
        assert_eq!(redact("postgres://sw@db/x"), "postgres://sw@db/x");
        assert!(has_password("postgresql://sw:p@db/x"));
        assert!(!has_password("postgres://sw@db/x?sslmode=require"));
    }

    #[test]
    fn a_password_in_the_query_counts_and_is_hidden() {
        for url in [
            "postgres://sw@db/x?password=secret",
            "postgres://sw@db/x?sslmode=require&Password=secret",
            "postgres://sw@db/x?sslpassword=secret",
        ] {
            assert!(has_password(url), "{url}");
            let redacted = redact(url);
            assert!(!redacted.contains("secret"), "{redacted}");
            assert!(redacted.contains("***"), "{redacted}");
        }
        assert_eq!(
            redact("postgres://sw@db/x?sslmode=require&password=secret"),
            "postgres://sw@db/x?sslmode=require&password=***"
        );
        // Even where the URL cannot be parsed.
        assert!(has_password("postgres://[bad?password=secret"));
        assert!(!redact("postgres://[bad?password=secret").contains("secret"));
    }
}
