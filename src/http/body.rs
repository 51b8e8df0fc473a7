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
/// refusal. Every body of what people record passes here, so this is where
/// a NUL character is refused, naming its field: PostgreSQL's text cannot
/// hold one, and a person should hear which field to fix, not of a
/// database failure.
pub fn json<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ApiError> {
    let body = without_bom(body);
    refuse_nul(body)?;
    serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("the body must be {what}: {e}")))
}

/// Refuses a body with a NUL character in any string. JSON can only carry
/// one escaped (`\u0000`), so a body without that sequence is passed over
/// without parsing it twice.
fn refuse_nul(body: &[u8]) -> Result<(), ApiError> {
    const ESCAPED_NUL: &[u8] = b"\\u0000";
    if !body.windows(ESCAPED_NUL.len()).any(|w| w == ESCAPED_NUL) {
        return Ok(());
    }
    // Not JSON, or the sequence was an escaped backslash's text: the
    // reading of the body says what is wrong, if anything.
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Ok(());
    };
    match nul_at(&value) {
        Some(field) => Err(ApiError::BadRequest(format!(
            "{field}: holds a NUL character (U+0000), which no text may contain"
        ))),
        None => Ok(()),
    }
}

/// Where the first string holding a NUL is: `title`, `links[0].id`, or
/// `(body)` for the body itself.
fn nul_at(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    let join = |outer: String, inner: Option<String>| match inner.as_deref() {
        None | Some("(body)") => outer,
        Some(i) if i.starts_with('[') => format!("{outer}{i}"),
        Some(i) => format!("{outer}.{i}"),
    };
    match value {
        Value::String(s) => s.contains('\0').then(|| "(body)".to_string()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_at(v).map(|inner| join(format!("[{i}]"), Some(inner)))),
        Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                return Some(k.replace('\0', "\\0"));
            }
            nul_at(v).map(|inner| join(k.clone(), Some(inner)))
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(body: &str) -> Option<String> {
        match json::<serde_json::Value>(body.as_bytes(), "JSON") {
            Err(ApiError::BadRequest(m)) => Some(m),
            _ => None,
        }
    }

    #[test]
    fn a_nul_is_refused_naming_its_field() {
        let nul = "holds a NUL character (U+0000), which no text may contain";
        assert_eq!(
            refusal(r#"{"title":"a\u0000b"}"#),
            Some(format!("title: {nul}"))
        );
        assert_eq!(
            refusal(r#"{"links":[{"id":"x"},{"id":"\u0000"}]}"#),
            Some(format!("links[1].id: {nul}"))
        );
        assert_eq!(refusal(r#""\u0000""#), Some(format!("(body): {nul}")));
        // An escaped backslash before `u0000` is text, not a NUL.
        assert_eq!(refusal(r#"{"title":"C:\\u0000"}"#), None);
    }

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
