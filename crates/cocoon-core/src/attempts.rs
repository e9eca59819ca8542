//! The story of a call that was retried: how many requests it sent and how the earlier ones
//! failed, kept on its final [`Error`](crate::Error).

use std::fmt;
use std::time::Duration;

use http::StatusCode;

use crate::error::TransportErrorKind;

/// How many earlier failures a final error keeps (the most recent ones).
pub const MAX_KEPT_ATTEMPTS: usize = 16;

/// How one attempt that was retried had failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptFailure {
    /// The server answered with this status (a 429 or a 5xx).
    Status(StatusCode),
    /// The request did not complete.
    Transport(TransportErrorKind),
}

impl fmt::Display for AttemptFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptFailure::Status(status) => write!(f, "{}", status.as_u16()),
            AttemptFailure::Transport(kind) => f.write_str(match kind {
                TransportErrorKind::Connect => "connect failed",
                TransportErrorKind::Tls => "TLS failed",
                TransportErrorKind::Timeout => "timeout",
                TransportErrorKind::Io => "connection broken",
                TransportErrorKind::BodyTooLarge { .. } => "body too large",
                _ => "transport error",
            }),
        }
    }
}

/// One earlier attempt of a call: how it failed and how long the client waited before the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FailedAttempt {
    /// How it failed.
    pub failure: AttemptFailure,
    /// The delay taken before the next attempt (the server's `Retry-After` or the backoff).
    pub delay: Duration,
}

/// What a call did before its final error: every request it sent, and the failures it retried.
///
/// Read it through [`Error::attempts`](crate::Error::attempts) and
/// [`Error::earlier_attempts`](crate::Error::earlier_attempts); the error's `Display` ends with
/// the summary, e.g. `(after 4 attempts: 429 +1s, 429 +1s, 503 +420ms)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptHistory {
    sent: u32,
    earlier: Vec<FailedAttempt>,
    omitted: u32,
}

impl AttemptHistory {
    /// Requests sent by the call, the final one included when it was sent.
    pub fn sent(&self) -> u32 {
        self.sent
    }

    /// The earlier failures that were retried, oldest first; at most [`MAX_KEPT_ATTEMPTS`] (the
    /// most recent ones), see [`AttemptHistory::omitted`].
    pub fn earlier(&self) -> &[FailedAttempt] {
        &self.earlier
    }

    /// How many of the oldest earlier failures were dropped to keep the history bounded.
    pub fn omitted(&self) -> u32 {
        self.omitted
    }

    pub(crate) fn record_sent(&mut self) {
        self.sent = self.sent.saturating_add(1);
    }

    pub(crate) fn record_retry(&mut self, failure: AttemptFailure, delay: Duration) {
        if self.earlier.len() == MAX_KEPT_ATTEMPTS {
            self.earlier.remove(0);
            self.omitted = self.omitted.saturating_add(1);
        }
        self.earlier.push(FailedAttempt { failure, delay });
    }
}

impl fmt::Display for AttemptHistory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "after {} attempts: ", self.sent)?;
        if self.omitted > 0 {
            write!(f, "{} more, ", self.omitted)?;
        }
        for (i, attempt) in self.earlier.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} +{}", attempt.failure, Rounded(attempt.delay))?;
        }
        Ok(())
    }
}

/// A duration as people read it in a message: whole milliseconds under a second (`218ms`),
/// tenths of a second under a minute (`1.1s`, `2s`), whole seconds above (`90s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rounded(pub(crate) Duration);

impl fmt::Display for Rounded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.0.as_micros().saturating_add(500) / 1000;
        if millis < 1000 {
            return write!(f, "{millis}ms");
        }
        let tenths = (millis + 50) / 100;
        if tenths < 600 {
            if tenths % 10 == 0 {
                write!(f, "{}s", tenths / 10)
            } else {
                write!(f, "{}.{}s", tenths / 10, tenths % 10)
            }
        } else {
            write!(f, "{}s", (millis + 500) / 1000)
        }
    }
}

/// The history slot of an error: empty (no allocation) unless the call was retried.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Attempts(Option<Box<AttemptHistory>>);

impl Attempts {
    pub(crate) fn get(&self) -> Option<&AttemptHistory> {
        self.0.as_deref()
    }

    pub(crate) fn set(&mut self, history: AttemptHistory) {
        self.0 = Some(Box::new(history));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_reads_like_a_story() {
        let mut h = AttemptHistory::default();
        for failure in [
            AttemptFailure::Status(StatusCode::TOO_MANY_REQUESTS),
            AttemptFailure::Status(StatusCode::SERVICE_UNAVAILABLE),
            AttemptFailure::Transport(TransportErrorKind::Timeout),
        ] {
            h.record_sent();
            h.record_retry(failure, Duration::from_millis(250));
        }
        h.record_sent();
        assert_eq!(
            h.to_string(),
            "after 4 attempts: 429 +250ms, 503 +250ms, timeout +250ms"
        );
    }

    #[test]
    fn delays_are_rounded_for_reading() {
        let cases = [
            (Duration::ZERO, "0ms"),
            (Duration::from_nanos(499_999), "0ms"),
            (Duration::from_micros(218_374), "218ms"),
            (Duration::from_micros(999_499), "999ms"),
            (Duration::from_micros(999_500), "1s"),
            (Duration::from_millis(1_049), "1s"),
            (Duration::from_millis(1_050), "1.1s"),
            (Duration::from_millis(1_120), "1.1s"),
            (Duration::from_millis(59_949), "59.9s"),
            (Duration::from_millis(59_950), "60s"),
            (Duration::from_secs(90), "90s"),
            (Duration::MAX, "18446744073709551616s"),
        ];
        for (delay, shown) in cases {
            assert_eq!(Rounded(delay).to_string(), shown, "{delay:?}");
        }
    }

    #[test]
    fn the_summary_rounds_its_delays() {
        let mut h = AttemptHistory::default();
        h.record_sent();
        h.record_retry(
            AttemptFailure::Transport(TransportErrorKind::Timeout),
            Duration::from_nanos(218_374_788),
        );
        h.record_sent();
        h.record_retry(
            AttemptFailure::Status(StatusCode::SERVICE_UNAVAILABLE),
            Duration::from_millis(1_120),
        );
        h.record_sent();
        assert_eq!(h.to_string(), "after 3 attempts: timeout +218ms, 503 +1.1s");
    }

    #[test]
    fn the_history_is_bounded_and_keeps_the_latest() {
        let mut h = AttemptHistory::default();
        for i in 0..100u64 {
            h.record_sent();
            h.record_retry(
                AttemptFailure::Status(StatusCode::TOO_MANY_REQUESTS),
                Duration::from_millis(i),
            );
        }
        assert_eq!(h.earlier().len(), MAX_KEPT_ATTEMPTS);
        assert_eq!(h.omitted(), 100 - MAX_KEPT_ATTEMPTS as u32);
        assert_eq!(h.earlier()[0].delay, Duration::from_millis(84));
        assert_eq!(h.sent(), 100);
        assert!(h
            .to_string()
            .starts_with("after 100 attempts: 84 more, 429 +84ms"));
    }
}
