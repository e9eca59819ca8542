//! How long a call takes when the server is slower than the call's deadline: `timeout(200 ms)`
//! against a server answering in 800 ms, with both clients, a read (retried on timeouts) and a
//! send. Prints one line per call; each should end shortly after 200 ms.
//!
//! `cargo run --release --example deadline`

use std::time::{Duration, Instant};

use cocoon_mock::{Fault, MockServer, RateLimit, DEFAULT_API_KEY};
use cocoonmail::events::SendEvent;

const TIMEOUT: Duration = Duration::from_millis(200);
const SLOW: Duration = Duration::from_millis(800);

fn slow_server() -> MockServer {
    let server = MockServer::builder()
        .rate_limit(RateLimit::Off)
        .start()
        .expect("start the fake server");
    server.script(
        "GET",
        "/webhook/api_key/validate/",
        vec![Fault::Delay(SLOW); 64],
    );
    server.script("POST", "/webhook/event/send", vec![Fault::Delay(SLOW); 64]);
    server
}

fn report(client: &str, call: &str, took: Duration, error: Option<cocoonmail::Error>) {
    let outcome = match error {
        Some(error) => format!("{error}"),
        None => "ok".to_owned(),
    };
    println!(
        "{client:8} {call:6} {:>6.0} ms  {outcome}",
        took.as_secs_f64() * 1000.0
    );
}

#[tokio::main]
async fn main() -> Result<(), cocoonmail::Error> {
    let server = slow_server();
    let client = cocoonmail::Client::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(server.base_url())
        .timeout(TIMEOUT)
        .build()?;
    for _ in 0..3 {
        let started = Instant::now();
        let error = client.keys().validate().await.err();
        report("async", "read", started.elapsed(), error);
        let started = Instant::now();
        let event = SendEvent::simple("signup", "ada@example.com");
        let error = client.events().send(event).await.err();
        report("async", "send", started.elapsed(), error);
    }

    let blocking = cocoonmail::blocking::Client::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(server.base_url())
        .timeout(TIMEOUT)
        .build()?;
    tokio::task::spawn_blocking(move || {
        for _ in 0..3 {
            let started = Instant::now();
            let error = blocking.keys().validate().err();
            report("blocking", "read", started.elapsed(), error);
            let started = Instant::now();
            let event = SendEvent::simple("signup", "ada@example.com");
            let error = blocking.events().send(event).err();
            report("blocking", "send", started.elapsed(), error);
        }
    })
    .await
    .expect("the blocking calls");
    Ok(())
}
