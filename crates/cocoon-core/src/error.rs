//! Errors: one type for everything a call can end with, plus configuration errors.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime};

use http::StatusCode;

use crate::attempts::{AttemptFailure, AttemptHistory, Attempts, FailedAttempt};
use crate::ratelimit::RateLimit;

/// How much of an answer's body an error keeps.
pub const MAX_KEPT_BODY: usize = 16 * 1024;

/// Everything a call can end with other than success.
///
/// Use [`Error::status`], [`Error::is_retryable`], [`Error::retry_after`] and
/// [`Error::rate_limit`] to act on an error without matching variants. A call that was retried
/// says so: [`Error::attempts`] counts the requests it sent, [`Error::earlier_attempts`] lists how
/// the earlier ones failed, and `Display` ends with that summary, e.g.
/// `rate limited: HTTP 429 Too Many Requests (after 4 attempts: 429 +1s, 503 +420ms, timeout +1.1s)`.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The request was refused before sending: a value the API would reject.
    InvalidInput(InvalidInput),
    /// The client's configuration is unusable.
    Config(ConfigError),
    /// 401: the API key is missing or invalid.
    Unauthorized(Box<ApiError>),
    /// 403: the team is temporarily blocked after too many bad requests (not a permission
    /// error). Never retried automatically.
    Blocked(Box<ApiError>),
    /// 404: no such contact, message or route.
    NotFound(Box<ApiError>),
    /// 409: the contact already exists.
    Conflict(Box<ApiError>),
    /// 406: the server did not accept the request's `Accept` header.
    NotAcceptable(Box<ApiError>),
    /// 429: the team's rate limit is exhausted; see [`Error::retry_after`].
    RateLimited(Box<ApiError>),
    /// 5xx: the server or a proxy in front of it failed.
    Server(Box<ApiError>),
    /// 3xx: the server answered with a redirect, which is never followed so the key cannot
    /// leave for another URL.
    Redirected(Box<ApiError>),
    /// Any other unsuccessful status (for example 400), or a 2xx whose body says
    /// `"success": false`.
    Api(Box<ApiError>),
    /// A successful status whose body does not decode into the expected type.
    Decode(Box<DecodeError>),
    /// The request did not complete: connection, TLS, timeout, I/O or body size.
    Transport(TransportError),
    /// The client's own rate limiter did not let the request go: the wait for a permit would
    /// pass the configured bound, or a shared limiter is unreachable and set to fail closed.
    /// Nothing was sent by the attempt that met it.
    Limiter(LimiterError),
    /// The request was never tried: the bulk run it belonged to ended before its turn (see
    /// [`NotTried`]). Nothing was sent; running it again later is safe.
    NotTried(NotTried),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidInput(e) => write!(f, "invalid input: {e}")?,
            Error::Config(e) => write!(f, "invalid configuration: {e}")?,
            Error::Unauthorized(e) => write!(f, "unauthorized: {e}")?,
            Error::Blocked(e) => write!(f, "temporarily blocked after too many bad requests: {e}")?,
            Error::NotFound(e) => write!(f, "not found: {e}")?,
            Error::Conflict(e) => write!(f, "conflict: {e}")?,
            Error::NotAcceptable(e) => write!(f, "not acceptable: {e}")?,
            Error::RateLimited(e) => write!(f, "rate limited: {e}")?,
            Error::Server(e) => write!(f, "server error: {e}")?,
            Error::Redirected(e) => write!(f, "redirect not followed: {e}")?,
            Error::Api(e) => write!(f, "API error: {e}")?,
            Error::Decode(e) => fmt::Display::fmt(e, f)?,
            Error::Transport(e) => fmt::Display::fmt(e, f)?,
            Error::Limiter(e) => fmt::Display::fmt(e, f)?,
            Error::NotTried(e) => fmt::Display::fmt(e, f)?,
        }
        match self.history() {
            Some(history) if history.sent() > 1 || !history.earlier().is_empty() => {
                write!(f, " ({history})")
            }
            _ => Ok(()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::InvalidInput(e) => Some(e),
            Error::Config(e) => Some(e),
            Error::Transport(e) => e.source.as_deref().map(|s| s as _),
            Error::Limiter(e) => e.source.as_deref().map(|s| s as _),
            _ => None,
        }
    }
}

impl From<InvalidInput> for Error {
    fn from(e: InvalidInput) -> Self {
        Error::InvalidInput(e)
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Error::Transport(e)
    }
}

impl From<LimiterError> for Error {
    fn from(e: LimiterError) -> Self {
        Error::Limiter(e)
    }
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

    /// Whether sending the same request again could succeed: rate limiting (429), server errors
    /// (5xx), and connections that failed, timed out or broke.
    ///
    /// This is the one source of truth for retries: [`crate::RetryPolicy::decide`] retries only
    /// what this allows, and then only when resending is also *safe*: for idempotent operations,
    /// or when [`Error::request_was_not_processed`]. Never retryable: TLS failures (the same
    /// certificate comes back), oversized bodies, other transport failures, the client's own
    /// limiter, and every 4xx but 429.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited(_) | Error::Server(_) => true,
            Error::Transport(e) => matches!(
                e.kind,
                TransportErrorKind::Connect | TransportErrorKind::Timeout | TransportErrorKind::Io
            ),
            _ => false,
        }
    }

    /// Whether the server certainly did not act on the request, so that resending cannot do
    /// anything twice: a 429, a connection (or TLS handshake) that was never established, or a
    /// request the client never sent.
    pub fn request_was_not_processed(&self) -> bool {
        match self {
            Error::RateLimited(_)
            | Error::InvalidInput(_)
            | Error::Config(_)
            | Error::Limiter(_)
            | Error::NotTried(_) => true,
            Error::Transport(e) => {
                matches!(
                    e.kind,
                    TransportErrorKind::Connect | TransportErrorKind::Tls
                )
            }
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

    /// How many requests the call sent before it ended with this error: 0 when it failed
    /// before sending (invalid input, configuration, the client's limiter on the first attempt),
    /// more than 1 when it was retried.
    pub fn attempts(&self) -> u32 {
        match self.history() {
            Some(history) => history.sent(),
            None => match self {
                Error::InvalidInput(_)
                | Error::Config(_)
                | Error::Limiter(_)
                | Error::NotTried(_) => 0,
                _ => 1,
            },
        }
    }

    /// How the earlier attempts of the call failed and how long the client waited after each,
    /// oldest first (bounded: see [`AttemptHistory`]). Empty when the call was not retried.
    pub fn earlier_attempts(&self) -> &[FailedAttempt] {
        self.history().map_or(&[], AttemptHistory::earlier)
    }

    /// The whole history of a retried call, when there was more than one attempt.
    pub fn history(&self) -> Option<&AttemptHistory> {
        self.attempts_slot()?.get()
    }

    fn attempts_slot(&self) -> Option<&Attempts> {
        match self {
            Error::Decode(e) => Some(&e.attempts),
            Error::Transport(e) => Some(&e.attempts),
            Error::Limiter(e) => Some(&e.attempts),
            _ => self.api().map(|e| &e.attempts),
        }
    }

    /// Keeps `history` on the error (for errors that can follow a sent attempt).
    pub(crate) fn with_history(mut self, history: AttemptHistory) -> Self {
        let slot = match &mut self {
            Error::Unauthorized(e)
            | Error::Blocked(e)
            | Error::NotFound(e)
            | Error::Conflict(e)
            | Error::NotAcceptable(e)
            | Error::RateLimited(e)
            | Error::Server(e)
            | Error::Redirected(e)
            | Error::Api(e) => &mut e.attempts,
            Error::Decode(e) => &mut e.attempts,
            Error::Transport(e) => &mut e.attempts,
            Error::Limiter(e) => &mut e.attempts,
            Error::InvalidInput(_) | Error::Config(_) | Error::NotTried(_) => return self,
        };
        slot.set(history);
        self
    }

    /// How this error is summarised in an [`AttemptHistory`], when it can be retried.
    pub(crate) fn as_attempt_failure(&self) -> Option<AttemptFailure> {
        match self {
            Error::Transport(e) => Some(AttemptFailure::Transport(e.kind)),
            _ => self.status().map(AttemptFailure::Status),
        }
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
    pub(crate) attempts: Attempts,
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
    pub(crate) attempts: Attempts,
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
///
/// Its `Debug` shows the message too (`MissingApiKey("no API key was given ...")`), so a
/// `main` returning `Result<(), Box<dyn Error>>` says what to fix.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
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

impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            ConfigError::MissingApiKey => "MissingApiKey",
            ConfigError::MalformedApiKey => "MalformedApiKey",
            ConfigError::InvalidBaseUrl { .. } => "InvalidBaseUrl",
            ConfigError::InsecureBaseUrl { .. } => "InsecureBaseUrl",
            ConfigError::InvalidRoute(_) => "InvalidRoute",
            ConfigError::InvalidUserAgent => "InvalidUserAgent",
            ConfigError::InvalidSetting { .. } => "InvalidSetting",
        };
        f.debug_tuple(name).field(&self.to_string()).finish()
    }
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
    attempts: Attempts,
}

impl TransportError {
    /// A transport error without an underlying cause.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            message: message.into(),
            source: None,
            attempts: Attempts::default(),
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
    /// The connection was never established (refused, name lookup failed, connect timed out):
    /// the server cannot have seen the request. A failed TLS handshake is [`Self::Tls`].
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

/// A request a bulk run never sent (see [`Error::NotTried`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not tried: {reason}")]
#[non_exhaustive]
pub struct NotTried {
    /// Why the run ended before this request's turn.
    pub reason: NotTriedReason,
}

impl NotTried {
    /// A request left untried for `reason`.
    pub fn new(reason: NotTriedReason) -> Self {
        NotTried { reason }
    }
}

/// Why a bulk run left a request untried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotTriedReason {
    /// The run ended after this many failures in a row that said the server could not be
    /// reached or could not serve (connection, timeout, 5xx, 429, refused key, limiter).
    ConsecutiveFailures {
        /// The failures in a row that ended the run.
        failures: u32,
    },
}

impl fmt::Display for NotTriedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotTriedReason::ConsecutiveFailures { failures } => write!(
                f,
                "the bulk run ended after {failures} failures in a row, before this request's \
                 turn; nothing was sent"
            ),
        }
    }
}

/// The client's rate limiter did not let a request go (see [`Error::Limiter`]).
#[derive(Debug, thiserror::Error)]
#[error("rate limiter: {message}")]
#[non_exhaustive]
pub struct LimiterError {
    /// What happened.
    pub kind: LimiterErrorKind,
    /// A description (never holds the API key or a Redis password).
    pub message: String,
    /// The underlying error, when there is one (for example the Redis client's).
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
    attempts: Attempts,
}

impl LimiterError {
    /// The wait for a permit would have been `wait`, more than the `max_wait` allowed.
    pub fn wait_too_long(wait: Duration, max_wait: Duration) -> Self {
        LimiterError::new(
            LimiterErrorKind::WaitTooLong { wait, max_wait },
            format!("the next permit is {wait:?} away, more than the {max_wait:?} a call may wait"),
        )
    }

    /// The limiter's shared store cannot be reached and the limiter fails closed.
    pub fn unavailable(message: impl Into<String>) -> Self {
        LimiterError::new(LimiterErrorKind::Unavailable, message)
    }

    /// The limiter's shared store refuses it: see [`LimiterErrorKind::Misconfigured`].
    pub fn misconfigured(message: impl Into<String>) -> Self {
        LimiterError::new(LimiterErrorKind::Misconfigured, message)
    }

    /// An error of `kind`.
    pub fn new(kind: LimiterErrorKind, message: impl Into<String>) -> Self {
        LimiterError {
            kind,
            message: message.into(),
            source: None,
            attempts: Attempts::default(),
        }
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }
}

/// The kinds of [`LimiterError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimiterErrorKind {
    /// The permit would come later than the call may wait for one.
    WaitTooLong {
        /// How long the wait would have been.
        wait: Duration,
        /// The bound it passed.
        max_wait: Duration,
    },
    /// The limiter's shared store (for example Redis) cannot be reached, and the limiter is set
    /// to fail closed rather than fall back to a local budget.
    Unavailable,
    /// The limiter's shared store answered but refuses it (a wrong password, no permission,
    /// a read-only replica, a command it does not know): a setting to fix, which falling back
    /// to a local budget would only hide.
    Misconfigured,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_not_tried_says_nothing_was_sent() {
        let error = Error::NotTried(NotTried::new(NotTriedReason::ConsecutiveFailures {
            failures: 3,
        }));
        assert!(error.request_was_not_processed());
        assert!(!error.is_retryable());
        assert_eq!(error.attempts(), 0);
        assert_eq!(error.status(), None);
        assert!(
            error
                .to_string()
                .starts_with("not tried: the bulk run ended after 3 failures"),
            "{error}"
        );
    }

    #[test]
    fn a_configuration_error_says_what_to_fix_under_debug_too() {
        let error = Error::Config(ConfigError::MissingApiKey);
        let debug = format!("{error:?}");
        assert!(
            debug.starts_with("Config(MissingApiKey(\"no API key"),
            "{debug}"
        );
        assert!(debug.contains("COCOONMAIL_API_KEY"), "{debug}");
        let setting = ConfigError::InvalidSetting {
            name: "timeout",
            reason: "must be more than zero".into(),
        };
        assert_eq!(
            format!("{setting:?}"),
            "InvalidSetting(\"invalid setting timeout: must be more than zero\")"
        );
    }
}
