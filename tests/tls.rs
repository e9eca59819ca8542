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

/// Validates the key once, through the blocking client or the async one.
fn validate(blocking: bool, base_url: &str, root: Option<Certificate>) -> Result<(), Error> {
    if blocking {
        return blocking_client(base_url, root).keys().validate().map(drop);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        async_client(base_url, root)
            .keys()
            .validate()
            .await
            .map(drop)
    })
}

fn client_name(blocking: bool) -> &'static str {
    if blocking {
        "blocking"
    } else {
        "async"
    }
}

/// Both clients refuse a server of the test CA whose certificate is for `names` (and expired
/// when asked), given the CA as a root or not: a TLS failure, after one connection, that names
/// the certificate and was not retried.
fn both_refuse(names: &[&str], expired: bool, add_root: bool) {
    for blocking in [false, true] {
        let client = client_name(blocking);
        let ca = TestCa::new();
        let server = HttpsServer::start(ca.server(names, expired));
        let root = add_root.then(|| ca.root());
        let err = validate(blocking, &server.url(), root).unwrap_err();
        let Error::Transport(transport) = &err else {
            panic!("{client}: expected a transport error, got {err:?}");
        };
        assert_eq!(transport.kind, TransportErrorKind::Tls, "{client}: {err}");
        assert!(!err.is_retryable(), "{client}: {err}");
        let text = err.to_string();
        assert!(text.contains("TLS"), "{client}: {text}");
        assert!(text.contains("certificate"), "{client}: {text}");
        assert!(!text.contains(KEY), "{client}: {text}");
        assert_eq!(
            server.accepted(),
            1,
            "{client}: one handshake, no retry: {text}"
        );
        assert_eq!(server.answered(), 0, "{client}: never sent: {text}");
    }
}

#[test]
fn both_clients_trust_an_added_root() {
    for blocking in [false, true] {
        let ca = TestCa::new();
        let server = HttpsServer::start(ca.server(&["127.0.0.1"], false));
        validate(blocking, &server.url(), Some(ca.root()))
            .unwrap_or_else(|e| panic!("{}: {e}", client_name(blocking)));
        assert_eq!(server.answered(), 1);
    }
}

#[test]
fn both_clients_refuse_an_unknown_issuer_at_once() {
    both_refuse(&["127.0.0.1"], false, false);
}

#[test]
fn both_clients_refuse_a_certificate_for_another_name() {
    both_refuse(&["cocoonmail.test"], false, true);
}

#[test]
fn both_clients_refuse_an_expired_certificate() {
    both_refuse(&["127.0.0.1"], true, true);
}

/// A server that speaks no TLS at all: the handshake fails, which is TLS too, not a
/// connection to retry.
#[test]
fn a_server_without_tls_is_a_tls_failure_for_both_clients() {
    for blocking in [false, true] {
        let client = client_name(blocking);
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
        let err = validate(blocking, &format!("https://{addr}"), None).unwrap_err();
        let Error::Transport(transport) = &err else {
            panic!("{client}: expected a transport error, got {err:?}");
        };
        assert_eq!(transport.kind, TransportErrorKind::Tls, "{client}: {err}");
        assert!(err.to_string().contains("TLS"), "{client}: {err}");
        assert_eq!(accepted.load(Ordering::SeqCst), 1, "{client}: {err}");
    }
}
