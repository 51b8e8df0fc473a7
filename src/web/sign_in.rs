//! Signing in with a local account, and out.
//!
//! Failed sign-ins are counted in the store (so every daemon on it counts
//! alike) per account and per address. From the 3rd failure in a row an
//! account waits 5 seconds before it may try again, doubling with each
//! further failure up to 15 minutes; an address the same from its 10th
//! (a council's office puts many people behind one address). While it
//! waits, a sign-in is refused with 429 and `Retry-After` without its
//! password being looked at, so guessing costs time whatever is guessed.
//! A success clears the account's count, never the address's.
//!
//! The sign-in form itself is guarded against cross-site posting by a
//! cookie whose value the form repeats (there is no session yet to bind a
//! token to).

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::password;
use super::render::{WebError, page};
use super::session::{SESSION_COOKIE, SignedIn, Transport, cookie, open, random_token, set_cookie};
use crate::http::AppState;

/// The sign-in form's cookie: the form repeats its value.
const FORM_COOKIE: &str = "slawatch_sign_in";

/// The longest name a sign-in is checked with.
const MAX_NAME_CHARS: usize = 200;

/// Failures in a row before an account waits.
const ACCOUNT_FREE_FAILURES: i64 = 3;
/// Failures in a row before an address waits.
const ADDRESS_FREE_FAILURES: i64 = 10;
/// The first wait, in seconds; each further failure doubles it.
const FIRST_WAIT: i64 = 5;
/// The longest wait, in seconds.
const LONGEST_WAIT: i64 = 15 * 60;

/// Seconds to wait after `failures` in a row when `free` are let through.
pub fn wait_after(failures: i64, free: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let doublings = u32::try_from(failures - free).unwrap_or(u32::MAX).min(20);
    (FIRST_WAIT << doublings).min(LONGEST_WAIT)
}

/// The sign-in form as posted.
#[derive(Debug, Deserialize)]
pub struct SignInForm {
    /// The account's name.
    #[serde(default)]
    name: String,
    /// Its password.
    #[serde(default)]
    password: String,
    /// The form cookie's value, repeated.
    #[serde(default)]
    form_token: String,
}

/// `GET /sign-in`: the form (and its cookie); someone signed in already
/// goes to the portfolio.
pub async fn form(
    signed_in: Option<axum::Extension<super::session::Desk>>,
    transport: Transport,
    headers: HeaderMap,
) -> Response {
    if signed_in.is_some() {
        return Redirect::to("/").into_response();
    }
    show(&headers, transport, StatusCode::OK, "", None)
}

fn show(
    headers: &HeaderMap,
    transport: Transport,
    status: StatusCode,
    name: &str,
    error: Option<&str>,
) -> Response {
    let token = cookie(headers, FORM_COOKIE)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
        .unwrap_or_else(random_token);
    let mut response = page(
        status,
        "sign_in.html",
        minijinja::context! { form_token => token.clone(), name => name, error => error },
    );
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(FORM_COOKIE, &token, transport.secure, None),
    );
    response
}

/// How long `subject` must still wait before trying again, in seconds.
async fn still_waiting(app: &AppState, subject: &str, free: i64) -> Result<i64, WebError> {
    let now = app.now().timestamp();
    Ok(match app.deps.store.sign_in_failures(subject).await? {
        Some((failures, last)) => (last + wait_after(failures, free) - now).max(0),
        None => 0,
    })
}

/// `POST /sign-in`: checks the password; opens a session and goes to the
/// portfolio, or shows the form again with the name kept.
pub async fn sign_in(
    State(app): State<AppState>,
    transport: Transport,
    headers: HeaderMap,
    Form(f): Form<SignInForm>,
) -> Result<Response, WebError> {
    let expected = cookie(&headers, FORM_COOKIE).unwrap_or("");
    if expected.is_empty() || !bool::from(expected.as_bytes().ct_eq(f.form_token.as_bytes())) {
        return Err(WebError::Forbidden(
            "The sign-in form was not the one this site gave you: open the sign-in page again."
                .into(),
        ));
    }
    // No account has a name this long: kept short, so a posted megabyte
    // does not become a key of the failure count.
    let name: String = f.name.trim().chars().take(MAX_NAME_CHARS).collect();
    let name = name.as_str();
    let account = format!("user:{name}");
    let address = format!(
        "address:{}",
        transport
            .peer
            .map_or_else(|| "unknown".to_string(), |ip| ip.to_string())
    );
    let wait = still_waiting(&app, &account, ACCOUNT_FREE_FAILURES)
        .await?
        .max(still_waiting(&app, &address, ADDRESS_FREE_FAILURES).await?);
    if wait > 0 {
        return Err(WebError::Slowed(wait));
    }
    let store = &app.deps.store;
    let user = store
        .web_user(name)
        .await?
        .filter(|u| u.disabled_at.is_none());
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let password = f.password;
    // Hashing takes a while: off the request threads.
    let matches = tokio::task::spawn_blocking(move || password::verify(&password, hash.as_deref()))
        .await
        .unwrap_or(false);
    let now = app.now().timestamp();
    match user {
        Some(user) if matches => {
            store.sign_in_succeeded(&account).await?;
            let (id, _) = open(&app, &user).await?;
            tracing::info!(user = %user.name, "signed in to the web desk");
            let mut response = Redirect::to("/").into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &id, transport.secure, None),
            );
            Ok(response)
        }
        _ => {
            store.sign_in_failed(&account, now).await?;
            store.sign_in_failed(&address, now).await?;
            tracing::info!(user = %name, "failed sign-in to the web desk");
            Ok(show(
                &headers,
                transport,
                StatusCode::UNAUTHORIZED,
                name,
                Some("The name or the password is wrong."),
            ))
        }
    }
}

/// The sign-out form as posted.
#[derive(Debug, Deserialize)]
pub struct SignOutForm {
    /// The session's CSRF token.
    #[serde(default)]
    csrf: String,
}

/// `POST /sign-out`: ends the session and forgets the cookie.
pub async fn sign_out(
    State(app): State<AppState>,
    SignedIn(desk): SignedIn,
    transport: Transport,
    Form(f): Form<SignOutForm>,
) -> Result<Response, WebError> {
    if !desk.csrf_matches(&f.csrf) {
        return Err(super::forms::csrf_refused());
    }
    app.deps.store.close_web_session(&desk.session).await?;
    let mut response = Redirect::to("/sign-in").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", transport.secure, Some(0)),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_the_third_failure_and_is_capped() {
        assert_eq!(wait_after(2, 3), 0);
        assert_eq!(wait_after(3, 3), 5);
        assert_eq!(wait_after(4, 3), 10);
        assert_eq!(wait_after(5, 3), 20);
        // 5 × 2^8 = 1280 s is over the 900 s cap.
        assert_eq!(wait_after(11, 3), 900);
        assert_eq!(wait_after(i64::MAX, 3), 900);
        assert_eq!(wait_after(9, 10), 0);
        assert_eq!(wait_after(10, 10), 5);
    }
}
