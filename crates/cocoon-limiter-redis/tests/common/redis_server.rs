//! A real `redis-server` on a free loopback port, for tests, benches and the fleet example:
//! persistence off, its own temporary directory, killed on drop. When it is not installed, it
//! is installed from the system's packages where the process may (see `system_package.rs`).
//! Standard library only, so other targets can include this file with `#[path]`.

#![allow(dead_code, unreachable_pub)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[path = "system_package.rs"]
pub mod system_package;

/// A `redis-server` child process.
pub struct RedisServer {
    port: u16,
    password: Option<String>,
    dir: PathBuf,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts one on a free loopback port. Panics, saying how to install it, when
    /// `redis-server` is not on `PATH`: tests need a real Redis and never skip silently.
    pub fn start() -> RedisServer {
        RedisServer::start_with(None)
    }

    /// Starts one that requires this password (`--requirepass`).
    pub fn with_password(password: &str) -> RedisServer {
        RedisServer::start_with(Some(password))
    }

    fn start_with(password: Option<&str>) -> RedisServer {
        if let Err(missing) = system_package::ensure("redis-server", "redis-server") {
            panic!("{missing}");
        }
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port();
            let mut server = RedisServer::unstarted(port);
            server.password = password.map(str::to_owned);
            match server.spawn() {
                Ok(()) => return server,
                Err(error) => last_error = error,
            }
        }
        panic!("cannot start redis-server: {last_error}");
    }

    fn unstarted(port: u16) -> RedisServer {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "cocoon-redis-{}-{}-{port}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        RedisServer {
            port,
            password: None,
            dir,
            child: None,
        }
    }

    fn spawn(&mut self) -> Result<(), String> {
        std::fs::create_dir_all(&self.dir).map_err(|e| format!("temporary directory: {e}"))?;
        let mut command = Command::new("redis-server");
        if let Some(password) = &self.password {
            command.args(["--requirepass", password]);
        }
        let child = command
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
                "redis-server is not installed (not on PATH). These tests run against a real \
                 Redis; install it with `apt-get install -y redis-server` (Debian/Ubuntu) or \
                 your platform's package, then run the tests again."
            ),
            Err(e) => return Err(format!("spawn: {e}")),
        };
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.ping() {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(format!("redis-server exited at once ({status})"));
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop();
        Err("redis-server did not answer PING within 10 s".to_owned())
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://[:password@]127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        match &self.password {
            Some(password) => format!("redis://:{password}@127.0.0.1:{}/", self.port),
            None => format!("redis://127.0.0.1:{}/", self.port),
        }
    }

    /// Whether it answers `PING` now.
    pub fn ping(&self) -> bool {
        ping(self.port)
    }

    /// Kills it (its data goes with it: persistence is off).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, empty.
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.spawn() {
                Ok(()) => return,
                // The port may linger a moment after the kill.
                Err(error) if Instant::now() > deadline => {
                    panic!("cannot restart redis-server on port {}: {error}", self.port)
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

/// Whether a Redis answers `PING` on `port` within half a second (a Redis that wants a
/// password first answers, too).
fn ping(port: u16) -> bool {
    let attempt = || -> std::io::Result<bool> {
        let mut stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_millis(500)))?;
        stream.write_all(b"*1\r\n$4\r\nPING\r\n")?;
        let mut reply = [0u8; 7];
        stream.read_exact(&mut reply)?;
        Ok(&reply == b"+PONG\r\n" || &reply == b"-NOAUTH")
    };
    attempt().unwrap_or(false)
}
