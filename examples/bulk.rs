//! Sends many events through one client's bulk runner as fast as its rate limiter allows, and
//! reports the rate it reached and every 429 it met.
//!
//! ```text
//! cargo run --release --example bulk -- --count 200 --concurrency 8              # async
//! cargo run --release --example bulk -- --count 200 --concurrency 8 --blocking   # threads
//! cargo run --release --example bulk -- --count 200 --concurrency 4 --latency-ms 250
//! cargo run --release --example bulk -- --count 100 --concurrency 8 --burst 10
//! cargo run --release --example bulk -- --count 100000 --concurrency 8 --no-rate-limit
//! COCOONMAIL_API_KEY=... cargo run --release --example bulk -- --count 50   # your account
//! COCOONMAIL_API_KEY=... cargo run --release --example bulk -- --redis-url redis://127.0.0.1:6379/
//! ```
//!
//! With `--redis-url` the client paces with the Redis limiter (`cocoonmail::redis`) instead of
//! its in-memory one: every process given the same Redis and key (or `--bucket`) shares one
//! budget, so several `bulk` processes together stay within the team's limit. The report then
//! says how often the limiter fell back to its local share while Redis was unreachable, how
//! often it came back, and the pauses it shared after 429s. `examples/fleet.rs` runs four such
//! processes against one server.
//!
//! With no `COCOONMAIL_API_KEY` it starts `cocoon-mock` in-process: a strict sliding-window
//! server at 10 requests per second (the documented limit), so a client that ever sends an
//! eleventh request within one second gets a 429. With a key it uses `COCOONMAIL_API_KEY` and
//! `COCOONMAIL_BASE_URL` from the environment: every request is a real `event/send`, which
//! creates a contact per address, so mind `--count`.
//!
//! The requests go through `Client::bulk` (a stream of outcomes for the async client, worker
//! threads for the blocking one) with `--concurrency` requests in flight. The transport is
//! wrapped to count what really went over the wire: attempts, 429s (which the client retries),
//! and the send times the achieved rate is computed from. Against the embedded server, the
//! server's journal is read as well. The exit status is non-zero if any request finally failed.
//!
//! Reaching the limit against a slow server takes enough requests in flight: one request in
//! flight cannot do more than 1 / latency per second. Use `--concurrency` of at least
//! latency x rate (250 ms x 10/s = 2.5, so 3, or 4 for headroom); the limiter still keeps the
//! rate at or under the limit.

use std::collections::{BTreeMap, VecDeque};
use std::num::NonZeroU32;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use clap::Parser;
use cocoon_mock::{MockServer, RateLimit, DEFAULT_API_KEY};
use cocoonmail::builder::Mode;
use cocoonmail::core::DEFAULT_USER_AGENT;
use cocoonmail::events::SendEvent;
use cocoonmail::redis::{RedisLimiter, RedisLimiterBuilder, Stats};
use cocoonmail::{
    BulkResult, ClientBuilder, ConfigError, Error, TransportError, ENV_API_KEY, ENV_BASE_URL,
};
use http::{Request, Response};

/// Send N events through one Cocoonmail client as fast as its rate limiter allows.
#[derive(Debug, Parser)]
#[command(
    name = "bulk",
    after_help = "ENVIRONMENT:\n    COCOONMAIL_API_KEY   when set, use this account instead of the embedded fake server\n    COCOONMAIL_BASE_URL  the server for that key (default: production)"
)]
struct Options {
    /// How many SendEvent requests, each to a distinct address.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..))]
    count: u64,
    /// Requests in flight at once (tokio tasks, or threads with --blocking).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    concurrency: u64,
    /// Use the blocking client (ureq) and threads instead of async (reqwest).
    #[arg(long)]
    blocking: bool,
    /// Requests per second, for the client's limiter and the embedded server.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    rate: u32,
    /// The client's limiter alone (default: --rate), e.g. above the server's limit to see 429s
    /// counted and retried.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    client_rate: Option<u32>,
    /// How many requests the client's in-memory limiter lets leave at once after a quiet
    /// spell (1 to the rate; default 1: evenly paced).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    burst: u32,
    /// Turn off the client's limiter and the embedded server's limit.
    #[arg(long)]
    no_rate_limit: bool,
    /// The embedded server delays every answer by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// The embedded server counts fixed one-second windows instead of a strict sliding one.
    #[arg(long)]
    fixed_window: bool,
    /// Do not retry (a 429 then fails the request).
    #[arg(long)]
    no_retries: bool,
    /// Pace with the Redis limiter on this Redis (`redis://` or `rediss://`): every process
    /// given the same Redis and key shares one budget.
    #[arg(long, value_name = "URL", conflicts_with = "no_rate_limit")]
    redis_url: Option<String>,
    /// With --redis-url: the budget's name in Redis (default: named after the API key), so
    /// processes with different keys of one team can share it.
    #[arg(long, value_name = "NAME", requires = "redis_url")]
    bucket: Option<String>,
}

impl Options {
    /// The Redis limiter's settings, with --redis-url.
    fn redis(&self, base: Option<&str>) -> Option<RedisLimiterBuilder> {
        let url = self.redis_url.as_deref()?;
        // The embedded server's key, or the account's.
        let key = match base {
            Some(_) => DEFAULT_API_KEY.to_owned(),
            None => std::env::var(ENV_API_KEY).unwrap_or_default(),
        };
        let rate =
            NonZeroU32::new(self.client_rate.unwrap_or(self.rate)).unwrap_or(NonZeroU32::MIN);
        let builder = RedisLimiter::builder(url).requests_per_second(rate);
        Some(match &self.bucket {
            Some(name) => builder.bucket(name),
            None => builder.api_key(key),
        })
    }
}

/// How the run ended: the outcomes, and what the Redis limiter went through (with --redis-url).
struct Run {
    outcomes: Outcomes,
    redis: Option<Stats>,
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
    fn record<O>(&mut self, outcome: BulkResult<O>) {
        match outcome.result {
            Ok(_) => self.succeeded += 1,
            Err(error) => {
                self.failed += 1;
                if matches!(error, Error::RateLimited(_)) {
                    self.rate_limited_at_the_end += 1;
                }
                if self.first_errors.len() < 5 {
                    self.first_errors
                        .push(format!("request {}: {error}", outcome.index));
                }
            }
        }
    }
}

/// The events, made lazily: the bulk runner takes each when a slot frees up.
fn events(count: u64) -> impl Iterator<Item = SendEvent> + Send + 'static {
    let run = std::process::id();
    (0..count).map(move |i| SendEvent::simple("bulk_import", format!("bulk.{run}.{i}@example.com")))
}

/// The settings both clients share.
fn configure<M: Mode>(
    builder: ClientBuilder<M>,
    options: &Options,
    base: Option<&str>,
    transport: &str,
) -> ClientBuilder<M> {
    let builder = builder.user_agent(format!("{DEFAULT_USER_AGENT} ({transport}; bulk)"));
    let builder = match base {
        Some(url) => builder.api_key(DEFAULT_API_KEY).base_url(url),
        None => builder.from_env(),
    };
    let builder = if options.no_rate_limit {
        builder.no_rate_limit()
    } else {
        builder
            .rate_limit(options.client_rate.unwrap_or(options.rate))
            .burst(options.burst)
    };
    if options.no_retries {
        builder.no_retries()
    } else {
        builder
    }
}

/// Paces `builder` with the Redis limiter `build` makes from `settings` (with --redis-url);
/// returns the limiter too, for its report.
fn with_redis<M: Mode, L>(
    builder: ClientBuilder<M>,
    settings: Option<RedisLimiterBuilder>,
    build: impl FnOnce(RedisLimiterBuilder) -> Result<(Arc<M::Limiter>, L), ConfigError>,
) -> Result<(ClientBuilder<M>, Option<L>), String> {
    let Some(settings) = settings else {
        return Ok((builder, None));
    };
    let (shared, limiter) =
        build(settings).map_err(|e| format!("cannot build the Redis limiter: {e}"))?;
    Ok((builder.rate_limiter(shared), Some(limiter)))
}

fn run_async(options: &Options, base: Option<&str>, tally: &Arc<Tally>) -> Result<Run, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start tokio: {e}"))?;
    let inner = Arc::new(
        cocoonmail::reqwest_transport::ReqwestTransport::new()
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
    let builder = configure(cocoonmail::Client::builder(), options, base, "reqwest");
    let (builder, redis) = with_redis(builder, options.redis(base), |settings| {
        let limiter = settings.build()?;
        Ok((Arc::new(limiter.clone()), limiter))
    })?;
    let client = builder
        .build_with_transport(transport)
        .map_err(|e| format!("cannot build the client: {e}"))?;
    let concurrency = usize::try_from(options.concurrency).unwrap_or(usize::MAX);
    let outcomes = runtime.block_on(async {
        let mut outcomes = Outcomes::default();
        let mut stream = client
            .bulk(events(options.count))
            .concurrency(concurrency)
            .stream();
        while let Some(outcome) = stream.next().await {
            outcomes.record(outcome);
        }
        outcomes
    });
    Ok(Run {
        outcomes,
        redis: redis.map(|limiter| limiter.stats()),
    })
}

fn run_blocking(options: &Options, base: Option<&str>, tally: &Arc<Tally>) -> Result<Run, String> {
    let inner = cocoonmail::ureq_transport::UreqTransport::new()
        .map_err(|e| format!("cannot build the transport: {e}"))?;
    let counted = Arc::clone(tally);
    let transport = move |request: Request<Vec<u8>>| {
        counted.sending();
        let answer = cocoonmail::BlockingTransport::send(&inner, request);
        counted.answered(&answer);
        answer
    };
    let builder = configure(
        cocoonmail::blocking::Client::builder(),
        options,
        base,
        "ureq",
    );
    let (builder, redis) = with_redis(builder, options.redis(base), |settings| {
        let limiter = settings.build_blocking()?;
        Ok((Arc::new(limiter.clone()), limiter))
    })?;
    let client = builder
        .build_with_transport(transport)
        .map_err(|e| format!("cannot build the client: {e}"))?;
    let concurrency = usize::try_from(options.concurrency).unwrap_or(usize::MAX);
    let mut outcomes = Outcomes::default();
    let run = client
        .bulk(events(options.count))
        .concurrency(concurrency)
        .iter()
        .map_err(|e| format!("cannot start the workers: {e}"))?;
    for outcome in run {
        outcomes.record(outcome);
    }
    Ok(Run {
        outcomes,
        redis: redis.map(|limiter| limiter.stats()),
    })
}

/// The peak resident set of this process, from `/proc/self/status` (Linux only).
fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.trim_start_matches("VmHWM:").trim().to_owned())
}

fn describe_server(options: &Options, base: Option<&str>) -> String {
    match base {
        Some(url) => format!(
            "embedded cocoon-mock at {url}, {}, latency {} ms",
            if options.no_rate_limit {
                "no rate limit".to_owned()
            } else {
                format!(
                    "{}/s in {} windows",
                    options.rate,
                    if options.fixed_window {
                        "fixed one-second"
                    } else {
                        "strict sliding one-second"
                    }
                )
            },
            options.latency_ms
        ),
        None => format!(
            "{} ({ENV_API_KEY} set)",
            std::env::var(ENV_BASE_URL).unwrap_or_else(|_| "production".into())
        ),
    }
}

fn main() -> ExitCode {
    let options = Options::parse();

    // Without a key, the embedded fake server; keep it alive until the end.
    let server = if std::env::var_os(ENV_API_KEY).is_none() {
        let limit = if options.no_rate_limit {
            RateLimit::Off
        } else {
            RateLimit::PerSecond(options.rate)
        };
        let started = MockServer::builder()
            .rate_limit(limit)
            .strict_window(!options.fixed_window)
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
        "blocking client (ureq), worker threads"
    } else {
        "async client (reqwest), a stream"
    };
    println!(
        "bulk: {} SendEvent requests, concurrency {}, {mode}\nserver: {}",
        options.count,
        options.concurrency,
        describe_server(&options, base.as_deref())
    );
    if base.is_none() && options.latency_ms > 0 {
        println!("(--latency-ms only applies to the embedded server; ignored)");
    }
    println!(
        "client limiter: {}{}\n",
        if options.no_rate_limit {
            "off".to_owned()
        } else if let Some(settings) = options.redis(base.as_deref()) {
            format!(
                "Redis, shared, {}/s for every process of the bucket ({settings:?})",
                options.client_rate.unwrap_or(options.rate)
            )
        } else {
            format!(
                "in memory, {}/s, burst {}",
                options.client_rate.unwrap_or(options.rate),
                options.burst
            )
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
    let Run { outcomes, redis } = match result {
        Ok(run) => run,
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
            let mut statuses = BTreeMap::new();
            for entry in &journal {
                *statuses
                    .entry(entry.status().unwrap_or(0))
                    .or_insert(0usize) += 1;
            }
            let statuses: Vec<String> = statuses
                .iter()
                .map(|(status, n)| format!("{status}: {n}"))
                .collect();
            println!(
                "server journal:          {} requests, 429 answered: {} ({})",
                journal.len(),
                journal.iter().filter(|e| e.status() == Some(429)).count(),
                statuses.join(", ")
            );
        }
    }
    if let Some(stats) = redis {
        println!(
            "redis limiter:           ended {:?}; {} fallbacks to the local budget, {} returns to Redis; {} shared permits, {} local; {} Redis errors",
            stats.mode,
            stats.fallbacks,
            stats.returns,
            stats.shared_permits,
            stats.local_permits,
            stats.redis_errors
        );
        println!(
            "pauses after 429s:       {} heard, {} shared through Redis",
            stats.rate_limited, stats.pauses_shared
        );
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
