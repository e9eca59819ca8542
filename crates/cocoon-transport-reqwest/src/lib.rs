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
//! # Bringing your own client
//!
//! Any [`reqwest::Client`] can carry the requests (a proxy, custom roots, a shared pool). Use the
//! [`reqwest`] re-exported here so the versions match. Redirects and timeouts are then the
//! client's own settings; build it with [`reqwest::redirect::Policy::none()`] so no request ever
//! follows a redirect to another URL. The body cap still applies.
//!
//! ```
//! use std::time::Duration;
//! use cocoon_transport_reqwest::{reqwest, ReqwestTransport};
//!
//! let client = reqwest::Client::builder()
//!     .redirect(reqwest::redirect::Policy::none())
//!     .connect_timeout(Duration::from_secs(3))
//!     .timeout(Duration::from_secs(15))
//!     .build()
//!     .expect("a client");
//! let transport = ReqwestTransport::builder()
//!     .client(client)
//!     .max_body_bytes(512 * 1024)
//!     .build()?;
//! # Ok::<(), cocoon_core::TransportError>(())
//! ```
//!
//! # Errors
//!
//! | what happened | [`TransportErrorKind`] |
//! | --- | --- |
//! | connection refused, DNS failure, TLS handshake failure, connect timeout | `Connect` |
//! | the whole-request timeout fired | `Timeout` |
//! | connection broken after sending, malformed or cut-short answer | `Io` |
//! | body above the cap (announced or counted) | `BodyTooLarge { limit }` |
//! | an unusable request (bad URL) or client configuration | `Other` |
//!
//! Error messages name the method, scheme, host and path, never the query string or a header.
//!
//! # Features
//!
//! | feature | default | effect |
//! | --- | --- | --- |
//! | `rustls` | yes | TLS through rustls (reqwest's `rustls` feature) |
//! | `native-tls` | no | TLS through the platform library (OpenSSL, Secure Transport, SChannel); when both are on, reqwest prefers native-tls |

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use cocoon_core::{AsyncTransport, TransportError, TransportErrorKind};
use http::{Request, Response};

pub use reqwest;

/// The default time allowed to establish a connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default time allowed for a whole request, from connecting to the end of the body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default cap on a response body, in bytes (4 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// An [`AsyncTransport`] on a [`reqwest::Client`].
///
/// Cheap to clone: clones share the client and its connection pool.
#[derive(Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_body_bytes: usize,
    /// `None` when the user supplied the client (its own timeouts apply).
    timeouts: Option<(Duration, Duration)>,
}

impl ReqwestTransport {
    /// A transport with the default settings (see [`ReqwestTransportBuilder`]).
    ///
    /// Fails only if reqwest cannot set up its TLS backend.
    pub fn new() -> Result<Self, TransportError> {
        Self::builder().build()
    }

    /// A builder to tune the transport or plug in your own [`reqwest::Client`].
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
        let mut s = f.debug_struct("ReqwestTransport");
        match self.timeouts {
            Some((connect, total)) => s
                .field("client", &"default")
                .field("connect_timeout", &connect)
                .field("timeout", &total),
            None => s.field("client", &"user-supplied"),
        };
        s.field("max_body_bytes", &self.max_body_bytes).finish()
    }
}

/// Builds a [`ReqwestTransport`].
///
/// | setting | default |
/// | --- | --- |
/// | [`connect_timeout`](Self::connect_timeout) | 10 s |
/// | [`timeout`](Self::timeout) (whole request, body included) | 30 s |
/// | [`max_body_bytes`](Self::max_body_bytes) | 4 MiB |
/// | redirects | never followed |
/// | TLS | rustls (or native-tls with the `native-tls` feature) |
/// | connection pooling, `TCP_NODELAY` | on |
#[derive(Default)]
#[must_use]
pub struct ReqwestTransportBuilder {
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    max_body_bytes: Option<usize>,
    client: Option<reqwest::Client>,
}

impl ReqwestTransportBuilder {
    /// The time allowed to establish a connection, TLS handshake included (default 10 s).
    ///
    /// Not available with [`client`](Self::client): set it on your `reqwest::ClientBuilder`.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The time allowed for a whole request, from connecting to the last byte of the body
    /// (default 30 s).
    ///
    /// Not available with [`client`](Self::client): set it on your `reqwest::ClientBuilder`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The largest response body accepted, in bytes (default 4 MiB). A larger body ends the
    /// request with [`TransportErrorKind::BodyTooLarge`]. Applies to a user-supplied client too.
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = Some(limit);
        self
    }

    /// Sends through `client` instead of a client built by this crate.
    ///
    /// Redirects, timeouts, proxies and TLS are then the client's settings; only the body cap
    /// is applied by the transport. Build the client with
    /// [`reqwest::redirect::Policy::none()`]: a client that follows redirects may carry the API
    /// key to another URL.
    pub fn client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Builds the transport.
    ///
    /// Fails with [`TransportErrorKind::Other`] when a timeout is zero, when a timeout is set
    /// together with a user-supplied client, or when reqwest cannot set up its TLS backend.
    pub fn build(self) -> Result<ReqwestTransport, TransportError> {
        let max_body_bytes = self.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES);
        if let Some(client) = self.client {
            if self.connect_timeout.is_some() || self.timeout.is_some() {
                return Err(TransportError::new(
                    TransportErrorKind::Other,
                    "connect_timeout and timeout cannot be applied to a user-supplied \
                     reqwest::Client: set them on its ClientBuilder",
                ));
            }
            return Ok(ReqwestTransport {
                client,
                max_body_bytes,
                timeouts: None,
            });
        }

        let connect_timeout = self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        for (name, value) in [("connect_timeout", connect_timeout), ("timeout", timeout)] {
            if value.is_zero() {
                return Err(TransportError::new(
                    TransportErrorKind::Other,
                    format!("{name} must be greater than zero"),
                ));
            }
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect_timeout)
            .timeout(timeout)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| {
                TransportError::new(
                    TransportErrorKind::Other,
                    format!("could not build the reqwest client: {}", describe(&e)),
                )
                .with_source(e)
            })?;
        Ok(ReqwestTransport {
            client,
            max_body_bytes,
            timeouts: Some((connect_timeout, timeout)),
        })
    }
}

impl fmt::Debug for ReqwestTransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReqwestTransportBuilder")
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("client", &self.client.as_ref().map(|_| "user-supplied"))
            .finish()
    }
}

#[async_trait]
impl AsyncTransport for ReqwestTransport {
    async fn send(
        &self,
        mut request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let target = Target::of(&request);
        frame_empty_body(&mut request);
        let request = reqwest::Request::try_from(request).map_err(|e| map_error(e, &target))?;
        let mut response = self
            .client
            .execute(request)
            .await
            .map_err(|e| map_error(e, &target))?;

        let limit = self.max_body_bytes;
        let announced = announced_length(response.headers());
        if announced.is_some_and(|len| len > limit as u64) {
            return Err(too_large(limit, &target));
        }

        let status = response.status();
        let version = response.version();
        let headers = std::mem::take(response.headers_mut());

        // `announced <= limit` here, so the reservation is bounded by the cap.
        let mut body = Vec::with_capacity(announced.map_or(0, |len| len as usize));
        while let Some(chunk) = response.chunk().await.map_err(|e| map_error(e, &target))? {
            if chunk.len() > limit - body.len() {
                return Err(too_large(limit, &target));
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

/// Classifies a reqwest error for the retry policy: `Connect` only when the server cannot have
/// seen the request.
fn map_error(error: reqwest::Error, target: &Target) -> TransportError {
    // The URL may carry a query string; the target already says where the request went.
    let error = error.without_url();
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
    let mut message = format!("{}: {}", target, describe(&error));
    if kind == TransportErrorKind::Connect && error.is_timeout() {
        message.push_str(" (timed out while connecting)");
    }
    TransportError::new(kind, message).with_source(error)
}

/// The error and its causes on one line. None of reqwest's or hyper's messages hold header
/// values; the URL has been stripped by the caller.
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
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
    fn announced_length_parses_one_number() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(announced_length(&headers), None);
        headers.insert(http::header::CONTENT_LENGTH, "42".parse().unwrap());
        assert_eq!(announced_length(&headers), Some(42));
        headers.insert(http::header::CONTENT_LENGTH, "4x".parse().unwrap());
        assert_eq!(announced_length(&headers), None);
    }

    #[test]
    fn zero_timeouts_and_timeouts_with_a_user_client_are_refused() {
        let err = ReqwestTransport::builder()
            .timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::Other);
        let err = ReqwestTransport::builder()
            .client(reqwest::Client::new())
            .timeout(Duration::from_secs(1))
            .build()
            .unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::Other);
    }
}
