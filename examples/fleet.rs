//! A fleet of `bulk` processes against one server, sharing (or not) one budget through Redis,
//! with the faults production brings to Redis: the harness for the fleet runs in
//! `bench-results/fleet-*.txt`.
//!
//! ```text
//! cargo build --release --example bulk --example fleet
//! target/release/examples/fleet                     # its own redis-server, shared budget
//! target/release/examples/fleet --no-redis          # each process on its own in-memory limiter
//! target/release/examples/fleet --redis-outage      # Redis stopped 6 s in, back 3 s later
//! target/release/examples/fleet --redis-flush       # FLUSHALL 6 s in (the bucket's state lost)
//! target/release/examples/fleet --redis-restart     # Redis killed 6 s in and started empty
//! target/release/examples/fleet --processes 8 --count 30   # 4 async + 4 blocking processes
//! target/release/examples/fleet --redis-url redis://127.0.0.1:6379/   # a Redis of yours
//! ```
//!
//! It starts a strict fake server (10 requests in any sliding second, like the documented team
//! limit) in this process, and `redis-server` on a free loopback port unless given
//! `--redis-url`. It spawns the processes together (async ones with 8 requests in flight and
//! blocking ones with 4, alternating; 50 events each by default) pointed at the server through `COCOONMAIL_API_KEY` and
//! `COCOONMAIL_BASE_URL`, waits for them, and reports what the server saw: requests, 2xx and
//! 429 answers, the rate over the 200 events, the most requests in any one-second window, each
//! process's exit code, that no event was sent twice, and (with Redis) each process's limiter
//! report. The exit status is non-zero when a process failed.

#[path = "../crates/cocoon-limiter-redis/tests/common/redis_server.rs"]
mod redis_server;

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use cocoon_mock::{JournalEntry, MockServer, RateLimit, DEFAULT_API_KEY};
use redis_server::RedisServer;

/// Run a fleet of bulk processes against one strict fake server and report what it saw.
#[derive(Debug, Parser)]
#[command(name = "fleet")]
struct Options {
    /// Each process on its own in-memory limiter at 10/s (no shared budget).
    #[arg(long, conflicts_with_all = ["redis_url", "redis_outage", "redis_flush", "redis_restart"])]
    no_redis: bool,
    /// Use this Redis instead of starting one.
    #[arg(long, value_name = "URL", conflicts_with_all = ["redis_outage", "redis_restart"])]
    redis_url: Option<String>,
    /// Stop the harness's Redis --fault-after seconds in and start it again (empty)
    /// --outage-for seconds later.
    #[arg(long, conflicts_with_all = ["redis_flush", "redis_restart"])]
    redis_outage: bool,
    /// `FLUSHALL` on Redis --fault-after seconds in: the bucket's state is lost, as after an
    /// eviction or a failover to a replica that lacks the key.
    #[arg(long, conflicts_with = "redis_restart")]
    redis_flush: bool,
    /// Kill the harness's Redis --fault-after seconds in and start it again at once, empty
    /// (a restart without persistence).
    #[arg(long)]
    redis_restart: bool,
    /// Seconds into the run before the fault.
    #[arg(long, alias = "outage-after", default_value_t = 6.0)]
    fault_after: f64,
    /// How long Redis stays down with --redis-outage, in seconds.
    #[arg(long, default_value_t = 3.0)]
    outage_for: f64,
    /// How many bulk processes: async ones (8 in flight) and blocking ones (4 in flight),
    /// alternating.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    processes: u32,
    /// Events per process.
    #[arg(long, default_value_t = 50)]
    count: u64,
    /// The bulk binary (default: `bulk` next to this one).
    #[arg(long, value_name = "PATH")]
    bulk: Option<PathBuf>,
}

/// One bulk process: how it was started and how it ended.
struct Process {
    label: String,
    exit: Option<i32>,
    output: String,
}

fn bulk_binary(options: &Options) -> Result<PathBuf, String> {
    if let Some(path) = &options.bulk {
        return Ok(path.clone());
    }
    let me = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let bulk = me.with_file_name(format!("bulk{}", std::env::consts::EXE_SUFFIX));
    if bulk.exists() {
        Ok(bulk)
    } else {
        Err(format!(
            "{} not found: build it with `cargo build --release --example bulk`",
            bulk.display()
        ))
    }
}

/// The most entries within any one second (a sliding window), of `times` sorted.
fn most_in_one_second(times: &[Instant]) -> usize {
    let mut most = 0;
    let mut start = 0;
    for end in 0..times.len() {
        while times[end].duration_since(times[start]) >= Duration::from_secs(1) {
            start += 1;
        }
        most = most.max(end - start + 1);
    }
    most
}

/// Requests per second over `times` sorted: N - 1 intervals from the first to the last.
fn rate(times: &[Instant]) -> Option<f64> {
    let (first, last) = (times.first()?, times.last()?);
    let span = last.duration_since(*first).as_secs_f64();
    (times.len() > 1 && span > 0.0).then(|| (times.len() - 1) as f64 / span)
}

fn email(entry: &JournalEntry) -> Option<String> {
    entry
        .json()
        .and_then(|body| body["email"].as_str().map(str::to_owned))
}

fn main() -> ExitCode {
    let options = Options::parse();
    match run(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("fleet: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<bool, String> {
    let bulk = bulk_binary(options)?;
    let server = MockServer::builder()
        .rate_limit(RateLimit::PerSecond(10))
        .strict_window(true)
        .start()
        .map_err(|e| format!("cannot start the fake server: {e}"))?;
    let mut own_redis = (!options.no_redis && options.redis_url.is_none()).then(RedisServer::start);
    let redis_url = options
        .redis_url
        .clone()
        .or_else(|| own_redis.as_ref().map(RedisServer::url));

    println!(
        "fleet: {} bulk processes x {} events against one fake server at {} (10/s, strict sliding window)",
        options.processes,
        options.count,
        server.base_url()
    );
    let fault = if options.redis_outage {
        format!(
            "; Redis stopped {:.1} s into the run, started again (empty) {:.1} s later",
            options.fault_after, options.outage_for
        )
    } else if options.redis_flush {
        format!("; FLUSHALL {:.1} s into the run", options.fault_after)
    } else if options.redis_restart {
        format!(
            "; Redis killed {:.1} s into the run and started again at once, empty",
            options.fault_after
        )
    } else {
        String::new()
    };
    println!(
        "limiter: {}",
        match &redis_url {
            None => "each process its own in-memory limiter at 10/s (no shared budget)".to_owned(),
            Some(url) => format!("Redis at {url}, one shared budget of 10/s{fault}"),
        }
    );

    let kinds: Vec<(String, bool, u32)> = (0..options.processes)
        .map(|i| {
            let blocking = i % 2 == 1;
            let n = i / 2 + 1;
            if blocking {
                (format!("blocking c4 #{n}"), true, 4)
            } else {
                (format!("async c8 #{n}"), false, 8)
            }
        })
        .collect();
    let started = Instant::now();
    let mut children = Vec::new();
    for (label, blocking, concurrency) in kinds {
        let mut command = Command::new(&bulk);
        command
            .args(["--count", &options.count.to_string()])
            .args(["--concurrency", &concurrency.to_string()])
            .env("COCOONMAIL_API_KEY", DEFAULT_API_KEY)
            .env("COCOONMAIL_BASE_URL", server.base_url())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if blocking {
            command.arg("--blocking");
        }
        if let Some(url) = &redis_url {
            command.args(["--redis-url", url]);
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bulk.display()))?;
        // Read the output as it comes, so no pipe fills up.
        let mut stdout = child.stdout.take().expect("piped");
        let mut stderr = child.stderr.take().expect("piped");
        let reader = thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            let mut errors = String::new();
            let _ = stderr.read_to_string(&mut errors);
            text + &errors
        });
        children.push((label, child, reader));
    }

    let mut outage = None;
    let mut fault_at = None;
    let until_fault =
        || Duration::from_secs_f64(options.fault_after).saturating_sub(started.elapsed());
    if options.redis_outage {
        if let Some(redis) = own_redis.as_mut() {
            thread::sleep(until_fault());
            redis.stop();
            let down = Instant::now();
            thread::sleep(Duration::from_secs_f64(options.outage_for));
            redis.restart();
            outage = Some((down, Instant::now()));
            fault_at = Some(down);
        }
    } else if options.redis_restart {
        if let Some(redis) = own_redis.as_mut() {
            thread::sleep(until_fault());
            fault_at = Some(Instant::now());
            redis.restart();
        }
    } else if options.redis_flush {
        if let Some(url) = &redis_url {
            thread::sleep(until_fault());
            fault_at = Some(Instant::now());
            flush_all(url)?;
        }
    }

    let mut processes = Vec::new();
    for (label, mut child, reader) in children {
        let status = child
            .wait()
            .map_err(|e| format!("waiting for {label}: {e}"))?;
        processes.push(Process {
            label,
            exit: status.code(),
            output: reader.join().unwrap_or_default(),
        });
    }
    let elapsed = started.elapsed();
    drop(own_redis);

    let mut journal = server.journal();
    journal.sort_by_key(|e| e.received_at);
    let times: Vec<Instant> = journal.iter().map(|e| e.received_at).collect();
    let ok: Vec<&JournalEntry> = journal
        .iter()
        .filter(|e| e.status().is_some_and(|s| (200..300).contains(&s)))
        .collect();
    let ok_times: Vec<Instant> = ok.iter().map(|e| e.received_at).collect();
    let limited = journal.iter().filter(|e| e.status() == Some(429)).count();

    println!("\nwhat the server saw");
    println!(
        "  requests:                {} in {:.2} s",
        journal.len(),
        elapsed.as_secs_f64()
    );
    println!("  2xx:                     {}", ok.len());
    println!("  429:                     {limited}");
    if let Some(r) = rate(&ok_times) {
        println!(
            "  rate over the {} events: {r:.2} requests/s (N-1 intervals, first to last 2xx)",
            ok.len()
        );
    }
    println!(
        "  most in any 1 s window:  {} requests ({} of them 2xx)",
        most_in_one_second(&times),
        most_in_one_second(&ok_times)
    );
    let mut sent: HashMap<String, usize> = HashMap::new();
    for entry in &ok {
        *sent.entry(email(entry).unwrap_or_default()).or_default() += 1;
    }
    let twice = sent.values().filter(|n| **n > 1).count();
    println!(
        "  events sent twice:       {twice} ({} distinct addresses among the 2xx)",
        sent.len()
    );
    // What led to each 429: the arrivals of the second before it, in ms from the first request.
    for (i, entry) in journal
        .iter()
        .enumerate()
        .filter(|(_, e)| e.status() == Some(429))
        .take(5)
    {
        let before: Vec<String> = journal[..i]
            .iter()
            .filter(|e| entry.received_at.duration_since(e.received_at) < Duration::from_secs(1))
            .map(|e| {
                let who = email(e).and_then(|m| m.split('.').nth(1).map(str::to_owned));
                format!(
                    "{}{}",
                    e.received_at.duration_since(times[0]).as_millis(),
                    who.map(|w| format!("({w})")).unwrap_or_default()
                )
            })
            .collect();
        println!(
            "  429 at {} ms, after {} arrivals in the second before it: {}",
            entry.received_at.duration_since(times[0]).as_millis(),
            before.len(),
            before.join(" ")
        );
    }
    if let Some(at) = fault_at.filter(|_| !times.is_empty()) {
        let after: Vec<&JournalEntry> = journal
            .iter()
            .filter(|e| e.received_at >= at && e.received_at < at + Duration::from_secs(3))
            .collect();
        let after_times: Vec<Instant> = after.iter().map(|e| e.received_at).collect();
        println!(
            "  the fault:               {:.2} s after the first request; in the 3 s after it: {} requests, 429: {}, most in any 1 s: {}",
            at.saturating_duration_since(times[0]).as_secs_f64(),
            after.len(),
            after.iter().filter(|e| e.status() == Some(429)).count(),
            most_in_one_second(&after_times)
        );
    }
    if let Some((down, up)) = outage {
        let during: Vec<&JournalEntry> = journal
            .iter()
            .filter(|e| e.received_at >= down && e.received_at < up)
            .collect();
        let during_times: Vec<Instant> = during.iter().map(|e| e.received_at).collect();
        println!(
            "  while Redis was down:    {} requests in {:.2} s ({:.2}/s), 429: {}, most in any 1 s: {}",
            during.len(),
            up.duration_since(down).as_secs_f64(),
            during.len() as f64 / up.duration_since(down).as_secs_f64(),
            during.iter().filter(|e| e.status() == Some(429)).count(),
            most_in_one_second(&during_times)
        );
    }

    println!("\nprocesses");
    let mut all_ok = true;
    for process in &processes {
        let limiter = process
            .output
            .lines()
            .find(|l| l.starts_with("redis limiter:"))
            .map(|l| l.trim_start_matches("redis limiter:").trim().to_owned());
        let pauses = process
            .output
            .lines()
            .find(|l| l.starts_with("pauses after 429s:"))
            .map(|l| l.trim_start_matches("pauses after 429s:").trim().to_owned());
        all_ok &= process.exit == Some(0);
        println!(
            "  {:<15} exit {}{}{}",
            process.label,
            process.exit.map_or("killed".to_owned(), |c| c.to_string()),
            limiter
                .map(|l| format!("; limiter {l}"))
                .unwrap_or_default(),
            pauses
                .map(|p| format!("; 429 pauses {p}"))
                .unwrap_or_default(),
        );
    }
    if options.redis_outage || options.redis_restart {
        let rejoined = processes.iter().all(|p| {
            p.output.lines().any(|l| {
                l.starts_with("redis limiter:")
                    && l.contains("ended Shared")
                    && (!options.redis_outage || !l.contains(" 0 returns"))
            })
        });
        println!(
            "  every process back on Redis after the fault: {}",
            if rejoined { "yes" } else { "no" }
        );
    }
    println!(
        "\nevery process exited 0: {}",
        if all_ok { "yes" } else { "no" }
    );
    for process in &processes {
        println!("\n--- {} ---\n{}", process.label, process.output.trim_end());
    }
    Ok(all_ok)
}

/// `FLUSHALL` on the Redis at `url` (`redis://[:password@]host:port/`), in plain RESP over a
/// socket: the harness needs one command, not a client.
fn flush_all(url: &str) -> Result<(), String> {
    use std::io::Write;
    use std::net::TcpStream;
    let rest = url
        .strip_prefix("redis://")
        .ok_or_else(|| "--redis-flush needs a redis:// URL".to_owned())?;
    let rest = rest.split('/').next().unwrap_or(rest);
    let (password, address) = match rest.rsplit_once('@') {
        Some((credentials, address)) => (
            credentials.rsplit(':').next().filter(|p| !p.is_empty()),
            address,
        ),
        None => (None, rest),
    };
    let mut stream =
        TcpStream::connect(address).map_err(|e| format!("FLUSHALL: cannot connect: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| format!("FLUSHALL: {e}"))?;
    let mut command = Vec::new();
    if let Some(password) = password {
        command.extend_from_slice(
            format!("*2\r\n$4\r\nAUTH\r\n${}\r\n{password}\r\n", password.len()).as_bytes(),
        );
    }
    command.extend_from_slice(b"*1\r\n$8\r\nFLUSHALL\r\n");
    stream
        .write_all(&command)
        .map_err(|e| format!("FLUSHALL: {e}"))?;
    let mut reply = [0u8; 64];
    let n = stream
        .read(&mut reply)
        .map_err(|e| format!("FLUSHALL: no answer: {e}"))?;
    let reply = String::from_utf8_lossy(&reply[..n]);
    if reply.contains("-ERR") || reply.contains("-NOAUTH") || reply.contains("-WRONGPASS") {
        return Err(format!("FLUSHALL refused: {}", reply.trim()));
    }
    Ok(())
}
