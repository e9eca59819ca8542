//! The client's limiter hears the server: a 429 pauses every caller of the client, not just the
//! one that got it; and a call that would queue past `max_limiter_wait` fails at once with a
//! typed error instead of waiting, sending nothing.

mod support;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use cocoon_mock::{Fault, MockServer};
use cocoonmail::events::SendEvent;
use cocoonmail::{Error, LimiterErrorKind, TransportError};
use http::{Request, Response};
use support::KEY;

/// What a transport wrapper saw: when each request left, and when the 429 came back.
#[derive(Default)]
struct Timeline {
    sends: Vec<Instant>,
    limited_at: Option<Instant>,
}

type Shared = Arc<Mutex<Timeline>>;

fn lock(timeline: &Shared) -> std::sync::MutexGuard<'_, Timeline> {
    timeline.lock().unwrap_or_else(PoisonError::into_inner)
}

fn note_send(timeline: &Shared) {
    lock(timeline).sends.push(Instant::now());
}

fn note_answer(timeline: &Shared, answer: &Result<Response<Vec<u8>>, TransportError>) {
    if matches!(answer, Ok(r) if r.status() == 429) {
        lock(timeline).limited_at.get_or_insert(Instant::now());
    }
}

/// A server whose first event send is answered 429 with `Retry-After: 1`.
fn server_with_one_429() -> MockServer {
    let server = MockServer::builder()
        .rate_limit(cocoon_mock::RateLimit::Off)
        .start()
        .expect("start the fake server");
    server.script("POST", "/webhook/event/send", [Fault::rate_limited(1)]);
    server
}

/// No request left the client between shortly after the 429 came back and the end of the
/// one-second pause it asked for. (A request that had already passed the limiter when the 429
/// arrived may leave just after it: those few milliseconds are allowed.)
fn assert_paused(timeline: &Shared) {
    let timeline = lock(timeline);
    let limited_at = timeline.limited_at.expect("the server answered 429");
    let quiet_from = limited_at + Duration::from_millis(50);
    let quiet_until = limited_at + Duration::from_millis(1000);
    let during: Vec<Duration> = timeline
        .sends
        .iter()
        .filter(|t| **t > quiet_from && **t < quiet_until)
        .map(|t| t.duration_since(limited_at))
        .collect();
    assert!(
        during.is_empty(),
        "requests left during the pause, at these times after the 429: {during:?}"
    );
    let after = timeline.sends.iter().filter(|t| **t >= quiet_until).count();
    assert!(
        after >= 5,
        "the calls went on after the pause ({after} did)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_pauses_every_task_of_an_async_client() {
    let server = server_with_one_429();
    let timeline = Shared::default();
    let inner = Arc::new(cocoonmail::reqwest_transport::ReqwestTransport::new().unwrap());
    let seen = Arc::clone(&timeline);
    let transport = move |request: Request<Vec<u8>>| {
        let inner = Arc::clone(&inner);
        let seen = Arc::clone(&seen);
        async move {
            note_send(&seen);
            let answer = cocoonmail::AsyncTransport::send(&*inner, request).await;
            note_answer(&seen, &answer);
            answer
        }
    };
    let client = cocoonmail::Client::builder()
        .api_key(KEY)
        .base_url(server.base_url())
        .build_with_transport(transport)
        .unwrap();

    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .events()
                    .send(SendEvent::simple("pause", format!("p{i}@example.com")))
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_paused(&timeline);
}

#[test]
fn a_429_pauses_every_thread_of_a_blocking_client() {
    let server = server_with_one_429();
    let timeline = Shared::default();
    let inner = cocoonmail::ureq_transport::UreqTransport::new().unwrap();
    let seen = Arc::clone(&timeline);
    let transport = move |request: Request<Vec<u8>>| {
        note_send(&seen);
        let answer = cocoonmail::BlockingTransport::send(&inner, request);
        note_answer(&seen, &answer);
        answer
    };
    let client = cocoonmail::blocking::Client::builder()
        .api_key(KEY)
        .base_url(server.base_url())
        .build_with_transport(transport)
        .unwrap();

    std::thread::scope(|scope| {
        for i in 0..12 {
            let client = &client;
            scope.spawn(move || {
                client
                    .events()
                    .send(SendEvent::simple("pause", format!("p{i}@example.com")))
                    .unwrap()
            });
        }
    });
    assert_paused(&timeline);
}

/// Twenty callers at once with a bound of 500 ms: the first few get permits (103 ms apart),
/// the rest are refused at once, and nothing was sent for them.
fn assert_bounded(results: Vec<Result<(), Error>>, server: &MockServer) {
    let sent = results.iter().filter(|r| r.is_ok()).count();
    let refused: Vec<&Error> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!((4..=7).contains(&sent), "{sent} calls got a permit");
    assert_eq!(sent + refused.len(), 20);
    for error in &refused {
        match error {
            Error::Limiter(e) => {
                assert!(
                    matches!(e.kind, LimiterErrorKind::WaitTooLong { max_wait, .. }
                        if max_wait == Duration::from_millis(500)),
                    "{e:?}"
                );
            }
            other => panic!("expected a limiter error, got {other:?}"),
        }
        assert_eq!(error.attempts(), 0);
        assert!(error.request_was_not_processed());
        assert!(!error.is_retryable());
    }
    assert_eq!(server.journal().len(), sent, "a refused call sent nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_past_the_bound_fails_at_once_in_the_async_client() {
    let server = support::mock();
    let client = cocoonmail::Client::builder()
        .api_key(KEY)
        .base_url(server.base_url())
        .max_limiter_wait(Duration::from_millis(500))
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                let event = SendEvent::simple("bounded", format!("b{i}@example.com"));
                client.events().send(event).await.map(drop)
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    assert_bounded(results, &server);
}

#[test]
fn a_wait_past_the_bound_fails_at_once_in_the_blocking_client() {
    let server = support::mock();
    let client = cocoonmail::blocking::Client::builder()
        .api_key(KEY)
        .base_url(server.base_url())
        .max_limiter_wait(Duration::from_millis(500))
        .build()
        .unwrap();
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..20)
            .map(|i| {
                let client = &client;
                scope.spawn(move || {
                    let event = SendEvent::simple("bounded", format!("b{i}@example.com"));
                    client.events().send(event).map(drop)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    assert_bounded(results, &server);
}
