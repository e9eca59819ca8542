//! What the clients tell `tracing` (feature `tracing`, on by default): a span per call, a child
//! span per attempt, and events for what a user wants to know (waits, 429s, retries).
//!
//! Field names follow OpenTelemetry's HTTP client conventions where one exists
//! (`http.request.method`, `server.address`, `server.port`, `url.path`,
//! `http.request.resend_count`, `http.response.status_code`, `error.type`); the SDK's own are
//! under `cocoonmail.*`. Nothing here ever records the API key, a query string, a header, a
//! body, or the server's error message (which may quote an address): only the operation, the
//! route's path, statuses, timings and counts.
//!
//! Without the feature every type here is empty and every method does nothing.

use std::time::Duration;

use cocoon_core::{Config, Endpoint, Error, RateLimit, RetryDecision, Target, TransportErrorKind};

/// Where requests go, worked out once per client.
#[derive(Debug, Clone)]
pub(crate) struct Server {
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    address: String,
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    port: u16,
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    base_path: String,
}

impl Server {
    pub(crate) fn of(config: &Config) -> Self {
        let uri: Option<http::Uri> = config.base_url().parse().ok();
        let address = uri
            .as_ref()
            .and_then(|u| u.host())
            .unwrap_or_default()
            .to_owned();
        let https = uri.as_ref().and_then(|u| u.scheme_str()) == Some("https");
        let port = uri
            .as_ref()
            .and_then(|u| u.port_u16())
            .unwrap_or(if https { 443 } else { 80 });
        let base_path = uri
            .as_ref()
            .map(|u| u.path().trim_end_matches('/').to_owned())
            .unwrap_or_default();
        Server {
            address,
            port,
            base_path,
        }
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

/// The route of an endpoint: its method and path (empty for a kind of target this client does
/// not know).
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
fn route<'a, E: Endpoint + ?Sized>(config: &'a Config, endpoint: &'a E) -> (&'a str, &'a str) {
    let route = match endpoint.target() {
        Target::Operation(op) => config.routes().get(op),
        Target::Route(route) => route,
        _ => return ("", ""),
    };
    (route.method().as_str(), route.path())
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

    /// The span of one call.
    pub(crate) struct CallSpan(Span);

    /// The span of one attempt.
    pub(crate) struct AttemptSpan(Span);

    impl CallSpan {
        pub(crate) fn new<E: Endpoint + ?Sized>(
            server: &Server,
            config: &Config,
            endpoint: &E,
        ) -> Self {
            let (method, path) = route(config, endpoint);
            let span = tracing::info_span!(
                target: "cocoonmail",
                "cocoonmail.call",
                otel.name = %format_args!("{method} {path}"),
                otel.kind = "client",
                cocoonmail.operation = operation_name(endpoint),
                cocoonmail.idempotent = endpoint.idempotency() == Idempotency::Idempotent,
                http.request.method = method,
                server.address = server.address.as_str(),
                server.port = server.port,
                url.path = %format_args!("{}{path}", server.base_path),
                cocoonmail.attempts = Empty,
                http.response.status_code = Empty,
                error.type = Empty,
            );
            CallSpan(span)
        }

        runners!();

        /// The span of the attempt after `attempts_made` earlier ones.
        pub(crate) fn attempt(&self, attempts_made: u32) -> AttemptSpan {
            let span = tracing::debug_span!(
                target: "cocoonmail",
                parent: &self.0,
                "cocoonmail.attempt",
                http.request.resend_count = Empty,
                cocoonmail.limiter.wait_ms = Empty,
                http.response.status_code = Empty,
                error.type = Empty,
                cocoonmail.ratelimit.limit = Empty,
                cocoonmail.ratelimit.remaining = Empty,
                cocoonmail.retry.decision = Empty,
                cocoonmail.retry.delay_ms = Empty,
            );
            if attempts_made > 0 {
                span.record("http.request.resend_count", attempts_made);
            }
            AttemptSpan(span)
        }

        /// The call succeeded after `attempts` attempts with `status`.
        pub(crate) fn succeeded(&self, attempts: u32, status: Option<http::StatusCode>) {
            self.0.record("cocoonmail.attempts", attempts);
            if let Some(status) = status {
                self.0.record("http.response.status_code", status.as_u16());
            }
        }

        /// The call ends with `error`, returned to the caller (who decides whether it is an
        /// error worth logging: the SDK records it on the span and logs it at debug only).
        pub(crate) fn failed(&self, error: &Error) {
            self.0.record("cocoonmail.attempts", error.attempts());
            self.0.record("error.type", display(error_type(error)));
            if let Some(status) = error.status() {
                self.0.record("http.response.status_code", status.as_u16());
            }
            debug!(
                target: "cocoonmail", parent: &self.0,
                {
                    "error.type" = %error_type(error),
                    "cocoonmail.attempts" = error.attempts(),
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
            let code = status.as_u16();
            self.0.record("http.response.status_code", code);
            if let Some(limit) = rate_limit.limit {
                self.0.record("cocoonmail.ratelimit.limit", limit);
            }
            if let Some(remaining) = rate_limit.remaining {
                self.0.record("cocoonmail.ratelimit.remaining", remaining);
            }
            if code == 429 {
                info!(
                    target: "cocoonmail", parent: &self.0,
                    {
                        "http.response.status_code" = code,
                        "cocoonmail.ratelimit.limit" = rate_limit.limit,
                        "cocoonmail.ratelimit.remaining" = rate_limit.remaining,
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

    fn millis(d: Duration) -> u64 {
        u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
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
        pub(crate) fn attempt(&self, _: u32) -> AttemptSpan {
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
