//! One permit through the Redis limiter on loopback (reserve, confirm, observe), async and
//! blocking; then the Redis commands one permit costs, counted by the server
//! (`INFO commandstats` before and after).
//!
//! ```text
//! cargo bench -p cocoon-limiter-redis --bench permit
//! ```
//!
//! Starts its own `redis-server` (it must be on `PATH`). The budget is set so high that no
//! permit waits: what is measured is the limiter's own cost.

#[path = "../tests/common/redis_server.rs"]
mod redis_server;

use std::num::NonZeroU32;
use std::time::Duration;

use cocoon_core::limiter::{AsyncRateLimiter, Outcome, Permit, RateLimiter};
use cocoon_core::RateLimit;
use cocoon_limiter_redis::RedisLimiter;
use criterion::{criterion_group, criterion_main, Criterion};
use http::StatusCode;
use redis_server::RedisServer;

const KEY: &str =
    "pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=";
const LONG: Duration = Duration::from_secs(3600);

fn answered() -> Outcome {
    let headers = RateLimit::new(Some(10), Some(5), None);
    Outcome::answered(StatusCode::CREATED, headers)
}

fn limiter(server: &RedisServer) -> cocoon_limiter_redis::RedisLimiterBuilder {
    RedisLimiter::builder(server.url())
        .api_key(KEY)
        .requests_per_second(NonZeroU32::MAX)
}

/// The commands clients sent, but `INFO` itself: `EVALSHA`, `EVAL`, `SCRIPT` (what the
/// script calls inside Redis is counted apart, under its own commands, and is not a round
/// trip), and anything else a limiter might send.
fn round_trips(connection: &mut redis::Connection) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(connection)
        .expect("INFO commandstats");
    let inside_the_script = ["time", "hgetall", "hmget", "hset", "hdel", "pexpire"];
    info.lines()
        .filter_map(|line| {
            let (name, stats) = line.strip_prefix("cmdstat_")?.split_once(':')?;
            if name == "info" || inside_the_script.contains(&name) {
                return None;
            }
            let calls = stats.split("calls=").nth(1)?;
            calls.split(',').next()?.parse::<u64>().ok()
        })
        .sum()
}

fn permit(c: &mut Criterion) {
    let server = RedisServer::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let async_limiter = runtime.block_on(async { limiter(&server).build().unwrap() });
    let blocking_limiter = limiter(&server).build_blocking().unwrap();
    let outcome = answered();

    c.bench_function("redis permit, async (reserve + confirm + observe)", |b| {
        b.to_async(&runtime).iter(|| async {
            let reservation = AsyncRateLimiter::reserve(&async_limiter, LONG)
                .await
                .unwrap();
            let _ = AsyncRateLimiter::confirm(&async_limiter, &reservation);
            AsyncRateLimiter::observe(&async_limiter, Permit::UNTRACKED, &outcome).await;
        })
    });
    c.bench_function(
        "redis permit, blocking (reserve + confirm + observe)",
        |b| {
            b.iter(|| {
                let reservation = RateLimiter::reserve(&blocking_limiter, LONG).unwrap();
                let _ = RateLimiter::confirm(&blocking_limiter, &reservation);
                RateLimiter::observe(&blocking_limiter, Permit::UNTRACKED, &outcome);
            })
        },
    );

    // Round trips per permit, counted by the server.
    let mut connection = redis::Client::open(server.url())
        .and_then(|client| client.get_connection())
        .unwrap();
    const PERMITS: u64 = 1_000;
    let before = round_trips(&mut connection);
    for _ in 0..PERMITS {
        let reservation = RateLimiter::reserve(&blocking_limiter, LONG).unwrap();
        let _ = RateLimiter::confirm(&blocking_limiter, &reservation);
        RateLimiter::observe(&blocking_limiter, Permit::UNTRACKED, &outcome);
    }
    let blocking_commands = round_trips(&mut connection) - before;
    let before = round_trips(&mut connection);
    runtime.block_on(async {
        for _ in 0..PERMITS {
            let reservation = AsyncRateLimiter::reserve(&async_limiter, LONG)
                .await
                .unwrap();
            let _ = AsyncRateLimiter::confirm(&async_limiter, &reservation);
            AsyncRateLimiter::observe(&async_limiter, Permit::UNTRACKED, &outcome).await;
        }
    });
    let async_commands = round_trips(&mut connection) - before;
    println!(
        "\nround trips per permit ({PERMITS} permits, client commands in INFO commandstats): blocking {:.3}, async {:.3}",
        blocking_commands as f64 / PERMITS as f64,
        async_commands as f64 / PERMITS as f64
    );
    // The script's own time in Redis, as the server measured it.
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut connection)
        .expect("INFO commandstats");
    if let Some(line) = info.lines().find(|l| l.starts_with("cmdstat_evalsha:")) {
        println!("the script in Redis: {line}");
    }
    assert!(async_limiter.is_shared() && blocking_limiter.is_shared());
}

criterion_group!(benches, permit);
criterion_main!(benches);
