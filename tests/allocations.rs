//! What a call allocates on top of the work it cannot avoid: the resource path (`client.keys()
//! .validate()`) allocates exactly what `client.send(..)` does, and the client's machinery
//! (limiter, retries, tracing without a subscriber) adds nothing to building the request,
//! the call's deadline (an extension on the request, and in the async client one timer raced
//! against the attempt), the transport's one boxed future and decoding the answer.
//!
//! Allocations are counted by dhat's global allocator in testing mode; each figure is taken
//! after a warm-up call, so one-time growth (the limiter's window, the runtime) is not in it.
//! One test function runs every check in turn, so no other test's allocations mix in.

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use cocoonmail::api_key::ValidateApiKey;
use cocoonmail::core::transport::Deadline;
use cocoonmail::core::{build_request, decode_response};
use cocoonmail::{AsyncTransport, BlockingTransport, TransportError};
use futures_timer::Delay;
use futures_util::future::select;
use http::{Request, Response};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Allocations made by `f` (the process's, but the test runs alone in its binary and the work
/// measured starts no thread).
fn count(f: impl FnOnce()) -> u64 {
    let before = dhat::HeapStats::get().total_blocks;
    f();
    dhat::HeapStats::get().total_blocks - before
}

/// The answer every call gets: `{"success":true}`.
fn answer() -> Response<Vec<u8>> {
    Response::new(br#"{"success":true}"#.to_vec())
}

/// An async transport answering at once, through `async_trait`'s one boxed future.
struct Canned;

#[cocoonmail::async_trait]
impl AsyncTransport for Canned {
    async fn send(&self, _request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        Ok(answer())
    }
}

impl BlockingTransport for Canned {
    fn send(&self, _request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        Ok(answer())
    }
}

/// Polls a future to completion on this thread (it never waits: the transport answers at once
/// and the limiter is off or has a free permit).
fn run<F: Future>(future: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
    runtime.block_on(future)
}

const KEY: &str = cocoon_mock::DEFAULT_API_KEY;

#[test]
fn a_call_allocates_nothing_beyond_its_unavoidable_work() {
    let _profiler = dhat::Profiler::builder().testing().build();
    the_async_client_adds_no_allocation_to_the_work_of_a_call();
    the_local_limiter_adds_no_allocation_either();
    the_blocking_client_adds_no_allocation_to_the_work_of_a_call();
}

fn the_async_client_adds_no_allocation_to_the_work_of_a_call() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    // The default `Client`, over a boxed transport as `build()` makes it.
    let boxed: Box<dyn AsyncTransport> = Box::new(Canned);
    let client: cocoonmail::Client = cocoonmail::Client::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9")
        .no_rate_limit()
        .build_with_transport(boxed)
        .unwrap();
    let config = client.config().clone();

    // The unavoidable work: build, the deadline (on the request, and a timer raced against the
    // transport's boxed future), decode.
    let bare = || {
        runtime.block_on(async {
            let mut request = build_request(&config, &ValidateApiKey::new()).unwrap();
            let deadline = Deadline::after(Duration::from_secs(30));
            deadline.attach(&mut request);
            let send = pin!(AsyncTransport::send(&Canned, request));
            let timer = pin!(Delay::new(deadline.remaining()));
            let sent = select(send, timer).await;
            let response = match sent {
                futures_util::future::Either::Left((response, _)) => response.unwrap(),
                futures_util::future::Either::Right(_) => {
                    unreachable!("the canned answer is immediate")
                }
            };
            decode_response(&ValidateApiKey::new(), response).unwrap()
        });
    };
    let through_send = || {
        runtime
            .block_on(client.send(ValidateApiKey::new()))
            .unwrap();
    };
    let through_resource = || {
        runtime.block_on(client.keys().validate()).unwrap();
    };
    for warm_up in [&bare as &dyn Fn(), &through_send, &through_resource] {
        warm_up();
    }
    let bare = count(bare);
    let send = count(through_send);
    let resource = count(through_resource);
    println!("async call: {bare} allocations for build + transport + decode, {send} through send, {resource} through the resource path");
    assert_eq!(resource, send, "the resource path allocates more than send");
    assert_eq!(
        send, bare,
        "the client adds allocations to build + transport + decode ({bare})"
    );
}

fn the_local_limiter_adds_no_allocation_either() {
    let limited = cocoonmail::Client::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9")
        .rate_limit(1_000_000)
        .build_with_transport(Canned)
        .unwrap();
    let unlimited = cocoonmail::Client::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9")
        .no_rate_limit()
        .build_with_transport(Canned)
        .unwrap();
    let call = |client: &cocoonmail::Client<Canned>| {
        run(client.keys().validate()).unwrap();
    };
    for _ in 0..3 {
        call(&limited);
        call(&unlimited);
    }
    // The runtime each `run` builds costs the same on both sides.
    assert_eq!(count(|| call(&limited)), count(|| call(&unlimited)));
}

fn the_blocking_client_adds_no_allocation_to_the_work_of_a_call() {
    let client = cocoonmail::blocking::Client::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9")
        .build_with_transport(Canned)
        .unwrap();
    let config = client.config().clone();
    let bare = || {
        let mut request = build_request(&config, &ValidateApiKey::new()).unwrap();
        Deadline::after(Duration::from_secs(30)).attach(&mut request);
        let response = BlockingTransport::send(&Canned, request).unwrap();
        decode_response(&ValidateApiKey::new(), response).unwrap();
    };
    let through_resource = || {
        client.keys().validate().unwrap();
    };
    bare();
    through_resource();
    // Far enough apart in time for the 10/s limiter to have a permit free at once.
    std::thread::sleep(std::time::Duration::from_millis(150));
    let bare = count(bare);
    let resource = count(through_resource);
    println!("blocking call: {bare} allocations for build + transport + decode, {resource} through the resource path");
    assert_eq!(resource, bare, "the blocking client adds allocations");
}
