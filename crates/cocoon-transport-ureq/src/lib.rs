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
//! Any [`ureq::Agent`] can carry the requests (a proxy, a client certificate, a shared pool);
//! use the [`ureq`] re-exported here so the versions match. Its timeouts, resolver and TLS are
//! then its own: configure TLS with ureq's `TlsConfig` (this crate's `rustls` feature compiles
//! ureq's rustls without a crypto provider, so give it one, or install a process default). It
//! must be configured with `http_status_as_error(false)` (so 4xx and 5xx answers reach the core
//! with their headers and body) and `max_redirects(0)` (so the API key never follows a
//! redirect); [`UreqTransportBuilder::build`] refuses an agent that is not. The body cap still
//! applies.
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
//! # TLS
//!
//! The same story as the async reqwest transport, so both clients trust the same servers:
//!
//! - With `rustls` (the default): rustls, verifying certificates against the **platform's trust
//!   store** through `rustls-platform-verifier`, so a CA installed in the OS store is trusted
//!   (ureq's own default would be Mozilla's roots, built in). The crypto provider is
//!   **aws-lc-rs**, unless the program installed a process-wide default, which then serves both
//!   transports. aws-lc-rs is what reqwest's and rustls' own defaults use, so a build with both
//!   transports (or with reqwest or rustls used directly) compiles one provider; ureq's
//!   `rustls` feature would add *ring*, so this crate turns on ureq's `rustls-no-provider`
//!   instead.
//! - With `native-tls`: the platform's TLS library and its trust store. When both features are
//!   on, `native-tls` wins, in both transports.
//! - [`UreqTransportBuilder::add_root_certificate`] adds a root to those the platform trusts.
//!
//! ureq's connectors trust either the platform or a list of roots, not both, so this crate
//! wraps the TCP connection in TLS itself (through ureq's `unversioned` connector API, which is
//! why the ureq dependency is held to one minor version).
//!
//! Without `rustls` or `native-tls` the transport speaks plain HTTP only ([`TLS_ENABLED`] is
//! `false`); an `https` request then fails at once with [`TransportErrorKind::Other`] naming the
//! features.
//!
//! # Timeouts
//!
//! - [`timeout`](UreqTransportBuilder::timeout) is one deadline for the whole call: name
//!   resolution, connecting, TLS, sending, waiting for and reading the answer (ureq's
//!   `timeout_global`), as in the reqwest transport.
//! - [`connect_timeout`](UreqTransportBuilder::connect_timeout) bounds establishing the
//!   connection, within that deadline. ureq measures name resolution and the connection (TCP
//!   and TLS) separately, so each is bounded by it; reqwest bounds the two together.
//!
//! A deadline that covers name resolution makes ureq's default resolver start a thread for
//! every request. This crate's resolver does not: an IP-literal host needs no lookup at all,
//! and a host name is looked up on a thread kept from earlier lookups (one is started only when
//! all kept ones are busy; an idle one ends after ten seconds).
//!
//! # Errors
//!
//! | what happened | [`TransportErrorKind`] |
//! | --- | --- |
//! | connection refused, host not found (or any failed name lookup), connect or resolve timeout, connection broken during the TLS handshake, proxy `CONNECT` refused | `Connect` |
//! | certificate not trusted (unknown issuer, wrong name, expired), TLS handshake failure | `Tls` |
//! | the whole-call deadline passed after connecting (sending, waiting for or reading the answer) | `Timeout` |
//! | connection broken after connecting, malformed or cut-short answer | `Io` |
//! | body above the cap (announced or counted) | `BodyTooLarge { limit }` |
//! | an unusable request (bad URI), `https` without TLS compiled in, or configuration | `Other` |
//!
//! Error messages name the method, scheme, host and path, never the query string or a header;
//! a TLS failure's message says "TLS" and, for a certificate problem, "certificate".
//!
//! # Features
//!
//! | feature | default | effect |
//! | --- | --- | --- |
//! | `rustls` | yes | TLS through rustls (aws-lc-rs provider, platform trust store) |
//! | `native-tls` | no | TLS through the platform library; when on, it is used even if `rustls` is on too |
#![cfg_attr(docsrs, feature(doc_cfg))]

use std::fmt;
use std::io;
use std::time::Duration;

use cocoon_core::transport::{describe_error, error_causes, Certificate, Deadline, RequestTarget};
use cocoon_core::{BlockingTransport, TransportError, TransportErrorKind};
use http::{Method, Request, Response};
use ureq::unversioned::transport::{ConnectProxyConnector, Connector, TcpConnector};

pub use cocoon_core::transport::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT,
};
pub use ureq;

mod resolve;
#[cfg(any(feature = "rustls", feature = "native-tls"))]
mod tls;

/// Whether this build can speak `https` (the `rustls` or `native-tls` feature is on).
pub const TLS_ENABLED: bool = cfg!(any(feature = "rustls", feature = "native-tls"));

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
    ///
    /// Fails only if the TLS library cannot be set up (for example when the platform's trust
    /// store holds no certificate at all).
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
/// | [`connect_timeout`](Self::connect_timeout) (name resolution; TCP and TLS) | 10 s |
/// | [`timeout`](Self::timeout) (one deadline for the whole call, body included) | 30 s |
/// | [`max_body_bytes`](Self::max_body_bytes) | 4 MiB |
/// | [`add_root_certificate`](Self::add_root_certificate) | the platform's trust store only |
/// | redirects | never followed: a 3xx is returned as a response |
/// | 4xx and 5xx | returned as responses, headers and body included |
/// | TLS | rustls with aws-lc-rs (or native-tls with the `native-tls` feature) |
/// | connection pooling, `TCP_NODELAY` | on |
#[derive(Default)]
#[must_use]
pub struct UreqTransportBuilder {
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    max_body_bytes: Option<usize>,
    roots: Vec<Certificate>,
    agent: Option<ureq::Agent>,
}

impl UreqTransportBuilder {
    /// The time allowed to establish a connection (default 10 s), within the whole-call
    /// [`timeout`](Self::timeout): it bounds name resolution, then the TCP connection and the
    /// TLS handshake.
    ///
    /// Not available with [`agent`](Self::agent): configure your agent instead.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// One deadline for the whole call, from resolving the host to the last byte of the body
    /// (default 30 s).
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

    /// Trusts `certificate` as a root, in addition to the platform's trust store. May be called
    /// several times.
    ///
    /// Not available with [`agent`](Self::agent): configure your agent's `TlsConfig` instead.
    pub fn add_root_certificate(mut self, certificate: Certificate) -> Self {
        self.roots.push(certificate);
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
    /// Fails with [`TransportErrorKind::Other`] when a timeout is zero, when a timeout or a root
    /// certificate is set together with a user-supplied agent, when that agent turns error
    /// statuses into errors or follows redirects, when a root certificate is given without TLS
    /// compiled in, or when the TLS library cannot be set up.
    pub fn build(self) -> Result<UreqTransport, TransportError> {
        let max_body_bytes = self.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES);
        if let Some(agent) = self.agent {
            if self.connect_timeout.is_some() || self.timeout.is_some() || !self.roots.is_empty() {
                return Err(config_error(
                    "connect_timeout, timeout and root certificates cannot be applied to a \
                     user-supplied ureq::Agent: set them on its configuration",
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
            .timeout_global(Some(timeout))
            .timeout_connect(Some(connect_timeout))
            .no_delay(true)
            .build();
        // ureq's own chain, minus SOCKS (its feature is off) and with this crate's TLS.
        let connector = ().chain(ConnectProxyConnector::default()).chain(TcpConnector::default());
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        let connector = connector.chain(tls::TlsConnector::new(&self.roots)?);
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        if !self.roots.is_empty() {
            return Err(config_error(format!(
                "a root certificate was given but {NO_TLS}"
            )));
        }
        let resolver = resolve::PooledResolver::new(connect_timeout);
        Ok(UreqTransport {
            agent: ureq::Agent::with_parts(config, connector, resolver),
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
            .field("root_certificates", &self.roots.len())
            .field("agent", &self.agent.as_ref().map(|_| "user-supplied"))
            .finish()
    }
}

fn config_error(message: impl Into<String>) -> TransportError {
    TransportError::new(TransportErrorKind::Other, message)
}

/// Why an `https` request cannot be sent by a build without TLS.
const NO_TLS: &str = "TLS is not compiled in: enable the `rustls` or `native-tls` feature";

impl BlockingTransport for UreqTransport {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let target = RequestTarget::of(&request);
        if !TLS_ENABLED && self.timeouts.is_some() && target.is_https() {
            return Err(target.error(TransportErrorKind::Other, NO_TLS));
        }
        let limit = self.max_body_bytes;
        let mut request = request;
        if let Some(deadline) = Deadline::of(&request) {
            // What is left of the call's deadline bounds this attempt, within the transport's
            // own timeout.
            let left = deadline.remaining();
            if left.is_zero() {
                return Err(target.error(
                    TransportErrorKind::Timeout,
                    "the call's deadline passed before the request was sent",
                ));
            }
            let bound = match self.timeouts {
                Some((_, total)) => left.min(total),
                None => left,
            };
            request = self
                .agent
                .configure_request(request)
                .timeout_global(Some(bound))
                .build();
        }

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

        target.announced_length(response.headers(), limit)?;

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

/// Classifies a ureq error for the retry policy: `Tls` for a TLS failure, `Connect` only when
/// the server cannot have seen the request.
fn map_error(error: ureq::Error, limit: usize, target: &RequestTarget) -> TransportError {
    use ureq::Error as E;

    let kind = match &error {
        E::BodyExceedsLimit(_) => return target.body_too_large(limit),
        E::HostNotFound | E::ConnectionFailed | E::ConnectProxyFailed(_) => {
            TransportErrorKind::Connect
        }
        // ureq's own TLS set-up errors, and the TLS libraries' errors, raised by a connector.
        E::Tls(_) => TransportErrorKind::Tls,
        #[cfg(feature = "rustls")]
        E::Rustls(_) => TransportErrorKind::Tls,
        #[cfg(feature = "native-tls")]
        E::NativeTls(_) => TransportErrorKind::Tls,
        E::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => TransportErrorKind::Connect,
        E::Timeout(_) => TransportErrorKind::Timeout,
        // ureq's rustls connector reports a refused certificate as an I/O error carrying it.
        E::Io(e) if is_tls_failure(e) => TransportErrorKind::Tls,
        E::Io(e) => io_kind(e),
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        E::Other(e) if e.is::<tls::HandshakeInterrupted>() => TransportErrorKind::Connect,
        E::Protocol(_) | E::LargeResponseHeader(..) => TransportErrorKind::Io,
        _ => TransportErrorKind::Other,
    };
    // None of ureq's messages hold header values. `BadUri` and `RequireHttpsOnly` repeat the
    // URI, query included, so those keep only the target.
    let detail = match &error {
        E::BadUri(_) => "the URI is not absolute".to_owned(),
        E::RequireHttpsOnly(_) => "the agent only allows https".to_owned(),
        E::TlsRequired => format!("the agent cannot speak TLS; {NO_TLS}"),
        E::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => {
            format!("{error} (timed out while connecting)")
        }
        E::Io(e) => describe_error(e),
        _ if kind == TransportErrorKind::Tls => format!("TLS handshake failed: {error}"),
        _ => error.to_string(),
    };
    let detail = if kind == TransportErrorKind::Tls && !detail.starts_with("TLS") {
        format!("TLS handshake failed: {detail}")
    } else {
        detail
    };
    let message = target.error(kind, detail);
    match error {
        // The URI is in these; do not keep them as the source either.
        E::BadUri(_) | E::RequireHttpsOnly(_) => message,
        other => message.with_source(other),
    }
}

/// Whether a TLS library's own error is among the causes of an I/O error.
fn is_tls_failure(error: &io::Error) -> bool {
    error_causes(error).any(|cause| {
        #[cfg(feature = "rustls")]
        if cause.is::<rustls::Error>() {
            return true;
        }
        #[cfg(feature = "native-tls")]
        if cause.is::<native_tls::Error>() {
            return true;
        }
        let _ = cause;
        false
    })
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

/// A resolver passes on the standard library's lookup error as it is (an uncategorized
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

    fn target(uri: &str) -> RequestTarget {
        RequestTarget::of(&Request::get(uri).body(()).unwrap())
    }

    #[test]
    fn errors_are_classified() {
        let target = target("http://h/p");
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
    fn tls_failures_are_tls_and_say_so() {
        let target = target("https://h/p?secret-query=1");
        let tls = |e| {
            let err = map_error(e, 10, &target);
            assert_eq!(err.kind, TransportErrorKind::Tls, "{err}");
            assert!(err.message.contains("TLS"), "{err}");
            assert!(!err.message.contains("secret-query"), "{err}");
            err
        };
        tls(ureq::Error::Tls("Rustls invalid dns name error"));
        #[cfg(feature = "rustls")]
        {
            let unknown =
                || rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
            let err = tls(ureq::Error::Rustls(unknown()));
            assert!(err.message.contains("certificate"), "{err}");
            let io = io::Error::new(io::ErrorKind::InvalidData, unknown());
            let err = tls(ureq::Error::Io(io));
            assert!(err.message.contains("certificate"), "{err}");
        }
    }

    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    #[test]
    fn a_connection_broken_during_the_handshake_is_connect() {
        let broken = tls::HandshakeInterrupted(io::ErrorKind::ConnectionReset.into());
        let err = map_error(
            ureq::Error::Other(Box::new(broken)),
            10,
            &target("https://h/"),
        );
        assert_eq!(err.kind, TransportErrorKind::Connect, "{err}");
    }

    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    #[test]
    fn https_without_tls_fails_at_once_and_says_why() {
        const { assert!(!TLS_ENABLED) };
        let request = Request::get("https://127.0.0.1:9/webhook/api_key/validate/?secret-query=1")
            .body(Vec::new())
            .unwrap();
        let err = UreqTransport::new().unwrap().send(request).unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::Other);
        assert!(err.message.contains("TLS is not compiled in"), "{err}");
        assert!(!err.message.contains("secret-query"), "{err}");
        let err = UreqTransport::builder()
            .add_root_certificate(Certificate::from_der(vec![0x30, 0x00]).unwrap())
            .build()
            .unwrap_err();
        assert!(err.message.contains("TLS is not compiled in"), "{err}");
    }

    #[test]
    fn messages_about_bad_uris_do_not_repeat_them() {
        let target = target("/p");
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
