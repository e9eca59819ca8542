//! The async limiter: round trips on redis-rs's auto-reconnecting `ConnectionManager`, or its
//! cluster client.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use cocoon_core::limiter::{AsyncRateLimiter, Confirmation, Outcome, Permit, Reservation};
use cocoon_core::LimiterError;

use crate::config::RedisLimiterBuilder;
use crate::conn;
use crate::core::{Call, Core, Io, Step};
use crate::io;

/// The async client's limiter: one budget shared through Redis by every process given the same
/// Redis and bucket (see the [crate docs](crate)). Implements [`AsyncRateLimiter`]; hand it to
/// `cocoonmail::Client::builder().rate_limiter(..)`.
///
/// Cheap to clone; clones share the connection and the state. It needs a Tokio runtime with
/// timers (the default of `#[tokio::main]`).
#[derive(Clone)]
pub struct RedisLimiter {
    core: Arc<Core>,
    connection: Arc<Mutex<Option<conn::Async>>>,
}

impl RedisLimiter {
    /// A builder for a limiter on the Redis (or Valkey) at `url`: `redis://[:password@]host
    /// [:port][/db]`, or `rediss://` for TLS.
    pub fn builder(url: impl Into<String>) -> RedisLimiterBuilder {
        RedisLimiterBuilder::new(url)
    }

    crate::stats::accessors!();

    /// The connection, made on first use (inside the caller's runtime); clones share it.
    async fn connection(&self) -> Result<conn::Async, LimiterError> {
        let made = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(connection) = made {
            return Ok(connection);
        }
        // Not under the lock: callers that race here each connect, and the first one kept wins.
        let connection = conn::Async::connect(&self.core.settings).await?;
        let mut slot = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Ok(slot.get_or_insert(connection).clone())
    }

    async fn round_trip(&self, call: &mut Call) -> Io {
        if !self.core.still_wanted(call) {
            return Io::Skipped;
        }
        let settings = &self.core.settings;
        let invocation = call.ask.invocation(&settings.key);
        let forget = || {
            *self
                .connection
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = None;
        };
        let reply = async {
            let mut connection = self.connection().await?;
            self.core.sending(call);
            let mut reply = connection.invoke(&invocation).await;
            if reply.as_ref().is_err_and(io::broke) {
                // The connection broke (a restarted Redis, say): once more on a fresh one
                // (the auto-reconnecting ones make it themselves), before taking Redis for
                // down. The response timeout bounds both.
                if !connection.reconnects_itself() {
                    forget();
                    connection = self.connection().await?;
                }
                call.ask = call.ask.again();
                self.core.sending(call);
                reply = connection.invoke(&call.ask.invocation(&settings.key)).await;
            }
            if reply.is_err() && !connection.reconnects_itself() {
                // The next round trip starts on a fresh connection.
                forget();
            }
            Ok(reply)
        };
        match tokio::time::timeout(settings.response_timeout, reply).await {
            Ok(Ok(reply)) => io::settle(settings, reply),
            Ok(Err(error)) => Io::Failed(error),
            Err(_) => io::timed_out(settings),
        }
    }
}

#[async_trait]
impl AsyncRateLimiter for RedisLimiter {
    async fn reserve(&self, max_wait: Duration) -> Result<Reservation, LimiterError> {
        // What is left of the wait once the local budget has had the caller wait (round trips
        // are not counted, as before a wait began).
        let started = std::time::Instant::now();
        let mut left = max_wait;
        let mut step = self.core.begin_reserve(max_wait);
        loop {
            match step {
                Step::Done(reservation) => return reservation,
                Step::Ask(mut call) => {
                    let io = self.round_trip(&mut call).await;
                    step = self.core.end_reserve(call, io, left);
                }
                Step::Later(wait) => {
                    tokio::time::sleep(wait).await;
                    left = max_wait.saturating_sub(started.elapsed());
                    step = self.core.begin_reserve(left);
                }
            }
        }
    }

    fn confirm(&self, reservation: &Reservation) -> Confirmation {
        self.core.confirm(reservation)
    }

    fn release(&self, reservation: &Reservation) {
        self.core.release(reservation);
    }

    async fn observe(&self, _permit: Permit, outcome: &Outcome) {
        if let Some(mut call) = self.core.begin_observe(outcome) {
            let io = self.round_trip(&mut call).await;
            self.core.end_observe(call, io);
        }
    }
}

impl fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.core, f)
    }
}
