//! What may be said about a database URL: whether it carries a password,
//! and the URL with the password hidden, for messages and logs.

/// A database URL with any password removed, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if has_password(url) => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..])
        }
        _ => url.to_string(),
    }
}

/// Whether a database URL carries a password (`scheme://user:password@host`).
pub fn has_password(url: &str) -> bool {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => url[scheme_end + 3..at].contains(':'),
        _ => false,
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
}
