//! The server: builder, accept loop, connection threads, faults and the journal.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::api;
use crate::http::{response_bytes, write_head, Connection, ReadOutcome, Request};
use crate::rate::RateWindow;
use crate::state::{MessageKind, SentMessage, State};
use crate::{Fault, JournalEntry, DEFAULT_API_KEY};

/// How often a waiting connection thread looks at the shutdown flag (a fallback: shutdown
/// also closes the sockets, which wakes blocked reads at once).
const POLL: Duration = Duration::from_millis(250);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Normalises a route key: uppercase method, path without query and trailing slash.
fn route_key(method: &str, path: &str) -> (String, String) {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let path = match path.strip_suffix('/') {
        Some(p) if !p.is_empty() => p,
        _ => path,
    };
    (method.to_ascii_uppercase(), path.to_owned())
}

#[derive(Debug, Default)]
struct Connections {
    streams: HashMap<u64, TcpStream>,
    handles: Vec<JoinHandle<()>>,
}

/// State shared by the accept loop, the connection threads and the [`MockServer`] handle.
#[derive(Debug)]
pub(crate) struct Shared {
    api_keys: Vec<String>,
    latency: Duration,
    record_journal: bool,
    shutdown: AtomicBool,
    sleep_lock: Mutex<()>,
    wake: Condvar,
    limiter: Mutex<RateWindow>,
    journal: Mutex<Vec<JournalEntry>>,
    scripts: Mutex<HashMap<(String, String), VecDeque<Fault>>>,
    state: Mutex<State>,
    connections: Mutex<Connections>,
    next_connection: AtomicU64,
}

impl Shared {
    pub(crate) fn api_keys(&self) -> &[String] {
        &self.api_keys
    }

    pub(crate) fn limiter(&self) -> MutexGuard<'_, RateWindow> {
        lock(&self.limiter)
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    /// Sleeps for `d`, returning early when the server shuts down.
    fn sleep(&self, d: Duration) {
        if d.is_zero() {
            return;
        }
        let deadline = Instant::now() + d;
        let mut guard = lock(&self.sleep_lock);
        while !self.is_shutdown() {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            guard = self
                .wake
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn take_fault(&self, method: &str, path: &str) -> Option<Fault> {
        let mut scripts = lock(&self.scripts);
        if scripts.is_empty() {
            return None;
        }
        let key = route_key(method, path);
        let queue = scripts.get_mut(&key)?;
        let fault = queue.pop_front();
        if queue.is_empty() {
            scripts.remove(&key);
        }
        fault
    }

    fn record(&self, req: Request, status: Option<u16>) {
        if !self.record_journal {
            return;
        }
        let entry = JournalEntry {
            method: req.method,
            path: req.path,
            query: req.query,
            headers: req.headers,
            body: req.body,
            status,
            received_at: req.received_at,
        };
        lock(&self.journal).push(entry);
    }
}

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
#[derive(Debug, Clone)]
pub struct MockBuilder {
    bind: SocketAddr,
    api_keys: Vec<String>,
    rate_limit: RateLimit,
    strict: bool,
    latency: Duration,
    record_journal: bool,
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

    /// Binds the socket and starts serving on background threads.
    ///
    /// Fails when the address cannot be bound, or with [`io::ErrorKind::InvalidInput`] for a
    /// rate limit of zero requests per second or an empty API key.
    pub fn start(self) -> io::Result<MockServer> {
        if self.rate_limit == RateLimit::PerSecond(0) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "rate limit must be at least 1 request per second (or RateLimit::Off)",
            ));
        }
        if self.api_keys.iter().any(String::is_empty) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "API keys must not be empty",
            ));
        }
        let api_keys = if self.api_keys.is_empty() {
            vec![DEFAULT_API_KEY.to_owned()]
        } else {
            self.api_keys
        };
        let listener = TcpListener::bind(self.bind)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            api_keys,
            latency: self.latency,
            record_journal: self.record_journal,
            shutdown: AtomicBool::new(false),
            sleep_lock: Mutex::new(()),
            wake: Condvar::new(),
            limiter: Mutex::new(RateWindow::new(self.rate_limit, self.strict)),
            journal: Mutex::new(Vec::new()),
            scripts: Mutex::new(HashMap::new()),
            state: Mutex::new(State::new()),
            connections: Mutex::new(Connections::default()),
            next_connection: AtomicU64::new(0),
        });
        let accept_shared = Arc::clone(&shared);
        let accept = std::thread::Builder::new()
            .name(format!("cocoon-mock-accept-{}", addr.port()))
            .spawn(move || accept_loop(accept_shared, listener))?;
        Ok(MockServer {
            shared,
            addr,
            accept: Mutex::new(Some(accept)),
        })
    }
}

/// A running fake Cocoonmail server. Dropping it (or calling [`MockServer::shutdown`]) stops
/// it and closes its connections.
///
/// The handle is `Send + Sync`: share it by reference or in an `Arc`.
pub struct MockServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    accept: Mutex<Option<JoinHandle<()>>>,
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

    /// A builder to choose address, keys, rate limit and latency.
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
        &self.shared.api_keys[0]
    }

    /// Every request received since the start (or the last [`MockServer::clear_journal`]),
    /// in the order they were answered. An entry is recorded before its answer is written, so
    /// a client that got an answer finds its request here.
    pub fn journal(&self) -> Vec<JournalEntry> {
        lock(&self.shared.journal).clone()
    }

    /// Empties the journal.
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
        let key = route_key(method, path);
        let mut scripts = lock(&self.shared.scripts);
        let queue = scripts.entry(key).or_default();
        queue.extend(faults);
        if queue.is_empty() {
            let key = route_key(method, path);
            scripts.remove(&key);
        }
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

    /// Stops accepting, closes every connection and waits for the server's threads. Requests
    /// in flight are cut off. Idempotent; also done on drop.
    pub fn shutdown(&self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        {
            let _guard = lock(&self.shared.sleep_lock);
            self.shared.wake.notify_all();
        }
        let accept = lock(&self.accept).take();
        if let Some(accept) = accept {
            // Wake the blocking accept with a connection of our own.
            let target = wake_address(self.addr);
            if TcpStream::connect_timeout(&target, Duration::from_secs(2)).is_ok() {
                let _ = accept.join();
            }
            // Otherwise the accept thread stays parked in accept(): idle, never busy.
        }
        let (streams, handles) = {
            let mut c = lock(&self.shared.connections);
            (
                std::mem::take(&mut c.streams),
                std::mem::take(&mut c.handles),
            )
        };
        for stream in streams.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        for handle in handles {
            let _ = handle.join();
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Where to connect to reach a listener bound to `addr` (loopback for unspecified addresses).
fn wake_address(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    for stream in listener.incoming() {
        if shared.is_shutdown() {
            break;
        }
        match stream {
            Ok(stream) => {
                if let Err(e) = spawn_connection(&shared, stream) {
                    eprintln!("cocoon-mock: cannot start a connection thread: {e}");
                }
            }
            // Out of file descriptors and the like: back off a little.
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

fn spawn_connection(shared: &Arc<Shared>, stream: TcpStream) -> io::Result<()> {
    let _ = stream.set_nodelay(true);
    stream.set_read_timeout(Some(POLL))?;
    stream.set_write_timeout(Some(Duration::from_secs(60)))?;
    let id = shared.next_connection.fetch_add(1, Ordering::Relaxed);
    let registered = stream.try_clone()?;
    let thread_shared = Arc::clone(shared);
    let mut connections = lock(&shared.connections);
    connections.handles.retain(|h| !h.is_finished());
    let handle = std::thread::Builder::new()
        .name(format!("cocoon-mock-conn-{id}"))
        .spawn(move || {
            serve_connection(&thread_shared, stream);
            lock(&thread_shared.connections).streams.remove(&id);
        })?;
    connections.streams.insert(id, registered);
    connections.handles.push(handle);
    Ok(())
}

fn serve_connection(shared: &Shared, stream: TcpStream) {
    let mut conn = Connection::new(stream);
    let stop = || shared.is_shutdown();
    loop {
        match conn.read_request(&stop) {
            ReadOutcome::Closed => break,
            ReadOutcome::Rejected(rejection) => {
                let answer = api::early_error(shared, rejection.status, &rejection.message);
                if let Some(req) = rejection.request {
                    shared.record(req, Some(answer.status));
                }
                let bytes = response_bytes(answer.status, &answer.headers, &answer.body, true);
                if conn.stream().write_all(&bytes).is_ok() {
                    linger(conn.stream());
                }
                break;
            }
            ReadOutcome::Request(req) => {
                if !serve_request(shared, &mut conn, req) {
                    break;
                }
            }
        }
    }
    let _ = conn.stream().shutdown(Shutdown::Both);
}

/// After answering a request whose body was not read, half-close and drain (bounded) so the
/// client reads the answer instead of a connection reset.
fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut drained = 0usize;
    let mut buf = [0u8; 16 * 1024];
    while Instant::now() < deadline && drained < 16 * 1024 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => drained += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
}

/// Answers one request; `false` when the connection must be closed afterwards.
fn serve_request(shared: &Shared, conn: &mut Connection, req: Request) -> bool {
    let close = req.wants_close();
    match shared.take_fault(&req.method, &req.path) {
        None => serve_normally(shared, conn, req, close),
        Some(fault) => serve_fault(shared, conn, req, fault, close),
    }
}

/// The fake API's own answer, after the configured latency.
fn serve_normally(shared: &Shared, conn: &mut Connection, req: Request, close: bool) -> bool {
    if shared.is_shutdown() {
        return false;
    }
    let answer = api::answer(shared, &req);
    shared.sleep(shared.latency);
    if shared.is_shutdown() {
        return false;
    }
    shared.record(req, Some(answer.status));
    let bytes = response_bytes(answer.status, &answer.headers, &answer.body, close);
    conn.stream().write_all(&bytes).is_ok() && !close
}

fn serve_fault(
    shared: &Shared,
    conn: &mut Connection,
    req: Request,
    fault: Fault,
    close: bool,
) -> bool {
    match &fault {
        Fault::Delay(delay) => {
            shared.sleep(*delay);
            return serve_normally(shared, conn, req, close);
        }
        Fault::DropConnection => {}
        _ => {
            shared.sleep(shared.latency);
            if shared.is_shutdown() {
                return false;
            }
        }
    }
    match fault {
        Fault::Status {
            status,
            body,
            headers,
        } => {
            shared.record(req, Some(status));
            let bytes = response_bytes(status, &headers, &body, close);
            conn.stream().write_all(&bytes).is_ok() && !close
        }
        Fault::RateLimited { retry_after } => {
            let limit = shared.limiter().limit();
            let mut headers = vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("x-ratelimit-limit".to_owned(), limit.to_string()),
                ("x-ratelimit-remaining".to_owned(), "0".to_owned()),
            ];
            if let Some(value) = retry_after {
                headers.push(("Retry-After".to_owned(), value));
            }
            let body = br#"{"success":false,"message":"Rate limit exceeded: too many requests"}"#;
            shared.record(req, Some(429));
            let bytes = response_bytes(429, &headers, body, close);
            conn.stream().write_all(&bytes).is_ok() && !close
        }
        Fault::DropConnection => {
            shared.record(req, None);
            false
        }
        Fault::TruncatedBody => {
            let body = br#"{"success":true,"failed_recipients":[],"report":[{"to":"a@example.com","message_id":"<truncated@mock.cocoonmail.test>"}],"message":"Transactional mails sent successfully"}"#;
            let headers = [("Content-Type".to_owned(), "application/json".to_owned())];
            let mut bytes = Vec::with_capacity(256 + body.len());
            write_head(&mut bytes, 200, &headers, body.len(), false);
            bytes.extend_from_slice(&body[..body.len() / 2]);
            shared.record(req, Some(200));
            let _ = conn.stream().write_all(&bytes);
            let _ = conn.stream().flush();
            false
        }
        Fault::HugeBody(size) => {
            shared.record(req, Some(200));
            write_huge_body(shared, conn.stream(), size, close).is_ok() && !close
        }
        // Handled above: sleep, then the normal answer.
        Fault::Delay(_) => false,
    }
}

/// A `200` JSON body of exactly `size` bytes, streamed in 64 KiB chunks.
fn write_huge_body(
    shared: &Shared,
    stream: &mut TcpStream,
    size: usize,
    close: bool,
) -> io::Result<()> {
    const PREFIX: &[u8] = br#"{"success":true,"message":"huge","padding":""#;
    const SUFFIX: &[u8] = br#""}"#;
    const CHUNK: usize = 64 * 1024;
    let headers = [("Content-Type".to_owned(), "application/json".to_owned())];
    let mut head = Vec::with_capacity(256 + PREFIX.len());
    write_head(&mut head, 200, &headers, size, close);
    let (fill_byte, fill_len) = if size >= PREFIX.len() + SUFFIX.len() {
        head.extend_from_slice(PREFIX);
        (b'x', size - PREFIX.len() - SUFFIX.len())
    } else {
        (b' ', size)
    };
    stream.write_all(&head)?;
    let chunk = vec![fill_byte; CHUNK.min(fill_len)];
    let mut left = fill_len;
    while left > 0 {
        if shared.is_shutdown() {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "shutting down"));
        }
        let n = left.min(CHUNK);
        stream.write_all(&chunk[..n])?;
        left -= n;
    }
    if size >= PREFIX.len() + SUFFIX.len() {
        stream.write_all(SUFFIX)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_keys_ignore_case_query_and_trailing_slash() {
        assert_eq!(
            route_key("get", "/webhook/api_key/validate/"),
            route_key("GET", "/webhook/api_key/validate")
        );
        assert_eq!(
            route_key("GET", "/webhook/mail/status?message_id=1").1,
            "/webhook/mail/status"
        );
        assert_eq!(route_key("GET", "/").1, "/");
    }

    #[test]
    fn wake_address_maps_unspecified_to_loopback() {
        let a: SocketAddr = "0.0.0.0:8025".parse().unwrap();
        assert_eq!(wake_address(a), "127.0.0.1:8025".parse().unwrap());
        let b: SocketAddr = "[::]:8025".parse().unwrap();
        assert_eq!(wake_address(b), "[::1]:8025".parse().unwrap());
    }
}
