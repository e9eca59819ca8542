//! What a transport is and what every transport shares.
//!
//! The traits a transport implements ([`BlockingTransport`], [`AsyncTransport`]: send an
//! `http::Request`, return the `http::Response`), and the pieces the built-in transports share so
//! that they behave alike: the default limits, the description of a request in error messages
//! ([`RequestTarget`]), the body-size checks, the walk along an error's causes
//! ([`error_causes`]) and the root certificates a client may trust besides the platform's
//! ([`Certificate`]).

use std::future::Future;
use std::time::Duration;

use http::{Request, Response};

use crate::error::TransportError;

mod causes;
mod certificate;
mod target;

pub use causes::{describe_error, error_causes};
pub use certificate::{Certificate, CertificateError};
pub use target::RequestTarget;

/// The default time allowed to establish a connection: name resolution, TCP and TLS.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default time allowed for a whole call, from resolving the host to the last byte of the
/// answer's body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default cap on an answer's body, in bytes (4 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// A blocking transport. Implementations must keep every response header, not follow
/// redirects, and bound the body they read.
///
/// Any closure with the right signature is a transport, which keeps tests short:
///
/// ```
/// use cocoon_core::{BlockingTransport, TransportError};
/// let canned = |_req: http::Request<Vec<u8>>| -> Result<http::Response<Vec<u8>>, TransportError> {
///     Ok(http::Response::new(br#"{"success":true}"#.to_vec()))
/// };
/// let response = canned.send(http::Request::new(Vec::new()))?;
/// assert_eq!(response.status(), 200);
/// # Ok::<(), TransportError>(())
/// ```
pub trait BlockingTransport: Send + Sync {
    /// Sends `request` and returns the answer, whatever its status.
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>;
}

impl<F> BlockingTransport for F
where
    F: Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> + Send + Sync,
{
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self(request)
    }
}

/// An async transport, with the same duties as [`BlockingTransport`].
///
/// A closure returning a future is a transport too:
///
/// ```
/// use cocoon_core::{AsyncTransport, TransportError};
/// let canned = |_req: http::Request<Vec<u8>>| async {
///     Ok::<_, TransportError>(http::Response::new(br#"{"success":true}"#.to_vec()))
/// };
/// # let _ = &canned as &dyn AsyncTransport;
/// ```
#[async_trait::async_trait]
pub trait AsyncTransport: Send + Sync {
    /// Sends `request` and returns the answer, whatever its status.
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>;
}

#[async_trait::async_trait]
impl<F, Fut> AsyncTransport for F
where
    F: Fn(Request<Vec<u8>>) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send,
{
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self(request).await
    }
}

impl BlockingTransport for Box<dyn BlockingTransport> {
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        (**self).send(request)
    }
}

/// Hands the inner transport's boxed future on as it is: written out rather than with
/// `async_trait`, which would box a second future around the first on every call.
impl AsyncTransport for Box<dyn AsyncTransport> {
    fn send<'life0, 'async_trait>(
        &'life0 self,
        request: Request<Vec<u8>>,
    ) -> BoxFuture<'async_trait, Result<Response<Vec<u8>>, TransportError>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        (**self).send(request)
    }
}

/// The future `async_trait` makes of a trait's `async fn`.
pub(crate) type BoxFuture<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;
