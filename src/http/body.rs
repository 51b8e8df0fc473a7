//! Request bodies as every endpoint reads them.
//!
//! Windows tools (Notepad, PowerShell's `Out-File`, Excel's "CSV UTF-8")
//! write a UTF-8 byte-order mark before the text. JSON has no place for it,
//! but RFC 8259 lets a parser ignore it, and refusing a supplier's push over
//! an invisible character helps nobody: it is skipped here, once, for every
//! endpoint.

use serde::de::DeserializeOwned;

use super::error::ApiError;

/// The UTF-8 encoding of U+FEFF.
const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// The body without a leading UTF-8 byte-order mark.
pub fn without_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(BYTE_ORDER_MARK).unwrap_or(body)
}

/// A JSON body read as `T`; `what` completes "the body must be …" in the
/// refusal.
pub fn json<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ApiError> {
    serde_json::from_slice(without_bom(body))
        .map_err(|e| ApiError::BadRequest(format!("the body must be {what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_skipped_once() {
        assert_eq!(without_bom(b"\xEF\xBB\xBF[1]"), b"[1]");
        assert_eq!(without_bom(b"[1]"), b"[1]");
        // Only one: a second is content, and JSON refuses it.
        assert!(json::<Vec<i32>>(b"\xEF\xBB\xBF\xEF\xBB\xBF[1]", "a list").is_err());
        assert_eq!(
            json::<Vec<i32>>(b"\xEF\xBB\xBF[1]", "a list").ok(),
            Some(vec![1])
        );
    }
}
