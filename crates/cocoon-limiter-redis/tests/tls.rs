//! `rediss://` against a real redis-server listening only on TLS, with a CA made for the run:
//! both limiters share the budget over TLS with the CA given to the builder, an untrusted
//! certificate is a clear TLS error, and no rustls provider is installed process-wide.

mod common;

use std::time::Duration;

use cocoon_core::limiter::{AsyncRateLimiter, RateLimiter};
use cocoon_core::LimiterErrorKind;
use cocoon_limiter_redis::{Mode, RedisLimiter};
use common::tls_server::{TestCa, TlsRedisServer};
use common::KEY;

const LONG: Duration = Duration::from_secs(3600);
/// An obviously fake password.
const PASSWORD: &str = "fake-redis-password-for-tests";

fn builder(url: String) -> cocoon_limiter_redis::RedisLimiterBuilder {
    RedisLimiter::builder(url)
        .api_key(KEY)
        .response_timeout(Duration::from_secs(2))
}

#[test]
fn both_limiters_share_the_budget_over_tls_and_leave_the_process_provider_alone() {
    assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    let ca = TestCa::new();
    let server = TlsRedisServer::start(&ca, Some(PASSWORD));
    let blocking = builder(server.url(3))
        .tls_root_certificates(ca.pem())
        .build_blocking()
        .unwrap();
    let asynchronous = builder(server.url(3))
        .tls_root_certificates(ca.pem())
        .build()
        .unwrap();
    let first = blocking.reserve(LONG).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let second = runtime
        .block_on(AsyncRateLimiter::reserve(&asynchronous, LONG))
        .unwrap();
    // One schedule: the second slot is behind the first.
    assert!(second.wait() > first.wait(), "{first:?} {second:?}");
    assert!(blocking.is_shared(), "{:?}", blocking.stats());
    assert!(asynchronous.is_shared(), "{:?}", asynchronous.stats());
    // The async limiter keeps its TLS connection for the next call.
    runtime
        .block_on(AsyncRateLimiter::reserve(&asynchronous, LONG))
        .unwrap();
    assert_eq!(asynchronous.stats().shared_permits, 2);

    // Nothing installed: the program can still install its own provider.
    assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    rustls::crypto::aws_lc_rs::default_provider()
        .install_default()
        .expect("the program installs its own provider after the limiter used TLS");
}

#[test]
fn an_untrusted_certificate_is_a_clear_tls_error_without_the_password() {
    let ca = TestCa::new();
    let server = TlsRedisServer::start(&ca, Some(PASSWORD));
    let stranger = TestCa::new();
    let limiter = builder(server.url(0))
        .tls_root_certificates(stranger.pem())
        .fail_closed()
        .build_blocking()
        .unwrap();
    let error = limiter.reserve(LONG).unwrap_err();
    assert_eq!(error.kind, LimiterErrorKind::Unavailable);
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("TLS handshake"), "{shown}");
    assert!(shown.contains("certificate"), "{shown}");
    eprintln!("the error: {error}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert_eq!(limiter.mode(), Mode::Unavailable);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let limiter = builder(server.url(0))
        .tls_root_certificates(stranger.pem())
        .fail_closed()
        .build()
        .unwrap();
    let error = runtime
        .block_on(AsyncRateLimiter::reserve(&limiter, LONG))
        .unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("TLS handshake"), "{shown}");
    assert!(!shown.contains(PASSWORD), "{shown}");
}

#[test]
fn a_wrong_password_over_tls_is_a_typed_error_not_an_outage() {
    let ca = TestCa::new();
    let server = TlsRedisServer::start(&ca, Some(PASSWORD));
    let url = server.url(0).replace(PASSWORD, "not-the-fake-password");
    let limiter = builder(url)
        .tls_root_certificates(ca.pem())
        .build_blocking()
        .unwrap();
    let error = limiter.reserve(LONG).unwrap_err();
    assert_eq!(error.kind, LimiterErrorKind::Misconfigured, "{error}");
    let shown = format!("{error} {error:?}");
    assert!(
        !shown.contains(PASSWORD) && !shown.contains("not-the-fake-password"),
        "{shown}"
    );
    assert_eq!(limiter.stats().fallbacks, 0);
}

#[test]
fn root_certificates_that_are_not_pem_are_a_configuration_error() {
    for bad in [
        &b""[..],
        b"not a certificate",
        b"-----BEGIN CERTIFICATE-----\n!!\n",
    ] {
        let error = builder("rediss://127.0.0.1:1/".to_owned())
            .tls_root_certificates(bad)
            .build_blocking()
            .unwrap_err();
        assert!(
            error.to_string().contains("tls_root_certificates"),
            "{error}"
        );
    }
    // The certificate checks cannot be turned off through the URL.
    assert!(builder("rediss://127.0.0.1:1/#insecure".to_owned())
        .build_blocking()
        .is_err());
}
