//! A small, strict HTTP/1.1 server side: request parsing (Content-Length and chunked bodies,
//! keep-alive, pipelining) and response serialisation into one buffer.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

/// Largest request head (request line plus headers) accepted.
pub(crate) const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest request body accepted; larger ones are answered 413.
pub(crate) const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// One parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    /// Raw query string without the `?` ("" when absent).
    pub(crate) query: String,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub(crate) minor_version: u8,
    /// Header names lowercased, values trimmed, in arrival order.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) received_at: Instant,
}

impl Request {
    /// The first value of a header (name in lowercase).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header (name in lowercase).
    pub(crate) fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the client asked for the connection to be closed after this exchange.
    pub(crate) fn wants_close(&self) -> bool {
        let mut close = self.minor_version == 0;
        for value in self.header_values("connection") {
            for token in value.split(',') {
                let token = token.trim();
                if token.eq_ignore_ascii_case("close") {
                    return true;
                }
                if token.eq_ignore_ascii_case("keep-alive") {
                    close = false;
                }
            }
        }
        close
    }
}

/// Why a request could not be read. The connection is closed after answering.
#[derive(Debug)]
pub(crate) struct Rejection {
    pub(crate) status: u16,
    pub(crate) message: String,
    /// The request head when it was parsed (its body is empty), for the journal.
    pub(crate) request: Option<Request>,
}

/// What reading from a connection produced.
#[derive(Debug)]
pub(crate) enum ReadOutcome {
    /// A complete request.
    Request(Request),
    /// The peer closed the connection (or the server is shutting down) between requests.
    Closed,
    /// A malformed or oversized request: answer with this status, then close.
    Rejected(Rejection),
}

fn reject(status: u16, message: impl Into<String>, request: Option<Request>) -> ReadOutcome {
    ReadOutcome::Rejected(Rejection {
        status,
        message: message.into(),
        request,
    })
}

/// A buffered connection reader that keeps leftover bytes for pipelined requests.
pub(crate) struct Connection {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Start of the unconsumed bytes in `buf`.
    pos: usize,
}

impl Connection {
    pub(crate) fn new(stream: TcpStream) -> Self {
        Connection {
            stream,
            buf: Vec::with_capacity(8 * 1024),
            pos: 0,
        }
    }

    pub(crate) fn stream(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    /// Reads more bytes into the buffer. `Ok(false)` on end of stream or when `stop` says so.
    fn fill(&mut self, stop: &dyn Fn() -> bool) -> io::Result<bool> {
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos >= 64 * 1024 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if stop() {
                return Ok(false);
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(true);
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) =>
                {
                    continue
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn pending(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Reads exactly `n` body bytes (already known to be within the cap).
    fn take_exact(&mut self, n: usize, stop: &dyn Fn() -> bool) -> io::Result<Option<Vec<u8>>> {
        while self.pending().len() < n {
            if !self.fill(stop)? {
                return Ok(None);
            }
        }
        let out = self.buf[self.pos..self.pos + n].to_vec();
        self.pos += n;
        Ok(Some(out))
    }

    /// Reads one CRLF-terminated line (without the CRLF), bounded by `max` bytes.
    fn take_line(&mut self, max: usize, stop: &dyn Fn() -> bool) -> io::Result<LineResult> {
        let mut scanned = 0;
        loop {
            let pending = self.pending();
            if let Some(i) = find(&pending[scanned..], b"\r\n") {
                let end = scanned + i;
                let line = pending[..end].to_vec();
                self.pos += end + 2;
                return Ok(LineResult::Line(line));
            }
            if pending.len() > max {
                return Ok(LineResult::TooLong);
            }
            scanned = pending.len().saturating_sub(1);
            if !self.fill(stop)? {
                return Ok(LineResult::Eof);
            }
        }
    }

    /// Reads the next request. `stop` is polled while waiting for bytes.
    ///
    /// When the client sent `Expect: 100-continue` and the announced body is acceptable, an
    /// interim `100 Continue` is written before the body is read.
    pub(crate) fn read_request(&mut self, stop: &dyn Fn() -> bool) -> ReadOutcome {
        match self.read_request_inner(stop) {
            Ok(outcome) => outcome,
            Err(_) => ReadOutcome::Closed,
        }
    }

    fn read_request_inner(&mut self, stop: &dyn Fn() -> bool) -> io::Result<ReadOutcome> {
        // Skip empty lines before a request line (RFC 9112 §2.2).
        loop {
            let pending = self.pending();
            if pending.starts_with(b"\r\n") {
                self.pos += 2;
            } else if pending.is_empty() || pending == b"\r" {
                if !self.fill(stop)? {
                    return Ok(ReadOutcome::Closed);
                }
            } else {
                break;
            }
        }
        // Find the end of the head.
        let mut scanned = 0;
        let head_len = loop {
            let pending = self.pending();
            if let Some(i) = find(&pending[scanned..], b"\r\n\r\n") {
                break scanned + i;
            }
            if pending.len() > MAX_HEAD_BYTES {
                return Ok(reject(431, "Request header fields too large", None));
            }
            scanned = pending.len().saturating_sub(3);
            if !self.fill(stop)? {
                return Ok(ReadOutcome::Closed);
            }
        };
        if head_len > MAX_HEAD_BYTES {
            return Ok(reject(431, "Request header fields too large", None));
        }
        let received_at = Instant::now();
        let head = self.buf[self.pos..self.pos + head_len].to_vec();
        self.pos += head_len + 4;
        let mut request = match parse_head(&head, received_at) {
            Ok(r) => r,
            Err(message) => return Ok(reject(400, message, None)),
        };

        let chunked = match transfer_encoding(&request) {
            Ok(c) => c,
            Err(message) => return Ok(reject(400, message, Some(request))),
        };
        let lengths: Vec<&str> = request.header_values("content-length").collect();
        if chunked && !lengths.is_empty() {
            return Ok(reject(
                400,
                "Both Content-Length and Transfer-Encoding were sent",
                Some(request),
            ));
        }
        let content_length = if chunked {
            None
        } else {
            let mut length: Option<u64> = None;
            for value in &lengths {
                for part in value.split(',') {
                    let part = part.trim();
                    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                        return Ok(reject(400, "Invalid Content-Length", Some(request)));
                    }
                    let n: u64 = part.parse().unwrap_or(u64::MAX);
                    if length.is_some_and(|l| l != n) {
                        return Ok(reject(
                            400,
                            "Conflicting Content-Length values",
                            Some(request),
                        ));
                    }
                    length = Some(n);
                }
            }
            Some(length.unwrap_or(0))
        };
        if let Some(n) = content_length {
            if n > MAX_BODY_BYTES as u64 {
                return Ok(reject(
                    413,
                    format!("Request body too large: the limit is {MAX_BODY_BYTES} bytes"),
                    Some(request),
                ));
            }
        }
        let expects_continue = request
            .header("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
        if expects_continue && request.minor_version == 1 && content_length != Some(0) {
            self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        }
        match content_length {
            Some(n) => match self.take_exact(n as usize, stop)? {
                Some(body) => request.body = body,
                None => return Ok(ReadOutcome::Closed),
            },
            None => match self.read_chunked(stop)? {
                ChunkedResult::Body(body) => request.body = body,
                ChunkedResult::Eof => return Ok(ReadOutcome::Closed),
                ChunkedResult::TooLarge => {
                    return Ok(reject(
                        413,
                        format!("Request body too large: the limit is {MAX_BODY_BYTES} bytes"),
                        Some(request),
                    ))
                }
                ChunkedResult::Invalid(message) => return Ok(reject(400, message, Some(request))),
            },
        }
        Ok(ReadOutcome::Request(request))
    }

    fn read_chunked(&mut self, stop: &dyn Fn() -> bool) -> io::Result<ChunkedResult> {
        let mut body = Vec::new();
        loop {
            let line = match self.take_line(1024, stop)? {
                LineResult::Line(l) => l,
                LineResult::Eof => return Ok(ChunkedResult::Eof),
                LineResult::TooLong => {
                    return Ok(ChunkedResult::Invalid("Chunk size line too long".into()))
                }
            };
            let size_text = match std::str::from_utf8(&line) {
                Ok(t) => t.split(';').next().unwrap_or("").trim(),
                Err(_) => return Ok(ChunkedResult::Invalid("Invalid chunk size".into())),
            };
            if size_text.is_empty() || size_text.len() > 16 {
                return Ok(ChunkedResult::Invalid("Invalid chunk size".into()));
            }
            let size = match u64::from_str_radix(size_text, 16) {
                Ok(s) => s,
                Err(_) => return Ok(ChunkedResult::Invalid("Invalid chunk size".into())),
            };
            if size == 0 {
                // Trailer section: header lines until an empty line.
                loop {
                    match self.take_line(MAX_HEAD_BYTES, stop)? {
                        LineResult::Line(l) if l.is_empty() => {
                            return Ok(ChunkedResult::Body(body))
                        }
                        LineResult::Line(_) => continue,
                        LineResult::Eof => return Ok(ChunkedResult::Eof),
                        LineResult::TooLong => {
                            return Ok(ChunkedResult::Invalid("Trailer too long".into()))
                        }
                    }
                }
            }
            if body.len() as u64 + size > MAX_BODY_BYTES as u64 {
                return Ok(ChunkedResult::TooLarge);
            }
            let data = match self.take_exact(size as usize, stop)? {
                Some(d) => d,
                None => return Ok(ChunkedResult::Eof),
            };
            body.extend_from_slice(&data);
            match self.take_exact(2, stop)? {
                Some(crlf) if crlf == b"\r\n" => {}
                Some(_) => {
                    return Ok(ChunkedResult::Invalid(
                        "Chunk data not followed by CRLF".into(),
                    ))
                }
                None => return Ok(ChunkedResult::Eof),
            }
        }
    }
}

enum LineResult {
    Line(Vec<u8>),
    Eof,
    TooLong,
}

enum ChunkedResult {
    Body(Vec<u8>),
    Eof,
    TooLarge,
    Invalid(String),
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Bytes allowed in a request target (RFC 3986 unreserved, reserved and `%`).
fn is_target_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b)
}

fn parse_head(head: &[u8], received_at: Instant) -> Result<Request, String> {
    let text = std::str::from_utf8(head).map_err(|_| "Request head is not valid UTF-8")?;
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) => (m, t, v),
        _ => return Err(format!("Malformed request line: {request_line:?}")),
    };
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        return Err("Malformed request method".into());
    }
    let minor_version = match version {
        "HTTP/1.1" => 1,
        "HTTP/1.0" => 0,
        _ => return Err(format!("Unsupported HTTP version {version:?}")),
    };
    if target.is_empty() || !target.bytes().all(is_target_byte) {
        return Err(format!(
            "Invalid request target {target:?}: characters outside RFC 3986 must be percent-encoded"
        ));
    }
    // Accept absolute-form targets by dropping scheme and authority.
    let target = if let Some(rest) = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
    {
        match rest.find('/') {
            Some(i) => &rest[i..],
            None => "/",
        }
    } else {
        target
    };
    if !target.starts_with('/') {
        return Err(format!("Invalid request target {target:?}"));
    }
    let target = target.split('#').next().unwrap_or(target);
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, q),
        None => (target, ""),
    };
    let mut headers = Vec::new();
    for line in lines {
        if line.starts_with(' ') || line.starts_with('\t') {
            return Err("Obsolete header line folding is not accepted".into());
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("Malformed header line: {line:?}"))?;
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(format!("Malformed header name: {name:?}"));
        }
        headers.push((
            name.to_ascii_lowercase(),
            value.trim_matches([' ', '\t']).to_owned(),
        ));
    }
    Ok(Request {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        minor_version,
        headers,
        body: Vec::new(),
        received_at,
    })
}

/// `Ok(true)` when the body is chunked; an error for codings this server cannot decode.
fn transfer_encoding(request: &Request) -> Result<bool, String> {
    let mut codings = Vec::new();
    for value in request.header_values("transfer-encoding") {
        for c in value.split(',') {
            let c = c.trim();
            if !c.is_empty() {
                codings.push(c.to_ascii_lowercase());
            }
        }
    }
    match codings.as_slice() {
        [] => Ok(false),
        [only] if only == "chunked" => Ok(true),
        _ => Err(format!(
            "Unsupported Transfer-Encoding {:?}: only chunked is accepted",
            codings.join(", ")
        )),
    }
}

/// The reason phrase of a status code.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// Serialises a status line and headers (with `Content-Length: content_length` and, when
/// `close`, `Connection: close`) into `out`.
pub(crate) fn write_head(
    out: &mut Vec<u8>,
    status: u16,
    headers: &[(String, String)],
    content_length: usize,
    close: bool,
) {
    out.extend_from_slice(format!("HTTP/1.1 {status} {}\r\n", reason(status)).as_bytes());
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("connection") {
            continue;
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("Content-Length: {content_length}\r\n").as_bytes());
    if close {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// A whole response in one buffer.
pub(crate) fn response_bytes(
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    close: bool,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + body.len());
    write_head(&mut out, status, headers, body.len(), close);
    out.extend_from_slice(body);
    out
}

/// Decodes `%XX` escapes and `+` (as a space) in a query component.
pub(crate) fn percent_decode(input: &str) -> Result<String, String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => out.push(b),
                    None => return Err(format!("Invalid percent-encoding in {input:?}")),
                }
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| format!("Query value {input:?} is not UTF-8"))
}

/// Parses a query string into decoded `(name, value)` pairs.
pub(crate) fn parse_query(query: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        pairs.push((percent_decode(name)?, percent_decode(value)?));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_treats_plus_as_space() {
        assert_eq!(percent_decode("a%2Bb%40x.com").unwrap(), "a+b@x.com");
        assert_eq!(percent_decode("a+b").unwrap(), "a b");
        assert!(percent_decode("%zz").is_err());
        assert!(percent_decode("%4").is_err());
    }

    #[test]
    fn query_pairs_are_decoded() {
        let pairs = parse_query("email=a%2Bb%40x.com&userId=&flag").unwrap();
        assert_eq!(
            pairs,
            vec![
                ("email".to_owned(), "a+b@x.com".to_owned()),
                ("userId".to_owned(), String::new()),
                ("flag".to_owned(), String::new()),
            ]
        );
    }

    #[test]
    fn head_parsing_lowercases_names_and_splits_query() {
        let head =
            b"GET /webhook/contact/find?email=a%40b.c HTTP/1.1\r\nHost: x\r\nX-Thing:  v \r\n";
        let r = parse_head(&head[..head.len() - 2], Instant::now()).unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/webhook/contact/find");
        assert_eq!(r.query, "email=a%40b.c");
        assert_eq!(r.header("x-thing"), Some("v"));
    }

    #[test]
    fn raw_spaces_or_angle_brackets_in_targets_are_rejected() {
        assert!(parse_head(b"GET /a b HTTP/1.1", Instant::now()).is_err());
        assert!(parse_head(b"GET /a?id=<x> HTTP/1.1", Instant::now()).is_err());
        assert!(parse_head(b"GET /a HTTP/2.0", Instant::now()).is_err());
    }
}
