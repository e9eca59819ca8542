//! What the Redis tests share: a real `redis-server`, and a plain connection to look inside it.

#![allow(dead_code, unreachable_pub)]

pub mod cluster;
mod redis_server;
#[path = "../../../../tests/transport_support/refused.rs"]
pub mod refused;
pub mod tls_server;

use std::time::Duration;

pub use redis_server::RedisServer;

use cocoon_limiter_redis::RedisLimiterBuilder;
use redis::Commands;

/// An obviously fake key (the fake server's).
pub const KEY: &str = cocoon_mock::DEFAULT_API_KEY;

/// The period between two slots at 10 requests per second, in microseconds.
pub const PERIOD_10: u64 = 103_000;

/// A builder for a limiter on `server`, its budget named after the fake key.
pub fn builder(server: &RedisServer) -> RedisLimiterBuilder {
    cocoon_limiter_redis::RedisLimiter::builder(server.url()).api_key(KEY)
}

/// A plain connection to look inside `server`.
pub fn inspect(server: &RedisServer) -> redis::Connection {
    redis::Client::open(server.url())
        .and_then(|client| client.get_connection_with_timeout(Duration::from_secs(5)))
        .expect("a connection to the test's redis-server")
}

/// The bucket's fields: the latest slot, the shift, the pause's end (server microseconds).
pub fn bucket(connection: &mut redis::Connection, key: &str) -> (Option<u64>, u64, u64) {
    let (last, shift, pause): (Option<u64>, Option<u64>, Option<u64>) = redis::cmd("HMGET")
        .arg(key)
        .arg("last")
        .arg("shift")
        .arg("pause")
        .query(connection)
        .expect("HMGET");
    (last, shift.unwrap_or(0), pause.unwrap_or(0))
}

/// Every key in `server`.
pub fn keys(connection: &mut redis::Connection) -> Vec<String> {
    connection.keys("*").expect("KEYS")
}

/// Waits until `condition` holds, up to `within` (generous: the machine may be busy).
pub fn eventually(within: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + within;
    while std::time::Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    condition()
}
