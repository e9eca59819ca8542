//! What a limiter reports about itself: where its permits come from, and its counts.

/// Where a limiter's permits come from right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mode {
    /// From the budget shared through Redis.
    Shared,
    /// From this process's local budget (a share of the team's rate): Redis did not answer,
    /// and the limiter tries it again at most once per probe interval.
    Fallback,
    /// Nowhere: Redis did not answer and the limiter fails closed, so permits are refused
    /// until Redis answers again.
    Unavailable,
}

/// What a limiter has been through, for reports and health checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Where permits come from now.
    pub mode: Mode,
    /// How many times the limiter left Redis (for the local budget, or to fail closed).
    pub fallbacks: u64,
    /// How many times it came back to Redis after leaving it.
    pub returns: u64,
    /// Round trips to Redis that failed or timed out.
    pub redis_errors: u64,
    /// Permits handed out from the shared budget.
    pub shared_permits: u64,
    /// Permits handed out from the local budget.
    pub local_permits: u64,
    /// 429 answers heard (each pauses every caller sharing the budget).
    pub rate_limited: u64,
    /// Pauses written to Redis for every process of the bucket (after 429s).
    pub pauses_shared: u64,
    /// How many processes share the bucket, as Redis reported them (0 before it answered; a
    /// lower count than before is believed only once the higher one is ten seconds old, so a
    /// restart of Redis, after which the processes register again one by one, does not
    /// shrink it): without a set
    /// [`fallback_share`](crate::RedisLimiterBuilder::fallback_share), each takes
    /// `1 / processes` of the rate while Redis is down.
    pub processes: u64,
    /// Slots given back by callers that gave up before their time.
    pub released: u64,
}

/// What both limiters have besides their round trips: made from settings with no connection
/// yet, and the accessors.
macro_rules! accessors {
    () => {
        pub(crate) fn from_settings(settings: $crate::config::Settings) -> Self {
            RedisLimiter {
                core: std::sync::Arc::new($crate::core::Core::new(settings)),
                connection: std::sync::Arc::new(std::sync::Mutex::new(None)),
            }
        }

        /// Where permits come from now.
        pub fn mode(&self) -> $crate::Mode {
            self.core.stats().mode
        }

        /// Whether permits come from the budget shared through Redis.
        pub fn is_shared(&self) -> bool {
            self.mode() == $crate::Mode::Shared
        }

        /// What the limiter has been through: switches, permits, pauses.
        pub fn stats(&self) -> $crate::Stats {
            self.core.stats()
        }

        /// The name of the key this limiter keeps in Redis (prefix and bucket; never the API
        /// key).
        pub fn key_name(&self) -> &str {
            &self.core.settings.key
        }
    };
}
pub(crate) use accessors;
