//! What both limiters do around a round trip: make the script's answer or Redis's failure an
//! [`Io`], with errors that never show the URL's password.

use cocoon_core::LimiterError;
use redis::{ErrorKind, RedisError, RedisResult, ServerErrorKind, Value};

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

/// Redis failed: down (an outage to wait out on the local budget) or refusing the limiter (a
/// setting to fix).
pub(crate) fn failed(settings: &Settings, error: RedisError) -> LimiterError {
    // redis-rs's messages name the failure (refused, WRONGPASS, ...), never the URL.
    if refuses(&error) {
        return LimiterError::misconfigured(format!(
            "Redis at {} refuses the limiter: {error}",
            settings.shown_url
        ))
        .with_source(error);
    }
    LimiterError::unavailable(format!("Redis at {} failed: {error}", settings.shown_url))
        .with_source(error)
}

/// Whether a connection that was open broke under the round trip (Redis restarted, or a proxy
/// or the network dropped an idle connection): worth one more try on a fresh connection at
/// once. Not a refused connection (Redis down) nor a timeout (Redis hung): those are outages.
pub(crate) fn broke(error: &RedisError) -> bool {
    error.is_connection_dropped() && !error.is_connection_refusal() && !error.is_timeout()
}

/// Whether Redis answered but refuses what the limiter needs: a wrong password or none,
/// no permission, a read-only replica, no scripting. Waiting does not mend these.
pub(crate) fn refuses(error: &RedisError) -> bool {
    match error.kind() {
        ErrorKind::AuthenticationFailed | ErrorKind::InvalidClientConfig => true,
        ErrorKind::Server(ServerErrorKind::ReadOnly | ServerErrorKind::NoPerm) => true,
        ErrorKind::Server(ServerErrorKind::ResponseError) => error.detail().is_some_and(|d| {
            let d = d.to_ascii_lowercase();
            d.contains("unknown command")
                || d.contains("authentication required")
                || d.contains("unauthenticated")
        }),
        _ => {
            // A script's error can come wrapped (the script call is a small pipeline), with
            // only its text telling the code.
            let text = error.to_string();
            matches!(
                error.code(),
                Some("NOAUTH" | "WRONGPASS" | "NOPERM" | "READONLY")
            ) || ["NOAUTH", "WRONGPASS", "NOPERM", "READONLY"]
                .iter()
                .any(|code| text.contains(code))
        }
    }
}

/// Redis did not answer in time.
#[cfg(feature = "tokio")]
pub(crate) fn timed_out(settings: &Settings) -> Io {
    Io::Failed(LimiterError::unavailable(format!(
        "Redis at {} did not answer within {:?}",
        settings.shown_url, settings.response_timeout
    )))
}
