//! The `cocoon-mock` binary: help, bad flags, serving, logging, and a clean stop on SIGINT
//! (Ctrl-C).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_cocoon-mock");

#[test]
fn help_prints_usage_and_exits_0() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--port",
        "--host",
        "--api-key",
        "--rate-limit",
        "--no-rate-limit",
        "--strict",
        "--latency-ms",
    ] {
        assert!(text.contains(flag), "usage misses {flag}");
    }
}

#[test]
fn bad_flags_exit_2_with_a_message() {
    for args in [
        &["--nope"][..],
        &["--port", "x"],
        &["--rate-limit", "3", "--no-rate-limit"],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
}

/// A running `cocoon-mock` whose banner was read up to "Press Ctrl-C" (so it listens and
/// the handler is installed).
#[cfg(unix)]
struct Running {
    child: std::process::Child,
    stdout: BufReader<std::process::ChildStdout>,
    banner: String,
    base_url: String,
}

#[cfg(unix)]
fn start(args: &[&str], rust_log: &str) -> Running {
    let mut child = Command::new(BIN)
        .args(args)
        .env("RUST_LOG", rust_log)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    let mut line = String::new();
    while !line.contains("Ctrl-C") {
        line.clear();
        assert_ne!(
            stdout.read_line(&mut line).unwrap(),
            0,
            "exited early: {banner}"
        );
        banner.push_str(&line);
    }
    let base_url = banner
        .lines()
        .find_map(|l| l.strip_prefix("cocoon-mock listening on "))
        .unwrap()
        .trim()
        .to_owned();
    Running {
        child,
        stdout,
        banner,
        base_url,
    }
}

#[cfg(unix)]
impl Running {
    /// Sends one request with the default key and returns the raw answer.
    fn get(&self, target: &str) -> String {
        let addr = self.base_url.strip_prefix("http://").unwrap();
        let mut conn = TcpStream::connect(addr).unwrap();
        write!(
            conn,
            "GET {target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
            cocoon_mock::DEFAULT_API_KEY
        )
        .unwrap();
        let mut answer = String::new();
        conn.read_to_string(&mut answer).unwrap();
        answer
    }

    /// Sends SIGINT and waits for a successful exit; returns the rest of stdout and stderr.
    fn interrupt(mut self) -> (String, String) {
        let killed = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("cocoon-mock did not stop on SIGINT");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "{status:?}");
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (rest, stderr)
    }
}

#[cfg(unix)]
#[test]
fn serves_then_stops_cleanly_on_sigint() {
    let running = start(&["--port", "0", "--no-rate-limit"], "info");
    let base_url = running.base_url.clone();
    assert!(running
        .banner
        .contains(&format!("COCOONMAIL_BASE_URL={base_url}")));
    assert!(running.banner.contains(cocoon_mock::DEFAULT_API_KEY));

    let answer = running.get("/webhook/api_key/validate/");
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");

    let (rest, _) = running.interrupt();
    assert!(rest.contains("stopped"), "{rest}");
}

#[cfg(unix)]
#[test]
fn each_request_is_logged_without_query_key_or_body() {
    let running = start(&["--port", "0", "--no-rate-limit"], "info");
    let answer = running.get("/webhook/contact/find?email=secret.person%40example.com");
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    let answer = running.get("/webhook/nothing/here?token=hunter2");
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    let (_, log) = running.interrupt();

    let find = log
        .lines()
        .find(|l| l.contains("/webhook/contact/find"))
        .unwrap_or_else(|| panic!("no log line for the request: {log}"));
    for expected in [
        "INFO",
        "method=GET",
        "path=/webhook/contact/find",
        "status=200",
        "latency_ms=",
    ] {
        assert!(
            find.contains(expected),
            "{expected:?} missing from {find:?}"
        );
    }
    let missing = log
        .lines()
        .find(|l| l.contains("/webhook/nothing/here"))
        .unwrap_or_else(|| panic!("no log line for the 404: {log}"));
    assert!(missing.contains("status=404"), "{missing}");
    for secret in [
        "secret.person",
        "email=",
        "hunter2",
        "token",
        "?",
        cocoon_mock::DEFAULT_API_KEY,
        "Bearer",
        "application/json",
    ] {
        assert!(
            !log.contains(secret),
            "{secret:?} leaked into the log: {log}"
        );
    }
}

#[cfg(unix)]
#[test]
fn rust_log_can_silence_the_log() {
    let running = start(&["--port", "0", "--no-rate-limit"], "off");
    running.get("/webhook/api_key/validate/");
    let (_, log) = running.interrupt();
    assert!(log.is_empty(), "{log}");
}
