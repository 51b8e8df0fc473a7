//! Pages as HTML: the templates (embedded, auto-escaped, so supplier text
//! can never become markup), the stylesheet, the headers every page
//! carries, and what a failed request shows.

use std::sync::LazyLock;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{AutoEscape, Environment, Value};
use sha2::{Digest, Sha256};

use crate::domain::Currency;
use crate::domain::money::with_code;
use crate::http::error::ApiError;

/// The desk's one stylesheet.
pub const STYLESHEET: &str = include_str!("desk.css");

/// The stylesheet's address: its content's digest in the query, so a
/// browser may keep it for a year and still fetches a changed one.
pub static STYLESHEET_HREF: LazyLock<String> = LazyLock::new(|| {
    let d = hex::encode(Sha256::digest(STYLESHEET.as_bytes()));
    format!("/static/desk.css?v={}", &d[..12])
});

/// The policy every page is sent with: nothing but this origin's
/// stylesheet and forms; no script at all (inline or not), no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the headers every page (and refusal) of the desk carries.
pub fn security_headers(h: &mut HeaderMap) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        // Figures and tokens: never from a shared cache.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// `GET /static/desk.css`: kept a year by browsers (its address changes
/// with its content).
pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// `2026-10-06 10:00:00 BST`: an instant as the desk shows it, in the
/// contract's local time to the second, with the abbreviation that says
/// whether summer time applied.
pub fn local(at: crate::domain::Instant, tz: chrono_tz::Tz) -> String {
    at.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

/// Every template of the desk, by name, embedded in the binary.
const TEMPLATE_FILES: [(&str, &str); 18] = [
    (
        "layout.html",
        include_str!("../../templates/web/layout.html"),
    ),
    (
        "sign_in.html",
        include_str!("../../templates/web/sign_in.html"),
    ),
    (
        "portfolio.html",
        include_str!("../../templates/web/portfolio.html"),
    ),
    ("month.html", include_str!("../../templates/web/month.html")),
    (
        "incident.html",
        include_str!("../../templates/web/incident.html"),
    ),
    (
        "records.html",
        include_str!("../../templates/web/records.html"),
    ),
    ("audit.html", include_str!("../../templates/web/audit.html")),
    (
        "commitments.html",
        include_str!("../../templates/web/commitments.html"),
    ),
    ("dr.html", include_str!("../../templates/web/dr.html")),
    (
        "issued.html",
        include_str!("../../templates/web/issued.html"),
    ),
    ("packs.html", include_str!("../../templates/web/packs.html")),
    (
        "outbox.html",
        include_str!("../../templates/web/outbox.html"),
    ),
    (
        "sources.html",
        include_str!("../../templates/web/sources.html"),
    ),
    (
        "actions.html",
        include_str!("../../templates/web/actions.html"),
    ),
    ("error.html", include_str!("../../templates/web/error.html")),
    (
        "history.html",
        include_str!("../../templates/web/history.html"),
    ),
    (
        "outages.html",
        include_str!("../../templates/web/outages.html"),
    ),
    (
        "outage.html",
        include_str!("../../templates/web/outage.html"),
    ),
];

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    // An amount in minor units as the reports write it: `GBP 1,250.00`.
    env.add_filter("money", |minor: i64, code: String| {
        match Currency::parse(&code) {
            Ok(c) => with_code(minor, &c),
            Err(_) => format!("{code} {minor} (minor units)"),
        }
    });
    // An instant (RFC 3339, as the JSON and the handlers write it) in the
    // contract's local time; nothing for none, the text itself if it is
    // not an instant.
    env.add_filter("local", |value: Option<String>, tz: String| match value {
        None => String::new(),
        Some(text) => match (
            chrono::DateTime::parse_from_rfc3339(&text),
            tz.parse::<chrono_tz::Tz>(),
        ) {
            (Ok(at), Ok(tz)) => local(at.with_timezone(&chrono::Utc), tz),
            _ => text,
        },
    });
    // A record's id as one segment of a page's path: supplier text, so
    // `/`, `?`, `#` and the rest are percent-encoded.
    env.add_filter("segment", |text: String| path_segment(&text));
    for (name, text) in TEMPLATE_FILES {
        if let Err(e) = env.add_template(name, text) {
            // Caught by the tests: every page renders there.
            tracing::error!(template = name, error = %e, "a web desk template does not parse");
        }
    }
    env
});

/// `text` percent-encoded as one path segment: only unreserved characters
/// (letters, digits, `-._~`) are left as they are.
pub fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Renders `template` with `context` (the stylesheet's address added).
pub fn page(status: StatusCode, template: &str, context: Value) -> Response {
    let rendered = TEMPLATES.get_template(template).and_then(|t| {
        t.render(minijinja::context! {
            stylesheet => STYLESHEET_HREF.as_str(),
            // Pages of no one contract (the packs) show UTC; a contract's
            // page names its timezone (the later map wins).
            ..minijinja::value::merge_maps([minijinja::context! { tz => "UTC" }, context])
        })
    });
    match rendered {
        Ok(html) => (status, Html(html)).into_response(),
        // Plain text, never another template: the error page could fail too.
        Err(e) => {
            tracing::error!(
                template,
                error = format!("{e:#}"),
                "a web desk page failed to render"
            );
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side; it has been logged.\n",
            )
                .into_response()
        }
    }
}

/// A request of the desk that failed, shown as a page.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// Not signed in, asking for a page: go and sign in.
    #[error("sign in")]
    SignIn,
    /// Signed in (or not) without the right to do this.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing there, or not theirs to see: the same answer.
    #[error("{0}")]
    NotFound(String),
    /// The request itself is wrong.
    #[error("{0}")]
    BadRequest(String),
    /// Too many failed sign-ins: try again after this many seconds.
    #[error("too many failed sign-ins")]
    Slowed(i64),
    /// Something failed on our side (details to the log only).
    #[error("{0}")]
    Internal(String),
}

impl From<crate::store::StoreError> for WebError {
    fn from(e: crate::store::StoreError) -> Self {
        WebError::Internal(e.to_string())
    }
}

impl From<ApiError> for WebError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::NotFound(m) => WebError::NotFound(m),
            ApiError::BadRequest(m) | ApiError::Conflict(m) | ApiError::TooLarge(m) => {
                WebError::BadRequest(m)
            }
            ApiError::Forbidden(m) => WebError::Forbidden(format!("You may not {m}.")),
            ApiError::Unauthorized => WebError::SignIn,
            ApiError::Overloaded => WebError::Internal("overloaded".into()),
            ApiError::Internal(e) => WebError::Internal(format!("{e:#}")),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            WebError::SignIn => return Redirect::to("/sign-in").into_response(),
            WebError::Forbidden(m) => (StatusCode::FORBIDDEN, "Not allowed", m.clone()),
            WebError::NotFound(_) => (
                StatusCode::NOT_FOUND,
                "Page not found",
                // Never what or whose: a contract out of scope reads as absent.
                "There is no such page, or it is not yours to see.".to_string(),
            ),
            WebError::BadRequest(m) => (StatusCode::BAD_REQUEST, "Cannot do that", m.clone()),
            WebError::Slowed(after) => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many failed sign-ins",
                format!("Too many failed sign-ins: try again in {after} seconds."),
            ),
            WebError::Internal(detail) => {
                tracing::error!(error = %detail, "web desk request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "Something went wrong on our side; it has been logged.".to_string(),
                )
            }
        };
        let mut response = page(
            status,
            "error.html",
            minijinja::context! { title => title, message => message },
        );
        if let WebError::Slowed(after) = self
            && let Ok(v) = HeaderValue::from_str(&after.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_one_path_segment() {
        assert_eq!(path_segment("INC-1.2_x~"), "INC-1.2_x~");
        assert_eq!(path_segment("a/b?c#d é"), "a%2Fb%3Fc%23d%20%C3%A9");
    }

    #[test]
    fn every_template_parses() {
        let mut env = Environment::new();
        for (name, text) in TEMPLATE_FILES {
            env.add_template(name, text)
                .unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }
}

#[cfg(test)]
mod page_tests {
    use super::*;

    /// The month page renders a real report, supplier text escaped.
    #[test]
    fn the_month_page_renders_a_report() {
        let report: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/report-october.json")).unwrap();
        let form = serde_json::json!({"values": {"amount": "1<2"}, "errors": {"amount": "amount: bad"}, "error": null});
        let html = TEMPLATES
            .get_template("month.html")
            .and_then(|t| {
                t.render(minijinja::context! {
                    stylesheet => "/s.css",
                    desk => minijinja::context! { name => "jane", manager => true, csrf => "c" },
                    contract => "acme", supplier => "Acme", period => "2026-10",
                    previous => "2026-09", next => "2026-11",
                    report => Value::from(minijinja::value::Serde(&report)),
                    levels => Value::from(minijinja::value::Serde(vec![("p1-resolution", "P1")])),
                    form => Value::from(minijinja::value::Serde(&form)),
                })
            })
            .unwrap_or_else(|e| panic!("{e:#}"));
        assert!(html.contains("&lt;script&gt;alert(1)"), "{html}");
        assert!(!html.contains("<script>"));
        assert!(html.contains("value=\"1&lt;2\""), "{html}");
        assert!(html.contains("amount: bad"));
    }
}
