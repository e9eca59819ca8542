//! The core's state machine on virtual time, answer by answer.

use super::*;

#[test]
fn the_local_budget_starts_past_the_others_queued_slots_on_this_processs_own_beat() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let settings = crate::RedisLimiterBuilder::new("redis://127.0.0.1/")
        .bucket("beat")
        .settings()
        .expect("settings");
    let period = settings.period_us;
    let now = std::sync::Arc::new(AtomicU64::new(1_000_000));
    let core = Core::virtual_time(settings, now.clone(), 7);
    // Redis's clock reads as this process's (offset 0): four processes, the bucket's
    // latest slot 2 s ahead, this process's own latest slot half a second ahead.
    let answer = Answer {
        granted: true,
        slot: 1_500_000,
        now: 1_000_000,
        shift: 0,
        pause: 0,
        processes: 4,
        back: 0,
        last: 3_000_000,
    };
    core.heard_redis(&mut core.ledger(), &answer, 1_000_000, 1_000_000);
    core.ledger().bucket.last = Some(1_500_000);
    // Redis fails 200 ms later: the others' queued slots may end 200 ms further on.
    now.store(1_200_000, Ordering::SeqCst);
    let mut ledger = core.ledger();
    core.redis_failed(&mut ledger, 1_200_000, 1_200_000);
    // The slot is seconds away: the caller is told to come back, holding nothing, until it is
    // at most a local period away.
    let local_period = 4 * period;
    let mut at = 1_200_000;
    let mut laters = 0;
    let slot = loop {
        match core.reserve_locally(&mut ledger, at, Duration::from_secs(10)) {
            Step::Later(wait) => {
                laters += 1;
                at += micros(wait);
            }
            Step::Done(Ok(reservation)) => {
                let wait = micros(reservation.wait());
                assert!(wait <= local_period, "held {wait} us ahead");
                break at + wait;
            }
            Step::Done(Err(error)) => panic!("{error}"),
            Step::Ask(_) => panic!("no round trip from the local budget"),
        }
    };
    assert!(laters > 0);
    assert!(slot >= 3_200_000, "{slot}: inside the others' queue");
    assert!(slot < 3_200_000 + local_period, "{slot}: later than needed");
    assert_eq!(
        (slot - 1_500_000) % local_period,
        0,
        "{slot}: off its own beat"
    );
}

#[test]
fn a_lower_count_of_processes_counts_only_once_the_higher_one_is_a_presence_old() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let settings = crate::RedisLimiterBuilder::new("redis://127.0.0.1/")
        .bucket("members")
        .settings()
        .expect("settings");
    let now = std::sync::Arc::new(AtomicU64::new(1_000_000));
    let core = Core::virtual_time(settings, now.clone(), 7);
    let hear = |processes| {
        let at = now.load(Ordering::SeqCst);
        let answer = Answer {
            granted: false,
            slot: 0,
            now: at,
            shift: 0,
            pause: 0,
            processes,
            back: 0,
            last: 0,
        };
        core.heard_redis(&mut core.ledger(), &answer, at, at);
        core.stats().processes
    };
    assert_eq!(hear(8), 8);
    // Redis restarted: the processes register again one by one.
    assert_eq!(hear(1), 8);
    assert_eq!(hear(9), 9, "a higher count counts at once");
    assert_eq!(hear(3), 9);
    now.fetch_add(micros(PRESENCE) + 1, Ordering::SeqCst);
    assert_eq!(hear(2), 2, "the higher count is a presence old");
}
