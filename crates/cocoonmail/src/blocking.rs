//! The blocking client: the same surface as the async one, waiting by sleeping the calling
//! thread.

use std::sync::Arc;
use std::thread::sleep;
use std::time::{Duration, Instant};

use cocoon_core::transport::Deadline;
use cocoon_core::{
    BlockingTransport, Endpoint, Error, LimiterError, RetryDecision, RetryState, TransportErrorKind,
};
use http::StatusCode;

use crate::builder::{Blocking, ClientBuilder};
pub use crate::bulk::blocking::BulkIter;
use crate::limiter::{Pacing, Permit, RateLimiter, Step, Wait};
use crate::shared::{client_common, finish, InFlight, Shared};
use crate::telemetry::{AttemptSpan, CallSpan};

/// The blocking Cocoonmail client. Cheap to clone, and safe to share between threads: clones
/// share the agent, the rate limiter and the configuration.
///
/// `Client` on its own means `Client<Box<dyn BlockingTransport>>` whatever features are on;
/// with the `ureq` feature, [`Client::builder`]`().build()` makes one on ureq.
pub struct Client<T = Box<dyn BlockingTransport>> {
    shared: Arc<Shared<dyn RateLimiter>>,
    transport: Arc<T>,
}

impl Client {
    /// A builder with every default (see [`ClientBuilder`]).
    pub fn builder() -> ClientBuilder<Blocking> {
        ClientBuilder::new()
    }
}

client_common!(Client, dyn RateLimiter);

impl<T: BlockingTransport> Client<T> {
    /// Sends any request value and decodes its answer, waiting for the rate limiter before each
    /// attempt and retrying as the retry policy says (never resending what could be delivered
    /// twice).
    pub fn send<E: Endpoint>(&self, endpoint: E) -> Result<E::Output, Error> {
        self.send_hooked(endpoint, None)
    }

    /// [`Client::send`], calling `on_send` just before each attempt goes out.
    pub(crate) fn send_hooked<E: Endpoint>(
        &self,
        endpoint: E,
        on_send: Option<&(dyn Fn() + Send + Sync)>,
    ) -> Result<E::Output, Error> {
        let call = self.shared.call_span(&endpoint);
        call.in_scope(|| self.run(&endpoint, &call, on_send))
    }

    fn run<E: Endpoint>(
        &self,
        endpoint: &E,
        call: &CallSpan,
        on_send: Option<&(dyn Fn() + Send + Sync)>,
    ) -> Result<E::Output, Error> {
        let deadline = self.shared.deadline();
        let mut state = RetryState::new(endpoint.idempotency());
        loop {
            let mut request = match self.shared.request(endpoint) {
                Ok(request) => request,
                Err(error) => return Err(finish(call, state, error)),
            };
            // The transport bounds the attempt by what is left of the deadline (the built-in
            // one does; see `Deadline`).
            deadline.attach(&mut request);
            let attempt = call.attempt(state.attempts(), &request);
            let sent =
                attempt.in_scope(|| self.attempt(endpoint, request, &attempt, on_send, deadline));
            let error = match sent {
                Ok((output, status)) => {
                    call.succeeded(state.attempts() + 1, Some(status));
                    return Ok(output);
                }
                Err(error @ Error::Limiter(_)) => return Err(finish(call, state, error)),
                Err(Error::Transport(e))
                    if e.kind == TransportErrorKind::Timeout && deadline.has_passed() =>
                {
                    let error = self
                        .shared
                        .past_deadline(endpoint, true, &mut state, &attempt);
                    return Err(finish(call, state, error));
                }
                Err(error) => error,
            };
            let decision = attempt.in_scope(|| {
                self.shared
                    .after_failure(&mut state, &error, &attempt, deadline)
            });
            match decision {
                RetryDecision::RetryAfter(delay) => sleep(delay),
                _ => return Err(finish(call, state, error)),
            }
        }
    }

    /// One attempt: a permit, the exchange, what the limiter hears, the decoded answer.
    fn attempt<E: Endpoint>(
        &self,
        endpoint: &E,
        request: http::Request<Vec<u8>>,
        attempt: &AttemptSpan,
        on_send: Option<&(dyn Fn() + Send + Sync)>,
        deadline: Deadline,
    ) -> Result<(E::Output, StatusCode), Error> {
        let (permit, waited) = self.acquire(self.shared.max_wait(deadline))?;
        attempt.waited(waited);
        if deadline.has_passed() {
            let mut unsent = RetryState::new(endpoint.idempotency());
            return Err(self
                .shared
                .past_deadline(endpoint, false, &mut unsent, attempt));
        }
        let in_flight = InFlight::new(&self.shared.pacing, permit);
        if let Some(on_send) = on_send {
            on_send();
        }
        let sent_at = Instant::now();
        let sent = self.transport.send(request);
        match &self.shared.pacing {
            Pacing::Off => self.shared.traced(&sent, attempt),
            Pacing::Local(local) => {
                local.hear(permit, &self.shared.heard(&sent, sent_at, attempt));
            }
            Pacing::Custom(custom) => {
                custom.observe(permit, &self.shared.heard(&sent, sent_at, attempt));
            }
        }
        in_flight.settle();
        self.shared.outcome(endpoint, sent)
    }

    /// Waits for a permit, sleeping the calling thread.
    fn acquire(&self, max_wait: Duration) -> Result<(Permit, Duration), LimiterError> {
        let shared = &self.shared;
        let reservation = match &shared.pacing {
            Pacing::Off => return Ok((Permit::UNTRACKED, Duration::ZERO)),
            Pacing::Local(local) => local.reserve_slot(max_wait)?,
            Pacing::Custom(custom) => custom.reserve(max_wait)?,
        };
        // Dropped before the limiter says go, it gives the slot back.
        let held = shared.hold(reservation);
        let mut wait = Wait::new(reservation, max_wait);
        if let Some(first) = wait.first() {
            sleep(first);
        }
        loop {
            match wait.next(|r| shared.confirm(r))? {
                Step::Go(permit) => {
                    held.went();
                    return Ok((permit, wait.waited()));
                }
                Step::Sleep(more) => sleep(more),
            }
        }
    }

    crate::resources::accessors!();
}
