//! A deterministic simulation on virtual time: a fleet of limiter cores (the state machine both
//! limiters run) sharing one bucket through the real `reserve.lua`, run by an embedded Lua 5.1
//! against an in-memory hash, and a strict API server counting arrivals in a sliding second.
//! Random latencies, callers that give up, 429s with wild `Retry-After`s, Redis outages,
//! FLUSHALL, restarts and jumps of Redis's clock.
//!
//! `SIM_SEEDS=n` runs `n` seeds (default 200); `SIM_SEED=s` replays one seed, and a failing
//! seed prints that line.

use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cocoon_core::limiter::{Confirmation, Outcome, Reservation};
use cocoon_core::{RateLimit, RetryAfter};
use http::StatusCode;

use crate::config::RedisLimiterBuilder;
use crate::core::{Call, Core, Io, Step};
use crate::script::Answer;

mod host;
use self::host::Redis;

const SECOND: u64 = 1_000_000;
const RATE: u64 = 10;
/// Where Redis's clock starts (server microseconds), far from the processes' zero.
const SERVER_EPOCH: u64 = 1_700_000_000 * SECOND;

/// splitmix64: enough randomness for a replayable simulation.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// In `low..high` (`low` when empty).
    fn range(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        low + self.next() % (high - low)
    }

    fn chance(&mut self, per_mille: u64) -> bool {
        self.range(0, 1000) < per_mille
    }
}

/// What happens next, in virtual time.
enum Event {
    /// A caller arrives at process `p`.
    Arrive(usize),
    /// A round trip's script runs at Redis.
    Script(usize),
    /// A round trip's answer (or failure) reaches its process.
    Answer(usize, Io),
    /// A caller's wait is over.
    Wake(usize),
    /// A caller told to come back later begins its reservation again.
    Again(usize),
    /// A caller gives up (if it has not sent yet).
    Cancel(usize),
    /// A request reaches the API.
    Api(usize),
    /// The API's answer reaches the caller: refused or not, its `Retry-After`, what is left
    /// of the window.
    Answered(usize, bool, Duration, u32),
    Fault(Fault),
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    Down,
    Up,
    Flush,
    Jump(i64),
    /// The API answers the next request with a 429 whatever the window holds.
    Limit,
}

/// One round trip in flight.
struct Trip {
    caller: usize,
    call: Call,
    observe: bool,
    max_wait: Duration,
}

struct Caller {
    process: usize,
    started: u64,
    max_wait: Duration,
    reservation: Option<Reservation>,
    /// Told to come back later (by the local budget), holding nothing.
    waiting: bool,
    sent: bool,
    done: Option<u64>,
}

struct Process {
    core: Core,
    /// Blocking processes make one round trip at a time, the others wait their turn.
    blocking: bool,
    busy: bool,
    queue: VecDeque<usize>,
    /// Callers that each start a new call as soon as theirs ends (a bulk run's concurrency),
    /// or 0 for callers arriving on their own.
    workers: usize,
}

struct World {
    rng: Rng,
    now: Arc<AtomicU64>,
    events: BinaryHeap<std::cmp::Reverse<(u64, u64, usize)>>,
    slots: Vec<Option<Event>>,
    seq: u64,
    redis: Redis,
    up: bool,
    processes: Vec<Process>,
    callers: Vec<Caller>,
    trips: Vec<Option<Trip>>,
    arrivals: Vec<u64>,
    accepted: VecDeque<u64>,
    rejected: u64,
    /// When each 429 reached its caller (each may pause the fleet, by the cap at most).
    limited_at: Vec<u64>,
    force_429: bool,
    load_until: u64,
    per_process_gap: u64,
    cap: Duration,
    /// The virtual time Redis's clock last moved with.
    last_tick: std::cell::Cell<u64>,
}

impl World {
    fn at(&mut self, time: u64, event: Event) {
        self.seq += 1;
        self.slots.push(Some(event));
        self.events
            .push(std::cmp::Reverse((time, self.seq, self.slots.len() - 1)));
    }

    fn time(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }

    fn latency(&mut self) -> u64 {
        // Mostly fast, sometimes slow (a busy host).
        if self.rng.chance(20) {
            self.rng.range(5_000, 60_000)
        } else {
            self.rng.range(150, 2_500)
        }
    }

    /// Starts a round trip now, or queues it behind the process's current one (blocking).
    fn trip(&mut self, trip: Trip) {
        let process = self.callers[trip.caller].process;
        self.trips.push(Some(trip));
        let id = self.trips.len() - 1;
        if self.processes[process].blocking && self.processes[process].busy {
            self.processes[process].queue.push_back(id);
            return;
        }
        self.start_trip(id);
    }

    fn start_trip(&mut self, id: usize) {
        let now = self.time();
        let Some(trip) = self.trips[id].as_ref() else {
            return;
        };
        let process = self.callers[trip.caller].process;
        self.processes[process].busy = true;
        if !self.processes[process].core.still_wanted(&trip.call) {
            self.at(now, Event::Answer(id, Io::Skipped));
            return;
        }
        if let Some(trip) = self.trips[id].as_mut() {
            self.processes[process].core.sending(&mut trip.call);
        }
        let there = self.latency();
        self.at(now + there, Event::Script(id));
    }

    fn run(&mut self, end: u64) {
        while let Some(std::cmp::Reverse((time, _, slot))) = self.events.pop() {
            if time > end {
                break;
            }
            self.now.store(time, Ordering::SeqCst);
            let Some(event) = self.slots[slot].take() else {
                continue;
            };
            self.handle(time, event);
        }
    }

    fn handle(&mut self, now: u64, event: Event) {
        // Redis's clock runs with virtual time (plus its jumps).
        {
            let elapsed = now - self.last_tick.get();
            self.last_tick.set(now);
            self.redis.store.borrow_mut().clock += elapsed;
        }
        match event {
            Event::Arrive(p) => {
                if now >= self.load_until && self.processes[p].workers > 0 {
                    return;
                }
                if now < self.load_until && self.processes[p].workers == 0 {
                    let gap = self
                        .rng
                        .range(self.per_process_gap / 4, self.per_process_gap * 7 / 4);
                    self.at(now + gap, Event::Arrive(p));
                }
                // A bulk run's callers wait as long as the queue needs (here up to 20 s).
                let most = if self.processes[p].workers > 0 { 20 } else { 6 };
                let max_wait = Duration::from_micros(self.rng.range(SECOND / 2, most * SECOND));
                self.callers.push(Caller {
                    process: p,
                    started: now,
                    max_wait,
                    reservation: None,
                    waiting: false,
                    sent: false,
                    done: None,
                });
                let caller = self.callers.len() - 1;
                if self.rng.chance(80) {
                    let after = self.rng.range(0, 3 * SECOND);
                    self.at(now + after, Event::Cancel(caller));
                }
                self.begin(caller);
            }
            Event::Again(caller) => {
                if self.callers[caller].done.is_none() {
                    self.callers[caller].waiting = false;
                    self.begin(caller);
                }
            }
            Event::Script(id) => {
                let back = self.latency();
                let Some(trip) = self.trips[id].as_ref() else {
                    return;
                };
                if self.up {
                    let reply = self.redis.run(&trip.call);
                    let io = match Answer::parse(&reply) {
                        Some(answer) => Io::Answered(answer),
                        None => panic!("the script answered {reply:?}"),
                    };
                    self.at(now + back, Event::Answer(id, io));
                } else {
                    // The process gives up after its response timeout.
                    self.at(
                        now + 250_000,
                        Event::Answer(
                            id,
                            Io::Failed(cocoon_core::LimiterError::unavailable("down")),
                        ),
                    );
                }
            }
            Event::Answer(id, io) => {
                let Some(trip) = self.trips[id].take() else {
                    return;
                };
                let process = self.callers[trip.caller].process;
                self.processes[process].busy = false;
                if let Some(next) = self.processes[process].queue.pop_front() {
                    self.start_trip(next);
                }
                let core = &self.processes[process].core;
                if trip.observe {
                    core.end_observe(trip.call, io);
                    self.finish(trip.caller, now);
                } else {
                    let step = core.end_reserve(trip.call, io, trip.max_wait);
                    self.step(trip.caller, step, trip.max_wait);
                }
            }
            Event::Wake(caller) => {
                if self.callers[caller].done.is_some() {
                    return;
                }
                let Some(reservation) = self.callers[caller].reservation else {
                    return;
                };
                let process = self.callers[caller].process;
                match self.processes[process].core.confirm(&reservation) {
                    Confirmation::Wait(wait) => {
                        self.at(now + wait.as_micros() as u64, Event::Wake(caller));
                    }
                    Confirmation::Go(_) => {
                        self.callers[caller].sent = true;
                        let jitter = self.rng.range(0, 3_000);
                        self.at(now + jitter, Event::Api(caller));
                    }
                }
            }
            Event::Cancel(caller) => {
                let c = &self.callers[caller];
                if c.sent || c.done.is_some() {
                    return;
                }
                if let Some(reservation) = c.reservation {
                    self.processes[c.process].core.release(&reservation);
                    self.finish(caller, now);
                } else if c.waiting {
                    // Waiting for the local budget, holding nothing.
                    self.finish(caller, now);
                }
            }
            Event::Api(caller) => {
                self.arrivals.push(now);
                if std::env::var("SIM_TRACE").is_ok() {
                    let c = &self.callers[caller];
                    let r = c.reservation.map(|r| (r.ticket(), r.stamp()));
                    eprintln!(
                        "{now} api p{} caller {caller} started {} {r:?}",
                        c.process, c.started
                    );
                }
                while self.accepted.front().is_some_and(|t| *t + SECOND <= now) {
                    self.accepted.pop_front();
                }
                let full = self.accepted.len() as u64 >= RATE;
                let limited = full || std::mem::take(&mut self.force_429);
                let retry = match self.rng.range(0, 4) {
                    0 => Duration::from_secs(u64::MAX),
                    1 => Duration::from_secs(self.rng.range(0, 120)),
                    _ => Duration::from_secs(1),
                };
                if limited {
                    self.rejected += u64::from(full);
                } else {
                    self.accepted.push_back(now);
                }
                // Every answer says what is left of the window, as the fake server's do: the
                // one that fills it tells the limiter so.
                let remaining = RATE.saturating_sub(self.accepted.len() as u64) as u32;
                let back = self.rng.range(1_000, 40_000);
                self.at(
                    now + back,
                    Event::Answered(caller, limited, retry, remaining),
                );
            }
            Event::Answered(caller, limited, retry, remaining) => {
                if limited {
                    self.limited_at.push(now);
                }
                let process = self.callers[caller].process;
                let headers = RateLimit::new(Some(RATE as u32), Some(remaining), None);
                let outcome = if limited {
                    Outcome::answered(
                        StatusCode::TOO_MANY_REQUESTS,
                        headers.with_retry_after(RetryAfter::Delay(retry)),
                    )
                } else {
                    Outcome::answered(StatusCode::OK, headers)
                };
                match self.processes[process].core.begin_observe(&outcome) {
                    Some(call) => self.trip(Trip {
                        caller,
                        call,
                        observe: true,
                        max_wait: Duration::ZERO,
                    }),
                    None => self.finish(caller, now),
                }
            }
            Event::Fault(fault) => match fault {
                _ if std::env::var("SIM_TRACE").is_ok() && {
                    eprintln!("{now} fault {fault:?}");
                    false
                } => {}
                Fault::Down => self.up = false,
                Fault::Up => self.up = true,
                Fault::Flush => self.redis.store.borrow_mut().hashes.clear(),
                Fault::Jump(by) => {
                    let mut store = self.redis.store.borrow_mut();
                    store.clock = store.clock.saturating_add_signed(by);
                }
                Fault::Limit => self.force_429 = true,
            },
        }
    }

    /// Begins (or begins again) a caller's reservation with what is left of its wait.
    fn begin(&mut self, caller: usize) {
        let now = self.time();
        let c = &self.callers[caller];
        let left = c
            .max_wait
            .saturating_sub(Duration::from_micros(now - c.started));
        let step = self.processes[c.process].core.begin_reserve(left);
        self.step(caller, step, left);
    }

    fn step(&mut self, caller: usize, step: Step, max_wait: Duration) {
        match step {
            Step::Done(result) => self.reserved(caller, result),
            Step::Ask(call) => self.trip(Trip {
                caller,
                call,
                observe: false,
                max_wait,
            }),
            Step::Later(wait) => {
                self.callers[caller].waiting = true;
                let at = self.time() + wait.as_micros() as u64;
                self.at(at, Event::Again(caller));
            }
        }
    }

    fn reserved(&mut self, caller: usize, result: Result<Reservation, cocoon_core::LimiterError>) {
        let now = self.time();
        match result {
            Ok(reservation) => {
                self.callers[caller].reservation = Some(reservation);
                self.at(
                    now + reservation.wait().as_micros() as u64,
                    Event::Wake(caller),
                );
            }
            Err(_) => self.finish(caller, now),
        }
    }

    fn finish(&mut self, caller: usize, now: u64) {
        if self.callers[caller].done.is_some() {
            return;
        }
        self.callers[caller].done = Some(now);
        let process = self.callers[caller].process;
        if self.processes[process].workers > 0 {
            let next = now + self.rng.range(0, 2_000);
            self.at(next, Event::Arrive(process));
        }
    }
}

/// The most arrivals in any one-second window starting in `from..to`.
fn busiest_second(arrivals: &[u64], from: u64, to: u64) -> usize {
    let mut most = 0;
    for (i, start) in arrivals.iter().enumerate() {
        if *start < from || *start >= to {
            continue;
        }
        let within = arrivals[i..]
            .iter()
            .take_while(|t| **t < start + SECOND)
            .count();
        most = most.max(within);
    }
    most
}

/// What one seed's run found.
#[derive(Debug)]
struct Run {
    fault: Option<Fault>,
    /// Whether Redis came back from the outage empty (a restart without persistence).
    restart: bool,
    processes: usize,
    /// The busiest second before the fault.
    steady_max: usize,
    /// The busiest second from a second before the fault to 4 s after it ended.
    fault_max: usize,
    /// The busiest second after that.
    after_max: usize,
    sent: usize,
    /// Requests the strict server refused for a full window.
    rejected: u64,
}

fn simulate(seed: u64) -> Run {
    let mut rng = Rng(seed);
    let n = rng.range(2, 9) as usize;
    let now = Arc::new(AtomicU64::new(0));
    let cap = Duration::from_secs(rng.range(1, 8));
    let processes = (0..n)
        .map(|i| {
            let settings = RedisLimiterBuilder::new("redis://127.0.0.1/")
                .bucket("sim")
                .requests_per_second(NonZeroU32::new(RATE as u32).unwrap_or(NonZeroU32::MIN))
                .max_server_pause(cap)
                .settings()
                .expect("settings");
            Process {
                core: Core::virtual_time(settings, now.clone(), seed ^ (i as u64 + 1)),
                blocking: i % 2 == 1,
                busy: false,
                queue: VecDeque::new(),
                workers: 0,
            }
        })
        .collect();
    let redis = Redis::new();
    redis.store.borrow_mut().clock = SERVER_EPOCH;
    let load_until = 30 * SECOND;
    // Demand of 8 to 16 per second in all: from under the rate to well over it.
    let demand = rng.range(8, 17);
    let mut world = World {
        rng: Rng(seed.rotate_left(17) ^ 0x5eed),
        now,
        events: BinaryHeap::new(),
        slots: Vec::new(),
        seq: 0,
        redis,
        up: true,
        processes,
        callers: Vec::new(),
        trips: Vec::new(),
        arrivals: Vec::new(),
        accepted: VecDeque::new(),
        rejected: 0,
        limited_at: Vec::new(),
        force_429: false,
        load_until,
        per_process_gap: SECOND * n as u64 / demand,
        cap,
        last_tick: std::cell::Cell::new(0),
    };
    // Half the seeds run the fleet as bulk runs do: every process keeps 1 to 8 callers busy,
    // so the queue in Redis holds seconds of slots when a fault comes.
    let bulk = world.rng.chance(500);
    for p in 0..n {
        let start = world.rng.range(0, SECOND);
        if bulk {
            let workers = world.rng.range(1, 9) as usize;
            world.processes[p].workers = workers;
            for _ in 0..workers {
                world.at(start, Event::Arrive(p));
            }
        } else {
            world.at(start, Event::Arrive(p));
        }
    }
    // One fault at 10 to 15 s, or none.
    let fault_at = world.rng.range(10 * SECOND, 15 * SECOND);
    let fault = match world.rng.range(0, 7) {
        0 => None,
        1 => Some(Fault::Down),
        2 => Some(Fault::Flush),
        3 => Some(Fault::Jump(world.rng.range(2, 6) as i64 * SECOND as i64)),
        4 => Some(Fault::Jump(-(world.rng.range(2, 6) as i64) * SECOND as i64)),
        5 => Some(Fault::Limit),
        _ => Some(Fault::Down),
    };
    let restart = matches!(fault, Some(Fault::Down)) && world.rng.chance(500);
    let mut fault_end = fault_at;
    if let Some(fault) = fault {
        world.at(fault_at, Event::Fault(fault));
        if matches!(fault, Fault::Down) {
            let down_for = world.rng.range(SECOND, 4 * SECOND);
            fault_end = fault_at + down_for;
            if restart {
                world.at(fault_end, Event::Fault(Fault::Flush));
            }
            world.at(fault_end, Event::Fault(Fault::Up));
        }
        if matches!(fault, Fault::Limit) {
            fault_end = fault_at + cap.as_micros() as u64;
        }
    }
    let end = load_until + 20 * SECOND;
    world.run(end);

    // Every call ended, within its bounds: its wait, the pauses of the 429s heard while it
    // waited (each capped) and one more, and round trips.
    let cap = world.cap.as_micros() as u64;
    for (i, c) in world.callers.iter().enumerate() {
        let done = c
            .done
            .unwrap_or_else(|| {
                let confirm = c
                    .reservation
                    .map(|r| world.processes[c.process].core.confirm(&r));
                panic!(
                    "caller {i} (process {}, started {}) never ended: {:?}, now {:?}; stats {:?}; 429s at {:?}",
                    c.process,
                    c.started,
                    c.reservation,
                    confirm,
                    world.processes[c.process].core.stats(),
                    world.limited_at
                )
            });
        let pauses = world
            .limited_at
            .iter()
            .filter(|t| (c.started..=done).contains(*t))
            .count() as u64;
        let bound = c.max_wait.as_micros() as u64 + (pauses + 1) * cap + 3 * SECOND;
        assert!(
            done - c.started <= bound,
            "caller {i} took {} us, bound {bound} ({pauses} 429s meanwhile)",
            done - c.started,
        );
    }
    // No stored pause beyond the cap.
    if let (Some(pause), Some(seen)) = (world.redis.field("pause"), world.redis.field("seen")) {
        assert!(
            pause <= seen + world.cap.as_micros() as u64,
            "pause {pause} seen {seen}"
        );
    }
    // Every process that asked for permits well after Redis was back, the last one past the
    // end of its return (a probe's answer starts it; it lasts at most 1.25 s), is on Redis
    // again. (A process goes back at a reservation: one whose last came while it was still
    // returning says so until its next.)
    for (i, p) in world.processes.iter().enumerate() {
        let late: Vec<u64> = world
            .callers
            .iter()
            .filter(|c| c.process == i && c.started > fault_end + 3 * SECOND)
            .map(|c| c.started)
            .collect();
        let asked_late = late
            .first()
            .zip(late.last())
            .is_some_and(|(first, last)| *last > first + 3 * SECOND);
        if asked_late {
            assert_eq!(p.core.stats().mode, crate::Mode::Shared, "process {i}");
        }
    }
    let mut arrivals = world.arrivals.clone();
    arrivals.sort_unstable();
    let quiet_from = fault_at.saturating_sub(SECOND);
    let quiet_to = fault_end + 4 * SECOND;
    let steady_max = busiest_second(&arrivals, 0, quiet_from);
    let fault_max = busiest_second(&arrivals, quiet_from, quiet_to);
    let after_max = busiest_second(&arrivals, quiet_to, u64::MAX);
    Run {
        fault,
        restart,
        processes: n,
        steady_max,
        fault_max,
        after_max,
        sent: arrivals.len(),
        rejected: world.rejected,
    }
}

#[test]
fn a_fleet_keeps_to_the_rate_through_faults() {
    let seeds: Vec<u64> = match std::env::var("SIM_SEED") {
        Ok(seed) => vec![seed.parse().expect("SIM_SEED is a number")],
        Err(_) => {
            let count = std::env::var("SIM_SEEDS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(200u64);
            (1..=count).collect()
        }
    };
    // Per kind of fault: the busiest second around it, after it, and the full-window 429s.
    let mut worst_fault: BTreeMap<String, (usize, usize, u64)> = BTreeMap::new();
    for seed in seeds {
        let run = std::panic::catch_unwind(|| simulate(seed));
        let run = match run {
            Ok(run) => run,
            Err(panic) => {
                eprintln!("seed {seed} failed; replay with SIM_SEED={seed} cargo test -p cocoon-limiter-redis --lib sim");
                std::panic::resume_unwind(panic);
            }
        };
        let replay =
            format!("replay with SIM_SEED={seed} cargo test -p cocoon-limiter-redis --lib sim");
        assert!(run.steady_max <= RATE as usize, "{run:?}: {replay}");
        let kind = match run.fault {
            None => "none",
            Some(Fault::Down | Fault::Up) if run.restart => "restart",
            Some(Fault::Down | Fault::Up) => "outage",
            Some(Fault::Flush) => "flush",
            Some(Fault::Jump(by)) if by > 0 => "jump forward",
            Some(Fault::Jump(_)) => "jump back",
            Some(Fault::Limit) => "429",
        }
        .to_owned();
        let worst = worst_fault.entry(kind).or_default();
        worst.0 = worst.0.max(run.fault_max);
        worst.1 = worst.1.max(run.after_max);
        worst.2 += run.rejected;
        // Around a fault and after it: at most the rate plus one per process.
        assert!(
            run.fault_max.max(run.after_max) <= RATE as usize + run.processes,
            "{run:?}: {replay}"
        );
        if run.fault.is_none() {
            assert!(
                run.after_max.max(run.fault_max) <= RATE as usize,
                "{run:?}: {replay}"
            );
        }
        assert!(run.sent > 0, "{run:?}: {replay}");
    }
    eprintln!("busiest second (around, after) and 429s, per kind of fault: {worst_fault:?}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// Any `Retry-After` (a delay up to 2^64 - 1 s, or any date) and any cap: no panic, and
    /// no pause beyond the cap, neither kept by the process nor stored in Redis.
    #[test]
    fn no_answer_pauses_beyond_the_cap(
        delay in proptest::prelude::any::<u64>(),
        date_secs in proptest::prelude::any::<u64>(),
        use_date in proptest::prelude::any::<bool>(),
        cap_ms in 0u64..200_000,
        at in 0u64..100_000_000,
    ) {
        let now = Arc::new(AtomicU64::new(at));
        let cap = Duration::from_millis(cap_ms);
        let settings = RedisLimiterBuilder::new("redis://127.0.0.1/")
            .bucket("cap")
            .max_server_pause(cap)
            .settings()
            .expect("settings");
        let core = Core::virtual_time(settings, now.clone(), 7);
        let redis = Redis::new();
        redis.store.borrow_mut().clock = SERVER_EPOCH + at;
        // One answer from Redis first, so the process can share a pause.
        let Step::Ask(call) = core.begin_reserve(Duration::from_secs(10)) else {
            panic!("a reservation asks Redis first");
        };
        let answer = Answer::parse(&redis.run(&call)).expect("an answer");
        let Step::Done(Ok(_)) = core.end_reserve(call, Io::Answered(answer), Duration::from_secs(10)) else {
            panic!("a slot");
        };
        let retry_after = if use_date {
            RetryAfter::At(std::time::UNIX_EPOCH + Duration::from_secs(date_secs % (1u64 << 40)))
        } else {
            RetryAfter::Delay(Duration::from_secs(delay))
        };
        let outcome = Outcome::answered(
            StatusCode::TOO_MANY_REQUESTS,
            RateLimit::default().with_retry_after(retry_after),
        );
        if let Some(call) = core.begin_observe(&outcome) {
            let reply = redis.run(&call);
            let answer = Answer::parse(&reply).expect("an answer");
            core.end_observe(call, Io::Answered(answer));
        }
        let server_now = redis.store.borrow().clock;
        if let Some(pause) = redis.field("pause") {
            proptest::prop_assert!(pause <= server_now + cap.as_micros() as u64 + 1);
        }
        // The process holds its callers no longer than the cap either.
        let held = Reservation::now().with_ticket(at, 0);
        if let Confirmation::Wait(wait) = core.confirm(&held) {
            proptest::prop_assert!(wait <= cap + Duration::from_millis(1), "{wait:?}");
        }
    }
}
