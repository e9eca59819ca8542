//! The blocking limiter: round trips on a plain connection (or a cluster's), opened again
//! after an error.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::config::RedisLimiterBuilder;
use crate::conn;
use crate::core::{Call, Core, Io, Step};
use crate::io;
use cocoon_core::limiter::{Confirmation, Outcome, Permit, RateLimiter, Reservation};
use cocoon_core::LimiterError;

/// The blocking client's limiter: the same budget, bucket and behaviour as the async
/// `RedisLimiter` (feature `tokio`), on a plain connection (no Tokio). Implements
/// [`RateLimiter`]; hand it to `cocoonmail::blocking::Client::builder().rate_limiter(..)`.
///
/// Cheap to clone; clones share the connection and the state. Threads take turns on the
/// connection (one round trip is well under a millisecond on a near Redis).
#[derive(Clone)]
pub struct RedisLimiter {
    core: Arc<Core>,
    connection: Arc<Mutex<Option<conn::Blocking>>>,
}

impl RedisLimiter {
    /// A builder for a limiter on the Redis (or Valkey) at `url`; finish it with
    /// [`build_blocking`](RedisLimiterBuilder::build_blocking).
    pub fn builder(url: impl Into<String>) -> RedisLimiterBuilder {
        RedisLimiterBuilder::new(url)
    }

    crate::stats::accessors!();

    fn round_trip(&self, call: &mut Call) -> Io {
        let mut slot = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Another thread may have found Redis down while this one waited for the connection.
        if !self.core.still_wanted(call) {
            return Io::Skipped;
        }
        let settings = &self.core.settings;
        let connection = match &mut *slot {
            Some(connection) => connection,
            None => match conn::Blocking::connect(settings) {
                Ok(connection) => slot.insert(connection),
                Err(error) => return Io::Failed(error),
            },
        };
        self.core.sending(call);
        let mut reply = connection.invoke(&call.ask.invocation(&settings.key));
        if reply.as_ref().is_err_and(io::broke) {
            // The connection broke (a restarted Redis, say): once more on a fresh one, before
            // taking Redis for down.
            *slot = None;
            let connection = match conn::Blocking::connect(settings) {
                Ok(connection) => slot.insert(connection),
                Err(error) => return Io::Failed(error),
            };
            call.ask = call.ask.again();
            self.core.sending(call);
            reply = connection.invoke(&call.ask.invocation(&settings.key));
        }
        if reply.is_err() {
            // Whatever broke, the next round trip starts on a fresh connection.
            *slot = None;
        }
        io::settle(settings, reply)
    }
}

impl RateLimiter for RedisLimiter {
    fn reserve(&self, max_wait: Duration) -> Result<Reservation, LimiterError> {
        // What is left of the wait once the local budget has had the caller wait (round trips
        // are not counted, as before a wait began).
        let started = std::time::Instant::now();
        let mut left = max_wait;
        let mut step = self.core.begin_reserve(max_wait);
        loop {
            match step {
                Step::Done(reservation) => return reservation,
                Step::Ask(mut call) => {
                    let io = self.round_trip(&mut call);
                    step = self.core.end_reserve(call, io, left);
                }
                Step::Later(wait) => {
                    std::thread::sleep(wait);
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

    fn observe(&self, _permit: Permit, outcome: &Outcome) {
        if let Some(mut call) = self.core.begin_observe(outcome) {
            let io = self.round_trip(&mut call);
            self.core.end_observe(call, io);
        }
    }
}

impl fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("blocking::")?;
        fmt::Debug::fmt(&*self.core, f)
    }
}
