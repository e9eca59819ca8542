//! Errors: one type for everything a call can end with, plus configuration errors.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime};

use http::StatusCode;

use crate::ratelimit::RateLimit;

/// How much of an answer's body an error keeps.
pub const MAX_KEPT_BODY: usize = 16 * 1024;

/// Everything a call can end with other than success.
///
/// Use [`Error::status`], [`Error::is_retryable`], [`Error::retry_after`] and
/// [`Error::rate_limit`] to act on an error without matching variants.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request was refused before sending: a value the API would reject.
    #[error("invalid input: {0}")]
    InvalidInput(#[from] InvalidInput),
    /// The client's configuration is unusable.
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    /// 401: the API key is missing or invalid.
    #[error("unauthorized: {0}")]
    Unauthorized(Box<ApiError>),
    /// 403: the team is temporarily blocked after too many bad requests (not a permission
    /// error). Never retried automatically.
    #[error("temporarily blocked after too many bad requests: {0}")]
    Blocked(Box<ApiError>),
    /// 404: no such contact, message or route.
    #[error("not found: {0}")]
    NotFound(Box<ApiError>),
    /// 409: the contact already exists.
    #[error("conflict: {0}")]
    Conflict(Box<ApiError>),
    /// 406: the server did not accept the request's `Accept` header.
    #[error("not acceptable: {0}")]
    NotAcceptable(Box<ApiError>),
    /// 429: the team's rate limit is exhausted; see [`Error::retry_after`].
    #[error("rate limited: {0}")]
    RateLimited(Box<ApiError>),
    /// 5xx: the server or a proxy in front of it failed.
    #[error("server error: {0}")]
    Server(Box<ApiError>),
    /// 3xx: the server answered with a redirect, which is never followed so the key cannot
    /// leave for another URL.
    #[error("redirect not followed: {0}")]
    Redirected(Box<ApiError>),
    /// Any other unsuccessful status (for example 400), or a 2xx whose body says
    /// `"success": false`.
    #[error("API error: {0}")]
    Api(Box<ApiError>),
    /// A successful status whose body does not decode into the expected type.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The request did not complete: connection, timeout, I/O or body size.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Decode(Box::new(e))
    }
}

impl Error {
    /// The HTTP status the server answered, when it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Decode(e) => Some(e.status),
            _ => self.api().map(|e| e.status),
        }
    }

    /// The server's answer, for errors that carry one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Unauthorized(e)
            | Error::Blocked(e)
            | Error::NotFound(e)
            | Error::Conflict(e)
            | Error::NotAcceptable(e)
            | Error::RateLimited(e)
            | Error::Server(e)
            | Error::Redirected(e)
            | Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether sending the same request again could succeed: rate limiting, server errors,
    /// timeouts and connection failures. Whether it is *safe* to resend depends on the
    /// operation too; [`crate::RetryPolicy`] weighs both.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited(_) | Error::Server(_) => true,
            Error::Transport(e) => !matches!(
                e.kind,
                TransportErrorKind::BodyTooLarge { .. } | TransportErrorKind::Tls
            ),
            _ => false,
        }
    }

    /// Whether the server certainly did not act on the request, so that resending cannot do
    /// anything twice: a 429, or a connection that was never established.
    pub fn request_was_not_processed(&self) -> bool {
        match self {
            Error::RateLimited(_) | Error::InvalidInput(_) | Error::Config(_) => true,
            Error::Transport(e) => e.kind == TransportErrorKind::Connect,
            _ => false,
        }
    }

    /// How long the server asked to wait (`Retry-After`), measured from now.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after_from(SystemTime::now())
    }

    /// How long the server asked to wait, measured from `now`.
    pub fn retry_after_from(&self, now: SystemTime) -> Option<Duration> {
        self.api()?
            .rate_limit
            .retry_after
            .map(|r| r.delay_from(now))
    }

    /// The rate-limit headers of the answer, when there was one.
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        self.api().map(|e| &e.rate_limit)
    }
}

/// An unsuccessful answer from the server.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The server's message (`message`, `detail` or `error` of a JSON body; the `<title>` of an
    /// HTML page), when it gave one.
    pub message: Option<String>,
    /// The body as received (bounded to [`MAX_KEPT_BODY`] bytes).
    pub body: RawBody,
    /// The rate-limit headers of the answer.
    pub rate_limit: RateLimit,
    /// The `Location` header of a redirect.
    pub location: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        match &self.message {
            Some(m) => write!(f, ": {m}")?,
            None if !self.body.is_empty() => write!(f, ": {}", self.body.snippet(200))?,
            None => {}
        }
        if let Some(location) = &self.location {
            write!(f, " (to {location})")?;
        }
        Ok(())
    }
}

/// The start of a response body, kept for diagnosis.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RawBody {
    bytes: Vec<u8>,
    total_len: usize,
}

impl RawBody {
    /// Keeps at most [`MAX_KEPT_BODY`] bytes of `body`.
    pub fn new(body: &[u8]) -> Self {
        RawBody {
            bytes: body[..body.len().min(MAX_KEPT_BODY)].to_vec(),
            total_len: body.len(),
        }
    }

    /// The bytes kept.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The kept bytes as text (invalid UTF-8 replaced).
    pub fn as_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }

    /// The length of the whole body as received.
    pub fn total_len(&self) -> usize {
        self.total_len
    }

    /// Whether bytes were dropped.
    pub fn is_truncated(&self) -> bool {
        self.total_len > self.bytes.len()
    }

    /// Whether the body was empty.
    pub fn is_empty(&self) -> bool {
        self.total_len == 0
    }

    /// At most `max_chars` characters of text, on one line.
    pub fn snippet(&self, max_chars: usize) -> String {
        let text = self.as_text();
        let mut out: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(max_chars)
            .collect();
        if text.chars().count() > max_chars || self.is_truncated() {
            out.push('…');
        }
        out
    }
}

impl fmt::Debug for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawBody")
            .field("text", &self.snippet(500))
            .field("total_len", &self.total_len)
            .finish()
    }
}

/// A successful answer whose body did not decode.
#[derive(Debug, Clone, thiserror::Error)]
#[error("could not decode the HTTP {status} answer as {expected}: {reason}; body: {}", body.snippet(200))]
#[non_exhaustive]
pub struct DecodeError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The Rust type the body should have decoded into.
    pub expected: &'static str,
    /// What the JSON decoder said.
    pub reason: String,
    /// The body as received (bounded).
    pub body: RawBody,
}

/// A value the API would reject, caught before sending.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
#[non_exhaustive]
pub struct InvalidInput {
    /// The field at fault, as named on the wire.
    pub field: Cow<'static, str>,
    /// What is wrong with it.
    pub problem: Cow<'static, str>,
}

impl InvalidInput {
    /// An invalid-input error for `field`.
    pub fn new(field: impl Into<Cow<'static, str>>, problem: impl Into<Cow<'static, str>>) -> Self {
        InvalidInput {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No API key was given (or it was blank).
    #[error("no API key was given (set COCOONMAIL_API_KEY or pass one to the builder)")]
    MissingApiKey,
    /// The API key holds characters an HTTP header cannot carry.
    #[error("the API key is malformed: it must be visible ASCII with no spaces")]
    MalformedApiKey,
    /// The base URL is not an absolute `http` or `https` URL without query or fragment.
    #[error("invalid base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// The URL as given, with what may be secret replaced by `<redacted>`: credentials
        /// (`user:pass@`), the query and the fragment. Scheme, host and path are shown.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The base URL would send the key in clear text to a host other than loopback.
    #[error(
        "refusing to send the API key over plain http:// to {host}; use https, a loopback host, \
         or opt in with allow_insecure_http"
    )]
    InsecureBaseUrl {
        /// The host (never credentials: a URL holding them is an invalid one).
        host: String,
    },
    /// A route path that does not start with `/` or holds a query or fragment.
    #[error(
        "invalid route path {0:?}: it must start with '/' and hold no query, fragment or space"
    )]
    InvalidRoute(String),
    /// The user agent cannot be sent as a header.
    #[error("invalid user agent: it must be visible ASCII")]
    InvalidUserAgent,
    /// Another setting is out of range.
    #[error("invalid setting {name}: {reason}")]
    InvalidSetting {
        /// The setting.
        name: &'static str,
        /// Why.
        reason: String,
    },
}

/// A request that did not complete.
#[derive(Debug, thiserror::Error)]
#[error("{kind}: {message}")]
#[non_exhaustive]
pub struct TransportError {
    /// What went wrong.
    pub kind: TransportErrorKind,
    /// A description (never holds the API key).
    pub message: String,
    /// The underlying error, when there is one.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl TransportError {
    /// A transport error without an underlying cause.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }
}

/// The kinds of [`TransportError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection was never established (refused, DNS failure, TLS handshake failure):
    /// the server cannot have seen the request.
    Connect,
    /// The TLS handshake failed: the server's certificate is not trusted (unknown issuer,
    /// expired, wrong name) or the peers could not agree on TLS. The request was never sent,
    /// and sending it again meets the same certificate, so it is never retried.
    Tls,
    /// The request or the answer took longer than the configured timeout; the server may have
    /// acted on the request.
    Timeout,
    /// The connection broke after the request may have been sent, or the answer was malformed
    /// or cut short.
    Io,
    /// The answer's body was larger than the configured limit.
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Anything else the transport reports.
    Other,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportErrorKind::Connect => f.write_str("connection failed"),
            TransportErrorKind::Tls => {
                f.write_str("TLS handshake or certificate verification failed")
            }
            TransportErrorKind::Timeout => f.write_str("timed out"),
            TransportErrorKind::Io => f.write_str("connection error"),
            TransportErrorKind::BodyTooLarge { limit } => {
                write!(f, "response body larger than {limit} bytes")
            }
            TransportErrorKind::Other => f.write_str("transport error"),
        }
    }
}
