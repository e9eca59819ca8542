//! The in-memory limiter: slots handed out first come first served in front of governor's
//! GCRA, a latency guard, and pauses heard from the server.

use std::collections::VecDeque;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use cocoon_core::LimiterError;
use governor::clock::{Clock, MonotonicClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::Quota;

use super::{AsyncRateLimiter, Confirmation, Outcome, Permit, RateLimiter, Reservation};

/// The share of each request's period kept as a safety margin by
/// [`LocalLimiter::per_second`], in thousandths.
///
/// Requests leave the client at least `1.03 / n` seconds apart, so a server that counts
/// arrivals in a sliding one-second window sees at most `n` requests in any window even when
/// network and scheduling jitter move one request by up to 3% of a second against another,
/// while the client still sustains 97% of the allowed rate. Larger, one-off delays (a cold
/// connection's handshake) are covered by the latency guard of [`LocalLimiter`].
pub const SAFETY_MARGIN_PER_MILLE: u32 = 30;

/// The most a slow answer can hold back a later request (see [`LocalLimiter`]).
pub const MAX_OUTLIER_HOLD: Duration = Duration::from_secs(1);

/// The most grants the latency guard remembers, so a very high rate costs bounded memory.
const MAX_TRACKED_GRANTS: usize = 1024;

/// The stamp of a reservation granted at once: its ticket is the permit.
const GRANTED: u64 = u64::MAX;

type Gcra<C> =
    governor::RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// The default limiter: one process's budget, in memory, shared by every clone of a client
/// (and by every client given the same `LocalLimiter`: it is cheap to clone and clones share
/// the budget). It implements both [`RateLimiter`] and [`AsyncRateLimiter`].
///
/// **Slots, first come first served.** `reserve` hands out send times `1.03 / n` seconds
/// apart in the order callers ask, so each waiting caller learns its send time once and
/// sleeps once; no herd of waiters wakes together to race for one permit. When the caller
/// wakes, governor's GCRA (burst one) confirms the spacing of what really leaves, so a caller
/// that woke late cannot bunch up with the next one.
///
/// **Spacing.** A quota of `n` per second with a burst of `n` would let `2n - 1` requests
/// through in the first second, which a strict server answers with 429s; a burst of one cannot.
///
/// **Latency guard.** The server counts arrivals, not departures. When one request is
/// unusually slow (typically the first of a burst, which opens a connection and does a TLS
/// handshake before its bytes leave), it may arrive so late that the `n`-th request after it,
/// sent on a warm connection, lands less than a second after it. So the limiter remembers the
/// last `n` grants; when a request took longer than the fastest recent ones, the request `n`
/// grants later is held back by the difference (at most [`MAX_OUTLIER_HOLD`]). A server that
/// is uniformly slow holds nothing back: only the excess over the typical latency counts.
///
/// **Pauses.** A 429, or an answer saying the server's window is full, pauses every caller
/// for as long as [`Outcome::requested_pause`] says: the slots already handed out move back
/// together, keeping their order and spacing, so the first lands when the pause ends.
#[derive(Clone)]
pub struct LocalLimiter<C: Clock = MonotonicClock> {
    inner: Arc<Inner<C>>,
}

struct Inner<C: Clock> {
    gcra: Gcra<C>,
    clock: C,
    origin: C::Instant,
    period: Duration,
    window: usize,
    ledger: Mutex<Ledger>,
}

/// Times are durations since the limiter's origin.
struct Ledger {
    /// The latest slot handed out.
    last_slot: Option<Duration>,
    /// How far pauses have moved the slots handed out so far, in all.
    shift: Duration,
    /// No request goes before this.
    paused_until: Duration,
    /// The last grants, oldest first, and how long each took to be answered.
    grants: VecDeque<Grant>,
    next_id: u64,
}

#[derive(Clone, Copy)]
struct Grant {
    id: u64,
    at: Duration,
    latency: Option<Duration>,
}

impl LocalLimiter<MonotonicClock> {
    /// At most `requests` per second in any one-second window, with the safety margin of
    /// [`SAFETY_MARGIN_PER_MILLE`].
    pub fn per_second(requests: NonZeroU32) -> Self {
        Self::per_second_with_clock(requests, MonotonicClock)
    }
}

impl<C: Clock + Clone> LocalLimiter<C> {
    /// Like [`LocalLimiter::per_second`], on a given clock (a fake one in tests).
    pub fn per_second_with_clock(requests: NonZeroU32, clock: C) -> Self {
        let period =
            Duration::from_secs(1) * (1000 + SAFETY_MARGIN_PER_MILLE) / 1000 / requests.get();
        let period = period.max(Duration::from_nanos(1));
        let quota = Quota::with_period(period)
            .expect("the period is not zero")
            .allow_burst(NonZeroU32::MIN);
        let origin = clock.now();
        LocalLimiter {
            inner: Arc::new(Inner {
                gcra: governor::RateLimiter::direct_with_clock(quota, clock.clone()),
                clock,
                origin,
                period,
                window: (requests.get() as usize).min(MAX_TRACKED_GRANTS),
                ledger: Mutex::new(Ledger {
                    last_slot: None,
                    shift: Duration::ZERO,
                    paused_until: Duration::ZERO,
                    grants: VecDeque::new(),
                    next_id: 0,
                }),
            }),
        }
    }

    /// The time between two permits.
    pub fn period(&self) -> Duration {
        self.inner.period
    }

    /// Holds every caller back for `pause` from now (slots already handed out move back too).
    pub fn pause_for(&self, pause: Duration) {
        let now = self.now();
        let mut ledger = self.ledger();
        self.pause_until(&mut ledger, now, now + pause);
    }

    /// How much longer the current pause lasts, if one does.
    pub fn paused_for(&self) -> Option<Duration> {
        let now = self.now();
        let until = self.ledger().paused_until;
        (until > now).then(|| until - now)
    }

    fn now(&self) -> Duration {
        since(self.inner.clock.now(), self.inner.origin)
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.inner
            .ledger
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Reserves the next slot, or refuses when it is more than `max_wait` away.
    pub(crate) fn reserve_slot(&self, max_wait: Duration) -> Result<Reservation, LimiterError> {
        let now = self.now();
        let mut ledger = self.ledger();
        let mut slot = now.max(ledger.paused_until);
        if let Some(last) = ledger.last_slot {
            slot = slot.max(last + self.inner.period);
        }
        if slot <= now {
            // Free now: grant under the same lock, so `confirm` has nothing left to do.
            match self.grant(&mut ledger, now) {
                Ok(permit) => {
                    ledger.last_slot = Some(now);
                    return Ok(Reservation::now().with_ticket(permit.id(), GRANTED));
                }
                Err(more) => slot = now + more,
            }
        }
        let wait = slot - now;
        if wait > max_wait {
            return Err(LimiterError::wait_too_long(wait, max_wait));
        }
        ledger.last_slot = Some(slot);
        Ok(Reservation::after(wait).with_ticket(nanos(slot), nanos(ledger.shift)))
    }

    /// The reservation's time has come: go, or wait for a pause, the latency guard or the
    /// spacing of what really left.
    pub(crate) fn confirm_slot(&self, reservation: &Reservation) -> Confirmation {
        if reservation.stamp() == GRANTED {
            return Confirmation::Go(Permit::new(reservation.ticket()));
        }
        let now = self.now();
        let mut ledger = self.ledger();
        let moved_by = ledger
            .shift
            .saturating_sub(Duration::from_nanos(reservation.stamp()));
        let slot = Duration::from_nanos(reservation.ticket()) + moved_by;
        let start = slot.max(ledger.paused_until);
        if start > now {
            return Confirmation::Wait(start - now);
        }
        match self.grant(&mut ledger, now) {
            Ok(permit) => Confirmation::Go(permit),
            Err(wait) => Confirmation::Wait(wait),
        }
    }

    /// A permit now, when the latency guard and governor's spacing allow it; otherwise how
    /// long to wait.
    fn grant(&self, ledger: &mut Ledger, now: Duration) -> Result<Permit, Duration> {
        let hold = self.hold(ledger, now);
        if hold > Duration::ZERO {
            return Err(hold);
        }
        if let Err(not_until) = self.inner.gcra.check() {
            return Err(not_until.wait_time_from(self.inner.clock.now()));
        }
        let id = ledger.next_id;
        ledger.next_id += 1;
        if ledger.grants.len() == self.inner.window {
            ledger.grants.pop_front();
        }
        ledger.grants.push_back(Grant {
            id,
            at: now,
            latency: None,
        });
        Ok(Permit::new(id))
    }

    /// Hears how an attempt ended: its latency, and any pause the answer asks for.
    pub(crate) fn hear(&self, permit: Permit, outcome: &Outcome) {
        let now = self.now();
        let mut ledger = self.ledger();
        record_latency(&mut ledger, permit, now);
        if let Some(pause) = outcome.requested_pause() {
            self.pause_until(&mut ledger, now, now + pause);
        }
    }

    /// The attempt sent under `permit` ended without an outcome to report (its call was
    /// dropped mid-flight): only its latency is kept.
    pub(crate) fn abandon(&self, permit: Permit) {
        let now = self.now();
        record_latency(&mut self.ledger(), permit, now);
    }

    /// No request before `until`: the slots handed out that are still to come move back
    /// together by as much as the first of them needs, keeping order and spacing.
    fn pause_until(&self, ledger: &mut Ledger, now: Duration, until: Duration) {
        if until <= now || until <= ledger.paused_until {
            return;
        }
        if let Some(last) = ledger.last_slot.filter(|last| *last >= now) {
            let period = self.inner.period;
            let behind = (last - now).as_nanos() / period.as_nanos();
            let first_to_come = last.saturating_sub(period * behind as u32);
            if until > first_to_come {
                let by = until - first_to_come;
                ledger.shift += by;
                ledger.last_slot = Some(last + by);
            }
        }
        ledger.paused_until = until;
    }

    /// How long the latency guard holds the next request back, from `now`.
    fn hold(&self, ledger: &Ledger, now: Duration) -> Duration {
        let window = self.inner.window;
        if ledger.grants.len() < window {
            return Duration::ZERO;
        }
        let oldest = ledger.grants[0];
        // The fastest answer among the remembered grants stands for a typical request.
        let Some(typical) = ledger.grants.iter().filter_map(|g| g.latency).min() else {
            return Duration::ZERO;
        };
        // Still unanswered: it has been slow at least this long.
        let latency = oldest
            .latency
            .unwrap_or_else(|| now.saturating_sub(oldest.at));
        let excess = latency.saturating_sub(typical).min(MAX_OUTLIER_HOLD);
        let ready_at = oldest.at + self.inner.period * window as u32 + excess;
        ready_at.saturating_sub(now)
    }
}

fn record_latency(ledger: &mut Ledger, permit: Permit, now: Duration) {
    if permit == Permit::UNTRACKED {
        return;
    }
    if let Some(grant) = ledger.grants.iter_mut().find(|g| g.id == permit.id()) {
        grant.latency.get_or_insert(now.saturating_sub(grant.at));
    }
}

fn since<I: Reference>(now: I, earlier: I) -> Duration {
    Duration::from_nanos(now.duration_since(earlier).as_u64())
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl<C> RateLimiter for LocalLimiter<C>
where
    C: Clock + Clone + Send + Sync,
    C::Instant: Send + Sync,
{
    fn reserve(&self, max_wait: Duration) -> Result<Reservation, LimiterError> {
        self.reserve_slot(max_wait)
    }

    fn confirm(&self, reservation: &Reservation) -> Confirmation {
        self.confirm_slot(reservation)
    }

    fn observe(&self, permit: Permit, outcome: &Outcome) {
        self.hear(permit, outcome);
    }
}

#[async_trait]
impl<C> AsyncRateLimiter for LocalLimiter<C>
where
    C: Clock + Clone + Send + Sync,
    C::Instant: Send + Sync,
{
    async fn reserve(&self, max_wait: Duration) -> Result<Reservation, LimiterError> {
        self.reserve_slot(max_wait)
    }

    fn confirm(&self, reservation: &Reservation) -> Confirmation {
        self.confirm_slot(reservation)
    }

    async fn observe(&self, permit: Permit, outcome: &Outcome) {
        self.hear(permit, outcome);
    }
}

impl<C: Clock> fmt::Debug for LocalLimiter<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalLimiter")
            .field("period", &self.inner.period)
            .field("window", &self.inner.window)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
