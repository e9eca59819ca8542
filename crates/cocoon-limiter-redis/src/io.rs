//! What both limiters do around a round trip: make the script's answer or Redis's failure an
//! [`Io`], with errors that never show the URL's password.

use cocoon_core::LimiterError;
use redis::{RedisError, RedisResult, Value};

use crate::config::Settings;
use crate::core::Io;
use crate::script::Answer;

/// The outcome of one round trip, as the core takes it.
pub(crate) fn settle(settings: &Settings, reply: RedisResult<Value>) -> Io {
    match reply {
        Ok(value) => match Answer::parse(&value) {
            Some(answer) => Io::Answered(answer),
            None => Io::Failed(LimiterError::unavailable(format!(
                "Redis at {} answered the limiter's script with something else",
                settings.shown_url
            ))),
        },
        Err(error) => Io::Failed(failed(settings, error)),
    }
}

/// Redis failed.
pub(crate) fn failed(settings: &Settings, error: RedisError) -> LimiterError {
    // redis-rs's messages name the failure (refused, WRONGPASS, ...), never the URL.
    LimiterError::unavailable(format!("Redis at {} failed: {error}", settings.shown_url))
        .with_source(error)
}

/// Redis did not answer in time.
#[cfg(feature = "tokio")]
pub(crate) fn timed_out(settings: &Settings) -> Io {
    Io::Failed(LimiterError::unavailable(format!(
        "Redis at {} did not answer within {:?}",
        settings.shown_url, settings.response_timeout
    )))
}
