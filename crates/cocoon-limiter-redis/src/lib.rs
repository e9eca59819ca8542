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
//!   bucket name when the team uses several keys. Async and blocking processes mix freely.
//! - **What is shared**: the schedule of send times, and the pause after a 429: one process
//!   hears `429 Too Many Requests`, writes the pause to Redis (one extra round trip, only
//!   then), and every process's next slots move back past it, keeping their order and spacing.
//!   The full-window hint (`x-ratelimit-remaining: 0`, which every answer at the limit carries)
//!   is shared too, but without a round trip of its own: it rides on this process's next
//!   reservation. So at a steady rate there is exactly one round trip per request.
//! - **What is not shared**: the in-memory limiter's latency guard (one slow request holding
//!   back the request a window later), and retries: each process retries its own 429s by its
//!   retry policy.
//! - **Redis down**: calls neither fail nor flood the API. After one round trip fails or takes
//!   longer than the response timeout ([`DEFAULT_RESPONSE_TIMEOUT`], 250 ms), the limiter
//!   paces its process with a local budget of [`fallback_share`](RedisLimiterBuilder::fallback_share)
//!   of the team's rate ([`DEFAULT_FALLBACK_SHARE`], a quarter: right for four processes;
//!   use `1 / N` for `N`), and tries Redis again at most once per
//!   [`probe_interval`](RedisLimiterBuilder::probe_interval) (1 s). When Redis answers, it is
//!   back on the shared budget, after the local slots it already handed out. Each switch is a
//!   `tracing` event at `info` level (feature `tracing`) and shows in [`RedisLimiter::mode`]
//!   and [`RedisLimiter::stats`]. With [`fail_closed`](RedisLimiterBuilder::fail_closed) the
//!   limiter refuses permits instead, with a [`LimiterError`] of kind
//!   [`Unavailable`](cocoon_core::LimiterErrorKind::Unavailable).
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
