//! The Lua script on a real Redis, read through the slots it returns in server time: first come
//! first served and spaced, refusals that use nothing up, pauses that move the slots to come,
//! keys that expire.

mod common;

use common::{bucket, inspect, RedisServer, PERIOD_10};
use redis::Script;

const FOREVER: i64 = 3_600_000_000;
const GRACE: u64 = 1_000_000;

/// `{granted, slot, now, shift, pause}`.
fn run(
    connection: &mut redis::Connection,
    key: &str,
    max_wait: i64,
    pause_until: u64,
    after: u64,
) -> [u64; 5] {
    run_with_floor(connection, key, max_wait, pause_until, after, 0)
}

fn run_with_floor(
    connection: &mut redis::Connection,
    key: &str,
    max_wait: i64,
    pause_until: u64,
    after: u64,
    floor: u64,
) -> [u64; 5] {
    let reply: Vec<u64> = Script::new(cocoon_limiter_redis::SCRIPT)
        .key(key)
        .arg(PERIOD_10)
        .arg(max_wait)
        .arg(pause_until)
        .arg(after)
        .arg(GRACE)
        .arg(floor)
        .invoke(connection)
        .expect("the script runs");
    reply.try_into().expect("five integers")
}

#[test]
fn slots_are_first_come_first_served_one_period_apart_across_connections() {
    let server = RedisServer::start();
    let mut first = inspect(&server);
    let mut second = inspect(&server);
    let mut slots = Vec::new();
    for i in 0..10 {
        let connection = if i % 2 == 0 { &mut first } else { &mut second };
        let [granted, slot, now, _, _] = run(connection, "t:fcfs", FOREVER, 0, 0);
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
    let [granted, _, now, shift, pause] = run(&mut c, "t:pause", -1, 0, 0);
    assert_eq!((granted, shift, pause), (0, 0, 0));
    let until = now + 2_000_000;
    let [granted, _, now, shift, pause] = run(&mut c, "t:pause", -1, until, 0);
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
    let [.., shift_again, pause_again] = run(&mut c, "t:pause", -1, until - 1, 0);
    assert_eq!((shift_again, pause_again), (shift, until));
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
    let [granted, slot, _, shift, pause] = run_with_floor(&mut c, "t:floor", FOREVER, 0, 0, floor);
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
    let mut last = [0; 5];
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
