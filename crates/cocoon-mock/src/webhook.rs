//! # What a delivery is
//!
//! Cocoonmail POSTs each event to the URL set in its dashboard, with the event type and
//! details in `x-cocoon-*` headers, an optional `Authorization` value and optional custom
//! headers, and a JSON body. A [`WebhookDelivery`](crate::webhook::WebhookDelivery) builds such a delivery with plausible
//! values for a contact, email or WhatsApp event; [`WebhookDelivery::deliver`](crate::webhook::WebhookDelivery::deliver) sends it over
//! plain HTTP/1.1 and returns the receiver's answer.
//!
//! This module knows nothing of the SDK's own webhook types on purpose: it writes what the
//! API documentation says Cocoonmail sends, so a test can check the SDK against it.
//!
//! ```no_run
//! use cocoon_mock::webhook::WebhookDelivery;
//!
//! let response = WebhookDelivery::whatsapp("whatsapp.read")
//!     .authorization("Bearer test-secret")
//!     .header("x-team", "growth")
//!     .deliver("http://127.0.0.1:8080/webhooks/cocoonmail")?;
//! assert!(response.is_success());
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

/// The contact event types (API.md §6).
pub const CONTACT_EVENT_TYPES: [&str; 3] =
    ["contact.created", "contact.updated", "contact.deleted"];

/// The email event types (API.md §6).
pub const EMAIL_EVENT_TYPES: [&str; 6] = [
    "email.sent",
    "email.opened",
    "email.clicked",
    "email.bounced",
    "email.subscribed",
    "email.unsubscribed",
];

/// The WhatsApp event types (API.md §6).
pub const WHATSAPP_EVENT_TYPES: [&str; 7] = [
    "whatsapp.sent",
    "whatsapp.failed",
    "whatsapp.read",
    "whatsapp.engaged",
    "whatsapp.subscribed",
    "whatsapp.unsubscribed",
    "whatsapp.message_received",
];

/// The contact every built delivery is about.
const CONTACT_UUID: &str = "5f0c7a52-8d3e-4b1f-9a6c-2e7d4b8f1c03";
const CONTACT_EMAIL: &str = "ada.lovelace@example.com";
const CONTACT_WHATSAPP: &str = "+15550100001";
/// The team's own email sender and WhatsApp number.
const EMAIL_SENDER: &str = "news@mail.example.com";
const BUSINESS_WHATSAPP: &str = "+15550100000";
const EMAIL_MESSAGE_ID: &str = "<20250301093000.7f3a9c21@mail.example.com>";
const WHATSAPP_MESSAGE_ID: &str = "wamid.HBgLMTU1NTAxMDAwMDEVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA";

/// The time limit [`WebhookDelivery::deliver`] uses for connecting, writing and reading,
/// unless changed with [`WebhookDelivery::timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest response head or body [`WebhookDelivery::deliver`] reads.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// One webhook delivery: the request Cocoonmail would send for one event.
///
/// Build one with [`contact`](Self::contact), [`email`](Self::email),
/// [`whatsapp`](Self::whatsapp) (documented headers and a body filled with plausible values)
/// or [`new`](Self::new) (only the headers every delivery has), adjust it, then
/// [`deliver`](Self::deliver) it. Its `Debug` output hides the `Authorization` value.
///
/// ```
/// use cocoon_mock::webhook::WebhookDelivery;
///
/// let delivery = WebhookDelivery::email("email.bounced")
///     .authorization("Bearer test-secret")
///     .header("x-cocoon-email-sender", "billing@example.com");
/// assert_eq!(delivery.event_type(), "email.bounced");
/// assert_eq!(delivery.header_value("x-cocoon-email-sender"), Some("billing@example.com"));
/// assert_eq!(delivery.body_json().unwrap()["sender"], "news@mail.example.com");
/// assert!(!format!("{delivery:?}").contains("test-secret"));
/// ```
#[derive(Clone)]
pub struct WebhookDelivery {
    event_type: String,
    authorization: Option<String>,
    content_type: Option<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    timeout: Duration,
}

impl WebhookDelivery {
    /// A delivery of `event_type` with only the headers every delivery carries
    /// (`x-cocoon-event-type` and `x-cocoon-event-datetime`, now) and the body `{}`.
    pub fn new(event_type: impl Into<String>) -> Self {
        let event_type = event_type.into();
        let now = now_iso8601();
        Self {
            headers: vec![
                ("x-cocoon-event-type".to_owned(), event_type.clone()),
                ("x-cocoon-event-datetime".to_owned(), now),
            ],
            event_type,
            authorization: None,
            content_type: Some("application/json".to_owned()),
            body: b"{}".to_vec(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// A contact event (normally one of [`CONTACT_EVENT_TYPES`]): the contact headers and a
    /// body describing the contact.
    pub fn contact(event_type: impl Into<String>) -> Self {
        let delivery = Self::new(event_type)
            .header("x-cocoon-contact-uuid", CONTACT_UUID)
            .header("x-cocoon-contact-email", CONTACT_EMAIL)
            .header("x-cocoon-contact-whatsapp", CONTACT_WHATSAPP);
        let body = json!({
            "uuid": CONTACT_UUID,
            "email": CONTACT_EMAIL,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "whatsapp_number": CONTACT_WHATSAPP,
            "subscribed": delivery.event_type != "contact.deleted",
            "event_type": delivery.event_type,
            "created_at": delivery.datetime(),
        });
        delivery.json_body(&body)
    }

    /// An email event (normally one of [`EMAIL_EVENT_TYPES`]): the email and contact headers
    /// and a body describing the message.
    pub fn email(event_type: impl Into<String>) -> Self {
        let delivery = Self::new(event_type)
            .header("x-cocoon-email-message-id", EMAIL_MESSAGE_ID)
            .header("x-cocoon-email-sender", EMAIL_SENDER)
            .header("x-cocoon-contact-uuid", CONTACT_UUID)
            .header("x-cocoon-contact-email", CONTACT_EMAIL);
        let mut body = json!({
            "message_id": EMAIL_MESSAGE_ID,
            "email": CONTACT_EMAIL,
            "sender": EMAIL_SENDER,
            "subject": "Your March newsletter",
            "event_type": delivery.event_type,
            "timestamp": delivery.datetime(),
        });
        match delivery.event_type.as_str() {
            "email.clicked" => body["url"] = json!("https://example.com/march"),
            "email.bounced" => {
                body["bounce_type"] = json!("hard");
                body["bounced_error"] = json!("550 5.1.1 mailbox unavailable");
            }
            _ => {}
        }
        delivery.json_body(&body)
    }

    /// A WhatsApp event (normally one of [`WHATSAPP_EVENT_TYPES`]): the WhatsApp and contact
    /// headers and a body with every documented field (`event_type`, `timestamp`, `status`,
    /// `sender`, `receiver`, plus `failure_reason` for `whatsapp.failed` and `content` for
    /// `whatsapp.message_received`, which is sent by the contact to the team's number).
    pub fn whatsapp(event_type: impl Into<String>) -> Self {
        let delivery = Self::new(event_type);
        let kind = delivery.event_type.as_str();
        let inbound = kind == "whatsapp.message_received";
        let (sender, receiver) = if inbound {
            (CONTACT_WHATSAPP, BUSINESS_WHATSAPP)
        } else {
            (BUSINESS_WHATSAPP, CONTACT_WHATSAPP)
        };
        let status = match kind.strip_prefix("whatsapp.") {
            Some("message_received") => "received",
            Some(status) if !status.is_empty() => status,
            _ => "sent",
        };
        let mut body = json!({
            "event_type": kind,
            "timestamp": delivery.datetime(),
            "status": status,
            "sender": sender,
            "receiver": receiver,
        });
        if kind == "whatsapp.failed" {
            body["failure_reason"] = json!("Message undeliverable: recipient not on WhatsApp");
        }
        if inbound {
            body["content"] =
                json!({"type": "text", "text": {"body": "Hi! Is my order on its way?"}});
        }
        delivery
            .header("x-cocoon-message-id", WHATSAPP_MESSAGE_ID)
            .header("x-cocoon-sender-phonenumber", sender)
            .header("x-cocoon-contact-uuid", CONTACT_UUID)
            .header("x-cocoon-contact-whatsapp", CONTACT_WHATSAPP)
            .json_body(&body)
    }

    /// Sends `Authorization: <value>` (the value set in the dashboard), e.g.
    /// `Bearer <secret>`.
    #[must_use]
    pub fn authorization(mut self, value: impl Into<String>) -> Self {
        self.authorization = Some(value.into());
        self
    }

    /// Sets a header, replacing any header of that name (ignoring case): a custom header
    /// configured in the dashboard, or a different value for a documented `x-cocoon-*` one.
    /// `Authorization` and `Content-Type` set the same values as
    /// [`authorization`](Self::authorization) and [`raw_body`](Self::raw_body). `Host`,
    /// `Content-Length`, `Connection` and `Transfer-Encoding` are written by
    /// [`deliver`](Self::deliver), which refuses them here.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        let value = value.into();
        if name.eq_ignore_ascii_case("authorization") {
            self.authorization = Some(value);
            return self;
        }
        if name.eq_ignore_ascii_case("content-type") {
            self.content_type = Some(value);
            return self;
        }
        match self
            .headers
            .iter_mut()
            .find(|(existing, _)| existing.eq_ignore_ascii_case(&name))
        {
            Some(slot) => slot.1 = value,
            None => self.headers.push((name, value)),
        }
        self
    }

    /// Removes a header (ignoring case), e.g. to test a receiver against a delivery that
    /// lacks `x-cocoon-event-type`. `Authorization` and `Content-Type` can be removed too.
    #[must_use]
    pub fn without_header(mut self, name: &str) -> Self {
        if name.eq_ignore_ascii_case("authorization") {
            self.authorization = None;
        }
        if name.eq_ignore_ascii_case("content-type") {
            self.content_type = None;
        }
        self.headers
            .retain(|(existing, _)| !existing.eq_ignore_ascii_case(name));
        self
    }

    /// Replaces the body with `body` as JSON, sent as `Content-Type: application/json`.
    #[must_use]
    pub fn json_body(mut self, body: &Value) -> Self {
        self.body = body.to_string().into_bytes();
        self.content_type = Some("application/json".to_owned());
        self
    }

    /// Replaces the body with any bytes and the `Content-Type` with `content_type` (`None`
    /// sends no `Content-Type`), e.g. to test a receiver against malformed bodies.
    #[must_use]
    pub fn raw_body(mut self, body: impl Into<Vec<u8>>, content_type: Option<&str>) -> Self {
        self.body = body.into();
        self.content_type = content_type.map(str::to_owned);
        self
    }

    /// Sets the time limit for connecting, and for each write and read
    /// ([`DEFAULT_TIMEOUT`] unless set).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The event type this delivery was built for.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The headers set so far (without `Authorization` and `Content-Type`), in order.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The value of a header set so far, by name (ignoring case).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(existing, _)| existing.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body parsed as JSON, or `None` when it is not JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The bytes [`deliver`](Self::deliver) writes for a request to `url`: the request head
    /// and the body.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] when `url` is not an `http://host[:port][/path]` URL, or
    /// a header name or value could break the request (a CR, LF or NUL, a bad name).
    pub fn to_http_request(&self, url: &str) -> io::Result<Vec<u8>> {
        let target = Target::parse(url)?;
        self.render(&target)
    }

    /// POSTs the delivery to `url` over plain HTTP/1.1 and returns the receiver's answer.
    ///
    /// Only `http://host[:port][/path][?query]` URLs are supported (port 80 when omitted; IPv6
    /// hosts in brackets); `https` is refused. The connection is closed after one exchange.
    /// Connecting, and each write and read, is limited by [`timeout`](Self::timeout); the
    /// response head and body are limited to 1 MiB each. Any status is returned as a
    /// [`DeliveryResponse`], not as an error.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] for an unsupported URL or an unsendable header, the
    /// error of connecting, writing or reading (including timeouts), and
    /// [`io::ErrorKind::InvalidData`] for a response that is not valid HTTP/1.x or is too
    /// large.
    pub fn deliver(&self, url: &str) -> io::Result<DeliveryResponse> {
        let target = Target::parse(url)?;
        let request = self.render(&target)?;
        let mut stream = connect(&target, self.timeout)?;
        stream.set_read_timeout(Some(self.timeout))?;
        stream.set_write_timeout(Some(self.timeout))?;
        stream.write_all(&request)?;
        stream.flush()?;
        read_response(&mut BufReader::new(stream))
    }

    /// The `x-cocoon-event-datetime` value, for bodies built with the same time.
    fn datetime(&self) -> String {
        self.header_value("x-cocoon-event-datetime")
            .unwrap_or_default()
            .to_owned()
    }

    fn render(&self, target: &Target) -> io::Result<Vec<u8>> {
        let mut head = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: Cocoonmail-Webhooks (cocoon-mock)\r\n",
            target.path, target.authority
        );
        let fixed = [
            ("Authorization", self.authorization.as_deref()),
            ("Content-Type", self.content_type.as_deref()),
        ];
        let custom = self
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), Some(value.as_str())));
        for (name, value) in fixed.into_iter().chain(custom) {
            let Some(value) = value else { continue };
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
}

impl fmt::Debug for WebhookDelivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookDelivery")
            .field("event_type", &self.event_type)
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "<redacted>"),
            )
            .field("content_type", &self.content_type)
            .field("headers", &self.headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// What the receiver answered to a [`WebhookDelivery`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The response headers, names as received, in order.
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

/// Where an `http://` URL points.
#[derive(Debug, PartialEq)]
struct Target {
    /// The `Host` header: the URL's host and port as written.
    authority: String,
    /// The host to resolve (IPv6 without brackets).
    host: String,
    port: u16,
    /// The request target: path and query, `/` when empty.
    path: String,
}

impl Target {
    fn parse(url: &str) -> io::Result<Self> {
        let invalid = |why: &str| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("cannot deliver a webhook to {url:?}: {why}"),
            )
        };
        let Some(rest) = strip_prefix_ignore_case(url, "http://") else {
            return Err(if strip_prefix_ignore_case(url, "https://").is_some() {
                invalid("https is not supported; deliver to a plain http:// URL (e.g. a loopback test server)")
            } else {
                invalid("expected a URL of the form http://host:port/path")
            });
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        if authority.contains('@') {
            return Err(invalid("user information in the URL is not supported"));
        }
        let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
            let (host, after) = bracketed
                .split_once(']')
                .ok_or_else(|| invalid("unclosed '[' in the host"))?;
            let port = match after {
                "" => None,
                _ => Some(
                    after
                        .strip_prefix(':')
                        .ok_or_else(|| invalid("unexpected text after the IPv6 host"))?,
                ),
            };
            (host, port)
        } else {
            match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(invalid("the URL has no host"));
        }
        let port = match port {
            None => 80,
            Some(port) => port
                .parse::<u16>()
                .map_err(|_| invalid("the port is not a number from 0 to 65535"))?,
        };
        let path = match path {
            "" => "/".to_owned(),
            query if query.starts_with('?') => format!("/{query}"),
            path => path.to_owned(),
        };
        if path.bytes().any(|byte| byte <= b' ' || byte == 0x7F) {
            return Err(invalid("the path contains spaces or control characters"));
        }
        if authority.bytes().any(|byte| byte <= b' ' || byte == 0x7F) {
            return Err(invalid("the host contains spaces or control characters"));
        }
        Ok(Self {
            authority: authority.to_owned(),
            host: host.to_owned(),
            port,
            path,
        })
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Refuses header names that are not HTTP tokens or that [`WebhookDelivery::deliver`] writes
/// itself, and values that could end the header.
fn check_header(name: &str, value: &str) -> io::Result<()> {
    let framing = ["host", "content-length", "connection", "transfer-encoding"];
    if framing.iter().any(|own| own.eq_ignore_ascii_case(name)) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("cannot send a custom {name} header: the delivery writes its own"),
        ));
    }
    let token = |byte: u8| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte);
    if name.is_empty() || !name.bytes().all(token) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("cannot send a header named {name:?}: not a valid HTTP header name"),
        ));
    }
    if value.bytes().any(|byte| matches!(byte, b'\r' | b'\n' | 0)) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("cannot send the {name} header: its value contains CR, LF or NUL"),
        ));
    }
    Ok(())
}

fn connect(target: &Target, timeout: Duration) -> io::Result<TcpStream> {
    let mut last_error = None;
    for address in (target.host.as_str(), target.port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&address, timeout) {
            Ok(stream) => return Ok(stream),
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("{} resolved to no address", target.host),
        )
    }))
}

fn invalid_data(why: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.into())
}

/// Reads one CRLF- (or LF-) terminated line, without the terminator, adding its length to
/// `budget_used` and failing past [`MAX_RESPONSE_BYTES`].
fn read_line(reader: &mut impl BufRead, budget_used: &mut usize) -> io::Result<String> {
    let mut line = Vec::new();
    let limit = (MAX_RESPONSE_BYTES - *budget_used) as u64 + 1;
    let read = reader.take(limit).read_until(b'\n', &mut line)?;
    *budget_used += read;
    if *budget_used > MAX_RESPONSE_BYTES {
        return Err(invalid_data("the response head is larger than 1 MiB"));
    }
    if line.last() != Some(&b'\n') {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the connection closed in the middle of the response head",
        ));
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

fn read_response(reader: &mut impl BufRead) -> io::Result<DeliveryResponse> {
    let mut head_bytes = 0;
    loop {
        let status_line = read_line(reader, &mut head_bytes)?;
        let mut words = status_line.splitn(3, ' ');
        let version = words.next().unwrap_or_default();
        let status = words
            .next()
            .and_then(|code| code.parse::<u16>().ok())
            .filter(|code| (100..1000).contains(code));
        let (true, Some(status)) = (version.starts_with("HTTP/1."), status) else {
            return Err(invalid_data(format!(
                "not an HTTP/1.x status line: {:?}",
                status_line.chars().take(80).collect::<String>()
            )));
        };
        let mut headers = Vec::new();
        loop {
            let line = read_line(reader, &mut head_bytes)?;
            if line.is_empty() {
                break;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| invalid_data("a response header line has no ':'"))?;
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        // An interim answer (e.g. 100 Continue) is followed by the real one.
        if (100..200).contains(&status) && status != 101 {
            continue;
        }
        let mut response = DeliveryResponse {
            status,
            headers,
            body: Vec::new(),
        };
        response.body = read_body(reader, &response)?;
        return Ok(response);
    }
}

fn read_body(reader: &mut impl BufRead, response: &DeliveryResponse) -> io::Result<Vec<u8>> {
    if matches!(response.status, 101 | 204 | 304) {
        return Ok(Vec::new());
    }
    let chunked = response
        .header("transfer-encoding")
        .is_some_and(|codings| codings.to_ascii_lowercase().contains("chunked"));
    if chunked {
        return read_chunked(reader);
    }
    let mut body = Vec::new();
    match response.header("content-length") {
        Some(length) => {
            let length: usize = length
                .parse()
                .map_err(|_| invalid_data("the response Content-Length is not a number"))?;
            if length > MAX_RESPONSE_BYTES {
                return Err(invalid_data("the response body is larger than 1 MiB"));
            }
            body.resize(length, 0);
            reader.read_exact(&mut body)?;
        }
        None => {
            reader
                .take(MAX_RESPONSE_BYTES as u64 + 1)
                .read_to_end(&mut body)?;
            if body.len() > MAX_RESPONSE_BYTES {
                return Err(invalid_data("the response body is larger than 1 MiB"));
            }
        }
    }
    Ok(body)
}

fn read_chunked(reader: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut line_bytes = 0;
    loop {
        let line = read_line(reader, &mut line_bytes)?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16)
            .map_err(|_| invalid_data("a response chunk size is not hexadecimal"))?;
        if size == 0 {
            // Trailers, up to the empty line.
            while !read_line(reader, &mut line_bytes)?.is_empty() {}
            return Ok(body);
        }
        if size > MAX_RESPONSE_BYTES - body.len() {
            return Err(invalid_data("the response body is larger than 1 MiB"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        if !read_line(reader, &mut line_bytes)?.is_empty() {
            return Err(invalid_data("a response chunk is longer than its size"));
        }
    }
}

/// The current UTC time as ISO-8601 with milliseconds and `Z`, like Cocoonmail's timestamps.
fn now_iso8601() -> String {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format_iso8601(since_epoch.as_secs(), since_epoch.subsec_millis())
}

fn format_iso8601(seconds: u64, millis: u32) -> String {
    let days = seconds / 86_400;
    let time = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        time / 3600,
        time % 3600 / 60,
        time % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01, counting in 400-year eras that
/// start on 0000-03-01 (so the leap day ends each era's year).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    const DAYS_PER_ERA: u64 = 146_097;
    let shifted = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = shifted / DAYS_PER_ERA;
    let day_of_era = shifted % DAYS_PER_ERA;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    /// Accepts one connection, reads one request (head and Content-Length body), answers
    /// with `answer` and returns the request's bytes.
    fn serve_once(answer: &'static [u8]) -> (String, thread::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/hooks/cocoonmail?team=7",
            listener.local_addr().unwrap()
        );
        let server = thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut reader = BufReader::new(stream);
            let mut request = Vec::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                request.extend_from_slice(line.as_bytes());
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            request.extend_from_slice(&body);
            reader.get_mut().write_all(answer).unwrap();
            request
        });
        (url, server)
    }

    #[test]
    fn delivers_a_whatsapp_event_over_http_1_1() {
        let (url, server) = serve_once(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\naccepted",
        );
        let delivery = WebhookDelivery::whatsapp("whatsapp.failed")
            .authorization("Bearer test-secret")
            .header("X-Team", "growth");
        let response = delivery.deliver(&url).unwrap();
        assert_eq!(response.status, 200);
        assert!(response.is_success());
        assert_eq!(response.body_text(), "accepted");
        assert_eq!(response.header("content-type"), Some("text/plain"));

        let request = String::from_utf8(server.join().unwrap()).unwrap();
        let (head, body) = request.split_once("\r\n\r\n").unwrap();
        let lines: Vec<&str> = head.split("\r\n").collect();
        assert_eq!(lines[0], "POST /hooks/cocoonmail?team=7 HTTP/1.1");
        for expected in [
            "Authorization: Bearer test-secret",
            "Content-Type: application/json",
            "x-cocoon-event-type: whatsapp.failed",
            "x-cocoon-message-id: wamid.HBgLMTU1NTAxMDAwMDEVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA",
            "x-cocoon-sender-phonenumber: +15550100000",
            "x-cocoon-contact-uuid: 5f0c7a52-8d3e-4b1f-9a6c-2e7d4b8f1c03",
            "x-cocoon-contact-whatsapp: +15550100001",
            "X-Team: growth",
            "Connection: close",
        ] {
            assert!(
                lines.contains(&expected),
                "{expected:?} missing from {lines:#?}"
            );
        }
        assert!(lines[1].starts_with("Host: 127.0.0.1:"));
        assert!(lines.contains(&format!("Content-Length: {}", body.len()).as_str()));
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["event_type"], "whatsapp.failed");
        assert_eq!(body["status"], "failed");
        assert_eq!(body["sender"], "+15550100000");
        assert_eq!(body["receiver"], "+15550100001");
        assert!(body["failure_reason"].is_string());
        assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    }

    #[test]
    fn reads_chunked_answers_after_an_interim_one() {
        let (url, server) = serve_once(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nwrong\r\n6\r\n token\r\n0\r\nX-Trailer: 1\r\n\r\n",
        );
        let response = WebhookDelivery::contact("contact.created")
            .deliver(&url)
            .unwrap();
        assert_eq!(response.status, 401);
        assert!(!response.is_success());
        assert_eq!(response.body, b"wrong token");
        let request = String::from_utf8(server.join().unwrap()).unwrap();
        assert!(!request.contains("Authorization"), "none was set");
    }

    #[test]
    fn builds_documented_headers_and_bodies_for_every_family() {
        for kind in CONTACT_EVENT_TYPES {
            let delivery = WebhookDelivery::contact(kind);
            assert_eq!(delivery.header_value("x-cocoon-event-type"), Some(kind));
            for name in [
                "x-cocoon-event-datetime",
                "x-cocoon-contact-uuid",
                "x-cocoon-contact-email",
                "x-cocoon-contact-whatsapp",
            ] {
                assert!(delivery.header_value(name).is_some(), "{kind}: {name}");
            }
            assert_eq!(delivery.body_json().unwrap()["email"], CONTACT_EMAIL);
        }
        for kind in EMAIL_EVENT_TYPES {
            let delivery = WebhookDelivery::email(kind);
            for name in [
                "x-cocoon-email-message-id",
                "x-cocoon-email-sender",
                "x-cocoon-contact-uuid",
                "x-cocoon-contact-email",
            ] {
                assert!(delivery.header_value(name).is_some(), "{kind}: {name}");
            }
            assert_eq!(
                delivery.body_json().unwrap()["message_id"],
                EMAIL_MESSAGE_ID
            );
        }
        for kind in WHATSAPP_EVENT_TYPES {
            let delivery = WebhookDelivery::whatsapp(kind);
            for name in [
                "x-cocoon-message-id",
                "x-cocoon-sender-phonenumber",
                "x-cocoon-contact-uuid",
                "x-cocoon-contact-whatsapp",
            ] {
                assert!(delivery.header_value(name).is_some(), "{kind}: {name}");
            }
            let body = delivery.body_json().unwrap();
            for field in ["event_type", "timestamp", "status", "sender", "receiver"] {
                assert!(body[field].is_string(), "{kind}: {field}");
            }
            assert_eq!(body["event_type"], kind);
            assert_eq!(
                body.get("content").is_some(),
                kind == "whatsapp.message_received"
            );
            assert_eq!(
                body.get("failure_reason").is_some(),
                kind == "whatsapp.failed"
            );
        }
        let received = WebhookDelivery::whatsapp("whatsapp.message_received");
        assert_eq!(received.body_json().unwrap()["sender"], CONTACT_WHATSAPP);
        assert_eq!(
            received.header_value("x-cocoon-sender-phonenumber"),
            Some(CONTACT_WHATSAPP)
        );
        assert_eq!(received.body_json().unwrap()["status"], "received");
    }

    #[test]
    fn headers_and_bodies_can_be_replaced_or_removed() {
        let delivery = WebhookDelivery::contact("contact.updated")
            .header("X-Cocoon-Contact-Email", "other@example.com")
            .without_header("x-cocoon-event-type")
            .raw_body("{not json", None);
        assert_eq!(
            delivery.header_value("x-cocoon-contact-email"),
            Some("other@example.com")
        );
        assert_eq!(delivery.header_value("x-cocoon-event-type"), None);
        assert_eq!(delivery.body_json(), None);
        let request =
            String::from_utf8(delivery.to_http_request("http://localhost/").unwrap()).unwrap();
        assert!(request.starts_with("POST / HTTP/1.1\r\nHost: localhost\r\n"));
        assert!(!request.contains("Content-Type"));
        assert!(request.ends_with("Content-Length: 9\r\nConnection: close\r\n\r\n{not json"));
    }

    #[test]
    fn refuses_unsupported_urls_and_unsafe_headers_clearly() {
        let delivery = WebhookDelivery::new("contact.created");
        for (url, why) in [
            ("https://example.com/hooks", "https is not supported"),
            ("ftp://example.com/", "expected a URL of the form"),
            ("example.com:80/hooks", "expected a URL of the form"),
            ("http:///hooks", "no host"),
            ("http://example.com:99999/", "port"),
            ("http://user:pw@example.com/", "user information"),
            ("http://[::1/", "unclosed"),
            ("http://example.com/a b", "spaces"),
        ] {
            let error = delivery.deliver(url).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{url}");
            assert!(error.to_string().contains(why), "{url}: {error}");
        }
        let injected = delivery.clone().header("x-evil", "a\r\nHost: elsewhere");
        let error = injected.to_http_request("http://localhost/").unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        let bad_name = delivery.clone().header("bad name", "x");
        assert!(bad_name.to_http_request("http://localhost/").is_err());
        let framing = delivery.header("Content-Length", "0");
        let error = framing.to_http_request("http://localhost/").unwrap_err();
        assert!(error.to_string().contains("writes its own"), "{error}");
    }

    #[test]
    fn authorization_and_content_type_can_be_set_as_headers() {
        let delivery = WebhookDelivery::new("contact.created")
            .header("AUTHORIZATION", "Basic dGVzdDp0ZXN0")
            .header("Content-Type", "application/json; charset=utf-8");
        assert!(delivery
            .headers()
            .iter()
            .all(|(name, _)| name.starts_with("x-cocoon-")));
        let request = delivery.to_http_request("http://localhost/").unwrap();
        let request = String::from_utf8(request).unwrap();
        assert!(request.contains("\r\nAuthorization: Basic dGVzdDp0ZXN0\r\n"));
        assert!(request.contains("\r\nContent-Type: application/json; charset=utf-8\r\n"));
        let bare = delivery
            .without_header("authorization")
            .without_header("content-type");
        let request =
            String::from_utf8(bare.to_http_request("http://localhost/").unwrap()).unwrap();
        assert!(!request.contains("Authorization") && !request.contains("Content-Type"));
    }

    #[test]
    fn parses_hosts_ports_and_paths() {
        let target = Target::parse("HTTP://[::1]:8080?x=1#frag").unwrap();
        assert_eq!(
            target,
            Target {
                authority: "[::1]:8080".to_owned(),
                host: "::1".to_owned(),
                port: 8080,
                path: "/?x=1".to_owned(),
            }
        );
        let target = Target::parse("http://hooks.example.com").unwrap();
        assert_eq!((target.port, target.path.as_str()), (80, "/"));
    }

    #[test]
    fn formats_utc_timestamps() {
        assert_eq!(format_iso8601(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_iso8601(1_709_251_200, 7), "2024-03-01T00:00:00.007Z");
        assert_eq!(format_iso8601(951_782_400, 0), "2000-02-29T00:00:00.000Z");
        assert_eq!(
            format_iso8601(4_107_542_399, 999),
            "2100-02-28T23:59:59.999Z"
        );
        let now = now_iso8601();
        assert_eq!(now.len(), "2025-03-01T09:30:00.000Z".len());
    }
}
