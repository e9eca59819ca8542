//! The Lua script on a real Redis, read through the slots it returns in server time: first come
//! first served and spaced, refusals that use nothing up, pauses that move the slots to come,
//! keys that expire.

mod common;

use common::{bucket, inspect, RedisServer, PERIOD_10};
use redis::Script;

const FOREVER: i64 = 3_600_000_000;
const GRACE: u64 = 1_000_000;

/// The script's arguments after the key, `ARGV[1..=14]`, with what a test does not set at
/// its neutral value.
#[derive(Clone)]
struct Args {
    max_wait: i64,
    pause_until: u64,
    after: u64,
    floor: u64,
    max_pause: u64,
    seed: u64,
    expect: u64,
    process: &'static str,
    presence: u64,
    burst: u32,
    rate: u32,
    releases: String,
    seed_if_lost: u64,
}

impl Args {
    fn new(max_wait: i64) -> Self {
        Args {
            max_wait,
            pause_until: 0,
            after: 0,
            floor: 0,
            max_pause: 0,
            seed: 0,
            expect: 0,
            process: "",
            presence: 0,
            burst: 1,
            rate: 10,
            releases: String::new(),
            seed_if_lost: 0,
        }
    }
}

/// `{granted, slot, now, shift, pause, processes, back, last}`.
fn call(connection: &mut redis::Connection, key: &str, a: &Args) -> [u64; 8] {
    let reply: Vec<u64> = Script::new(cocoon_limiter_redis::SCRIPT)
        .key(key)
        .arg(PERIOD_10)
        .arg(a.max_wait)
        .arg(a.pause_until)
        .arg(a.after)
        .arg(GRACE)
        .arg(a.floor)
        .arg(a.max_pause)
        .arg(a.seed)
        .arg(a.expect)
        .arg(a.process)
        .arg(a.presence)
        .arg(a.burst)
        .arg(a.rate)
        .arg(&a.releases)
        .arg(0)
        .arg(a.seed_if_lost)
        .invoke(connection)
        .expect("the script runs");
    reply.try_into().expect("eight integers")
}

fn run(
    connection: &mut redis::Connection,
    key: &str,
    max_wait: i64,
    pause_until: u64,
    after: u64,
) -> [u64; 8] {
    run_with_floor(connection, key, max_wait, pause_until, after, 0)
}

fn run_with_floor(
    connection: &mut redis::Connection,
    key: &str,
    max_wait: i64,
    pause_until: u64,
    after: u64,
    floor: u64,
) -> [u64; 8] {
    let mut args = Args::new(max_wait);
    args.pause_until = pause_until;
    args.after = after;
    args.floor = floor;
    call(connection, key, &args)
}

#[test]
fn slots_are_first_come_first_served_one_period_apart_across_connections() {
    let server = RedisServer::start();
    let mut first = inspect(&server);
    let mut second = inspect(&server);
    let mut slots = Vec::new();
    for i in 0..10 {
        let connection = if i % 2 == 0 { &mut first } else { &mut second };
        let [granted, slot, now, ..] = run(connection, "t:fcfs", FOREVER, 0, 0);
        assert_eq!(granted, 1);
        assert!(slot >= now);
        slots.push(slot);
    }
    for pair in slots.windows(2) {
        assert_eq!(pair[1] - pair[0], PERIOD_10, "{slots:?}");
    }
}

#[test]
fn a_refusal_past_max_wait_uses_no_slot() {
    let server = RedisServer::start();
    let mut c = inspect(&server);
    let [_, first, ..] = run(&mut c, "t:refuse", FOREVER, 0, 0);
    run(&mut c, "t:refuse", FOREVER, 0, 0);
    let before = bucket(&mut c, "t:refuse");
    // The next slot is first + 2 periods: more than one period away.
    let [granted, refused, now, ..] = run(&mut c, "t:refuse", PERIOD_10 as i64 / 2, 0, 0);
    assert_eq!(granted, 0);
    assert_eq!(refused, first + 2 * PERIOD_10);
    assert!(refused - now > PERIOD_10 / 2);
    assert_eq!(
        bucket(&mut c, "t:refuse"),
        before,
        "a refusal changes nothing"
    );
    let [granted, slot, ..] = run(&mut c, "t:refuse", FOREVER, 0, 0);
    assert_eq!(
        (granted, slot),
        (1, refused),
        "the refused slot is still free"
    );
}

#[test]
fn a_pause_moves_the_slots_to_come_together_and_holds_new_ones() {
    let server = RedisServer::start();
    let mut c = inspect(&server);
    let mut slots = Vec::new();
    for _ in 0..4 {
        slots.push(run(&mut c, "t:pause", FOREVER, 0, 0)[1]);
    }
    // A pause of 2 s, written without a reservation (max wait -1).
    let [granted, _, now, shift, pause, ..] = run(&mut c, "t:pause", -1, 0, 0);
    assert_eq!((granted, shift, pause), (0, 0, 0));
    let until = now + 2_000_000;
    let [granted, _, now, shift, pause, ..] = run(&mut c, "t:pause", -1, until, 0);
    assert_eq!(granted, 0);
    assert_eq!(pause, until);
    // The slot just due lands on the pause's end, the others keep their spacing.
    let just_due = slots
        .iter()
        .copied()
        .rev()
        .find(|s| *s <= now)
        .expect("a slot due");
    assert_eq!(shift, until - just_due);
    let [_, next, ..] = run(&mut c, "t:pause", FOREVER, 0, 0);
    assert_eq!(next, slots[3] + shift + PERIOD_10);
    // A pause ending earlier than the current one changes nothing.
    let [_, _, _, shift_again, pause_again, ..] = run(&mut c, "t:pause", -1, until - 1, 0);
    assert_eq!((shift_again, pause_again), (shift, until));
    // One ending later (a second 429 while the first pause runs) moves the slots on by the
    // difference only: the pauses overlap, they do not add up.
    let [_, _, _, shift_more, pause_more, ..] = run(&mut c, "t:pause", -1, until + 300_000, 0);
    assert_eq!((shift_more, pause_more), (shift + 300_000, until + 300_000));
}

#[test]
fn a_slot_of_the_callers_own_is_followed_by_a_period() {
    let server = RedisServer::start();
    let mut c = inspect(&server);
    let [_, _, now, ..] = run(&mut c, "t:probe", -1, 0, 0);
    let own = now + 500_000;
    let [granted, slot, ..] = run(&mut c, "t:after", FOREVER, 0, own);
    assert_eq!((granted, slot), (1, own + PERIOD_10));
}

#[test]
fn a_floor_holds_new_slots_and_leaves_the_slots_handed_out_alone() {
    let server = RedisServer::start();
    let mut c = inspect(&server);
    let [_, first, now, ..] = run(&mut c, "t:floor", FOREVER, 0, 0);
    let floor = now + 1_000_000;
    let [granted, slot, _, shift, pause, ..] =
        run_with_floor(&mut c, "t:floor", FOREVER, 0, 0, floor);
    assert_eq!((granted, slot, shift, pause), (1, floor, 0, 0));
    assert!(slot > first + PERIOD_10);
    // Later slots follow the latest as usual.
    let [_, next, ..] = run(&mut c, "t:floor", FOREVER, 0, 0);
    assert_eq!(next, floor + PERIOD_10);
}

#[test]
fn the_bucket_expires_a_little_after_its_last_slot() {
    let server = RedisServer::start();
    let mut c = inspect(&server);
    run(&mut c, "t:ttl", -1, 0, 0);
    assert_eq!(
        common::keys(&mut c),
        Vec::<String>::new(),
        "nothing to keep"
    );
    let mut last = [0; 8];
    for _ in 0..5 {
        last = run(&mut c, "t:ttl", FOREVER, 0, 0);
    }
    let ttl: i64 = redis::cmd("PTTL").arg("t:ttl").query(&mut c).unwrap();
    let until_last_ms = ((last[1] - last[2]) / 1000) as i64;
    assert!(ttl > 0, "the key has a TTL ({ttl})");
    assert!(
        ttl <= until_last_ms + (GRACE / 1000) as i64 + 1,
        "ttl {ttl} ms, last slot in {until_last_ms} ms"
    );
    assert!(
        ttl >= until_last_ms,
        "ttl {ttl} ms, last slot in {until_last_ms} ms"
    );
}

#[test]
fn a_wild_pause_is_capped_and_every_number_stays_one_redis_can_return() {
    let server = RedisServer::start();
    let mut c = inspect(&server);
    let [_, _, now, ..] = run(&mut c, "t:cap", FOREVER, 0, 0);
    let cap = 60_000_000;
    for wild in ["18446744073709551615", "1e300", "inf", "-5", "nan", "12abc"] {
        let reply: Vec<i64> = Script::new(cocoon_limiter_redis::SCRIPT)
            .key("t:cap")
            .arg(PERIOD_10)
            .arg(wild)
            .arg(wild)
            .arg(wild)
            .arg(GRACE)
            .arg(wild)
            .arg(cap)
            .arg(0)
            .arg(0)
            .arg("")
            .arg(0)
            .arg(wild)
            .arg(wild)
            .arg(format!("{wild},{wild}"))
            .invoke(&mut c)
            .expect("the script runs on any argument");
        assert_eq!(reply.len(), 8, "{wild}: {reply:?}");
        assert!(reply.iter().all(|n| *n >= 0), "{wild}: {reply:?}");
    }
    let (_, _, pause) = bucket(&mut c, "t:cap");
    assert!(
        pause <= now + cap + 5_000_000,
        "the stored pause {pause} is within the cap of now {now}"
    );
    // A pause stored beyond the cap (by an older limiter, say) is cut on the next run.
    let _: () = redis::cmd("HSET")
        .arg("t:cap")
        .arg("pause")
        .arg("4000000000000000")
        .query(&mut c)
        .unwrap();
    let mut args = Args::new(-1);
    args.max_pause = cap;
    let [_, _, _, _, pause, ..] = call(&mut c, "t:cap", &args);
    assert!(pause <= now + cap + 5_000_000, "{pause}");
}

#[test]
fn a_slot_given_back_goes_to_the_next_reservation() {
    let server = RedisServer::start();
    let mut c = inspect(&server);
    let slots: Vec<u64> = (0..4)
        .map(|_| run(&mut c, "t:rel", FOREVER, 0, 0)[1])
        .collect();
    let mut args = Args::new(FOREVER);
    args.releases = format!("{},{}", slots[2], slots[1]);
    let [granted, slot, ..] = call(&mut c, "t:rel", &args);
    assert_eq!((granted, slot), (1, slots[1]), "the earliest hole first");
    assert_eq!(run(&mut c, "t:rel", FOREVER, 0, 0)[1], slots[2]);
    assert_eq!(run(&mut c, "t:rel", FOREVER, 0, 0)[1], slots[3] + PERIOD_10);
    // A slot never handed out, or long past, is no hole.
    let mut args = Args::new(-1);
    args.releases = format!("{},{}", slots[3] + 50 * PERIOD_10, 1);
    call(&mut c, "t:rel", &args);
    assert_eq!(
        run(&mut c, "t:rel", FOREVER, 0, 0)[1],
        slots[3] + 2 * PERIOD_10
    );
}

#[test]
fn a_lost_bucket_is_seeded_again_from_the_slots_callers_hold() {
    let server = RedisServer::start();
    let mut c = inspect(&server);
    let mut held = 0;
    for _ in 0..20 {
        held = run(&mut c, "t:seed", FOREVER, 0, 0)[1];
    }
    let _: () = redis::cmd("FLUSHALL").query(&mut c).unwrap();
    let mut args = Args::new(FOREVER);
    args.seed = held;
    let [granted, slot, .., last] = call(&mut c, "t:seed", &args);
    assert_eq!((granted, slot), (1, held + PERIOD_10));
    assert_eq!(last, slot, "the answer names the bucket's latest slot");
    // A seed behind the bucket changes nothing.
    args.seed = held - PERIOD_10;
    assert_eq!(call(&mut c, "t:seed", &args)[1], held + 2 * PERIOD_10);
}

#[test]
fn a_lost_bucket_is_seeded_past_the_slots_the_caller_thinks_others_took_since() {
    let server = RedisServer::start();
    let mut c = inspect(&server);
    let mut held = 0;
    for _ in 0..5 {
        held = run(&mut c, "t:lost", FOREVER, 0, 0)[1];
    }
    let mut args = Args::new(FOREVER);
    args.seed = held;
    args.seed_if_lost = held + 3 * PERIOD_10;
    // The bucket is there: its own latest slot counts, not the caller's estimate.
    let held = call(&mut c, "t:lost", &args)[1];
    assert_eq!(held, args.seed + PERIOD_10);
    let _: () = redis::cmd("FLUSHALL").query(&mut c).unwrap();
    args.seed = held;
    args.seed_if_lost = held + 3 * PERIOD_10;
    assert_eq!(call(&mut c, "t:lost", &args)[1], held + 4 * PERIOD_10);
}

#[test]
fn the_schedule_keeps_to_the_callers_time_when_the_clock_jumps() {
    let server = RedisServer::start();
    let mut c = inspect(&server);
    let [_, first, now, ..] = run(&mut c, "t:jump", FOREVER, 0, 0);
    // Callers who think it is 5 s later (the clock jumped back by 5 s): the schedule moves on
    // with them, and the next slot is not 5 s away.
    let mut args = Args::new(FOREVER);
    args.expect = now + 5_000_000;
    let [granted, slot, later, ..] = call(&mut c, "t:jump", &args);
    assert_eq!(granted, 1);
    assert!(later >= now + 5_000_000, "{later} {now}");
    assert!(slot - later <= PERIOD_10, "{slot} {later}");
    // Without an estimate, the schedule's clock never runs back.
    let [_, next, again, ..] = run(&mut c, "t:jump", FOREVER, 0, 0);
    assert!(again >= later);
    assert_eq!(next, slot + PERIOD_10);
    // Callers who think it is 5 s earlier (a jump forward): the slots already handed out are
    // not handed out again.
    args.expect = again - 5_000_000;
    let [_, back, ..] = call(&mut c, "t:jump", &args);
    assert_eq!(back, next + PERIOD_10);
    assert!(first < back);
}

#[test]
fn processes_are_counted_while_their_presence_lasts() {
    let server = RedisServer::start();
    let mut c = inspect(&server);
    let mut args = Args::new(-1);
    args.presence = 300_000;
    for (process, expected) in [("a", 1), ("b", 2), ("a", 2), ("c", 3)] {
        args.process = process;
        assert_eq!(call(&mut c, "t:who", &args)[5], expected, "{process}");
    }
    std::thread::sleep(std::time::Duration::from_millis(400));
    args.process = "d";
    assert_eq!(
        call(&mut c, "t:who", &args)[5],
        1,
        "the others' presence ended"
    );
}

#[test]
fn a_burst_goes_at_once_and_the_second_keeps_to_the_rate() {
    let server = RedisServer::start();
    let mut c = inspect(&server);
    let mut args = Args::new(FOREVER);
    args.burst = 4;
    let slots: Vec<u64> = (0..25).map(|_| call(&mut c, "t:burst", &args)[1]).collect();
    // The first four go now (as each call comes), the fifth four periods after the first.
    assert!(slots[3] - slots[0] < PERIOD_10, "{slots:?}");
    assert!(slots[4] >= slots[0] + 4 * PERIOD_10, "{slots:?}");
    let window = 10 * PERIOD_10;
    for (i, start) in slots.iter().enumerate() {
        let within = slots[i..].iter().filter(|s| **s < start + window).count();
        assert!(
            within <= 10,
            "{within} slots within {window} us from {start}: {slots:?}"
        );
    }
    assert!(slots.windows(2).all(|w| w[0] <= w[1]));
}
