//! Passwords of local accounts: hashed with argon2 (its recommended
//! parameters, a random salt each), never kept or logged in clear.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::LazyLock;

use argon2::Argon2;
use rand::RngExt;

/// A password's argon2 hash, as the store keeps it (a PHC string).
pub fn hash(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::rng().fill(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// A hash nobody's password is checked against when the account is
/// unknown or has no password, so that the answer takes as long either
/// way and does not tell which names exist.
static NOBODY: LazyLock<String> =
    LazyLock::new(|| hash("no account has this password").unwrap_or_default());

/// Whether `password` matches `stored` (`None`: no password can match).
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (NOBODY.as_str(), false),
    };
    let matches = PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    matches && real
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify("correct horse", Some(&h)));
        assert!(!verify("correct hors", Some(&h)));
        assert!(!verify("correct horse", None));
        // Salted: the same password hashes differently each time.
        assert_ne!(h, hash("correct horse").unwrap());
    }
}
