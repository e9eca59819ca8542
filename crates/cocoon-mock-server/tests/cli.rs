//! The `cocoon-mock` binary: help, bad flags, serving, and a clean stop on SIGINT (Ctrl-C).

#![cfg(feature = "cli")]

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

#[cfg(unix)]
#[test]
fn serves_then_stops_cleanly_on_sigint() {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--no-rate-limit"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    let mut line = String::new();
    // Read up to the "Press Ctrl-C" line: the server is listening and the handler installed.
    while !line.contains("Ctrl-C") {
        line.clear();
        assert_ne!(
            stdout.read_line(&mut line).unwrap(),
            0,
            "exited early: {printed}"
        );
        printed.push_str(&line);
    }
    let base_url = printed
        .lines()
        .find_map(|l| l.strip_prefix("cocoon-mock listening on "))
        .unwrap()
        .trim()
        .to_owned();
    assert!(printed.contains(&format!("COCOONMAIL_BASE_URL={base_url}")));
    assert!(printed.contains(cocoon_mock::DEFAULT_API_KEY));

    let addr = base_url.strip_prefix("http://").unwrap();
    let mut conn = TcpStream::connect(addr).unwrap();
    write!(
        conn,
        "GET /webhook/api_key/validate/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
        cocoon_mock::DEFAULT_API_KEY
    )
    .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");

    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("cocoon-mock did not stop on SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("stopped"), "{rest}");
}
