//! One Cocoonmail rate-limit budget shared by many processes through Redis (or Valkey).
//!
//! Cocoonmail allows 10 requests per second **per team**: every process and every key of an
//! account share it. The in-memory limiter of `cocoonmail` paces one process; this crate paces
//! a fleet. It is the `cocoonmail` crate's `redis` feature (`cocoonmail::redis`).
//!
//! - `RedisLimiter` for the async client (an [`AsyncRateLimiter`], feature `tokio`) on
//!   redis-rs's auto-reconnecting connection, and [`blocking::RedisLimiter`] for the blocking
//!   client (a [`RateLimiter`]) on a plain connection (no Tokio). Both come from one
//!   [`RedisLimiterBuilder`] and share one budget.
//! - `redis://` and `rediss://` (TLS) URLs, with a password, to one server or to any node of a
//!   Redis Cluster ([`Topology`]).
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
//! its last slot (or ten after a process's last round trip), so nothing accumulates in Redis.
//!
//! - **Burst**: with [`burst(n)`](RedisLimiterBuilder::burst), up to `n` go at once after the
//!   bucket was idle, and still never more than the rate in any second (with the margin).
//! - **Given back**: a caller that gives up before its slot (timed out, dropped) releases it
//!   without blocking; the slot rides on the process's next round trip and the next caller of
//!   any process takes it.
//! - **Capped pauses**: no answer pauses the bucket longer than
//!   [`max_server_pause`](RedisLimiterBuilder::max_server_pause) (60 s), in the process and in
//!   Redis; a `Retry-After: 18446744073709551615` is a 60 s pause.
//! - **Lost state**: after `FLUSHALL`, eviction, a restart without persistence or a failover,
//!   each process's next round trip seeds the bucket again with the latest slot it holds, so
//!   slots already handed out are not handed out again by the processes heard from.
//! - **Clock jumps**: the script runs on the schedule's own clock (Redis's `TIME` plus a
//!   correction kept in the bucket): it never runs backwards, and when `TIME` is more than a
//!   second away from where the processes expect it (they send their estimate), it keeps to
//!   theirs, so a step of Redis's clock neither hands slots out twice nor makes callers wait.
//! - **Misconfiguration is not an outage**: a wrong or missing password, no permission, a
//!   read-only replica or an unknown command is a [`LimiterError`] of kind
//!   [`Misconfigured`](cocoon_core::LimiterErrorKind::Misconfigured) at the first permit and a
//!   `WARN` event, not a silent fall back to the local budget.
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
//!   limiter paces its process with a local budget of `1 / N` of the team's rate, for the `N`
//!   processes it last saw in the bucket (each keeps a presence there for 10 s after its latest
//!   round trip; [`DEFAULT_FALLBACK_SHARE`], a quarter, before it has seen any), or of a
//!   [`fallback_share`](RedisLimiterBuilder::fallback_share) you set. The local schedules are
//!   not coordinated: in any one second the fleet sends at most `rate / 1.03 + N` (each process
//!   at most one more than its share), and the rate on average. The local slots start past
//!   where the process estimates the shared slots the others hold end, and a caller gets one
//!   only once it is at most a local period away (until then it waits inside `reserve`,
//!   holding nothing, so dropping it gives nothing back and leaks nothing): no process holds
//!   local slots far ahead that would still be waiting when Redis is back.
//!   It tries Redis again at most once per [`probe_interval`](RedisLimiterBuilder::probe_interval)
//!   (1 s). The first process to find Redis back sets one end to the return for every process,
//!   a probe interval and a response timeout later (1.25 s by default): until then each keeps
//!   to its local budget, with its local slots before that end, and Redis hands out no shared
//!   slot before it; then all are on the shared budget, after the local slots they reported.
//!   A round trip whose connection broke (Redis killed and started again) is tried once more
//!   at once on a fresh connection before Redis counts as down. Each switch is a `tracing`
//!   event at `info` level (feature `tracing`) and shows in [`RedisLimiter::mode`],
//!   [`RedisLimiter::is_shared`] and [`RedisLimiter::stats`] (fallbacks, returns, errors). A
//!   429 heard while on the local budget pauses the process; a full window only holds its new
//!   slots.
//! - **Fail closed**: with [`fail_closed`](RedisLimiterBuilder::fail_closed) the limiter
//!   refuses permits while Redis does not answer, with a [`LimiterError`] of kind
//!   [`Unavailable`](cocoon_core::LimiterErrorKind::Unavailable) (each call asks Redis again).
//! - **Redis Cluster**: the URL may name any node; the first connection asks it (`INFO
//!   cluster`, or say it with [`RedisLimiterBuilder::topology`]). The bucket is one key, so each
//!   round trip is one script run on the node owning its slot; `MOVED` and `ASK` (resharding, a
//!   promoted replica) are followed, not taken for an outage. While the slot has no node (its
//!   primary down and no replica promoted) the limiter is on its local budget, and back when
//!   the slot is served again. Not over `rediss://` yet.
//! - **Sentinel**: give the URL of the current primary (or of a name or proxy that follows
//!   it). The limiter does not ask the sentinels: after a failover it paces on its local budget
//!   until the URL leads to a primary again (a replica refuses the script's writes).
//! - **TLS**: `rediss://` with the `rustls` feature connects on the limiter's own rustls
//!   configuration (aws-lc-rs, named there) with the platform's root certificates or the ones
//!   given to [`RedisLimiterBuilder::tls_root_certificates`]. It never installs a process-wide
//!   rustls provider: your program may install its own, before or after. With `native-tls`
//!   (and not `rustls`), redis-rs connects through the platform's TLS library.
//! - **Valkey** works the same: the script uses only `TIME`, `HMGET`, `HSET` and `PEXPIRE`.
//!
//! No log, error or `Debug` output shows the Redis password or the API key.
//!
//! # Features
//!
//! | feature | default | gives |
//! | --- | --- | --- |
//! | `tracing` | yes | an `info` event at each switch between Redis and the local budget |
//! | `tokio` | yes | the async `RedisLimiter`; without it, no Tokio in the build |
//! | `rustls` | yes | `rediss://` through rustls and aws-lc-rs, on the limiter's own configuration |
//! | `native-tls` | no | `rediss://` through the platform's TLS library (redis-rs brings its Tokio part with it) |
//!
//! The `cocoonmail` crate picks them from its own features: `redis` with `ureq` gives the
//! blocking limiter, `reqwest` adds the async one, and `rustls` or `native-tls` the TLS.
//!
//! [`AsyncRateLimiter`]: cocoon_core::limiter::AsyncRateLimiter
//! [`RateLimiter`]: cocoon_core::limiter::RateLimiter
//! [`LimiterError`]: cocoon_core::LimiterError
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "tokio")]
mod aio;
pub mod blocking;
mod bucket;
mod clock;
mod config;
mod conn;
mod core;
mod io;
mod log;
mod script;
#[cfg(test)]
mod sim;
mod stats;
#[cfg(feature = "rustls")]
mod tls;

#[cfg(feature = "tokio")]
pub use aio::RedisLimiter;
pub use config::{
    RedisLimiterBuilder, DEFAULT_FALLBACK_SHARE, DEFAULT_KEY_PREFIX, DEFAULT_PROBE_INTERVAL,
    DEFAULT_RESPONSE_TIMEOUT, SAFETY_MARGIN_PER_MILLE,
};
pub use conn::Topology;
pub use stats::{Mode, Stats};

/// The script every round trip runs (the GCRA with reservations and pauses), for inspection or
/// for loading it in advance.
pub const SCRIPT: &str = script::SOURCE;
