//! The async limiter: round trips on redis-rs's auto-reconnecting `ConnectionManager`.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use cocoon_core::limiter::{AsyncRateLimiter, Confirmation, Outcome, Permit, Reservation};
use cocoon_core::LimiterError;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Value;

use crate::config::RedisLimiterBuilder;
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
    connection: Arc<Mutex<Option<ConnectionManager>>>,
}

impl RedisLimiter {
    /// A builder for a limiter on the Redis (or Valkey) at `url`: `redis://[:password@]host
    /// [:port][/db]`, or `rediss://` for TLS.
    pub fn builder(url: impl Into<String>) -> RedisLimiterBuilder {
        RedisLimiterBuilder::new(url)
    }

    crate::core::accessors!();

    /// The connection, made on first use (inside the caller's runtime).
    fn connection(&self) -> Result<ConnectionManager, LimiterError> {
        let mut slot = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(manager) = &*slot {
            return Ok(manager.clone());
        }
        let settings = &self.core.settings;
        io::ensure_tls_provider(settings);
        let timeout = settings.response_timeout;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(2)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(settings.probe_interval);
        let manager = ConnectionManager::new_lazy_with_config(settings.client.clone(), config)
            .map_err(|e| io::failed(settings, e))?;
        *slot = Some(manager.clone());
        Ok(manager)
    }

    async fn round_trip(&self, call: &Call) -> Io {
        if !self.core.still_wanted(call) {
            return Io::Skipped;
        }
        let settings = &self.core.settings;
        let mut connection = match self.connection() {
            Ok(connection) => connection,
            Err(error) => return Io::Failed(error),
        };
        let invocation = call.ask.invocation(&settings.key);
        let reply = invocation.invoke_async::<Value>(&mut connection);
        match tokio::time::timeout(settings.response_timeout, reply).await {
            Ok(reply) => io::settle(settings, reply),
            Err(_) => io::timed_out(settings),
        }
    }
}

#[async_trait]
impl AsyncRateLimiter for RedisLimiter {
    async fn reserve(&self, max_wait: Duration) -> Result<Reservation, LimiterError> {
        let mut step = self.core.begin_reserve(max_wait);
        loop {
            match step {
                Step::Done(reservation) => return reservation,
                Step::Ask(call) => {
                    let io = self.round_trip(&call).await;
                    step = self.core.end_reserve(call, io, max_wait);
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
        if let Some(call) = self.core.begin_observe(outcome) {
            let io = self.round_trip(&call).await;
            self.core.end_observe(call, io);
        }
    }
}

impl fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.core, f)
    }
}
