//! The limiters on a real three-node Redis Cluster: any node's URL leads to the one bucket
//! (`MOVED` followed, not taken for an outage), the strict fake server sees the team's rate and
//! no 429, and killing the node that owns the bucket's slot sends the limiters to their local
//! budget until the node is back.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use cocoon_core::limiter::{AsyncRateLimiter, RateLimiter};
use cocoon_limiter_redis::{Mode, RedisLimiter, Topology};
use cocoon_mock::{MockServer, RateLimit};
use cocoonmail::events::SendEvent;
use common::cluster::Cluster;
use common::{eventually, KEY};

const LONG: Duration = Duration::from_secs(3600);

fn builder(url: String) -> cocoon_limiter_redis::RedisLimiterBuilder {
    RedisLimiter::builder(url)
        .api_key(KEY)
        .probe_interval(Duration::from_millis(200))
}

fn strict_mock() -> MockServer {
    MockServer::builder()
        .rate_limit(RateLimit::PerSecond(10))
        .strict_window(true)
        .start()
        .expect("the fake server starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limiters_on_different_nodes_share_one_budget_at_the_full_rate_with_no_429() {
    let cluster = Cluster::start();
    let server = strict_mock();
    // Two async processes and a blocking one, each given a different node: at most one of
    // them is the node owning the bucket, the others answer MOVED.
    let first = builder(cluster.url(0)).build().unwrap();
    let second = builder(cluster.url(1)).build().unwrap();
    let third = builder(cluster.url(2)).build_blocking().unwrap();
    let async_client = |limiter: &RedisLimiter| {
        cocoonmail::Client::builder()
            .api_key(KEY)
            .base_url(server.base_url())
            .rate_limiter(Arc::new(limiter.clone()))
            .build()
            .unwrap()
    };
    let blocking_client = cocoonmail::blocking::Client::builder()
        .api_key(KEY)
        .base_url(server.base_url())
        .rate_limiter(Arc::new(third.clone()))
        .build()
        .unwrap();
    let async_clients = [async_client(&first), async_client(&second)];
    // Each client's first request also opens its connection to the server, so it leaves late
    // for its slot: one request each first, out of the measured window.
    for client in &async_clients {
        client
            .events()
            .send(SendEvent::simple("warm", "warm@example.com"))
            .await
            .unwrap();
    }
    let blocking_client = tokio::task::spawn_blocking(move || {
        blocking_client
            .events()
            .send(SendEvent::simple("warm", "warm@example.com"))
            .unwrap();
        blocking_client
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let measured_from = Instant::now();

    // Few requests, so a process descheduled past the safety margin (30 ms) on a busy machine
    // is unlikely to put 11 arrivals in one second: the server sees departures, the limiter
    // spaces reservations (see the crate docs).
    const EACH: usize = 4;
    let mut tasks = Vec::new();
    for (n, client) in async_clients.into_iter().enumerate() {
        for i in 0..EACH {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                let email = format!("a{n}-{i}@example.com");
                client
                    .events()
                    .send(SendEvent::simple("signup", email))
                    .await
            }));
        }
    }
    let blocking = tokio::task::spawn_blocking(move || {
        (0..EACH)
            .map(|i| {
                blocking_client
                    .events()
                    .send(SendEvent::simple("signup", format!("b-{i}@example.com")))
            })
            .collect::<Vec<_>>()
    });
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    for result in blocking.await.unwrap() {
        result.unwrap();
    }

    let journal = server.journal();
    let limited = journal.iter().filter(|e| e.status() == Some(429)).count();
    let shown: Vec<String> = journal
        .iter()
        .map(|e| {
            let at = e.received_at.saturating_duration_since(measured_from);
            format!("{:?}@{}ms", e.status(), at.as_millis())
        })
        .collect();
    assert_eq!(limited, 0, "429s from the strict server: {shown:?}");
    let arrivals: Vec<Instant> = journal
        .iter()
        .map(|e| e.received_at)
        .filter(|at| *at >= measured_from)
        .collect();
    assert_eq!(arrivals.len(), 3 * EACH);
    let (Some(start), Some(end)) = (arrivals.iter().min(), arrivals.iter().max()) else {
        unreachable!()
    };
    let rate = (arrivals.len() - 1) as f64 / end.duration_since(*start).as_secs_f64();
    assert!(rate >= 9.5, "{rate:.2} requests per second");
    for at in &arrivals {
        let within = arrivals
            .iter()
            .filter(|b| **b >= *at && b.duration_since(*at) < Duration::from_secs(1))
            .count();
        assert!(within <= 10, "{within} requests within one second");
    }
    for stats in [first.stats(), second.stats(), third.stats()] {
        assert_eq!(stats.mode, Mode::Shared);
        assert_eq!(stats.fallbacks, 0, "{stats:?}");
        assert_eq!(stats.shared_permits, EACH as u64 + 1, "{stats:?}");
    }
    // One bucket, on the node owning its slot.
    assert!(cluster.hget(first.key_name(), "last").is_some());
}

#[test]
fn the_blocking_limiter_falls_back_while_the_owning_node_is_down_and_returns_after() {
    let mut cluster = Cluster::start();
    let limiter = builder(cluster.url(0)).build_blocking().unwrap();
    limiter.reserve(LONG).unwrap();
    assert!(limiter.is_shared());
    let owner = cluster.owner_of(limiter.key_name());
    cluster.kill(owner);
    // The slot has no node (no replica to promote): local budget, not an error.
    assert!(
        eventually(Duration::from_secs(30), || {
            limiter.reserve(LONG).unwrap();
            limiter.mode() == Mode::Fallback
        }),
        "{:?}",
        limiter.stats()
    );
    assert!(limiter.stats().fallbacks >= 1);
    cluster.restart(owner);
    assert!(
        cluster.wait_ok(Duration::from_secs(30)),
        "the cluster heals"
    );
    assert!(
        eventually(Duration::from_secs(30), || {
            limiter.reserve(LONG).unwrap();
            limiter.is_shared()
        }),
        "back on the shared budget: {:?}",
        limiter.stats()
    );
    assert!(limiter.stats().returns >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_async_limiter_falls_back_while_the_owning_node_is_down_and_returns_after() {
    let mut cluster = Cluster::start();
    // Forced to a cluster: no INFO asked.
    let limiter = builder(cluster.url(1))
        .topology(Topology::Cluster)
        .build()
        .unwrap();
    AsyncRateLimiter::reserve(&limiter, LONG).await.unwrap();
    assert!(limiter.is_shared());
    let owner = cluster.owner_of(limiter.key_name());
    cluster.kill(owner);
    let deadline = Instant::now() + Duration::from_secs(30);
    while limiter.mode() != Mode::Fallback && Instant::now() < deadline {
        AsyncRateLimiter::reserve(&limiter, LONG).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(limiter.mode(), Mode::Fallback, "{:?}", limiter.stats());
    cluster.restart(owner);
    assert!(
        cluster.wait_ok(Duration::from_secs(30)),
        "the cluster heals"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !limiter.is_shared() && Instant::now() < deadline {
        AsyncRateLimiter::reserve(&limiter, LONG).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(limiter.is_shared(), "{:?}", limiter.stats());
    assert!(limiter.stats().returns >= 1);
}

#[test]
fn a_limiter_forced_to_one_server_on_a_cluster_node_sees_the_redirect_as_a_failure() {
    let cluster = Cluster::start();
    let probe = builder(cluster.url(0)).build_blocking().unwrap();
    let owner = cluster.owner_of(probe.key_name());
    let other = (owner + 1) % 3;
    let limiter = builder(cluster.url(other))
        .topology(Topology::Standalone)
        .build_blocking()
        .unwrap();
    limiter.reserve(LONG).unwrap();
    assert_eq!(limiter.mode(), Mode::Fallback, "MOVED is not followed");
    // The same URL, detected, follows it.
    let detected = builder(cluster.url(other)).build_blocking().unwrap();
    detected.reserve(LONG).unwrap();
    assert!(detected.is_shared(), "{:?}", detected.stats());
}
