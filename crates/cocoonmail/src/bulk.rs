//! Many requests at the limiter's pace: [`crate::Client::bulk`] (a `Stream`) and
//! [`crate::blocking::Client::bulk`] (an iterator over worker threads).
//!
//! Both take any iterator of request values and consume it lazily, one value each time a
//! request slot frees up, so a million-row input is never held in memory. Each outcome comes
//! back as it finishes, with the index of its input and, for a tagged run, the tag it came
//! with ([`BulkResult`]). A [`StopHandle`] stops taking inputs; the requests already in flight
//! finish and report, then the run ends. [`BulkRun::stop_after_consecutive_failures`] ends a
//! run whose server is gone, reporting every request it did not try.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use cocoon_core::{Error, NotTried, NotTriedReason};

/// The outcome of one request of a bulk run.
#[derive(Debug)]
#[non_exhaustive]
pub struct BulkResult<O, K = ()> {
    /// The position of the request in the input, from 0.
    pub index: usize,
    /// The tag the request came with in a [tagged run](crate::Client::bulk_tagged) (a line
    /// number, a row, a user id); `()` otherwise.
    pub tag: K,
    /// Its answer or its final error (after the client's retries); [`Error::NotTried`] for a
    /// request the run ended before trying.
    pub result: Result<O, Error>,
}

/// The input of an untagged run ([`crate::Client::bulk`]): each request with the tag `()`.
#[derive(Debug, Clone)]
pub struct Untagged<I>(I);

impl<I: Iterator> Iterator for Untagged<I> {
    type Item = ((), I::Item);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|request| ((), request))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

/// Counts failures in a row that say the server cannot be reached or cannot serve, and says
/// when the run should end.
#[derive(Debug, Clone, Copy)]
struct Breaker {
    limit: Option<u32>,
    in_a_row: u32,
    tripped: bool,
}

impl Breaker {
    fn new(limit: Option<u32>) -> Self {
        Breaker {
            limit,
            in_a_row: 0,
            tripped: false,
        }
    }

    /// Hears one outcome; true once the run should end.
    fn hear<O>(&mut self, result: &Result<O, Error>) -> bool {
        match result {
            Ok(_) => self.in_a_row = 0,
            Err(error) if says_the_server_is_gone(error) => {
                self.in_a_row = self.in_a_row.saturating_add(1);
            }
            // Invalid input says nothing about the server; an answer about the row (400,
            // 404, 409, an undecodable body) says it is there.
            Err(Error::InvalidInput(_) | Error::NotTried(_)) => {}
            Err(_) => self.in_a_row = 0,
        }
        if let Some(limit) = self.limit {
            if self.in_a_row >= limit {
                self.tripped = true;
            }
        }
        self.tripped
    }

    /// The error of each request not tried once the run has ended.
    fn not_tried(&self) -> Error {
        // The threshold that ended the run: requests in flight then may have failed since.
        let failures = self.limit.unwrap_or(self.in_a_row);
        Error::NotTried(NotTried::new(NotTriedReason::ConsecutiveFailures {
            failures,
        }))
    }
}

/// A failure that says nothing about the request and everything about the server or the
/// connection to it.
fn says_the_server_is_gone(error: &Error) -> bool {
    matches!(
        error,
        Error::Transport(_)
            | Error::Server(_)
            | Error::RateLimited(_)
            | Error::Limiter(_)
            | Error::Unauthorized(_)
            | Error::Blocked(_)
            | Error::Redirected(_)
            | Error::Config(_)
    )
}

/// Stops a bulk run from taking more inputs; the requests in flight finish and report.
/// Cheap to clone; safe to use from a signal handler thread.
#[derive(Debug, Clone, Default)]
pub struct StopHandle(Arc<AtomicBool>);

impl StopHandle {
    /// Takes no more inputs.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`StopHandle::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Called with a request's index just before each of its attempts goes out.
type OnSend = Arc<dyn Fn(usize) + Send + Sync>;

/// The settings of a bulk run, shared by both clients.
#[derive(Clone)]
struct Settings {
    concurrency: usize,
    stop: StopHandle,
    on_send: Option<OnSend>,
    stop_after_failures: Option<u32>,
}

impl Settings {
    fn new() -> Self {
        Settings {
            concurrency: 1,
            stop: StopHandle::default(),
            on_send: None,
            stop_after_failures: None,
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bulk")
            .field("concurrency", &self.concurrency)
            .field("stopped", &self.stop.is_stopped())
            .field("on_send", &self.on_send.is_some())
            .field("stop_after_failures", &self.stop_after_failures)
            .finish()
    }
}

/// A bulk run, set up but not started: from [`crate::Client::bulk`] (then
/// [`stream`](BulkRun::stream) it) or [`crate::blocking::Client::bulk`] (then
/// [`iter`](BulkRun::iter) over it).
#[derive(Debug)]
#[must_use]
pub struct BulkRun<C, I> {
    client: C,
    input: I,
    settings: Settings,
}

impl<C, I> BulkRun<C, I> {
    fn new(client: C, input: I) -> Self {
        BulkRun {
            client,
            input,
            settings: Settings::new(),
        }
    }

    /// At most this many requests in flight at once (default 1; at least 1). Reaching the rate
    /// limit against a server with latency `L` takes `concurrency >= L x rate`: one request in
    /// flight cannot do more than `1 / L` per second.
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.settings.concurrency = concurrency.max(1);
        self
    }

    /// A handle that stops the run from taking more inputs.
    pub fn stop_handle(&self) -> StopHandle {
        self.settings.stop.clone()
    }

    /// Calls `on_send(index)` just before each attempt of the request at `index` goes out,
    /// after its permit from the rate limiter (for example to journal that a row may now reach
    /// the server).
    pub fn on_send(mut self, on_send: impl Fn(usize) + Send + Sync + 'static) -> Self {
        self.settings.on_send = Some(Arc::new(on_send));
        self
    }

    /// Ends the run after `failures` failures in a row (at least 1) that say the server cannot
    /// be reached or cannot serve: a connection or TLS failure, a timeout, a 5xx, a 429 after
    /// the retries, a refused key (401, 403), a redirect, the limiter refusing. An answer about
    /// the request itself (400, 404, 409) resets the count; invalid input leaves it as it is.
    ///
    /// Once it ends, the requests in flight finish and report, and every input not yet taken
    /// is still handed back, as an outcome whose error is [`Error::NotTried`] (nothing sent),
    /// so that no row goes missing from the report. Default: never.
    pub fn stop_after_consecutive_failures(mut self, failures: u32) -> Self {
        self.settings.stop_after_failures = Some(failures.max(1));
        self
    }
}

/// The async run.
pub(crate) mod stream {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use cocoon_core::{AsyncTransport, Endpoint, Error};
    use futures_core::Stream;
    use futures_util::stream::FuturesUnordered;

    use super::{Breaker, BulkResult, BulkRun, Settings, StopHandle, Untagged};
    use crate::Client;

    type InFlight<O, K> = Pin<Box<dyn Future<Output = BulkResult<O, K>> + Send>>;

    impl<T, I, K, E> BulkRun<Client<T>, I>
    where
        T: AsyncTransport + 'static,
        I: Iterator<Item = (K, E)>,
        K: Send + 'static,
        E: Endpoint + Send + Sync + 'static,
        E::Output: Send + 'static,
    {
        /// The outcomes, as they finish.
        pub fn stream(self) -> BulkStream<T, I, E::Output, K> {
            BulkStream {
                client: self.client,
                input: Some(self.input),
                next_index: 0,
                breaker: Breaker::new(self.settings.stop_after_failures),
                settings: self.settings,
                in_flight: FuturesUnordered::new(),
            }
        }
    }

    /// The outcomes of a bulk run of the async client, as they finish.
    ///
    /// A `Stream`; [`BulkStream::next`] reads it without importing a stream trait.
    #[must_use = "a stream does nothing unless polled"]
    pub struct BulkStream<T, I, O, K = ()> {
        client: Client<T>,
        input: Option<I>,
        next_index: usize,
        breaker: Breaker,
        settings: Settings,
        in_flight: FuturesUnordered<InFlight<O, K>>,
    }

    impl<T, I, O, K> BulkStream<T, I, O, K> {
        /// A handle that stops the run from taking more inputs.
        pub fn stop_handle(&self) -> StopHandle {
            self.settings.stop.clone()
        }

        /// How many requests are in flight now.
        pub fn in_flight(&self) -> usize {
            self.in_flight.len()
        }
    }

    impl<T, I, K, E> BulkStream<T, I, E::Output, K>
    where
        T: AsyncTransport + 'static,
        I: Iterator<Item = (K, E)> + Unpin,
        K: Send + 'static,
        E: Endpoint + Send + Sync + 'static,
        E::Output: Send + 'static,
    {
        /// The next outcome, `None` once the run is over: `while let Some(outcome) =
        /// outcomes.next().await`, with no stream trait in scope.
        pub async fn next(&mut self) -> Option<BulkResult<E::Output, K>> {
            std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
        }
    }

    impl<T, I, O, K> std::fmt::Debug for BulkStream<T, I, O, K> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("BulkStream")
                .field("settings", &self.settings)
                .field("taken", &self.next_index)
                .field("in_flight", &self.in_flight.len())
                .finish()
        }
    }

    impl<T, I, K, E> Stream for BulkStream<T, I, E::Output, K>
    where
        T: AsyncTransport + 'static,
        I: Iterator<Item = (K, E)> + Unpin,
        K: Send + 'static,
        E: Endpoint + Send + Sync + 'static,
        E::Output: Send + 'static,
    {
        type Item = BulkResult<E::Output, K>;

        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            let this = &mut *self;
            if this.breaker.tripped && !this.settings.stop.is_stopped() {
                // The run has ended: hand back each input not taken, untried.
                match this.input.as_mut().and_then(Iterator::next) {
                    Some((tag, _)) => {
                        let index = this.next_index;
                        this.next_index += 1;
                        let result = Err(this.breaker.not_tried());
                        return Poll::Ready(Some(BulkResult { index, tag, result }));
                    }
                    None => this.input = None,
                }
            }
            while this.in_flight.len() < this.settings.concurrency
                && !this.settings.stop.is_stopped()
                && !this.breaker.tripped
            {
                let Some((tag, request)) = this.input.as_mut().and_then(Iterator::next) else {
                    this.input = None;
                    break;
                };
                let index = this.next_index;
                this.next_index += 1;
                let client = this.client.clone();
                let on_send = this.settings.on_send.clone();
                this.in_flight.push(Box::pin(async move {
                    let hook = on_send.map(|f| move || f(index));
                    let hook = hook.as_ref().map(|h| h as &(dyn Fn() + Send + Sync));
                    let result: Result<_, Error> = client.send_hooked(request, hook).await;
                    BulkResult { index, tag, result }
                }));
            }
            let polled = Pin::new(&mut this.in_flight).poll_next(cx);
            if let Poll::Ready(Some(outcome)) = &polled {
                if this.breaker.hear(&outcome.result) && this.input.is_some() {
                    // Hand back the inputs not taken on the next polls.
                    cx.waker().wake_by_ref();
                }
            }
            polled
        }
    }

    impl<T: AsyncTransport + 'static> Client<T> {
        /// Runs every request of `requests` at the limiter's pace, at most
        /// [`concurrency`](BulkRun::concurrency) at a time, taking each input only when a slot
        /// frees up; [`stream`](BulkRun::stream) gives the outcomes as they finish.
        ///
        /// ```
        /// # #[cfg(feature = "reqwest")]
        /// # #[tokio::main(flavor = "current_thread")]
        /// # async fn main() -> Result<(), cocoonmail::Error> {
        /// # let server = cocoon_mock::MockServer::start();
        /// use cocoonmail::events::SendEvent;
        ///
        /// let client = cocoonmail::Client::builder()
        ///     .api_key(cocoon_mock::DEFAULT_API_KEY)
        ///     .base_url(server.base_url())
        ///     .build()?;
        /// let events = (0..5).map(|i| SendEvent::simple("signup", format!("user{i}@example.com")));
        /// let mut outcomes = client.bulk(events).concurrency(4).stream();
        /// let mut sent = 0;
        /// while let Some(outcome) = outcomes.next().await {
        ///     outcome.result?;
        ///     sent += 1;
        /// }
        /// assert_eq!(sent, 5);
        /// # Ok(()) }
        /// # #[cfg(not(feature = "reqwest"))] fn main() {}
        /// ```
        pub fn bulk<R>(&self, requests: R) -> BulkRun<Self, Untagged<R::IntoIter>>
        where
            R: IntoIterator,
        {
            BulkRun::new(self.clone(), Untagged(requests.into_iter()))
        }

        /// [`Client::bulk`] over `(tag, request)` pairs: each outcome comes back with the tag
        /// its request came with ([`BulkResult::tag`]), so a caller reporting failures by CSV
        /// line or user id keeps no side table of the rows.
        ///
        /// ```
        /// # #[cfg(feature = "reqwest")]
        /// # #[tokio::main(flavor = "current_thread")]
        /// # async fn main() -> Result<(), cocoonmail::Error> {
        /// # let server = cocoon_mock::MockServer::start();
        /// use cocoonmail::events::SendEvent;
        ///
        /// let client = cocoonmail::Client::builder()
        ///     .api_key(cocoon_mock::DEFAULT_API_KEY)
        ///     .base_url(server.base_url())
        ///     .build()?;
        /// let rows = [(2, "ada@example.com"), (3, "not an address"), (4, "grace@example.com")];
        /// let events = rows.map(|(line, email)| (line, SendEvent::simple("signup", email)));
        /// let mut outcomes = client
        ///     .bulk_tagged(events)
        ///     .concurrency(2)
        ///     .stop_after_consecutive_failures(5)
        ///     .stream();
        /// let mut failed_lines = Vec::new();
        /// while let Some(outcome) = outcomes.next().await {
        ///     if let Err(error) = outcome.result {
        ///         eprintln!("line {}: {error}", outcome.tag);
        ///         failed_lines.push(outcome.tag);
        ///     }
        /// }
        /// assert_eq!(failed_lines, [3]);
        /// # Ok(()) }
        /// # #[cfg(not(feature = "reqwest"))] fn main() {}
        /// ```
        pub fn bulk_tagged<R, K, E>(&self, requests: R) -> BulkRun<Self, R::IntoIter>
        where
            R: IntoIterator<Item = (K, E)>,
        {
            BulkRun::new(self.clone(), requests.into_iter())
        }
    }
}

/// The blocking run.
pub(crate) mod blocking {
    use std::sync::mpsc::{self, Receiver};
    use std::sync::{Arc, Mutex, PoisonError};
    use std::thread::JoinHandle;

    use cocoon_core::{BlockingTransport, Endpoint};

    use super::{Breaker, BulkResult, BulkRun, StopHandle, Untagged};
    use crate::blocking::Client;

    /// The input, shared by the workers: each takes the next value and its index.
    struct Input<I> {
        values: I,
        next_index: usize,
        done: bool,
        breaker: Breaker,
    }

    impl<T, I, K, E> BulkRun<Client<T>, I>
    where
        T: BlockingTransport + 'static,
        I: Iterator<Item = (K, E)> + Send + 'static,
        K: Send + 'static,
        E: Endpoint + Send + 'static,
        E::Output: Send + 'static,
    {
        /// Starts the workers (one thread per unit of concurrency) and returns the outcomes as
        /// they finish. Fails only when the system cannot start a thread.
        pub fn iter(self) -> std::io::Result<BulkIter<E::Output, K>> {
            let (sender, receiver) = mpsc::channel();
            let input = Arc::new(Mutex::new(Input {
                values: self.input,
                next_index: 0,
                done: false,
                breaker: Breaker::new(self.settings.stop_after_failures),
            }));
            let mut workers = Vec::with_capacity(self.settings.concurrency);
            for n in 0..self.settings.concurrency {
                let client = self.client.clone();
                let input = Arc::clone(&input);
                let sender = sender.clone();
                let stop = self.settings.stop.clone();
                let on_send = self.settings.on_send.clone();
                let worker = std::thread::Builder::new()
                    .name(format!("cocoonmail-bulk-{n}"))
                    .spawn(move || loop {
                        if stop.is_stopped() {
                            break;
                        }
                        let next = {
                            let mut input = input.lock().unwrap_or_else(PoisonError::into_inner);
                            if input.done {
                                None
                            } else {
                                match input.values.next() {
                                    Some((tag, value)) => {
                                        let index = input.next_index;
                                        input.next_index += 1;
                                        // Once the run has ended, the rest comes back untried.
                                        let untried = input
                                            .breaker
                                            .tripped
                                            .then(|| input.breaker.not_tried());
                                        Some((index, tag, value, untried))
                                    }
                                    None => {
                                        input.done = true;
                                        None
                                    }
                                }
                            }
                        };
                        let Some((index, tag, request, untried)) = next else {
                            break;
                        };
                        let result = match untried {
                            Some(error) => Err(error),
                            None => {
                                let hook = on_send.as_ref().map(|f| move || f(index));
                                let hook = hook.as_ref().map(|h| h as &(dyn Fn() + Send + Sync));
                                let result = client.send_hooked(request, hook);
                                input
                                    .lock()
                                    .unwrap_or_else(PoisonError::into_inner)
                                    .breaker
                                    .hear(&result);
                                result
                            }
                        };
                        if sender.send(BulkResult { index, tag, result }).is_err() {
                            break;
                        }
                    });
                match worker {
                    Ok(handle) => workers.push(handle),
                    Err(e) => {
                        self.settings.stop.stop();
                        for worker in workers {
                            let _ = worker.join();
                        }
                        return Err(e);
                    }
                }
            }
            Ok(BulkIter {
                receiver,
                workers,
                stop: self.settings.stop,
            })
        }
    }

    /// The outcomes of a bulk run of the blocking client, as they finish. Dropping it stops the
    /// run and waits for the requests in flight.
    #[must_use = "an iterator does nothing unless consumed"]
    pub struct BulkIter<O, K = ()> {
        receiver: Receiver<BulkResult<O, K>>,
        workers: Vec<JoinHandle<()>>,
        stop: StopHandle,
    }

    impl<O, K> BulkIter<O, K> {
        /// A handle that stops the run from taking more inputs.
        pub fn stop_handle(&self) -> StopHandle {
            self.stop.clone()
        }

        fn join_workers(&mut self) {
            let mut panicked = None;
            for worker in self.workers.drain(..) {
                if let Err(panic) = worker.join() {
                    panicked.get_or_insert(panic);
                }
            }
            if let Some(panic) = panicked {
                if !std::thread::panicking() {
                    std::panic::resume_unwind(panic);
                }
            }
        }
    }

    impl<O, K> Iterator for BulkIter<O, K> {
        type Item = BulkResult<O, K>;

        fn next(&mut self) -> Option<BulkResult<O, K>> {
            match self.receiver.recv() {
                Ok(outcome) => Some(outcome),
                Err(_) => {
                    // Every worker is done: a panic in one (in the input iterator) is the
                    // caller's to see.
                    self.join_workers();
                    None
                }
            }
        }
    }

    impl<O, K> Drop for BulkIter<O, K> {
        fn drop(&mut self) {
            self.stop.stop();
            // Unblock workers waiting to hand over an outcome, then wait for them.
            while self.receiver.try_recv().is_ok() {}
            for worker in self.workers.drain(..) {
                let _ = worker.join();
            }
        }
    }

    impl<O, K> std::fmt::Debug for BulkIter<O, K> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("BulkIter")
                .field("workers", &self.workers.len())
                .field("stopped", &self.stop.is_stopped())
                .finish()
        }
    }

    impl<T: BlockingTransport + 'static> Client<T> {
        /// Runs every request of `requests` at the limiter's pace on
        /// [`concurrency`](BulkRun::concurrency) worker threads, taking each input only when a
        /// worker is free; [`iter`](BulkRun::iter) gives the outcomes as they finish.
        ///
        /// ```
        /// # #[cfg(feature = "ureq")]
        /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
        /// # let server = cocoon_mock::MockServer::start();
        /// use cocoonmail::events::SendEvent;
        ///
        /// let client = cocoonmail::blocking::Client::builder()
        ///     .api_key(cocoon_mock::DEFAULT_API_KEY)
        ///     .base_url(server.base_url())
        ///     .build()?;
        /// let events = (0..5).map(|i| SendEvent::simple("signup", format!("user{i}@example.com")));
        /// let mut indexes: Vec<usize> = client
        ///     .bulk(events)
        ///     .concurrency(3)
        ///     .iter()?
        ///     .map(|outcome| outcome.result.map(|_| outcome.index))
        ///     .collect::<Result<_, _>>()?;
        /// indexes.sort();
        /// assert_eq!(indexes, [0, 1, 2, 3, 4]);
        /// # Ok(()) }
        /// # #[cfg(not(feature = "ureq"))] fn main() {}
        /// ```
        pub fn bulk<R>(&self, requests: R) -> BulkRun<Self, Untagged<R::IntoIter>>
        where
            R: IntoIterator,
        {
            BulkRun::new(self.clone(), Untagged(requests.into_iter()))
        }

        /// [`Client::bulk`] over `(tag, request)` pairs: each outcome comes back with the tag
        /// its request came with ([`BulkResult::tag`]).
        ///
        /// ```
        /// # #[cfg(feature = "ureq")]
        /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
        /// # let server = cocoon_mock::MockServer::start();
        /// use cocoonmail::events::SendEvent;
        ///
        /// let client = cocoonmail::blocking::Client::builder()
        ///     .api_key(cocoon_mock::DEFAULT_API_KEY)
        ///     .base_url(server.base_url())
        ///     .build()?;
        /// let rows = [(2, "ada@example.com"), (3, "grace@example.com")];
        /// let events = rows.map(|(line, email)| (line, SendEvent::simple("signup", email)));
        /// for outcome in client.bulk_tagged(events).concurrency(2).iter()? {
        ///     if let Err(error) = outcome.result {
        ///         eprintln!("line {}: {error}", outcome.tag);
        ///     }
        /// }
        /// # Ok(()) }
        /// # #[cfg(not(feature = "ureq"))] fn main() {}
        /// ```
        pub fn bulk_tagged<R, K, E>(&self, requests: R) -> BulkRun<Self, R::IntoIter>
        where
            R: IntoIterator<Item = (K, E)>,
        {
            BulkRun::new(self.clone(), requests.into_iter())
        }
    }
}
