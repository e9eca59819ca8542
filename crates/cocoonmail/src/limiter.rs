//! Client-side rate limiting: the trait the clients wait on and its governor implementation.

use std::collections::VecDeque;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use governor::clock::{Clock, MonotonicClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::Quota;

/// Something that paces requests. Both clients ask it for a permit before every attempt.
///
/// The default is a [`GovernorLimiter`] at the documented 10 requests per second. Implement
/// this trait to share one budget between several processes of a team (for example through
/// Redis), then hand it to the builder with `rate_limiter`. Only
/// [`try_acquire`](RateLimiter::try_acquire) is required; a limiter that wants to know when
/// each request was answered overrides [`acquire`](RateLimiter::acquire) and
/// [`release`](RateLimiter::release) too.
pub trait RateLimiter: Send + Sync + fmt::Debug {
    /// Takes a permit if one is free now (`Ok`), or says how long to wait before asking again.
    fn try_acquire(&self) -> Result<(), Duration>;

    /// Like [`try_acquire`](RateLimiter::try_acquire), returning a [`Permit`] that the client
    /// hands back to [`release`](RateLimiter::release) once the attempt is answered (or failed,
    /// or was cancelled).
    fn acquire(&self) -> Result<Permit, Duration> {
        self.try_acquire().map(|()| Permit::UNTRACKED)
    }

    /// The attempt sent under `permit` is over.
    fn release(&self, _permit: Permit) {}
}

/// The token of one granted request, handed back to [`RateLimiter::release`].
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

/// The share of each request's period kept as a safety margin by
/// [`GovernorLimiter::per_second`], in thousandths.
///
/// Requests leave the client at least `1.03 / n` seconds apart, so a server that counts
/// arrivals in a sliding one-second window sees at most `n` requests in any window even when
/// network and scheduling jitter move one request by up to 3% of a second against another,
/// while the client still sustains 97% of the allowed rate. Larger, one-off delays (a cold
/// connection's handshake) are covered by the latency guard of [`GovernorLimiter`].
pub const SAFETY_MARGIN_PER_MILLE: u32 = 30;

/// The most a slow answer can hold back a later request (see [`GovernorLimiter`]).
pub const MAX_OUTLIER_HOLD: Duration = Duration::from_secs(1);

/// The most grants the latency guard remembers, so a very high rate costs bounded memory.
const MAX_TRACKED_GRANTS: usize = 1024;

/// The default [`RateLimiter`]: evenly spaced permits from governor's GCRA, plus a guard for
/// requests that were slow to arrive.
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
pub struct GovernorLimiter<C: Clock = MonotonicClock> {
    limiter: governor::RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<C::Instant>>,
    clock: C,
    period: Duration,
    window: usize,
    recent: Mutex<Recent<C::Instant>>,
}

/// The last grants, oldest first, and when they were answered.
struct Recent<I> {
    grants: VecDeque<Grant<I>>,
    next_id: u64,
}

#[derive(Clone, Copy)]
struct Grant<I> {
    id: u64,
    at: I,
    latency: Option<Duration>,
}

impl GovernorLimiter<MonotonicClock> {
    /// At most `requests` per second in any one-second window, with the safety margin of
    /// [`SAFETY_MARGIN_PER_MILLE`].
    pub fn per_second(requests: NonZeroU32) -> Self {
        Self::per_second_with_clock(requests, MonotonicClock)
    }
}

impl<C: Clock + Clone> GovernorLimiter<C> {
    /// Like [`GovernorLimiter::per_second`], on a given clock (a fake one in tests).
    pub fn per_second_with_clock(requests: NonZeroU32, clock: C) -> Self {
        let period =
            Duration::from_secs(1) * (1000 + SAFETY_MARGIN_PER_MILLE) / 1000 / requests.get();
        let period = period.max(Duration::from_nanos(1));
        let quota = Quota::with_period(period)
            .expect("the period is not zero")
            .allow_burst(NonZeroU32::MIN);
        GovernorLimiter {
            limiter: governor::RateLimiter::direct_with_clock(quota, clock.clone()),
            clock,
            period,
            window: (requests.get() as usize).min(MAX_TRACKED_GRANTS),
            recent: Mutex::new(Recent {
                grants: VecDeque::new(),
                next_id: 0,
            }),
        }
    }

    /// The time between two permits.
    pub fn period(&self) -> Duration {
        self.period
    }

    fn since(&self, now: C::Instant, earlier: C::Instant) -> Duration {
        Duration::from_nanos(now.duration_since(earlier).as_u64())
    }

    /// How long the latency guard holds the next request back, from `now`.
    fn hold(&self, recent: &Recent<C::Instant>, now: C::Instant) -> Duration {
        if recent.grants.len() < self.window {
            return Duration::ZERO;
        }
        let oldest = recent.grants[0];
        // The fastest answer among the remembered grants stands for a typical request.
        let Some(typical) = recent.grants.iter().filter_map(|g| g.latency).min() else {
            return Duration::ZERO;
        };
        // Still unanswered: it has been slow at least this long.
        let latency = oldest.latency.unwrap_or_else(|| self.since(now, oldest.at));
        let excess = latency.saturating_sub(typical).min(MAX_OUTLIER_HOLD);
        let ready_at = self.period * self.window as u32 + excess;
        ready_at.saturating_sub(self.since(now, oldest.at))
    }
}

impl<C: Clock + Clone + Send + Sync> RateLimiter for GovernorLimiter<C>
where
    C::Instant: Send + Sync,
{
    fn try_acquire(&self) -> Result<(), Duration> {
        self.acquire().map(drop)
    }

    fn acquire(&self) -> Result<Permit, Duration> {
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.clock.now();
        let hold = self.hold(&recent, now);
        if hold > Duration::ZERO {
            return Err(hold);
        }
        self.limiter
            .check()
            .map_err(|not_until| not_until.wait_time_from(now))?;
        let id = recent.next_id;
        recent.next_id += 1;
        if recent.grants.len() == self.window {
            recent.grants.pop_front();
        }
        recent.grants.push_back(Grant {
            id,
            at: now,
            latency: None,
        });
        Ok(Permit(id))
    }

    fn release(&self, permit: Permit) {
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.clock.now();
        let since = |at| self.since(now, at);
        if let Some(grant) = recent.grants.iter_mut().find(|g| g.id == permit.0) {
            grant.latency = Some(since(grant.at));
        }
    }
}

impl<C: Clock> fmt::Debug for GovernorLimiter<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GovernorLimiter")
            .field("period", &self.period)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

/// A limiter that never waits (rate limiting off).
#[derive(Debug, Clone, Copy, Default)]
pub struct Unlimited;

impl RateLimiter for Unlimited {
    fn try_acquire(&self) -> Result<(), Duration> {
        Ok(())
    }
}

/// A granted permit, handed back to its limiter when the attempt ends, however it ends (an
/// async call dropped mid-flight included).
pub(crate) struct Granted<'a> {
    limiter: &'a dyn RateLimiter,
    permit: Permit,
}

impl Drop for Granted<'_> {
    fn drop(&mut self) {
        self.limiter.release(self.permit);
    }
}

/// Waits for a permit, sleeping the calling thread.
pub(crate) fn acquire_blocking(limiter: &dyn RateLimiter) -> Granted<'_> {
    loop {
        match limiter.acquire() {
            Ok(permit) => return Granted { limiter, permit },
            Err(wait) => std::thread::sleep(wait),
        }
    }
}

/// Waits for a permit without blocking the executor's thread.
pub(crate) async fn acquire_async(limiter: &dyn RateLimiter) -> Granted<'_> {
    loop {
        match limiter.acquire() {
            Ok(permit) => return Granted { limiter, permit },
            Err(wait) => futures_timer::Delay::new(wait).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    const TEN: NonZeroU32 = NonZeroU32::new(10).unwrap();

    /// Drives a limiter on a fake clock the way many eager callers would: every caller asks
    /// as soon as it is told to, and every permit's time is recorded.
    fn grant_times(
        limiter: &GovernorLimiter<FakeRelativeClock>,
        clock: &FakeRelativeClock,
        n: usize,
    ) -> Vec<Duration> {
        let start = clock.now();
        let mut times = Vec::with_capacity(n);
        while times.len() < n {
            match limiter.try_acquire() {
                Ok(()) => times.push(Duration::from_nanos(clock.now().as_u64() - start.as_u64())),
                Err(wait) => clock.advance(wait),
            }
        }
        times
    }

    #[test]
    fn never_more_than_ten_in_any_one_second_window() {
        let clock = FakeRelativeClock::default();
        let limiter = GovernorLimiter::per_second_with_clock(TEN, clock.clone());
        let times = grant_times(&limiter, &clock, 200);
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .take_while(|u| **u - *t < Duration::from_secs(1))
                .count();
            assert!(in_window <= 10, "{in_window} permits within 1 s from {t:?}");
            // Even a window stretched by the safety margin holds no eleventh request.
            let stretched = times[i..]
                .iter()
                .take_while(|u| **u - *t < Duration::from_millis(1029))
                .count();
            assert!(
                stretched <= 10,
                "{stretched} permits within 1.029 s from {t:?}"
            );
        }
    }

    #[test]
    fn sustains_at_least_nine_and_a_half_per_second() {
        let clock = FakeRelativeClock::default();
        let limiter = GovernorLimiter::per_second_with_clock(TEN, clock.clone());
        let times = grant_times(&limiter, &clock, 200);
        let span = times[199] - times[0];
        let rate = 199.0 / span.as_secs_f64();
        assert!(rate >= 9.5, "sustained {rate:.2}/s");
        assert!(rate <= 10.0, "sustained {rate:.2}/s");
        assert_eq!(limiter.period(), Duration::from_millis(103));
    }

    #[test]
    fn a_refusal_says_how_long_to_wait() {
        let clock = FakeRelativeClock::default();
        let limiter = GovernorLimiter::per_second_with_clock(TEN, clock.clone());
        assert_eq!(limiter.try_acquire(), Ok(()));
        assert_eq!(limiter.try_acquire(), Err(Duration::from_millis(103)));
        clock.advance(Duration::from_millis(50));
        assert_eq!(limiter.try_acquire(), Err(Duration::from_millis(53)));
        clock.advance(Duration::from_millis(53));
        assert_eq!(limiter.try_acquire(), Ok(()));
    }

    /// Simulates eager callers whose request `i` takes `latency(i)` to be answered, on a fake
    /// clock; returns when each was granted and when it arrived at the server, taking the worst
    /// case that all its latency came before the server saw it.
    fn simulate(
        n: usize,
        latency: impl Fn(usize) -> Option<Duration>,
    ) -> (Vec<Duration>, Vec<Duration>) {
        let clock = FakeRelativeClock::default();
        let limiter = GovernorLimiter::per_second_with_clock(TEN, clock.clone());
        let start = clock.now();
        let elapsed = |clock: &FakeRelativeClock| {
            Duration::from_nanos(clock.now().duration_since(start).as_u64())
        };
        let (mut granted, mut arrived) = (Vec::new(), Vec::new());
        let mut pending: Vec<(Duration, Permit)> = Vec::new();
        while granted.len() < n {
            let now = elapsed(&clock);
            pending.retain(|&(due, permit)| {
                let done = due <= now;
                if done {
                    limiter.release(permit);
                }
                !done
            });
            match limiter.acquire() {
                Ok(permit) => {
                    let i = granted.len();
                    granted.push(now);
                    match latency(i) {
                        Some(l) => {
                            arrived.push(now + l);
                            pending.push((now + l, permit));
                        }
                        None => arrived.push(now),
                    }
                }
                Err(wait) => {
                    let next_release = pending.iter().map(|(due, _)| *due).min();
                    let step = match next_release {
                        Some(due) if due > now => wait.min(due - now),
                        _ => wait,
                    };
                    clock.advance(step.max(Duration::from_nanos(1)));
                }
            }
        }
        (granted, arrived)
    }

    fn max_in_one_second(times: &[Duration]) -> usize {
        let mut sorted = times.to_vec();
        sorted.sort();
        (0..sorted.len())
            .map(|i| {
                sorted[i..]
                    .iter()
                    .take_while(|t| **t - sorted[i] < Duration::from_secs(1))
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn a_slow_first_request_holds_back_the_request_ten_grants_later() {
        // The first request opens a connection: 80 ms before it arrives; the rest take 1 ms.
        let latency = |i| Some(Duration::from_millis(if i == 0 { 80 } else { 1 }));
        let (granted, arrived) = simulate(30, latency);
        assert!(
            granted[10] >= granted[0] + Duration::from_millis(1030 + 79),
            "{:?}",
            granted[10]
        );
        assert!(max_in_one_second(&arrived) <= 10, "{arrived:?}");
        // Without the guard the eleventh would have arrived 950 ms after the first.
        assert_eq!(granted[11] - granted[10], Duration::from_millis(103));
    }

    #[test]
    fn a_uniformly_slow_server_keeps_the_full_rate() {
        let (granted, arrived) = simulate(60, |_| Some(Duration::from_millis(250)));
        let rate = 59.0 / (granted[59] - granted[0]).as_secs_f64();
        assert!(rate >= 9.5, "{rate:.2}/s");
        assert!(max_in_one_second(&arrived) <= 10);
    }

    #[test]
    fn an_unanswered_request_holds_back_at_most_the_cap() {
        // Request 0 never comes back (a timeout in progress, or a cancelled call).
        let (granted, _) = simulate(12, |i| (i != 0).then_some(Duration::from_millis(1)));
        let gap = granted[10] - granted[0];
        assert!(gap >= Duration::from_millis(1030), "{gap:?}");
        assert!(
            gap <= Duration::from_millis(1030) + MAX_OUTLIER_HOLD,
            "{gap:?}"
        );
    }

    #[test]
    fn a_huge_rate_costs_bounded_memory() {
        let limiter = GovernorLimiter::per_second(NonZeroU32::MAX);
        for _ in 0..5000 {
            if let Ok(permit) = limiter.acquire() {
                limiter.release(permit);
            }
        }
        assert!(limiter.recent.lock().unwrap().grants.len() <= MAX_TRACKED_GRANTS);
    }

    #[test]
    fn untracked_permits_from_custom_limiters_are_harmless() {
        #[derive(Debug)]
        struct Plain;
        impl RateLimiter for Plain {
            fn try_acquire(&self) -> Result<(), Duration> {
                Ok(())
            }
        }
        assert_eq!(Plain.acquire(), Ok(Permit::UNTRACKED));
        Plain.release(Permit::UNTRACKED);
    }

    #[test]
    fn unlimited_never_waits() {
        for _ in 0..1000 {
            assert_eq!(Unlimited.try_acquire(), Ok(()));
        }
    }
}
