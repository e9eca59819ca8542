//! The rate-limit window, as a pure struct over injected instants.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::RateLimit;

/// The `x-ratelimit-limit` value announced when rate limiting is off.
pub(crate) const UNLIMITED_HEADER: u32 = 1_000_000;

const WINDOW: Duration = Duration::from_secs(1);

/// The outcome of asking the window for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// The request is accepted; this many requests are left in the window.
    Allowed { remaining: u32 },
    /// The request is refused; retry after this many whole seconds (at least 1).
    Limited { retry_after_secs: u64 },
}

#[derive(Debug)]
enum Mode {
    Off,
    /// Consecutive one-second windows; the first starts with the first request.
    Fixed {
        start: Option<Instant>,
        count: u32,
    },
    /// The instants of the requests accepted in the last second, oldest first.
    Sliding {
        accepted: VecDeque<Instant>,
    },
}

/// Counts accepted requests per second for the whole team (every key shares it).
///
/// Refused requests do not consume the budget.
#[derive(Debug)]
pub(crate) struct RateWindow {
    limit: u32,
    mode: Mode,
}

impl RateWindow {
    /// A window for `rate`; `strict` selects the sliding window.
    pub(crate) fn new(rate: RateLimit, strict: bool) -> Self {
        match rate {
            RateLimit::Off => RateWindow {
                limit: UNLIMITED_HEADER,
                mode: Mode::Off,
            },
            RateLimit::PerSecond(limit) if strict => RateWindow {
                limit,
                mode: Mode::Sliding {
                    accepted: VecDeque::new(),
                },
            },
            RateLimit::PerSecond(limit) => RateWindow {
                limit,
                mode: Mode::Fixed {
                    start: None,
                    count: 0,
                },
            },
        }
    }

    /// The value of `x-ratelimit-limit`.
    pub(crate) fn limit(&self) -> u32 {
        self.limit
    }

    /// Forgets requests that left the window at `now`.
    fn advance(&mut self, now: Instant) {
        match &mut self.mode {
            Mode::Off => {}
            Mode::Fixed { start, count } => {
                if let Some(s) = *start {
                    let elapsed = now.saturating_duration_since(s);
                    if elapsed >= WINDOW {
                        let whole = elapsed.as_secs();
                        *start = Some(s + Duration::from_secs(whole));
                        *count = 0;
                    }
                }
            }
            Mode::Sliding { accepted } => {
                while let Some(&oldest) = accepted.front() {
                    if now.saturating_duration_since(oldest) >= WINDOW {
                        accepted.pop_front();
                    } else {
                        break;
                    }
                }
            }
        }
    }

    /// Requests left in the window at `now`, without consuming one.
    pub(crate) fn remaining(&mut self, now: Instant) -> u32 {
        self.advance(now);
        match &self.mode {
            Mode::Off => self.limit,
            Mode::Fixed { count, .. } => self.limit.saturating_sub(*count),
            Mode::Sliding { accepted } => self.limit.saturating_sub(accepted.len() as u32),
        }
    }

    /// Asks for one request at `now`; an accepted request consumes one unit of the budget.
    pub(crate) fn try_acquire(&mut self, now: Instant) -> Decision {
        self.advance(now);
        let limit = self.limit;
        match &mut self.mode {
            Mode::Off => Decision::Allowed { remaining: limit },
            Mode::Fixed { start, count } => {
                let window_start = *start.get_or_insert(now);
                if *count < limit {
                    *count += 1;
                    Decision::Allowed {
                        remaining: limit - *count,
                    }
                } else {
                    Decision::Limited {
                        retry_after_secs: whole_seconds_until(window_start + WINDOW, now),
                    }
                }
            }
            Mode::Sliding { accepted } => {
                if (accepted.len() as u32) < limit {
                    accepted.push_back(now);
                    Decision::Allowed {
                        remaining: limit - accepted.len() as u32,
                    }
                } else {
                    let oldest = accepted.front().copied().unwrap_or(now);
                    Decision::Limited {
                        retry_after_secs: whole_seconds_until(oldest + WINDOW, now),
                    }
                }
            }
        }
    }
}

/// Whole seconds from `now` until `then`, rounded up, at least 1.
fn whole_seconds_until(then: Instant, now: Instant) -> u64 {
    let wait = then.saturating_duration_since(now);
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn fixed_window_allows_limit_then_refuses_until_the_next_second() {
        let t0 = Instant::now();
        let mut w = RateWindow::new(RateLimit::PerSecond(3), false);
        assert_eq!(w.remaining(t0), 3);
        assert_eq!(w.try_acquire(t0), Decision::Allowed { remaining: 2 });
        assert_eq!(
            w.try_acquire(t0 + ms(100)),
            Decision::Allowed { remaining: 1 }
        );
        assert_eq!(
            w.try_acquire(t0 + ms(200)),
            Decision::Allowed { remaining: 0 }
        );
        assert_eq!(
            w.try_acquire(t0 + ms(300)),
            Decision::Limited {
                retry_after_secs: 1
            }
        );
        assert_eq!(w.remaining(t0 + ms(999)), 0);
        // A new window starts one second after the first request.
        assert_eq!(
            w.try_acquire(t0 + ms(1000)),
            Decision::Allowed { remaining: 2 }
        );
    }

    #[test]
    fn fixed_window_lets_a_burst_straddle_the_boundary() {
        // The weakness of fixed windows: 2 × limit within a few milliseconds is accepted.
        let t0 = Instant::now();
        let mut w = RateWindow::new(RateLimit::PerSecond(2), false);
        assert!(matches!(w.try_acquire(t0), Decision::Allowed { .. }));
        assert!(matches!(
            w.try_acquire(t0 + ms(990)),
            Decision::Allowed { .. }
        ));
        assert!(matches!(
            w.try_acquire(t0 + ms(1001)),
            Decision::Allowed { .. }
        ));
        assert!(matches!(
            w.try_acquire(t0 + ms(1002)),
            Decision::Allowed { .. }
        ));
        assert!(matches!(
            w.try_acquire(t0 + ms(1003)),
            Decision::Limited { .. }
        ));
    }

    #[test]
    fn fixed_windows_stay_aligned_after_a_gap() {
        let t0 = Instant::now();
        let mut w = RateWindow::new(RateLimit::PerSecond(1), false);
        assert!(matches!(w.try_acquire(t0), Decision::Allowed { .. }));
        // 5.5 s later: the window that started at t0 + 5 s.
        assert!(matches!(
            w.try_acquire(t0 + ms(5500)),
            Decision::Allowed { .. }
        ));
        assert!(matches!(
            w.try_acquire(t0 + ms(5999)),
            Decision::Limited { .. }
        ));
        assert!(matches!(
            w.try_acquire(t0 + ms(6000)),
            Decision::Allowed { .. }
        ));
    }

    #[test]
    fn strict_window_refuses_the_eleventh_request_in_any_second() {
        let t0 = Instant::now();
        let mut w = RateWindow::new(RateLimit::PerSecond(10), true);
        // Ten requests spread over 900 ms.
        for i in 0..10 {
            assert!(matches!(
                w.try_acquire(t0 + ms(i * 100)),
                Decision::Allowed { .. }
            ));
        }
        // The eleventh at 950 ms: ten were accepted in the last second.
        assert_eq!(
            w.try_acquire(t0 + ms(950)),
            Decision::Limited {
                retry_after_secs: 1
            }
        );
        // At 1000 ms the first one (t0) left the window: exactly one slot opened.
        assert_eq!(
            w.try_acquire(t0 + ms(1000)),
            Decision::Allowed { remaining: 0 }
        );
        assert!(matches!(
            w.try_acquire(t0 + ms(1050)),
            Decision::Limited { .. }
        ));
        // At 1100 ms the one from 100 ms left.
        assert_eq!(
            w.try_acquire(t0 + ms(1100)),
            Decision::Allowed { remaining: 0 }
        );
    }

    #[test]
    fn strict_window_catches_a_burst_across_a_fixed_boundary() {
        let t0 = Instant::now();
        let mut w = RateWindow::new(RateLimit::PerSecond(2), true);
        assert!(matches!(
            w.try_acquire(t0 + ms(990)),
            Decision::Allowed { .. }
        ));
        assert!(matches!(
            w.try_acquire(t0 + ms(995)),
            Decision::Allowed { .. }
        ));
        // 1001 ms is a new fixed window, but only 11 ms after the previous requests.
        assert!(matches!(
            w.try_acquire(t0 + ms(1001)),
            Decision::Limited { .. }
        ));
    }

    #[test]
    fn refused_requests_do_not_consume_the_budget() {
        let t0 = Instant::now();
        let mut w = RateWindow::new(RateLimit::PerSecond(1), true);
        assert!(matches!(w.try_acquire(t0), Decision::Allowed { .. }));
        for i in 1..50 {
            assert!(matches!(
                w.try_acquire(t0 + ms(i * 10)),
                Decision::Limited { .. }
            ));
        }
        // Had the refusals counted, the window would still be full at 1000 ms.
        assert!(matches!(
            w.try_acquire(t0 + ms(1000)),
            Decision::Allowed { .. }
        ));
    }

    #[test]
    fn remaining_recovers_as_requests_age_out() {
        let t0 = Instant::now();
        let mut w = RateWindow::new(RateLimit::PerSecond(3), true);
        w.try_acquire(t0);
        w.try_acquire(t0 + ms(400));
        assert_eq!(w.remaining(t0 + ms(500)), 1);
        assert_eq!(w.remaining(t0 + ms(1000)), 2);
        assert_eq!(w.remaining(t0 + ms(1400)), 3);
    }

    #[test]
    fn off_never_refuses() {
        let t0 = Instant::now();
        let mut w = RateWindow::new(RateLimit::Off, true);
        for _ in 0..10_000 {
            assert_eq!(
                w.try_acquire(t0),
                Decision::Allowed {
                    remaining: UNLIMITED_HEADER
                }
            );
        }
        assert_eq!(w.limit(), UNLIMITED_HEADER);
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let t0 = Instant::now();
        assert_eq!(whole_seconds_until(t0 + ms(1), t0), 1);
        assert_eq!(whole_seconds_until(t0 + ms(1001), t0), 2);
        assert_eq!(whole_seconds_until(t0, t0 + ms(5)), 1);
    }
}
