//! No answer can wedge a client: a 429 whose `Retry-After` is twenty digits (or a date in
//! year 9999) fails at most the call that got it, and pauses the others no longer than the
//! client's `max_server_pause`.

mod support;

use std::time::{Duration, Instant};

use cocoon_mock::{Fault, MockServer};
use cocoonmail::events::SendEvent;
use cocoonmail::{Error, LimiterErrorKind};
use support::KEY;

const FOREVER: &str = "18446744073709551615";

fn server_whose_first_answer_is(retry_after: &str) -> MockServer {
    let server = support::mock();
    server.script(
        "POST",
        "/webhook/event/send",
        [Fault::RateLimited {
            retry_after: Some(retry_after.to_owned()),
        }],
    );
    server
}

fn event(i: usize) -> SendEvent {
    SendEvent::simple("signup", format!("user{i}@example.com"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_asking_for_ever_fails_one_call_and_the_next_ones_go_after_the_cap() {
    for retry_after in [FOREVER, "Fri, 31 Dec 9999 23:59:59 GMT"] {
        let server = server_whose_first_answer_is(retry_after);
        let client = cocoonmail::Client::builder()
            .api_key(KEY)
            .base_url(server.base_url())
            .max_server_pause(Duration::from_millis(500))
            .build()
            .unwrap();
        let first = client.events().send(event(0)).await;
        assert!(first.is_err(), "the 429 is not retried for ever");
        let start = Instant::now();
        for i in 1..=5 {
            client.events().send(event(i)).await.unwrap();
        }
        let took = start.elapsed();
        println!("Retry-After {retry_after:?}: five calls after the 429 took {took:?}");
        // 500 ms of pause and four periods of 103 ms: generous on a busy machine.
        assert!(took < Duration::from_secs(5), "{took:?}");
    }
}

#[test]
fn the_blocking_client_is_not_wedged_either() {
    let server = server_whose_first_answer_is(FOREVER);
    let client = cocoonmail::blocking::Client::builder()
        .api_key(KEY)
        .base_url(server.base_url())
        .max_server_pause(Duration::from_millis(500))
        .build()
        .unwrap();
    assert!(client.events().send(event(0)).is_err());
    let start = Instant::now();
    for i in 1..=5 {
        client.events().send(event(i)).unwrap();
    }
    let took = start.elapsed();
    println!("five blocking calls after the 429 took {took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_the_pause_is_capped_at_a_minute() {
    let server = server_whose_first_answer_is(FOREVER);
    let client = cocoonmail::Client::builder()
        .api_key(KEY)
        .base_url(server.base_url())
        .max_limiter_wait(Duration::from_secs(1))
        .build()
        .unwrap();
    assert!(client.events().send(event(0)).await.is_err());
    let Err(Error::Limiter(refused)) = client.events().send(event(1)).await else {
        panic!("the next call is refused by the limiter, not wedged");
    };
    let LimiterErrorKind::WaitTooLong { wait, .. } = refused.kind else {
        panic!("{refused:?}");
    };
    assert!(
        wait <= cocoonmail::core::DEFAULT_MAX_SERVER_PAUSE,
        "{wait:?}"
    );
    assert!(wait > Duration::from_secs(50), "{wait:?}");
}
