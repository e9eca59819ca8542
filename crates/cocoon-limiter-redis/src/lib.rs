//! One Cocoonmail rate-limit budget shared by many processes through Redis (or Valkey).
//!
//! Cocoonmail allows 10 requests per second **per team**: every process and every key of an
//! account share it. The in-memory limiter of `cocoonmail` paces one process; this crate paces
//! a fleet. It is the `cocoonmail` crate's `redis` feature (`cocoonmail::redis`).
//!
//! - [`RedisLimiter`] for the async client (an [`AsyncRateLimiter`]) on redis-rs's
//!   auto-reconnecting connection (Tokio), and [`blocking::RedisLimiter`] for the blocking
//!   client (a [`RateLimiter`]) on a plain connection. Both come from one
//!   [`RedisLimiterBuilder`] and share one budget.
//! - `redis://` and `rediss://` (TLS through rustls) URLs, with a password.
//!
//! # Example
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use cocoon_limiter_redis::RedisLimiter;
//!
//! let key = std::env::var("COCOONMAIL_API_KEY")?;
//! let limiter = RedisLimiter::builder("redis://:password@redis.internal:6379/0")
//!     .api_key(&key) // every process with this key shares one budget
//!     .build()?;
//! let client = cocoonmail::Client::builder()
//!     .api_key(key)
//!     .rate_limiter(Arc::new(limiter.clone()))
//!     .build()?;
//! client.keys().validate().await?;
//! assert!(limiter.is_shared());
//! # Ok(()) }
//! ```
//!
//! The blocking client takes `builder(..).build_blocking()` the same way.
//!
//! # How it paces
//!
//! Every permit is **one round trip**: a Lua script (called by SHA with `EVALSHA`, loaded
//! again when the server answers `NOSCRIPT`) runs the GCRA on the server's clock (`TIME`, so
//! hosts whose clocks disagree still agree on the schedule). It hands out send times first come
//! first served, `1.03 / rate` seconds apart ([`SAFETY_MARGIN_PER_MILLE`]), and answers with
//! the wait; a caller whose slot would be further away than the client's `max_limiter_wait` is
//! refused without using the slot up. The bucket is one small hash that expires a second after
//! its last slot, so nothing accumulates in Redis.
//!
//! The hash's key is a prefix ([`DEFAULT_KEY_PREFIX`]) and either a SHA-256 hash of the API key
//! ([`RedisLimiterBuilder::api_key`]; never the key itself) or a bucket name of your choice
//! ([`RedisLimiterBuilder::bucket`]).
//!
//! # Running many processes
//!
//! - **One budget**: give every process the same Redis and the same API key, or the same
//!   bucket name ([`RedisLimiterBuilder::bucket`]) when the team's processes use several keys.
//!   Async and blocking processes mix freely. Give them all the same
//!   [`requests_per_second`](RedisLimiterBuilder::requests_per_second) (10 by default).
//! - **What is shared**: the schedule of send times; the pause after a 429 (the process that
//!   hears it writes the pause to Redis, one extra round trip and only then, and every
//!   process's slots still to come move back past it, keeping their order and spacing, as each
//!   process hears of it on its next round trip; the process that heard the 429 holds its own
//!   callers at once); and the full-window hint (`x-ratelimit-remaining: 0`), which every answer
//!   at the limit carries: it costs no round trip of its own but rides on the process's next
//!   reservation, and only holds back *new* slots, since moving the slots already handed out
//!   would take every process hearing of it before its slot comes. At a steady rate there is
//!   exactly one round trip per request.
//! - **What is not shared**: the in-memory limiter's latency guard, and actual departures. The
//!   shared schedule spaces *reservations*; a request that leaves later than its slot by more
//!   than the safety margin (30 ms at 10/s: a process descheduled that long on a busy host) can
//!   make one request too many within a second, which the server answers with a 429 that then
//!   pauses everyone. Raise [`safety_margin_per_mille`](RedisLimiterBuilder::safety_margin_per_mille)
//!   on hosts that busy. Retries are each process's own (by its retry policy).
//! - **Redis down**: calls neither fail nor flood the API. When a round trip fails or takes
//!   longer than the [response timeout](RedisLimiterBuilder::response_timeout)
//!   ([`DEFAULT_RESPONSE_TIMEOUT`], 250 ms, so a hung Redis delays a call by at most that), the
//!   limiter paces its process with a local budget of
//!   [`fallback_share`](RedisLimiterBuilder::fallback_share) of the team's rate
//!   ([`DEFAULT_FALLBACK_SHARE`], a quarter). Pick `1 / N` for `N` processes: together they
//!   then stay within the limit on average during an outage, though their uncoordinated local
//!   schedules can line up into a few 429s from a strict server; `1 / (2N)` avoids those, and
//!   a larger share trades more 429s for throughput.
//!   It tries Redis again at most once per [`probe_interval`](RedisLimiterBuilder::probe_interval)
//!   (1 s) and, when Redis answers, is back on the shared budget, after the local slots it
//!   already handed out. Each switch is a `tracing` event at `info` level (feature `tracing`)
//!   and shows in [`RedisLimiter::mode`], [`RedisLimiter::is_shared`] and
//!   [`RedisLimiter::stats`] (fallbacks, returns, errors). A pause heard while on the local
//!   budget stays in the process.
//! - **Fail closed**: with [`fail_closed`](RedisLimiterBuilder::fail_closed) the limiter
//!   refuses permits while Redis does not answer, with a [`LimiterError`] of kind
//!   [`Unavailable`](cocoon_core::LimiterErrorKind::Unavailable) (each call asks Redis again).
//! - **TLS**: `rediss://` connects through rustls with the platform's root certificates. When no
//!   process-wide rustls crypto provider is installed, the limiter installs ring's (the one the
//!   `ureq` transport uses); a provider your program installed first is kept.
//! - **Valkey** works the same: the script uses only `TIME`, `HMGET`, `HSET` and `PEXPIRE`.
//!
//! No log, error or `Debug` output shows the Redis password or the API key.
//!
//! # Features
//!
//! | feature | default | gives |
//! | --- | --- | --- |
//! | `tracing` | yes | an `info` event at each switch between Redis and the local budget |
//!
//! [`AsyncRateLimiter`]: cocoon_core::limiter::AsyncRateLimiter
//! [`RateLimiter`]: cocoon_core::limiter::RateLimiter
//! [`LimiterError`]: cocoon_core::LimiterError
#![cfg_attr(docsrs, feature(doc_cfg))]

mod aio;
pub mod blocking;
mod bucket;
mod config;
mod core;
mod io;
mod log;
mod script;

pub use aio::RedisLimiter;
pub use config::{
    RedisLimiterBuilder, DEFAULT_FALLBACK_SHARE, DEFAULT_KEY_PREFIX, DEFAULT_PROBE_INTERVAL,
    DEFAULT_RESPONSE_TIMEOUT, SAFETY_MARGIN_PER_MILLE,
};
pub use core::{Mode, Stats};

/// The script every round trip runs (the GCRA with reservations and pauses), for inspection or
/// for loading it in advance.
pub const SCRIPT: &str = script::SOURCE;
