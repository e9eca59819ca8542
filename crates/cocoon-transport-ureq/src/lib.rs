//! A blocking [`cocoon_core::BlockingTransport`] on [ureq](https://docs.rs/ureq) 3.
//!
//! [`UreqTransport`] sends the `http::Request<Vec<u8>>` the core builds and hands back an
//! `http::Response<Vec<u8>>` with the status, the HTTP version and every header as received
//! (duplicated headers included). It never judges the status: a 302, a 429 or a 502 HTML page
//! come back as responses for the core to decode. The body is read through a limit and the
//! transport stops with [`TransportErrorKind::BodyTooLarge`] as soon as it passes the cap (or
//! before reading, when `Content-Length` already announces more). No async runtime is involved.
//!
//! The request's own headers win: ureq adds `User-Agent` and `Accept` only when the request
//! has none, and the core always sets both. Without ureq's `gzip` feature (this crate does not
//! turn it on) no `Accept-Encoding` is sent.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use cocoon_transport_ureq::UreqTransport;
//!
//! // Defaults: 10 s to connect, 30 s for the whole request, 4 MiB body cap, no redirects.
//! let transport = UreqTransport::new()?;
//!
//! // Or tune it.
//! let transport = UreqTransport::builder()
//!     .connect_timeout(Duration::from_secs(5))
//!     .timeout(Duration::from_secs(20))
//!     .max_body_bytes(1024 * 1024)
//!     .build()?;
//! # Ok::<(), cocoon_core::TransportError>(())
//! ```
//!
//! # Bringing your own agent
//!
//! Any [`ureq::Agent`] can carry the requests (a proxy, custom roots, a shared pool); use the
//! [`ureq`] re-exported here so the versions match. Its timeouts are then its own. It must be
//! configured with `http_status_as_error(false)` (so 4xx and 5xx answers reach the core with
//! their headers and body) and `max_redirects(0)` (so the API key never follows a redirect);
//! [`UreqTransportBuilder::build`] refuses an agent that is not. The body cap still applies.
//!
//! ```
//! use std::time::Duration;
//! use cocoon_transport_ureq::{ureq, UreqTransport};
//!
//! let agent: ureq::Agent = ureq::Agent::config_builder()
//!     .http_status_as_error(false)
//!     .max_redirects(0)
//!     .timeout_connect(Some(Duration::from_secs(3)))
//!     .timeout_global(Some(Duration::from_secs(15)))
//!     .build()
//!     .into();
//! let transport = UreqTransport::builder()
//!     .agent(agent)
//!     .max_body_bytes(512 * 1024)
//!     .build()?;
//! # Ok::<(), cocoon_core::TransportError>(())
//! ```
//!
//! # Errors
//!
//! | what happened | [`TransportErrorKind`] |
//! | --- | --- |
//! | connection refused, host not found (or any failed name lookup), connect or resolve timeout, TLS setup failure reported by ureq as a TLS error, proxy `CONNECT` refused | `Connect` |
//! | any other timeout (sending, waiting for or reading the answer) | `Timeout` |
//! | connection broken after connecting, malformed or cut-short answer, TLS failure reported as an I/O error | `Io` |
//! | body above the cap (announced or counted) | `BodyTooLarge { limit }` |
//! | an unusable request (bad URI) or configuration | `Other` |
//!
//! Error messages name the method, scheme, host and path, never the query string or a header.
//!
//! # Features
//!
//! | feature | default | effect |
//! | --- | --- | --- |
//! | `rustls` | yes | TLS through rustls (ureq's `rustls` feature, ring provider, webpki roots) |
//! | `native-tls` | no | TLS through the platform library; when on, the default agent uses it even if `rustls` is on too |

use std::fmt;
use std::io;
use std::time::Duration;

use cocoon_core::{BlockingTransport, TransportError, TransportErrorKind};
use http::{Method, Request, Response};

pub use ureq;

/// The default time allowed to establish a connection (DNS, TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default time allowed for a whole request, from resolving the host to the end of the
/// body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default cap on a response body, in bytes (4 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// A [`BlockingTransport`] on a [`ureq::Agent`].
///
/// Cheap to clone: clones share the agent and its connection pool.
#[derive(Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
    max_body_bytes: usize,
    /// `None` when the user supplied the agent (its own timeouts apply).
    timeouts: Option<(Duration, Duration)>,
}

impl UreqTransport {
    /// A transport with the default settings (see [`UreqTransportBuilder`]).
    pub fn new() -> Result<Self, TransportError> {
        Self::builder().build()
    }

    /// A builder to tune the transport or plug in your own [`ureq::Agent`].
    pub fn builder() -> UreqTransportBuilder {
        UreqTransportBuilder::default()
    }

    /// The cap on a response body, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// The agent that carries the requests.
    pub fn agent(&self) -> &ureq::Agent {
        &self.agent
    }
}

impl fmt::Debug for UreqTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The agent's Debug shows its configuration, proxy URL (and its credentials) included:
        // never print it.
        let mut s = f.debug_struct("UreqTransport");
        match self.timeouts {
            Some((connect, total)) => s
                .field("agent", &"default")
                .field("connect_timeout", &connect)
                .field("timeout", &total),
            None => s.field("agent", &"user-supplied"),
        };
        s.field("max_body_bytes", &self.max_body_bytes).finish()
    }
}

/// Builds a [`UreqTransport`].
///
/// | setting | default |
/// | --- | --- |
/// | [`connect_timeout`](Self::connect_timeout) | 10 s |
/// | [`timeout`](Self::timeout) (each phase: sending, awaiting the answer, reading its body) | 30 s |
/// | [`max_body_bytes`](Self::max_body_bytes) | 4 MiB |
/// | redirects | never followed: a 3xx is returned as a response |
/// | 4xx and 5xx | returned as responses, headers and body included |
/// | TLS | rustls (or native-tls with the `native-tls` feature) |
/// | connection pooling, `TCP_NODELAY` | on |
#[derive(Default)]
#[must_use]
pub struct UreqTransportBuilder {
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    max_body_bytes: Option<usize>,
    agent: Option<ureq::Agent>,
}

impl UreqTransportBuilder {
    /// The time allowed to establish a connection, TLS handshake included (default 10 s). Name
    /// resolution is bounded by the system resolver's own timeouts.
    ///
    /// Not available with [`agent`](Self::agent): configure your agent instead.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The time allowed for each phase of an exchange once connected: sending the request,
    /// awaiting the answer, reading its body (default 30 s each).
    ///
    /// It is not one deadline for the whole call because ureq enforces such a deadline on name
    /// resolution by starting a thread for every request, which costs more than the rest of a
    /// loopback call; per-phase limits bound a stalled exchange just as well.
    ///
    /// Not available with [`agent`](Self::agent): configure your agent instead.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The largest response body accepted, in bytes (default 4 MiB). A larger body ends the
    /// request with [`TransportErrorKind::BodyTooLarge`]. Applies to a user-supplied agent too.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = Some(limit);
        self
    }

    /// Sends through `agent` instead of an agent built by this crate.
    ///
    /// Timeouts, proxies and TLS are then the agent's settings; only the body cap is applied
    /// by the transport. The agent must be configured with `http_status_as_error(false)` and
    /// `max_redirects(0)`: [`build`](Self::build) refuses it otherwise.
    pub fn agent(mut self, agent: ureq::Agent) -> Self {
        self.agent = Some(agent);
        self
    }

    /// Builds the transport.
    ///
    /// Fails with [`TransportErrorKind::Other`] when a timeout is zero, when a timeout is set
    /// together with a user-supplied agent, or when that agent turns error statuses into errors
    /// or follows redirects.
    pub fn build(self) -> Result<UreqTransport, TransportError> {
        let max_body_bytes = self.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES);
        if let Some(agent) = self.agent {
            if self.connect_timeout.is_some() || self.timeout.is_some() {
                return Err(config_error(
                    "connect_timeout and timeout cannot be applied to a user-supplied \
                     ureq::Agent: set them on its configuration",
                ));
            }
            let config = agent.config();
            if config.http_status_as_error() {
                return Err(config_error(
                    "the ureq::Agent must be configured with http_status_as_error(false), or \
                     4xx and 5xx answers lose their headers and body",
                ));
            }
            if config.max_redirects() != 0 {
                return Err(config_error(
                    "the ureq::Agent must be configured with max_redirects(0), so the API key \
                     never follows a redirect",
                ));
            }
            return Ok(UreqTransport {
                agent,
                max_body_bytes,
                timeouts: None,
            });
        }

        let connect_timeout = self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        for (name, value) in [("connect_timeout", connect_timeout), ("timeout", timeout)] {
            if value.is_zero() {
                return Err(config_error(format!("{name} must be greater than zero")));
            }
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(connect_timeout))
            // Per phase, not `timeout_global`: a global deadline makes ureq resolve every
            // request's host on a new thread.
            .timeout_send_request(Some(timeout))
            .timeout_send_body(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_recv_body(Some(timeout))
            .no_delay(true);
        #[cfg(feature = "native-tls")]
        let config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .provider(ureq::tls::TlsProvider::NativeTls)
                .build(),
        );
        let agent: ureq::Agent = config.build().into();
        Ok(UreqTransport {
            agent,
            max_body_bytes,
            timeouts: Some((connect_timeout, timeout)),
        })
    }
}

impl fmt::Debug for UreqTransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UreqTransportBuilder")
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("agent", &self.agent.as_ref().map(|_| "user-supplied"))
            .finish()
    }
}

fn config_error(message: impl Into<String>) -> TransportError {
    TransportError::new(TransportErrorKind::Other, message)
}

impl BlockingTransport for UreqTransport {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let target = Target::of(&request);
        let limit = self.max_body_bytes;

        // ureq frames a `Vec` body with `Content-Length` even when it is empty; a bodiless GET
        // or DELETE goes out with no body at all instead, while a bodiless POST, PUT or PATCH
        // keeps its `Content-Length: 0` (RFC 9110 asks for it, and some proxies insist).
        let expects_body = matches!(
            *request.method(),
            Method::POST | Method::PUT | Method::PATCH
        );
        let result = if request.body().is_empty() && !expects_body {
            let (parts, _) = request.into_parts();
            self.agent.run(Request::from_parts(parts, ()))
        } else {
            self.agent.run(request)
        };
        let mut response = result.map_err(|e| map_error(e, limit, &target))?;

        let announced = announced_length(response.headers());
        if announced.is_some_and(|len| len > limit as u64) {
            return Err(too_large(limit, &target));
        }

        let body = response
            .body_mut()
            .with_config()
            .limit(limit as u64)
            .read_to_vec()
            .map_err(|e| map_error(e, limit, &target))?;

        let (parts, _) = response.into_parts();
        let mut out = Response::new(body);
        *out.status_mut() = parts.status;
        *out.version_mut() = parts.version;
        *out.headers_mut() = parts.headers;
        Ok(out)
    }
}

/// The length a `Content-Length` header announces, when it holds one number.
fn announced_length(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// What a request is sent to, for error messages: method, scheme, host, port and path. The
/// query string (which may hold an email address) and the headers (which hold the key) are
/// left out.
struct Target {
    method: http::Method,
    uri: http::Uri,
}

impl Target {
    /// Cheap: the URI is reference-counted; the text is only made when an error needs it.
    fn of(request: &Request<Vec<u8>>) -> Self {
        Target {
            method: request.method().clone(),
            uri: request.uri().clone(),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ", self.method)?;
        if let Some(scheme) = self.uri.scheme_str() {
            write!(f, "{scheme}://")?;
        }
        if let Some(host) = self.uri.host() {
            f.write_str(host)?;
        }
        if let Some(port) = self.uri.port_u16() {
            write!(f, ":{port}")?;
        }
        f.write_str(self.uri.path())
    }
}

fn too_large(limit: usize, target: &Target) -> TransportError {
    TransportError::new(
        TransportErrorKind::BodyTooLarge { limit },
        format!("{}: the response body is larger than {limit} bytes", target),
    )
}

/// Classifies a ureq error for the retry policy: `Connect` only when the server cannot have
/// seen the request.
fn map_error(error: ureq::Error, limit: usize, target: &Target) -> TransportError {
    use ureq::Error as E;

    let kind = match &error {
        E::BodyExceedsLimit(_) => return too_large(limit, target),
        E::HostNotFound | E::ConnectionFailed | E::ConnectProxyFailed(_) => {
            TransportErrorKind::Connect
        }
        // Raised while setting up TLS, before anything is sent. (A TLS failure while reading
        // or writing surfaces as `Io` instead.)
        E::Tls(_) => TransportErrorKind::Connect,
        #[cfg(feature = "rustls")]
        E::Rustls(_) => TransportErrorKind::Connect,
        #[cfg(feature = "native-tls")]
        E::NativeTls(_) => TransportErrorKind::Connect,
        E::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => TransportErrorKind::Connect,
        E::Timeout(_) => TransportErrorKind::Timeout,
        E::Io(e) => io_kind(e),
        E::Protocol(_) | E::LargeResponseHeader(..) => TransportErrorKind::Io,
        _ => TransportErrorKind::Other,
    };
    // None of ureq's messages hold header values. `BadUri` and `RequireHttpsOnly` repeat the
    // URI, query included, so those keep only the target.
    let detail = match &error {
        E::BadUri(_) => "the URI is not absolute".to_owned(),
        E::RequireHttpsOnly(_) => "the agent only allows https".to_owned(),
        E::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => {
            format!("{error} (timed out while connecting)")
        }
        _ => error.to_string(),
    };
    let message = format!("{}: {detail}", target);
    match error {
        // The URI is in these; do not keep them as the source either.
        E::BadUri(_) | E::RequireHttpsOnly(_) => TransportError::new(kind, message),
        other => TransportError::new(kind, message).with_source(other),
    }
}

/// An I/O error is `Connect` only for what a socket reports while connecting, or a failed
/// name lookup; anything else may have happened after the request left.
fn io_kind(error: &io::Error) -> TransportErrorKind {
    match error.kind() {
        io::ErrorKind::ConnectionRefused | io::ErrorKind::AddrNotAvailable => {
            TransportErrorKind::Connect
        }
        io::ErrorKind::TimedOut => TransportErrorKind::Timeout,
        _ if is_failed_lookup(error) => TransportErrorKind::Connect,
        _ => TransportErrorKind::Io,
    }
}

/// ureq's resolver passes on the standard library's lookup error as it is (an uncategorized
/// `io::Error`), and only raises `HostNotFound` when a lookup succeeds with no address. The
/// standard library words every lookup failure the same way; should that wording change, a
/// failed lookup degrades to `Io`, which is the cautious side.
fn is_failed_lookup(error: &io::Error) -> bool {
    error.raw_os_error().is_none()
        && error
            .to_string()
            .starts_with("failed to lookup address information")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_leaves_out_the_query() {
        let request =
            Request::get("https://user:pw@example.com:8443/webhook/contact/find?email=a%40b.c")
                .body(Vec::new())
                .unwrap();
        assert_eq!(
            Target::of(&request).to_string(),
            "GET https://example.com:8443/webhook/contact/find"
        );
    }

    #[test]
    fn errors_are_classified() {
        let target = Target {
            method: http::Method::GET,
            uri: http::Uri::from_static("http://h/p"),
        };
        let kind = |e| map_error(e, 10, &target).kind;
        assert_eq!(kind(ureq::Error::HostNotFound), TransportErrorKind::Connect);
        assert_eq!(
            kind(ureq::Error::Timeout(ureq::Timeout::Connect)),
            TransportErrorKind::Connect
        );
        assert_eq!(
            kind(ureq::Error::Timeout(ureq::Timeout::Global)),
            TransportErrorKind::Timeout
        );
        assert_eq!(
            kind(ureq::Error::Timeout(ureq::Timeout::RecvResponse)),
            TransportErrorKind::Timeout
        );
        assert_eq!(
            kind(ureq::Error::Io(io::ErrorKind::ConnectionRefused.into())),
            TransportErrorKind::Connect
        );
        assert_eq!(
            kind(ureq::Error::Io(io::ErrorKind::ConnectionReset.into())),
            TransportErrorKind::Io
        );
        assert_eq!(
            kind(ureq::Error::Io(io::ErrorKind::UnexpectedEof.into())),
            TransportErrorKind::Io
        );
        assert_eq!(
            kind(ureq::Error::Io(io::Error::other(
                "failed to lookup address information: Name or service not known"
            ))),
            TransportErrorKind::Connect
        );
        assert_eq!(
            kind(ureq::Error::BodyExceedsLimit(10)),
            TransportErrorKind::BodyTooLarge { limit: 10 }
        );
        assert_eq!(
            kind(ureq::Error::TooManyRedirects),
            TransportErrorKind::Other
        );
    }

    #[test]
    fn messages_about_bad_uris_do_not_repeat_them() {
        let target = Target {
            method: http::Method::GET,
            uri: http::Uri::from_static("/p"),
        };
        let err = map_error(
            ureq::Error::BadUri("/p?email=secret-query".into()),
            10,
            &target,
        );
        assert!(!format!("{err} {err:?}").contains("secret-query"));
    }

    #[test]
    fn user_agents_that_break_the_promises_are_refused() {
        let default_agent = ureq::Agent::new_with_defaults();
        let err = UreqTransport::builder()
            .agent(default_agent)
            .build()
            .unwrap_err();
        assert!(err.message.contains("http_status_as_error"), "{err}");

        let follows: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let err = UreqTransport::builder().agent(follows).build().unwrap_err();
        assert!(err.message.contains("max_redirects"), "{err}");

        let fine: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        let err = UreqTransport::builder()
            .agent(fine.clone())
            .timeout(Duration::from_secs(1))
            .build()
            .unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::Other);
        assert!(UreqTransport::builder().agent(fine).build().is_ok());

        let err = UreqTransport::builder()
            .connect_timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::Other);
    }
}
