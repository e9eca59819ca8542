//! `cocoon-mock`: run the fake Cocoonmail server from the command line.
//!
//! It prints the base URL and the API key to use, logs one line per request to stderr
//! (`RUST_LOG` filters it; default `info`), and stops cleanly on Ctrl-C.

use std::io::{IsTerminal, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use cocoon_mock::{MockBuilder, MockServer, Operation, RateLimit, TemporaryBlock, DEFAULT_API_KEY};
use tracing_subscriber::EnvFilter;

/// A fake Cocoonmail API server for tests and demos.
///
/// Every request is logged to stderr (method, path, status, latency; never the query, a
/// header or a body). RUST_LOG filters the log (default: info).
#[derive(Debug, Clone, PartialEq, Eq, Parser)]
#[command(name = "cocoon-mock", version, after_help = "Stop it with Ctrl-C.")]
struct Cli {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8025)]
    port: u16,

    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    host: String,

    /// Accept this API key (repeatable; default: the built-in fake key).
    #[arg(long = "api-key", value_name = "KEY", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    api_keys: Vec<String>,

    /// Requests per second shared by all keys [default: 10].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    rate_limit: Option<u32>,

    /// Do not limit the request rate.
    #[arg(long, conflicts_with = "rate_limit")]
    no_rate_limit: bool,

    /// Sliding one-second rate window instead of fixed windows.
    #[arg(long)]
    strict: bool,

    /// Delay every answer by N milliseconds.
    #[arg(long, value_name = "N", default_value_t = 0)]
    latency_ms: u64,

    /// Serve an operation at another route, e.g. `contact.create=POST:/v2/contacts`
    /// (repeatable), to follow a client whose routes were remapped.
    #[arg(long = "route", value_name = "OPERATION=METHOD:PATH", value_parser = parse_route)]
    routes: Vec<(Operation, String, String)>,

    /// Answer 403 "Too many bad requests. Temporary block" after N bad requests (400 and 429
    /// answers) within --block-window-secs.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    block_after: Option<u32>,

    /// The window the bad requests are counted in.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 10,
        requires = "block_after"
    )]
    block_window_secs: u64,

    /// How long a temporary block lasts.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 60,
        requires = "block_after"
    )]
    block_secs: u64,

    /// Keep at most N requests in the journal (oldest dropped first).
    #[arg(long, value_name = "N", default_value_t = cocoon_mock::DEFAULT_JOURNAL_CAPACITY)]
    journal_capacity: usize,

    /// Keep no request journal (for long benchmark runs).
    #[arg(long)]
    no_journal: bool,
}

/// `OPERATION=METHOD:PATH`, the operation by its dotted name (`mail.send`, ...).
fn parse_route(text: &str) -> Result<(Operation, String, String), String> {
    let (name, route) = text
        .split_once('=')
        .ok_or("expected OPERATION=METHOD:PATH, e.g. contact.create=POST:/v2/contacts")?;
    let operation = Operation::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Operation::ALL.iter().map(|op| op.name()).collect();
        format!("unknown operation {name:?}; one of: {}", names.join(", "))
    })?;
    let (method, path) = route
        .split_once(':')
        .ok_or("expected METHOD:PATH after '=', e.g. POST:/v2/contacts")?;
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(format!("{method:?} is not an HTTP method"));
    }
    if !path.starts_with('/') {
        return Err(format!("the path must start with '/', not {path:?}"));
    }
    Ok((operation, method.to_ascii_uppercase(), path.to_owned()))
}

fn resolve(host: &str, port: u16) -> Result<SocketAddr, String> {
    // A bare IPv6 address needs brackets to be paired with a port.
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    format!("{host}:{port}")
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve --host {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("--host {host} resolves to no address"))
}

impl Cli {
    fn rate(&self) -> RateLimit {
        if self.no_rate_limit {
            RateLimit::Off
        } else {
            RateLimit::PerSecond(self.rate_limit.unwrap_or(10))
        }
    }

    fn builder(&self, addr: SocketAddr) -> MockBuilder {
        let mut builder = MockServer::builder()
            .bind(addr)
            .rate_limit(self.rate())
            .strict_window(self.strict)
            .latency(Duration::from_millis(self.latency_ms))
            .journal_capacity(self.journal_capacity)
            .record_journal(!self.no_journal);
        for key in &self.api_keys {
            builder = builder.api_key(key.clone());
        }
        for (operation, method, path) in &self.routes {
            builder = builder.route(*operation, method, path);
        }
        if let Some(after) = self.block_after {
            builder = builder.temporary_block(TemporaryBlock::new(
                after,
                Duration::from_secs(self.block_window_secs),
                Duration::from_secs(self.block_secs),
            ));
        }
        builder
    }
}

fn init_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

fn run(cli: &Cli) -> ExitCode {
    let addr = match resolve(&cli.host, cli.port) {
        Ok(a) => a,
        Err(message) => {
            eprintln!("cocoon-mock: {message}");
            return ExitCode::from(2);
        }
    };
    init_logging();
    let server = match cli.builder(addr).start() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cocoon-mock: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (stop_tx, stop_rx) = std::sync::mpsc::channel();
    if let Err(e) = ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    }) {
        eprintln!("cocoon-mock: cannot install the Ctrl-C handler: {e}");
        return ExitCode::FAILURE;
    }

    let base_url = server.base_url();
    let rate_text = match cli.rate() {
        RateLimit::PerSecond(n) if cli.strict => format!("{n} requests/s (sliding window)"),
        RateLimit::PerSecond(n) => format!("{n} requests/s (fixed windows)"),
        _ => "off".to_owned(),
    };
    println!("cocoon-mock listening on {base_url}");
    println!("  rate limit: {rate_text}; latency: {} ms", cli.latency_ms);
    for (operation, method, path) in &cli.routes {
        println!("  route: {operation} at {method} {path}");
    }
    println!();
    println!("Point the SDK at it:");
    println!("  export COCOONMAIL_BASE_URL={base_url}");
    if cli.api_keys.is_empty() {
        println!("  export COCOONMAIL_API_KEY='{DEFAULT_API_KEY}'");
        println!("  (the fake key above is the one accepted)");
    } else {
        println!(
            "  and use one of the {} API key(s) given with --api-key",
            cli.api_keys.len()
        );
    }
    println!();
    println!("Press Ctrl-C to stop.");
    let _ = std::io::stdout().flush();

    let _ = stop_rx.recv();
    server.shutdown();
    println!("cocoon-mock stopped");
    let _ = std::io::stdout().flush();
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    // clap prints help and errors itself, exiting 0 for --help and 2 for usage errors.
    let cli = Cli::parse();
    run(&cli)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("cocoon-mock").chain(args.iter().copied()))
    }

    #[test]
    fn the_command_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults() {
        let cli = parse(&[]).unwrap();
        assert_eq!((cli.host.as_str(), cli.port), ("127.0.0.1", 8025));
        assert_eq!(cli.rate(), RateLimit::PerSecond(10));
        assert!(cli.api_keys.is_empty() && cli.routes.is_empty() && !cli.strict);
        assert_eq!(cli.journal_capacity, cocoon_mock::DEFAULT_JOURNAL_CAPACITY);
    }

    #[test]
    fn every_flag_in_both_spellings() {
        let cli = parse(&[
            "--port",
            "9000",
            "--host=0.0.0.0",
            "--api-key",
            "k1",
            "--api-key=k2",
            "--rate-limit",
            "50",
            "--strict",
            "--latency-ms=20",
            "--route=contact.create=post:/v2/contacts",
            "--block-after",
            "3",
            "--block-secs=5",
            "--journal-capacity",
            "10",
        ])
        .unwrap();
        assert_eq!(cli.port, 9000);
        assert_eq!(cli.host, "0.0.0.0");
        assert_eq!(cli.api_keys, ["k1", "k2"]);
        assert_eq!(cli.rate(), RateLimit::PerSecond(50));
        assert!(cli.strict);
        assert_eq!(cli.latency_ms, 20);
        assert_eq!(
            cli.routes,
            [(
                Operation::CreateContact,
                "POST".to_owned(),
                "/v2/contacts".to_owned()
            )]
        );
        assert_eq!(
            (cli.block_after, cli.block_secs, cli.block_window_secs),
            (Some(3), 5, 10)
        );
        assert_eq!(cli.journal_capacity, 10);
    }

    #[test]
    fn a_key_may_contain_equals_signs() {
        assert_eq!(parse(&["--api-key=a$b=c=="]).unwrap().api_keys, ["a$b=c=="]);
    }

    #[test]
    fn bad_flags_are_errors() {
        for bad in [
            &["--port"][..],
            &["--port", "http"],
            &["--port", "70000"],
            &["--rate-limit", "0"],
            &["--rate-limit", "5", "--no-rate-limit"],
            &["--strict=yes"],
            &["--verbose"],
            &["8025"],
            &["--api-key", ""],
            &["--route", "contact.create"],
            &["--route", "nope=GET:/x"],
            &["--route", "mail.send=POST:x"],
            &["--block-secs", "5"],
            &["--block-after", "0"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn resolves_hosts() {
        assert_eq!(
            resolve("127.0.0.1", 80).unwrap(),
            "127.0.0.1:80".parse().unwrap()
        );
        assert_eq!(resolve("::1", 80).unwrap(), "[::1]:80".parse().unwrap());
    }
}
