//! The events a switch between Redis and the local budget sends through `tracing` (feature
//! `tracing`): the Redis URL without its password and the bucket's key name (a hash, never the
//! API key).

use crate::config::Settings;
use crate::stats::Mode;

/// The limiter stopped using Redis.
pub(crate) fn left_redis(settings: &Settings, now: Mode) {
    #[cfg(feature = "tracing")]
    match (now, settings.when_down) {
        (_, crate::config::WhenDown::Fallback(_)) => tracing::info!(
            redis = %settings.shown_url,
            bucket = %settings.key,
            "Redis does not answer: pacing with this process's local share of the budget"
        ),
        _ => tracing::info!(
            redis = %settings.shown_url,
            bucket = %settings.key,
            "Redis does not answer: refusing permits until it does (fail closed)"
        ),
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (settings, now);
}

/// The limiter uses Redis again.
pub(crate) fn back_to_redis(settings: &Settings) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        redis = %settings.shown_url,
        bucket = %settings.key,
        "Redis answers again: back to the shared budget"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = settings;
}

/// Redis answered, but not as the limiter needs (a wrong password, no permission, a read-only
/// replica, no scripting): a setting to fix, not an outage to wait out.
pub(crate) fn misconfigured(settings: &Settings, error: &cocoon_core::LimiterError) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        redis = %settings.shown_url,
        bucket = %settings.key,
        error = %error,
        "Redis refuses the limiter: permits fail until its settings are fixed"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (settings, error);
}
