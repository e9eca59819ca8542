//! A real `redis-server` listening only on TLS (`--port 0 --tls-port`), with a test CA and a
//! certificate for 127.0.0.1 made by rcgen for this run; killed on drop.

#![allow(dead_code, unreachable_pub)]

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};

use super::redis_server::system_package;

/// A certificate authority made for one test.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    /// A new CA (its key lives only in this process).
    pub fn new() -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().expect("a CA key");
        TestCa {
            issuer: CertifiedIssuer::self_signed(params, key).expect("a CA certificate"),
        }
    }

    /// Its certificate, PEM.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A certificate and key (PEM) for 127.0.0.1 and localhost, signed by this CA.
    fn server_certificate(&self) -> (String, String) {
        let params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("server parameters");
        let key = KeyPair::generate().expect("a server key");
        let certificate = params
            .signed_by(&key, &self.issuer)
            .expect("a server certificate");
        (certificate.pem(), key.serialize_pem())
    }
}

/// A TLS-only `redis-server`.
pub struct TlsRedisServer {
    port: u16,
    password: Option<String>,
    dir: PathBuf,
    child: Option<Child>,
}

impl TlsRedisServer {
    /// Starts one with a certificate from `ca`, requiring `password` when given. Panics when it
    /// cannot start: the tests need a real Redis with TLS and never skip silently.
    pub fn start(ca: &TestCa, password: Option<&str>) -> TlsRedisServer {
        if let Err(missing) = system_package::ensure("redis-server", "redis-server") {
            panic!("{missing}");
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        let dir =
            std::env::temp_dir().join(format!("cocoon-redis-tls-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let (certificate, key) = ca.server_certificate();
        std::fs::write(dir.join("server.crt"), certificate).expect("server.crt");
        std::fs::write(dir.join("server.key"), key).expect("server.key");
        std::fs::write(dir.join("ca.crt"), ca.pem()).expect("ca.crt");
        let mut command = Command::new("redis-server");
        if let Some(password) = password {
            command.args(["--requirepass", password]);
        }
        let child = command
            .args(["--port", "0"])
            .args(["--tls-port", &port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .arg("--tls-cert-file")
            .arg(dir.join("server.crt"))
            .arg("--tls-key-file")
            .arg(dir.join("server.key"))
            .arg("--tls-ca-cert-file")
            .arg(dir.join("ca.crt"))
            .args(["--tls-auth-clients", "no"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start redis-server ({e})"));
        let mut server = TlsRedisServer {
            port,
            password: password.map(str::to_owned),
            dir,
            child: Some(child),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            if let Some(Ok(Some(status))) = server.child.as_mut().map(Child::try_wait) {
                panic!(
                    "redis-server with --tls-port exited at once ({status}): is it built \
                     with TLS?"
                );
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not listen on TLS"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `rediss://[:password@]127.0.0.1:<port>/<db>`.
    pub fn url(&self, db: u8) -> String {
        match &self.password {
            Some(password) => format!("rediss://:{password}@127.0.0.1:{}/{db}", self.port),
            None => format!("rediss://127.0.0.1:{}/{db}", self.port),
        }
    }
}

impl Drop for TlsRedisServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
