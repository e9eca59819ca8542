//! The server handle and its builder.

mod body;
mod serve;
mod shared;

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) use shared::{route_key, Shared};

use crate::api::{Operation, RouteTable};
use crate::block::TemporaryBlock;
use crate::expect::{Mock, MockId, VerifyError};
use crate::journal::DEFAULT_JOURNAL_CAPACITY;
use crate::seed::{CustomField, MailingList, Seed};
use crate::state::{MessageKind, SentMessage};
use crate::{Fault, JournalEntry, DEFAULT_API_KEY};
use shared::{lock, Config, Registered};

/// How many journal entries a [`VerifyError`] lists.
const SEEN_IN_ERRORS: usize = 50;

/// Requests still in flight when a wait for a settled journal timed out
/// ([`MockServer::settled_journal`]). Its `Debug` output shows only the count and the
/// method, path and outcome of each entry (no query, header or body).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unsettled {
    /// How many requests were still in flight (read, or being read, and not settled).
    pub in_flight: usize,
    /// The journal at that moment; the unsettled requests are its
    /// [`Outcome::Pending`](crate::Outcome::Pending) entries (when the journal is kept).
    pub journal: Vec<JournalEntry>,
}

impl Unsettled {
    fn new(in_flight: usize, journal: Vec<JournalEntry>) -> Self {
        Unsettled { in_flight, journal }
    }
}

impl std::fmt::Debug for Unsettled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let entries: Vec<String> = self
            .journal
            .iter()
            .map(|e| format!("{} {} -> {}", e.method, e.path, e.outcome))
            .collect();
        f.debug_struct("Unsettled")
            .field("in_flight", &self.in_flight)
            .field("journal", &entries)
            .finish()
    }
}

impl std::fmt::Display for Unsettled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cocoon-mock: {} request(s) still in flight",
            self.in_flight
        )?;
        for e in self.journal.iter().filter(|e| !e.outcome.is_settled()) {
            // Method and path only: no query, header or body (they may hold personal data).
            write!(f, "\n  {} {} -> pending", e.method, e.path)?;
        }
        Ok(())
    }
}

impl std::error::Error for Unsettled {}

/// How the fake service limits the request rate (API.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateLimit {
    /// At most this many accepted requests per second, shared by every key (must be > 0).
    PerSecond(u32),
    /// No limit. The rate-limit headers are still sent, with a large limit.
    Off,
}

/// Configures and starts a [`MockServer`]; get one from [`MockServer::builder`].
///
/// ```
/// use std::time::{Duration, Instant};
/// use cocoon_mock::{CustomField, FieldType, MailingList, MockServer, Operation, RateLimit, TemporaryBlock};
///
/// let server = MockServer::builder()
///     .api_key("my-test-key")
///     .rate_limit(RateLimit::PerSecond(50))
///     .mailing_lists([MailingList::new("cl_vip", "VIP").public(true)])
///     .custom_fields([CustomField::new("tier", "Tier", FieldType::String)])
///     .route(Operation::CreateContact, "POST", "/webhook/v2/contact/create")
///     .temporary_block(TemporaryBlock::new(20, Duration::from_secs(60), Duration::from_secs(30)))
///     .journal_capacity(1_000)
///     .start()?;
/// assert_eq!(server.api_key(), "my-test-key");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MockBuilder {
    bind: SocketAddr,
    api_keys: Vec<String>,
    rate_limit: RateLimit,
    strict: bool,
    latency: Duration,
    record_journal: bool,
    journal_capacity: usize,
    block: Option<TemporaryBlock>,
    routes: RouteTable,
    seed: Seed,
}

impl Default for MockBuilder {
    fn default() -> Self {
        MockBuilder {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            api_keys: Vec::new(),
            rate_limit: RateLimit::PerSecond(10),
            strict: false,
            latency: Duration::ZERO,
            record_journal: true,
            journal_capacity: DEFAULT_JOURNAL_CAPACITY,
            block: None,
            routes: RouteTable::default(),
            seed: Seed::default(),
        }
    }
}

impl MockBuilder {
    /// The address to listen on (default `127.0.0.1:0`: a free port on loopback).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Accepts this API key. Repeatable; the first call replaces the default
    /// [`DEFAULT_API_KEY`]. Keys are compared byte for byte, never URL-decoded.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_keys.push(key.into());
        self
    }

    /// The rate limit (default [`RateLimit::PerSecond`]`(10)`, as the real service).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = limit;
        self
    }

    /// `true`: a sliding window counting the requests accepted in the last 1000 ms, so any
    /// burst of more than the limit within one second is refused. `false` (default):
    /// fixed one-second windows, starting with the first request.
    pub fn strict_window(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Delays every answer by this much (default none), e.g. to try bulk tools against a
    /// slow server.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Whether to keep the request journal (default `true`). Turn it off for long
    /// benchmarks so memory does not grow with every request.
    pub fn record_journal(mut self, record: bool) -> Self {
        self.record_journal = record;
        self
    }

    /// The most journal entries kept (default [`DEFAULT_JOURNAL_CAPACITY`], 100,000): when
    /// full, the oldest entry is dropped and counted by [`MockServer::journal_dropped`].
    ///
    /// [`DEFAULT_JOURNAL_CAPACITY`]: crate::DEFAULT_JOURNAL_CAPACITY
    pub fn journal_capacity(mut self, capacity: usize) -> Self {
        self.journal_capacity = capacity;
        self
    }

    /// Turns on the temporary block of API.md §2 (off by default): after too many bad
    /// requests (`400` and `429` answers) within a window, every authenticated request is
    /// answered `403 {"success": false, "message": "Too many bad requests. Temporary block"}`
    /// for a while.
    pub fn temporary_block(mut self, rule: TemporaryBlock) -> Self {
        self.block = Some(rule);
        self
    }

    /// Serves `operation` at `method` and `path` instead of its default route (which then
    /// answers `404`), to follow a client whose route table was remapped. Scripts and mocks
    /// keep matching on the method and path actually requested.
    pub fn route(mut self, operation: Operation, method: &str, path: &str) -> Self {
        self.routes.remap(operation, method, path);
        self
    }

    /// The mailing lists the server knows (default [`MailingList::defaults`]); an empty
    /// list is allowed. `mailing_list/list` returns them and contacts may only refer to them.
    pub fn mailing_lists(mut self, lists: impl IntoIterator<Item = MailingList>) -> Self {
        self.seed.mailing_lists = lists.into_iter().collect();
        self
    }

    /// The custom fields the server knows (default [`CustomField::defaults`]);
    /// `custom_field/list` returns them and contact properties of these names are
    /// type-checked.
    pub fn custom_fields(mut self, fields: impl IntoIterator<Item = CustomField>) -> Self {
        self.seed.custom_fields = fields.into_iter().collect();
        self
    }

    /// Binds the socket and starts serving on a background thread.
    ///
    /// Fails when the address cannot be bound, or with [`io::ErrorKind::InvalidInput`] for a
    /// rate limit of zero requests per second, an empty API key, a temporary block after 0
    /// requests, a route path not starting with `/`, or seeded lists or fields with
    /// duplicate, empty or reserved names.
    pub fn start(self) -> io::Result<MockServer> {
        let invalid = |message: String| Err(io::Error::new(io::ErrorKind::InvalidInput, message));
        if self.rate_limit == RateLimit::PerSecond(0) {
            return invalid(
                "rate limit must be at least 1 request per second (or RateLimit::Off)".into(),
            );
        }
        if self.api_keys.iter().any(String::is_empty) {
            return invalid("API keys must not be empty".into());
        }
        if self.block.is_some_and(|b| b.after == 0) {
            return invalid("a temporary block needs at least 1 bad request".into());
        }
        if let Some(path) = self.routes.paths().find(|p| !p.starts_with('/')) {
            return invalid(format!("route paths must start with '/', not {path:?}"));
        }
        if let Err(message) = self.seed.check() {
            return invalid(message);
        }
        let api_keys = if self.api_keys.is_empty() {
            vec![DEFAULT_API_KEY.to_owned()]
        } else {
            self.api_keys
        };
        let listener = TcpListener::bind(self.bind)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(Config {
            api_keys,
            latency: self.latency,
            record_journal: self.record_journal,
            journal_capacity: self.journal_capacity,
            rate_limit: self.rate_limit,
            strict: self.strict,
            block: self.block,
            routes: self.routes,
            seed: self.seed,
        }));
        let running = serve::spawn(listener, Arc::clone(&shared))?;
        Ok(MockServer {
            shared,
            addr,
            running: Mutex::new(Some(running)),
        })
    }
}

/// A running fake Cocoonmail server. Dropping it (or calling [`MockServer::shutdown`]) stops
/// it and closes its connections; dropping it also checks the [`Mock`] expectations (see
/// [`MockServer::verify`]).
///
/// The handle is `Send + Sync`: share it by reference or in an `Arc`. It serves on a thread
/// of its own with its own Tokio runtime, so it works in synchronous tests and inside async
/// tests (any runtime flavour) alike.
pub struct MockServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    running: Mutex<Option<serve::Running>>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a server on a free loopback port with the defaults: [`DEFAULT_API_KEY`],
    /// 10 requests per second in fixed windows, no latency.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound (use [`MockServer::builder`] to handle that).
    pub fn start() -> MockServer {
        match MockServer::builder().start() {
            Ok(server) => server,
            Err(e) => panic!("cocoon-mock: cannot start on 127.0.0.1: {e}"),
        }
    }

    /// A builder to choose address, keys, rate limit, latency, seeded data, routes and more.
    pub fn builder() -> MockBuilder {
        MockBuilder::default()
    }

    /// The base URL to give the SDK, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The first accepted API key (the [`DEFAULT_API_KEY`] unless keys were configured).
    pub fn api_key(&self) -> &str {
        &self.shared.api_keys()[0]
    }

    /// Every request received since the start (or the last [`MockServer::clear_journal`]),
    /// in the order they were read, at most the
    /// [journal capacity](MockBuilder::journal_capacity) latest ones.
    ///
    /// A request is journalled as soon as it is read, as [`Outcome::Pending`](crate::Outcome::Pending); its outcome
    /// is final before its answer is written, so a client that got an answer finds its
    /// request [`Outcome::Answered`](crate::Outcome::Answered) here. A client that gave up (or a fault that hung or
    /// dropped the connection) shows as [`Outcome::Abandoned`](crate::Outcome::Abandoned) or [`Outcome::Dropped`](crate::Outcome::Dropped), with
    /// [`JournalEntry::handled`] telling whether the request was applied. To see outcomes
    /// that settle after the client returned, wait with [`MockServer::settled_journal`] or
    /// [`MockServer::settled_journal_async`].
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.shared.journal_entries()
    }

    /// Waits until no request is in flight (every request read has an answer, a dropped
    /// connection or an abandoned one), then returns the journal. Blocks the calling thread:
    /// in an async test use [`MockServer::settled_journal_async`].
    ///
    /// A request hung by [`Fault::ApplyThenHang`] settles only when its client leaves. A
    /// request whose head the server has not read yet is not waited for: call this once the
    /// client under test has sent (or given up on) its requests.
    ///
    /// # Errors
    ///
    /// [`Unsettled`] when requests are still in flight after `timeout`.
    pub fn settled_journal(&self, timeout: Duration) -> Result<Vec<JournalEntry>, Unsettled> {
        let deadline = Instant::now() + timeout;
        let mut journal = lock(&self.shared.journal);
        loop {
            if journal.in_flight() == 0 {
                return Ok(journal.entries().iter().cloned().collect());
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Unsettled::new(
                    journal.in_flight(),
                    journal.entries().iter().cloned().collect(),
                ));
            }
            journal = self
                .shared
                .settled
                .wait_timeout(journal, deadline - now)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
    }

    /// [`MockServer::settled_journal`] for async code: waits without blocking the thread.
    ///
    /// It runs on any executor (no Tokio runtime needed in the caller): the waiting and the
    /// timer run on the server's own runtime.
    ///
    /// # Errors
    ///
    /// [`Unsettled`] when requests are still in flight after `timeout`.
    pub async fn settled_journal_async(
        &self,
        timeout: Duration,
    ) -> Result<Vec<JournalEntry>, Unsettled> {
        let handle = lock(&self.running).as_ref().map(|r| r.handle.clone());
        if let Some(handle) = handle {
            let (tx, rx) = tokio::sync::oneshot::channel();
            let shared = Arc::clone(&self.shared);
            handle.spawn(async move {
                let settled = tokio::time::timeout(timeout, async {
                    loop {
                        let changed = shared.changed.notified();
                        tokio::pin!(changed);
                        changed.as_mut().enable();
                        if let Some(entries) = shared.settled_entries() {
                            return entries;
                        }
                        changed.await;
                    }
                })
                .await;
                // The journal as it was when it settled, not as it is when the caller wakes.
                let _ = tx.send(settled.ok());
            });
            match rx.await {
                Ok(Some(entries)) => return Ok(entries),
                Ok(None) => return Err(self.unsettled()),
                // The server stopped meanwhile (dropping the task): fall through.
                Err(_) => {}
            }
        }
        self.shared
            .settled_entries()
            .ok_or_else(|| self.unsettled())
    }

    /// The journal and in-flight count, for a wait that timed out.
    fn unsettled(&self) -> Unsettled {
        let journal = lock(&self.shared.journal);
        Unsettled::new(
            journal.in_flight(),
            journal.entries().iter().cloned().collect(),
        )
    }

    /// How many journal entries were dropped (oldest first) because the journal was full,
    /// since the start or the last [`MockServer::clear_journal`].
    pub fn journal_dropped(&self) -> u64 {
        lock(&self.shared.journal).dropped()
    }

    /// Empties the journal (and its dropped count).
    pub fn clear_journal(&self) {
        lock(&self.shared.journal).clear();
    }

    /// Scripts the answers to the next requests to one route: the next `faults.len()`
    /// requests with this method and path each get one fault, in order, before normal
    /// handling resumes. Calling it again appends to the route's queue.
    ///
    /// The method is matched case-insensitively; a query string or trailing slash in `path`
    /// is ignored (so both spellings of the validate route match). Any path can be scripted,
    /// also one the API does not have.
    ///
    /// ```
    /// use cocoon_mock::{Fault, MockServer};
    /// let server = MockServer::start();
    /// server.script("POST", "/webhook/mail/send", [Fault::status(503), Fault::DropConnection]);
    /// ```
    pub fn script(&self, method: &str, path: &str, faults: impl IntoIterator<Item = Fault>) {
        self.shared.script(method, path, faults);
    }

    /// Scripts faults for the next requests to `operation`, at the route this server serves
    /// it (its default route, or where [`MockBuilder::route`] moved it): as
    /// [`MockServer::script`] with that method and path.
    ///
    /// ```
    /// use cocoon_mock::{Fault, MockServer, Operation};
    /// let server = MockServer::start();
    /// server.script_operation(Operation::SendEvent, [Fault::ApplyThenDrop]);
    /// ```
    pub fn script_operation(&self, operation: Operation, faults: impl IntoIterator<Item = Fault>) {
        if let Some((method, path)) = self.shared.routes().route_of(operation) {
            self.shared.script(method, path, faults);
        }
    }

    /// Registers a request matcher (see [`Mock`]); its expectations are checked by
    /// [`MockServer::verify`] and on drop.
    pub fn register(&self, mock: Mock) -> MockId {
        let mut mocks = lock(&self.shared.mocks);
        mocks.push(Registered { mock, hits: 0 });
        MockId(mocks.len() - 1)
    }

    /// How many requests a registered mock matched (0 for a mock forgotten by
    /// [`MockServer::reset`]).
    pub fn hits(&self, id: MockId) -> usize {
        lock(&self.shared.mocks).get(id.0).map_or(0, |r| r.hits)
    }

    /// Checks every registered mock's expectation.
    ///
    /// # Errors
    ///
    /// A [`VerifyError`] listing the unmet expectations and the latest requests received.
    pub fn verify(&self) -> Result<(), VerifyError> {
        let unmet: Vec<String> = lock(&self.shared.mocks)
            .iter()
            .filter_map(|r| r.mock.unmet(r.hits))
            .collect();
        if unmet.is_empty() {
            return Ok(());
        }
        let journal = lock(&self.shared.journal);
        let entries = journal.entries();
        let seen = entries
            .iter()
            .skip(entries.len().saturating_sub(SEEN_IN_ERRORS))
            .map(|e| format!("{} {} -> {}", e.method, e.path, e.outcome))
            .collect();
        Err(VerifyError { unmet, seen })
    }

    /// Back to the state right after start: the seeded mailing lists and custom fields and
    /// nothing else (no contacts, messages, events or usage), an empty journal, no scripts,
    /// no mocks or expectations, a fresh rate-limit window and no temporary block.
    /// Connections stay open.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Every contact, in creation order, in the wire shape of `contact/find`.
    pub fn contacts(&self) -> Vec<serde_json::Value> {
        self.shared.state().contacts.to_json()
    }

    /// Every message accepted for delivery (emails, direct emails, WhatsApp messages, OTPs),
    /// one per recipient, in order.
    pub fn sent_messages(&self) -> Vec<SentMessage> {
        self.shared.state().sent.clone()
    }

    /// How many emails were accepted by `mail/send` and `mail/send-direct` (one per delivered
    /// recipient): the usage the quotas report.
    pub fn sent_mail_count(&self) -> usize {
        self.shared
            .state()
            .sent
            .iter()
            .filter(|m| matches!(m.kind, MessageKind::Email | MessageKind::DirectEmail))
            .count()
    }

    /// The bodies accepted by `event/send` and `event/checkout`, in order.
    pub fn events(&self) -> Vec<serde_json::Value> {
        self.shared.state().events.clone()
    }

    /// Stops accepting, closes every connection and waits for the server's thread. Requests
    /// in flight are cut off. Idempotent; also done on drop.
    pub fn shutdown(&self) {
        let running = lock(&self.running).take();
        if let Some(running) = running {
            let _ = running.stop.send(());
            let _ = running.thread.join();
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shutdown();
        if !std::thread::panicking() {
            if let Err(error) = self.verify() {
                panic!("{error}");
            }
        }
    }
}
