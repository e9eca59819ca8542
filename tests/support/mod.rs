//! What the end-to-end tests share: a fake server, clients pointed at it, the checks every
//! journaled request must pass, the secrecy check for errors, and [`both_clients!`], which runs
//! one scenario against the async client (reqwest) and the blocking client (ureq).

#![allow(dead_code, unused_macros)]

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[path = "../transport_support/refused.rs"]
pub mod refused;

use cocoon_mock::{JournalEntry, MockServer, RateLimit};
use cocoonmail::builder::Mode;
use cocoonmail::limiter::Reservation;
use cocoonmail::{AsyncRateLimiter, ClientBuilder, LimiterError, RateLimiter, RetryPolicy};

/// The key every test uses: the fake server's default, shaped like a real one (`$`, `/`, `+`,
/// `=` in it) and obviously fake.
pub const KEY: &str = cocoon_mock::DEFAULT_API_KEY;

/// Another well-formed key the fake server does not accept.
pub const WRONG_KEY: &str =
    "pbkdf2_sha256$600000$WRONGwrongWRONGwrongWR$++//d3Jvbmcta2V5L2Zvcit0ZXN0cz1vbmx5Lm5vdC1y=";

/// Runs a scenario against both clients.
///
/// `both_clients!(name, |builder| { ... })` makes a module `name` with two tests:
/// `async_client` (on a multi-threaded Tokio runtime) and `blocking_client` (a plain test).
/// In the body, `builder()` starts a client builder of the matching kind, and `call!(expr)`
/// finishes a call: `expr.await` for the async client, `expr` for the blocking one. So one
/// body, written with the real resource methods, runs through both transports.
///
/// Attributes before the name (such as `#[ignore = "..."]`) go on both tests.
macro_rules! both_clients {
    ($(#[$attr:meta])* $name:ident, |$builder:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $(#[$attr])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn async_client() {
                macro_rules! call {
                    ($call:expr) => {
                        $call.await
                    };
                }
                let $builder = <cocoonmail::Client>::builder;
                $body
            }

            $(#[$attr])*
            #[test]
            fn blocking_client() {
                macro_rules! call {
                    ($call:expr) => {
                        $call
                    };
                }
                let $builder = <cocoonmail::blocking::Client>::builder;
                $body
            }
        }
    };
}

/// A fake server without rate limiting (tests about rate limits build their own).
pub fn mock() -> MockServer {
    MockServer::builder()
        .rate_limit(RateLimit::Off)
        .start()
        .expect("start the fake server on loopback")
}

/// A builder pointed at `server` with the test key and no client-side rate limit.
pub fn quick<M: Mode>(builder: ClientBuilder<M>, server: &MockServer) -> ClientBuilder<M> {
    builder
        .api_key(KEY)
        .base_url(server.base_url())
        .no_rate_limit()
}

/// A retry policy of `attempts` attempts with backoffs of a few milliseconds.
pub fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(attempts)
        .with_backoff(Duration::from_millis(10), Duration::from_millis(50))
}

/// A base URL on a loopback port that refuses every connection (see [`refused::refused_addr`]).
pub fn refused_base_url() -> String {
    format!("http://{}", refused::refused_addr())
}

/// Pieces of [`KEY`] that must not show anywhere, even if the whole key is mangled: the key,
/// its salt, its hash, and the key percent-encoded.
fn key_pieces() -> Vec<String> {
    let mut pieces = vec![
        KEY.to_owned(),
        KEY.replace('$', "%24")
            .replace('/', "%2F")
            .replace('+', "%2B")
            .replace('=', "%3D"),
    ];
    pieces.extend(KEY.split('$').skip(2).map(str::to_owned));
    for piece in &pieces {
        assert!(piece.len() >= 20, "{piece:?} is too short to be telling");
    }
    pieces
}

/// Asserts that `text` holds no piece of the key; `what` names the text in the failure.
pub fn assert_no_key_in(text: &str, what: &str) {
    for piece in key_pieces() {
        assert!(
            !text.contains(&piece),
            "{what} shows (part of) the API key: {text}"
        );
    }
}

/// Asserts that a value's `Debug` (plain and pretty) never shows the key.
pub fn assert_debug_hides_key<T: fmt::Debug + ?Sized>(value: &T, what: &str) {
    assert_no_key_in(&format!("{value:?}"), what);
    assert_no_key_in(&format!("{value:#?}"), what);
}

/// Asserts that an error's `Display`, `Debug` and every cause's `Display` never show the key.
pub fn assert_error_hides_key(error: &cocoonmail::Error) {
    assert_no_key_in(&error.to_string(), "the error's Display");
    assert_debug_hides_key(error, "the error's Debug");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        assert_no_key_in(&cause.to_string(), "a cause of the error");
        source = cause.source();
    }
}

/// Checks what every request of the SDK carries: bearer auth with the key byte for byte,
/// `Accept: application/json`, a `cocoonmail-rust/` user agent, and `Content-Type:
/// application/json` exactly when there is a body.
pub fn assert_common_headers(entry: &JournalEntry) {
    assert_eq!(
        entry.header("authorization"),
        Some(format!("Bearer {KEY}").as_str()),
        "authorization of {} {}",
        entry.method,
        entry.path
    );
    assert_eq!(entry.header("x-cocoonmail-api_key"), None);
    assert_eq!(entry.header("accept"), Some("application/json"));
    let agent = entry.header("user-agent").unwrap_or_default();
    assert!(
        agent.starts_with("cocoonmail-rust/"),
        "user agent {agent:?}"
    );
    if entry.body.is_empty() {
        assert_eq!(
            entry.header("content-type"),
            None,
            "a request without a body has no content type ({} {})",
            entry.method,
            entry.path
        );
    } else {
        assert_eq!(entry.header("content-type"), Some("application/json"));
    }
}

/// Checks one journaled request: method, path, raw query and the common headers. Returns its
/// JSON body (`Null` when it has none).
pub fn assert_request(
    entry: &JournalEntry,
    method: &str,
    path: &str,
    query: &str,
) -> serde_json::Value {
    assert_eq!(entry.method, method, "method of {}", entry.path);
    assert_eq!(entry.path, path);
    assert_eq!(
        entry.query, query,
        "query of {} {}",
        entry.method, entry.path
    );
    assert_common_headers(entry);
    if entry.body.is_empty() {
        serde_json::Value::Null
    } else {
        entry.json().expect("the body is JSON")
    }
}

/// The last request the server received.
pub fn last_request(server: &MockServer) -> JournalEntry {
    server
        .journal()
        .pop()
        .expect("the server received a request")
}

/// The requests to one path, in order.
pub fn requests_to(server: &MockServer, path: &str) -> Vec<JournalEntry> {
    server
        .journal()
        .into_iter()
        .filter(|e| e.path == path)
        .collect()
}

/// The statuses the server answered, in order (`None` for a dropped connection).
pub fn statuses(entries: &[JournalEntry]) -> Vec<Option<u16>> {
    entries.iter().map(|e| e.status()).collect()
}

/// Asserts that no one-second window (measured by arrival at the server) holds more than
/// `max` requests.
pub fn assert_at_most_per_second(entries: &[JournalEntry], max: usize) {
    let mut arrivals: Vec<Instant> = entries.iter().map(|e| e.received_at).collect();
    arrivals.sort();
    for (i, start) in arrivals.iter().enumerate() {
        let in_window = arrivals[i..]
            .iter()
            .take_while(|t| t.duration_since(*start) < Duration::from_secs(1))
            .count();
        assert!(
            in_window <= max,
            "{in_window} requests arrived within one second of request {i} (at most {max} \
             allowed); arrivals in ms after the first: {:?}",
            arrival_offsets(&arrivals)
        );
    }
}

/// Milliseconds from the first arrival to each, for failure messages.
pub fn arrival_offsets(arrivals: &[Instant]) -> Vec<u128> {
    let first = arrivals.iter().min().copied();
    arrivals
        .iter()
        .map(|t| first.map_or(0, |f| t.duration_since(f).as_millis()))
        .collect()
}

/// Each request's arrival (ms after the first) and answer, in journal order, for failure
/// messages.
pub fn timeline(entries: &[JournalEntry]) -> Vec<(u128, Option<u16>)> {
    let arrivals: Vec<Instant> = entries.iter().map(|e| e.received_at).collect();
    arrival_offsets(&arrivals)
        .into_iter()
        .zip(entries.iter().map(|e| e.status()))
        .collect()
}

/// A rate limiter that never waits and counts the permits asked for: one per attempt, so it
/// tells how many attempts a call made even when no server saw them.
#[derive(Debug, Default)]
pub struct CountingLimiter(AtomicUsize);

impl CountingLimiter {
    /// Attempts so far.
    pub fn attempts(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl RateLimiter for CountingLimiter {
    fn reserve(&self, _max_wait: Duration) -> Result<Reservation, LimiterError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(Reservation::now())
    }
}

#[cocoonmail::async_trait]
impl AsyncRateLimiter for CountingLimiter {
    async fn reserve(&self, max_wait: Duration) -> Result<Reservation, LimiterError> {
        RateLimiter::reserve(self, max_wait)
    }
}
