//! Everything both limiters decide, without I/O: which round trip to make (if any), what its
//! answer means, the local fallback budget, pauses, and the switches between Redis and the
//! local budget. The async and the blocking limiter only carry the round trips.

use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use cocoon_core::limiter::{Confirmation, Outcome, Permit, Reservation};
use cocoon_core::LimiterError;
use http::StatusCode;

use crate::bucket::Bucket;
use crate::config::{Settings, WhenDown, KEY_GRACE};
use crate::script::{Answer, Ask};

/// Where a limiter's permits come from right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mode {
    /// From the budget shared through Redis.
    Shared,
    /// From this process's local budget (a share of the team's rate): Redis did not answer,
    /// and the limiter tries it again at most once per probe interval.
    Fallback,
    /// Nowhere: Redis did not answer and the limiter fails closed, so permits are refused
    /// until Redis answers again.
    Unavailable,
}

/// What a limiter has been through, for reports and health checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Where permits come from now.
    pub mode: Mode,
    /// How many times the limiter left Redis (for the local budget, or to fail closed).
    pub fallbacks: u64,
    /// How many times it came back to Redis after leaving it.
    pub returns: u64,
    /// Round trips to Redis that failed or timed out.
    pub redis_errors: u64,
    /// Permits handed out from the shared budget.
    pub shared_permits: u64,
    /// Permits handed out from the local budget.
    pub local_permits: u64,
    /// 429 answers heard (each pauses every caller sharing the budget).
    pub rate_limited: u64,
    /// Pauses written to Redis for every process of the bucket (after 429s).
    pub pauses_shared: u64,
}

/// How a round trip went, as the limiters report it.
pub(crate) enum Io {
    /// The script answered.
    Answered(Answer),
    /// Redis failed, timed out, or answered something else.
    Failed(LimiterError),
    /// The round trip was not made: the limiter left Redis while this call waited its turn.
    Skipped,
}

/// A round trip to make.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call {
    pub(crate) ask: Ask,
    /// When it was decided (this process's microseconds).
    decided_at: u64,
    /// Whether this call checks if Redis is back.
    probe: bool,
}

/// The next step of a reservation.
pub(crate) enum Step {
    /// Settled without a round trip.
    Done(Result<Reservation, LimiterError>),
    /// Settled by this round trip.
    Ask(Call),
}

/// What one process knows and keeps. Times are microseconds since the limiter's origin,
/// unless named `server`.
struct Ledger {
    mode: Mode,
    /// No probe before this (only while not shared).
    next_probe: u64,
    /// This process's clock minus the server's, as the last answers measured it.
    clock: ClockOffset,
    /// This process's view of the budget: its latest slot (shared or local), how far pauses
    /// moved its slots, the end of the pause it keeps to. On the local budget, the budget.
    bucket: Bucket,
    /// The bucket's shift as Redis last reported it.
    server_shift: Option<u64>,
    /// How far this process moved its slots for a 429 it heard, ahead of Redis reporting the
    /// move (so the move is not applied twice).
    moved_ahead: u64,
    /// The latest slot handed out from the local budget (followed when back on Redis).
    local_tail: Option<u64>,
    /// The end of a full window heard, to be shared with the next reservation (server time).
    floor_server: Option<u64>,
    stats: Stats,
}

/// What both limiters have besides their round trips: made from settings with no connection
/// yet, and the accessors.
macro_rules! accessors {
    () => {
        pub(crate) fn from_settings(settings: $crate::config::Settings) -> Self {
            RedisLimiter {
                core: std::sync::Arc::new($crate::core::Core::new(settings)),
                connection: std::sync::Arc::new(std::sync::Mutex::new(None)),
            }
        }

        /// Where permits come from now.
        pub fn mode(&self) -> $crate::Mode {
            self.core.stats().mode
        }

        /// Whether permits come from the budget shared through Redis.
        pub fn is_shared(&self) -> bool {
            self.mode() == $crate::Mode::Shared
        }

        /// What the limiter has been through: switches, permits, pauses.
        pub fn stats(&self) -> $crate::Stats {
            self.core.stats()
        }

        /// The name of the key this limiter keeps in Redis (prefix and bucket; never the API
        /// key).
        pub fn key_name(&self) -> &str {
            &self.core.settings.key
        }
    };
}
pub(crate) use accessors;

/// The state both limiters share; see the module docs.
pub(crate) struct Core {
    pub(crate) settings: Settings,
    origin: Instant,
    local_period: u64,
    ledger: Mutex<Ledger>,
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl Core {
    pub(crate) fn new(settings: Settings) -> Self {
        let local_period = match settings.when_down {
            WhenDown::Fallback(share) => (settings.period_us as f64 / share).ceil() as u64,
            WhenDown::FailClosed => settings.period_us,
        };
        Core {
            settings,
            origin: Instant::now(),
            local_period: local_period.max(1),
            ledger: Mutex::new(Ledger {
                mode: Mode::Shared,
                next_probe: 0,
                clock: ClockOffset::default(),
                bucket: Bucket::default(),
                server_shift: None,
                moved_ahead: 0,
                local_tail: None,
                floor_server: None,
                stats: Stats {
                    mode: Mode::Shared,
                    fallbacks: 0,
                    returns: 0,
                    redis_errors: 0,
                    shared_permits: 0,
                    local_permits: 0,
                    rate_limited: 0,
                    pauses_shared: 0,
                },
            }),
        }
    }

    fn now(&self) -> u64 {
        micros(self.origin.elapsed())
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn fails_closed(&self) -> bool {
        self.settings.when_down == WhenDown::FailClosed
    }

    pub(crate) fn stats(&self) -> Stats {
        let ledger = self.ledger();
        Stats {
            mode: ledger.mode,
            ..ledger.stats
        }
    }

    /// How the next reservation is made: a round trip, or the local budget.
    pub(crate) fn begin_reserve(&self, max_wait: Duration) -> Step {
        let now = self.now();
        let mut ledger = self.ledger();
        let probe = ledger.mode != Mode::Shared;
        if probe && !self.fails_closed() {
            if now < ledger.next_probe {
                return Step::Done(self.reserve_locally(&mut ledger, now, max_wait));
            }
            // This caller probes; the others keep to the local budget until the next probe.
            ledger.next_probe = now + micros(self.settings.probe_interval);
        }
        let after = ledger
            .local_tail
            .filter(|tail| *tail > now)
            .and_then(|tail| ledger.clock.to_server(tail));
        let floor = ledger.floor_server.take();
        Step::Ask(Call {
            ask: Ask {
                period: self.settings.period_us,
                max_wait: Some(micros(max_wait)),
                pause_until: None,
                after,
                grace: micros(KEY_GRACE),
                floor,
            },
            decided_at: now,
            probe,
        })
    }

    /// Whether a round trip decided earlier is still to be made (the blocking limiter asks once
    /// it has the connection: the limiter may have left Redis meanwhile).
    pub(crate) fn still_wanted(&self, call: &Call) -> bool {
        call.probe || self.fails_closed() || self.ledger().mode == Mode::Shared
    }

    /// Settles a reservation with its round trip's outcome.
    pub(crate) fn end_reserve(
        &self,
        call: Call,
        io: Io,
        max_wait: Duration,
    ) -> Result<Reservation, LimiterError> {
        let now = self.now();
        let mut ledger = self.ledger();
        match io {
            Io::Answered(answer) => {
                self.heard_redis(&mut ledger, &answer, now);
                let slot = self.to_local(&ledger, answer.slot);
                if !answer.granted {
                    return Err(LimiterError::wait_too_long(
                        Duration::from_micros(answer.wait()),
                        max_wait,
                    ));
                }
                let bucket = &mut ledger.bucket;
                bucket.last = Some(bucket.last.map_or(slot, |last| last.max(slot)));
                ledger.stats.shared_permits += 1;
                Ok(self.reservation(&ledger, slot, now))
            }
            Io::Failed(error) => {
                // Not shared after all: keep it for the next round trip.
                ledger.floor_server = ledger.floor_server.max(call.ask.floor);
                self.redis_failed(&mut ledger, now, call.decided_at);
                if self.fails_closed() {
                    return Err(error);
                }
                self.reserve_locally(&mut ledger, now, max_wait)
            }
            Io::Skipped => {
                ledger.floor_server = ledger.floor_server.max(call.ask.floor);
                self.reserve_locally(&mut ledger, now, max_wait)
            }
        }
    }

    /// A slot from the local budget.
    fn reserve_locally(
        &self,
        ledger: &mut Ledger,
        now: u64,
        max_wait: Duration,
    ) -> Result<Reservation, LimiterError> {
        if ledger.mode == Mode::Unavailable {
            return Err(LimiterError::unavailable(format!(
                "Redis at {} does not answer and the limiter fails closed",
                self.settings.shown_url
            )));
        }
        match ledger
            .bucket
            .reserve(now, self.local_period, micros(max_wait), None)
        {
            Ok(slot) => {
                ledger.local_tail = Some(slot);
                ledger.stats.local_permits += 1;
                Ok(self.reservation(ledger, slot, now))
            }
            Err(slot) => Err(LimiterError::wait_too_long(
                Duration::from_micros(slot - now),
                max_wait,
            )),
        }
    }

    fn reservation(&self, ledger: &Ledger, slot: u64, now: u64) -> Reservation {
        Reservation::after(Duration::from_micros(slot.saturating_sub(now)))
            .with_ticket(slot, ledger.bucket.shift)
    }

    /// The reservation's time has come: go, or wait for a pause or for slots moved by one.
    pub(crate) fn confirm(&self, reservation: &Reservation) -> Confirmation {
        let now = self.now();
        let ledger = self.ledger();
        let moved = ledger.bucket.shift.saturating_sub(reservation.stamp());
        let start = (reservation.ticket() + moved).max(ledger.bucket.paused_until);
        if start > now {
            return Confirmation::Wait(Duration::from_micros(start - now));
        }
        Confirmation::Go(Permit::UNTRACKED)
    }

    /// Hears an attempt's outcome; returns the round trip that shares its pause, if one is due.
    pub(crate) fn begin_observe(&self, outcome: &Outcome) -> Option<Call> {
        let pause = outcome.requested_pause()?;
        let now = self.now();
        let until = now + micros(pause);
        let mut ledger = self.ledger();
        let limited = outcome.status == Some(StatusCode::TOO_MANY_REQUESTS);
        if limited {
            ledger.stats.rate_limited += 1;
        }
        if ledger.mode != Mode::Shared {
            // On the local budget, a pause moves the local slots, like the in-memory limiter.
            let period = self.local_period;
            ledger.bucket.pause(now, until, period);
            return None;
        }
        let Some(until_server) = ledger.clock.to_server(until) else {
            // Nothing heard from Redis yet: keep the pause to this process.
            ledger.bucket.pause(now, until, self.settings.period_us);
            return None;
        };
        if !limited {
            // A full window (a soft signal every answer at the limit carries): shared with the
            // next reservation's round trip rather than with one of its own, and as a floor for
            // new slots only. Moving the slots already handed out would need every process to
            // hear of it before its slot comes; the ones that had not would send at the old
            // times, next to the ones that had.
            ledger.floor_server = ledger.floor_server.max(Some(until_server));
            return None;
        }
        // A 429: hold this process's callers now, moving its slots still to come together (as
        // Redis will move them: what it reports beyond this is applied when it answers), and
        // tell every process at once.
        let moved = ledger.bucket.pause(now, until, self.settings.period_us);
        ledger.moved_ahead += moved;
        Some(Call {
            ask: Ask {
                period: self.settings.period_us,
                max_wait: None,
                pause_until: Some(until_server),
                after: None,
                grace: micros(KEY_GRACE),
                floor: None,
            },
            decided_at: now,
            probe: false,
        })
    }

    /// Settles the round trip that shared a pause.
    pub(crate) fn end_observe(&self, call: Call, io: Io) {
        let now = self.now();
        let mut ledger = self.ledger();
        match io {
            Io::Answered(answer) => {
                self.heard_redis(&mut ledger, &answer, now);
                ledger.stats.pauses_shared += 1;
            }
            Io::Failed(_) | Io::Skipped => {
                if matches!(io, Io::Failed(_)) {
                    self.redis_failed(&mut ledger, now, call.decided_at);
                }
                // Not shared: the pause stays here, where it already moved this process's
                // slots; Redis will not report that move.
                ledger.moved_ahead = 0;
            }
        }
    }

    /// Takes in what Redis said: its clock, the bucket's shift and pause; back to shared.
    fn heard_redis(&self, ledger: &mut Ledger, answer: &Answer, now: u64) {
        ledger.clock.measured(answer.now, now);
        if let Some(seen) = ledger.server_shift {
            if answer.shift > seen {
                // Pauses moved the bucket's slots to come, ours among them (less what this
                // process already moved them by when it heard the 429 itself).
                let reported = answer.shift - seen;
                let moved = reported.saturating_sub(ledger.moved_ahead);
                ledger.moved_ahead = ledger.moved_ahead.saturating_sub(reported);
                let bucket = &mut ledger.bucket;
                bucket.shift += moved;
                if let Some(last) = bucket.last.filter(|last| *last >= now) {
                    bucket.last = Some(last + moved);
                }
            }
        }
        ledger.server_shift = Some(answer.shift);
        let pause = self.to_local(ledger, answer.pause);
        let bucket = &mut ledger.bucket;
        bucket.paused_until = bucket.paused_until.max(pause);
        if ledger.mode != Mode::Shared {
            ledger.mode = Mode::Shared;
            ledger.stats.returns += 1;
            crate::log::back_to_redis(&self.settings);
        }
    }

    /// A round trip failed: leave Redis (once), for the local budget or to fail closed.
    fn redis_failed(&self, ledger: &mut Ledger, now: u64, decided_at: u64) {
        ledger.stats.redis_errors += 1;
        let left = if self.fails_closed() {
            Mode::Unavailable
        } else {
            Mode::Fallback
        };
        if ledger.mode == Mode::Shared {
            ledger.mode = left;
            ledger.stats.fallbacks += 1;
            ledger.next_probe = decided_at.max(now) + micros(self.settings.probe_interval);
            crate::log::left_redis(&self.settings, left);
        }
    }

    /// A server time as this process's time (times before the limiter's origin come out as
    /// 0).
    fn to_local(&self, ledger: &Ledger, server: u64) -> u64 {
        ledger.clock.to_local(server).unwrap_or(0)
    }
}

/// How many clock measurements the offset is the least of, at most.
const CLOCK_SAMPLES: usize = 16;

/// How long a clock measurement counts (clocks of different hosts drift apart slowly; an idle
/// process starts afresh).
const CLOCK_SAMPLE_LIFE: u64 = 10_000_000;

/// The offset between this process's clock and the server's. Each answer measures it as the
/// time the answer was read minus the server's clock when the script ran: the true offset plus
/// that round trip's delay back (network, scheduling). The least of the last few measurements
/// is the one least delayed, so slots converted with it do not inherit one slow answer's delay
/// (and two processes agree on the schedule to within their fastest round trips).
#[derive(Debug, Default)]
struct ClockOffset {
    /// When each measurement was made (this process's clock) and what it found.
    samples: std::collections::VecDeque<(u64, i128)>,
    least: Option<i128>,
}

impl ClockOffset {
    fn measured(&mut self, server: u64, local: u64) {
        while self.samples.len() == CLOCK_SAMPLES
            || self
                .samples
                .front()
                .is_some_and(|(at, _)| local.saturating_sub(*at) > CLOCK_SAMPLE_LIFE)
        {
            self.samples.pop_front();
        }
        self.samples
            .push_back((local, i128::from(local) - i128::from(server)));
        self.least = self.samples.iter().map(|(_, offset)| *offset).min();
    }

    fn to_local(&self, server: u64) -> Option<u64> {
        let local = i128::from(server) + self.least?;
        Some(u64::try_from(local.max(0)).unwrap_or(u64::MAX))
    }

    fn to_server(&self, local: u64) -> Option<u64> {
        let server = i128::from(local) - self.least?;
        u64::try_from(server).ok()
    }
}

impl fmt::Debug for Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLimiter")
            .field("url", &self.settings.shown_url)
            .field("key", &self.settings.key)
            .field("rate", &self.settings.rate)
            .field("mode", &self.ledger().mode)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_offset_is_the_least_delayed_recent_measurement() {
        let mut clock = ClockOffset::default();
        assert_eq!(clock.to_local(5), None);
        // Server at 1_000_000 when the script ran; read at 200 (+ delays) here.
        clock.measured(1_000_000, 250);
        clock.measured(1_100_000, 100_203);
        clock.measured(1_200_000, 200_900);
        assert_eq!(clock.to_local(1_300_000), Some(300_203));
        assert_eq!(clock.to_server(300_203), Some(1_300_000));
        // Eleven seconds later the old measurements no longer count.
        clock.measured(12_200_000, 11_200_700);
        assert_eq!(clock.to_local(12_300_000), Some(11_300_700));
    }
}
