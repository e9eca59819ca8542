//! How long a handful of calls takes on a client that has been idle, paced (the default) and
//! with a burst: with `.burst(10)` the five go at once; paced, they leave 103 ms apart.
//!
//! ```text
//! cargo run --release --example burst                 # five calls, burst 1 and burst 10
//! cargo run --release --example burst -- --calls 10 --rounds 5
//! ```
//!
//! It starts `cocoon-mock` in-process on loopback (a strict sliding-window server at 10
//! requests per second), warms the connection pool, lets the client sit idle for a second,
//! then sends `--calls` events concurrently and reports how long the last took to finish.

use std::time::{Duration, Instant};

use clap::Parser;
use cocoon_mock::{MockServer, RateLimit, DEFAULT_API_KEY};
use cocoonmail::events::SendEvent;
use cocoonmail::Client;

/// Time a few concurrent calls on an idle client, paced and with a burst.
#[derive(Debug, Parser)]
#[command(name = "burst")]
struct Options {
    /// Calls sent at once after the idle second.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=10))]
    calls: u32,
    /// How many idle-then-send rounds per setting.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    rounds: u32,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = Options::parse();
    let server = MockServer::builder()
        .rate_limit(RateLimit::PerSecond(10))
        .strict_window(true)
        .start()?;
    for burst in [1, 10] {
        let client = Client::builder()
            .api_key(DEFAULT_API_KEY)
            .base_url(server.base_url())
            .burst(burst)
            .build()?;
        // Open the connections the calls will use, then let the server's window empty.
        send_at_once(&client, options.calls, 0).await?;
        for round in 1..=options.rounds {
            tokio::time::sleep(Duration::from_millis(1100)).await;
            let start = Instant::now();
            send_at_once(&client, options.calls, round).await?;
            println!(
                "burst {burst:>2}: {} calls on a client idle for a second finished in {:.1} ms",
                options.calls,
                start.elapsed().as_secs_f64() * 1000.0
            );
        }
    }
    let limited = server
        .journal()
        .iter()
        .filter(|entry| entry.status() == Some(429))
        .count();
    println!("429 answers: {limited}");
    Ok(())
}

async fn send_at_once(client: &Client, calls: u32, round: u32) -> Result<(), cocoonmail::Error> {
    let sends = (0..calls).map(|i| {
        let event = SendEvent::simple("burst", format!("burst.{round}.{i}@example.com"));
        client.events().send(event)
    });
    for result in futures_util::future::join_all(sends).await {
        result?;
    }
    Ok(())
}
