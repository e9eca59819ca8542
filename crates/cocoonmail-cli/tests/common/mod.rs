//! What the CLI tests share: a fake server in the test process, a scratch directory, and the
//! `cocoonmail` binary pointed at both.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use cocoon_mock::{MockServer, RateLimit, DEFAULT_API_KEY};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_cocoonmail");

/// A fake server and a scratch directory for one test.
pub struct Env {
    pub server: MockServer,
    pub dir: tempfile::TempDir,
}

impl Env {
    /// A fake server without a rate limit (each command is its own process with its own
    /// limiter; the tests are not about pacing).
    pub fn new() -> Env {
        Env::with(MockServer::builder().rate_limit(RateLimit::Off))
    }

    /// A fake server built by `builder`.
    pub fn with(builder: cocoon_mock::MockBuilder) -> Env {
        Env {
            server: builder.start().expect("the fake server starts"),
            dir: tempfile::tempdir().expect("a scratch directory"),
        }
    }

    /// `cocoonmail` with the key and server in its environment, run in the scratch directory.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::new(BIN);
        cmd.current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("COCOONMAIL_API_KEY", DEFAULT_API_KEY)
            .env("COCOONMAIL_BASE_URL", self.server.base_url())
            .timeout(Duration::from_secs(120));
        cmd
    }

    /// `cocoonmail --rate 100 import KIND INPUT`: an import paced well above what the fake
    /// server needs.
    pub fn import(&self, kind: &str, input: &Path) -> assert_cmd::Command {
        let mut cmd = self.cmd();
        cmd.args(["--rate", "100", "import", kind]).arg(input);
        cmd
    }

    /// A std `Command` for the binary, configured like [`Env::cmd`], for tests that signal it.
    pub fn process(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(BIN);
        cmd.current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("COCOONMAIL_API_KEY", DEFAULT_API_KEY)
            .env("COCOONMAIL_BASE_URL", self.server.base_url());
        cmd
    }

    /// A path in the scratch directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file in the scratch directory and returns its path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).expect("the file is written");
        path
    }

    /// The bodies the server accepted on `event/send`, by email.
    pub fn event_emails(&self) -> Vec<String> {
        self.server
            .events()
            .iter()
            .filter_map(|e| e["email"].as_str().map(str::to_owned))
            .collect()
    }
}

/// The text a command wrote on stdout.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The text a command wrote on stderr.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// stdout as the one JSON document it must be.
pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
            stdout(output),
            stderr(output)
        )
    })
}

/// Waits (at most a minute) until `ready` holds, checking every 20 ms.
pub fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The records of a journal, as `(word, record number, state)` (`sent`, `done`; the state is
/// empty for `sent`), torn last line left out.
pub fn journal_records(path: &Path) -> Vec<(String, u64, String)> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let complete = match text.rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    };
    complete
        .lines()
        .filter_map(|l| {
            let mut words = l.split(' ');
            let word = words.next()?;
            if word != "sent" && word != "done" {
                return None;
            }
            let (record, offset) = words.next()?.split_once('@')?;
            offset.parse::<u64>().ok()?;
            let record = record.parse().ok()?;
            let state = words.next().unwrap_or("").to_owned();
            Some((word.to_owned(), record, state))
        })
        .collect()
}

/// `n` event rows as CSV: `event_name,email,plan`, emails `user{i}@example.com` for record
/// `i + 1` on line `i + 2`.
pub fn events_csv(n: usize) -> String {
    let mut text = String::from("event_name,email,plan\n");
    for i in 0..n {
        text.push_str(&format!("signup,user{i}@example.com,pro\n"));
    }
    text
}
