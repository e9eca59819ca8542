//! A bulk run against a server that is gone (a loopback port nothing listens on): 28 events,
//! the default retry policy (4 attempts per row, connections never established are always
//! retried), once running every row to its end and once with
//! `stop_after_consecutive_failures(3)`. Prints how long each run took and how its rows ended.
//!
//! `cargo run --example bulk_dead_server`

use std::net::TcpListener;
use std::time::Instant;

use cocoonmail::events::SendEvent;
use cocoonmail::Error;

const ROWS: usize = 28;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let client = cocoonmail::Client::builder()
        .api_key(cocoon_mock::DEFAULT_API_KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .build()?;
    for stop_after in [None, Some(3)] {
        let rows = (0..ROWS).map(|i| {
            (
                i + 2,
                SendEvent::simple("import", format!("u{i}@example.com")),
            )
        });
        let mut run = client.bulk_tagged(rows).concurrency(2);
        if let Some(n) = stop_after {
            run = run.stop_after_consecutive_failures(n);
        }
        let started = Instant::now();
        let mut outcomes = run.stream();
        let (mut failed, mut not_tried, mut reported) = (0, 0, 0);
        while let Some(outcome) = outcomes.next().await {
            reported += 1;
            match outcome.result {
                Err(Error::NotTried(_)) => not_tried += 1,
                Err(_) => failed += 1,
                Ok(_) => {}
            }
        }
        let label = match stop_after {
            None => "every row to its end".to_owned(),
            Some(n) => format!("stop_after_consecutive_failures({n})"),
        };
        println!(
            "{label:38} {:>5.1} s  {reported} rows reported: {failed} failed, {not_tried} not tried",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
