//! What the async and the blocking client share: configuration, limiter, retry policy, and the
//! steps of one attempt. The two clients differ only in how they wait.

use std::fmt;
use std::time::{Duration, Instant, SystemTime};

use cocoon_core::transport::{Deadline, DEFAULT_TIMEOUT};
use cocoon_core::{
    build_request, decode_response, Config, Endpoint, Error, Idempotency, LimiterError,
    LimiterErrorKind, RateLimit, RetryDecision, RetryPolicy, RetryState, TransportError,
    TransportErrorKind,
};
use http::{Request, Response, StatusCode};

use crate::limiter::{
    AsyncRateLimiter, Confirmation, LocalLimiter, Outcome, Pacing, Permit, RateLimiter, Reservation,
};
use crate::telemetry::{AttemptSpan, CallSpan, Server};

/// The part of a limiter both clients call the same way: `confirm` and `release` are
/// synchronous in both traits.
pub(crate) trait Confirm {
    fn confirm(&self, reservation: &Reservation) -> Confirmation;
    fn release(&self, reservation: &Reservation);
}

impl Confirm for dyn AsyncRateLimiter {
    fn confirm(&self, reservation: &Reservation) -> Confirmation {
        AsyncRateLimiter::confirm(self, reservation)
    }
    fn release(&self, reservation: &Reservation) {
        AsyncRateLimiter::release(self, reservation)
    }
}

impl Confirm for dyn RateLimiter {
    fn confirm(&self, reservation: &Reservation) -> Confirmation {
        RateLimiter::confirm(self, reservation)
    }
    fn release(&self, reservation: &Reservation) {
        RateLimiter::release(self, reservation)
    }
}

pub(crate) struct Shared<L: ?Sized> {
    pub(crate) config: Config,
    pub(crate) pacing: Pacing<L>,
    pub(crate) max_limiter_wait: Duration,
    pub(crate) retry: RetryPolicy,
    /// One deadline for a whole call: limiter waits, attempts and delays between them.
    pub(crate) timeout: Duration,
    /// The bound on one attempt's exchange, when there is one besides the call's deadline.
    pub(crate) attempt_timeout: Option<Duration>,
    server: Server,
}

impl<L: ?Sized> Shared<L> {
    pub(crate) fn new(
        config: Config,
        pacing: Pacing<L>,
        max_limiter_wait: Duration,
        retry: RetryPolicy,
    ) -> Self {
        Shared {
            server: Server::of(&config),
            config,
            pacing,
            max_limiter_wait,
            retry,
            timeout: DEFAULT_TIMEOUT,
            attempt_timeout: None,
        }
    }

    /// Sets the call's deadline and the per-attempt bound.
    pub(crate) fn with_timeouts(mut self, timeout: Duration, attempt: Option<Duration>) -> Self {
        self.timeout = timeout;
        self.attempt_timeout = attempt;
        self
    }

    /// The deadline of a call starting now.
    pub(crate) fn deadline(&self) -> Deadline {
        Deadline::after(self.timeout)
    }

    /// How long an attempt may wait for a permit: the configured bound, within what is left of
    /// the call's deadline.
    pub(crate) fn max_wait(&self, deadline: Deadline) -> Duration {
        self.max_limiter_wait.min(deadline.remaining())
    }

    /// The error of a call whose deadline passed during an attempt: `sent` when the request had
    /// gone out (the server may have acted on it), otherwise nothing was sent. Recorded as the
    /// call's last attempt, never retried.
    pub(crate) fn past_deadline<E: Endpoint + ?Sized>(
        &self,
        endpoint: &E,
        sent: bool,
        state: &mut RetryState,
        attempt: &AttemptSpan,
    ) -> Error {
        let timeout = Rounded(self.timeout);
        let error = if sent {
            let message = match endpoint.idempotency() {
                Idempotency::NotIdempotent => format!(
                    "the call's {timeout} deadline passed with the request in flight: it may \
                     have been delivered, and is not sent again"
                ),
                _ => format!(
                    "the call's {timeout} deadline passed with the request in flight: the server \
                     may have acted on it"
                ),
            };
            Error::Transport(TransportError::new(TransportErrorKind::Timeout, message))
        } else {
            Error::Limiter(LimiterError::new(
                LimiterErrorKind::WaitTooLong {
                    wait: self.timeout,
                    max_wait: self.timeout,
                },
                format!(
                    "the call's {timeout} deadline passed while waiting for a permit; nothing \
                     was sent"
                ),
            ))
        };
        if sent {
            let decision = state.after_failure(&RetryPolicy::never(), &error, SystemTime::now(), 0);
            attempt.decided(&error, decision);
        }
        error
    }

    /// What to do after a failed attempt, within the call's `deadline`: a retry whose delay
    /// would end past it is not taken (the call ends now with this error).
    pub(crate) fn after_failure(
        &self,
        state: &mut RetryState,
        error: &Error,
        attempt: &AttemptSpan,
        deadline: Deadline,
    ) -> RetryDecision {
        let before = state.clone();
        let now = SystemTime::now();
        let mut decision = state.after_failure(&self.retry, error, now, fastrand::u64(..));
        if let RetryDecision::RetryAfter(delay) = decision {
            if delay >= deadline.remaining() {
                *state = before;
                decision = state.after_failure(&RetryPolicy::never(), error, now, 0);
            }
        }
        attempt.decided(error, decision);
        decision
    }

    /// The span of a call to `endpoint`.
    pub(crate) fn call_span<E: Endpoint + ?Sized>(&self, endpoint: &E) -> CallSpan {
        CallSpan::new(&self.server, &self.config, endpoint)
    }

    /// The request of one attempt.
    pub(crate) fn request<E: Endpoint + ?Sized>(
        &self,
        endpoint: &E,
    ) -> Result<Request<Vec<u8>>, Error> {
        build_request(&self.config, endpoint)
    }

    /// How the attempt ended, for the limiter and the attempt's span.
    pub(crate) fn heard(
        &self,
        sent: &Result<Response<Vec<u8>>, TransportError>,
        sent_at: Instant,
        attempt: &AttemptSpan,
    ) -> Outcome {
        let outcome = match sent {
            Ok(response) => {
                let rate_limit = RateLimit::from_headers(response.headers());
                attempt.answered(response.status(), &rate_limit);
                Outcome::answered(response.status(), rate_limit)
            }
            Err(_) => Outcome::no_answer(),
        };
        outcome.with_latency(sent_at.elapsed())
    }

    /// Tells the attempt's span how the attempt ended, when no limiter needs to hear it (the
    /// headers are then read only when the span is recorded).
    pub(crate) fn traced(
        &self,
        sent: &Result<Response<Vec<u8>>, TransportError>,
        attempt: &AttemptSpan,
    ) {
        if let (Ok(response), true) = (sent, attempt.is_enabled()) {
            attempt.answered(
                response.status(),
                &RateLimit::from_headers(response.headers()),
            );
        }
    }

    /// The outcome of one attempt.
    pub(crate) fn outcome<E: Endpoint + ?Sized>(
        &self,
        endpoint: &E,
        sent: Result<Response<Vec<u8>>, TransportError>,
    ) -> Result<(E::Output, StatusCode), Error> {
        let response = sent?;
        let status = response.status();
        decode_response(endpoint, response).map(|output| (output, status))
    }
}

impl<L: Confirm + ?Sized> Shared<L> {
    /// May the caller holding `reservation` go now?
    pub(crate) fn confirm(&self, reservation: &Reservation) -> Confirmation {
        match &self.pacing {
            Pacing::Off => Confirmation::Go(Permit::UNTRACKED),
            Pacing::Local(local) => local.confirm_slot(reservation),
            Pacing::Custom(custom) => custom.confirm(reservation),
        }
    }

    /// Holds `reservation` until it is confirmed with [`Confirmation::Go`]: dropped before
    /// (the call timed out, its future was dropped, the wait grew past the bound), it hands
    /// the slot back to the limiter.
    pub(crate) fn hold(&self, reservation: Reservation) -> Held<'_, L> {
        Held {
            shared: self,
            reservation: Some(reservation),
        }
    }
}

/// A reservation not yet confirmed (see [`Shared::hold`]).
pub(crate) struct Held<'a, L: Confirm + ?Sized> {
    shared: &'a Shared<L>,
    reservation: Option<Reservation>,
}

impl<L: Confirm + ?Sized> Held<'_, L> {
    /// The limiter said go: the slot is used, nothing to give back.
    pub(crate) fn went(mut self) {
        self.reservation = None;
    }
}

impl<L: Confirm + ?Sized> Drop for Held<'_, L> {
    fn drop(&mut self) {
        if let Some(reservation) = self.reservation.take() {
            match &self.shared.pacing {
                Pacing::Off => {}
                Pacing::Local(local) => local.release_slot(&reservation),
                Pacing::Custom(custom) => custom.release(&reservation),
            }
        }
    }
}

impl<L: fmt::Debug + ?Sized> fmt::Debug for Shared<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("limiter", &self.pacing)
            .field("max_limiter_wait", &self.max_limiter_wait)
            .field("retry", &self.retry)
            .finish()
    }
}

/// A duration as a message shows it: `200ms`, `1.5s`, `30s`.
struct Rounded(Duration);

impl fmt::Display for Rounded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.0.as_millis();
        if millis < 1000 {
            write!(f, "{millis}ms")
        } else if millis % 1000 == 0 {
            write!(f, "{}s", millis / 1000)
        } else {
            write!(f, "{:.1}s", self.0.as_secs_f64())
        }
    }
}

/// The call's final error, with the story of its attempts, recorded on its span.
pub(crate) fn finish(call: &CallSpan, state: RetryState, error: Error) -> Error {
    let error = state.finish(error);
    call.failed(&error);
    error
}

/// A request in flight under a permit of the built-in limiter: if its call is dropped before
/// the outcome is heard, the limiter still learns the attempt is over.
pub(crate) struct InFlight<'a> {
    local: Option<&'a LocalLimiter>,
    permit: Permit,
}

impl<'a> InFlight<'a> {
    pub(crate) fn new<L: ?Sized>(pacing: &'a Pacing<L>, permit: Permit) -> Self {
        let local = match pacing {
            Pacing::Local(local) => Some(local),
            _ => None,
        };
        InFlight { local, permit }
    }

    /// The outcome was heard: nothing left to do on drop.
    pub(crate) fn settle(mut self) {
        self.local = None;
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Some(local) = self.local {
            local.abandon(self.permit);
        }
    }
}

/// The parts of a client that do not depend on how it waits: constructor, accessors, `Clone`
/// and a `Debug` that never shows the key.
macro_rules! client_common {
    ($client:ident, $limiter:ty) => {
        impl<T> $client<T> {
            pub(crate) fn from_parts(
                shared: $crate::shared::Shared<$limiter>,
                transport: T,
            ) -> Self {
                $client {
                    shared: std::sync::Arc::new(shared),
                    transport: std::sync::Arc::new(transport),
                }
            }

            /// The configuration requests are built with (base URL, key, auth scheme, routes).
            pub fn config(&self) -> &cocoon_core::Config {
                &self.shared.config
            }

            /// The retry policy.
            pub fn retry_policy(&self) -> &cocoon_core::RetryPolicy {
                &self.shared.retry
            }

            /// The transport.
            pub fn transport(&self) -> &T {
                &self.transport
            }
        }

        impl<T> Clone for $client<T> {
            fn clone(&self) -> Self {
                $client {
                    shared: std::sync::Arc::clone(&self.shared),
                    transport: std::sync::Arc::clone(&self.transport),
                }
            }
        }

        impl<T> std::fmt::Debug for $client<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&*self.shared, f)
            }
        }
    };
}
pub(crate) use client_common;
