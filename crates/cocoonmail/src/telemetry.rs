//! What the clients tell `tracing` (feature `tracing`, on by default): a span per call, a child
//! span per attempt, and events for what a user wants to know (waits, 429s, retries).
//!
//! The spans follow OpenTelemetry's HTTP client conventions, as `tracing-opentelemetry` exports
//! them: each attempt is one real HTTP request, so the attempt's span is the client span
//! (`otel.kind = "client"`, named `"{method} {url.template}"`) with `http.request.method`,
//! `server.address`, `server.port`, `url.full`, `url.template`, `http.request.resend_count`
//! (from the second attempt on), `http.response.status_code` and `error.type`. The call's span
//! is internal (`otel.kind = "internal"`, named after the operation) and holds what spans the
//! attempts: the operation, whether it is idempotent, the number of attempts, the final status
//! or error. A failed attempt or call sets `otel.status_code = "error"`. The SDK's own fields
//! are under `cocoonmail.*`. Integers are recorded as `i64`, which exporters keep as integers.
//!
//! Nothing here ever records the API key, a header, a body, a query value or the server's error
//! message (which may quote an address). Paths go through [`Scrubbed`]: a path segment that is
//! not a plain word (letters, `-`, `_`, or a version such as `v2`) may hold a value (an address,
//! an id, a phone number), so it shows as `{value}` in `url.template` and as `REDACTED` in
//! `url.full`; query values always show as `REDACTED`, and the URL never holds credentials.
//!
//! Without the feature every type here is empty and every method does nothing.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use cocoon_core::{Config, Endpoint, Error, RateLimit, RetryDecision, Target, TransportErrorKind};

/// Where requests go, worked out once per client (shared by its calls without copying).
#[derive(Debug, Clone)]
pub(crate) struct Server {
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    address: Arc<str>,
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    port: u16,
}

impl Server {
    pub(crate) fn of(config: &Config) -> Self {
        let uri: Option<http::Uri> = config.base_url().parse().ok();
        let address = uri
            .as_ref()
            .and_then(|u| u.host())
            .unwrap_or_default()
            .into();
        let port = uri.as_ref().map_or(0, default_port);
        Server { address, port }
    }
}

/// The port of `uri`: the explicit one, else the scheme's.
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
fn default_port(uri: &http::Uri) -> u16 {
    uri.port_u16()
        .unwrap_or(if uri.scheme_str() == Some("https") {
            443
        } else {
            80
        })
}

/// Whether a path segment or query name is a plain word, which cannot hold an address, an id,
/// a phone number or a key: 1 to 64 ASCII letters, `-` and `_`, or a version (`v` and 1 to 3
/// digits).
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
fn is_plain(word: &str) -> bool {
    let bytes = word.as_bytes();
    let letters = !bytes.is_empty()
        && bytes.len() <= 64
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphabetic() || *b == b'-' || *b == b'_');
    let version = matches!(bytes, [b'v', digits @ ..]
        if (1..=3).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit));
    letters || version
}

/// How a scrubbed URL part is shown.
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scrub {
    /// As OpenTelemetry's `url.template`: a path whose values are `{value}`.
    Template,
    /// As OpenTelemetry's `url.full`: the URL with values, query values and credentials
    /// `REDACTED`.
    Full,
}

/// A request's URL, shown without anything that may be a value (written only when a
/// subscriber records the field, so a disabled span costs nothing).
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) struct Scrubbed<'a> {
    pub(crate) uri: &'a http::Uri,
    pub(crate) scrub: Scrub,
}

impl fmt::Display for Scrubbed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let uri = self.uri;
        if self.scrub == Scrub::Full {
            // Scheme, host and port only: the authority's credentials (which the client's
            // configuration refuses anyway) are never written.
            let scheme = uri.scheme_str().unwrap_or("http");
            let host = uri.host().unwrap_or_default();
            write!(f, "{scheme}://{host}")?;
            if let Some(port) = uri.port_u16() {
                write!(f, ":{port}")?;
            }
        }
        let placeholder = match self.scrub {
            Scrub::Template => "{value}",
            Scrub::Full => "REDACTED",
        };
        let path = uri.path();
        if path.is_empty() {
            f.write_str("/")?;
        }
        for (i, segment) in path.split('/').enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            if segment.is_empty() || is_plain(segment) {
                f.write_str(segment)?;
            } else {
                f.write_str(placeholder)?;
            }
        }
        if self.scrub == Scrub::Full {
            if let Some(query) = uri.query() {
                for (i, pair) in query.split('&').enumerate() {
                    f.write_str(if i == 0 { "?" } else { "&" })?;
                    let name = pair.split_once('=').map_or(pair, |(name, _)| name);
                    f.write_str(if is_plain(name) { name } else { "REDACTED" })?;
                    f.write_str("=REDACTED")?;
                }
            }
        }
        Ok(())
    }
}

/// OpenTelemetry's `http.request.method`: a method it knows, else `_OTHER` (the original then
/// goes in `http.request.method_original`).
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
fn known_method(method: &http::Method) -> &'static str {
    match method.as_str() {
        "CONNECT" => "CONNECT",
        "DELETE" => "DELETE",
        "GET" => "GET",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        "PATCH" => "PATCH",
        "POST" => "POST",
        "PUT" => "PUT",
        "TRACE" => "TRACE",
        _ => "_OTHER",
    }
}

/// The class of an error, as OpenTelemetry's `error.type`: the status code for an answer
/// (`"429"`), a short name otherwise (`"timeout"`).
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
#[derive(Debug, Clone, Copy)]
pub(crate) enum ErrorType {
    Status(http::StatusCode),
    Name(&'static str),
}

impl std::fmt::Display for ErrorType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ErrorType::Status(status) => f.write_str(status.as_str()),
            ErrorType::Name(name) => f.write_str(name),
        }
    }
}

#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) fn error_type(error: &Error) -> ErrorType {
    let name = match error {
        Error::Decode(_) => "decode",
        Error::InvalidInput(_) => "invalid_input",
        Error::Config(_) => "config",
        Error::Transport(e) => match e.kind {
            TransportErrorKind::Connect => "connect",
            TransportErrorKind::Tls => "tls",
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::Io => "io",
            TransportErrorKind::BodyTooLarge { .. } => "body_too_large",
            _ => "transport",
        },
        Error::Limiter(e) => match e.kind {
            cocoon_core::LimiterErrorKind::WaitTooLong { .. } => "limiter_wait",
            _ => "limiter_unavailable",
        },
        _ => match error.status() {
            Some(status) => return ErrorType::Status(status),
            None => "_OTHER",
        },
    };
    ErrorType::Name(name)
}

#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
fn operation_name<E: Endpoint + ?Sized>(endpoint: &E) -> &'static str {
    match endpoint.target() {
        Target::Operation(op) => op.name(),
        _ => "raw",
    }
}

#[cfg(feature = "tracing")]
mod enabled {
    use super::*;
    use cocoon_core::Idempotency;
    use tracing::field::{display, Empty};
    use tracing::{debug, info, trace, Span};

    /// What both spans offer to run code inside them.
    macro_rules! runners {
        () => {
            /// Runs `future` inside the span (every poll enters it), without allocating.
            pub(crate) fn instrument<F: std::future::Future>(
                &self,
                future: F,
            ) -> tracing::instrument::Instrumented<F> {
                tracing::Instrument::instrument(future, self.0.clone())
            }

            /// Runs `f` inside the span.
            pub(crate) fn in_scope<T>(&self, f: impl FnOnce() -> T) -> T {
                self.0.in_scope(f)
            }
        };
    }

    /// The span of one call (internal), and where its attempts go.
    pub(crate) struct CallSpan(Span, Server);

    /// The span of one attempt: one HTTP request (the client span).
    pub(crate) struct AttemptSpan(Span);

    impl CallSpan {
        pub(crate) fn new<E: Endpoint + ?Sized>(
            server: &Server,
            _config: &Config,
            endpoint: &E,
        ) -> Self {
            let operation = operation_name(endpoint);
            let span = tracing::info_span!(
                target: "cocoonmail",
                "cocoonmail.call",
                otel.name = operation,
                otel.kind = "internal",
                cocoonmail.operation = operation,
                cocoonmail.idempotent = endpoint.idempotency() == Idempotency::Idempotent,
                cocoonmail.attempts = Empty,
                http.response.status_code = Empty,
                error.type = Empty,
                otel.status_code = Empty,
            );
            CallSpan(span, server.clone())
        }

        runners!();

        /// The span of the attempt that sends `request`, after `attempts_made` earlier ones.
        pub(crate) fn attempt(
            &self,
            attempts_made: u32,
            request: &http::Request<Vec<u8>>,
        ) -> AttemptSpan {
            let uri = request.uri();
            let method = request.method();
            let known = known_method(method);
            let template = Scrubbed {
                uri,
                scrub: Scrub::Template,
            };
            let span = tracing::info_span!(
                target: "cocoonmail",
                parent: &self.0,
                "cocoonmail.attempt",
                otel.name = %format_args!("{known} {template}"),
                otel.kind = "client",
                http.request.method = known,
                http.request.method_original = Empty,
                server.address = &*self.1.address,
                server.port = i64::from(self.1.port),
                url.full = %Scrubbed { uri, scrub: Scrub::Full },
                url.template = %template,
                http.request.resend_count = Empty,
                cocoonmail.limiter.wait_ms = Empty,
                http.response.status_code = Empty,
                error.type = Empty,
                otel.status_code = Empty,
                cocoonmail.ratelimit.limit = Empty,
                cocoonmail.ratelimit.remaining = Empty,
                cocoonmail.retry.decision = Empty,
                cocoonmail.retry.delay_ms = Empty,
            );
            if known == "_OTHER" {
                span.record("http.request.method_original", method.as_str());
            }
            if attempts_made > 0 {
                span.record("http.request.resend_count", i64::from(attempts_made));
            }
            AttemptSpan(span)
        }

        /// The call succeeded after `attempts` attempts with `status`.
        pub(crate) fn succeeded(&self, attempts: u32, status: Option<http::StatusCode>) {
            self.0.record("cocoonmail.attempts", i64::from(attempts));
            if let Some(status) = status {
                self.0
                    .record("http.response.status_code", i64::from(status.as_u16()));
            }
        }

        /// The call ends with `error`, returned to the caller (who decides whether it is an
        /// error worth logging: the SDK records it on the span and logs it at debug only).
        pub(crate) fn failed(&self, error: &Error) {
            self.0
                .record("cocoonmail.attempts", i64::from(error.attempts()));
            self.0.record("error.type", display(error_type(error)));
            self.0.record("otel.status_code", "error");
            if let Some(status) = error.status() {
                self.0
                    .record("http.response.status_code", i64::from(status.as_u16()));
            }
            debug!(
                target: "cocoonmail", parent: &self.0,
                {
                    "error.type" = %error_type(error),
                    "cocoonmail.attempts" = i64::from(error.attempts()),
                },
                "call failed"
            );
        }
    }

    impl AttemptSpan {
        runners!();

        /// Whether a subscriber records this span.
        pub(crate) fn is_enabled(&self) -> bool {
            !self.0.is_disabled()
        }

        /// The limiter made the attempt wait this long.
        pub(crate) fn waited(&self, wait: Duration) {
            self.0.record("cocoonmail.limiter.wait_ms", millis(wait));
            if !wait.is_zero() {
                trace!(
                    target: "cocoonmail", parent: &self.0,
                    {
                        "cocoonmail.limiter.wait_ms" = millis(wait),
                    },
                    "waited for the rate limiter"
                );
            }
        }

        /// The server answered with `status` and these rate-limit headers.
        pub(crate) fn answered(&self, status: http::StatusCode, rate_limit: &RateLimit) {
            let code = i64::from(status.as_u16());
            self.0.record("http.response.status_code", code);
            if let Some(limit) = rate_limit.limit {
                self.0
                    .record("cocoonmail.ratelimit.limit", i64::from(limit));
            }
            if let Some(remaining) = rate_limit.remaining {
                self.0
                    .record("cocoonmail.ratelimit.remaining", i64::from(remaining));
            }
            if code == 429 {
                info!(
                    target: "cocoonmail", parent: &self.0,
                    {
                        "http.response.status_code" = code,
                        "cocoonmail.ratelimit.limit" = rate_limit.limit.map(i64::from),
                        "cocoonmail.ratelimit.remaining" = rate_limit.remaining.map(i64::from),
                    },
                    "rate limited by the server (429)"
                );
            } else {
                debug!(
                    target: "cocoonmail", parent: &self.0,
                    {
                        "http.response.status_code" = code,
                    },
                    "answered"
                );
            }
        }

        /// The attempt failed with `error`, and the client decided `decision`.
        pub(crate) fn decided(&self, error: &Error, decision: RetryDecision) {
            let kind = error_type(error);
            self.0.record("error.type", display(kind));
            self.0.record("otel.status_code", "error");
            match decision {
                RetryDecision::RetryAfter(delay) => {
                    self.0.record("cocoonmail.retry.decision", "retry");
                    self.0.record("cocoonmail.retry.delay_ms", millis(delay));
                    info!(
                        target: "cocoonmail", parent: &self.0,
                        {
                            "error.type" = %kind,
                            "cocoonmail.retry.delay_ms" = millis(delay),
                        },
                        "retrying"
                    );
                }
                _ => {
                    self.0.record("cocoonmail.retry.decision", "stop");
                    debug!(
                        target: "cocoonmail", parent: &self.0,
                        {
                            "error.type" = %kind,
                        },
                        "not retried"
                    );
                }
            }
        }
    }

    /// Milliseconds as a signed integer: OpenTelemetry's integers are `i64`, and
    /// `tracing-opentelemetry` exports an unsigned one as a string.
    fn millis(d: Duration) -> i64 {
        i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
    }
}

#[cfg(not(feature = "tracing"))]
mod disabled {
    use super::*;

    /// Nothing: the `tracing` feature is off. It stands for both the call's span and the
    /// attempt's, and every method does nothing.
    pub(crate) struct NoSpan;

    /// The call's span, without the feature.
    pub(crate) type CallSpan = NoSpan;

    /// The attempt's span, without the feature.
    pub(crate) type AttemptSpan = NoSpan;

    impl NoSpan {
        #[inline(always)]
        pub(crate) fn new<E: Endpoint + ?Sized>(_: &Server, _: &Config, _: &E) -> Self {
            NoSpan
        }
        #[inline(always)]
        pub(crate) fn instrument<F: std::future::Future>(&self, future: F) -> F {
            future
        }
        #[inline(always)]
        pub(crate) fn in_scope<T>(&self, f: impl FnOnce() -> T) -> T {
            f()
        }
        #[inline(always)]
        pub(crate) fn attempt(&self, _: u32, _: &http::Request<Vec<u8>>) -> AttemptSpan {
            NoSpan
        }
        #[inline(always)]
        pub(crate) fn succeeded(&self, _: u32, _: Option<http::StatusCode>) {}
        #[inline(always)]
        pub(crate) fn failed(&self, _: &Error) {}
        #[inline(always)]
        pub(crate) fn is_enabled(&self) -> bool {
            false
        }
        #[inline(always)]
        pub(crate) fn waited(&self, _: Duration) {}
        #[inline(always)]
        pub(crate) fn answered(&self, _: http::StatusCode, _: &RateLimit) {}
        #[inline(always)]
        pub(crate) fn decided(&self, _: &Error, _: RetryDecision) {}
    }
}

#[cfg(feature = "tracing")]
pub(crate) use enabled::{AttemptSpan, CallSpan};

#[cfg(not(feature = "tracing"))]
pub(crate) use disabled::{AttemptSpan, CallSpan};

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(url: &str, scrub: Scrub) -> String {
        let uri: http::Uri = url.parse().unwrap();
        Scrubbed { uri: &uri, scrub }.to_string()
    }

    #[test]
    fn the_vendor_routes_are_their_own_templates() {
        for op in cocoon_core::Operation::ALL {
            let route = op.default_route();
            let url = format!("https://api.example.com{}", route.path());
            assert_eq!(shown(&url, Scrub::Template), route.path(), "{op}");
            assert_eq!(shown(&url, Scrub::Full), url, "{op}");
        }
    }

    #[test]
    fn values_in_a_path_or_a_query_never_show() {
        let cases = [
            (
                "http://127.0.0.1:8025/webhook/contact/find?email=ada%40example.com&x",
                "/webhook/contact/find",
                "http://127.0.0.1:8025/webhook/contact/find?email=REDACTED&x=REDACTED",
            ),
            (
                "https://proxy.example.com/v2/contacts/ada@example.com/",
                "/v2/contacts/{value}/",
                "https://proxy.example.com/v2/contacts/REDACTED/",
            ),
            (
                "https://h.example.com/u/%2B15550109876?ada%40example.com=1&=2&&",
                "/u/{value}",
                "https://h.example.com/u/REDACTED?REDACTED=REDACTED&REDACTED=REDACTED\
                 &REDACTED=REDACTED&REDACTED=REDACTED",
            ),
            (
                "https://h.example.com/5f0c6a52-3f7e-4d0b/v12345/v9",
                "/{value}/{value}/v9",
                "https://h.example.com/REDACTED/REDACTED/v9",
            ),
            ("https://h.example.com", "/", "https://h.example.com/"),
        ];
        for (url, template, full) in cases {
            assert_eq!(shown(url, Scrub::Template), template, "{url}");
            assert_eq!(shown(url, Scrub::Full), full, "{url}");
        }
    }

    #[test]
    fn credentials_in_the_authority_never_show() {
        let full = shown("https://ada:s3cr3t@h.example.com:8443/a?k=v", Scrub::Full);
        assert_eq!(full, "https://h.example.com:8443/a?k=REDACTED");
    }

    #[test]
    fn unknown_methods_are_other() {
        assert_eq!(known_method(&http::Method::PATCH), "PATCH");
        let custom = http::Method::from_bytes(b"PURGE").unwrap();
        assert_eq!(known_method(&custom), "_OTHER");
    }

    /// Random paths and queries made of plain words and private values: no private value ever
    /// shows, and the plain words always do. Replay a failure with
    /// `COCOONMAIL_TEST_SEED=<seed> cargo test -p cocoonmail scrubbed_urls`.
    #[test]
    fn scrubbed_urls_hold_no_private_value_for_random_urls() {
        let seed = std::env::var("COCOONMAIL_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| fastrand::u64(..));
        let mut rng = fastrand::Rng::with_seed(seed);
        const PLAIN: [&str; 5] = ["webhook", "contact", "send-direct", "api_key", "v1"];
        const PRIVATE: [&str; 6] = [
            "ada%40example.com",
            "ada@example.com",
            "%2B15550109876",
            "15550109876",
            "test_key_0000fake",
            "v1234",
        ];
        for _ in 0..2_000 {
            let mut path = String::new();
            let mut private = Vec::new();
            for _ in 0..rng.usize(0..6) {
                path.push('/');
                if rng.bool() {
                    path.push_str(PLAIN[rng.usize(..PLAIN.len())]);
                } else {
                    let value = PRIVATE[rng.usize(..PRIVATE.len())];
                    path.push_str(value);
                    private.push(value);
                }
            }
            let mut url = format!("https://h.example.com{path}");
            for i in 0..rng.usize(0..4) {
                url.push(if i == 0 { '?' } else { '&' });
                url.push_str(PLAIN[rng.usize(..PLAIN.len())]);
                url.push('=');
                let value = PRIVATE[rng.usize(..PRIVATE.len())];
                url.push_str(value);
                private.push(value);
            }
            for scrub in [Scrub::Template, Scrub::Full] {
                let shown = shown(&url, scrub);
                for value in &private {
                    // A private value may contain a plain word, never the other way round.
                    let leaked = shown.split(['/', '?', '&', '=']).any(|part| part == *value);
                    assert!(!leaked, "seed {seed}: {url} shows {value} as {shown}");
                }
                assert!(
                    !shown.contains('@') && !shown.contains("1555"),
                    "seed {seed}: {url} as {shown}"
                );
            }
        }
    }
}
