//! What one `try_acquire` of the client's rate limiter costs, granted and refused.
//!
//! ```text
//! cargo bench --bench limiter
//! ```
//!
//! - `fake_clock/granted`: a [`GovernorLimiter`] at 10/s on governor's `FakeRelativeClock`,
//!   the clock moved on by one period before each call, so every call is granted. The clock
//!   step is timed too; `fake_clock/advance_only` times it alone, to subtract.
//! - `fake_clock/refused`: the same limiter, the clock never moved: every call is refused and
//!   computes how long to wait.
//! - `monotonic/granted`: the limiter on the real clock with a 1 ns period (built with
//!   `rate_limit(u32::MAX)`'s period), so every call reads the real clock and is granted.
//! - `monotonic/refused`: the real clock at 10/s after the one permit: refused.
//! - `unlimited`: the limiter `no_rate_limit()` installs, for reference.
//!
//! The real-time behaviour (the achieved rate against a strict server) is measured by
//! `examples/bulk.rs`; see BENCHMARKS.md.

use std::hint::black_box;
use std::num::NonZeroU32;
use std::time::Duration;

use cocoonmail::{GovernorLimiter, RateLimiter, Unlimited};
use criterion::Criterion;
use governor::clock::FakeRelativeClock;

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    let ten = NonZeroU32::new(10).expect("ten is not zero");

    let clock = FakeRelativeClock::default();
    let limiter = GovernorLimiter::per_second_with_clock(ten, clock.clone());
    let period = limiter.period();
    c.bench_function("fake_clock/granted", |b| {
        b.iter(|| {
            clock.advance(period);
            black_box(&limiter).try_acquire()
        })
    });
    assert_eq!(
        limiter.try_acquire(),
        Err(period),
        "the bench left one permit spent"
    );
    c.bench_function("fake_clock/advance_only", |b| {
        b.iter(|| black_box(&clock).advance(period))
    });

    let clock = FakeRelativeClock::default();
    let limiter = GovernorLimiter::per_second_with_clock(ten, clock);
    assert_eq!(limiter.try_acquire(), Ok(()));
    c.bench_function("fake_clock/refused", |b| {
        b.iter(|| black_box(&limiter).try_acquire().unwrap_err())
    });

    let fast = GovernorLimiter::per_second(NonZeroU32::MAX);
    assert_eq!(fast.period(), Duration::from_nanos(1));
    c.bench_function("monotonic/granted", |b| {
        b.iter(|| black_box(&fast).try_acquire())
    });

    let granted = (0..1000).filter(|_| fast.try_acquire().is_ok()).count();
    println!("monotonic/granted: {granted} of 1000 calls after the bench were granted");

    let slow = GovernorLimiter::per_second(ten);
    assert_eq!(slow.try_acquire(), Ok(()));
    c.bench_function("monotonic/refused", |b| {
        b.iter(|| black_box(&slow).try_acquire().unwrap_err())
    });

    let unlimited: &dyn RateLimiter = &Unlimited;
    c.bench_function("unlimited", |b| {
        b.iter(|| black_box(unlimited).try_acquire())
    });

    c.final_summary();
}
