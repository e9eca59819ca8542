//! The request journal: what arrived, bounded so long runs keep a flat memory use.

use std::collections::VecDeque;
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
    /// Every header, names lowercased, values trimmed, grouped by name in the order each
    /// name first arrived (repeated headers keep their relative order).
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
        crate::query::parse_query(&self.query)
            .ok()?
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

/// The default [`MockBuilder::journal_capacity`](crate::MockBuilder::journal_capacity).
pub const DEFAULT_JOURNAL_CAPACITY: usize = 100_000;

/// The entries kept, oldest first, at most `capacity` of them.
#[derive(Debug)]
pub(crate) struct Journal {
    entries: VecDeque<JournalEntry>,
    capacity: usize,
    dropped: u64,
}

impl Journal {
    pub(crate) fn new(capacity: usize) -> Self {
        Journal {
            entries: VecDeque::new(),
            capacity,
            dropped: 0,
        }
    }

    /// Appends an entry, dropping the oldest when full (a capacity of 0 keeps nothing).
    pub(crate) fn push(&mut self, entry: JournalEntry) {
        if self.capacity == 0 {
            self.dropped += 1;
            return;
        }
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
            self.dropped += 1;
        }
        self.entries.push_back(entry);
    }

    pub(crate) fn entries(&self) -> &VecDeque<JournalEntry> {
        &self.entries
    }

    /// How many entries were dropped to respect the capacity.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.dropped = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> JournalEntry {
        JournalEntry {
            method: "GET".to_owned(),
            path: path.to_owned(),
            query: String::new(),
            headers: Vec::new(),
            body: Vec::new(),
            status: Some(200),
            received_at: Instant::now(),
        }
    }

    #[test]
    fn a_full_journal_drops_the_oldest_and_counts() {
        let mut j = Journal::new(2);
        for p in ["/a", "/b", "/c", "/d"] {
            j.push(entry(p));
        }
        let paths: Vec<_> = j.entries().iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["/c", "/d"]);
        assert_eq!(j.dropped(), 2);
        j.clear();
        assert!(j.entries().is_empty());
        assert_eq!(j.dropped(), 0);
    }

    #[test]
    fn capacity_zero_keeps_nothing() {
        let mut j = Journal::new(0);
        j.push(entry("/a"));
        assert!(j.entries().is_empty());
        assert_eq!(j.dropped(), 1);
    }
}
