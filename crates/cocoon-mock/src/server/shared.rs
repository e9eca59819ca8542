//! State shared by the connection tasks and the [`MockServer`](crate::MockServer) handle.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::api::RouteTable;
use crate::block::{BlockWindow, TemporaryBlock};
use crate::expect::Mock;
use crate::journal::{EntryId, Journal};
use crate::rate::RateWindow;
use crate::request::Request;
use crate::seed::Seed;
use crate::state::State;
use crate::{Fault, JournalEntry, Outcome, RateLimit};

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Normalises a route key: uppercase method, path without query and trailing slash.
pub(crate) fn route_key(method: &str, path: &str) -> (String, String) {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let path = match path.strip_suffix('/') {
        Some(p) if !p.is_empty() => p,
        _ => path,
    };
    (method.to_ascii_uppercase(), path.to_owned())
}

/// What a server was configured with, kept to [`Shared::reset`] it.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) api_keys: Vec<String>,
    pub(crate) latency: Duration,
    pub(crate) record_journal: bool,
    pub(crate) journal_capacity: usize,
    pub(crate) rate_limit: RateLimit,
    pub(crate) strict: bool,
    pub(crate) block: Option<TemporaryBlock>,
    pub(crate) routes: RouteTable,
    pub(crate) seed: Seed,
}

/// A registered matcher and the requests it matched.
#[derive(Debug)]
pub(crate) struct Registered {
    pub(crate) mock: Mock,
    pub(crate) hits: usize,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    limiter: Mutex<RateWindow>,
    block: Mutex<BlockWindow>,
    pub(crate) journal: Mutex<Journal>,
    /// Signalled (with `changed`) whenever a request starts, is journalled or settles.
    pub(crate) settled: Condvar,
    pub(crate) changed: Notify,
    scripts: Mutex<HashMap<(String, String), VecDeque<Fault>>>,
    pub(crate) mocks: Mutex<Vec<Registered>>,
    state: Mutex<State>,
}

impl Shared {
    pub(crate) fn new(config: Config) -> Self {
        Shared {
            limiter: Mutex::new(RateWindow::new(config.rate_limit, config.strict)),
            block: Mutex::new(BlockWindow::new(config.block)),
            journal: Mutex::new(Journal::new(config.journal_capacity)),
            settled: Condvar::new(),
            changed: Notify::new(),
            scripts: Mutex::new(HashMap::new()),
            mocks: Mutex::new(Vec::new()),
            state: Mutex::new(State::new(config.seed.clone())),
            config,
        }
    }

    pub(crate) fn api_keys(&self) -> &[String] {
        &self.config.api_keys
    }

    pub(crate) fn routes(&self) -> &RouteTable {
        &self.config.routes
    }

    pub(crate) fn latency(&self) -> Duration {
        self.config.latency
    }

    pub(crate) fn limiter(&self) -> MutexGuard<'_, RateWindow> {
        lock(&self.limiter)
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    pub(crate) fn is_blocked(&self, now: Instant) -> bool {
        lock(&self.block).is_blocked(now)
    }

    pub(crate) fn count_bad_request(&self, now: Instant) {
        lock(&self.block).count_bad(now);
    }

    /// Appends faults to the queue of one route.
    pub(crate) fn script(&self, method: &str, path: &str, faults: impl IntoIterator<Item = Fault>) {
        let key = route_key(method, path);
        let mut scripts = lock(&self.scripts);
        let queue = scripts.entry(key.clone()).or_default();
        queue.extend(faults);
        if queue.is_empty() {
            scripts.remove(&key);
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

    /// Counts the request for every matching mock, then picks the fault that replaces the
    /// normal answer: the next scripted one for the route, else the first matching mock's.
    pub(crate) fn fault_for(&self, req: &Request) -> Option<Fault> {
        let mut mock_answer = None;
        {
            let mut mocks = lock(&self.mocks);
            if !mocks.is_empty() {
                let entry = req.to_entry();
                for registered in mocks.iter_mut() {
                    if registered.mock.matches(&entry) {
                        registered.hits += 1;
                        if mock_answer.is_none() {
                            mock_answer = registered.mock.answer().cloned();
                        }
                    }
                }
            }
        }
        self.take_fault(&req.method, &req.path).or(mock_answer)
    }

    /// Counts a request in flight from now until its outcome is final.
    pub(crate) fn begin(self: &Arc<Self>) -> InFlight {
        lock(&self.journal).begin();
        self.notify();
        InFlight {
            shared: Arc::clone(self),
            id: None,
            done: false,
        }
    }

    /// Wakes whoever waits for the journal to settle.
    fn notify(&self) {
        self.settled.notify_all();
        self.changed.notify_waiters();
    }

    pub(crate) fn journal_entries(&self) -> Vec<JournalEntry> {
        lock(&self.journal).entries().iter().cloned().collect()
    }

    /// The journal, when no request is in flight.
    pub(crate) fn settled_entries(&self) -> Option<Vec<JournalEntry>> {
        let journal = lock(&self.journal);
        (journal.in_flight() == 0).then(|| journal.entries().iter().cloned().collect())
    }

    /// Back to the state right after start: seeded data, empty journal, no scripts, no
    /// mocks, a fresh rate-limit window and no block.
    pub(crate) fn reset(&self) {
        *lock(&self.scripts) = HashMap::new();
        lock(&self.mocks).clear();
        lock(&self.journal).clear();
        *lock(&self.limiter) = RateWindow::new(self.config.rate_limit, self.config.strict);
        *lock(&self.block) = BlockWindow::new(self.config.block);
        *lock(&self.state) = State::new(self.config.seed.clone());
    }
}

/// A request in flight, from the moment its head is read until its outcome is final.
///
/// Dropping it before [`InFlight::finish`] (hyper drops the request's future when the client
/// closes the connection, and every future when the server stops) records the request as
/// [`Outcome::Abandoned`].
#[derive(Debug)]
pub(crate) struct InFlight {
    shared: Arc<Shared>,
    id: Option<EntryId>,
    done: bool,
}

impl InFlight {
    /// Journals the request (when the journal is kept) as pending.
    pub(crate) fn journal(&mut self, req: &Request) {
        if self.shared.config.record_journal {
            self.id = Some(lock(&self.shared.journal).push(req.to_entry()));
            self.shared.notify();
        }
    }

    /// Notes the status of the fake API's own answer, decided (and applied) but not sent.
    pub(crate) fn handled(&self, status: u16) {
        self.update(|entry| entry.handled = Some(status));
    }

    /// The final outcome.
    pub(crate) fn finish(mut self, outcome: Outcome) {
        self.settle(outcome);
    }

    fn update(&self, change: impl FnOnce(&mut JournalEntry)) {
        if let Some(id) = self.id {
            if let Some(entry) = lock(&self.shared.journal).get_mut(id) {
                change(entry);
            }
        }
    }

    fn settle(&mut self, outcome: Outcome) {
        if self.done {
            return;
        }
        self.done = true;
        {
            let mut journal = lock(&self.shared.journal);
            if let Some(entry) = self.id.and_then(|id| journal.get_mut(id)) {
                entry.outcome = outcome;
            }
            journal.end();
        }
        self.shared.notify();
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.settle(Outcome::Abandoned);
    }
}
