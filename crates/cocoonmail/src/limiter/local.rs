//! The in-memory limiter: slots handed out first come first served, checked when they come
//! against a sliding window over the real send times, a latency guard, and pauses heard from
//! the server.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cocoon_core::{ConfigError, LimiterError, DEFAULT_MAX_SERVER_PAUSE};

use super::{AsyncRateLimiter, Confirmation, Outcome, Permit, RateLimiter, Reservation};

/// The share of each request's period kept as a safety margin by [`LocalLimiter`], in
/// thousandths.
///
/// At `n` per second, the limiter lets at most `n` requests leave in any window of
/// `1.03` seconds (and, paced, spaces them `1.03 / n` seconds apart), so a server that counts
/// arrivals in a sliding one-second window sees at most `n` requests in any window even when
/// network and scheduling jitter move one request by up to 3% of a second against another,
/// while the client still sustains 97% of the allowed rate. Larger, one-off delays (a cold
/// connection's handshake) are covered by the latency guard of [`LocalLimiter`].
pub const SAFETY_MARGIN_PER_MILLE: u32 = 30;

/// The most a slow answer can hold back a later request (see [`LocalLimiter`]).
pub const MAX_OUTLIER_HOLD: Duration = Duration::from_secs(1);

/// The most grants the limiter remembers, so a very high rate costs bounded memory. Above
/// this rate a limiter is always paced (its burst is one).
pub const MAX_TRACKED_GRANTS: usize = 1024;

/// The stamp of a reservation granted at once: its ticket is the permit.
const GRANTED: u64 = u64::MAX;
/// The stamp of a reservation queued for later: its ticket names its slot.
const QUEUED: u64 = 0;
/// The id that marks a real grant (not a slot still to come) among the booked times.
const GRANT: u64 = u64::MAX;
/// How many earlier times a reservation tries, per rule, before queueing behind every slot.
const MAX_GAP_CANDIDATES: usize = 64;
/// A slot this far in the past whose caller neither went nor gave it back is forgotten.
const STALE_SLOT: Duration = Duration::from_secs(120);

/// The default limiter: one process's budget, in memory, shared by every clone of a client
/// (and by every client given the same `LocalLimiter`: it is cheap to clone and clones share
/// the budget). It implements both [`RateLimiter`] and [`AsyncRateLimiter`].
///
/// **The rule.** At `n` per second with a burst of `b` (1 by default), at most `n` requests
/// leave in any window of `n` periods (a period is `1.03 / n` seconds, see
/// [`SAFETY_MARGIN_PER_MILLE`]) and at most `b` in any window of `b` periods. With the default
/// burst of one, requests leave evenly spaced a period apart; with a burst of `n`, an idle
/// limiter lets `n` go at once, and never more than `n` in any window of 1.03 seconds. The
/// rule is checked against the times requests really left, so a caller that woke late cannot
/// bunch up with the next one.
///
/// **Slots, first come first served.** `reserve` hands out the earliest send time that keeps
/// the rule, counting the requests that left and the slots already handed out, so each
/// waiting caller learns its send time once and sleeps once; no herd of waiters wakes together
/// to race for one permit. A caller that gives up before its slot (its call timed out or was
/// dropped) hands the slot back, and the next caller to ask may take it.
///
/// **Latency guard.** The server counts arrivals, not departures. When one request is
/// unusually slow (typically the first of a burst, which opens a connection and does a TLS
/// handshake before its bytes leave), it may arrive so late that the `n`-th request after it,
/// sent on a warm connection, lands less than a second after it. So the limiter remembers the
/// last `n` grants; when a request took longer than the fastest recent ones, the request `n`
/// grants later is held back by the difference (at most [`MAX_OUTLIER_HOLD`]). A server that
/// is uniformly slow holds nothing back: only the excess over the typical latency counts.
///
/// **Pauses.** A 429, or an answer saying the server's window is full, pauses every caller
/// for as long as [`Outcome::requested_pause`] says, but never longer than the limiter's
/// `max_server_pause` (default [`DEFAULT_MAX_SERVER_PAUSE`]), so no answer can wedge the
/// client. The slots already handed out move back together, keeping their order and spacing,
/// so the first lands when the pause ends.
#[derive(Clone)]
pub struct LocalLimiter {
    inner: Arc<Inner>,
}

struct Inner {
    clock: Clock,
    period: Duration,
    /// At most `window_cap` grants in any `window`; `None` above [`MAX_TRACKED_GRANTS`].
    window: Option<(usize, Duration)>,
    /// At most `burst` grants in any `burst * period`; `None` when the window rule covers it.
    burst: Option<(usize, Duration)>,
    /// How many grants the latency guard remembers.
    tracked: usize,
    max_server_pause: Duration,
    ledger: Mutex<Ledger>,
}

/// Times are durations since the limiter's origin.
struct Ledger {
    /// The slots handed out and not yet taken or given back, by reservation.
    planned: HashMap<u64, Duration>,
    /// The slots handed out (with their reservation) and the recent grants (with [`GRANT`]),
    /// sorted: what a new reservation must fit among.
    booked: Vec<(Duration, u64)>,
    /// No request goes before this.
    paused_until: Duration,
    /// The last grants, oldest first, and how long each took to be answered.
    grants: VecDeque<Grant>,
    next_permit: u64,
    next_ticket: u64,
    /// When `planned` reaches this size, slots forgotten by their callers are dropped.
    sweep_at: usize,
    /// Whether a slot was given back since the queue was last empty: only then can an
    /// earlier time than the end of the queue be free.
    gaps: bool,
}

#[derive(Clone, Copy)]
struct Grant {
    id: u64,
    at: Duration,
    latency: Option<Duration>,
}

enum Clock {
    Real(Instant),
    Virtual(VirtualClock),
}

/// A clock that moves only when told, for tests and simulations of the limiter.
#[doc(hidden)]
#[derive(Clone, Debug, Default)]
pub struct VirtualClock(Arc<AtomicU64>);

impl VirtualClock {
    /// A clock at zero.
    pub fn new() -> Self {
        VirtualClock::default()
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                Some(now.saturating_add(by))
            });
    }

    /// The time since the clock was made.
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::SeqCst))
    }
}

/// Settings of a [`LocalLimiter`]: start from [`LocalLimiter::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct LocalLimiterBuilder {
    requests: NonZeroU32,
    burst: u32,
    max_server_pause: Duration,
    clock: Option<VirtualClock>,
}

impl LocalLimiterBuilder {
    /// How many requests may leave at once after a quiet spell, from 1 (the default: evenly
    /// paced) to the rate. Whatever the burst, at most the rate leaves in any window of
    /// 1.03 seconds. Above [`MAX_TRACKED_GRANTS`] per second only 1 is accepted.
    ///
    /// Keep the default for a server that enforces even spacing: it answers a burst with 429s.
    pub fn burst(mut self, burst: u32) -> Self {
        self.burst = burst;
        self
    }

    /// The longest pause an answer can impose on every caller (default
    /// [`DEFAULT_MAX_SERVER_PAUSE`]): a longer `Retry-After` pauses this long.
    pub fn max_server_pause(mut self, max: Duration) -> Self {
        self.max_server_pause = max;
        self
    }

    /// Runs the limiter on a clock that moves only when told.
    #[doc(hidden)]
    pub fn virtual_clock(mut self, clock: VirtualClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The limiter; [`ConfigError::InvalidSetting`] (name `burst`) when the burst is zero or
    /// above the rate.
    pub fn build(self) -> Result<LocalLimiter, ConfigError> {
        let rate = self.requests.get();
        let max_burst = if rate as usize > MAX_TRACKED_GRANTS {
            1
        } else {
            rate
        };
        if !(1..=max_burst).contains(&self.burst) {
            return Err(ConfigError::InvalidSetting {
                name: "burst",
                reason: format!(
                    "it must be between 1 and {max_burst} (the rate limit) but is {}",
                    self.burst
                ),
            });
        }
        let period = (Duration::from_secs(1) * (1000 + SAFETY_MARGIN_PER_MILLE) / 1000 / rate)
            .max(Duration::from_nanos(1));
        let tracked = (rate as usize).min(MAX_TRACKED_GRANTS);
        let window = (rate as usize <= MAX_TRACKED_GRANTS).then(|| (tracked, period * rate));
        let burst = self.burst as usize;
        let burst = (burst < tracked || window.is_none()).then(|| (burst, period * self.burst));
        let clock = match self.clock {
            Some(clock) => Clock::Virtual(clock),
            None => Clock::Real(Instant::now()),
        };
        Ok(LocalLimiter {
            inner: Arc::new(Inner {
                clock,
                period,
                window,
                burst,
                tracked,
                max_server_pause: self.max_server_pause,
                ledger: Mutex::new(Ledger {
                    planned: HashMap::new(),
                    booked: Vec::new(),
                    paused_until: Duration::ZERO,
                    grants: VecDeque::new(),
                    next_permit: 0,
                    next_ticket: 0,
                    sweep_at: MAX_TRACKED_GRANTS,
                    gaps: false,
                }),
            }),
        })
    }
}

impl LocalLimiter {
    /// At most `requests` per second in any one-second window, evenly paced, with the safety
    /// margin of [`SAFETY_MARGIN_PER_MILLE`].
    pub fn per_second(requests: NonZeroU32) -> Self {
        LocalLimiter::builder(requests)
            .build()
            .expect("a burst of one is always valid")
    }

    /// A limiter of `requests` per second with other settings than the defaults (burst, the
    /// longest pause an answer can impose).
    pub fn builder(requests: NonZeroU32) -> LocalLimiterBuilder {
        LocalLimiterBuilder {
            requests,
            burst: 1,
            max_server_pause: DEFAULT_MAX_SERVER_PAUSE,
            clock: None,
        }
    }

    /// The time between two permits when paced.
    pub fn period(&self) -> Duration {
        self.inner.period
    }

    /// How many requests may leave at once after a quiet spell.
    pub fn burst(&self) -> u32 {
        match self.inner.burst {
            Some((burst, _)) => burst as u32,
            None => self.inner.tracked as u32,
        }
    }

    /// The longest pause an answer can impose.
    pub fn max_server_pause(&self) -> Duration {
        self.inner.max_server_pause
    }

    /// Holds every caller back for `pause` from now (slots already handed out move back too).
    pub fn pause_for(&self, pause: Duration) {
        let now = self.now();
        let mut ledger = self.ledger();
        self.pause_until(&mut ledger, now, now.saturating_add(pause));
    }

    /// How much longer the current pause lasts, if one does.
    pub fn paused_for(&self) -> Option<Duration> {
        let now = self.now();
        let until = self.ledger().paused_until;
        (until > now).then(|| until - now)
    }

    fn now(&self) -> Duration {
        match &self.inner.clock {
            Clock::Real(origin) => origin.elapsed(),
            Clock::Virtual(clock) => clock.elapsed(),
        }
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.inner
            .ledger
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The rules: at most `cap` grants in any window of `len`.
    fn rules(&self) -> impl Iterator<Item = (usize, Duration)> {
        self.inner.window.into_iter().chain(self.inner.burst)
    }

    /// Reserves the next slot, or refuses when it is more than `max_wait` away.
    pub(crate) fn reserve_slot(&self, max_wait: Duration) -> Result<Reservation, LimiterError> {
        let now = self.now();
        let mut ledger = self.ledger();
        self.forget_old(&mut ledger, now);
        let start = now.max(ledger.paused_until);
        if ledger.planned.is_empty() {
            ledger.gaps = false;
        }
        let mut slot = self.earliest_fit(&ledger.booked, start, ledger.gaps);
        if slot <= now {
            // Free now: grant under the same lock, so `confirm` has nothing left to do.
            match self.grant(&mut ledger, now) {
                Ok(permit) => return Ok(Reservation::now().with_ticket(permit.id(), GRANTED)),
                Err(more) => slot = now.saturating_add(more),
            }
        }
        let wait = slot - now;
        if wait > max_wait {
            return Err(LimiterError::wait_too_long(wait, max_wait));
        }
        let ticket = ledger.next_ticket;
        ledger.next_ticket += 1;
        ledger.planned.insert(ticket, slot);
        insert_sorted(&mut ledger.booked, (slot, ticket));
        Ok(Reservation::after(wait).with_ticket(ticket, QUEUED))
    }

    /// The reservation's time has come: go, or wait for a pause, the latency guard or the
    /// rule over what really left.
    pub(crate) fn confirm_slot(&self, reservation: &Reservation) -> Confirmation {
        if reservation.stamp() == GRANTED {
            return Confirmation::Go(Permit::new(reservation.ticket()));
        }
        let now = self.now();
        let mut ledger = self.ledger();
        let ticket = reservation.ticket();
        // A slot forgotten (or never handed out here) is due now.
        let slot = ledger.planned.get(&ticket).copied().unwrap_or(now);
        let start = slot.max(ledger.paused_until);
        if start > now {
            return Confirmation::Wait(start - now);
        }
        match self.grant(&mut ledger, now) {
            Ok(permit) => {
                unbook(&mut ledger, ticket);
                Confirmation::Go(permit)
            }
            Err(wait) => Confirmation::Wait(wait),
        }
    }

    /// The caller holding `reservation` gave up: its slot is free for the next caller.
    pub(crate) fn release_slot(&self, reservation: &Reservation) {
        if reservation.stamp() == GRANTED {
            return;
        }
        let mut ledger = self.ledger();
        unbook(&mut ledger, reservation.ticket());
        ledger.gaps = true;
    }

    /// The earliest time from `start` that keeps every rule among the booked times: `start`
    /// itself, the end of a window (a booked time plus a rule's length), or, past the first
    /// few of those (or when no slot was given back), behind everything booked.
    fn earliest_fit(&self, booked: &[(Duration, u64)], start: Duration, gaps: bool) -> Duration {
        if self.fits(booked, start) {
            return start;
        }
        if gaps {
            if let Some(fit) = self.earliest_gap(booked, start) {
                return fit;
            }
        }
        // Behind every booked time: only the windows ending there matter.
        let mut slot = start.max(booked.last().map_or(Duration::ZERO, |(at, _)| *at));
        for (cap, len) in self.rules() {
            if booked.len() >= cap {
                slot = slot.max(booked[booked.len() - cap].0.saturating_add(len));
            }
        }
        slot
    }

    /// The earliest end of a window (a booked time plus a rule's length) after `start` that
    /// keeps every rule, among the first few.
    fn earliest_gap(&self, booked: &[(Duration, u64)], start: Duration) -> Option<Duration> {
        let mut candidates: Vec<Duration> = Vec::new();
        for (_, len) in self.rules() {
            let from = booked.partition_point(|(at, _)| at.saturating_add(len) <= start);
            candidates.extend(
                booked[from..]
                    .iter()
                    .take(MAX_GAP_CANDIDATES)
                    .map(|(at, _)| at.saturating_add(len)),
            );
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates.into_iter().find(|t| self.fits(booked, *t))
    }

    /// Whether a send at `t` keeps every rule among the booked times.
    fn fits(&self, booked: &[(Duration, u64)], t: Duration) -> bool {
        let pos = booked.partition_point(|(at, _)| *at <= t);
        let n = booked.len();
        // The times with `t` among them, by index.
        let at = |k: usize| match k.cmp(&pos) {
            std::cmp::Ordering::Less => booked[k].0,
            std::cmp::Ordering::Equal => t,
            std::cmp::Ordering::Greater => booked[k - 1].0,
        };
        self.rules().all(|(cap, len)| {
            // Every run of `cap + 1` times that includes `t` must span a whole window.
            if n < cap {
                return true;
            }
            (pos.saturating_sub(cap)..=pos.min(n - cap)).all(|i| at(i + cap) - at(i) >= len)
        })
    }

    /// A permit now, when the rules over what really left and the latency guard allow it;
    /// otherwise how long to wait.
    fn grant(&self, ledger: &mut Ledger, now: Duration) -> Result<Permit, Duration> {
        let hold = self.hold(ledger, now);
        if hold > Duration::ZERO {
            return Err(hold);
        }
        let id = ledger.next_permit;
        ledger.next_permit += 1;
        if ledger.grants.len() == self.inner.tracked {
            ledger.grants.pop_front();
        }
        ledger.grants.push_back(Grant {
            id,
            at: now,
            latency: None,
        });
        insert_sorted(&mut ledger.booked, (now, GRANT));
        Ok(Permit::new(id))
    }

    /// Hears how an attempt ended: its latency, and any pause the answer asks for (at most
    /// `max_server_pause`).
    pub(crate) fn hear(&self, permit: Permit, outcome: &Outcome) {
        let now = self.now();
        let mut ledger = self.ledger();
        record_latency(&mut ledger, permit, now);
        if let Some(pause) = outcome.requested_pause() {
            let pause = pause.min(self.inner.max_server_pause);
            self.pause_until(&mut ledger, now, now.saturating_add(pause));
        }
    }

    /// The attempt sent under `permit` ended without an outcome to report (its call was
    /// dropped mid-flight): only its latency is kept.
    pub(crate) fn abandon(&self, permit: Permit) {
        let now = self.now();
        record_latency(&mut self.ledger(), permit, now);
    }

    /// No request before `until`: the slots handed out that are still to come move back
    /// together by as much as the first of them needs, keeping order and spacing.
    fn pause_until(&self, ledger: &mut Ledger, now: Duration, until: Duration) {
        if until <= now || until <= ledger.paused_until {
            return;
        }
        let first_to_come = ledger.planned.values().map(|slot| (*slot).max(now)).min();
        if let Some(first) = first_to_come.filter(|first| until > *first) {
            let by = until - first;
            for slot in ledger.planned.values_mut() {
                *slot = slot.saturating_add(by);
            }
            ledger.booked.retain(|(_, id)| *id == GRANT);
            let moved: Vec<(Duration, u64)> =
                ledger.planned.iter().map(|(id, at)| (*at, *id)).collect();
            ledger.booked.extend(moved);
            ledger.booked.sort_unstable();
        }
        ledger.paused_until = until;
    }

    /// How long the rules over what really left and the latency guard hold the next request
    /// back, from `now`.
    fn hold(&self, ledger: &Ledger, now: Duration) -> Duration {
        let grants = &ledger.grants;
        let mut ready_at = Duration::ZERO;
        if let Some((burst, len)) = self.inner.burst {
            if grants.len() >= burst {
                ready_at = grants[grants.len() - burst].at.saturating_add(len);
            }
        }
        let tracked = self.inner.tracked;
        if grants.len() == tracked {
            let oldest = grants[0];
            // The fastest answer among the remembered grants stands for a typical request.
            let excess = match grants.iter().filter_map(|g| g.latency).min() {
                Some(typical) => {
                    // Still unanswered: it has been slow at least this long.
                    let latency = oldest
                        .latency
                        .unwrap_or_else(|| now.saturating_sub(oldest.at));
                    latency.saturating_sub(typical).min(MAX_OUTLIER_HOLD)
                }
                None => Duration::ZERO,
            };
            let window = self.inner.period * tracked as u32;
            ready_at = ready_at.max(oldest.at.saturating_add(window).saturating_add(excess));
        }
        ready_at.saturating_sub(now)
    }

    /// Drops booked times no rule looks at any more, and slots their callers forgot.
    fn forget_old(&self, ledger: &mut Ledger, now: Duration) {
        let longest = self.rules().map(|(_, len)| len).max().unwrap_or_default();
        let horizon = now.saturating_sub(longest);
        let old = ledger.booked.partition_point(|(at, _)| *at < horizon);
        ledger.booked.drain(..old);
        if ledger.planned.len() >= ledger.sweep_at {
            let horizon = now.saturating_sub(STALE_SLOT);
            ledger.planned.retain(|_, slot| *slot >= horizon);
            ledger.sweep_at = (ledger.planned.len() * 2).max(MAX_TRACKED_GRANTS);
        }
    }
}

fn insert_sorted(booked: &mut Vec<(Duration, u64)>, entry: (Duration, u64)) {
    let pos = booked.partition_point(|e| *e <= entry);
    booked.insert(pos, entry);
}

/// The slot of `ticket` is no longer to come (taken or given back).
fn unbook(ledger: &mut Ledger, ticket: u64) {
    if let Some(slot) = ledger.planned.remove(&ticket) {
        if let Ok(pos) = ledger.booked.binary_search(&(slot, ticket)) {
            ledger.booked.remove(pos);
        }
    }
}

fn record_latency(ledger: &mut Ledger, permit: Permit, now: Duration) {
    if permit == Permit::UNTRACKED {
        return;
    }
    if let Some(grant) = ledger.grants.iter_mut().find(|g| g.id == permit.id()) {
        grant.latency.get_or_insert(now.saturating_sub(grant.at));
    }
}

impl RateLimiter for LocalLimiter {
    fn reserve(&self, max_wait: Duration) -> Result<Reservation, LimiterError> {
        self.reserve_slot(max_wait)
    }

    fn confirm(&self, reservation: &Reservation) -> Confirmation {
        self.confirm_slot(reservation)
    }

    fn observe(&self, permit: Permit, outcome: &Outcome) {
        self.hear(permit, outcome);
    }

    fn release(&self, reservation: &Reservation) {
        self.release_slot(reservation);
    }
}

#[async_trait]
impl AsyncRateLimiter for LocalLimiter {
    async fn reserve(&self, max_wait: Duration) -> Result<Reservation, LimiterError> {
        self.reserve_slot(max_wait)
    }

    fn confirm(&self, reservation: &Reservation) -> Confirmation {
        self.confirm_slot(reservation)
    }

    async fn observe(&self, permit: Permit, outcome: &Outcome) {
        self.hear(permit, outcome);
    }

    fn release(&self, reservation: &Reservation) {
        self.release_slot(reservation);
    }
}

impl fmt::Debug for LocalLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalLimiter")
            .field("period", &self.inner.period)
            .field("burst", &self.burst())
            .field("max_server_pause", &self.inner.max_server_pause)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
