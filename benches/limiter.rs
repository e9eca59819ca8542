//! What one permit of the client's rate limiter costs, granted and refused.
//!
//! ```text
//! cargo bench --bench limiter
//! ```
//!
//! On governor's `FakeRelativeClock` (`GovernorLimiter::per_second_with_clock`, 10/s):
//! - `fake_clock/try_acquire granted`: the clock moved on by one period before each call, so
//!   every call is granted. The clock step is in the timing; `fake_clock/advance only` times
//!   it alone, to subtract.
//! - `fake_clock/acquire+release granted`: what the clients do per attempt since the limiter
//!   follows answers (a permit taken, then handed back when the answer is in).
//! - `fake_clock/try_acquire refused`: the clock never moves: every call is refused and
//!   computes how long to wait.
//!
//! On the real clock: `monotonic/try_acquire refused` (10/s, after its one permit; the one
//! call in every 103 ms that finds a permit free is granted), and
//! `unlimited/try_acquire`, the limiter `no_rate_limit()` installs.
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
    // What the benches rely on: one period later a permit is free again, and not before.
    for _ in 0..1000 {
        clock.advance(period);
        let permit = limiter.acquire().expect("granted one period later");
        assert!(limiter.try_acquire().is_err());
        limiter.release(permit);
    }
    c.bench_function("fake_clock/try_acquire granted", |b| {
        b.iter(|| {
            clock.advance(period);
            black_box(&limiter).try_acquire()
        })
    });
    c.bench_function("fake_clock/acquire+release granted", |b| {
        b.iter(|| {
            clock.advance(period);
            let permit = black_box(&limiter).acquire();
            if let Ok(permit) = permit {
                limiter.release(permit);
            }
            permit
        })
    });
    c.bench_function("fake_clock/advance only", |b| {
        b.iter(|| black_box(&clock).advance(period))
    });

    let clock = FakeRelativeClock::default();
    let limiter = GovernorLimiter::per_second_with_clock(ten, clock);
    assert!(limiter.try_acquire().is_ok());
    c.bench_function("fake_clock/try_acquire refused", |b| {
        b.iter(|| black_box(&limiter).try_acquire().unwrap_err())
    });

    let slow = GovernorLimiter::per_second(ten);
    assert!(slow.try_acquire().is_ok());
    // One call in every 103 ms is granted (the real clock moves): a negligible share.
    c.bench_function("monotonic/try_acquire refused", |b| {
        b.iter(|| black_box(&slow).try_acquire())
    });

    let unlimited: &dyn RateLimiter = &Unlimited;
    c.bench_function("unlimited/try_acquire", |b| {
        b.iter(|| black_box(unlimited).try_acquire())
    });

    c.final_summary();
}
