//! What a transport is and what every transport shares.
//!
//! The traits a transport implements ([`BlockingTransport`], [`AsyncTransport`]: send an
//! `http::Request`, return the `http::Response`), and the pieces the built-in transports share so
//! that they behave alike: the default limits, the description of a request in error messages
//! ([`RequestTarget`]), the body-size checks, the walk along an error's causes
//! ([`error_causes`]) and the root certificates a client may trust besides the platform's
//! ([`Certificate`]).

use std::future::Future;
use std::time::{Duration, Instant};

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

/// The instant by which the call a request belongs to must end, carried in the request's
/// extensions so that a transport can bound the attempt by what is left of the call's
/// deadline.
///
/// The clients put one on every request; a blocking transport that honours it lets the
/// blocking client end a call on time (the built-in ureq transport does; the async client
/// also cuts an attempt itself, by dropping its future, whatever the transport does).
///
/// ```
/// use std::time::{Duration, Instant};
/// use cocoon_core::transport::Deadline;
///
/// let mut request = http::Request::new(Vec::<u8>::new());
/// Deadline::at(Instant::now() + Duration::from_secs(2)).attach(&mut request);
/// let left = Deadline::of(&request).map(|d| d.remaining());
/// assert!(left.is_some_and(|left| left <= Duration::from_secs(2)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Deadline(Instant);

impl Deadline {
    /// A deadline at `instant`.
    pub fn at(instant: Instant) -> Self {
        Deadline(instant)
    }

    /// A deadline `timeout` from now (far in the future when that overflows).
    pub fn after(timeout: Duration) -> Self {
        let now = Instant::now();
        Deadline(
            now.checked_add(timeout)
                .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600)),
        )
    }

    /// The instant.
    pub fn instant(&self) -> Instant {
        self.0
    }

    /// What is left of it (zero once passed).
    pub fn remaining(&self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }

    /// Whether it has passed.
    pub fn has_passed(&self) -> bool {
        self.remaining().is_zero()
    }

    /// The deadline `request` carries, if any.
    pub fn of<B>(request: &Request<B>) -> Option<Deadline> {
        request.extensions().get::<Deadline>().copied()
    }

    /// Puts this deadline on `request` (replacing one it carried).
    pub fn attach<B>(self, request: &mut Request<B>) {
        request.extensions_mut().insert(self);
    }
}

/// A blocking transport. Implementations must keep every response header, not follow
/// redirects, and bound the body they read; they should end an attempt by the [`Deadline`]
/// the request carries, if any.
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
