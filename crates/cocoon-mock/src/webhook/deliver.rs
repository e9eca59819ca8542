//! Sending a delivery with ureq, and the receiver's answer.

use std::io;

use bytes::Bytes;
use http_body_util::Full;

use super::WebhookDelivery;

/// The largest response body [`WebhookDelivery::deliver`] reads.
const MAX_RESPONSE_BYTES: u64 = 1024 * 1024;

/// The `User-Agent` of every delivery.
const USER_AGENT: &str = "Cocoonmail-Webhooks (cocoon-mock)";

/// What the receiver answered to a [`WebhookDelivery`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The response headers in order, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The response body (chunked transfer decoded).
    pub body: Vec<u8>,
}

impl DeliveryResponse {
    /// Whether the status is 2xx, which Cocoonmail counts as delivered.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The first value of a response header, by name (ignoring case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(existing, _)| existing.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

impl WebhookDelivery {
    /// The request [`deliver`](Self::deliver) sends to `url`, written out as HTTP/1.1 text
    /// (request line, `Host`, `User-Agent`, the delivery's headers, `Content-Length`,
    /// `Connection: close`, then the body), e.g. to show or store it. On the wire, ureq
    /// writes header names in lowercase.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] when `url` is not an `http://host[:port][/path]` URL, or
    /// a header name or value could break the request (a CR, LF or NUL, a bad name).
    pub fn to_http_request(&self, url: &str) -> io::Result<Vec<u8>> {
        let uri = check_url(url)?;
        let mut head = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {USER_AGENT}\r\n",
            uri.path_and_query().map_or("/", |pq| pq.as_str()),
            uri.authority().map_or("", |a| a.as_str()),
        );
        for (name, value) in self.wire_headers() {
            check_header(name, value)?;
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.body.len()
        ));
        let mut request = head.into_bytes();
        request.extend_from_slice(&self.body);
        Ok(request)
    }

    /// POSTs the delivery to `url` over plain HTTP/1.1 (with ureq) and returns the
    /// receiver's answer.
    ///
    /// Only `http://host[:port][/path][?query]` URLs are supported (port 80 when omitted; IPv6
    /// hosts in brackets); `https` is refused. Redirects are not followed and no proxy is
    /// used. Connecting, and each write and read, is limited by
    /// [`timeout`](Self::timeout); the response body is limited to 1 MiB. Any status is
    /// returned as a [`DeliveryResponse`], not as an error.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] for an unsupported URL or an unsendable header, the
    /// error of connecting, writing or reading ([`io::ErrorKind::TimedOut`] for timeouts),
    /// and [`io::ErrorKind::InvalidData`] for a response that is not valid HTTP/1.x or is too
    /// large.
    pub fn deliver(&self, url: &str) -> io::Result<DeliveryResponse> {
        check_url(url)?;
        let mut request = self.agent().post(url).header("User-Agent", USER_AGENT);
        for (name, value) in self.wire_headers() {
            check_header(name, value)?;
            request = request.header(name, value);
        }
        let mut response = request.send(&self.body[..]).map_err(to_io)?;
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_vec()
            .map_err(to_io)?;
        Ok(DeliveryResponse {
            status: response.status().as_u16(),
            headers,
            body,
        })
    }

    /// [`deliver`](Self::deliver) for async code: the delivery runs on a thread of its own
    /// and this future waits for it without blocking, so a receiver served by the same
    /// runtime (even a `#[tokio::test]`'s single thread) can answer. It runs on any executor.
    ///
    /// Dropping the future stops the wait; the delivery itself still ends within its
    /// [`timeout`](Self::timeout).
    ///
    /// # Errors
    ///
    /// As [`deliver`](Self::deliver); [`io::ErrorKind::Other`] if the delivery thread could
    /// not start or ended without an answer.
    ///
    /// ```no_run
    /// # async fn example() -> std::io::Result<()> {
    /// use cocoon_mock::webhook::WebhookDelivery;
    /// let response = WebhookDelivery::contact("contact.created")
    ///     .deliver_async("http://127.0.0.1:8080/webhooks/cocoonmail")
    ///     .await?;
    /// assert!(response.is_success());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn deliver_async(&self, url: &str) -> io::Result<DeliveryResponse> {
        // Refuse what can be refused without a thread.
        check_url(url)?;
        for (name, value) in self.wire_headers() {
            check_header(name, value)?;
        }
        let delivery = self.clone();
        let url = url.to_owned();
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("cocoon-mock-webhook".to_owned())
            .spawn(move || {
                let _ = tx.send(delivery.deliver(&url));
            })?;
        rx.await
            .map_err(|_| io::Error::other("the delivery thread ended without an answer"))?
    }

    /// The delivery as an [`http::Request`] to `uri`, to hand to a service without a socket,
    /// e.g. `router.oneshot(delivery.http_request("/webhooks/cocoonmail")?)` with axum (the
    /// body type works with axum's `Router`; `.map(axum::body::Body::new)` converts it).
    ///
    /// `uri` is a path (`/webhooks/cocoonmail`, optionally with a query) or an
    /// `http://host[:port]/path` URL, which also sets `Host`. The request carries the same
    /// method, headers and body as [`deliver`](Self::deliver) sends, with `Content-Length`.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] for a URI that is neither, or a header that could
    /// break the request (a CR, LF or NUL, a bad name).
    pub fn http_request(&self, uri: &str) -> io::Result<http::Request<Full<Bytes>>> {
        let invalid = |why: String| io::Error::new(io::ErrorKind::InvalidInput, why);
        let parsed: http::Uri = if uri.starts_with('/') {
            uri.parse()
                .map_err(|e| invalid(format!("cannot use {uri:?} as a request path: {e}")))?
        } else {
            check_url(uri)?
        };
        let mut builder = http::Request::post(parsed.clone()).header("User-Agent", USER_AGENT);
        if let Some(authority) = parsed.authority() {
            builder = builder.header("Host", authority.as_str());
        }
        for (name, value) in self.wire_headers() {
            check_header(name, value)?;
            builder = builder.header(name, value);
        }
        builder
            .header("Content-Length", self.body.len())
            .body(Full::new(Bytes::from(self.body.clone())))
            .map_err(|e| invalid(format!("cannot build the delivery request: {e}")))
    }

    /// `Authorization`, `Content-Type` and the other headers, in the order they are sent.
    fn wire_headers(&self) -> impl Iterator<Item = (&str, &str)> {
        let fixed = [
            ("Authorization", self.authorization.as_deref()),
            ("Content-Type", self.content_type.as_deref()),
        ];
        let fixed = fixed
            .into_iter()
            .filter_map(|(name, value)| value.map(|v| (name, v)));
        fixed.chain(self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())))
    }

    fn agent(&self) -> ureq::Agent {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .timeout_connect(Some(self.timeout))
            .timeout_per_read(Some(self.timeout))
            .timeout_per_write(Some(self.timeout))
            .build()
            .new_agent()
    }
}

/// Checks `url` is a plain `http://` URL ureq can deliver to, with a clear message if not.
fn check_url(url: &str) -> io::Result<http::Uri> {
    let invalid = |why: &str| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("cannot deliver a webhook to {url:?}: {why}"),
        )
    };
    let uri: http::Uri = url.parse().map_err(|e: http::uri::InvalidUri| {
        invalid(&format!(
            "expected a URL of the form http://host:port/path ({e})"
        ))
    })?;
    match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        Some("http") => {}
        Some("https") => return Err(invalid(
            "https is not supported; deliver to a plain http:// URL (e.g. a loopback test server)",
        )),
        _ => return Err(invalid("expected a URL of the form http://host:port/path")),
    }
    let authority = uri.authority().map_or("", |a| a.as_str());
    if authority.contains('@') {
        return Err(invalid("user information in the URL is not supported"));
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid("the URL has no host"));
    }
    let port = authority
        .rsplit_once(':')
        .filter(|(_, port)| !port.contains(']'))
        .map(|(_, port)| port);
    if port.is_some_and(|p| p.parse::<u16>().is_err()) {
        return Err(invalid("the port is not a number from 0 to 65535"));
    }
    Ok(uri)
}

/// Refuses header names that are not HTTP tokens or that the delivery writes itself, and
/// values that could end the header.
fn check_header(name: &str, value: &str) -> io::Result<()> {
    let framing = ["host", "content-length", "connection", "transfer-encoding"];
    if framing.iter().any(|own| own.eq_ignore_ascii_case(name)) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("cannot send a custom {name} header: the delivery writes its own"),
        ));
    }
    if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("cannot send a header named {name:?}: not a valid HTTP header name"),
        ));
    }
    if http::HeaderValue::from_str(value).is_err() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("cannot send the {name} header: its value contains CR, LF, NUL or other control characters"),
        ));
    }
    Ok(())
}

fn to_io(error: ureq::Error) -> io::Error {
    match error {
        ureq::Error::Io(e) => e,
        ureq::Error::Timeout(t) => io::Error::new(
            io::ErrorKind::TimedOut,
            format!("the delivery timed out ({t})"),
        ),
        ureq::Error::BodyExceedsLimit(_) => io::Error::new(
            io::ErrorKind::InvalidData,
            "the response body is larger than 1 MiB",
        ),
        ureq::Error::BadUri(why) => io::Error::new(io::ErrorKind::InvalidInput, why),
        e @ (ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(..)) => {
            io::Error::new(io::ErrorKind::InvalidData, e)
        }
        ureq::Error::HostNotFound => {
            io::Error::new(io::ErrorKind::NotFound, "the host resolved to no address")
        }
        ureq::Error::ConnectionFailed => {
            io::Error::new(io::ErrorKind::ConnectionRefused, "the connection failed")
        }
        other => io::Error::other(other),
    }
}
