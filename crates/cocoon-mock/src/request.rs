//! One request as the fake API sees it: method, target, headers and the whole body.

use std::time::Instant;

use crate::{JournalEntry, Operation, Outcome};

/// Largest request body accepted; larger ones are answered 413.
pub(crate) const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// One received request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: String,
    /// The path without the query, not percent-decoded.
    pub(crate) path: String,
    /// Raw query string without the `?` ("" when absent).
    pub(crate) query: String,
    /// Header names lowercased, values trimmed, grouped by name in order of first arrival.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// The operation the route table maps the method and path to, if any.
    pub(crate) operation: Option<Operation>,
    pub(crate) received_at: Instant,
}

impl Request {
    /// The request head of a hyper request (the body is read separately).
    pub(crate) fn from_parts(parts: &http::request::Parts, received_at: Instant) -> Self {
        let headers = parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).trim().to_owned(),
                )
            })
            .collect();
        Request {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().unwrap_or("").to_owned(),
            headers,
            body: Vec::new(),
            operation: None,
            received_at,
        }
    }

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

    /// The journal's view of this request, before anything became of it.
    pub(crate) fn to_entry(&self) -> JournalEntry {
        JournalEntry {
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            headers: self.headers.clone(),
            body: self.body.clone(),
            operation: self.operation,
            outcome: Outcome::Pending,
            handled: None,
            received_at: self.received_at,
        }
    }
}

/// Bytes allowed in a request target (RFC 3986 unreserved, reserved and `%`).
fn is_target_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b)
}

/// Refuses request targets with characters outside RFC 3986 (hyper lets some through, such
/// as `<`, `>`, `"`, `{`, `|`), so a client that forgets to percent-encode is caught.
pub(crate) fn check_target(uri: &http::Uri) -> Result<(), String> {
    let target = uri.path_and_query().map_or("/", |pq| pq.as_str());
    if target.bytes().all(is_target_byte) {
        Ok(())
    } else {
        Err(format!(
            "Invalid request target {target:?}: characters outside RFC 3986 must be percent-encoded"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_outside_rfc_3986_are_refused() {
        let ok: http::Uri = "/webhook/mail/status?message_id=%3Ca%40b%3E"
            .parse()
            .unwrap();
        assert!(check_target(&ok).is_ok());
        for bad in ["/a?id=<x>", "/a?q=\"x\"", "/a{b}", "/a|b"] {
            if let Ok(uri) = bad.parse::<http::Uri>() {
                assert!(check_target(&uri).is_err(), "{bad}");
            }
        }
    }

    #[test]
    fn parts_become_a_request_with_lowercase_names() {
        let req = http::Request::builder()
            .method("GET")
            .uri("/webhook/contact/find?email=a%40b.c")
            .header("X-Thing", "  v ")
            .body(())
            .unwrap();
        let (parts, ()) = req.into_parts();
        let r = Request::from_parts(&parts, Instant::now());
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/webhook/contact/find");
        assert_eq!(r.query, "email=a%40b.c");
        assert_eq!(r.header("x-thing"), Some("v"));
    }
}
