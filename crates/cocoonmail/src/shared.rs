//! What the async and the blocking client share: configuration, limiter, retry policy, and the
//! steps of one attempt.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use cocoon_core::{
    build_request, decode_response, Config, Endpoint, Error, RetryDecision, RetryPolicy,
    RetryState, TransportError,
};
use http::{Request, Response};

use crate::limiter::RateLimiter;

pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) limiter: Arc<dyn RateLimiter>,
    pub(crate) retry: RetryPolicy,
    random: AtomicU64,
}

impl Shared {
    pub(crate) fn new(config: Config, limiter: Arc<dyn RateLimiter>, retry: RetryPolicy) -> Self {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15);
        Shared {
            config,
            limiter,
            retry,
            random: AtomicU64::new(seed | 1),
        }
    }

    /// The request of one attempt.
    pub(crate) fn request<E: Endpoint + ?Sized>(
        &self,
        endpoint: &E,
    ) -> Result<Request<Vec<u8>>, Error> {
        build_request(&self.config, endpoint)
    }

    /// The outcome of one attempt.
    pub(crate) fn outcome<E: Endpoint + ?Sized>(
        &self,
        endpoint: &E,
        sent: Result<Response<Vec<u8>>, TransportError>,
    ) -> Result<E::Output, Error> {
        decode_response(endpoint, sent?)
    }

    /// What to do after a failed attempt.
    pub(crate) fn after_failure(&self, state: &mut RetryState, error: &Error) -> RetryDecision {
        state.after_failure(&self.retry, error, SystemTime::now(), self.next_random())
    }

    /// A xorshift step: good enough to spread retries, no dependency needed.
    fn next_random(&self) -> u64 {
        let step = |mut x: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let previous = self
            .random
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |x| Some(step(x)))
            .unwrap_or(1);
        step(previous)
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("limiter", &self.limiter)
            .field("retry", &self.retry)
            .finish()
    }
}

/// The parts of a client that do not depend on how it waits: constructor, accessors, `Clone`
/// and a `Debug` that never shows the key.
macro_rules! client_common {
    ($client:ident) => {
        impl<T> $client<T> {
            pub(crate) fn from_parts(shared: $crate::shared::Shared, transport: T) -> Self {
                $client {
                    shared: std::sync::Arc::new(shared),
                    transport: std::sync::Arc::new(transport),
                }
            }

            /// The configuration requests are built with.
            pub fn config(&self) -> &cocoon_core::Config {
                &self.shared.config
            }

            /// The transport.
            pub fn transport(&self) -> &T {
                &self.transport
            }
        }

        impl<T> Clone for $client<T> {
            fn clone(&self) -> Self {
                $client {
                    shared: std::sync::Arc::clone(&self.shared),
                    transport: std::sync::Arc::clone(&self.transport),
                }
            }
        }

        impl<T> std::fmt::Debug for $client<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&*self.shared, f)
            }
        }
    };
}
pub(crate) use client_common;
