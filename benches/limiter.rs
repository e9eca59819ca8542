//! What one permit of the client's in-memory rate limiter costs.
//!
//! ```text
//! cargo bench --bench limiter
//! bash bench-results/run_limiter_compare.sh   # this limiter and the one before the redesign
//! ```
//!
//! On a virtual clock (`LocalLimiter::builder(..).virtual_clock(..)`, 10/s):
//! - `fake_clock/permit granted`: what a client pays per attempt when a permit is free:
//!   `reserve` (no wait), `confirm` (go), `observe` (the answer: 201, no pause asked). The clock
//!   moves on by one period first; `fake_clock/advance only` times that step alone.
//! - `fake_clock/permit after a pause-free full window`: the same with an answer saying
//!   `x-ratelimit-remaining: 0`, as a strict server at the limit says on every answer.
//! - `fake_clock/reserve queued`: the clock never moves: every call queues behind the last
//!   (the slot arithmetic a waiting caller pays once).
//! - `unlimited/reserve+confirm`: the limiter a custom `Unlimited` stands for.
//!
//! The real-time behaviour (the achieved rate against a strict server) is measured by
//! `examples/bulk.rs`; see BENCHMARKS.md.

use std::hint::black_box;
use std::num::NonZeroU32;
use std::time::Duration;

use cocoonmail::limiter::{
    Confirmation, LocalLimiter, Outcome, RateLimiter, Unlimited, VirtualClock,
};
use cocoonmail::RateLimit;
use criterion::Criterion;
use http::StatusCode;

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    let ten = NonZeroU32::new(10).expect("ten is not zero");
    let forever = Duration::from_secs(3600);
    let created = Outcome::answered(StatusCode::CREATED, RateLimit::default());
    let full = Outcome::answered(StatusCode::CREATED, RateLimit::new(Some(10), Some(0), None));
    assert_eq!(created.requested_pause(), None);

    let clock = VirtualClock::new();
    let limiter = on_clock(ten, &clock);
    let period = limiter.period();
    let permit = |limiter: &LocalLimiter, outcome: &Outcome| {
        let reservation = limiter.reserve(forever).expect("no bound is passed");
        match limiter.confirm(&reservation) {
            Confirmation::Go(permit) => {
                limiter.observe(permit, outcome);
                Some(permit)
            }
            _ => None,
        }
    };
    // What the benches rely on: one period later a permit is free at once.
    for _ in 0..1000 {
        clock.advance(period);
        assert!(
            permit(&limiter, &created).is_some(),
            "granted one period later"
        );
    }
    c.bench_function("fake_clock/permit granted", |b| {
        b.iter(|| {
            clock.advance(period);
            permit(black_box(&limiter), &created)
        })
    });
    c.bench_function("fake_clock/permit after a pause-free full window", |b| {
        b.iter(|| {
            clock.advance(period);
            permit(black_box(&limiter), &full)
        })
    });
    c.bench_function("fake_clock/advance only", |b| {
        b.iter(|| black_box(&clock).advance(period))
    });

    let queued = on_clock(ten, &VirtualClock::new());
    c.bench_function("fake_clock/reserve queued", |b| {
        b.iter(|| black_box(&queued).reserve(forever))
    });

    c.bench_function("unlimited/reserve+confirm", |b| {
        b.iter(|| {
            let reservation = RateLimiter::reserve(black_box(&Unlimited), forever);
            reservation.map(|r| RateLimiter::confirm(&Unlimited, &r))
        })
    });

    c.final_summary();
}

fn on_clock(rate: NonZeroU32, clock: &VirtualClock) -> LocalLimiter {
    LocalLimiter::builder(rate)
        .virtual_clock(clock.clone())
        .build()
        .expect("a burst of one is valid")
}
