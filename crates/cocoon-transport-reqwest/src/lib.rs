//! An async [`cocoon_core::AsyncTransport`] on [reqwest](https://docs.rs/reqwest) 0.13.
//!
//! [`ReqwestTransport`] sends the `http::Request<Vec<u8>>` the core builds and hands back an
//! `http::Response<Vec<u8>>` with the status, the HTTP version and every header as received
//! (duplicated headers included). It never judges the status: a 302, a 429 or a 502 HTML page
//! come back as responses for the core to decode. The body is read chunk by chunk and the
//! transport stops with [`TransportErrorKind::BodyTooLarge`] as soon as it passes the cap (or
//! before reading, when `Content-Length` already announces more), so an oversized answer is an
//! error, not an allocation.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use cocoon_transport_reqwest::ReqwestTransport;
//!
//! // Defaults: 10 s to connect, 30 s for the whole request, 4 MiB body cap, no redirects.
//! let transport = ReqwestTransport::new()?;
//!
//! // Or tune it.
//! let transport = ReqwestTransport::builder()
//!     .connect_timeout(Duration::from_secs(5))
//!     .timeout(Duration::from_secs(20))
//!     .max_body_bytes(1024 * 1024)
//!     .build()?;
//! # Ok::<(), cocoon_core::TransportError>(())
//! ```
//!
//! # Bringing your own client settings
//!
//! A [`reqwest::ClientBuilder`] of your own can carry settings this crate does not offer (a
//! proxy, a client certificate, default headers); use the [`reqwest`] re-exported here so the
//! versions match. The transport builds the client from it and always turns redirects off on
//! it: a client that follows redirects would carry the API key (its `Authorization` or
//! `X-COCOONMAIL-API_KEY` header) to whatever host a redirect names. Timeouts and root
//! certificates set on [`ReqwestTransportBuilder`] are applied to it too; the body cap always
//! applies.
//!
//! ```
//! use std::time::Duration;
//! use cocoon_transport_reqwest::{reqwest, ReqwestTransport};
//!
//! let mut headers = reqwest::header::HeaderMap::new();
//! headers.insert("x-team", "billing".parse().expect("a header value"));
//! let transport = ReqwestTransport::builder()
//!     .client_builder(reqwest::Client::builder().default_headers(headers))
//!     .timeout(Duration::from_secs(15))
//!     .max_body_bytes(512 * 1024)
//!     .build()?;
//! # Ok::<(), cocoon_core::TransportError>(())
//! ```
//!
//! # TLS
//!
//! Both built-in transports (this one and the blocking ureq transport) trust the same roots and
//! use the same TLS code:
//!
//! - With `rustls` (the default): rustls, verifying certificates against the **platform's trust
//!   store** through `rustls-platform-verifier` (the OS store on Linux, the system verifier on
//!   macOS and Windows), so a CA that IT installed on the machine is trusted. The crypto
//!   provider is **aws-lc-rs**, unless the program installed a process-wide default
//!   ([`rustls::crypto::CryptoProvider::install_default`]), which then serves both transports.
//!   aws-lc-rs is reqwest's and rustls' own default, so a program that also uses reqwest or
//!   rustls directly compiles one provider, not two (ureq's `rustls` feature would add *ring*;
//!   its `rustls-no-provider` feature lets the ureq transport use aws-lc-rs too); it also offers
//!   post-quantum hybrid key exchange.
//! - With `native-tls`: the platform's TLS library and its trust store. When both features are
//!   on, `native-tls` wins, in both transports.
//! - [`ReqwestTransportBuilder::add_root_certificate`] adds a root to those the platform
//!   trusts (for example a company CA missing from a container's store, or a test CA).
//!
//! A certificate the client does not trust (unknown issuer, wrong name, expired) or a failed
//! handshake ends the call with [`TransportErrorKind::Tls`], which is never retried: the next
//! attempt would meet the same certificate.
//!
//! Without `rustls` or `native-tls` the transport speaks plain HTTP only
//! ([`TLS_ENABLED`] is `false`); an `https` request then fails at once with
//! [`TransportErrorKind::Other`] naming the features.
//!
//! # Timeouts
//!
//! - [`timeout`](ReqwestTransportBuilder::timeout) is one deadline for the whole call: name
//!   resolution, connecting, TLS, sending, waiting for and reading the answer.
//! - [`connect_timeout`](ReqwestTransportBuilder::connect_timeout) bounds establishing the
//!   connection (name resolution, TCP and TLS together), within that deadline.
//!
//! The blocking ureq transport gives both settings the same meaning.
//!
//! # Errors
//!
//! | what happened | [`TransportErrorKind`] |
//! | --- | --- |
//! | connection refused, DNS failure, connect timeout | `Connect` |
//! | certificate not trusted (unknown issuer, wrong name, expired), TLS handshake failure | `Tls` |
//! | the whole-call timeout fired | `Timeout` |
//! | connection broken after sending, malformed or cut-short answer | `Io` |
//! | body above the cap (announced or counted) | `BodyTooLarge { limit }` |
//! | an unusable request (bad URL), `https` without TLS compiled in, or client configuration | `Other` |
//!
//! Error messages name the method, scheme, host and path, never the query string or a header;
//! a TLS failure's message says "TLS" and, for a certificate problem, "certificate".
//!
//! # Features
//!
//! | feature | default | effect |
//! | --- | --- | --- |
//! | `rustls` | yes | TLS through rustls (aws-lc-rs provider, platform trust store) |
//! | `native-tls` | no | TLS through the platform library (OpenSSL, Security.framework, SChannel); when both are on, native-tls is used |
#![cfg_attr(docsrs, feature(doc_cfg))]

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use cocoon_core::transport::{describe_error, error_causes, Certificate, RequestTarget};
use cocoon_core::{AsyncTransport, TransportError, TransportErrorKind};
use http::{Request, Response};

pub use cocoon_core::transport::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT,
};
pub use reqwest;

/// Whether this build can speak `https` (the `rustls` or `native-tls` feature is on).
pub const TLS_ENABLED: bool = cfg!(any(feature = "rustls", feature = "native-tls"));

/// An [`AsyncTransport`] on a [`reqwest::Client`].
///
/// Cheap to clone: clones share the client and its connection pool.
#[derive(Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_body_bytes: usize,
    /// The timeouts this crate set; `None` for those left to a user-supplied builder.
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    user_builder: bool,
}

impl ReqwestTransport {
    /// A transport with the default settings (see [`ReqwestTransportBuilder`]).
    ///
    /// Fails only if reqwest cannot set up its TLS backend.
    pub fn new() -> Result<Self, TransportError> {
        Self::builder().build()
    }

    /// A builder to tune the transport or start from your own [`reqwest::ClientBuilder`].
    pub fn builder() -> ReqwestTransportBuilder {
        ReqwestTransportBuilder::default()
    }

    /// The cap on a response body, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// The client that carries the requests.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

impl fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The client's own Debug lists its default headers, which a user may have filled with
        // credentials: never print it.
        f.debug_struct("ReqwestTransport")
            .field(
                "client",
                &if self.user_builder {
                    "user-supplied builder"
                } else {
                    "default"
                },
            )
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

/// Builds a [`ReqwestTransport`].
///
/// | setting | default |
/// | --- | --- |
/// | [`connect_timeout`](Self::connect_timeout) (name resolution, TCP and TLS) | 10 s |
/// | [`timeout`](Self::timeout) (one deadline for the whole call, body included) | 30 s |
/// | [`max_body_bytes`](Self::max_body_bytes) | 4 MiB |
/// | [`add_root_certificate`](Self::add_root_certificate) | the platform's trust store only |
/// | redirects | never followed, even on a [user-supplied builder](Self::client_builder) |
/// | TLS | rustls with aws-lc-rs (or native-tls with the `native-tls` feature) |
/// | connection pooling, `TCP_NODELAY` | on |
#[derive(Default)]
#[must_use]
pub struct ReqwestTransportBuilder {
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    max_body_bytes: Option<usize>,
    roots: Vec<Certificate>,
    client_builder: Option<reqwest::ClientBuilder>,
}

impl ReqwestTransportBuilder {
    /// The time allowed to establish a connection: name resolution, TCP and the TLS handshake
    /// together (default 10 s), within the whole-call [`timeout`](Self::timeout).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// One deadline for the whole call, from resolving the host to the last byte of the body
    /// (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The largest response body accepted, in bytes (default 4 MiB). A larger body ends the
    /// request with [`TransportErrorKind::BodyTooLarge`].
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = Some(limit);
        self
    }

    /// Trusts `certificate` as a root, in addition to the platform's trust store. May be called
    /// several times.
    pub fn add_root_certificate(mut self, certificate: Certificate) -> Self {
        self.roots.push(certificate);
        self
    }

    /// Builds the client from `builder` instead of a fresh one, for settings this crate does
    /// not offer (a proxy, a client certificate, default headers).
    ///
    /// The transport turns redirects off on it, so the API key can never follow a redirect to
    /// another host, and applies the timeouts and root certificates set on this builder. Its
    /// own timeouts stay in force where this builder sets none.
    pub fn client_builder(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.client_builder = Some(builder);
        self
    }

    /// Builds the transport.
    ///
    /// Fails with [`TransportErrorKind::Other`] when a timeout is zero, when a root certificate
    /// is given without TLS compiled in, or when reqwest cannot build the client (for example
    /// when the TLS library refuses a root certificate).
    pub fn build(self) -> Result<ReqwestTransport, TransportError> {
        let user_builder = self.client_builder.is_some();
        let (connect_timeout, timeout) = if user_builder {
            (self.connect_timeout, self.timeout)
        } else {
            (
                Some(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT)),
                Some(self.timeout.unwrap_or(DEFAULT_TIMEOUT)),
            )
        };
        for (name, value) in [("connect_timeout", connect_timeout), ("timeout", timeout)] {
            if value.is_some_and(|v| v.is_zero()) {
                return Err(config_error(format!("{name} must be greater than zero")));
            }
        }

        let builder = match self.client_builder {
            Some(builder) => builder,
            None => with_tls_backend(reqwest::Client::builder().tcp_nodelay(true)),
        };
        // Whatever the user's builder said: a redirect could carry the key to another host.
        let mut builder = builder.redirect(reqwest::redirect::Policy::none());
        if let Some(connect_timeout) = connect_timeout {
            builder = builder.connect_timeout(connect_timeout);
        }
        if let Some(timeout) = timeout {
            builder = builder.timeout(timeout);
        }
        let builder = with_roots(builder, &self.roots)?;
        let client = builder.build().map_err(|e| {
            config_error(format!(
                "could not build the reqwest client: {}",
                describe_error(&e)
            ))
            .with_source(e)
        })?;
        Ok(ReqwestTransport {
            client,
            max_body_bytes: self.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES),
            connect_timeout,
            timeout,
            user_builder,
        })
    }
}

impl fmt::Debug for ReqwestTransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReqwestTransportBuilder")
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("root_certificates", &self.roots.len())
            .field(
                "client_builder",
                &self.client_builder.as_ref().map(|_| "user-supplied"),
            )
            .finish()
    }
}

fn config_error(message: impl Into<String>) -> TransportError {
    TransportError::new(TransportErrorKind::Other, message)
}

/// Picks the TLS library the features ask for: native-tls when on, else rustls.
fn with_tls_backend(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    #[cfg(feature = "native-tls")]
    let builder = builder.tls_backend_native();
    #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
    let builder = builder.tls_backend_rustls();
    builder
}

/// Adds `roots` to those the platform trusts.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn with_roots(
    builder: reqwest::ClientBuilder,
    roots: &[Certificate],
) -> Result<reqwest::ClientBuilder, TransportError> {
    let certificates = roots
        .iter()
        .map(|root| {
            reqwest::Certificate::from_der(root.as_der()).map_err(|e| {
                config_error(format!(
                    "the TLS library refused a root certificate: {}",
                    describe_error(&e)
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(if certificates.is_empty() {
        builder
    } else {
        builder.tls_certs_merge(certificates)
    })
}

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
fn with_roots(
    builder: reqwest::ClientBuilder,
    roots: &[Certificate],
) -> Result<reqwest::ClientBuilder, TransportError> {
    if roots.is_empty() {
        Ok(builder)
    } else {
        Err(config_error(format!(
            "a root certificate was given but {NO_TLS}"
        )))
    }
}

/// Why an `https` request cannot be sent by a build without TLS.
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
const NO_TLS: &str = "TLS is not compiled in: enable the `rustls` or `native-tls` feature";

#[async_trait]
impl AsyncTransport for ReqwestTransport {
    async fn send(
        &self,
        mut request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let target = RequestTarget::of(&request);
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        if target.is_https() {
            return Err(target.error(TransportErrorKind::Other, NO_TLS));
        }
        frame_empty_body(&mut request);
        let request = reqwest::Request::try_from(request).map_err(|e| map_error(e, &target))?;
        let mut response = self
            .client
            .execute(request)
            .await
            .map_err(|e| map_error(e, &target))?;

        let limit = self.max_body_bytes;
        let announced = target.announced_length(response.headers(), limit)?;

        let status = response.status();
        let version = response.version();
        let headers = std::mem::take(response.headers_mut());

        // `announced <= limit` here, so the reservation is bounded by the cap.
        let mut body = Vec::with_capacity(announced.unwrap_or(0));
        while let Some(chunk) = response.chunk().await.map_err(|e| map_error(e, &target))? {
            if chunk.len() > limit - body.len() {
                return Err(target.body_too_large(limit));
            }
            body.extend_from_slice(&chunk);
        }

        let mut out = Response::new(body);
        *out.status_mut() = status;
        *out.version_mut() = version;
        *out.headers_mut() = headers;
        Ok(out)
    }
}

/// Gives a bodiless POST, PUT or PATCH an explicit `Content-Length: 0`.
///
/// hyper sends no framing header at all for an empty body, which HTTP/1.1 reads as "no body";
/// but RFC 9110 asks for `Content-Length` on methods whose body means something, and some
/// proxies answer 411 Length Required without it (the email-usage call is a bodiless POST).
fn frame_empty_body(request: &mut Request<Vec<u8>>) {
    use http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
    use http::Method;

    let expects_body = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH
    );
    let headers = request.headers();
    if expects_body
        && request.body().is_empty()
        && !headers.contains_key(CONTENT_LENGTH)
        && !headers.contains_key(TRANSFER_ENCODING)
    {
        request
            .headers_mut()
            .insert(CONTENT_LENGTH, http::HeaderValue::from_static("0"));
    }
}

/// Classifies a reqwest error for the retry policy: `Tls` when a TLS library's error is among
/// its causes, `Connect` only when the server cannot have seen the request.
fn map_error(error: reqwest::Error, target: &RequestTarget) -> TransportError {
    // The URL may carry a query string; the target already says where the request went.
    let error = error.without_url();
    let detail = describe_error(&error);
    if is_tls_failure(&error) {
        return target
            .error(
                TransportErrorKind::Tls,
                format_args!("TLS handshake failed: {detail}"),
            )
            .with_source(error);
    }
    let kind = if error.is_connect() {
        // A connect timeout is a connection that was never established, so the server did not
        // see the request: reporting it as `Connect` lets the retry policy resend safely.
        TransportErrorKind::Connect
    } else if error.is_timeout() {
        TransportErrorKind::Timeout
    } else if error.is_builder() {
        TransportErrorKind::Other
    } else if error.is_body() || error.is_decode() || error.is_request() {
        TransportErrorKind::Io
    } else {
        TransportErrorKind::Other
    };
    let mut message = detail;
    if kind == TransportErrorKind::Connect && error.is_timeout() {
        message.push_str(" (timed out while connecting)");
    }
    target.error(kind, message).with_source(error)
}

/// Whether a TLS library's own error is among the causes: reqwest wraps hyper-util's connect
/// error, which wraps the `io::Error` that carries the rustls (or native-tls) error.
fn is_tls_failure(error: &(dyn std::error::Error + 'static)) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_timeouts_are_refused() {
        let err = ReqwestTransport::builder()
            .timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::Other);
        let err = ReqwestTransport::builder()
            .client_builder(reqwest::Client::builder())
            .connect_timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::Other);
    }

    #[cfg(feature = "rustls")]
    #[test]
    fn a_rustls_error_behind_an_io_error_is_a_tls_failure() {
        let rustls_error =
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, rustls_error);
        assert!(is_tls_failure(&io));
        assert!(!is_tls_failure(&std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused
        )));
    }

    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    #[tokio::test]
    async fn https_without_tls_fails_at_once_and_says_why() {
        const { assert!(!TLS_ENABLED) };
        let t = ReqwestTransport::new().unwrap();
        let request = Request::get("https://127.0.0.1:9/webhook/api_key/validate/?secret-query=1")
            .body(Vec::new())
            .unwrap();
        let err = t.send(request).await.unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::Other);
        assert!(err.message.contains("TLS is not compiled in"), "{err}");
        assert!(!err.message.contains("secret-query"), "{err}");
        let err = ReqwestTransport::builder()
            .add_root_certificate(Certificate::from_der(vec![0x30, 0x00]).unwrap())
            .build()
            .unwrap_err();
        assert!(err.message.contains("TLS is not compiled in"), "{err}");
    }
}
