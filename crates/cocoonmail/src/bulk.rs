//! Many requests at the limiter's pace: [`crate::Client::bulk`] (a `Stream`) and
//! [`crate::blocking::Client::bulk`] (an iterator over worker threads).
//!
//! Both take any iterator of request values and consume it lazily, one value each time a
//! request slot frees up, so a million-row input is never held in memory. Each outcome comes
//! back as it finishes, with the index of its input ([`BulkResult`]). A [`StopHandle`] stops
//! taking inputs; the requests already in flight finish and report, then the run ends.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use cocoon_core::Error;

/// The outcome of one request of a bulk run.
#[derive(Debug)]
#[non_exhaustive]
pub struct BulkResult<O> {
    /// The position of the request in the input, from 0.
    pub index: usize,
    /// Its answer or its final error (after the client's retries).
    pub result: Result<O, Error>,
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
}

impl Settings {
    fn new() -> Self {
        Settings {
            concurrency: 1,
            stop: StopHandle::default(),
            on_send: None,
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bulk")
            .field("concurrency", &self.concurrency)
            .field("stopped", &self.stop.is_stopped())
            .field("on_send", &self.on_send.is_some())
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
}

/// The async run.
pub(crate) mod stream {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use cocoon_core::{AsyncTransport, Endpoint, Error};
    use futures_core::Stream;
    use futures_util::stream::FuturesUnordered;

    use super::{BulkResult, BulkRun, Settings, StopHandle};
    use crate::Client;

    type InFlight<O> = Pin<Box<dyn Future<Output = BulkResult<O>> + Send>>;

    impl<T, I, E> BulkRun<Client<T>, I>
    where
        T: AsyncTransport + 'static,
        I: Iterator<Item = E>,
        E: Endpoint + Send + Sync + 'static,
        E::Output: Send + 'static,
    {
        /// The outcomes, as they finish.
        pub fn stream(self) -> BulkStream<T, I, E::Output> {
            BulkStream {
                client: self.client,
                input: Some(self.input),
                next_index: 0,
                settings: self.settings,
                in_flight: FuturesUnordered::new(),
            }
        }
    }

    /// The outcomes of a bulk run of the async client, as they finish.
    #[must_use = "a stream does nothing unless polled"]
    pub struct BulkStream<T, I, O> {
        client: Client<T>,
        input: Option<I>,
        next_index: usize,
        settings: Settings,
        in_flight: FuturesUnordered<InFlight<O>>,
    }

    impl<T, I, O> BulkStream<T, I, O> {
        /// A handle that stops the run from taking more inputs.
        pub fn stop_handle(&self) -> StopHandle {
            self.settings.stop.clone()
        }

        /// How many requests are in flight now.
        pub fn in_flight(&self) -> usize {
            self.in_flight.len()
        }
    }

    impl<T, I, O> std::fmt::Debug for BulkStream<T, I, O> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("BulkStream")
                .field("settings", &self.settings)
                .field("taken", &self.next_index)
                .field("in_flight", &self.in_flight.len())
                .finish()
        }
    }

    impl<T, I, E> Stream for BulkStream<T, I, E::Output>
    where
        T: AsyncTransport + 'static,
        I: Iterator<Item = E> + Unpin,
        E: Endpoint + Send + Sync + 'static,
        E::Output: Send + 'static,
    {
        type Item = BulkResult<E::Output>;

        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            let this = &mut *self;
            while this.in_flight.len() < this.settings.concurrency
                && !this.settings.stop.is_stopped()
            {
                let Some(request) = this.input.as_mut().and_then(Iterator::next) else {
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
                    BulkResult { index, result }
                }));
            }
            Pin::new(&mut this.in_flight).poll_next(cx)
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
        /// use futures_util::StreamExt;
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
        pub fn bulk<R>(&self, requests: R) -> BulkRun<Self, R::IntoIter>
        where
            R: IntoIterator,
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

    use super::{BulkResult, BulkRun, StopHandle};
    use crate::blocking::Client;

    /// The input, shared by the workers: each takes the next value and its index.
    struct Input<I> {
        values: I,
        next_index: usize,
        done: bool,
    }

    impl<T, I, E> BulkRun<Client<T>, I>
    where
        T: BlockingTransport + 'static,
        I: Iterator<Item = E> + Send + 'static,
        E: Endpoint + Send + 'static,
        E::Output: Send + 'static,
    {
        /// Starts the workers (one thread per unit of concurrency) and returns the outcomes as
        /// they finish. Fails only when the system cannot start a thread.
        pub fn iter(self) -> std::io::Result<BulkIter<E::Output>> {
            let (sender, receiver) = mpsc::channel();
            let input = Arc::new(Mutex::new(Input {
                values: self.input,
                next_index: 0,
                done: false,
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
                                    Some(value) => {
                                        let index = input.next_index;
                                        input.next_index += 1;
                                        Some((index, value))
                                    }
                                    None => {
                                        input.done = true;
                                        None
                                    }
                                }
                            }
                        };
                        let Some((index, request)) = next else { break };
                        let hook = on_send.as_ref().map(|f| move || f(index));
                        let hook = hook.as_ref().map(|h| h as &(dyn Fn() + Send + Sync));
                        let result = client.send_hooked(request, hook);
                        if sender.send(BulkResult { index, result }).is_err() {
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
    pub struct BulkIter<O> {
        receiver: Receiver<BulkResult<O>>,
        workers: Vec<JoinHandle<()>>,
        stop: StopHandle,
    }

    impl<O> BulkIter<O> {
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

    impl<O> Iterator for BulkIter<O> {
        type Item = BulkResult<O>;

        fn next(&mut self) -> Option<BulkResult<O>> {
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

    impl<O> Drop for BulkIter<O> {
        fn drop(&mut self) {
            self.stop.stop();
            // Unblock workers waiting to hand over an outcome, then wait for them.
            while self.receiver.try_recv().is_ok() {}
            for worker in self.workers.drain(..) {
                let _ = worker.join();
            }
        }
    }

    impl<O> std::fmt::Debug for BulkIter<O> {
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
        pub fn bulk<R>(&self, requests: R) -> BulkRun<Self, R::IntoIter>
        where
            R: IntoIterator,
        {
            BulkRun::new(self.clone(), requests.into_iter())
        }
    }
}
