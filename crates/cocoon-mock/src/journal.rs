//! The request journal: what arrived, what became of it, bounded so long runs keep a flat
//! memory use.

use std::collections::VecDeque;
use std::fmt;
use std::time::Instant;

use crate::Operation;

/// What became of a journalled request.
///
/// A request is journalled as soon as it is read (head and body), as
/// [`Pending`](Outcome::Pending); its outcome changes once, when the server answers, drops
/// the connection, or sees the client leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// Read, and no answer sent yet (the server is still working on it, waiting out a
    /// latency or a [`Fault::Delay`](crate::Fault::Delay), or hanging on purpose with
    /// [`Fault::ApplyThenHang`](crate::Fault::ApplyThenHang)).
    Pending,
    /// Answered with this status (the answer was handed to the connection; a
    /// [`Fault::TruncatedBody`](crate::Fault::TruncatedBody) answer counts too).
    Answered(u16),
    /// The server closed the connection without answering, as a fault asked
    /// ([`Fault::DropConnection`](crate::Fault::DropConnection),
    /// [`Fault::ApplyThenDrop`](crate::Fault::ApplyThenDrop)).
    Dropped,
    /// The client closed the connection (gave up) before the answer was sent, or the server
    /// shut down first.
    Abandoned,
}

impl Outcome {
    /// Whether the outcome is final (anything but [`Outcome::Pending`]).
    pub fn is_settled(self) -> bool {
        self != Outcome::Pending
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Pending => f.write_str("pending"),
            Outcome::Answered(status) => write!(f, "{status}"),
            Outcome::Dropped => f.write_str("dropped"),
            Outcome::Abandoned => f.write_str("abandoned"),
        }
    }
}

/// One request the server received, as it arrived on the wire, and what became of it.
///
/// Its `Debug` output hides the values of the `Authorization` and `X-COCOONMAIL-API_KEY`
/// headers.
#[derive(Clone, PartialEq, Eq)]
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
    /// The operation the server's route table maps the method and path to (remapped routes
    /// included); `None` for a path or method the API does not serve.
    pub operation: Option<Operation>,
    /// What became of the request: pending, answered, dropped or abandoned.
    pub outcome: Outcome,
    /// The status of the fake API's own answer, once decided: its checks ran and, for a
    /// `2xx`, the handler changed the state. Set even when that answer never reached the
    /// client (a client that gave up during the latency, the apply-then faults); `None`
    /// while not decided yet, and when a fault answered instead.
    pub handled: Option<u16>,
    /// When the request head was read.
    pub received_at: Instant,
}

impl fmt::Debug for JournalEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let secret = name.eq_ignore_ascii_case("authorization")
                    || name.eq_ignore_ascii_case("x-cocoonmail-api_key");
                (
                    name.as_str(),
                    if secret { "<redacted>" } else { value.as_str() },
                )
            })
            .collect();
        f.debug_struct("JournalEntry")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .field("operation", &self.operation)
            .field("outcome", &self.outcome)
            .field("handled", &self.handled)
            .field("received_at", &self.received_at)
            .finish()
    }
}

impl JournalEntry {
    /// The status answered; `None` unless the outcome is [`Outcome::Answered`].
    pub fn status(&self) -> Option<u16> {
        match self.outcome {
            Outcome::Answered(status) => Some(status),
            _ => None,
        }
    }

    /// Whether the fake API handled the request with a `2xx`, so its effect (an email sent,
    /// a contact created...) happened, whether or not the client got the answer.
    pub fn was_applied(&self) -> bool {
        self.handled.is_some_and(|s| (200..300).contains(&s))
    }

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

/// Which journal entry a request in flight updates (a sequence number; entries since
/// dropped or cleared are simply not updated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntryId(u64);

/// The entries kept, oldest first, at most `capacity` of them, and the requests in flight.
#[derive(Debug)]
pub(crate) struct Journal {
    entries: VecDeque<JournalEntry>,
    /// The sequence number of `entries[0]`.
    first: u64,
    capacity: usize,
    dropped: u64,
    /// Requests whose head was read and whose outcome is not final yet (journalled or not).
    in_flight: usize,
}

impl Journal {
    pub(crate) fn new(capacity: usize) -> Self {
        Journal {
            entries: VecDeque::new(),
            first: 0,
            capacity,
            dropped: 0,
            in_flight: 0,
        }
    }

    /// Appends an entry, dropping the oldest when full (a capacity of 0 keeps nothing), and
    /// returns its id.
    pub(crate) fn push(&mut self, entry: JournalEntry) -> EntryId {
        let id = EntryId(self.first + self.entries.len() as u64);
        if self.capacity == 0 {
            self.first += 1;
            self.dropped += 1;
            return id;
        }
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
            self.first += 1;
            self.dropped += 1;
        }
        self.entries.push_back(entry);
        id
    }

    /// The entry with this id, if it is still kept.
    pub(crate) fn get_mut(&mut self, id: EntryId) -> Option<&mut JournalEntry> {
        let index = id.0.checked_sub(self.first)?;
        self.entries.get_mut(usize::try_from(index).ok()?)
    }

    pub(crate) fn entries(&self) -> &VecDeque<JournalEntry> {
        &self.entries
    }

    /// How many entries were dropped to respect the capacity.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Forgets every entry; requests in flight stay counted (their entries are gone).
    pub(crate) fn clear(&mut self) {
        self.first += self.entries.len() as u64;
        self.entries.clear();
        self.dropped = 0;
    }

    pub(crate) fn begin(&mut self) {
        self.in_flight += 1;
    }

    pub(crate) fn end(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// Requests read (or being read) whose outcome is not final yet.
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight
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
            operation: None,
            outcome: Outcome::Answered(200),
            handled: Some(200),
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
    fn debug_output_hides_keys() {
        let mut e = entry("/a");
        e.headers = vec![
            (
                "authorization".to_owned(),
                "Bearer fake-secret-1".to_owned(),
            ),
            (
                "x-cocoonmail-api_key".to_owned(),
                "fake-secret-2".to_owned(),
            ),
            ("accept".to_owned(), "application/json".to_owned()),
        ];
        let text = format!("{e:?}");
        assert!(!text.contains("fake-secret"), "{text}");
        assert!(text.contains("application/json"), "{text}");
    }

    #[test]
    fn capacity_zero_keeps_nothing() {
        let mut j = Journal::new(0);
        let id = j.push(entry("/a"));
        assert!(j.entries().is_empty());
        assert!(j.get_mut(id).is_none());
        assert_eq!(j.dropped(), 1);
    }

    #[test]
    fn ids_follow_entries_through_drops_and_clears() {
        let mut j = Journal::new(2);
        let a = j.push(entry("/a"));
        let b = j.push(entry("/b"));
        assert_eq!(j.get_mut(a).map(|e| e.path.clone()).as_deref(), Some("/a"));
        let c = j.push(entry("/c"));
        // `/a` was dropped: its id no longer reaches anything, and never another entry.
        assert!(j.get_mut(a).is_none());
        assert_eq!(j.get_mut(b).map(|e| e.path.clone()).as_deref(), Some("/b"));
        assert_eq!(j.get_mut(c).map(|e| e.path.clone()).as_deref(), Some("/c"));
        j.clear();
        assert!(j.get_mut(b).is_none() && j.get_mut(c).is_none());
        let d = j.push(entry("/d"));
        assert_eq!(j.get_mut(d).map(|e| e.path.clone()).as_deref(), Some("/d"));
        assert!(j.get_mut(c).is_none());
    }

    #[test]
    fn in_flight_counts_never_underflow() {
        let mut j = Journal::new(1);
        j.begin();
        j.begin();
        j.end();
        assert_eq!(j.in_flight(), 1);
        j.clear();
        assert_eq!(j.in_flight(), 1);
        j.end();
        j.end();
        assert_eq!(j.in_flight(), 0);
    }
}
