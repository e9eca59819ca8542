//! Client-side rate limiting: the trait the clients wait on and its governor implementation.

use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, MonotonicClock};
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::Quota;

/// Something that paces requests. Both clients ask it for a permit before every attempt.
///
/// The default is a [`GovernorLimiter`] at the documented 10 requests per second. Implement
/// this trait to share one budget between several processes of a team (for example through
/// Redis), then hand it to the builder with `rate_limiter`.
pub trait RateLimiter: Send + Sync + fmt::Debug {
    /// Takes a permit if one is free now (`Ok`), or says how long to wait before asking again.
    fn try_acquire(&self) -> Result<(), Duration>;
}

/// The share of each request's period kept as a safety margin by
/// [`GovernorLimiter::per_second`], in thousandths.
///
/// Requests leave the client at least `1.03 / n` seconds apart, so a server that counts
/// arrivals in a sliding one-second window sees at most `n` requests in any window even when
/// network and scheduling jitter move one request by up to 3% of a second against another,
/// while the client still sustains 97% of the allowed rate.
pub const SAFETY_MARGIN_PER_MILLE: u32 = 30;

/// A [`RateLimiter`] on governor's GCRA with a burst of one: evenly spaced permits.
///
/// A quota of `n` per second with a burst of `n` would let `2n - 1` requests through in the
/// first second, which a strict server answers with 429s; a burst of one cannot.
pub struct GovernorLimiter<C: Clock = MonotonicClock> {
    limiter: governor::RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<C::Instant>>,
    clock: C,
    period: Duration,
}

impl GovernorLimiter<MonotonicClock> {
    /// At most `requests` per second in any one-second window, with the safety margin of
    /// [`SAFETY_MARGIN_PER_MILLE`].
    pub fn per_second(requests: NonZeroU32) -> Self {
        Self::per_second_with_clock(requests, MonotonicClock)
    }

    /// One permit every `period`.
    pub fn every(period: Duration) -> Option<Self> {
        Self::every_with_clock(period, MonotonicClock)
    }
}

impl<C: Clock + Clone> GovernorLimiter<C> {
    /// Like [`GovernorLimiter::per_second`], on a given clock (a fake one in tests).
    pub fn per_second_with_clock(requests: NonZeroU32, clock: C) -> Self {
        let period =
            Duration::from_secs(1) * (1000 + SAFETY_MARGIN_PER_MILLE) / 1000 / requests.get();
        Self::every_with_clock(period.max(Duration::from_nanos(1)), clock)
            .expect("the period is not zero")
    }

    /// Like [`GovernorLimiter::every`], on a given clock.
    pub fn every_with_clock(period: Duration, clock: C) -> Option<Self> {
        let quota = Quota::with_period(period)?.allow_burst(NonZeroU32::MIN);
        Some(GovernorLimiter {
            limiter: governor::RateLimiter::direct_with_clock(quota, clock.clone()),
            clock,
            period,
        })
    }

    /// The time between two permits.
    pub fn period(&self) -> Duration {
        self.period
    }
}

impl<C: Clock + Send + Sync> RateLimiter for GovernorLimiter<C>
where
    C::Instant: Send + Sync,
{
    fn try_acquire(&self) -> Result<(), Duration> {
        self.limiter
            .check()
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

impl<C: Clock> fmt::Debug for GovernorLimiter<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GovernorLimiter")
            .field("period", &self.period)
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

/// Waits for a permit, sleeping the calling thread.
pub(crate) fn acquire_blocking(limiter: &dyn RateLimiter) {
    while let Err(wait) = limiter.try_acquire() {
        std::thread::sleep(wait);
    }
}

/// Waits for a permit without blocking the executor's thread.
pub(crate) async fn acquire_async(limiter: &dyn RateLimiter) {
    while let Err(wait) = limiter.try_acquire() {
        futures_timer::Delay::new(wait).await;
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

    #[test]
    fn unlimited_never_waits() {
        for _ in 0..1000 {
            assert_eq!(Unlimited.try_acquire(), Ok(()));
        }
    }
}
