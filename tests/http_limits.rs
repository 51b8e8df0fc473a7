//! The HTTP server against clients that do not play fair, on a real port
//! through `slawatch::http::serve`: bodies refused before they are read
//! when the token does not allow the call, clients that trickle their
//! headers or body cut off after the configured timeouts while others are
//! served, and requests beyond the concurrency limit refused at once.

mod common;

use std::time::{Duration, Instant};

use common::{daemon_deps, sha256_hex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedReadHalf;
use tokio_util::sync::CancellationToken;

const VIEWER: &str = "limits-viewer-secret";
const PUSH: &str = "limits-push-secret";

/// A daemon's HTTP server on port 0 with `daemon_keys` under `[daemon]`:
/// one contract, a viewer token and a webhook source. Stops with the test.
struct Server {
    addr: std::net::SocketAddr,
    _dir: tempfile::TempDir,
    stop: CancellationToken,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn server(daemon_keys: &str) -> Server {
    // Unique to this test file; set before any thread reads the environment.
    unsafe { std::env::set_var("HTTP_LIMITS_TEST_PUSH_TOKEN", PUSH) };
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        r#"{daemon_keys}

[[contracts]]
id = "acme"
supplier = "Acme Ltd"
timezone = "Europe/London"
currency = "GBP"
monthly_charge = "1000.00"
managers = ["m@council.example"]

[[sources]]
id = "acme-push"
contract = "acme"
kind = "webhook"
token_env = "HTTP_LIMITS_TEST_PUSH_TOKEN"

[[api_tokens]]
name = "grafana"
role = "viewer"
token_sha256 = "{viewer}"
"#,
        viewer = sha256_hex(VIEWER),
    );
    let deps = daemon_deps(&dir, &config).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    // The daemon's router, as `slawatch run` serves it.
    let app = slawatch::web::router(deps.clone());
    tokio::spawn(slawatch::http::serve(listener, app, deps, stop.clone()));
    Server {
        addr,
        _dir: dir,
        stop,
    }
}

/// Everything the server sends until it closes the connection, and when it
/// closed (`None` if it was still open after `patience`).
async fn until_closed(mut read: OwnedReadHalf, patience: Duration) -> (String, Option<Instant>) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        match tokio::time::timeout_at(deadline, read.read(&mut buf)).await {
            Err(_) => return (String::from_utf8_lossy(&seen).into_owned(), None),
            Ok(Ok(0)) | Ok(Err(_)) => {
                return (
                    String::from_utf8_lossy(&seen).into_owned(),
                    Some(Instant::now()),
                );
            }
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

/// The status line's code of what the server answered, if it answered.
fn status(answer: &str) -> Option<u16> {
    answer
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
}

/// Sends the headers of a request announcing a body of `length` bytes and
/// the first 64 KiB of it, then waits (up to 3 s) for an answer without
/// sending more.
async fn big_body_answer(server: &Server, path: &str, auth: Option<&str>, length: usize) -> String {
    let stream = TcpStream::connect(server.addr).await.unwrap();
    let (read, mut write) = stream.into_split();
    let auth = auth.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: slawatch\r\nContent-Type: application/json\r\n{auth}Content-Length: {length}\r\n\r\n"
    );
    write.write_all(head.as_bytes()).await.unwrap();
    // Whether this write completes depends on buffers, not on the server
    // reading: the server may already have answered and closed.
    let _ = write.write_all(&vec![b' '; 64 * 1024]).await;
    let (answer, _) = until_closed(read, Duration::from_secs(3)).await;
    drop(write);
    answer
}

#[tokio::test]
async fn a_body_is_not_read_before_the_token_allows_the_call() {
    let server = server("").await;
    let ten_mib = 10 * 1024 * 1024;
    // No token: 401 while 10 MiB less 64 KiB are still unsent.
    let answer = big_body_answer(&server, "/api/v1/records", None, ten_mib).await;
    assert_eq!(status(&answer), Some(401), "{answer:?}");
    // A viewer may not record a cost: 403, the body unread.
    let answer = big_body_answer(
        &server,
        "/api/v1/contracts/acme/costs",
        Some(VIEWER),
        ten_mib,
    )
    .await;
    assert_eq!(status(&answer), Some(403), "{answer:?}");
    // A viewer may not push records either.
    let answer = big_body_answer(&server, "/api/v1/records", Some(VIEWER), ten_mib).await;
    assert_eq!(status(&answer), Some(403), "{answer:?}");
    // A source token pushing to another source: 403, unread.
    let answer = big_body_answer(
        &server,
        "/api/v1/alertmanager/elsewhere",
        Some(PUSH),
        ten_mib,
    )
    .await;
    assert_eq!(status(&answer), Some(403), "{answer:?}");
}

/// A connection that sends `head`, then one byte of `drip` a second; the
/// server's answer and when it closed the connection.
async fn trickle(
    addr: std::net::SocketAddr,
    head: String,
    drip: u8,
    patience: Duration,
) -> (String, Option<Instant>) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (read, mut write) = stream.into_split();
    let writer = tokio::spawn(async move {
        if write.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if write.write_all(&[drip]).await.is_err() {
                return;
            }
        }
    });
    let closed = until_closed(read, patience).await;
    writer.abort();
    closed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off_while_others_are_served() {
    let server = server("header_timeout = \"2s\"\nrequest_timeout = \"3s\"").await;
    let start = Instant::now();
    let patience = Duration::from_secs(8);
    // Headers, one byte a second, never finished.
    let slow_headers = trickle(
        server.addr,
        "GET /healthz HTTP/1.1\r\nHost: slawatch\r\nX-Slow: ".into(),
        b'a',
        patience,
    );
    // A push with a valid token whose body comes one byte a second.
    let slow_body = trickle(
        server.addr,
        format!(
            "POST /api/v1/records HTTP/1.1\r\nHost: slawatch\r\nAuthorization: Bearer {PUSH}\r\nContent-Length: 1000\r\n\r\n["
        ),
        b' ',
        patience,
    );
    // A connection that says nothing at all.
    let silent = async {
        let stream = TcpStream::connect(server.addr).await.unwrap();
        let (read, write) = stream.into_split();
        let closed = until_closed(read, patience).await;
        drop(write);
        closed
    };
    // Meanwhile, everyone else is served promptly.
    let others = async {
        let client = reqwest::Client::new();
        let url = format!("http://{}/healthz", server.addr);
        let mut answered = 0;
        while start.elapsed() < Duration::from_secs(5) {
            let asked = Instant::now();
            let res = client.get(&url).send().await.unwrap();
            assert_eq!(res.status(), 200);
            assert!(
                asked.elapsed() < Duration::from_secs(1),
                "a plain request waited {:?}",
                asked.elapsed()
            );
            answered += 1;
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        answered
    };
    let ((_, headers_closed), (body_answer, body_closed), (_, silent_closed), answered) =
        tokio::join!(slow_headers, slow_body, silent, others);
    assert!(answered >= 10, "only {answered} plain requests answered");
    let within = |closed: Option<Instant>, timeout: u64| {
        closed.is_some_and(|at| {
            let after = at - start;
            after >= Duration::from_secs(timeout) - Duration::from_millis(500)
                && after <= Duration::from_secs(timeout) + Duration::from_millis(1500)
        })
    };
    assert!(
        within(headers_closed, 2),
        "trickled headers: closed {:?}",
        headers_closed.map(|at| at - start)
    );
    assert!(
        within(silent_closed, 2),
        "silent connection: closed {:?}",
        silent_closed.map(|at| at - start)
    );
    assert_eq!(status(&body_answer), Some(408), "{body_answer:?}");
    assert!(
        within(body_closed, 3),
        "trickled body: closed {:?}",
        body_closed.map(|at| at - start)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_beyond_the_limit_are_refused_at_once() {
    let server = server("request_timeout = \"3s\"\nmax_concurrent_requests = 2").await;
    let head = format!(
        "POST /api/v1/records HTTP/1.1\r\nHost: slawatch\r\nAuthorization: Bearer {PUSH}\r\nContent-Length: 1000\r\n\r\n["
    );
    let patience = Duration::from_secs(6);
    let first = tokio::spawn(trickle(server.addr, head.clone(), b' ', patience));
    let second = tokio::spawn(trickle(server.addr, head, b' ', patience));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let client = reqwest::Client::new();
    let url = format!("http://{}/healthz", server.addr);
    let asked = Instant::now();
    let res = client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 503, "a third request while two are in flight");
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "refused, not queued"
    );
    // Once the slow ones time out, requests are served again.
    let (first, second) = (first.await.unwrap(), second.await.unwrap());
    assert_eq!(status(&first.0), Some(408), "{:?}", first.0);
    assert_eq!(status(&second.0), Some(408), "{:?}", second.0);
    let res = client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
}
