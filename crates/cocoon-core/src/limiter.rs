//! Client-side rate limiting: the traits the `cocoonmail` clients wait on, and what a limiter
//! hears about each attempt. The limiters themselves (in memory, Redis) live in other crates;
//! these traits are here so they can all implement them without depending on each other.
//!
//! # How a client uses its limiter
//!
//! Before every attempt (retries included) the client asks three things:
//!
//! 1. [`reserve`](RateLimiter::reserve): *when may I send?* The limiter hands out send times
//!    first come, first served and answers with a [`Reservation`]: how long to wait. It may do
//!    I/O (the Redis limiter makes one round trip). It refuses with a [`LimiterError`] when the
//!    wait would pass the client's bound ([`ClientBuilder::max_limiter_wait`]).
//! 2. The client sleeps that long, once (asynchronously in the async client, so no runtime
//!    thread is blocked), then asks [`confirm`](RateLimiter::confirm): *may I go now?* This is
//!    local and cheap. It normally says [`Confirmation::Go`]; it says
//!    [`Confirmation::Wait`] only when something changed while the caller slept (a 429 paused
//!    everyone, or a caller ahead woke late).
//! 3. After the attempt, [`observe`](RateLimiter::observe): *here is how it went.* A 429, or
//!    an answer saying `x-ratelimit-remaining: 0`, pauses every caller of the limiter (with a
//!    shared limiter: every process of the team) for as long as [`crate::requested_pause`]
//!    says.
//!
//! A caller that gives up between `reserve` and its send (a deadline passed, the call's future
//! was dropped) hands its slot back with [`release`](RateLimiter::release), so the callers
//! behind it move up.
//!
//! The blocking client uses [`RateLimiter`], the async one [`AsyncRateLimiter`]: the same three
//! steps, with `reserve` and `observe` awaited so a limiter can do network I/O without
//! blocking a runtime thread. [`Unlimited`] implements both, as do the `cocoonmail` crate's
//! in-memory `LocalLimiter` and `cocoon-limiter-redis`'s `RedisLimiter`.
//!
//! [`ClientBuilder::max_limiter_wait`]: https://docs.rs/cocoonmail/latest/cocoonmail/struct.ClientBuilder.html#method.max_limiter_wait

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use http::StatusCode;

use crate::error::LimiterError;
use crate::pause::requested_pause;
use crate::ratelimit::RateLimit;
use crate::transport::BoxFuture;

/// A send time handed out by [`RateLimiter::reserve`]: wait this long, then
/// [`confirm`](RateLimiter::confirm) and send.
///
/// Besides the wait it carries two numbers the limiter chose for its own bookkeeping (for the
/// in-memory limiter: the slot and what it knew of pauses when it handed the slot out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservation {
    wait: Duration,
    ticket: u64,
    stamp: u64,
}

impl Reservation {
    /// A reservation to send after `wait`.
    pub fn after(wait: Duration) -> Self {
        Reservation {
            wait,
            ticket: 0,
            stamp: 0,
        }
    }

    /// A reservation to send at once.
    pub fn now() -> Self {
        Reservation::after(Duration::ZERO)
    }

    /// Attaches the limiter's own numbers, handed back to it by [`RateLimiter::confirm`].
    pub fn with_ticket(mut self, ticket: u64, stamp: u64) -> Self {
        self.ticket = ticket;
        self.stamp = stamp;
        self
    }

    /// How long to wait, from the moment the reservation was made.
    pub fn wait(&self) -> Duration {
        self.wait
    }

    /// The limiter's first number.
    pub fn ticket(&self) -> u64 {
        self.ticket
    }

    /// The limiter's second number.
    pub fn stamp(&self) -> u64 {
        self.stamp
    }
}

/// The answer to [`RateLimiter::confirm`]: go or wait, nothing else (a limiter refuses at
/// `reserve`), so the enum is exhaustive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// Send now; hand this permit back to [`RateLimiter::observe`] with the outcome.
    Go(Permit),
    /// Wait this much longer, then confirm again.
    Wait(Duration),
}

/// The token of one request that went out, handed back to [`RateLimiter::observe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permit(u64);

impl Permit {
    /// A permit its limiter does not follow.
    pub const UNTRACKED: Permit = Permit(u64::MAX);

    /// A permit with a limiter-chosen number.
    pub fn new(id: u64) -> Self {
        Permit(id)
    }

    /// The limiter-chosen number.
    pub fn id(self) -> u64 {
        self.0
    }
}

/// How an attempt ended, as a limiter hears it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outcome {
    /// The answer's status; `None` when no answer came (the request failed in transit).
    pub status: Option<StatusCode>,
    /// The rate-limit headers of the answer (empty without an answer).
    pub rate_limit: RateLimit,
    /// When the attempt ended (`Retry-After` dates are read against it).
    pub at: SystemTime,
    /// How long after its request was sent the attempt ended (zero when not measured).
    pub latency: Duration,
}

impl Outcome {
    /// An answer with `status` and these rate-limit headers, arriving now.
    pub fn answered(status: StatusCode, rate_limit: RateLimit) -> Self {
        Outcome {
            status: Some(status),
            rate_limit,
            at: SystemTime::now(),
            latency: Duration::ZERO,
        }
    }

    /// The same outcome, `latency` after its request was sent.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// An attempt that got no answer, ending now.
    pub fn no_answer() -> Self {
        Outcome {
            status: None,
            rate_limit: RateLimit::default(),
            at: SystemTime::now(),
            latency: Duration::ZERO,
        }
    }

    /// How long every caller sharing the budget should hold back after this outcome
    /// ([`crate::requested_pause`]): after a 429, or when the server's window is full.
    pub fn requested_pause(&self) -> Option<Duration> {
        requested_pause(self.status?, &self.rate_limit, self.at, self.latency)
    }
}

/// The blocking client's rate limiter. See the [module docs](self) for the three steps.
///
/// Implement it to pace requests by a budget of your own; hand it to the `cocoonmail` client
/// builder's `rate_limiter` on a blocking builder.
/// `reserve` and `observe` may block on I/O; `confirm` must not.
pub trait RateLimiter: Send + Sync + fmt::Debug {
    /// Reserves the next send time, first come first served, or refuses when it is more than
    /// `max_wait` away (without using up the slot).
    fn reserve(&self, max_wait: Duration) -> Result<Reservation, LimiterError>;

    /// The reservation's wait is over: may the caller send now? Local and cheap. The default
    /// always says go, untracked.
    fn confirm(&self, reservation: &Reservation) -> Confirmation {
        let _ = reservation;
        Confirmation::Go(Permit::UNTRACKED)
    }

    /// The attempt sent under `permit` ended with `outcome`. The default ignores it.
    fn observe(&self, permit: Permit, outcome: &Outcome) {
        let _ = (permit, outcome);
    }

    /// The caller holding `reservation` gave up before sending (its call timed out or was
    /// dropped): the limiter may hand the slot to the callers behind it. Called at most once
    /// per reservation, never for one that was confirmed with [`Confirmation::Go`]. Must not
    /// block; a limiter that needs I/O to give the slot back defers it. The default keeps the
    /// slot (it goes unused).
    fn release(&self, reservation: &Reservation) {
        let _ = reservation;
    }
}

/// The async client's rate limiter: [`RateLimiter`] with `reserve` and `observe` awaited, so
/// a limiter can make network round trips without blocking a runtime thread.
///
/// Hand it to the `cocoonmail` client builder's `rate_limiter` on an async builder. `confirm`
/// stays synchronous: it must not do I/O.
#[async_trait]
pub trait AsyncRateLimiter: Send + Sync + fmt::Debug {
    /// Reserves the next send time, or refuses when it is more than `max_wait` away.
    async fn reserve(&self, max_wait: Duration) -> Result<Reservation, LimiterError>;

    /// The reservation's wait is over: may the caller send now? The default always says go.
    fn confirm(&self, reservation: &Reservation) -> Confirmation {
        let _ = reservation;
        Confirmation::Go(Permit::UNTRACKED)
    }

    /// The attempt sent under `permit` ended with `outcome`. The default ignores it.
    async fn observe(&self, permit: Permit, outcome: &Outcome) {
        let _ = (permit, outcome);
    }

    /// The caller holding `reservation` gave up before sending: see
    /// [`RateLimiter::release`]. Synchronous, because it runs when a call's future is
    /// dropped; a limiter that needs I/O defers it. The default keeps the slot.
    fn release(&self, reservation: &Reservation) {
        let _ = reservation;
    }
}

/// A limiter that never waits (rate limiting off; 429s are still retried).
#[derive(Debug, Clone, Copy, Default)]
pub struct Unlimited;

impl RateLimiter for Unlimited {
    fn reserve(&self, _max_wait: Duration) -> Result<Reservation, LimiterError> {
        Ok(Reservation::now())
    }
}

#[async_trait]
impl AsyncRateLimiter for Unlimited {
    async fn reserve(&self, _max_wait: Duration) -> Result<Reservation, LimiterError> {
        Ok(Reservation::now())
    }
}

impl<L: RateLimiter + ?Sized> RateLimiter for Arc<L> {
    fn reserve(&self, max_wait: Duration) -> Result<Reservation, LimiterError> {
        (**self).reserve(max_wait)
    }
    fn confirm(&self, reservation: &Reservation) -> Confirmation {
        (**self).confirm(reservation)
    }
    fn observe(&self, permit: Permit, outcome: &Outcome) {
        (**self).observe(permit, outcome)
    }
    fn release(&self, reservation: &Reservation) {
        (**self).release(reservation)
    }
}

/// Hands the inner limiter's boxed futures on as they are (with `async_trait` each call would
/// box a second future around the first).
impl<L: AsyncRateLimiter + ?Sized> AsyncRateLimiter for Arc<L> {
    fn reserve<'life0, 'async_trait>(
        &'life0 self,
        max_wait: Duration,
    ) -> BoxFuture<'async_trait, Result<Reservation, LimiterError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        (**self).reserve(max_wait)
    }

    fn confirm(&self, reservation: &Reservation) -> Confirmation {
        (**self).confirm(reservation)
    }

    fn observe<'life0, 'life1, 'async_trait>(
        &'life0 self,
        permit: Permit,
        outcome: &'life1 Outcome,
    ) -> BoxFuture<'async_trait, ()>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        (**self).observe(permit, outcome)
    }

    fn release(&self, reservation: &Reservation) {
        (**self).release(reservation)
    }
}
