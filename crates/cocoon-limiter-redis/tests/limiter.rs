//! The two limiters on a real Redis: one shared schedule, refusals, `NOSCRIPT`, key names, the
//! pause after a 429, the full-window hint riding on the next reservation.

mod common;

use std::num::NonZeroU32;
use std::time::Duration;

use cocoon_core::limiter::{AsyncRateLimiter, Confirmation, Outcome, Permit, RateLimiter};
use cocoon_core::{LimiterErrorKind, RateLimit};
use cocoon_limiter_redis::{Mode, RedisLimiter};
use common::{bucket, builder, inspect, keys, RedisServer, KEY};
use http::StatusCode;

const LONG: Duration = Duration::from_secs(3600);

fn one_per_second() -> NonZeroU32 {
    NonZeroU32::MIN
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_and_a_blocking_limiter_share_one_first_come_first_served_schedule() {
    let server = RedisServer::start();
    // One per second: the queue builds up however slow the machine is between two calls.
    let shared = builder(&server).requests_per_second(one_per_second());
    let async_limiter = shared.clone().build().unwrap();
    let blocking_limiter = shared.build_blocking().unwrap();
    assert_eq!(async_limiter.key_name(), blocking_limiter.key_name());
    let key = async_limiter.key_name().to_owned();
    let mut redis = inspect(&server);
    let mut slots = Vec::new();
    let mut waits = Vec::new();
    for i in 0..6 {
        let reservation = if i % 2 == 0 {
            AsyncRateLimiter::reserve(&async_limiter, LONG).await
        } else {
            let limiter = blocking_limiter.clone();
            tokio::task::spawn_blocking(move || RateLimiter::reserve(&limiter, LONG))
                .await
                .unwrap()
        }
        .unwrap();
        waits.push(reservation.wait());
        slots.push(bucket(&mut redis, &key).0.expect("a slot"));
    }
    for pair in slots.windows(2) {
        assert_eq!(
            pair[1] - pair[0],
            1_030_000,
            "slots in server time: {slots:?}"
        );
    }
    // Each caller learned its own place in the queue.
    for pair in waits.windows(2) {
        assert!(pair[1] > pair[0], "waits: {waits:?}");
    }
    assert!(waits[5] > Duration::from_secs(4), "waits: {waits:?}");
    for stats in [async_limiter.stats(), blocking_limiter.stats()] {
        assert_eq!(stats.mode, Mode::Shared);
        assert_eq!(stats.shared_permits, 3);
        assert_eq!((stats.fallbacks, stats.local_permits), (0, 0));
    }
}

#[test]
fn a_refusal_past_max_wait_uses_no_slot() {
    let server = RedisServer::start();
    let limiter = builder(&server)
        .requests_per_second(one_per_second())
        .build_blocking()
        .unwrap();
    let mut redis = inspect(&server);
    limiter.reserve(LONG).unwrap();
    limiter.reserve(LONG).unwrap();
    let before = bucket(&mut redis, limiter.key_name());
    let error = limiter.reserve(Duration::from_millis(500)).unwrap_err();
    match error.kind {
        LimiterErrorKind::WaitTooLong { wait, max_wait } => {
            assert!(wait > Duration::from_secs(1), "{wait:?}");
            assert_eq!(max_wait, Duration::from_millis(500));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(bucket(&mut redis, limiter.key_name()), before);
    assert!(limiter.is_shared());
}

#[test]
fn the_script_is_loaded_again_after_a_script_flush() {
    let server = RedisServer::start();
    let limiter = builder(&server).build_blocking().unwrap();
    let mut redis = inspect(&server);
    limiter.reserve(LONG).unwrap();
    let () = redis::cmd("SCRIPT").arg("FLUSH").query(&mut redis).unwrap();
    let (last_before, ..) = bucket(&mut redis, limiter.key_name());
    limiter.reserve(LONG).unwrap();
    let (last_after, ..) = bucket(&mut redis, limiter.key_name());
    assert!(last_after > last_before);
    let stats = limiter.stats();
    assert_eq!(
        (stats.mode, stats.redis_errors, stats.shared_permits),
        (Mode::Shared, 0, 2)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_a_hash_of_the_api_key_and_expire() {
    let server = RedisServer::start();
    let limiter = builder(&server).build().unwrap();
    let named = RedisLimiter::builder(server.url())
        .bucket("team-42")
        .key_prefix("myapp:rl:")
        .build()
        .unwrap();
    limiter.reserve(LONG).await.unwrap();
    named.reserve(LONG).await.unwrap();
    let mut redis = inspect(&server);
    let mut found = keys(&mut redis);
    found.sort();
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0], limiter.key_name());
    assert!(found[0].starts_with("cocoonmail:ratelimit:key:"));
    assert_eq!(found[1], "myapp:rl:bucket:team-42");
    // No piece of the key in any name (its salt and hash parts included).
    for part in KEY.split('$').filter(|p| p.len() > 4) {
        assert!(
            found.iter().all(|k| !k.contains(part)),
            "{part} in {found:?}"
        );
    }
    for key in &found {
        let ttl: i64 = redis::cmd("PTTL").arg(key).query(&mut redis).unwrap();
        // The process's presence (10 s) keeps the hash, then one second of grace.
        assert!(ttl > 0 && ttl <= 11_200, "{key}: {ttl} ms");
    }
    assert!(common::eventually(Duration::from_secs(20), || keys(
        &mut redis
    )
    .is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_heard_by_one_limiter_holds_the_other_until_the_pause_ends() {
    let server = RedisServer::start();
    let first = builder(&server).build().unwrap();
    let second = builder(&server).build_blocking().unwrap();
    // Both have talked to Redis once.
    first.reserve(LONG).await.unwrap();
    let early = {
        let second = second.clone();
        tokio::task::spawn_blocking(move || RateLimiter::reserve(&second, LONG))
            .await
            .unwrap()
            .unwrap()
    };
    let limited = RateLimit::new(
        None,
        None,
        Some(cocoon_core::RetryAfter::Delay(Duration::from_secs(2))),
    );
    first
        .observe(
            Permit::UNTRACKED,
            &Outcome::answered(StatusCode::TOO_MANY_REQUESTS, limited),
        )
        .await;
    // The one that heard it holds its own callers at once.
    assert!(matches!(
        AsyncRateLimiter::confirm(&first, &early),
        Confirmation::Wait(_)
    ));
    let stats = first.stats();
    assert_eq!((stats.rate_limited, stats.pauses_shared), (1, 1));
    // The other's next slot comes after the pause, and so does the slot it already held, once
    // it has heard from Redis.
    let after = tokio::task::spawn_blocking(move || {
        let next = RateLimiter::reserve(&second, LONG).unwrap();
        (next, RateLimiter::confirm(&second, &early))
    })
    .await
    .unwrap();
    assert!(
        after.0.wait() > Duration::from_millis(1_800),
        "{:?}",
        after.0
    );
    match after.1 {
        Confirmation::Wait(more) => assert!(more > Duration::from_millis(1_700), "{more:?}"),
        go => panic!("the held slot moved past the pause: {go:?}"),
    }
}

#[test]
fn a_full_window_rides_on_the_next_reservation_as_a_floor() {
    let server = RedisServer::start();
    let limiter = builder(&server).build_blocking().unwrap();
    let mut redis = inspect(&server);
    let floor = |redis: &mut redis::Connection| -> Option<u64> {
        redis::cmd("HGET")
            .arg(limiter.key_name())
            .arg("floor")
            .query(redis)
            .unwrap()
    };
    limiter.reserve(LONG).unwrap();
    assert_eq!(floor(&mut redis), Some(0));
    let full = RateLimit::new(Some(10), Some(0), None);
    limiter.observe(
        Permit::UNTRACKED,
        &Outcome::answered(StatusCode::CREATED, full),
    );
    // No round trip of its own...
    assert_eq!(floor(&mut redis), Some(0));
    assert_eq!(limiter.stats().pauses_shared, 0);
    // ...but the next reservation shares it, as a floor for new slots: no slot handed out moves.
    let (_, shift_before, _) = bucket(&mut redis, limiter.key_name());
    limiter.reserve(LONG).unwrap();
    assert!(floor(&mut redis).unwrap() > 0);
    let (_, shift, pause) = bucket(&mut redis, limiter.key_name());
    assert_eq!((shift, pause), (shift_before, 0));
}

#[test]
fn a_released_slot_goes_to_the_next_caller_with_the_next_round_trip() {
    let server = RedisServer::start();
    let limiter = builder(&server).build_blocking().unwrap();
    let other = builder(&server).build_blocking().unwrap();
    let first = RateLimiter::reserve(&limiter, LONG).unwrap();
    let second = RateLimiter::reserve(&limiter, LONG).unwrap();
    let third = RateLimiter::reserve(&limiter, LONG).unwrap();
    assert!(third.wait() > second.wait() && second.wait() > first.wait());
    // The second caller gives up: nothing blocks, the slot rides on the next round trip, and
    // the next caller (of any process) takes it.
    RateLimiter::release(&limiter, &second);
    assert_eq!(limiter.stats().released, 1);
    let taken = RateLimiter::reserve(&limiter, LONG).unwrap();
    assert!(
        taken.wait() < third.wait(),
        "the given-back slot ({taken:?}) comes before the third ({third:?})"
    );
    // The one after it follows the third, in the other process too.
    let next = RateLimiter::reserve(&other, LONG).unwrap();
    assert!(
        next.wait() > third.wait() - Duration::from_millis(60),
        "{next:?} {third:?}"
    );
}
