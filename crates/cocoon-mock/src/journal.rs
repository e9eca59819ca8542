//! The request journal.

use std::time::Instant;

/// One request the server received, as it arrived on the wire, and what it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JournalEntry {
    /// The request method, as sent (e.g. `"POST"`).
    pub method: String,
    /// The request path without the query string, not percent-decoded.
    pub path: String,
    /// The raw query string without the `?` (`""` when there is none), not decoded.
    pub query: String,
    /// Every header in arrival order, names lowercased, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The request body (de-chunked when it was sent chunked).
    pub body: Vec<u8>,
    /// The status answered; `None` when the connection was dropped without an answer.
    pub status: Option<u16>,
    /// When the request head was read.
    pub received_at: Instant,
}

impl JournalEntry {
    /// The first value of a header; `name` is matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The first query parameter with this name, percent-decoded (`+` as a space).
    pub fn query_param(&self, name: &str) -> Option<String> {
        crate::http::parse_query(&self.query)
            .ok()?
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}
