//! The retry decision, as a pure function of the operation, the attempt and the outcome.

use std::time::{Duration, SystemTime};

use crate::error::{Error, TransportErrorKind};
use crate::route::Idempotency;

/// When and how long to retry.
///
/// The rules ([`RetryPolicy::decide`]):
/// - 429 is always retried: the server refused the request, so nothing was done twice.
/// - A connection that was never established is always retried.
/// - 5xx answers, timeouts and broken connections are retried only for idempotent operations
///   (reads and upserts), never for sends.
/// - 400, 401, 403 (a temporary block: retrying prolongs it), 404, 406 and 409 are never
///   retried.
/// - The server's `Retry-After` wins over the computed backoff; if it asks for more than the
///   remaining budget, the call stops with the 429 so the caller can decide.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 means never retry).
    pub max_attempts: u32,
    /// The backoff before the first retry; it doubles on each further retry.
    pub initial_backoff: Duration,
    /// The cap on one computed backoff.
    pub max_backoff: Duration,
    /// The cap on all waiting between attempts of one call.
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_total_wait: Duration::from_secs(30),
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Give up and return the error.
    Stop,
    /// Wait this long, then send again.
    RetryAfter(Duration),
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Sets the number of attempts in all (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the first backoff and its cap.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// Sets the cap on all waiting of one call.
    pub fn with_max_total_wait(mut self, max_total_wait: Duration) -> Self {
        self.max_total_wait = max_total_wait;
        self
    }

    /// Decides after attempt number `attempts_made` (1 for the first) failed with `error`.
    ///
    /// `waited` is the time already spent waiting between attempts of this call, `now` the wall
    /// clock (for `Retry-After` dates) and `random` any random number (for jitter).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use cocoon_core::{Idempotency, RetryDecision, RetryPolicy};
    /// let policy = RetryPolicy::default();
    /// let refused = cocoon_core::TransportError::new(
    ///     cocoon_core::TransportErrorKind::Connect, "connection refused").into();
    /// let decision = policy.decide(Idempotency::NotIdempotent, 1, Duration::ZERO, &refused,
    ///                              SystemTime::now(), 7);
    /// assert!(matches!(decision, RetryDecision::RetryAfter(_)));
    /// ```
    pub fn decide(
        &self,
        idempotency: Idempotency,
        attempts_made: u32,
        waited: Duration,
        error: &Error,
        now: SystemTime,
        random: u64,
    ) -> RetryDecision {
        if attempts_made >= self.max_attempts {
            return RetryDecision::Stop;
        }
        let idempotent = idempotency == Idempotency::Idempotent;
        let retry = match error {
            Error::RateLimited(_) => true,
            Error::Server(_) => idempotent,
            Error::Transport(e) => match e.kind {
                TransportErrorKind::Connect => true,
                TransportErrorKind::Timeout | TransportErrorKind::Io => idempotent,
                _ => false,
            },
            _ => false,
        };
        if !retry {
            return RetryDecision::Stop;
        }
        let delay = error
            .retry_after_from(now)
            .unwrap_or_else(|| self.backoff(attempts_made, random));
        let budget = self.max_total_wait.saturating_sub(waited);
        if delay > budget {
            return RetryDecision::Stop;
        }
        RetryDecision::RetryAfter(delay)
    }

    /// The backoff after attempt `attempts_made`: `initial_backoff * 2^(attempts_made - 1)`,
    /// capped at `max_backoff`, then jittered into its upper half by `random`.
    pub fn backoff(&self, attempts_made: u32, random: u64) -> Duration {
        let doublings = attempts_made.saturating_sub(1).min(31);
        let exp = self
            .initial_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.max_backoff);
        let half = exp / 2;
        let spread = half.as_nanos() as u64;
        let jitter = if spread == 0 {
            0
        } else {
            random % (spread + 1)
        };
        half + Duration::from_nanos(jitter)
    }
}

/// The retry bookkeeping of one call: how many attempts were made and how long was waited.
///
/// Both the async and the blocking client drive their loop with it, so they take the same
/// decisions:
///
/// ```
/// use std::time::SystemTime;
/// use cocoon_core::{Idempotency, RetryDecision, RetryPolicy, RetryState};
/// let policy = RetryPolicy::default();
/// let mut state = RetryState::new(Idempotency::NotIdempotent);
/// let answer_500 = cocoon_core::error_from_parts(
///     http::StatusCode::INTERNAL_SERVER_ERROR, &http::HeaderMap::new(), b"");
/// // A send that failed with a 500 may have been processed: never retried.
/// assert_eq!(state.after_failure(&policy, &answer_500, SystemTime::now(), 1), RetryDecision::Stop);
/// assert_eq!(state.attempts(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct RetryState {
    idempotency: Idempotency,
    attempts: u32,
    waited: Duration,
}

impl RetryState {
    /// The state before the first attempt of a call.
    pub fn new(idempotency: Idempotency) -> Self {
        RetryState {
            idempotency,
            attempts: 0,
            waited: Duration::ZERO,
        }
    }

    /// Records a failed attempt and decides what to do; a retry's delay counts as waited.
    pub fn after_failure(
        &mut self,
        policy: &RetryPolicy,
        error: &Error,
        now: SystemTime,
        random: u64,
    ) -> RetryDecision {
        self.attempts += 1;
        let decision = policy.decide(
            self.idempotency,
            self.attempts,
            self.waited,
            error,
            now,
            random,
        );
        if let RetryDecision::RetryAfter(delay) = decision {
            self.waited += delay;
        }
        decision
    }

    /// Attempts made so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Time spent waiting between attempts so far.
    pub fn waited(&self) -> Duration {
        self.waited
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::error_from_parts;
    use crate::error::TransportError;
    use http::{HeaderMap, HeaderValue, StatusCode};

    fn status(code: u16) -> Error {
        error_from_parts(StatusCode::from_u16(code).unwrap(), &HeaderMap::new(), b"")
    }

    fn transport(kind: TransportErrorKind) -> Error {
        TransportError::new(kind, "test").into()
    }

    fn decide(
        policy: &RetryPolicy,
        idem: Idempotency,
        attempt: u32,
        error: &Error,
    ) -> RetryDecision {
        policy.decide(
            idem,
            attempt,
            Duration::ZERO,
            error,
            SystemTime::UNIX_EPOCH,
            0,
        )
    }

    #[test]
    fn each_status_class_for_reads_and_sends() {
        let p = RetryPolicy::default();
        use Idempotency::*;
        for (code, read, send) in [
            (400, false, false),
            (401, false, false),
            (403, false, false),
            (404, false, false),
            (406, false, false),
            (409, false, false),
            (422, false, false),
            (429, true, true),
            (500, true, false),
            (502, true, false),
            (503, true, false),
            (504, true, false),
            (301, false, false),
        ] {
            let e = status(code);
            let r = |i| matches!(decide(&p, i, 1, &e), RetryDecision::RetryAfter(_));
            assert_eq!(r(Idempotent), read, "{code} read");
            assert_eq!(r(NotIdempotent), send, "{code} send");
        }
    }

    #[test]
    fn transport_failures() {
        let p = RetryPolicy::default();
        use Idempotency::*;
        use TransportErrorKind::*;
        for (kind, read, send) in [
            (Connect, true, true),
            (Timeout, true, false),
            (Io, true, false),
            (BodyTooLarge { limit: 1 }, false, false),
            (Other, false, false),
        ] {
            let e = transport(kind);
            let r = |i| matches!(decide(&p, i, 1, &e), RetryDecision::RetryAfter(_));
            assert_eq!(r(Idempotent), read, "{kind:?} read");
            assert_eq!(r(NotIdempotent), send, "{kind:?} send");
        }
    }

    #[test]
    fn retry_after_wins_over_backoff_in_both_forms() {
        let p = RetryPolicy::default();
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("3"));
        let e = error_from_parts(StatusCode::TOO_MANY_REQUESTS, &headers, b"{}");
        assert_eq!(
            decide(&p, Idempotency::NotIdempotent, 1, &e),
            RetryDecision::RetryAfter(Duration::from_secs(3))
        );
        headers.insert(
            "retry-after",
            HeaderValue::from_static("Thu, 01 Jan 1970 00:00:05 GMT"),
        );
        let e = error_from_parts(StatusCode::TOO_MANY_REQUESTS, &headers, b"{}");
        assert_eq!(
            decide(&p, Idempotency::NotIdempotent, 1, &e),
            RetryDecision::RetryAfter(Duration::from_secs(5))
        );
    }

    #[test]
    fn attempts_and_total_wait_are_bounded() {
        let p = RetryPolicy::default().with_max_attempts(3);
        let e = status(429);
        assert!(matches!(
            decide(&p, Idempotency::Idempotent, 2, &e),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(
            decide(&p, Idempotency::Idempotent, 3, &e),
            RetryDecision::Stop
        );
        assert_eq!(
            decide(&RetryPolicy::never(), Idempotency::Idempotent, 1, &e),
            RetryDecision::Stop
        );

        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("120"));
        let long = error_from_parts(StatusCode::TOO_MANY_REQUESTS, &headers, b"");
        assert_eq!(
            decide(&p, Idempotency::Idempotent, 1, &long),
            RetryDecision::Stop
        );
        let spent = p.decide(
            Idempotency::Idempotent,
            1,
            Duration::from_secs(30),
            &e,
            SystemTime::UNIX_EPOCH,
            0,
        );
        assert_eq!(spent, RetryDecision::Stop);
    }

    #[test]
    fn backoff_doubles_is_capped_and_jitters_in_the_upper_half() {
        let p =
            RetryPolicy::default().with_backoff(Duration::from_millis(100), Duration::from_secs(1));
        assert_eq!(p.backoff(1, 0), Duration::from_millis(50));
        assert_eq!(p.backoff(2, 0), Duration::from_millis(100));
        assert_eq!(p.backoff(3, 0), Duration::from_millis(200));
        assert_eq!(p.backoff(10, 0), Duration::from_millis(500));
        assert_eq!(p.backoff(60, u64::MAX), p.backoff(60, u64::MAX));
        for random in [1, 12_345, u64::MAX, 99_999_999] {
            let d = p.backoff(2, random);
            assert!(
                d >= Duration::from_millis(100) && d <= Duration::from_millis(200),
                "{d:?}"
            );
        }
    }
}
