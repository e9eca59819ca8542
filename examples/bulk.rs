//! Sends many events through one client as fast as its rate limiter allows, and reports the rate
//! it reached and every 429 it met.
//!
//! ```text
//! cargo run --release --example bulk -- --count 200 --concurrency 8              # async
//! cargo run --release --example bulk -- --count 200 --concurrency 8 --blocking   # threads
//! cargo run --release --example bulk -- --count 200 --concurrency 4 --latency-ms 250
//! cargo run --release --example bulk -- --count 100000 --concurrency 8 --no-rate-limit
//! COCOONMAIL_API_KEY=... cargo run --release --example bulk -- --count 50   # your account
//! ```
//!
//! With no `COCOONMAIL_API_KEY` it starts `cocoon-mock` in-process: a strict sliding-window
//! server at 10 requests per second (the documented limit), so a client that ever sends an
//! eleventh request within one second gets a 429. With a key it uses `COCOONMAIL_API_KEY` and
//! `COCOONMAIL_BASE_URL` from the environment (`Client::builder().from_env()`): every request
//! is a real `event/send`, which creates a contact per address, so mind `--count`.
//!
//! One client is shared by every worker (`--concurrency` tokio tasks, or threads with
//! `--blocking`); its limiter paces them all. The transport is wrapped to count what really
//! went over the wire: attempts, 429s (which the client retries), and the send times the
//! achieved rate is computed from. Against the embedded server, the server's journal is read
//! as well. The exit status is non-zero if any request finally failed.
//!
//! Reaching the limit against a slow server takes enough requests in flight: one worker waits
//! for each answer before asking for the next permit, so it cannot exceed 1 / latency requests
//! per second. Use `--concurrency` of at least latency × rate (250 ms × 10/s = 2.5, so 3, or 4
//! for headroom); the limiter still keeps the rate at or under the limit.

use std::collections::VecDeque;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use cocoon_mock::{MockServer, RateLimit, DEFAULT_API_KEY};
use cocoonmail::core::DEFAULT_USER_AGENT;
use cocoonmail::events::SendEvent;
use cocoonmail::{ClientBuilder, Error, TransportError, ENV_API_KEY, ENV_BASE_URL};
use http::{Request, Response};

const USAGE: &str = "\
bulk: send N events through one Cocoonmail client as fast as its rate limiter allows

USAGE:
    cargo run --release --example bulk -- [OPTIONS]

OPTIONS:
    --count N          how many SendEvent requests, each to a distinct address (default 200)
    --concurrency C    tokio tasks (or threads with --blocking) sharing the client (default 1)
    --blocking         use the blocking client (ureq) and threads instead of async (reqwest)
    --rate N           requests per second, for the client's limiter and the embedded
                       server (default 10, the documented limit)
    --client-rate N    the client's limiter alone (default: --rate), e.g. above the server's
                       limit to see 429s counted and retried
    --no-rate-limit    turn off the client's limiter and the embedded server's limit
    --latency-ms L     the embedded server delays every answer by L ms (default 0)
    --strict           the embedded server counts a sliding one-second window (the default)
    --fixed-window     the embedded server counts fixed one-second windows instead
    --no-retries       do not retry (a 429 then fails the request)
    -h, --help         print this help

ENVIRONMENT:
    COCOONMAIL_API_KEY   when set, use this account instead of the embedded fake server
    COCOONMAIL_BASE_URL  the server for that key (default: production)
";

#[derive(Debug, Clone, PartialEq, Eq)]
struct Options {
    count: usize,
    concurrency: usize,
    blocking: bool,
    rate: u32,
    client_rate: Option<u32>,
    no_rate_limit: bool,
    latency_ms: u64,
    strict: bool,
    no_retries: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            count: 200,
            concurrency: 1,
            blocking: false,
            rate: 10,
            client_rate: None,
            no_rate_limit: false,
            latency_ms: 0,
            strict: true,
            no_retries: false,
        }
    }
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    fn number<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
        let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
        value
            .parse()
            .map_err(|_| format!("{flag} expects a non-negative integer, got {value:?}"))
    }
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg, None),
        };
        let mut value = || inline.clone().or_else(|| args.next());
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--count" => options.count = number(&flag, value())?,
            "--concurrency" => options.concurrency = number(&flag, value())?,
            "--rate" => options.rate = number(&flag, value())?,
            "--client-rate" => options.client_rate = Some(number(&flag, value())?),
            "--latency-ms" => options.latency_ms = number(&flag, value())?,
            "--blocking" => options.blocking = true,
            "--no-rate-limit" => options.no_rate_limit = true,
            "--strict" => options.strict = true,
            "--fixed-window" => options.strict = false,
            "--no-retries" => options.no_retries = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
        if inline.is_some()
            && !matches!(
                flag.as_str(),
                "--count" | "--concurrency" | "--rate" | "--client-rate" | "--latency-ms"
            )
        {
            return Err(format!("{flag} takes no value"));
        }
    }
    if options.count == 0 {
        return Err("--count must be at least 1".into());
    }
    if options.concurrency == 0 {
        return Err("--concurrency must be at least 1".into());
    }
    if (options.rate == 0 || options.client_rate == Some(0)) && !options.no_rate_limit {
        return Err("--rate and --client-rate must be at least 1 (or use --no-rate-limit)".into());
    }
    Ok(Some(options))
}

/// What the counting transport saw on the wire.
#[derive(Default)]
struct Tally {
    attempts: AtomicUsize,
    too_many: AtomicUsize,
    transport_errors: AtomicUsize,
    sends: Mutex<Sends>,
}

/// Send times, kept in constant memory: the first and the last, and the ones of the last
/// second (to know the most requests that ever left within one second).
#[derive(Default)]
struct Sends {
    first: Option<Instant>,
    last: Option<Instant>,
    window: VecDeque<Instant>,
    max_in_window: usize,
}

impl Tally {
    fn sending(&self) {
        self.attempts.fetch_add(1, Ordering::Relaxed);
        let mut sends = self.sends.lock().unwrap_or_else(PoisonError::into_inner);
        // Taken under the lock, so the times are in sending order.
        let now = Instant::now();
        sends.first.get_or_insert(now);
        sends.last = Some(now);
        while sends
            .window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            sends.window.pop_front();
        }
        sends.window.push_back(now);
        sends.max_in_window = sends.max_in_window.max(sends.window.len());
    }

    fn answered(&self, answer: &Result<Response<Vec<u8>>, TransportError>) {
        match answer {
            Ok(response) if response.status() == 429 => {
                self.too_many.fetch_add(1, Ordering::Relaxed);
            }
            Ok(_) => {}
            Err(_) => {
                self.transport_errors.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// How the requests ended.
#[derive(Default)]
struct Outcomes {
    succeeded: usize,
    failed: usize,
    rate_limited_at_the_end: usize,
    first_errors: Vec<String>,
}

impl Outcomes {
    fn record(&mut self, result: Result<(), Error>) {
        match result {
            Ok(()) => self.succeeded += 1,
            Err(error) => {
                self.failed += 1;
                if matches!(error, Error::RateLimited(_)) {
                    self.rate_limited_at_the_end += 1;
                }
                if self.first_errors.len() < 5 {
                    self.first_errors.push(error.to_string());
                }
            }
        }
    }
}

fn email(i: usize) -> String {
    format!("bulk.{i}@example.com")
}

fn event(i: usize) -> SendEvent {
    SendEvent::simple("bulk_import", email(i))
}

/// The settings both clients share.
fn configure<M>(builder: ClientBuilder<M>, options: &Options, transport: &str) -> ClientBuilder<M> {
    let builder = builder.user_agent(format!("{DEFAULT_USER_AGENT} ({transport}; bulk)"));
    let builder = if options.no_rate_limit {
        builder.no_rate_limit()
    } else {
        builder.rate_limit(options.client_rate.unwrap_or(options.rate))
    };
    if options.no_retries {
        builder.no_retries()
    } else {
        builder
    }
}

fn run_async(
    options: &Options,
    base: Option<&str>,
    tally: &Arc<Tally>,
) -> Result<Outcomes, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start tokio: {e}"))?;
    let inner = Arc::new(
        cocoonmail::DefaultAsyncTransport::builder()
            .build()
            .map_err(|e| format!("cannot build the transport: {e}"))?,
    );
    let counted = Arc::clone(tally);
    let transport = move |request: Request<Vec<u8>>| {
        let inner = Arc::clone(&inner);
        let tally = Arc::clone(&counted);
        async move {
            tally.sending();
            let answer = cocoonmail::AsyncTransport::send(&*inner, request).await;
            tally.answered(&answer);
            answer
        }
    };
    let builder = configure(cocoonmail::Client::builder(), options, "reqwest");
    let builder = match base {
        Some(url) => builder.api_key(DEFAULT_API_KEY).base_url(url),
        None => builder.from_env(),
    };
    let client = builder
        .build_with_transport(transport)
        .map_err(|e| format!("cannot build the client: {e}"))?;

    let next = Arc::new(AtomicUsize::new(0));
    let outcomes = Arc::new(Mutex::new(Outcomes::default()));
    runtime.block_on(async {
        let mut workers = Vec::with_capacity(options.concurrency);
        for _ in 0..options.concurrency {
            let client = client.clone();
            let next = Arc::clone(&next);
            let outcomes = Arc::clone(&outcomes);
            let count = options.count;
            workers.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    let result = client.events().send(event(i)).await.map(drop);
                    outcomes
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .record(result);
                }
            }));
        }
        for worker in workers {
            worker.await.map_err(|e| format!("a worker died: {e}"))?;
        }
        Ok::<(), String>(())
    })?;
    let outcomes = std::mem::take(&mut *outcomes.lock().unwrap_or_else(PoisonError::into_inner));
    Ok(outcomes)
}

fn run_blocking(
    options: &Options,
    base: Option<&str>,
    tally: &Arc<Tally>,
) -> Result<Outcomes, String> {
    let inner = cocoonmail::blocking::DefaultBlockingTransport::builder()
        .build()
        .map_err(|e| format!("cannot build the transport: {e}"))?;
    let counted = Arc::clone(tally);
    let transport = move |request: Request<Vec<u8>>| {
        counted.sending();
        let answer = cocoonmail::BlockingTransport::send(&inner, request);
        counted.answered(&answer);
        answer
    };
    let builder = configure(cocoonmail::blocking::Client::builder(), options, "ureq");
    let builder = match base {
        Some(url) => builder.api_key(DEFAULT_API_KEY).base_url(url),
        None => builder.from_env(),
    };
    let client = builder
        .build_with_transport(transport)
        .map_err(|e| format!("cannot build the client: {e}"))?;

    let next = AtomicUsize::new(0);
    let outcomes = Mutex::new(Outcomes::default());
    std::thread::scope(|scope| {
        for _ in 0..options.concurrency {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= options.count {
                    break;
                }
                let result = client.events().send(event(i)).map(drop);
                outcomes
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .record(result);
            });
        }
    });
    Ok(outcomes
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner))
}

/// The peak resident set of this process, from `/proc/self/status` (Linux only).
fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.trim_start_matches("VmHWM:").trim().to_owned())
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("bulk: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    // Without a key, the embedded fake server; keep it alive until the end.
    let embedded = std::env::var_os(ENV_API_KEY).is_none();
    let server = if embedded {
        let limit = if options.no_rate_limit {
            RateLimit::Off
        } else {
            RateLimit::PerSecond(options.rate)
        };
        let started = MockServer::builder()
            .rate_limit(limit)
            .strict_window(options.strict)
            .latency(Duration::from_millis(options.latency_ms))
            // The journal is read for the 429 count; a long unlimited run keeps none, so that
            // memory stays flat.
            .record_journal(!options.no_rate_limit)
            .start();
        match started {
            Ok(server) => Some(server),
            Err(e) => {
                eprintln!("bulk: cannot start the embedded server: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let base = server.as_ref().map(MockServer::base_url);

    let mode = if options.blocking {
        "blocking client (ureq), threads"
    } else {
        "async client (reqwest), tokio tasks"
    };
    match &base {
        Some(url) => println!(
            "bulk: {} SendEvent requests, concurrency {}, {mode}\n\
             server: embedded cocoon-mock at {url}, {}, latency {} ms",
            options.count,
            options.concurrency,
            if options.no_rate_limit {
                "no rate limit".to_owned()
            } else {
                format!(
                    "{}/s in {} windows",
                    options.rate,
                    if options.strict {
                        "strict sliding one-second"
                    } else {
                        "fixed one-second"
                    }
                )
            },
            options.latency_ms
        ),
        None => {
            let url = std::env::var(ENV_BASE_URL).unwrap_or_else(|_| "production".into());
            println!(
                "bulk: {} SendEvent requests, concurrency {}, {mode}\nserver: {url} ({ENV_API_KEY} set)",
                options.count, options.concurrency
            );
            if options.latency_ms > 0 {
                println!("(--latency-ms only applies to the embedded server; ignored)");
            }
        }
    }
    println!(
        "client limiter: {}{}\n",
        if options.no_rate_limit {
            "off".to_owned()
        } else {
            format!("{}/s", options.client_rate.unwrap_or(options.rate))
        },
        if options.no_retries {
            ", no retries"
        } else {
            ", 429s retried"
        }
    );

    let tally = Arc::new(Tally::default());
    let start = Instant::now();
    let result = if options.blocking {
        run_blocking(&options, base.as_deref(), &tally)
    } else {
        run_async(&options, base.as_deref(), &tally)
    };
    let elapsed = start.elapsed();
    let outcomes = match result {
        Ok(outcomes) => outcomes,
        Err(message) => {
            eprintln!("bulk: {message}");
            return ExitCode::FAILURE;
        }
    };

    let attempts = tally.attempts.load(Ordering::Relaxed);
    let too_many = tally.too_many.load(Ordering::Relaxed);
    let sends = tally.sends.lock().unwrap_or_else(PoisonError::into_inner);
    let span = match (sends.first, sends.last) {
        (Some(first), Some(last)) => last.duration_since(first),
        _ => Duration::ZERO,
    };
    let requests = outcomes.succeeded + outcomes.failed;
    println!("requests sent:           {requests} ({attempts} attempts on the wire)");
    println!("succeeded:               {}", outcomes.succeeded);
    println!("failed:                  {}", outcomes.failed);
    println!("elapsed:                 {:.3} s", elapsed.as_secs_f64());
    if attempts > 1 && !span.is_zero() {
        println!(
            "rate, N-1 intervals:     {:.2} requests/s ({} intervals between the first and the last send, {:.3} s)",
            (attempts - 1) as f64 / span.as_secs_f64(),
            attempts - 1,
            span.as_secs_f64()
        );
    }
    println!(
        "rate, N / elapsed:       {:.2} requests/s",
        requests as f64 / elapsed.as_secs_f64()
    );
    println!(
        "most sent in any 1 s:    {} (client side)",
        sends.max_in_window
    );
    println!(
        "429 received:            {too_many} ({} retried, {} still 429 when retries ran out)",
        too_many - outcomes.rate_limited_at_the_end.min(too_many),
        outcomes.rate_limited_at_the_end
    );
    let transport_errors = tally.transport_errors.load(Ordering::Relaxed);
    if transport_errors > 0 {
        println!("transport errors:        {transport_errors}");
    }
    if let Some(server) = &server {
        if options.no_rate_limit {
            println!("server journal:          not kept (--no-rate-limit)");
        } else {
            let journal = server.journal();
            let mut statuses = std::collections::BTreeMap::new();
            for entry in &journal {
                *statuses.entry(entry.status.unwrap_or(0)).or_insert(0usize) += 1;
            }
            let statuses: Vec<String> = statuses
                .iter()
                .map(|(status, n)| format!("{status}: {n}"))
                .collect();
            println!(
                "server journal:          {} requests, 429 answered: {} ({})",
                journal.len(),
                journal.iter().filter(|e| e.status == Some(429)).count(),
                statuses.join(", ")
            );
        }
    }
    if let Some(rss) = peak_rss() {
        println!("peak RSS (VmHWM):        {rss}");
    }
    for error in &outcomes.first_errors {
        println!("error: {error}");
    }
    if outcomes.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Options>, String> {
        parse_args(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn flags_parse() {
        let options = parse(&[
            "--count",
            "5",
            "--concurrency=3",
            "--blocking",
            "--no-retries",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(options.count, 5);
        assert_eq!(options.concurrency, 3);
        assert!(options.blocking && options.no_retries && options.strict);
        assert_eq!(parse(&["--help"]).unwrap(), None);
        assert!(parse(&["--count"]).is_err());
        assert!(parse(&["--count", "0"]).is_err());
        assert!(parse(&["--blocking=yes"]).is_err());
        assert!(parse(&["--frobnicate"]).is_err());
        assert!(!parse(&["--fixed-window"]).unwrap().unwrap().strict);
        let options = parse(&["--client-rate", "15"]).unwrap().unwrap();
        assert_eq!((options.rate, options.client_rate), (10, Some(15)));
        assert!(parse(&["--client-rate=0"]).is_err());
    }
}
