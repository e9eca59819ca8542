//! The async client.

use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cocoon_core::transport::Deadline;
use cocoon_core::{AsyncTransport, Endpoint, Error, LimiterError, RetryDecision, RetryState};
use cocoon_core::{TransportError, TransportErrorKind};
use futures_timer::Delay;
use futures_util::future::{select, Either};
use http::StatusCode;

use crate::builder::{Async, ClientBuilder};
use crate::limiter::{AsyncRateLimiter, Pacing, Permit, Step, Wait};
use crate::shared::{client_common, finish, InFlight, Shared};
use crate::telemetry::{AttemptSpan, CallSpan};

/// The async Cocoonmail client. Cheap to clone: clones share the connection pool, the rate
/// limiter and the configuration, so one client can serve a whole program.
///
/// Build it with [`Client::builder`] (on reqwest, with the `reqwest` feature) or
/// [`ClientBuilder::build_with_transport`] for a transport of your own; call [`Client::send`]
/// with any request value, or the methods grouped by resource ([`Client::contacts`],
/// [`Client::mail`], ...).
///
/// `Client` on its own means `Client<Box<dyn AsyncTransport>>` whatever features are on, so a
/// library that names it keeps compiling when another crate in the build turns a feature on.
/// `Client<T>` with a concrete transport is there for those who want static dispatch.
pub struct Client<T = Box<dyn AsyncTransport>> {
    shared: Arc<Shared<dyn AsyncRateLimiter>>,
    transport: Arc<T>,
}

impl Client {
    /// A builder with every default (see [`ClientBuilder`]).
    pub fn builder() -> ClientBuilder<Async> {
        ClientBuilder::new()
    }
}

client_common!(Client, dyn AsyncRateLimiter);

impl<T: AsyncTransport> Client<T> {
    /// Sends any request value and decodes its answer, waiting for the rate limiter before each
    /// attempt and retrying as the retry policy says (never resending what could be delivered
    /// twice).
    pub async fn send<E>(&self, endpoint: E) -> Result<E::Output, Error>
    where
        E: Endpoint + Sync,
    {
        self.send_hooked(endpoint, None).await
    }

    /// [`Client::send`], calling `on_send` just before each attempt goes out.
    pub(crate) async fn send_hooked<E>(
        &self,
        endpoint: E,
        on_send: Option<&(dyn Fn() + Send + Sync)>,
    ) -> Result<E::Output, Error>
    where
        E: Endpoint + Sync,
    {
        let call = self.shared.call_span(&endpoint);
        call.instrument(self.run(&endpoint, &call, on_send)).await
    }

    async fn run<E>(
        &self,
        endpoint: &E,
        call: &CallSpan,
        on_send: Option<&(dyn Fn() + Send + Sync)>,
    ) -> Result<E::Output, Error>
    where
        E: Endpoint + Sync,
    {
        let deadline = self.shared.deadline();
        let mut state = RetryState::new(endpoint.idempotency());
        loop {
            let mut request = match self.shared.request(endpoint) {
                Ok(request) => request,
                Err(error) => return Err(finish(call, state, error)),
            };
            deadline.attach(&mut request);
            let attempt = call.attempt(state.attempts(), &request);
            let sending = AtomicBool::new(false);
            let exchange = attempt
                .instrument(self.attempt(endpoint, request, &attempt, on_send, deadline, &sending));
            // The call's deadline cuts the attempt wherever it is: dropping it hands back its
            // limiter slot, or abandons the request in flight.
            let sent = match select(pin!(exchange), pin!(Delay::new(deadline.remaining()))).await {
                // The transport's own timer may fire first on a busy machine: a timeout past
                // the deadline is the deadline's, and says so.
                Either::Left((Err(Error::Transport(error)), _))
                    if matches!(error.kind, TransportErrorKind::Timeout)
                        && deadline.has_passed() =>
                {
                    let error = self
                        .shared
                        .past_deadline(endpoint, true, &mut state, &attempt);
                    return Err(finish(call, state, error));
                }
                Either::Left((sent, _)) => sent,
                Either::Right(_) => {
                    let sent = sending.load(Ordering::Relaxed);
                    let error = self
                        .shared
                        .past_deadline(endpoint, sent, &mut state, &attempt);
                    return Err(finish(call, state, error));
                }
            };
            let error = match sent {
                Ok((output, status)) => {
                    call.succeeded(state.attempts() + 1, Some(status));
                    return Ok(output);
                }
                Err(error @ Error::Limiter(_)) => return Err(finish(call, state, error)),
                Err(error) => error,
            };
            match self
                .shared
                .after_failure(&mut state, &error, &attempt, deadline)
            {
                RetryDecision::RetryAfter(delay) => Delay::new(delay).await,
                _ => return Err(finish(call, state, error)),
            }
        }
    }

    /// One attempt: a permit, the exchange, what the limiter hears, the decoded answer.
    async fn attempt<E>(
        &self,
        endpoint: &E,
        request: http::Request<Vec<u8>>,
        attempt: &AttemptSpan,
        on_send: Option<&(dyn Fn() + Send + Sync)>,
        deadline: Deadline,
        sending: &AtomicBool,
    ) -> Result<(E::Output, StatusCode), Error>
    where
        E: Endpoint + Sync,
    {
        let (permit, waited) = self.acquire(self.shared.max_wait(deadline)).await?;
        attempt.waited(waited);
        let in_flight = InFlight::new(&self.shared.pacing, permit);
        if let Some(on_send) = on_send {
            on_send();
        }
        sending.store(true, Ordering::Relaxed);
        let sent_at = Instant::now();
        let sent = match self.shared.attempt_timeout {
            None => self.transport.send(request).await,
            Some(bound) => {
                match select(pin!(self.transport.send(request)), pin!(Delay::new(bound))).await {
                    Either::Left((sent, _)) => sent,
                    Either::Right(_) => Err(TransportError::new(
                        TransportErrorKind::Timeout,
                        "the attempt took longer than the attempt timeout",
                    )),
                }
            }
        };
        match &self.shared.pacing {
            Pacing::Off => self.shared.traced(&sent, attempt),
            Pacing::Local(local) => {
                local.hear(permit, &self.shared.heard(&sent, sent_at, attempt));
            }
            Pacing::Custom(custom) => {
                let outcome = self.shared.heard(&sent, sent_at, attempt);
                custom.observe(permit, &outcome).await;
            }
        }
        in_flight.settle();
        self.shared.outcome(endpoint, sent)
    }

    /// Waits for a permit without blocking the executor's thread.
    async fn acquire(&self, max_wait: Duration) -> Result<(Permit, Duration), LimiterError> {
        let shared = &self.shared;
        let reservation = match &shared.pacing {
            Pacing::Off => return Ok((Permit::UNTRACKED, Duration::ZERO)),
            Pacing::Local(local) => local.reserve_slot(max_wait)?,
            Pacing::Custom(custom) => custom.reserve(max_wait).await?,
        };
        // Dropped before the limiter says go, it gives the slot back.
        let held = shared.hold(reservation);
        let mut wait = Wait::new(reservation, max_wait);
        if let Some(first) = wait.first() {
            Delay::new(first).await;
        }
        loop {
            match wait.next(|r| shared.confirm(r))? {
                Step::Go(permit) => {
                    held.went();
                    return Ok((permit, wait.waited()));
                }
                Step::Sleep(more) => Delay::new(more).await,
            }
        }
    }

    crate::resources::accessors!();
}
