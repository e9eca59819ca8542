//! Redis goes away and comes back: the limiters fall back to their local share and return by
//! themselves, or fail closed with a typed error; nothing shows the URL's password.

mod common;

use std::time::{Duration, Instant};

use cocoon_core::limiter::{AsyncRateLimiter, RateLimiter};
use cocoon_core::LimiterErrorKind;
use cocoon_limiter_redis::{blocking, Mode};
use common::{builder, eventually, RedisServer};

const LONG: Duration = Duration::from_secs(3600);

/// When a reservation just handed out comes due. (On the local budget a caller may wait inside
/// `reserve` until its slot is near, so the slots' times, not their waits, are compared.)
fn slot_time(reservation: cocoon_core::limiter::Reservation) -> Instant {
    Instant::now() + reservation.wait()
}

#[test]
fn the_blocking_limiter_falls_back_while_redis_is_down_and_returns_by_itself() {
    let mut server = RedisServer::start();
    let limiter = builder(&server)
        .probe_interval(Duration::from_millis(200))
        .fallback_share(0.25)
        .build_blocking()
        .unwrap();
    limiter.reserve(LONG).unwrap();
    assert!(limiter.is_shared());

    server.stop();
    // Calls go on, from the local budget: a quarter of 10/s, 412 ms apart.
    let first = slot_time(limiter.reserve(LONG).unwrap());
    let second = slot_time(limiter.reserve(LONG).unwrap());
    assert_eq!(limiter.mode(), Mode::Fallback);
    assert!(
        second >= first + Duration::from_millis(400),
        "{:?} apart",
        second - first
    );
    let stats = limiter.stats();
    assert_eq!((stats.fallbacks, stats.returns), (1, 0));
    assert_eq!(stats.local_permits, 2);
    assert!(stats.redis_errors >= 1);

    server.restart();
    assert!(
        eventually(Duration::from_secs(15), || {
            let _ = limiter.reserve(LONG);
            limiter.is_shared()
        }),
        "back on Redis after it restarted: {:?}",
        limiter.stats()
    );
    let stats = limiter.stats();
    assert_eq!((stats.fallbacks, stats.returns), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_async_limiter_falls_back_while_redis_is_down_and_returns_by_itself() {
    let mut server = RedisServer::start();
    let limiter = builder(&server)
        .probe_interval(Duration::from_millis(200))
        .build()
        .unwrap();
    limiter.reserve(LONG).await.unwrap();
    assert!(limiter.is_shared());

    server.stop();
    limiter.reserve(LONG).await.unwrap();
    limiter.reserve(LONG).await.unwrap();
    assert_eq!(limiter.mode(), Mode::Fallback);
    assert_eq!(limiter.stats().fallbacks, 1);

    server.restart();
    let deadline = Instant::now() + Duration::from_secs(15);
    while !limiter.is_shared() && Instant::now() < deadline {
        let _ = limiter.reserve(LONG).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stats = limiter.stats();
    assert_eq!(stats.mode, Mode::Shared, "{stats:?}");
    assert_eq!((stats.fallbacks, stats.returns), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_redis_delays_a_call_by_the_response_timeout_at_most() {
    // A listener that accepts and never answers, like a Redis stopped with SIGSTOP.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://127.0.0.1:{}/", silent.local_addr().unwrap().port());
    let limiter = cocoon_limiter_redis::RedisLimiter::builder(url)
        .api_key(common::KEY)
        .response_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = Instant::now();
    limiter.reserve(LONG).await.unwrap();
    assert_eq!(limiter.mode(), Mode::Fallback);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // Until the next probe, no call waits for Redis at all.
    let started = Instant::now();
    limiter.reserve(LONG).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(100));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_closed_refuses_with_a_typed_error_that_hides_the_password() {
    let mut server = RedisServer::with_password("s3cr3t-pw");
    let limiter = builder(&server).fail_closed().build().unwrap();
    limiter.reserve(LONG).await.unwrap();
    server.stop();
    let error = limiter.reserve(LONG).await.unwrap_err();
    assert_eq!(error.kind, LimiterErrorKind::Unavailable);
    assert!(!format!("{error} {error:?} {limiter:?}").contains("s3cr3t"));
    assert_eq!(limiter.mode(), Mode::Unavailable);
    let stats = limiter.stats();
    assert_eq!((stats.fallbacks, stats.local_permits), (1, 0));

    server.restart();
    let deadline = Instant::now() + Duration::from_secs(15);
    while limiter.reserve(LONG).await.is_err() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(limiter.is_shared());
    assert_eq!(limiter.stats().returns, 1);
}

/// A blocking limiter on `url` that fails closed, and the error its first permit gets.
fn refused_at(url: String) -> (blocking::RedisLimiter, cocoon_core::LimiterError) {
    let limiter = cocoon_limiter_redis::RedisLimiter::builder(url)
        .api_key(common::KEY)
        .fail_closed()
        .build_blocking()
        .unwrap();
    let error = limiter.reserve(LONG).unwrap_err();
    assert_eq!(error.kind, LimiterErrorKind::Unavailable);
    (limiter, error)
}

#[test]
fn errors_and_debug_never_show_the_password() {
    let dead = common::refused::refused_addr();
    let (limiter, error) = refused_at(format!("redis://:s3cr3t-pw@{dead}/"));
    let mut shown = format!("{error} {error:?} {limiter:?}");
    let mut source = std::error::Error::source(&error);
    while let Some(s) = source {
        shown.push_str(&format!(" {s} {s:?}"));
        source = s.source();
    }
    assert!(shown.contains("<redacted>"), "{shown}");
    assert!(!shown.contains("s3cr3t"), "{shown}");
    assert!(!shown.contains(common::KEY), "{shown}");
}

#[test]
fn a_wrong_password_is_a_typed_error_at_the_first_permit_not_an_outage() {
    let server = RedisServer::with_password("right-pw");
    let url = format!("redis://:wrong-pw@127.0.0.1:{}/", server.port());
    // Not failing closed: a Redis that is down would mean the local budget, but one that
    // refuses the limiter is a setting to fix.
    let limiter = cocoon_limiter_redis::RedisLimiter::builder(url)
        .api_key(common::KEY)
        .build_blocking()
        .unwrap();
    let error = limiter.reserve(LONG).unwrap_err();
    assert_eq!(error.kind, LimiterErrorKind::Misconfigured, "{error}");
    let shown = format!("{error} {:?}", std::error::Error::source(&error));
    assert!(
        !shown.contains("wrong-pw") && !shown.contains("right-pw"),
        "{shown}"
    );
    assert_eq!(limiter.mode(), Mode::Shared);
    assert_eq!(limiter.stats().fallbacks, 0);
    // Without a password at all (NOAUTH), the same.
    let url = format!("redis://127.0.0.1:{}/", server.port());
    let bare = cocoon_limiter_redis::RedisLimiter::builder(url)
        .api_key(common::KEY)
        .build_blocking()
        .unwrap();
    let error = bare.reserve(LONG).map(|_| bare.stats());
    let error = error.unwrap_err();
    assert_eq!(error.kind, LimiterErrorKind::Misconfigured, "{error}");
    // With the right one it works.
    let limiter = builder(&server).build_blocking().unwrap();
    limiter.reserve(LONG).unwrap();
    assert!(limiter.is_shared());
}

#[test]
fn the_local_share_is_one_over_the_processes_seen_in_the_bucket() {
    let mut server = RedisServer::start();
    let first = builder(&server).build_blocking().unwrap();
    let second = builder(&server).build_blocking().unwrap();
    first.reserve(LONG).unwrap();
    second.reserve(LONG).unwrap();
    first.reserve(LONG).unwrap();
    assert_eq!(first.stats().processes, 2);
    server.stop();
    // Half of 10/s: 206 ms apart.
    let a = slot_time(first.reserve(LONG).unwrap());
    let b = slot_time(first.reserve(LONG).unwrap());
    assert_eq!(first.mode(), Mode::Fallback);
    let apart = b.saturating_duration_since(a);
    assert!(
        apart >= Duration::from_millis(190) && apart <= Duration::from_millis(260),
        "{apart:?} apart"
    );
}

#[test]
fn a_429_heard_while_redis_is_down_keeps_the_held_callers_apart() {
    use cocoon_core::limiter::{Confirmation, Outcome, Permit};
    let mut server = RedisServer::start();
    let limiter = builder(&server).build_blocking().unwrap();
    let held: Vec<_> = (0..4).map(|_| limiter.reserve(LONG).unwrap()).collect();
    server.stop();
    let limited = cocoon_core::RateLimit::new(
        None,
        None,
        Some(cocoon_core::RetryAfter::Delay(Duration::from_secs(1))),
    );
    limiter.observe(
        Permit::UNTRACKED,
        &Outcome::answered(http::StatusCode::TOO_MANY_REQUESTS, limited),
    );
    assert_eq!(limiter.mode(), Mode::Fallback);
    let waits: Vec<Duration> = held
        .iter()
        .map(|r| match limiter.confirm(r) {
            Confirmation::Wait(wait) => wait,
            go => panic!("held through the pause: {go:?}"),
        })
        .collect();
    // They go one after another once the pause ends, not all at once.
    assert!(waits[0] > Duration::from_millis(800), "{waits:?}");
    for pair in waits.windows(2) {
        assert!(pair[1] >= pair[0] + Duration::from_millis(100), "{waits:?}");
    }
}

/// Ten slots taken, Redis killed and started again empty (a restart without persistence):
/// the limiter's connection is broken, yet the next permit is a shared one on a fresh
/// connection, past the ten (the bucket re-seeded from this process's latest slot), with no
/// fallback to the local budget.
fn after_a_restart(
    reserve: &mut dyn FnMut() -> cocoon_core::limiter::Reservation,
    server: &mut RedisServer,
) -> Duration {
    let started = Instant::now();
    let mut last = Duration::ZERO;
    for _ in 0..10 {
        last = reserve().wait();
    }
    let last_slot = started + last;
    server.restart();
    let next = Instant::now() + reserve().wait();
    // Both on this machine's clock: the new slot comes a period after the old ones' last, less
    // what measuring Redis's clock again may move it by.
    let after = next.saturating_duration_since(last_slot);
    assert!(
        after >= Duration::from_micros(common::PERIOD_10 - 5_000),
        "the slot after the restart is {after:?} after the last one before it"
    );
    after
}

#[test]
fn a_restarted_redis_costs_the_blocking_limiter_no_fallback() {
    let mut server = RedisServer::start();
    let limiter = builder(&server).build_blocking().unwrap();
    after_a_restart(&mut || limiter.reserve(LONG).unwrap(), &mut server);
    let stats = limiter.stats();
    assert_eq!(stats.mode, Mode::Shared, "{stats:?}");
    assert_eq!((stats.fallbacks, stats.redis_errors), (0, 0), "{stats:?}");
    assert_eq!(stats.shared_permits, 11, "{stats:?}");
}

#[test]
fn a_restarted_redis_costs_the_async_limiter_no_fallback() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut server = RedisServer::start();
    let limiter = runtime
        .block_on(async { builder(&server).build() })
        .unwrap();
    after_a_restart(
        &mut || runtime.block_on(limiter.reserve(LONG)).unwrap(),
        &mut server,
    );
    let stats = limiter.stats();
    assert_eq!(stats.mode, Mode::Shared, "{stats:?}");
    assert_eq!((stats.fallbacks, stats.redis_errors), (0, 0), "{stats:?}");
    assert_eq!(stats.shared_permits, 11, "{stats:?}");
}
