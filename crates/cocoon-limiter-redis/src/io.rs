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
pub(crate) fn timed_out(settings: &Settings) -> Io {
    Io::Failed(LimiterError::unavailable(format!(
        "Redis at {} did not answer within {:?}",
        settings.shown_url, settings.response_timeout
    )))
}

/// Before a `rediss://` connection: rustls needs a process-wide crypto provider when more than
/// one is compiled into the program (the SDK itself brings only aws-lc-rs, but another crate of
/// the build may bring ring). Installs aws-lc-rs's when none is installed yet, the provider both
/// HTTP transports use; a provider the program installed itself is kept.
#[cfg(feature = "rustls")]
pub(crate) fn ensure_tls_provider(settings: &Settings) {
    if settings.tls && rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing the race to another installer is fine: a provider is then installed.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
}

/// Without rustls there is no provider to install.
#[cfg(not(feature = "rustls"))]
pub(crate) fn ensure_tls_provider(_settings: &Settings) {}
