//! TLS for the ureq agent: the same library, trust roots and crypto provider as the reqwest
//! transport.
//!
//! ureq's own connectors can trust the platform store *or* a given list of roots, not both, so
//! this crate wraps the TCP connection itself: with rustls through a `ClientConfig` built as
//! reqwest builds its own (platform verifier plus the added roots, aws-lc-rs unless the program
//! installed a default provider), with native-tls through a connector that keeps the platform's
//! roots and adds ours.

use std::fmt;
use std::io::{self, Read, Write};

use cocoon_core::transport::Certificate;
use cocoon_core::TransportError;
use ureq::unversioned::transport::time::{Duration as UreqDuration, Instant as UreqInstant};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
    TransportAdapter,
};

use crate::config_error;

/// Wraps the connection to an `https` URL in TLS; leaves `http` connections as they are.
pub(crate) struct TlsConnector {
    #[cfg(not(feature = "native-tls"))]
    config: std::sync::Arc<rustls::ClientConfig>,
    #[cfg(feature = "native-tls")]
    connector: native_tls::TlsConnector,
}

/// A connection wrapped in TLS.
pub(crate) struct TlsTransport {
    buffers: LazyBuffers,
    stream: Stream,
}

#[cfg(not(feature = "native-tls"))]
type Stream = rustls::StreamOwned<rustls::ClientConnection, TransportAdapter>;
#[cfg(feature = "native-tls")]
type Stream = native_tls::TlsStream<native::Recorded>;

/// The handshake could not finish because the connection broke: the server cannot have seen
/// the request, so the failure is a connection failure, not a TLS one.
#[derive(Debug)]
pub(crate) struct HandshakeInterrupted(pub(crate) io::Error);

impl fmt::Display for HandshakeInterrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the connection broke during the TLS handshake: {}",
            self.0
        )
    }
}

impl std::error::Error for HandshakeInterrupted {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl TlsConnector {
    /// The connector, trusting the platform's roots and `roots`.
    pub(crate) fn new(roots: &[Certificate]) -> Result<Self, TransportError> {
        #[cfg(not(feature = "native-tls"))]
        return Ok(TlsConnector {
            config: std::sync::Arc::new(rustls_tls::client_config(roots)?),
        });
        #[cfg(feature = "native-tls")]
        return Ok(TlsConnector {
            connector: native::connector(roots)?,
        });
    }
}

impl<In: Transport> Connector<In> for TlsConnector {
    type Out = Either<In, TlsTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails<'_>,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Ok(None);
        };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let authority = details
            .uri
            .authority()
            .ok_or(ureq::Error::ConnectionFailed)?;
        let host = authority.host();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);

        let mut adapter = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        adapter.set_timeout(remaining(details));
        let stream = self.handshake(host, adapter)?;
        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        Ok(Some(Either::B(TlsTransport { buffers, stream })))
    }
}

/// What is left of the connect timeout once the TCP connection is up.
fn remaining(details: &ConnectionDetails<'_>) -> NextTimeout {
    let mut timeout = details.timeout;
    if let (UreqDuration::Exact(budget), UreqInstant::Exact(now), UreqInstant::Exact(start)) =
        (timeout.after, (details.current_time)(), details.now)
    {
        timeout.after = UreqDuration::Exact(budget.saturating_sub(now.duration_since(start)));
    }
    timeout
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        adapter(&mut self.stream).set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        adapter(&mut self.stream).set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        adapter(&mut self.stream).get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

impl fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConnector").finish_non_exhaustive()
    }
}

impl fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsTransport").finish_non_exhaustive()
    }
}

#[cfg(not(feature = "native-tls"))]
fn adapter(stream: &mut Stream) -> &mut TransportAdapter {
    &mut stream.sock
}

#[cfg(feature = "native-tls")]
fn adapter(stream: &mut Stream) -> &mut TransportAdapter {
    &mut stream.get_mut().adapter
}

#[cfg(not(feature = "native-tls"))]
mod rustls_tls {
    use std::io;
    use std::sync::Arc;

    use cocoon_core::transport::{describe_error, Certificate};
    use cocoon_core::TransportError;
    use rustls::pki_types::{CertificateDer, ServerName};
    use ureq::unversioned::transport::TransportAdapter;

    use super::{config_error, HandshakeInterrupted, Stream, TlsConnector};

    /// The client configuration reqwest builds for its own rustls connections: the process's
    /// default provider if one was installed, else aws-lc-rs; the platform verifier, with the
    /// added roots beside the platform's.
    pub(super) fn client_config(
        roots: &[Certificate],
    ) -> Result<rustls::ClientConfig, TransportError> {
        let provider = rustls::crypto::CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
        let refused = |e: rustls::Error| {
            config_error(format!(
                "could not set up TLS certificate verification: {}",
                describe_error(&e)
            ))
        };
        let verifier = if roots.is_empty() {
            rustls_platform_verifier::Verifier::new(provider.clone()).map_err(refused)?
        } else {
            extra_roots(roots, provider.clone()).map_err(refused)?
        };
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(refused)?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }

    #[cfg(not(target_os = "android"))]
    fn extra_roots(
        roots: &[Certificate],
        provider: Arc<rustls::crypto::CryptoProvider>,
    ) -> Result<rustls_platform_verifier::Verifier, rustls::Error> {
        let roots = roots
            .iter()
            .map(|root| CertificateDer::from(root.as_der().to_vec()));
        rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider)
    }

    #[cfg(target_os = "android")]
    fn extra_roots(
        _roots: &[Certificate],
        _provider: Arc<rustls::crypto::CryptoProvider>,
    ) -> Result<rustls_platform_verifier::Verifier, rustls::Error> {
        Err(rustls::Error::General(
            "the platform verifier cannot add root certificates on Android".into(),
        ))
    }

    impl TlsConnector {
        pub(super) fn handshake(
            &self,
            host: &str,
            mut adapter: TransportAdapter,
        ) -> Result<Stream, ureq::Error> {
            let name = ServerName::try_from(host.to_owned())
                .map_err(|_| ureq::Error::Tls("the host is not a valid TLS server name"))?;
            let mut conn = rustls::ClientConnection::new(self.config.clone(), name)?;
            if let Err(e) = conn.complete_io(&mut adapter) {
                return Err(handshake_error(e));
            }
            Ok(rustls::StreamOwned::new(conn, adapter))
        }
    }

    /// rustls reports a TLS failure as an `io::Error` carrying a `rustls::Error`; anything else
    /// is the connection itself failing (a timeout arrives as a wrapped ureq error).
    fn handshake_error(error: io::Error) -> ureq::Error {
        if error
            .get_ref()
            .is_some_and(|inner| inner.is::<rustls::Error>())
        {
            let inner = error.into_inner().expect("checked above");
            let tls = inner.downcast::<rustls::Error>().expect("checked above");
            return ureq::Error::Rustls(*tls);
        }
        match ureq::Error::from(error) {
            ureq::Error::Io(io) => ureq::Error::Other(Box::new(HandshakeInterrupted(io))),
            other => other,
        }
    }
}

#[cfg(feature = "native-tls")]
mod native {
    use std::io::{self, Read, Write};
    use std::sync::{Arc, Mutex, PoisonError};

    use cocoon_core::transport::{describe_error, Certificate};
    use cocoon_core::TransportError;
    use ureq::unversioned::transport::TransportAdapter;

    use super::{config_error, HandshakeInterrupted, Stream, TlsConnector};

    /// The platform library's connector: its own trust store, plus `roots`.
    pub(super) fn connector(
        roots: &[Certificate],
    ) -> Result<native_tls::TlsConnector, TransportError> {
        let refused = |e: native_tls::Error| {
            config_error(format!(
                "could not set up the platform TLS library: {}",
                describe_error(&e)
            ))
        };
        let mut builder = native_tls::TlsConnector::builder();
        for root in roots {
            builder.add_root_certificate(
                native_tls::Certificate::from_der(root.as_der()).map_err(refused)?,
            );
        }
        builder.build().map_err(refused)
    }

    /// The connection under the TLS stream, which keeps the last I/O error it met: the platform
    /// library reports a broken connection or a timeout during the handshake as its own error,
    /// and this tells those apart from a TLS failure.
    pub(crate) struct Recorded {
        pub(super) adapter: TransportAdapter,
        last_error: Arc<Mutex<Option<ureq::Error>>>,
    }

    impl Recorded {
        fn record<T>(&self, result: io::Result<T>) -> io::Result<T> {
            result.inspect_err(|e| {
                // The adapter reports a timeout as an I/O error wrapping ureq's own.
                let seen = match e.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>()) {
                    Some(ureq::Error::Timeout(timeout)) => ureq::Error::Timeout(*timeout),
                    _ => ureq::Error::Other(Box::new(HandshakeInterrupted(io::Error::new(
                        e.kind(),
                        e.to_string(),
                    )))),
                };
                *self
                    .last_error
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(seen);
            })
        }
    }

    impl Read for Recorded {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let result = self.adapter.read(buf);
            self.record(result)
        }
    }

    impl Write for Recorded {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let result = self.adapter.write(buf);
            self.record(result)
        }

        fn flush(&mut self) -> io::Result<()> {
            let result = self.adapter.flush();
            self.record(result)
        }
    }

    impl std::fmt::Debug for Recorded {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Recorded").finish_non_exhaustive()
        }
    }

    impl TlsConnector {
        pub(super) fn handshake(
            &self,
            host: &str,
            adapter: TransportAdapter,
        ) -> Result<Stream, ureq::Error> {
            let last_error = Arc::new(Mutex::new(None));
            let recorded = Recorded {
                adapter,
                last_error: Arc::clone(&last_error),
            };
            match self.connector.connect(host, recorded) {
                Ok(stream) => Ok(stream),
                Err(native_tls::HandshakeError::Failure(e)) => Err(last_error
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take()
                    .unwrap_or(ureq::Error::NativeTls(e))),
                Err(native_tls::HandshakeError::WouldBlock(_)) => Err(ureq::Error::Tls(
                    "the TLS handshake stopped on a blocking connection",
                )),
            }
        }
    }
}
