//! Client-side rate limiting: the traits both clients wait on (from the core), the in-memory
//! [`LocalLimiter`], and what a limiter hears about each attempt.
//!
//! See [`cocoon_core::limiter`] for the three steps a client takes with its limiter before and
//! after every attempt: `reserve` a send time, `confirm` when it has come, `observe` the
//! outcome. [`LocalLimiter`] paces one process; `cocoon-limiter-redis` (feature `redis`)
//! paces a whole fleet through Redis.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use cocoon_core::LimiterError;

pub use cocoon_core::limiter::{
    AsyncRateLimiter, Confirmation, Outcome, Permit, RateLimiter, Reservation, Unlimited,
};

mod local;

#[doc(hidden)]
pub use local::VirtualClock;
pub use local::{
    LocalLimiter, LocalLimiterBuilder, MAX_OUTLIER_HOLD, MAX_TRACKED_GRANTS,
    SAFETY_MARGIN_PER_MILLE,
};

/// What a client paces with: nothing, the in-memory limiter (called directly: no boxed
/// future, no virtual call), or a limiter of the user's.
pub(crate) enum Pacing<L: ?Sized> {
    Off,
    Local(LocalLimiter),
    Custom(Arc<L>),
}

impl<L: ?Sized> Clone for Pacing<L> {
    fn clone(&self) -> Self {
        match self {
            Pacing::Off => Pacing::Off,
            Pacing::Local(local) => Pacing::Local(local.clone()),
            Pacing::Custom(custom) => Pacing::Custom(Arc::clone(custom)),
        }
    }
}

impl<L: fmt::Debug + ?Sized> fmt::Debug for Pacing<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pacing::Off => f.write_str("Unlimited"),
            Pacing::Local(local) => fmt::Debug::fmt(local, f),
            Pacing::Custom(custom) => fmt::Debug::fmt(custom, f),
        }
    }
}

/// One step of waiting for a permit: what the client does next.
pub(crate) enum Step {
    Sleep(Duration),
    Go(Permit),
}

/// The bookkeeping of one wait for a permit, shared by both clients: they differ only in how
/// they sleep.
pub(crate) struct Wait {
    reservation: Reservation,
    max_wait: Duration,
    waited: Duration,
}

impl Wait {
    pub(crate) fn new(reservation: Reservation, max_wait: Duration) -> Self {
        Wait {
            reservation,
            max_wait,
            waited: Duration::ZERO,
        }
    }

    /// The first sleep: the reservation's wait.
    pub(crate) fn first(&mut self) -> Option<Duration> {
        let wait = self.reservation.wait();
        self.waited = wait;
        (!wait.is_zero()).then_some(wait)
    }

    /// After sleeping: go, or sleep again (refused once the bound would be passed).
    pub(crate) fn next(
        &mut self,
        confirm: impl FnOnce(&Reservation) -> Confirmation,
    ) -> Result<Step, LimiterError> {
        match confirm(&self.reservation) {
            Confirmation::Go(permit) => Ok(Step::Go(permit)),
            Confirmation::Wait(more) => {
                let total = self.waited.saturating_add(more);
                if total > self.max_wait {
                    return Err(LimiterError::wait_too_long(total, self.max_wait));
                }
                self.waited = total;
                Ok(Step::Sleep(more))
            }
        }
    }

    /// How long the caller was told to wait in all.
    pub(crate) fn waited(&self) -> Duration {
        self.waited
    }
}
