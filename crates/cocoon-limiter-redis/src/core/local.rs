//! The local budget: leaving Redis, the slots handed out while it is away, and the way back.

use std::time::Duration;

use cocoon_core::LimiterError;

use super::{micros, Core, Ledger, Step};
use crate::config::{WhenDown, DEFAULT_FALLBACK_SHARE};
use crate::stats::Mode;

/// The fastest the bucket's latest slot is taken to move (a hundred callers queueing each
/// second at 10/s).
const MAX_TAIL_SPEED: f64 = 10.0;

impl Core {
    /// Microseconds between two slots of the local budget: the team's period over this
    /// process's share (set, or `1 / N` for the `N` processes last seen in the bucket).
    pub(super) fn local_period(&self, ledger: &Ledger) -> u64 {
        let period = self.settings.period_us;
        let share = match self.settings.when_down {
            WhenDown::FailClosed => return period,
            WhenDown::Fallback(Some(share)) => share,
            WhenDown::Fallback(None) => match ledger.processes {
                Some((n, _)) => return period.saturating_mul(n.max(1)),
                None => DEFAULT_FALLBACK_SHARE,
            },
        };
        ((period as f64 / share).ceil() as u64).max(1)
    }

    /// A slot from the local budget, once it is at most a local period away (see
    /// [`Step::Later`]); until then the caller waits, at most until the next probe.
    pub(super) fn reserve_locally(
        &self,
        ledger: &mut Ledger,
        now: u64,
        max_wait: Duration,
    ) -> Step {
        if ledger.mode == Mode::Unavailable {
            return Step::Done(Err(LimiterError::unavailable(format!(
                "Redis at {} does not answer and the limiter fails closed",
                self.settings.shown_url
            ))));
        }
        let period = self.local_period(ledger);
        let mut bucket = ledger.bucket;
        match bucket.reserve(now, period, micros(max_wait), None) {
            Ok(slot) if slot - now > period => {
                let until_probe = ledger.next_probe.saturating_sub(now).max(1);
                let until_near = slot - now - period;
                Step::Later(Duration::from_micros(until_near.min(until_probe)))
            }
            Ok(slot) => {
                ledger.bucket = bucket;
                ledger.local_tail = Some(slot);
                ledger.stats.local_permits += 1;
                Step::Done(Ok(self.reservation(ledger, slot, now)))
            }
            Err(slot) => Step::Done(Err(LimiterError::wait_too_long(
                Duration::from_micros(slot.saturating_sub(now)),
                max_wait,
            ))),
        }
    }

    /// How long a return to Redis lasts after the first process back: until every process can
    /// have probed Redis again.
    pub(super) fn returning_for(&self) -> Duration {
        self.settings
            .probe_interval
            .saturating_add(self.settings.response_timeout)
    }

    pub(super) fn back_to_shared(&self, ledger: &mut Ledger) {
        ledger.returning_until = None;
        if ledger.mode != Mode::Shared {
            ledger.mode = Mode::Shared;
            ledger.stats.returns += 1;
            crate::log::back_to_redis(&self.settings);
        }
    }

    /// Redis answered but refuses the limiter: no fallback (it would hide the setting to fix),
    /// and one warning per streak of refusals.
    pub(super) fn refused(&self, ledger: &mut Ledger, error: &LimiterError) {
        ledger.stats.redis_errors += 1;
        if !ledger.warned {
            ledger.warned = true;
            crate::log::misconfigured(&self.settings, error);
        }
    }

    /// A round trip failed: leave Redis (once), for the local budget or to fail closed.
    pub(super) fn redis_failed(&self, ledger: &mut Ledger, now: u64, decided_at: u64) {
        ledger.stats.redis_errors += 1;
        ledger.returning_until = None;
        let left = if self.fails_closed() {
            Mode::Unavailable
        } else {
            Mode::Fallback
        };
        if ledger.mode == Mode::Shared {
            ledger.mode = left;
            ledger.stats.fallbacks += 1;
            ledger.next_probe = decided_at
                .max(now)
                .saturating_add(micros(self.settings.probe_interval));
            crate::log::left_redis(&self.settings, left);
            // The local budget starts past the shared slots the others may still hold,
            // keeping this process's own beat (its latest slot, moved on by whole local
            // periods), so the processes leaving together do not all start at once.
            let tail = self.shared_tail(ledger, now, false);
            let period = self.local_period(ledger);
            let last = ledger.bucket.last.unwrap_or(now);
            if last.saturating_add(period) < tail {
                let periods = (tail - last - period).div_ceil(period);
                ledger.bucket.last = Some(last.saturating_add(periods.saturating_mul(period)));
            }
        }
    }

    /// Where the shared slots of every process may end now: the bucket's latest slot last
    /// heard of, and when callers were queueing then (that slot still to come), moved on at
    /// the speed it was moving for the time since, and one round of every process beyond. A
    /// guess too short hands slots out twice (and the 429 that follows pauses everyone); one
    /// too long only delays the first new slots once.
    pub(super) fn shared_tail(&self, ledger: &Ledger, now: u64, round: bool) -> u64 {
        let Some((last, heard)) = ledger.team_last else {
            return 0;
        };
        let last = self.to_local(ledger, last);
        if last <= heard {
            return last;
        }
        let since = now.saturating_sub(heard) as f64;
        let moved = (since * ledger.tail_speed.clamp(1.0, MAX_TAIL_SPEED)) as u64;
        let round = if round {
            ledger
                .processes
                .map_or(1, |(count, _)| count)
                .saturating_mul(self.settings.period_us)
        } else {
            0
        };
        last.saturating_add(moved).saturating_add(round)
    }
}
