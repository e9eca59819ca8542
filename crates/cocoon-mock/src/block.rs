//! The temporary block of API.md §2: a team that keeps sending bad requests is answered
//! `403 "Too many bad requests. Temporary block"` for a while. A pure struct over injected
//! instants.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// When the fake service blocks a team for its bad requests (off unless configured with
/// [`MockBuilder::temporary_block`](crate::MockBuilder::temporary_block)).
///
/// After `after` bad requests (answers `400` and `429`) within `within`, every authenticated
/// request is answered `403` for `block_for`; then counting starts afresh.
///
/// ```
/// use std::time::Duration;
/// use cocoon_mock::TemporaryBlock;
/// let block = TemporaryBlock::new(5, Duration::from_secs(10), Duration::from_secs(60));
/// assert_eq!(block.after, 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TemporaryBlock {
    /// How many bad requests trigger the block (at least 1).
    pub after: u32,
    /// The window the bad requests are counted in.
    pub within: Duration,
    /// How long the block lasts.
    pub block_for: Duration,
}

impl TemporaryBlock {
    /// Blocks for `block_for` after `after` bad requests within `within`.
    pub fn new(after: u32, within: Duration, block_for: Duration) -> Self {
        TemporaryBlock {
            after,
            within,
            block_for,
        }
    }
}

/// The bad requests seen recently and the end of the current block.
#[derive(Debug)]
pub(crate) struct BlockWindow {
    rule: Option<TemporaryBlock>,
    bad: VecDeque<Instant>,
    blocked_until: Option<Instant>,
}

impl BlockWindow {
    pub(crate) fn new(rule: Option<TemporaryBlock>) -> Self {
        BlockWindow {
            rule,
            bad: VecDeque::new(),
            blocked_until: None,
        }
    }

    /// Whether the team is blocked at `now`.
    pub(crate) fn is_blocked(&mut self, now: Instant) -> bool {
        match self.blocked_until {
            Some(until) if now < until => true,
            Some(_) => {
                self.blocked_until = None;
                false
            }
            None => false,
        }
    }

    /// Counts one bad request at `now`; starts a block when the threshold is reached.
    pub(crate) fn count_bad(&mut self, now: Instant) {
        let Some(rule) = self.rule else { return };
        while let Some(&oldest) = self.bad.front() {
            if now.saturating_duration_since(oldest) >= rule.within {
                self.bad.pop_front();
            } else {
                break;
            }
        }
        self.bad.push_back(now);
        if self.bad.len() >= rule.after as usize {
            self.bad.clear();
            self.blocked_until = Some(now + rule.block_for);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn off_never_blocks() {
        let t0 = Instant::now();
        let mut w = BlockWindow::new(None);
        for i in 0..100 {
            w.count_bad(t0 + ms(i));
        }
        assert!(!w.is_blocked(t0 + ms(100)));
    }

    #[test]
    fn blocks_after_the_threshold_within_the_window_then_lifts() {
        let t0 = Instant::now();
        let mut w = BlockWindow::new(Some(TemporaryBlock::new(3, ms(1000), ms(5000))));
        w.count_bad(t0);
        w.count_bad(t0 + ms(100));
        assert!(!w.is_blocked(t0 + ms(150)));
        w.count_bad(t0 + ms(200));
        assert!(w.is_blocked(t0 + ms(201)));
        assert!(w.is_blocked(t0 + ms(5199)));
        assert!(!w.is_blocked(t0 + ms(5200)));
        // Counting starts afresh after a block.
        w.count_bad(t0 + ms(5300));
        assert!(!w.is_blocked(t0 + ms(5301)));
    }

    #[test]
    fn bad_requests_spread_beyond_the_window_do_not_block() {
        let t0 = Instant::now();
        let mut w = BlockWindow::new(Some(TemporaryBlock::new(3, ms(1000), ms(5000))));
        for i in 0..10 {
            w.count_bad(t0 + ms(i * 600));
        }
        assert!(!w.is_blocked(t0 + ms(6000)));
    }
}
