use std::num::NonZeroU32;
use std::time::Duration;

use cocoon_core::{LimiterErrorKind, RateLimit, RetryAfter};
use http::StatusCode;

use super::*;
use crate::limiter::{Confirmation, Outcome, Permit, RateLimiter, Reservation, Unlimited};

const TEN: NonZeroU32 = NonZeroU32::new(10).unwrap();
const FOREVER: Duration = Duration::from_secs(3600);
const P: Duration = Duration::from_millis(103);

fn limiter() -> (LocalLimiter, VirtualClock) {
    limiter_with(1)
}

fn limiter_with(burst: u32) -> (LocalLimiter, VirtualClock) {
    let clock = VirtualClock::new();
    let limiter = LocalLimiter::builder(TEN)
        .burst(burst)
        .virtual_clock(clock.clone())
        .build()
        .unwrap();
    (limiter, clock)
}

fn elapsed(clock: &VirtualClock, start: Duration) -> Duration {
    clock.elapsed() - start
}

/// One caller, the way a client drives the limiter: reserve, sleep once, confirm (sleeping
/// again only when told). Returns the permit and how many sleeps it took.
fn acquire(limiter: &LocalLimiter, clock: &VirtualClock) -> (Permit, usize) {
    let reservation = RateLimiter::reserve(limiter, FOREVER).unwrap();
    let mut sleeps = 0;
    if !reservation.wait().is_zero() {
        clock.advance(reservation.wait());
        sleeps += 1;
    }
    loop {
        match RateLimiter::confirm(limiter, &reservation) {
            Confirmation::Go(permit) => return (permit, sleeps),
            Confirmation::Wait(more) => {
                clock.advance(more.max(Duration::from_nanos(1)));
                sleeps += 1;
            }
        }
    }
}

/// Eager callers one after another: when each permit was granted.
fn grant_times(
    limiter: &LocalLimiter,
    clock: &VirtualClock,
    n: usize,
    answer: impl Fn(Permit) -> Option<Outcome>,
) -> Vec<Duration> {
    let start = clock.elapsed();
    (0..n)
        .map(|_| {
            let (permit, _) = acquire(limiter, clock);
            let at = elapsed(clock, start);
            if let Some(outcome) = answer(permit) {
                RateLimiter::observe(limiter, permit, &outcome);
            }
            at
        })
        .collect()
}

fn max_in_one_second(times: &[Duration]) -> usize {
    let mut sorted = times.to_vec();
    sorted.sort();
    (0..sorted.len())
        .map(|i| {
            sorted[i..]
                .iter()
                .take_while(|t| **t - sorted[i] < Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0)
}

fn answered(status: u16, rate_limit: RateLimit) -> Outcome {
    Outcome::answered(StatusCode::from_u16(status).unwrap(), rate_limit)
}

#[test]
fn never_more_than_ten_in_any_one_second_window() {
    let (limiter, clock) = limiter();
    let times = grant_times(&limiter, &clock, 200, |_| None);
    assert!(max_in_one_second(&times) <= 10);
    for (i, t) in times.iter().enumerate() {
        // Even a window stretched by the safety margin holds no eleventh request.
        let stretched = times[i..]
            .iter()
            .take_while(|u| **u - *t < Duration::from_millis(1029))
            .count();
        assert!(
            stretched <= 10,
            "{stretched} permits within 1.029 s of {t:?}"
        );
    }
}

#[test]
fn sustains_at_least_nine_and_a_half_per_second() {
    let (limiter, clock) = limiter();
    let times = grant_times(&limiter, &clock, 200, |_| None);
    let rate = 199.0 / (times[199] - times[0]).as_secs_f64();
    assert!((9.5..=10.0).contains(&rate), "sustained {rate:.2}/s");
    assert_eq!(limiter.period(), P);
}

#[test]
fn a_reservation_says_how_long_to_wait() {
    let (limiter, clock) = limiter();
    let first = RateLimiter::reserve(&limiter, FOREVER).unwrap();
    assert_eq!(first.wait(), Duration::ZERO);
    assert!(matches!(
        RateLimiter::confirm(&limiter, &first),
        Confirmation::Go(_)
    ));
    assert_eq!(RateLimiter::reserve(&limiter, FOREVER).unwrap().wait(), P);
    clock.advance(Duration::from_millis(50));
    assert_eq!(
        RateLimiter::reserve(&limiter, FOREVER).unwrap().wait(),
        2 * P - Duration::from_millis(50)
    );
}

#[test]
fn sixty_four_waiters_are_served_in_order_each_sleeping_once() {
    let (limiter, clock) = limiter();
    let start = clock.elapsed();
    let reservations: Vec<Reservation> = (0..64)
        .map(|_| RateLimiter::reserve(&limiter, FOREVER).unwrap())
        .collect();
    for (i, r) in reservations.iter().enumerate() {
        assert_eq!(r.wait(), P * i as u32, "waiter {i}");
    }
    // Each wakes at its own time, in order, and goes without a second sleep.
    let mut granted = Vec::new();
    for (i, r) in reservations.iter().enumerate() {
        let due = r.wait();
        let now = elapsed(&clock, start);
        clock.advance(due - now);
        match RateLimiter::confirm(&limiter, r) {
            Confirmation::Go(permit) => granted.push((i, permit.id())),
            Confirmation::Wait(more) => panic!("waiter {i} told to wait {more:?} more"),
        }
    }
    let ids: Vec<u64> = granted.iter().map(|(_, id)| *id).collect();
    assert_eq!(ids, (0..64).collect::<Vec<u64>>());
}

#[test]
fn a_caller_that_wakes_late_cannot_bunch_up_with_the_next() {
    let (limiter, clock) = limiter();
    let start = clock.elapsed();
    // The first goes at once; `a` and `b` queue behind it, at 103 and 206 ms.
    let first = RateLimiter::reserve(&limiter, FOREVER).unwrap();
    assert!(matches!(
        RateLimiter::confirm(&limiter, &first),
        Confirmation::Go(_)
    ));
    let a = RateLimiter::reserve(&limiter, FOREVER).unwrap();
    let b = RateLimiter::reserve(&limiter, FOREVER).unwrap();
    assert_eq!((a.wait(), b.wait()), (P, 2 * P));
    // `a` wakes 80 ms late, at 183 ms; `b` wakes on time 23 ms after it.
    clock.advance(P + Duration::from_millis(80));
    assert!(matches!(
        RateLimiter::confirm(&limiter, &a),
        Confirmation::Go(_)
    ));
    clock.advance(b.wait() - elapsed(&clock, start));
    assert_eq!(
        RateLimiter::confirm(&limiter, &b),
        Confirmation::Wait(Duration::from_millis(80))
    );
}

#[test]
fn a_wait_past_the_bound_is_refused_without_using_the_slot() {
    let (limiter, _clock) = limiter();
    for _ in 0..10 {
        RateLimiter::reserve(&limiter, FOREVER).unwrap();
    }
    let refused = RateLimiter::reserve(&limiter, Duration::from_millis(500)).unwrap_err();
    assert_eq!(
        refused.kind,
        LimiterErrorKind::WaitTooLong {
            wait: P * 10,
            max_wait: Duration::from_millis(500)
        }
    );
    // The slot it would have had is still the next one.
    assert_eq!(
        RateLimiter::reserve(&limiter, FOREVER).unwrap().wait(),
        P * 10
    );
}

#[test]
fn a_429_pauses_everyone_and_moves_the_queue_back_in_order() {
    let (limiter, clock) = limiter();
    let start = clock.elapsed();
    let first = RateLimiter::reserve(&limiter, FOREVER).unwrap();
    let Confirmation::Go(permit) = RateLimiter::confirm(&limiter, &first) else {
        panic!("the first goes at once");
    };
    let queued: Vec<Reservation> = (0..4)
        .map(|_| RateLimiter::reserve(&limiter, FOREVER).unwrap())
        .collect();
    clock.advance(Duration::from_millis(10));
    let limited = RateLimit::new(
        Some(10),
        Some(0),
        Some(RetryAfter::Delay(Duration::from_secs(1))),
    );
    RateLimiter::observe(&limiter, permit, &answered(429, limited));
    assert_eq!(limiter.paused_for(), Some(Duration::from_secs(1)));

    // Each queued caller wakes at its old slot and is told the new one, one period apart.
    let resume = Duration::from_millis(1010);
    for (i, r) in queued.iter().enumerate() {
        let old = r.wait();
        clock.advance(old.saturating_sub(elapsed(&clock, start)));
        let Confirmation::Wait(more) = RateLimiter::confirm(&limiter, r) else {
            panic!("caller {i} went during the pause");
        };
        assert_eq!(
            elapsed(&clock, start) + more,
            resume + P * i as u32,
            "caller {i}"
        );
    }
    // A newcomer queues behind them.
    let late = RateLimiter::reserve(&limiter, FOREVER).unwrap();
    assert_eq!(elapsed(&clock, start) + late.wait(), resume + P * 4);
}

#[test]
fn a_429_without_retry_after_pauses_one_second() {
    let (limiter, _clock) = limiter();
    RateLimiter::observe(
        &limiter,
        Permit::UNTRACKED,
        &answered(429, RateLimit::default()),
    );
    assert_eq!(limiter.paused_for(), Some(Duration::from_secs(1)));
}

#[test]
fn a_full_window_costs_a_well_paced_caller_nothing() {
    // A strict server at the limit reports remaining 0 on every answer at this pace.
    let (limiter, clock) = limiter();
    let full = RateLimit::new(Some(10), Some(0), None);
    let times = grant_times(&limiter, &clock, 100, |permit| {
        clock.advance(Duration::from_millis(2));
        Some(answered(201, full)).filter(|_| permit != Permit::UNTRACKED)
    });
    let rate = 99.0 / (times[99] - times[0]).as_secs_f64();
    assert!(rate >= 9.5, "{rate:.2}/s");
}

#[test]
fn a_full_window_holds_back_a_caller_that_would_go_at_once() {
    let (limiter, clock) = limiter();
    let (permit, _) = acquire(&limiter, &clock);
    clock.advance(Duration::from_millis(150));
    let full = RateLimit::new(Some(10), Some(0), None);
    RateLimiter::observe(&limiter, permit, &answered(200, full));
    assert_eq!(
        RateLimiter::reserve(&limiter, FOREVER).unwrap().wait(),
        Duration::from_millis(100)
    );
}

/// Simulates eager callers whose request `i` takes `latency(i)` to be answered, on a fake
/// clock; returns when each was granted and when it arrived at the server, taking the worst
/// case that all its latency came before the server saw it.
fn simulate(
    n: usize,
    latency: impl Fn(usize) -> Option<Duration>,
) -> (Vec<Duration>, Vec<Duration>) {
    simulate_answers(n, latency, |_| Outcome::no_answer())
}

/// [`simulate`], each answer heard as `answer(latency)`.
fn simulate_answers(
    n: usize,
    latency: impl Fn(usize) -> Option<Duration>,
    answer: impl Fn(Duration) -> Outcome,
) -> (Vec<Duration>, Vec<Duration>) {
    let (limiter, clock) = limiter();
    let start = clock.elapsed();
    let (mut granted, mut arrived) = (Vec::new(), Vec::new());
    let mut pending: Vec<(Duration, Duration, Permit)> = Vec::new();
    let mut reservation = None;
    while granted.len() < n {
        let now = elapsed(&clock, start);
        pending.retain(|&(due, latency, permit)| {
            let done = due <= now;
            if done {
                RateLimiter::observe(&limiter, permit, &answer(latency));
            }
            !done
        });
        let r =
            *reservation.get_or_insert_with(|| RateLimiter::reserve(&limiter, FOREVER).unwrap());
        let wait = match RateLimiter::confirm(&limiter, &r) {
            Confirmation::Go(permit) => {
                reservation = None;
                let i = granted.len();
                granted.push(now);
                match latency(i) {
                    Some(l) => {
                        arrived.push(now + l);
                        pending.push((now + l, l, permit));
                    }
                    None => arrived.push(now),
                }
                continue;
            }
            Confirmation::Wait(wait) => wait,
        };
        let next_release = pending.iter().map(|(due, _, _)| *due).min();
        let step = match next_release {
            Some(due) if due > now => wait.min(due - now),
            _ => wait,
        };
        clock.advance(step.max(Duration::from_nanos(1)));
    }
    (granted, arrived)
}

#[test]
fn a_slow_first_request_holds_back_the_request_ten_grants_later() {
    // The first request opens a connection: 80 ms before it arrives; the rest take 1 ms.
    let latency = |i| Some(Duration::from_millis(if i == 0 { 80 } else { 1 }));
    let (granted, arrived) = simulate(30, latency);
    assert!(
        granted[10] >= granted[0] + Duration::from_millis(1030 + 79),
        "{:?}",
        granted[10]
    );
    assert!(max_in_one_second(&arrived) <= 10, "{arrived:?}");
}

#[test]
fn a_full_window_on_every_slow_answer_keeps_the_full_rate() {
    // A strict server at the limit reports remaining 0 on every answer; with 250 ms of latency
    // the slot after each request has passed before its answer arrives. (Counted from the
    // answer instead, the pauses would bring this down to 8.6/s.)
    let full = RateLimit::new(Some(10), Some(0), None);
    let answer = |latency| Outcome::answered(StatusCode::CREATED, full).with_latency(latency);
    let (granted, arrived) = simulate_answers(60, |_| Some(Duration::from_millis(250)), answer);
    let rate = 59.0 / (granted[59] - granted[0]).as_secs_f64();
    assert!(rate >= 9.5, "{rate:.2}/s");
    assert!(max_in_one_second(&arrived) <= 10);
}

#[test]
fn a_uniformly_slow_server_keeps_the_full_rate() {
    let (granted, arrived) = simulate(60, |_| Some(Duration::from_millis(250)));
    let rate = 59.0 / (granted[59] - granted[0]).as_secs_f64();
    assert!(rate >= 9.5, "{rate:.2}/s");
    assert!(max_in_one_second(&arrived) <= 10);
}

#[test]
fn an_unanswered_request_holds_back_at_most_the_cap() {
    // Request 0 never comes back (a timeout in progress, or a cancelled call).
    let (granted, _) = simulate(12, |i| (i != 0).then_some(Duration::from_millis(1)));
    let gap = granted[10] - granted[0];
    assert!(gap >= Duration::from_millis(1030), "{gap:?}");
    assert!(
        gap <= Duration::from_millis(1030) + MAX_OUTLIER_HOLD,
        "{gap:?}"
    );
}

#[test]
fn a_huge_rate_costs_bounded_memory() {
    let limiter = LocalLimiter::per_second(NonZeroU32::MAX);
    for _ in 0..5000 {
        let r = RateLimiter::reserve(&limiter, FOREVER).unwrap();
        if let Confirmation::Go(permit) = RateLimiter::confirm(&limiter, &r) {
            limiter.abandon(permit);
        }
    }
    assert!(limiter.ledger().grants.len() <= MAX_TRACKED_GRANTS);
}

#[test]
fn clones_share_one_budget() {
    let (limiter, _clock) = limiter();
    let other = limiter.clone();
    RateLimiter::reserve(&limiter, FOREVER).unwrap();
    assert_eq!(RateLimiter::reserve(&other, FOREVER).unwrap().wait(), P);
}

#[test]
fn untracked_permits_and_the_unlimited_limiter_are_harmless() {
    let (limiter, _clock) = limiter();
    RateLimiter::observe(&limiter, Permit::UNTRACKED, &Outcome::no_answer());
    limiter.abandon(Permit::UNTRACKED);
    for _ in 0..1000 {
        let r = RateLimiter::reserve(&Unlimited, Duration::ZERO).unwrap();
        assert_eq!(r.wait(), Duration::ZERO);
        assert_eq!(
            RateLimiter::confirm(&Unlimited, &r),
            Confirmation::Go(Permit::UNTRACKED)
        );
    }
}

#[test]
fn a_released_slot_goes_to_the_next_caller() {
    let (limiter, _clock) = limiter();
    let queued: Vec<Reservation> = (0..5)
        .map(|_| RateLimiter::reserve(&limiter, FOREVER).unwrap())
        .collect();
    assert_eq!(queued[2].wait(), 2 * P);
    RateLimiter::release(&limiter, &queued[2]);
    assert_eq!(
        RateLimiter::reserve(&limiter, FOREVER).unwrap().wait(),
        2 * P
    );
    // Giving back a slot twice, or one granted at once, changes nothing.
    RateLimiter::release(&limiter, &queued[2]);
    RateLimiter::release(&limiter, &queued[0]);
    assert_eq!(
        RateLimiter::reserve(&limiter, FOREVER).unwrap().wait(),
        5 * P
    );
}

#[test]
fn a_hundred_callers_giving_up_leave_no_queue_behind() {
    let (limiter, clock) = limiter();
    let queued: Vec<Reservation> = (0..100)
        .map(|_| RateLimiter::reserve(&limiter, FOREVER).unwrap())
        .collect();
    assert_eq!(queued[99].wait(), 99 * P);
    // The first three go at their time; at 300 ms the rest give up.
    for r in &queued[..3] {
        clock.advance(r.wait() - clock.elapsed());
        assert!(matches!(
            RateLimiter::confirm(&limiter, r),
            Confirmation::Go(_)
        ));
    }
    clock.advance(Duration::from_millis(300) - clock.elapsed());
    for r in &queued[3..] {
        RateLimiter::release(&limiter, r);
    }
    let next = RateLimiter::reserve(&limiter, FOREVER).unwrap();
    assert_eq!(next.wait(), 3 * P - Duration::from_millis(300));
}

#[test]
fn an_idle_limiter_with_a_burst_lets_that_many_go_at_once_and_no_more_per_window() {
    let (limiter, clock) = limiter_with(10);
    for i in 0..10 {
        let r = RateLimiter::reserve(&limiter, FOREVER).unwrap();
        assert_eq!(r.wait(), Duration::ZERO, "request {i}");
    }
    let eleventh = RateLimiter::reserve(&limiter, FOREVER).unwrap();
    assert_eq!(eleventh.wait(), 10 * P);
    let times = grant_times(&limiter, &clock, 200, |_| None);
    assert!(max_in_one_second(&times) <= 10);
    let rate = 199.0 / (times[199] - times[0]).as_secs_f64();
    assert!(rate >= 9.5, "{rate:.2}/s");
}

#[test]
fn a_burst_between_one_and_the_rate_keeps_both_rules() {
    let (limiter, clock) = limiter_with(4);
    let start = clock.elapsed();
    let waits: Vec<Duration> = (0..6)
        .map(|_| RateLimiter::reserve(&limiter, FOREVER).unwrap().wait())
        .collect();
    assert_eq!(&waits[..4], &[Duration::ZERO; 4]);
    assert_eq!(waits[4], 4 * P);
    let times = grant_times(&limiter, &clock, 100, |_| None);
    assert!(times[0] >= start);
    assert!(max_in_one_second(&times) <= 10);
}

#[test]
fn a_burst_out_of_range_is_a_config_error() {
    for burst in [0, 11, u32::MAX] {
        let err = LocalLimiter::builder(TEN).burst(burst).build().unwrap_err();
        assert!(
            matches!(
                err,
                cocoon_core::ConfigError::InvalidSetting { name: "burst", .. }
            ),
            "{burst}: {err:?}"
        );
    }
    let huge = NonZeroU32::new(5000).unwrap();
    assert!(LocalLimiter::builder(huge).burst(2).build().is_err());
    assert_eq!(LocalLimiter::builder(huge).build().unwrap().burst(), 1);
    assert_eq!(
        LocalLimiter::builder(TEN)
            .burst(10)
            .build()
            .unwrap()
            .burst(),
        10
    );
}

#[test]
fn no_answer_pauses_the_limiter_past_its_cap() {
    let (limiter, _clock) = limiter();
    let forever = RateLimit::new(None, None, Some(RetryAfter::Delay(Duration::MAX)));
    RateLimiter::observe(&limiter, Permit::UNTRACKED, &answered(429, forever));
    assert_eq!(
        limiter.paused_for(),
        Some(cocoon_core::DEFAULT_MAX_SERVER_PAUSE)
    );
    let r = RateLimiter::reserve(&limiter, Duration::from_secs(61)).unwrap();
    assert_eq!(r.wait(), cocoon_core::DEFAULT_MAX_SERVER_PAUSE);
    // An explicit pause saturates instead of overflowing.
    limiter.pause_for(Duration::MAX);
    assert!(limiter.paused_for().is_some());

    let short = LocalLimiter::builder(TEN)
        .max_server_pause(Duration::from_millis(500))
        .build()
        .unwrap();
    let year_9999 = RateLimit::new(
        None,
        None,
        RetryAfter::parse("Fri, 31 Dec 9999 23:59:59 GMT"),
    );
    assert!(year_9999.retry_after.is_some());
    RateLimiter::observe(&short, Permit::UNTRACKED, &answered(429, year_9999));
    assert!(short.paused_for().unwrap() <= Duration::from_millis(500));
}

/// Random callers on a virtual clock: each reserves, then at its time confirms (sleeping
/// again when told), or gives up first; answers now and then ask for a pause. However the
/// slots are given back, no window of one second (stretched by the safety margin) holds
/// more than the rate. Replay a failure with `LIMITER_SIM_SEED=<seed>`.
#[test]
fn released_slots_never_let_more_than_the_rate_into_a_window() {
    let seeds: Vec<u64> = match std::env::var("LIMITER_SIM_SEED") {
        Ok(seed) => vec![seed.parse().expect("LIMITER_SIM_SEED is a number")],
        Err(_) => (0..40).map(|_| fastrand::u64(..)).collect(),
    };
    for seed in seeds {
        simulate_random_callers(seed);
    }
}

fn simulate_random_callers(seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let burst = rng.u32(1..=10);
    let (limiter, clock) = limiter_with(burst);
    let replay = format!("replay with LIMITER_SIM_SEED={seed} (burst {burst})");
    // (due, reservation, gives up at)
    let mut waiting: Vec<(Duration, Reservation, Option<Duration>)> = Vec::new();
    let mut granted: Vec<Duration> = Vec::new();
    let mut next_arrival = Duration::ZERO;
    let end = Duration::from_secs(30);
    while clock.elapsed() < end {
        let now = clock.elapsed();
        if now >= next_arrival {
            for _ in 0..rng.usize(1..=4) {
                let r = RateLimiter::reserve(&limiter, FOREVER).unwrap();
                let gives_up = rng
                    .bool()
                    .then(|| now + Duration::from_millis(rng.u64(0..=2000)));
                waiting.push((now + r.wait(), r, gives_up));
            }
            next_arrival = now + Duration::from_millis(rng.u64(0..=400));
        }
        let mut i = 0;
        while i < waiting.len() {
            let (due, r, gives_up) = waiting[i];
            if gives_up.is_some_and(|at| at <= now) {
                RateLimiter::release(&limiter, &r);
                waiting.swap_remove(i);
                continue;
            }
            if due <= now {
                match RateLimiter::confirm(&limiter, &r) {
                    Confirmation::Go(permit) => {
                        granted.push(now);
                        waiting.swap_remove(i);
                        if rng.u32(0..50) == 0 {
                            let limited = RateLimit::new(
                                None,
                                None,
                                Some(RetryAfter::Delay(Duration::from_millis(rng.u64(0..=1500)))),
                            );
                            RateLimiter::observe(&limiter, permit, &answered(429, limited));
                        } else {
                            limiter.abandon(permit);
                        }
                        continue;
                    }
                    Confirmation::Wait(more) => {
                        assert!(!more.is_zero(), "told to wait zero; {replay}");
                        waiting[i].0 = now + more;
                    }
                }
            }
            i += 1;
        }
        clock.advance(Duration::from_millis(rng.u64(1..=40)));
    }
    assert!(granted.len() > 50, "only {} went; {replay}", granted.len());
    for (i, t) in granted.iter().enumerate() {
        let in_window = granted[i..]
            .iter()
            .take_while(|u| **u - *t < Duration::from_millis(1029))
            .count();
        assert!(
            in_window <= 10,
            "{in_window} sent within 1.029 s of {t:?}; {replay}"
        );
    }
}

/// Whatever the rate-limit headers say (digits of any length, dates up to year 9999,
/// garbage), reading them, the pause they ask for and the limiter hearing it never panic,
/// and the limiter never pauses past its cap.
mod hostile_headers {
    use super::*;
    use proptest::prelude::*;
    use std::time::{SystemTime, UNIX_EPOCH};

    fn header_value() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9]{1,40}",
            " *[0-9]{1,25} *(, *[0-9]{0,25})?",
            "-?[0-9]{0,5}\\.?[0-9]{0,5}",
            (0u64..=253_402_300_799)
                .prop_map(|secs| httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs))),
            Just("Fri, 31 Dec 9999 23:59:59 GMT".to_owned()),
            "[ -~]{0,40}",
        ]
    }

    proptest! {
        #[test]
        fn no_header_wedges_or_panics_the_limiter(
            retry_after in proptest::option::of(header_value()),
            limit in proptest::option::of(header_value()),
            remaining in proptest::option::of(header_value()),
            status in prop_oneof![Just(429u16), Just(200), Just(201), Just(503)],
            now_secs in 0u64..=253_402_300_799,
            latency_ms in 0u64..=100_000,
            cap_ms in 0u64..=120_000,
        ) {
            let mut headers = http::HeaderMap::new();
            for (name, value) in [
                ("retry-after", &retry_after),
                ("x-ratelimit-limit", &limit),
                ("x-ratelimit-remaining", &remaining),
            ] {
                if let Some(value) = value {
                    if let Ok(value) = http::HeaderValue::from_str(value) {
                        headers.insert(name, value);
                    }
                }
            }
            let rate_limit = RateLimit::from_headers(&headers);
            let status = StatusCode::from_u16(status).unwrap();
            let at = UNIX_EPOCH + Duration::from_secs(now_secs);
            let latency = Duration::from_millis(latency_ms);
            let _ = cocoon_core::requested_pause(status, &rate_limit, at, latency);
            let _ = cocoon_core::requested_pause(status, &rate_limit, SystemTime::now(), latency);

            let cap = Duration::from_millis(cap_ms);
            let clock = VirtualClock::new();
            let limiter = LocalLimiter::builder(TEN)
                .max_server_pause(cap)
                .virtual_clock(clock.clone())
                .build()
                .unwrap();
            let first = RateLimiter::reserve(&limiter, FOREVER).unwrap();
            let Confirmation::Go(permit) = RateLimiter::confirm(&limiter, &first) else {
                panic!("the first goes at once");
            };
            let outcome = Outcome::answered(status, rate_limit).with_latency(latency);
            RateLimiter::observe(&limiter, permit, &outcome);
            let paused = limiter.paused_for().unwrap_or_default();
            prop_assert!(paused <= cap, "paused {paused:?} past the cap {cap:?}");
            // The next caller is due within the cap (and a period), never later.
            let next = RateLimiter::reserve(&limiter, cap + P).unwrap();
            prop_assert!(next.wait() <= cap + P);
            clock.advance(next.wait());
            prop_assert!(matches!(RateLimiter::confirm(&limiter, &next), Confirmation::Go(_)));
        }
    }
}
