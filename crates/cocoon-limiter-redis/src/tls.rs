//! `rediss://` through rustls, on the limiter's own TLS configuration: aws-lc-rs named
//! explicitly, the platform's root certificates or the ones given to the builder. Nothing is
//! installed process-wide, so a program stays free to install its own rustls provider, before
//! or after the limiter connects.
//!
//! redis-rs's own rustls support builds its configuration from the process-wide provider (and
//! installs one when there is none), so the limiter opens the TLS stream itself and hands
//! redis-rs the encrypted stream (async) or speaks RESP over it (blocking).

use std::fmt;
use std::io::{BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use redis::{ConnectionLike, ErrorKind, RedisConnectionInfo, RedisError, RedisResult, Value};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

/// Where and how to open a TLS connection to Redis.
#[derive(Clone)]
pub(crate) struct Tls {
    config: Arc<ClientConfig>,
    host: String,
    port: u16,
    server_name: ServerName<'static>,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls")
            .field("host", &self.host)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Tls {
    /// The TLS settings for `host:port`, trusting the PEM certificates `roots` when given and
    /// the platform's root certificates otherwise. The error says what is wrong, for a
    /// configuration error.
    pub(crate) fn new(host: &str, port: u16, roots: Option<&[u8]>) -> Result<Tls, String> {
        let mut store = RootCertStore::empty();
        match roots {
            Some(pem) => {
                for certificate in CertificateDer::pem_slice_iter(pem) {
                    let certificate = certificate
                        .map_err(|e| format!("the root certificates are not PEM: {e}"))?;
                    store
                        .add(certificate)
                        .map_err(|e| format!("a root certificate is unusable: {e}"))?;
                }
                if store.is_empty() {
                    return Err("no certificate in the PEM root certificates".to_owned());
                }
            }
            None => {
                // Certificates the platform has but rustls cannot use are skipped.
                let found = rustls_native_certs::load_native_certs();
                let (added, _ignored) = store.add_parsable_certificates(found.certs);
                if added == 0 {
                    return Err(
                        "no usable root certificate on this system; give the Redis server's CA \
                         with tls_root_certificates(..)"
                            .to_owned(),
                    );
                }
            }
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?
            .with_root_certificates(store)
            .with_no_client_auth();
        let server_name = ServerName::try_from(host.to_owned())
            .map_err(|_| "the host is not a valid TLS server name".to_owned())?;
        Ok(Tls {
            config: Arc::new(config),
            host: host.to_owned(),
            port,
            server_name,
        })
    }

    /// A connected TLS session, handshake done, with these timeouts on the socket.
    fn connect_blocking(
        &self,
        timeout: Duration,
    ) -> RedisResult<StreamOwned<ClientConnection, TcpStream>> {
        let mut last = None;
        let mut tcp = None;
        for address in (self.host.as_str(), self.port).to_socket_addrs()? {
            match TcpStream::connect_timeout(&address, timeout) {
                Ok(stream) => {
                    tcp = Some(stream);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let mut tcp = match (tcp, last) {
            (Some(tcp), _) => tcp,
            (None, Some(e)) => return Err(e.into()),
            (None, None) => return Err(no_address()),
        };
        tcp.set_read_timeout(Some(timeout))?;
        tcp.set_write_timeout(Some(timeout))?;
        tcp.set_nodelay(true)?;
        let mut session = ClientConnection::new(self.config.clone(), self.server_name.clone())
            .map_err(handshake_failed)?;
        while session.is_handshaking() {
            session.complete_io(&mut tcp).map_err(io_or_handshake)?;
        }
        Ok(StreamOwned::new(session, tcp))
    }

    /// An async connection on a TLS session, its driver spawned on the caller's runtime.
    #[cfg(feature = "tokio")]
    pub(crate) async fn connect_async(
        &self,
        info: &RedisConnectionInfo,
        timeout: Duration,
    ) -> RedisResult<redis::aio::MultiplexedConnection> {
        let tcp = tokio::net::TcpStream::connect((self.host.as_str(), self.port)).await?;
        tcp.set_nodelay(true)?;
        let connector = tokio_rustls::TlsConnector::from(self.config.clone());
        let stream = connector
            .connect(self.server_name.clone(), tcp)
            .await
            .map_err(io_or_handshake)?;
        let config = redis::AsyncConnectionConfig::new().set_response_timeout(Some(timeout));
        let (connection, driver) =
            redis::aio::MultiplexedConnection::new_with_config(info, stream, config).await?;
        tokio::spawn(driver);
        Ok(connection)
    }
}

fn no_address() -> RedisError {
    RedisError::from((ErrorKind::Io, "the Redis host has no address"))
}

fn handshake_failed(error: rustls::Error) -> RedisError {
    RedisError::from((
        ErrorKind::Io,
        "TLS handshake with Redis failed (is its certificate signed by a trusted CA, for this host?)",
        error.to_string(),
    ))
}

/// A handshake error (an untrusted certificate, a wrong host name) named as such; other I/O
/// errors as they are.
fn io_or_handshake(error: std::io::Error) -> RedisError {
    let tls = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .cloned();
    match tls {
        Some(tls) => handshake_failed(tls),
        None => error.into(),
    }
}

/// The blocking limiter's connection to one server over TLS: RESP requests written to the
/// session, answers read back with redis-rs's parser.
pub(crate) struct BlockingTls {
    stream: BufReader<StreamOwned<ClientConnection, TcpStream>>,
    parser: redis::Parser,
    db: i64,
    open: bool,
}

impl BlockingTls {
    /// Connects, then authenticates and selects the database the URL names.
    pub(crate) fn connect(
        tls: &Tls,
        info: &RedisConnectionInfo,
        timeout: Duration,
    ) -> RedisResult<BlockingTls> {
        let stream = tls.connect_blocking(timeout)?;
        let mut connection = BlockingTls {
            stream: BufReader::new(stream),
            parser: redis::Parser::new(),
            db: info.db(),
            open: true,
        };
        if let Some(password) = info.password() {
            let mut auth = redis::cmd("AUTH");
            if let Some(user) = info.username() {
                auth.arg(user);
            }
            auth.arg(password).exec(&mut connection)?;
        }
        if info.db() != 0 {
            redis::cmd("SELECT").arg(info.db()).exec(&mut connection)?;
        }
        Ok(connection)
    }

    fn read_one(&mut self) -> RedisResult<Value> {
        match self.parser.parse_value(&mut self.stream) {
            Ok(value) => value.extract_error(),
            Err(error) => {
                if error.is_io_error() || error.is_unrecoverable_error() {
                    self.open = false;
                }
                Err(error)
            }
        }
    }

    fn send(&mut self, bytes: &[u8]) -> RedisResult<()> {
        let stream = self.stream.get_mut();
        let written = stream.write_all(bytes).and_then(|()| stream.flush());
        if let Err(error) = written {
            self.open = false;
            return Err(error.into());
        }
        Ok(())
    }
}

impl ConnectionLike for BlockingTls {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        self.send(cmd)?;
        self.read_one()
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        self.send(cmd)?;
        let mut replies = Vec::with_capacity(count);
        for i in 0..offset + count {
            let reply = self.read_one()?;
            if i >= offset {
                replies.push(reply);
            }
        }
        Ok(replies)
    }

    fn get_db(&self) -> i64 {
        self.db
    }

    fn check_connection(&mut self) -> bool {
        redis::cmd("PING").exec(self).is_ok()
    }

    fn is_open(&self) -> bool {
        self.open
    }
}
