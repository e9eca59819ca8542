//! A caller that gives up before its turn gives its slot back: callers cancelled by a
//! timeout, an aborted task or a dropped bulk stream leave no queue behind them.

mod support;

use std::time::{Duration, Instant};

use cocoonmail::events::SendEvent;

fn event(i: usize) -> SendEvent {
    SendEvent::simple("signup", format!("user{i}@example.com"))
}

/// A client paced at the default 10/s against a server without a limit of its own.
fn client(server: &cocoon_mock::MockServer) -> cocoonmail::Client {
    cocoonmail::Client::builder()
        .api_key(support::KEY)
        .base_url(server.base_url())
        .build()
        .unwrap()
}

/// How long one more call takes once the others have given up.
async fn next_call(client: &cocoonmail::Client) -> Duration {
    let start = Instant::now();
    client.events().send(event(10_000)).await.unwrap();
    start.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_callers_timed_out_leave_no_queue() {
    let server = support::mock();
    let client = client(&server);
    let callers: Vec<_> = (0..100)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                tokio::time::timeout(Duration::from_millis(300), client.events().send(event(i)))
                    .await
            })
        })
        .collect();
    let mut timed_out = 0;
    for caller in callers {
        if caller.await.unwrap().is_err() {
            timed_out += 1;
        }
    }
    assert!(timed_out >= 90, "only {timed_out} timed out");
    let took = next_call(&client).await;
    println!("{timed_out} callers timed out; the next call took {took:?}");
    // Without the slots given back it would queue behind them for about ten seconds.
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborted_tasks_give_their_slots_back() {
    let server = support::mock();
    let client = client(&server);
    let callers: Vec<_> = (0..100)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { client.events().send(event(i)).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    for caller in &callers {
        caller.abort();
    }
    for caller in callers {
        let _ = caller.await;
    }
    let took = next_call(&client).await;
    println!("after 100 aborted tasks the next call took {took:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_bulk_stream_gives_its_slots_back() {
    let server = support::mock();
    let client = client(&server);
    let mut stream = client.bulk((0..1000).map(event)).concurrency(64).stream();
    // Take two outcomes: the other 62 in flight are queued in the limiter.
    for _ in 0..2 {
        stream.next().await.unwrap().result.unwrap();
    }
    drop(stream);
    let took = next_call(&client).await;
    println!("after dropping a bulk stream of 64 in flight the next call took {took:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
}
