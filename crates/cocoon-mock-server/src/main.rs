//! `cocoon-mock`: run the fake Cocoonmail server from the command line.

use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use cocoon_mock::{MockServer, RateLimit, DEFAULT_API_KEY};

const USAGE: &str = "\
cocoon-mock: a fake Cocoonmail API server for tests and demos

USAGE:
    cocoon-mock [OPTIONS]

OPTIONS:
    --port N            port to listen on (default 8025; 0 picks a free one)
    --host HOST         address to listen on (default 127.0.0.1)
    --api-key KEY       accept this API key (repeatable; default: the built-in fake key)
    --rate-limit N      requests per second shared by all keys (default 10)
    --no-rate-limit     do not limit the request rate
    --strict            sliding one-second rate window instead of fixed windows
    --latency-ms N      delay every answer by N milliseconds (default 0)
    -h, --help          print this help

Stop it with Ctrl-C.
";

#[derive(Debug, Clone, PartialEq, Eq)]
struct Options {
    host: String,
    port: u16,
    api_keys: Vec<String>,
    rate_limit: Option<u32>,
    no_rate_limit: bool,
    strict: bool,
    latency_ms: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            host: "127.0.0.1".to_owned(),
            port: 8025,
            api_keys: Vec::new(),
            rate_limit: None,
            no_rate_limit: false,
            strict: false,
            latency_ms: 0,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Run(Options),
    Help,
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{flag} expects a non-negative integer, got {value:?}"))
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let takes_value = matches!(
            flag.as_str(),
            "--port" | "--host" | "--api-key" | "--rate-limit" | "--latency-ms"
        );
        let value = if takes_value {
            match inline {
                Some(v) => v,
                None => args.next().ok_or_else(|| format!("{flag} needs a value"))?,
            }
        } else {
            if inline.is_some() {
                return Err(format!("{flag} takes no value"));
            }
            String::new()
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--port" => options.port = number(&flag, &value)?,
            "--host" => {
                if value.is_empty() {
                    return Err("--host needs a value".to_owned());
                }
                options.host = value;
            }
            "--api-key" => {
                if value.is_empty() {
                    return Err("--api-key must not be empty".to_owned());
                }
                options.api_keys.push(value);
            }
            "--rate-limit" => {
                let n: u32 = number(&flag, &value)?;
                if n == 0 {
                    return Err("--rate-limit must be at least 1 (or use --no-rate-limit)".into());
                }
                options.rate_limit = Some(n);
            }
            "--no-rate-limit" => options.no_rate_limit = true,
            "--strict" => options.strict = true,
            "--latency-ms" => options.latency_ms = number(&flag, &value)?,
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }
    if options.no_rate_limit && options.rate_limit.is_some() {
        return Err("--rate-limit and --no-rate-limit cannot be combined".to_owned());
    }
    Ok(Command::Run(options))
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

fn run(options: Options) -> ExitCode {
    let addr = match resolve(&options.host, options.port) {
        Ok(a) => a,
        Err(message) => {
            eprintln!("cocoon-mock: {message}");
            return ExitCode::from(2);
        }
    };
    let rate = if options.no_rate_limit {
        RateLimit::Off
    } else {
        RateLimit::PerSecond(options.rate_limit.unwrap_or(10))
    };
    let mut builder = MockServer::builder()
        .bind(addr)
        .rate_limit(rate)
        .strict_window(options.strict)
        .latency(Duration::from_millis(options.latency_ms));
    for key in &options.api_keys {
        builder = builder.api_key(key.clone());
    }
    let server = match builder.start() {
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
    let rate_text = match rate {
        RateLimit::PerSecond(n) if options.strict => format!("{n} requests/s (sliding window)"),
        RateLimit::PerSecond(n) => format!("{n} requests/s (fixed windows)"),
        _ => "off".to_owned(),
    };
    println!("cocoon-mock listening on {base_url}");
    println!(
        "  rate limit: {rate_text}; latency: {} ms",
        options.latency_ms
    );
    println!();
    println!("Point the SDK at it:");
    println!("  export COCOONMAIL_BASE_URL={base_url}");
    if options.api_keys.is_empty() {
        println!("  export COCOONMAIL_API_KEY='{DEFAULT_API_KEY}'");
        println!("  (the fake key above is the one accepted)");
    } else {
        println!(
            "  and use one of the {} API key(s) given with --api-key",
            options.api_keys.len()
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
    match parse_args(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Command::Run(options)) => run(options),
        Err(message) => {
            eprintln!("cocoon-mock: {message}\nRun `cocoon-mock --help` for the options.");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn defaults() {
        assert_eq!(parse(&[]), Ok(Command::Run(Options::default())));
    }

    #[test]
    fn every_flag_in_both_spellings() {
        let Ok(Command::Run(o)) = parse(&[
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
        ]) else {
            panic!("did not parse");
        };
        assert_eq!(o.port, 9000);
        assert_eq!(o.host, "0.0.0.0");
        assert_eq!(o.api_keys, ["k1", "k2"]);
        assert_eq!(o.rate_limit, Some(50));
        assert!(o.strict);
        assert_eq!(o.latency_ms, 20);
    }

    #[test]
    fn a_key_may_contain_equals_signs() {
        let Ok(Command::Run(o)) = parse(&["--api-key=a$b=c=="]) else {
            panic!("did not parse");
        };
        assert_eq!(o.api_keys, ["a$b=c=="]);
    }

    #[test]
    fn help() {
        assert_eq!(parse(&["--port", "1", "--help"]), Ok(Command::Help));
        assert_eq!(parse(&["-h"]), Ok(Command::Help));
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
