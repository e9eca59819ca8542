//! What an answer asks of a client-side rate limiter: a pause for every caller that shares the
//! team's budget (API.md §2).

use std::time::{Duration, SystemTime};

use http::StatusCode;

use crate::ratelimit::RateLimit;

/// How long a 429 without `Retry-After` pauses the team: one rate-limit window.
pub const DEFAULT_PAUSE_AFTER_429: Duration = Duration::from_secs(1);

/// The longest pause a limiter takes from a server's answer unless told otherwise: a
/// `Retry-After` of twenty digits or a date in year 9999 pauses the team this long, not for
/// ever. The limiters' `max_server_pause` setting changes it.
pub const DEFAULT_MAX_SERVER_PAUSE: Duration = Duration::from_secs(60);

/// How long every caller sharing the team's budget should hold back after an answer with
/// `status` and the rate-limit headers `rate_limit`, measured from `now` (when the answer
/// arrived, `latency` after its request was sent); `None` when the answer asks for nothing.
///
/// - **429**: until `Retry-After` (seconds or an HTTP date), or one second without it.
/// - **`x-ratelimit-remaining: 0`** on any other answer: the server's window is full. Until
///   `Retry-After` when the answer carries one; otherwise until one slot of the server's rate
///   (`1 s / x-ratelimit-limit`, 100 ms at the documented 10/s) after the request was *sent*:
///   the server counted it no later than that, so no request of the same budget should follow
///   it closer than one slot. A client that already spaces its requests by at least that slot
///   loses nothing to this pause, whatever the latency (a strict server at the limit reports a
///   full window on every answer); traffic the client does not see (another program on the
///   same team) is given room.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use cocoon_core::{requested_pause, RateLimit, RetryAfter};
/// let now = SystemTime::now();
/// let full = RateLimit::new(Some(10), Some(0), None);
/// let sent_30ms_ago = Duration::from_millis(30);
/// assert_eq!(
///     requested_pause(http::StatusCode::OK, &full, now, sent_30ms_ago),
///     Some(Duration::from_millis(70))
/// );
/// let limited = full.with_retry_after(RetryAfter::Delay(Duration::from_secs(3)));
/// assert_eq!(
///     requested_pause(http::StatusCode::TOO_MANY_REQUESTS, &limited, now, sent_30ms_ago),
///     Some(Duration::from_secs(3))
/// );
/// assert_eq!(requested_pause(http::StatusCode::OK, &RateLimit::default(), now, sent_30ms_ago), None);
/// ```
pub fn requested_pause(
    status: StatusCode,
    rate_limit: &RateLimit,
    now: SystemTime,
    latency: Duration,
) -> Option<Duration> {
    let retry_after = rate_limit.retry_after.map(|r| r.delay_from(now));
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Some(retry_after.unwrap_or(DEFAULT_PAUSE_AFTER_429));
    }
    if rate_limit.remaining == Some(0) {
        let slot = match rate_limit.limit {
            Some(limit) if limit > 0 => Duration::from_secs(1) / limit,
            _ => Duration::from_secs(1) / crate::DOCUMENTED_REQUESTS_PER_SECOND,
        };
        return match retry_after {
            Some(delay) => Some(delay),
            None => Some(slot.saturating_sub(latency)).filter(|d| !d.is_zero()),
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ratelimit::RetryAfter;

    const OK: StatusCode = StatusCode::OK;
    const LIMITED: StatusCode = StatusCode::TOO_MANY_REQUESTS;

    #[test]
    fn a_429_pauses_by_retry_after_in_either_form_or_one_second() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let seconds = RateLimit {
            retry_after: Some(RetryAfter::Delay(Duration::from_secs(2))),
            ..RateLimit::default()
        };
        assert_eq!(
            requested_pause(LIMITED, &seconds, now, Duration::ZERO),
            Some(Duration::from_secs(2))
        );
        let date = RateLimit {
            retry_after: Some(RetryAfter::At(now + Duration::from_secs(5))),
            ..RateLimit::default()
        };
        assert_eq!(
            requested_pause(LIMITED, &date, now, Duration::ZERO),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            requested_pause(
                LIMITED,
                &RateLimit::default(),
                now,
                Duration::from_millis(400)
            ),
            Some(DEFAULT_PAUSE_AFTER_429)
        );
    }

    #[test]
    fn a_full_window_pauses_one_slot_of_the_servers_rate() {
        let now = SystemTime::UNIX_EPOCH;
        let full = |limit| RateLimit {
            limit,
            remaining: Some(0),
            retry_after: None,
        };
        assert_eq!(
            requested_pause(OK, &full(Some(4)), now, Duration::ZERO),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            requested_pause(OK, &full(None), now, Duration::ZERO),
            Some(Duration::from_millis(100))
        );
        assert_eq!(
            requested_pause(OK, &full(Some(0)), now, Duration::ZERO),
            Some(Duration::from_millis(100))
        );
        let with_date = RateLimit {
            retry_after: Some(RetryAfter::Delay(Duration::from_secs(1))),
            ..full(Some(10))
        };
        assert_eq!(
            requested_pause(
                StatusCode::CREATED,
                &with_date,
                now,
                Duration::from_millis(400)
            ),
            Some(Duration::from_secs(1))
        );
    }

    #[test]
    fn a_full_window_counts_the_slot_from_when_the_request_left() {
        let now = SystemTime::UNIX_EPOCH;
        let full = RateLimit {
            limit: Some(10),
            remaining: Some(0),
            retry_after: None,
        };
        let after = |ms| requested_pause(OK, &full, now, Duration::from_millis(ms));
        assert_eq!(after(40), Some(Duration::from_millis(60)));
        // A slow answer: the slot after its request has passed already.
        assert_eq!(after(100), None);
        assert_eq!(after(250), None);
    }

    #[test]
    fn other_answers_ask_for_nothing() {
        let now = SystemTime::UNIX_EPOCH;
        let some_left = RateLimit {
            limit: Some(10),
            remaining: Some(3),
            retry_after: None,
        };
        for status in [OK, StatusCode::BAD_REQUEST, StatusCode::SERVICE_UNAVAILABLE] {
            assert_eq!(
                requested_pause(status, &some_left, now, Duration::ZERO),
                None
            );
        }
    }
}
