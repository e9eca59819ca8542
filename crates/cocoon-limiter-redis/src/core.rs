//! Everything both limiters decide, without I/O: which round trip to make (if any), what its
//! answer means, the local fallback budget, pauses, and the switches between Redis and the
//! local budget. The async and the blocking limiter only carry the round trips.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use cocoon_core::limiter::{Confirmation, Outcome, Permit, Reservation};
use cocoon_core::{LimiterError, LimiterErrorKind};
use http::StatusCode;

use crate::bucket::Bucket;
use crate::clock::ClockOffset;
use crate::config::{Settings, WhenDown, KEY_GRACE, PRESENCE};
use crate::script::{Answer, Ask};
use crate::stats::{Mode, Stats};

/// How a round trip went, as the limiters report it.
pub(crate) enum Io {
    /// The script answered.
    Answered(Answer),
    /// Redis failed, timed out, refused the limiter, or answered something else.
    Failed(LimiterError),
    /// The round trip was not made: the limiter left Redis while this call waited its turn.
    Skipped,
}

/// A round trip to make.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) ask: Ask,
    /// When it was decided (this process's microseconds).
    decided_at: u64,
    /// When it was sent, once it has a connection (a blocking limiter's threads take turns):
    /// the clock is measured from then.
    sent_at: Option<u64>,
    /// Whether this call checks if Redis is back.
    probe: bool,
    /// Whether this reservation's first slot came back too late to be kept.
    retry: bool,
}

impl Call {
    /// When the round trip started: sent, or decided if not marked.
    fn sent_from(&self) -> u64 {
        self.sent_at.unwrap_or(self.decided_at)
    }
}

/// The next step of a reservation.
pub(crate) enum Step {
    /// Settled without a round trip.
    Done(Result<Reservation, LimiterError>),
    /// Settled by this round trip.
    Ask(Call),
    /// Nothing handed out yet: begin again after this long. On the local budget a slot is
    /// handed out only once it is at most a local period away, so a process holds no local
    /// slot far ahead that would still be waiting when Redis is back (beside the shared slots
    /// handed out by then); the callers wait here instead, holding nothing.
    Later(Duration),
}

/// What one process knows and keeps. Times are microseconds since the limiter's origin,
/// unless named `server` (the schedule's clock in Redis).
struct Ledger {
    mode: Mode,
    /// No probe before this (only while not shared).
    next_probe: u64,
    /// Redis answered a probe: this process keeps to its local budget until then, when every
    /// process can have noticed Redis is back (and told it where its local slots end).
    returning_until: Option<u64>,
    /// This process's clock minus the server's, as the answers measured it.
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
    /// The shared slots handed out and still to come: this process's time to the server's.
    granted: BTreeMap<u64, u64>,
    /// Shared slots given back, to go to Redis with the next round trip: (this process's
    /// time, server time).
    releases: Vec<(u64, u64)>,
    /// How many processes share the bucket, and when that count was last reported (this
    /// process's time).
    processes: Option<(u64, u64)>,
    /// The bucket's latest slot, whoever holds it, as Redis last reported it (server time),
    /// and when this process heard it (its time).
    team_last: Option<(u64, u64)>,
    /// How fast the bucket's latest slot moves ahead (schedule time per time here), measured
    /// between answers: about 1 while callers queue, more while they queue up faster than the
    /// rate.
    tail_speed: f64,
    /// Where the speed's current measurement started: the latest slot then, and when.
    tail_mark: Option<(u64, u64)>,
    /// Whether the refusal being met now was logged already.
    warned: bool,
    stats: Stats,
}

/// This process's clock.
enum Clock {
    /// The machine's monotonic clock, from the limiter's creation.
    Real(Instant),
    /// Virtual time, moved by the simulation.
    #[cfg(test)]
    Virtual(std::sync::Arc<std::sync::atomic::AtomicU64>),
}

/// The state both limiters share; see the module docs.
pub(crate) struct Core {
    pub(crate) settings: Settings,
    clock: Clock,
    /// This process's presence name in the bucket (random).
    process: u64,
    ledger: Mutex<Ledger>,
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// A name no other process is likely to draw: std's per-process random hash keys, with the
/// process id and the time mixed in.
fn process_name() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

impl Core {
    pub(crate) fn new(settings: Settings) -> Self {
        Core::with_clock(settings, Clock::Real(Instant::now()), process_name())
    }

    /// A core on virtual time (microseconds in `now`), named `process`.
    #[cfg(test)]
    pub(crate) fn virtual_time(
        settings: Settings,
        now: std::sync::Arc<std::sync::atomic::AtomicU64>,
        process: u64,
    ) -> Self {
        Core::with_clock(settings, Clock::Virtual(now), process)
    }

    fn with_clock(settings: Settings, clock: Clock, process: u64) -> Self {
        Core {
            settings,
            clock,
            process,
            ledger: Mutex::new(Ledger {
                mode: Mode::Shared,
                next_probe: 0,
                returning_until: None,
                clock: ClockOffset::default(),
                bucket: Bucket::default(),
                server_shift: None,
                moved_ahead: 0,
                local_tail: None,
                floor_server: None,
                granted: BTreeMap::new(),
                releases: Vec::new(),
                processes: None,
                team_last: None,
                tail_speed: 1.0,
                tail_mark: None,
                warned: false,
                stats: Stats {
                    mode: Mode::Shared,
                    fallbacks: 0,
                    returns: 0,
                    redis_errors: 0,
                    shared_permits: 0,
                    local_permits: 0,
                    rate_limited: 0,
                    pauses_shared: 0,
                    processes: 0,
                    released: 0,
                },
            }),
        }
    }

    pub(crate) fn now(&self) -> u64 {
        match &self.clock {
            Clock::Real(origin) => micros(origin.elapsed()),
            #[cfg(test)]
            Clock::Virtual(now) => now.load(std::sync::atomic::Ordering::SeqCst),
        }
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

    /// The question for Redis, with everything this process has to tell it: where its slots
    /// end (to re-seed a lost bucket), what time it thinks it is there (to catch a clock's
    /// jump), its presence, and the slots it gave back.
    fn ask(
        &self,
        ledger: &mut Ledger,
        now: u64,
        max_wait: Option<Duration>,
        pause_until: Option<u64>,
    ) -> Ask {
        let clock = &ledger.clock;
        let after = ledger
            .local_tail
            .filter(|tail| *tail > now)
            .and_then(|tail| clock.to_server(tail));
        // The latest slot this process holds or heard of, whoever holds it. Not with a pause:
        // this process's slots moved with it already, and Redis moves its own.
        let server_now = clock.to_server(now);
        let seed = ledger
            .bucket
            .last
            .filter(|last| *last > now)
            .and_then(|last| clock.to_server(last))
            .max(ledger.team_last.map(|(last, _)| last))
            .filter(|last| pause_until.is_none() && server_now.is_some_and(|now| *last > now));
        let seed_if_lost = seed
            .and_then(|_| clock.to_server(self.shared_tail(ledger, now, true)))
            .filter(|tail| seed.is_some_and(|seed| *tail > seed));
        let expect = clock.to_server(now).filter(|t| *t > 0);
        ledger.releases.retain(|(local, _)| *local > now);
        let releases = ledger
            .releases
            .drain(..)
            .map(|(_, server)| server)
            .collect();
        Ask {
            period: self.settings.period_us,
            max_wait: max_wait.map(micros),
            pause_until,
            after,
            grace: micros(KEY_GRACE),
            // A pause this process keeps to (heard on its local budget, say) holds its new
            // shared slots too, or they would all go at once when it ends.
            floor: if max_wait.is_some() {
                let paused = Some(ledger.bucket.paused_until)
                    .filter(|until| *until > now)
                    .and_then(|until| clock.to_server(until));
                ledger.floor_server.take().max(paused)
            } else {
                None
            },
            max_pause: micros(self.settings.max_server_pause).max(1),
            seed,
            seed_if_lost,
            expect,
            presence: Some((self.process, micros(PRESENCE))),
            burst: self.settings.burst.get(),
            rate: self.settings.rate.get(),
            releases,
            returning: None,
        }
    }

    /// What a round trip that was not made leaves to the next one: its floor and releases.
    fn keep_for_next(&self, ledger: &mut Ledger, call: &Call) {
        ledger.floor_server = ledger.floor_server.max(call.ask.floor);
        if let Some(to_local) = ledger.clock.least {
            for server in &call.ask.releases {
                let local = i128::from(*server) + to_local;
                ledger
                    .releases
                    .push((u64::try_from(local.max(0)).unwrap_or(u64::MAX), *server));
            }
        }
    }

    /// How the next reservation is made: a round trip, or the local budget.
    pub(crate) fn begin_reserve(&self, max_wait: Duration) -> Step {
        let now = self.now();
        let mut ledger = self.ledger();
        self.next_step(&mut ledger, now, max_wait)
    }

    /// The next step of a reservation, on what this process knows now.
    fn next_step(&self, ledger: &mut Ledger, now: u64, max_wait: Duration) -> Step {
        let probe = ledger.mode != Mode::Shared;
        if probe && !self.fails_closed() {
            if let Some(until) = ledger.returning_until {
                // Local slots only before the return ends (Redis holds new shared slots until
                // then): every process back keeps to that, so the two never meet.
                // The last local slot a period before the return's end at the latest: the
                // first shared slot may come at the end.
                let last_local = until.saturating_sub(self.settings.period_us);
                if now < last_local {
                    let room = last_local - now;
                    let period = self.local_period(ledger);
                    let within = micros(max_wait).min(room);
                    if let Ok(slot) = ledger.bucket.reserve(now, period, within, None) {
                        ledger.local_tail = Some(slot);
                        ledger.stats.local_permits += 1;
                        return Step::Done(Ok(self.reservation(ledger, slot, now)));
                    }
                }
                // Past the return's end: a shared slot, after it.
                self.back_to_shared(ledger);
            } else {
                if now < ledger.next_probe {
                    return self.reserve_locally(ledger, now, max_wait);
                }
                // This caller probes (reserving nothing yet: with Redis back, its slot is then
                // chosen as the next callers' are); the others keep to the local budget until
                // the next probe.
                ledger.next_probe = now.saturating_add(micros(self.settings.probe_interval));
                let mut ask = self.ask(ledger, now, None, None);
                ask.returning = Some(micros(self.returning_for()));
                return Step::Ask(Call {
                    ask,
                    decided_at: now,
                    sent_at: None,
                    probe: true,
                    retry: false,
                });
            }
        }
        let ask = self.ask(ledger, now, Some(max_wait), None);
        Step::Ask(Call {
            ask,
            decided_at: now,
            sent_at: None,
            probe,
            retry: false,
        })
    }

    /// The round trip goes out now (its connection is there): its clock measurement starts
    /// here rather than when it was decided.
    pub(crate) fn sending(&self, call: &mut Call) {
        call.sent_at = Some(self.now());
    }

    /// Whether a round trip decided earlier is still to be made (the blocking limiter asks once
    /// it has the connection: the limiter may have left Redis meanwhile).
    pub(crate) fn still_wanted(&self, call: &Call) -> bool {
        call.probe || self.fails_closed() || self.ledger().mode == Mode::Shared
    }

    /// Settles a reservation with its round trip's outcome, or asks once more when the slot
    /// came back already too late to keep (a slow answer: sending at once would crowd the
    /// slots after it).
    pub(crate) fn end_reserve(&self, call: Call, io: Io, max_wait: Duration) -> Step {
        let now = self.now();
        let mut ledger = self.ledger();
        if let Io::Answered(answer) = &io {
            self.heard_redis(&mut ledger, answer, call.sent_from(), now);
            if call.ask.max_wait.is_none() && ledger.mode == Mode::Fallback {
                // A probe's answer: Redis is back. This caller's slot is a local one only if it
                // comes before the return ends, like the next callers'; otherwise a shared one,
                // after it. (A local slot past the end would go out beside the shared slots
                // Redis hands out by then.)
                return self.next_step(&mut ledger, now, max_wait);
            }
            let slot = ledger.clock.to_local(answer.slot).unwrap_or(0);
            let late = slot.saturating_add(self.late_tolerance()) < now;
            // The first measurement of Redis's clock from a slow round trip may be off by half
            // of it, so the slot would go early or late by that much: given back, and asked
            // again with a second measurement (the faster counts).
            let unsure = ledger.clock.unsure();
            let again = answer.granted && !call.retry && call.ask.max_wait.is_some();
            if (late || unsure) && again && ledger.mode == Mode::Shared {
                if unsure && !late {
                    ledger.releases.push((slot, answer.slot));
                }
                let ask = self.ask(&mut ledger, now, Some(max_wait), None);
                return Step::Ask(Call {
                    ask,
                    decided_at: now,
                    sent_at: None,
                    probe: false,
                    retry: true,
                });
            }
        }
        self.settle_reserve(&mut ledger, call, io, max_wait, now)
    }

    /// How late a slot may come back and still be kept: half the safety margin a second of
    /// slots holds (15 ms at 10/s), so a late start and the jitter of departures fit in it.
    fn late_tolerance(&self) -> u64 {
        let rate = u64::from(self.settings.rate.get());
        self.settings
            .period_us
            .saturating_mul(rate)
            .saturating_sub(1_000_000)
            / 2
    }

    fn settle_reserve(
        &self,
        ledger: &mut Ledger,
        call: Call,
        io: Io,
        max_wait: Duration,
        now: u64,
    ) -> Step {
        match io {
            Io::Answered(answer) => {
                // Heard already (end_reserve).
                if call.ask.max_wait.is_none() || ledger.mode != Mode::Shared {
                    // A probe: Redis is back, but this process keeps to its local budget a
                    // little longer.
                    return self.reserve_locally(ledger, now, max_wait);
                }
                let slot = self.to_local(ledger, answer.slot);
                let wait = answer.wait();
                if !answer.granted || wait > micros(max_wait) {
                    return Step::Done(Err(LimiterError::wait_too_long(
                        Duration::from_micros(wait),
                        max_wait,
                    )));
                }
                let bucket = &mut ledger.bucket;
                bucket.last = Some(bucket.last.map_or(slot, |last| last.max(slot)));
                // Forget the slots long gone; keep the ones that may still be given back.
                let recent = ledger.granted.split_off(&now.saturating_sub(1_000_000));
                ledger.granted = recent;
                ledger.granted.insert(slot, answer.slot);
                ledger.stats.shared_permits += 1;
                Step::Done(Ok(self.reservation(ledger, slot, now)))
            }
            Io::Failed(error) => {
                // Not shared after all: keep its floor and releases for the next round trip.
                self.keep_for_next(ledger, &call);
                if error.kind == LimiterErrorKind::Misconfigured {
                    self.refused(ledger, &error);
                    return Step::Done(Err(error));
                }
                self.redis_failed(ledger, now, call.decided_at);
                if self.fails_closed() {
                    return Step::Done(Err(error));
                }
                self.reserve_locally(ledger, now, max_wait)
            }
            Io::Skipped => {
                self.keep_for_next(ledger, &call);
                self.reserve_locally(ledger, now, max_wait)
            }
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
        let start = reservation
            .ticket()
            .saturating_add(moved)
            .max(ledger.bucket.paused_until);
        if start > now {
            return Confirmation::Wait(Duration::from_micros(start - now));
        }
        Confirmation::Go(Permit::UNTRACKED)
    }

    /// The caller holding `reservation` gave up before its slot: a shared slot goes back to
    /// Redis with the next round trip (never blocking here), where the next reservation takes
    /// it; a local slot at the end of the local budget is taken back at once.
    pub(crate) fn release(&self, reservation: &Reservation) {
        let now = self.now();
        let mut ledger = self.ledger();
        let moved = ledger.bucket.shift.saturating_sub(reservation.stamp());
        let slot = reservation.ticket().saturating_add(moved);
        if slot <= now {
            // Its time has come: whoever is behind it moves no further up.
            return;
        }
        ledger.stats.released += 1;
        if let Some(server) = ledger.granted.remove(&reservation.ticket()) {
            ledger.releases.push((slot, server.saturating_add(moved)));
            return;
        }
        if ledger.local_tail == Some(slot) && ledger.bucket.last == Some(slot) {
            let back = slot.checked_sub(self.local_period(&ledger));
            ledger.local_tail = back;
            ledger.bucket.last = back;
        }
    }

    /// Hears an attempt's outcome; returns the round trip that shares its pause, if one is due.
    pub(crate) fn begin_observe(&self, outcome: &Outcome) -> Option<Call> {
        // A pause from an answer is capped: one wild header must not stall the fleet.
        let pause = outcome
            .requested_pause()?
            .min(self.settings.max_server_pause);
        let now = self.now();
        let until = now.saturating_add(micros(pause));
        let mut ledger = self.ledger();
        let limited = outcome.status == Some(StatusCode::TOO_MANY_REQUESTS);
        if limited {
            ledger.stats.rate_limited += 1;
        }
        if ledger.mode != Mode::Shared {
            if limited {
                // On the local budget, a 429 moves this process's slots still to come, like
                // the in-memory limiter.
                let period = self.local_period(&ledger);
                ledger.bucket.pause(now, until, period);
            } else {
                // A full window: a floor for new slots only, as on Redis. The slots this
                // process holds sit between the other processes' (shared ones handed out
                // before Redis went, local ones on each process's own beat): moved, they
                // would land next to those, which no one moves.
                ledger.bucket.floor = ledger.bucket.floor.max(until);
                if let Some(until_server) = ledger.clock.to_server(until) {
                    ledger.floor_server = ledger.floor_server.max(Some(until_server));
                }
            }
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
        ledger.moved_ahead = ledger.moved_ahead.saturating_add(moved);
        let ask = self.ask(&mut ledger, now, None, Some(until_server));
        Some(Call {
            ask,
            decided_at: now,
            sent_at: None,
            probe: false,
            retry: false,
        })
    }

    /// Settles the round trip that shared a pause.
    pub(crate) fn end_observe(&self, call: Call, io: Io) {
        let now = self.now();
        let mut ledger = self.ledger();
        match io {
            Io::Answered(answer) => {
                self.heard_redis(&mut ledger, &answer, call.sent_from(), now);
                ledger.stats.pauses_shared += 1;
            }
            Io::Failed(_) | Io::Skipped => {
                self.keep_for_next(&mut ledger, &call);
                match io {
                    Io::Failed(error) if error.kind == LimiterErrorKind::Misconfigured => {
                        self.refused(&mut ledger, &error);
                    }
                    Io::Failed(_) => self.redis_failed(&mut ledger, now, call.decided_at),
                    _ => {}
                }
                // Not shared: the pause stays here, where it already moved this process's
                // slots; Redis will not report that move.
                ledger.moved_ahead = 0;
            }
        }
    }

    /// Takes in what Redis said: its clock, the bucket's shift and pause, how many processes
    /// share it; on a probe's answer, the return to the shared budget begins.
    fn heard_redis(&self, ledger: &mut Ledger, answer: &Answer, sent: u64, now: u64) {
        ledger.clock.measured(answer.now, sent, now);
        ledger.warned = false;
        // A lower count than before may be a restarted Redis's, where the processes register
        // again one by one: believed once the higher count is as old as a presence (a process
        // that left is counted that long anyway). Shrunk at once, the share of each process
        // back first would grow to the whole rate, beside the others still on theirs.
        let count = answer.processes;
        let shrunk_lately =
            |(seen, at): (u64, u64)| count < seen && now.saturating_sub(at) < micros(PRESENCE);
        if count > 0 && !ledger.processes.is_some_and(shrunk_lately) {
            ledger.processes = Some((count, now));
            ledger.stats.processes = count;
        }
        if answer.last > 0 {
            if ledger.team_last.is_none_or(|(last, _)| answer.last >= last) {
                ledger.team_last = Some((answer.last, now));
            }
            // The speed over at least a tenth of a second, smoothed over the last few.
            match ledger.tail_mark {
                Some((last, at)) if now.saturating_sub(at) >= TAIL_SPEED_SPAN => {
                    let speed = answer.last.saturating_sub(last) as f64 / (now - at) as f64;
                    ledger.tail_speed = (ledger.tail_speed + speed) / 2.0;
                    ledger.tail_mark = Some((answer.last, now));
                }
                Some(_) => {}
                None => ledger.tail_mark = Some((answer.last, now)),
            }
        }
        if let Some(seen) = ledger.server_shift {
            if answer.shift > seen {
                // Pauses moved the bucket's slots to come, ours among them (less what this
                // process already moved them by when it heard the 429 itself).
                let reported = answer.shift - seen;
                let moved = reported.saturating_sub(ledger.moved_ahead);
                ledger.moved_ahead = ledger.moved_ahead.saturating_sub(reported);
                let bucket = &mut ledger.bucket;
                bucket.shift = bucket.shift.saturating_add(moved);
                if let Some(last) = bucket.last.filter(|last| *last >= now) {
                    bucket.last = Some(last.saturating_add(moved));
                }
            }
        }
        ledger.server_shift = Some(answer.shift);
        let cap = now.saturating_add(micros(self.settings.max_server_pause));
        let pause = self.to_local(ledger, answer.pause).min(cap);
        let bucket = &mut ledger.bucket;
        bucket.paused_until = bucket.paused_until.max(pause);
        match ledger.mode {
            Mode::Shared => {}
            Mode::Unavailable => self.back_to_shared(ledger),
            Mode::Fallback => {
                if ledger.returning_until.is_none() {
                    // The other processes notice at their next probe: until each can have,
                    // their local schedules run, and this one keeps to its own. The end is
                    // the same for all, set by the first process back.
                    let cap = now.saturating_add(micros(self.returning_for()));
                    let back = ledger.clock.to_local(answer.back).unwrap_or(now);
                    ledger.returning_until = Some(back.min(cap));
                }
            }
        }
    }

    /// A server time as this process's time (times before the limiter's origin come out as
    /// 0).
    fn to_local(&self, ledger: &Ledger, server: u64) -> u64 {
        ledger.clock.to_local(server).unwrap_or(0)
    }
}

/// The shortest time the speed of the bucket's latest slot is measured over (microseconds).
const TAIL_SPEED_SPAN: u64 = 100_000;

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

mod local;
#[cfg(test)]
mod tests;
