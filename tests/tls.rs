//! Both clients against an HTTPS server on loopback whose certificates are made here.
//!
//! The test CA never is in the machine's trust store, so a client that was not given it must
//! refuse the server, whatever the store holds: at once, with a TLS error, in one connection.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use cocoonmail::{Certificate, Error, TransportErrorKind};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

const KEY: &str = cocoon_mock::DEFAULT_API_KEY;

/// A CA made for one test.
struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    certificate: rcgen::Certificate,
}

impl TestCa {
    fn new() -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "Cocoonmail test CA");
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().unwrap();
        let certificate = params.self_signed(&key).unwrap();
        TestCa {
            issuer: Issuer::new(params, key),
            certificate,
        }
    }

    /// The CA as a client is given it: PEM, as it would be read from a file.
    fn root(&self) -> Certificate {
        Certificate::from_pem(self.certificate.pem()).expect("the CA reads back")
    }

    /// A server certificate for `names` (DNS names or IP addresses), signed by this CA.
    fn server(&self, names: &[&str], expired: bool) -> Identity {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        if expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let key = KeyPair::generate().unwrap();
        let certificate = params.signed_by(&key, &self.issuer).unwrap();
        Identity {
            chain: vec![certificate.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        }
    }
}

struct Identity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

/// An HTTPS server on loopback that answers every request with the validate answer and counts
/// the connections it accepts.
struct HttpsServer {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    answered: Arc<AtomicUsize>,
}

impl HttpsServer {
    fn start(identity: Identity) -> HttpsServer {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(identity.chain, identity.key)
            .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let answered = Arc::new(AtomicUsize::new(0));
        let (count, done) = (accepted.clone(), answered.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                count.fetch_add(1, Ordering::SeqCst);
                let (config, done) = (config.clone(), done.clone());
                thread::spawn(move || serve(config, stream, &done));
            }
        });
        HttpsServer {
            addr,
            accepted,
            answered,
        }
    }

    fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    fn answered(&self) -> usize {
        self.answered.load(Ordering::SeqCst)
    }
}

/// One connection: the handshake (a client that refuses the certificate ends it here), then
/// one request answered with `{"success":true}`.
fn serve(config: Arc<rustls::ServerConfig>, stream: std::net::TcpStream, done: &AtomicUsize) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let conn = rustls::ServerConnection::new(config).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, stream);
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match tls.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let body = br#"{"success":true}"#;
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = tls.write_all(answer.as_bytes());
    let _ = tls.write_all(body);
    tls.conn.send_close_notify();
    let _ = tls.flush();
    done.fetch_add(1, Ordering::SeqCst);
}

fn async_client(base_url: &str, root: Option<Certificate>) -> cocoonmail::Client {
    let mut builder = cocoonmail::Client::builder()
        .api_key(KEY)
        .base_url(base_url)
        .timeout(Duration::from_secs(20));
    if let Some(root) = root {
        builder = builder.add_root_certificate(root);
    }
    builder.build().expect("an async client")
}

fn blocking_client(base_url: &str, root: Option<Certificate>) -> cocoonmail::blocking::Client {
    let mut builder = cocoonmail::blocking::Client::builder()
        .api_key(KEY)
        .base_url(base_url)
        .timeout(Duration::from_secs(20));
    if let Some(root) = root {
        builder = builder.add_root_certificate(root);
    }
    builder.build().expect("a blocking client")
}

/// A TLS failure that names its cause and was not retried.
fn assert_tls_failure(err: &Error, server: &HttpsServer, cause: &str) {
    let Error::Transport(transport) = err else {
        panic!("expected a transport error, got {err:?}");
    };
    assert_eq!(transport.kind, TransportErrorKind::Tls, "{err}");
    assert!(!err.is_retryable(), "{err}");
    let text = err.to_string();
    assert!(text.contains("TLS"), "{text}");
    assert!(text.contains(cause), "{text}");
    assert!(!text.contains(KEY), "{text}");
    assert_eq!(
        server.accepted(),
        1,
        "one handshake attempt, no retry: {text}"
    );
    assert_eq!(server.answered(), 0, "the request was never sent: {text}");
}

#[tokio::test]
async fn the_async_client_trusts_an_added_root() {
    let ca = TestCa::new();
    let server = HttpsServer::start(ca.server(&["127.0.0.1"], false));
    let client = async_client(&server.url(), Some(ca.root()));
    client.api_key().validate().await.expect("a trusted server");
    assert_eq!(server.answered(), 1);
}

#[test]
fn the_blocking_client_trusts_an_added_root() {
    let ca = TestCa::new();
    let server = HttpsServer::start(ca.server(&["127.0.0.1"], false));
    let client = blocking_client(&server.url(), Some(ca.root()));
    client.api_key().validate().expect("a trusted server");
    assert_eq!(server.answered(), 1);
}

#[tokio::test]
async fn the_async_client_refuses_an_unknown_issuer_at_once() {
    let ca = TestCa::new();
    let server = HttpsServer::start(ca.server(&["127.0.0.1"], false));
    let err = async_client(&server.url(), None)
        .api_key()
        .validate()
        .await
        .unwrap_err();
    assert_tls_failure(&err, &server, "certificate");
}

#[test]
fn the_blocking_client_refuses_an_unknown_issuer_at_once() {
    let ca = TestCa::new();
    let server = HttpsServer::start(ca.server(&["127.0.0.1"], false));
    let err = blocking_client(&server.url(), None)
        .api_key()
        .validate()
        .unwrap_err();
    assert_tls_failure(&err, &server, "certificate");
}

#[tokio::test]
async fn the_async_client_refuses_a_certificate_for_another_name() {
    let ca = TestCa::new();
    let server = HttpsServer::start(ca.server(&["cocoonmail.test"], false));
    let err = async_client(&server.url(), Some(ca.root()))
        .api_key()
        .validate()
        .await
        .unwrap_err();
    assert_tls_failure(&err, &server, "certificate");
}

#[test]
fn the_blocking_client_refuses_a_certificate_for_another_name() {
    let ca = TestCa::new();
    let server = HttpsServer::start(ca.server(&["cocoonmail.test"], false));
    let err = blocking_client(&server.url(), Some(ca.root()))
        .api_key()
        .validate()
        .unwrap_err();
    assert_tls_failure(&err, &server, "certificate");
}

#[tokio::test]
async fn the_async_client_refuses_an_expired_certificate() {
    let ca = TestCa::new();
    let server = HttpsServer::start(ca.server(&["127.0.0.1"], true));
    let err = async_client(&server.url(), Some(ca.root()))
        .api_key()
        .validate()
        .await
        .unwrap_err();
    assert_tls_failure(&err, &server, "certificate");
}

#[test]
fn the_blocking_client_refuses_an_expired_certificate() {
    let ca = TestCa::new();
    let server = HttpsServer::start(ca.server(&["127.0.0.1"], true));
    let err = blocking_client(&server.url(), Some(ca.root()))
        .api_key()
        .validate()
        .unwrap_err();
    assert_tls_failure(&err, &server, "certificate");
}

/// A server that speaks no TLS at all: the handshake fails, which is TLS too, not a
/// connection to retry.
#[test]
fn a_server_without_tls_is_a_tls_failure_for_both_clients() {
    for blocking in [false, true] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                count.fetch_add(1, Ordering::SeqCst);
                let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            }
        });
        let url = format!("https://{addr}");
        let err = if blocking {
            blocking_client(&url, None)
                .api_key()
                .validate()
                .unwrap_err()
        } else {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                async_client(&url, None)
                    .api_key()
                    .validate()
                    .await
                    .unwrap_err()
            })
        };
        let Error::Transport(transport) = &err else {
            panic!("expected a transport error, got {err:?}");
        };
        assert_eq!(
            transport.kind,
            TransportErrorKind::Tls,
            "blocking={blocking}: {err}"
        );
        assert!(err.to_string().contains("TLS"), "{err}");
        assert_eq!(
            accepted.load(Ordering::SeqCst),
            1,
            "blocking={blocking}: {err}"
        );
    }
}
