//! Through the real `cocoonmail` clients against the fake server: a 429 one client hears holds
//! back another client that shares the budget through Redis, async and blocking either way.

mod common;

use std::sync::Arc;
use std::time::Duration;

use cocoon_limiter_redis::{blocking, RedisLimiter};
use cocoon_mock::{Fault, JournalEntry, MockServer, RateLimit};
use cocoonmail::events::SendEvent;
use common::{bucket, builder, eventually, inspect, RedisServer, KEY};

const SEND: &str = "/webhook/event/send";

fn mock() -> MockServer {
    MockServer::builder()
        .rate_limit(RateLimit::PerSecond(10))
        .strict_window(true)
        .start()
        .expect("the fake server starts")
}

fn async_client(server: &MockServer, limiter: &RedisLimiter) -> cocoonmail::Client {
    cocoonmail::Client::builder()
        .api_key(KEY)
        .base_url(server.base_url())
        .rate_limiter(Arc::new(limiter.clone()))
        .build()
        .unwrap()
}

fn blocking_client(
    server: &MockServer,
    limiter: &blocking::RedisLimiter,
) -> cocoonmail::blocking::Client {
    cocoonmail::blocking::Client::builder()
        .api_key(KEY)
        .base_url(server.base_url())
        .rate_limiter(Arc::new(limiter.clone()))
        .build()
        .unwrap()
}

fn event(email: &str) -> SendEvent {
    SendEvent::simple("signup", email)
}

fn entry_for<'a>(journal: &'a [JournalEntry], email: &str, status: u16) -> &'a JournalEntry {
    journal
        .iter()
        .find(|e| {
            e.status() == Some(status)
                && e.json()
                    .and_then(|j| j["email"].as_str().map(str::to_owned))
                    .as_deref()
                    == Some(email)
        })
        .unwrap_or_else(|| panic!("no {status} for {email} in the journal"))
}

/// The 429 was answered at the fake server, the pause is in Redis: the other client's request
/// arrives no sooner than the pause (one second, from `Retry-After: 1`) after the 429.
fn assert_held_back(server: &MockServer, heard_by: &str, held: &str) {
    let journal = server.journal();
    let limited = entry_for(&journal, heard_by, 429);
    let retried = entry_for(&journal, heard_by, 201);
    let other = entry_for(&journal, held, 201);
    let held_for = other.received_at.duration_since(limited.received_at);
    assert!(
        held_for >= Duration::from_millis(980),
        "the other client went {held_for:?} after the 429"
    );
    assert!(retried.received_at > limited.received_at);
    assert_eq!(
        journal.iter().filter(|e| e.status() == Some(429)).count(),
        1
    );
}

/// Waits until the pause is in Redis.
fn wait_for_shared_pause(redis: &RedisServer, key: &str) {
    let mut connection = inspect(redis);
    assert!(
        eventually(Duration::from_secs(10), || bucket(&mut connection, key).2
            > 0),
        "the pause reached Redis"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_heard_by_the_async_client_pauses_the_blocking_one() {
    let redis = RedisServer::start();
    let server = mock();
    let hears = builder(&redis).build().unwrap();
    let held = builder(&redis).build_blocking().unwrap();
    let async_client = async_client(&server, &hears);
    let blocking_client = blocking_client(&server, &held);

    server.script("POST", SEND, [Fault::rate_limited(1)]);
    let first = tokio::spawn({
        let client = async_client.clone();
        async move { client.events().send(event("heard@example.com")).await }
    });
    wait_for_shared_pause(&redis, hears.key_name());
    tokio::task::spawn_blocking(move || {
        blocking_client
            .events()
            .send(event("held@example.com"))
            .unwrap()
    })
    .await
    .unwrap();
    first.await.unwrap().unwrap();

    assert_held_back(&server, "heard@example.com", "held@example.com");
    let stats = hears.stats();
    assert_eq!((stats.rate_limited, stats.pauses_shared), (1, 1));
    assert!(hears.is_shared() && held.is_shared());
}

#[test]
fn a_429_heard_by_the_blocking_client_pauses_the_async_one() {
    let redis = RedisServer::start();
    let server = mock();
    let hears = builder(&redis).build_blocking().unwrap();
    let held = builder(&redis).build().unwrap();
    let blocking_client = blocking_client(&server, &hears);

    server.script("POST", SEND, [Fault::rate_limited(1)]);
    let first = std::thread::spawn(move || {
        blocking_client
            .events()
            .send(event("heard@example.com"))
            .map(|_| ())
    });
    wait_for_shared_pause(&redis, hears.key_name());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        async_client(&server, &held)
            .events()
            .send(event("held@example.com"))
            .await
            .unwrap()
    });
    first.join().unwrap().unwrap();

    assert_held_back(&server, "heard@example.com", "held@example.com");
    let stats = hears.stats();
    assert_eq!((stats.rate_limited, stats.pauses_shared), (1, 1));
}
